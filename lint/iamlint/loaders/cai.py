"""Cloud Asset Inventory assets, in every shape they come in.

- ``gcloud asset export --content-type=resource|iam-policy`` to Cloud Storage: NDJSON, one asset a line,
  snake_case keys (``asset_type``, ``iam_policy``, ``audit_log_configs``, ``log_type`` as enum numbers),
  ``resource.data`` in the API's own camelCase, ``ancestors``, ``update_time``. The two content types come
  as separate files of one scan; the inventory merges what they say about one asset.
- ``gcloud asset list --format=json`` and the REST API's JSON: camelCase keys, log types by name; a JSON
  list, NDJSON, or a ``{"assets": [...]}`` response body.
- ``gcloud asset search-all-iam-policies --format=json`` results (``resource``, ``assetType``, ``project``,
  ``folders``, ``organization``, ``policy``), as a list, NDJSON or a ``{"results": [...]}`` response body.

The live scan (:mod:`iamlint.loaders.cai_live`) turns the API's messages into the export's dict shape and
hands them to :func:`facts_from_asset`, so one mapping serves files and live reads.

``resource.data`` is the owning API's resource, which the gcloud-describe and Cloud Run loaders already
map: those functions are called here rather than written again.

Export lines, the bulk of an organisation, are read by :func:`facts_from_export_line` straight from their
bytes: msgspec decodes each into typed structs of the export's shape, ``resource.data`` only for the types
the model reads. A line it does not take whole goes through :func:`facts_from_asset`, whose checks word
every error; tests hold the two to the same facts.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import msgspec

from iamlint.inventory import FOLDER_TYPE, ORGANIZATION_TYPE, PROJECT_TYPE, derived_parent
from iamlint.loaders import LoadContext
from iamlint.loaders.cloud_run import (
    is_v2,
    workload_from_knative,
    workload_from_knative_json,
    workload_from_v2,
)
from iamlint.loaders.documents import DECODE_ERRORS, Document, NdjsonLine, decode_json, decoded, line_of
from iamlint.loaders.gcloud_policy import PlainPolicy, parse_policy, policy_from_plain
from iamlint.loaders.gcloud_resources import (
    SPANNER_DATABASE_TYPE,
    SPANNER_INSTANCE_TYPE,
    container_from,
    custom_role_from,
    key_from,
    key_from_json,
    project_from,
    service_account_from,
    service_account_from_json,
    spanner_from,
)
from iamlint.loaders.shapes import Shape
from iamlint.model import (
    CRM,
    Fact,
    Resource,
    SourceLocation,
    UnknownAsset,
    Workload,
    WorkloadKind,
    replace,
    short_name,
)

RUN_SERVICE_TYPE = "run.googleapis.com/Service"
RUN_JOB_TYPE = "run.googleapis.com/Job"
SERVICE_ACCOUNT_TYPE = "iam.googleapis.com/ServiceAccount"
SERVICE_ACCOUNT_KEY_TYPE = "iam.googleapis.com/ServiceAccountKey"
ROLE_TYPE = "iam.googleapis.com/Role"
HIERARCHY_TYPES = (ORGANIZATION_TYPE, FOLDER_TYPE, PROJECT_TYPE)

# The asset types whose resource data the model reads; the live scan lists exactly these by default.
MODELLED_TYPES = (
    *HIERARCHY_TYPES,
    SPANNER_INSTANCE_TYPE,
    SPANNER_DATABASE_TYPE,
    RUN_SERVICE_TYPE,
    RUN_JOB_TYPE,
    SERVICE_ACCOUNT_TYPE,
    SERVICE_ACCOUNT_KEY_TYPE,
    ROLE_TYPE,
)

# Content an asset can carry besides resource and IAM policy; such lines say nothing the rules read.
_OTHER_CONTENT = (
    ("org_policy", "orgPolicy", "org-policy"),
    ("access_policy", "accessPolicy", "access-policy"),
    ("access_level", "accessLevel", "access-policy"),
    ("service_perimeter", "servicePerimeter", "access-policy"),
    ("os_inventory", "osInventory", "os-inventory"),
    ("related_assets", "relatedAssets", "relationship"),
    ("related_asset", "relatedAsset", "relationship"),
)


class _Asset(NamedTuple):
    """What every mapping of one asset needs besides its resource data."""

    document: Document
    name: str
    asset_type: str
    parent: str | None
    ancestors: tuple[str, ...]


def _hierarchy(shape: Shape, asset: _Asset) -> Iterator[Fact]:
    if asset.asset_type == PROJECT_TYPE:
        resource = project_from(shape, asset.name, name=asset.name)
    else:
        resource = container_from(shape, asset.asset_type, asset.name)
    yield replace(
        resource, name=asset.name, parent=asset.parent or resource.parent, ancestors=asset.ancestors
    )


def _spanner(shape: Shape, asset: _Asset) -> Iterator[Fact]:
    resource = spanner_from(shape, asset.asset_type, asset.name)
    yield replace(resource, name=asset.name, parent=asset.parent, ancestors=asset.ancestors)


def _cloud_run(shape: Shape, asset: _Asset) -> Iterator[Fact]:
    # CAI carries Cloud Run services and jobs in the Knative shape (metadata.namespace = project number);
    # the asset name gives the project id, so findings name the workload as the inventory does.
    if is_v2(shape.node):
        workload = workload_from_v2(asset.document, shape.node, address=asset.name)
    else:
        workload = workload_from_knative(asset.document, shape.node, address=asset.name)
    return _run_facts(workload, asset)


def _run_facts(workload: Workload, asset: _Asset) -> Iterator[Fact]:
    yield replace(workload, name=asset.name)
    # The workload is also a node of the hierarchy: its own policy (run.invoker) and its ancestors.
    yield Resource(
        name=asset.name,
        asset_type=asset.asset_type,
        parent=asset.parent,
        location=workload.location,
        ancestors=asset.ancestors,
    )


def _service_account(shape: Shape, asset: _Asset) -> Iterator[Fact]:
    yield service_account_from(shape, asset.name)


def _key(shape: Shape, asset: _Asset) -> Iterator[Fact]:
    yield key_from(shape, asset.name)


def _cloud_run_json(text: bytes, asset: _Asset, location: SourceLocation) -> list[Fact] | None:
    kind = WorkloadKind.SERVICE if asset.asset_type == RUN_SERVICE_TYPE else WorkloadKind.JOB
    workload = workload_from_knative_json(asset.document, text, kind, address=asset.name)
    return None if workload is None else list(_run_facts(workload, asset))


def _service_account_json(text: bytes, asset: _Asset, location: SourceLocation) -> list[Fact] | None:
    account = service_account_from_json(text, location)
    return None if account is None else [account]


def _key_json(text: bytes, asset: _Asset, location: SourceLocation) -> list[Fact] | None:
    key = key_from_json(text, location)
    return None if key is None else [key]


# Types whose resource data an export line can map straight from its JSON text (no dict, no Shape): the
# most numerous modelled assets of an organisation. None from one of these sends the line the usual way.
_JSON_MAPPINGS: dict[str, Callable[[bytes, _Asset, SourceLocation], list[Fact] | None]] = {
    RUN_SERVICE_TYPE: _cloud_run_json,
    RUN_JOB_TYPE: _cloud_run_json,
    SERVICE_ACCOUNT_TYPE: _service_account_json,
    SERVICE_ACCOUNT_KEY_TYPE: _key_json,
}


def _role(shape: Shape, asset: _Asset) -> Iterator[Fact]:
    yield custom_role_from(shape, asset.name)


_MAPPINGS: dict[str, Callable[[Shape, _Asset], Iterator[Fact]]] = {
    ORGANIZATION_TYPE: _hierarchy,
    FOLDER_TYPE: _hierarchy,
    PROJECT_TYPE: _hierarchy,
    SPANNER_INSTANCE_TYPE: _spanner,
    SPANNER_DATABASE_TYPE: _spanner,
    RUN_SERVICE_TYPE: _cloud_run,
    RUN_JOB_TYPE: _cloud_run,
    SERVICE_ACCOUNT_TYPE: _service_account,
    SERVICE_ACCOUNT_KEY_TYPE: _key,
    ROLE_TYPE: _role,
}


class _Interner:
    """One copy of each ancestors chain: an org export repeats a few thousand chains on every line."""

    def __init__(self) -> None:
        self._chains: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._texts: dict[bytes, tuple[str, ...]] = {}

    def known(self, ancestors: Sequence[Any]) -> tuple[str, ...] | None:
        """The shared copy of a chain met before (so already checked), else None."""
        try:
            return self._chains.get(tuple(ancestors))
        except TypeError:  # an unhashable item: not a chain of strings, let the checks say so
            return None

    def chain(self, ancestors: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
        """The shared copy, and whether this is the first time the chain is met."""
        known = self._chains.get(ancestors)
        if known is not None:
            return known, False
        known = tuple(sys.intern(a) for a in ancestors)
        self._chains[known] = known
        return known, True

    def known_text(self, text: bytes) -> tuple[str, ...] | None:
        """The shared copy of the chain whose JSON text this is, met before on an export line.

        Looked up by the text: hashing it is cheaper than decoding and hashing a fresh string per item, and
        a million export lines repeat a few thousand chains."""
        return self._texts.get(text)

    def remember_text(self, text: bytes, chain: tuple[str, ...]) -> None:
        self._texts[text] = chain


_CONTAINER_TYPES = {"organizations": ORGANIZATION_TYPE, "folders": FOLDER_TYPE, "projects": PROJECT_TYPE}


def _chain_facts(ancestors: tuple[str, ...]) -> Iterator[Fact]:
    """Each ancestor's parent, as the chain says: the hierarchy is known even where no file describes the
    folders between an asset and its organization (an iam-policy export of one project, search results)."""
    for child, parent in itertools.pairwise(ancestors):
        kind = _CONTAINER_TYPES.get(child.partition("/")[0])
        if kind is not None:
            # No location: the asset that describes the ancestor itself, if read, gives it.
            yield Resource(name=CRM + child, asset_type=kind, parent=CRM + parent)


def _ancestors(shape: Shape, interner: _Interner) -> tuple[tuple[str, ...], bool]:
    raw = shape.raw("ancestors")
    if isinstance(raw, list):
        known = interner.known(raw)
        if known is not None:
            return known, False
        # A new chain: checked in one pass; Shape explains anything else.
        if all(isinstance(item, str) for item in raw):
            return interner.chain(tuple(raw))
    return interner.chain(tuple(value for value, _ in shape.strings("ancestors")))


def _asset_fields(shape: Shape) -> tuple[str, str, Shape | None, Shape | None]:
    """Name, type, resource and IAM policy of an asset, each checked."""
    data = shape.node
    if isinstance(data, dict):
        # The well-formed case in one pass: an org export has millions of lines.
        name = data.get("name")
        asset_type = data.get("asset_type", data.get("assetType"))
        resource = data.get("resource")
        policy_key = "iam_policy" if "iam_policy" in data else "iamPolicy"
        policy = data.get(policy_key)
        if (
            isinstance(name, str)
            and name.startswith("//")
            and isinstance(asset_type, str)
            and (resource is None or isinstance(resource, dict))
            and (policy is None or isinstance(policy, dict))
        ):
            return (
                name,
                sys.intern(asset_type),
                None if resource is None else Shape(shape.document, resource, "resource"),
                None if policy is None else Shape(shape.document, policy, policy_key),
            )
    # Something is off: Shape says what, with the key path and the line.
    name = shape.string("name", required=True) or ""
    if not name.startswith("//"):
        raise shape.error(
            f"expected a full resource name such as //cloudresourcemanager.googleapis.com/projects/P, "
            f"got {name!r}",
            "name",
        )
    return (
        name,
        shape.string("asset_type", "assetType", required=True) or "",
        shape.mapping("resource") if shape.raw("resource") is not None else None,
        shape.mapping("iam_policy", "iamPolicy")
        if shape.raw("iam_policy", "iamPolicy") is not None
        else None,
    )


def facts_from_asset(document: Document, data: Any, interner: _Interner | None = None) -> Iterator[Fact]:
    """Facts of one asset (export NDJSON line, ``gcloud asset list`` item, or live API message as a dict)."""
    asset_shape = Shape(document, data)
    interner = interner or _Interner()
    name, asset_type, resource, policy = _asset_fields(asset_shape)
    ancestors, fresh = _ancestors(asset_shape, interner)
    if fresh:
        yield from _chain_facts(ancestors)
    location = asset_shape.location("name", name)
    if resource is not None:
        mapping = _MAPPINGS.get(asset_type)
        if mapping is None:
            yield UnknownAsset(asset_type, name, location)
        else:
            parent = resource.string("parent") or derived_parent(name)
            asset = _Asset(document, name, asset_type, parent, ancestors)
            yield from mapping(resource.mapping("data", required=True), asset)
    if policy is not None:
        if resource is None:
            yield _policy_holder(name, asset_type, location, ancestors)
        parsed, notices = parse_policy(policy, name, address=name)
        yield from notices
        yield parsed
    if resource is None and policy is None:
        content = next(
            (label for snake, camel, label in _OTHER_CONTENT if asset_shape.has(snake, camel)), "no"
        )
        yield UnknownAsset(f"{asset_type} ({content} content)", name, location)


def _policy_holder(
    name: str, asset_type: str, location: SourceLocation, ancestors: tuple[str, ...]
) -> Resource:
    # The iam-policy export names the resource and its place in the hierarchy; that is all the inventory
    # needs to apply inheritance, whether or not the resource export is read too.
    return Resource(
        name=name, asset_type=asset_type, parent=derived_parent(name), location=location, ancestors=ancestors
    )


# msgspec.Raw cannot be part of a union: an empty Raw stands for an absent key.
_ABSENT = msgspec.Raw(b"")


class _ExportResource(msgspec.Struct):
    parent: str | None = None
    data: msgspec.Raw = _ABSENT


class _ExportAsset(msgspec.Struct):
    """An asset line as ``gcloud asset export`` writes it; ``resource.data`` is left undecoded, since most
    of an organisation's assets are of types the model does not read."""

    name: str
    asset_type: str
    # Kept as text: interned by it (see _Interner.known_text) and decoded only the first time.
    ancestors: msgspec.Raw = _ABSENT
    resource: _ExportResource | None = None
    iam_policy: PlainPolicy | None = None
    # The API's camelCase spellings: a line that uses them takes the general path, which knows both.
    assetType: msgspec.Raw = _ABSENT
    iamPolicy: msgspec.Raw = _ABSENT


