"""Search: bulk indexing, faceted queries and the database fallback.

Runs against the Elasticsearch named by ELASTICSEARCH_URL (default
http://127.0.0.1:9200) with a bench-only index prefix (``bench_<random>``),
deleted at the end. Figures, each beside a baseline from the same run:

* ``bulk index docs/s``: N generated documents (BENCH_SEARCH_DOCS, default
  100,000) through our code (``PageDocument`` + ``ElasticsearchSearchBackend.rebuild``:
  new versioned index, streaming bulk, alias swap) vs a raw
  ``elasticsearch.helpers.bulk`` of the very same final documents into an index
  with the same mapping. Target ratio >= 0.7.
* ``faceted query p50/p95``: a two-word query with a goal filter, five facets
  and highlighting, through ``backend.search`` (build, execute, parse, snippet)
  vs the same request body sent raw with ``client.search``.
* ``database fallback p95``: the same search on the database backend at
  BENCH_SEARCH_DB_DOCS (default 10,000) entries, vs a trivial SQL query.
  The entries are written inside a transaction that is rolled back.
* ``text analysis docs/s``: building the documents (normalisation, Sudachi words
  and readings) for information, vs the raw bulk rate.
"""

from __future__ import annotations

import json
import os
import subprocess

from bench.harness import Figure, Harness, log

DESCRIPTION = "search: bulk indexing vs raw bulk, faceted query vs raw, database fallback p95"
SCENARIO = "search"

WORKER = "import django; django.setup(); from bench.scenarios.search import worker; worker()"

PHRASES = [
    "子育て支援の輪を広げる",
    "公共交通の経路検索サービスを試す",
    "八国山緑地の自然を守る",
    "フードロス削減のマルシェを開く",
    "再生可能エネルギーを学校に",
    "こども食堂のボランティアを募集",
    "高齢者の見守りと地域のつながり",
    "ごみの減量とリサイクルを進める",
    "ＳＤＧｓの研修と出前授業",
    "北山公園の生きもの調査",
    "空き家を活かした居場所づくり",
    "多文化共生の日本語教室",
]
TOWNS = ["honcho", "kumegawa", "akitsu", "aoba", "onta", "hagiyama", "sakae", "fujimi"]
TYPES = ["stakeholder", "project", "event", "report"]


