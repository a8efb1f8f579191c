"""Publishing an event enqueues the regeneration of its occurrences (never blocks a save)."""

from django_q.tasks import async_task


def event_published(sender, instance, **kwargs):
    from events.models import EventPage

    if isinstance(instance, EventPage) or getattr(sender, "__name__", "") == "EventPage":
        async_task("events.tasks.sync_occurrences", instance.pk)
