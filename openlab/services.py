"""Read-side rules of the public pages that span apps: the home page and the SDG hub.

Every function here runs a fixed number of queries, whatever the amount of
data: lists are bounded or prefetched, never walked row by row.
"""

from openlab import sdgs

HOME_LIST_SIZE = 6


def home_page_sections():
    from events.services import upcoming_events
    from projects.models import ProjectPage, ReportPage

    return {
        "goals": sdgs.GOALS,
        "upcoming_events": upcoming_events(limit=HOME_LIST_SIZE),
        "newest_projects": list(
            ProjectPage.objects.live()
            .select_related("lead")
            .prefetch_related("goals")
            .order_by("-first_published_at")[:HOME_LIST_SIZE]
        ),
        "newest_reports": list(
            ReportPage.objects.live()
            .prefetch_related("goals")
            .order_by("-date", "-pk")[:HOME_LIST_SIZE]
        ),
    }


GOAL_SECTION_SIZE = 12


def goal_page_sections(goal):
    """What is tagged with `goal`, grouped by type, for /sdgs/<n>/.

    Each group shows its first GOAL_SECTION_SIZE items and its total; the full
    list is one link away in the filtered listing of that type.
    """
    from events.services import upcoming_events, upcoming_occurrences
    from projects.models import ProjectPage, ReportPage
    from stakeholders.models import NAME_ORDER, StakeholderPage

    def section(queryset):
        queryset = queryset.filter(goals=goal.number)
        return {
            "items": list(queryset.prefetch_related("goals")[:GOAL_SECTION_SIZE]),
            "total": queryset.count(),
        }

    return {
        "stakeholders": section(StakeholderPage.objects.live().order_by(*NAME_ORDER)),
        "projects": section(
            ProjectPage.objects.live().select_related("lead").order_by("-first_published_at")
        ),
        # By occurrence, as on the home page and in /events/?sdg=n: a recurring event
        # shows its next dates.
        "events": {
            "items": upcoming_events(limit=GOAL_SECTION_SIZE, goal=goal.number),
            "total": upcoming_occurrences(goal=goal.number).count(),
        },
        "reports": section(ReportPage.objects.live().order_by("-date")),
    }
