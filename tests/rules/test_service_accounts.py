"""SA001..SA007 through real-shaped inputs (gcloud exports, Knative and v2 Cloud Run specs)."""

from __future__ import annotations

import json

from iamlint.findings import Finding
from iamlint.identities import is_service_agent
from iamlint.inventory import Settings
from iamlint.testing import build_inventory, lint_texts
from iamlint_rules._examples import knative_service, policy, sa
from iamlint_rules.service_accounts import customer_account_projects

PROD = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
RUN = "//run.googleapis.com/projects"


def only(rule: str, findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def v2_service(name: str, project: str = "acme-shop-prod", account: str | None = None) -> str:
    """GET https://run.googleapis.com/v2/projects/P/locations/L/services/S (Admin API v2)."""
    template: dict[str, object] = {
        "containers": [{"image": f"europe-west1-docker.pkg.dev/{project}/s/{name}:1"}]
    }
    if account:
        template["serviceAccount"] = account
    return json.dumps(
        {"name": f"projects/{project}/locations/europe-west1/services/{name}", "template": template}, indent=2
    )


PROJECT_JSON = json.dumps(
    {
        "createTime": "2024-02-12T09:41:17.503Z",
        "labels": {"team": "shop"},
        "lifecycleState": "ACTIVE",
        "name": "acme-shop-prod",
        "parent": {"id": "310987654321", "type": "folder"},
        "projectId": "acme-shop-prod",
        "projectNumber": "123456789012",
    },
    indent=2,
)


# --- SA001 ------------------------------------------------------------------------------------------


def test_sa001_reports_each_workload_sharing_an_account_and_names_the_others() -> None:
    files = {
        "orders.yaml": knative_service("orders", account=sa("backend")),
        "invoices.yaml": knative_service("invoices", account=sa("backend")),
        "cart.yaml": knative_service("cart", account=sa("cart-run")),
    }
    findings = only("SA001", lint_texts(files, select=["SA001"]))
    assert [f.resource for f in findings] == [
        f"{RUN}/123456789012/locations/europe-west1/services/invoices",
        f"{RUN}/123456789012/locations/europe-west1/services/orders",
    ]
    assert all(f.principal == "serviceAccount:" + sa("backend") for f in findings)
    orders = next(f for f in findings if f.resource.endswith("/orders"))
    assert "services/invoices" in orders.message
    assert orders.location is not None
    assert orders.location.path == "orders.yaml"
    assert orders.location.line is not None
    assert "serviceAccountName" in files["orders.yaml"].splitlines()[orders.location.line - 1]


def test_sa001_counts_the_implicit_default_account() -> None:
    files = {"a.yaml": knative_service("a"), "b.yaml": knative_service("b")}
    findings = only("SA001", lint_texts(files, select=["SA001"]))
    assert len(findings) == 2
    assert findings[0].principal == "serviceAccount:123456789012-compute@developer.gserviceaccount.com"
    assert "sets no service account" in findings[0].message


def test_sa001_one_service_described_by_number_and_by_id_is_not_shared() -> None:
    files = {
        "project.json": PROJECT_JSON,
        "orders.yaml": knative_service("orders", account=sa("orders-run")),
        "orders-v2.json": v2_service("orders", account=sa("orders-run")),
    }
    assert only("SA001", lint_texts(files, select=["SA001"])) == []


def test_sa001_allowed_accounts_option() -> None:
    files = {
        "a.yaml": knative_service("a", account=sa("backend")),
        "b.yaml": knative_service("b", account=sa("backend")),
    }
    options = {"SA001": {"allowed_accounts": ["backend@*"]}}
    assert only("SA001", lint_texts(files, select=["SA001"], options=options)) == []


# --- SA002 ------------------------------------------------------------------------------------------


def test_sa002_fires_for_implicit_explicit_and_app_engine_default_accounts() -> None:
    files = {
        "implicit.yaml": knative_service("implicit"),
        "explicit.yaml": knative_service(
            "explicit", account="123456789012-compute@developer.gserviceaccount.com"
        ),
        "appengine.json": v2_service("appengine", account="acme-shop-prod@appspot.gserviceaccount.com"),
        "own.yaml": knative_service("own", account=sa("own-run")),
    }
    findings = only("SA002", lint_texts(files, select=["SA002"]))
    assert sorted(f.resource.rsplit("/", 1)[1] for f in findings) == ["appengine", "explicit", "implicit"]
    by_name = {f.resource.rsplit("/", 1)[1]: f for f in findings}
    assert "App Engine" in by_name["appengine"].message
    assert "Compute Engine" in by_name["implicit"].message


def test_sa002_v2_service_named_by_project_id_without_account() -> None:
    findings = only("SA002", lint_texts({"svc.json": v2_service("svc")}, select=["SA002"]))
    assert len(findings) == 1
    assert "Compute Engine default account of project acme-shop-prod" in findings[0].message


# --- SA003 ------------------------------------------------------------------------------------------


def test_sa003_user_managed_keys_only(fixtures: object) -> None:
    keys = json.dumps(
        [
            {
                "keyAlgorithm": "KEY_ALG_RSA_2048",
                "keyOrigin": "GOOGLE_PROVIDED",
                "keyType": key_type,
                "name": f"projects/acme-shop-prod/serviceAccounts/{sa('orders-run')}/keys/{key_id}",
                "validAfterTime": "2025-06-03T12:00:41Z",
                "validBeforeTime": "9999-12-31T23:59:59Z",
            }
            for key_type, key_id in (("USER_MANAGED", "aaa111"), ("SYSTEM_MANAGED", "bbb222"))
        ],
        indent=2,
    )
    files = {"keys.json": keys, "orders.yaml": knative_service("orders", account=sa("orders-run"))}
    findings = only("SA003", lint_texts(files, select=["SA003"]))
    assert [f.resource.rsplit("/", 1)[1] for f in findings] == ["aaa111"]
    assert findings[0].principal == "serviceAccount:" + sa("orders-run")
    assert "services/orders" in findings[0].message  # the workload that needs no key
    assert findings[0].location is not None
    assert findings[0].location.path == "keys.json"


# --- SA004 ------------------------------------------------------------------------------------------

PRIVATE_KEY = "'-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----'"
KEY_JSON = '\'{"type": "service_account", "project_id": "acme-shop-prod"}\''


def test_sa004_reports_each_credential_env_entry_at_its_line() -> None:
    text = knative_service(
        "orders",
        account=sa("orders-run"),
        env=[
            ("GOOGLE_APPLICATION_CREDENTIALS", "/secrets/key.json"),
            ("SIGNING_KEY", PRIVATE_KEY),
            ("GCP_SA", KEY_JSON),
            ("LOG_LEVEL", "debug"),
        ],
    )
    findings = only("SA004", lint_texts({"orders.yaml": text}, select=["SA004"]))
    assert [f.detail for f in findings] == [
        "container #1/GOOGLE_APPLICATION_CREDENTIALS",
        "container #1/SIGNING_KEY",
        "container #1/GCP_SA",
    ]
    lines = text.splitlines()
    for finding in findings:
        assert finding.location is not None
        assert finding.location.line is not None
        assert finding.detail is not None
        assert finding.detail.split("/")[1] in lines[finding.location.line - 1]
    assert "BEGIN" not in " ".join(f.message for f in findings)


def test_sa004_fires_for_credentials_file_from_a_secret_too() -> None:
    text = knative_service(
        "orders", account=sa("orders-run"), secret_env=[("GOOGLE_APPLICATION_CREDENTIALS", "k")]
    )
    assert len(only("SA004", lint_texts({"orders.yaml": text}, select=["SA004"]))) == 1


# --- SA005 ------------------------------------------------------------------------------------------


def test_sa005_admin_roles_of_service_accounts_with_the_deliberate_exclusions() -> None:
    agent = "serviceAccount:service-123456789012@gcp-sa-cloudbuild.iam.gserviceaccount.com"
    text = policy(
        [
            ("roles/storage.admin", ["serviceAccount:" + sa("orders-run"), "group:ops@acme.example"]),
            ("roles/compute.instanceAdmin.v1", ["serviceAccount:" + sa("vm-run")]),
            ("roles/resourcemanager.projectIamAdmin", [agent]),
            ("roles/spanner.admin", ["serviceAccount:" + sa("orders-run")]),  # SP001's
            ("roles/owner", ["serviceAccount:" + sa("orders-run")]),  # IAM001's
            ("roles/storage.objectAdmin", ["serviceAccount:" + sa("orders-run")], "resource.name == 'x'"),
        ]
    )
    findings = only("SA005", lint_texts({"p.yaml": text}, select=["SA005"], resources={"p.yaml": PROD}))
    assert [(f.principal, f.role) for f in findings] == [
        ("serviceAccount:" + sa("orders-run"), "roles/storage.admin"),
        ("serviceAccount:" + sa("vm-run"), "roles/compute.instanceAdmin.v1"),
        ("serviceAccount:" + sa("orders-run"), "roles/storage.objectAdmin"),
    ]
    assert "conditional" in findings[2].message
    assert findings[0].location is not None
    assert findings[0].location.line == 4


# --- SA006 ------------------------------------------------------------------------------------------


def test_sa006_project_level_impersonation_but_not_on_a_service_account() -> None:
    project = policy(
        [
            ("roles/iam.serviceAccountTokenCreator", ["group:ci@acme.example"]),
            (
                "roles/iam.serviceAccountTokenCreator",
                ["serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"],
            ),
            ("roles/iam.serviceAccountUser", ["allUsers"]),  # IAM002's
        ]
    )
    account = policy(
        [("roles/iam.serviceAccountUser", ["group:ci@acme.example"])],
        command=f"gcloud iam service-accounts get-iam-policy {sa('deployer')}",
    )
    resources = {
        "project.yaml": PROD,
        "sa.yaml": f"//iam.googleapis.com/projects/acme-shop-prod/serviceAccounts/{sa('deployer')}",
    }
    files = {
        "project.yaml": project,
        "sa.yaml": account,
        "run.yaml": knative_service("r", account=sa("orders-run")),
    }
    findings = only("SA006", lint_texts(files, select=["SA006"], resources=resources))
    assert [(f.resource, f.principal, f.role) for f in findings] == [
        (PROD, "group:ci@acme.example", "roles/iam.serviceAccountTokenCreator")
    ]
    assert sa("orders-run") in findings[0].message  # the accounts it can act as


def test_sa006_folder_level() -> None:
    folder = "//cloudresourcemanager.googleapis.com/folders/310987654321"
    text = policy([("roles/iam.serviceAccountUser", ["user:alice@acme.example"])])
    findings = only("SA006", lint_texts({"f.yaml": text}, select=["SA006"], resources={"f.yaml": folder}))
    assert [f.resource for f in findings] == [folder]


# --- SA007 ------------------------------------------------------------------------------------------


def test_sa007_workload_and_grant_across_environments() -> None:
    files = {
        "orders.yaml": knative_service(
            "orders", namespace="acme-shop-prod", account=sa("orders", "acme-shop-dev")
        ),
        "ok.yaml": knative_service("ok", namespace="acme-shop-prod", account=sa("ok", "acme-shop-prod")),
        "db.yaml": policy(
            [
                ("roles/spanner.databaseUser", ["serviceAccount:" + sa("etl", "acme-data-staging")]),
                ("roles/spanner.databaseUser", ["serviceAccount:" + sa("etl", "acme-tools")]),  # unknown env
                (
                    "roles/spanner.databaseUser",
                    ["serviceAccount:service-123@gcp-sa-spanner.iam.gserviceaccount.com"],
                ),
            ]
        ),
    }
    resources = {
        "db.yaml": "//spanner.googleapis.com/projects/acme-shop-prod/instances/main/databases/orders"
    }
    findings = only("SA007", lint_texts(files, select=["SA007"], resources=resources))
    assert [(f.resource.rsplit("/", 1)[1], f.principal) for f in findings] == [
        ("orders", "serviceAccount:" + sa("etl", "acme-data-staging")),
        ("orders", "serviceAccount:" + sa("orders", "acme-shop-dev")),
    ]
    assert "staging" in findings[0].message
    assert "prod" in findings[0].message


def test_sa007_environments_from_config_and_project_number_from_a_project_description() -> None:
    # The Knative export names its project by number only; the project description ties it to its id.
    files = {
        "project.json": PROJECT_JSON,
        "orders.yaml": knative_service("orders", account="orders@shop-sandbox.iam.gserviceaccount.com"),
    }
    settings = Settings(environments={"prod": ["acme-*-prod"], "dev": ["*-sandbox"]})
    findings = only("SA007", lint_texts(files, select=["SA007"], settings=settings))
    assert len(findings) == 1
    assert "(prod)" in findings[0].message
    assert "dev project shop-sandbox" in findings[0].message
    # Without the number -> id link the environment of the workload is unknown: no finding.
    assert (
        only("SA007", lint_texts({"orders.yaml": files["orders.yaml"]}, select=["SA007"], settings=settings))
        == []
    )


def test_customer_account_projects_answer_as_the_inventory_less_service_agents() -> None:
    agent = "service-123456789012@gcp-sa-spanner.iam.gserviceaccount.com"
    inventory = build_inventory(
        {
            "run/orders.yaml": knative_service("orders", account=sa("orders-run")),
            "iam/project.yaml": policy(
                [
                    (
                        "roles/viewer",
                        ["serviceAccount:" + sa("reader", "acme-shop-dev"), "serviceAccount:" + agent],
                    )
                ]
            ),
        }
    )
    projects = customer_account_projects(inventory)
    assert projects is customer_account_projects(inventory)
    for email in [sa("orders-run"), sa("reader", "acme-shop-dev"), agent, "nobody@example.com"]:
        expected = None if is_service_agent(email) else inventory.service_account_project(email)
        assert projects[email] == expected
    assert projects[sa("orders-run")] == "acme-shop-prod"
    assert projects[agent] is None
