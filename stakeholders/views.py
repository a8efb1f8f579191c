"""Admin views of the stakeholders app (facilitators only): CSV import and export."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from openlab.accounts.permissions import is_facilitator
from stakeholders.csv_io import MAX_FILE_BYTES, FileRefused, import_file, write_csv
from stakeholders.forms import ImportForm


def _require_facilitator(request):
    if not is_facilitator(request.user):
        raise PermissionDenied(_("CSVの取り込みと書き出しはファシリテーターだけができます。"))


def import_view(request):
    _require_facilitator(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            error = _("ファイルが大きすぎます（10MBまで）。")
        else:
            try:
                report = import_file(upload.read(), user=request.user)
            except FileRefused as refused:
                error = str(refused)
    return render(
        request,
        "stakeholders/admin/import.html",
        {
            "page_title": _("ステークホルダーのCSV取り込み"),
            "header_icon": "upload",
            "form": form,
            "report": report,
            "error": error,
        },
    )


def export_filename(private, now=None):
    """stakeholders-public-2026-12-07.csv or stakeholders-private-2026-12-07.csv: the two
    downloads are told apart in a downloads folder; the date is Japan's (TIME_ZONE)."""
    day = timezone.localdate(now or timezone.now())
    return f"stakeholders-{'private' if private else 'public'}-{day.isoformat()}.csv"


def export_view(request):
    _require_facilitator(request)
    private = request.GET.get("private") == "1"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(private)}"'
    response.write("\ufeff")
    write_csv(response, private=private)
    return response
