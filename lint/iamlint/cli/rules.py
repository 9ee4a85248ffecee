"""`iamlint rules`: list the rules, or print the Markdown rule reference."""

from __future__ import annotations

import argparse
import sys

from iamlint.cli.common import EXIT_OK, Commands, add_config_option, add_plugin_options, listed_plugins
from iamlint.config import load_config
from iamlint.docs import reference_markdown


def add_parser(commands: Commands) -> None:
    rules = commands.add_parser("rules", help="list the rules (id, name, severity, pack, summary)")
    rules.add_argument(
        "--docs", action="store_true", help="print the Markdown rule reference (docs/rules.md)"
    )
    add_config_option(rules, "config file (for plugins: and disable_plugins:)")
    add_plugin_options(rules)
    rules.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
