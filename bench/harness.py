"""Shared machinery for the benchmark scenarios.

A scenario module ``bench/scenarios/<name>.py`` exposes ``run(harness)`` and
returns a list of figures made with ``Harness.figure``. The harness gives it:

* ``prepare_db(scale=None)``: migrate + ``seed_demo`` with the bench settings,
  seeding only when the database has not been seeded at that scale yet;
* ``server(page_cache=..., workers=2, env=None)``: a context manager running
  uvicorn on a free loopback port, stopped (whole process group) on exit, on
  exceptions, on Ctrl-C and on SIGTERM;
* ``load(server, path, ...)``: one bounded load run (``bench.loadgen``);
* ``warm(server, paths)``: a few sequential GETs per path, returns statuses;
* ``figure(...)``: one figure, always beside a baseline from the same run.

``print_figures`` prints one line per figure, ``save_results`` merges them by
scenario into ``bench/results/latest.json``.

Environment:
  BENCH_SECONDS       seconds of load per measured page (default 10)
  BENCH_CONCURRENCY   concurrent keep-alive connections (default 8)
  BENCH_MAX_REQUESTS  count bound per measurement (default 200000)
  BENCH_CLIENT        auto | wrk | python (default auto: wrk if installed)
  BENCH_WARMUP_SECONDS discarded load per path before measuring
                      (default min(2, BENCH_SECONDS/4))
  BENCH_DATABASE_URL  database for the bench server (default
                      sqlite:////<repo>/var/bench.sqlite3); passed to the
                      project as DATABASE_URL. DATABASE_URL itself is NOT
                      inherited, so a developer's database is never seeded.
  BENCH_SCALE         passed to ``seed_demo --scale`` when set
  BENCH_RESEED=1      seed again even if the marker says it is done
  BENCH_PROJECT_DIR   project root (default: the folder holding bench/)
  BENCH_PYTHON        interpreter (default: <root>/.venv/bin/python if present)
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import loadgen

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
LATEST_JSON = RESULTS_DIR / "latest.json"
SETTINGS_MODULE = "openlab.settings.bench"
HOST = "127.0.0.1"
TRIVIAL_PATH = "/bench/trivial/"


def log(msg: str) -> None:
    """Progress goes to stderr; figure lines go to stdout."""
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------


@dataclass
class Figure:
    scenario: str
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline_value: float
    baseline_unit: str
    ratio: float | None
    target: float | None = None  # minimum acceptable ratio, when there is one
    client: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def target_met(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target

    def line(self) -> str:
        ratio = "n/a" if self.ratio is None else f"{self.ratio:.2f}"
        text = (
            f"{self.scenario}  {self.name}  {_fmt(self.value)} {self.unit}  "
            f"baseline {self.baseline_name} {_fmt(self.baseline_value)} {self.baseline_unit}  "
            f"ratio {ratio}"
        )
        if self.target is not None:
            verdict = {True: "met", False: "MISSED", None: "n/a"}[self.target_met]
            text += f"  (target >= {self.target:.2f}: {verdict})"
        if self.extra.get("errors"):
            text += f"  [{self.extra['errors']} errors]"
        return text


def _fmt(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def print_figures(figures: list[Figure]) -> None:
    for fig in figures:
        print(fig.line(), flush=True)


def machine_info() -> dict:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wrk": loadgen.wrk_path() is not None,
    }


def save_results(scenario: str, figures: list[Figure], path: Path = LATEST_JSON) -> Path:
    """Merge this scenario's figures into ``latest.json`` (other scenarios kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict = {}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            data = {}
    info = machine_info()
    data["machine"] = info
    data.setdefault("scenarios", {})[scenario] = {
        "date": info["date"],
        "machine": info,
        "figures": [{**asdict(f), "target_met": f.target_met} for f in figures],
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------
# Server processes
# --------------------------------------------------------------------------

_LIVE: set[subprocess.Popen] = set()


def _kill_group(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    # uvicorn's worker children share the group; make sure none is left over.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    _LIVE.discard(proc)


def _kill_all() -> None:
    for proc in list(_LIVE):
        _kill_group(proc, grace_s=3.0)


def _on_sigterm(signum, frame):  # pragma: no cover - signal path
    raise SystemExit(128 + signum)


atexit.register(_kill_all)


def install_signal_handlers() -> None:
    """SIGTERM unwinds like Ctrl-C does, so ``finally`` blocks stop servers."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    with contextlib.suppress(AttributeError, ValueError):
        signal.signal(signal.SIGHUP, _on_sigterm)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    host: str
    port: int
    log_path: Path
    label: str

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Harness:
    def __init__(self, root: Path | None = None):
        self.root = Path(os.environ.get("BENCH_PROJECT_DIR") or root or BENCH_DIR.parent)
        self.root = self.root.resolve()
        venv_python = self.root / ".venv" / "bin" / "python"
        self.python = os.environ.get("BENCH_PYTHON") or (
            str(venv_python) if venv_python.exists() else sys.executable
        )
        self.seconds = _env_float("BENCH_SECONDS", 10.0)
        self.concurrency = _env_int("BENCH_CONCURRENCY", 8)
        self.max_requests = _env_int("BENCH_MAX_REQUESTS", 200_000)
        self.database_url = os.environ.get("BENCH_DATABASE_URL") or (
            f"sqlite:///{self.root / 'var' / 'bench.sqlite3'}"
        )
        self.client = loadgen.client_name()
        self._db_ready_scale: int | None = None

    # ---- environment -----------------------------------------------------

    def env(self, **extra: str) -> dict:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
        )
        env.setdefault("OPENLAB_PAGE_CACHE", "1")
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def sqlite_path(self) -> Path | None:
        url = self.database_url
        if not url.startswith("sqlite:///"):
            return None
        raw = url[len("sqlite:///") :]
        p = Path(raw)
        return p if p.is_absolute() else self.root / p

    def manage(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        cmd = [self.python, "manage.py", *args]
        log("$ " + " ".join(cmd[1:]))
        proc = subprocess.run(
            cmd, cwd=self.root, env=self.env(**env), capture_output=True, text=True
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed ({proc.returncode}):\n"
                f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        return proc

    def python_snippet(self, code: str, **env: str) -> subprocess.CompletedProcess:
        """Run ``code`` in a fresh interpreter with the bench settings set up."""
        prologue = "import django; django.setup()\n"
        return subprocess.run(
            [self.python, "-c", prologue + code],
            cwd=self.root,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=300,
        )

    # ---- database ----------------------------------------------------------

    def prepare_db(self, scale: int | None = None) -> None:
        """migrate + seed_demo, skipping the seed when already done at ``scale``."""
        if scale is None and os.environ.get("BENCH_SCALE", "").strip():
            scale = int(os.environ["BENCH_SCALE"])
        want = scale or 1
        if self._db_ready_scale == want:
            return
        db = self.sqlite_path()
        marker = db.with_name(db.name + ".seeded.json") if db else RESULTS_DIR / ".seeded.json"
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)
            if not db.exists():
                marker.unlink(missing_ok=True)
        self.manage("migrate", "--noinput")
        seeded = None
        with contextlib.suppress(OSError, ValueError):
            seeded = json.loads(marker.read_text())
        if (
            seeded
            and seeded.get("scale") == want
            and seeded.get("database_url") == self.database_url
            and os.environ.get("BENCH_RESEED") != "1"
        ):
            log(f"database already seeded at scale {want} ({marker.name}); skipping seed_demo")
        else:
            args = ["seed_demo"] + (["--scale", str(scale)] if scale else [])
            t0 = time.perf_counter()
            proc = self.manage(*args, check=False)
            if proc.returncode != 0 and "Unknown command" in proc.stderr:
                log("WARNING: manage.py has no seed_demo command yet; database left unseeded")
                self._db_ready_scale = want
                return
            if proc.returncode != 0:
                raise RuntimeError(
                    f"seed_demo failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                    f"{proc.stderr[-3000:]}"
                )
            log(f"seed_demo took {time.perf_counter() - t0:.1f}s")
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(
                json.dumps({"scale": want, "database_url": self.database_url,
                            "date": machine_info()["date"]})
            )  # fmt: skip
        self._db_ready_scale = want

    # ---- servers -----------------------------------------------------------

    @contextlib.contextmanager
    def server(
        self,
        page_cache: bool = True,
        workers: int = 2,
        env: dict | None = None,
        label: str = "server",
        ready_path: str = TRIVIAL_PATH,
        start_timeout_s: float = 90.0,
    ):
        port = free_port()
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        log_path = RESULTS_DIR / f"{label}.log"
        cmd = [
            self.python, "-m", "uvicorn", "openlab.asgi:application",
            "--host", HOST, "--port", str(port), "--workers", str(workers),
            "--no-access-log", "--log-level", "warning",
            # As deployed (README): chat frames are small, compressing each one per socket
            # cost more CPU than anything else in a busy room.
            "--ws-per-message-deflate", "false",
        ]  # fmt: skip
        extra = {"OPENLAB_PAGE_CACHE": "1" if page_cache else "0", **(env or {})}
        log(f"starting {label}: uvicorn x{workers} on {HOST}:{port} page_cache={int(page_cache)}")
        with open(log_path, "wb") as logf:
            proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=self.env(**extra),
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: killpg gets the workers
            )
        _LIVE.add(proc)
        srv = Server(proc=proc, host=HOST, port=port, log_path=log_path, label=label)
        try:
            self._wait_ready(srv, ready_path, start_timeout_s)
            yield srv
        finally:
            _kill_group(proc)
            log(f"stopped {label}")

    def _wait_ready(self, srv: Server, path: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            if srv.proc.poll() is not None:
                raise RuntimeError(
                    f"{srv.label} exited with {srv.proc.returncode} before it was ready:\n"
                    + srv.log_tail()
                )
            try:
                with urllib.request.urlopen(srv.url(path), timeout=5) as resp:
                    if resp.status == 200:
                        return
                    last = f"HTTP {resp.status}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.25)
        raise RuntimeError(f"{srv.label} not ready after {timeout_s}s ({last}):\n{srv.log_tail()}")

    # ---- load ----------------------------------------------------------------

    def get_status(self, srv: Server, path: str) -> int:
        try:
            with urllib.request.urlopen(srv.url(path), timeout=30) as resp:
                resp.read()
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def warm(
        self, srv: Server, paths: list[str], rounds: int = 3, burst_s: float | None = None
    ) -> dict[str, int]:
        """Warm up: a few sequential GETs per path (returns the last status of
        each), then a short discarded load burst per path so that both workers,
        their caches and the CPU frequency settle before anything is measured.
        ``burst_s`` defaults to BENCH_WARMUP_SECONDS or min(2, BENCH_SECONDS/4)."""
        statuses: dict[str, int] = {}
        for _ in range(rounds):
            for path in paths:
                statuses[path] = self.get_status(srv, path)
        if burst_s is None:
            burst_s = _env_float("BENCH_WARMUP_SECONDS", min(2.0, self.seconds / 4))
        if burst_s > 0:
            for path in paths:
                loadgen.measure(
                    path, srv.host, srv.port, concurrency=self.concurrency,
                    duration_s=burst_s, max_requests=self.max_requests,
                )  # fmt: skip
        return statuses

    def load(
        self,
        srv: Server,
        path: str,
        seconds: float | None = None,
        concurrency: int | None = None,
        max_requests: int | None = None,
    ) -> dict:
        result = loadgen.measure(
            path,
            srv.host,
            srv.port,
            concurrency=concurrency or self.concurrency,
            duration_s=seconds or self.seconds,
            max_requests=max_requests or self.max_requests,
        )
        log(
            f"{srv.label} {path}: {result['rps']:.1f} req/s  p50 {result['p50_ms']:.1f} ms  "
            f"p99 {result['p99_ms']:.1f} ms  {result['requests']} requests  "
            f"{result['errors']} errors  ({result['client']})"
        )
        if result["errors"]:
            log(f"  WARNING: errors {result.get('statuses')} {result.get('error_kinds')}")
        if result["capped"]:
            log("  WARNING: max_requests reached before the time bound; rps is a lower bound")
        return result

    def load_interleaved(
        self,
        srv: Server,
        paths: list[str],
        seconds: float | None = None,
        slice_s: float = 2.0,
    ) -> dict[str, dict]:
        """Load each path for ``seconds`` in total, in short slices taken in
        turn (A B C A B C ...), so that a baseline path among them sees the
        same machine noise as the others. Returns path -> combined result
        (``loadgen.combine``; ``slice_rps`` lists each slice's rps)."""
        seconds = seconds or self.seconds
        slice_s = min(slice_s, seconds)
        rounds = max(1, round(seconds / slice_s))
        per_slice = seconds / rounds
        slices: dict[str, list[dict]] = {p: [] for p in paths}
        for _ in range(rounds):
            for path in paths:
                slices[path].append(
                    loadgen.measure(
                        path, srv.host, srv.port, concurrency=self.concurrency,
                        duration_s=per_slice, max_requests=self.max_requests,
                    )
                )  # fmt: skip
        out = {}
        for path, results in slices.items():
            r = out[path] = loadgen.combine(results)
            log(
                f"{srv.label} {path}: {r['rps']:.1f} req/s  p50 {r['p50_ms']:.1f} ms  "
                f"p99 {r['p99_ms']:.1f} ms  {r['requests']} requests  {r['errors']} errors  "
                f"{len(results)} slices ({r['client']})"
            )
            if r["errors"]:
                log(f"  WARNING: errors {r.get('statuses')} {r.get('error_kinds')}")
            if r["capped"]:
                log("  WARNING: max_requests reached in a slice; rps is a lower bound")
        return out

    # ---- figures ---------------------------------------------------------------

    @staticmethod
    def figure(
        scenario: str,
        name: str,
        value: float,
        unit: str,
        baseline_name: str,
        baseline_value: float,
        baseline_unit: str | None = None,
        target: float | None = None,
        client: str = "",
        **extra,
    ) -> Figure:
        ratio = (value / baseline_value) if baseline_value else None
        return Figure(
            scenario=scenario,
            name=name,
            value=value,
            unit=unit,
            baseline_name=baseline_name,
            baseline_value=baseline_value,
            baseline_unit=baseline_unit or unit,
            ratio=ratio,
            target=target,
            client=client,
            extra=extra,
        )
