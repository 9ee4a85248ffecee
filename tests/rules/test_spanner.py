"""SP001..SP004 through gcloud-shaped policies, custom roles and Spanner resource descriptions."""

from __future__ import annotations

import json

import pytest

from iamlint.findings import Finding
from iamlint.pytest_plugin import RuleTester
from iamlint.testing import lint_texts
from iamlint_rules._examples import policy, sa
from iamlint_rules.spanner import is_spanner_data_permission, spanner_permissions_beyond_data_access

PROD = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/310987654321"
INSTANCE = "//spanner.googleapis.com/projects/acme-shop-prod/instances/shop-prod"
ORDERS_DB = INSTANCE + "/databases/orders"
ORDERS = "serviceAccount:" + sa("orders-run")

PROJECT_JSON = json.dumps(
    {
        "lifecycleState": "ACTIVE",
        "name": "acme-shop-prod",
        "parent": {"id": "310987654321", "type": "folder"},
        "projectId": "acme-shop-prod",
        "projectNumber": "123456789012",
    },
    indent=2,
)


def database_yaml(name: str) -> str:
    return (
        f"# gcloud spanner databases describe {name} --instance shop-prod --project acme-shop-prod\n"
        "databaseDialect: GOOGLE_STANDARD_SQL\n"
        f"name: projects/acme-shop-prod/instances/shop-prod/databases/{name}\n"
        "state: READY\n"
    )


def custom_role(name: str, permissions: list[str]) -> str:
    lines = [
        f"# gcloud iam roles describe {name.rsplit('/', 1)[1]} --project acme-shop-prod",
        "includedPermissions:",
    ]
    lines += [f"- {permission}" for permission in permissions]
    lines += [f"name: {name}", "stage: GA", "title: Custom"]
    return "\n".join(lines) + "\n"


