"""Settings for the whole platform, every knob read from the environment.

No variable set: development on a SQLite file in the project, Celery tasks run eagerly,
local-memory cache, e-mail printed on the console. See README "Configuration".
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; an empty one counts as unset (as compose files and shells often leave them)."""
    return os.environ.get(name) or default


DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_ENV=production.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdefghij"  # noqa: S105

DEBUG = not PRODUCTION and env("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = [h.strip() for h in env("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The platform, in its one-way order (README "Architecture"), on its ground floor (common).
    "common",
    "election",
    "mystery_tests",
    "scoring",
    "palmares",
    # The demo seed, below everything (it imports every app; nothing imports it).
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous published pages answered whole from the cache, before sessions and views (issue 21).
    "common.pagecache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A NUL in a query parameter answers 400 (PostgreSQL refuses it in any filter).
    "common.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Scorecards, portal, API answers to a client: "Cache-Control: private, no-store".
    "common.middleware.ConfidentialCacheControlMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

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
            ],
        },
    },
]

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60 if PRODUCTION else 0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent requests and a worker on the embedded default, answering as on PostgreSQL: WAL lets
    # readers go on while one writes; IMMEDIATE takes the write lock when a transaction begins (a
    # read-then-write transaction cannot deadlock with another and fail with "database is locked");
    # and a writer waits up to 20 s for the lock rather than fail at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        # Pages, scorecards, throttles and import progress: with Redis down they degrade (a miss, no
        # limit) and log the error, so the palmarès, the portal and the API keep answering.
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 2},
        },
        # The coordination of recomputes must see a failure: the enqueue logs it and leaves the
        # categories stale for the periodic sweep (scoring.services).
        "tasks": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        "tasks": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tasks"},
    }

# Celery: a real broker with REDIS_URL, otherwise every task runs eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Seconds a queued recompute waits so that a burst of uploads shares it (scoring.services.recompute_delay).
# Short: a recompute already queued and not started takes the later changes anyway (its pending key), so
# the wait only adds to the time before brands see fresh rankings (issue 21: ≤ 1.5 s after an upload).
SCORING_RECOMPUTE_DELAY = float(env("SCORING_RECOMPUTE_DELAY", "0.3"))
# A periodic sweep recomputes whatever is stale (e.g. a recompute lost while Redis was down).
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-rankings": {"task": "scoring.sweep_stale", "schedule": 60.0},
    # Imports left pending (broker down at upload) or running (worker killed) end or restart.
    "sweep-stale-imports": {"task": "mystery_tests.sweep_imports", "schedule": 60.0},
    "publish-due-editions": {"task": "palmares.publish_due", "schedule": 30.0},
}

# File imports (mystery_tests.imports): the task's soft time limit (seconds; the hard limit is a minute
# more); a running job older than both plus the margin is failed by the sweep; a pending one never
# queued is queued by the sweep after the grace, one queued but not started after IMPORT_REQUEUE_AFTER.
IMPORT_TIME_LIMIT = int(env("IMPORT_TIME_LIMIT", "1800"))
IMPORT_STALE_MARGIN = 120
IMPORT_QUEUE_GRACE = 30
IMPORT_REQUEUE_AFTER = 3600
# A running import touches its job every IMPORT_HEARTBEAT_SECONDS; the sweep fails a running job whose
# last heartbeat is older than IMPORT_HEARTBEAT_STALE (its worker was killed), well before the time limit.
IMPORT_HEARTBEAT_SECONDS = float(env("IMPORT_HEARTBEAT_SECONDS", "30"))
IMPORT_HEARTBEAT_STALE = 3 * IMPORT_HEARTBEAT_SECONDS

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Organisers are whoever holds election.organise_competition (common.permissions); the rules backend
# answers the named capabilities declared there (competition.*).
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/portal/"
LOGOUT_REDIRECT_URL = "/palmares/"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Service Client de l'Année <no-reply@localhost>")

# The site's public base address, in every address that leaves it: certificates' QR codes and
# printed addresses (unrecallable once framed), e-mails, canonical links, sitemap, robots.txt.
SITE_URL = env("SITE_URL", "" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured("SITE_URL must be set when DJANGO_ENV=production (e.g. https://awards.example.org).")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname or _site.query or _site.fragment or "@" in _site.netloc:
    raise ImproperlyConfigured(
        f"SITE_URL must be an http(s) base address such as https://awards.example.org, not {SITE_URL!r}."
    )
# A contact address for reports of fake certificates, shown when a code matches none (optional).
CONTACT_EMAIL = env("CONTACT_EMAIL")
# The platform's Ed25519 private key (PEM) for receipts, optionally followed by retired public keys
# (PEM) still served at /api/v1/keys/ (METHODOLOGY §12). Required in production (system check
# mystery_tests.E001); in development a key is generated once in MEDIA_ROOT/signing/.
SIGNING_KEY = env("SIGNING_KEY")

API_THROTTLE_RATE = env("API_THROTTLE_RATE", "600/min")
LOGIN_THROTTLE_RATE = env("LOGIN_THROTTLE_RATE", "10/min")
# Password-reset e-mails per target address, and reset requests per client address.
PASSWORD_RESET_THROTTLE_RATE = env("PASSWORD_RESET_THROTTLE_RATE", "3/h")
PASSWORD_RESET_CLIENT_THROTTLE_RATE = env("PASSWORD_RESET_CLIENT_THROTTLE_RATE", "20/h")

# Upload limits of the integration contract (../shared/API.md "Conventions").
API_MAX_ITEMS = 10_000
API_MAX_JSON_BYTES = 16 * 1024 * 1024
# A file import is read in chunks (its memory does not grow with the file): the cap bounds the upload and
# the time a file takes; the benchmark of a million rows (bench/bench_import.py) raises it for its server.
API_MAX_FILE_BYTES = int(env("API_MAX_FILE_BYTES", str(32 * 1024 * 1024)))
# Django's own guard must let the contract's limits through so the API can answer 413 itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_FILE_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.ContractPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["common.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_THROTTLE_RATE},
    "EXCEPTION_HANDLER": "common.api.exceptions.contract_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Service Client de l'Année — integration API",
    "DESCRIPTION": "The agency and organiser contract (API.md), version 1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two choice sets are named "outcome": the palmarès category's and an audit check's.
    "ENUM_NAME_OVERRIDES": {"AuditOutcomeEnum": ["verified", "discrepancy"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.pagination.document_invalid_page",
        "common.api.schema_hooks.document_bad_address",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# Content Security Policy (django-csp): only this site's own scripts run; no inline script anywhere
# (templates load static/…/*.js). Styles keep 'unsafe-inline': progress bars set their width in a style
# attribute and a few admin pages carry a <style> block — styles cannot run code. data: images are the
# certificates' inline QR codes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
