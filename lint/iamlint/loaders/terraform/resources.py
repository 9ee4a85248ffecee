"""From resource type and arguments to the model: the one table plans and source files share.

A mapper reads a resource instance's values through the :class:`Resolver` (known values as read, unknown
ones followed through the configuration) and yields model facts located at the instance's file, line and
address; readers differ only in how they find instances and values. What the google provider derives from
known arguments (an account's email, a custom role's name) is :data:`COMPUTED`, handed to the resolver.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from iamlint.errors import InputError
from iamlint.inventory import PROJECT_TYPE
from iamlint.loaders.cloud_run import build_workload, workload_name
from iamlint.loaders.documents import Document, line_of
from iamlint.loaders.gcloud_policy import parse_policy
from iamlint.loaders.shapes import Shape
from iamlint.loaders.terraform.addresses import primary_references
from iamlint.loaders.terraform.expressions import (
    ComputedTable,
    Instance,
    Resolver,
    Unknown,
    is_unknown,
    walk_expression,
)
from iamlint.model import (
    CRM,
    PROJECT_PREFIX,
    AuditConfig,
    AuditLogConfig,
    Binding,
    Condition,
    Container,
    CustomRole,
    EnvVar,
    Fact,
    Policy,
    Principal,
    Resource,
    ServiceAccount,
    ServiceAccountKey,
    SourceLocation,
    WorkloadKind,
    replace,
    service_account_project,
)

# What the google provider computes for a resource from its known arguments (the API's naming rules).


def _account_email(resolver: Resolver, account: Instance, depth: int) -> str:
    account_id = resolver.string(account, "account_id", depth=depth)
    if not account_id:
        raise Unknown(f"account_id of {account.address} is known only after apply")
    return f"{account_id}@{resolver.project(account, depth)}.iam.gserviceaccount.com"


def _account_name(resolver: Resolver, account: Instance, depth: int) -> str:
    return f"projects/{resolver.project(account, depth)}/serviceAccounts/{_account_email(resolver, account, depth)}"


def _iam_policy_data(resolver: Resolver, data: Instance, depth: int) -> str:
    """``data.google_iam_policy``'s ``policy_data`` when the data source waits for apply (a member is an
    account of the same plan): rebuilt from its ``binding`` and ``audit_config`` blocks as the provider
    writes it."""
    config = resolver.expression(data, ("binding",))
    blocks = config if isinstance(config, list) else []
    bindings = []
    for item in data.values.get("binding") or []:
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            raise Unknown(f"a binding of {data.address} has a role known only after apply")
        members = item.get("members")
        if not isinstance(members, list) or None in members:
            # binding is a set: its blocks are paired with their configuration by role, not by position.
            same_role = [
                b for b in blocks if walk_expression(b, ("role",)) == {"constant_value": item["role"]}
            ]
            if len(same_role) != 1:
                raise Unknown(f"the members of {item['role']} in {data.address} are known only after apply")
            members = resolve_members(resolver, data, members, same_role[0].get("members"))
        binding: dict[str, Any] = {"members": sorted(members), "role": item["role"]}
        condition = _first_block(item.get("condition"))
        if condition:
            binding["condition"] = {
                k: condition[k] for k in ("description", "expression", "title") if condition.get(k)
            }
        bindings.append(binding)
    audit_configs = [
        {
            "auditLogConfigs": [
                {"exemptedMembers": sorted(log.get("exempted_members") or []), "logType": log.get("log_type")}
                for log in config.get("audit_log_configs") or []
                if isinstance(log, dict)
            ],
            "service": config.get("service"),
        }
        for config in data.values.get("audit_config") or []
        if isinstance(config, dict)
    ]
    policy: dict[str, Any] = {"bindings": bindings}
    if audit_configs:
        policy["auditConfigs"] = audit_configs
    return json.dumps(policy)


COMPUTED: ComputedTable = {
    "google_iam_policy": {"policy_data": _iam_policy_data},
    "google_service_account": {
        "email": _account_email,
        "member": lambda r, a, d: "serviceAccount:" + _account_email(r, a, d),
        "name": _account_name,
        "id": _account_name,
    },
    "google_project_iam_custom_role": {
        "name": lambda r, a, d: f"projects/{r.project(a, d)}/roles/{r.required(a, 'role_id')}",
    },
    "google_organization_iam_custom_role": {
        "name": lambda r, a, d: f"organizations/{r.required(a, 'org_id')}/roles/{r.required(a, 'role_id')}",
    },
}


def as_member(value: str) -> str:
    """A resolved member value: an account email can only be a ``serviceAccount:`` member."""
    if ":" in value or value in ("allUsers", "allAuthenticatedUsers"):
        return value
    if value.lower().endswith(".gserviceaccount.com"):
        return f"serviceAccount:{value}"
    raise Unknown(f"{value!r} is not an IAM member and its kind cannot be told")


# --- facts ------------------------------------------------------------------------------------------


@dataclass
class Context:
    document: Document
    resolver: Resolver
    instance: Instance

    @property
    def location(self) -> SourceLocation:
        return self.at()

    def at(self, node: object = None, key: str | int | None = None) -> SourceLocation:
        line = (line_of(node, key) if node is not None else None) or line_of(self.instance.node)
        return SourceLocation(
            self.document.path,
            line or self.document.line,
            self.instance.address,
            self.instance.change,
        )


def _relocated(policy: Policy, location: SourceLocation) -> Policy:
    """A policy parsed from ``policy_data`` (a JSON string) has no lines of its own: all of it is at the
    resource that declares it."""
    bindings = tuple(
        replace(b, location=location, member_locations=tuple(location for _ in b.members))
        for b in policy.bindings
    )
    audit = tuple(
        replace(
            config,
            location=location,
            log_configs=tuple(replace(log, location=location) for log in config.log_configs),
        )
        for config in policy.audit_configs
    )
    return replace(policy, bindings=bindings, audit_configs=audit, location=location)


def _target_project(ctx: Context) -> str:
    return PROJECT_PREFIX + ctx.resolver.project(ctx.instance)


def _target_folder(ctx: Context) -> str:
    folder = ctx.resolver.required(ctx.instance, "folder")
    return CRM + (folder if folder.startswith("folders/") else f"folders/{folder}")


def _target_organization(ctx: Context) -> str:
    org = ctx.resolver.required(ctx.instance, "org_id")
    return CRM + (org if org.startswith("organizations/") else f"organizations/{org}")


def service_account_resource(value: str) -> tuple[str, str]:
    """(full name, email) of a service account given as ``projects/P/serviceAccounts/E``, with ``-`` for
    the project, or as a bare email."""
    parts = value.split("/")
    if len(parts) == 4 and parts[0] == "projects" and parts[2] == "serviceAccounts":
        project, email = parts[1], parts[3]
    elif "@" in value and "/" not in value:
        project, email = "-", value
    else:
        raise Unknown(f"{value!r} is not a service account name or email")
    if project == "-":
        project = service_account_project(email) or "-"
    email = email.lower()
    return f"//iam.googleapis.com/projects/{project}/serviceAccounts/{email}", email


def _target_service_account(ctx: Context) -> str:
    return service_account_resource(ctx.resolver.required(ctx.instance, "service_account_id"))[0]


def _last(value: str) -> str:
    return value.rstrip("/").rpartition("/")[2]


def _project_in(value: str, ctx: Context) -> str:
    """The project of a name given in full (``projects/P/instances/I``), else the resource's project."""
    parts = value.split("/")
    if len(parts) >= 2 and parts[0] == "projects":
        return parts[1]
    return ctx.resolver.project(ctx.instance)


