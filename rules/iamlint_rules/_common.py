"""Helpers the rule families share: walking grants, naming resources, explaining inheritance."""

from __future__ import annotations

import fnmatch
import itertools
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TypeVar

import msgspec

from iamlint.findings import Finding, Severity
from iamlint.identities import is_service_agent
from iamlint.inventory import FOLDER_TYPE, ORGANIZATION_TYPE, PROJECT_TYPE, EffectiveBinding, Inventory
from iamlint.model import (
    Binding,
    Container,
    EnvVar,
    Principal,
    PrincipalKind,
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
# Every kind of member but deleted and public ones, which rules of their own (IAM004, IAM002) report.
ACCOUNT_KINDS = frozenset(PrincipalKind) - {
    PrincipalKind.DELETED,
    PrincipalKind.ALL_USERS,
    PrincipalKind.ALL_AUTHENTICATED_USERS,
}


class Grant(msgspec.Struct, frozen=True, gc=False):
    """One member of one binding: the unit most findings are about.

    (A frozen msgspec Struct, like the model's values: an org export has half a million grants, and a
    Struct is built in a quarter of a named tuple's time.)
    """

    binding: Binding
    principal: Principal
    # The binding's resource with its project written as the id, so that a policy read by project number
    # and one read by id report the same resource.
    resource: str
    # Where the member is written (``binding.location_of(principal)``), worked out once per grant.
    location: SourceLocation | None
    # ``binding.role``, at hand: rules read it several times per grant.
    role: str


class GrantIndex:
    """Every grant in input order, and where the grants of each role and principal kind are in it.

    A rule about a few roles or kinds of member visits only those grants instead of walking all of them.
    """

    def __init__(self, inventory: Inventory) -> None:
        every: list[Grant] = []
        add = every.append
        # Positions stored as machine integers, not int objects: an org export has millions of grants.
        # Filed by role, then kind: the role is looked up once per binding, not once per member.
        positions: dict[str, dict[PrincipalKind, array[int]]] = {}
        position = 0
        written_on = resource = ""
        for binding in inventory.bindings():
            # The bindings of one policy follow each other and name the same resource.
            if binding.resource != written_on:
                written_on = binding.resource
                resource = inventory.canonical(written_on)
            role = binding.role
            by_kind = positions.get(role)
            if by_kind is None:
                by_kind = positions[role] = {}
            for principal, location in zip(binding.members, binding.locations_of_members(), strict=True):
                found = by_kind.get(principal.kind)
                if found is None:
                    by_kind[principal.kind] = array("L", (position,))
                else:
                    found.append(position)
                add(Grant(binding, principal, resource, location, role))
                position += 1
        self.all: tuple[Grant, ...] = tuple(every)
        self._positions = positions

    def where(
        self,
        kinds: Collection[PrincipalKind] | None = None,
        role: Callable[[str], bool] | None = None,
    ) -> list[Grant]:
        """The grants to members of ``kinds`` of roles for which ``role`` holds, in input order.

        ``role`` is asked once per distinct role, not per grant.
        """
        chosen: list[array[int]] = []
        for granted, by_kind in self._positions.items():
            wanted: bool | None = None  # asked once a kind matches: some predicates read the role catalogue
            for kind, found in by_kind.items():
                if kinds is None or kind in kinds:
                    if wanted is None:
                        wanted = role is None or role(granted)
                    if not wanted:
                        break
                    chosen.append(found)
        if len(chosen) == 1:
            positions: Iterable[int] = chosen[0]
        else:
            positions = sorted(itertools.chain.from_iterable(chosen))
        every = self.all
        return [every[position] for position in positions]


def grant_index(inventory: Inventory) -> GrantIndex:
    """Built once per inventory and shared: a dozen rules ask, and an org export has millions of grants."""
    return inventory.shared("rules.grant_index", lambda: GrantIndex(inventory))


def grants(inventory: Inventory) -> Sequence[Grant]:
    """Every (binding, member) once, where the binding is written, in input order."""
    return grant_index(inventory).all


def grants_where(
    inventory: Inventory,
    *,
    kinds: Collection[PrincipalKind] | None = None,
    role: Callable[[str], bool] | None = None,
) -> list[Grant]:
    """The grants of :func:`grants` to members of ``kinds`` of roles for which ``role`` holds, in input
    order (see :meth:`GrantIndex.where`)."""
    return grant_index(inventory).where(kinds, role)


# A resource as users write it: ``projects/p/instances/i`` (an unbound policy: ``projects/unbound:PATH``).
# The model's function itself, not a wrapper around it: messages name resources half a million times in an
# org export.
describe = short_name


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


K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """``memo[key]`` is ``compute(key)``, worked out the first time it is asked and kept.

    Rules ask per grant about values that repeat (a member, a resource): a known answer is then a dict
    lookup, with no Python call at all.
    """

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self._compute(key)
        return value


def resource_types(inventory: Inventory) -> Memo[str, str | None]:
    """``inventory.resource_type``, remembered for the run: a name the inputs do not describe is typed by
    matching patterns."""
    return inventory.shared("rules.resource_types", lambda: Memo(inventory.resource_type))


def resource_type(inventory: Inventory, name: str) -> str | None:
    return resource_types(inventory)[name]


def hierarchy_levels(inventory: Inventory) -> Memo[str, bool]:
    """Whether a name is an organization, folder or project (an unbound policy counts as a project)."""
    types = resource_types(inventory)
    return inventory.shared(
        "rules.hierarchy_levels", lambda: Memo(lambda name: types[name] in HIERARCHY_TYPES)
    )


def is_hierarchy_level(inventory: Inventory, name: str) -> bool:
    return hierarchy_levels(inventory)[name]


def service_agents(inventory: Inventory) -> Memo[str, bool]:
    """:func:`is_service_agent` per member or email, remembered for the run (its own cache is bounded)."""
    return inventory.shared("rules.service_agents", lambda: Memo(is_service_agent))


def inheritance(effective: EffectiveBinding) -> str:
    """How a binding reaches the resource it was looked up for, in words."""
    if not effective.inherited:
        return f"on {describe(effective.written_on)}"
    chain = " -> ".join(describe(node) for node in effective.path[1:])
    return f"on {describe(effective.written_on)}, inherited through {chain}"


def known_resources(inventory: Inventory) -> list[str]:
    """Every resource the inputs name: described resources, policy holders and workloads."""
    return sorted(_known_names(inventory))


def _known_names(inventory: Inventory) -> set[str]:
    names = set(inventory.resources) | set(inventory.resources_with_policies())
    names.update(inventory.canonical(workload.name) for workload in inventory.workloads)
    return names


def known_resources_of_type(inventory: Inventory, *asset_types: str) -> list[str]:
    """The :func:`known_resources` of any of ``asset_types``, sorted."""
    by_type = inventory.names_by_type()
    return sorted(itertools.chain.from_iterable(by_type.get(asset_type, ()) for asset_type in asset_types))


class Below:
    """What lies under each resource (databases, service accounts ...), indexed once per check.

    Each item is filed under the resource it lives in and every ancestor of it, so "which databases does a
    grant on this folder reach" is one lookup instead of a walk over every resource per grant.
    """

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._index: dict[str, set[str]] = {}
        # Many items live in one resource (or in siblings), and many grants ask about one resource: each
        # chain of ancestors and each answer is worked out once.
        self._above: dict[str, tuple[str, ...]] = {}
        self._chains: dict[str, tuple[str, ...]] = {}
        self._answers: dict[str, tuple[str, ...]] = {}

    def _ancestors(self, node: str) -> tuple[str, ...]:
        """``inventory.ancestors(node)`` for a canonical name, reusing its parent's when that is known."""
        above = self._above.get(node)
        if above is None:
            parent = self._inventory.parent(node)
            further = self._above.get(parent) if parent else None
            if parent is None:
                above = ()
            elif further is not None and parent != node and node not in further:
                above = (parent, *further)
            else:
                above = tuple(self._inventory.ancestors(node))
            self._above[node] = above
        return above

    def add(self, at: str, item: str) -> None:
        self.add_all(at, (item,))

    def add_all(self, at: str, items: Collection[str]) -> None:
        chain = self._chains.get(at)
        if chain is None:
            node = self._inventory.canonical(at)
            parent = self._inventory.parent(node)
            if parent is not None:
                self._ancestors(parent)  # so that siblings of ``at`` share their parent's chain
            chain = self._chains[at] = (node, *self._ancestors(node))
        index = self._index
        for name in chain:
            filed = index.get(name)
            if filed is None:
                filed = index[name] = set()
            filed.update(items)
        self._answers.clear()

    def add_many(self, filed: Iterable[tuple[str, Collection[str]]]) -> None:
        """:meth:`add_all` for each (``at``, ``items``).

        Items of siblings go up the ancestors they share together: an org export has tens of thousands of
        databases in a few thousand instances, and walking each one's chain was most of the indexing.
        """
        inventory = self._inventory
        index = self._index
        # parent -> (node, items) of each child under it
        children: dict[str, list[tuple[str, Collection[str]]]] = {}
        for at, items in filed:
            node = inventory.canonical(at)
            own = index.get(node)
            if own is None:
                index[node] = set(items)
            else:
                own.update(items)
            parent = inventory.parent(node)
            if parent is not None:
                siblings = children.get(parent)
                if siblings is None:
                    children[parent] = [(node, items)]
                else:
                    siblings.append((node, items))
        for parent, siblings in children.items():
            above = (parent, *self._ancestors(parent))
            shared: set[str] = set()
            for node, items in siblings:
                if node in above:
                    # A loop in the inputs' hierarchy: the node's own chain is cut differently.
                    for name in self._ancestors(node):
                        index.setdefault(name, set()).update(items)
                else:
                    shared.update(items)
            if shared:
                for name in above:
                    filed_here = index.get(name)
                    if filed_here is None:
                        index[name] = set(shared)
                    else:
                        filed_here.update(shared)
        self._answers.clear()

    def under(self, name: str) -> Sequence[str]:
        """Sorted."""
        answer = self._answers.get(name)
        if answer is None:
            answer = self._answers[name] = tuple(sorted(self._index.get(self._inventory.canonical(name), ())))
        return answer

    @classmethod
    def resources_of_type(cls, inventory: Inventory, asset_type: str) -> Below:
        index = cls(inventory)
        index.add_many((name, (name,)) for name in known_resources_of_type(inventory, asset_type))
        return index


def listing(items: Sequence[str], limit: int = 3, show: Callable[[str], str] | None = None) -> str:
    """The first ``limit`` items (each passed through ``show``, if given) and how many more there are."""
    shown = ", ".join(map(show, items[:limit]) if show else items[:limit])
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


class EnvEntry(msgspec.Struct, frozen=True, gc=False):
    """One ``env`` entry of one container of one Cloud Run service or job.

    (A msgspec Struct: two rules walk every entry of an org export, and a frozen dataclass is built in
    several times a Struct's time.)
    """

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
