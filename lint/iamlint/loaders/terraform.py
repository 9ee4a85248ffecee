"""Terraform plans as ``terraform show -json PLANFILE`` prints them (format_version 1.x).

What the plan will create is read from ``planned_values`` (the root module and its ``child_modules``,
recursively); ``resource_changes`` says what each resource's change is and which values stay unknown until
apply; ``configuration`` says where an unknown value comes from. An unknown value is resolved through the
reference its expression makes (``google_service_account.orders.email``, a module output, a variable) to a
value the plan does know, or to what the google provider computes from known values (a service account's
email from ``account_id`` and ``project``). What cannot be resolved becomes an :class:`Unresolved` fact: the
report says so instead of guessing.

Every fact is located at the plan file and the resource's Terraform address, and carries the planned action
in ``SourceLocation.change``. ``--changed-only`` does not drop facts of unchanged resources here: rules that
look across resources (a new service sharing the account of an existing one, a new member fighting an
existing authoritative binding) need the whole plan, so the pipeline drops the *findings* located at
resources the plan leaves as they are.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from iamlint.errors import InputError
from iamlint.inventory import PROJECT_TYPE
from iamlint.loaders import LoadContext
from iamlint.loaders.cloud_run import build_workload, workload_name
from iamlint.loaders.documents import Document, line_of
from iamlint.loaders.gcloud_policy import parse_policy
from iamlint.loaders.shapes import Shape
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
    Unresolved,
    WorkloadKind,
    replace,
    service_account_project,
)

SUPPORTED_MAJOR = "1"
_MAX_DEPTH = 8  # reference chains longer than this are cycles or not worth following

# --- addresses ---------------------------------------------------------------------------------------

_MODULE_STEP = re.compile(r'module\.(?P<name>[A-Za-z0-9_-]+)(?P<index>\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?')
_RESOURCE_REF = re.compile(
    r'^(?P<base>(?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)(?P<index>\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?'
    r"(?:\.(?P<attr>[A-Za-z0-9_]+))?"
)
_MODULE_REF = re.compile(
    r'^module\.(?P<name>[A-Za-z0-9_-]+)(?P<index>\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.(?P<output>[A-Za-z0-9_-]+)'
)
_VAR_REF = re.compile(r"^var\.(?P<name>[A-Za-z0-9_-]+)$")
_REPETITION = ("each.key", "each.value", "count.index")


def index_suffix(index: object) -> str:
    """``["prod"]`` / ``[0]`` as Terraform writes an instance key in an address; "" for no key."""
    if index is None:
        return ""
    if isinstance(index, str):
        return f"[{json.dumps(index)}]"
    return f"[{index}]"


@functools.lru_cache(maxsize=4096)
def module_steps(module: str) -> tuple[tuple[str, str], ...]:
    """``module.app["prod"].module.db`` -> (("app", '["prod"]'), ("db", ""))."""
    steps = []
    position = 0
    while position < len(module):
        match = _MODULE_STEP.match(module, position)
        if not match:
            break
        steps.append((match["name"], match["index"] or ""))
        position = match.end() + 1  # the dot between steps
    return tuple(steps)


def parent_module(module: str) -> tuple[str, str] | None:
    """(parent module address, call name) of a module instance address; None for the root module."""
    steps = module_steps(module)
    if not steps:
        return None
    parent = ".".join(f"module.{name}{index}" for name, index in steps[:-1])
    return parent, steps[-1][0]


def _join(module: str, local: str) -> str:
    return f"{module}.{local}" if module else local


# --- the plan, indexed -----------------------------------------------------------------------------


_UNSET: Mapping[str, Any] = {}


@dataclass
class Instance:
    """One resource instance of the planned state, with what the plan says about its change."""

    address: str
    module: str
    mode: str
    type: str
    name: str
    index: object
    values: Mapping[str, Any]
    node: Mapping[str, Any]
    unknown: Any = field(default_factory=dict)
    change: str | None = None
    # The resource's configuration block, looked up once (None: the plan has none for it).
    config: Mapping[str, Any] | None = field(default_factory=lambda: _UNSET)


@dataclass
class ConfigModule:
    node: Mapping[str, Any]
    resources: Mapping[str, Mapping[str, Any]]
    calls: Mapping[str, Mapping[str, Any]]


def _action(actions: object) -> str | None:
    if not isinstance(actions, list) or not actions:
        return None
    if "delete" in actions and "create" in actions:
        return "replace"
    return str(actions[0])


class Plan:
    """Indexes over one plan document: instances by address, configuration by module path."""

    def __init__(self, document: Document) -> None:
        self.document = document
        root = Shape(document, document.data)
        version = root.string("format_version", required=True) or ""
        if version.split(".")[0] != SUPPORTED_MAJOR:
            raise root.error(
                f"unsupported plan format_version {version!r}: expected 1.x (terraform show -json of Terraform "
                "1.0 or later)",
                "format_version",
            )
        self.root = root
        self._config_modules: dict[tuple[str, ...], ConfigModule | None] = {}
        self.instances: dict[str, Instance] = {}
        changes: dict[str, tuple[str | None, Any]] = {}
        for item in root.items("resource_changes"):
            if item.has("deposed"):
                continue  # an old object being destroyed: not part of the planned state
            change = item.mapping("change")
            address = item.string("address", required=True) or ""
            changes[address] = (_action(change.raw("actions")), change.raw("after_unknown") or {})
        planned = root.mapping("planned_values", "values")
        self._walk(planned.mapping("root_module"), changes)
        # Data sources read while planning are in the prior state only; references to them still resolve.
        prior = root.mapping("prior_state").mapping("values").mapping("root_module")
        self._walk(prior, {}, only_data=True)
        self.config_root = root.mapping("configuration")
        self.has_configuration = root.has("configuration")
        self.variables = root.mapping("variables")

    def _walk(
        self, module: Shape, changes: Mapping[str, tuple[str | None, Any]], *, only_data: bool = False
    ) -> None:
        module_address = module.string("address") or ""
        for item in module.items("resources"):
            mode = item.string("mode") or "managed"
            address = item.string("address", required=True) or ""
            if (only_data and mode != "data") or address in self.instances:
                continue
            action, unknown = changes.get(address, (None, {}))
            self.instances[address] = Instance(
                address=address,
                module=module_address,
                mode=mode,
                type=item.string("type", required=True) or "",
                name=item.string("name", required=True) or "",
                index=item.raw("index"),
                values=item.mapping("values").node,
                node=item.node,
                unknown=unknown,
                change=action,
            )
        for child in module.items("child_modules"):
            self._walk(child, changes, only_data=only_data)

    # --- configuration ---------------------------------------------------------------------------

    def config_module(self, module: str) -> ConfigModule | None:
        # Every instance of a module (count/for_each keys) shares one configuration block: cached by the
        # module path without keys, so a plan with thousands of resources indexes each block once.
        path = tuple(name for name, _ in module_steps(module))
        if path not in self._config_modules:
            self._config_modules[path] = self._find_config_module(path)
        return self._config_modules[path]

    def _find_config_module(self, path: tuple[str, ...]) -> ConfigModule | None:
        node: Any = self.config_root.raw("root_module")
        for name in path:
            call = (node or {}).get("module_calls", {}).get(name) if isinstance(node, dict) else None
            node = call.get("module") if isinstance(call, dict) else None
        if not isinstance(node, dict):
            return None
        resources = {
            str(resource.get("address")): resource
            for resource in node.get("resources") or []
            if isinstance(resource, dict)
        }
        calls = {str(k): v for k, v in (node.get("module_calls") or {}).items() if isinstance(v, dict)}
        return ConfigModule(node, resources, calls)

    def config_of(self, instance: Instance) -> Mapping[str, Any] | None:
        if instance.config is _UNSET:
            module = self.config_module(instance.module)
            local = f"{'data.' if instance.mode == 'data' else ''}{instance.type}.{instance.name}"
            instance.config = module.resources.get(local) if module else None
        return instance.config

    def provider_project(self, instance: Instance) -> str | None:
        """The ``project`` of the provider configuration a resource uses, when it is a constant."""
        config = self.config_of(instance)
        key = config.get("provider_config_key") if config else None
        providers = self.config_root.raw("provider_config")
        provider = providers.get(key) if isinstance(providers, dict) and isinstance(key, str) else None
        if not isinstance(provider, dict):
            return None
        value = _walk_expression(provider.get("expressions"), ("project",))
        constant = value.get("constant_value") if isinstance(value, dict) else None
        return constant if isinstance(constant, str) else None


def _walk_expression(node: Any, path: tuple[str | int, ...]) -> Any:
    """Follow an attribute path into a block expressions representation (nested blocks are lists)."""
    for step in path:
        if isinstance(step, int):
            if isinstance(node, list):
                node = node[step] if step < len(node) else None
            # A single-nested block is a mapping; a path that indexes it stays on it.
        elif isinstance(node, dict):
            node = node.get(step)
        else:
            return None
    return node


def _is_unknown(unknown: Any, path: tuple[str | int, ...]) -> bool:
    node = unknown
    for step in path:
        if node is True:
            return True
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict):
            node = node.get(step)
        else:
            return False
    return node is True


def primary_references(references: object) -> list[str]:
    """The references an expression makes, without the shorter steps Terraform also lists for each."""
    refs = [ref for ref in references if isinstance(ref, str)] if isinstance(references, list) else []
    return [
        ref
        for ref in refs
        if ref not in _REPETITION and not any(other != ref and other.startswith(ref) for other in refs)
    ]


# --- resolution -------------------------------------------------------------------------------------


class Unknown(Exception):
    """A value known only after apply that the plan does not let iamlint work out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Resolver:
    """Values of planned resources: known ones as planned, unknown ones through their references."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def value(self, instance: Instance, path: tuple[str | int, ...], depth: int = 0) -> Any:
        """The planned value at ``path``; None when the configuration does not set it."""
        node: Any = instance.values
        for step in path:
            if isinstance(step, int):
                node = node[step] if isinstance(node, list) and step < len(node) else None
            else:
                node = node.get(step) if isinstance(node, dict) else None
        if node is not None or not _is_unknown(instance.unknown, path):
            return node
        return self.unknown_value(instance, path, depth)

    def string(self, instance: Instance, *path: str | int, depth: int = 0) -> str | None:
        value = self.value(instance, path, depth)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Unknown(f"{instance.address}: {_dotted(path)} is not a string")
        return str(value)

    def required(self, instance: Instance, *path: str | int) -> str:
        value = self.string(instance, *path)
        if not value:
            raise Unknown(f"{_dotted(path)} is not set")
        return value

    def project(self, instance: Instance, depth: int = 0) -> str:
        """The project a resource is in: its own ``project``, else its provider's."""
        if self.is_configured(instance, ("project",)) or not _is_unknown(instance.unknown, ("project",)):
            project = self.string(instance, "project", depth=depth)
            if project:
                return project
        default = self.plan.provider_project(instance)
        if default:
            return default
        raise Unknown(
            f"the project of {instance.address} is known only after apply (neither the resource nor its "
            "provider configuration sets it as a constant)"
        )

    def expression(self, instance: Instance, path: tuple[str | int, ...]) -> Any:
        config = self.plan.config_of(instance)
        if config is None:
            return None
        return _walk_expression(config.get("expressions"), tuple(step for step in path))

    def is_configured(self, instance: Instance, path: tuple[str | int, ...]) -> bool:
        """Whether the configuration sets the attribute at all (unset computed attributes are unknown
        in a plan, and mean the provider's or Google's default)."""
        if not self.plan.has_configuration or self.plan.config_of(instance) is None:
            return True  # cannot tell: assume set, so that nothing is defaulted by guess
        return self.expression(instance, path) is not None

    def unknown_value(self, instance: Instance, path: tuple[str | int, ...], depth: int) -> Any:
        expression = self.expression(instance, path)
        computed = _COMPUTED.get(instance.type, {}).get(str(path[0])) if len(path) == 1 else None
        if not isinstance(expression, dict) and computed is not None:
            return computed(self, instance, depth + 1)
        what = f"{_dotted(path)} of {instance.address}"
        if not isinstance(expression, dict):
            if self.plan.config_of(instance) is None:
                raise Unknown(f"{what} is known only after apply and the plan has no configuration of it")
            raise Unknown(f"{what} is computed by the provider during apply")
        return self.follow(what, expression, instance.module, instance.index, depth)

    def follow(
        self, what: str, expression: Mapping[str, Any], module: str, own_index: object, depth: int
    ) -> Any:
        """The value of an expression that is a constant or a single reference (``"sa:${x.email}"``)."""
        if "constant_value" in expression:
            return expression["constant_value"]
        refs = primary_references(expression.get("references"))
        if len(refs) != 1:
            listed = ", ".join(refs) or "nothing the plan records"
            raise Unknown(f"{what} is known only after apply and is computed from {listed}")
        try:
            return self.reference(module, refs[0], own_index, expression, depth + 1)
        except Unknown as unknown:
            raise Unknown(f"{what} comes from {refs[0]}, and {unknown.reason}") from None

    def reference(
        self, module: str, ref: str, own_index: object, expression: Mapping[str, Any], depth: int
    ) -> Any:
        """The value a reference names, seen from a resource in ``module``."""
        if depth > _MAX_DEPTH:
            raise Unknown(f"gave up following {ref}: the chain of references is too long")
        match = _MODULE_REF.match(ref)
        if match:
            return self._module_output(module, match, depth)
        match = _VAR_REF.match(ref)
        if match:
            return self._variable(module, match["name"], depth)
        match = _RESOURCE_REF.match(ref)
        if match and not ref.startswith(("local.", "each.", "count.", "path.", "terraform.", "self.")):
            return self._resource_attribute(module, match, own_index, expression, depth)
        raise Unknown(f"{ref} cannot be followed in a plan (locals and expressions are not recorded)")

    def _resource_attribute(
        self, module: str, match: re.Match[str], own_index: object, expression: Mapping[str, Any], depth: int
    ) -> Any:
        attribute = match["attr"]
        index = match["index"] or ""
        refs = expression.get("references") or []
        if not index and any(r in ("each.key", "count.index") for r in refs):
            # google_service_account.sa[each.key].email is recorded as "google_service_account.sa" and
            # "each.key": the instance with the referring resource's own key.
            index = index_suffix(own_index)
        address = _join(module, match["base"]) + index
        target = self.plan.instances.get(address)
        if target is None:
            raise Unknown(f"{address} is not in the plan's planned values")
        if attribute is None and target.type == "google_service_account":
            # A dynamic key hides the attribute, but every identity attribute of an account (email,
            # member, name, id) names the same account, and the email is a form each consumer accepts.
            attribute = "email"
        if attribute is None:
            raise Unknown(f"{match.group(0)} names a whole resource, not one of its values")
        return self.value(target, (attribute,), depth)

    def _module_output(self, module: str, match: re.Match[str], depth: int) -> Any:
        child = _join(module, f"module.{match['name']}{match['index'] or ''}")
        config = self.plan.config_module(child)
        outputs = config.node.get("outputs") if config else None
        output = outputs.get(match["output"]) if isinstance(outputs, dict) else None
        expression = output.get("expression") if isinstance(output, dict) else None
        what = f"output {match['output']} of {child}"
        if not isinstance(expression, dict):
            raise Unknown(f"{what} is not in the plan's configuration")
        return self.follow(what, expression, child, None, depth)

    def _variable(self, module: str, name: str, depth: int) -> Any:
        parent = parent_module(module)
        if parent is None:
            variable = self.plan.variables.raw(name)
            if isinstance(variable, dict):
                return variable.get("value")
            raise Unknown(f"var.{name} has no value in the plan")
        parent_address, call_name = parent
        config = self.plan.config_module(parent_address)
        call = config.calls.get(call_name) if config else None
        expression = _walk_expression(call.get("expressions") if call else None, (name,))
        what = f"var.{name} of {module}"
        if not isinstance(expression, dict):
            raise Unknown(f"{what} is not set by the module call (a default is not in a plan)")
        return self.follow(what, expression, parent_address, None, depth)


