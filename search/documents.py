"""What is searchable, as one source document per published page, and its
Elasticsearch mapping (elasticsearch-dsl ``Document``).

``build_source(page)`` is the single place that decides what of a page reaches
any index: published, publicly viewable pages of the four content types, and
only fields a visitor can already read on the page. Never e-mail addresses,
drafts (the page row holds the live version; drafts live in revisions),
unpublished or private pages, or ambassador reports awaiting approval (not
live). Both backends index exactly this dictionary.

Text fields are segmented in Python (search/japanese.py) and stored as arrays
of runs, each run a space-separated list of character bigrams or unigrams;
Elasticsearch only splits them at spaces (the built-in ``whitespace``
analyzer) and keeps runs apart (``position_increment_gap``), so a phrase query
of a query word's bigrams is true substring matching, like the database's.
"""

import datetime as dt
import hashlib
import html
import json

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags
from elasticsearch_dsl import Date, Document, Integer, Keyword, MetaField, Text

from search import japanese

TYPES = ("stakeholder", "project", "event", "report")
BODY_CHARS = 4000  # of plain body text kept for snippets and matching


def content_models():
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage
    from stakeholders.models import StakeholderPage

    return {
        "stakeholder": StakeholderPage,
        "project": ProjectPage,
        "event": EventPage,
        "report": ReportPage,
    }


def type_of(page):
    for name, model in content_models().items():
        if isinstance(page, model):
            return name
    return None


# --- plain text of page content ----------------------------------------------------


def _strings(value):
    if isinstance(value, str):
        text = html.unescape(strip_tags(value))
        if text.strip():
            yield text
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in ("id", "type", "image", "alt_text", "decorative"):
                yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def stream_text(stream):
    """Plain text of a StreamField value (headings, paragraphs, quotes)."""
    if not stream:
        return ""
    raw = stream.raw_data if hasattr(stream, "raw_data") else stream
    return "\n".join(_strings(list(raw)))


def _clip(text, limit=BODY_CHARS):
    text = " ".join((text or "").split())
    return text[:limit]


