"""The command line: exit codes, output shapes, and bad input reported as path:line without a traceback.

A local rule plugin (the same `plugins:` door a team's own rules use) gives these tests a rule whose
behaviour they control, so they test the CLI and not the built-in catalogue.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from iamlint.cli import main

PLUGIN = """
from iamlint.findings import Severity
from iamlint.hookspecs import hookimpl
from iamlint.rule import Rule


class NoOwners(Rule):
    id = "TST001"
    name = "no-owners"
    severity = Severity.MEDIUM
    summary = "roles/owner is granted"
    rationale = "test rule"
    remediation = "remove it"

    def check(self, inventory, options):
        for binding in inventory.bindings():
            if binding.role == "roles/owner":
                for member in binding.members:
                    yield self.finding(
                        f"{member} holds roles/owner", resource=binding.resource, principal=member.member,
                        role=binding.role, location=binding.location_of(member),
                    )


@hookimpl
def iamlint_rules():
    return [NoOwners()]
"""

OWNER_POLICY = """\
# gcloud projects get-iam-policy acme-prod
bindings:
- members:
  - user:bob@acme.example
  role: roles/owner
etag: BwYQ7rT0AbE=
version: 1
"""
CLEAN_POLICY = "bindings:\n- members:\n  - user:bob@acme.example\n  role: roles/viewer\netag: x\nversion: 1\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "rules_local.py").write_text(PLUGIN)
    (tmp_path / ".iamlint.yaml").write_text(
        "plugins: [rules_local.py]\nselect: [TST]\n"
        "resources:\n  iam/prod.yaml: //cloudresourcemanager.googleapis.com/projects/acme-prod\n"
    )
    (tmp_path / "iam").mkdir()
    (tmp_path / "iam" / "prod.yaml").write_text(OWNER_POLICY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_findings_exit_1_and_text_groups_by_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "iam"]) == 1
    out = capsys.readouterr().out
    assert "iam/prod.yaml\n" in out
    assert "     4  medium   TST001  user:bob@acme.example holds roles/owner" in out
    assert "Found 1 finding (1 medium) in 1 file." in out


def test_clean_input_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "iam" / "prod.yaml").write_text(CLEAN_POLICY)
    assert main(["check", "iam"]) == 0
    assert "No findings in 1 file." in capsys.readouterr().out


def test_fail_on_above_the_finding_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--fail-on", "high", "iam"]) == 0
    assert "None is at or above --fail-on high." in capsys.readouterr().out


def test_json_shape(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", "iam/prod.yaml"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    (finding,) = document["findings"]
    assert finding == {
        "rule": "TST001",
        "name": "no-owners",
        "severity": "medium",
        "message": "user:bob@acme.example holds roles/owner",
        "resource": "//cloudresourcemanager.googleapis.com/projects/acme-prod",
        "principal": "user:bob@acme.example",
        "role": "roles/owner",
        "location": {"path": "iam/prod.yaml", "line": 4, "address": None},
        "fingerprint": finding["fingerprint"],
        "suppressed": None,
    }
    assert len(finding["fingerprint"]) == 32
    assert document["summary"]["findings"] == 1
    assert document["summary"]["by_severity"]["medium"] == 1


def test_fingerprint_ignores_line_moves(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--format", "json", "iam"])
    before = json.loads(capsys.readouterr().out)["findings"][0]["fingerprint"]
    (project / "iam" / "prod.yaml").write_text("\n\n\n" + OWNER_POLICY)
    main(["check", "--format", "json", "iam"])
    after = json.loads(capsys.readouterr().out)["findings"][0]
    assert after["location"]["line"] == 7
    assert after["fingerprint"] == before


def test_resource_option_binds_bare_policies(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "other.yaml").write_text(OWNER_POLICY)
    main(
        [
            "check",
            "--format",
            "json",
            "--resource",
            "//cloudresourcemanager.googleapis.com/projects/x",
            "other.yaml",
        ]
    )
    document = json.loads(capsys.readouterr().out)
    assert document["findings"][0]["resource"] == "//cloudresourcemanager.googleapis.com/projects/x"
    assert document["summary"]["unbound_policies"] == []


def test_unbound_policy_is_noted(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "other.yaml").write_text(OWNER_POLICY)
    main(["check", "other.yaml"])
    out = capsys.readouterr().out
    assert "note: other.yaml does not say which resource its policy is set on" in out
    assert "//cloudresourcemanager.googleapis.com/projects/unbound:other.yaml" in out


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "truncated.json",
            b'{\n  "bindings": [\n    {"role": "roles/owner",\n',
            "truncated.json:4: invalid JSON",
        ),
        ("tabs.yaml", b"bindings:\n\t- role: roles/owner\n", "tabs.yaml:2: invalid YAML"),
        (
            "types.yaml",
            b"bindings:\n- role: roles/owner\n  members: user:a@b.c\n",
            "types.yaml:3: bindings[0].members: expected a list",
        ),
        ("binary.json", b"\x00\x01\x02PK", "binary.json: binary file"),
        ("empty.yaml", b"", "empty.yaml: empty file"),
        (
            "compose.yaml",
            b"services:\n  web:\n    image: nginx\n",
            "compose.yaml:1: not a recognised document",
        ),
    ],
)
def test_bad_input_named_on_the_command_line_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, expected: str
) -> None:
    (project / name).write_bytes(content)
    assert main(["check", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing is half-reported
    assert f"iamlint: error: {expected}" in captured.err


def test_every_broken_file_is_reported_at_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "iam" / "a.json").write_text("{")
    (project / "iam" / "b.yaml").write_text("bindings: [\n")
    assert main(["check", "iam"]) == 2
    err = capsys.readouterr().err
    assert "iam/a.json:1:" in err
    assert "iam/b.yaml:" in err


def test_unrelated_file_met_while_walking_is_skipped_with_a_notice(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "iam" / "compose.yaml").write_text("services:\n  web:\n    image: nginx\n")
    assert main(["check", "iam"]) == 1
    assert "notice: iam/compose.yaml:1: skipped" in capsys.readouterr().err
    assert main(["check", "--quiet", "iam"]) == 1
    assert "skipped" not in capsys.readouterr().err


def test_missing_path_and_unknown_rule_and_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nowhere"]) == 2
    assert "nowhere: no such file or directory" in capsys.readouterr().err
    assert main(["check", "--select", "XYZ999", "iam"]) == 2
    assert "--select: unknown rule 'XYZ999'" in capsys.readouterr().err
    assert main(["check", "--format", "yaml", "iam"]) == 2
    assert "unknown --format 'yaml'" in capsys.readouterr().err


def test_config_paths_are_the_default(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".iamlint.yaml").write_text((project / ".iamlint.yaml").read_text() + "paths: [iam]\n")
    assert main(["check"]) == 1
    assert "iam/prod.yaml" in capsys.readouterr().out


def test_invalid_config_exits_2_with_key_and_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".iamlint.yaml").write_text("fail_on: never\n")
    assert main(["check", "iam"]) == 2
    assert ".iamlint.yaml:1: fail_on: 'never' is not one of" in capsys.readouterr().err


def test_rule_options_are_validated(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "rules_local.py").write_text(
        PLUGIN.replace(
            'remediation = "remove it"',
            'remediation = "remove it"\n    options_schema = '
            '{"type": "object", "properties": {"allow": {"type": "array", "default": []}}, '
            '"additionalProperties": False}',
        )
    )
    (project / ".iamlint.yaml").write_text(
        "plugins: [rules_local.py]\nselect: [TST]\nrules:\n  TST001:\n    allow: x\n"
    )
    assert main(["check", "iam"]) == 2
    assert "rules.TST001.allow: 'x' is not of type 'array'" in capsys.readouterr().err


def test_rules_and_explain(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    assert "TST001  no-owners" in capsys.readouterr().out
    assert main(["explain", "no-owners"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("TST001 no-owners (medium)")
    assert "How to fix:\n  remove it" in out
    assert main(["explain", "NOPE1"]) == 2


def test_python_dash_m_runs_the_same_cli_without_tracebacks(project: Path) -> None:
    (project / "broken.json").write_text('{"bindings": [')
    result = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "broken.json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("iamlint: error: broken.json:1: invalid JSON")


def test_help_teaches_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "exit codes:" in result.stdout
    assert "--fail-on" in result.stdout
