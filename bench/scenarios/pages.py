"""Public pages: anonymous GETs of the main pages against the trivial view.

Two server runs, each uvicorn with 2 workers on ``openlab.settings.bench``:
first with the anonymous page cache OFF, then ON. In each run the trivial view
(``/bench/trivial/``, 20 bytes through the same middleware) and the pages are
loaded in interleaved ~2 s slices (trivial, /, /stakeholders/, /sdgs/11/,
trivial, ...), so the baseline sees the same machine noise as the pages; every
page figure is divided by the trivial view's figure from the same server run.
The trivial view's last slice over its first is reported as the run's drift.
"""

from __future__ import annotations

import json
import os

from bench.harness import TRIVIAL_PATH, Figure, Harness, log

DESCRIPTION = "public pages (/, /stakeholders/, /sdgs/11/) vs the trivial view, cache off/on"
SCENARIO = "pages"
DEFAULT_PAGES = ["/", "/stakeholders/", "/sdgs/11/"]
TARGETS = {"off": 0.03, "on": 0.25}  # minimum page rps / trivial rps

_QUERY_SNIPPET = r"""
import json, os
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

out = {"debug": bool(settings.DEBUG), "paths": {}}
for path in json.loads(os.environ["BENCH_PATHS"]):
    # A fresh cookie-less client per request, like the load generator.
    Client(HTTP_HOST="127.0.0.1").get(path)  # warm-up: caches, lazy imports
    with CaptureQueriesContext(connection) as ctx:
        response = Client(HTTP_HOST="127.0.0.1").get(path)
    out["paths"][path] = [response.status_code, len(ctx.captured_queries)]
print("BENCHJSON " + json.dumps(out))
"""


def pages() -> list[str]:
    raw = os.environ.get("BENCH_PAGES", "").strip()
    return [p.strip() for p in raw.split(",") if p.strip()] if raw else list(DEFAULT_PAGES)


def count_queries(h: Harness, paths: list[str], page_cache: bool) -> dict | None:
    """SQL queries per anonymous GET (second request), in a separate process."""
    proc = h.python_snippet(
        _QUERY_SNIPPET,
        BENCH_PATHS=json.dumps(paths),
        OPENLAB_PAGE_CACHE="1" if page_cache else "0",
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        log(f"query count skipped: {(proc.stderr or proc.stdout).strip()[-500:]}")
        return None
    return json.loads(line[len("BENCHJSON ") :])


def run(h: Harness) -> list[Figure]:
    h.prepare_db()
    paths = pages()
    figures: list[Figure] = []
    ratios: dict[str, dict[str, float | None]] = {p: {} for p in paths}

    for mode in ("off", "on"):
        cache = mode == "on"
        tag = f"cache={mode}"
        with h.server(page_cache=cache, label=f"pages-cache-{mode}") as srv:
            statuses = h.warm(srv, [TRIVIAL_PATH, *paths])
            bad = {p: s for p, s in statuses.items() if s != 200}
            if bad:
                log(f"WARNING {tag}: warm-up statuses not 200: {bad} (see {srv.log_path})")
            measured = h.load_interleaved(srv, [TRIVIAL_PATH, *paths])

        base = measured.pop(TRIVIAL_PATH)
        results = measured
        client = base["client"]
        common = {"client": client, "concurrency": base["concurrency"]}
        slice_rps = base.get("slice_rps") or [base["rps"]]

        figures.append(
            h.figure(
                SCENARIO, f"trivial {tag} rps (last/first slice drift)", slice_rps[-1], "req/s",
                "trivial-first-slice", slice_rps[0], errors=base["errors"],
                slice_rps=slice_rps, **common,
            )
        )  # fmt: skip
        base_rps, base_p50, base_p99 = base["rps"], base["p50_ms"], base["p99_ms"]
        for path, r in results.items():
            extra = {**common, "errors": r["errors"], "requests": r["requests"],
                     "statuses": r.get("statuses"), "capped": r["capped"],
                     "slice_rps": r.get("slice_rps")}  # fmt: skip
            fig = h.figure(
                SCENARIO, f"{path} {tag} rps", r["rps"], "req/s",
                "trivial", base_rps, target=TARGETS[mode], **extra,
            )  # fmt: skip
            ratios[path][mode] = fig.ratio
            figures.append(fig)
            figures.append(
                h.figure(SCENARIO, f"{path} {tag} p50", r["p50_ms"], "ms",
                         "trivial", base_p50, errors=r["errors"], **common)
            )  # fmt: skip
            figures.append(
                h.figure(SCENARIO, f"{path} {tag} p99", r["p99_ms"], "ms",
                         "trivial", base_p99, errors=r["errors"], **common)
            )  # fmt: skip

        counts = count_queries(h, [TRIVIAL_PATH, *paths], page_cache=cache)
        if counts:
            if counts.get("debug"):
                log("WARNING: openlab.settings.bench has DEBUG on; figures are not production-like")
            _, trivial_q = counts["paths"][TRIVIAL_PATH]
            for path in paths:
                status, q = counts["paths"][path]
                figures.append(
                    h.figure(SCENARIO, f"{path} {tag} sql", q, "queries",
                             "trivial", trivial_q, status=status)
                )  # fmt: skip

    # The cache's gain, each side already normalised by its own run's trivial rps.
    for path in paths:
        on, off = ratios[path].get("on"), ratios[path].get("off")
        if on is not None and off is not None:
            figures.append(
                h.figure(SCENARIO, f"{path} cache gain", on, "x trivial",
                         "uncached", off, client=client)
            )  # fmt: skip
    return figures
