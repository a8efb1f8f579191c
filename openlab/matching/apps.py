from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "openlab.matching"
    label = "matching"
    verbose_name = "マッチング"

    def ready(self):
        from openlab.matching import tasks

        tasks.connect_signals()
