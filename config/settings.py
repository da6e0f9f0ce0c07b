"""One settings module, fed by environment variables, with embedded defaults.

A plain checkout runs on SQLite with no other service. DATABASE_URL, REDIS_URL
and MQTT_URL switch to real servers; MINSHENG_ENV=production turns on the
production checks and refuses to start without real secrets.
"""

from datetime import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from minsheng.core.secrets import env, env_bool, load_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("MINSHENG_VAR_DIR", str(BASE_DIR / "var")))
SHARED_DATA_DIR = BASE_DIR / "data"

MINSHENG_ENV = env("MINSHENG_ENV", "development")  # development | test | production
PRODUCTION = MINSHENG_ENV == "production"
TESTING = MINSHENG_ENV == "test"
# Off unless asked for (DJANGO_DEBUG=1): the demo city shows people the site's own error
# pages, never Django's debug page with its settings and URL list.
DEBUG = env_bool("DJANGO_DEBUG", False)

# Secrets: real ones from the environment (or *_FILE); in development the first
# command writes random keys to var/secrets.json; production refuses to start
# without them (ImproperlyConfigured).
SECRETS = load_secrets(var_dir=VAR_DIR, production=PRODUCTION)
SECRET_KEY = SECRETS["SECRET_KEY"]
MINSHENG_FIELD_KEY = SECRETS["MINSHENG_FIELD_KEY"]  # AES-256-GCM key for ID/phone numbers
MINSHENG_HASH_KEY = SECRETS["MINSHENG_HASH_KEY"]  # HMAC key for searchable hashes

ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The reverse proxies in front of the app (nginx: 127.0.0.1): behind them the client's
# address is taken from X-Forwarded-For (audit trail, rate limits, /metrics).
TRUSTED_PROXY_IPS = [ip for ip in env("TRUSTED_PROXY_IPS", "").split(",") if ip]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the default widget templates, for the project's FORM_RENDERER
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "django_rq",  # the Redis task backend's queues and its ``rqworker`` command
    "django_prometheus",
    # core
    "minsheng.core",
    "minsheng.draws",
    "minsheng.imports",
    "minsheng.regions",
    "minsheng.identity",
    "minsheng.access",
    "minsheng.audit",
    "minsheng.cases",
    "minsheng.ratings",
    "minsheng.notifications",
    "minsheng.attachments",
    "minsheng.portal",
    "minsheng.workbench",
    "minsheng.api",
    "minsheng.demo",
    # programs
    # programs: every package under minsheng/programs/ with an apps.py joins;
    # it registers its tiles, menus, KPIs and demo generator in its ready().
    *sorted(
        f"minsheng.programs.{p.name}"
        for p in (BASE_DIR / "minsheng" / "programs").iterdir()
        if (p / "apps.py").exists()
    ),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Deny by default: every view needs a signed-in user unless it is marked
    # with @login_not_required (see minsheng.access.decorators).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "minsheng.core.middleware.RequestContextMiddleware",
]
# Request counts and latencies by view for /metrics: ~70 µs a request on this hardware
# (302→373 µs for a redirect through the test client, best of 5×1,000).
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
if METRICS_ENABLED:
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "minsheng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "minsheng.core.context_processors.platform",
                "minsheng.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Every form rendered with Bootstrap's labels, hints, errors and classes (docs/design.md).
FORM_RENDERER = "minsheng.core.forms_rendering.FormRenderer"

