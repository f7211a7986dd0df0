"""Django settings for Straz; everything a deployment changes comes from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from straz.core.config import DEFAULTS as _DEFAULTS
from straz.core.config import tls_settings
from straz.core.csp import directives as _csp_directives
from straz.core.storage import storages_setting as _storages_setting

PACKAGE_DIR = Path(__file__).resolve().parent
# Runtime data (SQLite database, uploads, secret key) lives under ./var of the current
# directory unless STRAZ_DATA_DIR says otherwise, so `straz demo` works from any checkout.
DATA_DIR = Path(os.environ.get("STRAZ_DATA_DIR", Path.cwd() / "var")).resolve()
# Private to the account that runs Straz (ADR 0027): the database, uploads and keys are here.
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key() -> tuple[str, str]:
    """The key and where it came from: the environment, a named file, or one generated here."""
    if os.environ.get("STRAZ_SECRET_KEY"):
        return os.environ["STRAZ_SECRET_KEY"], "STRAZ_SECRET_KEY"
    if os.environ.get("STRAZ_SECRET_KEY_FILE"):
        # Every machine of a deployment reads the same key (ADR 0038), e.g. a mounted secret.
        named = Path(os.environ["STRAZ_SECRET_KEY_FILE"]).expanduser()
        return named.read_text().strip(), "STRAZ_SECRET_KEY_FILE"
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Created 0600 from the start, not made private after the fact.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip(), "generated"


SECRET_KEY, STRAZ_SECRET_KEY_SOURCE = _secret_key()
DEBUG = _env_bool("STRAZ_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("STRAZ_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("STRAZ_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "straz.core",
    "straz.accounts",
    "straz.territory",
    "straz.reports",
    "straz.analytics",
    "straz.incidents",
    "straz.softtargets",
    "straz.notifications",
    "straz.web",
    "straz.demo",
]

MIDDLEWARE = [
    # First: X-Forwarded-* only from configured proxies (hardening, ADR 0027).
    "straz.core.middleware.UntrustedProxyHeadersMiddleware",
    "straz.core.middleware.BodySizeLimitMiddleware",
    "straz.core.middleware.NulByteGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy, see the CSP block below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "straz.core.middleware.PrivateCacheMiddleware",  # staff pages: Cache-Control private, no-store
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "straz.urls"
WSGI_APPLICATION = "straz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "straz.core.context.straz_context",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'straz.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with writers queued on a file lock rather than SQLite's sleeping
    # retries, which set the pace under concurrent intake (ADR 0037).
    DATABASES["default"]["ENGINE"] = "straz.core.sqlite3"
    # Kept open between requests like PostgreSQL's: opening one and running the pragmas
    # below cost about a millisecond of every request.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Tests run on an in-memory database per worker. Said explicitly because pytest-django
    # recognises in-memory SQLite by Django's engine name, not by ours, and would otherwise
    # derive a file name ("test_/…/straz.sqlite3_gw0") in a directory that does not exist.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one
        # failing with "database is locked" when it upgrades a read lock.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        # WAL lets readers (the public map) run beside a writer; synchronous=FULL makes
        # every acknowledged commit survive a crash of the process or the machine.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
    }
else:
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    # JIT compilation pays off for long analytical scans, not for the short queries of a
    # web request: the board's reports-due query spent ~320 ms compiling for ~25 ms of work.
    if "jit" not in _pg_options.get("options", ""):
        _pg_options["options"] = (_pg_options.get("options", "") + " -c jit=off").strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "reports:staff-queue"
LOGOUT_REDIRECT_URL = "reports:map"

LANGUAGE_CODE = "cs"
LANGUAGES = [("cs", "Čeština"), ("pl", "Polski"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# One date and one date-time format per language, used by templates and scripts (ADR 0035).
FORMAT_MODULE_PATH = ["straz.core.formats"]
TIME_ZONE = os.environ.get("STRAZ_TIME_ZONE", "Europe/Prague")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root even when serving from finders
MEDIA_ROOT = DATA_DIR / "media"
# --- files and shared state (ADR 0038) -------------------------------------------------------
# Report attachments go through the storage API: MEDIA_ROOT by default, an S3-compatible
# bucket with STRAZ_STORAGE=s3 / STRAZ_S3_BUCKET (credentials from the AWS_* variables).
STORAGES = _storages_setting(os.environ)
# The cache holds only what each process may compute again from the database (statistics
# for a few minutes); rate limits, lockouts and sessions live in the database, so several
# processes on several machines agree without a shared cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# ---------------------------------------------------------------------------------------------
# Files are served from the package in every mode, so a checkout needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Requests larger than this are refused with 413 before Django reads them.
STRAZ_MAX_REQUEST_BYTES = _env_int("STRAZ_MAX_REQUEST_BYTES", _DEFAULTS.max_request_bytes)
DATA_UPLOAD_MAX_MEMORY_SIZE = STRAZ_MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = STRAZ_MAX_REQUEST_BYTES

# The audit chain's HMAC key lives outside the database and outside DATA_DIR (ADR 0020):
# the key itself, or a file holding it. With neither, Straz keeps one in
# $XDG_CONFIG_HOME/straz/audit.key (~/.config/straz/audit.key), created on first use.
STRAZ_AUDIT_KEY = os.environ.get("STRAZ_AUDIT_KEY", "")
STRAZ_AUDIT_KEY_FILE = os.environ.get("STRAZ_AUDIT_KEY_FILE", "")
# Signed checkpoints of the chain head; default $XDG_STATE_HOME/straz/audit-checkpoints/<database>.
STRAZ_AUDIT_CHECKPOINT_DIR = os.environ.get("STRAZ_AUDIT_CHECKPOINT_DIR", "")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = os.environ.get("STRAZ_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(os.environ.get("STRAZ_EMAIL_FILE_PATH") or DATA_DIR / "outbox-mail")
# SMTP relay for django.core.mail.backends.smtp.EmailBackend (the worker delivers the outbox).
EMAIL_HOST = os.environ.get("STRAZ_EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("STRAZ_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("STRAZ_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("STRAZ_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("STRAZ_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("STRAZ_EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("STRAZ_FROM_EMAIL", "straz@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STRAZ_LOG_LEVEL", "WARNING")},
}

# Product settings: policy that changes per deployment. Categories and their public
# rules are data in the database; these are the numbers around them. Read them through
# straz.core.config.straz_settings() (typed); its StrazSettings holds the defaults used here.
STRAZ = {
    # Where users get the source code (AGPL-3.0 §13); empty serves the running code itself.
    "SOURCE_URL": os.environ.get("STRAZ_SOURCE_URL", _DEFAULTS.source_url),
    # Base-map tiles; the map works without them (offline it shows districts only).
    "TILE_URL": os.environ.get("STRAZ_TILE_URL", _DEFAULTS.tile_url),
    "TILE_ATTRIBUTION": os.environ.get("STRAZ_TILE_ATTRIBUTION", _DEFAULTS.tile_attribution),
    "MAP_CENTER": [
        float(x)
        for x in os.environ.get("STRAZ_MAP_CENTER", ",".join(map(str, _DEFAULTS.map_center))).split(",")
    ],
    "MAP_ZOOM": _env_int("STRAZ_MAP_ZOOM", _DEFAULTS.map_zoom),
    # Abuse limits. KMZB allows one report per IP a day; addresses in SHARED_IP_RANGES
    # (carrier-grade NAT, mobile operators) get their own, higher limit.
    "REPORTS_PER_IP_PER_DAY": _env_int("STRAZ_REPORTS_PER_IP_PER_DAY", _DEFAULTS.reports_per_ip_per_day),
    "SHARED_IP_RANGES": [
        r
        for r in os.environ.get("STRAZ_SHARED_IP_RANGES", ",".join(_DEFAULTS.shared_ip_ranges)).split(",")
        if r
    ],
    "REPORTS_PER_SHARED_IP_PER_DAY": _env_int(
        "STRAZ_REPORTS_PER_SHARED_IP_PER_DAY", _DEFAULTS.reports_per_shared_ip_per_day
    ),
    "TRUSTED_PROXY_COUNT": _env_int("STRAZ_TRUSTED_PROXY_COUNT", _DEFAULTS.trusted_proxy_count),
    # Deadlines (days) for the police to read and to verify a report.
    "READ_DEADLINE_DAYS": _env_int("STRAZ_READ_DEADLINE_DAYS", _DEFAULTS.read_deadline_days),
    "VERIFY_DEADLINE_DAYS": _env_int("STRAZ_VERIFY_DEADLINE_DAYS", _DEFAULTS.verify_deadline_days),
    # Not-confirmed and eliminated reports leave the public view this long after their last change.
    "PUBLIC_RETENTION_DAYS": _env_int("STRAZ_PUBLIC_RETENTION_DAYS", _DEFAULTS.public_retention_days),
    # Near-duplicates: same category, within this distance and time of an open report.
    "DUPLICATE_RADIUS_M": _env_int("STRAZ_DUPLICATE_RADIUS_M", _DEFAULTS.duplicate_radius_m),
    "DUPLICATE_WINDOW_HOURS": _env_int("STRAZ_DUPLICATE_WINDOW_HOURS", _DEFAULTS.duplicate_window_hours),
    # H3 resolution that approximated categories are snapped to in public (res 8 ≈ 0.7 km²).
    "APPROXIMATE_RESOLUTION": _env_int("STRAZ_APPROXIMATE_RESOLUTION", _DEFAULTS.approximate_resolution),
    "MAX_ATTACHMENT_BYTES": _env_int("STRAZ_MAX_ATTACHMENT_BYTES", _DEFAULTS.max_attachment_bytes),
    # Largest photo decoded at intake, in pixels (width x height); bigger ones are refused.
    "MAX_IMAGE_PIXELS": _env_int("STRAZ_MAX_IMAGE_PIXELS", _DEFAULTS.max_image_pixels),
    # Disk for written public downloads (bytes) and the hourly anonymous download limit.
    "PUBLIC_EXPORT_CACHE_MAX_BYTES": _env_int(
        "STRAZ_PUBLIC_EXPORT_CACHE_MAX_BYTES", _DEFAULTS.public_export_cache_max_bytes
    ),
    "DOWNLOADS_PER_IP_PER_HOUR": _env_int(
        "STRAZ_DOWNLOADS_PER_IP_PER_HOUR", _DEFAULTS.downloads_per_ip_per_hour
    ),
    "DOWNLOADS_PER_SHARED_IP_PER_HOUR": _env_int(
        "STRAZ_DOWNLOADS_PER_SHARED_IP_PER_HOUR", _DEFAULTS.downloads_per_shared_ip_per_hour
    ),
    "DESCRIPTION_MAX_CHARS": _DEFAULTS.description_max_chars,
    # Reporter IP addresses are erased this many days after the report (0 keeps them).
    "IP_RETENTION_DAYS": _env_int("STRAZ_IP_RETENTION_DAYS", _DEFAULTS.ip_retention_days),
    # Minutes between the worker's signed checkpoints of the audit chain (0: cron does it).
    "AUDIT_CHECKPOINT_INTERVAL_MINUTES": float(
        os.environ.get("STRAZ_AUDIT_CHECKPOINT_INTERVAL_MINUTES") or _DEFAULTS.audit_checkpoint_interval_minutes
    ),
}


# ---- hardening: proxies, origins, API tokens, TLS, file modes (ADR 0027) -------------------
# Addresses/networks of the reverse proxies whose X-Forwarded-For is believed, used with
# STRAZ_TRUSTED_PROXY_COUNT; by default a proxy on the same machine.
STRAZ["TRUSTED_PROXIES"] = [
    p.strip()
    for p in os.environ.get("STRAZ_TRUSTED_PROXIES", ",".join(_DEFAULTS.trusted_proxies)).split(",")
    if p.strip()
]
# Other sites (scheme://host[:port]) whose pages may file reports through the API.
STRAZ["ALLOWED_ORIGINS"] = [
    o.strip() for o in os.environ.get("STRAZ_ALLOWED_ORIGINS", "").split(",") if o.strip()
]
# Days an API token lives unless `straz createtoken --expires-days` says otherwise.
STRAZ["API_TOKEN_DAYS"] = _env_int("STRAZ_API_TOKEN_DAYS", _DEFAULTS.api_token_days)
# The report categories offered: "cz" (Czech set, default) or "kmzb" / "pl" (Polish KMZB list).
STRAZ["CATEGORY_CATALOGUE"] = os.environ.get("STRAZ_CATEGORY_CATALOGUE", _DEFAULTS.category_catalogue)
# HTTPS: STRAZ_TLS=1 and friends (docs/guides/administrator.md, "HTTPS and proxies").
_TLS = tls_settings(
    os.environ, behind_proxy=_env_int("STRAZ_TRUSTED_PROXY_COUNT", _DEFAULTS.trusted_proxy_count) > 0
)
SESSION_COOKIE_SECURE = _TLS["SESSION_COOKIE_SECURE"]
CSRF_COOKIE_SECURE = _TLS["CSRF_COOKIE_SECURE"]
SECURE_SSL_REDIRECT = _TLS["SECURE_SSL_REDIRECT"]
SECURE_HSTS_SECONDS = _TLS["SECURE_HSTS_SECONDS"]
SECURE_HSTS_INCLUDE_SUBDOMAINS = _TLS["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
SECURE_HSTS_PRELOAD = _TLS["SECURE_HSTS_PRELOAD"]
SECURE_PROXY_SSL_HEADER = _TLS["SECURE_PROXY_SSL_HEADER"]
# Uploaded files and their folders readable by the service account only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# ---- end of hardening block ----------------------------------------------------------------
# --- Content-Security-Policy (django-csp 4; ADR 0021) --------------------------------------
# Every response carries the policy from straz.core.csp: scripts, styles, fetches and
# fonts from this origin only, images also from the configured tile host (STRAZ_TILE_URL),
# no plugins, no <base>, no framing, forms post only here. No template may carry an inline
# <script> body or an on…= handler (tests/web/test_security_headers.py walks every route).
CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives(str(STRAZ["TILE_URL"]))}
# Paths (prefixes) whose responses are staff-only even for an anonymous request (a refusal,
# a redirect to login): they are sent with Cache-Control: private, no-store like every
# response to a logged-in user or an API token (straz.core.middleware.PrivateCacheMiddleware).
STRAZ_PRIVATE_PATH_PREFIXES = ["/staff/", "/operations/", "/api/v1/staff/", "/api/v1/incidents", "/admin/"]
# ------------------------------------------------------------------------------------------
# Login hardening (ADR 0024): throttling and lockout (django-axes), password validators,
# TOTP second factor (django-otp). Kept in one block; it appends to the lists above.
# ------------------------------------------------------------------------------------------
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
_AFTER_AUTH = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_AFTER_AUTH:_AFTER_AUTH] = [
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "straz.web.twofactor.SecondFactorMiddleware",  # enrol / enter a code before any page
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: turns a lockout into its page
# The axes backend must come first: it refuses a locked-out client before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failures are counted per account (any address) and per address (any account); either
# reaching the limit locks. The cool-off starts at STRAZ["LOGIN_COOLOFF_MINUTES"] and doubles
# with every failure after a lockout (straz.accounts.lockout); AXES_COOLOFF_TIME is how long
# failures are remembered without a successful login, and the longest possible wait.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = _env_int("STRAZ_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(hours=24)
AXES_HANDLER = "straz.accounts.lockout.BackoffDatabaseHandler"
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out are refused without being counted, so waiting is what unlocks.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "straz.core.intake.client_ip"  # the product's one client address
AXES_LOCKOUT_CALLABLE = "straz.web.lockout.lockout_response"  # translated page, 429
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log, without addresses
AXES_VERBOSE = False
# Second factor: required for the admin site and for roles that read police-only data
# (accounts.policy.SECOND_FACTOR_ROLES) unless STRAZ_REQUIRE_2FA=0 (`straz demo`, tests).
STRAZ_REQUIRE_2FA = _env_bool("STRAZ_REQUIRE_2FA", _DEFAULTS.require_2fa)
OTP_TOTP_ISSUER = os.environ.get("STRAZ_OTP_ISSUER", "Straz")
STRAZ["LOGIN_COOLOFF_MINUTES"] = float(
    os.environ.get("STRAZ_LOGIN_COOLOFF_MINUTES") or _DEFAULTS.login_cooloff_minutes
)
