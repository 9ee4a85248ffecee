"""`iamlint roles sync`: refresh the predefined role catalogue from the IAM API."""

from __future__ import annotations

import argparse
from pathlib import Path

from iamlint.cli.common import EXIT_OK, Commands
from iamlint.google_clients import check_endpoint
from iamlint.roles import CACHE_ENV, ENDPOINT_ENV
from iamlint.roles import sync as sync_roles


def add_parser(commands: Commands) -> None:
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
    sync.set_defaults(handler=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    endpoint = check_endpoint(args.endpoint) if args.endpoint else None
    target, count = sync_roles(Path(args.out) if args.out else None, endpoint=endpoint)
    print(f"Wrote {count} predefined roles to {target}.")
    return EXIT_OK
