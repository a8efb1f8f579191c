"""/search/ (HTML) and /api/search/ (JSON). Public: anyone may search, and only
public content is ever indexed (search/documents.py decides that)."""

import json
from pathlib import Path

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from search import presenters, services
from search.forms import SearchForm

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"


def _search(request):
    form = SearchForm(request.GET, towns=presenters.town_choices())
    form.is_valid()
    params = form.params()
    results = None if params.is_empty else services.run_search(params)
    return form, params, results


def _no_cache_when_degraded(response, results):
    # A fallback answer must not stay in the anonymous page cache once
    # Elasticsearch is back.
    if results is not None and results.degraded:
        patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
def search_page(request):
    form, params, results = _search(request)
    context = presenters.page_context(request, form, params, results)
    response = render(request, "search/search.html", context)
    return _no_cache_when_degraded(response, results)


@require_GET
def search_api(request):
    form, params, results = _search(request)
    if form.errors:
        return JsonResponse(
            {
                "error": _("検索条件に誤りがあります。"),
                "errors": {name: list(messages) for name, messages in form.errors.items()},
            },
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    data = presenters.api_payload(request, form, params, results)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return _no_cache_when_degraded(response, results)


@require_GET
def search_api_schema(request):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return JsonResponse(schema, json_dumps_params={"ensure_ascii": False})
