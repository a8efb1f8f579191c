"""The search request as a form: validates filters, never rejects a query text."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openlab import sdgs
from search import japanese
from search.queries import MAX_PAGE, SearchParams

TYPE_LABELS = {
    "stakeholder": _("ステークホルダー"),
    "project": _("プロジェクト"),
    "event": _("イベント"),
    "report": _("こども大使レポート"),
}
WHEN_LABELS = {"upcoming": _("開催予定"), "past": _("終了したイベント")}
SORT_LABELS = {"relevance": _("関連度順"), "date": _("新しい順")}


def kind_choices():
    from stakeholders.models import StakeholderKind

    return list(StakeholderKind.choices)


def town_choices():
    from openlab.models import Town

    return list(Town.objects.values_list("slug", "name"))


class SearchForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, strip=True)
    type = forms.MultipleChoiceField(
        label=_("種類"), required=False, choices=list(TYPE_LABELS.items())
    )
    goal = forms.TypedMultipleChoiceField(
        label=_("SDGs目標"),
        required=False,
        coerce=int,
        choices=[(str(goal.number), f"{goal.number}. {goal.name_ja}") for goal in sdgs.GOALS],
    )
    kind = forms.MultipleChoiceField(label=_("ステークホルダーの種別"), required=False)
    town = forms.MultipleChoiceField(label=_("町"), required=False)
    when = forms.ChoiceField(
        label=_("開催時期"), required=False, choices=[("", "—"), *WHEN_LABELS.items()]
    )
    sort = forms.ChoiceField(label=_("並び順"), required=False, choices=list(SORT_LABELS.items()))
    page = forms.IntegerField(
        label=_("ページ"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": _("ページ番号は数字で指定してください。"),
            "min_value": _("ページ番号は1以上で指定してください。"),
            "max_value": _("ページ番号は%(limit_value)s以下で指定してください。"),
        },
    )

    def __init__(self, *args, towns=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any text is a valid query (control and NUL characters become separators).
        self.fields["q"].validators = []
        self.fields["kind"].choices = kind_choices()
        self.fields["town"].choices = towns if towns is not None else town_choices()
        for name in ("type", "goal", "kind", "town"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "「%(value)s」は選べない値です。"
            )
        self.fields["when"].error_messages["invalid_choice"] = _(
            "開催時期は「upcoming」か「past」で指定してください。"
        )
        self.fields["sort"].error_messages["invalid_choice"] = _(
            "並び順は「relevance」か「date」で指定してください。"
        )

    @property
    def query_truncated(self):
        raw = self.data.get("q", "") if hasattr(self.data, "get") else ""
        return len(raw or "") > japanese.MAX_QUERY_CHARS

    def params(self):
        """SearchParams from the valid fields (invalid ones are left out)."""
        data = getattr(self, "cleaned_data", {})
        query = (data.get("q") or "")[: japanese.MAX_QUERY_CHARS]
        return SearchParams(
            q=query,
            types=list(dict.fromkeys(data.get("type") or [])),
            goals=sorted(set(data.get("goal") or [])),
            kinds=list(dict.fromkeys(data.get("kind") or [])),
            towns=list(dict.fromkeys(data.get("town") or [])),
            when=data.get("when") or "",
            sort=data.get("sort") or "relevance",
            page=data.get("page") or 1,
        )
