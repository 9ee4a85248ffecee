"""What reporters receive, and the reporter protocol. One module per output format."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TextIO, runtime_checkable

from iamlint.errors import InputError
from iamlint.findings import Finding, Severity
from iamlint.model import Notice, Unresolved
from iamlint.rule import Rule


@dataclass(frozen=True)
class Report:
    """The outcome of one run, after suppressions; everything a reporter may print."""

    findings: Sequence[Finding]  # reported (not suppressed), sorted
    rules: Sequence[Rule]  # the rules that ran
    fail_on: Severity
    suppressed: Sequence[Finding] = ()  # with ``suppressed_by`` set
    notices: Sequence[Notice] = ()
    unresolved: Sequence[Unresolved] = ()
    unknown_asset_types: Mapping[str, int] = field(default_factory=dict)
    unbound_policies: Sequence[str] = ()  # paths of bare policies with no resource
    files: int = 0
    # Extra lines for the summary from features such as baselines ("3 findings baselined").
    summary_notes: Sequence[str] = ()
    # Reporters that can show suppressed findings inline (--no-suppress) do so when this is set.
    show_suppressed: bool = False

    @property
    def shown(self) -> list[Finding]:
        """What a reporter lists: the findings, and with --no-suppress the suppressed ones among them."""
        if not self.show_suppressed:
            return list(self.findings)
        return sorted([*self.findings, *self.suppressed], key=Finding.sort_key)

    @property
    def failing(self) -> list[Finding]:
        # Severities compare in Python (by rank); an org export's half a million findings compare five.
        failing = {severity for severity in Severity if severity >= self.fail_on}
        return [finding for finding in self.findings if finding.severity in failing]

    def counts(self) -> dict[str, int]:
        by_severity = Counter(finding.severity for finding in self.findings)
        return {severity.value: by_severity.get(severity, 0) for severity in reversed(Severity)}

    def summary(self) -> dict[str, object]:
        return {
            "findings": len(self.findings),
            "by_severity": self.counts(),
            "suppressed": len(self.suppressed),
            "files": self.files,
            "fail_on": self.fail_on.value,
            "failed": bool(self.failing),
            "unbound_policies": list(self.unbound_policies),
            "unknown_asset_types": dict(sorted(self.unknown_asset_types.items())),
            "unresolved": [
                f"{u.location}: {u.message}" if u.location else u.message for u in self.unresolved
            ],
            "notes": list(self.summary_notes),
        }

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)


class Reporter(Protocol):
    name: str
    description: str
    # Whether the output is meant for a terminal (text) or a file/machine (json, sarif, junit).
    for_terminal: bool

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None: ...


@runtime_checkable
class ErrorReporter(Protocol):
    """A format that can also say that the run failed (broken input, a failed scan): a CI step that uploads
    or annotates it still gets a file, which says the run was not successful. Formats without it are not
    written by a run that fails."""

    def render_errors(self, errors: Sequence[InputError], stream: TextIO) -> None: ...
