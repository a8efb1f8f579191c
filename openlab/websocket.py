"""What stands before every WebSocket consumer (openlab/asgi.py).

The Origin must be one of the site's own, compared by scheme, host and port: an origin in
CSRF_TRUSTED_ORIGINS, or a host of ALLOWED_HOSTS on the scheme and port this request was
served on. Channels' AllowedHostsOriginValidator compares the host only, so
`http://127.0.0.1:9999` and `https://127.0.0.1` passed for a site on
`http://127.0.0.1:8000`. A path no route knows closes cleanly (it raised in the server).
"""

from urllib.parse import urlsplit

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
CLOSE_NOT_FOUND = 4404


def origin_parts(text):
    """(scheme, host, port) of an origin `scheme://host[:port]`, or None when it is not one
    (`null`, a path, user info, a port out of range...)."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return parts.scheme, host, port or DEFAULT_PORTS[parts.scheme]


def _header(scope, name):
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


def served_origin(scope):
    """(scheme, host, port) the browser connected to: wss is https; the Host header (the
    proxy passes it on) has the host and port, else the server's own address."""
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    host = _header(scope, b"host")
    if host:
        return origin_parts(f"{scheme}://{host}")
    server = scope.get("server")
    if server and server[0]:
        return scheme, server[0], server[1] or DEFAULT_PORTS[scheme]
    return None


def _allowed_hosts():
    hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]  # as Django does for HTTP
    return hosts


def _trusted(origin):
    """The origin is one of CSRF_TRUSTED_ORIGINS (`https://*.example.jp` allows subdomains)."""
    scheme, host, port = origin
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        trusted = origin_parts(entry.replace("://*.", "://wildcard."))
        if trusted is None or trusted[0] != scheme or trusted[2] != port:
            continue
        if "://*." in entry:
            suffix = trusted[1][len("wildcard") :]
            if host.endswith(suffix):
                return True
        elif trusted[1] == host:
            return True
    return False


def origin_allowed(scope):
    origin_header = _header(scope, b"origin")
    origin = origin_parts(origin_header) if origin_header else None
    if origin is None:
        return False
    if _trusted(origin):
        return True
    served = served_origin(scope)
    return (
        served is not None
        and origin[0] == served[0]
        and origin[2] == served[2]
        and validate_host(origin[1], _allowed_hosts())
    )


class SiteOriginValidator:
    """Refuses a WebSocket whose Origin is not one of the site's own (see above)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any WebSocket path no route knows (`/ws/chat/abc/`, no trailing slash): closed."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)
