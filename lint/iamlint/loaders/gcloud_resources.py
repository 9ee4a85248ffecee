"""Resources as gcloud describes them (``--format=json``/YAML): projects, service accounts, keys, custom
roles, Spanner instances and databases.

These are the API's own resource shapes, which is also what Cloud Asset Inventory puts in an asset's
``resource.data``: the asset loader calls the ``*_from`` functions here for those asset types, so one
mapping serves files and exports alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from iamlint.inventory import FOLDER_TYPE, ORGANIZATION_TYPE, PROJECT_TYPE
from iamlint.loaders import LoadContext
from iamlint.loaders.documents import Document, decoded
from iamlint.loaders.shapes import Shape
from iamlint.model import (
    CRM,
    PROJECT_PREFIX,
    CustomRole,
    Fact,
    Resource,
    ServiceAccount,
    ServiceAccountKey,
    SourceLocation,
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
    return _service_account(
        email=shape.string("email", required=True) or "",
        name=shape.string("name"),
        project_id=shape.string("projectId"),
        display_name=shape.string("displayName"),
        disabled=shape.raw("disabled") is True,
        location=shape.location("email", address),
    )


def _service_account(
    *,
    email: str,
    name: str | None,
    project_id: str | None,
    display_name: str | None,
    disabled: bool,
    location: SourceLocation,
) -> ServiceAccount:
    match = _SA_NAME.match(name or "")
    return ServiceAccount(
        email=email.lower(),
        project=project_id or (match["project"] if match else None),
        name=f"//iam.googleapis.com/{name}" if name else None,
        display_name=display_name,
        disabled=disabled,
        location=location,
    )


def key_from(shape: Shape, address: str | None = None) -> ServiceAccountKey:
    """``gcloud iam service-accounts keys list`` / IAM ServiceAccountKey."""
    name = shape.string("name", required=True) or ""
    key = _key(
        name=name,
        key_type=shape.string("keyType"),
        valid_after=shape.string("validAfterTime"),
        disabled=shape.raw("disabled") is True,
        location=shape.location("keyType" if shape.has("keyType") else "name", address),
    )
    if key is None:
        raise shape.error("expected projects/PROJECT/serviceAccounts/EMAIL/keys/KEY", "name")
    return key


def _key(
    *, name: str, key_type: str | None, valid_after: str | None, disabled: bool, location: SourceLocation
) -> ServiceAccountKey | None:
    match = _KEY_NAME.match(name)
    if not match:
        return None
    return ServiceAccountKey(
        name=f"//iam.googleapis.com/{name}",
        service_account=match["email"].lower(),
        key_type=key_type or "KEY_TYPE_UNSPECIFIED",
        location=location,
        valid_after=valid_after,
        disabled=disabled,
    )


# Accounts and keys as the IAM API gives them, for resource data read straight from an export's JSON
# text: an organisation has hundreds of thousands. Data that does not fit takes the checked path.


class _PlainServiceAccount(msgspec.Struct):
    email: str
    name: str | None = None
    projectId: str | None = None
    displayName: str | None = None
    disabled: Any = None


class _PlainKey(msgspec.Struct):
    name: str
    keyType: str | None = None
    validAfterTime: str | None = None
    disabled: Any = None


_decode_account = msgspec.json.Decoder(_PlainServiceAccount).decode
_decode_key = msgspec.json.Decoder(_PlainKey).decode


def service_account_from_json(text: bytes, location: SourceLocation) -> ServiceAccount | None:
    """The account in an IAM ServiceAccount's JSON text, or None when the checked path must read it."""
    plain = decoded(_decode_account, text)
    if plain is None:
        return None
    return _service_account(
        email=plain.email,
        name=plain.name,
        project_id=plain.projectId,
        display_name=plain.displayName,
        disabled=plain.disabled is True,
        location=location,
    )


def key_from_json(text: bytes, location: SourceLocation) -> ServiceAccountKey | None:
    """The key in an IAM ServiceAccountKey's JSON text, or None when the checked path must read it."""
    plain = decoded(_decode_key, text)
    if plain is None:
        return None
    return _key(
        name=plain.name,
        key_type=plain.keyType,
        valid_after=plain.validAfterTime,
        disabled=plain.disabled is True,
        location=location,
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
