"""Rule documentation, generated from each rule's metadata: `iamlint explain`, `iamlint rules`, docs/rules.md."""

from __future__ import annotations

import json
from collections.abc import Sequence

from iamlint.rule import Rule

DOCS_HEADER = """# Rule reference

Generated from the rules' metadata by `iamlint rules --docs > docs/rules.md`; do not edit by hand
(a test fails when this file is out of date).

| id | name | severity | on by default | summary |
| --- | --- | --- | --- | --- |
"""


def _fence(filename: str, text: str) -> str:
    language = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    return f"`{filename}`\n\n```{language}\n{text.rstrip()}\n```\n"


def _options(rule: Rule) -> list[tuple[str, str, str]]:
    properties = rule.options_schema.get("properties", {})
    return [
        (key, json.dumps(spec.get("default")) if "default" in spec else "", spec.get("description", ""))
        for key, spec in properties.items()
    ]


def rule_markdown(rule: Rule) -> str:
    parts = [
        f"## {rule.id} {rule.name}\n",
        f"*Severity:* {rule.severity.value} · *On by default:* {'yes' if rule.default_enabled else 'no'}"
        f" · *Pack:* {rule.pack}\n",
        f"{rule.summary}\n",
        f"**Why it matters.** {rule.rationale}\n",
        f"**How to fix.** {rule.remediation}\n",
    ]
    options = _options(rule)
    if options:
        rows = "\n".join(f"| `{key}` | `{default}` | {text} |" for key, default, text in options)
        parts.append(
            f"**Options** (`rules: {{{rule.id}: {{...}}}}` in the config)\n\n| option | default | meaning |\n"
            f"| --- | --- | --- |\n{rows}\n"
        )
    if rule.references:
        parts.append("**Maps to:** " + "; ".join(rule.references) + "\n")
    if rule.examples_fire:
        parts.append("**Fires on**\n\n" + "\n".join(_fence(n, t) for n, t in rule.examples_fire.items()))
    if rule.examples_pass:
        parts.append(
            "**Does not fire on**\n\n" + "\n".join(_fence(n, t) for n, t in rule.examples_pass.items())
        )
    return "\n".join(parts)


def rule_anchor(rule: Rule) -> str:
    """The Markdown heading anchor of a rule's section in docs/rules.md (links from SARIF use it too)."""
    return f"{rule.id.lower()}-{rule.name}"


def reference_markdown(rules: Sequence[Rule]) -> str:
    table = "".join(
        f"| [{r.id}](#{rule_anchor(r)}) | {r.name} | {r.severity.value} | "
        f"{'yes' if r.default_enabled else 'no'} | {r.summary} |\n"
        for r in rules
    )
    return DOCS_HEADER + table + "\n" + "\n".join(rule_markdown(rule) for rule in rules)


def rule_text(rule: Rule, fired: Sequence[str] = ()) -> str:
    """Plain text for the terminal; ``fired`` are the messages the fire-example produces."""
    lines = [
        f"{rule.id} {rule.name} ({rule.severity.value}{'' if rule.default_enabled else ', off by default'})",
        f"from: {rule.pack}",
        "",
        rule.summary,
        "",
        "Why it matters:",
        f"  {rule.rationale}",
        "",
        "How to fix:",
        f"  {rule.remediation}",
    ]
    options = _options(rule)
    if options:
        lines += ["", f"Options (rules: {{{rule.id}: {{...}}}} in .iamlint.yaml):"]
        lines += [f"  {key} (default {default or 'none'}): {text}" for key, default, text in options]
    if rule.references:
        lines += ["", "Maps to:", *[f"  {reference}" for reference in rule.references]]
    for title, examples in (("Fires on", rule.examples_fire), ("Does not fire on", rule.examples_pass)):
        for filename, text in examples.items():
            lines += ["", f"{title} ({filename}):", *[f"  | {line}" for line in text.rstrip().splitlines()]]
        if title == "Fires on" and fired:
            lines += ["", "which reports:", *[f"  {message}" for message in fired]]
    return "\n".join(lines) + "\n"
