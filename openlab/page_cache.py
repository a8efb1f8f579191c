"""A whole-page cache for anonymous visitors.

Anonymous GET requests for public pages are served from the cache without
touching the database. Every cached page is keyed by a site-wide generation
number; publishing, unpublishing, moving or deleting any page bumps it, so
a change shows everywhere at once (the next request renders afresh).
The cache is shared by every worker (Redis in production, a file cache by
default), so the bump reaches all processes.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

GENERATION_KEY = "page-cache:generation"
CHANGED_AT_KEY = "page-cache:changed-at"
UNCACHED_PREFIXES = ("/admin", "/accounts", "/api", "/chat", "/ws", "/healthz", "/django-admin")


def current_generation():
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        generation = cache.get(GENERATION_KEY, 1)
    return generation


def last_changed():
    """When the public content last changed, or None when not known (cache emptied)."""
    try:
        return cache.get(CHANGED_AT_KEY)
    except Exception:
        return None


def invalidate(**_kwargs):
    """Make every cached page stale. Never lets a cache outage break a publish."""
    try:
        # When, for Last-Modified on the open data downloads (openlab.public_data).
        cache.set(CHANGED_AT_KEY, timezone.now().replace(microsecond=0), timeout=None)
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, timeout=None)
    except Exception:
        logger.exception("page cache: could not bump the generation")


def connect_invalidation_signals():
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(invalidate, dispatch_uid="page_cache_published")
    page_unpublished.connect(invalidate, dispatch_uid="page_cache_unpublished")
    post_page_move.connect(invalidate, dispatch_uid="page_cache_moved")
    # Snippets (towns, offer/need terms) and deletions show on many pages too.
    post_delete.connect(_invalidate_for_content, dispatch_uid="page_cache_deleted")
    post_save.connect(_invalidate_for_snippet, dispatch_uid="page_cache_snippet")


def _invalidate_for_content(sender, **kwargs):
    from wagtail.models import Page, PageViewRestriction

    if (
        issubclass(sender, Page)
        or sender is PageViewRestriction
        or sender._meta.app_label in {"openlab", "stakeholders"}
    ):
        invalidate()


def _invalidate_for_snippet(sender, **kwargs):
    from wagtail.models import PageViewRestriction

    from openlab.models import Town
    from stakeholders.models import OfferNeedTerm

    # A view restriction too: a page cached while public must not be served once private.
    if sender in (Town, OfferNeedTerm, PageViewRestriction):
        invalidate()


def _is_cacheable_request(request):
    return (
        settings.PAGE_CACHE_ENABLED
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(UNCACHED_PREFIXES)
    )


def _cache_key(request, generation):
    language = getattr(request, "LANGUAGE_CODE", "")
    raw = f"{generation}|{request.get_host()}|{request.get_full_path()}|{language}"
    return "page-cache:" + hashlib.sha256(raw.encode()).hexdigest()


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_cacheable_request(request):
            return self.get_response(request)
        try:
            key = _cache_key(request, current_generation())
            cached = cache.get(key)
        except Exception:
            logger.warning("page cache unavailable; rendering without it", exc_info=True)
            return self.get_response(request)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached

        response = self.get_response(request)
        if self._is_cacheable_response(request, response):
            response["X-Page-Cache"] = "miss"
            try:
                cache.set(key, response, settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("page cache: could not store %s", request.path, exc_info=True)
        return response

    @staticmethod
    def _is_cacheable_response(request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            return False
        # A page that put a CSRF token or a message in its HTML is personal.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
            return False
        if response.has_header("Cache-Control") and "private" in response["Cache-Control"]:
            return False
        patch_cache_control(response, public=True, max_age=0)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        return True
