"""Settings, read once from the environment (django-environ).

Safe defaults exist only for local development (``DEBUG=true``); production
refuses to start without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""
import datetime as dt
import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50+ characters when DEBUG is false.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")

INSTALLED_APPS = [
    "bookings.admin_config.BackOfficeAdminConfig",  # django.contrib.admin, coordinators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "fleet",
    "bookings",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    # Outermost: every response, error pages included, gets its request id and log line.
    "dmc_transfers.middleware.RequestIdMiddleware",
    "dmc_transfers.middleware.ReleaseCyclesMiddleware",
    "dmc_transfers.middleware.BodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out admin login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dmc_transfers.urls"
WSGI_APPLICATION = "dmc_transfers.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dmc_transfers" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# How long a statement waits for a row another transaction holds (a vehicle
# being booked, an Idempotency-Key in flight) before it gives up with a 503.
DB_LOCK_WAIT_SECONDS = env.int("DB_LOCK_WAIT_SECONDS", default=5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # Django's backend, a round trip less per transaction (dmc_transfers/db/base.py).
    DATABASES["default"]["ENGINE"] = "dmc_transfers.db"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # utf8mb4: passenger names may hold any Unicode, emoji included.
            "charset": "utf8mb4",
            # Strict mode: the server refuses bad data instead of truncating it.
            # A bounded lock wait: well inside gunicorn's timeout, and "a few
            # seconds at most" for a duplicate Idempotency-Key (API.md).
            # A COMMIT that never opens the next transaction, whatever the server's
            # default: the backend stays in autocommit (dmc_transfers/db/base.py).
            "init_command": (
                f"SET sql_mode='STRICT_TRANS_TABLES', innodb_lock_wait_timeout={DB_LOCK_WAIT_SECONDS}, "
                "completion_type='NO_CHAIN'"
            ),
            "isolation_level": "read committed",
        }
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}

# The seed's pool limits, mapped onto this process model: each gunicorn worker
# thread holds at most one persistent connection (CONN_MAX_AGE), so a worker
# uses DB_POOL_SIZE threads and the server sees workers x threads connections.
# DB_MAX_OVERFLOW bounds the extra threads gunicorn may add (see gunicorn.conf.py).
DB_POOL_SIZE = env.int("DB_POOL_SIZE", default=5)
DB_MAX_OVERFLOW = env.int("DB_MAX_OVERFLOW", default=10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Time -------------------------------------------------------------------
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
LANGUAGE_CODE = "en-us"

# --- Booking rules ------------------------------------------------------------
TRANSFER_CONFLICT_WINDOW_MINUTES = env.int("TRANSFER_CONFLICT_WINDOW_MINUTES", default=120)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=730)

# --- Notifications ------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Bounded, so a hung SMTP server cannot outlast a delivery worker's claim on a notice.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="transfers@dmc.example")
NOTIFICATIONS_FALLBACK_EMAIL = env("NOTIFICATIONS_FALLBACK_EMAIL", default="operations@dmc.example")
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)

# --- Cache (throttling counters) ------------------------------------------------
# Per process by default; production shares one (redis://host:6379/0, Django's
# own RedisCache) so the limits hold across gunicorn workers and hosts.
# django-environ spells the in-process cache ``locmemcache://``; DESIGN.md's
# ``locmem://`` is accepted as the same thing.
environ.Env.CACHE_SCHEMES.setdefault("locmem", environ.Env.CACHE_SCHEMES["locmemcache"])
CACHES = {"default": env.cache("CACHE_URL", default="locmem://")}


def _throttle_rate(name, default):
    """``N/period`` as DRF reads it (``600/min``, ``10/s``, ``5000/hour``, ``1/day``), checked at start-up."""
    rate = env(name, default=default)
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name} must look like 600/min (requests per s, min, hour or day), not {rate!r}.")
    return rate


# Requests per API client (bookings/throttling.py); superusers count as coordinators.
THROTTLE_RATE_INTEGRATOR = _throttle_rate("THROTTLE_RATE_INTEGRATOR", "600/min")
THROTTLE_RATE_COORDINATOR = _throttle_rate("THROTTLE_RATE_COORDINATOR", "6000/min")

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST API (shared/API.md) -----------------------------------------------------
# Request bodies above 64 KiB are refused with 413 (BodySizeLimitMiddleware, on
# Content-Length or, for chunked bodies, on what it reads; Django's own limit too).
API_MAX_BODY_BYTES = 64 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
API_RETRY_AFTER_SECONDS = 5

REST_FRAMEWORK = {
    # The first class answers the 401's WWW-Authenticate header ("Token").
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dmc_transfers.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dmc_transfers.permissions.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["dmc_transfers.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["dmc_transfers.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "dmc_transfers.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["bookings.throttling.RoleRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dmc_transfers.problems.exception_handler",
    # Unknown query parameters are ignored (API.md); DRF would read ?format= as a renderer name.
    "URL_FORMAT_OVERRIDE": None,
}

# API keys: django-rest-knox stores only a digest; keys never expire unless
# rotated or revoked (python manage.py create_api_client).
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token", "AUTO_REFRESH": False}

SPECTACULAR_SETTINGS = {
    "TITLE": "DMC Transfers API",
    "DESCRIPTION": (
        "Airport transfers: vehicles, availability, bookings and their lifecycle. "
        "Authenticate with `Authorization: Token <key>`. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TransferStatusEnum": "bookings.choices.TransferStatus",
        "VehicleTypeEnum": "fleet.choices.VehicleType",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dmc_transfers.openapi.add_common_headers_and_errors",
        "dmc_transfers.openapi.document_rules_outside_serializers",
    ],
}

# --- Security ---------------------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("SECURE_PROXY_SSL_HEADER", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Admin logins: django-axes locks a username from one IP address out after
# AXES_FAILURE_LIMIT failures in a row, for AXES_COOLOFF_MINUTES (the right
# password included). Its backend goes first so a locked-out login stops there.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = True
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bookings.admin_site.locked_out"
AXES_VERBOSE = False  # no start-up banner on every manage.py command

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logging ----------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No exception messages in the logs: they may quote passenger data (dmc_transfers/log_redaction.py).
    "filters": {"withhold_exception_messages": {"()": "dmc_transfers.log_redaction.WithholdExceptionMessages"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["withhold_exception_messages"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The loggers that report failed requests and hooks: filtered where the
        # record is made as well, so every handler (not just the console) gets it withheld.
        **{
            name: {"filters": ["withhold_exception_messages"]}
            for name in ("django.request", "dmc_transfers.problems", "notifications.signals")
        },
    },
}
