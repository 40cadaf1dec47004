"""Threadline's one settings module: every value comes from the environment.

Two modes, one code path. With nothing set, Threadline runs embedded: a SQLite file, the
in-memory channel layer and Celery tasks run eagerly in-process. Set ``DATABASE_URL``
(PostgreSQL through psycopg) and ``REDIS_URL`` (channels-redis and the Celery broker) for the
production stack.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept beside the code.

    A first run on a fresh machine needs no configuration, and sessions survive restarts.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = BASE_DIR / ".secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "customers",
    "inbox",
    "channels_adapters",
    "api",
    "webhooks",
    "reports",
    "surveys",
    "hours",
    "sla",
    "macros",
    "routing",
    "automation",
    "bot",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and a reader work at once; the timeout waits out a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The report tables' duration indexes carry their times as INCLUDE columns, which only
    # PostgreSQL has: SQLite builds them without, and Django would say so on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "inbox.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox:inbox"
LOGOUT_REDIRECT_URL = "login"

# --- Redis: channel layer and Celery broker -------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "threadline"),
                "capacity": 1000,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds rate-limit counters that every server process must share: Redis when
# there is one, else the process's memory (the embedded mode runs one process).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "threadline"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "threadline")
# A task is acknowledged only once it finished: a worker killed mid-task leaves it queued.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis broker: a task taken by a worker that died before acknowledging it goes back to the
# queue BROKER_VISIBILITY_TIMEOUT seconds after it was taken; the workers look for such tasks
# every tenth of that (at most every 10 s). It must exceed the longest any task runs or waits
# for its countdown (webhook retries: THREADLINE_WEBHOOK_RETRY_MAX_SECONDS, an hour), or that
# task is given to a second worker as well: the default leaves ten minutes above the hour, and
# the check webhooks.W001 warns when a configuration does not.
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("BROKER_VISIBILITY_TIMEOUT", "4200"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    "unacked_restore_interval": max(1, min(10, BROKER_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
}
# Celery's Django fixup closes the database connection before and after every task unless
# told to reuse it: a new PostgreSQL connection per task cost ~25 % of a worker's time.
# Django still closes it past CONN_MAX_AGE or when it is unusable.
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck": {"task": "channels_adapters.tasks.sweep_stuck", "schedule": 60.0},
    # THREADLINE_IMAP_POLL_SECONDS: how often the e-mail channels' mailboxes are polled.
    "poll-mailboxes": {"task": "channels_adapters.tasks.poll_mailboxes",
                       "schedule": float(os.environ.get("THREADLINE_IMAP_POLL_SECONDS", "30"))},
    # Webhook deliveries that are due and were not taken (a lost broker message).
    "sweep-webhooks": {"task": "webhooks.tasks.sweep_webhooks", "schedule": 60.0},
    # The report counts are written a row per batch; this folds them, one row per key.
    "compact-report-counts": {"task": "reports.tasks.compact_activity_task",
                              "schedule": 300.0},
    # Snoozed threads whose time has passed are open again (inbox/tasks.py).
    "wake-snoozed-threads": {"task": "inbox.tasks.wake_snoozed_threads_task",
                             "schedule": 60.0, "options": {"expires": 60}},
    # Auto-assignment (routing/): agents who came online or went away, threads still waiting.
    "route-waiting-threads": {
        "task": "routing.tasks.routing_sweep_task",
        "schedule": float(os.environ.get("THREADLINE_ROUTING_SWEEP_SECONDS", "30")),
        "options": {"expires": float(os.environ.get("THREADLINE_ROUTING_SWEEP_SECONDS", "30"))}},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Threadline ------------------------------------------------------------------------
# Region used to read phone numbers written without a country code (ISO 3166 alpha-2).
THREADLINE_DEFAULT_REGION = os.environ.get("THREADLINE_DEFAULT_REGION", "FR")
# How many times an outbound message is tried before it is marked failed.
THREADLINE_DELIVERY_MAX_RETRIES = int(os.environ.get("THREADLINE_DELIVERY_MAX_RETRIES", "5"))
THREADLINE_DELIVERY_BACKOFF_SECONDS = int(
    os.environ.get("THREADLINE_DELIVERY_BACKOFF_SECONDS", "10")
)
# Longer than any write transaction lasts: how far back a catch-up looks for events that
# committed late (see inbox.selectors.replay_start).
THREADLINE_EVENT_SETTLE_SECONDS = int(os.environ.get("THREADLINE_EVENT_SETTLE_SECONDS", "30"))
# Events per page of a WebSocket catch-up.
THREADLINE_CATCH_UP_PAGE = int(os.environ.get("THREADLINE_CATCH_UP_PAGE", "1000"))
# Called after commit with each list of published Events (dotted paths): integrations that
# react to what happens in the inbox without the actions knowing them.
THREADLINE_EVENT_LISTENERS = env_list("THREADLINE_EVENT_LISTENERS",
                                      "channels_adapters.slack.mirror.on_events,"
                                      "webhooks.listener.on_events,"
                                      "surveys.listener.on_events,"
                                      "hours.listener.on_events,"
                                      "sla.listener.on_events,"
                                      "automation.listener.on_events,"
                                      "bot.listener.on_events,"
                                      "routing.listener.on_events")
# This server's public URL (https://inbox.example.com), for links posted elsewhere (Slack).
THREADLINE_BASE_URL = os.environ.get("THREADLINE_BASE_URL", "").rstrip("/")
# Largest e-mail accepted (IMAP poller, SMTP listener), in bytes.
THREADLINE_MAX_MAIL_BYTES = int(os.environ.get("THREADLINE_MAX_MAIL_BYTES", str(50 * 2**20)))
# Longest message text accepted, in characters.
THREADLINE_MAX_TEXT_LENGTH = int(os.environ.get("THREADLINE_MAX_TEXT_LENGTH", "65536"))

# --- Outgoing webhooks ---------------------------------------------------------------
# Seconds an endpoint has to answer a delivery.
THREADLINE_WEBHOOK_TIMEOUT_SECONDS = float(
    os.environ.get("THREADLINE_WEBHOOK_TIMEOUT_SECONDS", "5"))
# Retries: the first after this many seconds, each wait doubling up to the maximum, for as
# long as the last value after the first attempt (docs/webhooks.md).
THREADLINE_WEBHOOK_RETRY_BASE_SECONDS = float(
    os.environ.get("THREADLINE_WEBHOOK_RETRY_BASE_SECONDS", "30"))
THREADLINE_WEBHOOK_RETRY_MAX_SECONDS = float(
    os.environ.get("THREADLINE_WEBHOOK_RETRY_MAX_SECONDS", "3600"))
THREADLINE_WEBHOOK_RETRY_FOR_SECONDS = float(
    os.environ.get("THREADLINE_WEBHOOK_RETRY_FOR_SECONDS", "86400"))
# An endpoint with no successful delivery for this long is disabled and its owner told.
THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS = float(
    os.environ.get("THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS", "86400"))
# Embedded mode (no broker to hold a countdown): a retry due within this many seconds is
# waited for in-process; a later one is taken at the next commit.
THREADLINE_WEBHOOK_EAGER_MAX_WAIT_SECONDS = float(
    os.environ.get("THREADLINE_WEBHOOK_EAGER_MAX_WAIT_SECONDS", "0"))

# --- Customer satisfaction (surveys/) -------------------------------------------------
# A one-question survey (1–5 and a comment) sent when a thread is resolved.
THREADLINE_CSAT_ENABLED = env_bool("THREADLINE_CSAT_ENABLED", True)
# Days a survey can be answered (and its answer changed) after it was sent.
THREADLINE_CSAT_EXPIRY_DAYS = int(os.environ.get("THREADLINE_CSAT_EXPIRY_DAYS", "7"))
# Answers one IP address may post to survey pages per minute.
THREADLINE_CSAT_POSTS_PER_MINUTE = int(os.environ.get("THREADLINE_CSAT_POSTS_PER_MINUTE", "20"))
# Minutes a customer may wait for a first reply before the reports count an SLA breach.
THREADLINE_FIRST_RESPONSE_TARGET_MINUTES = int(
    os.environ.get("THREADLINE_FIRST_RESPONSE_TARGET_MINUTES", "60"))
# Share (%) of an SLA target's allowed time after which its warning is announced.
THREADLINE_SLA_WARNING_PERCENT = int(os.environ.get("THREADLINE_SLA_WARNING_PERCENT", "80"))
# Celery beat runs the automation rules on customers still waiting (automation/) every minute.
CELERY_BEAT_SCHEDULE["run-waiting-rules"] = {"task": "automation.tasks.run_waiting_rules_task",
                                             "schedule": 60.0, "options": {"expires": 60}}
# Celery beat announces the SLA warnings and breaches now due (sla/) every minute.
CELERY_BEAT_SCHEDULE["announce-sla-due"] = {"task": "sla.tasks.announce_due_task",
                                            "schedule": 60.0, "options": {"expires": 60}}
# Seconds the reports keep a median / p90 for the same filters (0: always computed afresh).
THREADLINE_REPORTS_CACHE_SECONDS = int(os.environ.get("THREADLINE_REPORTS_CACHE_SECONDS", "60"))
# Celery beat computes the form's preset ranges that often, ahead of the supervisors
# (reports/warming.py); a run still queued when the next is due is dropped.
if THREADLINE_REPORTS_CACHE_SECONDS > 0:
    CELERY_BEAT_SCHEDULE["warm-report-percentiles"] = {
        "task": "reports.tasks.warm_percentiles_task",
        "schedule": float(THREADLINE_REPORTS_CACHE_SECONDS),
        "options": {"expires": THREADLINE_REPORTS_CACHE_SECONDS},
    }

# --- REST API (api/) -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # THREADLINE_API_RATE: requests per token (or signed-in user), e.g. 600/min.
    "DEFAULT_THROTTLE_RATES": {"api": os.environ.get("THREADLINE_API_RATE", "600/min")},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StrictCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Threadline API",
    "DESCRIPTION": "Customers, their one thread across every channel, messages, events and "
                   "outgoing webhooks. Authenticate with `Authorization: Bearer <token>` "
                   "(an admin creates tokens in the back office).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io: the docs page asks nothing of other servers.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One name per choice set used by several serializers' fields.
    "ENUM_NAME_OVERRIDES": {
        "ChannelKindEnum": "channels_adapters.models.ChannelKind",
        "IdentityKindEnum": "customers.addresses.IdentityKind",
        "MessageDirectionEnum": "inbox.models.Message.Direction",
        "InteractionDirectionEnum": "inbox.actions.messages.INTERACTION_DIRECTIONS",
    },
    # The Error body and the errors every operation may give; Idempotency-Key on POSTs.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "api.errors.document_error_responses",
                             "api.idempotency.document_idempotency_key"],
}

# --- Mail ------------------------------------------------------------------------------
# E-mail channels with their own SMTP settings send through them; the others, and Django's
# own mail, go through this backend: SMTP when EMAIL_HOST is set, else the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "threadline@localhost")

# Longest web chat message, in characters (the widget's limit; at most the one above).
THREADLINE_WEBCHAT_MAX_TEXT_LENGTH = int(
    os.environ.get("THREADLINE_WEBCHAT_MAX_TEXT_LENGTH", "5000")
)
# New web chat visitors one IP address may create per minute (offices share one address).
THREADLINE_WEBCHAT_VISITORS_PER_MINUTE = int(
    os.environ.get("THREADLINE_WEBCHAT_VISITORS_PER_MINUTE", "60")
)

# --- Internationalisation, static, media ----------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