def only(rule: str, findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


# --- the permission classifier shared with role catalogues -----------------------------------------


@pytest.mark.parametrize(
    ("permission", "data"),
    [
        ("spanner.databases.read", True),
        ("spanner.databases.write", True),
        ("spanner.databases.beginOrRollbackReadWriteTransaction", True),
        ("spanner.databases.useDataBoost", True),
        ("spanner.sessions.create", True),
        ("spanner.databaseRoles.use", True),
        ("spanner.instances.get", True),
        ("spanner.databases.getDdl", True),
        ("spanner.databases.updateDdl", False),
        ("spanner.databases.drop", False),
        ("spanner.databases.setIamPolicy", False),
        ("spanner.databases.getIamPolicy", False),
        ("spanner.backups.restoreDatabase", False),
        ("storage.objects.get", False),
    ],
)
def test_data_access_permissions(permission: str, data: bool) -> None:
    assert is_spanner_data_permission(permission) is data


def test_permissions_beyond_data_access_ignore_other_services() -> None:
    assert spanner_permissions_beyond_data_access(
        [
            "storage.objects.delete",
            "spanner.databases.select",
            "spanner.databases.drop",
            "spanner.databases.drop",
        ]
    ) == ["spanner.databases.drop"]


# --- SP001 ------------------------------------------------------------------------------------------


def test_sp001_admin_roles_for_service_accounts_only(iamlint: RuleTester) -> None:
    text = policy(
        [
            ("roles/spanner.databaseAdmin", [ORDERS, "group:dba@acme.example"]),
            ("roles/spanner.backupAdmin", ["serviceAccount:" + sa("backup-run")]),
            ("roles/spanner.databaseUser", ["serviceAccount:" + sa("reader-run")]),
            (
                "roles/spanner.admin",
                ["serviceAccount:service-123456789012@gcp-sa-spanner.iam.gserviceaccount.com"],
            ),
            ("roles/owner", [ORDERS]),  # IAM001's
        ]
    )
    result = iamlint.lint({"db.yaml": text}, select=["SP001"], resources={"db.yaml": ORDERS_DB})
    result.assert_findings(
        [
            ("SP001", ORDERS_DB, ORDERS, "roles/spanner.databaseAdmin"),
            ("SP001", ORDERS_DB, "serviceAccount:" + sa("backup-run"), "roles/spanner.backupAdmin"),
        ]
    )


def test_sp001_judges_custom_roles_by_permissions_with_project_number_or_id() -> None:
    files = {
        "project.json": PROJECT_JSON,
        "deployer.yaml": custom_role(
            "projects/acme-shop-prod/roles/spannerDeployer",
            ["spanner.databases.get", "spanner.databases.updateDdl", "spanner.databases.select"],
        ),
        "reader.yaml": custom_role(
            "projects/acme-shop-prod/roles/spannerReader",
            [
                "spanner.databases.select",
                "spanner.sessions.create",
                "spanner.databases.beginReadOnlyTransaction",
            ],
        ),
        "db.yaml": policy(
            [
                ("projects/123456789012/roles/spannerDeployer", [ORDERS]),
                ("projects/acme-shop-prod/roles/spannerReader", ["serviceAccount:" + sa("reader-run")]),
                ("projects/acme-shop-prod/roles/notInTheInputs", ["serviceAccount:" + sa("other-run")]),
            ]
        ),
    }
    findings = only("SP001", lint_texts(files, select=["SP001"], resources={"db.yaml": ORDERS_DB}))
    assert [(f.principal, f.role) for f in findings] == [
        (ORDERS, "projects/123456789012/roles/spannerDeployer")
    ]
    assert "spanner.databases.updateDdl" in findings[0].message


def test_sp001_on_the_project_names_the_databases_it_reaches() -> None:
    files = {
        "orders.yaml": database_yaml("orders"),
        "payments.yaml": database_yaml("payments"),
        "project.yaml": policy([("roles/spanner.admin", [ORDERS])]),
    }
    findings = only("SP001", lint_texts(files, select=["SP001"], resources={"project.yaml": PROD}))
    assert len(findings) == 1
    assert findings[0].resource == PROD
    assert "databases/orders" in findings[0].message
    assert "databases/payments" in findings[0].message


def test_sp001_allowed_roles_option(iamlint: RuleTester) -> None:
    text = policy([("roles/spanner.backupAdmin", [ORDERS])])
    options = {"SP001": {"allowed_roles": ["roles/spanner.backup*"]}}
    iamlint.lint(text, select=["SP001"], options=options).assert_none()


# --- SP002 ------------------------------------------------------------------------------------------


def test_sp002_data_roles_above_the_database(iamlint: RuleTester) -> None:
    files = {
        "orders.yaml": database_yaml("orders"),
        "instance.yaml": policy([("roles/spanner.databaseReader", [ORDERS, "group:analysts@acme.example"])]),
        "db.yaml": policy([("roles/spanner.databaseUser", [ORDERS])]),
    }
    resources = {"instance.yaml": INSTANCE, "db.yaml": ORDERS_DB}
    result = iamlint.lint(files, select=["SP002"], resources=resources)
    result.assert_findings(
        [{"rule": "SP002", "resource": INSTANCE, "principal": ORDERS, "message": "databases/orders"}]
    )


# --- SP003 ------------------------------------------------------------------------------------------


def test_sp003_once_per_project_using_spanner() -> None:
    files = {
        "orders.yaml": database_yaml("orders"),
        "db.yaml": policy(
            [("roles/spanner.databaseUser", [ORDERS]), ("roles/spanner.databaseReader", [ORDERS])]
        ),
        "project.yaml": policy([("roles/run.developer", ["group:dev@acme.example"])]),
    }
    resources = {"db.yaml": ORDERS_DB, "project.yaml": PROD}
    findings = only("SP003", lint_texts(files, select=["SP003"], resources=resources))
    assert [f.resource for f in findings] == [PROD]
    assert "DATA_READ and DATA_WRITE" in findings[0].message
    assert findings[0].location is not None
    assert findings[0].location.path == "project.yaml"


def test_sp003_numeric_log_types_and_all_services_count() -> None:
    # `gcloud asset export` writes log types as enum numbers (2 DATA_WRITE, 3 DATA_READ).
    project = json.dumps(
        {
            "auditConfigs": [
                {"auditLogConfigs": [{"logType": 3}], "service": "allServices"},
                {"auditLogConfigs": [{"logType": 2}], "service": "spanner.googleapis.com"},
            ],
            "bindings": [{"members": [ORDERS], "role": "roles/spanner.databaseUser"}],
            "etag": "BwYQ7rT0AbE=",
            "version": 1,
        },
        indent=2,
    )
    assert only("SP003", lint_texts({"p.json": project}, select=["SP003"], resources={"p.json": PROD})) == []


def test_sp003_audit_config_inherited_from_the_folder_and_project_named_by_number() -> None:
    audit = (
        "auditConfigs:\n- auditLogConfigs:\n  - logType: DATA_READ\n  - logType: DATA_WRITE\n"
        "  service: spanner.googleapis.com"
    )
    files = {
        "project.json": PROJECT_JSON,
        "folder.yaml": policy([("roles/browser", ["group:all@acme.example"])], audit=audit),
        "db.yaml": policy([("roles/spanner.databaseUser", [ORDERS])]),
    }
    resources = {
        "folder.yaml": FOLDER,
        "db.yaml": "//spanner.googleapis.com/projects/123456789012/instances/shop-prod/databases/orders",
    }
    assert only("SP003", lint_texts(files, select=["SP003"], resources=resources)) == []
    # Without the folder's audit config, the one finding is on the project by id.
    del files["folder.yaml"]
    findings = only("SP003", lint_texts(files, select=["SP003"], resources=resources))
    assert [f.resource for f in findings] == [PROD]


def test_sp003_says_what_an_incomplete_config_enables() -> None:
    audit = "auditConfigs:\n- auditLogConfigs:\n  - logType: DATA_READ\n  service: spanner.googleapis.com"
    text = policy([("roles/spanner.databaseUser", [ORDERS])], audit=audit)
    findings = only("SP003", lint_texts({"p.yaml": text}, select=["SP003"], resources={"p.yaml": PROD}))
    assert len(findings) == 1
    assert "enables DATA_WRITE for spanner.googleapis.com or allServices" in findings[0].message
    assert "enables DATA_READ for spanner.googleapis.com" in findings[0].message


def test_sp003_projects_without_spanner_do_not_fire() -> None:
    text = policy([("roles/run.developer", ["group:dev@acme.example"])])
    assert only("SP003", lint_texts({"p.yaml": text}, select=["SP003"], resources={"p.yaml": PROD})) == []


# --- SP004 ------------------------------------------------------------------------------------------


def test_sp004_one_finding_per_service_and_member() -> None:
    audit = (
        "auditConfigs:\n"
        "- auditLogConfigs:\n"
        "  - exemptedMembers:\n    - user:batch@acme.example\n    - serviceAccount:etl@acme-shop-prod.iam.gserviceaccount.com\n"
        "    logType: DATA_READ\n"
        "  - exemptedMembers:\n    - user:batch@acme.example\n    logType: DATA_WRITE\n"
        "  service: spanner.googleapis.com\n"
        "- auditLogConfigs:\n  - exemptedMembers:\n    - user:batch@acme.example\n    logType: ADMIN_READ\n"
        "  service: allServices"
    )
    text = policy([("roles/viewer", ["group:all@acme.example"])], audit=audit)
    findings = only("SP004", lint_texts({"p.yaml": text}, select=["SP004"], resources={"p.yaml": PROD}))
    assert sorted((f.detail, f.principal) for f in findings) == [
        ("allServices", "user:batch@acme.example"),
        ("spanner.googleapis.com", "serviceAccount:etl@acme-shop-prod.iam.gserviceaccount.com"),
        ("spanner.googleapis.com", "user:batch@acme.example"),
    ]
    batch = next(
        f
        for f in findings
        if f.detail == "spanner.googleapis.com" and f.principal == "user:batch@acme.example"
    )
    assert "DATA_READ, DATA_WRITE" in batch.message


def test_sp003_and_sp004_on_an_asset_export_with_numeric_log_types() -> None:
    # One line of `gcloud asset export --content-type=iam-policy` (snake_case, log types as enum numbers),
    # naming the project by number.
    asset = {
        "name": "//cloudresourcemanager.googleapis.com/projects/123456789012",
        "asset_type": "cloudresourcemanager.googleapis.com/Project",
        "iam_policy": {
            "version": 1,
            "etag": "BwYQ7rT0AbE=",
            "bindings": [{"role": "roles/spanner.databaseUser", "members": [ORDERS]}],
            "audit_configs": [
                {
                    "service": "allServices",
                    "audit_log_configs": [
                        {"log_type": 3},
                        {"log_type": 2, "exempted_members": ["user:batch@acme.example"]},
                    ],
                }
            ],
        },
        "ancestors": ["projects/123456789012", "folders/310987654321", "organizations/905123456789"],
        "update_time": "2026-11-20T08:01:44.120Z",
    }
    findings = lint_texts({"export.ndjson": json.dumps(asset) + "\n"}, select=["SP003", "SP004"])
    assert [(f.rule, f.principal, f.detail) for f in findings] == [
        ("SP004", "user:batch@acme.example", "allServices")
    ]
    assert "DATA_WRITE" in findings[0].message
