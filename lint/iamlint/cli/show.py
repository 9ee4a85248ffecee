"""`iamlint check --show-config` and `--show-files`: what a run would use and read, without running it.

--show-config prints each resolved setting and where it came from (the command line, the config file, or
the default); --show-files lists the documents that would be linted and the loader that claims each,
reading the inputs but running no rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

from iamlint.cli.common import EXIT_ERROR, EXIT_OK, csv
from iamlint.config import Config
from iamlint.constraints import with_constraints
from iamlint.engine import rule_options, select_rules
from iamlint.errors import InputError
from iamlint.loaders import EXPECTED, claiming_loader, describe
from iamlint.loaders.documents import NdjsonLine, Stdin
from iamlint.pipeline import input_files, read_input
from iamlint.plugins import Plugins
from iamlint.suppress import SuppressOptions, baseline_path, waivers_from

DEFAULT = "default"


def _settings(args: argparse.Namespace, config: Config, plugins: Plugins) -> Iterator[tuple[str, Any, str]]:
    """(setting, value, where it came from) for every setting of the run."""
    source = config.source or DEFAULT

    def origin(key: str, option: str | None = None) -> str:
        if option and getattr(args, option.lstrip("-").replace("-", "_"), None):
            return f"{option} and {source}" if key in config.raw else option
        return source if key in config.raw else DEFAULT

    select, ignore = csv(args.select), csv(args.ignore)
    rules = select_rules(
        with_constraints(plugins.rules, config), [*config.select, *select], [*config.ignore_rules, *ignore]
    )
    paths = list(args.paths) or config.default_paths() or ["."]
    yield "paths", paths, "command line" if args.paths else origin("paths")
    yield "exclude", list(config.exclude), origin("exclude")
    yield "select", [*config.select, *select], origin("select", "--select")
    yield "ignore", [*config.ignore_rules, *ignore], origin("ignore", "--ignore")
    yield "rules run", [rule.id for rule in rules], "select, ignore and each rule's default"
    fail_on = args.fail_on or config.fail_on.value
    yield "fail_on", fail_on, "--fail-on" if args.fail_on else origin("fail_on")
    yield "resources", dict(config.resources), origin("resources")
    yield "resource", args.resource, "--resource" if args.resource else DEFAULT
    yield "environments", {k: list(v) for k, v in config.environments.items()}, origin("environments")
    yield "allowed_domains", list(config.allowed_domains), origin("allowed_domains")
    yield "plugins", list(config.plugins), origin("plugins")
    disabled = [*config.disable_plugins, *csv(args.disable_plugin)]
    yield "disable_plugins", disabled, origin("disable_plugins", "--disable-plugin")
    yield "packs", dict(plugins.packs), "installed and plugins:"
    yield "suppressions", [w.describe() for w in waivers_from(config)], origin("ignore")
    baseline = baseline_path(config, SuppressOptions(baseline=args.baseline))
    yield "baseline", baseline, "--baseline" if args.baseline else origin("baseline")
    options = rule_options(rules, config.raw.get("rules") or {}, config.source)
    yield "rule options", {rule: value for rule, value in options.items() if value}, origin("rules")


def show_config(args: argparse.Namespace, config: Config, plugins: Plugins) -> int:
    where = f"{config.source} ({config.found_by})" if config.source else config.found_by
    print(f"config: {where}")
    print(f"root: {config.root}")
    for key, value, origin in _settings(args, config, plugins):
        print(f"{key}: {json.dumps(value)}  # {origin}")
    return EXIT_OK


def show_files(args: argparse.Namespace, config: Config, plugins: Plugins, stdin: Stdin) -> int:
    """One line per file and loader: ``path:line  loader`` (``(N documents)`` when it claims several).
    Broken inputs are errors on stderr, as a run would report them (exit 2)."""
    errors: list[InputError] = []
    paths = list(args.paths) or config.default_paths() or ["."]
    for path, shown, explicit in input_files(paths, config, stdin, errors):
        claimed: Counter[str] = Counter()
        first: dict[str, int | None] = {}
        try:
            for entry in read_input(path, stdin):
                document = entry.document() if isinstance(entry, NdjsonLine) else entry
                loader = claiming_loader(document, plugins.loaders)
                if loader is None:
                    if explicit:
                        raise InputError(shown, document.line, f"not a recognised document: {EXPECTED}")
                    print(f"{shown}:{document.line or 1}  skipped when walked ({describe(document)})")
                    break
                claimed[loader.name] += 1
                first.setdefault(loader.name, document.line)
        except InputError as error:
            errors.append(error)
            continue
        for name, count in claimed.items():
            many = f" ({count} documents)" if count > 1 else ""
            print(f"{shown}:{first[name] or 1}  {name}{many}")
    for broken in errors:
        print(f"iamlint: error: {broken}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK
