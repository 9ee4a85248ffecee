"""TF001 conflicting-authoritative-iam: authoritative and additive IAM declarations of one resource."""

from __future__ import annotations

import json
from typing import Any

from iamlint.findings import Finding
from iamlint.testing import lint_texts
from iamlint_rules._examples import policy
from iamlint_rules.terraform import plan_document

P = "acme-shop-prod"
PROJECT = f"//cloudresourcemanager.googleapis.com/projects/{P}"
DATABASE = f"//spanner.googleapis.com/projects/{P}/instances/shop-prod/databases/orders"
COND = {
    "description": "",
    "expression": 'request.time < timestamp("2027-01-01T00:00:00Z")',
    "title": "until-2027",
}


def res(kind: str, name: str, **values: Any) -> dict[str, Any]:
    values.setdefault("project", P)
    if kind != "policy":
        values.setdefault("condition", [])
    return {"type": f"google_project_iam_{kind}", "name": name, "values": values}


def database(kind: str, name: str, **values: Any) -> dict[str, Any]:
    values.update(project=P, instance="shop-prod", database="orders")
    values.setdefault("condition", [])
    return {"type": f"google_spanner_database_iam_{kind}", "name": name, "values": values}


def tf001(*resources: dict[str, Any]) -> list[Finding]:
    return lint_texts({"plan.json": plan_document(*resources)}, select=["TF001"])


def where(findings: list[Finding]) -> list[tuple[str | None, str | None, str | None]]:
    return [(f.location.address if f.location else None, f.role, f.principal) for f in findings]


def test_binding_and_member_of_one_role_both_reported() -> None:
    findings = tf001(
        res("binding", "users", role="roles/spanner.databaseUser", members=["group:dev@acme.example"]),
        res("member", "orders", role="roles/spanner.databaseUser", member="user:ann@acme.example"),
    )
    assert where(findings) == [
        ("google_project_iam_binding.users", "roles/spanner.databaseUser", None),
        ("google_project_iam_member.orders", "roles/spanner.databaseUser", "user:ann@acme.example"),
    ]
    assert {f.resource for f in findings} == {PROJECT}
    assert "google_project_iam_binding.users sets all members of that role" in findings[1].message


def test_binding_and_member_of_different_roles_do_not_fight() -> None:
    assert not tf001(
        res("binding", "users", role="roles/spanner.databaseUser", members=["group:dev@acme.example"]),
        res("member", "orders", role="roles/spanner.databaseReader", member="user:ann@acme.example"),
    )


def test_conditions_keep_bindings_apart() -> None:
    conditional = res(
        "binding",
        "temp",
        role="roles/spanner.databaseUser",
        members=["group:dev@acme.example"],
        condition=[COND],
    )
    plain = res("member", "orders", role="roles/spanner.databaseUser", member="user:ann@acme.example")
    assert not tf001(conditional, plain)
    same = res(
        "member",
        "orders",
        role="roles/spanner.databaseUser",
        member="user:ann@acme.example",
        condition=[COND],
    )
    findings = tf001(conditional, same)
    assert len(findings) == 2
    assert "(condition: until-2027)" in findings[0].message


def test_whole_policy_fights_any_other_declaration_of_the_resource() -> None:
    data = json.dumps({"bindings": [{"members": ["group:dba@acme.example"], "role": "roles/spanner.admin"}]})
    findings = tf001(
        database("policy", "orders", policy_data=data),
        database("member", "reader", role="roles/spanner.databaseReader", member="user:ann@acme.example"),
    )
    assert where(findings) == [
        ("google_spanner_database_iam_policy.orders", None, None),
        ("google_spanner_database_iam_member.reader", None, None),
    ]
    assert {f.resource for f in findings} == {DATABASE}
    assert all(f.detail == "policy" for f in findings)


def test_whole_policy_fights_an_audit_config() -> None:
    data = json.dumps({"bindings": [{"members": ["group:admins@acme.example"], "role": "roles/owner"}]})
    audit = {
        "type": "google_project_iam_audit_config",
        "name": "spanner",
        "values": {
            "project": P,
            "service": "spanner.googleapis.com",
            "audit_log_config": [{"exempted_members": [], "log_type": "DATA_READ"}],
        },
    }
    findings = tf001(res("policy", "main", policy_data=data), audit)
    assert [f.location.address for f in findings if f.location] == [
        "google_project_iam_policy.main",
        "google_project_iam_audit_config.spanner",
    ]


def test_two_bindings_of_one_role_fight() -> None:
    findings = tf001(
        res("binding", "a", role="roles/run.invoker", members=["group:a@acme.example"]),
        res("binding", "b", role="roles/run.invoker", members=["group:b@acme.example"]),
    )
    assert [f.location.address for f in findings if f.location] == [
        "google_project_iam_binding.a",
        "google_project_iam_binding.b",
    ]


def test_members_alone_and_other_resources_are_fine() -> None:
    assert not tf001(
        res("member", "a", role="roles/run.invoker", member="user:a@acme.example"),
        res("member", "b", role="roles/run.invoker", member="user:b@acme.example"),
        database("binding", "readers", role="roles/run.invoker", members=["group:a@acme.example"]),
    )


def test_policies_read_from_google_cloud_are_not_declarations() -> None:
    # A get-iam-policy file of the same project shows what is, not what Terraform manages.
    observed = policy([("roles/run.invoker", ["group:ops@acme.example"])])
    member = res("member", "a", role="roles/run.invoker", member="user:a@acme.example")
    files = {"plan.json": plan_document(member), "iam/project.yaml": observed}
    assert not lint_texts(files, select=["TF001"], resources={"iam/project.yaml": PROJECT})
