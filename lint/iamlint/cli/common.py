"""What the subcommands share: option groups, exit codes, output streams, and the lint-and-report path."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TextIO, TypeAlias

from iamlint.atomic import atomic_writer, check_writable
from iamlint.config import Config
from iamlint.constraints import with_constraints
from iamlint.errors import IamlintError, InputError, InputErrors, UsageError
from iamlint.findings import Severity
from iamlint.loaders.documents import Stdin
from iamlint.pipeline import LintResult, build_report, collect, filter_findings, lint, load_context
from iamlint.plugins import Plugins, load_plugins
from iamlint.references import check_plugin_references, check_rule_references
from iamlint.report import ErrorReporter, Report, Reporter
from iamlint.report.text import TextReporter
from iamlint.resource_names import resource_argument
from iamlint.suppress import SuppressOptions, baseline_path, read_baseline

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# What every subcommand module's add_parser receives (a string: argparse's class is generic only to mypy).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

EPILOG = """\
exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  usage, configuration or input error (printed as path:line: message)

examples:
  iamlint check examples/                      lint a directory (config from .iamlint.yaml)
  iamlint check --format json iam/policy.json  machine-readable output
  iamlint check --resource //cloudresourcemanager.googleapis.com/projects/acme-prod policy.yaml
  iamlint rules                                list the rules
  iamlint explain SP001                        what a rule checks, why, and how to fix it
"""


def csv(values: Sequence[str] | None) -> list[str]:
    """Comma-separated, repeatable option values as one list."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def positive_int(text: str) -> int:
    """An argparse type: a whole number greater than 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value}: expected a number greater than 0")
    return value


def use_color(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


# --- option groups ---------------------------------------------------------------------------------


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("rules")
    group.add_argument(
        "--select",
        action="append",
        metavar="RULES",
        help="run only these rules: ids, names, prefixes (SP, SA00) or ALL; comma-separated, "
        "repeatable; enables default-off rules",
    )
    group.add_argument("--ignore", action="append", metavar="RULES", help="switch these rules off")


CONFIG_HELP = (
    "config file (default: the nearest .iamlint.yaml or pyproject.toml with [tool.iamlint] above each "
    "PATH, else above the current directory; every PATH must get the same one)"
)


def add_config_option(parser: argparse.ArgumentParser, help: str = CONFIG_HELP) -> None:
    parser.add_argument("--config", metavar="FILE", help=help)


def add_input_options(parser: argparse.ArgumentParser, *, files: bool = True) -> None:
    """``files`` adds --resource, which only means something for bare policy files."""
    add_config_option(parser)
    if files:
        parser.add_argument(
            "--resource",
            metavar="FULL_NAME",
            type=resource_argument,
            help="the resource bare policy files are set on, e.g. "
            "//cloudresourcemanager.googleapis.com/projects/acme-prod or projects/acme-prod (the forms "
            "the config's resources: takes; that map takes precedence per file)",
        )
    parser.add_argument("-q", "--quiet", action="store_true", help="hide notices (skipped files, warnings)")
    add_plugin_options(parser)


def add_plugin_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--disable-plugin",
        action="append",
        metavar="NAME",
        help="turn a rule pack off: its name as `iamlint rules` shows it (an entry point name or a "
        "plugins: file); comma-separated, repeatable",
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        action="append",
        metavar="FORMAT",
        help="output format: text (default), json, sarif, github, junit, or a plugin's; repeat it with "
        "an --output per format (see `iamlint formats`)",
    )
    group.add_argument(
        "--output",
        "-o",
        action="append",
        metavar="FILE",
        help="write the report to FILE instead of stdout (pairs with --format in order)",
    )
    group.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        metavar="SEVERITY",
        help="lowest severity that makes the exit code 1: info, low (default), medium, high, critical",
    )
    group.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour text output (default: only on a terminal; NO_COLOR is honoured)",
    )


def add_suppression_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("suppressions")
    group.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings not recorded in this baseline (default: the config's baseline:)",
    )
    group.add_argument(
        "--no-suppress",
        action="store_true",
        help="also show suppressed findings, marked with the waiver and its reason (for audits)",
    )
    group.add_argument(
        "--show-unused-suppressions",
        action="store_true",
        help="list config waivers and inline comments that matched no finding",
    )
    group.add_argument(
        "--strict-suppressions",
        action="store_true",
        help="exit 1 when a suppression is unused or an inline comment has no reason",
    )


# --- plugins, messages, reports ----------------------------------------------------------------------


def plugins_for(
    config: Config, disabled: Sequence[str] = (), args: argparse.Namespace | None = None
) -> Plugins:
    """The config's plugins less those disabled in the config, by ``disabled`` or by --disable-plugin."""
    disabled = [*disabled, *csv(getattr(args, "disable_plugin", None))]
    check_plugin_references(config, disabled)
    return load_plugins(
        [config.resolve(path) for path in config.plugins], [*config.disable_plugins, *disabled]
    )


def listed_plugins(config: Config, args: argparse.Namespace) -> Plugins:
    """For `rules` and `explain`: the plugins' rules and the config's constraints (lint() adds them too)."""
    plugins = plugins_for(config, args=args)
    return dataclasses.replace(plugins, rules=with_constraints(plugins.rules, config))


