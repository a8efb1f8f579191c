"""django-q2 tasks that keep the search indexes in step. Idempotent, by primary key."""

import logging

logger = logging.getLogger(__name__)

# The nightly repair schedule is created by search/migrations/0002_repair_schedule.py.
REPAIR_SCHEDULE_NAME = "search: nightly repair"


def index_page(page_id):
    from search import services

    return services.index_page(page_id)


def index_subtree(page_id):
    from search import services

    return services.index_subtree(page_id)


def remove_page(page_id):
    from search import services

    return services.remove_page(page_id)


def repair_all():
    """Every backend: find and fix missing, stale and extra documents."""
    from search import services
    from search.backend import get_write_backends

    summary = {}
    for backend in get_write_backends():
        report = services.repair(backend)
        summary[backend.name] = {
            "missing": len(report.missing),
            "stale": len(report.stale),
            "extra": len(report.extra),
        }
    return summary