def _target_spanner_instance(ctx: Context) -> str:
    instance = ctx.resolver.required(ctx.instance, "instance")
    return f"//spanner.googleapis.com/projects/{_project_in(instance, ctx)}/instances/{_last(instance)}"


def _target_spanner_database(ctx: Context) -> str:
    instance = ctx.resolver.required(ctx.instance, "instance")
    database = _last(ctx.resolver.required(ctx.instance, "database"))
    project = _project_in(instance, ctx)
    return f"//spanner.googleapis.com/projects/{project}/instances/{_last(instance)}/databases/{database}"


def _run_target(kind: WorkloadKind, attribute: str) -> Callable[[Context], str]:
    def target(ctx: Context) -> str:
        given = ctx.resolver.required(ctx.instance, attribute)
        # v1 `service` may be "locations/L/namespaces/P/services/S" or "v1/projects/P/locations/L/services/S".
        parts = given.split("/")
        region = ctx.resolver.string(ctx.instance, "location")
        if "locations" in parts[:-1]:
            region = parts[parts.index("locations") + 1]
        project = _project_in(given.removeprefix("v1/"), ctx)
        return workload_name(project, region, kind, _last(given))

    return target


_IAM_TARGETS: dict[str, Callable[[Context], str]] = {
    "google_project": _target_project,
    "google_folder": _target_folder,
    "google_organization": _target_organization,
    "google_service_account": _target_service_account,
    "google_spanner_instance": _target_spanner_instance,
    "google_spanner_database": _target_spanner_database,
    "google_cloud_run_service": _run_target(WorkloadKind.SERVICE, "service"),
    "google_cloud_run_v2_service": _run_target(WorkloadKind.SERVICE, "name"),
    "google_cloud_run_v2_job": _run_target(WorkloadKind.JOB, "name"),
}
_IAM_TYPE = re.compile(r"^(?P<target>google_[a-z0-9_]+?)_iam_(?P<kind>policy|binding|member|audit_config)$")


