"""The product settings are built once and rebuilt whenever an override changes them."""

from __future__ import annotations

from typing import Any

from straz.core.config import straz_settings


def test_settings_are_built_once_per_configuration() -> None:
    # A request reads them a dozen times; rebuilding each time cost a tenth of an intake.
    assert straz_settings() is straz_settings()


def test_an_override_is_seen_at_once_and_undone_after(settings: Any) -> None:
    before = straz_settings().reports_per_ip_per_day
    settings.STRAZ = {**settings.STRAZ, "REPORTS_PER_IP_PER_DAY": before + 7}
    assert straz_settings().reports_per_ip_per_day == before + 7
    settings.STRAZ_REQUIRE_2FA = not straz_settings().require_2fa
    assert straz_settings().require_2fa is settings.STRAZ_REQUIRE_2FA

