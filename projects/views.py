"""Front-end views for children's reports and for facilitators creating ambassador accounts.

Thin: forms check the input, projects.services does the work, permissions decide who.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required as django_login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from openlab import sdgs
from openlab.accounts.permissions import is_ambassador, is_facilitator
from projects import services
from projects.forms import AmbassadorAccountForm, AmbassadorLoginForm, ReportForm

# Children's pages send signed-out visitors to the children's sign-in page.
login_required = partial(django_login_required, login_url="reports_login")


def _require_ambassador(user):
    if not is_ambassador(user):
        raise PermissionDenied(_("レポートを書けるのは、こどもSDGs大使だけです。"))


def _form_context(request, form, **extra):
    """The form plus what the hand-written template needs to keep what the child typed."""
    raw_goals = form["goals"].value() or []
    checked = {int(v) for v in raw_goals if str(v).isdigit()}
    date_value = form["date"].value()
    if callable(date_value):
        date_value = date_value()
    if hasattr(date_value, "isoformat"):
        date_value = date_value.isoformat()
    return {
        "form": form,
        "goals": sdgs.GOALS,
        "checked_goals": checked,
        "date_value": date_value or "",
        "furigana": services.show_furigana(request) or request.POST.get("furigana") == "1",
        **extra,
    }


@never_cache
@login_required
def report_new(request):
    _require_ambassador(request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            services.submit_report(request.user, form.cleaned_data, form.goal_numbers())
            messages.success(
                request, _("レポートをおくったよ！ファシリテーターが見てから公開されるよ。")
            )
            return redirect("reports_mine")
    else:
        form = ReportForm()
    return render(request, "projects/report_form.html", _form_context(request, form))


@never_cache
@login_required
def report_edit(request, pk):
    _require_ambassador(request.user)
    page = services.editable_report(request.user, pk)
    if page is None:
        raise Http404
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            services.resubmit_report(request.user, page, form.cleaned_data, form.goal_numbers())
            messages.success(request, _("なおしたレポートをおくったよ！"))
            return redirect("reports_mine")
    else:
        form = ReportForm(
            initial={
                "title": page.title,
                "body": page.body,
                "date": page.date,
                "goals": [str(goal.pk) for goal in page.goals.all()],
            }
        )
    return render(request, "projects/report_form.html", _form_context(request, form, report=page))


@never_cache
@login_required
def reports_mine(request):
    _require_ambassador(request.user)
    return render(
        request,
        "projects/reports_mine.html",
        {
            "reports": services.my_reports(request.user),
            "profile": request.user.profile,
            "furigana": services.show_furigana(request),
        },
    )


@never_cache
def ambassador_login(request):
    """Sign-in for children: ID and password from the facilitator, no e-mail involved."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    if request.user.is_authenticated and is_ambassador(request.user):
        return redirect(target or "reports_mine")
    form = AmbassadorLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, refusal = services.authenticate_ambassador(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(target or "reports_mine")
        form.add_error(None, refusal)
    return render(
        request,
        "projects/ambassador_login.html",
        {"form": form, "next": target, "furigana": services.show_furigana(request)},
    )


@never_cache
@django_login_required
def ambassador_new(request):
    if not is_facilitator(request.user):
        raise PermissionDenied(_("こども大使のアカウントを作れるのはファシリテーターだけです。"))
    if request.method == "POST":
        form = AmbassadorAccountForm(request.POST)
        if form.is_valid():
            user = services.create_ambassador(request.user, form.cleaned_data)
            messages.success(
                request,
                _("こども大使「%(nickname)s」のアカウントを作成しました（ID: %(username)s）。")
                % {"nickname": user.profile.nickname, "username": user.username},
            )
            return redirect("ambassador_new")
    else:
        form = AmbassadorAccountForm()
    from openlab.accounts.models import Profile, Role

    ambassadors = (
        Profile.objects.filter(role=Role.AMBASSADOR).select_related("user").order_by("-pk")[:100]
    )
    return render(
        request, "projects/ambassador_form.html", {"form": form, "ambassadors": ambassadors}
    )
