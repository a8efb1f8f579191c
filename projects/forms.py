"""Forms: the project admin form, the children's report form, the ambassador account form.

Error messages on the report form are written for children (plain Japanese, kana).
"""

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseModelFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.forms import BaseChildFormSet
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import InlinePanel

from openlab import sdgs
from openlab.accounts.forms import PartnerPageForm
from openlab.accounts.permissions import approved_stakeholder_ids, is_facilitator

MAX_PHOTOS = 4


class ProjectPageForm(PartnerPageForm):
    """The shared partner rule (openlab.accounts.forms.PartnerPageForm: a partner may only
    lead projects of their own stakeholders), a lead list narrowed to those stakeholders,
    and dates in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None or "lead" not in self.fields or is_facilitator(user):
            return
        allowed = approved_stakeholder_ids(user)
        if self.instance.pk and self.instance.lead_id:
            allowed.add(self.instance.lead_id)
        self.fields["lead"].queryset = self.fields["lead"].queryset.filter(pk__in=allowed)
        self.fields["lead"].required = True

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("終了日は開始日より後にしてください。"))
        return cleaned


class ReportPageForm(WagtailAdminPageForm):
    """The admin form of a report: photos added here go through the same intake as the
    children's form (checked, re-encoded without EXIF or GPS, stored under a random name).

    Without it the raw upload was stored as it came: modelcluster writes a child's file
    while serialising the revision, before ReportPhoto.save could clean it."""

    def clean(self):
        cleaned = super().clean()
        photos = self.formsets.get("photos") if hasattr(self, "formsets") else None
        if photos is not None:
            photos.is_valid()  # formsets are cleaned after the form; their files are needed
            for form in photos.forms:
                take_admin_photo(form)
        return cleaned


class RevisionChildFormSet(BaseChildFormSet):
    """Inline rows that exist only in the page's latest revision keep their files.

    A row saved in a revision but never in the database (a child's new photo sent with a
    fixed report, or a photo added in the admin and saved as a draft) has no id. On POST,
    modelcluster builds a blank row for an empty id, and a file input never posts the file
    it shows, so the required photo was missing: 「写真 この項目は必須です」, and the
    report could not be approved. Here such a row is the revision's own row (the one the
    form showed at the same place), and it is kept when it was not changed."""

    def _construct_form(self, i, **kwargs):
        if self.is_bound and i < self.initial_form_count():
            pk_key = f"{self.add_prefix(i)}-{self.model._meta.pk.name}"
            if self.data.get(pk_key, "") == "":
                kwargs["instance"] = self.get_queryset()[i]
                # Past modelcluster's own, as modelcluster itself skips BaseModelFormSet's.
                return super(BaseModelFormSet, self)._construct_form(i, **kwargs)
        return super()._construct_form(i, **kwargs)

    def save_existing_objects(self, commit=True):
        saved = super().save_existing_objects(commit=commit)
        deleted = self.deleted_forms
        for form in self.initial_forms:
            # modelcluster saves only changed rows; an unchanged row without an id would
            # be dropped with the other id-less rows of the relation.
            if form.instance.pk is None and form not in deleted and not form.has_changed():
                saved.append(self.save_existing(form, form.instance, commit=commit))
                if not commit:
                    self.saved_forms.append(form)
        return saved


class PhotoInlinePanel(InlinePanel):
    """An InlinePanel whose rows keep the files of a revision (RevisionChildFormSet)."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = RevisionChildFormSet
        return options


def take_admin_photo(form):
    """Replace a newly uploaded photo in a ReportPhoto form by its cleaned copy, or put
    the reason it is refused on the form."""
    from projects.images import ImageRejected, clean_photo

    data = getattr(form, "cleaned_data", None) or {}
    upload = data.get("image")
    if data.get("DELETE") or not isinstance(upload, UploadedFile):
        return
    try:
        photo = clean_photo(upload)
    except ImageRejected as error:
        form.add_error("image", error.message)
        return
    # The form already built its instance from the raw upload: replace it there too.
    data["image"] = form.instance.image = photo.content
    form.instance.thumbnail = photo.thumbnail
    form.instance.metadata_removed = True


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


