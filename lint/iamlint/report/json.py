"""Machine-readable output: ``{"version": 1, "findings": [...], "summary": {...}}``; keys only get added."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from iamlint.findings import Finding
from iamlint.report import Report
from iamlint.workspace import repository_root, stable_fingerprint

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


class JsonReporter:
    name = "json"
    description = "one JSON document: findings (sorted) and a summary"
    for_terminal = False

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None:
        root = repository_root()
        findings = report.shown
        # One finding a line: diffable and greppable, and each line goes through the C encoder
        # (json's indent= falls back to the pure-Python one, which dominated org-wide scans).
        stream.write(f'{{"version": {JSON_FORMAT_VERSION}, "findings": [')
        for index, finding in enumerate(findings):
            stream.write("\n  " if index == 0 else ",\n  ")
            stream.write(json.dumps(finding_to_dict(finding, root)))
        stream.write("\n], " if findings else "], ")
        stream.write(f'"summary": {json.dumps(report.summary())}}}\n')
