"""What the partner dashboard (/matches/) shows: a fixed number of queries whatever the data."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openlab.matching.closeness import closeness, closeness_label
from openlab.matching.models import MatchProposal
from openlab.matching.reasons import Voice, render_all

PER_SECTION = 10
MAX_ROWS = 300

HINTS = {
    "goals": gettext_lazy("取り組んでいるSDGsの目標（できればターゲットも）"),
    "offers": gettext_lazy("提供できること（できること）"),
    "needs": gettext_lazy("求めている協力（求めること）"),
}


def _hints(stakeholder):
    missing = []
    if not stakeholder.goals.all():
        missing.append(HINTS["goals"])
    if not stakeholder.offers.all():
        missing.append(HINTS["offers"])
    if not stakeholder.needs.all():
        missing.append(HINTS["needs"])
    return missing


def _item(proposal, side):
    other_side = "b" if side == "a" else "a"
    project_title = proposal.project.title if proposal.project_id else ""
    voice = Voice(side, proposal.side_a.title, proposal.side_b.title, project_title)
    if proposal.project_id and side == "b":
        other_title = _("プロジェクト「%(title)s」（%(lead)s）") % {
            "title": project_title,
            "lead": proposal.side_a.title,
        }
        other_url = proposal.project.url
    else:
        other = proposal.stakeholder_of(other_side)
        other_title, other_url = other.title, other.url
    return {
        "proposal": proposal,
        "side": side,
        "other_title": other_title,
        "other_url": other_url,
        "reasons": render_all(proposal.reasons, voice),
        "my_decision": proposal.decision_of(side),
        "other_accepted": proposal.decision_of(other_side) == MatchProposal.Decision.ACCEPTED,
        "room_url": f"/chat/{proposal.room_id}/" if proposal.room_id else "",
        "closeness": closeness(proposal.score),
        "closeness_label": closeness_label(proposal.score),
    }


def build(stakeholder_ids):
    """Sections for the given stakeholders: their own proposals, then each project's."""
    from projects.models import ProjectPage
    from stakeholders.models import NAME_ORDER, StakeholderPage

    stakeholders = list(
        StakeholderPage.objects.filter(pk__in=stakeholder_ids)
        .order_by(*NAME_ORDER)
        .prefetch_related("goals", "offers", "needs")
    )
    projects = list(
        ProjectPage.objects.live()
        .filter(Q(lead_id__in=stakeholder_ids) | Q(partners__in=stakeholder_ids))
        .exclude(seeking=None)
        .distinct()
        .order_by("title")
        .prefetch_related("seeking")
    )
    project_ids = {project.pk for project in projects}
    rows = list(
        MatchProposal.objects.filter(
            status__in=[MatchProposal.Status.OPEN, MatchProposal.Status.INTRODUCED]
        )
        .filter(
            Q(side_a_id__in=stakeholder_ids, project__isnull=True)
            | Q(side_b_id__in=stakeholder_ids)
            | Q(project_id__in=project_ids)
        )
        # Only between published pages (see services.is_public).
        .filter(side_a__live=True, side_b__live=True)
        .exclude(project__live=False)
        .select_related("side_a", "side_b", "project")
        .order_by("-promoted", "-score", "pk")[:MAX_ROWS]
    )
    own_sections = []
    for stakeholder in stakeholders:
        items = []
        for proposal in rows:
            if len(items) >= PER_SECTION:
                break
            if proposal.side_b_id == stakeholder.pk:
                items.append(_item(proposal, "b"))
            elif proposal.side_a_id == stakeholder.pk and not proposal.project_id:
                items.append(_item(proposal, "a"))
        own_sections.append(
            {"stakeholder": stakeholder, "hints": _hints(stakeholder), "items": items}
        )
    project_sections = []
    for project in projects:
        items = [_item(p, "a") for p in rows if p.project_id == project.pk][:PER_SECTION]
        project_sections.append(
            {"project": project, "seeking": list(project.seeking.all()), "items": items}
        )
    return {"own_sections": own_sections, "project_sections": project_sections}
