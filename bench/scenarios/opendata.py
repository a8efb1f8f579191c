"""Open data export and dashboard: /opendata/stakeholders.csv with 10,000 stakeholders.

Runs in a separate process against its own SQLite database
(``var/bench-opendata.sqlite3``, rebuilt each run with bulk-created pages), through
Django's test client so the whole view runs (middleware, streaming response):

* time of the full CSV download, beside the floor of a bare ``values_list`` →
  ``csv.writer`` of the same 10,000 rows (no relations, no URLs);
* peak memory (tracemalloc, Python allocations) of the download at 10,000
  rows, beside the same export limited to the first 1,000 rows: a ratio near 1
  means memory stays flat as the data grows;
* the SQL queries of ``/dashboard/`` at 10,000 stakeholders beside the count at
  100 (the same number means constant).
"""

from __future__ import annotations

import json
import os
import subprocess

from bench.harness import Figure, Harness, log

DESCRIPTION = "/opendata/stakeholders.csv at 10,000 stakeholders (time, memory); /dashboard/ sql"
SCENARIO = "opendata"
ROWS = int(os.environ.get("BENCH_OPENDATA_ROWS", "10000"))

_SNIPPET = r"""
import csv, io, json, os, random, time, tracemalloc
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.scenarios._fastpages import bulk_pages, random_goals
from openlab.models import Town
from openlab.opendata import datasets, export
from openlab.setup import ensure_site_structure
from stakeholders.models import OfferNeedTerm, StakeholderPage

target = int(os.environ["BENCH_ROWS"])
sections = ensure_site_structure()
rng = random.Random(9)
towns = list(Town.objects.values_list("pk", flat=True))
terms = [OfferNeedTerm.objects.get_or_create(slug=f"term{i}", defaults={"name": f"項目{i}"})[0].pk
         for i in range(8)]
kinds = ["city", "company", "npo", "school", "university", "citizen", "ambassador"]


def grow(n):
    have = StakeholderPage.objects.count()
    if have >= n:
        return
    bulk_pages(
        StakeholderPage, sections["stakeholders"], n - have,
        fields=lambda i: {"title": f"ベンチ団体{have + i}", "kind": kinds[i % 7],
                          "summary": "東村山で活動しています。" * 3, "website": "https://example.jp/",
                          "email": f"b{have + i}@example.jp", "email_public": i % 2 == 0,
                          "description": "[]"},
        relations=lambda i: {"goals": random_goals(rng), "towns": [rng.choice(towns)],
                             "offers": rng.sample(terms, 2), "needs": rng.sample(terms, 1)},
    )


def dashboard_queries():
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/dashboard/")
    from django.core.cache import cache
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        status = client.get("/dashboard/").status_code
    assert status == 200, status
    return len(ctx.captured_queries)


out = {}
grow(100)
out["dashboard_small"] = dashboard_queries()
out["small_rows"] = StakeholderPage.objects.live().count()
grow(target)
out["rows"] = StakeholderPage.objects.live().count()
out["dashboard_large"] = dashboard_queries()

client = Client(HTTP_HOST="127.0.0.1")
t0 = time.perf_counter()
response = client.get("/opendata/stakeholders.csv")
size = sum(len(chunk) for chunk in response.streaming_content)
out["export_seconds"] = time.perf_counter() - t0
out["export_bytes"] = size

t0 = time.perf_counter()
buf = io.StringIO()
writer = csv.writer(buf)
for row in StakeholderPage.objects.live().order_by("pk").values_list(
        "pk", "title", "kind", "summary", "website", "email").iterator(chunk_size=500):
    writer.writerow(row)
out["floor_seconds"] = time.perf_counter() - t0

tracemalloc.start()
response = client.get("/opendata/stakeholders.csv")
for chunk in response.streaming_content:
    pass
out["peak_full_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()

first = list(StakeholderPage.objects.live().order_by("pk").values_list("pk", flat=True)[:1000])
tracemalloc.start()
rows = datasets.stakeholder_rows(datasets.PageUrls("http://127.0.0.1"),
                                 StakeholderPage.objects.live().filter(pk__lte=first[-1]))
for chunk in export.csv_chunks(datasets.STAKEHOLDERS, rows):
    pass
out["peak_1000_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
print("BENCHJSON " + json.dumps(out))
"""


def _snippet(h: Harness, code: str, **env: str) -> subprocess.CompletedProcess:
    """Like Harness.python_snippet, with a longer time bound (the data set is large)."""
    return subprocess.run(
        [h.python, "-c", "import django; django.setup()\n" + code],
        cwd=h.root,
        env=h.env(**env),
        capture_output=True,
        text=True,
        timeout=int(os.environ.get("BENCH_SNIPPET_TIMEOUT", "1800")),
    )


def run(h: Harness) -> list[Figure]:
    db = h.root / "var" / "bench-opendata.sqlite3"
    for suffix in ("", "-wal", "-shm"):  # rebuilt each run: the dashboard is counted at 2 sizes
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    database_url = f"sqlite:///{db}"
    h.manage("migrate", "--noinput", DATABASE_URL=database_url)
    log(f"opendata: building {ROWS} stakeholders and measuring the export")
    proc = _snippet(
        h, _SNIPPET, DATABASE_URL=database_url, BENCH_ROWS=str(ROWS), OPENLAB_PAGE_CACHE="1"
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(
            f"opendata snippet failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        )
    r = json.loads(line[len("BENCHJSON ") :])
    rows = r["rows"]
    return [
        h.figure(SCENARIO, f"stakeholders.csv time ({rows} rows)", r["export_seconds"], "s",
                 "values_list+csv floor", r["floor_seconds"], bytes=r["export_bytes"]),
        h.figure(SCENARIO, f"stakeholders.csv peak memory ({rows} rows)", r["peak_full_mb"], "MB",
                 "same export, first 1000 rows", r["peak_1000_mb"]),
        h.figure(SCENARIO, f"/dashboard/ sql ({rows} stakeholders)", r["dashboard_large"],
                 "queries", f"/dashboard/ sql ({r['small_rows']} stakeholders)",
                 r["dashboard_small"]),
    ]  # fmt: skip
