"""One settings module, fed by environment variables, with embedded defaults.

A plain checkout runs on SQLite with no other service. DATABASE_URL, REDIS_URL
and MQTT_URL switch to real servers; MINSHENG_ENV=production turns on the
production checks and refuses to start without real secrets.
"""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from minsheng.core.secrets import env, env_bool, load_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("MINSHENG_VAR_DIR", str(BASE_DIR / "var")))
SHARED_DATA_DIR = BASE_DIR / "data"

MINSHENG_ENV = env("MINSHENG_ENV", "development")  # development | test | production
PRODUCTION = MINSHENG_ENV == "production"
TESTING = MINSHENG_ENV == "test"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION and not TESTING)

# Secrets: real ones from the environment (or *_FILE); in development the first
# command writes random keys to var/secrets.json; production refuses to start
# without them (ImproperlyConfigured).
SECRETS = load_secrets(var_dir=VAR_DIR, production=PRODUCTION)
SECRET_KEY = SECRETS["SECRET_KEY"]
MINSHENG_FIELD_KEY = SECRETS["MINSHENG_FIELD_KEY"]  # AES-256-GCM key for ID/phone numbers
MINSHENG_HASH_KEY = SECRETS["MINSHENG_HASH_KEY"]  # HMAC key for searchable hashes

ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    # core
    "minsheng.core",
    "minsheng.core.draws",
    "minsheng.core.imports",
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

# --- database -------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        # Persistent connections: without them a one-query view fell from
        # ~2,100 to ~170 req/s on this hardware.
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (rate limits, OTP codes, sessions, the per-user cache) -----------
# Every process that serves or writes must share it: the per-user cache of the
# signed-in account and its roles (minsheng.core.usercache) is invalidated through
# it, so a per-process cache would let another worker serve a deactivated account.
REDIS_URL = env("REDIS_URL", "")
if TESTING:
    # Each test process keeps its own; tests that need Redis talk to REDIS_URL.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {
        # Django's backend, reusing its Redis client (minsheng.core.cache says why).
        "default": {"BACKEND": "minsheng.core.cache.RedisCache", "LOCATION": REDIS_URL}
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
# cached_db whose keys name their user: the session and the user in one round trip
SESSION_ENGINE = "minsheng.identity.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Sign-in protection (minsheng.identity)
LOGIN_MAX_FAILURES = int(env("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_SECONDS = int(env("LOGIN_LOCKOUT_SECONDS", "900"))
OTP_TTL_SECONDS = 300
OTP_RESEND_SECONDS = 60
SMS_CHANNEL = env("SMS_CHANNEL", "console")
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
# Refusals at the access gates written one by one per (actor, object type, action) and
# minute; beyond it one "suppressed" entry (minsheng.access.refusals).
AUDIT_REFUSALS_PER_MINUTE = int(env("AUDIT_REFUSALS_PER_MINUTE", "20"))
IDENTITY_VERIFIER = env("IDENTITY_VERIFIER", "minsheng.identity.verification.ChecksumOnlyVerifier")

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
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- background tasks -----------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "notifications", "imports", "sla"],
    }
}

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
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

MINSHENG_CITY_CODE = env("MINSHENG_CITY_CODE", "320700")
