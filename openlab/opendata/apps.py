from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "openlab.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"

    def ready(self):
        from openlab.opendata import api

        api.declare_api_fields()