def _goal_choices():
    return [(str(goal.number), f"{goal.number}. {goal.name_ja}") for goal in sdgs.GOALS]


class ReportForm(forms.Form):
    title = forms.CharField(
        label=_("タイトル"),
        max_length=80,
        error_messages={
            "required": _("タイトルを書いてね。"),
            "max_length": _("タイトルは80文字までにしてね。"),
        },
    )
    body = forms.CharField(
        label=_("やったこと"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("やったことを書いてね。"),
            "max_length": _("やったことは2000文字までにしてね。"),
        },
    )
    date = forms.DateField(
        label=_("活動した日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("活動した日をえらんでね。"),
            "invalid": _("活動した日をカレンダーからえらんでね。"),
        },
    )
    goals = forms.MultipleChoiceField(
        label=_("どのSDGsの目標に役立つかな？"),
        choices=_goal_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("SDGsの目標を1つ以上えらんでね。"),
            "invalid_choice": _("SDGsの目標は1から17の中からえらんでね。"),
        },
    )
    photos = MultiplePhotoField(
        label=_("写真（4まいまで）"),
        required=False,
        error_messages={"empty": _("からっぽのファイルは使えないよ。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("活動した日は今日までの日にしてね。"))
        if value < dt.date(2000, 1, 1):
            raise forms.ValidationError(_("活動した日をカレンダーからえらんでね。"))
        return value

    def clean_photos(self):
        from projects.images import ImageRejected, clean_photo

        files = self.cleaned_data.get("photos") or []
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("写真は%(max)dまいまでだよ。えらびなおしてね。") % {"max": MAX_PHOTOS}
            )
        cleaned = []
        for upload in files:
            try:
                cleaned.append(clean_photo(upload))
            except ImageRejected as error:
                raise forms.ValidationError(f"「{upload.name[:60]}」: {error.message}") from None
        return cleaned

    def goal_numbers(self):
        return sorted(int(value) for value in self.cleaned_data["goals"])


class AmbassadorAccountForm(forms.Form):
    """A facilitator creates a child's account; the guardian's consent is recorded."""

    username = forms.RegexField(
        label=_("ログインID"),
        regex=r"^[a-zA-Z0-9_.-]{3,30}$",
        help_text=_("半角英数字3〜30文字。本名は使わないでください。"),
        error_messages={"invalid": _("ログインIDは半角英数字3〜30文字にしてください。")},
    )
    password = forms.CharField(
        label=_("はじめのパスワード"),
        min_length=8,
        max_length=128,
        widget=forms.PasswordInput(render_value=True),
    )
    nickname = forms.CharField(
        label=_("ニックネーム"), max_length=40, help_text=_("サイトに表示されます（本名は不可）。")
    )
    grade = forms.CharField(label=_("学年"), max_length=20, help_text=_("例：小学5年"))
    group = forms.ModelChoiceField(label=_("こども大使のグループ"), queryset=None, required=False)
    guardian_consent_by = forms.CharField(label=_("同意した保護者"), max_length=80)
    guardian_consent = forms.BooleanField(
        label=_("保護者の同意を確認しました"),
        error_messages={"required": _("保護者の同意がないとアカウントは作れません。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from stakeholders.models import NAME_ORDER, StakeholderKind, StakeholderPage

        self.fields["group"].queryset = StakeholderPage.objects.filter(
            kind=StakeholderKind.AMBASSADOR
        ).order_by(*NAME_ORDER)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("このログインIDはもう使われています。"))
        return username


class AmbassadorLoginForm(forms.Form):
    """Children sign in with the ID and password a facilitator gave them (no e-mail)."""

    username = forms.CharField(
        label=_("ログインID"),
        max_length=150,
        error_messages={"required": _("ログインIDを書いてね。")},
    )
    password = forms.CharField(
        label=_("パスワード"),
        max_length=128,
        widget=forms.PasswordInput,
        error_messages={"required": _("パスワードを書いてね。")},
    )
