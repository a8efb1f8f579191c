"""Forms of the accounts app: the partner application and the admin page form for partners."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from openlab.accounts.permissions import approved_stakeholder_ids, is_facilitator


class PartnerPageForm(WagtailAdminPageForm):
    """Admin page form base: a partner must name one of their own stakeholders as owner.

    Owning field per model: ProjectPage.lead (one), EventPage.organisers (several);
    checked when the page is created or the field changes. Facilitators are not
    restricted. Use it as the base of a page's ``base_form_class``.
    """

    OWNER_FIELDS = {"projectpage": "lead", "eventpage": "organisers"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self, "for_user", None)
        if user is not None and not is_facilitator(user):
            self.offer_only_visible_pages(user)

    def offer_only_visible_pages(self, user):
        """Page choices (partners, organisers, related events...) list only published pages
        and the partner's own, plus what the page already names: never another
        organisation's draft, a child's report in moderation or a pending application."""
        from django.db.models import Q
        from wagtail.models import Page

        from openlab.accounts.partner_access import partner_page_filter

        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not issubclass(queryset.model, Page):
                continue
            current = set()
            if self.instance.pk:
                value = getattr(self.instance, name, None)
                if hasattr(value, "all"):
                    current = {page.pk for page in value.all()}
                elif getattr(self.instance, f"{name}_id", None):
                    current = {getattr(self.instance, f"{name}_id")}
            field.queryset = queryset.filter(
                Q(live=True) | partner_page_filter(user) | Q(pk__in=current)
            )

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "for_user", None)
        if user is None or is_facilitator(user):
            return cleaned
        field = self.OWNER_FIELDS.get(self._meta.model._meta.model_name)
        if not field or field not in self.fields:
            return cleaned
        mine = approved_stakeholder_ids(user)
        value = cleaned.get(field)
        if field == "lead":
            chosen = {value.pk} if value else set()
            before = {self.instance.lead_id} if self.instance.pk else None
            message = _(
                "主催ステークホルダーには、あなたがパートナーを務める団体を選んでください。"
            )
        else:
            chosen = {page.pk for page in value} if value is not None else set()
            before = (
                set(self.instance.organisers.values_list("pk", flat=True))
                if self.instance.pk
                else None
            )
            message = _("主催には、あなたがパートナーを務める団体を少なくとも1つ含めてください。")
        if chosen != before and not (chosen & mine):
            self.add_error(field, message)
        return cleaned


class PartnerApplicationForm(forms.Form):
    """Apply to speak for an existing stakeholder, or for a new one."""

    stakeholder = forms.ModelChoiceField(
        label=_("登録済みのステークホルダー"),
        queryset=None,
        required=False,
        empty_label=_("（新しいステークホルダーを登録する）"),
    )
    new_name = forms.CharField(label=_("新しい団体名"), max_length=120, required=False)
    new_kind = forms.ChoiceField(label=_("新しい団体の種別"), required=False, choices=())
    message = forms.CharField(
        label=_("ファシリテーターへのメッセージ"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("所属や役割など、確認に役立つことを書いてください。"),
    )

    def __init__(self, *args, **kwargs):
        from stakeholders.models import NAME_ORDER, StakeholderKind, StakeholderPage

        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = StakeholderPage.objects.live().order_by(*NAME_ORDER)
        self.fields["new_kind"].choices = [("", _("選んでください")), *StakeholderKind.choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("stakeholder") and cleaned.get("new_name", "").strip():
            raise forms.ValidationError(
                _(
                    "登録済みのステークホルダーを選ぶか、新しい団体名を入力するか、どちらか一方にしてください。"
                )
            )
        if not cleaned.get("stakeholder"):
            if not cleaned.get("new_name", "").strip():
                self.add_error(
                    "new_name", _("ステークホルダーを選ぶか、新しい団体名を入力してください。")
                )
            if not cleaned.get("new_kind"):
                self.add_error("new_kind", _("新しい団体の種別を選んでください。"))
        return cleaned
