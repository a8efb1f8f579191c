"""Facilitators moderate chat in the Wagtail admin: reports, hiding a message, removing a member."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from openlab.accounts.permissions import is_facilitator
from openlab.chat import services
from openlab.chat.models import Report

REPORTS_SHOWN = 100


def _facilitator_only(request):
    if not is_facilitator(request.user):
        raise PermissionDenied


def report_list(request):
    _facilitator_only(request)
    show = request.GET.get("status", "open")
    reports = Report.objects.select_related(
        "message__room", "message__sender__profile", "reporter__profile", "resolved_by"
    )
    if show == "open":
        reports = reports.filter(status=Report.Status.OPEN)
    return render(
        request,
        "chat/admin/report_list.html",
        {
            "page_title": _("チャットの通報"),
            "header_icon": "warning",
            "reports": reports[:REPORTS_SHOWN],
            "show": show,
        },
    )


@require_POST
def report_action(request, report_id, action):
    _facilitator_only(request)
    report = get_object_or_404(Report.objects.select_related("message__room"), pk=report_id)
    message = report.message
    if action == "hide":
        services.hide_message(message, request.user)
        flash.success(request, _("メッセージを非表示にしました。"))
    elif action == "remove":
        services.remove_member(message.room, message.sender, request.user)
        services.hide_message(message, request.user)
        flash.success(
            request,
            _("%(name)s さんをルームから外しました。")
            % {"name": services.display_name(message.sender)},
        )
    elif action == "dismiss":
        services.dismiss_report(report, request.user)
        flash.success(request, _("通報を「問題なし」にしました。"))
    else:
        raise PermissionDenied
    return redirect("chat_admin:reports")


@hooks.register("register_admin_urls")
def register_chat_admin_urls():
    urls = [
        path("", report_list, name="reports"),
        path("<int:report_id>/<str:action>/", report_action, name="report_action"),
    ]
    return [path("chat-reports/", (urls, "chat_admin", "chat_admin"))]


class FacilitatorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_facilitator(request.user)


@hooks.register("register_admin_menu_item")
def register_chat_reports_menu_item():
    return FacilitatorMenuItem(
        gettext_lazy("チャットの通報"),
        reverse("chat_admin:reports"),
        icon_name="warning",
        order=900,
    )