def _first_block(value: object) -> Mapping[str, Any]:
    """The one block of a list-nested block with at most one item (how the provider encodes them)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return {}


def _condition(ctx: Context) -> Condition | None:
    block = _first_block(ctx.resolver.value(ctx.instance, ("condition",)))
    if not block:
        return None
    return Condition(
        expression=str(block.get("expression") or ""),
        title=str(block.get("title") or ""),
        description=str(block.get("description") or ""),
    )


def resolve_members(resolver: Resolver, instance: Instance, values: object, expression: object) -> list[str]:
    """A ``members`` list some entries of which are known only after apply.

    The plan keeps the references of the expression but not the constant members written beside them, so
    the list is read only when the known entries and the resolved references account for all of it.
    """
    known = [str(member) for member in values if member is not None] if isinstance(values, list) else []
    refs = primary_references(expression.get("references")) if isinstance(expression, dict) else []
    if not refs or not isinstance(expression, dict):
        raise Unknown("members is known only after apply and the configuration names no reference")
    resolved = [
        as_member(str(resolver.reference(instance.module, ref, instance.index, expression, 1)))
        for ref in refs
    ]
    if not isinstance(values, list) or len(known) + len(resolved) != len(values):
        raise Unknown(
            f"members is known only after apply; it refers to {', '.join(refs)} (resolved to "
            f"{', '.join(resolved)}) but the constant members beside them are not in the plan"
        )
    return [*known, *resolved]


def _members(ctx: Context, kind: str) -> list[tuple[str, SourceLocation]]:
    instance, resolver = ctx.instance, ctx.resolver
    if kind == "member":
        return [(as_member(resolver.required(instance, "member")), ctx.at(instance.values, "member"))]
    values = instance.values.get("members")
    if isinstance(values, list) and None not in values:
        return [(str(member), ctx.at(values, index)) for index, member in enumerate(values)]
    if not is_unknown(instance.unknown, ("members",)) and not isinstance(values, list):
        raise Unknown("members is not set")
    expression = resolver.expression(instance, ("members",))
    location = ctx.at(instance.values, "members")
    return [(member, location) for member in resolve_members(resolver, instance, values, expression)]


def _iam_facts(ctx: Context, target: str, kind: str) -> Iterator[Fact]:
    instance, resolver = ctx.instance, ctx.resolver
    location = ctx.location
    resource = _IAM_TARGETS[target](ctx)
    if kind == "policy":
        text = resolver.required(instance, "policy_data")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InputError(
                location.path, location.line, f"{instance.address}: policy_data is not JSON: {error.msg}"
            ) from None
        policy, notices = parse_policy(Shape(ctx.document, data, f"{instance.address}.policy_data"), resource)
        yield from (replace(notice, location=location) for notice in notices)
        yield replace(_relocated(policy, location), declared_as="policy")
        return
    if kind == "audit_config":
        logs = tuple(
            AuditLogConfig(
                log_type=str(block.get("log_type") or ""),
                exempted_members=tuple(str(m) for m in block.get("exempted_members") or ()),
                location=location,
            )
            for block in resolver.value(instance, ("audit_log_config",)) or []
            if isinstance(block, dict)
        )
        config = AuditConfig(resource, resolver.required(instance, "service"), logs, location)
        yield Policy(resource, (), (config,), location=location, declared_as="audit_config")
        return
    members = _members(ctx, kind)
    binding = Binding(
        resource=resource,
        role=resolver.required(instance, "role"),
        members=tuple(Principal.parse(member) for member, _ in members),
        condition=_condition(ctx),
        location=ctx.at(instance.values, "role"),
        member_locations=tuple(where for _, where in members),
    )
    yield Policy(resource, (binding,), location=location, declared_as=kind)


def _custom_role(ctx: Context) -> Iterator[Fact]:
    instance, resolver = ctx.instance, ctx.resolver
    role_id = resolver.required(instance, "role_id")
    if instance.type == "google_organization_iam_custom_role":
        org = resolver.required(instance, "org_id").removeprefix("organizations/")
        name = f"organizations/{org}/roles/{role_id}"
    else:
        name = f"projects/{resolver.project(instance)}/roles/{role_id}"
    permissions = resolver.value(instance, ("permissions",)) or []
    yield CustomRole(
        name=name,
        permissions=frozenset(str(p) for p in permissions),
        title=resolver.string(instance, "title"),
        stage=resolver.string(instance, "stage"),
        location=ctx.at(instance.values, "permissions"),
        deleted=instance.values.get("deleted") is True,
    )


def _service_account(ctx: Context) -> Iterator[Fact]:
    instance, resolver = ctx.instance, ctx.resolver
    project = resolver.project(instance)
    email = (resolver.string(instance, "email") or "").lower()
    yield ServiceAccount(
        email=email,
        project=project,
        name=f"//iam.googleapis.com/projects/{project}/serviceAccounts/{email}",
        display_name=resolver.string(instance, "display_name"),
        disabled=instance.values.get("disabled") is True,
        location=ctx.at(instance.values, "account_id"),
    )


def _key(ctx: Context) -> Iterator[Fact]:
    instance, resolver = ctx.instance, ctx.resolver
    account, email = service_account_resource(resolver.required(instance, "service_account_id"))
    name = resolver.string(instance, "name") if not is_unknown(instance.unknown, ("name",)) else None
    yield ServiceAccountKey(
        # The key id is chosen by Google when the key is created.
        name=f"//iam.googleapis.com/{name}" if name else f"{account}/keys/(known after apply)",
        service_account=email,
        # Terraform can only create keys that users manage (and download).
        key_type="USER_MANAGED",
        location=ctx.location,
        valid_after=instance.values.get("valid_after")
        if isinstance(instance.values.get("valid_after"), str)
        else None,
        disabled=False,
    )


def _env(ctx: Context, container: Mapping[str, Any], secret_block: str) -> tuple[EnvVar, ...]:
    variables = []
    env = container.get("env") or []
    for index, item in enumerate(env):
        if not isinstance(item, dict):
            continue
        secret_ref = None
        ref = _first_block(_first_block(item.get(secret_block)).get("secret_key_ref"))
        if ref:
            # v2: {secret, version}; v1: {name, key}
            secret = ref.get("secret") or ref.get("name") or ""
            version = ref.get("version") or ref.get("key") or "latest"
            secret_ref = f"{secret}:{version}"
        value = item.get("value")
        variables.append(
            EnvVar(
                name=str(item.get("name") or ""),
                value=value if isinstance(value, str) and secret_ref is None else None,
                secret_ref=secret_ref,
                location=ctx.at(env, index),
            )
        )
    return tuple(variables)


def _workload(ctx: Context) -> Iterator[Fact]:
    instance, resolver = ctx.instance, ctx.resolver
    project = resolver.project(instance)
    region = resolver.string(instance, "location")
    if instance.type == "google_cloud_run_service":
        kind, secret_block = WorkloadKind.SERVICE, "value_from"
        path: tuple[str | int, ...] = ("template", 0, "spec", 0)
        account_key = "service_account_name"
        labels = _first_block(instance.values.get("metadata")).get("labels") or {}
    else:
        kind = WorkloadKind.JOB if instance.type == "google_cloud_run_v2_job" else WorkloadKind.SERVICE
        secret_block = "value_source"
        path = ("template", 0, "template", 0) if kind is WorkloadKind.JOB else ("template", 0)
        account_key = "service_account"
        labels = instance.values.get("labels") or {}
    spec = resolver.value(instance, path)
    if not isinstance(spec, dict):
        spec = {}
    account_path = (*path, account_key)
    explicit: str | None = None
    # Left out of the configuration, the account is computed by Google (the default account) and is
    # unknown in a plan of a new workload: that is the default, not an unresolved reference.
    if not is_unknown(instance.unknown, account_path) or resolver.is_configured(instance, account_path):
        explicit = resolver.string(instance, *account_path)
    containers = tuple(
        Container(
            name=container.get("name") if isinstance(container.get("name"), str) else None,
            image=container.get("image") if isinstance(container.get("image"), str) else None,
            env=_env(ctx, container, secret_block),
        )
        for container in spec.get("containers") or []
        if isinstance(container, dict)
    )
    yield build_workload(
        kind,
        project=project,
        region=region,
        workload_id=resolver.required(instance, "name"),
        explicit=explicit,
        containers=containers,
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        location=ctx.location,
        service_account_location=ctx.at(spec, account_key if explicit else None),
    )


def _project(ctx: Context) -> Iterator[Fact]:
    """A project the plan creates or keeps: its labels name its environment, its parent places it in the
    hierarchy that folder and organization grants are inherited through."""
    instance, resolver = ctx.instance, ctx.resolver
    project_id = resolver.required(instance, "project_id")
    folder = resolver.string(instance, "folder_id")
    org = resolver.string(instance, "org_id")
    parent = None
    if folder:
        parent = CRM + (folder if folder.startswith("folders/") else f"folders/{folder}")
    elif org:
        parent = CRM + (org if org.startswith("organizations/") else f"organizations/{org}")
    labels = instance.values.get("labels")
    number = instance.values.get("number")
    yield Resource(
        name=PROJECT_PREFIX + project_id,
        asset_type=PROJECT_TYPE,
        parent=parent,
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        location=ctx.at(instance.values, "project_id"),
        project_id=project_id,
        project_number=number if isinstance(number, str) and number.isdigit() else None,
    )


_MAPPERS: dict[str, Callable[[Context], Iterator[Fact]]] = {
    "google_project": _project,
    "google_project_iam_custom_role": _custom_role,
    "google_organization_iam_custom_role": _custom_role,
    "google_service_account": _service_account,
    "google_service_account_key": _key,
    "google_cloud_run_service": _workload,
    "google_cloud_run_v2_service": _workload,
    "google_cloud_run_v2_job": _workload,
}


def facts_of(ctx: Context) -> Iterator[Fact]:
    """The facts of one resource instance; none for types the model has no place for."""
    mapper = _MAPPERS.get(ctx.instance.type)
    if mapper is not None:
        yield from mapper(ctx)
        return
    match = _IAM_TYPE.match(ctx.instance.type)
    if match and match["target"] in _IAM_TARGETS:
        yield from _iam_facts(ctx, match["target"], match["kind"])
