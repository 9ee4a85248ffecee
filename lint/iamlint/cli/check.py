"""`iamlint check`: lint files and directories."""

from __future__ import annotations

import argparse

from iamlint.cli.common import (
    EPILOG,
    Commands,
    add_input_options,
    add_output_options,
    add_selection_options,
    add_suppression_options,
    errors_reported,
    lint_paths,
    plugins_for,
    report_result,
    report_targets,
)
from iamlint.config import load_config


def add_parser(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="lint files and directories",
        description="Lint IAM policies, Cloud Run specs, asset exports and Terraform plans.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories (default: the config's paths:, else the current directory)",
    )
    add_input_options(check)
    check.add_argument(
        "--changed-only",
        action="store_true",
        help="Terraform plans: report only findings at resources the plan creates, updates or replaces "
        "(rules still see the whole plan)",
    )
    add_selection_options(check)
    add_output_options(check)
    add_suppression_options(check)
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    plugins = plugins_for(config, args=args)
    targets = report_targets(plugins, args.format or ["text"], args.output or [])
    with errors_reported(targets):
        result = lint_paths(args, args.paths, config, plugins)
        return report_result(args, config, result, targets)
