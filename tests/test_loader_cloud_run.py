"""Cloud Run services and jobs, Knative and v2 shapes, become Workloads with their runtime identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.errors import InputError
from iamlint.inventory import InventoryBuilder
from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.cloud_run import CloudRunLoader
from iamlint.loaders.documents import documents_from_text, read_documents
from iamlint.model import Resource, Workload, WorkloadKind


def load(path: Path) -> Workload:
    (workload,) = load_documents(read_documents(str(path)), [CloudRunLoader()], LoadContext())
    assert isinstance(workload, Workload)
    return workload


def test_knative_service(fixtures: Path) -> None:
    workload = load(fixtures / "cloud_run/orders-service.yaml")
    assert (
        workload.name == "//run.googleapis.com/projects/123456789012/locations/europe-west1/services/orders"
    )
    assert workload.kind is WorkloadKind.SERVICE
    assert workload.project == "123456789012"
    assert workload.region == "europe-west1"
    assert workload.service_account == "orders@acme-shop-prod.iam.gserviceaccount.com"
    assert workload.service_account_explicit
    assert workload.service_account_location is not None
    assert workload.service_account_location.line == 39
    (container,) = workload.containers
    plain, secret = container.env
    assert plain.value
    assert plain.secret_ref is None
    assert secret.name == "DB_PASSWORD"
    assert secret.value is None
    assert secret.secret_ref == "orders-db-password:latest"
    assert secret.location is not None
    assert secret.location.line == 26


def test_service_without_account_runs_as_the_compute_default_account(fixtures: Path) -> None:
    workload = load(fixtures / "cloud_run/cart-service-default-sa.yaml")
    assert workload.service_account == "123456789012-compute@developer.gserviceaccount.com"
    assert not workload.service_account_explicit
    assert not workload.unresolved_default_account


def test_knative_job(fixtures: Path) -> None:
    workload = load(fixtures / "cloud_run/migrate-job.yaml")
    assert workload.kind is WorkloadKind.JOB
    assert workload.name.endswith("/locations/europe-west1/jobs/migrate")
    assert workload.service_account == "migrate@acme-shop-prod.iam.gserviceaccount.com"
    assert workload.containers[0].env[0].name == "GOOGLE_APPLICATION_CREDENTIALS"


def test_v2_service(fixtures: Path) -> None:
    workload = load(fixtures / "cloud_run/payments-service-v2.json")
    assert (
        workload.name
        == "//run.googleapis.com/projects/acme-shop-prod/locations/europe-west1/services/payments"
    )
    assert workload.service_account == "payments@acme-shop-prod.iam.gserviceaccount.com"
    assert workload.service_account_location is not None
    assert workload.service_account_location.line == 16
    secret = workload.containers[0].env[1]
    assert secret.secret_ref == "projects/123456789012/secrets/stripe-secret:latest"
    assert secret.location is not None
    assert secret.location.line == 25


def test_v2_job_without_account_is_resolved_once_the_project_number_is_known(fixtures: Path) -> None:
    workload = load(fixtures / "cloud_run/nightly-job-v2.json")
    assert workload.kind is WorkloadKind.JOB
    assert workload.unresolved_default_account
    builder = InventoryBuilder()
    builder.add(workload)
    builder.add(
        Resource(
            "//cloudresourcemanager.googleapis.com/projects/555000111222",
            "cloudresourcemanager.googleapis.com/Project",
            project_id="acme-shop-dev",
            project_number="555000111222",
        )
    )
    (resolved,) = builder.build().workloads
    assert resolved.service_account == "555000111222-compute@developer.gserviceaccount.com"


def test_knative_service_missing_template_is_an_error() -> None:
    text = (
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: x\n  namespace: p\n"
        "spec:\n  traffic: []\n"
    )
    with pytest.raises(InputError) as caught:
        list(load_documents(documents_from_text("s.yaml", text), [CloudRunLoader()], LoadContext()))
    assert caught.value.message == "spec.template: missing: expected a mapping"
    assert caught.value.line == 7


def test_v2_env_must_be_a_list() -> None:
    text = (
        '{"name": "projects/p/locations/l/services/s",\n "template": {"containers": [{"env": {"A": "b"}}]}}'
    )
    with pytest.raises(InputError, match=r"template.containers\[0\].env: expected a list"):
        list(load_documents(documents_from_text("s.json", text), [CloudRunLoader()], LoadContext()))
