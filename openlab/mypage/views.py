"""マイページ: thin views over openlab.mypage.services."""

import json

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from events.models import Registration
from openlab.mypage import services
from openlab.mypage.forms import DeleteAccountForm


@never_cache
@login_required
@require_GET
def index(request):
    user = request.user
    upcoming, past = services.my_registrations(user)
    return render(
        request,
        "mypage/index.html",
        {
            "upcoming": upcoming,
            "past": past,
            "follows": services.my_follows(user),
            "notifications": services.my_notifications(user),
            "can_delete": services.can_delete_account(user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cancel_registration(request, pk):
    """GET asks "really?", POST cancels (the e-mail link's service does the work)."""
    registration = (
        Registration.objects.filter(pk=pk, user=request.user)
        .select_related("occurrence__event")
        .first()
    )
    if registration is None:
        raise Http404(_("その申込は見つかりません。"))
    if request.method == "GET":
        return render(request, "mypage/cancel_confirm.html", {"registration": registration})
    try:
        _registration, changed = services.cancel_my_registration(request.user, pk)
    except services.AccountError as error:
        messages.error(request, str(error))
    else:
        if changed:
            messages.success(
                request,
                _("「%(title)s」（%(date)s）のお申し込みを取り消しました。")
                % {
                    "title": registration.occurrence.event.title,
                    "date": registration.occurrence.date.strftime("%Y/%m/%d"),
                },
            )
        else:
            messages.info(request, _("このお申し込みはすでに取り消されています。"))
    return HttpResponseRedirect(reverse("mypage:index") + "#registrations")


@never_cache
@login_required
@require_GET
def download_data(request):
    data = services.export_data(request.user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="openlab-my-data-{stamp}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    user = request.user
    if not services.can_delete_account(user):
        return render(request, "mypage/delete.html", {"refused": True}, status=403)
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST":
        # Password guesses through this form count like any re-authentication.
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            form.add_error(
                None, _("短い時間に何度も試されました。しばらくしてからもう一度お試しください。")
            )
        elif form.is_valid():
            try:
                services.delete_account(user)
            except services.AccountError as error:
                form.add_error(None, str(error))
            else:
                # The session row is gone already; no log-out signal for an account that is gone.
                request.session.flush()
                request.user = AnonymousUser()
                return render(request, "mypage/deleted.html")
        return render(request, "mypage/delete.html", {"form": form}, status=400)
    return render(request, "mypage/delete.html", {"form": form})