def check_references(args: argparse.Namespace, config: Config, plugins: Plugins) -> None:
    """Every rule the config and --select/--ignore name exists (before any input is read)."""
    rules = with_constraints(plugins.rules, config)
    check_rule_references(config, rules, csv(args.select), csv(args.ignore))


def print_errors(errors: Sequence[InputError]) -> None:
    for error in errors:
        print(f"iamlint: error: {error}", file=sys.stderr)


def print_notices(report: Report, quiet: bool) -> None:
    if quiet:
        return
    for notice in report.notices:
        where = f"{notice.location}: " if notice.location else ""
        print(f"iamlint: notice: {where}{notice.message}", file=sys.stderr)


@dataclass(frozen=True)
class ReportTarget:
    """One report of a run: a format and the file it goes to (None: standard output)."""

    reporter: Reporter
    path: str | None


def report_targets(plugins: Plugins, formats: Sequence[str], outputs: Sequence[str]) -> list[ReportTarget]:
    """Each --format paired with the --output in the same position, or stdout; checked before any input is
    read, so that a long run never fails at its end for a typo or an unwritable path."""
    if len(outputs) > len(formats):
        formats = [*formats, *["text"] * (len(outputs) - len(formats))]
    to_stdout = [fmt for index, fmt in enumerate(formats) if index >= len(outputs)]
    if len(to_stdout) > 1:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all go to stdout; give each but one an --output"
        )
    targets = []
    for index, fmt in enumerate(formats):
        reporter = plugins.reporter(fmt)
        if reporter is None:
            names = ", ".join(r.name for r in plugins.reporters)
            raise UsageError(f"unknown --format {fmt!r} (choose from {names})")
        path = outputs[index] if index < len(outputs) else None
        if path is not None:
            check_writable(path, "--output")
        targets.append(ReportTarget(reporter, path))
    return targets


def open_output(path: str | None) -> AbstractContextManager[TextIO]:
    """Standard output, or ``path`` written atomically (the previous file stays until the new one is whole)."""
    return atomic_writer(path) if path else nullcontext(sys.stdout)


def write_reports(report: Report, targets: Sequence[ReportTarget], color_choice: str) -> None:
    for target in targets:
        with open_output(target.path) as stream:
            color = target.path is None and use_color(color_choice, stream)
            target.reporter.render(report, stream, color=color)
    if all(target.path for target in targets):
        # Every report went to a file: the terminal (or CI log) still gets the summary.
        TextReporter().render_summary(report, sys.stdout, color=use_color(color_choice, sys.stdout))


def write_error_reports(errors: Sequence[InputError], targets: Sequence[ReportTarget]) -> None:
    """A run that ends in errors still writes the reports that can say so (SARIF, GitHub annotations,
    JUnit), so that a CI step uploading them finds a file; the other formats are not written."""
    for target in targets:
        if isinstance(target.reporter, ErrorReporter):
            try:
                with open_output(target.path) as stream:
                    target.reporter.render_errors(errors, stream)
            except IamlintError as error:
                print(f"iamlint: error: {error}", file=sys.stderr)


@contextmanager
def errors_reported(targets: Sequence[ReportTarget]) -> Iterator[None]:
    """Errors that end the run inside the block are also written to ``targets`` (then re-raised)."""
    try:
        yield
    except InputErrors as error:
        write_error_reports(error.errors, targets)
        raise
    except InputError as error:
        write_error_reports([error], targets)
        raise
    except IamlintError as error:
        write_error_reports([InputError(None, None, str(error))], targets)
        raise


# --- lint and report -----------------------------------------------------------------------------------


def lint_paths(
    args: argparse.Namespace,
    paths: Sequence[str],
    config: Config,
    plugins: Plugins | None = None,
    stdin: Stdin | None = None,
) -> LintResult:
    """Load and lint; raises InputErrors naming every broken input."""
    plugins = plugins or plugins_for(config, args=args)
    check_references(args, config, plugins)
    paths = list(paths) or config.default_paths() or ["."]
    changed_only = bool(getattr(args, "changed_only", False))
    context = load_context(config, args.resource, changed_only=changed_only)
    collected = collect(paths, config, plugins, context, stdin=stdin)
    if collected.errors:
        raise InputErrors(collected.errors)
    return lint(collected, config, plugins, csv(args.select), csv(args.ignore), changed_only=changed_only)


def suppress_options(args: argparse.Namespace) -> SuppressOptions:
    return SuppressOptions(
        baseline=args.baseline,
        no_suppress=args.no_suppress,
        show_unused=args.show_unused_suppressions,
        strict=args.strict_suppressions,
    )


def check_suppression_files(args: argparse.Namespace, config: Config) -> None:
    """The baseline the run will filter by is read now: a missing one fails before a long scan starts."""
    chosen = baseline_path(config, suppress_options(args))
    if chosen:
        read_baseline(chosen)


def report_result(
    args: argparse.Namespace, config: Config, result: LintResult, targets: Sequence[ReportTarget]
) -> int:
    """Suppress, report and choose the exit code: the same for `check` and `scan`."""
    filtered = filter_findings(result, config, suppress_options(args))
    fail_on = Severity(args.fail_on) if args.fail_on else config.fail_on
    report = build_report(result, fail_on, filtered)
    print_notices(report, args.quiet)
    write_reports(report, targets, args.color)
    return EXIT_FINDINGS if report.failing or filtered.strict_failure else EXIT_OK
