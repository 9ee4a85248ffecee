"""`iamlint baseline create|update`: record today's findings so that check reports only new ones."""

from __future__ import annotations

import argparse
from pathlib import Path

from iamlint.cli.common import (
    EXIT_OK,
    Commands,
    add_input_options,
    add_selection_options,
    lint_paths,
)
from iamlint.config import Config, load_config
from iamlint.pipeline import filter_findings
from iamlint.suppress import (
    DEFAULT_BASELINE,
    SuppressOptions,
    baseline_entry,
    baseline_path,
    update_baseline,
    write_baseline,
)


def add_parser(commands: Commands) -> None:
    baseline = commands.add_parser(
        "baseline",
        help="record today's findings so that check reports only new ones",
        description="Record findings by fingerprint (independent of line numbers) in a baseline file; "
        "`iamlint check --baseline FILE` then reports only findings not in it.",
    )
    actions = baseline.add_subparsers(dest="baseline_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="write a baseline of the current findings")
    update = actions.add_parser("update", help="drop fixed entries from a baseline (--add-new: add new ones)")
    for parser in (create, update):
        parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: paths:)")
        add_input_options(parser)
        add_selection_options(parser)
    create.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=f"baseline file (default: the config's baseline: or {DEFAULT_BASELINE})",
    )
    create.set_defaults(handler=run_create)
    update.add_argument(
        "--baseline",
        "-b",
        "-o",
        "--output",
        dest="baseline",
        metavar="FILE",
        help=f"baseline file to update (default: the config's baseline: or {DEFAULT_BASELINE}); -o/--output "
        "as for create",
    )
    update.add_argument("--add-new", action="store_true", help="also record findings not yet in the baseline")
    update.set_defaults(handler=run_update)


def _findings(count: int, kind: str = "") -> str:
    return f"{count} {kind}finding{'' if count == 1 else 's'}"


def _baseline_file(config: Config, explicit: str | None) -> str:
    return explicit or baseline_path(config, SuppressOptions()) or DEFAULT_BASELINE


def run_create(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    result = lint_paths(args, args.paths, config)
    findings = filter_findings(result, config, SuppressOptions(use_baseline=False)).reported
    target = _baseline_file(config, args.output)
    root = Path(target).resolve().parent
    write_baseline(target, [baseline_entry(finding, root) for finding in findings])
    print(f"Recorded {_findings(len(findings))} in {target}.")
    return EXIT_OK


def run_update(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    result = lint_paths(args, args.paths, config)
    findings = filter_findings(result, config, SuppressOptions(use_baseline=False)).reported
    target = _baseline_file(config, args.baseline)
    update = update_baseline(target, findings, add_new=args.add_new)
    print(
        f"{target}: kept {update.kept}, pruned {update.pruned} fixed, added {update.added}"
        + (
            f"; {_findings(update.not_added, 'new ')} not added (--add-new adds them)"
            if update.not_added
            else ""
        )
        + "."
    )
    return EXIT_OK
