"""Constraints in the config (deny / allow / require): rules built from `.iamlint.yaml`, run end to end
through the CLI, with their schema errors, suppressions and listing.

Inputs are in the shapes gcloud prints: `gcloud projects get-iam-policy P` (default YAML),
`gcloud resource-manager folders get-iam-policy F`, `gcloud projects describe P --format json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamlint.cli import main
from iamlint_rules._examples import policy

PROD = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
DEV = "//cloudresourcemanager.googleapis.com/projects/acme-shop-dev"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/310987654321"
BREAK_GLASS = "group:break-glass@acme.example"

PROD_PROJECT = json.dumps(
    {
        "lifecycleState": "ACTIVE",
        "name": "acme-shop-prod",
        "parent": {"id": "310987654321", "type": "folder"},
        "projectId": "acme-shop-prod",
        "projectNumber": "123456789012",
    },
    indent=2,
)

BASE_CONFIG = f"""\
select: [ACME]
resources:
  iam/prod.yaml: {PROD}
  iam/dev.yaml: {DEV}
  iam/folder.yaml: {FOLDER}
"""


def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, constraints: str, **files: str) -> Path:
    (tmp_path / ".iamlint.yaml").write_text(BASE_CONFIG + "constraints:\n" + constraints)
    for name, text in files.items():
        path = tmp_path / name.replace("__", "/").replace("_yaml", ".yaml").replace("_json", ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["check", "--format", "json", *args, "."])
    out = capsys.readouterr().out
    return code, json.loads(out)["findings"] if out else []


def keys(findings: list[dict[str, Any]]) -> list[tuple[str, str, str | None, str | None]]:
    return [(f["rule"], f["resource"], f["principal"], f["role"]) for f in findings]


PROD_POLICY = policy(
    [
        ("roles/owner", [BREAK_GLASS, "serviceAccount:deployer@acme-shop-prod.iam.gserviceaccount.com"]),
        ("roles/spanner.databaseUser", ["user:carol@contractor.example", "user:dave@acme.example"]),
        ("roles/viewer", ["user:erin@contractor.example", "user:mallory@gmail.com"]),
    ]
)
DEV_POLICY = policy(
    [("roles/editor", ["user:carol@contractor.example"])],
    command="gcloud projects get-iam-policy acme-shop-dev",
)


def test_deny_by_member_kind_and_domain_with_an_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(
        tmp_path,
        monkeypatch,
        """\
