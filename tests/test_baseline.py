"""Baselines and the fingerprints they rest on: create, check --baseline, fixed entries, update."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamlint.cli import main
from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation, replace

SA = "orders@acme-shop-prod.iam.gserviceaccount.com"


def fingerprints(capsys: pytest.CaptureFixture[str], *args: str) -> dict[tuple[str, str], str]:
    main(["check", "--format", "json", *args])
    document = json.loads(capsys.readouterr().out)
    return {(f["rule"], f["location"]["path"]): f["fingerprint"] for f in document["findings"]}


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def create(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["baseline", "create", *args]) == 0
    return capsys.readouterr().out


# --- fingerprints ----------------------------------------------------------------------------------------


def test_fingerprint_survives_reordering_reformatting_and_line_moves(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprints(capsys, ".")
    policy = ci_project / "iam" / "project.yaml"
    # The same policy as gcloud's --format=json prints it: bindings reordered, keys reordered, new lines.
    policy.write_text(
        json.dumps(
            {
                "bindings": [
                    {"role": "roles/viewer", "members": ["group:developers@acme.example"]},
                    {"role": "roles/spanner.admin", "members": [f"serviceAccount:{SA}"]},
                ],
                "etag": "BwYQ7rT0AbE=",
                "version": 1,
            },
            indent=4,
        )
    )
    service = ci_project / "run" / "cart.yaml"
    service.write_text(service.read_text().replace("metadata:", "# moved down\n\n\nmetadata:"))
    after = fingerprints(capsys, ".")
    assert after == before


def test_fingerprint_changes_with_what_identifies_a_finding() -> None:
    base = Finding(
        "SP001",
        "over-broad-spanner-role",
        Severity.HIGH,
        "m",
        "//cloudresourcemanager.googleapis.com/projects/p",
        principal="serviceAccount:a@p.iam.gserviceaccount.com",
        role="roles/spanner.admin",
        location=SourceLocation("iam/p.yaml", 4),
    )
    variants = [
        replace(base, rule="SP002"),
        replace(base, resource="//cloudresourcemanager.googleapis.com/projects/q"),
        replace(base, principal="serviceAccount:b@p.iam.gserviceaccount.com"),
        replace(base, role="roles/spanner.databaseAdmin"),
        replace(base, location=SourceLocation("iam/other.yaml", 4)),
    ]
    assert len({base.fingerprint, *(v.fingerprint for v in variants)}) == 6
    unchanged = [
        replace(base, location=SourceLocation("iam/p.yaml", 40)),
        replace(base, message="reworded"),
        replace(base, severity=Severity.CRITICAL),
    ]
    assert {v.fingerprint for v in unchanged} == {base.fingerprint}


def test_fingerprint_is_the_digest_of_what_tells_findings_apart() -> None:
    base = Finding(
        "SP001",
        "n",
        Severity.HIGH,
        "m",
        "//r",
        role="roles/spanner.admin",
        location=SourceLocation("a.yaml", 4),
    )
    moved = replace(base, role="roles/spanner.databaseAdmin")
    assert base.fingerprint == base.fingerprint_at("a.yaml") != moved.fingerprint
    assert base.fingerprint_at("b.yaml") == replace(base, location=SourceLocation("b.yaml", 4)).fingerprint
    # Findings the engine keeps apart are exactly those with different fingerprints.
    assert base.identity != moved.identity
    assert base.identity == replace(base, message="other", location=SourceLocation("a.yaml", 9)).identity


# --- baselines -----------------------------------------------------------------------------------------


def test_create_then_check_reports_nothing_old(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "Recorded 3 findings in .iamlint-baseline.json." in create(capsys, ".")
    stored = json.loads((ci_project / ".iamlint-baseline.json").read_text())
    assert stored["version"] == 1
    assert [(e["rule"], e["path"]) for e in stored["findings"]] == [
        ("SP001", "iam/project.yaml"),
        ("SA001", "run/cart.yaml"),
        ("SA001", "run/orders.yaml"),
    ]
    assert all("line" not in entry for entry in stored["findings"])
    assert main(["check", "--baseline", ".iamlint-baseline.json", "."]) == 0
    out = capsys.readouterr().out
    assert "note: 3 findings baselined in .iamlint-baseline.json" in out
    assert "No findings in 3 files." in out


def test_baseline_file_is_reproducible(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create(capsys, ".")
    first = (ci_project / ".iamlint-baseline.json").read_text()
    create(capsys, ".")
    assert (ci_project / ".iamlint-baseline.json").read_text() == first


def test_only_new_findings_are_reported_and_fixed_entries_counted(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create(capsys, ".")
    # A third service joins the shared account (new SA001), and the Spanner admin grant goes (SP001 fixed).
    cart = ci_project / "run" / "cart.yaml"
    (ci_project / "run" / "search.yaml").write_text(cart.read_text().replace("cart", "search"))
    policy = ci_project / "iam" / "project.yaml"
    policy.write_text(policy.read_text().replace("roles/spanner.admin", "roles/spanner.databaseUser"))
    code, document = check_json(capsys, "--baseline", ".iamlint-baseline.json", ".")
    assert code == 1
    assert [(f["rule"], f["location"]["path"]) for f in document["findings"]] == [
        ("SA001", "run/search.yaml")
    ]
    notes = document["summary"]["notes"]
    assert "2 findings baselined in .iamlint-baseline.json" in notes
    assert "1 baseline entry fixed (no longer found); prune with `iamlint baseline update`" in notes


def test_same_finding_in_another_file_is_not_hidden(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create(capsys, ".")
    policy = ci_project / "iam" / "project.yaml"
    policy.rename(ci_project / "iam" / "project-copy.yaml")
    configure = ci_project / ".iamlint.yaml"
    configure.write_text(configure.read_text().replace("iam/project.yaml", "iam/project-copy.yaml"))
    code, document = check_json(capsys, "--baseline", ".iamlint-baseline.json", ".")
    assert code == 1
    assert [(f["rule"], f["location"]["path"]) for f in document["findings"]] == [
        ("SP001", "iam/project-copy.yaml")
    ]


def test_baseline_works_from_another_directory(
    ci_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    create(capsys, ".")
    monkeypatch.chdir(ci_project / "run")
    assert main(["check", "--baseline", "../.iamlint-baseline.json", ".."]) == 0
    assert "3 findings baselined" in capsys.readouterr().out


def test_config_baseline_key(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    create(capsys, "-o", "accepted.json", ".")
    config = ci_project / ".iamlint.yaml"
    config.write_text(config.read_text() + "baseline: accepted.json\n")
    assert main(["check", "."]) == 0
    assert "3 findings baselined" in capsys.readouterr().out


def test_update_prunes_fixed_entries_and_add_new_records(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create(capsys, ".")
    policy = ci_project / "iam" / "project.yaml"
    policy.write_text(policy.read_text().replace("roles/spanner.admin", "roles/spanner.databaseUser"))
    cart = ci_project / "run" / "cart.yaml"
    (ci_project / "run" / "search.yaml").write_text(cart.read_text().replace("cart", "search"))
    assert main(["baseline", "update", "."]) == 0
    assert capsys.readouterr().out == (
        ".iamlint-baseline.json: kept 2, pruned 1 fixed, added 0; "
        "1 new finding not added (--add-new adds them).\n"
    )
    stored = json.loads((ci_project / ".iamlint-baseline.json").read_text())
    assert [e["path"] for e in stored["findings"]] == ["run/cart.yaml", "run/orders.yaml"]
    assert main(["baseline", "update", "--add-new", "."]) == 0
    assert "kept 2, pruned 0 fixed, added 1." in capsys.readouterr().out
    assert main(["check", "--baseline", ".iamlint-baseline.json", "."]) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "baseline is not valid JSON"),
        ('{"version": 7, "findings": []}', "not an iamlint baseline"),
        ('{"version": 1, "findings": [{"rule": "SA001"}]}', "not an iamlint baseline"),
    ],
)
def test_broken_baseline_is_an_input_error(
    ci_project: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    # Outside the linted directory, so that only the baseline reader sees it.
    (ci_project.parent / "b.json").write_text(content)
    assert main(["check", "--baseline", "../b.json", "."]) == 2
    err = capsys.readouterr().err
    assert "../b.json" in err
    assert message in err
    assert "Traceback" not in err


def test_missing_baseline_says_how_to_create_one(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--baseline", "none.json", "."]) == 2
    assert (
        "none.json: baseline file not found (create it with `iamlint baseline create`)"
        in capsys.readouterr().err
    )
