"""/dashboard/ (public) and /dashboard/gaps/ (facilitators)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openlab.accounts.permissions import is_facilitator
from openlab.dashboard import charts, services


def _charts(prefix, rows, short_label=None):
    return [
        charts.bar_chart(f"{prefix}-{measure}", label, rows, measure, short_label)
        for measure, label in services.MEASURES
    ]


@require_GET
def dashboard(request):
    context = services.dashboard_context()
    context["goal_charts"] = _charts(
        "goal", context["goal_rows"], short_label=lambda row: _("目標%(n)s") % {"n": row.key}
    )
    context["kind_charts"] = _charts("kind", context["kind_rows"])
    context["town_charts"] = _charts("town", context["town_rows"])
    context["show_gaps_link"] = is_facilitator(request.user)
    return render(request, "dashboard/dashboard.html", context)


@never_cache
@login_required
@require_GET
def gaps(request):
    if not is_facilitator(request.user):
        raise PermissionDenied("ファシリテーターだけが見られるページです。")
    return render(request, "dashboard/gaps.html", services.gaps_context())
