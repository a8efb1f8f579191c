"""Public read-only data for other sites' programs: the APIs, the open data downloads and
the iCal feeds (issue 19 item 6).

- CORS: `Access-Control-Allow-Origin: *` for GET/HEAD, and a preflight OPTIONS answered
  here, on an explicit list of paths. Nothing that reads the session is listed (the chat API
  for members, forms), and no credentials are ever allowed.
- Conditional GET and gzip on the downloads and feeds, with Django's own middlewares. This
  runs above the anonymous page cache, so a cached feed gets its 304 and its gzip too (and
  the page cache never stores a gzipped body for a visitor who did not ask for one).
"""

import hashlib
import re

from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.middleware.http import ConditionalGetMiddleware
from django.utils import timezone, translation
from django.utils.http import http_date

from openlab import page_cache

# Public, read-only, no session: open to any origin.
CORS_PATHS = re.compile(
    r"^/(?:api/v2/|api/search/|opendata/[^/]+\.(?:csv|json)$"
    r"|events/feed\.ics$|events/[^/]+/(?:[^/]+/)?event\.ics$)"
)
# Data sets and feeds: validators and gzip.
DATA_PATHS = re.compile(
    r"^/(?:opendata/[^/]+\.(?:csv|json)$|events/feed\.ics$|events/[^/]+/(?:[^/]+/)?event\.ics$)"
)
ALLOWED_METHODS = "GET, HEAD, OPTIONS"


def _apply(middleware_class, request, response):
    return middleware_class(get_response=lambda _request: response).process_response(
        request, response
    )


def _cors(response):
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Content-Disposition"
    return response


def _preflight():
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = (
        "Accept, Accept-Language, If-None-Match, If-Modified-Since"
    )
    response["Access-Control-Max-Age"] = "86400"
    response["Allow"] = ALLOWED_METHODS
    return _cors(response)


class PublicDataMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cors = bool(CORS_PATHS.match(request.path))
        if (
            cors
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        ):
            return _preflight()
        response = self.get_response(request)
        if DATA_PATHS.match(request.path) and response.status_code == 200:
            # An ETag from the body (Django) unless the view set one (streamed downloads).
            response = _apply(ConditionalGetMiddleware, request, response)
            if response.status_code == 200:
                response = _apply(GZipMiddleware, request, response)
        if cors and request.method in ("GET", "HEAD", "OPTIONS"):
            _cors(response)
        return response


def last_changed():
    """When public content last changed (a page published, moved, deleted; a snippet saved),
    to the second, or the start of this hour when later: "upcoming" lists change as time goes
    by, so a download is taken as new every hour at least."""
    changed = page_cache.last_changed()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    return max(changed, hour) if changed else hour


def stamp_download(response, name):
    """ETag and Last-Modified for a streamed download, whose body cannot be hashed first:
    from the site's content generation, the language and last_changed(). Without the cache
    (an outage) the download goes out unstamped rather than failing."""
    try:
        generation = page_cache.current_generation()
    except Exception:
        return response
    changed = last_changed()
    raw = f"{name}|{generation}|{translation.get_language()}|{changed.timestamp()}"
    response["ETag"] = f'"{hashlib.sha256(raw.encode()).hexdigest()[:32]}"'
    response["Last-Modified"] = http_date(changed.timestamp())
    return response