def _sources(count, seed=7):
    """`count` source documents of realistic Japanese text (search/documents.py shape)."""
    import datetime as dt
    import random

    from search import japanese
    from search.documents import content_hash

    rng = random.Random(seed)
    base = dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    # Analysis of the distinct phrase combinations is cached: the bench measures
    # indexing, not Sudachi (reported separately).
    cache = {}
    for i in range(count):
        kind = TYPES[i % 4]
        picks = tuple(sorted(rng.sample(range(len(PHRASES)), 3)))
        if picks not in cache:
            texts = [PHRASES[p] for p in picks]
            joined = " ".join(texts)
            cache[picks] = (
                [run for text in texts for run in japanese.runs(text)],
                japanese.reading_runs(joined),
                japanese.words(joined),
            )
        text_runs, reading_runs, words = cache[picks]
        title = f"{PHRASES[picks[0]]} {i}"
        start = base + dt.timedelta(hours=i)
        source = {
            "page_id": i + 1,
            "type": kind,
            "title": title,
            "url": f"/bench/{i}/",
            "summary": PHRASES[picks[1]],
            "body": "。".join(PHRASES[p] for p in picks) * 3,
            "goals": sorted(rng.sample(range(1, 18), 3)),
            "towns": [rng.choice(TOWNS)],
            "tags": [],
            "date": start.date().isoformat(),
            "event_start": start.isoformat() if kind == "event" else None,
            "event_end": (start + dt.timedelta(hours=2)).isoformat() if kind == "event" else None,
            "kind": "npo" if kind == "stakeholder" else "",
            "title_runs": japanese.runs(title),
            "text_runs": [*japanese.runs(title), *text_runs],
            "reading_runs": reading_runs,
            "words": words,
        }
        source["content_hash"] = content_hash(source)
        yield source


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _time(fn, repeat):
    import time

    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def worker():  # runs inside Django (see WORKER)
    import time
    import uuid

    from django.db import connection, transaction
    from elasticsearch.helpers import bulk

    from search import database
    from search.backend import ElasticsearchSearchBackend
    from search.documents import INDEX_SETTINGS, PageDocument
    from search.models import SearchEntry
    from search.queries import SearchParams, build_search

    docs = int(os.environ.get("BENCH_SEARCH_DOCS", "100000"))
    db_docs = int(os.environ.get("BENCH_SEARCH_DB_DOCS", "10000"))
    repeat = int(os.environ.get("BENCH_SEARCH_QUERIES", "200"))
    url = os.environ.get("ELASTICSEARCH_URL") or "http://127.0.0.1:9200"
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    out = {"docs": docs, "db_docs": db_docs}
    backend = ElasticsearchSearchBackend(url, prefix=prefix, timeout=30)
    client = backend.client(timeout=120)
    try:
        started = time.perf_counter()
        sources = list(_sources(docs))
        out["analysis_docs_per_s"] = docs / (time.perf_counter() - started)

        # Raw baseline first: the final documents, prebuilt, into an identical mapping.
        raw_index = f"{prefix}_raw"
        from elasticsearch_dsl import Index

        index = Index(raw_index)
        index.document(PageDocument)
        index.settings(**INDEX_SETTINGS, refresh_interval="-1")
        index.create(using=client)
        actions = [PageDocument.from_source(s, index=raw_index).to_dict(True) for s in sources]
        started = time.perf_counter()
        bulk(client, actions, chunk_size=500, refresh=False)
        client.indices.put_settings(index=raw_index, settings={"refresh_interval": "1s"})
        client.indices.refresh(index=raw_index)
        out["raw_bulk_docs_per_s"] = docs / (time.perf_counter() - started)
        client.indices.delete(index=raw_index)
        del actions

        started = time.perf_counter()
        count = backend.rebuild(iter(sources))
        out["ours_bulk_docs_per_s"] = count / (time.perf_counter() - started)

        params = SearchParams(q="子育て 支援", goals=[3, 4], sort="relevance")
        backend.search(params)
        ours = _time(lambda: backend.search(params), repeat)
        body = build_search(
            __import__("elasticsearch_dsl").Search(using=client, index=backend.alias), params
        ).to_dict()
        raw = _time(lambda: client.search(index=backend.alias, body=body), repeat)
        out["query_total"] = backend.search(params).total
        out["ours_p50"], out["ours_p95"] = _percentile(ours, 50), _percentile(ours, 95)
        out["raw_p50"], out["raw_p95"] = _percentile(raw, 50), _percentile(raw, 95)

        # Database fallback at db_docs entries, rolled back afterwards.
        with transaction.atomic():
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA defer_foreign_keys = ON")
            SearchEntry.objects.all().delete()
            database.bulk_upsert(sources[:db_docs])
            db = _time(lambda: database.search(params), max(20, repeat // 4))
            trivial = _time(lambda: SearchEntry.objects.filter(pk=1).exists(), 50)
            out["db_total"] = database.search(params).total
            out["db_p95"], out["db_p50"] = _percentile(db, 95), _percentile(db, 50)
            out["trivial_sql_p95"] = _percentile(trivial, 95)
            transaction.set_rollback(True)
    finally:
        backend.drop()
        client.indices.delete(index=f"{prefix}_raw", ignore_unavailable=True)
    print("BENCHJSON " + json.dumps(out))


def run(h: Harness) -> list[Figure]:
    h.prepare_db()
    env = h.env(ELASTICSEARCH_URL=os.environ.get("ELASTICSEARCH_URL") or "http://127.0.0.1:9200")
    log("search: generating and indexing documents (this takes a few minutes at 100,000)")
    proc = subprocess.run(
        [h.python, "-c", WORKER], cwd=h.root, env=env, capture_output=True, text=True,
        timeout=3000,
    )  # fmt: skip
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"search bench failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    r = json.loads(line[len("BENCHJSON ") :])
    n, dbn = r["docs"], r["db_docs"]
    f = h.figure
    return [
        f(SCENARIO, f"bulk index {n} docs (ours)", r["ours_bulk_docs_per_s"], "docs/s",
          "raw helpers.bulk", r["raw_bulk_docs_per_s"], target=0.7),
        f(SCENARIO, f"faceted query p50 at {n} docs (ours)", r["ours_p50"], "ms",
          "same body raw", r["raw_p50"], hits=r["query_total"]),
        f(SCENARIO, f"faceted query p95 at {n} docs (ours)", r["ours_p95"], "ms",
          "same body raw", r["raw_p95"], hits=r["query_total"]),
        f(SCENARIO, f"database fallback p95 at {dbn} docs", r["db_p95"], "ms",
          "trivial SQL p95", r["trivial_sql_p95"], hits=r["db_total"]),
        f(SCENARIO, f"database fallback p95 at {dbn} docs vs ES", r["db_p95"], "ms",
          f"ES faceted p95 at {n}", r["ours_p95"]),
        f(SCENARIO, "text analysis (Sudachi, readings) docs/s", r["analysis_docs_per_s"],
          "docs/s", "raw helpers.bulk", r["raw_bulk_docs_per_s"]),
    ]  # fmt: skip
