from django import forms
from django.utils.translation import gettext_lazy as _

from openlab import sdgs
from openlab.models import Town
from openlab.notifications.models import DigestFrequency


def _goal_choices():
    return [(goal.number, f"{goal.number}. {goal.name_ja}") for goal in sdgs.GOALS]


class InterestsForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("お知らせの受け取り方"),
        choices=DigestFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("受け取り方を選んでください。")},
    )
    goals = forms.TypedMultipleChoiceField(
        label=_("フォローするSDGs目標"),
        choices=_goal_choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("SDGsの目標は1〜17から選んでください。")},
    )
    towns = forms.ModelMultipleChoiceField(
        label=_("フォローする町"),
        queryset=Town.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("選べない町が含まれています。")},
    )
