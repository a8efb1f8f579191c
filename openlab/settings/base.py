"""Settings shared by every environment.

Everything that differs between the embedded default and production is read
from the environment here, in one place: the rest of the code never asks
which backend it runs on.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("OPENLAB_VAR_DIR", BASE_DIR / "var"))


def per_install_secret_key(path):
    """This install's own secret key, made on first use in a file only its owner reads
    (mode 0600). The embedded settings use it: a key committed in the repository would let
    anyone forge the signed links (event cancellation, unsubscribe) of every copy."""
    import secrets

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes and the other reads.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret_key(path)
    key = secrets.token_urlsafe(64)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


def _read_secret_key(path, attempts=50):
    import time

    for _attempt in range(attempts):  # another process may be writing it this instant
        key = path.read_text().strip()
        if len(key) >= 50:
            return key
        time.sleep(0.1)
    raise RuntimeError(f"{path} holds no usable secret key: delete it to make a new one")


SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "openlab",
    "openlab.accounts",
    "openlab.chat",
    "openlab.notifications",
    "openlab.opendata",
    "openlab.matching",
    "stakeholders",
    "projects",
    "events",
    "search",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail.api.v2",
    "rest_framework",
    "modelcluster",
    "taggit",
    "channels",
    "django_q",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "openlab.middleware.SecurityHeadersMiddleware",
    # CORS on the public APIs and feeds; 304s and gzip on data sets and feeds (above the cache).
    "openlab.public_data.PublicDataMiddleware",
    "openlab.middleware.LanguageMiddleware",
    "openlab.middleware.DropNulFromQueryMiddleware",
    # Before sessions and auth: a cached anonymous page is served without
    # touching the database at all.
    "openlab.page_cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A partner gets a 403 on Wagtail admin views naming pages that are not theirs.
    "openlab.accounts.partner_access.PartnerAdminPageGuard",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "openlab.urls"
ASGI_APPLICATION = "openlab.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openlab.context_processors.site_navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite is shared by the web process and the django-q2 worker: WAL mode, a
# busy timeout and IMMEDIATE transactions keep concurrent writers from failing
# with "database is locked".
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def database_from_env(default_sqlite_path):
    url = env_str("DATABASE_URL") or f"sqlite:///{default_sqlite_path}"
    config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = SQLITE_OPTIONS
        # Kept for a minute: opening the file (and running its PRAGMAs) for every database
        # call of a chat frame cost more than the queries. Channels makes a process's
        # database calls in one thread, which keeps its connection.
        config["CONN_MAX_AGE"] = 60
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # A pool (psycopg's) rather than persistent connections, which Django advises
        # against under ASGI: without either, every request and every chat frame that
        # touched the database opened a PostgreSQL connection (a new server process), the
        # largest single cost of a busy chat room. CONN_HEALTH_CHECKS makes the pool check
        # a connection on checkout, so a restarted PostgreSQL costs no failed request.
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 10, minimum=1),
            "timeout": 10,
        }
    return config


DATABASES = {"default": database_from_env(VAR_DIR / "openlab.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ----------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: a room's message is published once and each ASGI process
            # hands it to its own sockets (the list-based RedisChannelLayer pushed one copy
            # per socket through Redis: 200 members, 200 copies). Messages are stored before
            # they are broadcast, so pub/sub's at-most-once delivery loses nothing: a client
            # that missed a frame fetches it by id when it reconnects.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "openlab",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # A file cache is shared by every worker process on the machine, so a
    # publish seen by one worker invalidates the page cache of all of them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# The anonymous page cache (openlab/page_cache.py).
PAGE_CACHE_ENABLED = env_bool("OPENLAB_PAGE_CACHE", True)
PAGE_CACHE_SECONDS = 600

# --- Search -----------------------------------------------------------------------
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL", "")
SEARCH_INDEX_PREFIX = env_str("SEARCH_INDEX_PREFIX", "openlab")
# Short: a dead Elasticsearch must not hold a request for long before the
# database fallback answers.
ELASTICSEARCH_TIMEOUT = env_float("ELASTICSEARCH_TIMEOUT", 1.5, minimum=0.1)

WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}

# --- Tasks (django-q2) -----------------------------------------------------------
Q_CLUSTER = {
    "name": "openlab",
    "orm": "default",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": 300,
    # retry must exceed timeout, or a slow task is started twice.
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
    "label": "タスク",
}

# --- Auth and accounts -----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "openlab.accounts.adapter.AccountAdapter"  # children land on their reports
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    # Visitors' event registrations (each sends a mail): per client address, per e-mail.
    "event_register": "20/h/ip,5/h/key",
}
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
# The admin signs in there too, through openlab.views.site_login: one rate-limited log-in
# form, and a page saying where to go for signed-in people the admin refuses.
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
# Wagtail's own reset form mailed without a limit: resets go through allauth's (throttled).
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Nor does its account page change passwords (it checked the old one without a limit):
# allauth's /accounts/password/change/ does, limited per user.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False

# --- E-mail ------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "openlab@localhost")

# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static_collected"
STATICFILES_DIRS = [BASE_DIR / "openlab" / "static"]
# Served at the site's root by WhiteNoise: /favicon.ico, which browsers ask for anyway.
WHITENOISE_ROOT = BASE_DIR / "openlab" / "public"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail -----------------------------------------------------------------------
WAGTAIL_SITE_NAME = "東村山市わたしたちのSDGsオープンラボ"
WAGTAILADMIN_BASE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# /api/v2/ writes its links (detail_url, the find/ redirect) with the configured site URL.
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt", "xlsx", "docx", "odt"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Refuses corrupt or truncated images with a message (Wagtail's own form gave a 500).
WAGTAILIMAGES_IMAGE_FORM_BASE = "projects.image_forms.ImageForm"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ja", "日本語"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = [("ja", "日本語")]

# --- Security defaults (tightened further in production.py) ----------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Wagtail's preview panel overrides this for its own frame.
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A refused form answers in the site's page, not Django's bare English one.
CSRF_FAILURE_VIEW = "openlab.views.csrf_failure"
CSRF_COOKIE_HTTPONLY = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "elastic_transport": {"level": "WARNING"},
        "django_q": {"level": "WARNING"},
        # Page actions are already in Wagtail's audit log (the database).
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

OPENLAB_BENCH_ENDPOINTS = False
# The site serves MEDIA_ROOT itself (the embedded settings; production's web server does).
OPENLAB_SERVE_MEDIA = False

# --- Chat (openlab/chat) -------------------------------------------------------------
# How often an open socket re-checks its session and membership (a logout elsewhere
# closes it within this time), the page's heartbeat, and how long presence lasts.
CHAT_SESSION_CHECK_SECONDS = env_float("CHAT_SESSION_CHECK_SECONDS", 20.0, minimum=0.1)
CHAT_HEARTBEAT_SECONDS = env_float("CHAT_HEARTBEAT_SECONDS", 25.0, minimum=0.1)
CHAT_PRESENCE_TTL_SECONDS = 90
