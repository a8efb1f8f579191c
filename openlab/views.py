from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openlab import sdgs
from openlab.accounts.permissions import role_of
from openlab.context_processors import account_links
from openlab.health import run_checks
from openlab.services import goal_page_sections


@require_GET
def sdg_index(request):
    return render(request, "openlab/sdg_index.html", {"goals": sdgs.GOALS})


@require_GET
def sdg_detail(request, number):
    try:
        goal = sdgs.get_goal(number)
    except sdgs.SDGError as error:
        raise Http404(str(error)) from None
    context = {"goal": goal, **goal_page_sections(goal)}
    return render(request, "openlab/sdg_detail.html", context)


@never_cache
@require_GET
def healthz(request):
    healthy, report = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": report},
        status=200 if healthy else 503,
    )


@require_GET
def switch_language(request, code):
    """Set the language cookie by a plain link, so pages need no CSRF form to offer it."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _next_or(request, default):
    target = request.GET.get("next", default)
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = default
    return target


def site_login(request):
    """/admin/login/, where Wagtail sends whoever it refuses. Visitors sign in on the site's
    one log-in page (allauth's: rate-limited, confirmed addresses only); Wagtail's own form
    would take password guesses without a limit."""
    return _admin_entrance(request, "/admin/", "wagtail", can_enter_wagtail_admin)


def django_admin_login(request):
    """/django-admin/login/: the same for Django's admin (kept for the server's operator)."""
    return _admin_entrance(request, "/django-admin/", "django", can_enter_django_admin)


def can_enter_wagtail_admin(user):
    return user.has_perm("wagtailadmin.access_admin")


def can_enter_django_admin(user):
    return user.is_active and user.is_staff


def _admin_entrance(request, home, admin, may_enter):
    """Signed-in people are not sent to log in again: allauth sends a signed-in visitor
    straight back to `next`, the admin refused them again, and so on without end."""
    target = _next_or(request, home)
    if not request.user.is_authenticated:
        return redirect_to_login(target)
    if may_enter(request.user):
        return redirect(target)
    _drop_wagtail_refusal(request)
    return render(
        request,
        "openlab/no_admin_access.html",
        {
            "admin": admin,
            "role": role_of(request.user),
            "lab_admin": can_enter_wagtail_admin(request.user),
            "links": [
                (href, label)
                for href, label in account_links(request.user)
                if admin == "django" or href != reverse("wagtailadmin_home")
            ],
        },
        status=403,
    )


# Queued by Wagtail (in English) each time it refuses someone; this page says it instead.
WAGTAIL_REFUSAL = "You do not have permission to access the admin."


def _drop_wagtail_refusal(request):
    refusals = {WAGTAIL_REFUSAL, gettext(WAGTAIL_REFUSAL)}
    kept = [  # Wagtail's message is the text followed by blank lines of its own markup
        m for m in messages.get_messages(request) if str(m.message).strip() not in refusals
    ]
    for message in kept:
        messages.add_message(request, message.level, message.message, message.extra_tags)


def frontend_login(request):
    """/_util/login/, Wagtail's sign-in for private pages (Django's plain LoginView: no
    lock-out, no e-mail verification), sends to allauth's log-in like the admins'."""
    return redirect_to_login(_next_or(request, "/"))


def password_reset(request):
    """Wagtail's /admin/password_reset/ (switched off: WAGTAIL_PASSWORD_RESET_ENABLED) and
    its mails were unthrottled: allauth's reset form is limited per address and e-mail."""
    return redirect("account_reset_password")


def password_change(request):
    """Django admin's password change: allauth's (rate-limited) instead."""
    return redirect("account_change_password")


def trivial(request):
    """The 20-byte baseline of the benchmarks (only routed when OPENLAB_BENCH_ENDPOINTS)."""
    return HttpResponse(b"01234567890123456789", content_type="text/plain")
