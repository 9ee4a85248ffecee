"""Cloud Run services and jobs: Knative YAML/JSON (``gcloud run services|jobs describe --format export``,
and the resource data of Cloud Run assets) and Cloud Run Admin API v2 JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iamlint.loaders import LoadContext
from iamlint.loaders.documents import Document, line_of
from iamlint.loaders.shapes import Locations, Shape
from iamlint.model import (
    Container,
    EnvVar,
    Fact,
    SourceLocation,
    Workload,
    WorkloadKind,
    compute_default_account,
)

KNATIVE_KINDS = {
    ("serving.knative.dev/v1", "Service"): WorkloadKind.SERVICE,
    ("run.googleapis.com/v1", "Job"): WorkloadKind.JOB,
}
LOCATION_LABEL = "cloud.googleapis.com/location"
_V2_NAME = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/(?P<kind>services|jobs)/(?P<id>[^/]+)$"
)


def workload_name(project: str, region: str | None, kind: WorkloadKind, workload_id: str) -> str:
    collection = "services" if kind is WorkloadKind.SERVICE else "jobs"
    return f"//run.googleapis.com/projects/{project}/locations/{region or '-'}/{collection}/{workload_id}"


def _identity(project: str, explicit: str | None) -> tuple[str, bool]:
    """The account a workload runs as; with none set, Cloud Run uses the Compute Engine default account."""
    if explicit:
        return explicit.lower(), False
    # The default account is named by project number; with only an id at hand the inventory resolves it
    # later if another input gives the number (a placeholder keeps services of one project together).
    return compute_default_account(project), not project.isdigit()


def _env(container: Shape, *, secret_key: str) -> tuple[EnvVar, ...]:
    listed = container.raw("env")
    if line_of(listed) is None:  # no per-item lines to keep
        plain = _plain_env(listed, secret_key, container.location())
        if plain is not None:
            return plain
    return _checked_env(container, secret_key=secret_key)


def _checked_env(container: Shape, *, secret_key: str) -> tuple[EnvVar, ...]:
    listed = container.raw("env")
    variables = []
    located = Locations(container.document.path or None)
    for index, item in enumerate(container.items("env")):
        name = item.string("name", required=True) or ""
        secret_ref = None
        source = item.mapping(secret_key) if item.has(secret_key) else None
        if source is not None and source.has("secretKeyRef"):
            ref = source.mapping("secretKeyRef")
            secret_ref = _secret_ref(ref.string("name", "secret"), ref.string("key", "version"))
        variables.append(
            EnvVar(
                name=name,
                value=item.string("value"),
                secret_ref=secret_ref,
                location=located.at(container.document.line_of(listed, index)),
            )
        )
    return tuple(variables)


def _secret_ref(secret: str | None, version: str | None) -> str:
    # Knative: {name, key}; v2: {secret, version}
    return f"{secret or ''}:{version or 'latest'}"


class _NeedsShape(Exception):
    """A value a plain read cannot take as it is: the checked path reads it (and words any error)."""


def _plain_env(listed: object, secret_key: str, location: SourceLocation) -> tuple[EnvVar, ...] | None:
    """Env vars read without line numbers (an asset export) when every one is plain strings: built straight
    from the dicts, since an organisation has tens of thousands of services. None when any needs the
    checked path (a wrong type, a number where a string is expected)."""
    try:
        return tuple(_plain_env_var(item, secret_key, location) for item in _plain(listed, list) or ())
    except _NeedsShape:
        return None


def _plain_env_var(node: object, secret_key: str, location: SourceLocation) -> EnvVar:
    item: dict[str, Any] | None = _plain(node, dict)
    name = _plain_string(item or {}, "name")
    if item is None or name is None:
        raise _NeedsShape
    secret_ref = None
    source = _plain(item.get(secret_key), dict)
    if source is not None and "secretKeyRef" in source:
        ref = _plain(source["secretKeyRef"], dict) or {}
        secret_ref = _secret_ref(_plain_string(ref, "name", "secret"), _plain_string(ref, "key", "version"))
    return EnvVar(name=name, value=_plain_string(item, "value"), secret_ref=secret_ref, location=location)


def _plain(value: Any, kind: type) -> Any:
    """``value`` when it is null or exactly of ``kind``."""
    if value is not None and type(value) is not kind:
        raise _NeedsShape
    return value


def _plain_string(node: dict[str, Any], *keys: str) -> Any:
    """Shape.string's answer where the first present key holds a string or null."""
    for key in keys:
        if key in node:
            return _plain(node[key], str)
    return None


