"""Rules for events: occurrences, registrations, waitlist, signed links.

Views, tasks and the demo loader call these functions; they hold the business
rules. Capacity is enforced under a row lock on the occurrence
(SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers with its
IMMEDIATE transactions), so concurrent registrations never overbook.
"""

import copy
import datetime as dt
import logging
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from events.models import (
    ACTIVE_STATUSES,
    EventPage,
    Occurrence,
    Registration,
    RegistrationMode,
    RegistrationStatus,
)
from events.recurrence import PAST_WINDOW, local, planned_occurrences
from openlab.accounts.permissions import can_edit

logger = logging.getLogger(__name__)

CONFIRM_MAX_AGE = 48 * 3600
CANCEL_MAX_AGE = 600 * 24 * 3600  # registrations open up to ~18 months ahead
SIGNING_SALT = "events.registration"


class RegistrationError(Exception):
    """A refusal with a message for the person (in their language)."""


# --- what the home page and other apps read ----------------------------------------
def upcoming_occurrences(goal=None):
    """Published, not cancelled occurrences that have not ended, optionally of one SDG.

    Occurrences, not EventPage.start/end: those are only a recurring event's first
    date, so the monthly market would look past after its first month.
    """
    occurrences = Occurrence.objects.public().filter(end__gte=timezone.now(), cancelled=False)
    if goal is not None:
        occurrences = occurrences.filter(event__goals=goal)
    return occurrences


def upcoming_events(limit=None, goal=None):
    """Upcoming occurrences, soonest first, each as its EventPage with `start`/`end`
    set to that occurrence (recurring events appear with their next dates).

    Two queries whatever the data size.
    """
    occurrences = (
        upcoming_occurrences(goal)
        .select_related("event")
        .prefetch_related("event__goals")
        .order_by("start", "pk")
    )
    if limit:
        occurrences = occurrences[:limit]
    return [as_event(occurrence) for occurrence in occurrences]


def as_event(occurrence):
    """The occurrence's event page, showing this occurrence's dates."""
    page = copy.copy(occurrence.event)
    page.start, page.end = occurrence.start, occurrence.end
    page.occurrence = occurrence
    page.shown = ShownDate(occurrence.start, occurrence.end, bool(page.rrule), False)
    return page


# --- the date to show for an event -----------------------------------------------------
@dataclass(frozen=True)
class ShownDate:
    """The date a listing shows for an event (templates/events/_shown_date.html)."""

    start: dt.datetime
    end: dt.datetime
    recurring: bool
    ended: bool  # a one-off that is over, or a series with no date left


def shown_dates(events, now=None):
    """{event pk: ShownDate}: the date to show for each event wherever events are listed.

    A one-off event: its own date. A recurring event: its next date that is not cancelled
    (EventPage.start is only the series' first date); when none is left, its last date,
    marked as ended. Two queries whatever the number of events."""
    now = now or timezone.now()
    events = list(events)
    series = [event.pk for event in events if event.rrule]
    bounds = {}
    if series:
        bounds = {
            row["event_id"]: (row["next"] or row["last"])
            for row in Occurrence.objects.filter(event_id__in=series, cancelled=False)
            .order_by()
            .values("event_id")
            .annotate(next=Min("start", filter=Q(end__gte=now)), last=Max("start"))
        }
    rows = {}
    if bounds:
        which = Q()
        for event_id, start in bounds.items():
            which |= Q(event_id=event_id, start=start)
        for row in Occurrence.objects.filter(which, cancelled=False).only(
            "event_id", "start", "end"
        ):
            rows[row.event_id] = row
    shown = {}
    for event in events:
        row = rows.get(event.pk) if event.rrule else None
        start, end = (row.start, row.end) if row else (event.start, event.end)
        shown[event.pk] = ShownDate(start, end, bool(event.rrule), end < now)
    return shown


def has_dates_ahead(now=None):
    """A filter for EventPage querysets: events with a date still to come (not cancelled).
    EventPage.end is only a recurring event's first date."""
    now = now or timezone.now()
    return Exists(Occurrence.objects.filter(event=OuterRef("pk"), end__gte=now, cancelled=False))


