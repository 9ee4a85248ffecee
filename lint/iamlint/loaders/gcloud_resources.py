"""Resources as gcloud describes them (``--format=json``/YAML): projects, service accounts, keys, custom
roles, Spanner instances and databases.

These are the API's own resource shapes, which is also what Cloud Asset Inventory puts in an asset's
``resource.data``: the asset loader calls the ``*_from`` functions here for those asset types, so one
mapping serves files and exports alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from iamlint.inventory import FOLDER_TYPE, ORGANIZATION_TYPE, PROJECT_TYPE
from iamlint.loaders import LoadContext
from iamlint.loaders.documents import Document
from iamlint.loaders.shapes import Shape
from iamlint.model import (
    CRM,
    PROJECT_PREFIX,
    CustomRole,
    Fact,
    Resource,
    ServiceAccount,
    ServiceAccountKey,
)

SPANNER_INSTANCE_TYPE = "spanner.googleapis.com/Instance"
SPANNER_DATABASE_TYPE = "spanner.googleapis.com/Database"

_SA_NAME = re.compile(r"^projects/(?P<project>[^/]+)/serviceAccounts/(?P<email>[^/]+)$")
_KEY_NAME = re.compile(r"^projects/(?P<project>[^/]+)/serviceAccounts/(?P<email>[^/]+)/keys/[^/]+$")
_ROLE_NAME = re.compile(r"^(projects|organizations)/[^/]+/roles/[^/]+$")
_INSTANCE_NAME = re.compile(r"^projects/[^/]+/instances/[^/]+$")
_DATABASE_NAME = re.compile(r"^projects/[^/]+/instances/[^/]+/databases/[^/]+$")
_PARENT_TYPES = {"organization": "organizations", "folder": "folders", "project": "projects"}


def project_from(shape: Shape, address: str | None = None, name: str | None = None) -> Resource:
    """``gcloud projects describe`` / Cloud Resource Manager v1 or v3 Project."""
    project_id = shape.string("projectId", required=True) or ""
    number = shape.string("projectNumber")
    parent: str | None = None
    raw_parent = shape.raw("parent")
    if isinstance(raw_parent, dict):
        # v1: {"type": "organization", "id": "123"}
        parent_shape = shape.mapping("parent")
        kind = _PARENT_TYPES.get(parent_shape.string("type") or "")
        if kind:
            parent = f"{CRM}{kind}/{parent_shape.string('id', required=True)}"
    elif isinstance(raw_parent, str) and raw_parent:
        parent = CRM + raw_parent  # v3: "folders/456"
    return Resource(
        name=name or PROJECT_PREFIX + project_id,
        asset_type=PROJECT_TYPE,
        parent=parent,
        labels=shape.labels("labels"),
        location=shape.location("projectId", address),
        project_id=project_id,
        project_number=number,
    )


def container_from(shape: Shape, asset_type: str, address: str | None = None) -> Resource:
    """A folder or organization (Cloud Resource Manager), named ``folders/N`` / ``organizations/N``."""
    name = shape.string("name", required=True) or ""
    parent = shape.string("parent")
    return Resource(
        name=CRM + name,
        asset_type=asset_type,
        parent=CRM + parent if parent else None,
        location=shape.location("name", address),
    )


def service_account_from(shape: Shape, address: str | None = None) -> ServiceAccount:
    """``gcloud iam service-accounts describe|list`` / IAM ServiceAccount."""
    email = (shape.string("email", required=True) or "").lower()
    name = shape.string("name")
    match = _SA_NAME.match(name or "")
    project = shape.string("projectId") or (match["project"] if match else None)
    return ServiceAccount(
        email=email,
        project=project,
        name=f"//iam.googleapis.com/{name}" if name else None,
        display_name=shape.string("displayName"),
        disabled=shape.raw("disabled") is True,
        location=shape.location("email", address),
    )


def key_from(shape: Shape, address: str | None = None) -> ServiceAccountKey:
    """``gcloud iam service-accounts keys list`` / IAM ServiceAccountKey."""
    name = shape.string("name", required=True) or ""
    match = _KEY_NAME.match(name)
    if not match:
        raise shape.error("expected projects/PROJECT/serviceAccounts/EMAIL/keys/KEY", "name")
    return ServiceAccountKey(
        name=f"//iam.googleapis.com/{name}",
        service_account=match["email"].lower(),
        key_type=shape.string("keyType") or "KEY_TYPE_UNSPECIFIED",
        location=shape.location("keyType" if shape.has("keyType") else "name", address),
        valid_after=shape.string("validAfterTime"),
        disabled=shape.raw("disabled") is True,
    )


def custom_role_from(shape: Shape, address: str | None = None) -> CustomRole:
    """``gcloud iam roles describe|list --project|--organization`` / IAM Role."""
    return CustomRole(
        name=shape.string("name", required=True) or "",
        permissions=frozenset(permission for permission, _ in shape.strings("includedPermissions")),
        title=shape.string("title"),
        stage=shape.string("stage"),
        location=shape.location("includedPermissions", address),
        deleted=shape.raw("deleted") is True,
    )


def spanner_from(shape: Shape, asset_type: str, address: str | None = None) -> Resource:
    """``gcloud spanner instances|databases describe`` / Spanner Instance or Database."""
    name = shape.string("name", required=True) or ""
    return Resource(
        name=f"//spanner.googleapis.com/{name}",
        asset_type=asset_type,
        labels=shape.labels("labels"),
        location=shape.location("name", address),
    )


def _name(data: dict[str, object]) -> str:
    value = data.get("name")
    return value if isinstance(value, str) else ""


def _kind(data: object) -> Callable[[Shape], Fact] | None:
    """Which mapping a document needs, judged by the keys and the name pattern the API always prints."""
    if not isinstance(data, dict):
        return None
    name = _name(data)
    if "projectId" in data and "projectNumber" in data and "email" not in data:
        return project_from
    if "email" in data and "uniqueId" in data and _SA_NAME.match(name):
        return service_account_from
    if _KEY_NAME.match(name) and ("keyType" in data or "keyAlgorithm" in data):
        return key_from
    if _ROLE_NAME.match(name) and "includedPermissions" in data:
        return custom_role_from
    if _INSTANCE_NAME.match(name) and ("config" in data or "nodeCount" in data or "processingUnits" in data):
        return lambda shape: spanner_from(shape, SPANNER_INSTANCE_TYPE)
    if _DATABASE_NAME.match(name) and ("state" in data or "databaseDialect" in data):
        return lambda shape: spanner_from(shape, SPANNER_DATABASE_TYPE)
    if re.match(r"^folders/\d+$", name) and "displayName" in data:
        return lambda shape: container_from(shape, FOLDER_TYPE)
    if re.match(r"^organizations/\d+$", name) and "displayName" in data:
        return lambda shape: container_from(shape, ORGANIZATION_TYPE)
    return None


class GcloudResourceLoader:
    name = "gcloud-resources"
    description = (
        "gcloud describe/list output of projects, service accounts, keys, custom roles, folders, "
        "organizations and Spanner instances and databases"
    )

    def claims(self, document: Document) -> bool:
        return _kind(document.data) is not None

    def load(self, document: Document, context: LoadContext) -> Iterator[Fact]:
        mapping = _kind(document.data)
        if mapping is not None:
            yield mapping(Shape(document, document.data))