_decode_export_asset = msgspec.json.Decoder(_ExportAsset).decode


def facts_from_export_line(line: NdjsonLine, interner: _Interner) -> list[Fact] | None:
    """Facts of one well-formed export line read straight from its bytes, or None: anything unusual
    (another shape, a wrong type, no content, bad UTF-8) goes the general way, whose errors say what."""
    raw = line.raw
    # decoded() and _is_export_line() written out: this runs once per line of an export.
    try:
        asset = _decode_export_asset(raw)
    except DECODE_ERRORS:
        return None
    if (
        asset.assetType
        or asset.iamPolicy
        or not asset.name.startswith("//")
        or (asset.resource is None) == (asset.iam_policy is None)
        or not (raw.isascii() or _is_utf8(raw))
    ):
        return None
    text = bytes(asset.ancestors)
    shared = interner.known_text(text)
    chain = shared or _chain_of(text)
    if chain is None:
        return None
    facts = _export_facts(asset, chain, line)
    if facts is None or shared is not None:
        return facts
    ancestors, fresh = interner.chain(chain)
    interner.remember_text(text, ancestors)
    if not fresh:
        return facts
    # The first asset of its ancestors chain: what the chain says comes first, as on the general path.
    return [*_chain_facts(ancestors), *facts]


_decode_chain = msgspec.json.Decoder(tuple[str, ...]).decode


