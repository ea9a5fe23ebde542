"""Gränslös settings: one module; what differs between machines comes from the environment.

Variables (all optional in development):
  DATABASE_URL      postgresql://user:pass@host:port/name — else the embedded PostgreSQL starts
  REDIS_URL         redis://host:port/db — else the embedded Redis starts
  DJANGO_DEBUG      "1" for development; default on only when no SECRET_KEY is given
  DJANGO_SECRET_KEY required in production
  DJANGO_ALLOWED_HOSTS  comma-separated
  DJANGO_CSRF_TRUSTED_ORIGINS comma-separated
  GRANSLOS_DATA_DIR where the embedded services keep their data (default .data/)
  EMAIL_URL         "console" (default) or smtp://user:pass@host:port
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config import queues
from config.dburl import database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def redis_py_url(url: str) -> str:
    """Kombu spells a unix socket redis+socket://; redis-py spells it unix://."""
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    return url


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", default=not SECRET_KEY)
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-granslos-not-for-production-use-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
EMBEDDED = not DATABASE_URL or not REDIS_URL
if not DATABASE_URL:
    from config import embedded

    DATABASE_URL = embedded.postgres_url()
if not REDIS_URL:
    from config import embedded

    REDIS_URL = embedded.redis_url()

DATABASES = {"default": database_from_url(DATABASE_URL)}
# A PostgreSQL streaming replica for OPAC and search reads (config/replica.py): with it, a
# second alias, the router and the middleware that marks which requests may read there.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_STICKY_SECONDS = int(os.environ.get("DATABASE_REPLICA_STICKY_SECONDS", "10"))
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_from_url(DATABASE_REPLICA_URL)
    # Under test the replica is the test database itself (no second test database).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "libraries",
    "catalog",
    "patrons",
    "events",
    "transport",
    "circulation",
    "notices",
    "sip2",
    "stats",
    "opac",
    "interop",
    "collection",
    "bench",  # only its generate_consortium command; no models
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.sessions.sliding_expiry",
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.api_error_bodies",  # JSON error bodies under /api/; 413
    "config.middleware.reject_nul_bytes",  # a NUL byte anywhere is a 400
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
if DATABASE_REPLICA_URL:
    MIDDLEWARE.insert(1, "config.replica.read_from_replica")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "libraries.context_processors.working_library",
            ],
            # |money, |isodate: in every template without a {% load %}.
            "builtins": ["libraries.templatetags.granslos_formats"],
        },
    },
]

# Redis down: reads miss and writes do nothing (config.cache), so the desk falls back to
# PostgreSQL; the sessions' alias raises instead, and config.session_store keeps them in
# PostgreSQL meanwhile. Short socket timeouts: an unreachable Redis must not hold a request.
_REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 2}
CACHES = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": redis_py_url(REDIS_URL),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "granslos"),
        "OPTIONS": _REDIS_OPTIONS,
    },
    "sessions": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": redis_py_url(REDIS_URL),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "granslos"),
        "OPTIONS": {**_REDIS_OPTIONS, "FAIL_SOFT": False},
    },
}

# ModelBackend, with the logged-in user read from a per-process copy (no query per request).
AUTHENTICATION_BACKENDS = ["libraries.auth_backend.CachedModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "choose-library"
LOGOUT_REDIRECT_URL = "staff-login"

# Sessions: rotate at login (Django does), end at logout, time out when idle.
# They live in Redis (the "sessions" cache above; compose runs it with appendonly): loading and
# saving a session costs no SQL statement. Not cached_db: it writes every save through to
# PostgreSQL. While Redis is down they are kept in PostgreSQL (config.session_store).
SESSION_ENGINE = "config.session_store"  # Redis; PostgreSQL while Redis is down
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(60 * 60 * 8)))
# The idle timeout: config.sessions.sliding_expiry re-saves a session at most once a minute,
# so it expires SESSION_COOKIE_AGE (less at most that minute) after the last request; not
# SESSION_SAVE_EVERY_REQUEST, which writes the session to Redis on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
# Dates, numbers and money follow the UI language through these modules (named formats such as
# DAY_FORMAT and MONEY_FORMAT; templates use |date:"SHORT_DATE_FORMAT" and |money, never a
# format of their own — tests/test_formats.py checks).
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Files browsers ask for at the site root (/favicon.ico), served by WhiteNoise like static files.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_ROOT = Path(os.environ.get("GRANSLOS_MEDIA_DIR", BASE_DIR / ".data" / "media"))

