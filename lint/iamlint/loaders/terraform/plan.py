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

from collections.abc import Iterator, Mapping
from typing import Any

from iamlint.loaders import LoadContext
from iamlint.loaders.documents import Document
from iamlint.loaders.shapes import Shape
from iamlint.loaders.terraform.addresses import module_steps
from iamlint.loaders.terraform.expressions import (
    UNSET,
    ConfigModule,
    Instance,
    Resolver,
    Unknown,
    walk_expression,
)
from iamlint.loaders.terraform.resources import COMPUTED, Context, facts_of
from iamlint.model import Fact, Unresolved

SUPPORTED_MAJOR = "1"


# --- the plan, indexed -----------------------------------------------------------------------------


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

    def root_variable(self, name: str) -> object:
        return self.variables.raw(name)

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
        if instance.config is UNSET:
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
        value = walk_expression(provider.get("expressions"), ("project",))
        constant = value.get("constant_value") if isinstance(value, dict) else None
        return constant if isinstance(constant, str) else None


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
        resolver = Resolver(plan, COMPUTED)
        for instance in plan.instances.values():
            if instance.mode != "managed":
                continue
            ctx = Context(plan.document, resolver, instance)
            try:
                # Collected first, so that a resource is either mapped whole or reported unresolved.
                facts = list(facts_of(ctx))
            except Unknown as unknown:
                yield Unresolved(f"{unknown.reason}; left out rather than guessed", ctx.location)
                continue
            yield from facts