# --- database -------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: opening one per request costs more than most views
        # (figures in bench/README.md).
        conn_max_age=int(env("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write
        # lock at BEGIN so concurrent writers queue instead of failing with
        # "database is locked" half-way through a transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;PRAGMA cache_size=-64000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = (
        {"NAME": str(VAR_DIR / "test.sqlite3")}
        if env_bool("MINSHENG_TEST_SQLITE_FILE", False)
        else {}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
# PostgreSQL plans a statement psycopg has seen DB_PREPARE_THRESHOLD times on a connection once,
# not at every execution (ADR 0020: planning was most of the hot actions' database CPU). Needs
# server-side parameter binding, and prepared statements survive only on the same connection:
# direct or persistent connections, or a pooler that keeps them (PgBouncer >= 1.21 with
# max_prepared_statements). DB_PREPARE_THRESHOLD=off turns both off.
DB_PREPARE_THRESHOLD = env("DB_PREPARE_THRESHOLD", "5")
DB_POSTGRES_OPTIONS = (
    {}
    if DB_PREPARE_THRESHOLD == "off"
    else {"server_side_binding": True, "prepare_threshold": int(DB_PREPARE_THRESHOLD)}
)
if IS_POSTGRES:
    DATABASES["default"].setdefault("OPTIONS", {}).update(DB_POSTGRES_OPTIONS)

# A read replica (streaming replication of the primary): dashboards read there
# (minsheng.core.replica); everything else, and every write, uses the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(env("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
    DATABASES["replica"].setdefault("OPTIONS", {}).update(DB_POSTGRES_OPTIONS)
DATABASE_ROUTERS = ["minsheng.core.replica.ReplicaRouter"] if DATABASE_REPLICA_URL else []

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (rate limits, one-time codes, sessions) ---------------------------
# Shared by every process that serves: a rate limit or a one-time code counted in one
# worker must hold in the others.
REDIS_URL = env("REDIS_URL", "")
if TESTING:
    # Each test process keeps its own; tests that need Redis talk to REDIS_URL.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared by every process of the embedded server, unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
MQTT_URL = env("MQTT_URL", "")

# --- auth -----------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["minsheng.identity.backends.PhoneOrUsernameBackend"]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(60 * 60 * 12)))  # staff: 12 h
CITIZEN_SESSION_AGE = int(env("CITIZEN_SESSION_AGE", str(60 * 60 * 24 * 30)))  # "long session"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sign-in protection (minsheng.identity)
LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))
OTP_TTL_SECONDS = 300
OTP_RESEND_SECONDS = 60
# Staff sign-in links by SMS (minsheng.identity.services.links): the invitation's first sign-in
# link, and the link a member of staff who forgot the password asks for. SITE_URL is the address
# the SMS names (a service has no request to build it from).
STAFF_LINK_HOURS = int(env("STAFF_LINK_HOURS", "72"))
STAFF_RESET_LINK_HOURS = int(env("STAFF_RESET_LINK_HOURS", "2"))
SITE_URL = env("SITE_URL", "http://localhost:8000")
# SMS for sign-in codes and notices (minsheng.core.sms): "console" prints,
# "http" posts to the provider's API, or a dotted path names another gateway.
SMS_CHANNEL = env("SMS_CHANNEL", "console")
SMS_API_URL = env("SMS_API_URL", "")
SMS_API_KEY = env("SMS_API_KEY", "")  # also SMS_API_KEY_FILE
SMS_SIGNATURE = env("SMS_SIGNATURE", "民生")  # the approved sign name (签名)
# The provider's approved template per message: "otp_signin=SMS_1,otp_reset=SMS_2,…";
# the key is the sign-in purpose or the notification template code.
SMS_TEMPLATE_IDS = dict(
    pair.split("=", 1) for pair in env("SMS_TEMPLATE_IDS", "").split(",") if "=" in pair
)
SMS_TIMEOUT_SECONDS = float(env("SMS_TIMEOUT_SECONDS", "5"))
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
# Refusals at the access gates written one by one per (actor, object type, action) and
# minute; beyond it one "suppressed" entry (minsheng.access.refusals).
AUDIT_REFUSALS_PER_MINUTE = int(env("AUDIT_REFUSALS_PER_MINUTE", "20"))
IDENTITY_VERIFIER = env("IDENTITY_VERIFIER", "minsheng.identity.verification.ChecksumOnlyVerifier")
# The provincial identity service, for IDENTITY_VERIFIER=…OidcVerifier (OAuth2/OIDC code flow).
IDENTITY_OIDC_ISSUER = env("IDENTITY_OIDC_ISSUER", "")
IDENTITY_OIDC_CLIENT_ID = env("IDENTITY_OIDC_CLIENT_ID", "")
IDENTITY_OIDC_CLIENT_SECRET = env("IDENTITY_OIDC_CLIENT_SECRET", "")
IDENTITY_OIDC_SCOPE = env("IDENTITY_OIDC_SCOPE", "openid profile")
IDENTITY_OIDC_NAME_CLAIM = env("IDENTITY_OIDC_NAME_CLAIM", "name")
IDENTITY_OIDC_ID_CLAIM = env("IDENTITY_OIDC_ID_CLAIM", "id_number")

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "minsheng" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# In development and tests whitenoise serves straight from the app folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Attachments on the local disk ("local") or an S3-compatible object store ("s3":
# MinIO, Ceph, a cloud's OSS/COS through its S3 API), by django-storages.
MEDIA_STORAGE = env("MEDIA_STORAGE", "local")
S3_BUCKET = env("S3_BUCKET", "")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", "")
S3_REGION = env("S3_REGION", "us-east-1")
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", "")  # also S3_SECRET_ACCESS_KEY_FILE
MEDIA_STORAGES = {
    "local": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "s3": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "region_name": S3_REGION,
            "access_key": S3_ACCESS_KEY_ID or None,
            "secret_key": S3_SECRET_ACCESS_KEY or None,
            # Private objects: downloads go through the access-checked view.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env("S3_PREFIX", ""),
        },
    },
}
if MEDIA_STORAGE not in MEDIA_STORAGES:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be one of {', '.join(MEDIA_STORAGES)}")
STORAGES = {
    "default": MEDIA_STORAGES[MEDIA_STORAGE],
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if not PRODUCTION
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

ATTACHMENT_MAX_BYTES = int(env("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
# Processes one import run splits a large roster over (PostgreSQL; rows split by family, one
# error report): about the cores the task worker's machine can give it and PostgreSQL.
IMPORT_WORKERS = int(env("IMPORT_WORKERS", "1"))
# A staff list longer than this downloads in the background, with a progress bar (imports.exports).
EXPORT_INLINE_ROWS = int(env("EXPORT_INLINE_ROWS", "5000"))

# --- background tasks -----------------------------------------------------
# "database" (django-tasks-db, the embedded default: `manage.py db_worker`) or
# "redis" (django-tasks-rq on REDIS_URL: `manage.py rqworker --job-class django_tasks_rq.Job`).
TASKS_BACKEND = env("TASKS_BACKEND", "database")
TASK_QUEUES = ["default", "notifications", "imports", "sla"]
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
}
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}")
if TASKS_BACKEND == "redis" and not REDIS_URL:
    raise ImproperlyConfigured("TASKS_BACKEND=redis needs REDIS_URL.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else TASK_BACKENDS[TASKS_BACKEND],
        "QUEUES": TASK_QUEUES,
    }
}
# django-rq's queues, one per task queue, on the shared Redis.
RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}
    for name in TASK_QUEUES
}
# /healthz reports "degraded" when the oldest waiting task is older than this.
HEALTH_TASK_BACKLOG_SECONDS = int(env("HEALTH_TASK_BACKLOG_SECONDS", "300"))

