"""The rule test kit: a pytest plugin (entry point ``pytest11``, loaded wherever iamlint is installed).

A rule pack tests a rule in a few lines::

    def test_no_contractor_owners(iamlint):
        result = iamlint.lint({"iam/prod.yaml": POLICY}, select=["ACME001"])
        result.assert_findings([("ACME001", PROD, "user:eve@contractor.example", "roles/owner")])

Inputs are any shape iamlint reads (gcloud policies, Cloud Run specs, asset exports, Terraform plans), as
inline text (``{"file name": text}``, or one text) or as files and directories on disk. Rules come from
every installed pack, or only from ``rules=[MyRule()]`` so a pack can be tested before it is installed.
Everything runs through :func:`iamlint.testing.lint_texts`, the path `iamlint explain` examples take.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from iamlint.findings import Finding
from iamlint.inventory import Settings
from iamlint.loaders import expand_paths
from iamlint.plugins import Plugins, load_plugins
from iamlint.rule import Rule
from iamlint.testing import lint_texts

# (rule, resource, principal, role): the identity of a finding as the tests compare it.
FindingKey = tuple[str, str, str | None, str | None]
Expected = tuple[Any, ...] | Mapping[str, Any]
Inputs = Mapping[str, str] | str | Path | Sequence[Path]
_KEY_FIELDS = ("rule", "resource", "principal", "role")


def finding_key(finding: Finding) -> FindingKey:
    return (finding.rule, finding.resource, finding.principal, finding.role)


def _matches(finding: Finding, expected: Expected) -> bool:
    """A tuple is compared field by field (rule, resource, principal, role; shorter tuples compare fewer);
    a mapping may also name severity, path, line, detail or ``message`` (a substring)."""
    wanted = dict(zip(_KEY_FIELDS, expected, strict=False)) if isinstance(expected, tuple) else dict(expected)
    for key, value in wanted.items():
        if key == "message":
            if str(value) not in finding.message:
                return False
        elif key == "severity":
            if finding.severity.value != str(value):
                return False
        elif getattr(finding, key) != value:
            return False
    return True


@dataclass(frozen=True)
class LintOutcome:
    findings: list[Finding]

    @property
    def keys(self) -> list[FindingKey]:
        return [finding_key(finding) for finding in self.findings]

    @property
    def rules(self) -> set[str]:
        return {finding.rule for finding in self.findings}

    def of(self, rule: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule == rule]

    def assert_findings(self, expected: Iterable[Expected], *, exact: bool = True) -> None:
        """Each expected finding matches one finding (in any order); with ``exact`` there are no others."""
        remaining = list(self.findings)
        missing = []
        for item in expected:
            found = next((finding for finding in remaining if _matches(finding, item)), None)
            if found is None:
                missing.append(item)
            else:
                remaining.remove(found)
        problems = []
        if missing:
            problems.append("expected but not found:\n" + "\n".join(f"  {item!r}" for item in missing))
        if exact and remaining:
            problems.append("found but not expected:\n" + "\n".join(f"  {_describe(f)}" for f in remaining))
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)

    def assert_none(self) -> None:
        self.assert_findings([])


def _describe(finding: Finding) -> str:
    return f"{finding_key(finding)!r} at {finding.location or '-'}: {finding.message}"


def read_inputs(inputs: Inputs) -> dict[str, str]:
    """Inline ``{name: text}``, one inline text, or files/directories (walked as `iamlint check` does)."""
    if isinstance(inputs, str):
        return {"input.yaml": inputs}
    if isinstance(inputs, Mapping):
        return dict(inputs)
    paths = [inputs] if isinstance(inputs, Path) else list(inputs)
    files: dict[str, str] = {}
    for path, _explicit in expand_paths([str(p) for p in paths]):
        files[path] = Path(path).read_text(encoding="utf-8")
    return files


class RuleTester:
    """What the ``iamlint`` fixture gives a test."""

    def plugins(self, rules: Sequence[Rule] | None = None) -> Plugins:
        plugins = load_plugins()
        return plugins if rules is None else dataclasses.replace(plugins, rules=list(rules))

    def lint(
        self,
        inputs: Inputs,
        *,
        select: Sequence[str] = (),
        rules: Sequence[Rule] | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None,
        resources: Mapping[str, str] | None = None,
        settings: Settings | None = None,
    ) -> LintOutcome:
        """Lint ``inputs``; ``select`` defaults to the ids of ``rules`` when those are given."""
        if rules is not None and not select:
            select = [rule.id for rule in rules]
        findings = lint_texts(
            read_inputs(inputs),
            select=select,
            options=options,
            resources=resources,
            settings=settings,
            plugins=self.plugins(rules),
        )
        return LintOutcome(findings)

    def assert_examples(self, rule: Rule) -> None:
        """The rule's documented examples behave as documented: the first fires it, the second does not."""
        if rule.examples_fire:
            fired = self.lint(dict(rule.examples_fire), select=[rule.id], rules=self._with(rule))
            assert fired.of(rule.id), f"{rule.id}: examples_fire produced no finding"
        if rule.examples_pass:
            passed = self.lint(dict(rule.examples_pass), select=[rule.id], rules=self._with(rule))
            assert not passed.of(rule.id), f"{rule.id}: examples_pass fired: {passed.of(rule.id)}"

    def _with(self, rule: Rule) -> list[Rule]:
        installed = [r for r in load_plugins().rules if r.id != rule.id]
        return [*installed, rule]


@pytest.fixture
def iamlint() -> RuleTester:
    """Lint inline or on-disk inputs and assert the findings (rule, resource, principal, role)."""
    return RuleTester()