def _chain_of(text: bytes) -> tuple[str, ...] | None:
    """The ancestors in an export line's JSON text (none when the key is absent), or None if not strings."""
    return decoded(_decode_chain, text) if text else ()


def _export_facts(asset: _ExportAsset, ancestors: tuple[str, ...], line: NdjsonLine) -> list[Fact] | None:
    name = asset.name
    location = SourceLocation(line.path, line.number, name)
    if asset.iam_policy is not None:
        policy = policy_from_plain(asset.iam_policy, name, location)
        if policy is None:
            return None
        return [_policy_holder(name, sys.intern(asset.asset_type), location, ancestors), policy]
    resource = asset.resource
    if resource is None:  # not after the line's checks; said for the type checker
        return None
    data = resource.data
    asset_type = asset.asset_type
    if asset_type not in _MAPPINGS:
        # Most of an organisation: a resource of a type no rule reads, only counted (by type, so the
        # name needs no interning).
        return [UnknownAsset(asset_type, name, location)]
    asset_type = sys.intern(asset_type)
    if not data:
        return None
    document = Document(line.path, None, line.number, "ndjson")
    parent = resource.parent or derived_parent(name)
    mapped = _Asset(document, name, asset_type, parent, ancestors)
    from_json = _JSON_MAPPINGS.get(asset_type)
    facts = from_json(data, mapped, location) if from_json else None
    if facts is None:
        node = decode_json(data)
        if not isinstance(node, dict):
            return None
        facts = list(_MAPPINGS[asset_type](Shape(document, node, "resource.data"), mapped))
    return facts


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def facts_from_search_result(
    document: Document, data: Any, interner: _Interner | None = None
) -> Iterator[Fact]:
    """One ``search-all-iam-policies`` result: a policy with the project/folders/organization above it."""
    result = Shape(document, data)
    interner = interner or _Interner()
    name = result.string("resource", required=True) or ""
    if not name.startswith("//"):
        raise result.error(f"expected a full resource name, got {name!r}", "resource")
    asset_type = sys.intern(result.string("assetType", "asset_type", required=True) or "")
    # Rebuild CAI's ancestors (nearest first; a container lists itself first) from the result's fields.
    chain = [result.string("project") or ""]
    chain += [folder for folder, _ in result.strings("folders")]
    chain.append(result.string("organization") or "")
    ancestors = [item for item in chain if item]
    own = short_name(name)
    if asset_type in (FOLDER_TYPE, ORGANIZATION_TYPE) and (not ancestors or ancestors[0] != own):
        ancestors = [own, *(item for item in ancestors if item != own)]
    shared, fresh = interner.chain(tuple(ancestors))
    location = result.location("resource", name)
    if fresh:
        yield from _chain_facts(shared)
    yield Resource(
        name=name,
        asset_type=asset_type,
        parent=derived_parent(name),
        location=location,
        ancestors=shared,
    )
    parsed, notices = parse_policy(result.mapping("policy", required=True), name, address=name)
    yield from notices
    yield parsed


