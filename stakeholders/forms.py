from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSVファイル"),
        help_text=_(
            "列: name,kind,sdgs,targets,towns,offers,needs,tags,website,email,email_public,"
            "description（リストは ; 区切り、UTF-8 または Shift_JIS）"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
