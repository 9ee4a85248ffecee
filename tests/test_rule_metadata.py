"""Every registered rule is documented and proves its own examples: one that fires, one that does not."""

from __future__ import annotations

import re

import jsonschema
import pytest

from iamlint.findings import Severity
from iamlint.plugins import load_plugins
from iamlint.rule import Rule
from iamlint.testing import lint_texts

PLUGINS = load_plugins()
RULES = PLUGINS.rules


def test_the_builtin_catalogue_is_registered_through_the_entry_point() -> None:
    builtin = [rule for rule in RULES if rule.pack == "builtin"]
    assert len(builtin) >= 20
    assert {"SA001", "SA002", "SP001"} <= {rule.id for rule in builtin}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_metadata_is_complete(rule: Rule) -> None:
    assert re.fullmatch(r"[A-Z]{2,5}\d{3}", rule.id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.name)
    assert isinstance(rule.severity, Severity)
    assert rule.summary
    assert "\n" not in rule.summary
    assert len(rule.rationale) > 40
    assert len(rule.remediation) > 20
    jsonschema.Draft202012Validator.check_schema(rule.options_schema)
    jsonschema.validate(rule.default_options(), rule.options_schema)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_example_that_fires_fires(rule: Rule) -> None:
    assert rule.examples_fire, f"{rule.id} has no example that fires"
    findings = lint_texts(rule.examples_fire, select=[rule.id], plugins=PLUGINS)
    assert [f for f in findings if f.rule == rule.id], f"{rule.id}'s example does not fire"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_example_that_passes_passes(rule: Rule) -> None:
    assert rule.examples_pass, f"{rule.id} has no example that must not fire"
    findings = lint_texts(rule.examples_pass, select=[rule.id], plugins=PLUGINS)
    assert [f for f in findings if f.rule == rule.id] == []


def test_ids_and_names_are_unique() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    assert len({rule.name for rule in RULES}) == len(RULES)
