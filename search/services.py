"""Search use cases: answer a query (with fallback), keep the indexes in step.

Views, tasks and the management command call these; nothing else in the
project needs to know which backend is behind them.
"""

import logging
from dataclasses import dataclass, field

from search import database
from search.backend import (
    DatabaseSearchBackend,
    SearchUnavailable,
    get_search_backend,
    get_write_backends,
)
from search.documents import build_source, searchable_pages

logger = logging.getLogger(__name__)


def run_search(params):
    """Search with the configured backend, or the database when it does not answer."""
    backend = get_search_backend()
    try:
        return backend.search(params)
    except SearchUnavailable as error:
        logger.warning(
            "search: %s unavailable (%s); answering from the database", backend.name, error
        )
    results = DatabaseSearchBackend().search(params)
    results.degraded = True
    return results


def suggestions(limit=12):
    """Popular tags of published pages: [(tag, count)] (one SQL query)."""
    return database.popular_tags(limit)


# --- index updates ---------------------------------------------------------------------


def index_page(page_id):
    """Bring one page's entry in every index in line with the page. Idempotent.

    The database entry is written first; an Elasticsearch failure is raised
    after it (so the task is retried and `search_index repair` can catch up)."""
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).first()
    source = build_source(page) if page is not None else None
    failure = None
    for backend in get_write_backends():
        try:
            if source is None:
                backend.delete([page_id])
            else:
                backend.upsert([source])
        except Exception as error:  # one backend down must not stop the others
            logger.warning(
                "search: could not update page %s in %s: %s", page_id, backend.name, error
            )
            failure = failure or error
    _invalidate_page_cache()
    if failure is not None:
        raise failure
    return source is not None


def index_subtree(page_id):
    """Index `page_id` and every content page below it again (or drop them): what a view
    restriction added or removed there changes for all of them. Returns how many."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    from search.documents import content_models

    root = Page.objects.filter(pk=page_id).first()
    if root is None:
        return 0
    types = ContentType.objects.get_for_models(*content_models().values()).values()
    page_ids = list(
        Page.objects.descendant_of(root, inclusive=True)
        .filter(content_type__in=types)
        .values_list("pk", flat=True)
    )
    for pk in page_ids:
        index_page(pk)
    return len(page_ids)


def remove_page(page_id):
    """Remove a (deleted) page from every index. Idempotent."""
    failure = None
    for backend in get_write_backends():
        try:
            backend.delete([page_id])
        except Exception as error:
            logger.warning(
                "search: could not remove page %s from %s: %s", page_id, backend.name, error
            )
            failure = failure or error
    _invalidate_page_cache()
    if failure is not None:
        raise failure


def _invalidate_page_cache():
    # Anonymous /search/ pages are cached; their answers changed.
    from openlab.page_cache import invalidate

    invalidate()


def all_sources():
    for page in searchable_pages():
        source = build_source(page, check_restrictions=False)
        if source is not None:
            yield source


def rebuild(backend, progress=None):
    """Rebuild one backend's index from every searchable page; returns the count."""
    count = backend.rebuild(all_sources(), progress=progress)
    _invalidate_page_cache()
    return count


@dataclass
class RepairReport:
    backend: str
    missing: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    checked: int = 0

    @property
    def fixed(self):
        return len(self.missing) + len(self.stale) + len(self.extra)


def repair(backend, dry_run=False, chunk=500):
    """Find and fix drift between the pages and one backend's index."""
    stored = backend.stored_hashes()
    report = RepairReport(backend=backend.name)
    wanted = set()
    batch = []

    def flush():
        if batch and not dry_run:
            backend.upsert(batch)
        batch.clear()

    for source in all_sources():
        report.checked += 1
        page_id = source["page_id"]
        wanted.add(page_id)
        if page_id not in stored:
            report.missing.append(page_id)
        elif stored[page_id] != source["content_hash"]:
            report.stale.append(page_id)
        else:
            continue
        batch.append(source)
        if len(batch) >= chunk:
            flush()
    flush()
    report.extra = sorted(set(stored) - wanted)
    if report.extra and not dry_run:
        backend.delete(report.extra)
    if report.fixed and not dry_run:
        _invalidate_page_cache()
    return report
