"""Runs the selected rules over the inventory with their options and collects the findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsonschema

from iamlint.errors import ConfigError
from iamlint.findings import Finding
from iamlint.inventory import Inventory
from iamlint.loaders.documents import line_of
from iamlint.rule import Rule


def matches_selector(rule: Rule, selector: str) -> bool:
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
        if not any(matches_selector(rule, selector) for rule in rules):
            raise ConfigError(None, None, f"unknown rule selector {selector!r} (see `iamlint rules`)")
    chosen = (
        [r for r in rules if any(matches_selector(r, s) for s in select)]
        if select
        else [r for r in rules if r.default_enabled]
    )
    return [rule for rule in chosen if not any(matches_selector(rule, selector) for selector in ignore)]


def _line_of_error(configured: Mapping[str, Any] | None, error: jsonschema.ValidationError) -> int | None:
    """The line of the option an error is about, as far down the configured options as it can be found."""
    node: Any = configured
    line = line_of(node)
    path: list[Any] = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        # The error is about the mapping; the line worth showing is the first key the schema does not know.
        known = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        path.append(next((key for key in error.instance if key not in known), None))
    for key in path:
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            break
        line = line_of(node, key) or line
        node = child
    return line


def resolve_options(
    rule: Rule,
    configured: Mapping[str, Any] | None,
    where: str = "rules",
    source: str | None = None,
    line: int | None = None,
) -> dict[str, Any]:
    """The rule's defaults overlaid with the configured options, validated against the rule's schema.
    An invalid option is a ConfigError at ``source`` and the line of the offending key (else ``line``)."""
    options = {**rule.default_options(), **(configured or {})}
    validator = jsonschema.Draft202012Validator(rule.options_schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(options))
    if error is not None:
        key_path = ".".join([where, rule.id, *map(str, error.absolute_path)])
        raise ConfigError(source, _line_of_error(configured, error) or line, f"{key_path}: {error.message}")
    return options


def rule_options(
    rules: Iterable[Rule], configured: Mapping[str, Mapping[str, Any]], source: str | None = None
) -> dict[str, dict[str, Any]]:
    """Each rule's options; ``configured`` is the config's ``rules:`` (keyed by id or name) and ``source``
    the config file, for errors."""
    by_key = {key.upper(): key for key in configured}
    resolved = {}
    for rule in rules:
        key = by_key.get(rule.id.upper(), rule.name)
        raw = configured.get(key)
        resolved[rule.id] = resolve_options(rule, raw, source=source, line=line_of(configured, key))
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
