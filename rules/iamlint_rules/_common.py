"""Helpers the rule families share: walking grants, naming resources, explaining inheritance."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from iamlint.findings import Finding, Severity
from iamlint.inventory import FOLDER_TYPE, ORGANIZATION_TYPE, PROJECT_TYPE, EffectiveBinding, Inventory
from iamlint.model import (
    Binding,
    Container,
    EnvVar,
    Principal,
    SourceLocation,
    Workload,
    WorkloadKind,
    short_name,
)
from iamlint.rule import Rule

HIERARCHY_TYPES = frozenset({ORGANIZATION_TYPE, FOLDER_TYPE, PROJECT_TYPE})
SPANNER_INSTANCE_TYPE = "spanner.googleapis.com/Instance"
SPANNER_DATABASE_TYPE = "spanner.googleapis.com/Database"
RUN_SERVICE_TYPE = "run.googleapis.com/Service"
BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})


@dataclass(frozen=True, slots=True)
class Grant:
    """One member of one binding: the unit most findings are about."""

    binding: Binding
    principal: Principal
    # The binding's resource with its project written as the id, so that a policy read by project number
    # and one read by id report the same resource.
    resource: str

    @property
    def role(self) -> str:
        return self.binding.role

    @property
    def location(self) -> SourceLocation | None:
        return self.binding.location_of(self.principal)


def grants(inventory: Inventory) -> Sequence[Grant]:
    """Every (binding, member) once, where the binding is written, in input order.

    Built once per inventory and shared: a dozen rules walk every grant, and an org export has millions.
    """

    def build() -> tuple[Grant, ...]:
        return tuple(
            Grant(binding, principal, inventory.canonical(binding.resource))
            for binding in inventory.bindings()
            for principal in binding.members
        )

    return inventory.shared("rules.grants", build)


def describe(name: str) -> str:
    """A resource as users write it: ``projects/p/instances/i`` (an unbound policy: ``projects/unbound:PATH``)."""
    return short_name(name)


def condition_note(binding: Binding) -> str:
    """`` (conditional: TITLE)`` for a conditional binding, so a message never hides that it may not apply."""
    if binding.hidden_condition:
        return " (conditional; the condition was hidden by a version-1 policy read)"
    if binding.condition is None:
        return ""
    return f" (conditional: {condition_label(binding)})"


def condition_label(binding: Binding) -> str:
    """A condition's title, else its expression."""
    if binding.condition is None:
        return "hidden" if binding.hidden_condition else ""
    return binding.condition.title or binding.condition.expression


def condition_detail(binding: Binding) -> str | None:
    """Keeps a conditional grant's finding apart from an unconditional grant of the same role."""
    if binding.hidden_condition:
        return "condition: hidden"
    if binding.condition is None:
        return None
    return f"condition: {condition_label(binding)}"


def grant_finding(rule: Rule, grant: Grant, message: str, severity: Severity | None = None) -> Finding:
    """A finding about one member's grant, located where the binding is written."""
    return rule.finding(
        message,
        resource=grant.resource,
        principal=grant.principal.member,
        role=grant.role,
        location=grant.location,
        severity=severity,
        detail=condition_detail(grant.binding),
    )


def is_hierarchy_level(inventory: Inventory, name: str) -> bool:
    """Organization, folder or project (an unbound policy counts as a project)."""
    return inventory.resource_type(name) in HIERARCHY_TYPES


def inheritance(effective: EffectiveBinding) -> str:
    """How a binding reaches the resource it was looked up for, in words."""
    if not effective.inherited:
        return f"on {describe(effective.written_on)}"
    chain = " -> ".join(describe(node) for node in effective.path[1:])
    return f"on {describe(effective.written_on)}, inherited through {chain}"


def known_resources(inventory: Inventory) -> list[str]:
    """Every resource the inputs name: described resources, policy holders and workloads."""
    names = set(inventory.resources) | set(inventory.resources_with_policies())
    names.update(inventory.canonical(workload.name) for workload in inventory.workloads)
    return sorted(names)


class Below:
    """What lies under each resource (databases, service accounts ...), indexed once per check.

    Each item is filed under the resource it lives in and every ancestor of it, so "which databases does a
    grant on this folder reach" is one lookup instead of a walk over every resource per grant.
    """

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._index: dict[str, set[str]] = {}

    def add(self, at: str, item: str) -> None:
        for node in [self._inventory.canonical(at), *self._inventory.ancestors(at)]:
            self._index.setdefault(node, set()).add(item)

    def under(self, name: str) -> list[str]:
        return sorted(self._index.get(self._inventory.canonical(name), ()))

    @classmethod
    def resources_of_type(cls, inventory: Inventory, asset_type: str) -> Below:
        index = cls(inventory)
        for name in known_resources(inventory):
            if inventory.resource_type(name) == asset_type:
                index.add(name, name)
        return index


def listing(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def matches_any(value: str, globs: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(value, glob) for glob in globs)


def string_list(description: str, default: Sequence[str] = ()) -> dict[str, object]:
    """The options-schema entry of a list of strings."""
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": list(default),
        "description": description,
    }


@dataclass(frozen=True, slots=True)
class EnvEntry:
    """One ``env`` entry of one container of one Cloud Run service or job."""

    workload: Workload
    container: Container
    index: int  # of the container, for names when the container has none
    env: EnvVar

    @property
    def container_label(self) -> str:
        return self.container.name or f"container #{self.index + 1}"

    @property
    def detail(self) -> str:
        return f"{self.container_label}/{self.env.name}"


def env_entries(inventory: Inventory) -> Iterator[EnvEntry]:
    for workload in inventory.workloads:
        for index, container in enumerate(workload.containers):
            for env in container.env:
                yield EnvEntry(workload, container, index, env)


def workload_kind(workload: Workload) -> str:
    return "Cloud Run job" if workload.kind is WorkloadKind.JOB else "Cloud Run service"
