"""`iamlint completion SHELL`: a completion script for bash, zsh or fish, generated from the parser.

shtab writes a static script from the argparse parser, so completing costs no Python start-up; it is
imported only here.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from iamlint.cli.common import EXIT_OK, Commands

SHELLS = ("bash", "zsh", "fish")

EPILOG = """\
install:
  bash:  iamlint completion bash > ~/.local/share/bash-completion/completions/iamlint
  zsh:   iamlint completion zsh > "${fpath[1]}/_iamlint"   (a directory on $fpath; then compinit)
  fish:  iamlint completion fish > ~/.config/fish/completions/iamlint.fish
"""

# Arguments whose values are paths complete as files (and directories).
_PATH_METAVARS = ("FILE", "PATH", "BEFORE AFTER")


def add_parser(commands: Commands) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, fish)",
        description="Print a completion script for SHELL on standard output.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL", help=", ".join(SHELLS))
    completion.set_defaults(handler=run)


def _mark_paths(parser: argparse.ArgumentParser, shtab_file: Any) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                _mark_paths(subparser, shtab_file)
        elif action.metavar in _PATH_METAVARS:
            action.complete = shtab_file  # type: ignore[attr-defined]


def run(args: argparse.Namespace) -> int:
    import shtab

    from iamlint.cli import build_parser

    parser = build_parser()
    _mark_paths(parser, shtab.FILE)
    sys.stdout.write(shtab.complete(parser, shell=args.shell))
    return EXIT_OK
