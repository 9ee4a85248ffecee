"""Command line: the parser is built from one module per subcommand; ``main`` runs the chosen one and
turns errors into messages and exit codes. The work itself is in iamlint.pipeline and below.

Each subcommand module has ``add_parser(commands)``, which adds its parser and sets ``handler``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from iamlint import __version__
from iamlint.cli import (
    baseline,
    check,
    completion,
    diff,
    explain,
    explain_role,
    formats,
    roles,
    rules,
    scan,
)
from iamlint.cli.common import EPILOG, EXIT_ERROR, EXIT_OK, print_errors
from iamlint.errors import IamlintError, InputError, InputErrors

DESCRIPTION = """\
iamlint lints Google Cloud IAM: who can do what on your Cloud Run services and Spanner databases.

It reads gcloud get-iam-policy output, Cloud Run service/job specs (Knative YAML or Admin API v2 JSON),
Cloud Asset Inventory exports and Terraform plans, and reports shared or default service accounts,
over-broad roles, public or external principals, keys, missing audit logs and more.
"""

# In the order `iamlint --help` lists them.
SUBCOMMANDS = (check, rules, explain, formats, baseline, diff, scan, roles, explain_role, completion)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iamlint",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"iamlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for subcommand in SUBCOMMANDS:
        subcommand.add_parser(commands)
    _remember_parsers(parser)
    return parser


def _remember_parsers(parser: argparse.ArgumentParser) -> None:
    """Each (sub)parser records itself as the one that parsed, so that an unknown option is reported with
    the usage of the command it was given to (argparse leaves that to the top-level parser)."""
    parser.set_defaults(parsed_by=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                _remember_parsers(subparser)


def parse_arguments(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command_parser: argparse.ArgumentParser = getattr(args, "parsed_by", parser)
        command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse_arguments(parser, argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        code: int = args.handler(args)
        return code
    except InputErrors as error:
        print_errors(error.errors)
        return EXIT_ERROR
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
