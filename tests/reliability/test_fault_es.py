"""Fault: Elasticsearch stops while pages are published and searched, then comes back.

The design (search/README.md): publishing never waits for search; it enqueues an index task
that writes the database index first and then Elasticsearch, and raises when Elasticsearch
fails, so the ORM broker keeps the task and delivers it again. A search whose Elasticsearch
call fails is answered by the database with a notice. `search_index repair` (also nightly)
brings the index back to what the pages say.

A private Elasticsearch node of this test is killed and started again on the same data; the
site is a real uvicorn process and the tasks run in a real `qcluster`, both on the test
database (PostgreSQL).
"""

import io
import json
import uuid
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django_q.models import OrmQ, Task
from wagtail.models import Page

from search import backend as backend_module
from search.backend import DatabaseSearchBackend, ElasticsearchSearchBackend
from search.models import SearchEntry
from tests.factories import StakeholderFactory
from tests.reliability.services import (
    PrivateElasticsearch,
    QCluster,
    Server,
    current_database_url,
    http_get,
    require_postgres_test_database,
    wait_until,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.elasticsearch,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

WORD = "フォールト試験"
FALLBACK_NOTICE = "現在は簡易検索で表示しています。結果が一部不完全な場合があります。"
INDEX_TASK = "search.tasks.index_page"


def publishing_during_the_fault(withdrawn_id):
    """Code for `manage.py shell` in the worker's settings (tasks queued, not run inline):
    publishes three pages, unpublishes one, prints the new pages' ids. Slugs are given: the
    factories' sequences start again in that process."""
    return f"""
import json
from wagtail.models import Page
from tests.factories import EventFactory, ProjectFactory, StakeholderFactory
published = [
    StakeholderFactory(
        title="停止中に公開した団体", summary="{WORD}に参加します。", slug="fault-s"
    ),
    ProjectFactory(
        title="停止中に公開したプロジェクト", summary="{WORD}の実証実験。", slug="fault-p"
    ),
    EventFactory(
        title="停止中に公開したイベント", summary="{WORD}の説明会。", slug="fault-e"
    ),
]
Page.objects.get(pk={withdrawn_id}).specific.unpublish()
print(json.dumps([page.pk for page in published]))
"""


@pytest.fixture
def private_es():
    require_postgres_test_database()  # before spending half a minute on starting a node
    node = PrivateElasticsearch()
    try:
        yield node.start()
    finally:
        node.cleanup()


def queued_index_tasks():
    """{page id: task id} of the index updates waiting in the queue."""
    return {q.args()[0]: q.task_id() for q in OrmQ.objects.all() if q.func() == INDEX_TASK}


def results_of(task_ids):
    """{page id: Task} of the runs of those tasks that have a saved result."""
    return {task.args[0]: task for task in Task.objects.filter(id__in=task_ids)}


def search_api(site, query=WORD):
    status, body = http_get(f"{site.origin}/api/search/?{urlencode({'q': query})}")
    assert status == 200, body[:500]
    return json.loads(body)


def test_publishing_and_search_survive_elasticsearch_going_down(
    site_tree, private_es, settings, tmp_path
):
    prefix = f"fault_{uuid.uuid4().hex[:10]}"
    settings.ELASTICSEARCH_URL = private_es.url
    settings.SEARCH_INDEX_PREFIX = prefix
    backend_module.reset_breaker()
    es = ElasticsearchSearchBackend(private_es.url, prefix=prefix, timeout=10)
    services_env = {
        "ELASTICSEARCH_URL": private_es.url,
        "TEST_SEARCH_INDEX_PREFIX": prefix,
        "OPENLAB_PAGE_CACHE": "0",
    }

    # Before the fault: published and indexed (tests run the index task inline).
    kept = StakeholderFactory(title="前から載っている団体", summary=f"{WORD}の団体です。")
    withdrawn = StakeholderFactory(title="あとで非公開にする団体", summary=f"{WORD}の団体です。")
    es.refresh()
    assert set(es.stored_hashes()) == {kept.pk, withdrawn.pk}

    url = current_database_url()
    site = Server(url, extra_env=services_env, log_path=tmp_path / "uvicorn.log")
    cluster = QCluster(tmp_path / "q", url, timeout=20, retry=25, workers=2, extra_env=services_env)
    try:
        private_es.stop()  # Elasticsearch dies

        # Publishing, in a process of the site's own whose tasks go through the queue as in
        # production, succeeds.
        published_ids = json.loads(cluster.run_in_site(publishing_during_the_fault(withdrawn.pk)))
        published = [Page.objects.get(pk=pk).specific for pk in published_ids]
        live = dict(Page.objects.filter(pk__in=[kept.pk, withdrawn.pk]).values_list("pk", "live"))
        assert live == {kept.pk: True, withdrawn.pk: False}
        assert all(Page.objects.get(pk=page.pk).live for page in published)
        changed = {page.pk for page in published} | {withdrawn.pk}
        queued = queued_index_tasks()
        assert set(queued) == changed  # each change queued its index update

        site.start()
        cluster.start()
        # The worker runs each index update: the database index is written, Elasticsearch
        # fails, the task fails and stays queued for another delivery.
        assert wait_until(lambda: len(results_of(queued.values())) == len(queued), 120), (
            cluster.log_tail()
        )
        cluster.stop()
        for page_id, task in results_of(queued.values()).items():
            assert not task.success and "Connection" in str(task.result), (page_id, task.result)
        assert queued_index_tasks() == queued  # not acknowledged: will be delivered again
        assert set(SearchEntry.objects.values_list("page_id", flat=True)) == {
            kept.pk,
            *(page.pk for page in published),
        }

        # Searching: the database answers; no error page. Citizens are not told which
        # engine answered (facilitators are, tests/search/test_faults.py); the API says so.
        status, html = http_get(f"{site.origin}/search/?{urlencode({'q': WORD})}")
        assert status == 200, html[:500]
        assert FALLBACK_NOTICE not in html
        for page in [kept, *published]:
            assert page.title in html
        assert withdrawn.title not in html
        data = search_api(site)
        assert data["degraded"] is True and data["backend"] == "database"
        assert FALLBACK_NOTICE in data["notices"]
        assert {hit["id"] for hit in data["results"]} == {kept.pk, *(p.pk for p in published)}

        private_es.start()  # Elasticsearch is back, with the index as it was before the fault
        backend_module.reset_breaker()
        out = io.StringIO()
        call_command("search_index", "repair", "--backend", "elasticsearch", stdout=out)
        assert "missing 3, stale 0, extra 1; fixed 4" in out.getvalue(), out.getvalue()

        # The queued index updates are delivered again and now succeed (idempotent).
        cluster.start()
        assert wait_until(
            lambda: (
                not queued_index_tasks()
                and all(task.success for task in results_of(queued.values()).values())
            ),
            120,
        ), cluster.log_tail()
        for task in results_of(queued.values()).values():
            assert task.attempt_count == 2, (task.args, task.attempt_count)

        # The index holds exactly what the pages say: the database index's truth.
        es.refresh()
        assert es.stored_hashes() == DatabaseSearchBackend().stored_hashes()
        assert set(es.stored_hashes()) == {kept.pk, *(page.pk for page in published)}
        # The site answers from Elasticsearch again (once its short breaker closes).
        assert wait_until(lambda: search_api(site)["degraded"] is False, 60), site.log_tail()
        data = search_api(site)
        assert data["backend"] == "elasticsearch" and not data["notices"]
        assert {hit["id"] for hit in data["results"]} == {kept.pk, *(p.pk for p in published)}
    finally:
        cluster.stop()
        site.stop()
