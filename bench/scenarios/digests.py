"""E-mail digests for 10,000 people following random interests.

Runs in a separate process against its own SQLite database
(``var/bench-digests.sqlite3``, rebuilt each run), with an e-mail
backend that builds each MIME message and discards it (no mail leaves the
machine, and no outbox grows in memory). 300 stakeholders, 300 projects, 200
upcoming events and 100 reports are bulk-created and published "just now";
10,000 people each follow 1-3 goals, maybe a town, a stakeholder, a project.
1,000 of them take a weekly digest, 9,000 a daily one.

* time per 1,000 digests (the daily run: 9,000 people, one e-mail each), beside
  the time per 1,000 of the next day's run, where nothing is new (the cost of
  walking the subscribers and recording EMPTY rows);
* peak memory growth (RSS high-water mark, reset before each run) of the
  9,000-digest run, beside the 1,000-digest weekly run: near 1 means flat.
"""

from __future__ import annotations

import json
import os
import subprocess

from bench.harness import Figure, Harness, log

DESCRIPTION = "digests for 10,000 followers: time per 1,000 and peak memory"
SCENARIO = "digests"
USERS = int(os.environ.get("BENCH_DIGEST_USERS", "10000"))

_SNIPPET = r"""
import datetime as dt, json, os, random, time
from django.contrib.auth import get_user_model
from django.utils import timezone

from bench.scenarios._fastpages import DiscardingEmailBackend, bulk_pages, random_goals
from events.models import EventPage
from openlab.models import Town
from openlab.notifications import digests
from openlab.notifications.models import DigestDelivery, Follow, InterestSettings
from openlab.setup import ensure_site_structure
from projects.models import ProjectPage, ReportPage
from stakeholders.models import StakeholderPage

users_wanted = int(os.environ["BENCH_USERS"])
rng = random.Random(11)
sections = ensure_site_structure()
towns = list(Town.objects.values_list("pk", flat=True))
kinds = ["city", "company", "npo", "school", "university", "citizen", "ambassador"]
soon = timezone.now() + dt.timedelta(days=10)

stakeholders = bulk_pages(
    StakeholderPage, sections["stakeholders"], 300,
    fields=lambda i: {"title": f"団体{i}", "kind": kinds[i % 7], "summary": "紹介",
                      "description": "[]"},
    relations=lambda i: {"goals": random_goals(rng), "towns": [rng.choice(towns)]},
)
projects = bulk_pages(
    ProjectPage, sections["projects"], 300,
    fields=lambda i: {"title": f"プロジェクト{i}", "summary": "概要", "status": "running",
                      "lead_id": rng.choice(stakeholders), "body": "[]"},
    relations=lambda i: {"goals": random_goals(rng), "towns": [rng.choice(towns)]},
)
bulk_pages(
    EventPage, sections["events"], 200,
    fields=lambda i: {"title": f"イベント{i}", "summary": "概要", "body": "[]",
                      "start": soon, "end": soon + dt.timedelta(hours=2), "venue_name": "会場"},
    relations=lambda i: {"goals": random_goals(rng), "towns": [rng.choice(towns)],
                         "organisers": [rng.choice(stakeholders)]},
)
bulk_pages(
    ReportPage, sections["reports"], 100,
    fields=lambda i: {"title": f"レポート{i}", "body": "やったこと", "nickname": "カメ",
                      "date": timezone.localdate()},
    relations=lambda i: {"goals": random_goals(rng)},
)

User = get_user_model()
hashed = User(username="x").password or "!"
start = timezone.now() - dt.timedelta(hours=2)
User.objects.bulk_create(
    [User(username=f"u{n}", email=f"u{n}@example.jp", password=hashed)
     for n in range(users_wanted)],
    batch_size=2000,
)
user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
InterestSettings.objects.bulk_create(
    [InterestSettings(user_id=pk, frequency="weekly" if n < 1000 else "daily",
                      digest_since=start, feed_seen_at=start)
     for n, pk in enumerate(user_ids)],
    batch_size=2000,
)
follows = []
for pk in user_ids:
    for goal in random_goals(rng):
        follows.append(Follow(user_id=pk, target="goal", goal_id=goal))
    if rng.random() < 0.5:
        follows.append(Follow(user_id=pk, target="town", town_id=rng.choice(towns)))
    if rng.random() < 0.5:
        follows.append(
            Follow(user_id=pk, target="stakeholder", stakeholder_id=rng.choice(stakeholders)))
    if rng.random() < 0.3:
        follows.append(Follow(user_id=pk, target="project", project_id=rng.choice(projects)))
Follow.objects.bulk_create(follows, batch_size=5000)


def rss_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def measured(frequency, now):
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the RSS high-water mark
    except OSError:
        pass
    before = rss_kb("VmRSS")
    sent_before = DiscardingEmailBackend.sent
    t0 = time.perf_counter()
    counts = digests.send_digests(frequency, now=now)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "counts": counts,
            "mails": DiscardingEmailBackend.sent - sent_before,
            "peak_growth_mb": max(rss_kb("VmHWM") - before, 0) / 1024}


now = timezone.now()
out = {"follows": len(follows), "users": len(user_ids)}
out["weekly"] = measured("weekly", now)
out["daily"] = measured("daily", now)
out["daily_next"] = measured("daily", now + dt.timedelta(days=1))
out["deliveries"] = DigestDelivery.objects.count()
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
    db = h.root / "var" / "bench-digests.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    database_url = f"sqlite:///{db}"
    h.manage("migrate", "--noinput", DATABASE_URL=database_url)
    log(f"digests: {USERS} people, building data and sending (mail built, then discarded)")
    proc = _snippet(
        h,
        _SNIPPET,
        DATABASE_URL=database_url,
        BENCH_USERS=str(USERS),
        EMAIL_BACKEND="bench.scenarios._fastpages.DiscardingEmailBackend",
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"digests snippet failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")  # noqa: E501
    r = json.loads(line[len("BENCHJSON ") :])
    daily, weekly, nothing = r["daily"], r["weekly"], r["daily_next"]
    daily_n = max(daily["counts"]["sent"] + daily["counts"]["empty"], 1)
    nothing_n = max(nothing["counts"]["empty"] + nothing["counts"]["sent"], 1)
    log(f"digests: {r}")
    return [
        h.figure(SCENARIO, f"time per 1,000 digests ({daily['mails']} e-mails)",
                 daily["seconds"] * 1000 / daily_n, "s",
                 "time per 1,000 with nothing new", nothing["seconds"] * 1000 / nothing_n,
                 counts=daily["counts"], users=r["users"], follows=r["follows"]),
        h.figure(SCENARIO, f"peak memory growth ({daily['mails']} digests)",
                 daily["peak_growth_mb"], "MB",
                 f"peak memory growth ({weekly['mails']} digests)", weekly["peak_growth_mb"]),
    ]  # fmt: skip
