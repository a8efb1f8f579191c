"""HTTP/1.1 keep-alive load generators for the benchmarks.

Two clients with one result shape:

* ``run()``: a pure-Python asyncio client (no third-party dependencies):
  ``concurrency`` keep-alive connections, each sending one GET at a time.
* ``run_wrk()``: the same load through ``wrk`` (Debian package ``wrk``), which
  costs far less CPU per request than Python does. On a 2-core machine the
  client competes with the server for CPU, so a cheaper client disturbs the
  measurement less.

``measure()`` picks wrk when it is installed (``BENCH_CLIENT=auto``, the
default) and falls back to the Python client otherwise; ``BENCH_CLIENT=python``
or ``BENCH_CLIENT=wrk`` forces one. Every result says which client produced it.

Safety: only loopback addresses are accepted as targets, and every run is
bounded both by time (``duration_s``) and by count (``max_requests``).

Result dict keys: ``client``, ``requests`` (responses received, any status),
``ok`` (status 200), ``errors`` (non-200 responses plus socket errors and
timeouts), ``rps`` (status-200 responses per second of wall time), ``p50_ms``,
``p90_ms``, ``p99_ms``, ``max_ms`` (latency of completed responses),
``duration_s``, ``concurrency``, ``capped`` (True when ``max_requests`` stopped
the run before ``duration_s``), ``statuses`` and ``error_kinds`` (when known).

Run it directly against a server already listening::

    python -m bench.loadgen --port 8000 --path /bench/trivial/ -c 8 -d 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from collections import Counter

DEFAULT_TIMEOUT_S = 10.0
_STREAM_LIMIT = 4 * 1024 * 1024


class LoadgenError(RuntimeError):
    pass


def check_loopback(host: str) -> None:
    """Refuse any target that is not on this machine's loopback range."""
    if host == "localhost":
        return
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError as exc:
        raise LoadgenError(f"refusing non-literal host {host!r}: loopback only") from exc
    if not addr.is_loopback:
        raise LoadgenError(f"refusing to load {host}: only loopback addresses are allowed")


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --------------------------------------------------------------------------
# Python asyncio client
# --------------------------------------------------------------------------


class _Conn:
    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def ensure(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=_STREAM_LIMIT
            )

    def close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(Exception):  # already broken, nothing to do
                self.writer.close()
        self.reader = self.writer = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return (status, keep_alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise LoadgenError(f"bad status line {lines[0]!r}")
    version, status = parts[0], int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    conn_hdr = headers.get("connection", "").lower()
    keep_alive = "close" not in conn_hdr and (version != "HTTP/1.0" or "keep-alive" in conn_hdr)

    if status in (204, 304) or 100 <= status < 200:
        return status, keep_alive
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size_line = await reader.readline()
            if not size_line:
                raise LoadgenError("connection closed inside chunked body")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # trailers, ended by an empty line
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            await reader.readexactly(size + 2)
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()  # body delimited by connection close
        keep_alive = False
    return status, keep_alive


async def _run_async(
    path: str,
    host: str,
    port: int,
    concurrency: int,
    duration_s: float,
    max_requests: int,
    timeout_s: float,
) -> dict:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "User-Agent: openlab-bench\r\nAccept: */*\r\n\r\n"
    ).encode("latin-1")
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    error_kinds: Counter[str] = Counter()
    issued = 0
    start = time.perf_counter()
    deadline = start + duration_s
    last_done = start

    async def worker() -> None:
        nonlocal issued, last_done
        conn = _Conn(host, port)
        try:
            while issued < max_requests and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    async with asyncio.timeout(timeout_s):
                        await conn.ensure()
                        conn.writer.write(request)
                        status, keep_alive = await _read_response(conn.reader)
                except (
                    OSError,
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    LoadgenError,
                    ValueError,
                    TimeoutError,
                ) as exc:
                    error_kinds[type(exc).__name__] += 1
                    conn.close()
                    await asyncio.sleep(0.01)  # no hot loop against a dead server
                    continue
                t1 = time.perf_counter()
                latencies.append(t1 - t0)
                statuses[status] += 1
                last_done = t1
                if not keep_alive:
                    conn.close()
        finally:
            conn.close()

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    # Hard stop: in-flight requests get their own timeout plus a little slack.
    _, pending = await asyncio.wait(tasks, timeout=duration_s + timeout_s + 2.0)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        error_kinds["cancelled"] += len(pending)
    elapsed = max(last_done - start, 1e-9)

    latencies.sort()
    ok = statuses.get(200, 0)
    requests = sum(statuses.values())
    return {
        "client": "python",
        "requests": requests,
        "ok": ok,
        "errors": (requests - ok) + sum(error_kinds.values()),
        "rps": ok / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p90_ms": percentile(latencies, 90) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else 0.0,
        "duration_s": elapsed,
        "concurrency": concurrency,
        "capped": issued >= max_requests and elapsed < duration_s,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "error_kinds": dict(error_kinds),
    }