def is_asset(data: object) -> bool:
    return isinstance(data, dict) and "name" in data and ("asset_type" in data or "assetType" in data)


def is_search_result(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("resource"), str)
        and "policy" in data
        and ("assetType" in data or "asset_type" in data)
    )


def _response_items(data: object) -> tuple[str, list[Any]] | None:
    """A REST response body: ``{"assets": [...]}`` (assets.list) or ``{"results": [...]}`` (search)."""
    if not isinstance(data, dict):
        return None
    for key, test in (("assets", is_asset), ("results", is_search_result)):
        items = data.get(key)
        if isinstance(items, list) and (not items or test(items[0])):
            return key, items
    return None


class CaiLoader:
    name = "cloud-asset-inventory"
    description = (
        "Cloud Asset Inventory: gcloud asset export NDJSON (resource and iam-policy), gcloud asset list "
        "and API JSON, search-all-iam-policies results"
    )

    def __init__(self) -> None:
        self._interner = _Interner()

    def claims(self, document: Document) -> bool:
        data = document.data
        return is_asset(data) or is_search_result(data) or _response_items(data) is not None

    def load_line(self, line: NdjsonLine, context: LoadContext) -> list[Fact] | None:
        return facts_from_export_line(line, self._interner)

    def load(self, document: Document, context: LoadContext) -> Iterator[Fact]:
        data = document.data
        if is_asset(data):
            yield from facts_from_asset(document, data, self._interner)
            return
        response = _response_items(data)
        if response is not None:
            key, items = response
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise Shape(document, items, key).error("expected a mapping", index)
                line = line_of(items, index) or document.line
                yield from self.load(Document(document.path, item, line, document.source_format), context)
            return
        yield from facts_from_search_result(document, data, self._interner)
