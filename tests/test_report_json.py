"""JSON output: each finding is written through a fixed template that must match json.dumps exactly."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation
from iamlint.report import Report
from iamlint.report.json import JsonReporter, finding_to_dict, finding_to_json
from iamlint.workspace import StableFingerprints, rebased, repository_root, stable_fingerprint

BASE = Finding(
    "SP001",
    "over-broad-spanner-role",
    Severity.HIGH,
    'a "quoted" message\\ with a tab\t, a newline\n, a control \x01 and non-ASCII: é ✓ 😀',
    "//cloudresourcemanager.googleapis.com/projects/p",
    principal="serviceAccount:a@p.iam.gserviceaccount.com",
    role="roles/spanner.admin",
    location=SourceLocation("iam/p.yaml", 4, "//spanner.googleapis.com/projects/p/instances/i"),
    detail="condition: béta",
)

VARIANTS = [
    BASE,
    Finding("SA004", "credentials-in-workload", Severity.CRITICAL, "m", "//r"),
    Finding("IAM002", "n", Severity.LOW, "m", "//r", location=SourceLocation(address="//r")),
    Finding("IAM002", "n", Severity.INFO, "m", "//r", location=SourceLocation("a/b.json")),
    Finding("IAM002", "n", Severity.MEDIUM, "", "", location=SourceLocation("x", 0), suppressed_by="why ✓"),
    Finding(
        "IAM002", "n", Severity.MEDIUM, "m", "//r", location=SourceLocation("../outside/ü.ndjson", 10**9)
    ),
]


@pytest.mark.parametrize("finding", VARIANTS)
def test_finding_line_is_what_json_dumps_writes(finding: Finding, tmp_path: Path) -> None:
    fingerprint = stable_fingerprint(finding, tmp_path)
    assert finding_to_json(finding, fingerprint) == json.dumps(finding_to_dict(finding, tmp_path))


def test_report_is_one_finding_a_line_and_parses(tmp_path: Path) -> None:
    stream = io.StringIO()
    JsonReporter().render(Report(findings=VARIANTS, rules=(), fail_on=Severity.LOW), stream, color=False)
    lines = stream.getvalue().splitlines()
    assert lines[0] == '{"version": 1, "findings": ['
    assert len(lines) == 2 + len(VARIANTS)
    document = json.loads(stream.getvalue())
    assert [f["rule"] for f in document["findings"]] == [f.rule for f in VARIANTS]
    assert document["summary"]["by_severity"] == {"critical": 1, "high": 1, "medium": 2, "low": 1, "info": 1}
    assert document["summary"]["failed"] is True


def test_empty_report(tmp_path: Path) -> None:
    stream = io.StringIO()
    JsonReporter().render(Report(findings=(), rules=(), fail_on=Severity.LOW), stream, color=False)
    assert stream.getvalue().startswith('{"version": 1, "findings": [], "summary": {')
    assert json.loads(stream.getvalue())["summary"]["failed"] is False


@pytest.mark.parametrize("slice_size", [1, 2, 4, 100])
def test_report_written_in_slices_is_the_same_document(
    slice_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = Report(findings=VARIANTS, rules=(), fail_on=Severity.LOW)
    whole = io.StringIO()
    JsonReporter().render(report, whole, color=False)
    monkeypatch.setattr("iamlint.report.json._SLICE", slice_size)
    sliced = io.StringIO()
    JsonReporter().render(report, sliced, color=False)
    assert sliced.getvalue() == whole.getvalue()
    assert len(json.loads(sliced.getvalue())["findings"]) == len(VARIANTS)


def test_stable_fingerprints_of_many_are_those_of_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path.parent
    many = StableFingerprints(root)
    for finding in VARIANTS:
        assert (
            many(finding)
            == many(finding)
            == stable_fingerprint(finding, root)
            == rebased(finding, root).fingerprint
        )


def test_findings_sharing_a_location_are_each_written_as_json_dumps_would(tmp_path: Path) -> None:
    shared = SourceLocation("iam/p.ndjson", 3, "//r")
    findings = [
        Finding("IAM001", "n", Severity.LOW, "first", "//r", location=shared),
        Finding("IAM007", "n", Severity.LOW, "same location object", "//r", location=shared),
        Finding("IAM007", "n", Severity.LOW, "no location", "//r"),
        Finding(
            "IAM008",
            "n",
            Severity.LOW,
            "an equal location",
            "//r",
            location=SourceLocation("iam/p.ndjson", 3, "//r"),
        ),
        Finding(
            "IAM009", "n", Severity.LOW, "another line", "//r", location=SourceLocation("iam/p.ndjson", 4)
        ),
    ]
    stream = io.StringIO()
    JsonReporter().render(Report(findings=findings, rules=(), fail_on=Severity.LOW), stream, color=False)
    lines = stream.getvalue().splitlines()[1 : 1 + len(findings)]
    assert [line.strip().rstrip(",") for line in lines] == [
        json.dumps(finding_to_dict(finding, repository_root())) for finding in findings
    ]
