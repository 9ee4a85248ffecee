"""--output and several --format: each report to its file, the summary still on the terminal."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iamlint.cli import main


def test_formats_pair_with_outputs_and_text_goes_to_stdout(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "check",
            "--format",
            "sarif",
            "-o",
            "out.sarif",
            "--format",
            "junit",
            "-o",
            "out.xml",
            "--format",
            "text",
            ".",
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "iam/project.yaml\n" in out  # the full text report, findings included
    assert "Found 3 findings (3 high) in 3 files." in out
    assert json.loads((ci_project / "out.sarif").read_text())["version"] == "2.1.0"
    assert ET.parse(ci_project / "out.xml").getroot().tag == "testsuites"


def test_summary_stays_on_the_terminal_when_the_report_goes_to_a_file(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--format", "json", "--output", "report.json", "."]) == 1
    out = capsys.readouterr().out
    assert "Found 3 findings (3 high) in 3 files." in out
    assert "3 findings at or above --fail-on low." in out
    assert "SP001" not in out  # only the summary; the findings are in the file
    assert len(json.loads((ci_project / "report.json").read_text())["findings"]) == 3


def test_output_alone_writes_text_to_the_file(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-o", "report.txt", "."]) == 1
    assert "SP001" in (ci_project / "report.txt").read_text()
    assert "Found 3 findings" in capsys.readouterr().out


def test_two_formats_for_stdout_is_a_usage_error(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--format", "json", "--format", "sarif", "."]) == 2
    assert "would all go to stdout" in capsys.readouterr().err


def test_unwritable_output_is_a_usage_error(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "sarif", "-o", "no/such/dir/out.sarif", "."]) == 2
    err = capsys.readouterr().err
    assert "cannot write --output no/such/dir/out.sarif" in err
    assert "Traceback" not in err


def test_unknown_format_writes_nothing(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "sarif", "-o", "out.sarif", "--format", "nope", "."]) == 2
    assert "unknown --format 'nope'" in capsys.readouterr().err
    assert not (ci_project / "out.sarif").exists()
