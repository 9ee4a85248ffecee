"""JUnit XML: one testcase per rule that ran, one failure per finding; parsed back to prove it is XML."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iamlint.cli import main
from iamlint.findings import Finding, Severity
from iamlint.plugins import load_plugins
from iamlint.report import Report
from iamlint.report.junit import JunitReporter


def test_testcase_per_rule_failure_per_finding(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "junit", "--select", "SA001,SP001,SA002", "."]) == 1
    root = ET.fromstring(capsys.readouterr().out)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert set(cases) == {
        "SA001 shared-service-account",
        "SA002 default-service-account",
        "SP001 over-broad-spanner-role",
    }
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "2"
    assert len(cases["SA001 shared-service-account"].findall("failure")) == 2
    assert cases["SA002 default-service-account"].findall("failure") == []
    (failure,) = cases["SP001 over-broad-spanner-role"].findall("failure")
    assert failure.get("type") == "high"
    assert "roles/spanner.admin" in (failure.get("message") or "")
    assert (failure.text or "").startswith("iam/project.yaml:4: SP001 over-broad-spanner-role (high)")
    assert cases["SP001 over-broad-spanner-role"].get("classname") == "iamlint.SP001"


def test_text_xml_cannot_carry_is_replaced() -> None:
    finding = Finding("SP001", "over-broad-spanner-role", Severity.HIGH, 'bad \x00 byte <&> "quoted"', "//r")
    rules = [rule for rule in load_plugins().rules if rule.id == "SP001"]
    stream = io.StringIO()
    JunitReporter().render(Report(findings=[finding], rules=rules, fail_on=Severity.LOW), stream, color=False)
    root = ET.fromstring(stream.getvalue())
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == 'bad \ufffd byte <&> "quoted"'
