from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "検索"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from search import signals

        signals.connect()
