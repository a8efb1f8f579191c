"""Page changes enqueue index updates; a save never waits for or fails on search."""

import logging

logger = logging.getLogger(__name__)


def enqueue(func, page_id):
    try:
        from django_q.tasks import async_task

        async_task(f"search.tasks.{func}", page_id, task_name=f"search {func} {page_id}"[:100])
    except Exception:
        # The page is saved; `search_index repair` (nightly) catches up.
        logger.exception("search: could not enqueue %s for page %s", func, page_id)


def _is_content(instance):
    from search.documents import type_of

    return type_of(instance) is not None


def on_published(sender, instance, **kwargs):
    if _is_content(instance):
        enqueue("index_page", instance.pk)


def on_unpublished(sender, instance, **kwargs):
    if _is_content(instance.specific):
        enqueue("index_page", instance.pk)


def on_moved(sender, instance, **kwargs):
    if _is_content(instance.specific):
        enqueue("index_page", instance.pk)


def on_deleted(sender, instance, **kwargs):
    from search.documents import content_models

    if sender in content_models().values():
        enqueue("remove_page", instance.pk)


def on_restriction_changed(sender, instance, **kwargs):
    # A view restriction (password, log-in, groups) covers the page and all below it: a page
    # that became private must leave the public index now, not at the nightly repair.
    enqueue("index_subtree", instance.page_id)


def connect():
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(on_published, dispatch_uid="search_page_published")
    page_unpublished.connect(on_unpublished, dispatch_uid="search_page_unpublished")
    post_page_move.connect(on_moved, dispatch_uid="search_page_moved")
    post_delete.connect(on_deleted, dispatch_uid="search_page_deleted")
    for signal in (post_save, post_delete):
        signal.connect(
            on_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"search_restriction_{signal is post_save}",
        )
