"""The stakeholder directory at 2,600 stakeholders, and the CSV import.

Uses its own SQLite database (var/bench-stakeholders.sqlite3, or
BENCH_STAKEHOLDERS_DATABASE_URL) so the shared bench database keeps its size:
migrate, the site structure, the offer/need vocabulary and 2,600 stakeholders
written in bulk (stakeholders.testing.bulk_stakeholders).

Figures:
- `/stakeholders/<filters> cache=off|on rps` against the trivial view in the
  same server run (targets: >= 0.03 uncached, >= 0.25 cached), and the SQL
  queries of one uncached GET of each path.
- `import rows/s`: importing BENCH_IMPORT_ROWS (default 2,600) new rows through
  stakeholders.csv_io, against re-importing the same file (every row
  "unchanged": reading, checking and comparing, no writes) in the same run.
"""

from __future__ import annotations

import json
import os

from bench.harness import TRIVIAL_PATH, Figure, Harness, log

DESCRIPTION = "/stakeholders/ with 2,600 stakeholders (filters, cache off/on) and CSV import rows/s"
SCENARIO = "stakeholders"
TARGETS = {"off": 0.03, "on": 0.25}
COUNT = 2600
PATHS = [
    "/stakeholders/",
    "/stakeholders/?sdg=11&sdg=4&kind=npo&sort=newest",
    "/stakeholders/?town=kumegawa&offer=venue&q=%E5%9B%A3%E4%BD%93&page=2",
]

_SETUP = r"""
import json
from openlab.setup import ensure_site_structure
from openlab.demo import content
from stakeholders.models import OfferNeedTerm, StakeholderPage
from stakeholders.testing import bulk_stakeholders
sections = ensure_site_structure()
for row in content.OFFER_NEED_TERMS:
    OfferNeedTerm.objects.get_or_create(slug=row["slug"], defaults={"name": row["name"]})
have = StakeholderPage.objects.count()
if have < COUNT:
    bulk_stakeholders(sections["stakeholders"], COUNT - have, prefix="団体")
print("BENCHJSON " + json.dumps({"stakeholders": StakeholderPage.objects.count()}))
"""

_QUERIES = r"""
import json, os
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
out = {}
for path in json.loads(os.environ["BENCH_PATHS"]):
    Client(HTTP_HOST="127.0.0.1").get(path)
    with CaptureQueriesContext(connection) as ctx:
        response = Client(HTTP_HOST="127.0.0.1").get(path)
    out[path] = [response.status_code, len(ctx.captured_queries)]
print("BENCHJSON " + json.dumps(out))
"""

_IMPORT = r"""
import csv, io, json, os, time, uuid
from stakeholders.csv_io import COLUMNS, import_file
rows = int(os.environ["BENCH_IMPORT_ROWS"])
tag = uuid.uuid4().hex[:6]
buf = io.StringIO()
writer = csv.writer(buf)
writer.writerow(COLUMNS)
towns = ["本町", "久米川町", "秋津町", "市外"]
for i in range(rows):
    writer.writerow([f"取込{tag}-{i:05d}", "npo", f"{1 + i % 17};11", "11.2", towns[i % 4],
                     "会場提供", "資金", "ベンチ", "https://example.jp/", "", "false",
                     "ベンチマークの団体です。"])
data = buf.getvalue().encode("utf-8")
t0 = time.perf_counter(); report = import_file(data); created_s = time.perf_counter() - t0
t0 = time.perf_counter(); again = import_file(data); unchanged_s = time.perf_counter() - t0
print("BENCHJSON " + json.dumps({
    "rows": rows, "created": len(report.created), "rejected": len(report.rejected),
    "created_s": created_s, "unchanged": len(again.unchanged), "unchanged_s": unchanged_s}))
"""


def _json(proc, what):
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        log(f"{what} failed: {(proc.stderr or proc.stdout).strip()[-1500:]}")
        return None
    return json.loads(line[len("BENCHJSON ") :])


def run(h: Harness) -> list[Figure]:
    h.database_url = os.environ.get("BENCH_STAKEHOLDERS_DATABASE_URL") or (
        f"sqlite:///{h.root / 'var' / 'bench-stakeholders.sqlite3'}"
    )
    h.manage("migrate", "--noinput")
    setup = _json(h.python_snippet(f"COUNT = {COUNT}\n" + _SETUP), "setup")
    if setup:
        log(f"stakeholders in the bench database: {setup['stakeholders']}")
    figures: list[Figure] = []
    for mode in ("off", "on"):
        tag = f"cache={mode}"
        with h.server(page_cache=mode == "on", label=f"stakeholders-cache-{mode}") as srv:
            statuses = h.warm(srv, [TRIVIAL_PATH, *PATHS])
            bad = {p: s for p, s in statuses.items() if s != 200}
            if bad:
                log(f"WARNING {tag}: statuses not 200: {bad} (see {srv.log_path})")
            measured = h.load_interleaved(srv, [TRIVIAL_PATH, *PATHS])
        base = measured.pop(TRIVIAL_PATH)
        for path, r in measured.items():
            figures.append(
                h.figure(SCENARIO, f"{path} {tag} rps", r["rps"], "req/s", "trivial",
                         base["rps"], target=TARGETS[mode], client=base["client"],
                         errors=r["errors"])
            )  # fmt: skip
    counts = _json(
        h.python_snippet(_QUERIES, BENCH_PATHS=json.dumps(PATHS), OPENLAB_PAGE_CACHE="0"),
        "query count",
    )
    for path, (status, queries) in (counts or {}).items():
        figures.append(
            h.figure(SCENARIO, f"{path} sql", queries, "queries", "limit", 20, status=status)
        )
    rows = os.environ.get("BENCH_IMPORT_ROWS", str(COUNT))
    result = _json(
        h.python_snippet(_IMPORT, BENCH_IMPORT_ROWS=rows, OPENLAB_PAGE_CACHE="0"), "import"
    )
    if result:
        figures.append(
            h.figure(SCENARIO, f"import {result['rows']} new rows",
                     result["created"] / result["created_s"], "rows/s", "re-import unchanged",
                     result["unchanged"] / result["unchanged_s"], rejected=result["rejected"])
        )  # fmt: skip
    return figures
