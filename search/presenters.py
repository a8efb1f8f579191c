"""Turn SearchResults into what the page template and the JSON API show."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from openlab import dates, sdgs
from openlab.accounts.permissions import is_facilitator
from search import services
from search.forms import SORT_LABELS, TYPE_LABELS, WHEN_LABELS, kind_choices

FACET_PARAMS = {"type": "type", "goal": "goal", "kind": "kind", "town": "town", "when": "when"}
FACET_TITLES = {
    "type": "種類",
    "goal": "SDGs目標",
    "kind": "ステークホルダーの種別",
    "town": "町",
    "when": "開催時期",
}


def town_choices():
    from openlab.models import Town

    return list(Town.objects.values_list("slug", "name"))


def _labels(towns):
    return {
        "type": {key: str(label) for key, label in TYPE_LABELS.items()},
        "goal": {str(goal.number): f"{goal.number}. {goal.name_ja}" for goal in sdgs.GOALS},
        "kind": {key: str(label) for key, label in kind_choices()},
        "town": dict(towns),
        "when": {key: str(label) for key, label in WHEN_LABELS.items()},
    }


def _query_string(params, **changes):
    """The URL query of `params` with some values replaced; page resets to 1."""
    data = {
        "q": params.q,
        "type": params.types,
        "goal": [str(goal) for goal in params.goals],
        "kind": params.kinds,
        "town": params.towns,
        "when": params.when,
        "sort": params.sort if params.sort != "relevance" else "",
    }
    data.update(changes)
    pairs = []
    for key, value in data.items():
        values = value if isinstance(value, list) else [value]
        pairs += [(key, item) for item in values if item not in ("", None)]
    return "?" + urlencode(pairs) if pairs else "?"


def _selected(params, facet):
    return {
        "type": params.types,
        "goal": [str(goal) for goal in params.goals],
        "kind": params.kinds,
        "town": params.towns,
        "when": [params.when] if params.when else [],
    }[facet]


def _toggle(params, facet, value):
    selected = list(_selected(params, facet))
    if facet == "when":
        return _query_string(params, when="" if value in selected else value)
    selected = (
        [item for item in selected if item != value] if value in selected else [*selected, value]
    )
    return _query_string(params, **{facet: selected})


def facet_entries(results, params, towns):
    """[{name, title, values: [{value, label, count, selected, url}]}] per facet."""
    labels = _labels(towns)
    facets = []
    for name in ("type", "goal", "kind", "town", "when"):
        counts = results.facets.get(name, {}) if results else {}
        selected = _selected(params, name)
        values = []
        keys = list(counts)
        keys += [key for key in selected if key not in counts]
        if name == "goal":
            keys.sort(key=int)
        for key in keys:
            count = counts.get(key, 0)
            if not count and key not in selected:
                continue
            values.append(
                {
                    "value": key,
                    "label": labels[name].get(key, key),
                    "count": count,
                    "selected": key in selected,
                    "url": _toggle(params, name, key),
                }
            )
        facets.append({"name": name, "title": _(FACET_TITLES[name]), "values": values})
    return facets


def _event_dates(hits, now):
    """{page id: ShownDate} of the events among the hits: a recurring event shows its next
    date (the index holds only the series' first one)."""
    from events.models import EventPage
    from events.services import shown_dates

    ids = [hit.page_id for hit in hits if hit.type == "event"]
    if not ids:
        return {}
    return shown_dates(EventPage.objects.filter(pk__in=ids).only("rrule", "start", "end"), now)


def _display_date(hit, shown=None):
    if shown and hit.page_id in shown:
        return timezone.localtime(shown[hit.page_id].start)
    if hit.type == "event" and hit.event_start:
        start = parse_datetime(hit.event_start)
        if start:
            return timezone.localtime(start)
    return parse_date(hit.date) if hit.date else None


def _is_upcoming(hit, now, shown=None):
    if shown and hit.page_id in shown:
        return not shown[hit.page_id].ended
    if hit.type != "event" or not hit.event_end:
        return None
    end = parse_datetime(hit.event_end)
    return bool(end and end >= now)


def hit_entries(results):
    if not results:
        return []
    now = timezone.now()
    shown = _event_dates(results.hits, now)
    entries = []
    for hit in results.hits:
        entries.append(
            {
                "hit": hit,
                "type_label": str(TYPE_LABELS.get(hit.type, hit.type)),
                # Produced by search.japanese.highlight: escaped text and <mark> only.
                "snippet": mark_safe(hit.snippet),  # noqa: S308
                "goals": [sdgs.GOALS_BY_NUMBER[n] for n in hit.goals if n in sdgs.GOALS_BY_NUMBER],
                "date": _display_date(hit, shown),
                "is_datetime": isinstance(_display_date(hit, shown), dt.datetime),
                "upcoming": _is_upcoming(hit, now, shown),
            }
        )
    return entries


def suggestion_context(results, params):
    if results is not None and results.total:
        return None
    return {"goals": sdgs.GOALS, "tags": services.suggestions()}


def page_context(request, form, params, results):
    towns = form.fields["town"].choices
    pages = None
    if results and results.num_pages > 1:
        pages = {
            "number": params.page,
            "count": results.num_pages,
            "previous": _query_string(params, page=params.page - 1) if params.page > 1 else None,
            "next": (
                _query_string(params, page=params.page + 1)
                if params.page < results.num_pages
                else None
            ),
        }
    return {
        "form": form,
        "params": params,
        "results": results,
        # Which engine answered (and that the database one is simpler) is for facilitators
        # and /healthz; citizens get the results without the plumbing.
        "explain_backend": is_facilitator(request.user),
        "hits": hit_entries(results),
        "facets": facet_entries(results, params, towns),
        "sorts": [
            {
                "value": key,
                "label": label,
                "url": _query_string(params, sort=key),
                "selected": params.sort == key,
            }
            for key, label in SORT_LABELS.items()
        ],  # fmt: skip
        "suggestions": suggestion_context(results, params),
        "pages": pages,
        "query_truncated": form.query_truncated,
        "clear_url": _query_string(params, type=[], goal=[], kind=[], town=[], when=""),
    }


def api_payload(request, form, params, results):
    towns = form.fields["town"].choices
    facets = {
        facet["name"]: [
            {key: value for key, value in entry.items() if key != "url"}
            for entry in facet["values"]
        ]
        for facet in facet_entries(results, params, towns)
    }
    hits = []
    for entry in hit_entries(results):
        hit = entry["hit"]
        hits.append(
            {
                "id": hit.page_id,
                "type": hit.type,
                "type_label": entry["type_label"],
                "title": hit.title,
                "url": request.build_absolute_uri(hit.url) if hit.url else "",
                "snippet_html": hit.snippet,
                "goals": hit.goals,
                "towns": hit.towns,
                "kind": hit.kind or None,
                "date": hit.date,
                "event_start": dates.rfc3339(hit.event_start),
                "event_end": dates.rfc3339(hit.event_end),
                "upcoming": entry["upcoming"],
            }
        )
    suggestions = suggestion_context(results, params)
    notices = []
    if form.query_truncated:
        notices.append(_("検索語が長すぎるため、最初の200文字で検索しました。"))
    if results is not None and results.degraded:
        notices.append(_("現在は簡易検索で表示しています。結果が一部不完全な場合があります。"))
    elif results is not None and results.backend == "database":
        # Without Elasticsearch (not configured) the database answers: said as when it is down.
        notices.append(
            _("この検索はデータベースの簡易検索です。結果が一部不完全な場合があります。")
        )
    return {
        "query": {
            "q": params.q,
            "words": params.words,
            "filters": params.filters(),
            "sort": params.sort,
            "page": params.page,
        },
        "backend": results.backend if results else None,
        "degraded": bool(results and results.degraded),
        "total": results.total if results else 0,
        "page": params.page,
        "page_size": params.page_size,
        "num_pages": results.num_pages if results else 0,
        "results": hits,
        "facets": facets,
        "suggestions": (
            {
                "goals": [
                    {
                        "number": goal.number,
                        "name": goal.name_ja,
                        "url": f"/search/?goal={goal.number}",
                    }
                    for goal in suggestions["goals"]
                ],
                "tags": [{"tag": tag, "count": count} for tag, count in suggestions["tags"]],
            }
            if suggestions
            else None
        ),
        "notices": notices,
    }
