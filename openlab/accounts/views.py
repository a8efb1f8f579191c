"""Partner applications: people apply on the site, facilitators decide in the Wagtail admin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openlab.accounts.forms import PartnerApplicationForm
from openlab.accounts.models import PartnerMembership
from openlab.accounts.permissions import is_ambassador, is_facilitator
from openlab.accounts.services import (
    CHILD_REFUSAL,
    ApplicationError,
    apply_for_partnership,
    approve_membership,
    has_pending_application,
    reject_membership,
)


@login_required
def partner_status(request):
    memberships = (
        PartnerMembership.objects.filter(user=request.user)
        .select_related("stakeholder")
        .order_by("-created_at")
    )
    return render(request, "accounts/partner_status.html", {"memberships": memberships})


@login_required
def partner_apply(request):
    if is_ambassador(request.user):
        # Children cannot speak for an organisation: a refusal, and where their things are.
        return render(
            request, "accounts/partner_apply.html", {"refusal": CHILD_REFUSAL}, status=403
        )
    form = PartnerApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            apply_for_partnership(
                request.user,
                stakeholder=data["stakeholder"],
                new_name=data["new_name"],
                new_kind=data["new_kind"],
                message=data["message"],
            )
        except ApplicationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("申請を受け付けました。ファシリテーターが確認したら、メールでお知らせします。"),
            )
            return redirect("partner_status")
    pending = request.method == "GET" and has_pending_application(request.user)
    return render(request, "accounts/partner_apply.html", {"form": form, "pending": pending})


# --- Wagtail admin (facilitators) -------------------------------------------------------
def _require_facilitator(request):
    if not is_facilitator(request.user):
        raise PermissionDenied(_("パートナー申請を判断できるのはファシリテーターだけです。"))


def admin_applications(request):
    _require_facilitator(request)
    pending_first = Case(
        When(status=PartnerMembership.Status.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    memberships = (
        PartnerMembership.objects.select_related("user__profile", "stakeholder", "decided_by")
        .annotate(pending_first=pending_first)
        .order_by("pending_first", "-created_at")
    )
    page = Paginator(memberships, 50).get_page(request.GET.get("p"))
    return render(
        request,
        "accounts/admin/applications.html",
        {"page_title": _("パートナー申請"), "header_icon": "group", "memberships": page},
    )


@require_POST
def admin_decide(request, pk):
    _require_facilitator(request)
    membership = get_object_or_404(
        PartnerMembership.objects.select_related("user", "stakeholder"), pk=pk
    )
    decision = request.POST.get("decision")
    if decision == "approve" and is_ambassador(membership.user):
        # Applications children made before they were refused: never approved.
        messages.error(request, _("こども大使のアカウントはパートナーとして承認できません。"))
        return redirect("accounts_admin:applications")
    if decision == "approve":
        approve_membership(membership.user, membership.stakeholder, by=request.user)
        messages.success(
            request,
            _("%(user)s さんを %(stakeholder)s のパートナーとして承認しました。")
            % {"user": membership.user, "stakeholder": membership.stakeholder.title},
        )
    elif decision == "reject":
        reject_membership(membership, by=request.user)
        messages.success(request, _("申請を却下しました。"))
    else:
        messages.error(request, _("承認か却下を選んでください。"))
    _notify_applicant(membership.pk)
    return redirect("accounts_admin:applications")


def _notify_applicant(membership_pk):
    from django.conf import settings
    from django.core.mail import send_mail

    membership = PartnerMembership.objects.select_related("user", "stakeholder").get(
        pk=membership_pk
    )
    if membership.status == PartnerMembership.Status.PENDING or not membership.user.email:
        return
    approved = membership.status == PartnerMembership.Status.APPROVED
    subject = _("パートナー申請が承認されました") if approved else _("パートナー申請について")
    body = (
        _("%(stakeholder)s のパートナーとして承認されました。管理画面 %(url)s から編集できます。")
        if approved
        else _("%(stakeholder)s のパートナー申請は承認されませんでした。")
    ) % {
        "stakeholder": membership.stakeholder.title,
        "url": settings.WAGTAILADMIN_BASE_URL + "/admin/",
    }
    send_mail(subject, body, None, [membership.user.email], fail_silently=True)
