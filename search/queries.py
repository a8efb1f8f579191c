"""Search requests and results, and the Elasticsearch query built from them.

Both backends take a ``SearchParams`` and return ``SearchResults``; the
scoring is the same constant-score recipe on both (search/database.py mirrors
``build_search``), so the two rank alike and a test can hold them to the same
answers.

User text never reaches a query parser: each query word becomes a
``match_phrase`` of its character bigrams (or a ``match`` of one character) on
fields analysed only at spaces, inside ``bool``/``constant_score`` clauses.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from elasticsearch_dsl import A, Q, Search

from search import japanese

PAGE_SIZE = 20
MAX_PAGE = 500  # PAGE_SIZE * MAX_PAGE stays within Elasticsearch's 10,000 window

# Constant scores per clause, per query word. A word found in the text itself
# always outranks one found only through its reading.
SCORE_TEXT = 10
SCORE_READING = 3
SCORE_TITLE = 5
SCORE_WORD = 2
SCORE_UPCOMING = 1

FACETS = ("type", "goal", "kind", "town", "when")
SORTS = ("relevance", "date")
WHEN_VALUES = ("upcoming", "past")


@dataclass
class SearchParams:
    q: str = ""
    types: list = field(default_factory=list)
    goals: list = field(default_factory=list)
    kinds: list = field(default_factory=list)
    towns: list = field(default_factory=list)
    when: str = ""
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def words(self):
        return japanese.query_words(self.q)

    def filters(self):
        """Active filters as {facet: values}."""
        out = {
            "type": self.types,
            "goal": self.goals,
            "kind": self.kinds,
            "town": self.towns,
            "when": [self.when] if self.when else [],
        }
        return {name: values for name, values in out.items() if values}

    @property
    def is_empty(self):
        return not self.words and not self.filters()

    @property
    def offset(self):
        return (self.page - 1) * self.page_size


@dataclass
class SearchHit:
    page_id: int
    type: str
    title: str
    url: str
    snippet: str  # HTML: escaped text with <mark> around matches, nothing else
    goals: list
    towns: list
    kind: str
    date: str | None
    event_start: str | None
    event_end: str | None
    score: float | None = None


@dataclass
class SearchResults:
    params: SearchParams
    total: int
    hits: list
    facets: dict  # facet -> {value: count}
    backend: str
    degraded: bool = False  # the database answered because Elasticsearch did not

    @property
    def num_pages(self):
        return max(1, -(-self.total // self.params.page_size))


def make_hit(source, words, score=None):
    """A result row from a stored document (either backend)."""
    text = source.get("summary") or ""
    body = source.get("body") or ""
    # Show the part of the page that matched: the body when the summary does not.
    summary_matches = any(word in japanese.normalise(text) for word in words)
    body_matches = any(word in japanese.normalise(body) for word in words)
    if body and words and not summary_matches and body_matches:
        text = body
    snippet = japanese.highlight(text or body, words)
    return SearchHit(
        page_id=source["page_id"],
        type=source["type"],
        title=source["title"],
        url=source.get("url") or "",
        snippet=snippet,
        goals=list(source.get("goals") or []),
        towns=list(source.get("towns") or []),
        kind=source.get("kind") or "",
        date=source.get("date"),
        event_start=source.get("event_start"),
        event_end=source.get("event_end"),
        score=score,
    )


# --- Elasticsearch -----------------------------------------------------------------


def _phrase(field_prefix, word):
    """A substring match of `word` on the runs of `<field_prefix>_bi/_uni`."""
    if len(word) == 1:
        return Q("term", **{f"{field_prefix}_uni": word})
    return Q("match_phrase", **{f"{field_prefix}_bi": " ".join(japanese.bigrams(word))})


def _scored(query, score):
    return Q("constant_score", filter=query, boost=score)


def word_query(word):
    """Must-match clause of one query word: in the text, or (kana) in the readings."""
    should = [_scored(_phrase("text", word), SCORE_TEXT)]
    reading = japanese.reading_of_query_word(word)
    if reading:
        should.append(_scored(_phrase("reading", reading), SCORE_READING))
    return Q("dis_max", queries=should)


def filter_queries(params, now):
    """{facet: Elasticsearch filter} for the active filters."""
    out = {}
    if params.types:
        out["type"] = Q("terms", type=params.types)
    if params.goals:
        out["goal"] = Q("terms", goals=params.goals)
    if params.kinds:
        out["kind"] = Q("terms", kind=params.kinds)
    if params.towns:
        out["town"] = Q("terms", towns=params.towns)
    if params.when == "upcoming":
        out["when"] = Q("term", type="event") & Q("range", event_end={"gte": now.isoformat()})
    elif params.when == "past":
        out["when"] = Q("term", type="event") & Q("range", event_end={"lt": now.isoformat()})
    return out


def build_search(search: Search, params: SearchParams, now=None):
    """The whole request: query, post-filters, facet aggregations, sort, page."""
    now = now or timezone.now()
    words = params.words
    must = [word_query(word) for word in words]
    should = []
    for word in words:
        should.append(_scored(_phrase("title", word), SCORE_TITLE))
        should.append(_scored(Q("term", words=word), SCORE_WORD))
    if words:
        upcoming = Q("term", type="event") & Q("range", event_end={"gte": now.isoformat()})
        should.append(_scored(upcoming, SCORE_UPCOMING))
    query = Q("bool", must=must or [Q("match_all")], should=should)
    search = search.query(query)

    filters = filter_queries(params, now)
    if filters:
        search = search.post_filter(Q("bool", filter=list(filters.values())))

    # Facets count under every active filter except their own, so a visitor sees
    # what choosing another value of the same facet would give.
    def others(name):
        return Q("bool", filter=[q for key, q in filters.items() if key != name])

    terms = {"type": ("type", 10), "goal": ("goals", 17), "kind": ("kind", 20)}
    terms["town"] = ("towns", 50)
    for name, (field_name, size) in terms.items():
        search.aggs.bucket(f"f_{name}", A("filter", filter=others(name))).bucket(
            "values", A("terms", field=field_name, size=size)
        )
    when_filters = {
        "upcoming": Q("term", type="event") & Q("range", event_end={"gte": now.isoformat()}),
        "past": Q("term", type="event") & Q("range", event_end={"lt": now.isoformat()}),
    }
    search.aggs.bucket("f_when", A("filter", filter=others("when"))).bucket(
        "values", A("filters", filters={key: q.to_dict() for key, q in when_filters.items()})
    )

    if params.sort == "date" or not words:
        search = search.sort({"date": {"order": "desc", "missing": "_last"}}, {"page_id": "desc"})
    else:
        search = search.sort(
            "_score", {"date": {"order": "desc", "missing": "_last"}}, {"page_id": "desc"}
        )
    search = search.source(
        [
            "page_id",
            "type",
            "title",
            "url",
            "summary",
            "body",
            "goals",
            "towns",
            "kind",
            "date",
            "event_start",
            "event_end",
        ]
    )
    search = search.extra(track_total_hits=True, track_scores=True)
    return search[params.offset : params.offset + params.page_size]


def parse_response(response, params, backend_name):
    words = params.words
    hits = [
        make_hit(hit.to_dict(), words, score=getattr(hit.meta, "score", None))
        for hit in response.hits
    ]
    facets = {}
    aggs = response.aggregations
    for name in ("type", "goal", "kind", "town"):
        buckets = aggs[f"f_{name}"]["values"]["buckets"]
        facets[name] = {str(b["key"]): b["doc_count"] for b in buckets}
    when_buckets = aggs["f_when"]["values"]["buckets"]
    facets["when"] = {key: when_buckets[key]["doc_count"] for key in WHEN_VALUES}
    total = response.hits.total.value
    return SearchResults(params=params, total=total, hits=hits, facets=facets, backend=backend_name)
