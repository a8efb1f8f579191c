"""``python -m bench [scenario ...]``: run all (or the named) scenarios.

Figure lines go to stdout, progress to stderr; results are merged by scenario
into ``bench/results/latest.json``. The exit status says whether the harness
ran (0) or a scenario crashed (1); a missed target is printed, never fatal.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from bench import harness, loadgen, scenarios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help="scenario names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)

    names = scenarios.available()
    if args.list:
        for name in names:
            desc = getattr(scenarios.load(name), "DESCRIPTION", "")
            print(f"{name:12} {desc}")
        return 0
    unknown = [n for n in args.scenarios if n not in names]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; available: {', '.join(names)}")

    harness.install_signal_handlers()
    try:
        h = harness.Harness()
    except loadgen.LoadgenError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    info = harness.machine_info()
    print(
        f"# bench  client {h.client}  nproc {info['nproc']}  python {info['python']}  "
        f"seconds {h.seconds:g}  concurrency {h.concurrency}  {info['date']}",
        flush=True,
    )
    failed = []
    for name in args.scenarios or names:
        try:
            figures = scenarios.load(name).run(h)
        except KeyboardInterrupt:
            print("bench: interrupted", file=sys.stderr)
            return 130
        except Exception:  # noqa: BLE001 - report and go on with the next scenario
            traceback.print_exc()
            print(f"bench: scenario {name} failed", file=sys.stderr)
            failed.append(name)
            continue
        harness.print_figures(figures)
        path = harness.save_results(name, figures)
        harness.log(f"{name}: {len(figures)} figures written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
