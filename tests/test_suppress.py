"""Suppressions: config waivers (globs, reason, owner, expiry), inline comments, --no-suppress, unused
and strict. The project (tests/fixtures/ci/project) has SP001 on iam/project.yaml:4 and SA001 on
run/cart.yaml:14 and run/orders.yaml:14."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from iamlint.cli import main
from iamlint.config import from_mapping
from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation
from iamlint.suppress import SuppressOptions, apply_suppressions, parse_inline

SA = "orders@acme-shop-prod.iam.gserviceaccount.com"


def configure(project: Path, extra: str) -> None:
    config = project / ".iamlint.yaml"
    config.write_text(config.read_text() + extra)


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--format", "json", *args, "."])
    return code, json.loads(capsys.readouterr().out)


def rules_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["rule"], f["location"]["path"]) for f in document["findings"])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# --- config waivers ------------------------------------------------------------------------------------


def test_waiver_by_rule_name_and_path_glob(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(
        ci_project,
        "ignore:\n- rule: shared-service-account\n  path: run/cart.*\n  reason: cart is being split out\n"
        "  owner: team-cart\n",
    )
    code, document = check_json(capsys)
    assert code == 1
    assert rules_of(document) == [("SA001", "run/orders.yaml"), ("SP001", "iam/project.yaml")]
    assert document["summary"]["suppressed"] == 1


@pytest.mark.parametrize(
    ("scope", "suppressed"),
    [
        ("resource: //cloudresourcemanager.googleapis.com/projects/acme-shop-*", True),
        ("resource: //cloudresourcemanager.googleapis.com/projects/other", False),
        (f"principal: serviceAccount:{SA}", True),
        ("principal: user:*", False),
        ("role: roles/spanner.*", True),
        ("role: roles/owner", False),
        ("path: iam/*.yaml", True),
        ("path: run/*.yaml", False),
    ],
)
def test_waiver_globs(
    ci_project: Path, capsys: pytest.CaptureFixture[str], scope: str, suppressed: bool
) -> None:
    configure(ci_project, f"ignore:\n- rule: SP001\n  {scope}\n  reason: accepted\n")
    _, document = check_json(capsys)
    assert (("SP001", "iam/project.yaml") not in rules_of(document)) is suppressed


def test_waiver_needs_a_reason(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(ci_project, "ignore:\n- rule: SP001\n  path: iam/*\n")
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert ".iamlint.yaml" in err
    assert "ignore" in err


def test_expired_waiver_brings_the_finding_back_with_a_note(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(ci_project, "ignore:\n- rule: SP001\n  reason: migration\n  expires: 2001-02-03\n")
    code, document = check_json(capsys)
    assert code == 1
    (sp001,) = [f for f in document["findings"] if f["rule"] == "SP001"]
    assert "the waiver for this expired on 2001-02-03" in sp001["message"]
    assert sp001["suppressed"] is None
    assert any("waiver expired on 2001-02-03" in note for note in document["summary"]["notes"])
    main(["check", "."])
    assert "note: waiver expired on 2001-02-03" in capsys.readouterr().out


def test_waiver_that_has_not_expired_suppresses(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(ci_project, "ignore:\n- rule: SP001\n  reason: migration\n  expires: 2999-12-31\n")
    _, document = check_json(capsys)
    assert ("SP001", "iam/project.yaml") not in rules_of(document)


def test_expiry_day_is_the_last_day_it_works(tmp_path: Path) -> None:
    config = from_mapping(
        {"ignore": [{"rule": "SP001", "reason": "r", "expires": "2030-06-30"}]}, tmp_path, "cfg.yaml"
    )
    finding = Finding("SP001", "over-broad-spanner-role", Severity.HIGH, "m", "//r")
    on_the_day = apply_suppressions([finding], config, SuppressOptions(today=date(2030, 6, 30)))
    assert on_the_day.reported == []
    day_after = apply_suppressions([finding], config, SuppressOptions(today=date(2030, 7, 1)))
    assert [f.rule for f in day_after.reported] == ["SP001"]


def test_impossible_expiry_date_is_a_config_error(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(ci_project, "ignore:\n- rule: SP001\n  reason: r\n  expires: 2026-02-30\n")
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert ".iamlint.yaml:8: ignore.0.expires: '2026-02-30' is not a date (YYYY-MM-DD)" in err


# --- inline comments -----------------------------------------------------------------------------------


def test_inline_comment_on_the_line(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        ci_project / "run" / "cart.yaml",
        f"serviceAccountName: {SA}",
        f"serviceAccountName: {SA}  # iamlint: ignore[SA001] split planned in JIRA-42",
    )
    _, document = check_json(capsys, "--no-suppress")
    by_path = {f["location"]["path"]: f for f in document["findings"]}
    assert by_path["run/cart.yaml"]["suppressed"] == (
        "inline comment at run/cart.yaml:14: split planned in JIRA-42"
    )
    assert by_path["run/orders.yaml"]["suppressed"] is None


def test_inline_comment_on_the_line_above(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(
        ci_project / "iam" / "project.yaml",
        f"  - serviceAccount:{SA}",
        f"  # iamlint: ignore[over-broad-spanner-role] -- schema migrations need it\n  - serviceAccount:{SA}",
    )
    _, document = check_json(capsys)
    assert ("SP001", "iam/project.yaml") not in rules_of(document)


def test_trailing_comment_of_the_line_above_does_not_count(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The comment belongs to the developers' entry, not to the account on the next line.
    edit(
        ci_project / "iam" / "project.yaml",
        "- members:\n  - serviceAccount:",
        "- members:  # iamlint: ignore[SP001] not for the next line\n  - serviceAccount:",
    )
    _, document = check_json(capsys, "--show-unused-suppressions")
    assert ("SP001", "iam/project.yaml") in rules_of(document)
    assert any("inline comment at iam/project.yaml:3" in n for n in document["summary"]["notes"])


def test_inline_comment_for_another_rule_does_not_suppress(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        ci_project / "run" / "cart.yaml",
        f"serviceAccountName: {SA}",
        f"serviceAccountName: {SA}  # iamlint: ignore[SA002] wrong rule",
    )
    _, document = check_json(capsys)
    assert ("SA001", "run/cart.yaml") in rules_of(document)


def test_inline_comment_without_reason_is_not_applied(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        ci_project / "run" / "cart.yaml",
        f"serviceAccountName: {SA}",
        f"serviceAccountName: {SA}  # iamlint: ignore[SA001]",
    )
    code, document = check_json(capsys)
    assert code == 1
    assert ("SA001", "run/cart.yaml") in rules_of(document)
    assert (
        "inline comment at run/cart.yaml:14 has no reason and suppresses nothing"
        in (document["summary"]["notes"])
    )
    # Even with every finding waived otherwise, strict mode fails on it.
    configure(ci_project, "ignore:\n- {rule: SA001, reason: r}\n- {rule: SP001, reason: r}\n")
    assert main(["check", "."]) == 0
    capsys.readouterr()
    assert main(["check", "--strict-suppressions", "."]) == 1
    assert "--strict-suppressions: 1 suppression unused or invalid" in capsys.readouterr().out


def test_parse_inline_lists_rules_and_reason() -> None:
    found = parse_inline(
        "f.yaml", ["a: 1", "# iamlint: ignore[SA001, SP001]: shared on purpose", "b: 2  # iamlint: ignore[X]"]
    )
    comment, alone = found[2]
    assert comment.rules == ("SA001", "SP001")
    assert comment.reason == "shared on purpose"
    assert alone
    trailing, alone = found[3]
    assert trailing.reason == ""
    assert not alone


# --- audit and hygiene ---------------------------------------------------------------------------------


def test_no_suppress_shows_everything_marked(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(ci_project, "ignore:\n- rule: SP001\n  reason: migration window\n  owner: dba-team\n")
    code, document = check_json(capsys, "--no-suppress")
    assert code == 1
    (sp001,) = [f for f in document["findings"] if f["rule"] == "SP001"]
    assert sp001["suppressed"].startswith(
        "config ignore SP001 at .iamlint.yaml:6: migration window, owner dba-team"
    )
    main(["check", "--no-suppress", "."])
    out = capsys.readouterr().out
    assert "suppressed: config ignore SP001" in out
    assert "Found 2 findings" in out  # the count (and the exit code) still leave waived findings out


def test_unused_suppressions_are_listed_and_strict_fails(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        ci_project,
        "ignore:\n- {rule: SP001, reason: used}\n- {rule: SA001, path: nowhere/*, reason: stale}\n"
        "- {rule: SA001, reason: all shared}\n",
    )
    assert main(["check", "."]) == 0
    out = capsys.readouterr().out
    assert "unused suppression" not in out
    assert main(["check", "--show-unused-suppressions", "."]) == 0
    out = capsys.readouterr().out
    assert "note: unused suppression: config ignore SA001 path=nowhere/* at .iamlint.yaml:7: stale" in out
    assert "used" not in out.replace("unused", "")
    assert main(["check", "--strict-suppressions", "."]) == 1
    assert "--strict-suppressions: 1 suppression unused or invalid" in capsys.readouterr().out


def test_finding_without_location_is_only_waived_by_config(tmp_path: Path) -> None:
    config = from_mapping(
        {"ignore": [{"rule": "SP001", "resource": "//spanner*", "reason": "r"}]}, tmp_path, None
    )
    scan = Finding("SP001", "over-broad-spanner-role", Severity.HIGH, "m", "//spanner.googleapis.com/x")
    other = Finding(
        "SP001",
        "over-broad-spanner-role",
        Severity.HIGH,
        "m",
        "//run.googleapis.com/x",
        location=SourceLocation("gone.yaml", 3),
    )
    result = apply_suppressions([scan, other], config, SuppressOptions())
    assert [f.resource for f in result.suppressed] == ["//spanner.googleapis.com/x"]
    assert [f.resource for f in result.reported] == ["//run.googleapis.com/x"]


def test_unused_inline_comment_in_a_file_without_findings(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ci_project / "iam" / "db.yaml").write_text(
        "# gcloud spanner databases get-iam-policy orders --instance shop-prod\n"
        "bindings:\n- members:\n"
        "  # iamlint: ignore[SP001] the admin grant was removed long ago\n"
        "  - user:dba@acme.example\n  role: roles/spanner.databaseReader\netag: x\nversion: 1\n"
    )
    assert main(["check", "."]) == 1
    assert "unused suppression" not in capsys.readouterr().out
    main(["check", "--show-unused-suppressions", "."])
    assert (
        "note: unused suppression: inline comment at iam/db.yaml:4: ignore[SP001]" in capsys.readouterr().out
    )


def test_renewed_waiver_wins_over_the_expired_one(tmp_path: Path) -> None:
    config = from_mapping(
        {
            "ignore": [
                {"rule": "SP001", "reason": "first window", "expires": "2020-01-31"},
                {"rule": "SP001", "reason": "extended", "expires": "2030-01-31"},
            ]
        },
        tmp_path,
        "cfg.yaml",
    )
    finding = Finding("SP001", "over-broad-spanner-role", Severity.HIGH, "m", "//r")
    result = apply_suppressions([finding], config, SuppressOptions(today=date(2025, 1, 1)))
    (suppressed,) = result.suppressed
    assert "extended" in (suppressed.suppressed_by or "")
    assert result.expired == []  # nothing came back
    (unused,) = result.unused  # the old entry does nothing any more
    assert "first window" in unused


def test_a_waiver_for_a_rule_that_did_not_run_is_not_unused(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(
        ci_project,
        "ignore:\n- {rule: SP001, reason: migration}\n- {rule: SA001, reason: all shared}\n",
    )
    (ci_project / "iam" / "db.yaml").write_text(
        "bindings:\n- members:\n  # iamlint: ignore[IAM002] reviewed\n  - user:dba@acme.example\n"
        "  role: roles/spanner.databaseReader\netag: x\nversion: 1\n"
    )
    # The config selects SA001 and SP001; with SA001 ignored, its waiver and the comment about IAM002
    # (which is off by default) have nothing to match in this run.
    assert main(["check", "--ignore", "SA001", "--strict-suppressions", "."]) == 0
    assert "unused" not in capsys.readouterr().out
    # When their rules run and they match nothing, they are unused.
    assert main(["check", "--select", "IAM002", "--strict-suppressions", "."]) == 1
    out = capsys.readouterr().out
    assert "unused suppression: inline comment at iam/db.yaml:3: ignore[IAM002]" in out
    assert "config ignore SA001" not in out  # it waives the two SA001 findings
