"""Test settings: the embedded defaults unless the environment names real services.

CI exports DATABASE_URL, REDIS_URL and ELASTICSEARCH_URL, so the same suite
runs against PostgreSQL, Redis and Elasticsearch there.
"""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env
from .env import env_str

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env(VAR_DIR / "test.sqlite3")}
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
# The test process opens its own connections (threads of the concurrency tests each hold
# one); the servers the tests start with production-like settings use the pool.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"
# Tasks run inline in tests so their effect can be asserted; the worker
# process itself is exercised by the reliability suite.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
ACCOUNT_RATE_LIMITS = False
OPENLAB_BENCH_ENDPOINTS = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
# Tests never write into the dev or production Elasticsearch indexes.
SEARCH_INDEX_PREFIX = env_str("TEST_SEARCH_INDEX_PREFIX") or f"test_{os.getpid()}"
