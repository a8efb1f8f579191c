"""The one place that decides which search backend answers.

Elasticsearch when ELASTICSEARCH_URL is set and it answers; the database
otherwise. Domain apps call `get_search_backend()` (or search.services) and
never import Elasticsearch themselves.

Both backends offer the same interface:

    name, is_available(), search(params) -> SearchResults,
    upsert(sources), delete(page_ids), stored_hashes() -> {page_id: hash},
    rebuild(sources_iterable, progress=None) -> count

The database backend's table is always kept up to date (it is the fallback),
Elasticsearch in addition when it is configured.
"""

import logging
import queue
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)


class SearchUnavailable(Exception):
    """The backend did not answer (down, timed out, or refused the request)."""


class DatabaseSearchBackend:
    name = "database"

    def is_available(self):
        return True

    def search(self, params):
        from search import database

        return database.search(params)

    def upsert(self, sources):
        from search import database

        sources = list(sources)
        if len(sources) == 1:
            database.upsert(sources[0])
        elif sources:
            database.bulk_upsert(sources)
        return len(sources)

    def delete(self, page_ids):
        from search import database

        return database.delete(page_ids)

    def stored_hashes(self):
        from search import database

        return database.stored_hashes()

    def rebuild(self, sources, progress=None, chunk=500):
        from search import database
        from search.models import SearchEntry

        count, seen, batch = 0, [], []
        for source in sources:
            batch.append(source)
            seen.append(source["page_id"])
            if len(batch) >= chunk:
                database.bulk_upsert(batch)
                count += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            database.bulk_upsert(batch)
            count += len(batch)
            if progress:
                progress(len(batch))
        SearchEntry.objects.exclude(page_id__in=seen).delete()
        return count


def _index_in_background(client, actions, chunk, progress=None, senders=2):
    """Send `actions` to Elasticsearch from `senders` threads (so many bulk requests in
    flight), fed through a small queue: this thread goes on reading pages and building
    documents (the database connection is this thread's). Returns how many were indexed.

    The first error stops everyone: the senders stop taking documents, this thread stops
    reading pages, and the error is raised here."""
    from elasticsearch.helpers import streaming_bulk

    feed, end = queue.Queue(maxsize=2 * chunk), object()
    failed = threading.Event()
    lock = threading.Lock()
    outcome = {"count": 0}

    def documents():
        while not failed.is_set():
            try:
                action = feed.get(timeout=0.1)
            except queue.Empty:
                continue
            if action is end:
                feed.put_nowait(end)  # for the other senders; the reader puts nothing more
                return
            yield action

    def send():
        try:
            for _ok, _item in streaming_bulk(
                client, documents(), chunk_size=chunk, raise_on_error=True
            ):
                with lock:
                    outcome["count"] += 1
                    if progress:
                        progress(1)
        except BaseException as error:  # noqa: BLE001 - handed to the reading thread
            with lock:
                outcome.setdefault("error", error)
            failed.set()

    def hand_over(item):
        """Queue `item` unless a sender failed meanwhile (then nobody would take it)."""
        while not failed.is_set():
            try:
                feed.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    threads = [
        threading.Thread(target=send, name=f"search-rebuild-{n}", daemon=True)
        for n in range(senders)
    ]
    for thread in threads:
        thread.start()
    try:
        for action in actions:
            if not hand_over(action):
                break  # Elasticsearch refused: reading the remaining pages would be wasted
    finally:
        hand_over(end)
        for thread in threads:
            thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["count"]


# A failed Elasticsearch call makes the process skip it for a short while, so a
# dead cluster costs one timeout, not one per request.
_BREAKER = {"until": 0.0}
_BREAKER_LOCK = threading.Lock()
BREAKER_SECONDS = 10.0


def _trip():
    with _BREAKER_LOCK:
        _BREAKER["until"] = time.monotonic() + BREAKER_SECONDS


def reset_breaker():
    with _BREAKER_LOCK:
        _BREAKER["until"] = 0.0


def breaker_open():
    return time.monotonic() < _BREAKER["until"]


_CLIENTS = {}


def _client(url, timeout):
    """One (thread-safe, pooled) client per URL and timeout in each process."""
    key = (url, float(timeout))
    client = _CLIENTS.get(key)
    if client is None:
        from elasticsearch import Elasticsearch

        client = Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        _CLIENTS[key] = client
    return client


