"""The stakeholder directory: filtering, counting and paging, in a fixed number of queries."""

from django.core.paginator import Paginator

from openlab import sdgs
from stakeholders.models import StakeholderKind, StakeholderPage

PAGE_SIZE = 24


def _clean_goal_numbers(values):
    """The valid goal numbers among `values`; junk (?sdg=abc, ?sdg=99) is ignored."""
    return sorted({int(v) for v in values if v.strip().isdigit() and sdgs.is_goal_number(v)})


def _clean_page_number(value):
    return int(value) if value.isdigit() and int(value) > 0 else 1


def parse_filters(query):
    kinds = {choice.value for choice in StakeholderKind}
    return {
        "goals": _clean_goal_numbers(query.getlist("sdg")),
        "kind": query.get("kind") if query.get("kind") in kinds else "",
        "q": query.get("q", "").strip()[:200],
    }


def filter_stakeholders(queryset, filters):
    for number in filters["goals"]:
        queryset = queryset.filter(goals=number)
    if filters["kind"]:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["q"]:
        queryset = queryset.filter(title__icontains=filters["q"])
    return queryset


def directory_context(index_page, request):
    filters = parse_filters(request.GET)
    stakeholders = filter_stakeholders(
        StakeholderPage.objects.live().child_of(index_page), filters
    ).order_by("title")
    paginator = Paginator(stakeholders, PAGE_SIZE)
    page = paginator.get_page(_clean_page_number(request.GET.get("page", "1")))
    page.object_list = list(page.object_list.prefetch_related("goals"))
    return {
        "filters": filters,
        "stakeholders": page,
        "kinds": StakeholderKind.choices,
        "goals": sdgs.GOALS,
    }
