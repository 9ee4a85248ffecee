"""IAM001..IAM008 through gcloud-shaped policies, bound through the hierarchy where it matters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from iamlint.findings import Finding, Severity
from iamlint.inventory import Settings
from iamlint.testing import lint_texts
from iamlint_rules._examples import policy, sa

ORG = "//cloudresourcemanager.googleapis.com/organizations/905123456789"
FOLDER = "//cloudresourcemanager.googleapis.com/folders/310987654321"
PROD = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
ORDERS_DB = "//spanner.googleapis.com/projects/acme-shop-prod/instances/shop-prod/databases/orders"
RUN_SERVICE = "//run.googleapis.com/projects/acme-shop-prod/locations/europe-west1/services/storefront"
NOW = datetime(2026, 11, 29, tzinfo=UTC)

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
FOLDER_JSON = json.dumps(
    {"displayName": "shop", "name": "folders/310987654321", "parent": "organizations/905123456789"}, indent=2
)


def only(rule: str, findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def lint_one(rule: str, text: str, resource: str = PROD, **kwargs: object) -> list[Finding]:
    return only(rule, lint_texts({"p.yaml": text}, select=[rule], resources={"p.yaml": resource}, **kwargs))  # type: ignore[arg-type]


# --- IAM001 -----------------------------------------------------------------------------------------


def test_iam001_basic_roles_viewer_is_medium_and_service_agents_still_fire() -> None:
    text = policy(
        [
            ("roles/owner", ["group:admins@acme.example"]),
            ("roles/editor", ["serviceAccount:123456789012@cloudservices.gserviceaccount.com"]),
            ("roles/viewer", ["group:all@acme.example", "allUsers"]),  # allUsers is IAM002's
            ("roles/editor", ["deleted:user:bob@acme.example?uid=123"]),  # IAM004's
            ("roles/run.viewer", ["group:all@acme.example"]),
        ]
    )
    findings = lint_one("IAM001", text)
    assert [(f.principal, f.role, f.severity) for f in findings] == [
        ("group:admins@acme.example", "roles/owner", Severity.HIGH),
        ("serviceAccount:123456789012@cloudservices.gserviceaccount.com", "roles/editor", Severity.HIGH),
        ("group:all@acme.example", "roles/viewer", Severity.MEDIUM),
    ]
    assert "service agent" in findings[1].message


def test_iam001_allowed_members_option() -> None:
    text = policy([("roles/owner", ["group:break-glass@acme.example"])])
    options = {"IAM001": {"allowed_members": ["group:break-glass@*"]}}
    assert lint_one("IAM001", text, options=options) == []


# --- IAM002 / RUN001 split --------------------------------------------------------------------------


def test_iam002_public_members_except_run_invoker_on_a_service() -> None:
    project = policy(
        [("roles/run.invoker", ["allUsers"]), ("roles/storage.objectViewer", ["allAuthenticatedUsers"])]
    )
    service = policy(
        [("roles/run.invoker", ["allUsers"]), ("roles/run.developer", ["allAuthenticatedUsers"])],
        command="gcloud run services get-iam-policy storefront --region europe-west1",
    )
    files = {"project.yaml": project, "service.yaml": service}
    resources = {"project.yaml": PROD, "service.yaml": RUN_SERVICE}
    findings = only("IAM002", lint_texts(files, select=["IAM002"], resources=resources))
    assert [(f.resource, f.principal, f.role) for f in findings] == [
        (PROD, "allUsers", "roles/run.invoker"),
        (PROD, "allAuthenticatedUsers", "roles/storage.objectViewer"),
        (RUN_SERVICE, "allAuthenticatedUsers", "roles/run.developer"),
    ]
    run001 = only("RUN001", lint_texts(files, select=["RUN001"], resources=resources))
    assert [(f.resource, f.principal) for f in run001] == [(RUN_SERVICE, "allUsers")]


# --- IAM003 -----------------------------------------------------------------------------------------


def test_iam003_without_allowed_domains_only_consumer_accounts_fire() -> None:
    text = policy(
        [
            (
                "roles/run.developer",
                ["user:freelancer@gmail.com", "user:bob@partner.example", "domain:googlemail.com"],
            )
        ]
    )
    assert [f.principal for f in lint_one("IAM003", text)] == [
        "user:freelancer@gmail.com",
        "domain:googlemail.com",
    ]


def test_iam003_with_allowed_domains_from_config_and_option_subdomains_included() -> None:
    text = policy(
        [
            (
                "roles/run.developer",
                [
                    "user:alice@acme.example",
                    "group:eng@eu.acme.example",
                    "user:bob@partner.example",
                    "domain:other.example",
                    "serviceAccount:" + sa("orders-run"),
                    "user:eve@notacme.example",
                ],
            )
        ]
    )
    settings = Settings(allowed_domains=["acme.example"])
    found = [f.principal for f in lint_one("IAM003", text, settings=settings)]
    assert found == ["user:bob@partner.example", "domain:other.example", "user:eve@notacme.example"]
    options = {"IAM003": {"allowed_domains": ["partner.example"]}}
    found = [f.principal for f in lint_one("IAM003", text, settings=settings, options=options)]
    assert found == ["domain:other.example", "user:eve@notacme.example"]


# --- IAM004 / IAM005 --------------------------------------------------------------------------------


def test_iam004_deleted_members() -> None:
    text = policy(
        [("roles/run.developer", ["deleted:group:old@acme.example?uid=9", "group:new@acme.example"])]
    )
    assert [f.principal for f in lint_one("IAM004", text)] == ["deleted:group:old@acme.example?uid=9"]


def test_iam005_whole_pools_and_broad_attributes() -> None:
    pool = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github"
    workforce = "principalSet://iam.googleapis.com/locations/global/workforcePools/partners"
    members = [
        pool + "/*",
        pool + "/attribute.repository_owner/acme",
        pool + "/attribute.repository/acme/shop",
        workforce + "/*",
        workforce + "/group/admins",
        "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/x",
    ]
    text = policy([("roles/iam.workloadIdentityUser", members)])
    resource = f"//iam.googleapis.com/projects/acme-shop-prod/serviceAccounts/{sa('deployer')}"
    found = [f.principal for f in lint_one("IAM005", text, resource)]
    assert found == [members[0], members[1], members[3]]
    options = {"IAM005": {"broad_attributes": ["repository"]}}
    assert [f.principal for f in lint_one("IAM005", text, resource, options=options)] == [
        members[0],
        members[2],
        members[3],
    ]


# --- IAM006 -----------------------------------------------------------------------------------------


def test_iam006_parse_errors_unknown_functions_expired_and_bad_timestamps() -> None:
    text = policy(
        [
            ("roles/a", ["user:a@acme.example"], "'(resource.name.startsWith(\"x\")'"),
            ("roles/b", ["user:a@acme.example"], "'resource.name.startWith(\"x\")'"),
            ("roles/c", ["user:a@acme.example"], "'request.time < timestamp(\"2026-01-01T00:00:00Z\")'"),
            ("roles/d", ["user:a@acme.example"], "'request.time < timestamp(\"2027-01-01\")'"),
            ("roles/e", ["user:a@acme.example"], "'request.time < timestamp(\"2027-01-01T00:00:00Z\")'"),
            (
                "roles/f",
                ["user:a@acme.example"],
                '\'resource.type == "x" || request.time < timestamp("2026-01-01T00:00:00Z")\'',
            ),
        ],
        version=3,
    )
    findings = lint_one("IAM006", text, settings=Settings(now=NOW))
    assert [(f.role, (f.detail or "").split(":")[0]) for f in findings] == [
        ("roles/a", "syntax"),
        ("roles/b", "function"),
        ("roles/c", "expired"),
        ("roles/d", "timestamp"),
    ]
    assert "column" in findings[0].message
    assert "startWith" in findings[1].message


def test_iam006_conditions_in_a_version_1_policy() -> None:
    text = policy([("roles/run.developer", ["user:a@acme.example"], "'resource.type == \"x\"'")], version=1)
    findings = lint_one("IAM006", text, settings=Settings(now=NOW))
    assert [f.detail for f in findings] == ["version: condition: temporary"]


def test_iam006_withcond_roles_are_conditional_but_not_a_version_problem() -> None:
    text = policy([("roles/run.developer_withcond_2f1e3a9b7c", ["user:a@acme.example"])], version=1)
    assert lint_one("IAM006", text, settings=Settings(now=NOW)) == []


def test_iam006_conditional_grant_made_moot_by_an_inherited_unconditional_one() -> None:
    files = {
        "project.json": PROJECT_JSON,
        "folder.yaml": policy([("roles/spanner.databaseReader", ["group:analysts@acme.example"])]),
        "db.yaml": policy(
            [
                (
                    "roles/spanner.databaseReader",
                    ["group:analysts@acme.example", "group:other@acme.example"],
                    "'resource.name.endsWith(\"/x\")'",
                ),
            ],
            version=3,
        ),
    }
    resources = {"folder.yaml": FOLDER, "db.yaml": ORDERS_DB}
    findings = only(
        "IAM006", lint_texts(files, select=["IAM006"], resources=resources, settings=Settings(now=NOW))
    )
    assert [(f.resource, f.principal) for f in findings] == [(ORDERS_DB, "group:analysts@acme.example")]
    assert "folders/310987654321" in findings[0].message
    # the path down to the database
    assert "folders/310987654321, inherited through projects/acme-shop-prod -> " in findings[0].message


# --- IAM007 -----------------------------------------------------------------------------------------


def test_iam007_is_off_by_default_and_fires_at_hierarchy_levels_only() -> None:
    files = {
        "p.yaml": policy([("roles/run.developer", ["user:a@acme.example"])]),
        "db.yaml": policy([("roles/spanner.databaseUser", ["user:a@acme.example"])]),
    }
    resources = {"p.yaml": PROD, "db.yaml": ORDERS_DB}
    assert only("IAM007", lint_texts(files, resources=resources)) == []
    findings = only("IAM007", lint_texts(files, select=["IAM007"], resources=resources))
    assert [f.resource for f in findings] == [PROD]


# --- IAM008 -----------------------------------------------------------------------------------------


def test_iam008_pairs_meet_through_the_hierarchy_and_are_reported_where_they_meet() -> None:
    files = {
        "project.json": PROJECT_JSON,
        "folder.json": FOLDER_JSON,
        "org.yaml": policy([("roles/iam.serviceAccountAdmin", ["user:alice@acme.example"])]),
        "project.yaml": policy(
            [
                ("roles/iam.serviceAccountUser", ["user:alice@acme.example"]),
                ("roles/cloudkms.admin", ["group:sec@acme.example"]),
                ("roles/cloudkms.cryptoKeyEncrypterDecrypter", ["group:sec@acme.example"]),
                ("roles/cloudkms.cryptoKeyDecrypter", ["group:sec@acme.example"]),
            ]
        ),
    }
    resources = {"org.yaml": ORG, "project.yaml": PROD}
    findings = only("IAM008", lint_texts(files, select=["IAM008"], resources=resources))
    assert [(f.resource, f.principal, f.role, f.detail) for f in findings] == [
        (PROD, "user:alice@acme.example", "roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser"),
        (PROD, "group:sec@acme.example", "roles/cloudkms.admin", "roles/cloudkms.cryptoKeyDecrypter"),
        (
            PROD,
            "group:sec@acme.example",
            "roles/cloudkms.admin",
            "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        ),
    ]
    alice = findings[0]
    assert (
        "on organizations/905123456789, inherited through folders/310987654321 -> projects/acme-shop-prod"
        in alice.message
    )
    assert alice.location is not None
    assert alice.location.path == "project.yaml"


def test_iam008_both_on_the_organization_is_reported_once_there() -> None:
    files = {
        "project.json": PROJECT_JSON,
        "folder.json": FOLDER_JSON,
        "org.yaml": policy(
            [
                ("roles/iam.serviceAccountAdmin", ["user:alice@acme.example"]),
                ("roles/iam.serviceAccountUser", ["user:alice@acme.example"]),
            ]
        ),
        "project.yaml": policy([("roles/run.developer", ["user:alice@acme.example"])]),
    }
    resources = {"org.yaml": ORG, "project.yaml": PROD}
    findings = only("IAM008", lint_texts(files, select=["IAM008"], resources=resources))
    assert [f.resource for f in findings] == [ORG]


# --- conditions read at the wrong version, project numbers ------------------------------------------


def test_withcond_roles_are_a_grant_of_their_own_and_can_be_moot() -> None:
    # `gcloud projects get-iam-policy` without --policy-version=3 names conditional bindings ROLE_withcond_HASH.
    text = policy(
        [
            ("roles/editor", ["group:dev@acme.example"]),
            ("roles/editor_withcond_2f1e3a9b7c", ["group:dev@acme.example", "group:ops@acme.example"]),
        ]
    )
    findings = lint_one("IAM001", text)
    assert [(f.principal, f.detail) for f in findings] == [
        ("group:dev@acme.example", None),
        ("group:dev@acme.example", "condition: hidden"),
        ("group:ops@acme.example", "condition: hidden"),
    ]
    assert "hidden by a version-1 policy read" in findings[1].message
    moot = lint_one("IAM006", text, settings=Settings(now=NOW))
    assert [(f.principal, f.role) for f in moot] == [("group:dev@acme.example", "roles/editor")]


def test_a_policy_bound_by_project_number_reports_the_project_by_id() -> None:
    files = {"project.json": PROJECT_JSON, "p.yaml": policy([("roles/owner", ["group:admins@acme.example"])])}
    number = "//cloudresourcemanager.googleapis.com/projects/123456789012"
    findings = only("IAM001", lint_texts(files, select=["IAM001"], resources={"p.yaml": number}))
    assert [f.resource for f in findings] == [PROD]
    assert "projects/acme-shop-prod" in findings[0].message
