"""Read-side rules of the public pages that span apps: the home page and the SDG hub.

Every function here runs a fixed number of queries, whatever the amount of
data: lists are bounded or prefetched, never walked row by row.
"""

from django.utils import timezone

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


def goal_page_sections(goal):
    """Everything tagged with `goal`, grouped by type, for /sdgs/<n>/."""
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage
    from stakeholders.models import StakeholderPage

    def tagged(model):
        return model.objects.live().filter(goals=goal.number).prefetch_related("goals")

    return {
        "stakeholders": list(tagged(StakeholderPage).order_by("title")),
        "projects": list(
            tagged(ProjectPage).select_related("lead").order_by("-first_published_at")
        ),
        "events": list(tagged(EventPage).filter(end__gte=timezone.now()).order_by("start")),
        "reports": list(tagged(ReportPage).order_by("-date")),
    }
