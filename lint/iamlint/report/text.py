"""Human-readable output: findings grouped by file (or by resource for assets), then a summary."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import TextIO

from iamlint.findings import Finding, Severity
from iamlint.report import Report

_COLORS = {
    Severity.CRITICAL: "\033[1;35m",
    Severity.HIGH: "\033[1;31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
_RESET = "\033[0m"
_DIM = "\033[2m"
_BOLD = "\033[1m"


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _group_key(finding: Finding) -> str:
    return finding.path or finding.resource


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class TextReporter:
    name = "text"
    description = "grouped, readable findings with a summary (colour on a terminal)"
    for_terminal = True

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None:
        shown = report.shown
        ordered = sorted(shown, key=lambda f: (_group_key(f), *f.sort_key()))
        for group, findings in groupby(ordered, key=_group_key):
            stream.write(_paint(group, _BOLD, color) + "\n")
            self._findings(findings, stream, color)
            stream.write("\n")
        self._summary(report, stream, color)

    def render_summary(self, report: Report, stream: TextIO, *, color: bool) -> None:
        """Only the summary: what the terminal shows when the report itself went to a file."""
        self._summary(report, stream, color)

    def _findings(self, findings: Iterable[Finding], stream: TextIO, color: bool) -> None:
        for finding in findings:
            line = str(finding.line) if finding.line else "-"
            severity = _paint(f"{finding.severity.value:<8}", _COLORS[finding.severity], color)
            stream.write(f"  {line:>4}  {severity} {finding.rule:<7} {finding.message}\n")
            facts = [finding.resource]
            if finding.principal:
                facts.append(finding.principal)
            if finding.role:
                facts.append(finding.role)
            if finding.location and finding.location.address:
                facts.append(f"at {finding.location.address}")
            stream.write(" " * 23 + _paint(" | ".join(facts), _DIM, color) + "\n")
            if finding.suppressed_by:
                stream.write(" " * 23 + _paint(f"suppressed: {finding.suppressed_by}", _DIM, color) + "\n")

    def _summary(self, report: Report, stream: TextIO, color: bool) -> None:
        for path in report.unbound_policies:
            stream.write(
                f"note: {path} does not say which resource its policy is set on; it was linted as the "
                "policy of an unnamed project (bind it with --resource or `resources:` in the config)\n"
            )
        if report.unknown_asset_types:
            listed = ", ".join(
                f"{kind} ({count})" for kind, count in sorted(report.unknown_asset_types.items())
            )
            stream.write(f"note: asset types not modelled (their IAM policies were still linted): {listed}\n")
        for unresolved in report.unresolved:
            where = f"{unresolved.location}: " if unresolved.location else ""
            stream.write(f"note: unresolved: {where}{unresolved.message}\n")
        for note in report.summary_notes:
            stream.write(f"note: {note}\n")
        counts = ", ".join(f"{count} {severity}" for severity, count in report.counts().items() if count)
        # A scan reads assets, not files: it gets no "in 0 files".
        where = f" in {_plural(report.files, 'file')}" if report.files else ""
        if not report.findings:
            stream.write(_paint(f"No findings{where}.", _BOLD, color) + "\n")
        else:
            stream.write(
                _paint(f"Found {_plural(len(report.findings), 'finding')} ({counts}){where}.", _BOLD, color)
            )
            stream.write("\n")
        if report.suppressed:
            stream.write(
                f"{_plural(len(report.suppressed), 'finding')} suppressed (--no-suppress shows them).\n"
            )
        failing = len(report.failing)
        if report.findings and not failing:
            stream.write(f"None is at or above --fail-on {report.fail_on.value}.\n")
        elif failing:
            stream.write(f"{_plural(failing, 'finding')} at or above --fail-on {report.fail_on.value}.\n")
