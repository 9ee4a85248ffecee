"""GitHub Actions workflow commands: one annotation per finding on the pull request's files.

``::error file=iam/prod.yaml,line=12,title=SP001 over-broad-spanner-role::message``. Paths are relative
to the repository root (GitHub resolves them against the checkout). Escaping follows the runner's rules:
in the message ``%``, CR and LF are percent-encoded; in properties ``:`` and ``,`` are too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from iamlint.errors import InputError
from iamlint.findings import Finding, Severity
from iamlint.report import Report
from iamlint.workspace import relative_path, repository_root

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, root: Path) -> str:
    command = COMMANDS[finding.severity]
    properties: list[tuple[str, str]] = []
    if finding.path:
        properties.append(("file", relative_path(finding.path, root)))
        if finding.line:
            properties.append(("line", str(finding.line)))
    properties.append(("title", f"{finding.rule} {finding.name} ({finding.severity.value})"))
    message = finding.message
    if not finding.path:
        # Without a file there is nothing to annotate; the resource tells the reader where to look.
        message = f"{finding.resource}: {message}"
    if finding.suppressed_by:
        command = "notice"
        message = f"{message} (suppressed: {finding.suppressed_by})"
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{command} {listed}::{escape_data(message)}"


def error_annotation(error: InputError, root: Path) -> str:
    """An input, configuration or API error that ended the run, on its file and line where known."""
    properties: list[tuple[str, str]] = []
    message = error.message
    if error.path and not error.path.startswith("<"):
        properties.append(("file", relative_path(error.path, root)))
        if error.line:
            properties.append(("line", str(error.line)))
    elif error.path:
        message = str(error)
    properties.append(("title", "iamlint error"))
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::error {listed}::{escape_data(message)}"


class GithubReporter:
    name = "github"
    description = "GitHub Actions annotations (::error file=...,line=...::message), one per finding"
    for_terminal = False

    def render(self, report: Report, stream: TextIO, *, color: bool) -> None:
        root = repository_root()
        findings = report.shown
        for finding in findings:
            stream.write(annotation(finding, root) + "\n")

    def render_errors(self, errors: Sequence[InputError], stream: TextIO) -> None:
        root = repository_root()
        for error in errors:
            stream.write(error_annotation(error, root) + "\n")
