"""Runs the selected rules over the inventory with their options and collects the findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsonschema

from iamlint.errors import ConfigError
from iamlint.findings import Finding
from iamlint.inventory import Inventory
from iamlint.rule import Rule


def _matches(rule: Rule, selector: str) -> bool:
    """A selector is ALL, a rule id, a rule name, or an id prefix such as ``SP`` or ``SA00``."""
    key = selector.strip()
    return (
        key.upper() == "ALL"
        or key.upper() == rule.id.upper()
        or key == rule.name
        or (key.isalnum() and rule.id.upper().startswith(key.upper()))
    )


def select_rules(rules: Sequence[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Rule]:
    """Default-enabled rules, or the ``select``ed ones (which may enable default-off rules), less ``ignore``."""
    for selector in [*select, *ignore]:
        if not any(_matches(rule, selector) for rule in rules):
            raise ConfigError(None, None, f"unknown rule selector {selector!r} (see `iamlint rules`)")
    chosen = (
        [r for r in rules if any(_matches(r, s) for s in select)]
        if select
        else [r for r in rules if r.default_enabled]
    )
    return [rule for rule in chosen if not any(_matches(rule, selector) for selector in ignore)]


def resolve_options(rule: Rule, configured: Mapping[str, Any] | None, where: str = "rules") -> dict[str, Any]:
    """The rule's defaults overlaid with the configured options, validated against the rule's schema."""
    options = {**rule.default_options(), **(configured or {})}
    validator = jsonschema.Draft202012Validator(rule.options_schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(options))
    if error is not None:
        key_path = ".".join([where, rule.id, *map(str, error.absolute_path)])
        raise ConfigError(None, None, f"{key_path}: {error.message}")
    return options


def rule_options(
    rules: Iterable[Rule], configured: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    by_key = {key.upper(): value for key, value in configured.items()}
    resolved = {}
    for rule in rules:
        raw = by_key.get(rule.id.upper(), configured.get(rule.name))
        resolved[rule.id] = resolve_options(rule, raw)
    return resolved


def run_rules(
    inventory: Inventory, rules: Sequence[Rule], options: Mapping[str, Mapping[str, Any]]
) -> list[Finding]:
    kept: list[Finding] = []
    # One finding per fingerprint: a rule that meets the same grant twice reports it once. Findings are told
    # apart by the parts of what the fingerprint digests (no finding is hashed or joined into one text
    # before a report needs it). Parts that contain the separator could join into equal texts and still be
    # kept apart here; no name, member or role has a control character in it.
    seen: set[tuple[str, ...]] = set()
    for rule in rules:
        for finding in rule.check(inventory, options.get(rule.id, rule.default_options())):
            key = finding.identity_key
            if key not in seen:
                seen.add(key)
                kept.append(finding)
    return sorted(kept, key=Finding.sort_key)
