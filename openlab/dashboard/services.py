"""The SDG dashboard: who works on what, counted in a fixed number of aggregate queries.

Counts are grouped in the database (one GROUP BY per content type and
grouping), never computed goal by goal, so the page costs the same number of
queries whatever the size of the data.
"""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from openlab import sdgs

MEASURES = (
    ("stakeholders", pgettext_lazy("plural", "ステークホルダー")),
    ("projects", pgettext_lazy("plural", "プロジェクト")),
    ("events", pgettext_lazy("plural", "イベント")),
    ("reports", _("レポート")),
)
DORMANT_DAYS = 183  # about 6 months
STALE_DAYS = 90
GAP_LIST_SIZE = 50


def _models():
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage
    from stakeholders.models import StakeholderPage

    return {
        "stakeholders": StakeholderPage,
        "projects": ProjectPage,
        "events": EventPage,
        "reports": ReportPage,
    }


def _count_through(model, relation, target_column):
    """{target id: number of live pages of `model`} over a many-to-many relation, one query."""
    through = model._meta.get_field(relation).remote_field.through
    source = model._meta.model_name
    rows = (
        through.objects.filter(**{f"{source}__live": True})
        .values(target_column)
        .annotate(n=Count(source, distinct=True))
        .values_list(target_column, "n")
    )
    return dict(rows)


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


@dataclass
class Row:
    key: object
    label: str
    counts: dict
    fill: str = "#00558c"
    text_fill: str = "#ffffff"
    href: str = ""

    def value(self, measure):
        return self.counts.get(measure, 0)

    @property
    def cells(self):
        return [self.counts.get(measure, 0) for measure, _label in MEASURES]


def by_goal():
    counts = {
        measure: _count_through(model, "goals", "goal_id") for measure, model in _models().items()
    }
    return [
        Row(
            key=goal.number,
            label=f"{goal.number}. {goal.name}",
            counts={measure: counts[measure].get(goal.number, 0) for measure, _ in MEASURES},
            fill=goal.colour.lower(),
            text_fill=goal.text_colour,
            href=f"/sdgs/{goal.number}/",
        )
        for goal in sdgs.GOALS
    ]


def by_town():
    from openlab.models import Town

    counts = {
        measure: _count_through(model, "towns", "town_id")
        for measure, model in _models().items()
        if _has_field(model, "towns")
    }
    return [
        Row(
            key=town.pk,
            label=town.name,
            counts={measure: counts.get(measure, {}).get(town.pk, 0) for measure, _ in MEASURES},
        )
        for town in Town.objects.order_by("position", "name")
    ]


def by_kind():
    """Counts per kind of stakeholder. Every page query here clears Wagtail's ordering by
    path first: an ORDER BY column joins the GROUP BY, which then counted each page as
    its own group (the dashboard said 1 of everything)."""
    from stakeholders.models import StakeholderKind

    models = _models()
    counts = {
        "stakeholders": dict(
            models["stakeholders"]
            .objects.live()
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        ),
        # A project counts for the kind of its lead, a report for its ambassador
        # group's, an event for each kind among its organisers.
        "projects": dict(
            models["projects"]
            .objects.live()
            .order_by()
            .filter(lead__live=True)
            .values("lead__kind")
            .annotate(n=Count("pk"))
            .values_list("lead__kind", "n")
        ),
        "reports": dict(
            models["reports"]
            .objects.live()
            .order_by()
            .filter(ambassador_group__live=True)
            .values("ambassador_group__kind")
            .annotate(n=Count("pk"))
            .values_list("ambassador_group__kind", "n")
        ),
    }
    through = models["events"]._meta.get_field("organisers").remote_field.through
    counts["events"] = dict(
        through.objects.filter(eventpage__live=True, stakeholderpage__live=True)
        .values("stakeholderpage__kind")
        .annotate(n=Count("eventpage", distinct=True))
        .values_list("stakeholderpage__kind", "n")
    )
    return [
        Row(
            key=kind.value,
            label=str(kind.label),
            counts={measure: counts[measure].get(kind.value, 0) for measure, _ in MEASURES},
        )
        for kind in StakeholderKind
    ]


