"""Machine-readable output: ``{"version": 1, "findings": [...], "summary": {...}}``; keys only get added."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import Any, TextIO

from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation
from iamlint.report import Report
from iamlint.workspace import StableFingerprints, repository_root, stable_fingerprint

JSON_FORMAT_VERSION = 1


def finding_to_dict(finding: Finding, root: Path) -> dict[str, Any]:
    location = finding.location
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "resource": finding.resource,
        "principal": finding.principal,
        "role": finding.role,
        "location": {
            "path": location.path if location else None,
            "line": location.line if location else None,
            "address": location.address if location else None,
        },
        # The same fingerprint SARIF and baselines use: independent of the directory iamlint ran in.
        "fingerprint": stable_fingerprint(finding, root),
        "suppressed": finding.suppressed_by,
    }


_escaped = encode_basestring_ascii
_SEVERITY = {severity: _escaped(severity.value) for severity in Severity}


def location_to_json(location: SourceLocation | None) -> str:
    if location is None:
        return '{"path": null, "line": null, "address": null}'
    path, line, address = location.path, location.line, location.address
    return (
        f'{{"path": {"null" if path is None else _escaped(path)}, '
        f'"line": {"null" if line is None else int.__repr__(line)}, '
        f'"address": {"null" if address is None else _escaped(address)}}}'
    )


def finding_to_json(finding: Finding, fingerprint: str, where: str | None = None) -> str:
    """``json.dumps(finding_to_dict(finding, root))``, written out directly (``fingerprint`` is the
    finding's stable fingerprint from ``root``; ``where`` its location's JSON, when already at hand).

    An org export has half a million findings, and the C encoder spends more time walking each small dict
    than escaping its strings; this escapes the strings the same way (ASCII, as json.dumps does) into a
    fixed template. A test holds the two to the same bytes.
    """
    if where is None:
        where = location_to_json(finding.location)
    principal, role, suppressed = finding.principal, finding.role, finding.suppressed_by
    return (
        f'{{"rule": {_escaped(finding.rule)}, "name": {_escaped(finding.name)}, '
        f'"severity": {_SEVERITY[finding.severity]}, "message": {_escaped(finding.message)}, '
        f'"resource": {_escaped(finding.resource)}, '
        f'"principal": {"null" if principal is None else _escaped(principal)}, '
        f'"role": {"null" if role is None else _escaped(role)}, "location": {where}, '
        f'"fingerprint": {_escaped(fingerprint)}, '
        f'"suppressed": {"null" if suppressed is None else _escaped(suppressed)}}}'
    )


_SLICE = 4096


class JsonReporter:
    name = "json"
    description = "one JSON document: findings (sorted) and a summary"
    for_terminal = False

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None:
        fingerprint = StableFingerprints(repository_root())
        findings = report.shown
        # One finding a line: diffable and greppable (json's indent= falls back to the pure-Python encoder,
        # which dominated org-wide scans).
        stream.write(f'{{"version": {JSON_FORMAT_VERSION}, "findings": [')
        # Written in slices: an org scan has half a million findings, and one joined string of them all
        # would double the peak memory of the run.
        # Sorted findings come in runs at one location (every finding about one policy line): its JSON
        # is written once per run.
        last: SourceLocation | None = None
        where = location_to_json(None)
        for start in range(0, len(findings), _SLICE):
            lines = []
            for finding in findings[start : start + _SLICE]:
                if finding.location is not last:
                    last = finding.location
                    where = location_to_json(last)
                lines.append(finding_to_json(finding, fingerprint(finding), where))
            stream.write("\n  " if start == 0 else ",\n  ")
            stream.write(",\n  ".join(lines))
        if findings:
            stream.write("\n")
        stream.write(f'], "summary": {json.dumps(report.summary())}}}\n')