- id: ACME001
  summary: Contractors hold no roles in production
  severity: high
  deny:
    members: user:*@contractor.example
    resources: projects/*-prod
  except:
  - roles: [roles/viewer]
- id: ACME002
  summary: No service account owns a project
  severity: critical
  deny: {roles: [roles/owner], members: ["serviceAccount:*"]}
""",
        iam__prod_yaml=PROD_POLICY,
        iam__dev_yaml=DEV_POLICY,
    )
    code, findings = check(capsys)
    assert code == 1
    assert keys(findings) == [
        ("ACME002", PROD, "serviceAccount:deployer@acme-shop-prod.iam.gserviceaccount.com", "roles/owner"),
        ("ACME001", PROD, "user:carol@contractor.example", "roles/spanner.databaseUser"),
    ]
    assert findings[1]["severity"] == "high"
    assert (findings[1]["location"]["path"], findings[1]["location"]["line"]) == ("iam/prod.yaml", 8)
    assert findings[0]["name"] == "constraint-acme002"
    assert "Contractors hold no roles in production" in findings[1]["message"]


def test_allow_only_listed_member_domains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(
        tmp_path,
        monkeypatch,
        """\
- id: ACME010
  summary: Only acme.example identities and service accounts
  severity: medium
  allow:
    members: ["*@acme.example", "serviceAccount:*", "domain:acme.example"]
""",
        iam__prod_yaml=PROD_POLICY,
    )
    _, findings = check(capsys)
    assert sorted(f["principal"] for f in findings) == [
        "user:carol@contractor.example",
        "user:erin@contractor.example",
        "user:mallory@gmail.com",
    ]


def test_allow_only_listed_roles_on_matching_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(
        tmp_path,
        monkeypatch,
        """\
- id: ACME011
  summary: Production projects grant only owner and Spanner data roles
  severity: low
  allow:
    resources: ["//cloudresourcemanager.googleapis.com/projects/*-prod"]
    roles: [roles/owner, roles/spanner.database*]
""",
        iam__prod_yaml=PROD_POLICY,
        iam__dev_yaml=DEV_POLICY,
    )
    _, findings = check(capsys)
    # roles/viewer in prod is not allowed; dev is out of scope.
    assert {(f["resource"], f["role"]) for f in findings} == {(PROD, "roles/viewer")}
    assert len(findings) == 2


def test_require_break_glass_owner_on_every_prod_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other_prod = policy(
        [("roles/owner", [BREAK_GLASS], "request.time < timestamp('2030-01-01T00:00:00Z')")],
        command="gcloud projects get-iam-policy acme-pay-prod",
        version=3,
    )
    root = repo(
        tmp_path,
        monkeypatch,
        """\
- id: ACME020
  summary: The break-glass group owns every production project
  severity: high
  require:
    environments: [prod]
    role: roles/owner
    members: [group:break-glass@acme.example]
""",
        iam__prod_yaml=PROD_POLICY,
        iam__dev_yaml=DEV_POLICY,
        iam__pay_yaml=other_prod,
    )
    config = root / ".iamlint.yaml"
    config.write_text(
        config.read_text().replace(
            "resources:\n",
            "resources:\n  iam/pay.yaml: //cloudresourcemanager.googleapis.com/projects/acme-pay-prod\n",
        )
    )
    _, findings = check(capsys)
    # acme-shop-prod has it; acme-pay-prod's grant is conditional, which does not count; dev is not prod.
    assert keys(findings) == [
        ("ACME020", "//cloudresourcemanager.googleapis.com/projects/acme-pay-prod", None, "roles/owner")
    ]
    assert findings[0]["location"]["path"] == "iam/pay.yaml"


def test_inherited_bindings_count_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder_policy = policy(
        [("roles/editor", ["user:carol@contractor.example"])],
        command="gcloud resource-manager folders get-iam-policy 310987654321",
    )
    constraint = """\
- id: ACME030
  summary: Contractors hold nothing in production projects
  severity: high
  inherited: {inherited}
  deny:
    members: ["user:*@contractor.example"]
    resources: ["projects/*-prod"]
  except:
  - roles: [roles/spanner.databaseUser]
"""
    files = {
        "iam__prod_yaml": policy([("roles/spanner.databaseUser", ["user:carol@contractor.example"])]),
        "iam__folder_yaml": folder_policy,
        "projects__prod_json": PROD_PROJECT,
    }
    repo(tmp_path, monkeypatch, constraint.format(inherited="false"), **files)
    assert check(capsys) == (0, [])

    repo(tmp_path, monkeypatch, constraint.format(inherited="true"), **files)
    code, findings = check(capsys)
    assert code == 1
    assert keys(findings) == [("ACME030", PROD, "user:carol@contractor.example", "roles/editor")]
    assert "inherited from folders/310987654321" in findings[0]["message"]
    assert findings[0]["location"]["path"] == "iam/folder.yaml"


def test_constraint_findings_are_suppressed_like_any_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(
        tmp_path,
        monkeypatch,
        """\
- id: ACME002
  summary: No service account owns a project
  severity: critical
  deny: {roles: roles/owner, members: "serviceAccount:*"}
""",
        iam__prod_yaml=PROD_POLICY,
    )
    config = root / ".iamlint.yaml"
    config.write_text(
        config.read_text() + "ignore:\n- rule: ACME002\n  principal: serviceAccount:deployer@*\n"
        "  reason: the deployer is being replaced (TICKET-12)\n"
    )
    assert check(capsys) == (0, [])


def test_constraints_are_listed_and_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo(
        tmp_path,
        monkeypatch,
        """\
- id: ACME002
  name: no-owner-service-accounts
  summary: No service account owns a project
  severity: critical
  remediation: Use a deployer with roles/resourcemanager.projectIamAdmin instead.
  deny: {roles: roles/owner, members: "serviceAccount:*"}
""",
    )
    assert main(["rules"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("ACME002"))
    assert "no-owner-service-accounts" in line
    assert "[constraints (.iamlint.yaml)]" in line
    assert main(["explain", "no-owner-service-accounts"]) == 0
    assert "projectIamAdmin instead" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (
            "- id: ACME001\n  summary: s\n  severity: high\n",
            ".iamlint.yaml:7: constraints.0: a constraint has exactly one of deny, allow or require",
        ),
        (
            "- id: ACME001\n  summary: s\n  severity: high\n  deny: {roles: [roles/owner]}\n"
            "  allow: {roles: [roles/viewer]}\n",
            ".iamlint.yaml:7: constraints.0: a constraint has exactly one of deny, allow or require",
        ),
        (
            "- id: acme-1\n  summary: s\n  severity: high\n  deny: {roles: [roles/owner]}\n",
            ".iamlint.yaml:7: constraints.0.id: a constraint id is upper-case letters and digits",
        ),
        (
            "- id: ACME001\n  summary: s\n  severity: high\n  deny: {}\n",
            ".iamlint.yaml:10: constraints.0.deny: give at least one of roles, members, resources",
        ),
        (
            "- id: ACME001\n  summary: s\n  severity: high\n  deny: {role: roles/owner}\n",
            "constraints.0.deny: Additional properties are not allowed ('role' was unexpected)",
        ),
        (
            "- id: ACME001\n  summary: s\n  severity: high\n  allow: {resources: 'projects/*'}\n",
            "constraints.0.allow: allow: give roles and/or members",
        ),
        (
            "- id: ACME001\n  summary: s\n  severity: high\n  require: {role: roles/owner}\n",
            "constraints.0.require: 'members' is a required property",
        ),
        (
            "- id: ACME001\n  summary: s\n  deny: {roles: [roles/owner]}\n",
            "constraints.0: 'severity' is a required property",
        ),
        (
            "- id: ACME001\n  summary: s\n  severity: urgent\n  deny: {roles: [roles/owner]}\n",
            "constraints.0.severity: 'urgent' is not one of",
        ),
        (
            "- id: SP001\n  summary: s\n  severity: high\n  deny: {roles: [roles/owner]}\n",
            ".iamlint.yaml:7: constraints: SP001 clashes with rule SP001 over-broad-spanner-role from builtin",
        ),
    ],
)
def test_invalid_constraints_are_clear_errors(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    constraint: str,
    expected: str,
) -> None:
    repo(tmp_path, monkeypatch, constraint, iam__prod_yaml=PROD_POLICY)
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_the_documented_example_config_is_valid_and_fires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = (Path(__file__).parent.parent / "docs" / "constraints.md").read_text()
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / ".iamlint.yaml").write_text(example + f"resources:\n  iam/prod.yaml: {PROD}\n")
    (tmp_path / "iam").mkdir()
    (tmp_path / "iam" / "prod.yaml").write_text(PROD_POLICY)
    monkeypatch.chdir(tmp_path)
    code, findings = check(capsys, "--select", "ACME")
    assert code == 1
    fired = {(f["rule"], f["principal"]) for f in findings}
    assert ("ACME001", "user:carol@contractor.example") in fired
    assert ("ACME002", "user:mallory@gmail.com") in fired
    # The break-glass group owns acme-shop-prod, so ACME003 is satisfied there.
    assert not [f for f in findings if f["rule"] == "ACME003"]
