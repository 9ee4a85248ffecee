"""gcloud describe/list output of projects, accounts, keys, custom roles and Spanner resources."""

from __future__ import annotations

from pathlib import Path

from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.documents import read_documents
from iamlint.loaders.gcloud_resources import GcloudResourceLoader
from iamlint.model import CustomRole, Fact, Resource, ServiceAccount, ServiceAccountKey
from iamlint.testing import build_inventory


def load(path: Path) -> list[Fact]:
    return list(load_documents(read_documents(str(path)), [GcloudResourceLoader()], LoadContext()))


def test_project_carries_id_number_labels_and_parent(fixtures: Path) -> None:
    (project,) = load(fixtures / "gcloud_resources/project.json")
    assert isinstance(project, Resource)
    assert project.name == "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
    assert (project.project_id, project.project_number) == ("acme-shop-prod", "123456789012")
    assert project.parent == "//cloudresourcemanager.googleapis.com/folders/310987654321"
    assert project.labels["env"] == "prod"


def test_project_describe_teaches_the_inventory_number_and_id(fixtures: Path) -> None:
    project = (fixtures / "gcloud_resources/project.json").read_text()
    service = (fixtures / "cloud_run/cart-service-default-sa.yaml").read_text()
    inventory = build_inventory({"project.json": project, "cart.yaml": service})
    assert inventory.project_id("123456789012") == "acme-shop-prod"
    (workload,) = inventory.workloads
    assert inventory.canonical(workload.name).startswith("//run.googleapis.com/projects/acme-shop-prod/")
    assert inventory.environment_of(workload.project) == "prod"
    assert list(inventory.ancestors(workload.name)) == [
        "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod",
        "//cloudresourcemanager.googleapis.com/folders/310987654321",
    ]


def test_service_accounts_list(fixtures: Path) -> None:
    orders, default = load(fixtures / "gcloud_resources/service-accounts.json")
    assert isinstance(orders, ServiceAccount)
    assert isinstance(default, ServiceAccount)
    assert orders.email == "orders@acme-shop-prod.iam.gserviceaccount.com"
    assert orders.project == "acme-shop-prod"
    assert not orders.disabled
    assert default.disabled


def test_keys_list_keeps_the_key_type(fixtures: Path) -> None:
    user, system = load(fixtures / "gcloud_resources/keys.json")
    assert isinstance(user, ServiceAccountKey)
    assert isinstance(system, ServiceAccountKey)
    assert (user.key_type, system.key_type) == ("USER_MANAGED", "SYSTEM_MANAGED")
    assert user.service_account == "orders@acme-shop-prod.iam.gserviceaccount.com"
    assert user.location is not None
    assert user.location.line == 5


def test_custom_role_permissions(fixtures: Path) -> None:
    (role,) = load(fixtures / "gcloud_resources/custom-role.yaml")
    assert isinstance(role, CustomRole)
    assert role.name == "projects/acme-shop-prod/roles/spannerDeployer"
    assert "spanner.databases.updateDdl" in role.permissions


def test_spanner_instance_and_database_sit_in_the_hierarchy(fixtures: Path) -> None:
    (instance,) = load(fixtures / "gcloud_resources/spanner-instance.json")
    (database,) = load(fixtures / "gcloud_resources/spanner-database.yaml")
    assert isinstance(instance, Resource)
    assert isinstance(database, Resource)
    assert instance.asset_type == "spanner.googleapis.com/Instance"
    inventory = build_inventory({})
    assert list(inventory.ancestors(database.name)) == [
        instance.name,
        "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod",
    ]
