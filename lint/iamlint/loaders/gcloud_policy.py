"""gcloud ``get-iam-policy`` output (``--format=json`` and the default YAML), and IAM policy mappings in
general: the asset and Terraform loaders call :func:`parse_policy` for the policies they carry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iamlint.loaders import LoadContext
from iamlint.loaders.documents import Document
from iamlint.loaders.shapes import Locations, Shape
from iamlint.model import (
    LOG_TYPES,
    UNBOUND_PROJECT_PREFIX,
    AuditConfig,
    AuditLogConfig,
    Binding,
    Condition,
    Fact,
    Notice,
    Policy,
    Principal,
)

POLICY_KEYS = frozenset({"version", "etag", "bindings", "auditConfigs"})
# A version-1 read of a policy with conditions returns roles such as roles/x_withcond_2f1e3a...
_WITHCOND = re.compile(r"^(?P<role>.+)_withcond_[0-9a-f]+$")


def _log_type(shape: Shape) -> str:
    raw = shape.raw("logType", "log_type")
    name = log_type_name(raw)
    if name is None:
        raise shape.error(
            f"expected a log type ({', '.join(LOG_TYPES.values())} or 0-3), got {raw!r}", "logType"
        )
    return name


def log_type_name(raw: object) -> str | None:
    """ADMIN_READ, DATA_WRITE... for a log type given by name or by enum number (asset exports)."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw in LOG_TYPES:
        return LOG_TYPES[raw]
    if isinstance(raw, str) and raw in LOG_TYPES.values():
        return raw
    if isinstance(raw, str) and raw.isdigit() and int(raw) in LOG_TYPES:
        return LOG_TYPES[int(raw)]
    return None


# One Principal per member string: an organisation's policies name the same few thousand members millions
# of times, and the inventory's memory should grow with the principals, not with the grants.
_PRINCIPALS: dict[str, Principal] = {}
_PRINCIPALS_LIMIT = 1_000_000


def principal(member: str) -> Principal:
    known = _PRINCIPALS.get(member)
    if known is None:
        known = Principal.parse(member)
        if len(_PRINCIPALS) < _PRINCIPALS_LIMIT:
            _PRINCIPALS[member] = known
    return known


def _plain_bindings(
    shape: Shape, resource: str, version: int | None, located: Locations
) -> list[Binding] | None:
    """The bindings of a policy read without line numbers (an asset export line) when every one is a plain
    role and members: an organisation has millions, and a Shape per binding and member is most of their
    cost. None when any binding needs a closer look (a condition, a wrong type): the general path does it."""
    items = shape.raw("bindings")
    if type(items) is not list:
        return [] if items is None else None
    location = located.at(shape.document.line)
    bindings = []
    for item in items:
        if type(item) is not dict or "condition" in item:
            return None
        role = item.get("role")
        members = item.get("members")
        if (
            type(role) is not str
            or "_withcond_" in role
            or type(members) is not list
            or not members
            or not all(type(member) is str for member in members)
        ):
            return None
        bindings.append(
            Binding(
                resource=resource,
                role=role,
                members=tuple(map(principal, members)),
                location=location,
                member_locations=(location,) * len(members),
                policy_version=version,
            )
        )
    return bindings


def _binding(
    item: Shape, resource: str, version: int | None, located: Locations, notices: list[Notice]
) -> Binding:
    role = item.string("role", required=True) or ""
    hidden = False
    match = _WITHCOND.match(role) if "_withcond_" in role else None
    if match:
        hidden = True
        role = match.group("role")
        notices.append(
            Notice(
                f"binding of {role} was read at policy version 1 and hides its condition "
                "(run get-iam-policy with --format and a policy version of 3)",
                item.location("role", located.address),
            )
        )
    members = item.strings("members")
    if not members:
        raise item.error("expected a non-empty list of members", "members")
    condition = None
    if item.has("condition"):
        cond = item.mapping("condition")
        condition = Condition(
            expression=cond.string("expression", required=True) or "",
            title=cond.string("title") or "",
            description=cond.string("description") or "",
        )
    return Binding(
        resource=resource,
        role=role,
        members=tuple(principal(member) for member, _ in members),
        condition=condition,
        location=located.at(item.line("role")),
        member_locations=tuple(located.at(line) for _, line in members),
        policy_version=version,
        hidden_condition=hidden,
    )


