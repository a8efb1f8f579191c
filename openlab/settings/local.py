"""The embedded default: `make run` with no environment variables at all.

What a visitor (a city officer trying OpenLab) sees: DEBUG off, so errors answer with the
site's own pages, never Django's debug page (which lists every URL pattern). Static files
come through WhiteNoise, uploaded media through Django. Developers use `make dev`
(openlab.settings.dev: the same with DEBUG on).
"""

from .base import *  # noqa: F403
from .base import VAR_DIR, per_install_secret_key
from .env import env_list, env_str

DEBUG = False
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or per_install_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", *env_list("ALLOWED_HOSTS")]
CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded images and documents, served by the site itself (production's web server
# serves them there).
OPENLAB_SERVE_MEDIA = True

VAR_DIR.mkdir(parents=True, exist_ok=True)
# WhiteNoise serves the apps' static files where they are: no collectstatic needed.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
