"""Thin views: read the request, call events.services, render."""

import datetime as dt
import io

from allauth.core import ratelimit
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from events import ical, services
from events.forms import VisitorRegistrationForm
from events.listing import feed_events, read_filters
from events.models import EventIndexPage, EventPage, RegistrationStatus
from events.recurrence import local
from openlab import csvfile, public_data

UPCOMING_DATES_SHOWN = 12


def _occurrence_for(page, day):
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404(_("日付が正しくありません。")) from None
    occurrence = page.occurrences.filter(date=date).order_by("cancelled", "start").first()
    if occurrence is None:
        # A moved date is still reachable by its original date.
        occurrence = page.occurrences.filter(original_date=date).first()
        if occurrence is None:
            raise Http404(_("この日には開催されません。"))
    return occurrence


def event_page(request, page, day, form=None, status=200):
    """The event, showing one date (the chosen one, else the next) and its registration."""
    if day is None:
        occurrence = services.next_occurrence(page)
    else:
        occurrence = _occurrence_for(page, day)
        if occurrence.date.isoformat() != day:
            return HttpResponseRedirect(page.occurrence_url(occurrence))
    now = timezone.now()
    upcoming = list(page.occurrences.filter(end__gte=now).order_by("start")[:UPCOMING_DATES_SHOWN])
    context = {
        "occurrence": occurrence,
        "upcoming_dates": upcoming,
        "is_occurrence_page": day is not None,
        "can_manage": services.can_manage_registrations(request.user, page),
    }
    if occurrence is not None:
        page_url = request.build_absolute_uri(page.occurrence_url(occurrence))
        context.update(
            occurrence_url=page.occurrence_url(occurrence),
            occurrence_ics_url=reverse(
                "events:occurrence_ics", args=[page.slug, occurrence.date.isoformat()]
            ),
            seats=services.seat_counts(occurrence) if page.takes_registrations else None,
            is_past=occurrence.start <= now,
            google_url=ical.google_calendar_url(page, occurrence.start, occurrence.end, page_url),
            google_series_url=ical.google_calendar_url(
                page, page.start, page.end, request.build_absolute_uri(page.url), recurring=True
            )
            if page.rrule
            else None,
        )
        if request.user.is_authenticated:
            context["my_registration"] = (
                occurrence.registrations.filter(user=request.user)
                .exclude(status=RegistrationStatus.CANCELLED)
                .first()
            )
        elif page.takes_registrations:
            sent = None if form or request.GET.get("another") else _sent(request, occurrence)
            if sent is not None:
                context["visitor_registration"] = sent
            else:
                context["visitor_form"] = form or VisitorRegistrationForm()
    response = page.render(request, context_overrides=context)
    response.status_code = status
    return response


@require_http_methods(["GET", "POST"])
def register(request, page, day):
    occurrence = _occurrence_for(page, day)
    target = page.occurrence_url(occurrence)
    if request.method != "POST":
        return HttpResponseRedirect(target)
    form = None
    try:
        if request.user.is_authenticated:
            registration = services.register_user(occurrence.pk, request.user)
        else:
            form = VisitorRegistrationForm(request.POST)
            if not form.is_valid():
                return event_page(request, page, occurrence.date.isoformat(), form, status=400)
            # Each visitor registration mails an address nobody has verified yet: limited per
            # client and per address (ACCOUNT_RATE_LIMITS["event_register"]).
            email = form.cleaned_data["email"].lower()
            if not ratelimit.consume(request, action="event_register", key=email):
                messages.error(request, TOO_MANY_REGISTRATIONS)
                return HttpResponseRedirect(target)
            registration = services.register_visitor(
                occurrence.pk, form.cleaned_data["name"], form.cleaned_data["email"]
            )
    except services.RegistrationError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(target)
    if request.user.is_authenticated:
        messages.success(request, _RESULT_MESSAGES[registration.status])
    else:
        # The date's page then says what happened and what comes next (the mail), in place
        # of an empty form; the address stays in this visitor's session, never in the URL.
        _remember_sent(request, registration)
    return HttpResponseRedirect(target + "#registration")


VISITOR_SESSION_KEY = "events:visitor_registrations"
VISITOR_SESSION_MAX = 10