class ElasticsearchSearchBackend:
    name = "elasticsearch"

    def __init__(self, url, prefix=None, timeout=None):
        self.url = url
        self.prefix = prefix or settings.SEARCH_INDEX_PREFIX
        self.timeout = timeout if timeout is not None else settings.ELASTICSEARCH_TIMEOUT

    @property
    def alias(self):
        from search.documents import alias_name

        return alias_name(self.prefix)

    def client(self, timeout=None):
        return _client(self.url, timeout or self.timeout)

    def is_available(self):
        # cluster.health rather than ping(): the Elasticsearch build CI gets from
        # Maven Central (integ-test-zip) answers 405 to `HEAD /`.
        try:
            return self.client().cluster.health()["status"] in ("green", "yellow")
        except Exception:
            return False

    # --- reading ------------------------------------------------------------------
    def search(self, params):
        from elasticsearch import ApiError, TransportError
        from elasticsearch_dsl import Search

        from search.queries import build_search, parse_response

        if breaker_open():
            raise SearchUnavailable("Elasticsearch failed recently; using the database")
        search = build_search(Search(using=self.client(), index=self.alias), params)
        try:
            response = search.execute()
        except (TransportError, ApiError, OSError) as error:
            _trip()
            raise SearchUnavailable(str(error)[:200]) from error
        return parse_response(response, params, self.name)

    def stored_hashes(self):
        from elasticsearch.helpers import scan

        client = self.client(timeout=30)
        if not client.indices.exists_alias(name=self.alias):
            return {}
        return {
            int(hit["_id"]): hit["_source"].get("content_hash")
            for hit in scan(
                client, index=self.alias, query={"_source": ["content_hash"]}, size=1000
            )
        }

    # --- writing ------------------------------------------------------------------
    def ensure_index(self, client=None):
        """Create an empty versioned index behind the alias if there is none."""
        client = client or self.client(timeout=30)
        if client.indices.exists_alias(name=self.alias):
            return self.alias
        if client.indices.exists(index=self.alias):
            # A plain index squatting the alias name (an old layout): replace it.
            client.indices.delete(index=self.alias)
        name = self._create_index(client)
        client.indices.put_alias(index=name, name=self.alias)
        return name

    def _create_index(self, client, bulk_loading=False):
        from elasticsearch_dsl import Index

        from search.documents import INDEX_SETTINGS, PageDocument, new_index_name

        name = new_index_name(self.prefix)
        index = Index(name)
        index.document(PageDocument)
        index_settings = dict(INDEX_SETTINGS)
        if bulk_loading:
            index_settings["refresh_interval"] = "-1"
        index.settings(**index_settings)
        index.create(using=client)
        return name

    def _actions(self, sources, index):
        from search.documents import bulk_action

        for source in sources:
            yield bulk_action(source, index)

    def upsert(self, sources, refresh=False):
        from elasticsearch.helpers import bulk

        sources = list(sources)
        if not sources:
            return 0
        client = self.client(timeout=max(self.timeout, 10))
        self.ensure_index(client)
        count, errors = bulk(
            client, self._actions(sources, self.alias), refresh=refresh, raise_on_error=True
        )
        return count

    def delete(self, page_ids, refresh=False):
        from elasticsearch.helpers import bulk

        page_ids = list(page_ids)
        if not page_ids:
            return 0
        client = self.client(timeout=max(self.timeout, 10))
        if not client.indices.exists_alias(name=self.alias):
            return 0
        actions = (
            {"_op_type": "delete", "_index": self.alias, "_id": page_id} for page_id in page_ids
        )
        count, errors = bulk(client, actions, refresh=refresh, raise_on_error=False)
        return count

    def rebuild(self, sources, progress=None, chunk=500):
        """Write every document into a new versioned index, then swap the alias.

        Searches keep hitting the old index until the swap, which is atomic.
        """
        client = self.client(timeout=120)
        name = self._create_index(client, bulk_loading=True)
        try:
            count = _index_in_background(client, self._actions(sources, name), chunk, progress)
            client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
            client.indices.refresh(index=name)
            self._swap_alias(client, name)
        except BaseException:
            client.indices.delete(index=name, ignore_unavailable=True)
            raise
        return count

    def _swap_alias(self, client, name):
        old = []
        if client.indices.exists_alias(name=self.alias):
            old = list(client.indices.get_alias(name=self.alias))
        elif client.indices.exists(index=self.alias):
            client.indices.delete(index=self.alias)
        actions = [{"add": {"index": name, "alias": self.alias}}]
        actions += [{"remove": {"index": index, "alias": self.alias}} for index in old]
        client.indices.update_aliases(actions=actions)
        for index in old:
            if index != name:
                client.indices.delete(index=index, ignore_unavailable=True)

    def refresh(self):
        client = self.client(timeout=30)
        if client.indices.exists_alias(name=self.alias):
            client.indices.refresh(index=self.alias)

    def drop(self):
        """Delete every index of this prefix (tests and benchmarks clean up with it)."""
        client = self.client(timeout=30)
        # Named one by one: Elasticsearch 8 refuses wildcard deletes by default.
        names = client.indices.get(index=f"{self.alias}*", allow_no_indices=True)
        for name in names:
            client.indices.delete(index=name, ignore_unavailable=True)


def get_search_backend():
    if settings.ELASTICSEARCH_URL:
        return ElasticsearchSearchBackend(settings.ELASTICSEARCH_URL)
    return DatabaseSearchBackend()


def get_write_backends():
    """Every backend an index update goes to: the database always, then Elasticsearch."""
    backends = [DatabaseSearchBackend()]
    if settings.ELASTICSEARCH_URL:
        backends.append(ElasticsearchSearchBackend(settings.ELASTICSEARCH_URL))
    return backends
