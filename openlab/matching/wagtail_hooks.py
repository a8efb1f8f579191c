"""Facilitators curate matches in the Wagtail admin: the strongest new proposals with
their reasons, proposals by hand, promote/hide, and which introductions led to talk."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from openlab.accounts.permissions import is_facilitator
from openlab.matching import services
from openlab.matching.closeness import closeness_label
from openlab.matching.models import MatchProposal
from openlab.matching.reasons import Voice, render_all

QUEUE_SIZE = 50
INTRODUCTIONS_SHOWN = 50


def _facilitator_only(request):
    if not is_facilitator(request.user):
        raise PermissionDenied


class ProposeForm(forms.Form):
    stakeholder_a = forms.ModelChoiceField(queryset=None, label=gettext_lazy("ステークホルダーA"))
    stakeholder_b = forms.ModelChoiceField(queryset=None, label=gettext_lazy("ステークホルダーB"))
    project = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("プロジェクト（任意：Aが主催するプロジェクトへの提案にする）"),
    )
    note = forms.CharField(
        label=gettext_lazy("メモ（双方に表示されます）"),
        required=False,
        max_length=services.MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        from projects.models import ProjectPage
        from stakeholders.models import NAME_ORDER, StakeholderPage

        super().__init__(*args, **kwargs)
        stakeholders = StakeholderPage.objects.live().order_by(*NAME_ORDER).only("pk", "title")
        self.fields["stakeholder_a"].queryset = stakeholders
        self.fields["stakeholder_b"].queryset = stakeholders
        self.fields["project"].queryset = (
            ProjectPage.objects.live().order_by("title").only("pk", "title")
        )

    def clean(self):
        data = super().clean()
        a, b = data.get("stakeholder_a"), data.get("stakeholder_b")
        if a and b and a.pk == b.pk:
            raise forms.ValidationError(_("異なるステークホルダーを2つ選んでください。"))
        project = data.get("project")
        if project and a and project.lead_id != a.pk:
            self.add_error("project", _("Aが主催するプロジェクトを選んでください。"))
        return data


def _row(proposal, message_counts=None):
    voice = Voice(
        None,
        proposal.side_a.title,
        proposal.side_b.title,
        proposal.project.title if proposal.project_id else "",
    )
    return {
        "proposal": proposal,
        "reasons": render_all(proposal.reasons, voice),
        "closeness_label": closeness_label(proposal.score),
        "messages": (message_counts or {}).get(proposal.pk),
    }


def queue(request):
    _facilitator_only(request)
    form = ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.propose(
                request.user,
                data["stakeholder_a"].pk,
                data["stakeholder_b"].pk,
                note=data["note"],
                project_pk=data["project"].pk if data["project"] else None,
            )
        except services.MatchError as error:
            form.add_error(None, error.message)
        else:
            flash.success(
                request, _("マッチングを提案しました。双方のダッシュボードに表示されます。")
            )
            return redirect("matching_admin:queue")
    show = request.GET.get("show", "new")
    proposals = MatchProposal.objects.select_related("side_a", "side_b", "project")
    if show == "hidden":
        proposals = proposals.filter(status=MatchProposal.Status.HIDDEN)
    elif show == "waiting":
        proposals = proposals.filter(status=MatchProposal.Status.OPEN).exclude(
            decision_a=MatchProposal.Decision.PENDING, decision_b=MatchProposal.Decision.PENDING
        )
    else:
        show = "new"
        proposals = proposals.filter(
            status=MatchProposal.Status.OPEN,
            decision_a=MatchProposal.Decision.PENDING,
            decision_b=MatchProposal.Decision.PENDING,
        )
    proposals = proposals.order_by("-promoted", "-score", "pk")[:QUEUE_SIZE]
    introduced = list(
        MatchProposal.objects.filter(status=MatchProposal.Status.INTRODUCED)
        .select_related("side_a", "side_b", "project")
        .order_by("-introduced_at", "-pk")[:INTRODUCTIONS_SHOWN]
    )
    counts = services.conversations(introduced)
    return render(
        request,
        "matching/admin/queue.html",
        {
            "page_title": _("マッチングの提案"),
            "header_icon": "group",
            "rows": [_row(p) for p in proposals],
            "introductions": [_row(p, counts) for p in introduced],
            "form": form,
            "show": show,
        },
    )


@require_POST
def action(request, pk, action):
    _facilitator_only(request)
    functions = {"promote": services.promote, "hide": services.hide, "unhide": services.unhide}
    if action not in functions:
        raise PermissionDenied
    try:
        functions[action](request.user, pk)
    except services.MatchError as error:
        flash.error(request, error.message)
    else:
        labels = {
            "promote": _("おすすめにしました。"),
            "hide": _("非表示にしました。"),
            "unhide": _("再表示しました。"),
        }
        flash.success(request, labels[action])
    return redirect("matching_admin:queue")


@hooks.register("register_admin_urls")
def register_matching_admin_urls():
    urls = [
        path("", queue, name="queue"),
        path("<int:pk>/<slug:action>/", action, name="action"),
    ]
    return [path("matching/", (urls, "matching_admin", "matching_admin"))]


class FacilitatorMenuItem(MenuItem):
    def is_shown(self, request):
        return is_facilitator(request.user)


@hooks.register("register_admin_menu_item")
def register_matching_menu_item():
    return FacilitatorMenuItem(
        gettext_lazy("マッチングの提案"),
        reverse("matching_admin:queue"),
        icon_name="group",
        order=850,
    )
