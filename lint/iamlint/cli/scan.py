"""`iamlint scan`: read an organization, folder or project live with the Cloud Asset API and lint it."""

from __future__ import annotations

import argparse
import os

from iamlint.atomic import check_writable
from iamlint.cli.common import (
    Commands,
    add_input_options,
    add_output_options,
    add_selection_options,
    add_suppression_options,
    check_references,
    check_suppression_files,
    csv,
    errors_reported,
    plugins_for,
    positive_int,
    report_result,
    report_targets,
)
from iamlint.config import load_config
from iamlint.errors import UsageError
from iamlint.pipeline import lint

EPILOG = """\
Needs roles/cloudasset.viewer on the scope for the account iamlint runs as (Application Default
Credentials: `gcloud auth application-default login`, an attached service account on Cloud Run, or
workload identity federation in CI), and the Cloud Asset API enabled in that account's project.

examples:
  iamlint scan --scope organizations/123456789012
  iamlint scan --scope folders/456 --save scan.ndjson --format json -o findings.json
  iamlint check scan.ndjson                    lint a saved scan again, offline
  IAMLINT_CAI_ENDPOINT=127.0.0.1:8080 iamlint scan --scope projects/my-proj   a local emulator
"""


def add_parser(commands: Commands) -> None:
    scan = commands.add_parser(
        "scan",
        help="scan an organization, folder or project live with the Cloud Asset API",
        description="Read the assets and IAM policies under a scope with the Cloud Asset API and lint them "
        "like `iamlint check` lints files (same rules, config, suppressions, formats and exit codes).",
        epilog=EPILOG,
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
    scan.add_argument(
        "--page-size", type=positive_int, metavar="N", help="assets per API page (the API caps it)"
    )
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
    scan.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the Google client libraries take a while to import and `check` never needs them.
    from iamlint.loaders.cai_live import ENDPOINT_ENV, ScanOptions, check_options, parse_read_time
    from iamlint.scan import collect_scan

    # Everything is checked before the first asset is read: a scan of an organisation takes minutes.
    options = ScanOptions(
        scope=args.scope,
        asset_types=csv(args.asset_types),
        read_time=parse_read_time(args.read_time) if args.read_time else None,
        page_size=args.page_size,
        endpoint=args.endpoint or os.environ.get(ENDPOINT_ENV) or None,
        policies=args.policies,
    )
    check_options(options)
    config = load_config(args.config)
    plugins = plugins_for(config, args=args)
    targets = report_targets(plugins, args.format or ["text"], args.output or [])
    if args.save:
        if args.save in (args.output or []):
            raise UsageError(f"--save {args.save} is also an --output: give the export a file of its own")
        check_writable(args.save, "--save")
    check_suppression_files(args, config)
    with errors_reported(targets):
        check_references(args, config, plugins)
        collected = collect_scan(options, config, plugins, save=args.save, quiet=args.quiet)
        result = lint(collected, config, plugins, csv(args.select), csv(args.ignore))
        return report_result(args, config, result, targets)
