"""`iamlint explain RULE`: why a rule matters, how to fix what it finds, and its examples run live."""

from __future__ import annotations

import argparse
import sys

from iamlint.cli.common import EXIT_OK, Commands, add_config_option, add_plugin_options, listed_plugins
from iamlint.config import load_config
from iamlint.docs import rule_text
from iamlint.errors import UsageError
from iamlint.testing import lint_texts


def add_parser(commands: Commands) -> None:
    explain = commands.add_parser("explain", help="explain a rule: why, how to fix, examples")
    explain.add_argument(
        "rule", metavar="RULE", help="rule id or name, e.g. SP001 or over-broad-spanner-role"
    )
    add_config_option(explain, "config file (for plugins:)")
    add_plugin_options(explain)
    explain.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
