"""The typed settings accessor: every STRAZ key has a type, overrides apply at once, gaps fall back."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import override_settings

from straz.core.config import DEFAULTS, setting_keys, straz_settings


def test_every_key_of_the_straz_setting_is_known_to_the_accessor() -> None:
    assert set(settings.STRAZ) <= set(setting_keys())


def test_the_accessor_reads_the_settings_afresh(settings: Any) -> None:
    settings.STRAZ = {**settings.STRAZ, "READ_DEADLINE_DAYS": 4}
    assert straz_settings().read_deadline_days == 4
    with override_settings(STRAZ={**settings.STRAZ, "READ_DEADLINE_DAYS": 9}):
        assert straz_settings().read_deadline_days == 9
    assert straz_settings().read_deadline_days == 4


def test_a_key_left_out_falls_back_to_its_default() -> None:
    with override_settings(STRAZ={"SOURCE_URL": "https://example.org/straz.git"}):
        conf = straz_settings()
    assert conf.source_url == "https://example.org/straz.git"
    assert conf.verify_deadline_days == DEFAULTS.verify_deadline_days
    assert conf.outbox_max_attempts == DEFAULTS.outbox_max_attempts


def test_values_get_their_declared_types() -> None:
    with override_settings(
        STRAZ={
            "MAP_CENTER": ["50.1", 14],
            "MAP_ZOOM": "9",
            "SHARED_IP_RANGES": ["10.0.0.0/8"],
            "OUTBOX_LEASE_SECONDS": 60,
            "CRIME_MAP_HIDDEN_TYPE_IDS": ["3", 4],
            "IZS_INDIVIDUAL_PERSONS_MAX": "twelve",
        },
        STRAZ_MAX_REQUEST_BYTES=1024,
    ):
        conf = straz_settings()
    assert conf.map_center == (50.1, 14.0)
    assert conf.map_zoom == 9
    assert conf.shared_ip_ranges == ("10.0.0.0/8",)
    assert conf.outbox_lease_seconds == 60.0 and isinstance(conf.outbox_lease_seconds, float)
    assert conf.crime_map_hidden_type_ids == (3, 4)
    # Left raw on purpose: the alarm wing validates it and names the setting in its error.
    assert conf.izs_individual_persons_max == "twelve"
    assert conf.max_request_bytes == 1024

