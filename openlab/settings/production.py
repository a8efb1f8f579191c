"""Production: every secret comes from the environment, or the site refuses to start."""

from .base import *  # noqa: F403
from .env import env_bool, env_int, env_list, env_str, required

DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [required("ALLOWED_HOSTS")]
# The embedded defaults serve one process only (a SQLite file, an in-memory channel layer
# that reaches no other worker's sockets): production needs PostgreSQL and Redis.
required("DATABASE_URL")
required("REDIS_URL")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", ",".join(f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS)
)

# HTTPS everywhere; the proxy in front terminates TLS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Log-in rate limits count the client's address from X-Forwarded-For, not the proxy's
# (behind one proxy, every visitor would otherwise share one counter).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1, minimum=0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
