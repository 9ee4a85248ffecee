"""`iamlint diff`: the access and findings AFTER adds to BEFORE (a base branch and a pull request)."""

from __future__ import annotations

import argparse
import json

from iamlint.atomic import check_writable
from iamlint.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Commands,
    add_input_options,
    add_selection_options,
    lint_paths,
    open_output,
)
from iamlint.config import Config, load_config
from iamlint.diff import diff as diff_results
from iamlint.diff import diff_to_dict
from iamlint.diff import render_text as render_diff_text
from iamlint.errors import InputErrors, UsageError
from iamlint.findings import Severity
from iamlint.pipeline import LintResult, filter_findings
from iamlint.suppress import SuppressOptions


def add_parser(commands: Commands) -> None:
    diff = commands.add_parser(
        "diff",
        help="the access and findings AFTER adds to BEFORE (e.g. base branch vs pull request)",
        description="Compare two sets of inputs: new member/role pairs per resource (inheritance included), "
        "new custom role permissions, workloads with a new identity, and new findings. Give one path per "
        "side as BEFORE AFTER, or several with --before P... --after P....",
    )
    diff.add_argument(
        "sides", nargs="*", metavar="BEFORE AFTER", help="one path (file or directory) per side"
    )
    diff.add_argument("--before", nargs="+", metavar="PATH", help="the paths of the BEFORE side")
    diff.add_argument("--after", nargs="+", metavar="PATH", help="the paths of the AFTER side")
    add_input_options(diff)
    add_selection_options(diff)
    diff.add_argument(
        "--format", choices=["text", "json"], default="text", help="output format (default text)"
    )
    diff.add_argument("--output", "-o", metavar="FILE", help="write the diff to FILE instead of stdout")
    diff.add_argument(
        "--fail-on-new-access",
        action="store_true",
        help="exit 1 when AFTER grants access BEFORE did not (new grants, permissions or identities)",
    )
    diff.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        metavar="SEVERITY",
        help="lowest severity of a new finding that makes the exit code 1 (default: the config's fail_on)",
    )
    diff.set_defaults(handler=run)


def lint_sides(args: argparse.Namespace, *sides: tuple[list[str], Config]) -> list[LintResult]:
    """Each side linted; the broken inputs of both are reported together."""
    results, errors = [], []
    for paths, config in sides:
        try:
            results.append(lint_paths(args, paths, config))
        except InputErrors as error:
            errors.extend(error.errors)
    if errors:
        raise InputErrors(errors)
    return results


def run(args: argparse.Namespace) -> int:
    if args.before or args.after:
        if not (args.before and args.after) or args.sides:
            raise UsageError("give both --before PATH... and --after PATH..., and no positional paths")
        before_paths, after_paths = args.before, args.after
    elif len(args.sides) == 2:
        before_paths, after_paths = [args.sides[0]], [args.sides[1]]
    else:
        raise UsageError("give BEFORE AFTER (one path each) or --before PATH... --after PATH...")
    # Each side with its own config (the base branch's and the pull request's), unless --config names one.
    before_config = load_config(args.config, paths=before_paths)
    after_config = load_config(args.config, paths=after_paths)
    if args.output:
        check_writable(args.output, "--output")
    before, after = lint_sides(args, (before_paths, before_config), (after_paths, after_config))
    result = diff_results(
        before.collected.inventory,
        after.collected.inventory,
        filter_findings(before, before_config, SuppressOptions(use_baseline=False)).reported,
        filter_findings(after, after_config, SuppressOptions(use_baseline=False)).reported,
    )
    with open_output(args.output) as stream:
        if args.format == "json":
            json.dump(diff_to_dict(result), stream, indent=2)
            stream.write("\n")
        else:
            render_diff_text(result, stream)
    fail_on = Severity(args.fail_on) if args.fail_on else after_config.fail_on
    failed = bool(result.failing(fail_on)) or (args.fail_on_new_access and result.has_new_access)
    return EXIT_FINDINGS if failed else EXIT_OK