# --- notifications --------------------------------------------------------
NOTIFICATION_MAX_ATTEMPTS = int(env("NOTIFICATION_MAX_ATTEMPTS", "8"))
NOTIFICATION_BACKOFF_SECONDS = int(env("NOTIFICATION_BACKOFF_SECONDS", "60"))
NOTIFICATION_RETRY_SECONDS = int(env("NOTIFICATION_RETRY_SECONDS", "60"))  # the retry sweep's period
# WeChat official-account template messages: real sends once an access token is set.
NOTIFICATION_WECHAT = {
    "endpoint": env("WECHAT_ENDPOINT", "https://api.weixin.qq.com/cgi-bin/message/template/send"),
    "access_token": env("WECHAT_ACCESS_TOKEN", ""),  # also WECHAT_ACCESS_TOKEN_FILE
    "template_ids": dict(
        pair.split("=", 1) for pair in env("WECHAT_TEMPLATE_IDS", "").split(",") if "=" in pair
    ),
    "default_template_id": env("WECHAT_DEFAULT_TEMPLATE_ID", ""),
    "timeout": float(env("WECHAT_TIMEOUT_SECONDS", "5")),
}
NOTIFICATION_CHANNELS = {
    "sms": "minsheng.notifications.channels.SmsChannel",
    **(
        {"wechat_template": "minsheng.notifications.channels.WechatTemplateChannel"}
        if NOTIFICATION_WECHAT["access_token"]
        else {}
    ),
}

