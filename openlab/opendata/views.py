"""/opendata/: the page explaining the data sets, and their streaming downloads."""

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from openlab import public_data
from openlab.opendata import datasets, export

FORMATS = {
    "csv": ("text/csv; charset=utf-8", export.csv_chunks),
    "json": ("application/json; charset=utf-8", export.json_chunks),
}


@require_GET
def index(request):
    return render(
        request,
        "opendata/index.html",
        {
            "datasets": list(datasets.DATASETS.values()),
            "licence": datasets.LICENCE,
            "licence_url": datasets.LICENCE_URL,
            "attribution": datasets.ATTRIBUTION,
        },
    )


@require_GET
def download(request, slug, fmt):
    dataset = datasets.DATASETS.get(slug)
    if dataset is None or fmt not in FORMATS:
        raise Http404("そのデータセットはありません。/opendata/ に一覧があります。")
    content_type, writer = FORMATS[fmt]
    base_url = request.build_absolute_uri("/").rstrip("/")
    rows = datasets.rows(slug, base_url)
    if fmt == "json":
        chunks = writer(dataset, rows, source_url=request.build_absolute_uri())
    else:
        chunks = writer(dataset, rows)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    stamp = timezone.localdate().strftime("%Y%m%d")
    disposition = "attachment" if fmt == "csv" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="openlab-{slug}-{stamp}.{fmt}"'
    public_data.stamp_download(response, f"{slug}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    return response