def _remember_sent(request, registration):
    sent = dict(request.session.get(VISITOR_SESSION_KEY, {}))
    sent.pop(str(registration.occurrence_id), None)
    sent[str(registration.occurrence_id)] = registration.pk
    request.session[VISITOR_SESSION_KEY] = dict(list(sent.items())[-VISITOR_SESSION_MAX:])


def _sent(request, occurrence):
    """The live registration this browser made as a visitor for `occurrence`, if any."""
    registration_id = request.session.get(VISITOR_SESSION_KEY, {}).get(str(occurrence.pk))
    if registration_id is None:
        return None
    return (
        occurrence.registrations.filter(pk=registration_id, user__isnull=True)
        .exclude(status__in=[RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED])
        .first()
    )


TOO_MANY_REGISTRATIONS = gettext_lazy(
    "短い時間にたくさんのお申し込みがありました。しばらくしてからもう一度お試しください。"
)
_RESULT_MESSAGES = {
    RegistrationStatus.UNCONFIRMED: gettext_lazy(
        "確認メールを送りました。メールのリンクを開くと申込が完了します（48時間以内）。"
    ),
    RegistrationStatus.CONFIRMED: gettext_lazy("参加が確定しました。確認のメールを送りました。"),
    RegistrationStatus.WAITLISTED: gettext_lazy(
        "定員に達しているため、キャンセル待ちに登録しました。繰り上がったらメールでお知らせします。"
    ),
    RegistrationStatus.PENDING: gettext_lazy(
        "申込を受け付けました。主催者の承認をお待ちください。"
    ),
}


# --- signed links from the e-mails ---------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_registration(request, token):
    """GET shows a button, POST confirms: mail scanners that open links must not register
    anyone (the same for cancelling)."""
    try:
        registration = services.read_token(token, "confirm")
    except services.RegistrationError as error:
        return _link_result(request, None, str(error), status=400)
    if request.method == "GET" and registration.status == RegistrationStatus.UNCONFIRMED:
        return render(
            request,
            "events/confirm_registration.html",
            {"registration": registration, "occurrence": registration.occurrence},
        )
    try:
        registration, changed = services.confirm_visitor(registration.pk)
    except services.RegistrationError as error:
        return _link_result(request, None, str(error), status=400)
    if changed:
        message = _RESULT_MESSAGES[registration.status]
        message = message.replace(_("確認のメールを送りました。"), "")
    else:
        message = _("このお申し込みはすでに確認済みです（状態: %(status)s）。") % {
            "status": registration.get_status_display()
        }
    return _link_result(request, registration, message)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel_registration(request, token):
    try:
        registration = services.read_token(token, "cancel")
    except services.RegistrationError as error:
        return _link_result(request, None, str(error), status=400)
    if request.method == "GET":
        if not registration.is_active:
            return _link_result(
                request, registration, _("このお申し込みはすでに取り消されています。")
            )
        return render(
            request,
            "events/cancel_confirm.html",
            {"registration": registration, "occurrence": registration.occurrence},
        )
    try:
        registration, changed = services.cancel_registration(registration.pk)
    except services.RegistrationError as error:
        return _link_result(request, registration, str(error), status=400)
    message = (
        _("お申し込みを取り消しました。")
        if changed
        else _("このお申し込みはすでに取り消されています。")
    )
    return _link_result(request, registration, message)


def _link_result(request, registration, message, status=200):
    return render(
        request,
        "events/link_result.html",
        {
            "registration": registration,
            "occurrence": registration.occurrence if registration else None,
            "message": message,
            "failed": status != 200,
        },
        status=status,
    )


# --- organisers ------------------------------------------------------------------------
def _require_organiser(request, page):
    if not request.user.is_authenticated:
        raise PermissionDenied(_("ログインしてください。"))
    if not services.can_manage_registrations(request.user, page):
        raise PermissionDenied(_("このイベントの申込者を見る権限がありません。"))


ORGANISER_DATES_SHOWN = 6
ORGANISER_PAST_DAYS = 30


def _organiser_occurrences(page):
    since = timezone.now() - dt.timedelta(days=ORGANISER_PAST_DAYS)
    return page.occurrences.filter(end__gte=since).order_by("start")