def _dotted(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")


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
                b for b in blocks if _walk_expression(b, ("role",)) == {"constant_value": item["role"]}
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


_COMPUTED: dict[str, dict[str, Callable[[Resolver, Instance, int], str]]] = {
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
    plan: Plan
    resolver: Resolver
    instance: Instance

    @property
    def location(self) -> SourceLocation:
        return self.at()

    def at(self, node: object = None, key: str | int | None = None) -> SourceLocation:
        line = (line_of(node, key) if node is not None else None) or line_of(self.instance.node)
        return SourceLocation(
            self.plan.document.path,
            line or self.plan.document.line,
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
    if not _is_unknown(instance.unknown, ("members",)) and not isinstance(values, list):
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
        policy, notices = parse_policy(
            Shape(ctx.plan.document, data, f"{instance.address}.policy_data"), resource
        )
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
    name = resolver.string(instance, "name") if not _is_unknown(instance.unknown, ("name",)) else None
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
    if not _is_unknown(instance.unknown, account_path) or resolver.is_configured(instance, account_path):
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
    """The facts of one planned resource instance; none for types the model has no place for."""
    mapper = _MAPPERS.get(ctx.instance.type)
    if mapper is not None:
        yield from mapper(ctx)
        return
    match = _IAM_TYPE.match(ctx.instance.type)
    if match and match["target"] in _IAM_TARGETS:
        yield from _iam_facts(ctx, match["target"], match["kind"])


def is_plan(data: object) -> bool:
    """A plan (``terraform show -json PLANFILE``) or a state (``terraform show -json``), which has the
    same values representation and no changes."""
    if not isinstance(data, dict) or not isinstance(data.get("format_version"), str):
        return False
    values = data.get("values")
    return (
        "planned_values" in data
        or "resource_changes" in data
        or (isinstance(values, dict) and "root_module" in values)
    )


class TerraformPlanLoader:
    name = "terraform-plan"
    description = "Terraform plans: terraform show -json PLANFILE (format_version 1.x)"

    def claims(self, document: Document) -> bool:
        return is_plan(document.data)

    def load(self, document: Document, context: LoadContext) -> Iterator[Fact]:
        plan = Plan(document)
        resolver = Resolver(plan)
        for instance in plan.instances.values():
            if instance.mode != "managed":
                continue
            ctx = Context(plan, resolver, instance)
            try:
                # Collected first, so that a resource is either mapped whole or reported unresolved.
                facts = list(facts_of(ctx))
            except Unknown as unknown:
                yield Unresolved(f"{unknown.reason}; left out rather than guessed", ctx.location)
                continue
            yield from facts
