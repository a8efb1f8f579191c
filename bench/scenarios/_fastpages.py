"""Bulk-created Wagtail pages for benchmarks (not a scenario: the name starts with "_").

Creating 10,000 pages through ``add_child`` + publish takes minutes; here the
tree rows are computed (treebeard materialised paths) and inserted in batches:
base ``Page`` rows with ``bulk_create``, the specific table with one multi-row
INSERT per batch, many-to-many rows with ``bulk_create``. Pages are live, with
no revisions; signals are not sent. Only for benchmark databases.
"""

from __future__ import annotations

import random

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _base36(number: int, width: int = 4) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = ALPHABET[rest] + digits
    return digits.rjust(width, "0")


def bulk_pages(model, parent, count, fields, relations=None, batch=500, prefix="bench"):
    """Create `count` live `model` pages under `parent`.

    fields(i) -> dict of the specific model's own fields; relations(i) -> {m2m name: [ids]}.
    Returns the new page ids.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page

    content_type = ContentType.objects.get_for_model(model)
    local_fields = list(model._meta.local_concrete_fields)
    parent = Page.objects.get(pk=parent.pk)
    last = parent.get_last_child()
    position = int(last.path[-4:], 36) + 1 if last else 1
    now = timezone.now()
    ids = []
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        with transaction.atomic():
            base = []
            for i in range(offset, offset + size):
                slug = f"{prefix}-{model._meta.model_name}-{position + i}"
                title = fields(i).get("title") or slug
                base.append(
                    Page(
                        title=title,
                        draft_title=title,
                        slug=slug,
                        path=parent.path + _base36(position + i),
                        depth=parent.depth + 1,
                        numchild=0,
                        url_path=f"{parent.url_path}{slug}/",
                        live=True,
                        has_unpublished_changes=False,
                        content_type=content_type,
                        locale_id=parent.locale_id,
                        first_published_at=now,
                        last_published_at=now,
                    )
                )
            Page.objects.bulk_create(base)
            specific = []
            for i, page in zip(range(offset, offset + size), base, strict=True):
                values = {k: v for k, v in fields(i).items() if k != "title"}
                obj = model(page_ptr_id=page.pk, **values)
                specific.append(obj)
            model._base_manager._insert(specific, fields=local_fields, using="default")
            if relations:
                by_name = {}
                for i, page in zip(range(offset, offset + size), base, strict=True):
                    for name, targets in relations(i).items():
                        by_name.setdefault(name, []).extend((page.pk, t) for t in targets)
                for name, pairs in by_name.items():
                    through = model._meta.get_field(name).remote_field.through
                    source = model._meta.model_name
                    target = model._meta.get_field(name).related_model._meta.model_name
                    through.objects.bulk_create(
                        [through(**{f"{source}_id": a, f"{target}_id": b}) for a, b in pairs]
                    )
            ids.extend(page.pk for page in base)
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + count)
    return ids


def random_goals(rng: random.Random, low=1, high=3):
    return rng.sample(range(1, 18), rng.randint(low, high))


class DiscardingEmailBackend:
    """Builds each message as SMTP would (MIME), counts it, keeps nothing.

    The locmem backend keeps every message in ``mail.outbox``: 10,000 digests
    would measure the outbox, not the digest run.
    """

    sent = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        for message in messages:
            message.message().as_bytes()
        DiscardingEmailBackend.sent += len(messages)
        return len(messages)