def soonest_first(now=None):
    """An order_by() for EventPage querysets that agrees with shown_dates: events with a
    date still to come first, by that date; then the others, the latest first."""
    from django.db.models import F, OuterRef, Subquery

    now = now or timezone.now()
    next_start = Subquery(
        Occurrence.objects.filter(event=OuterRef("pk"), end__gte=now, cancelled=False)
        .order_by("start")
        .values("start")[:1]
    )
    return [next_start.asc(nulls_last=True), F("start").desc(), "pk"]


def with_shown_dates(events, now=None):
    """`events` as a list, each with `.shown` (its ShownDate) for the templates."""
    events = list(events)
    dates = shown_dates(events, now)
    for event in events:
        event.shown = dates[event.pk]
    return events


# --- occurrences ---------------------------------------------------------------------
def sync_occurrences(event_id, now=None):
    """Bring an event's Occurrence rows in line with its dates, rule and exceptions.

    Idempotent. Rows with registrations are never deleted: a date that disappeared
    from the schedule is marked cancelled instead. Returns True when anything changed.
    """
    from openlab import page_cache

    now = now or timezone.now()
    event = EventPage.objects.filter(pk=event_id).first()
    if event is None:
        return False
    planned = planned_occurrences(event, now)
    exceptions = {exception.date: exception for exception in event.exceptions.all()}
    existing = {row.original_date: row for row in event.occurrences.all()}
    changed = False
    with transaction.atomic():
        if not event.rrule and existing and planned[0].original_date not in existing:
            # A one-off event whose date changed keeps its row (and its registrations).
            rows = sorted(existing.values(), key=lambda row: row.pk)
            keep = next((row for row in rows if row.registrations.exists()), rows[0])
            for row in rows:
                if row is not keep:
                    _retire(row)
            existing = {planned[0].original_date: keep}
        to_create, to_update, capacity_raised = [], [], []
        for plan in planned:
            exception = exceptions.get(plan.original_date)
            values = {
                "date": plan.original_date,
                "start": plan.start,
                "end": plan.end,
                "cancelled": False,
                "moved": False,
                "note": "",
                "capacity": event.capacity,
            }
            if exception is not None:
                values["note"] = exception.note
                if exception.action == "cancel":
                    values["cancelled"] = True
                elif exception.new_start and exception.new_end:
                    values.update(
                        moved=True,
                        start=exception.new_start,
                        end=exception.new_end,
                        date=local(exception.new_start).date(),
                    )
            row = existing.pop(plan.original_date, None)
            if row is None:
                to_create.append(
                    Occurrence(event=event, original_date=plan.original_date, **values)
                )
                continue
            differs = {k: v for k, v in values.items() if getattr(row, k) != v}
            if differs or row.original_date != plan.original_date:
                if "capacity" in differs and (
                    values["capacity"] is None or (row.capacity or 0) < values["capacity"]
                ):
                    capacity_raised.append(row.pk)
                newly_cancelled = values["cancelled"] and not row.cancelled
                row.original_date = plan.original_date
                for key, value in values.items():
                    setattr(row, key, value)
                to_update.append(row)
                if newly_cancelled:
                    _tell_active_registrants(row, "occurrence_cancelled")
        if to_create:
            Occurrence.objects.bulk_create(to_create)
        if to_update:
            Occurrence.objects.bulk_update(
                to_update,
                ["original_date", "date", "start", "end", "cancelled", "moved", "note", "capacity"],
            )
        # Dates that left the schedule (inside the window; older history stays).
        horizon_floor = local(now - PAST_WINDOW).date()
        leftovers = [row for row in existing.values() if row.original_date >= horizon_floor]
        for row in leftovers:
            _retire(row)
        changed = bool(to_create or to_update or leftovers)
    for occurrence_id in capacity_raised:
        fill_from_waitlist(occurrence_id)
    if changed:
        page_cache.invalidate()
    return changed


def _retire(row):
    """A date no longer in the schedule: delete it, or cancel it if people registered."""
    if not row.registrations.exists():
        row.delete()
        return
    if not row.cancelled:
        row.cancelled = True
        row.note = _("日程の変更により、この回はなくなりました。")
        row.save(update_fields=["cancelled", "note"])
        _tell_active_registrants(row, "occurrence_cancelled")


def _tell_active_registrants(occurrence, kind):
    ids = occurrence.registrations.filter(
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED,
                    RegistrationStatus.PENDING]
    ).values_list("pk", flat=True)  # fmt: skip
    for registration_id in ids:
        _send(registration_id, kind)