def _containers(spec: Shape, *, secret_key: str) -> tuple[Container, ...]:
    return tuple(
        Container(
            name=container.string("name"),
            image=container.string("image"),
            env=_env(container, secret_key=secret_key),
        )
        for container in spec.items("containers")
    )


def workload_from_knative(document: Document, data: object, *, address: str | None = None) -> Workload:
    """A Knative ``Service`` (serving.knative.dev/v1) or Cloud Run ``Job`` (run.googleapis.com/v1)."""
    root = Shape(document, data)
    kind = KNATIVE_KINDS[(root.string("apiVersion") or "", root.string("kind") or "")]
    metadata = root.mapping("metadata", required=True)
    workload_id = metadata.string("name", required=True) or ""
    project = metadata.string("namespace", required=True) or ""
    labels = metadata.labels("labels")
    region = labels.get(LOCATION_LABEL)
    template = root.mapping("spec", required=True).mapping("template", required=True)
    if kind is WorkloadKind.JOB:
        # Job -> execution template -> task template
        template = template.mapping("spec", required=True).mapping("template", required=True)
    pod = template.mapping("spec", required=True)
    explicit = pod.string("serviceAccountName")
    account, unresolved = _identity(project, explicit)
    name = workload_name(project, region, kind, workload_id)
    return Workload(
        name=name,
        kind=kind,
        project=project,
        region=region,
        service_account=account,
        service_account_explicit=explicit is not None,
        containers=_containers(pod, secret_key="valueFrom"),
        location=metadata.location("name", address),
        service_account_location=pod.location("serviceAccountName" if explicit else None, address),
        labels=labels,
        unresolved_default_account=unresolved,
    )


def workload_from_v2(document: Document, data: object, *, address: str | None = None) -> Workload:
    """A Cloud Run Admin API v2 ``Service`` or ``Job`` (``gcloud run ... describe --format=json`` of v2)."""
    root = Shape(document, data)
    full = root.string("name", required=True) or ""
    match = _V2_NAME.match(full)
    if not match:
        raise root.error("expected projects/PROJECT/locations/REGION/services|jobs/NAME", "name")
    kind = WorkloadKind.SERVICE if match["kind"] == "services" else WorkloadKind.JOB
    template = root.mapping("template", required=True)
    if kind is WorkloadKind.JOB:
        template = template.mapping("template", required=True)
    explicit = template.string("serviceAccount")
    project = match["project"]
    account, unresolved = _identity(project, explicit)
    return Workload(
        name=workload_name(project, match["region"], kind, match["id"]),
        kind=kind,
        project=project,
        region=match["region"],
        service_account=account,
        service_account_explicit=explicit is not None,
        containers=_containers(template, secret_key="valueSource"),
        location=root.location("name", address),
        service_account_location=template.location("serviceAccount" if explicit else None, address),
        labels=root.labels("labels"),
        unresolved_default_account=unresolved,
    )


def is_knative(data: object) -> bool:
    return isinstance(data, dict) and (data.get("apiVersion"), data.get("kind")) in KNATIVE_KINDS


def is_v2(data: object) -> bool:
    return (
        isinstance(data, dict)
        and "template" in data
        and isinstance(data.get("name"), str)
        and bool(_V2_NAME.match(data["name"]))
    )


class CloudRunLoader:
    name = "cloud-run"
    description = (
        "Cloud Run services and jobs: Knative YAML (gcloud ... describe --format export), Admin API v2 JSON"
    )

    def claims(self, document: Document) -> bool:
        return is_knative(document.data) or is_v2(document.data)

    def load(self, document: Document, context: LoadContext) -> Iterator[Fact]:
        if is_knative(document.data):
            yield workload_from_knative(document, document.data)
        else:
            yield workload_from_v2(document, document.data)
