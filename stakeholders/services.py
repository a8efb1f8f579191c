"""The stakeholder directory and page: filtering, facet counts and paging in a fixed
number of queries, whatever the number of stakeholders.

Query budget of /stakeholders/ (any combination of filters): the result count,
one page of rows, its goals (prefetch), one aggregate query per facet (goals,
kinds, towns, offers, needs) and the two vocabularies (towns, terms). No query
runs per option or per row.
"""

import datetime as dt

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q, Window
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openlab import sdgs
from openlab.models import Town
from openlab.querystring import positive_int
from stakeholders.models import NAME_ORDER, OfferNeedTerm, StakeholderKind, StakeholderPage

PAGE_SIZE = 24
MAX_QUERY_LENGTH = 200
SORTS = {"name": gettext_lazy("名前順"), "newest": gettext_lazy("新しい順")}
SECTION_SIZE = 12


# --- parsing the query string ------------------------------------------------------------
def parse_filters(query, towns=None, terms=None):
    """Clean filters from a QueryDict. Junk is dropped with a message, never an error.

    `towns` and `terms` are the known slugs (sets); when None they are not checked.
    Returns (filters, messages).
    """
    notes = []
    goals = set()
    for raw in query.getlist("sdg"):
        if not raw.strip():
            continue
        if raw.strip().isdigit() and sdgs.is_goal_number(raw):
            goals.add(int(raw))
        else:
            notes.append(
                _("「%(value)s」はSDGsの目標番号（1〜17）ではないため、無視しました。")
                % {"value": raw[:20]}
            )

    def single(name, allowed, label):
        value = query.get(name, "").strip()
        if not value:
            return ""
        if allowed is not None and value not in allowed:
            notes.append(
                _("%(label)s「%(value)s」は見つからないため、無視しました。")
                % {"label": label, "value": value[:40]}
            )
            return ""
        return value

    text = query.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        notes.append(
            _("キーワードが長すぎるため、先頭の%(n)d文字で検索しました。") % {"n": MAX_QUERY_LENGTH}
        )
    sort = query.get("sort", "name")
    if sort not in SORTS:
        notes.append(
            _("並び順「%(value)s」は使えないため、名前順にしました。") % {"value": sort[:20]}
        )
        sort = "name"
    filters = {
        "goals": sorted(goals),
        "kind": single("kind", set(StakeholderKind.values), _("種別")),
        "town": single("town", towns, _("町")),
        "offer": single("offer", terms, _("できること")),
        "need": single("need", terms, _("求めること")),
        "q": text,
        "sort": sort,
    }
    return filters, notes


def parse_page_number(value, notes):
    value = (value or "1").strip()
    number = positive_int(value)
    if number is not None:
        return number
    notes.append(
        _("ページ番号「%(value)s」は使えないため、1ページ目を表示しました。")
        % {"value": value[:20]}
    )
    return 1


# --- filtering -------------------------------------------------------------------------
def _having(field, **lookup):
    """Pages related through `field` to a row matching `lookup`: a semi-join, never a
    row-multiplying join, so filters combine without duplicates or blow-ups."""
    through = getattr(StakeholderPage, field).through
    return Q(pk__in=through.objects.filter(**lookup).values("stakeholderpage_id"))


def filter_stakeholders(queryset, filters, skip=()):
    """Apply `filters` to a StakeholderPage queryset, leaving out the facets in `skip`."""
    from stakeholders.models import StakeholderTag

    if "goals" not in skip:
        for number in filters["goals"]:
            queryset = queryset.filter(_having("goals", goal_id=number))
    if filters["kind"] and "kind" not in skip:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["town"] and "town" not in skip:
        queryset = queryset.filter(_having("towns", town__slug=filters["town"]))
    if filters["offer"] and "offer" not in skip:
        queryset = queryset.filter(_having("offers", offerneedterm__slug=filters["offer"]))
    if filters["need"] and "need" not in skip:
        queryset = queryset.filter(_having("needs", offerneedterm__slug=filters["need"]))
    if filters["q"]:
        for word in filters["q"].split()[:8]:
            tagged = StakeholderTag.objects.filter(tag__name__iexact=word)
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(pk__in=tagged.values("content_object_id"))
            )
    return queryset


def _ids(queryset):
    return queryset.order_by().values("pk")


def facet_counts(base, filters):
    """Counts per option, one aggregate query per facet.

    Goals count within the current result (choosing one more goal narrows it);
    the single-choice facets (kind, town, offer, need) count within the result
    without their own filter, so each option shows what choosing it would give.
    """
    through = StakeholderPage.goals.through
    goals = dict(
        through.objects.filter(stakeholderpage_id__in=_ids(filter_stakeholders(base, filters)))
        .values_list("goal_id")
        .annotate(n=Count("id"))
    )
    kinds = dict(
        filter_stakeholders(base, filters, skip={"kind"})
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )

    def through_counts(field, key, facet):
        model = getattr(StakeholderPage, field).through
        ids = _ids(filter_stakeholders(base, filters, skip={facet}))
        return dict(
            model.objects.filter(stakeholderpage_id__in=ids)
            .values_list(key)
            .annotate(n=Count("id"))
        )

    return {
        "goals": goals,
        "kinds": kinds,
        "towns": through_counts("towns", "town__slug", "town"),
        "offers": through_counts("offers", "offerneedterm__slug", "offer"),
        "needs": through_counts("needs", "offerneedterm__slug", "need"),
    }


