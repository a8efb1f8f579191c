from django.apps import AppConfig


class OpenLabConfig(AppConfig):
    name = "openlab"
    verbose_name = "OpenLab"

    def ready(self):
        from openlab import page_cache

        page_cache.connect_invalidation_signals()