def next_occurrence(event, now=None):
    """The next date that is not cancelled, else the latest one."""
    now = now or timezone.now()
    rows = event.occurrences.filter(end__gte=now, cancelled=False).order_by("start")
    return rows.first() or event.occurrences.order_by("-start").first()


def seat_counts(occurrence):
    counts = occurrence.registrations.aggregate(
        confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        pending=Count("pk", filter=Q(status=RegistrationStatus.PENDING)),
    )
    capacity = occurrence.capacity
    counts["capacity"] = capacity
    counts["left"] = None if capacity is None else max(capacity - counts["confirmed"], 0)
    return counts


# --- registrations -----------------------------------------------------------------
def _check_open(occurrence, now=None):
    now = now or timezone.now()
    event = occurrence.event
    if not event.live:
        raise RegistrationError(_("このイベントは公開されていません。"))
    if event.registration == RegistrationMode.CLOSED:
        raise RegistrationError(
            _("このイベントは申込を受け付けていません。直接会場へお越しください。")
        )
    if occurrence.cancelled:
        raise RegistrationError(_("この回は中止になりました。ほかの開催日をご覧ください。"))
    if occurrence.start <= now:
        raise RegistrationError(_("この回はすでに始まっているか終了しているため、申し込めません。"))


def _check_duplicate(occurrence, email, user=None):
    people = Q(email__iexact=email)
    if user is not None:
        people |= Q(user=user)
    existing = occurrence.registrations.filter(people, status__in=ACTIVE_STATUSES).first()
    if existing is None:
        return
    if (
        existing.status == RegistrationStatus.UNCONFIRMED
        and (timezone.now() - existing.created_at).total_seconds() > CONFIRM_MAX_AGE
    ):
        # An unconfirmed request whose link expired does not block a new one.
        existing.status = RegistrationStatus.CANCELLED
        existing.cancelled_at = timezone.now()
        existing.save(update_fields=["status", "cancelled_at"])
        return
    raise RegistrationError(
        _("この開催日にはすでにお申し込みいただいています（状態: %(status)s）。")
        % {"status": existing.get_status_display()}
    )


def _lock(occurrence_id):
    occurrence = Occurrence.objects.select_for_update().get(pk=occurrence_id)
    occurrence.event = EventPage.objects.get(pk=occurrence.event_id)
    return occurrence


def _seat_status(occurrence):
    """Confirmed if a seat is free, else waitlisted (call with the occurrence locked)."""
    if occurrence.capacity is None:
        return RegistrationStatus.CONFIRMED
    taken = occurrence.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    return (
        RegistrationStatus.CONFIRMED
        if taken < occurrence.capacity
        else RegistrationStatus.WAITLISTED
    )


def _create(**fields):
    try:
        with transaction.atomic():
            return Registration.objects.create(**fields)
    except IntegrityError:
        raise RegistrationError(_("この開催日にはすでにお申し込みいただいています。")) from None


def register_user(occurrence_id, user):
    """One click for a signed-in person: confirmed, waitlisted or awaiting approval."""
    email = (user.email or "").strip().lower()
    if not email:
        raise RegistrationError(_("アカウントにメールアドレスが登録されていません。"))
    profile = getattr(user, "profile", None)
    name = (profile.public_name if profile else "") or user.get_username()
    with transaction.atomic():
        occurrence = _lock(occurrence_id)
        _check_open(occurrence)
        _check_duplicate(occurrence, email, user)
        if occurrence.event.registration == RegistrationMode.APPROVAL:
            status = RegistrationStatus.PENDING
        else:
            status = _seat_status(occurrence)
        registration = _create(
            occurrence=occurrence,
            user=user,
            name=str(name),
            email=email,
            status=status,
            confirmed_at=timezone.now() if status == RegistrationStatus.CONFIRMED else None,
        )
        _send(registration.pk, status)
    return registration


def register_visitor(occurrence_id, name, email):
    """A visitor without an account: recorded unconfirmed until they follow the e-mailed link."""
    email = email.strip().lower()
    with transaction.atomic():
        occurrence = _lock(occurrence_id)
        _check_open(occurrence)
        _check_duplicate(occurrence, email)
        registration = _create(
            occurrence=occurrence, name=name, email=email, status=RegistrationStatus.UNCONFIRMED
        )
        _send(registration.pk, "confirm_email")
    return registration


