"""GitHub Actions workflow commands: one annotation per finding, escaped by the runner's rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from iamlint.cli import main
from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation
from iamlint.report.github import annotation, escape_data, escape_property


def test_one_annotation_per_finding_with_repository_paths(
    ci_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(ci_project)], check=True)
    monkeypatch.chdir(ci_project / "iam")
    assert main(["check", "--format", "github", ".."]) == 1
    lines = sorted(capsys.readouterr().out.splitlines())
    assert len(lines) == 3
    assert lines[0].startswith(
        "::error file=iam/project.yaml,line=4,title=SP001 over-broad-spanner-role (high)::service account "
    )
    assert [line.split(",")[0] for line in lines[1:]] == [
        "::error file=run/cart.yaml",
        "::error file=run/orders.yaml",
    ]


@pytest.mark.parametrize(
    ("severity", "command"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "notice"),
        (Severity.INFO, "notice"),
    ],
)
def test_severity_maps_to_command(severity: Severity, command: str) -> None:
    finding = Finding("X001", "x", severity, "m", "//r", location=SourceLocation("a.yaml", 3))
    assert annotation(finding, Path.cwd()).startswith(f"::{command} file=a.yaml,line=3,")


def test_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    finding = Finding(
        "X001",
        "x",
        Severity.HIGH,
        "first line\nsecond: 50%, really",
        "//r",
        location=SourceLocation("dir,with:odd/f.yaml", 2),
    )
    line = annotation(finding, Path.cwd())
    assert line == (
        "::error file=dir%2Cwith%3Aodd/f.yaml,line=2,title=X001 x (high)::first line%0Asecond: 50%25, really"
    )
    assert "\n" not in line


def test_finding_without_file_names_the_resource() -> None:
    finding = Finding("X001", "x", Severity.MEDIUM, "msg", "//spanner.googleapis.com/projects/p/instances/i")
    assert annotation(finding, Path.cwd()) == (
        "::warning title=X001 x (medium):://spanner.googleapis.com/projects/p/instances/i: msg"
    )
