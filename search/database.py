"""The database backend: SearchEntry rows, queried with LIKE '%word%' per word.

Same params, filters, facets and scores as the Elasticsearch query in
search/queries.py; works on SQLite and PostgreSQL. Every request runs a fixed
number of SQL queries (hits, count, one per facet), whatever the data size.
"""

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone

from search import japanese
from search.models import SearchEntry, SearchEntryGoal, SearchEntryTag, SearchEntryTown
from search.queries import (
    SCORE_READING,
    SCORE_TEXT,
    SCORE_TITLE,
    SCORE_UPCOMING,
    SCORE_WORD,
    WHEN_VALUES,
    SearchResults,
    make_hit,
)


def _like(value):
    """`contains` lookups escape % and _ themselves; nothing else to do."""
    return value


def word_condition(word):
    condition = Q(text__contains=_like(word))
    reading = japanese.reading_of_query_word(word)
    if reading:
        condition |= Q(reading__contains=_like(reading))
    return condition


def filter_conditions(params, now):
    out = {}
    if params.types:
        out["type"] = Q(type__in=params.types)
    if params.goals:
        out["goal"] = Q(
            pk__in=SearchEntryGoal.objects.filter(goal__in=params.goals).values("entry")
        )
    if params.kinds:
        out["kind"] = Q(kind__in=params.kinds)
    if params.towns:
        out["town"] = Q(
            pk__in=SearchEntryTown.objects.filter(town__in=params.towns).values("entry")
        )
    if params.when == "upcoming":
        out["when"] = Q(type="event", event_end__gte=now)
    elif params.when == "past":
        out["when"] = Q(type="event", event_end__lt=now)
    return out