def totals():
    """Live pages of each type, in one query."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    types = {
        ContentType.objects.get_for_model(model).pk: measure for measure, model in _models().items()
    }
    rows = (
        Page.objects.live()
        .order_by()  # Wagtail orders pages by path, which would group page by page
        .filter(content_type_id__in=list(types))
        .values("content_type_id")
        .annotate(n=Count("pk"))
        .values_list("content_type_id", "n")
    )
    result = {measure: 0 for measure, _ in MEASURES}
    for content_type_id, n in rows:
        result[types[content_type_id]] = n
    return result


def dashboard_context():
    totals_by_measure = totals()
    return {
        "measures": MEASURES,
        "totals": [(label, totals_by_measure[measure]) for measure, label in MEASURES],
        "goal_rows": by_goal(),
        "kind_rows": by_kind(),
        "town_rows": by_town(),
    }


# --- gaps, for facilitators -----------------------------------------------------------------


def goals_without_running_project():
    from projects.models import ProjectPage, ProjectStatus

    through = ProjectPage._meta.get_field("goals").remote_field.through
    covered = set(
        through.objects.filter(
            projectpage__live=True, projectpage__status=ProjectStatus.RUNNING
        ).values_list("goal_id", flat=True)
    )
    return [goal for goal in sdgs.GOALS if goal.number not in covered]


def towns_without_running_project():
    from openlab.models import Town
    from projects.models import ProjectPage, ProjectStatus

    through = ProjectPage._meta.get_field("towns").remote_field.through
    running = through.objects.filter(
        projectpage__live=True, projectpage__status=ProjectStatus.RUNNING
    ).values("town_id")
    return list(Town.objects.exclude(pk__in=running).order_by("position", "name"))


def dormant_stakeholders(now=None):
    """Live stakeholders with no sign of life for about 6 months: their page, projects they
    lead or join, events they organise, reports of their group, progress on their projects."""
    from events.models import EventPage
    from projects.models import ProgressUpdate, ProjectPage, ReportPage
    from stakeholders.models import StakeholderPage

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=DORMANT_DAYS)
    cutoff_date = timezone.localtime(cutoff).date()
    me = OuterRef("pk")
    active_projects = ProjectPage.objects.live().filter(
        Q(lead_id=me) | Q(partners=me), last_published_at__gte=cutoff
    )
    events = EventPage.objects.live().filter(
        Q(last_published_at__gte=cutoff) | Q(start__gte=cutoff), organisers=me
    )
    reports = ReportPage.objects.live().filter(
        ambassador_group_id=me, last_published_at__gte=cutoff
    )
    updates = ProgressUpdate.objects.filter(
        Q(project__lead_id=me) | Q(project__partners=me), date__gte=cutoff_date
    )
    queryset = (
        StakeholderPage.objects.live()
        .filter(last_published_at__lt=cutoff)
        .exclude(Exists(active_projects))
        .exclude(Exists(events))
        .exclude(Exists(reports))
        .exclude(Exists(updates))
        .order_by("last_published_at", "pk")
    )
    return {"items": list(queryset[:GAP_LIST_SIZE]), "total": queryset.count()}


def stale_projects(today=None):
    """Running projects quiet for 90+ days (no progress update; as projects.services counts)."""
    from projects.models import ProjectPage, ProjectStatus

    today = today or timezone.localdate()
    queryset = (
        ProjectPage.objects.live()
        .filter(status=ProjectStatus.RUNNING)
        .annotate(last_update=Max("updates__date"))
        .annotate(
            quiet_since=Coalesce("last_update", "start_date", TruncDate("first_published_at"))
        )
        .filter(quiet_since__lte=today - dt.timedelta(days=STALE_DAYS))
        .select_related("lead")
        .order_by("quiet_since", "pk")
    )
    items = list(queryset[:GAP_LIST_SIZE])
    for project in items:
        project.quiet_days = (today - project.quiet_since).days
    return {"items": items, "total": queryset.count()}


def waiting_match_proposals():
    """Open match proposals, read-only; None when the matching app is not installed."""
    try:
        proposal = apps.get_model("matching", "MatchProposal")
    except LookupError:
        return None
    if not _has_field(proposal, "status"):
        return None
    open_value = getattr(getattr(proposal, "Status", None), "OPEN", "open")
    queryset = proposal.objects.filter(status=open_value)
    related = [name for name in ("side_a", "side_b", "project") if _has_field(proposal, name)]
    order = ["-score"] if _has_field(proposal, "score") else []
    items = list(queryset.select_related(*related).order_by(*order, "pk")[:GAP_LIST_SIZE])
    return {"items": items, "total": queryset.count()}


def gaps_context():
    return {
        "goals_without_running": goals_without_running_project(),
        "towns_without_running": towns_without_running_project(),
        "dormant": dormant_stakeholders(),
        "stale": stale_projects(),
        "proposals": waiting_match_proposals(),
        "dormant_months": 6,
        "stale_days": STALE_DAYS,
    }
