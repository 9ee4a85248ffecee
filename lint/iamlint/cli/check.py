"""`iamlint check`: lint files and directories."""

from __future__ import annotations

import argparse

from iamlint.cli.common import (
    EPILOG,
    EXIT_OK,
    Commands,
    add_input_options,
    add_output_options,
    add_selection_options,
    add_suppression_options,
    check_references,
    errors_reported,
    lint_paths,
    plugins_for,
    report_result,
    report_targets,
)
from iamlint.cli.show import show_config, show_files
from iamlint.config import load_config
from iamlint.errors import UsageError
from iamlint.loaders import STDIN
from iamlint.loaders.documents import Stdin


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
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the name of the document read from standard input (PATH -) in messages and for the config: "
        "which config applies, resources:, exclude: (default <stdin>)",
    )
    add_selection_options(check)
    add_output_options(check)
    add_suppression_options(check)
    shown = check.add_argument_group("inspect the run (nothing is linted)")
    shown.add_argument(
        "--show-config",
        action="store_true",
        help="print the settings the run would use and where each comes from (config file, command line, "
        "default), then exit",
    )
    shown.add_argument(
        "--show-files",
        action="store_true",
        help="list the documents the run would lint and the loader that claims each, then exit",
    )
    check.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.paths.count(STDIN) > 1:
        raise UsageError("standard input (-) can be read only once")
    stdin = Stdin(args.stdin_filename or "<stdin>")
    # The document on standard input is matched to a config by the name it is given.
    named = [args.stdin_filename if path == STDIN and args.stdin_filename else path for path in args.paths]
    config = load_config(args.config, paths=named)
    plugins = plugins_for(config, args=args)
    if args.show_config or args.show_files:
        check_references(args, config, plugins)
        code = show_config(args, config, plugins) if args.show_config else EXIT_OK
        return show_files(args, config, plugins, stdin) if args.show_files else code
    targets = report_targets(plugins, args.format or ["text"], args.output or [])
    with errors_reported(targets):
        result = lint_paths(args, args.paths, config, plugins, stdin)
        return report_result(args, config, result, targets)