# E-mail through Django's backends: console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(env("EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")  # also EMAIL_HOST_PASSWORD_FILE
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- shared services ------------------------------------------------------
CASES_SLA_CHECK_SECONDS = int(env("CASES_SLA_CHECK_SECONDS", "300"))  # overdue tasks escalate

# --- programs -------------------------------------------------------------
# after_school (课后服务)
AFTER_SCHOOL_WORKDAY_END = time.fromisoformat(env("AFTER_SCHOOL_WORKDAY_END", "17:30"))  # weekday care ends no earlier
AFTER_SCHOOL_MIN_MINUTES = int(env("AFTER_SCHOOL_MIN_MINUTES", "120"))  # shortest weekday session
AFTER_SCHOOL_PICKUP_GRACE_MINUTES = int(env("AFTER_SCHOOL_PICKUP_GRACE_MINUTES", "15"))
AFTER_SCHOOL_LOTTERY_BATCH = int(env("AFTER_SCHOOL_LOTTERY_BATCH", "250000"))  # applications per pass
AFTER_SCHOOL_NOTIFY_CHUNK = int(env("AFTER_SCHOOL_NOTIFY_CHUNK", "500"))
AFTER_SCHOOL_OFFER_SWEEP_SECONDS = int(env("AFTER_SCHOOL_OFFER_SWEEP_SECONDS", "300"))  # expired offers
# elderly_care (居家养老): a visit shorter than this share of its planned minutes is flagged
# at check-out and the family's confirmation text says so.
ELDERLY_CARE_SHORT_VISIT_SHARE = float(env("ELDERLY_CARE_SHORT_VISIT_SHARE", "0.8"))
# enterprise_startup (企业开办): the city's target from submission to licence, in working hours,
# and per-step targets ({"step_key": hours}) replacing the built-in ones.
ENTERPRISE_STARTUP_TARGET_HOURS = float(env("ENTERPRISE_STARTUP_TARGET_HOURS", "3.75"))
ENTERPRISE_STARTUP_STEP_HOURS: dict[str, float] = {}
# service_halls (便民服务站): the live display's server-sent events and the display bus
SERVICE_HALLS_DISPLAY_BUS = env("SERVICE_HALLS_DISPLAY_BUS", "auto")  # auto | redis | poll (auto: redis with REDIS_URL)
SERVICE_HALLS_SSE_POLL_SECONDS = float(env("SERVICE_HALLS_SSE_POLL_SECONDS", "1"))
SERVICE_HALLS_SSE_KEEPALIVE_SECONDS = float(env("SERVICE_HALLS_SSE_KEEPALIVE_SECONDS", "15"))
SERVICE_HALLS_SSE_ASGI_SECONDS = float(env("SERVICE_HALLS_SSE_ASGI_SECONDS", "3600"))  # one stream's life
SERVICE_HALLS_SSE_WSGI_SECONDS = float(env("SERVICE_HALLS_SSE_WSGI_SECONDS", "25"))  # ties a worker: short

# --- security -------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Health checks from the load balancer arrive over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]

# --- logs and metrics -----------------------------------------------------
# "json": one JSON object a line with the request id (for journald / a log
# collector); "text" for a person at a terminal.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "minsheng.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
# Prometheus metrics at /metrics, answered only to these addresses (the scraper).
METRICS_ALLOWED_IPS = [
    ip for ip in env("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",") if ip
]
PROMETHEUS_EXPORT_MIGRATIONS = False

# --- operations -------------------------------------------------------------
BACKUP_DIR = Path(env("BACKUP_DIR", str(VAR_DIR / "backups")))
# `minsheng up` also serves live screens under ASGI on this port (0: not).
ASGI_PORT = int(env("ASGI_PORT", "0"))

MINSHENG_CITY_CODE = env("MINSHENG_CITY_CODE", "320700")
