"""One timed run of the whole `iamlint check` pipeline, split into its phases; shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def lint_phases(target: Path, on_loaded: Callable[[], None] | None = None) -> dict[str, Any]:
    """Read, load and index ``target``; run every built-in rule; render the JSON report to /dev/null.

    ``on_loaded`` runs between loading and the rules (e.g. to sample memory) and is not timed.
    """
    from iamlint.config import load_config
    from iamlint.findings import Severity
    from iamlint.pipeline import build_report, collect, lint, load_context
    from iamlint.plugins import load_plugins

    started = time.perf_counter()
    config = load_config(None, start=target if target.is_dir() else target.parent, paths=[str(target)])
    plugins = load_plugins()
    collected = collect([str(target)], config, plugins, load_context(config))
    if collected.errors:
        raise SystemExit(f"input errors: {collected.errors[:3]}")
    loaded = time.perf_counter()
    if on_loaded is not None:
        on_loaded()
    resumed = time.perf_counter()
    result = lint(collected, config, plugins, select=["ALL"])
    checked = time.perf_counter()
    report = build_report(result, Severity.LOW)
    reporter = plugins.reporter("json")
    assert reporter is not None
    with open("/dev/null", "w", encoding="utf-8") as sink:
        reporter.render(report, sink, color=False)
    done = time.perf_counter()
    return {
        "total": (loaded - started) + (done - resumed),
        "load": loaded - started,
        "rules": checked - resumed,
        "report": done - checked,
        "findings": len(report.findings),
        "unresolved": len(report.unresolved),
    }
