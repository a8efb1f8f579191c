"""Matching rules: recomputing proposals, what partners and facilitators may do with them.

Views, tasks and admin hooks call these functions; they hold every rule.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openlab.accounts.models import PartnerMembership
from openlab.accounts.permissions import approved_stakeholder_ids, is_facilitator
from openlab.matching import scoring
from openlab.matching.engine import TOP_K, Engine
from openlab.matching.features import load_features, pair_fingerprint
from openlab.matching.models import MatchDecision, MatchProposal

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500
MAX_NOTE_LENGTH = 1000
Status = MatchProposal.Status
Decision = MatchProposal.Decision


class MatchError(Exception):
    """A refused action, with a message for the person (Japanese first)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class MatchPermissionError(MatchError, PermissionDenied):
    pass


# --- recomputation ----------------------------------------------------------------------


def build_engine():
    stakeholders, projects = load_features()
    return Engine(stakeholders, projects)


def _key_of(proposal):
    if proposal.project_id:
        return ("p", proposal.project_id, proposal.side_b_id)
    return ("s", proposal.side_a_id, proposal.side_b_id)


# Rows written per transaction: short transactions, so a partner answering a proposal
# never waits long behind a recomputation, and a few dozen statements for 10,000 pairs.
WRITE_CHUNK = 1000
REFRESHED_FIELDS = [
    "score", "reasons", "fingerprint", "status", "decision_a", "decision_b", "updated_at",
]  # fmt: skip
# An engine proposal nobody has touched: the only kind a recomputation may delete.
UNTOUCHED = {
    "source": MatchProposal.Source.ENGINE,
    "status": Status.OPEN,
    "promoted": False,
    "decision_a": Decision.PENDING,
    "decision_b": Decision.PENDING,
}


def _chunks(items):
    items = list(items)
    return (items[start : start + WRITE_CHUNK] for start in range(0, len(items), WRITE_CHUNK))


def _refresh(proposal, score, reasons, fingerprint):
    """Apply a recomputed pair to its stored proposal; returns "", "updated" or "reopened".

    Introduced proposals are kept as they are; dismissed ones stay dismissed unless
    their inputs changed (the fingerprint stored at dismissal differs); facilitators'
    proposals keep their mark.
    """
    if proposal.status == Status.INTRODUCED:
        return ""
    outcome = "updated"
    if proposal.status == Status.DISMISSED:
        if proposal.dismissed_fingerprint == fingerprint:
            return ""
        # The data changed materially since the dismissal: propose again.
        proposal.status = Status.OPEN
        proposal.decision_a = proposal.decision_b = Decision.PENDING
        outcome = "reopened"
    if proposal.source == MatchProposal.Source.FACILITATOR:
        reasons = [{"code": "facilitator", "points": 0}, *reasons]
    if outcome == "updated" and (proposal.score, proposal.reasons, proposal.fingerprint) == (
        score,
        reasons,
        fingerprint,
    ):
        return ""
    proposal.score, proposal.reasons, proposal.fingerprint = score, reasons, fingerprint
    proposal.updated_at = timezone.now()
    return outcome


def _persist(computed, existing):
    """Write computed pairs; remove untouched engine proposals that no longer hold.

    ``computed``: {key: (side a features, side b features)}, the subjects' top K (the
    only pairs whose reasons are built); ``existing``: the stored proposals in the
    recomputed scope, read once. Writes go in chunks of WRITE_CHUNK rows, one
    transaction each, a fixed number of statements per chunk (no per-pair query).
    Rows to change are read again under a row lock in their chunk's transaction, so a
    partner's answer given meanwhile is never overwritten by the snapshot.
    """
    stored = {_key_of(proposal): proposal for proposal in existing}
    created, refreshed = [], {}
    for key, (a, b) in computed.items():
        score, reasons = scoring.score_pair(a, b)
        fingerprint = pair_fingerprint(a, b)
        proposal = stored.get(key)
        if proposal is None:
            created.append(
                MatchProposal(
                    side_a_id=a.stakeholder_pk,
                    side_b_id=b.pk,
                    project_id=a.pk if a.is_project else None,
                    score=score,
                    reasons=reasons,
                    fingerprint=fingerprint,
                )
            )
        elif _refresh(proposal, score, reasons, fingerprint):  # on the snapshot: a pre-check
            refreshed[proposal.pk] = (score, reasons, fingerprint)
    stale = [
        proposal.pk
        for key, proposal in stored.items()
        if key not in computed and all(getattr(proposal, f) == v for f, v in UNTOUCHED.items())
    ]
    stats = {"created": 0, "updated": 0, "reopened": 0, "removed": 0}
    for chunk in _chunks(created):
        with transaction.atomic():
            # A pair proposed by hand meanwhile wins over the engine's row.
            MatchProposal.objects.bulk_create(chunk, ignore_conflicts=True)
        stats["created"] += len(chunk)
    for chunk in _chunks(refreshed):
        with transaction.atomic():
            changed = []
            for proposal in MatchProposal.objects.select_for_update().filter(pk__in=chunk):
                outcome = _refresh(proposal, *refreshed[proposal.pk])
                if outcome:
                    changed.append(proposal)
                    stats["reopened" if outcome == "reopened" else "updated"] += 1
            MatchProposal.objects.bulk_update(changed, REFRESHED_FIELDS)
    stats["updated"] += stats["reopened"]
    for chunk in _chunks(stale):
        # Still untouched at delete time (the filter is part of the DELETE).
        _total, deleted = MatchProposal.objects.filter(pk__in=chunk, **UNTOUCHED).delete()
        stats["removed"] += deleted.get(MatchProposal._meta.label, 0)
    return stats


