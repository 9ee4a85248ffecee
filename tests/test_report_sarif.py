"""SARIF output: every document the tests produce is validated against the official SARIF 2.1.0 schema
(tests/data/sarif-schema-2.1.0.json, source in tests/data/README.md)."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from iamlint.cli import main
from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation
from iamlint.plugins import load_plugins
from iamlint.report import Report
from iamlint.report.sarif import sarif_document

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parent.parent


@cache
def _validator() -> jsonschema.Draft4Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def validated(document: Any) -> dict[str, Any]:
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    assert isinstance(document, dict)
    return document


def sarif_of(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    main(["check", "--format", "sarif", *args])
    return validated(json.loads(capsys.readouterr().out))


def test_schema_rejects_a_broken_document() -> None:
    # Guards the guard: a validator that accepted anything would make every other test here pass.
    errors = list(_validator().iter_errors({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}))
    assert errors


def test_driver_and_rules(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = sarif_of(["."], capsys)
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "iamlint"
    assert driver["informationUri"].startswith("https://")
    assert driver["version"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == {"SA001", "SP001"}
    sp001 = rules["SP001"]
    assert sp001["name"] == "over-broad-spanner-role"
    assert sp001["helpUri"].endswith("/blob/main/docs/rules.md#sp001-over-broad-spanner-role")
    assert sp001["defaultConfiguration"] == {"level": "error"}
    assert sp001["properties"]["security-severity"] == "8.0"
    assert "security" in sp001["properties"]["tags"]
    assert "How to fix" in sp001["help"]["text"]
    assert "**How to fix.**" in sp001["help"]["markdown"]
    assert sp001["shortDescription"]["text"]
    assert sp001["fullDescription"]["text"]


def test_results_point_at_files_relative_to_the_repository_root(
    ci_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(ci_project)], check=True)
    monkeypatch.chdir(ci_project / "run")
    run = sarif_of([".."], capsys)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ci_project.resolve().as_uri() + "/"
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]}
    assert set(by_uri) == {"iam/project.yaml", "run/cart.yaml", "run/orders.yaml"}
    sp001 = by_uri["iam/project.yaml"]
    location = sp001["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert location["physicalLocation"]["region"] == {"startLine": 4}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == (
        "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
    )
    assert sp001["ruleId"] == "SP001"
    assert run["tool"]["driver"]["rules"][sp001["ruleIndex"]]["id"] == "SP001"
    assert sp001["level"] == "error"
    assert "roles/spanner.admin" in sp001["message"]["text"]

    # The same findings seen from the repository root carry the same fingerprints.
    monkeypatch.chdir(ci_project)
    again = sarif_of(["."], capsys)["runs"][0]["results"]
    assert sorted(r["partialFingerprints"]["iamlint/v1"] for r in again) == sorted(
        r["partialFingerprints"]["iamlint/v1"] for r in run["results"]
    )


def test_finding_without_a_file_gets_a_logical_location() -> None:
    finding = Finding(
        rule="SP001",
        name="over-broad-spanner-role",
        severity=Severity.CRITICAL,
        message="scan finding",
        resource="//spanner.googleapis.com/projects/p/instances/i",
        principal="serviceAccount:a@p.iam.gserviceaccount.com",
        role="roles/spanner.admin",
    )
    rules = [rule for rule in load_plugins().rules if rule.id == "SP001"]
    report = Report(findings=[finding], rules=rules, fail_on=Severity.LOW)
    result = validated(sarif_document(report, Path("/tmp")))["runs"][0]["results"][0]
    assert result["locations"] == [
        {
            "logicalLocations": [
                {"fullyQualifiedName": "//spanner.googleapis.com/projects/p/instances/i", "kind": "resource"}
            ]
        }
    ]
    assert result["level"] == "error"
    assert result["partialFingerprints"]["iamlint/v1"] == finding.fingerprint


def test_suppressed_findings_carry_sarif_suppressions(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = ci_project / "iam" / "project.yaml"
    policy.write_text(
        policy.read_text().replace(
            "  - serviceAccount:orders@",
            "  # iamlint: ignore[SP001] migration owner until Q3\n  - serviceAccount:orders@",
        )
    )
    plain = sarif_of(["."], capsys)["runs"][0]["results"]
    assert {r["ruleId"] for r in plain} == {"SA001"}
    audited = sarif_of(["--no-suppress", "."], capsys)["runs"][0]["results"]
    (suppressed,) = [r for r in audited if r["ruleId"] == "SP001"]
    assert suppressed["suppressions"][0]["kind"] == "inSource"
    assert "migration owner until Q3" in suppressed["suppressions"][0]["justification"]


def test_examples_validate(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    document = sarif_of(["examples/"], capsys)
    results = document["runs"][0]["results"]
    assert results, "the example project is meant to have findings"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(uri.startswith("examples/") for uri in uris)


def test_paths_are_uri_references(tmp_path: Path) -> None:
    finding = Finding(
        "SP001",
        "over-broad-spanner-role",
        Severity.HIGH,
        "m",
        "//r",
        location=SourceLocation(str(tmp_path / "iam policies" / "prod#1.yaml"), 3),
    )
    report = Report(findings=[finding], rules=[], fail_on=Severity.LOW)
    run = validated(sarif_document(report, tmp_path))["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "iam%20policies/prod%231.yaml"
    assert run["tool"]["driver"]["rules"][0]["id"] == "SP001"  # a descriptor even for an unknown rule


# --- a run that fails still writes its SARIF file ---------------------------------------------------------


def test_broken_input_still_writes_sarif_with_the_errors_as_notifications(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ci_project / "iam" / "broken.json").write_text('{\n  "bindings": [\n    {"role": }\n  ]\n}\n')
    (ci_project / "out.sarif").write_text('{"from": "the last run"}')
    code = main(["check", "--format", "sarif", "-o", "out.sarif", "--format", "github", "."])
    captured = capsys.readouterr()
    assert code == 2
    assert "iam/broken.json:3: invalid JSON" in captured.err
    document = validated(json.loads((ci_project / "out.sarif").read_text()))
    (run,) = document["runs"]
    assert run["results"] == []  # nothing is reported from a run with broken input
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"].startswith("invalid JSON")
    physical = notification["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "iam/broken.json", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 3}
    # --format github: the same error as an annotation on the file and line.
    assert captured.out.startswith("::error file=iam/broken.json,line=3,title=iamlint error::invalid JSON")


def test_a_configuration_error_after_the_outputs_are_known_is_reported_too(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--format", "sarif", "-o", "out.sarif", "--format", "junit", "-o", "out.xml",
                 "--select", "SP999", "."])  # fmt: skip
    assert code == 2
    assert "SP999" in capsys.readouterr().err
    (run,) = validated(json.loads((ci_project / "out.sarif").read_text()))["runs"]
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "SP999" in notification["message"]["text"]
    assert "locations" not in notification
    import xml.etree.ElementTree as ET

    suite = ET.parse(ci_project / "out.xml").getroot().find("testsuite")
    assert suite is not None
    assert suite.get("errors") == "1"
    error = suite.find("testcase/error")
    assert error is not None
    assert "SP999" in (error.get("message") or "")


def test_formats_that_cannot_say_the_run_failed_are_not_written(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ci_project / "iam" / "broken.yaml").write_text("bindings: [\n")
    assert main(["check", "--format", "json", "-o", "out.json", "."]) == 2
    assert not (ci_project / "out.json").exists()
    assert capsys.readouterr().out == ""
