"""Names of rules and rule packs, in the config and on the command line, must name something.

A typo must not pass quietly: an unknown id under ``rules:`` leaves a rule with its defaults, one in a
waiver suppresses nothing, one in ``select``/``ignore`` runs or skips the wrong rules, and an unknown pack
name in ``disable_plugins`` leaves the pack running. Each is an error, with the config's file and line, and
all of them are reported at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from iamlint import hookspecs
from iamlint.config import Config
from iamlint.engine import matches_selector
from iamlint.errors import ConfigError, InputError, InputErrors
from iamlint.loaders.documents import line_of
from iamlint.plugins import ENTRY_POINT_GROUP, local_plugin_name, names_local_plugin
from iamlint.rule import Rule


def _hint(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f"; did you mean {close[0]}?" if close else "; `iamlint rules` lists them"


def _names_rule(name: str, rules: Sequence[Rule]) -> bool:
    """An id (any case) or a name: what ``rules:`` keys and waivers take (no prefixes, no ALL)."""
    return any(name.strip().upper() == rule.id.upper() or name.strip() == rule.name for rule in rules)


def _config_errors(config: Config, rules: Sequence[Rule]) -> Iterator[InputError]:
    raw: Mapping[str, Any] = config.raw if isinstance(config.raw, Mapping) else {}
    names = [rule.id for rule in rules] + [rule.name for rule in rules]

    def error(node: object, key: str | int, message: str) -> ConfigError:
        return ConfigError(config.source, line_of(node, key) or line_of(node), message)

    select = raw.get("select") or []
    for index, selector in enumerate(select):
        if not any(matches_selector(rule, selector) for rule in rules):
            yield error(select, index, f"select: unknown rule {selector!r}{_hint(selector, names)}")
    ignore = raw.get("ignore") or []
    for index, entry in enumerate(ignore):
        if isinstance(entry, str) and not any(matches_selector(rule, entry) for rule in rules):
            yield error(ignore, index, f"ignore: unknown rule {entry!r}{_hint(entry, names)}")
        elif isinstance(entry, Mapping) and not _names_rule(str(entry.get("rule", "")), rules):
            rule = str(entry.get("rule"))
            yield error(
                entry,
                "rule",
                f"ignore.{index}.rule: unknown rule {rule!r} (a waiver needs a rule id or name)"
                f"{_hint(rule, names)}",
            )
    options = raw.get("rules") or {}
    for key in options:
        if not _names_rule(str(key), rules):
            yield error(options, str(key), f"rules: unknown rule {key!r}{_hint(str(key), names)}")


def check_rule_references(
    config: Config, rules: Sequence[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> None:
    """Raise InputErrors naming every unknown rule in the config and in --select/--ignore."""
    names = [rule.id for rule in rules] + [rule.name for rule in rules]
    errors = list(_config_errors(config, rules))
    for option, selectors in (("--select", select), ("--ignore", ignore)):
        for selector in selectors:
            if not any(matches_selector(rule, selector) for rule in rules):
                errors.append(
                    InputError(None, None, f"{option}: unknown rule {selector!r}{_hint(selector, names)}")
                )
    if errors:
        raise InputErrors(errors)


def _pack_names() -> list[str]:
    """The installed rule packs' names, from their entry points (no pack is imported to learn them)."""
    return sorted({entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)})


def check_plugin_references(config: Config, disabled: Sequence[str]) -> None:
    """Raise InputErrors for every pack name in ``disable_plugins:`` or ``--disable-plugin`` that names no
    installed pack and no ``plugins:`` file. (The core, ``iamlint``, gets its own message when loading.)"""
    local = [Path(config.resolve(path)) for path in config.plugins]
    known = [*_pack_names(), *(local_plugin_name(path) for path in local)]

    def unknown(name: str) -> bool:
        if name == hookspecs.PROJECT_NAME or name in known:
            return False
        return not any(names_local_plugin(path, name) for path in local)

    def message(name: str) -> str:
        listed = ", ".join(known) or "none"
        return f"unknown rule pack {name!r} (installed packs and plugins: files: {listed})"

    raw = config.raw.get("disable_plugins") if isinstance(config.raw, Mapping) else None
    errors: list[InputError] = [
        ConfigError(config.source, line_of(raw, index) or line_of(raw), f"disable_plugins: {message(name)}")
        for index, name in enumerate(raw or [])
        if unknown(name)
    ]
    errors += [
        InputError(None, None, f"--disable-plugin: {message(name)}") for name in disabled if unknown(name)
    ]
    if errors:
        raise InputErrors(errors)
