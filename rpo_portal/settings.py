"""Settings, read from the environment (see README "Configuration")."""

import re
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pghistory
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for development).")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's form templates, found after the project's own
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "accounts",
    "engagements",
    "recruiting",
    "kpis",
    "sla",
    "forecasts",
    "reviews",
    "notifications",
    "operations",
    "orchestration",
    # Enterprise sign-in (identity/): single sign-on per organization through django-allauth.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "identity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A query string with a NUL or a lone surrogate is refused before any view reads it.
    "rpo_portal.request_input.RequestInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request's transaction, as the application role with the user's organizations as the
    # tenant context (row-level security, rpo_portal/tenant_db.py).
    "accounts.tenant_middleware.TenantTransactionMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Last, so that it sees the outcome of authentication attempts.
    "axes.middleware.AxesMiddleware",
]

# Forms render through the project's templates, so `templates/django/forms/div.html` puts
# every form's errors in view: a summary at its top that takes the focus and links to each field.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "orchestration.urls"
WSGI_APPLICATION = "rpo_portal.wsgi.application"

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
            # The presentation filters (money, pct, day, when, count, label ...) in every template.
            "builtins": ["rpo_portal.templatetags.present"],
        },
    },
]

# --- Database: PostgreSQL only -----------------------------------------------------------
# DATABASE_URL: the tables' owner (migrate, the operator's commands, backups, the Celery worker).
# APP_DATABASE_URL: the web login, a member of the application role only, which the web server
# connects as (rpo_portal/db_roles.py); unset, it is the owner's server and database as `rpo_web`
# with APP_DATABASE_PASSWORD (none: the embedded engine and local servers trust local logins).
# A host that runs only the web server may be given APP_DATABASE_URL alone.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
elif env.str("APP_DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("APP_DATABASE_URL")}
else:
    from rpo_portal import embedded

    DATABASES = {"default": embedded.postgres_settings()}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
_LOGIN_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")
if env.str("APP_DATABASE_URL", default=""):
    _web = env.db_url("APP_DATABASE_URL")
    RPO_WEB_DATABASE = {key: _web.get(key, "") for key in _LOGIN_KEYS}
else:
    RPO_WEB_DATABASE = {key: DATABASES["default"].get(key, "") for key in _LOGIN_KEYS}
    RPO_WEB_DATABASE["USER"] = "rpo_web"
    RPO_WEB_DATABASE["PASSWORD"] = env.str("APP_DATABASE_PASSWORD", default="")
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", RPO_WEB_DATABASE["USER"] or ""):
    raise ImproperlyConfigured("APP_DATABASE_URL must name a role such as rpo_web.")
if env.str("DATABASE_URL", default="") and RPO_WEB_DATABASE["USER"] == DATABASES["default"]["USER"]:
    raise ImproperlyConfigured("APP_DATABASE_URL must name a role other than the owner's.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Processes that serve tenants (web, worker, application commands) run their database work as
# the application role, subject to row-level security (rpo_portal/tenant_db.py).
RPO_PROCESS_APPLICATION_ROLE = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker ---------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if not REDIS_URL:
    from rpo_portal import embedded

    REDIS_URL = embedded.redis_url()

# Every Redis client gives up within seconds, so an unreachable Redis slows a request by a
# bounded time instead of hanging it (callers then show "unknown" or "could not be queued").
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT_SECONDS", default=2.0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="rpo"),
        "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
    }
}

# kombu names the unix-socket transport differently from redis-py.
CELERY_BROKER_URL = (
    "redis+socket://" + REDIS_URL.removeprefix("unix://")
    if REDIS_URL.startswith("unix://")
    else REDIS_URL
)
CELERY_TASK_IGNORE_RESULT = True
# Chords (the nightly pipeline's fan-out) collect their tasks' results here; only those
# tasks keep a result, and only for a day.
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT,
    # A publish to a Redis that accepts connections but answers nothing (frozen, overloaded)
    # waits this long per try, so a request learns within seconds that its job was not queued.
    # Above the worker's one-second BRPOP, so an idle worker is never cut off.
    "socket_timeout": max(REDIS_TIMEOUT, 1.5),
    # A task taken by a worker that died (acks are late) is handed out again after this long;
    # it must exceed the longest task's time limit, or a running task would be handed out twice.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=5 * 60 * 60),
}
# Enqueueing from a request tries twice, briefly, then reports that the job was not queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".data" / "celerybeat-schedule")
# Each due job is sent once per slot even if two beats run (operations/schedule.py).
CELERY_BEAT_SCHEDULER = "operations.schedule:OncePerSlotScheduler"
# The schedule lives in code so it is versioned and testable. Later apps add their jobs here.
CELERY_BEAT_SCHEDULE: dict = {
    # Recompute KPIs (in batches), evaluate SLAs of the engagements that changed, then act
    # on what the evaluation brought: one workflow (orchestration.pipeline).
    "nightly-pipeline": {
        "task": "sla.tasks.nightly_pipeline",
        "schedule": crontab(hour=2, minute=0),
    },
    # Catches up on immediate e-mails whose task was lost (e.g. no worker when it was queued).
    "send-notification-emails": {
        "task": "notifications.tasks.send_notification_emails",
        "schedule": crontab(minute="*/10"),
    },
    "send-notification-digests": {
        "task": "notifications.tasks.send_notification_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "expire-qbr-packs": {
        "task": "reviews.tasks.expire_qbr_packs",
        "schedule": crontab(hour=3, minute=45),
    },
    "deliver-qbr-packs": {
        "task": "reviews.tasks.deliver_qbr_packs",
        "schedule": crontab(hour=6, minute=0),
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # Every hour, so a cadence changed during the day has its meetings moved soon after.
    "schedule-reviews": {
        "task": "reviews.tasks.schedule_reviews",
        "schedule": crontab(minute=15),
    },
    # Terms agreed ahead for a month take effect on its first day (engagements.terms_services).
    "sync-commercial-terms": {
        "task": "engagements.tasks.sync_commercial_terms",
        "schedule": crontab(hour=0, minute=5),
    },
    # Transition milestones whose planned date passed undone: both parties' leads are told.
    "alert-late-milestones": {
        "task": "reviews.tasks.alert_late_milestones",
        "schedule": crontab(hour=6, minute=5),
    },
    "send-action-item-reminders": {
        "task": "reviews.tasks.send_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
}

# --- Audit trail (django-pghistory; docs/security.md "Audit trail") -----------------------
# Every tracked model records inserts, updates and deletes; the event tables refuse UPDATE and
# DELETE in the database (a protection trigger on each), so nothing in the app can rewrite them.
PGHISTORY_APPEND_ONLY = True
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Django's password check, refused to the members of an organization that requires
    # single sign-on (identity/backends.py).
    "identity.backends.PasswordBackend",
    # Keeps the sessions that an organization's identity provider opened (checks nothing).
    "identity.backends.SingleSignOnBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "engagements:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Five failures lock the account; five failures from one address (any accounts) lock the
# address, so an attacker can neither guess one password nor spray many accounts.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_VERBOSE = False
# The login form posts the e-mail as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# --- Single sign-on (identity/, django-allauth) ----------------------------------------------
# allauth only signs people in through an organization's identity provider: password sign-in
# stays the portal's own page, and nobody signs themselves up.
ACCOUNT_ADAPTER = "identity.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "identity.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
# An identity provider's verified address reaches the account with that address (the adapter
# first checks that the domain is the organization's own).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_REQUESTS_TIMEOUT", default=10)
# Two-factor authentication (identity/factors.py) uses allauth.mfa's authenticators: a TOTP
# app or security keys and passkeys (WebAuthn), with recovery codes. It is asked after a
# password; single sign-on leaves it to the identity provider.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "RPO Portal"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")

# --- Recruiting data imports (see README "Importing data") ---------------------------------
RPO_IMPORT_MAX_BYTES = env.int("RPO_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# An XLSX file (and each part of it) may expand to this many times RPO_IMPORT_MAX_BYTES once
# uncompressed; a workbook past it is refused before it is parsed.
RPO_IMPORT_XLSX_EXPANSION = env.int("RPO_IMPORT_XLSX_EXPANSION", default=4)
# Imports with more rows than this run in a Celery worker, with a progress bar.
RPO_IMPORT_ASYNC_ROWS = env.int("RPO_IMPORT_ASYNC_ROWS", default=5000)
# How many errors an import keeps and shows (all are counted).
RPO_IMPORT_MAX_ERRORS = env.int("RPO_IMPORT_MAX_ERRORS", default=1000)
WHITENOISE_USE_FINDERS = DEBUG

# --- Backups (see README "Backups") -------------------------------------------------------
RPO_BACKUP_DIR = env.path("RPO_BACKUP_DIR", default=BASE_DIR / ".data" / "backups")

# --- KPI recompute (see README "KPIs") ----------------------------------------------------
# A full run computes engagements together, up to this many applications per batch (memory).
KPI_RECOMPUTE_BATCH_ROWS = env.int("RPO_KPI_BATCH_ROWS", default=1_500_000)

# --- QBR packs (see README "QBR packs") ---------------------------------------------------
# A generated pack (its file and frozen numbers) is deleted this many days after it was made.
RPO_QBR_PACK_DAYS = env.int("RPO_QBR_PACK_DAYS", default=30)
# A quarter closes this many days after its last day; then its pack goes to the subscribers.
RPO_QBR_GRACE_DAYS = env.int("RPO_QBR_GRACE_DAYS", default=10)

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Keys first: an unauthenticated request then gets 401 with `WWW-Authenticate: Api-Key`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and a party of the engagement in the URL (404 otherwise), for every method.
    "DEFAULT_PERMISSION_CLASSES": ["engagements.api_permissions.IsEngagementParty"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.authentication.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "principal": env.str("API_THROTTLE_RATE", default="1200/minute"),
        "bulk": env.str("API_BULK_THROTTLE_RATE", default="60/minute"),
    },
    # JSON bodies with a NUL, a lone surrogate or too deep a nesting are a 400 (parse error).
    "DEFAULT_PARSER_CLASSES": [
        "rpo_portal.request_input.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON only: DRF's browsable pages need inline styles the CSP refuses; people read and try
    # the API in Swagger UI (/api/docs/), which runs under the policy.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Filters and pages as strict as the schema: an empty, repeated or out-of-range value is a
    # 400, never silently ignored or clamped.
    "DEFAULT_FILTER_BACKENDS": ["rpo_portal.api_query.CheckedFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rpo_portal.api_query.ApiPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "rpo_portal.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RPO Portal API",
    "DESCRIPTION": "Engagements, recruiting data, KPIs, SLAs and reviews of an RPO partnership.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a `status` of their own; each gets its own name in the schema.
    # Requisitions and action items share the four priorities: one enum in the schema.
    "ENUM_NAME_OVERRIDES": {
        "PriorityEnum": "reviews.models.Priority",
        "PartyEnum": "kpis.models.Party",
        "BreachStatusEnum": "sla.models.BreachStatus",
        "ReliefStatusEnum": "sla.models.ReliefStatus",
        "ActionItemStatusEnum": "reviews.models.ActionItemStatus",
        "BaselineSourceEnum": "kpis.baselines.models.BaselineSource",
        "MarketMetricEnum": "recruiting.models.MarketMetric",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rpo_portal.api_errors.document_errors",
        "rpo_portal.api_query.document_query_bounds",
    ],
}

# --- Security ---------------------------------------------------------------------------------
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=50 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- E-mail (see README "Notifications") ----------------------------------------------------
# The console backend prints e-mails (the demo); set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and the EMAIL_HOST settings to send them.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rpo-portal@localhost")
# The portal's address as people reach it: every link in an e-mail (notifications, digests,
# reminders, QBR deliveries, unsubscribing) and the calendars' UIDs are made from it (mail is
# sent outside any request). RPO_SITE_URL is its old name, still read when it is not set.
PORTAL_BASE_URL = (
    env.str("PORTAL_BASE_URL", default="")
    or env.str("RPO_SITE_URL", default="")
    or "http://127.0.0.1:8000"
)
if env.str("RPO_SITE_URL", default="") and not env.str("PORTAL_BASE_URL", default=""):
    warnings.warn("RPO_SITE_URL is deprecated: set PORTAL_BASE_URL instead.", DeprecationWarning, 1)
# The domain of the e-mails' Message-IDs: the portal's own unless set.
EMAIL_MESSAGE_ID_DOMAIN = env.str(
    "EMAIL_MESSAGE_ID_DOMAIN", default=urlsplit(PORTAL_BASE_URL).hostname or "localhost"
)
# The file backend's folder (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / ".data" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
