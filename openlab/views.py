from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
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


def site_login(request):
    """The Wagtail and Django admins sign in on the site's one log-in page (allauth's), which
    is rate-limited; their own forms would take password guesses without a limit."""
    target = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/admin/"
    return redirect_to_login(target)


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
