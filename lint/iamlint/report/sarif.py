"""SARIF 2.1.0 for GitHub code scanning (and any SARIF viewer).

Severity mapping (documented in docs/ci.md): ``level`` is error for critical and high, warning for
medium, note for low and info; ``properties.security-severity`` (the score GitHub turns into its
critical/high/medium/low labels: >= 9.0, 7.0-8.9, 4.0-6.9, 0.1-3.9) is 9.5, 8.0, 5.5, 3.0 and 1.0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from iamlint import __version__
from iamlint.docs import rule_anchor
from iamlint.errors import InputError
from iamlint.findings import Finding, Severity
from iamlint.report import Report
from iamlint.rule import Rule
from iamlint.workspace import StableFingerprints, relative_path, repository_root

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "iamlint/v1"
DEFAULT_HOMEPAGE = "https://github.com/iamlint/iamlint"
# The notification descriptor of an input, configuration or API error that ended the run.
ERROR_DESCRIPTOR = "iamlint/error"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


@cache
def homepage() -> str:
    """The project URL from the installed distribution's metadata (pyproject's [project.urls])."""
    try:
        urls = metadata("iamlint").get_all("Project-URL") or []
    except PackageNotFoundError:
        return DEFAULT_HOMEPAGE
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("homepage", "repository", "source"):
            return url.strip().rstrip("/")
    return DEFAULT_HOMEPAGE


def help_uri(rule: Rule) -> str:
    return f"{homepage()}/blob/main/docs/rules.md#{rule_anchor(rule)}"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    text = f"{rule.summary}\n\nWhy it matters: {rule.rationale}\n\nHow to fix: {rule.remediation}"
    markdown = (
        f"**{rule.id} {rule.name}** ({rule.severity.value})\n\n{rule.summary}\n\n"
        f"**Why it matters.** {rule.rationale}\n\n**How to fix.** {rule.remediation}\n\n"
        f"[Rule reference]({help_uri(rule)})"
    )
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": text, "markdown": markdown},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "tags": sorted({"security", "iam", *rule.tags}),
        },
    }


def _fallback_descriptor(finding: Finding) -> dict[str, Any]:
    """A finding whose rule is not among the report's rules (a diff of two runs) still gets one."""
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"security-severity": SECURITY_SEVERITY[finding.severity], "tags": ["security"]},
    }


def _locations(finding: Finding, root: Path) -> list[dict[str, Any]]:
    logical = [{"fullyQualifiedName": finding.resource, "kind": "resource"}]
    if finding.location is None or not finding.location.path:
        return [{"logicalLocations": logical}]
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": quote(relative_path(finding.location.path, root)), "uriBaseId": SRCROOT}
    }
    if finding.location.line:
        physical["region"] = {"startLine": finding.location.line}
    return [{"physicalLocation": physical, "logicalLocations": logical}]


def _suppression(finding: Finding) -> dict[str, Any]:
    reason = finding.suppressed_by or ""
    kind = "inSource" if reason.startswith("inline") else "external"
    return {"kind": kind, "justification": reason}


def _result(finding: Finding, rule_index: int, root: Path, fingerprint: StableFingerprints) -> dict[str, Any]:
    properties: dict[str, Any] = {"severity": finding.severity.value, "resource": finding.resource}
    if finding.principal:
        properties["principal"] = finding.principal
    if finding.role:
        properties["role"] = finding.role
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": _locations(finding, root),
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": properties,
    }
    if finding.suppressed_by:
        result["suppressions"] = [_suppression(finding)]
    return result


def _tool(descriptors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "driver": {
            "name": "iamlint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": homepage(),
            "rules": descriptors,
        }
    }


def _uri_base(root: Path) -> dict[str, Any]:
    return {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}}


def _notification(error: InputError, root: Path) -> dict[str, Any]:
    notification: dict[str, Any] = {
        "level": "error",
        "message": {"text": error.message},
        "descriptor": {"id": ERROR_DESCRIPTOR},
    }
    if error.path and not error.path.startswith("<"):
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": quote(relative_path(error.path, root)), "uriBaseId": SRCROOT}
        }
        if error.line:
            physical["region"] = {"startLine": error.line}
        notification["locations"] = [{"physicalLocation": physical}]
    elif error.path:
        notification["message"] = {"text": str(error)}
    return notification


def error_document(errors: Sequence[InputError], root: Path | None = None) -> dict[str, Any]:
    """A run that failed: no results, ``executionSuccessful: false`` and each error as a tool execution
    notification, so that code scanning shows the run as failed rather than as clean."""
    root = root or repository_root()
    run: dict[str, Any] = {
        "tool": _tool([]),
        "originalUriBaseIds": _uri_base(root),
        "invocations": [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [_notification(error, root) for error in errors],
            }
        ],
        "results": [],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def sarif_document(report: Report, root: Path | None = None) -> dict[str, Any]:
    root = root or repository_root()
    fingerprint = StableFingerprints(root)
    findings = report.shown
    descriptors = [rule_descriptor(rule) for rule in report.rules]
    index = {rule.id: position for position, rule in enumerate(report.rules)}
    for finding in findings:
        if finding.rule not in index:
            index[finding.rule] = len(descriptors)
            descriptors.append(_fallback_descriptor(finding))
    run: dict[str, Any] = {
        "tool": _tool(descriptors),
        "originalUriBaseIds": _uri_base(root),
        "results": [_result(finding, index[finding.rule], root, fingerprint) for finding in findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"summary": report.summary()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifReporter:
    name = "sarif"
    description = "SARIF 2.1.0 for GitHub code scanning (upload with github/codeql-action/upload-sarif)"
    for_terminal = False

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None:
        json.dump(sarif_document(report), stream, indent=2)
        stream.write("\n")

    def render_errors(self, errors: Sequence[InputError], stream: TextIO) -> None:
        json.dump(error_document(errors), stream, indent=2)
        stream.write("\n")
