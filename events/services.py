"""Rules for events that other parts of the site read."""

from django.utils import timezone


def upcoming_events(limit=None):
    """Published events that have not ended yet, soonest first."""
    from events.models import EventPage

    events = (
        EventPage.objects.live()
        .filter(end__gte=timezone.now())
        .prefetch_related("goals")
        .order_by("start")
    )
    return list(events[:limit] if limit else events)
