"""Command line: argument parsing, output streams and exit codes; the work itself is in pipeline.py."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from iamlint import __version__
from iamlint.config import Config, load_config
from iamlint.constraints import with_constraints
from iamlint.diff import diff as diff_results
from iamlint.diff import diff_to_dict
from iamlint.diff import render_text as render_diff_text
from iamlint.docs import reference_markdown, rule_text
from iamlint.errors import IamlintError, InputError, UsageError
from iamlint.explain_role import render as render_role
from iamlint.explain_role import rules_tripped_by
from iamlint.findings import Severity
from iamlint.pipeline import LintResult, build_report, collect, filter_findings, lint, load_context
from iamlint.plugins import Plugins, load_plugins
from iamlint.report import Report
from iamlint.report.text import TextReporter
from iamlint.roles import CACHE_ENV, ENDPOINT_ENV
from iamlint.roles import catalogue as role_catalogue
from iamlint.roles import lookup as lookup_role
from iamlint.roles import sync as sync_roles
from iamlint.suppress import (
    DEFAULT_BASELINE,
    SuppressOptions,
    baseline_entry,
    baseline_path,
    update_baseline,
    write_baseline,
)
from iamlint.testing import lint_texts

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

DESCRIPTION = """\
iamlint lints Google Cloud IAM: who can do what on your Cloud Run services and Spanner databases.

