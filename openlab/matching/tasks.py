"""django-q2 tasks: recompute proposals when pages are published, and every night.

Plain functions taking primary keys; idempotent (a recomputation of unchanged data
changes nothing), so the ORM broker's at-least-once delivery is harmless.
"""

from django.db import transaction

NIGHTLY_SCHEDULE = "matching: recompute all proposals"


def recompute_stakeholder(stakeholder_pk):
    from openlab.matching.services import recompute_for_stakeholder

    return recompute_for_stakeholder(int(stakeholder_pk))


def recompute_for_page(page_pk):
    """A stakeholder page or a project was published: recompute the stakeholders concerned."""
    from openlab.matching.services import build_engine, recompute_for_stakeholder
    from projects.models import ProjectPage
    from stakeholders.models import StakeholderPage

    page_pk = int(page_pk)
    if StakeholderPage.objects.filter(pk=page_pk).exists():
        stakeholder_ids = [page_pk]
    else:
        project = ProjectPage.objects.filter(pk=page_pk).first()
        if project is None:
            return {}
        stakeholder_ids = sorted(
            {project.lead_id, *project.partners.values_list("pk", flat=True)} - {None}
        )
    engine = build_engine() if stakeholder_ids else None
    return {pk: recompute_for_stakeholder(pk, engine=engine) for pk in stakeholder_ids}


def recompute_everything():
    from openlab.matching.services import recompute_all

    return recompute_all()


def _on_page_published(sender, instance, **kwargs):
    from django_q.tasks import async_task

    from projects.models import ProjectPage
    from stakeholders.models import StakeholderPage

    if not isinstance(instance, StakeholderPage | ProjectPage):
        return
    page_pk = instance.pk
    transaction.on_commit(lambda: async_task("openlab.matching.tasks.recompute_for_page", page_pk))


def connect_signals():
    from wagtail.signals import page_published

    page_published.connect(_on_page_published, dispatch_uid="matching_page_published")


def ensure_schedules():
    """The nightly recomputation (03:30 Asia/Tokyo); idempotent."""
    import datetime as dt

    from django.utils import timezone
    from django_q.models import Schedule

    now = timezone.localtime()
    first = now.replace(hour=3, minute=30, second=0, microsecond=0)
    if first <= now:
        first += dt.timedelta(days=1)
    schedule, created = Schedule.objects.get_or_create(
        name=NIGHTLY_SCHEDULE,
        defaults={
            "func": "openlab.matching.tasks.recompute_everything",
            "schedule_type": Schedule.DAILY,
            "next_run": first,
            "repeats": -1,
        },
    )
    return schedule