def recompute_all(engine=None, k=TOP_K):
    """Every subject's proposals, from scratch; idempotent."""
    engine = engine or build_engine()
    computed = engine.pairs_for(engine.all_subjects(), k)
    existing = MatchProposal.objects.all()
    stats = _persist(computed, existing)
    logger.info("matching: recomputed all %s", stats)
    return stats


def recompute_for_stakeholder(pk, engine=None, k=TOP_K):
    """One stakeholder's proposals (as either side) and those of its projects; idempotent."""
    engine = engine or build_engine()
    own_projects = {row.pk for row in engine.projects if row.stakeholder_pk == pk}
    scope = Q(project__isnull=True) & (Q(side_a_id=pk) | Q(side_b_id=pk))
    scope |= Q(project__isnull=False) & (Q(project_id__in=own_projects) | Q(side_b_id=pk))
    existing = list(MatchProposal.objects.filter(scope))
    keys = {f"s{pk}", *(f"p{project}" for project in own_projects)}
    for proposal in existing:
        if proposal.project_id:
            keys.add(f"p{proposal.project_id}")
        else:
            keys.add(f"s{proposal.side_b_id if proposal.side_a_id == pk else proposal.side_a_id}")
    subjects = [row for row in (engine.subject(key) for key in sorted(keys)) if row is not None]
    computed = {
        key: pair
        for key, pair in engine.pairs_for(subjects, k).items()
        if (key[0] == "s" and pk in key[1:])
        or (key[0] == "p" and (key[1] in own_projects or key[2] == pk))
    }
    return _persist(computed, existing)


# --- who may act ------------------------------------------------------------------------


def _project_partner_ids(proposal):
    if not proposal.project_id:
        return set()
    return set(proposal.project.partners.values_list("pk", flat=True))


def sides_of(user, proposal):
    """The sides ("a", "b") `user` speaks for in this proposal."""
    if not user.is_authenticated:
        return []
    ids = approved_stakeholder_ids(user)
    sides = []
    if proposal.side_a_id in ids or (ids & _project_partner_ids(proposal)):
        sides.append("a")
    if proposal.side_b_id in ids:
        sides.append("b")
    return sides


def can_view(user, proposal):
    if is_facilitator(user):
        return True
    return bool(sides_of(user, proposal)) and proposal.status != Status.HIDDEN


def visible_proposals(user):
    """Proposals `user` may see: facilitators all; partners those of their stakeholders."""
    if is_facilitator(user):
        return MatchProposal.objects.all()
    ids = approved_stakeholder_ids(user)
    if not ids:
        return MatchProposal.objects.none()
    return (
        MatchProposal.objects.exclude(status=Status.HIDDEN)
        .filter(Q(side_a_id__in=ids) | Q(side_b_id__in=ids) | Q(project__partners__in=ids))
        .distinct()
    )


def _locked(proposal_pk):
    try:
        return (
            MatchProposal.objects.select_for_update(of=("self",))
            .select_related("side_a", "side_b", "project")
            .get(pk=proposal_pk)
        )
    except (MatchProposal.DoesNotExist, ValueError, TypeError):
        raise MatchError("not_found", _("この提案は見つかりませんでした。")) from None


def _side_for(user, proposal):
    sides = sides_of(user, proposal)
    if not sides:
        raise MatchPermissionError(
            "forbidden", _("この提案に回答できるのは、当事者のパートナーだけです。")
        )
    return sides[0]


