"""Benchmark: lint synthetic org exports of 10k, 100k and 1M assets with every built-in rule.

For each size a fresh interpreter (one subprocess each, so peak memory is that run's alone) first parses
the export with the stdlib ``json`` module and nothing else, then another runs the whole ``iamlint check``
pipeline (read, load, index, all built-in rules including default-off ones, JSON report to /dev/null).
The two alternate ``--repeat`` times and the fastest run of each is reported, with that run's peak
memory: the child's maximum resident set size (``resource.getrusage``), interpreter included. Beside the
ratio of the fastest runs, each lint is also divided by the parse run just before it, and the median and
range of those ratios are shown: on a shared machine the speed of both drifts from run to run.

    python benchmarks/bench_cai.py                       # 10k, 100k, 1M (generates into /tmp/iamlint-bench)
    python benchmarks/bench_cai.py --sizes 10000 100000  # smaller
    python benchmarks/bench_cai.py --repeat 1            # one run of each instead of the fastest of three
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILES = ("resource.ndjson", "iam_policy.ndjson")


def _peak_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_parse(directory: Path) -> dict[str, Any]:
    started = time.perf_counter()
    count = 0
    for name in FILES:
        with open(directory / name, "rb") as handle:
            for line in handle:
                json.loads(line)
                count += 1
    return {"assets": count, "seconds": time.perf_counter() - started, "peak_mb": _peak_mb()}


def child_lint(directory: Path) -> dict[str, Any]:
    from phases import lint_phases

    loaded_mb: list[float] = []
    phases = lint_phases(directory, on_loaded=lambda: loaded_mb.append(_peak_mb()))
    return {
        "seconds": phases["total"],
        "load_seconds": phases["load"],
        "rules_seconds": phases["rules"],
        "report_seconds": phases["report"],
        "findings": phases["findings"],
        "peak_mb": _peak_mb(),
        "loaded_mb": loaded_mb[0],
    }


def run_child(mode: str, directory: Path) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def ensure_export(size: int, workdir: Path, seed: int) -> Path:
    directory = workdir / f"cai-{size}-seed{seed}"
    if not all((directory / name).exists() for name in FILES):
        subprocess.run(
            [
                *(sys.executable, str(HERE / "generate_cai.py")),
                *("--assets", str(size), "--seed", str(seed), "--out", str(directory)),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/iamlint-bench"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each (parse, lint) per size; the fastest is reported (default 3)",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, directory = args.child
        work = child_parse if mode == "parse" else child_lint
        print(json.dumps(work(Path(directory))))
        return
    print(
        "| assets | export size | json parse | iamlint total | load | rules | JSON report | assets/s "
        "| total/parse | per pair: median (range) | peak memory (after load) | findings |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        directory = ensure_export(size, args.workdir, args.seed)
        megabytes = sum((directory / name).stat().st_size for name in FILES) / 1e6
        # Alternated, and the fastest of each kept: on a shared machine single runs vary by a quarter.
        parses, lints = [], []
        for _ in range(args.repeat):
            parses.append(run_child("parse", directory))
            lints.append(run_child("lint", directory))
        parsed = min(parses, key=lambda run: float(run["seconds"]))
        linted = min(lints, key=lambda run: float(run["seconds"]))
        # Each lint over the parse run just before it: the machine's speed drifts, and a pair shares it.
        pairs = sorted(
            float(lint["seconds"]) / float(parse["seconds"])
            for parse, lint in zip(parses, lints, strict=True)
        )
        print(
            f"| {parsed['assets']:,} | {megabytes:,.0f} MB | {parsed['seconds']:.1f} s "
            f"| {linted['seconds']:.1f} s | {linted['load_seconds']:.1f} s | {linted['rules_seconds']:.1f} s "
            f"| {linted['report_seconds']:.1f} s | {parsed['assets'] / linted['seconds']:,.0f} "
            f"| {linted['seconds'] / parsed['seconds']:.1f}x "
            f"| {statistics.median(pairs):.1f}x ({pairs[0]:.1f}x to {pairs[-1]:.1f}x) "
            f"| {linted['peak_mb']:,.0f} MB ({linted['loaded_mb']:,.0f} MB) "
            f"| {linted['findings']:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