def _score_expression(words, now):
    total = Value(0, output_field=IntegerField())
    for word in words:
        reading = japanese.reading_of_query_word(word)
        whens = [When(text__contains=word, then=Value(SCORE_TEXT))]
        if reading:
            whens.append(When(reading__contains=reading, then=Value(SCORE_READING)))
        total = total + Case(*whens, default=Value(0), output_field=IntegerField())
        total = total + Case(
            When(title_text__contains=word, then=Value(SCORE_TITLE)),
            default=Value(0),
            output_field=IntegerField(),
        )
        total = total + Case(
            When(words__contains=f" {word} ", then=Value(SCORE_WORD)),
            default=Value(0),
            output_field=IntegerField(),
        )
    total = total + Case(
        When(type="event", event_end__gte=now, then=Value(SCORE_UPCOMING)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return total


def search(params, now=None):
    now = now or timezone.now()
    words = params.words
    matched = SearchEntry.objects.all()
    for word in words:
        matched = matched.filter(word_condition(word))
    filters = filter_conditions(params, now)

    def with_filters(queryset, skip=None):
        for name, condition in filters.items():
            if name != skip:
                queryset = queryset.filter(condition)
        return queryset

    results = with_filters(matched)
    total = results.count()
    if params.sort == "date" or not words:
        ordered = results.order_by(F("date").desc(nulls_last=True), "-page_id")
    else:
        ordered = results.annotate(score=_score_expression(words, now)).order_by(
            "-score", F("date").desc(nulls_last=True), "-page_id"
        )
    rows = list(ordered[params.offset : params.offset + params.page_size])
    goals_by_entry, towns_by_entry = {}, {}
    ids = [row.pk for row in rows]
    if ids:
        for entry_id, goal in SearchEntryGoal.objects.filter(entry_id__in=ids).values_list(
            "entry_id", "goal"
        ):
            goals_by_entry.setdefault(entry_id, []).append(goal)
        for entry_id, town in SearchEntryTown.objects.filter(entry_id__in=ids).values_list(
            "entry_id", "town"
        ):
            towns_by_entry.setdefault(entry_id, []).append(town)
    hits = [
        make_hit(
            _row_source(row, goals_by_entry.get(row.pk, []), towns_by_entry.get(row.pk, [])),
            words,
            score=getattr(row, "score", None),
        )
        for row in rows
    ]

    facets = {}
    for name, field_name in (("type", "type"), ("kind", "kind")):
        counts = (
            with_filters(matched, skip=name)
            .exclude(**{field_name: ""})
            .values_list(field_name)
            .annotate(n=Count("pk"))
            .order_by()
        )
        facets[name] = dict(counts)
    goal_counts = (
        SearchEntryGoal.objects.filter(entry__in=with_filters(matched, skip="goal").values("pk"))
        .values_list("goal")
        .annotate(n=Count("entry"))
        .order_by()
    )
    facets["goal"] = {str(goal): n for goal, n in goal_counts}
    town_counts = (
        SearchEntryTown.objects.filter(entry__in=with_filters(matched, skip="town").values("pk"))
        .values_list("town")
        .annotate(n=Count("entry"))
        .order_by()
    )
    facets["town"] = dict(town_counts)
    when_base = with_filters(matched, skip="when").filter(type="event")
    when_counts = when_base.aggregate(
        upcoming=Count("pk", filter=Q(event_end__gte=now)),
        past=Count("pk", filter=Q(event_end__lt=now)),
    )
    facets["when"] = {key: when_counts[key] or 0 for key in WHEN_VALUES}
    for name in ("type", "goal", "kind", "town"):
        facets[name] = dict(sorted(facets[name].items(), key=lambda item: (-item[1], item[0])))
    return SearchResults(params=params, total=total, hits=hits, facets=facets, backend="database")


def _row_source(row, goals, towns):
    return {
        "page_id": row.pk,
        "type": row.type,
        "title": row.title,
        "url": row.url,
        "summary": row.summary,
        "body": row.body,
        "goals": sorted(goals),
        "towns": sorted(towns),
        "kind": row.kind,
        "date": row.date.isoformat() if row.date else None,
        "event_start": row.event_start.isoformat() if row.event_start else None,
        "event_end": row.event_end.isoformat() if row.event_end else None,
    }


# --- writing -------------------------------------------------------------------------


def entry_fields(source):
    return {
        "type": source["type"],
        "title": source["title"][:255],
        "url": source["url"][:500],
        "summary": source["summary"],
        "body": source["body"],
        "title_text": " ".join(source["title_runs"]),
        "text": " ".join(source["text_runs"]),
        "reading": " ".join(source["reading_runs"]),
        "words": " " + " ".join(source["words"]) + " ",
        "kind": source["kind"] or "",
        "date": source["date"],
        "event_start": source["event_start"],
        "event_end": source["event_end"],
        "content_hash": source["content_hash"],
    }


@transaction.atomic
def upsert(source):
    entry, _ = SearchEntry.objects.update_or_create(
        page_id=source["page_id"], defaults=entry_fields(source)
    )
    SearchEntryGoal.objects.filter(entry=entry).delete()
    SearchEntryGoal.objects.bulk_create(
        [SearchEntryGoal(entry=entry, goal=goal) for goal in source["goals"]]
    )
    SearchEntryTown.objects.filter(entry=entry).delete()
    SearchEntryTown.objects.bulk_create(
        [SearchEntryTown(entry=entry, town=town) for town in source["towns"]]
    )
    SearchEntryTag.objects.filter(entry=entry).delete()
    SearchEntryTag.objects.bulk_create(
        [SearchEntryTag(entry=entry, tag=tag[:100]) for tag in source["tags"]]
    )
    return entry


@transaction.atomic
def bulk_upsert(sources):
    """Replace the entries of many pages at once (rebuild, repair, bench)."""
    ids = [source["page_id"] for source in sources]
    SearchEntry.objects.filter(page_id__in=ids).delete()
    SearchEntry.objects.bulk_create(
        [SearchEntry(page_id=source["page_id"], **entry_fields(source)) for source in sources],
        batch_size=500,
    )
    SearchEntryGoal.objects.bulk_create(
        [SearchEntryGoal(entry_id=s["page_id"], goal=goal) for s in sources for goal in s["goals"]],
        batch_size=1000,
    )
    SearchEntryTown.objects.bulk_create(
        [SearchEntryTown(entry_id=s["page_id"], town=town) for s in sources for town in s["towns"]],
        batch_size=1000,
    )
    SearchEntryTag.objects.bulk_create(
        [
            SearchEntryTag(entry_id=s["page_id"], tag=tag[:100])
            for s in sources
            for tag in s["tags"]
        ],
        batch_size=1000,
    )


def delete(page_ids):
    return SearchEntry.objects.filter(page_id__in=list(page_ids)).delete()[0]


def stored_hashes():
    return dict(SearchEntry.objects.values_list("page_id", "content_hash"))


def popular_tags(limit=12):
    return list(
        SearchEntryTag.objects.values_list("tag")
        .annotate(n=Count("entry"))
        .order_by("-n", "tag")[:limit]
    )