def _members(stakeholder_ids):
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            memberships__stakeholder_id__in=stakeholder_ids,
            memberships__status=PartnerMembership.Status.APPROVED,
            is_active=True,
        )
        .distinct()
    )


def _side_stakeholder_ids(proposal, side):
    if side == "b":
        return {proposal.side_b_id}
    return {proposal.side_a_id, *_project_partner_ids(proposal)}


def _require_open(proposal):
    if proposal.status == Status.INTRODUCED:
        raise MatchError("introduced", _("この提案はすでに紹介が済んでいます。"))
    if proposal.status != Status.OPEN:
        raise MatchError("closed", _("この提案は現在受け付けていません。"))
    if not is_public(proposal):
        raise MatchError(
            "unpublished", _("この提案のステークホルダーかプロジェクトは現在公開されていません。")
        )


def is_public(proposal):
    """Both stakeholders (and the project) still published: an unpublished page's proposals
    are neither shown nor acted on."""
    project_live = proposal.project is None or proposal.project.live
    return proposal.side_a.live and proposal.side_b.live and project_live


def proposal_title(proposal):
    if proposal.project_id:
        return _("%(project)s × %(b)s") % {
            "project": proposal.project.title,
            "b": proposal.side_b.title,
        }
    return f"{proposal.side_a.title} × {proposal.side_b.title}"


def request_introduction(user, proposal_pk):
    """Ask for an introduction; when both sides have asked, open their chat room."""
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        side = _side_for(user, proposal)
        _require_open(proposal)
        if proposal.decision_of(side) == Decision.ACCEPTED:
            raise MatchError(
                "already_accepted",
                _("すでに紹介を希望しています。先方の返事をお待ちください。"),
            )
        setattr(proposal, f"decision_{side}", Decision.ACCEPTED)
        MatchDecision.objects.create(proposal=proposal, user=user, side=side, action="accept")
        other = "b" if side == "a" else "a"
        title = proposal_title(proposal)
        if proposal.decision_of(other) == Decision.ACCEPTED:
            room = _open_room(proposal, title)
            proposal.status = Status.INTRODUCED
            proposal.introduced_at = timezone.now()
            proposal.room_id = room.pk if room is not None else None
            proposal.save()
            url = room.get_absolute_url() if room is not None else "/matches/"
            for person in _members(_side_stakeholder_ids(proposal, "a") | {proposal.side_b_id}):
                _notify(
                    person,
                    "match_introduced",
                    _("「%(title)s」の紹介が成立しました") % {"title": title},
                    url,
                    _("双方が紹介を希望しました。チャットルームで話し合いを始めましょう。"),
                )
        else:
            proposal.save()
            for person in _members(_side_stakeholder_ids(proposal, other)):
                _notify(
                    person,
                    "match_requested",
                    _("「%(title)s」で紹介の希望が届きました") % {"title": title},
                    "/matches/",
                    _(
                        "先方があなたとの紹介を希望しています。マッチングのページで回答してください。"
                    ),
                )
    return proposal


def _open_room(proposal, title):
    try:
        from openlab.chat.services import accompanying_facilitator, open_room_for_match
    except ImportError:  # the chat app is not installed in this deployment
        logger.warning("matching: chat is not available; proposal %s has no room", proposal.pk)
        return None
    proposer = proposal.proposed_by if proposal.source == "facilitator" else None
    stakeholder_ids = _side_stakeholder_ids(proposal, "a") | _side_stakeholder_ids(proposal, "b")
    return open_room_for_match(stakeholder_ids, title, accompanying_facilitator(proposer))


def _notify(user, kind, title, url, body):
    from openlab.notifications.services import notify

    notify(user, kind, title, url=url, body=body)


def dismiss(user, proposal_pk, reason=""):
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise MatchError(
            "reason_too_long",
            _("見送りの理由は%(max)d文字以内で入力してください（%(len)d文字）。")
            % {"max": MAX_REASON_LENGTH, "len": len(reason)},
        )
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        side = _side_for(user, proposal)
        _require_open(proposal)
        setattr(proposal, f"decision_{side}", Decision.DISMISSED)
        proposal.status = Status.DISMISSED
        proposal.dismissed_fingerprint = proposal.fingerprint
        proposal.save()
        MatchDecision.objects.create(
            proposal=proposal, user=user, side=side, action="dismiss", reason=reason
        )
    return proposal


def save_for_later(user, proposal_pk):
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        side = _side_for(user, proposal)
        _require_open(proposal)
        if proposal.decision_of(side) == Decision.ACCEPTED:
            raise MatchError("already_accepted", _("すでに紹介を希望しています。"))
        setattr(proposal, f"decision_{side}", Decision.SAVED)
        proposal.save()
        MatchDecision.objects.create(proposal=proposal, user=user, side=side, action="save")
    return proposal


