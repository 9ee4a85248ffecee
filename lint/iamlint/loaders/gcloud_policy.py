"""gcloud ``get-iam-policy`` output (``--format=json`` and the default YAML), and IAM policy mappings in
general: the asset and Terraform loaders call :func:`parse_policy` for the policies they carry."""

from __future__ import annotations

import re
from collections.abc import Iterator

import msgspec

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
    SourceLocation,
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


class PlainCondition(msgspec.Struct):
    expression: str
    title: str = ""
    description: str = ""


class PlainBinding(msgspec.Struct):
    role: str
    members: list[str]
    condition: PlainCondition | None = None


class PlainLogConfig(msgspec.Struct):
    logType: int | str | None = None
    log_type: int | str | None = None
    exemptedMembers: list[str] | None = None
    exempted_members: list[str] | None = None


class PlainAuditConfig(msgspec.Struct):
    service: str
    auditLogConfigs: list[PlainLogConfig] | None = None
    audit_log_configs: list[PlainLogConfig] | None = None


class PlainPolicy(msgspec.Struct):
    """A policy whose every value has the type the API gives it (camelCase or the export's snake_case),
    checked by msgspec as it decodes or converts. Org exports hold millions of policies, and a Shape per
    binding, member and log config was most of their cost; a policy that does not fit this shape takes the
    checked path, whose errors name the key and line."""

    version: int | None = None
    etag: str | None = None
    bindings: list[PlainBinding] | None = None
    auditConfigs: list[PlainAuditConfig] | None = None
    audit_configs: list[PlainAuditConfig] | None = None


def policy_from_plain(
    plain: PlainPolicy, resource: str, location: SourceLocation, *, bound: bool = True
) -> Policy | None:
    """The policy, every part located at ``location`` (one line of an export); None when a binding needs
    the checked path (no members, or a condition hidden by a version-1 read, which gets a notice)."""
    bindings = []
    for binding in plain.bindings or ():
        if not binding.members or "_withcond_" in binding.role:
            return None
        condition = binding.condition
        bindings.append(
            Binding(
                resource=resource,
                role=binding.role,
                members=tuple(map(principal, binding.members)),
                condition=None
                if condition is None
                else Condition(condition.expression, condition.title, condition.description),
                location=location,
                member_locations=(location,) * len(binding.members),
                policy_version=plain.version,
            )
        )
    audit_configs = []
    configs = plain.auditConfigs if plain.auditConfigs is not None else plain.audit_configs
    for config in configs or ():
        log_configs = []
        logs = config.auditLogConfigs if config.auditLogConfigs is not None else config.audit_log_configs
        for log in logs or ():
            log_type = log_type_name(log.logType if log.logType is not None else log.log_type)
            if log_type is None:
                return None
            exempted = log.exemptedMembers if log.exemptedMembers is not None else log.exempted_members
            log_configs.append(AuditLogConfig(log_type, tuple(exempted or ()), location))
        audit_configs.append(AuditConfig(resource, config.service, tuple(log_configs), location))
    return Policy(
        resource=resource,
        bindings=tuple(bindings),
        audit_configs=tuple(audit_configs),
        version=plain.version,
        etag=plain.etag,
        location=location,
        bound=bound,
    )


def parse_policy(
    shape: Shape, resource: str, *, bound: bool = True, address: str | None = None
) -> tuple[Policy, list[Notice]]:
    """A policy mapping (camelCase or snake_case keys) set on ``resource``."""
    if type(shape.node) is dict:
        # Read without line numbers (an export line, the live API, a large JSON file): try the plain shape.
        try:
            plain = msgspec.convert(shape.node, PlainPolicy)
        except msgspec.ValidationError:
            plain = None
        location = SourceLocation(shape.document.path or None, shape.line(), address)
        policy = None if plain is None else policy_from_plain(plain, resource, location, bound=bound)
        if policy is not None:
            return policy, []
    return _checked_policy(shape, resource, bound=bound, address=address)


def _checked_policy(
    shape: Shape, resource: str, *, bound: bool, address: str | None
) -> tuple[Policy, list[Notice]]:
    notices: list[Notice] = []
    version = shape.integer("version")
    # Members on one line (every NDJSON line, flow-style lists) share one location object.
    located = Locations(shape.document.path or None, address)
    bindings = [_binding(item, resource, version, located, notices) for item in shape.items("bindings")]
    policy = Policy(
        resource=resource,
        bindings=tuple(bindings),
        audit_configs=tuple(_audit_configs(shape, resource, address)),
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