def run(
    url_path: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    concurrency: int = 8,
    duration_s: float = 10.0,
    max_requests: int = 200_000,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> dict:
    """Load ``url_path`` with the Python client; bounded by time and count."""
    check_loopback(host)
    if concurrency < 1 or duration_s <= 0 or max_requests < 1:
        raise LoadgenError("concurrency, duration_s and max_requests must be positive")
    return asyncio.run(
        _run_async(url_path, host, port, concurrency, duration_s, max_requests, timeout_s)
    )


# --------------------------------------------------------------------------
# wrk client
# --------------------------------------------------------------------------

_WRK_LUA = r"""
local max_requests = %(max_requests)d
local threads = {}
local counter = 0
non200 = 0
statuses = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  counter = counter + 1
  if status ~= 200 then non200 = non200 + 1 end
  statuses[status] = (statuses[status] or 0) + 1
  if counter >= max_requests then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local n = 0
  local all = {}
  for _, t in ipairs(threads) do
    n = n + t:get("non200")
    for code, count in pairs(t:get("statuses")) do all[code] = (all[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(all) do
    table.insert(parts, string.format("\"%%d\": %%d", code, count))
  end
  local e = summary.errors
  io.write(string.format(
    "BENCHJSON {\"statuses\": {%%s}, \"requests\": %%d, \"non200\": %%d, " ..
    "\"duration_us\": %%d, " ..
    "\"connect\": %%d, \"read\": %%d, \"write\": %%d, \"status\": %%d, \"timeout\": %%d, " ..
    "\"p50_us\": %%d, \"p90_us\": %%d, \"p99_us\": %%d, \"max_us\": %%d}\n",
    table.concat(parts, ", "), summary.requests, n, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(
    url_path: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    concurrency: int = 8,
    duration_s: float = 10.0,
    max_requests: int = 200_000,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    threads: int = 1,
) -> dict:
    """Load ``url_path`` with wrk. One wrk thread by default: it is plenty on
    2 cores and leaves the CPU to the server. wrk always runs for the whole
    ``duration_s`` (whole seconds); if the per-thread count cap stops it
    earlier, ``capped`` is set and ``rps`` is a lower bound."""
    check_loopback(host)
    wrk = wrk_path()
    if not wrk:
        raise LoadgenError("wrk is not installed")
    threads = max(1, min(threads, concurrency))
    seconds = max(1, math.ceil(duration_s))
    per_thread_cap = max(1, math.ceil(max_requests / threads))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_WRK_LUA % {"max_requests": per_thread_cap})
        script = fh.name
    url_host = f"[{host}]" if ":" in host else host
    cmd = [
        wrk, f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s",
        f"--timeout={max(1, math.ceil(timeout_s))}s", "-s", script,
        f"http://{url_host}:{port}{url_path}",
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout_s + 15)
    finally:
        os.unlink(script)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise LoadgenError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    raw = json.loads(line[len("BENCHJSON ") :])
    duration = max(raw["duration_us"] / 1e6, 1e-9)
    requests = raw["requests"]
    ok = requests - raw["non200"]
    sock_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "client": "wrk",
        "requests": requests,
        "ok": ok,
        "errors": raw["non200"] + sock_errors,
        "rps": ok / duration,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "duration_s": duration,
        "concurrency": concurrency,
        "capped": requests >= per_thread_cap * threads,
        "statuses": dict(sorted(raw["statuses"].items())),
        "error_kinds": {k: raw[k] for k in ("connect", "read", "write", "timeout") if raw[k]},
    }


def combine(results: list[dict]) -> dict:
    """Merge several runs of one path (e.g. interleaved slices) into one result.

    Counts add up and ``rps`` is total OK responses over total time. wrk only
    reports percentiles, so the merged percentiles are the request-weighted
    mean of the slices' percentiles: an approximation, exact only when the
    slices agree."""
    if not results:
        raise ValueError("nothing to combine")
    if len(results) == 1:
        return dict(results[0])
    total_s = sum(r["duration_s"] for r in results)
    weights = [max(r["requests"], 0) for r in results]
    wsum = sum(weights) or 1

    def wmean(key: str) -> float:
        return sum(r[key] * w for r, w in zip(results, weights, strict=True)) / wsum

    statuses: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for r in results:
        statuses.update(r.get("statuses") or {})
        kinds.update(r.get("error_kinds") or {})
    ok = sum(r["ok"] for r in results)
    return {
        "client": results[0]["client"],
        "requests": sum(r["requests"] for r in results),
        "ok": ok,
        "errors": sum(r["errors"] for r in results),
        "rps": ok / max(total_s, 1e-9),
        "p50_ms": wmean("p50_ms"),
        "p90_ms": wmean("p90_ms"),
        "p99_ms": wmean("p99_ms"),
        "max_ms": max(r["max_ms"] for r in results),
        "duration_s": total_s,
        "concurrency": results[0]["concurrency"],
        "capped": any(r["capped"] for r in results),
        "statuses": dict(sorted(statuses.items())),
        "error_kinds": dict(kinds),
        "slices": len(results),
        "slice_rps": [r["rps"] for r in results],
    }


def client_name() -> str:
    """Which client ``measure`` will use: 'wrk' or 'python'."""
    choice = os.environ.get("BENCH_CLIENT", "auto").strip().lower() or "auto"
    if choice not in ("auto", "wrk", "python"):
        raise LoadgenError(f"BENCH_CLIENT must be auto, wrk or python, not {choice!r}")
    if choice == "python":
        return "python"
    if wrk_path():
        return "wrk"
    if choice == "wrk":
        raise LoadgenError("BENCH_CLIENT=wrk but wrk is not installed (apt-get install wrk)")
    return "python"


def measure(url_path: str, host: str, port: int, **kwargs) -> dict:
    """Run the preferred client (see ``client_name``)."""
    if client_name() == "wrk":
        return run_wrk(url_path, host, port, **kwargs)
    return run(url_path, host, port, **kwargs)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/")
    p.add_argument("-c", "--concurrency", type=int, default=8)
    p.add_argument("-d", "--duration", type=float, default=5.0)
    p.add_argument("-n", "--max-requests", type=int, default=200_000)
    p.add_argument("--client", choices=("auto", "python", "wrk"), default=None)
    args = p.parse_args(argv)
    if args.client:
        os.environ["BENCH_CLIENT"] = args.client
    result = measure(
        args.path,
        args.host,
        args.port,
        concurrency=args.concurrency,
        duration_s=args.duration,
        max_requests=args.max_requests,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