# --- facilitators -----------------------------------------------------------------------


def _require_facilitator(user):
    if not is_facilitator(user):
        raise MatchPermissionError("forbidden", _("この操作はファシリテーターだけが行えます。"))


def propose(user, stakeholder_a_pk, stakeholder_b_pk, note="", project_pk=None):
    """A facilitator proposes a match by hand (shown to both sides, marked as recommended)."""
    from projects.models import ProjectPage
    from stakeholders.models import StakeholderPage

    _require_facilitator(user)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise MatchError(
            "note_too_long",
            _("メモは%(max)d文字以内で入力してください。") % {"max": MAX_NOTE_LENGTH},
        )
    live = StakeholderPage.objects.live()
    a = live.filter(pk=stakeholder_a_pk).first()
    b = live.filter(pk=stakeholder_b_pk).first()
    if a is None or b is None:
        raise MatchError("unknown", _("公開中のステークホルダーを2つ選んでください。"))
    project = None
    if project_pk:
        project = ProjectPage.objects.live().filter(pk=project_pk).first()
        if project is None or project.lead_id is None:
            raise MatchError(
                "unknown_project", _("主催者のいる公開中のプロジェクトを選んでください。")
            )
        a = project.lead
    if a.pk == b.pk:
        raise MatchError("same", _("同じステークホルダーどうしは提案できません。"))
    if project is None and a.pk > b.pk:
        a, b = b, a
    engine = build_engine()
    side_a = engine.projects_by_pk.get(project.pk) if project else engine.by_pk.get(a.pk)
    side_b = engine.by_pk.get(b.pk)
    score, reasons = (0.0, [])
    fingerprint = ""
    if side_a is not None and side_b is not None:
        score, reasons = scoring.score_pair(side_a, side_b)
        fingerprint = pair_fingerprint(side_a, side_b)
    reasons = [{"code": "facilitator", "points": 0}, *reasons]
    with transaction.atomic():
        lookup = {"side_b": b, "project": project}
        if project is None:
            lookup["side_a"] = a
        proposal = MatchProposal.objects.select_for_update().filter(**lookup).first()
        if proposal is not None and proposal.status == Status.INTRODUCED:
            raise MatchError("introduced", _("この組み合わせはすでに紹介が済んでいます。"))
        if proposal is None:
            proposal = MatchProposal(side_a=a, side_b=b, project=project)
        proposal.side_a = a
        proposal.source = MatchProposal.Source.FACILITATOR
        proposal.proposed_by = user
        proposal.promoted = True
        proposal.note = note
        proposal.status = Status.OPEN
        proposal.decision_a = proposal.decision_b = Decision.PENDING
        proposal.score, proposal.reasons, proposal.fingerprint = score, reasons, fingerprint
        proposal.save()
        MatchDecision.objects.create(proposal=proposal, user=user, action="propose", reason=note)
    return proposal


def _facilitator_action(user, proposal_pk, action):
    _require_facilitator(user)
    with transaction.atomic():
        proposal = _locked(proposal_pk)
        if proposal.status == Status.INTRODUCED:
            raise MatchError("introduced", _("この提案はすでに紹介が済んでいます。"))
        if action == "promote":
            proposal.promoted = True
            if proposal.status == Status.HIDDEN:
                proposal.status = Status.OPEN
        elif action == "hide":
            proposal.status = Status.HIDDEN
            proposal.promoted = False
        elif action == "unhide":
            proposal.status = Status.OPEN
        proposal.save()
        MatchDecision.objects.create(proposal=proposal, user=user, action=action)
    return proposal


def promote(user, proposal_pk):
    return _facilitator_action(user, proposal_pk, "promote")


def hide(user, proposal_pk):
    return _facilitator_action(user, proposal_pk, "hide")


def unhide(user, proposal_pk):
    return _facilitator_action(user, proposal_pk, "unhide")


def conversations(proposals):
    """{proposal pk: number of messages in its room} for introduced proposals."""
    room_ids = {p.room_id for p in proposals if p.room_id}
    if not room_ids:
        return {}
    try:
        from django.db.models import Count

        from openlab.chat.models import Room
    except ImportError:
        return {}
    counts = dict(
        Room.objects.filter(pk__in=room_ids).annotate(n=Count("messages")).values_list("pk", "n")
    )
    return {p.pk: counts.get(p.room_id, 0) for p in proposals if p.room_id}
