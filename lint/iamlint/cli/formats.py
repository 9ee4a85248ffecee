"""`iamlint formats`: the output formats, built-in and from plugins."""

from __future__ import annotations

import argparse

from iamlint.cli.common import EXIT_OK, Commands
from iamlint.plugins import load_plugins


def add_parser(commands: Commands) -> None:
    formats = commands.add_parser("formats", help="list the output formats")
    formats.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    plugins = load_plugins()
    for reporter in plugins.reporters:
        print(f"{reporter.name:<8} {reporter.description}")
    return EXIT_OK
