"""The one place that decides which search backend answers.

Elasticsearch when ELASTICSEARCH_URL is set and it answers; the database
otherwise. Domain apps call `get_search_backend()` and never import
Elasticsearch themselves.
"""

from django.conf import settings


class DatabaseSearchBackend:
    name = "database"

    def is_available(self):
        return True


class ElasticsearchSearchBackend:
    name = "elasticsearch"

    def __init__(self, url):
        self.url = url

    def client(self):
        from elasticsearch import Elasticsearch

        return Elasticsearch(self.url, request_timeout=settings.ELASTICSEARCH_TIMEOUT)

    def is_available(self):
        # cluster.health rather than ping(): the Elasticsearch build CI gets from
        # Maven Central (integ-test-zip) answers 405 to `HEAD /`.
        try:
            return self.client().cluster.health()["status"] in ("green", "yellow")
        except Exception:
            return False


def get_search_backend():
    if settings.ELASTICSEARCH_URL:
        return ElasticsearchSearchBackend(settings.ELASTICSEARCH_URL)
    return DatabaseSearchBackend()
