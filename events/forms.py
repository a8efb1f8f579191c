"""Forms: the event editor's checks, the visitor's registration, the listing's filters."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events.recurrence import is_occurrence_date, normalise_rrule
from openlab.accounts.forms import PartnerPageForm


class EventPageForm(PartnerPageForm):
    """The admin form: the shared partner rule (PartnerPageForm: a partner's event must
    have one of their own stakeholders among its organisers); start/end and RRULE are
    checked by EventPage.clean (so every save path gets them); the per-date changes are
    checked here against the rule."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        try:
            rrule = normalise_rrule(cleaned.get("rrule", ""), start)
        except ValidationError:
            return cleaned  # EventPage.clean reports it on the field
        formset = self.formsets.get("exceptions") if hasattr(self, "formsets") else None
        if formset is None or not start or not end:
            return cleaned
        formset.is_valid()  # formsets are cleaned after the form; their data is needed here
        probe = _Probe(start, end, rrule)
        seen = set()
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            day = data.get("date")
            if day is None:
                continue
            if day in seen:
                form.add_error("date", _("同じ開催日の変更が2つあります。"))
            seen.add(day)
            if not is_occurrence_date(probe, day):
                form.add_error(
                    "date", _("%(day)s はこのイベントの開催日ではありません。") % {"day": day}
                )
            if data.get("action") == "move":
                new_start, new_end = data.get("new_start"), data.get("new_end")
                if not new_start or not new_end:
                    form.add_error(
                        "new_start", _("日時を変更するときは変更後の開始と終了を入力してください。")
                    )
                elif new_end < new_start:
                    form.add_error("new_end", _("変更後の終了は開始より後にしてください。"))
        return cleaned


class _Probe:
    def __init__(self, start, end, rrule):
        self.start, self.end, self.rrule = start, end, rrule


class VisitorRegistrationForm(forms.Form):
    name = forms.CharField(
        label=_("お名前"),
        max_length=80,
        error_messages={"required": _("お名前を入力してください。")},
    )
    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("有効なメールアドレスを入力してください（例: hanako@example.jp）。"),
        },
    )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise ValidationError(_("お名前を入力してください。"))
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class EventFilterForm(forms.Form):
    """The listing's filters, read from the query string; bad values get a message
    and are ignored, never a 500."""

    view = forms.ChoiceField(
        label=_("表示"),
        required=False,
        choices=[("list", _("リスト")), ("month", _("月のカレンダー"))],
    )
    when = forms.ChoiceField(
        label=_("時期"),
        required=False,
        choices=[("upcoming", _("これから")), ("past", _("終了したイベント"))],
    )
    sdg = forms.TypedChoiceField(
        label=_("SDGs目標"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("すべて"))] + [(n, str(n)) for n in range(1, 18)],
    )
    town = forms.CharField(label=_("町"), required=False, max_length=50)
    organiser = forms.CharField(label=_("主催"), required=False, max_length=100)
    date_from = forms.DateField(label=_("開始日"), required=False)
    date_to = forms.DateField(label=_("終了日"), required=False)
    month = forms.CharField(label=_("月"), required=False, max_length=7)
    free = forms.BooleanField(label=_("無料"), required=False)
    online = forms.BooleanField(label=_("オンライン参加可"), required=False)
    kids = forms.BooleanField(label=_("子ども歓迎"), required=False)

    def __init__(self, data, towns=(), organisers=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["town"].widget = forms.Select(
            choices=[("", _("すべて"))] + [(town.slug, town.name) for town in towns]
        )
        self.fields["organiser"].widget = forms.Select(
            choices=[("", _("すべて"))] + [(page.slug, page.title) for page in organisers]
        )
        self.fields["date_from"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["date_to"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["month"].widget = forms.TextInput(attrs={"type": "month"})
        self.fields["sdg"].choices = [("", _("すべて"))] + [(n, f"{n}") for n in range(1, 18)]
        self.town_slugs = {town.slug for town in towns}
        self.organiser_slugs = {page.slug for page in organisers}

    def clean_town(self):
        town = self.cleaned_data.get("town", "")
        if town and town not in self.town_slugs:
            raise ValidationError(_("その町は見つかりません。"))
        return town

    def clean_organiser(self):
        organiser = self.cleaned_data.get("organiser", "")
        if organiser and organiser not in self.organiser_slugs:
            raise ValidationError(_("その主催者のイベントは見つかりません。"))
        return organiser

    def clean_month(self):
        value = self.cleaned_data.get("month", "")
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not (1 <= int(match[2]) <= 12) or not (1900 < int(match[1]) < 3000):
            raise ValidationError(_("月は 2026-12 のように書いてください。"))
        return dt.date(int(match[1]), int(match[2]), 1)

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("終了日は開始日より後にしてください。"))
        return cleaned

    def valid_filters(self):
        """The filters that passed their checks (invalid ones are dropped)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if name not in self.errors}
