"""`iamlint explain-role ROLE`: what a role grants and which rules it trips when granted."""

from __future__ import annotations

import argparse
import sys

from iamlint.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    Commands,
    add_config_option,
    add_plugin_options,
    listed_plugins,
    print_errors,
)
from iamlint.config import load_config
from iamlint.errors import UsageError
from iamlint.explain_role import render as render_role
from iamlint.explain_role import rules_tripped_by
from iamlint.pipeline import collect, load_context
from iamlint.roles import catalogue as role_catalogue
from iamlint.roles import lookup as lookup_role


def add_parser(commands: Commands) -> None:
    explain_role = commands.add_parser(
        "explain-role", help="what a role grants and which rules it trips when granted"
    )
    explain_role.add_argument("role", metavar="ROLE", help="roles/NAME, or a custom role projects/P/roles/R")
    explain_role.add_argument(
        "paths", nargs="*", metavar="PATH", help="inputs that define custom roles (gcloud, asset exports)"
    )
    add_config_option(explain_role, "config file (for plugins: and constraints:)")
    add_plugin_options(explain_role)
    explain_role.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
