"""docs/rules.md is generated from the rules' metadata and must be current."""

from __future__ import annotations

from pathlib import Path

from iamlint.docs import reference_markdown
from iamlint.plugins import load_plugins

DOCS = Path(__file__).parent.parent / "docs" / "rules.md"


def test_rule_reference_is_current() -> None:
    expected = reference_markdown(load_plugins().rules)
    assert DOCS.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is out of date: run `iamlint rules --docs > docs/rules.md`"
    )


def test_reference_lists_every_rule_with_its_sections() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for rule in load_plugins().rules:
        assert f"## {rule.id} {rule.name}" in text
    assert "**How to fix.**" in text