It reads gcloud get-iam-policy output, Cloud Run service/job specs (Knative YAML or Admin API v2 JSON),
Cloud Asset Inventory exports and Terraform plans, and reports shared or default service accounts,
over-broad roles, public or external principals, keys, missing audit logs and more.
"""

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


def _csv(values: Sequence[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


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


def add_input_options(parser: argparse.ArgumentParser, *, files: bool = True) -> None:
    """``files`` adds --resource, which only means something for bare policy files."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: the nearest .iamlint.yaml or pyproject.toml with [tool.iamlint], "
        "looking upwards from the first PATH, then from the current directory)",
    )
    if files:
        parser.add_argument(
            "--resource",
            metavar="FULL_NAME",
            help="the resource bare policy files are set on, e.g. "
            "//cloudresourcemanager.googleapis.com/projects/acme-prod "
            "(the config's resources: map takes precedence per file)",
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


def add_baseline_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    create.set_defaults(handler=cmd_baseline_create)
    update.add_argument(
        "--baseline",
        "-b",
        metavar="FILE",
        help=f"baseline file (default: the config's baseline: or {DEFAULT_BASELINE})",
    )
    update.add_argument("--add-new", action="store_true", help="also record findings not yet in the baseline")
    update.set_defaults(handler=cmd_baseline_update)


def add_diff_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    diff.set_defaults(handler=cmd_diff)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iamlint",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"iamlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    check.set_defaults(handler=cmd_check)

    rules = commands.add_parser("rules", help="list the rules (id, name, severity, pack, summary)")
    rules.add_argument(
        "--docs", action="store_true", help="print the Markdown rule reference (docs/rules.md)"
    )
    rules.add_argument("--config", metavar="FILE", help="config file (for plugins: and disable_plugins:)")
    add_plugin_options(rules)
    rules.set_defaults(handler=cmd_rules)

    explain = commands.add_parser("explain", help="explain a rule: why, how to fix, examples")
    explain.add_argument(
        "rule", metavar="RULE", help="rule id or name, e.g. SP001 or over-broad-spanner-role"
    )
    explain.add_argument("--config", metavar="FILE", help="config file (for plugins:)")
    add_plugin_options(explain)
    explain.set_defaults(handler=cmd_explain)

    formats = commands.add_parser("formats", help="list the output formats")
    formats.set_defaults(handler=cmd_formats)
    add_baseline_commands(commands)
    add_diff_command(commands)
    add_scan_command(commands)
    add_role_commands(commands)
    return parser


# --- shared plumbing ---------------------------------------------------------------------------------


def plugins_for(
    config: Config, disabled: Sequence[str] = (), args: argparse.Namespace | None = None
) -> Plugins:
    """The config's plugins less those disabled in the config, by ``disabled`` or by --disable-plugin."""
    disabled = [*disabled, *_csv(getattr(args, "disable_plugin", None))]
    return load_plugins(
        [config.resolve(path) for path in config.plugins], [*config.disable_plugins, *disabled]
    )


def listed_plugins(config: Config, args: argparse.Namespace) -> Plugins:
    """For `rules` and `explain`: the plugins' rules and the config's constraints (lint() adds them too)."""
    plugins = plugins_for(config, args=args)
    return dataclasses.replace(plugins, rules=with_constraints(plugins.rules, config))


def print_errors(errors: Sequence[InputError]) -> None:
    for error in errors:
        print(f"iamlint: error: {error}", file=sys.stderr)


def print_notices(report: Report, quiet: bool) -> None:
    if quiet:
        return
    for notice in report.notices:
        where = f"{notice.location}: " if notice.location else ""
        print(f"iamlint: notice: {where}{notice.message}", file=sys.stderr)


def write_reports(
    report: Report, plugins: Plugins, formats: Sequence[str], outputs: Sequence[str], color_choice: str
) -> None:
    """Each --format goes to the --output in the same position, or to stdout."""
    if len(outputs) > len(formats):
        formats = [*formats, *["text"] * (len(outputs) - len(formats))]
    to_stdout = [fmt for index, fmt in enumerate(formats) if index >= len(outputs)]
    if len(to_stdout) > 1:
        raise UsageError(
            f"formats {', '.join(to_stdout)} would all go to stdout; give each but one an --output"
        )
    reporters = []
    for fmt in formats:
        reporter = plugins.reporter(fmt)
        if reporter is None:
            names = ", ".join(r.name for r in plugins.reporters)
            raise UsageError(f"unknown --format {fmt!r} (choose from {names})")
        reporters.append(reporter)
    for index, reporter in enumerate(reporters):
        if index < len(outputs):
            with open_output(outputs[index]) as stream:
                reporter.render(report, stream, color=False)
        else:
            reporter.render(report, sys.stdout, color=_use_color(color_choice, sys.stdout))
    if not to_stdout:
        # Every report went to a file: the terminal (or CI log) still gets the summary.
        TextReporter().render_summary(report, sys.stdout, color=_use_color(color_choice, sys.stdout))


def open_output(path: str) -> TextIO:
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write --output {path}: {error.strerror or error}") from None


# --- commands ------------------------------------------------------------------------------------------


def lint_paths(
    args: argparse.Namespace, paths: Sequence[str], config: Config, plugins: Plugins | None = None
) -> LintResult | None:
    """Load and lint; None (after printing the errors) when any input is broken."""
    plugins = plugins or plugins_for(config, args=args)
    paths = list(paths) or config.default_paths() or ["."]
    changed_only = bool(getattr(args, "changed_only", False))
    collected = collect(
        paths, config, plugins, load_context(config, args.resource, changed_only=changed_only)
    )
    if collected.errors:
        print_errors(collected.errors)
        return None
    return lint(collected, config, plugins, _csv(args.select), _csv(args.ignore), changed_only=changed_only)


def cmd_check(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    plugins = plugins_for(config, args=args)
    result = lint_paths(args, args.paths, config, plugins)
    if result is None:
        return EXIT_ERROR
    return report_result(args, config, plugins, result)


def report_result(args: argparse.Namespace, config: Config, plugins: Plugins, result: LintResult) -> int:
    """Suppress, report and choose the exit code: the same for `check` and `scan`."""
    options = SuppressOptions(
        baseline=args.baseline,
        no_suppress=args.no_suppress,
        show_unused=args.show_unused_suppressions,
        strict=args.strict_suppressions,
    )
    filtered = filter_findings(result, config, options)
    fail_on = Severity(args.fail_on) if args.fail_on else config.fail_on
    report = build_report(result, fail_on, filtered)
    print_notices(report, args.quiet)
    write_reports(report, plugins, args.format or ["text"], args.output or [], args.color)
    return EXIT_FINDINGS if report.failing or filtered.strict_failure else EXIT_OK


SCAN_EPILOG = """\
Needs roles/cloudasset.viewer on the scope for the account iamlint runs as (Application Default
Credentials: `gcloud auth application-default login`, an attached service account on Cloud Run, or
workload identity federation in CI), and the Cloud Asset API enabled in that account's project.

examples:
  iamlint scan --scope organizations/123456789012
  iamlint scan --scope folders/456 --save scan.ndjson --format json -o findings.json
  iamlint check scan.ndjson                    lint a saved scan again, offline
  IAMLINT_CAI_ENDPOINT=127.0.0.1:8080 iamlint scan --scope projects/my-proj   a local emulator
"""


def add_scan_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan = commands.add_parser(
        "scan",
        help="scan an organization, folder or project live with the Cloud Asset API",
        description="Read the assets and IAM policies under a scope with the Cloud Asset API and lint them "
        "like `iamlint check` lints files (same rules, config, suppressions, formats and exit codes).",
        epilog=SCAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument(
        "--scope",
        required=True,
        metavar="SCOPE",
        help="organizations/NUMBER, folders/NUMBER or projects/PROJECT_ID_OR_NUMBER",
    )
    scan.add_argument(
        "--asset-types",
        action="append",
        metavar="TYPES",
        help="only these asset types (comma-separated, repeatable; regular expressions as the API "
        "accepts them); default: the resources the rules model and the IAM policies of every type",
    )
    scan.add_argument(
        "--read-time", metavar="TIME", help="read the assets as of this RFC 3339 time (within 35 days)"
    )
    scan.add_argument("--page-size", type=int, metavar="N", help="assets per API page (the API caps it)")
    scan.add_argument(
        "--policies",
        choices=["list", "search"],
        default="list",
        help="read IAM policies with list_assets (default; gives each policy's ancestors) or "
        "search_all_iam_policies (needs only cloudasset.assets.searchAllIamPolicies)",
    )
    scan.add_argument(
        "--save",
        metavar="FILE",
        help="also write what was read as an NDJSON export that `iamlint check FILE` lints again; "
        "findings then point at its lines",
    )
    scan.add_argument(
        "--endpoint",
        metavar="HOST[:PORT]",
        help="Cloud Asset API endpoint, e.g. a Private Service Connect one (env IAMLINT_CAI_ENDPOINT); a "
        "loopback address or http://HOST:PORT gets a plaintext channel without credentials (emulators)",
    )
    add_input_options(scan, files=False)
    add_selection_options(scan)
    add_output_options(scan)
    add_suppression_options(scan)
    scan.set_defaults(handler=cmd_scan)


def cmd_scan(args: argparse.Namespace) -> int:
    # Imported here: the Google client libraries take a while to import and `check` never needs them.
    from iamlint.loaders.cai_live import ScanOptions, check_scope, parse_read_time
    from iamlint.scan import collect_scan

    options = ScanOptions(
        scope=check_scope(args.scope),
        asset_types=_csv(args.asset_types),
        read_time=parse_read_time(args.read_time) if args.read_time else None,
        page_size=args.page_size,
        endpoint=args.endpoint,
        policies=args.policies,
    )
    config = load_config(args.config)
    plugins = plugins_for(config, args=args)
    collected = collect_scan(options, config, plugins, save=args.save)
    result = lint(collected, config, plugins, _csv(args.select), _csv(args.ignore))
    return report_result(args, config, plugins, result)


def _baseline_file(config: Config, explicit: str | None) -> str:
    return explicit or baseline_path(config, SuppressOptions()) or DEFAULT_BASELINE


def cmd_baseline_create(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    result = lint_paths(args, args.paths, config)
    if result is None:
        return EXIT_ERROR
    findings = filter_findings(result, config, SuppressOptions(use_baseline=False)).reported
    target = _baseline_file(config, args.output)
    root = Path(target).resolve().parent
    write_baseline(target, [baseline_entry(finding, root) for finding in findings])
    print(f"Recorded {len(findings)} finding{'' if len(findings) == 1 else 's'} in {target}.")
    return EXIT_OK


def cmd_baseline_update(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    result = lint_paths(args, args.paths, config)
    if result is None:
        return EXIT_ERROR
    findings = filter_findings(result, config, SuppressOptions(use_baseline=False)).reported
    target = _baseline_file(config, args.baseline)
    update = update_baseline(target, findings, add_new=args.add_new)
    print(
        f"{target}: kept {update.kept}, pruned {update.pruned} fixed, added {update.added}"
        + (f"; {update.not_added} new findings not added (--add-new adds them)" if update.not_added else "")
        + "."
    )
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
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
    before = lint_paths(args, before_paths, before_config)
    after = lint_paths(args, after_paths, after_config)
    if before is None or after is None:
        return EXIT_ERROR
    result = diff_results(
        before.collected.inventory,
        after.collected.inventory,
        filter_findings(before, before_config, SuppressOptions(use_baseline=False)).reported,
        filter_findings(after, after_config, SuppressOptions(use_baseline=False)).reported,
    )
    stream = open_output(args.output) if args.output else sys.stdout
    try:
        if args.format == "json":
            json.dump(diff_to_dict(result), stream, indent=2)
            stream.write("\n")
        else:
            render_diff_text(result, stream)
    finally:
        if stream is not sys.stdout:
            stream.close()
    fail_on = Severity(args.fail_on) if args.fail_on else after_config.fail_on
    failed = bool(result.failing(fail_on)) or (args.fail_on_new_access and result.has_new_access)
    return EXIT_FINDINGS if failed else EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    plugins = listed_plugins(config, args)
    if args.docs:
        sys.stdout.write(reference_markdown(plugins.rules))
        return EXIT_OK
    width = max((len(rule.name) for rule in plugins.rules), default=10)
    for rule in plugins.rules:
        state = "" if rule.default_enabled else " (off by default)"
        print(
            f"{rule.id:<7} {rule.name:<{width}}  {rule.severity.value:<8}  [{plugins.pack_label(rule)}] "
            f"{rule.summary}{state}"
        )
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    plugins = listed_plugins(config, args)
    rule = plugins.rule(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule {args.rule!r}; `iamlint rules` lists them")
    fired = []
    if rule.examples_fire:
        findings = lint_texts(rule.examples_fire, select=[rule.id], plugins=plugins)
        fired = [f"{f.location or f.resource}: {f.rule} {f.message}" for f in findings]
    sys.stdout.write(rule_text(rule, fired))
    return EXIT_OK


def add_role_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    roles = commands.add_parser(
        "roles",
        help="the predefined role catalogue: sync it from the IAM API",
        description="Rules judge roles by their permissions. iamlint ships the roles it reasons about "
        "(basic, Spanner, IAM, Cloud Run, Resource Manager); `roles sync` reads every predefined role "
        f"through the IAM API into a cache that is used when present (${CACHE_ENV} or "
        "~/.cache/iamlint/roles.json).",
    )
    actions = roles.add_subparsers(dest="roles_command", metavar="ACTION", required=True)
    sync = actions.add_parser("sync", help="read the predefined roles (roles.list, view FULL) into the cache")
    sync.add_argument("--out", metavar="FILE", help=f"write here instead of the cache (${CACHE_ENV})")
    sync.add_argument(
        "--endpoint",
        metavar="HOST:PORT",
        help=f"IAM API endpoint (default iam.googleapis.com; ${ENDPOINT_ENV}); a loopback address is used "
        "over plaintext without credentials (an emulator)",
    )
    sync.set_defaults(handler=cmd_roles_sync)

    explain_role = commands.add_parser(
        "explain-role", help="what a role grants and which rules it trips when granted"
    )
    explain_role.add_argument("role", metavar="ROLE", help="roles/NAME, or a custom role projects/P/roles/R")
    explain_role.add_argument(
        "paths", nargs="*", metavar="PATH", help="inputs that define custom roles (gcloud, asset exports)"
    )
    explain_role.add_argument("--config", metavar="FILE", help="config file (for plugins: and constraints:)")
    add_plugin_options(explain_role)
    explain_role.set_defaults(handler=cmd_explain_role)


def cmd_roles_sync(args: argparse.Namespace) -> int:
    target, count = sync_roles(Path(args.out) if args.out else None, endpoint=args.endpoint)
    print(f"Wrote {count} predefined roles to {target}.")
    return EXIT_OK


def cmd_explain_role(args: argparse.Namespace) -> int:
    config = load_config(args.config, paths=args.paths)
    plugins = listed_plugins(config, args)
    inventory = None
    if args.paths:
        collected = collect(args.paths, config, plugins, load_context(config))
        if collected.errors:
            print_errors(collected.errors)
            return EXIT_ERROR
        inventory = collected.inventory
    roles = role_catalogue()
    info = lookup_role(args.role, inventory, roles)
    if info is None:
        close = roles.suggestions(args.role)
        hint = f"; did you mean {close[0]}?" if close else ""
        where = (
            "in the role catalogue" if args.role.startswith("roles/") else "among the inputs' custom roles"
        )
        raise UsageError(f"unknown role {args.role!r} {where}{hint}")
    custom = inventory.custom_roles.values() if inventory else ()
    sys.stdout.write(render_role(info, rules_tripped_by(args.role, plugins.rules, custom), roles))
    return EXIT_OK


def cmd_formats(args: argparse.Namespace) -> int:
    plugins = load_plugins()
    for reporter in plugins.reporters:
        print(f"{reporter.name:<8} {reporter.description}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        code: int = args.handler(args)
        return code
    except InputError as error:
        print_errors([error])
        return EXIT_ERROR
    except IamlintError as error:
        print(f"iamlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # `iamlint check | head` closes stdout early; that is not an error worth a traceback.
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