def confirm_visitor(registration_id):
    """The visitor followed the confirmation link: take a seat, the waitlist or the queue."""
    with transaction.atomic():
        registration = Registration.objects.select_related("occurrence").get(pk=registration_id)
        occurrence = _lock(registration.occurrence_id)
        registration.refresh_from_db()
        if registration.status != RegistrationStatus.UNCONFIRMED:
            return registration, False
        _check_open(occurrence)
        if occurrence.event.registration == RegistrationMode.APPROVAL:
            status = RegistrationStatus.PENDING
        else:
            status = _seat_status(occurrence)
        registration.status = status
        if status == RegistrationStatus.CONFIRMED:
            registration.confirmed_at = timezone.now()
        registration.save(update_fields=["status", "confirmed_at"])
        _send(registration.pk, status)
    return registration, True


def cancel_registration(registration_id):
    """Cancel; a freed seat goes to the first person on the waitlist, who is told by e-mail."""
    with transaction.atomic():
        registration = Registration.objects.get(pk=registration_id)
        occurrence = _lock(registration.occurrence_id)
        registration.refresh_from_db()
        if not registration.is_active:
            return registration, False
        if occurrence.start <= timezone.now():
            raise RegistrationError(_("開始後の取り消しはできません。主催者へ直接ご連絡ください。"))
        was_confirmed = registration.status == RegistrationStatus.CONFIRMED
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        _send(registration.pk, "cancelled")
        if was_confirmed:
            _promote(occurrence)
    return registration, True


def _promote(occurrence):
    """Fill free seats from the waitlist, first come first served (occurrence locked)."""
    if occurrence.cancelled or occurrence.start <= timezone.now():
        return []
    promoted = []
    while _seat_status(occurrence) == RegistrationStatus.CONFIRMED:
        first = (
            occurrence.registrations.filter(status=RegistrationStatus.WAITLISTED)
            .order_by("created_at", "pk")
            .first()
        )
        if first is None:
            break
        first.status = RegistrationStatus.CONFIRMED
        first.confirmed_at = timezone.now()
        first.save(update_fields=["status", "confirmed_at"])
        _send(first.pk, "promoted")
        promoted.append(first)
    return promoted


def fill_from_waitlist(occurrence_id):
    with transaction.atomic():
        return _promote(_lock(occurrence_id))


def decide(registration_id, approve):
    """The organiser approves (seat or waitlist) or declines a request."""
    with transaction.atomic():
        registration = Registration.objects.get(pk=registration_id)
        occurrence = _lock(registration.occurrence_id)
        registration.refresh_from_db()
        if registration.status != RegistrationStatus.PENDING:
            raise RegistrationError(_("この申込はすでに処理されています。"))
        if approve:
            registration.status = _seat_status(occurrence)
            if registration.status == RegistrationStatus.CONFIRMED:
                registration.confirmed_at = timezone.now()
        else:
            registration.status = RegistrationStatus.REJECTED
        registration.save(update_fields=["status", "confirmed_at"])
        _send(registration.pk, registration.status)
    return registration


def _send(registration_id, kind):
    async_task("events.tasks.send_registration_email", registration_id, str(kind))


# --- signed links --------------------------------------------------------------------
def make_token(registration, action):
    return signing.TimestampSigner(salt=SIGNING_SALT).sign(f"{action}:{registration.pk}")


def read_token(token, action):
    """The registration a link points to; a clear refusal when tampered or expired."""
    max_age = CONFIRM_MAX_AGE if action == "confirm" else CANCEL_MAX_AGE
    try:
        value = signing.TimestampSigner(salt=SIGNING_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise RegistrationError(
            _("このリンクは有効期限が切れています。お手数ですが、もう一度お申し込みください。")
        ) from None
    except signing.BadSignature:
        raise RegistrationError(
            _("このリンクは正しくありません。メールのリンクをそのままお使いください。")
        ) from None
    link_action, _sep, pk = value.partition(":")
    if link_action != action or not pk.isdigit():
        raise RegistrationError(
            _("このリンクは正しくありません。メールのリンクをそのままお使いください。")
        )
    registration = (
        Registration.objects.select_related("occurrence__event").filter(pk=int(pk)).first()
    )
    if registration is None:
        raise RegistrationError(_("このお申し込みは見つかりません。"))
    return registration


# --- organisers ----------------------------------------------------------------------
def can_manage_registrations(user, event):
    """Facilitators, and approved partners of one of the event's organisers."""
    return user.is_authenticated and can_edit(user, event)
