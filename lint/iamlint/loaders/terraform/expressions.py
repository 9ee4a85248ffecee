"""Values of Terraform resources: known ones as read, unknown ones worked out through their expressions.

The :class:`Resolver` answers "what is attribute A of resource instance R" for the resource mappers. It reads
through a small :class:`Configuration` protocol (the instances, the configuration blocks of modules and
resources, root variables, the provider's project) that a plan implements; it never imports the reader. A
value the configuration does not let iamlint work out raises :class:`Unknown`: the mapper's resource is
then reported as unresolved instead of guessed. What the google provider derives from known arguments (an
account's email from ``account_id`` and ``project``) is a table the mappers hand the resolver.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from iamlint.loaders.terraform.addresses import (
    MODULE_REF,
    RESOURCE_REF,
    VAR_REF,
    dotted,
    index_suffix,
    join,
    parent_module,
    primary_references,
)

MAX_DEPTH = 8  # reference chains longer than this are cycles or not worth following

UNSET: Mapping[str, Any] = {}


@dataclass
class Instance:
    """One resource instance, with what its reader says about its change."""

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
    # The resource's configuration block, looked up once (None: the reader has none for it).
    config: Mapping[str, Any] | None = field(default_factory=lambda: UNSET)


@dataclass
class ConfigModule:
    node: Mapping[str, Any]
    resources: Mapping[str, Mapping[str, Any]]
    calls: Mapping[str, Mapping[str, Any]]


class Configuration(Protocol):
    """What the resolver reads: instances by address, and the configuration that says where values come
    from."""

    @property
    def instances(self) -> Mapping[str, Instance]: ...

    @property
    def has_configuration(self) -> bool:
        """False when the reader has no configuration at all (then nothing can be followed or defaulted)."""
        ...

    def config_module(self, module: str) -> ConfigModule | None: ...

    def config_of(self, instance: Instance) -> Mapping[str, Any] | None: ...

    def provider_project(self, instance: Instance) -> str | None: ...

    def root_variable(self, name: str) -> object: ...


class Unknown(Exception):
    """A value known only after apply that the inputs do not let iamlint work out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# attribute -> how the provider computes it from the instance's known values
Computed = Callable[["Resolver", Instance, int], str]
ComputedTable = Mapping[str, Mapping[str, Computed]]


def walk_expression(node: Any, path: tuple[str | int, ...]) -> Any:
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


def is_unknown(unknown: Any, path: tuple[str | int, ...]) -> bool:
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


class Resolver:
    """Values of resource instances: known ones as read, unknown ones through their references."""

    def __init__(self, configuration: Configuration, computed: ComputedTable) -> None:
        self.configuration = configuration
        self.computed = computed

    def value(self, instance: Instance, path: tuple[str | int, ...], depth: int = 0) -> Any:
        """The value at ``path``; None when the configuration does not set it."""
        node: Any = instance.values
        for step in path:
            if isinstance(step, int):
                node = node[step] if isinstance(node, list) and step < len(node) else None
            else:
                node = node.get(step) if isinstance(node, dict) else None
        if node is not None or not is_unknown(instance.unknown, path):
            return node
        return self.unknown_value(instance, path, depth)

    def string(self, instance: Instance, *path: str | int, depth: int = 0) -> str | None:
        value = self.value(instance, path, depth)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise Unknown(f"{instance.address}: {dotted(path)} is not a string")
        return str(value)

    def required(self, instance: Instance, *path: str | int) -> str:
        value = self.string(instance, *path)
        if not value:
            raise Unknown(f"{dotted(path)} is not set")
        return value

    def project(self, instance: Instance, depth: int = 0) -> str:
        """The project a resource is in: its own ``project``, else its provider's."""
        if self.is_configured(instance, ("project",)) or not is_unknown(instance.unknown, ("project",)):
            project = self.string(instance, "project", depth=depth)
            if project:
                return project
        default = self.configuration.provider_project(instance)
        if default:
            return default
        raise Unknown(
            f"the project of {instance.address} is known only after apply (neither the resource nor its "
            "provider configuration sets it as a constant)"
        )

    def expression(self, instance: Instance, path: tuple[str | int, ...]) -> Any:
        config = self.configuration.config_of(instance)
        if config is None:
            return None
        return walk_expression(config.get("expressions"), tuple(step for step in path))

    def is_configured(self, instance: Instance, path: tuple[str | int, ...]) -> bool:
        """Whether the configuration sets the attribute at all (unset computed attributes are unknown
        in a plan, and mean the provider's or Google's default)."""
        if not self.configuration.has_configuration or self.configuration.config_of(instance) is None:
            return True  # cannot tell: assume set, so that nothing is defaulted by guess
        return self.expression(instance, path) is not None

    def unknown_value(self, instance: Instance, path: tuple[str | int, ...], depth: int) -> Any:
        expression = self.expression(instance, path)
        computed = self.computed.get(instance.type, {}).get(str(path[0])) if len(path) == 1 else None
        if not isinstance(expression, dict) and computed is not None:
            return computed(self, instance, depth + 1)
        what = f"{dotted(path)} of {instance.address}"
        if not isinstance(expression, dict):
            if self.configuration.config_of(instance) is None:
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
        if depth > MAX_DEPTH:
            raise Unknown(f"gave up following {ref}: the chain of references is too long")
        match = MODULE_REF.match(ref)
        if match:
            return self._module_output(module, match, depth)
        match = VAR_REF.match(ref)
        if match:
            return self._variable(module, match["name"], depth)
        match = RESOURCE_REF.match(ref)
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
        address = join(module, match["base"]) + index
        target = self.configuration.instances.get(address)
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
        child = join(module, f"module.{match['name']}{match['index'] or ''}")
        config = self.configuration.config_module(child)
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
            variable = self.configuration.root_variable(name)
            if isinstance(variable, dict):
                return variable.get("value")
            raise Unknown(f"var.{name} has no value in the plan")
        parent_address, call_name = parent
        config = self.configuration.config_module(parent_address)
        call = config.calls.get(call_name) if config else None
        expression = walk_expression(call.get("expressions") if call else None, (name,))
        what = f"var.{name} of {module}"
        if not isinstance(expression, dict):
            raise Unknown(f"{what} is not set by the module call (a default is not in a plan)")
        return self.follow(what, expression, parent_address, None, depth)
