"""Projects: /projects/ and a project page with 30 progress updates vs the trivial view.

Same method as the `pages` scenario (two uvicorn runs, page cache OFF then ON,
interleaved slices against /bench/trivial/, SQL queries of one anonymous GET), on the
demo data plus one project that has 30 progress updates (added idempotently).
Targets: uncached >= 3 % of the trivial view's req/s, cached >= 25 %.
"""

from __future__ import annotations

from bench.harness import TRIVIAL_PATH, Figure, Harness, log
from bench.scenarios.pages import TARGETS, count_queries

DESCRIPTION = "/projects/ and a project page with 30 progress updates, cache off/on"
SCENARIO = "projects"
PROJECT_SLUG = "bench-30-updates"
PATHS = ["/projects/", f"/projects/{PROJECT_SLUG}/"]

_SETUP_SNIPPET = r"""
import datetime as dt
from openlab.models import Goal
from projects.models import Milestone, ProgressUpdate, ProjectIndexPage, ProjectPage
from stakeholders.models import StakeholderPage

index = ProjectIndexPage.objects.first()
if not ProjectPage.objects.filter(slug="SLUG").exists():
    lead = StakeholderPage.objects.live().order_by("pk").first()
    page = ProjectPage(
        title="ベンチマーク用：進捗30件のプロジェクト", slug="SLUG", status="running",
        summary="30件の進捗があるプロジェクト", lead=lead, start_date=dt.date(2025, 1, 10),
    )
    today = dt.date.today()
    page.updates = [
        ProgressUpdate(date=today - dt.timedelta(days=7 * i), text=f"第{30 - i}回の進捗です。",
                       percent=100 - 3 * i)
        for i in range(30)
    ]
    page.milestones = [
        Milestone(title=f"マイルストーン{i}", due=dt.date(2025, 3 * i, 1), done=i < 3)
        for i in range(1, 5)
    ]
    page.goals.set(Goal.objects.filter(number__in=[11, 17]))
    index.add_child(instance=page)
    page.save_revision().publish()
print("BENCHSETUP ok")
""".replace("SLUG", PROJECT_SLUG)


def run(h: Harness) -> list[Figure]:
    h.prepare_db()
    proc = h.python_snippet(_SETUP_SNIPPET)
    if "BENCHSETUP ok" not in proc.stdout:
        raise RuntimeError(f"could not add the 30-update project:\n{proc.stderr[-2000:]}")
    figures: list[Figure] = []
    ratios: dict[str, dict[str, float | None]] = {p: {} for p in PATHS}
    client = "?"
    for mode in ("off", "on"):
        cache = mode == "on"
        tag = f"cache={mode}"
        with h.server(page_cache=cache, label=f"projects-cache-{mode}") as srv:
            statuses = h.warm(srv, [TRIVIAL_PATH, *PATHS])
            bad = {p: s for p, s in statuses.items() if s != 200}
            if bad:
                log(f"WARNING {tag}: warm-up statuses not 200: {bad} (see {srv.log_path})")
            measured = h.load_interleaved(srv, [TRIVIAL_PATH, *PATHS])
        base = measured.pop(TRIVIAL_PATH)
        client = base["client"]
        common = {"client": client, "concurrency": base["concurrency"]}
        for path, r in measured.items():
            fig = h.figure(
                SCENARIO, f"{path} {tag} rps", r["rps"], "req/s", "trivial", base["rps"],
                target=TARGETS[mode], errors=r["errors"], requests=r["requests"],
                statuses=r.get("statuses"), capped=r["capped"], **common,
            )  # fmt: skip
            ratios[path][mode] = fig.ratio
            figures.append(fig)
            figures.append(
                h.figure(SCENARIO, f"{path} {tag} p99", r["p99_ms"], "ms",
                         "trivial", base["p99_ms"], errors=r["errors"], **common)
            )  # fmt: skip
        counts = count_queries(h, [TRIVIAL_PATH, *PATHS], page_cache=cache)
        if counts:
            _, trivial_q = counts["paths"][TRIVIAL_PATH]
            for path in PATHS:
                status, q = counts["paths"][path]
                figures.append(
                    h.figure(SCENARIO, f"{path} {tag} sql", q, "queries",
                             "trivial", trivial_q, status=status)
                )  # fmt: skip
    for path in PATHS:
        on, off = ratios[path].get("on"), ratios[path].get("off")
        if on is not None and off is not None:
            figures.append(
                h.figure(SCENARIO, f"{path} cache gain", on, "x trivial", "uncached", off,
                         client=client)
            )  # fmt: skip
    return figures