def _audit_configs(shape: Shape, resource: str, address: str | None) -> list[AuditConfig]:
    audit_configs = []
    for item in shape.items("auditConfigs", "audit_configs"):
        log_configs = tuple(
            AuditLogConfig(
                log_type=_log_type(config),
                exempted_members=tuple(m for m, _ in config.strings("exemptedMembers", "exempted_members")),
                location=config.location(None, address),
            )
            for config in item.items("auditLogConfigs", "audit_log_configs")
        )
        audit_configs.append(
            AuditConfig(
                resource=resource,
                service=item.string("service", required=True) or "",
                log_configs=log_configs,
                location=item.location("service", address),
            )
        )
    return audit_configs


def _plain_audit_configs(shape: Shape, resource: str, located: Locations) -> list[AuditConfig] | None:
    """Audit configs read without line numbers when every one is plain, as ``_plain_bindings``."""
    items = shape.raw("auditConfigs", "audit_configs")
    if items is None or items == []:
        return []
    if type(items) is not list:
        return None
    location = located.at(shape.document.line)
    audit_configs = []
    for item in items:
        if type(item) is not dict:
            return None
        service = item.get("service")
        logs = _first(item, "auditLogConfigs", "audit_log_configs")
        if type(service) is not str or not (logs is None or type(logs) is list):
            return None
        log_configs = []
        for log in logs or ():
            if type(log) is not dict:
                return None
            log_type = log_type_name(_first(log, "logType", "log_type"))
            exempted = _first(log, "exemptedMembers", "exempted_members")
            if log_type is None or not (
                exempted is None or (type(exempted) is list and all(type(m) is str for m in exempted))
            ):
                return None
            log_configs.append(AuditLogConfig(log_type, tuple(exempted or ()), location))
        audit_configs.append(AuditConfig(resource, service, tuple(log_configs), location))
    return audit_configs


def _first(node: dict[str, Any], *keys: str) -> Any:
    """The first present key's value (camelCase or snake_case spelling), as Shape.raw."""
    for key in keys:
        if key in node:
            return node[key]
    return None


def parse_policy(
    shape: Shape, resource: str, *, bound: bool = True, address: str | None = None
) -> tuple[Policy, list[Notice]]:
    """A policy mapping (camelCase or snake_case keys) set on ``resource``."""
    notices: list[Notice] = []
    version = shape.integer("version")
    # Members on one line (every NDJSON line, flow-style lists) share one location object.
    located = Locations(shape.document.path or None, address)
    bindings = _plain_bindings(shape, resource, version, located)
    if bindings is None:
        bindings = [_binding(item, resource, version, located, notices) for item in shape.items("bindings")]
    audit_configs = _plain_audit_configs(shape, resource, located)
    if audit_configs is None:
        audit_configs = _audit_configs(shape, resource, address)

    policy = Policy(
        resource=resource,
        bindings=tuple(bindings),
        audit_configs=tuple(audit_configs),
        version=version,
        etag=shape.string("etag"),
        location=located.at(shape.line()),
        bound=bound,
    )
    return policy, notices


def unbound_resource(path: str) -> str:
    return UNBOUND_PROJECT_PREFIX + path


class GcloudPolicyLoader:
    name = "gcloud-policy"
    description = "gcloud get-iam-policy output (JSON or YAML): bindings, conditions, audit configs"

    def claims(self, document: Document) -> bool:
        data = document.data
        return (
            isinstance(data, dict)
            and bool(data)
            and set(data) <= POLICY_KEYS
            and bool({"bindings", "auditConfigs", "etag"} & set(data))
        )

    def load(self, document: Document, context: LoadContext) -> Iterator[Fact]:
        resource = context.resource_for_path(document.path)
        policy, notices = parse_policy(
            Shape(document, document.data),
            resource or unbound_resource(document.path),
            bound=resource is not None,
        )
        yield from notices
        yield policy
