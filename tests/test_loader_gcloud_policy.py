"""gcloud get-iam-policy documents become Policy facts with bindings, conditions and audit configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.errors import InputError
from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.documents import documents_from_text, read_documents
from iamlint.loaders.gcloud_policy import GcloudPolicyLoader
from iamlint.model import UNBOUND_PROJECT_PREFIX, Notice, Policy, PrincipalKind

PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"


def load(path: Path, resource: str | None = None) -> list[object]:
    context = LoadContext(resource_for_path=lambda _p: resource)
    return list(load_documents(read_documents(str(path)), [GcloudPolicyLoader()], context))


def test_json_policy_with_every_member_kind(fixtures: Path) -> None:
    (policy,) = load(fixtures / "gcloud/project-policy.json", PROJECT)
    assert isinstance(policy, Policy)
    assert policy.resource == PROJECT
    assert policy.bound
    assert policy.version == 3
    owner, conditional, users = policy.bindings
    assert owner.role == "roles/owner"
    assert [m.kind for m in owner.members] == [PrincipalKind.GROUP, PrincipalKind.CONVENIENCE]
    assert conditional.condition is not None
    assert conditional.condition.title == "until-2026"
    assert conditional.is_conditional
    kinds = [m.kind for m in users.members]
    assert kinds == [
        PrincipalKind.SERVICE_ACCOUNT,
        PrincipalKind.DELETED,
        PrincipalKind.PRINCIPAL_SET,
        PrincipalKind.PRINCIPAL,
        PrincipalKind.DOMAIN,
        PrincipalKind.ALL_AUTHENTICATED_USERS,
    ]
    assert users.members[0].email == "orders@acme-shop-prod.iam.gserviceaccount.com"
    assert users.location is not None
    assert users.location.line == 49
    assert users.location_of(users.members[4]) is not None
    assert users.location_of(users.members[4]).line == 46  # type: ignore[union-attr]
    (audit,) = policy.audit_configs
    assert audit.service == "spanner.googleapis.com"
    assert [c.log_type for c in audit.log_configs] == ["ADMIN_READ", "DATA_READ", "DATA_WRITE"]
    assert audit.log_configs[1].exempted_members == ("user:break-glass@acme.example",)


def test_yaml_policy_lines_point_at_the_role(fixtures: Path) -> None:
    (policy,) = load(fixtures / "gcloud/database-policy.yaml")
    assert isinstance(policy, Policy)
    assert [b.location.line for b in policy.bindings if b.location] == [6, 13, 16]
    assert policy.bindings[2].members[0].is_public


def test_unbound_policy_is_an_unnamed_project_per_file(fixtures: Path) -> None:
    (policy,) = load(fixtures / "gcloud/database-policy.yaml")
    assert isinstance(policy, Policy)
    assert not policy.bound
    assert policy.resource.startswith(UNBOUND_PROJECT_PREFIX)
    assert policy.resource.endswith("database-policy.yaml")


def test_withcond_role_is_flagged_as_conditional_with_a_notice(fixtures: Path) -> None:
    notice, policy = load(fixtures / "gcloud/withcond-v1.yaml", PROJECT)
    assert isinstance(notice, Notice)
    assert "version 1" in notice.message
    assert isinstance(policy, Policy)
    (binding,) = policy.bindings
    assert binding.role == "roles/spanner.databaseReader"
    assert binding.hidden_condition
    assert binding.is_conditional


def test_etag_only_policy_is_a_policy_without_bindings(fixtures: Path) -> None:
    (policy,) = load(fixtures / "gcloud/etag-only.yaml", PROJECT)
    assert isinstance(policy, Policy)
    assert policy.bindings == ()


def test_numeric_log_types_are_normalised_to_names() -> None:
    text = "auditConfigs:\n- auditLogConfigs:\n  - logType: 3\n  - logType: 2\n  service: allServices\n"
    (policy,) = load_documents(documents_from_text("a.yaml", text), [GcloudPolicyLoader()], LoadContext())
    assert isinstance(policy, Policy)
    assert [c.log_type for c in policy.audit_configs[0].log_configs] == ["DATA_READ", "DATA_WRITE"]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "bindings:\n- role: roles/viewer\n  members: user:a@x.example\n",
            3,
            "bindings[0].members: expected a list",
        ),
        ("bindings:\n- members:\n  - user:a@x.example\n", 2, "bindings[0].role: missing"),
        (
            "bindings:\n- role: roles/viewer\n  members:\n  - 42\n",
            4,
            "bindings[0].members[0]: expected a string",
        ),
        ("bindings: yes\n", 1, "bindings: expected a list"),
        (
            "auditConfigs:\n- service: x\n  auditLogConfigs:\n  - logType: EVERYTHING\n",
            4,
            "expected a log type",
        ),
        ("bindings:\n- role: roles/viewer\n  members: []\n", 3, "non-empty list of members"),
    ],
)
def test_wrong_types_are_errors_with_key_path_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        list(load_documents(documents_from_text("p.yaml", text), [GcloudPolicyLoader()], LoadContext()))
    assert caught.value.line == line
    assert message in caught.value.message
