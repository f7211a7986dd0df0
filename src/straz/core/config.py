"""Typed access to the product settings (`settings.STRAZ` and the other STRAZ_* settings).

`straz_settings()` reads the settings afresh on every call, so `override_settings` and
pytest-django's `settings` fixture take effect at once. A key missing from `settings.STRAZ`
(tests often override only the keys they care about) falls back to the default here, which
is also the default settings.py uses when the environment says nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(int(x) for x in value)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in value)


def _optional_strs(value: Any) -> tuple[str, ...] | None:
    return None if value is None else _strs(value)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _point(value: Any) -> tuple[float, float]:
    lat, lon = (float(x) for x in value)
    return (lat, lon)


def _raw(value: Any) -> object:
    return value


@dataclass(frozen=True)
class StrazSettings:
    """Every product setting with its type; the defaults are the built-in policy."""

    # Where users get the source code (AGPL-3.0 §13); empty serves the running code itself.
    source_url: str = ""
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© OpenStreetMap contributors"
    map_center: tuple[float, float] = (49.7475, 13.3776)  # (lat, lon)
    map_zoom: int = 12
    # Abuse limits (ADR 0006).
    reports_per_ip_per_day: int = 1
    shared_ip_ranges: tuple[str, ...] = ("100.64.0.0/10",)
    reports_per_shared_ip_per_day: int = 30
    trusted_proxy_count: int = 0
    # Addresses/networks of the reverse proxies whose X-Forwarded-For is believed (ADR 0027);
    # a request from any other address is taken at its REMOTE_ADDR.
    trusted_proxies: tuple[str, ...] = ("127.0.0.0/8", "::1/128")
    # Other sites whose pages may file reports from a visitor's browser (scheme://host[:port]);
    # the site's own origin is always allowed (ADR 0027).
    allowed_origins: tuple[str, ...] = ()
    # Days an API token lives unless `createtoken --expires-days` says otherwise (ADR 0027).
    api_token_days: int = 90
    # Threat-map deadlines and retention, in days unless the name says otherwise.
    read_deadline_days: int = 2
    verify_deadline_days: int = 5
    public_retention_days: int = 30
    duplicate_radius_m: int = 150
    duplicate_window_hours: int = 72
    approximate_resolution: int = 8
    max_attachment_bytes: int = 5 * 1024 * 1024
    # Largest picture decoded at intake (width x height); bigger ones are refused (ADR 0022).
    max_image_pixels: int = 40_000_000
    description_max_chars: int = 500
    ip_retention_days: int = 180
    # A follower's e-mail address is erased this many days after the report it follows is
    # closed (and with the reporter's IP address at the latest; ADR 0036).
    follow_retention_days: int = 30
    # The site's public address for links in e-mails to citizens (e.g. https://straz.example);
    # empty uses the address the citizen reported through.
    public_url: str = ""
    public_export_max_age_minutes: float = 10.0
    # Disk used by written public downloads at most; least recently used go first (ADR 0023).
    public_export_cache_max_bytes: int = 200 * 1024 * 1024
    # Public (anonymous) report and table downloads per address and hour; staff are not
    # limited (ADR 0023). Shared ranges (carrier NAT) get the larger figure.
    downloads_per_ip_per_hour: int = 30
    downloads_per_shared_ip_per_hour: int = 300
    # Police crime-map import; None leaves the choice to the importer's own defaults.
    crime_map_public_resolution: int | None = None
    crime_map_hidden_type_ids: tuple[int, ...] = ()
    crime_map_hidden_type_names: tuple[str, ...] | None = None
    crime_map_non_public_state_ids: tuple[int, ...] = ()
    crime_map_non_public_state_names: tuple[str, ...] | None = None
    # IZS: unvalidated on purpose (None when unset); the alarm wing checks it and reports a
    # misconfiguration in its own words.
    izs_individual_persons_max: object = None
    # Notification outbox.
    outbox_max_attempts: int = 8
    outbox_backoff_base_seconds: float = 30.0
    outbox_backoff_cap_seconds: float = 3600.0
    outbox_lease_seconds: float = 120.0
    outbox_send_timeout_seconds: float = 5.0
    outbox_interval_seconds: float = 5.0
    outbox_message_id_domain: str = "straz.invalid"
    # settings.STRAZ_MAX_REQUEST_BYTES (a top-level setting: Django's upload limits use it too).
    max_request_bytes: int = 6 * 1024 * 1024
    # The audit chain's HMAC key and its signed checkpoints (ADR 0020), top-level settings
    # from the environment; empty means the default places outside the data directory.
    audit_key: str = dataclasses.field(default="", repr=False)
    audit_key_file: str = ""
    audit_checkpoint_dir: str = ""
    # How often the worker writes a checkpoint of the audit chain; 0 leaves it to cron.
    audit_checkpoint_interval_minutes: float = 0.0
    # Login hardening (ADR 0024): second factor for the roles that need it (a top-level
    # setting, STRAZ_REQUIRE_2FA), and the first lockout's cool-off, doubled after each
    # further failure.
    require_2fa: bool = True
    login_cooloff_minutes: float = 15.0
    # The one report-category catalogue this deployment offers: "cz" (the Czech set) or
    # "kmzb" (the Polish national list; "pl" is accepted for it). Reports filed under the
    # other catalogue stay readable; its categories are not offered (issue 9).
    category_catalogue: str = "cz"


DEFAULTS = StrazSettings()

_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "map_center": _point,
    "shared_ip_ranges": _strs,
    "trusted_proxies": _strs,
    "allowed_origins": _strs,
    "crime_map_public_resolution": _optional_int,
    "crime_map_hidden_type_ids": _ints,
    "crime_map_hidden_type_names": _optional_strs,
    "crime_map_non_public_state_ids": _ints,
    "crime_map_non_public_state_names": _optional_strs,
    "izs_individual_persons_max": _raw,
}
_SCALARS: dict[str, Callable[[Any], Any]] = {"str": str, "int": int, "float": float, "bool": bool}


def _converter(field: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    return _CONVERTERS.get(field.name) or _SCALARS[str(field.type)]


# Resolved once at import, so that a field added without a way to read it fails at start-up.
_FIELD_CONVERTERS = {field.name: _converter(field) for field in dataclasses.fields(StrazSettings)}


# Fields read from their own top-level setting instead of the STRAZ dictionary.
_TOP_LEVEL = {
    "max_request_bytes": "STRAZ_MAX_REQUEST_BYTES",
    "audit_key": "STRAZ_AUDIT_KEY",
    "audit_key_file": "STRAZ_AUDIT_KEY_FILE",
    "audit_checkpoint_dir": "STRAZ_AUDIT_CHECKPOINT_DIR",
    "require_2fa": "STRAZ_REQUIRE_2FA",
}


# The last settings built, with what they were built from: a request asks for them a
# dozen times, and building them each time cost about a tenth of a report's intake.
_cache: tuple[tuple[Any, ...], StrazSettings] | None = None


def _source_key() -> tuple[Any, ...]:
    table = getattr(settings, "STRAZ", None)
    # The dictionary itself and the top-level settings: an override replaces either one
    # (override_settings, the pytest `settings` fixture), and setting_changed clears too.
    return (
        id(table),
        *(getattr(settings, top, None) for top in _TOP_LEVEL.values()),
    )


def _forget(**_kwargs: Any) -> None:
    global _cache
    _cache = None


setting_changed.connect(_forget, dispatch_uid="straz.core.config.forget")


def straz_settings() -> StrazSettings:
    """The product settings as they are now (rebuilt whenever an override changes them)."""
    global _cache
    key = _source_key()
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    built = _build_settings()
    _cache = (key, built)
    return built


def _build_settings() -> StrazSettings:
    table: dict[str, Any] = getattr(settings, "STRAZ", None) or {}
    changes: dict[str, Any] = {}
    for name, convert in _FIELD_CONVERTERS.items():
        top = _TOP_LEVEL.get(name)
        if top is not None:
            if hasattr(settings, top):
                changes[name] = convert(getattr(settings, top))
            continue
        key = name.upper()
        if key in table:
            changes[name] = convert(table[key])
    return dataclasses.replace(DEFAULTS, **changes)


def setting_keys() -> list[str]:
    """The keys `settings.STRAZ` may hold."""
    return [f.name.upper() for f in dataclasses.fields(StrazSettings) if f.name not in _TOP_LEVEL]


# ---------------------------------------------------------------- TLS (ADR 0027)

_TRUE = {"1", "true", "yes", "on"}
ONE_YEAR_SECONDS = 365 * 24 * 3600


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in _TRUE


def tls_settings(env: Mapping[str, str], *, behind_proxy: bool) -> dict[str, Any]:
    """Django's HTTPS settings as the environment asks for them.

    `STRAZ_TLS=1` says the site is reached over HTTPS: cookies become Secure, plain HTTP is
    redirected and HSTS is sent (a year unless `STRAZ_HSTS_SECONDS` says otherwise;
    `STRAZ_HSTS_INCLUDE_SUBDOMAINS`, `STRAZ_HSTS_PRELOAD` opt in). Each switch can be set on
    its own (`STRAZ_SESSION_COOKIE_SECURE`, `STRAZ_CSRF_COOKIE_SECURE`, `STRAZ_SSL_REDIRECT`).
    The proxy's `X-Forwarded-Proto` is believed only when trusted proxies are configured
    (`behind_proxy`), and the proxy-header middleware drops it from any other sender.
    """
    tls = _flag(env, "STRAZ_TLS", False)
    hsts_raw = (env.get("STRAZ_HSTS_SECONDS") or "").strip()
    hsts = int(hsts_raw) if hsts_raw else (ONE_YEAR_SECONDS if tls else 0)
    if hsts < 0:
        raise ValueError("STRAZ_HSTS_SECONDS must not be negative")
    return {
        "SESSION_COOKIE_SECURE": _flag(env, "STRAZ_SESSION_COOKIE_SECURE", tls),
        "CSRF_COOKIE_SECURE": _flag(env, "STRAZ_CSRF_COOKIE_SECURE", tls),
        "SECURE_SSL_REDIRECT": _flag(env, "STRAZ_SSL_REDIRECT", tls),
        "SECURE_HSTS_SECONDS": hsts,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": hsts > 0
        and _flag(env, "STRAZ_HSTS_INCLUDE_SUBDOMAINS", False),
        "SECURE_HSTS_PRELOAD": hsts > 0 and _flag(env, "STRAZ_HSTS_PRELOAD", False),
        "SECURE_PROXY_SSL_HEADER": (
            ("HTTP_X_FORWARDED_PROTO", "https")
            if behind_proxy and _flag(env, "STRAZ_PROXY_SSL_HEADER", tls)
            else None
        ),
    }
