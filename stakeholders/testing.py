"""Fast bulk creation of published stakeholders, for tests and benchmarks only.

Writes the page rows directly (a few queries per 500 pages) instead of going
through revisions, publishing and signals, so 2,600 stakeholders take seconds.
Not for production data: no revisions, no search indexing, no audit log.
"""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page

from openlab.database import refresh_planner_statistics
from openlab.models import Town
from stakeholders.models import OfferNeedTerm, StakeholderKind, StakeholderPage
from stakeholders.reading import name_reading

KINDS = StakeholderKind.values


@transaction.atomic
def bulk_stakeholders(parent, count, prefix="一括団体"):
    """Add `count` live StakeholderPages under `parent`, tagged in a varied pattern."""
    content_type = ContentType.objects.get_for_model(StakeholderPage)
    locale = Locale.get_default()
    towns = list(Town.objects.all())
    terms = list(OfferNeedTerm.objects.all())
    start = parent.get_children().count()
    last = parent.get_last_child()
    now = timezone.now()
    depth = parent.depth + 1
    serial = uuid.uuid4().hex[:6]
    pages = []
    step = last._get_lastpos_in_path() if last else 0
    reading = name_reading(prefix)  # the serial digits sort the same after it
    for i in range(count):
        path = Page._get_path(parent.path, depth, step + i + 1)
        slug = f"bulk-{serial}-{start + i}"
        pages.append(
            StakeholderPage(
                title=f"{prefix}{start + i:05d}",
                draft_title=f"{prefix}{start + i:05d}",
                slug=slug,
                path=path,
                depth=depth,
                numchild=0,
                url_path=f"{parent.url_path}{slug}/",
                content_type=content_type,
                locale=locale,
                translation_key=uuid.uuid4(),
                live=True,
                first_published_at=now,
                last_published_at=now,
                kind=KINDS[i % len(KINDS)],
                summary="東村山で活動しています。",
                description=[],
                joined=now.date(),
                name_reading=f"{reading}{start + i:05d}",
            )
        )
    base_rows = Page.objects.bulk_create([_as_base(page) for page in pages], batch_size=500)
    for page, base in zip(pages, base_rows, strict=True):
        page.pk = page.page_ptr_id = base.pk
    local = list(StakeholderPage._meta.local_concrete_fields)
    for chunk in range(0, len(pages), 200):
        StakeholderPage._base_manager._insert(pages[chunk : chunk + 200], fields=local, raw=True)
    Page.objects.filter(pk=parent.pk).update(numchild=start + count)
    goals = StakeholderPage.goals.through
    goals.objects.bulk_create(
        [
            goals(stakeholderpage_id=page.pk, goal_id=number)
            for i, page in enumerate(pages)
            for number in sorted({1 + i % 17, 11})
        ],
        batch_size=1000,
    )
    if towns:
        through = StakeholderPage.towns.through
        through.objects.bulk_create(
            [
                through(stakeholderpage_id=p.pk, town=towns[i % len(towns)])
                for i, p in enumerate(pages)
            ],
            batch_size=1000,
        )
    if terms:
        for field, offset in (("offers", 0), ("needs", 3)):
            through = getattr(StakeholderPage, field).through
            through.objects.bulk_create(
                [
                    through(stakeholderpage_id=p.pk, offerneedterm=terms[(i + offset) % len(terms)])
                    for i, p in enumerate(pages)
                ],
                batch_size=1000,
            )
    refresh_planner_statistics()
    return pages


def _as_base(page):
    base = Page()
    for field in Page._meta.local_concrete_fields:
        if not field.primary_key:
            setattr(base, field.attname, getattr(page, field.attname))
    return base
