"""The partner dashboard (/matches/) and the actions on a proposal. Rules are in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openlab.accounts.permissions import approved_stakeholder_ids, is_facilitator
from openlab.matching import dashboard as dashboard_data
from openlab.matching import services
from openlab.querystring import positive_int


@login_required
def dashboard(request):
    user = request.user
    facilitator = is_facilitator(user)
    stakeholder_ids = approved_stakeholder_ids(user)
    viewing = None
    if facilitator and "stakeholder" in request.GET:
        viewing = positive_int(request.GET.get("stakeholder"))
        if viewing is None:
            messages.error(request, _("ステークホルダーの指定が正しくありません。"))
        else:
            stakeholder_ids = {viewing}
    if not stakeholder_ids and not facilitator:
        return render(request, "matching/not_partner.html", status=403)
    context = dashboard_data.build(stakeholder_ids) if stakeholder_ids else {}
    context.update({"is_facilitator": facilitator, "viewing": viewing})
    return render(request, "matching/dashboard.html", context)


ACTIONS = {
    "introduce": (services.request_introduction, gettext_lazy("紹介を希望しました。")),
    "save": (services.save_for_later, gettext_lazy("「あとで検討」に保存しました。")),
    "dismiss": (services.dismiss, gettext_lazy("この提案を見送りました。")),
}


@login_required
@require_POST
def act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    function, done = ACTIONS[action]
    kwargs = {"reason": request.POST.get("reason", "")} if action == "dismiss" else {}
    try:
        proposal = function(request.user, pk, **kwargs)
    except services.MatchPermissionError:
        raise
    except services.MatchError as error:
        if error.code == "not_found":
            raise Http404(error.message) from None
        messages.error(request, error.message)
        return redirect(f"/matches/#proposal-{pk}")
    if proposal.status == proposal.Status.INTRODUCED:
        messages.success(request, _("双方が紹介を希望したので、チャットルームを用意しました。"))
    else:
        messages.success(request, done)
    return redirect(f"/matches/#proposal-{pk}")