def _local_date(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def _names(manager):
    return [str(item) for item in manager.all()]


def _page_titles(manager):
    return [page.title for page in manager.all() if page.live]


def is_indexable(page, check_restrictions=True):
    """Only live pages of the four types that anyone may view."""
    if page is None or not page.live or type_of(page) is None:
        return False
    # Pages behind a view restriction (password, login, groups) stay out.
    return not (check_restrictions and page.get_view_restrictions().exists())


def _event_end(page):
    end = page.end
    occurrences = getattr(page, "occurrences", None)
    if occurrences is not None:
        try:
            last = occurrences.order_by("-end").values_list("end", flat=True).first()
        except Exception:  # another app's model in flux must not break indexing
            last = None
        if last and (end is None or last > end):
            end = last
    return end


def build_source(page, check_restrictions=True):
    """The public, searchable content of `page` as a plain dict, or None.

    `check_restrictions=False` only for pages already filtered with
    ``Page.objects.public()`` (see ``searchable_pages``)."""
    page = page.specific
    if not is_indexable(page, check_restrictions):
        return None
    kind = type_of(page)
    short, long_ = [page.title], []
    extra = {"kind": "", "event_start": None, "event_end": None}
    summary, body, tags = "", "", []
    if kind == "stakeholder":
        summary = page.summary
        body = stream_text(page.description)
        tags = [tag.name for tag in page.tags.all()]
        short += [summary, *tags, *_names(page.offers), *_names(page.needs)]
        long_ += [body]
        extra["kind"] = page.kind
        date = page.joined or _local_date(page.first_published_at)
    elif kind == "project":
        summary = page.summary
        body = stream_text(page.body)
        updates = [update.text for update in page.updates.all()]
        short += [summary, *_names(page.seeking), *_page_titles(page.partners)]
        if page.lead and page.lead.live:
            short.append(page.lead.title)
        long_ += [body, *updates]
        date = page.start_date or _local_date(page.first_published_at)
    elif kind == "event":
        summary = page.summary
        body = stream_text(page.body)
        short += [summary, page.venue_name, page.venue_address, *_page_titles(page.organisers)]
        long_ += [body]
        extra["event_start"] = page.start
        extra["event_end"] = _event_end(page)
        date = _local_date(page.start)
    else:  # report: only the nickname and grade of a child are ever public
        body = page.body
        summary = ""
        short += [page.nickname]
        if page.ambassador_group and page.ambassador_group.live:
            short.append(page.ambassador_group.title)
        long_ += [body]
        date = page.date

    towns = list(page.towns.all())
    short += [town.name for town in towns]
    all_text = [*short, *long_]
    title_runs = japanese.runs(page.title)
    text_runs = [run for text in all_text for run in japanese.runs(text)]
    reading_runs = [run for text in all_text for run in japanese.reading_runs(text)]
    source = {
        "page_id": page.pk,
        "type": kind,
        "title": page.title,
        "url": page.get_url() or "",
        "summary": summary or "",
        "body": _clip(body),
        "goals": sorted(goal.pk for goal in page.goals.all()),
        "towns": sorted(town.slug for town in towns),
        "tags": sorted(set(tags)),
        "date": date.isoformat() if date else None,
        "event_start": extra["event_start"].isoformat() if extra["event_start"] else None,
        "event_end": extra["event_end"].isoformat() if extra["event_end"] else None,
        "kind": extra["kind"],
        "title_runs": title_runs,
        "text_runs": text_runs,
        "reading_runs": reading_runs,
        "words": japanese.words(" ".join(all_text)),
    }
    source["content_hash"] = content_hash(source)
    return source


def content_hash(source):
    data = {key: value for key, value in source.items() if key != "content_hash"}
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


_PREFETCH = {
    "stakeholder": ["goals", "towns", "tags", "offers", "needs"],
    "project": ["goals", "towns", "updates", "seeking", "partners", "lead"],
    "event": ["goals", "towns", "organisers"],
    "report": ["goals", "towns", "ambassador_group"],
}


def searchable_pages(chunk=500):
    """Every page that should be in the index (public, live), prefetched, in chunks."""
    from wagtail.models import Page

    public = Page.objects.live().public()
    for kind, model in content_models().items():
        queryset = model.objects.filter(pk__in=public.values("pk")).order_by("pk")
        queryset = queryset.prefetch_related(*_PREFETCH[kind])
        yield from queryset.iterator(chunk_size=chunk)


# --- Elasticsearch -----------------------------------------------------------------

RUN_GAP = 100  # positions between runs: a phrase never spans two runs


def _runs_field():
    return Text(analyzer="whitespace", position_increment_gap=RUN_GAP, norms=False)


class PageDocument(Document):
    """One published page in the Elasticsearch index (alias ``<prefix>_pages``)."""

    page_id = Integer()
    type = Keyword()
    title = Text(index=False)
    url = Keyword(index=False, doc_values=False)
    summary = Text(index=False)
    body = Text(index=False)
    goals = Integer()
    towns = Keyword()
    tags = Keyword()
    kind = Keyword()
    date = Date()
    event_start = Date()
    event_end = Date()
    # Segmented text: arrays of runs as space-separated bigrams / characters.
    title_bi = _runs_field()
    title_uni = _runs_field()
    text_bi = _runs_field()
    text_uni = _runs_field()
    reading_bi = _runs_field()
    reading_uni = _runs_field()
    words = Keyword()
    content_hash = Keyword()

    class Meta:
        dynamic = MetaField("strict")

    @classmethod
    def from_source(cls, source, index=None):
        meta = {"id": source["page_id"], **({"index": index} if index else {})}
        return cls(meta=meta, **indexed_fields(source))


def indexed_fields(source):
    """The fields PageDocument stores for a page's source: plain values, the mapping above."""

    def bi(runs_):
        return [" ".join(japanese.bigrams(run)) for run in runs_ if len(run) > 1]

    def uni(runs_):
        return [" ".join(run) for run in runs_]

    return {
        "page_id": source["page_id"],
        "type": source["type"],
        "title": source["title"],
        "url": source["url"],
        "summary": source["summary"],
        "body": source["body"],
        "goals": source["goals"],
        "towns": source["towns"],
        "tags": source["tags"],
        "kind": source["kind"] or None,
        "date": source["date"],
        "event_start": source["event_start"],
        "event_end": source["event_end"],
        "title_bi": bi(source["title_runs"]),
        "title_uni": uni(source["title_runs"]),
        "text_bi": bi(source["text_runs"]),
        "text_uni": uni(source["text_runs"]),
        "reading_bi": bi(source["reading_runs"]),
        "reading_uni": uni(source["reading_runs"]),
        "words": source["words"],
        "content_hash": source["content_hash"],
    }


def bulk_action(source, index):
    """One page as a bulk-API action, built straight from its fields: at 100,000 pages the
    round trip through a Document instance (construct, validate, to_dict) cost a third of
    the indexing time. The fields are those of PageDocument; the index has its mapping."""
    return {"_index": index, "_id": source["page_id"], "_source": indexed_fields(source)}


INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


def alias_name(prefix=None):
    """The alias every query and update goes through: ``<prefix>_pages``."""
    return f"{prefix or settings.SEARCH_INDEX_PREFIX}_pages"


def new_index_name(prefix=None):
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"{alias_name(prefix)}_v{stamp}"


def admin_search_terms(page):
    """Text for Wagtail's admin (autocomplete) search of `page`; see japanese.py."""
    kind = type_of(page)
    short = [page.title, getattr(page, "summary", "")]
    long_ = []
    if kind in ("stakeholder",):
        long_.append(stream_text(page.description))
    elif kind in ("project", "event"):
        long_.append(stream_text(page.body))
    elif kind == "report":
        long_.append(page.body)
    return japanese.admin_search_terms((short, [_clip(text, 2000) for text in long_]))
