from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "イベント"

    def ready(self):
        from wagtail.signals import page_published

        from events.signals import event_published

        page_published.connect(event_published, dispatch_uid="events_sync_occurrences")
