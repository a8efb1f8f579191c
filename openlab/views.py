from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.admin import messages as admin_messages
from wagtail.admin.auth import require_admin_access
from wagtail.admin.utils import get_latest_str
from wagtail.admin.views.pages.workflow import WorkflowActionView
from wagtail.models import TaskState

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
    refusals = {WAGTAIL_REFUSAL, _(WAGTAIL_REFUSAL)}
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


class WorkflowActionWithMessage(WorkflowActionView):
    """Wagtail's workflow action (承認 / 変更をリクエスト from the admin dashboard's list of
    pages awaiting review), which redirects without a word: here it says what was done."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        self.task_state.refresh_from_db()
        title = get_latest_str(self.object)
        if self.task_state.status == TaskState.STATUS_APPROVED:
            admin_messages.success(request, _("「%(title)s」を承認しました。") % {"title": title})
        elif self.task_state.status == TaskState.STATUS_REJECTED:
            admin_messages.success(
                request, _("「%(title)s」の変更をリクエストしました。") % {"title": title}
            )
        return response


workflow_action = require_admin_access(WorkflowActionWithMessage.as_view())


# --- error pages: in the site's design and the visitor's language, with a way back ----------
# 403 and 404 are Django's own handlers: they render templates/403.html and 404.html with
# the request, so the header, the language and the menu are the site's.


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: Django's own renders 403_csrf.html without the request (no header,
    no language); this one renders it like every other page."""
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """handler500: whatever failed (the database, a context processor, the session) may fail
    again, so the page uses nothing but the language cookie and a plain context."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if code not in dict(settings.LANGUAGES):
        code = settings.LANGUAGE_CODE
    try:
        stylesheet = static("css/site.css")
    except ValueError:  # not in the static manifest: the page still shows, unstyled
        stylesheet = ""
    with translation.override(code):
        body = loader.get_template("500.html").render(
            {
                "LANGUAGE_CODE": code,
                "stylesheet": stylesheet,
                "site_name": settings.WAGTAIL_SITE_NAME,
            }
        )
    return HttpResponse(body, status=500)
