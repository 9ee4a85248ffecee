"""Cloud Asset Inventory loader: every shape, hierarchy from ancestors, project number/id, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamlint.cli import main
from iamlint.errors import InputError
from iamlint.inventory import Inventory
from iamlint.model import PROJECT_PREFIX, WorkloadKind
from iamlint.testing import build_inventory, lint_texts

CAI = Path(__file__).parent / "fixtures" / "cai"
ORG = "//cloudresourcemanager.googleapis.com/organizations/866311123412"
PROD_FOLDER = "//cloudresourcemanager.googleapis.com/folders/284657391022"
PROD = PROJECT_PREFIX + "acme-shop-prod"
INSTANCE = "//spanner.googleapis.com/projects/acme-shop-prod/instances/shop-prod"
DATABASE = INSTANCE + "/databases/orders"
ORDERS = "//run.googleapis.com/projects/acme-shop-prod/locations/us-central1/services/orders"


def texts(*names: str) -> dict[str, str]:
    return {name: (CAI / name).read_text() for name in names}


def inventory(*names: str) -> Inventory:
    return build_inventory(texts(*names))


def test_export_hierarchy_inheritance_from_ancestors() -> None:
    inv = inventory("export-resource.ndjson", "export-iam-policy.ndjson")
    # database -> instance (resource.parent) -> project (number, canonicalised) -> folder -> org
    assert list(inv.ancestors(DATABASE)) == [INSTANCE, PROD, PROD_FOLDER, ORG]
    inherited = [
        e for e in inv.effective_bindings(DATABASE) if e.binding.role == "roles/spanner.databaseAdmin"
    ]
    assert len(inherited) == 1
    assert inherited[0].written_on == ORG
    assert inherited[0].path == (ORG, PROD_FOLDER, PROD, INSTANCE, DATABASE)


def test_iam_policy_export_alone_still_has_the_hierarchy() -> None:
    inv = inventory("export-iam-policy.ndjson")
    # Without the resource export the project is known by number only, but it sits under its folder.
    project = "//cloudresourcemanager.googleapis.com/projects/415104041262"
    assert list(inv.ancestors(project)) == [PROD_FOLDER, ORG]
    assert inv.canonical(project) == PROD
    # A bucket has no project in its name: only ancestors place it.
    # The database asset, named by project id with projects/NUMBER first in its ancestors, ties the two.
    assert list(inv.ancestors("//storage.googleapis.com/acme-shop-prod-invoices")) == [PROD, PROD_FOLDER, ORG]
    roles = {
        e.binding.role for e in inv.effective_bindings("//storage.googleapis.com/acme-shop-prod-invoices")
    }
    assert {"roles/viewer", "roles/owner", "roles/storage.objectViewer"} <= roles


def test_project_number_and_id_are_one_project() -> None:
    inv = inventory("export-resource.ndjson", "export-iam-policy.ndjson")
    assert inv.project_id("415104041262") == "acme-shop-prod"
    assert inv.project_number("acme-shop-prod") == "415104041262"
    # The policy was exported under projects/NUMBER and is found under the id.
    assert {b.role for b in inv.bindings_on(PROD)} >= {"roles/owner", "roles/spanner.databaseUser"}
    project = inv.project_resource("acme-shop-prod")
    assert project is not None
    assert project.labels == {"env": "prod", "team": "shop"}
    assert inv.environment_of("415104041262") == "prod"


def test_resource_export_maps_every_modelled_type() -> None:
    inv = inventory("export-resource.ndjson")
    workloads = {w.name: w for w in inv.workloads}
    orders = workloads[ORDERS]
    assert orders.kind is WorkloadKind.SERVICE
    assert orders.service_account == "shop-runtime@acme-shop-prod.iam.gserviceaccount.com"
    assert orders.project == "415104041262"
    assert [e.secret_ref for e in orders.containers[0].env] == [None, "stripe-key:latest"]
    cart = workloads["//run.googleapis.com/projects/acme-shop-dev/locations/europe-west1/services/cart"]
    assert cart.service_account == "523018811934-compute@developer.gserviceaccount.com"
    assert not cart.service_account_explicit
    job = workloads["//run.googleapis.com/projects/acme-shop-prod/locations/us-central1/jobs/migrate"]
    assert job.kind is WorkloadKind.JOB
    assert job.service_account == "migrator@acme-shop-prod.iam.gserviceaccount.com"
    assert inv.resource_type(ORDERS) == "run.googleapis.com/Service"
    assert inv.resource_type(DATABASE) == "spanner.googleapis.com/Database"
    assert inv.resource_type(INSTANCE) == "spanner.googleapis.com/Instance"
    assert "shop-runtime@acme-shop-prod.iam.gserviceaccount.com" in inv.service_accounts
    [key] = inv.keys
    assert key.key_type == "USER_MANAGED"
    assert key.service_account == "shop-runtime@acme-shop-prod.iam.gserviceaccount.com"
    role = inv.custom_roles["projects/acme-shop-prod/roles/spannerDeployer"]
    assert "spanner.databases.drop" in role.permissions
    assert dict(inv.unknown_asset_types) == {"storage.googleapis.com/Bucket": 1}


def test_locations_are_file_line_and_asset_name() -> None:
    inv = inventory("export-resource.ndjson", "export-iam-policy.ndjson")
    orders = next(w for w in inv.workloads if w.name == ORDERS)
    assert orders.location is not None
    assert (orders.location.path, orders.location.line, orders.location.address) == (
        "export-resource.ndjson",
        8,
        ORDERS,
    )
    owner = next(b for b in inv.bindings_on(PROD) if b.role == "roles/owner")
    assert owner.location is not None
    assert owner.location.path == "export-iam-policy.ndjson"
    assert owner.location.line == 3
    assert owner.location.address == "//cloudresourcemanager.googleapis.com/projects/415104041262"


def test_numeric_log_types_become_names() -> None:
    inv = inventory("export-iam-policy.ndjson")
    configs = {c.service: c for c in inv.audit_configs_on(PROJECT_PREFIX + "415104041262")}
    assert [c.log_type for c in configs["allServices"].log_configs] == ["ADMIN_READ", "DATA_WRITE"]
    [spanner] = configs["spanner.googleapis.com"].log_configs
    assert spanner.log_type == "DATA_READ"
    assert spanner.exempted_members == ("serviceAccount:shop-runtime@acme-shop-prod.iam.gserviceaccount.com",)


def test_condition_is_kept() -> None:
    inv = inventory("export-iam-policy.ndjson")
    binding = next(
        b
        for b in inv.bindings_on(PROJECT_PREFIX + "415104041262")
        if b.role == "roles/iam.serviceAccountUser"
    )
    assert binding.condition is not None
    assert binding.condition.title == "until-2027"
    assert binding.policy_version == 3


def test_mixed_content_types_across_files() -> None:
    """The custom role comes from the resource export, its binding from the iam-policy export."""
    both = lint_texts(texts("export-resource.ndjson", "export-iam-policy.ndjson"), select=["SP001"])
    deployer = [f for f in both if f.role == "projects/acme-shop-prod/roles/spannerDeployer"]
    assert [(f.resource, f.principal) for f in deployer] == [
        (DATABASE, "serviceAccount:migrator@acme-shop-prod.iam.gserviceaccount.com")
    ]
    alone = lint_texts(texts("export-iam-policy.ndjson"), select=["SP001"])
    assert not [f for f in alone if f.role == "projects/acme-shop-prod/roles/spannerDeployer"]
    # And SA001 needs two services from the resource export, whatever else is read.
    shared = lint_texts(texts("export-resource.ndjson", "export-iam-policy.ndjson"), select=["SA001"])
    assert {f.resource for f in shared} == {
        ORDERS,
        "//run.googleapis.com/projects/acme-shop-prod/locations/us-central1/services/invoices",
    }


def test_gcloud_asset_list_camel_case() -> None:
    inv = inventory("list-resource.json", "list-iam-policy.json")
    dev = PROJECT_PREFIX + "acme-shop-dev"
    assert inv.project_id("523018811934") == "acme-shop-dev"
    assert list(inv.ancestors(dev)) == [
        "//cloudresourcemanager.googleapis.com/folders/731508264419",
        ORG,
    ]
    bindings = {b.role: b for b in inv.bindings_on(dev)}
    assert bindings["roles/editor"].condition is not None
    assert bindings["roles/editor"].condition.title == "migration-window"
    [config] = inv.audit_configs_on(dev)
    assert [c.log_type for c in config.log_configs] == ["ADMIN_READ", "DATA_READ"]
    assert dict(inv.unknown_asset_types) == {"pubsub.googleapis.com/Topic": 1}
    # JSON files keep per-key lines: the binding's role line inside the indented list.
    text = (CAI / "list-iam-policy.json").read_text().splitlines()
    location = bindings["roles/spanner.admin"].location
    assert location is not None
    assert location.line is not None
    assert '"role": "roles/spanner.admin"' in text[location.line - 1]
    findings = lint_texts(texts("list-resource.json", "list-iam-policy.json"), select=["SP001"])
    assert [(f.resource, f.role) for f in findings] == [(dev, "roles/spanner.admin")]


def test_asset_list_as_ndjson() -> None:
    items = json.loads((CAI / "list-iam-policy.json").read_text())
    ndjson = "".join(json.dumps(item) + "\n" for item in items * 2)
    inv = build_inventory({"assets.ndjson": ndjson})
    assert len(inv.policies) == 2
    assert [p.location.line for p in inv.policies if p.location] == [1, 2]


def test_rest_list_assets_response() -> None:
    inv = inventory("rest-list-assets-response.json")
    [binding] = inv.bindings_on("//spanner.googleapis.com/projects/acme-shop-dev/instances/shop-dev")
    assert binding.role == "roles/spanner.backupAdmin"
    assert inv.ancestors("//spanner.googleapis.com/projects/acme-shop-dev/instances/shop-dev")[-1] == ORG


def test_search_all_iam_policies_results() -> None:
    inv = inventory("search-all-iam-policies.json")
    # The project's result names it by id and its project field by number: one project.
    assert inv.project_id("415104041262") == "acme-shop-prod"
    assert list(inv.ancestors(PROD)) == [PROD_FOLDER, ORG]
    assert list(inv.ancestors(PROD_FOLDER)) == [ORG]
    assert list(inv.ancestors(DATABASE)) == [INSTANCE, PROD, PROD_FOLDER, ORG]
    # The folder's spanner.admin grant reaches the database.
    inherited = {(e.binding.role, e.written_on) for e in inv.effective_bindings(DATABASE)}
    assert ("roles/spanner.admin", PROD_FOLDER) in inherited
    findings = lint_texts(texts("search-all-iam-policies.json"), select=["SP001"])
    assert [(f.resource, f.role) for f in findings] == [(PROD_FOLDER, "roles/spanner.admin")]


def test_bad_ndjson_line_names_file_and_line() -> None:
    with pytest.raises(InputError) as error:
        inventory("bad-line.ndjson")
    assert (error.value.path, error.value.line) == ("bad-line.ndjson", 3)


def test_bad_ancestors_names_file_line_and_key() -> None:
    with pytest.raises(InputError) as error:
        inventory("bad-ancestors.ndjson")
    assert (error.value.path, error.value.line) == ("bad-ancestors.ndjson", 2)
    assert "ancestors" in error.value.message


ASSET = {
    "name": "//cloudresourcemanager.googleapis.com/projects/1",
    "asset_type": "cloudresourcemanager.googleapis.com/Project",
    "ancestors": ["projects/1"],
}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "projects/1"}, "name: expected a full resource name"),
        ({"asset_type": ["x"]}, "asset_type: expected a string"),
        ({"resource": "data"}, "resource: expected a mapping"),
        ({"resource": {"version": "v1"}}, "resource.data: missing"),
        ({"resource": {"data": {"projectNumber": "1"}}}, "projectId: missing"),
        ({"iam_policy": {"bindings": {"role": "roles/owner"}}}, "iam_policy.bindings: expected a list"),
        ({"iam_policy": {"bindings": [{"role": "roles/owner", "members": []}]}}, "members"),
        (
            {"iam_policy": {"audit_configs": [{"service": "x", "audit_log_configs": [{"log_type": 9}]}]}},
            "expected a log type",
        ),
    ],
)
def test_bad_asset_shapes_are_input_errors(change: dict[str, object], expected: str) -> None:
    line = json.dumps({**ASSET, **change})
    text = json.dumps(ASSET) + "\n" + line + "\n"
    with pytest.raises(InputError) as error:
        build_inventory({"export.ndjson": text})
    assert error.value.path == "export.ndjson"
    assert error.value.line == 2
    assert expected in error.value.message


def test_other_content_types_are_counted_not_dropped() -> None:
    line = {**ASSET, "org_policy": [{"constraint": "constraints/iam.allowedPolicyMemberDomains"}]}
    inv = build_inventory({"export.ndjson": json.dumps(line) + "\n" + json.dumps(line) + "\n"})
    assert dict(inv.unknown_asset_types) == {
        "cloudresourcemanager.googleapis.com/Project (org-policy content)": 2
    }


def test_cli_checks_an_export_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("export-resource.ndjson", "export-iam-policy.ndjson"):
        (tmp_path / name).write_text((CAI / name).read_text())
    code = main(["check", "--format", "json", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["summary"]["unknown_asset_types"] == {"storage.googleapis.com/Bucket": 1}
    rules = {f["rule"] for f in out["findings"]}
    assert {"SA001", "SA002", "SA003", "SP001", "IAM002", "RUN001"} <= rules
    run001 = next(f for f in out["findings"] if f["rule"] == "RUN001")
    assert run001["location"]["address"] == ORDERS
    assert run001["location"]["line"] == 5


def test_cli_bad_line_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(CAI / "bad-line.ndjson")])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad-line.ndjson:3: invalid JSON" in err


def test_placeholder_project_in_a_name_is_not_a_project() -> None:
    # Some names carry `projects/_` ("any project"), as Cloud Storage's own API names buckets; only the
    # ancestors say which project holds the bucket, and `_` is never taken for that project's id.
    bucket = "//storage.googleapis.com/projects/_/buckets/acme-shop-prod-exports"
    line = {
        "name": bucket,
        "asset_type": "storage.googleapis.com/Bucket",
        "iam_policy": {
            "bindings": [{"role": "roles/storage.objectViewer", "members": ["user:a@acme.example"]}]
        },
        "ancestors": ["projects/415104041262", "folders/284657391022", "organizations/866311123412"],
    }
    project_line = {
        "name": "//cloudresourcemanager.googleapis.com/projects/415104041262",
        "asset_type": "cloudresourcemanager.googleapis.com/Project",
        "iam_policy": {"bindings": [{"role": "roles/viewer", "members": ["group:ops@acme.example"]}]},
        "ancestors": ["projects/415104041262", "folders/284657391022", "organizations/866311123412"],
    }
    inv = build_inventory({"export.ndjson": f"{json.dumps(line)}\n{json.dumps(project_line)}\n"})
    project = "//cloudresourcemanager.googleapis.com/projects/415104041262"
    assert inv.canonical(project) == project
    assert list(inv.ancestors(bucket)) == [project, PROD_FOLDER, ORG]
    assert "roles/viewer" in {e.binding.role for e in inv.effective_bindings(bucket)}
