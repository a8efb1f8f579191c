"""Benchmark settings: production-like (DEBUG off) on the local machine."""

from .base import *  # noqa: F403
from .base import VAR_DIR, database_from_env, per_install_secret_key
from .env import env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or per_install_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {"default": database_from_env(VAR_DIR / "bench.sqlite3")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
OPENLAB_BENCH_ENDPOINTS = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Its own cache, so bench pages never mix with the dev site's.
if not REDIS_URL:  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "bench-cache"),
        }
    }
