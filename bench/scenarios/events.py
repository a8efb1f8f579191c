"""Events: /events/ (list and month view) with 1,000 events (200 recurring) against the
trivial view, page cache off then on, and the render time of /events/feed.ics.

The scenario uses its own var dir (var/bench-events/: file page cache) and its own
SQLite database (var/bench-events.sqlite3, or
BENCH_EVENTS_DATABASE_URL) holding the site tree and the generated events, so the
shared bench database of the other scenarios is not changed.
"""

from __future__ import annotations

import json
import os

from bench.harness import TRIVIAL_PATH, Figure, Harness, log
from bench.scenarios.pages import count_queries

DESCRIPTION = "/events/ list and month view with 1,000 events vs trivial; feed.ics render time"
SCENARIO = "events"
EVENTS, RECURRING = 1000, 200
TARGETS = {"off": 0.03, "on": 0.25}

_SEED = r"""
import datetime as dt, json, os
from django.utils import timezone
from events.models import EventIndexPage, EventPage
from events.services import sync_occurrences
from openlab.models import Goal, Town
from openlab.setup import ensure_site_structure

ensure_site_structure()
total, recurring = int(os.environ["EVENTS"]), int(os.environ["RECURRING"])
index = EventIndexPage.objects.get()
bench_pages = EventPage.objects.filter(slug__startswith="bench-ev-")
existing = set(bench_pages.values_list("slug", flat=True))
goals, towns = list(Goal.objects.all()), list(Town.objects.all())
now = timezone.now().replace(minute=0, second=0, microsecond=0)
rules = ["FREQ=MONTHLY;BYDAY=3SU", "FREQ=WEEKLY;BYDAY=SA", "FREQ=MONTHLY;BYDAY=2SA",
         "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"]
made = 0
for i in range(total):
    slug = f"bench-ev-{i:04d}"
    if slug in existing:
        continue
    start = now + dt.timedelta(days=(i * 7) % 400 - 60, hours=i % 8)
    page = EventPage(
        title=f"ベンチイベント {i}", slug=slug, summary="ベンチマーク用のイベントです。",
        start=start, end=start + dt.timedelta(hours=2), venue_name="東村山市立中央公民館",
        rrule=rules[i % len(rules)] if i < recurring else "", price=0 if i % 3 else 500,
        kids_welcome=bool(i % 2), registration="open" if i % 4 == 0 else "closed", capacity=30,
    )
    page.goals.set([goals[i % 17], goals[(i * 5) % 17]])
    page.towns.set([towns[i % len(towns)]])
    index.add_child(instance=page)
    page.save_revision().publish()
    sync_occurrences(page.pk)
    made += 1
from events.models import Occurrence
print("BENCHJSON " + json.dumps({"created": made, "occurrences": Occurrence.objects.count()}))
"""

_FEED_TIMER = r"""
import json, time
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
def timed(path, n):
    client.get(path)
    started = time.perf_counter()
    for _ in range(n):
        response = client.get(path)
    return (time.perf_counter() - started) / n * 1000, response.status_code, len(response.content)
feed_ms, status, size = timed("/events/feed.ics", 5)
trivial_ms, _, _ = timed("/bench/trivial/", 200)
print("BENCHJSON " + json.dumps({"feed_ms": feed_ms, "status": status, "bytes": size,
                                 "trivial_ms": trivial_ms}))
"""


def _json(proc, what):
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{what} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(line[len("BENCHJSON ") :])


def run(h: Harness) -> list[Figure]:
    shared_url, shared_var = h.database_url, os.environ.get("OPENLAB_VAR_DIR")
    h.database_url = os.environ.get("BENCH_EVENTS_DATABASE_URL") or (
        f"sqlite:///{h.root / 'var' / 'bench-events.sqlite3'}"
    )
    # Its own var dir, hence its own file page cache: other scenarios seeding their
    # databases at the same time bump the shared cache's generation.
    os.environ["OPENLAB_VAR_DIR"] = str(h.root / "var" / "bench-events")
    try:
        return _run(h)
    finally:
        h.database_url = shared_url
        if shared_var is None:
            os.environ.pop("OPENLAB_VAR_DIR", None)
        else:
            os.environ["OPENLAB_VAR_DIR"] = shared_var


def _run(h: Harness) -> list[Figure]:
    h.manage("migrate", "--noinput")
    log(f"creating {EVENTS} events ({RECURRING} recurring) if missing; the first run takes minutes")
    seeded = _json(
        h.python_snippet(_SEED, EVENTS=str(EVENTS), RECURRING=str(RECURRING)), "event seeding"
    )
    log(f"events: {seeded['created']} new, {seeded['occurrences']} occurrences in all")
    paths = ["/events/", "/events/?view=month"]
    figures: list[Figure] = []
    ratios: dict[str, dict[str, float | None]] = {path: {} for path in paths}
    client = ""
    for mode in ("off", "on"):
        tag = f"cache={mode}"
        with h.server(page_cache=mode == "on", label=f"events-cache-{mode}") as srv:
            statuses = h.warm(srv, [TRIVIAL_PATH, *paths])
            bad = {p: s for p, s in statuses.items() if s != 200}
            if bad:
                log(f"WARNING {tag}: warm-up statuses not 200: {bad} (see {srv.log_path})")
            measured = h.load_interleaved(srv, [TRIVIAL_PATH, *paths])
        base = measured.pop(TRIVIAL_PATH)
        client = base["client"]
        common = {"client": client, "concurrency": base["concurrency"]}
        for path, result in measured.items():
            fig = h.figure(
                SCENARIO, f"{path} {tag} rps", result["rps"], "req/s", "trivial", base["rps"],
                target=TARGETS[mode], errors=result["errors"], **common,
            )  # fmt: skip
            ratios[path][mode] = fig.ratio
            figures.append(fig)
            figures.append(
                h.figure(SCENARIO, f"{path} {tag} p50", result["p50_ms"], "ms",
                         "trivial", base["p50_ms"], errors=result["errors"], **common)
            )  # fmt: skip
        counts = count_queries(h, [TRIVIAL_PATH, *paths], page_cache=mode == "on")
        if counts:
            _, trivial_q = counts["paths"][TRIVIAL_PATH]
            for path in paths:
                status, queries = counts["paths"][path]
                figures.append(
                    h.figure(SCENARIO, f"{path} {tag} sql", queries, "queries",
                             "trivial", trivial_q, status=status)
                )  # fmt: skip
    for path in paths:
        on, off = ratios[path].get("on"), ratios[path].get("off")
        if on is not None and off is not None:
            figures.append(
                h.figure(SCENARIO, f"{path} cache gain", on, "x trivial", "uncached", off,
                         client=client)
            )  # fmt: skip
    feed = _json(h.python_snippet(_FEED_TIMER, OPENLAB_PAGE_CACHE="0"), "feed timing")
    figures.append(
        h.figure(SCENARIO, f"/events/feed.ics render ({EVENTS} events)", feed["feed_ms"], "ms",
                 "trivial", feed["trivial_ms"], status=feed["status"], bytes=feed["bytes"])
    )  # fmt: skip
    return figures
