"""Django settings for Straz; everything a deployment changes comes from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from straz.core.config import DEFAULTS as _DEFAULTS

PACKAGE_DIR = Path(__file__).resolve().parent
# Runtime data (SQLite database, uploads, secret key) lives under ./var of the current
# directory unless STRAZ_DATA_DIR says otherwise, so `straz demo` works from any checkout.
DATA_DIR = Path(os.environ.get("STRAZ_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _secret_key() -> str:
    if os.environ.get("STRAZ_SECRET_KEY"):
        return os.environ["STRAZ_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
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
    "straz.notifications",
    "straz.web",
    "straz.demo",
]

MIDDLEWARE = [
    "straz.core.middleware.BodySizeLimitMiddleware",
    "straz.core.middleware.NulByteGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
    DATABASES["default"]["CONN_MAX_AGE"] = 0
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
TIME_ZONE = os.environ.get("STRAZ_TIME_ZONE", "Europe/Prague")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root even when serving from finders
MEDIA_ROOT = DATA_DIR / "media"
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
EMAIL_FILE_PATH = DATA_DIR / "outbox-mail"
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
    "DESCRIPTION_MAX_CHARS": _DEFAULTS.description_max_chars,
    # Reporter IP addresses are erased this many days after the report (0 keeps them).
    "IP_RETENTION_DAYS": _env_int("STRAZ_IP_RETENTION_DAYS", _DEFAULTS.ip_retention_days),
    # Minutes between the worker's signed checkpoints of the audit chain (0: cron does it).
    "AUDIT_CHECKPOINT_INTERVAL_MINUTES": float(
        os.environ.get("STRAZ_AUDIT_CHECKPOINT_INTERVAL_MINUTES") or _DEFAULTS.audit_checkpoint_interval_minutes
    ),
}

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