# --- Production hardening (check --deploy passes with DEBUG off) -------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers and container health checks probe /healthz over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- E-mail -----------------------------------------------------------------------------
_email_url = os.environ.get("EMAIL_URL", "console")
if _email_url == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email_url == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif _email_url.startswith("file://"):  # one file per message in a directory (development, tests)
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = urlsplit(_email_url).path
else:
    _mail = urlsplit(_email_url)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Gränslös <noreply@granslos.example>")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing or bogus token a 401.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["libraries.permissions.IsStaff"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",  # at most 200 a page
    "DEFAULT_PARSER_CLASSES": [
        "config.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gränslös API",
    "DESCRIPTION": "The shared library system of Degerfors, Hällefors, Karlskoga, "
    "Kristinehamn and Storfors.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "granslos")
# One queue per job kind (config/queues.py), all named after the default queue; a worker
# without -Q consumes them all.
CELERY_TASK_ROUTES = queues.routes(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_QUEUES = [Queue(name) for name in queues.queue_names(CELERY_TASK_DEFAULT_QUEUE)]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis re-delivers an unacknowledged task after this long: a killed worker's reserved tasks
# come back within a minute (30 s, found by a scan every 5 s). It is also how long a task may
# run before a second copy starts, so every task is safe to run twice at once (the transfer
# sweep skips locked rows; an import claims its job). The periodic sweep is the second net.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "30")),
    # Look for such tasks every 5 s (kombu's default is every 100 s).
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
# A broker that is down must not hold a desk request: publishing gives up after about a second
# (the caller logs it and the periodic sweep does the work; see config.tasks).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
# The beat schedule lives in code. Each entry is also a management command.
CELERY_BEAT_SCHEDULE: dict = {
    "healthbeat": {"task": "libraries.tasks.heartbeat", "schedule": crontab(minute="*/5")},
    "transport-sweep": {
        "task": "transport.tasks.sweep_transfers",
        "schedule": crontab(minute="*/10"),
    },
    "transport-close-crates": {
        "task": "transport.tasks.close_departed_packing_lists",
        "schedule": crontab(minute="*/5"),
    },
    "transport-flag-missing": {
        "task": "transport.tasks.flag_missing_transits",
        "schedule": crontab(hour="6", minute="15"),
    },
    "transport-reconcile": {
        "task": "transport.tasks.reconcile_transfers",
        "schedule": crontab(hour="2", minute="30"),
    },
    "circulation-unlink-returned-loans": {
        "task": "circulation.tasks.unlink_returned_loans",
        "schedule": crontab(hour="3", minute="10"),
    },
    "circulation-anonymize-inactive-patrons": {
        "task": "circulation.tasks.anonymize_inactive_patrons",
        "schedule": crontab(hour="3", minute="40", day_of_week="sun"),
    },
    "holds-expire": {
        "task": "circulation.tasks.expire_holds",
        "schedule": crontab(hour="0", minute="20"),
    },
    "stats-roll-up-events": {
        "task": "stats.tasks.roll_up_events",
        "schedule": crontab(minute="7"),
    },
    "holds-target": {
        "task": "circulation.tasks.target_holds",
        "schedule": crontab(minute="*/15", hour="6-20"),
    },
    "weeding-lists-sweep": {
        "task": "collection.tasks.build_queued_weeding_lists",
        "schedule": crontab(minute="*/5"),
    },
    # MARC imports whose task (broker down at upload) or worker (killed mid-file) was lost.
    "imports-sweep": {
        "task": "catalog.tasks.sweep_imports",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Logging: never PINs, passwords, tokens or personnummer -----------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Re-declaring "django" and "django.server" drops Django's default handlers, which would
    # print their records a second time without the redaction filter; now they reach the root.
    "loggers": {
        "django": {"level": "INFO"},
        "django.server": {"level": "INFO"},
        "django.db.backends": {"level": "INFO"},
    },
}

# --- The consortium's own settings ------------------------------------------------------
GRANSLOS = {
    "CARD_NUMBER_LENGTH": int(os.environ.get("GRANSLOS_CARD_NUMBER_LENGTH", "10")),
    # "luhn" (the last digit is a Luhn check digit) or "none".
    "CARD_CHECK_DIGIT": os.environ.get("GRANSLOS_CARD_CHECK_DIGIT", "luhn"),
    # OPAC sessions end after this long without a request.
    "OPAC_IDLE_SECONDS": int(os.environ.get("GRANSLOS_OPAC_IDLE_SECONDS", str(30 * 60))),
    # A new patron's card is valid this many years.
    "CARD_VALID_YEARS": int(os.environ.get("GRANSLOS_CARD_VALID_YEARS", "3")),
    # Reverse proxies in front of the web server; X-Forwarded-For is read only behind them.
    "TRUSTED_PROXIES": int(os.environ.get("GRANSLOS_TRUSTED_PROXIES", "0")),
    # Returned loans of patrons who keep no history lose the patron link after this many days
    # (0: at return).
    "RETURNED_LOAN_LINK_DAYS": int(os.environ.get("GRANSLOS_RETURNED_LOAN_LINK_DAYS", "0")),
    # Patrons without activity this long (and no loans, no debt) are anonymized.
    "ANONYMIZE_INACTIVE_DAYS": int(os.environ.get("GRANSLOS_ANONYMIZE_INACTIVE_DAYS", "1095")),
}


# --- Interoperability: SRU, OAI-PMH, copy cataloguing (docs/interop.md) ---------------------
SRU_DATABASE_TITLE = os.environ.get("SRU_DATABASE_TITLE", "Gränslös – Bibliotek utan gränser")
SRU_DATABASE_DESCRIPTION = os.environ.get(
    "SRU_DATABASE_DESCRIPTION",
    "Den gemensamma katalogen för Degerfors, Hällefors, Karlskoga, Kristinehamn och Storfors",
)
OAI_REPOSITORY_IDENTIFIER = os.environ.get("OAI_REPOSITORY_IDENTIFIER", "granslos.bibliotek.se")
OAI_ADMIN_EMAIL = os.environ.get("OAI_ADMIN_EMAIL", "katalog@granslos.bibliotek.se")
# The external catalogue cataloguers copy records from (SRU 1.2, MARCXML).
COPY_CATALOGUING_SRU_URL = os.environ.get(
    "COPY_CATALOGUING_SRU_URL", "http://api.libris.kb.se/sru/libris"
)
COPY_CATALOGUING_TIMEOUT = float(os.environ.get("COPY_CATALOGUING_TIMEOUT", "10"))

# --- Notices (the notices app) ------------------------------------------------------------
# Text messages: console: | file:///dir | locmem: | https://user:pass@gateway.example/send
SMS_URL = os.environ.get("SMS_URL", "console:")
SMS_SENDER = os.environ.get("SMS_SENDER", "Granslos")[:11]
NOTICE_HOLD_EXPIRY_WARNING_DAYS = int(os.environ.get("NOTICE_HOLD_EXPIRY_WARNING_DAYS", "2"))
NOTICE_CARD_EXPIRY_WARNING_DAYS = int(os.environ.get("NOTICE_CARD_EXPIRY_WARNING_DAYS", "30"))
# Patrons per transaction of the nightly run (each batch costs a constant number of statements).
NOTICE_BATCH_PATRONS = int(os.environ.get("NOTICE_BATCH_PATRONS", "1000"))
_notice_hour, _notice_minute = os.environ.get("NOTICE_RUN_AT", "01:30").split(":")
CELERY_BEAT_SCHEDULE["notices-nightly-run"] = {
    "task": "notices.tasks.send_notices",
    "schedule": crontab(hour=_notice_hour, minute=_notice_minute),
}
CELERY_BEAT_SCHEDULE["notices-hold-ready-sweep"] = {
    "task": "notices.tasks.sweep_hold_ready_notices",
    "schedule": crontab(minute="*/5"),
}