def registrations(request, page):
    _require_organiser(request, page)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            registration_id = int(request.POST.get("registration", ""))
        except ValueError:
            registration_id = None
        owned = (
            registration_id and page.occurrences.filter(registrations__pk=registration_id).exists()
        )
        if not owned:
            messages.error(request, _("その申込は見つかりません。"))
        else:
            try:
                if action in ("approve", "reject"):
                    services.decide(registration_id, approve=action == "approve")
                elif action == "cancel":
                    services.cancel_registration(registration_id)
                else:
                    raise services.RegistrationError(_("操作が正しくありません。"))
                messages.success(request, _("申込を更新しました。"))
            except services.RegistrationError as error:
                messages.error(request, str(error))
        return HttpResponseRedirect(request.path)
    occurrences = list(
        _organiser_occurrences(page).prefetch_related("registrations")[:ORGANISER_DATES_SHOWN]
    )
    response = TemplateResponse(
        request,
        "events/registrations.html",
        {"page": page, "occurrences": occurrences, "self": page},
    )
    response["Cache-Control"] = "private, no-store"
    return response


CSV_FIELDS = ["開催日", "状態", "お名前", "メールアドレス", "アカウント", "申込日時", "確定日時"]


@never_cache
@require_GET
def registrations_csv(request, slug):
    page = get_object_or_404(EventPage.objects.live(), slug=slug)
    _require_organiser(request, page)
    rows = (
        page.occurrences.exclude(registrations__isnull=True)
        .filter(registrations__isnull=False)
        .values_list(
            "date",
            "registrations__status",
            "registrations__name",
            "registrations__email",
            "registrations__user__username",
            "registrations__created_at",
            "registrations__confirmed_at",
        )
        .order_by("start", "registrations__created_at", "registrations__pk")
    )
    labels = dict(RegistrationStatus.choices)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    writer = csvfile.writer(buffer)  # formula-like cells neutralised (openlab.csvfile)
    writer.writerow(CSV_FIELDS)
    for date, status, name, email, username, created, confirmed in rows.distinct():
        writer.writerow(
            [
                date.isoformat(),
                str(labels.get(status, status)),
                name or "",
                email or "",
                username or "",
                f"{local(created):%Y-%m-%d %H:%M}" if created else "",
                f"{local(confirmed):%Y-%m-%d %H:%M}" if confirmed else "",
            ]
        )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="registrations-{page.slug}.csv"'
    return response


# --- iCalendar ---------------------------------------------------------------------------
def _ics_response(body, filename):
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # For If-Modified-Since; the ETag is the body's (openlab.public_data).
    response["Last-Modified"] = http_date(public_data.last_changed().timestamp())
    return response


@require_GET
def event_ics(request, slug):
    page = get_object_or_404(EventPage.objects.live(), slug=slug)
    rows = page.occurrences.order_by("start")
    if page.rrule:
        rows = rows.filter(Q(cancelled=True) | Q(moved=True))
    rows = list(rows)
    url = request.build_absolute_uri(page.url)
    return _ics_response(ical.build_calendar(page.title, [(page, rows, url)]), f"{page.slug}.ics")


@require_GET
def occurrence_ics(request, slug, day):
    """One date of an event (「この日をカレンダーに追加」), not its series."""
    page = get_object_or_404(EventPage.objects.live(), slug=slug)
    occurrence = _occurrence_for(page, day)
    url = request.build_absolute_uri(page.occurrence_url(occurrence))
    body = ical.build_calendar(page.title, [(page, [occurrence], url)], single_dates=True)
    return _ics_response(body, f"{page.slug}-{occurrence.date:%Y-%m-%d}.ics")


@require_GET
def feed_ics(request):
    _form, filters = read_filters(request)
    events = feed_events(filters)
    index = EventIndexPage.objects.live().first()
    base = request.build_absolute_uri(index.get_url(request) if index else "/events/")
    entries = [(event, event.feed_rows, f"{base}{event.slug}/") for event in events]
    name = _("東村山SDGsオープンラボのイベント")
    return _ics_response(ical.build_calendar(name, entries), "openlab-events.ics")
