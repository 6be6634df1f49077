"""Settings of the newsroom host project. Everything that differs between machines comes from the
environment; with nothing set, the project runs on SQLite in debug mode."""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or ("django-insecure-dev-key-only-for-local-use" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "simple_history",
    "briefs",
    "axes",
]
# Django 6 has a tasks framework; on Django 5.2 the django-tasks backport provides the same one.
TASKS_MODULE = "django.tasks" if importlib.util.find_spec("django.tasks") else "django_tasks"
if TASKS_MODULE == "django_tasks":
    INSTALLED_APPS.append("django_tasks")
# What follows a save (rendering the stored articles, purging caches) runs at once by default, which a
# small site needs nothing more for. TASKS_BACKEND=database queues it for `manage.py db_worker`, so that
# an editor's save returns before it is done.
if os.environ.get("TASKS_BACKEND") == "database":
    INSTALLED_APPS.append("django_tasks_db")
    TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": f"{TASKS_MODULE}.backends.immediate.ImmediateBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into a 429 response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Within the cool-off, five wrong passwords for one username from one address lock that pair out, unless
# the username has signed in from that address in the last 90 days; twenty from one address, whatever the
# usernames, lock the address out. newsroom.security applies the limits; the environment names predate it.
LOGIN_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("AXES_ADDRESS_FAILURE_LIMIT", "20"))
LOGIN_KNOWN_ADDRESS_DAYS = int(os.environ.get("AXES_KNOWN_ADDRESS_DAYS", "90"))
AXES_FAILURE_LIMIT = "newsroom.security.failure_limit"
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The known-address rule reads the successful sign-ins that axes logs.
AXES_DISABLE_ACCESS_LOG = False
# Proxies (CDN, Varnish, load balancer) in front of the app servers, each appending the address it received
# the request from to X-Forwarded-For. 0: the client is REMOTE_ADDR and the header, which anyone can send,
# is ignored. Axes would read AXES_IPWARE_* settings only with django-ipware installed, so it asks
# newsroom.security instead.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip_address"

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two savers queue instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not shared-cache memory, so that concurrent tests meet SQLite's real locking.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / f"test-db{os.environ.get('TEST_DB_SUFFIX', '')}.sqlite3")
    }
else:
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Server-side binding lets PostgreSQL keep the plan of a query run often (the brief lookup that
        # answers every conditional GET) instead of parsing and planning it on each request. Turn it off
        # behind a pooler that cannot carry prepared statements (PgBouncer before 1.21 in transaction mode).
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    if os.environ.get("TEST_DB_SUFFIX"):
        DATABASES["default"]["TEST"] = {
            "NAME": f"test_{DATABASES['default']['NAME']}{os.environ['TEST_DB_SUFFIX']}"
        }

# Read replicas: each URL becomes an alias "replicaN"; in tests it mirrors the primary.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{number}"] = {
        **dj_database_url.parse(url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]),
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        "TEST": {"MIRROR": "default"},
    }
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["newsroom.routers.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware"),
        "newsroom.routers.PinPrimaryMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "lt"
LANGUAGES = [("lt", _("Lithuanian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Vilnius"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}


# Behind a proxy that terminates TLS every request reaches Django over HTTP, and the proxy's
# X-Forwarded-Proto says which were HTTPS. A client can send the header too, so it counts only when the
# proxy overwrites it and the app servers cannot be reached except through the proxy.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if not SECURE_HSTS_PRELOAD:
    # Leaving the preload list is a deliberate choice made through the environment; do not warn.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Off only for plain-HTTP test rigs on loopback (bench/load.py); check --deploy warns if it is off.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from this site: inline scripts never run. JSON-LD data blocks are not scripts.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY_REPORT_ONLY = os.environ.get("CONTENT_SECURITY_POLICY_REPORT_ONLY", "")
# A news site needs none of these browser features; denying them also denies them to anything embedded.
# browsing-topics and interest-cohort keep readers out of interest-based ad profiling. Only features
# Chromium knows: it warns in the console, on every page, about any other.
PERMISSIONS_POLICY = os.environ.get(
    "PERMISSIONS_POLICY",
    "accelerometer=(), browsing-topics=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "hid=(), interest-cohort=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=(), "
    "xr-spatial-tracking=()",
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

BRIEFS_CACHE_SECONDS = int(os.environ.get("BRIEFS_CACHE_SECONDS", "60"))
# Varnish instances in front (comma-separated addresses, e.g. http://127.0.0.1:6081) that a committed
# revision purges by surrogate key; see deploy/varnish/default.vcl.
if env_list("VARNISH_URLS"):
    BRIEFS_FRONTEND_CACHES = {
        "varnish": {"BACKEND": "briefs.purge.VarnishBackend", "LOCATION": env_list("VARNISH_URLS")}
    }
# Base of the stable identifiers in ninjs and feeds, e.g. https://news.example.org; empty: request host.
BRIEFS_SITE_URL = os.environ.get("BRIEFS_SITE_URL", "")
BRIEFS_REVIEW_INTERVAL_DAYS = int(os.environ.get("BRIEFS_REVIEW_INTERVAL_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
