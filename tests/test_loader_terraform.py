"""Terraform plans (terraform show -json PLANFILE): addresses, every resource type, unknown values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from iamlint.cli import main
from iamlint.errors import InputError
from iamlint.inventory import Inventory
from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.documents import documents_from_text, read_documents
from iamlint.loaders.terraform import TerraformPlanLoader, module_steps, parent_module, primary_references
from iamlint.model import Binding, Fact, Policy, SourceLocation, Unresolved, WorkloadKind
from iamlint.testing import build_inventory

# --- small plans in the documented representation --------------------------------------------------

GOOGLE = "registry.terraform.io/hashicorp/google"


@dataclass
class R:
    """One planned resource instance and its configuration block."""

    type: str
    name: str
    values: dict[str, Any]
    index: object = None
    module: str = ""  # "module.app" or 'module.app["x"]'
    actions: Sequence[str] = ("create",)
    unknown: Mapping[str, Any] = field(default_factory=dict)
    # attribute -> references (for unknown attributes) or a ready expression mapping
    refs: Mapping[str, Any] = field(default_factory=dict)
    mode: str = "managed"

    @property
    def address(self) -> str:
        key = ""
        if self.index is not None:
            key = f"[{json.dumps(self.index)}]" if isinstance(self.index, str) else f"[{self.index}]"
        local = f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}{key}"
        return f"{self.module}.{local}" if self.module else local


def _module_path(module: str) -> tuple[str, ...]:
    return tuple(step.split("[")[0] for step in module.split(".")[1::2]) if module else ()


def plan(
    *resources: R,
    provider_project: str | None = None,
    module_calls: Mapping[tuple[str, ...], Mapping[str, Any]] | None = None,
    outputs: Mapping[tuple[str, ...], Mapping[str, Any]] | None = None,
    variables: Mapping[str, Any] | None = None,
    format_version: str = "1.2",
    configuration: bool = True,
) -> str:
    """``module_calls`` maps a module path (("app",)) to its call's expressions; ``outputs`` a path to
    {name: references}."""
    modules: dict[str, list[dict[str, Any]]] = {}
    changes = []
    config: dict[tuple[str, ...], dict[str, Any]] = {(): {"resources": []}}
    for r in resources:
        item: dict[str, Any] = {"address": r.address, "mode": r.mode, "type": r.type, "name": r.name}
        if r.index is not None:
            item["index"] = r.index
        item.update(provider_name=GOOGLE, schema_version=0, values=r.values, sensitive_values={})
        modules.setdefault(r.module, []).append(item)
        change: dict[str, Any] = {"address": r.address}
        if r.module:
            change["module_address"] = r.module
        change.update(mode=r.mode, type=r.type, name=r.name, provider_name=GOOGLE)
        change["change"] = {
            "actions": list(r.actions),
            "before": None if list(r.actions) == ["create"] else r.values,
            "after": r.values,
            "after_unknown": dict(r.unknown),
        }
        changes.append(change)
        path = _module_path(r.module)
        for depth in range(len(path) + 1):
            config.setdefault(path[:depth], {"resources": []})
        block = config[path]
        local = f"{'data.' if r.mode == 'data' else ''}{r.type}.{r.name}"
        if not any(c["address"] == local for c in block["resources"]):
            expressions: dict[str, Any] = {
                key: {"constant_value": value} for key, value in r.values.items() if value is not None
            }
            for key, value in r.refs.items():
                # A list of strings is a reference list; a list of mappings is a nested block's expressions.
                is_refs = isinstance(value, list) and all(isinstance(item, str) for item in value)
                expressions[key] = {"references": value} if is_refs else value
            block["resources"].append(
                {
                    "address": local,
                    "mode": r.mode,
                    "type": r.type,
                    "name": r.name,
                    "provider_config_key": "google",
                    "expressions": expressions,
                    "schema_version": 0,
                }
            )
    for path in module_calls or {}:
        for depth in range(len(path) + 1):
            config.setdefault(path[:depth], {"resources": []})

    def planned(address: str) -> dict[str, Any]:
        node: dict[str, Any] = {"resources": modules.get(address, [])}
        children = sorted(
            m
            for m in modules
            if m != address and m.startswith(address) and m.count("module.") == address.count("module.") + 1
        )
        if children:
            node["child_modules"] = [{**planned(child), "address": child} for child in children]
        return node

    def configured(path: tuple[str, ...]) -> dict[str, Any]:
        node: dict[str, Any] = {"resources": config[path]["resources"]}
        if outputs and path in outputs:
            node["outputs"] = {name: {"expression": expr} for name, expr in outputs[path].items()}
        calls = {p[-1]: p for p in config if len(p) == len(path) + 1 and p[: len(path)] == path}
        if calls:
            node["module_calls"] = {
                name: {
                    "source": f"./modules/{name}",
                    "expressions": dict((module_calls or {}).get(child, {})),
                    "module": configured(child),
                }
                for name, child in calls.items()
            }
        return node

    document: dict[str, Any] = {"format_version": format_version, "terraform_version": "1.7.5"}
    if variables:
        document["variables"] = {name: {"value": value} for name, value in variables.items()}
    document["planned_values"] = {"root_module": planned("")}
    document["resource_changes"] = changes
    if configuration:
        provider: dict[str, Any] = {"name": "google", "full_name": GOOGLE}
        if provider_project:
            provider["expressions"] = {"project": {"constant_value": provider_project}}
        document["configuration"] = {"provider_config": {"google": provider}, "root_module": configured(())}
    return json.dumps(document, indent=2) + "\n"


P = "acme-shop-prod"
PROJECT = f"//cloudresourcemanager.googleapis.com/projects/{P}"
ORDERS = f"orders-run@{P}.iam.gserviceaccount.com"


def inventory_of(path: Path) -> Inventory:
    return build_inventory({path.name: path.read_text()})


def facts_of(text: str, name: str = "plan.json") -> list[Fact]:
    return list(load_documents(documents_from_text(name, text), [TerraformPlanLoader()], LoadContext()))


def binding_at(inventory: Inventory, address: str) -> tuple[Policy, Binding]:
    for policy in inventory.policies:
        for binding in policy.bindings:
            if binding.location and binding.location.address == address:
                return policy, binding
    raise AssertionError(f"no binding at {address}")


def members(binding: Binding) -> list[str]:
    return [member.member for member in binding.members]


@pytest.fixture
def app(fixtures: Path) -> Inventory:
    return inventory_of(fixtures / "terraform/plan-app.json")


@pytest.fixture
def types(fixtures: Path) -> Inventory:
    return inventory_of(fixtures / "terraform/plan-iam-types.json")


# --- addresses and locations -----------------------------------------------------------------------


def test_module_addresses_split_into_calls_and_keys() -> None:
    assert module_steps('module.data.module.invokers["pub.lic"]') == (
        ("data", ""),
        ("invokers", '["pub.lic"]'),
    )
    assert parent_module('module.data.module.invokers["x"]') == ("module.data", "invokers")
    assert parent_module("") is None


def test_primary_references_drop_the_implied_steps() -> None:
    refs = ["google_service_account.orders.email", "google_service_account.orders", "each.key"]
    assert primary_references(refs) == ["google_service_account.orders.email"]


def test_locations_carry_plan_file_line_address_and_action(app: Inventory) -> None:
    _, binding = binding_at(app, 'google_project_iam_member.spanner_user["prod"]')
    assert binding.location == SourceLocation(
        "plan-app.json", 171, 'google_project_iam_member.spanner_user["prod"]', "create"
    )
    _, viewers = binding_at(app, "google_project_iam_binding.viewers")
    assert viewers.location is not None
    assert viewers.location.change == "no-op"


def test_count_for_each_and_nested_modules_keep_their_addresses(app: Inventory) -> None:
    addresses = {b.location.address for b in app.bindings() if b.location}
    assert {
        'google_project_iam_member.spanner_user["prod"]',
        "google_project_iam_member.ops[0]",
        "module.data.google_spanner_database_iam_member.reader[0]",
        'module.data.module.invokers["public"].google_cloud_run_v2_service_iam_member.invoker',
    } <= addresses


def test_a_one_line_plan_as_terraform_prints_it_is_located_by_address(types: Inventory) -> None:
    _, binding = binding_at(types, "google_folder_iam_member.eng")
    assert binding.location == SourceLocation(
        "plan-iam-types.json", 1, "google_folder_iam_member.eng", "create"
    )


# --- unknown values ---------------------------------------------------------------------------------


def test_unknown_service_account_of_workloads_resolves_through_configuration(app: Inventory) -> None:
    identities = {w.name: (w.service_account, w.service_account_explicit) for w in app.workloads}
    assert identities == {
        f"//run.googleapis.com/projects/{P}/locations/europe-west1/services/orders": (ORDERS, True),
        f"//run.googleapis.com/projects/{P}/locations/europe-west1/jobs/invoices-export": (ORDERS, True),
    }


def test_planned_account_email_is_computed_from_account_id_and_project(app: Inventory) -> None:
    account = app.service_accounts[ORDERS]
    assert account.name == f"//iam.googleapis.com/projects/{P}/serviceAccounts/{ORDERS}"
    assert account.location is not None
    assert account.location.address == "google_service_account.orders"


def test_member_template_reference_becomes_a_service_account_member(app: Inventory) -> None:
    _, binding = binding_at(app, 'google_project_iam_member.spanner_user["prod"]')
    assert members(binding) == [f"serviceAccount:{ORDERS}"]


def test_module_variable_is_followed_to_the_root_module(app: Inventory) -> None:
    policy, binding = binding_at(app, "module.data.google_spanner_database_iam_member.reader[0]")
    assert policy.resource == f"//spanner.googleapis.com/projects/{P}/instances/orders/databases/orders-db"
    assert members(binding) == [f"serviceAccount:{ORDERS}"]


def test_unknown_custom_role_name_is_the_name_the_provider_computes(app: Inventory) -> None:
    _, binding = binding_at(app, "google_project_iam_member.ops[0]")
    assert binding.role == f"projects/{P}/roles/spannerOps"
    assert app.custom_roles[binding.role].permissions >= {"spanner.databases.drop"}


def test_key_of_a_planned_account_is_user_managed(app: Inventory) -> None:
    (key,) = app.keys
    assert key.service_account == ORDERS
    assert key.key_type == "USER_MANAGED"
    assert key.name.startswith(f"//iam.googleapis.com/projects/{P}/serviceAccounts/{ORDERS}/keys/")


def test_unresolvable_values_are_reported_not_guessed(app: Inventory) -> None:
    unresolved = {u.location.address: u.message for u in app.unresolved if u.location}
    assert set(unresolved) == {
        "google_service_account.ci",
        "google_service_account_iam_member.ci_impersonates_orders",
    }
    assert "random_id.ci" in unresolved["google_service_account_iam_member.ci_impersonates_orders"]
    assert not any(
        b.location and b.location.address == "google_service_account_iam_member.ci_impersonates_orders"
        for b in app.bindings()
    )


def test_each_key_reference_picks_the_instance_with_the_same_key() -> None:
    accounts = [
        R(
            "google_service_account",
            "run",
            {"account_id": f"{env}-run", "project": P},
            index=env,
            unknown={"email": True},
        )
        for env in ("prod", "stage")
    ]
    # member = "serviceAccount:${google_service_account.run[each.key].email}" is recorded as these two.
    grant = R(
        "google_project_iam_member",
        "run",
        {"project": P, "role": "roles/logging.logWriter"},
        index="stage",
        unknown={"member": True},
        refs={"member": ["google_service_account.run", "each.key"]},
    )
    (binding,) = build_inventory({"plan.json": plan(*accounts, grant)}).bindings()
    assert members(binding) == [f"serviceAccount:stage-run@{P}.iam.gserviceaccount.com"]


def test_module_output_reference_is_followed_into_the_module() -> None:
    account = R(
        "google_service_account",
        "app",
        {"account_id": "app-run", "project": P},
        module="module.sa",
        unknown={"email": True},
    )
    grant = R(
        "google_project_iam_member",
        "app",
        {"project": P, "role": "roles/spanner.databaseUser"},
        unknown={"member": True},
        refs={"member": ["module.sa.email", "module.sa"]},
    )
    text = plan(
        account,
        grant,
        outputs={
            ("sa",): {
                "email": {"references": ["google_service_account.app.email", "google_service_account.app"]}
            }
        },
    )
    inventory = build_inventory({"plan.json": text})
    _, binding = binding_at(inventory, "google_project_iam_member.app")
    assert members(binding) == [f"serviceAccount:app-run@{P}.iam.gserviceaccount.com"]


def test_project_left_to_the_provider_comes_from_its_configuration() -> None:
    service = R(
        "google_cloud_run_v2_service",
        "api",
        {"location": "europe-west1", "name": "api", "template": [{"containers": [{"image": "api:1"}]}]},
        unknown={"project": True, "template": [{"service_account": True}]},
        refs={"template": [{"containers": [{"image": {"constant_value": "api:1"}}]}]},
    )
    (workload,) = build_inventory({"plan.json": plan(service, provider_project=P)}).workloads
    assert workload.name == f"//run.googleapis.com/projects/{P}/locations/europe-west1/services/api"
    # Not set in the configuration: the service runs as the default account of its project.
    assert workload.service_account_explicit is False
    assert workload.unresolved_default_account is True
    (unresolved,) = [f for f in facts_of(plan(service)) if isinstance(f, Unresolved)]
    assert "project" in unresolved.message


def test_members_partly_unknown_are_read_when_every_entry_is_accounted_for() -> None:
    account = R("google_service_account", "ci", {"account_id": "ci", "project": P}, unknown={"email": True})
    binding = R(
        "google_project_iam_binding",
        "deployers",
        {"members": ["group:release@acme.example", None], "project": P, "role": "roles/run.developer"},
        unknown={"members": [False, True]},
        refs={"members": ["google_service_account.ci.email", "google_service_account.ci"]},
    )
    inventory = build_inventory({"plan.json": plan(account, binding)})
    _, read = binding_at(inventory, "google_project_iam_binding.deployers")
    assert members(read) == ["group:release@acme.example", f"serviceAccount:ci@{P}.iam.gserviceaccount.com"]
    binding.values["members"] = None
    binding.unknown = {"members": True}
    facts = facts_of(plan(account, binding))
    assert not [f for f in facts if isinstance(f, Policy)]
    (unresolved,) = [f for f in facts if isinstance(f, Unresolved)]
    assert "constant members" in unresolved.message


def test_plan_without_configuration_reports_unknowns() -> None:
    grant = R(
        "google_project_iam_member", "x", {"project": P, "role": "roles/viewer"}, unknown={"member": True}
    )
    (fact,) = facts_of(plan(grant, configuration=False))
    assert isinstance(fact, Unresolved)
    assert fact.location is not None
    assert fact.location.address == "google_project_iam_member.x"


# --- every resource type ----------------------------------------------------------------------------

RUN = f"//run.googleapis.com/projects/{P}/locations/europe-west1"
TYPES: list[tuple[str, str, str, str, list[str]]] = [
    (
        "google_project_iam_member.conditional",
        f"{PROJECT}",
        "member",
        "roles/spanner.databaseUser",
        [f"serviceAccount:migrator@{P}.iam.gserviceaccount.com"],
    ),
    (
        "google_folder_iam_member.eng",
        "//cloudresourcemanager.googleapis.com/folders/310987654321",
        "member",
        "roles/resourcemanager.folderViewer",
        ["group:eng@acme.example"],
    ),
    (
        "google_folder_iam_binding.eng_browsers",
        "//cloudresourcemanager.googleapis.com/folders/310987654321",
        "binding",
        "roles/browser",
        ["group:eng@acme.example", "group:sre@acme.example"],
    ),
    (
        "google_folder_iam_policy.sandbox",
        "//cloudresourcemanager.googleapis.com/folders/222333444555",
        "policy",
        "roles/viewer",
        ["domain:acme.example"],
    ),
    (
        "google_organization_iam_member.security",
        "//cloudresourcemanager.googleapis.com/organizations/123456789",
        "member",
        "roles/iam.securityReviewer",
        ["group:security@acme.example"],
    ),
    (
        "google_organization_iam_binding.billing",
        "//cloudresourcemanager.googleapis.com/organizations/123456789",
        "binding",
        "roles/billing.viewer",
        ["group:finance@acme.example"],
    ),
    (
        "google_organization_iam_policy.org",
        "//cloudresourcemanager.googleapis.com/organizations/987654321",
        "policy",
        "roles/resourcemanager.organizationAdmin",
        ["group:admins@acme.example"],
    ),
    (
        "google_service_account_iam_binding.deployer_users",
        f"//iam.googleapis.com/projects/{P}/serviceAccounts/deployer@{P}.iam.gserviceaccount.com",
        "binding",
        "roles/iam.serviceAccountUser",
        ["group:release@acme.example"],
    ),
    (
        "google_service_account_iam_member.deployer_token",
        f"//iam.googleapis.com/projects/{P}/serviceAccounts/deployer@{P}.iam.gserviceaccount.com",
        "member",
        "roles/iam.serviceAccountTokenCreator",
        ["group:release@acme.example"],
    ),
    (
        "google_service_account_iam_policy.ci",
        f"//iam.googleapis.com/projects/{P}/serviceAccounts/ci@{P}.iam.gserviceaccount.com",
        "policy",
        "roles/iam.workloadIdentityUser",
        [
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/"
            "attribute.repository/acme/shop"
        ],
    ),
    (
        "google_spanner_instance_iam_binding.readers",
        f"//spanner.googleapis.com/projects/{P}/instances/shop-prod",
        "binding",
        "roles/spanner.databaseReader",
        [f"serviceAccount:reports@{P}.iam.gserviceaccount.com"],
    ),
    (
        "google_spanner_database_iam_policy.payments",
        f"//spanner.googleapis.com/projects/{P}/instances/shop-prod/databases/payments",
        "policy",
        "roles/spanner.databaseUser",
        [f"serviceAccount:payments@{P}.iam.gserviceaccount.com"],
    ),
    (
        "google_cloud_run_service_iam_member.cart_invoker",
        f"{RUN}/services/cart",
        "member",
        "roles/run.invoker",
        [f"serviceAccount:storefront@{P}.iam.gserviceaccount.com"],
    ),
    (
        "google_cloud_run_service_iam_binding.cart_developers",
        f"{RUN}/services/cart",
        "binding",
        "roles/run.developer",
        ["group:cart-devs@acme.example"],
    ),
    (
        "google_cloud_run_service_iam_policy.legacy",
        f"{RUN}/services/legacy",
        "policy",
        "roles/run.invoker",
        ["allUsers"],
    ),
    (
        "google_cloud_run_v2_service_iam_binding.admin_api",
        f"{RUN}/services/admin-api",
        "binding",
        "roles/run.invoker",
        ["group:ops@acme.example"],
    ),
    (
        "google_cloud_run_v2_service_iam_policy.catalog",
        f"{RUN}/services/catalog",
        "policy",
        "roles/run.invoker",
        ["allAuthenticatedUsers"],
    ),
    (
        "google_cloud_run_v2_job_iam_member.reports_runner",
        f"{RUN}/jobs/reports",
        "member",
        "roles/run.invoker",
        [f"serviceAccount:scheduler@{P}.iam.gserviceaccount.com"],
    ),
    (
        "google_cloud_run_v2_job_iam_binding.reports_viewers",
        f"{RUN}/jobs/reports",
        "binding",
        "roles/run.viewer",
        ["group:analysts@acme.example"],
    ),
    (
        "google_cloud_run_v2_job_iam_policy.cleanup",
        f"{RUN}/jobs/cleanup",
        "policy",
        "roles/run.invoker",
        [f"serviceAccount:scheduler@{P}.iam.gserviceaccount.com"],
    ),
]


@pytest.mark.parametrize(("address", "resource", "declared_as", "role", "expected"), TYPES)
def test_every_iam_resource_type_maps_to_a_binding(
    types: Inventory, address: str, resource: str, declared_as: str, role: str, expected: list[str]
) -> None:
    policy, binding = binding_at(types, address)
    assert (policy.resource, policy.declared_as, binding.role, members(binding)) == (
        resource,
        declared_as,
        role,
        expected,
    )


def test_conditions_of_member_binding_and_policy_data(types: Inventory) -> None:
    _, member = binding_at(types, "google_project_iam_member.conditional")
    assert member.condition is not None
    assert member.condition.title == "migration"
    _, binding = binding_at(types, "google_organization_iam_binding.billing")
    assert binding.condition is not None
    assert "2027-03-01" in binding.condition.expression
    policy = next(p for p in types.policies if p.resource.endswith("/projects/acme-platform"))
    conditional = [b for b in policy.bindings if b.condition]
    assert [b.condition.title for b in conditional if b.condition] == ["exports-only"]
    assert [(a.service, [c.log_type for c in a.log_configs]) for a in policy.audit_configs] == [
        ("spanner.googleapis.com", ["DATA_READ", "DATA_WRITE"])
    ]


def test_audit_configs_of_project_folder_and_organization(app: Inventory, types: Inventory) -> None:
    (project,) = app.audit_configs_on(PROJECT)
    assert [(c.log_type, c.exempted_members) for c in project.log_configs] == [
        ("DATA_READ", ()),
        ("DATA_WRITE", ("group:load-tests@acme.example",)),
    ]
    (folder,) = types.audit_configs_on("//cloudresourcemanager.googleapis.com/folders/310987654321")
    assert (folder.service, folder.log_configs[0].log_type) == ("allServices", "ADMIN_READ")
    (org,) = types.audit_configs_on("//cloudresourcemanager.googleapis.com/organizations/123456789")
    assert org.service == "spanner.googleapis.com"


def test_custom_roles_of_project_and_organization(app: Inventory, types: Inventory) -> None:
    assert set(app.custom_roles) == {f"projects/{P}/roles/spannerOps"}
    role = types.custom_roles["organizations/123456789/roles/spannerBackupOperator"]
    assert role.permissions == {"spanner.backups.create", "spanner.databases.read"}
    assert role.stage == "BETA"


def test_cloud_run_v1_service_with_env_and_secret(types: Inventory) -> None:
    cart = next(w for w in types.workloads if w.name.endswith("/services/cart"))
    assert (cart.kind, cart.service_account, cart.labels) == (
        WorkloadKind.SERVICE,
        f"cart@{P}.iam.gserviceaccount.com",
        {"team": "cart"},
    )
    env = {e.name: (e.value, e.secret_ref) for c in cart.containers for e in c.env}
    assert env == {"CART_TTL": ("3600", None), "DB_PASSWORD": (None, "cart-db-password:latest")}


def test_cloud_run_v2_env_values_and_secret_refs(app: Inventory) -> None:
    orders = next(w for w in app.workloads if w.name.endswith("/services/orders"))
    env = {e.name: (e.value, e.secret_ref) for c in orders.containers for e in c.env}
    assert env == {
        "SPANNER_DATABASE": (f"projects/{P}/instances/orders/databases/orders-db", None),
        "STRIPE_API_KEY": (None, "stripe-api-key:3"),
    }
    assert orders.labels == {"team": "shop"}


def test_v2_service_without_account_runs_as_the_default(types: Inventory) -> None:
    catalog = next(w for w in types.workloads if w.name.endswith("/services/catalog"))
    assert catalog.service_account_explicit is False
    assert catalog.service_account.endswith("-compute@developer.gserviceaccount.com")


def test_existing_account_and_key_read_as_planned(types: Inventory) -> None:
    email = f"deployer@{P}.iam.gserviceaccount.com"
    assert types.service_accounts[email].location == SourceLocation(
        "plan-iam-types.json", 1, "google_service_account.deployer", "no-op"
    )
    (key,) = types.keys
    assert key.name == f"//iam.googleapis.com/projects/{P}/serviceAccounts/{email}/keys/9f3c2a71d0b84e6f"
    assert (key.service_account, key.valid_after) == (email, "2026-03-02T10:15:00Z")


def test_state_documents_are_read_too() -> None:
    state = {
        "format_version": "1.0",
        "terraform_version": "1.7.5",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "google_project_iam_member.x",
                        "mode": "managed",
                        "type": "google_project_iam_member",
                        "name": "x",
                        "provider_name": "registry.terraform.io/hashicorp/google",
                        "schema_version": 0,
                        "values": {
                            "member": "user:a@acme.example",
                            "project": P,
                            "role": "roles/viewer",
                            "condition": [],
                        },
                    }
                ]
            }
        },
    }
    (policy,) = facts_of(json.dumps(state))
    assert isinstance(policy, Policy)
    assert policy.location is not None
    assert (policy.location.address, policy.location.change) == ("google_project_iam_member.x", None)


# --- errors -----------------------------------------------------------------------------------------


def test_unsupported_major_version_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"format_version '2\.0'") as error:
        facts_of(plan(format_version="2.0"))
    assert error.value.path == "plan.json"


def test_policy_data_that_is_not_json_names_the_address() -> None:
    bad = R("google_project_iam_policy", "p", {"policy_data": "{not json", "project": P})
    with pytest.raises(InputError, match=r"google_project_iam_policy\.p: policy_data is not JSON"):
        facts_of(plan(bad))


def test_wrong_shape_inside_policy_data_is_an_input_error() -> None:
    bad = R(
        "google_project_iam_policy",
        "p",
        {"policy_data": json.dumps({"bindings": [{"role": "roles/x"}]}), "project": P},
    )
    with pytest.raises(InputError, match="members"):
        facts_of(plan(bad))


def test_truncated_plan_is_reported_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(
        plan(
            R("google_project_iam_member", "x", {"member": "allUsers", "project": P, "role": "roles/viewer"})
        )[:200]
    )
    assert main(["check", str(path)]) == 2
    assert "invalid JSON" in capsys.readouterr().err


# --- --changed-only ---------------------------------------------------------------------------------


def _findings(args: list[str], capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str]]:
    main(["check", "--format", "json", *args])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return {(f["rule"], f["location"]["address"]) for f in report["findings"]}


def test_changed_only_reports_findings_of_created_updated_or_replaced_resources(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(fixtures / "terraform/plan-changed.json")
    everything = _findings([path], capsys)
    assert everything == {
        ("SA001", "google_cloud_run_v2_service.storefront"),
        ("SA001", "google_cloud_run_v2_service.checkout"),
        ("TF001", "google_project_iam_binding.invokers"),
        ("TF001", "google_project_iam_member.scheduler_invoker"),
        ("SA003", "google_service_account_key.frontend"),
        ("IAM001", "google_project_iam_member.contractor"),
    }
    # The new service still shares the account of the unchanged one: cross-resource rules see the plan whole.
    assert _findings(["--changed-only", path], capsys) == {
        ("SA001", "google_cloud_run_v2_service.checkout"),
        ("TF001", "google_project_iam_member.scheduler_invoker"),
        ("IAM001", "google_project_iam_member.contractor"),
    }


def test_replace_is_a_change(fixtures: Path) -> None:
    facts = list(
        load_documents(
            read_documents(str(fixtures / "terraform/plan-changed.json")),
            [TerraformPlanLoader()],
            LoadContext(),
        )
    )
    changes = {f.location.address: f.location.change for f in facts if isinstance(f, Policy) and f.location}
    assert changes["google_project_iam_member.contractor"] == "replace"
    assert changes["google_project_iam_binding.invokers"] == "no-op"


def test_report_lists_unresolved_values(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--format", "json", str(fixtures / "terraform/plan-app.json")])
    unresolved = json.loads(capsys.readouterr().out)["summary"]["unresolved"]
    assert len(unresolved) == 2
    assert all("(google_service_account" in line and "random_id.ci" in line for line in unresolved)


def test_deferred_iam_policy_data_source_is_rebuilt_from_its_blocks() -> None:
    account = R(
        "google_service_account",
        "orders",
        {"account_id": "orders-run", "project": P},
        unknown={"email": True},
    )
    document = R(
        "google_iam_policy",
        "db",
        {
            "binding": [
                {
                    "condition": [],
                    "members": ["group:dba@acme.example"],
                    "role": "roles/spanner.databaseAdmin",
                },
                # A set with an element known only after apply: null in its place, as Terraform prints it.
                {"condition": [], "members": [None], "role": "roles/spanner.databaseUser"},
            ],
            "audit_config": [],
        },
        mode="data",
        actions=("read",),
        unknown={"binding": [{}, {"members": [True]}], "policy_data": True, "id": True},
        refs={
            "binding": [
                {
                    "members": {"constant_value": ["group:dba@acme.example"]},
                    "role": {"constant_value": "roles/spanner.databaseAdmin"},
                },
                {
                    "members": {
                        "references": ["google_service_account.orders.email", "google_service_account.orders"]
                    },
                    "role": {"constant_value": "roles/spanner.databaseUser"},
                },
            ]
        },
    )
    policy = R(
        "google_spanner_database_iam_policy",
        "db",
        {"database": "orders", "instance": "shop-prod", "project": P},
        unknown={"policy_data": True},
        refs={"policy_data": ["data.google_iam_policy.db.policy_data", "data.google_iam_policy.db"]},
    )
    inventory = build_inventory({"plan.json": plan(account, document, policy)})
    read = {b.role: members(b) for b in inventory.bindings()}
    assert read == {
        "roles/spanner.databaseAdmin": ["group:dba@acme.example"],
        "roles/spanner.databaseUser": [f"serviceAccount:{ORDERS}"],
    }
    assert {p.declared_as for p in inventory.policies} == {"policy"}


def test_projects_place_themselves_in_the_hierarchy(types: Inventory) -> None:
    project = "//cloudresourcemanager.googleapis.com/projects/acme-platform"
    assert list(types.ancestors(project)) == ["//cloudresourcemanager.googleapis.com/folders/310987654321"]
    assert types.project_number("acme-platform") == "456789012345"
    assert types.environment_of("acme-platform") == "prod"
    # A grant on the folder reaches the project through the plan's own hierarchy.
    inherited = {e.binding.role for e in types.effective_bindings(project) if e.inherited}
    assert {"roles/browser", "roles/resourcemanager.folderViewer"} <= inherited
