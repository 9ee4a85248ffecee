"""Cloud Run services and jobs: Knative YAML/JSON (``gcloud run services|jobs describe --format export``,
and the resource data of Cloud Run assets) and Cloud Run Admin API v2 JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from iamlint.loaders import LoadContext
from iamlint.loaders.documents import Document, decoded
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


def _containers(spec: Shape, *, secret_key: str) -> tuple[Container, ...]:
    return tuple(
        Container(
            name=container.string("name"),
            image=container.string("image"),
            env=_env(container, secret_key=secret_key),
        )
        for container in spec.items("containers")
    )


def build_workload(
    kind: WorkloadKind,
    project: str,
    region: str | None,
    workload_id: str,
    explicit: str | None,
    containers: tuple[Container, ...],
    labels: dict[str, str],
    location: SourceLocation,
    service_account_location: SourceLocation | None,
) -> Workload:
    """A workload with the identity it runs as; every loader of Cloud Run specs builds it here."""
    account, unresolved = _identity(project, explicit)
    return Workload(
        name=workload_name(project, region, kind, workload_id),
        kind=kind,
        project=project,
        region=region,
        service_account=account,
        service_account_explicit=explicit is not None,
        containers=containers,
        location=location,
        service_account_location=service_account_location,
        labels=labels,
        unresolved_default_account=unresolved,
    )


def workload_from_knative(document: Document, data: object, *, address: str | None = None) -> Workload:
    """A Knative ``Service`` (serving.knative.dev/v1) or Cloud Run ``Job`` (run.googleapis.com/v1)."""
    if type(data) is dict:
        # Read without line numbers (an asset export): the plain shape first.
        workload = _plain_knative(document, data, address)
        if workload is not None:
            return workload
    return _checked_knative(document, data, address)


def _checked_knative(document: Document, data: object, address: str | None) -> Workload:
    root = Shape(document, data)
    kind = KNATIVE_KINDS[(root.string("apiVersion") or "", root.string("kind") or "")]
    metadata = root.mapping("metadata", required=True)
    labels = metadata.labels("labels")
    template = root.mapping("spec", required=True).mapping("template", required=True)
    if kind is WorkloadKind.JOB:
        # Job -> execution template -> task template
        template = template.mapping("spec", required=True).mapping("template", required=True)
    pod = template.mapping("spec", required=True)
    explicit = pod.string("serviceAccountName")
    return build_workload(
        kind,
        project=metadata.string("namespace", required=True) or "",
        region=labels.get(LOCATION_LABEL),
        workload_id=metadata.string("name", required=True) or "",
        explicit=explicit,
        containers=_containers(pod, secret_key="valueFrom"),
        labels=labels,
        location=metadata.location("name", address),
        service_account_location=pod.location("serviceAccountName" if explicit else None, address),
    )


# The Knative shape with every value of the type the Cloud Run API gives it, checked by msgspec in C.
# An organisation has tens of thousands of services, and a Shape per key was most of their cost; a spec
# that does not fit takes the checked path, whose errors name the key and line. UNSET tells a key that
# is absent from one that is null, where the checked path tells them apart too.


class _PlainSecretRef(msgspec.Struct):
    name: str | msgspec.UnsetType | None = msgspec.UNSET
    secret: str | msgspec.UnsetType | None = msgspec.UNSET
    key: str | msgspec.UnsetType | None = msgspec.UNSET
    version: str | msgspec.UnsetType | None = msgspec.UNSET


class _PlainValueSource(msgspec.Struct):
    secretKeyRef: _PlainSecretRef | msgspec.UnsetType | None = msgspec.UNSET


class _PlainEnvVar(msgspec.Struct):
    name: str
    value: str | None = None
    valueFrom: _PlainValueSource | None = None


class _PlainContainer(msgspec.Struct):
    name: str | None = None
    image: str | None = None
    env: list[_PlainEnvVar] | None = None


class _PlainPod(msgspec.Struct):
    serviceAccountName: str | None = None
    containers: list[_PlainContainer] | None = None


class _PlainTemplate(msgspec.Struct):
    spec: _PlainPod


class _PlainServiceSpec(msgspec.Struct):
    template: _PlainTemplate


class _PlainExecutionSpec(msgspec.Struct):
    template: _PlainTemplate


class _PlainExecutionTemplate(msgspec.Struct):
    spec: _PlainExecutionSpec


class _PlainJobSpec(msgspec.Struct):
    template: _PlainExecutionTemplate


class _PlainMetadata(msgspec.Struct):
    name: str
    namespace: str
    labels: dict[str, str] | None = None


class _PlainService(msgspec.Struct):
    metadata: _PlainMetadata
    spec: _PlainServiceSpec
    apiVersion: str = ""
    kind: str = ""


class _PlainJob(msgspec.Struct):
    metadata: _PlainMetadata
    spec: _PlainJobSpec
    apiVersion: str = ""
    kind: str = ""


_PLAIN_KINDS: dict[WorkloadKind, type[_PlainService | _PlainJob]] = {
    WorkloadKind.SERVICE: _PlainService,
    WorkloadKind.JOB: _PlainJob,
}
_JSON_DECODERS = {kind: msgspec.json.Decoder(struct) for kind, struct in _PLAIN_KINDS.items()}


def _plain_knative(document: Document, data: dict[str, Any], address: str | None) -> Workload | None:
    kind = KNATIVE_KINDS.get((data.get("apiVersion", ""), data.get("kind", "")))
    if kind is None:
        return None
    try:
        plain = msgspec.convert(data, _PLAIN_KINDS[kind])
    except msgspec.ValidationError:
        return None
    return _workload_from_plain(document, kind, plain, address)


def workload_from_knative_json(
    document: Document, text: bytes, kind: WorkloadKind, address: str | None = None
) -> Workload | None:
    """A Knative spec of ``kind`` straight from its JSON text (an asset's resource.data), when it has the
    plain shape; None otherwise, and the caller takes the checked path."""
    plain = decoded(_JSON_DECODERS[kind].decode, text)
    if plain is None or KNATIVE_KINDS.get((plain.apiVersion, plain.kind)) is not kind:
        return None
    return _workload_from_plain(document, kind, plain, address)


def _workload_from_plain(
    document: Document, kind: WorkloadKind, plain: _PlainService | _PlainJob, address: str | None
) -> Workload:
    metadata = plain.metadata
    pod = (
        plain.spec.template.spec
        if isinstance(plain, _PlainService)
        else plain.spec.template.spec.template.spec
    )
    path = document.path or None
    location = SourceLocation(path, document.line, address)
    env_location = SourceLocation(path, document.line)
    labels = metadata.labels or {}
    return build_workload(
        kind,
        project=metadata.namespace,
        region=labels.get(LOCATION_LABEL),
        workload_id=metadata.name,
        explicit=pod.serviceAccountName,
        containers=tuple(
            Container(
                name=container.name,
                image=container.image,
                env=tuple(_plain_env_var(variable, env_location) for variable in container.env or ()),
            )
            for container in pod.containers or ()
        ),
        labels=labels,
        location=location,
        service_account_location=location,
    )


def _plain_env_var(variable: _PlainEnvVar, location: SourceLocation) -> EnvVar:
    secret_ref = None
    source = variable.valueFrom
    if source is not None and source.secretKeyRef is not msgspec.UNSET:
        ref = source.secretKeyRef or _PlainSecretRef()
        secret_ref = _secret_ref(_first_set(ref.name, ref.secret), _first_set(ref.key, ref.version))
    return EnvVar(name=variable.name, value=variable.value, secret_ref=secret_ref, location=location)


def _first_set(*values: str | msgspec.UnsetType | None) -> str | None:
    """Shape.string's choice among spellings: the first key present, whatever its value."""
    for value in values:
        if value is not msgspec.UNSET:
            return value
    return None


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
    return build_workload(
        kind,
        project=match["project"],
        region=match["region"],
        workload_id=match["id"],
        explicit=explicit,
        containers=_containers(template, secret_key="valueSource"),
        labels=root.labels("labels"),
        location=root.location("name", address),
        service_account_location=template.location("serviceAccount" if explicit else None, address),
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