def _ordered(queryset, sort):
    if sort == "newest":
        return queryset.order_by(
            F("joined").desc(nulls_last=True), F("first_published_at").desc(nulls_last=True), "-pk"
        )
    return queryset.order_by(*NAME_ORDER)


def directory_context(index_page, request):
    towns = list(Town.objects.all())
    terms = list(OfferNeedTerm.objects.all())
    filters, notes = parse_filters(
        request.GET, towns={t.slug for t in towns}, terms={t.slug for t in terms}
    )
    page_number = parse_page_number(request.GET.get("page"), notes)
    base = StakeholderPage.objects.live().child_of(index_page)
    results = filter_stakeholders(base, filters)
    paginator = Paginator(_ordered(results, filters["sort"]), PAGE_SIZE)
    page = paginator.get_page(page_number)
    if page_number > paginator.num_pages > 0:
        notes.append(
            _("%(n)dページ目はないため、最後のページを表示しました。") % {"n": page_number}
        )
    page.object_list = list(page.object_list.prefetch_related("goals"))
    counts = facet_counts(base, filters)
    kinds = [
        (value, label, counts["kinds"].get(value, 0)) for value, label in StakeholderKind.choices
    ]
    return {
        "filters": filters,
        "filter_messages": notes,
        "stakeholders": page,
        "kinds": kinds,
        "goals": [(goal, counts["goals"].get(goal.number, 0)) for goal in sdgs.GOALS],
        "towns": [(town, counts["towns"].get(town.slug, 0)) for town in towns],
        "offers": [(term, counts["offers"].get(term.slug, 0)) for term in terms],
        "needs": [(term, counts["needs"].get(term.slug, 0)) for term in terms],
        "sorts": list(SORTS.items()),
        "active_filters": _active_filters(filters, towns, terms),
    }


def _active_filters(filters, towns, terms):
    """(label, query string without that filter) pairs, for "remove this filter" links."""
    from django.http import QueryDict

    town_names = {t.slug: t.name for t in towns}
    term_names = {t.slug: t.name for t in terms}
    kind_names = dict(StakeholderKind.choices)

    def query_without(key, value=None):
        query = QueryDict(mutable=True)
        for number in filters["goals"]:
            if not (key == "sdg" and value == number):
                query.appendlist("sdg", str(number))
        for name in ("kind", "town", "offer", "need", "q"):
            if filters[name] and name != key:
                query[name] = filters[name]
        if filters["sort"] != "name":
            query["sort"] = filters["sort"]
        return query.urlencode()

    active = [
        (_("SDGs %(n)d") % {"n": number}, query_without("sdg", number))
        for number in filters["goals"]
    ]
    labels = {
        "kind": kind_names,
        "town": town_names,
        "offer": term_names,
        "need": term_names,
    }
    prefixes = {"kind": "", "town": "", "offer": _("できること: "), "need": _("求めること: ")}
    for name, names in labels.items():
        if filters[name]:
            active.append((prefixes[name] + str(names.get(filters[name], "")), query_without(name)))
    if filters["q"]:
        active.append((_("「%(q)s」") % {"q": filters["q"]}, query_without("q")))
    return active


# --- the stakeholder page -----------------------------------------------------------------
def _section(queryset):
    """The first SECTION_SIZE items and the total, in one query (a window count)."""
    items = list(
        queryset.annotate(section_total=Window(Count("pk"))).prefetch_related("goals")[
            :SECTION_SIZE
        ]
    )
    return {"items": items, "total": items[0].section_total if items else 0}


def _events_section(queryset):
    from events.services import with_shown_dates

    section = _section(queryset)
    section["items"] = with_shown_dates(section["items"])
    return section


def stakeholder_page_context(page):
    """Projects, events and reports of a stakeholder: bounded lists with their totals."""

    from events.models import EventPage
    from events.services import soonest_first
    from projects.models import ProjectPage, ReportPage

    involved = ProjectPage.objects.filter(Q(lead=page) | Q(partners=page)).values("pk")
    projects = (
        ProjectPage.objects.live()
        .filter(pk__in=involved)
        .select_related("lead")
        .order_by("-first_published_at", "-pk")
    )
    events = EventPage.objects.live().filter(organisers=page).order_by(*soonest_first())
    url = page.url or ""
    return {
        "projects": _section(projects),
        "events": _events_section(events),
        "reports": _section(
            ReportPage.objects.live().filter(ambassador_group=page).order_by("-date", "-pk")
        ),
        "offers": list(page.offers.all()),
        "needs": list(page.needs.all()),
        "towns": list(page.towns.all()),
        "targets": list(page.targets.all()),
        "tags": list(page.tags.all()),
        "directory_url": url.rstrip("/").rsplit("/", 1)[0] + "/" if url else "/stakeholders/",
    }


# --- creating pages -----------------------------------------------------------------------
def unique_slug(title, taken):
    """A slug for `title` not in `taken` (a set, updated)."""
    base = slugify(title, allow_unicode=True)[:70] or "stakeholder"
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def stakeholder_index():
    from stakeholders.models import StakeholderIndexPage

    return StakeholderIndexPage.objects.first()


@transaction.atomic
def create_draft_stakeholder(name, kind, owner=None):
    """A new stakeholder page, not published (a partner applied for it)."""
    parent = stakeholder_index()
    taken = set(StakeholderPage.objects.child_of(parent).values_list("slug", flat=True))
    page = StakeholderPage(
        title=name.strip()[:255],
        slug=unique_slug(name, taken),
        kind=kind,
        live=False,
        owner=owner,
        joined=dt.date.today(),
    )
    parent.add_child(instance=page)
    page.save_revision(user=owner)
    return page
