"""The indexes rules query, built once from the loaders' facts.

Cross-resource questions (who shares a service account, what a principal holds through inheritance, which
environment a project belongs to) are answered here so that no rule scans everything again.
"""

from __future__ import annotations

import fnmatch
import itertools
import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from iamlint.model import (
    CRM,
    LEADING_PROJECT,
    PROJECT_PREFIX,
    UNBOUND_PROJECT_PREFIX,
    AuditConfig,
    Binding,
    CustomRole,
    Fact,
    Notice,
    Policy,
    Resource,
    ServiceAccount,
    ServiceAccountKey,
    UnknownAsset,
    Unresolved,
    Workload,
    compute_default_account,
    project_of_name,
    replace,
    service_account_project,
)

T = TypeVar("T")

PROJECT_TYPE = "cloudresourcemanager.googleapis.com/Project"
FOLDER_TYPE = "cloudresourcemanager.googleapis.com/Folder"
ORGANIZATION_TYPE = "cloudresourcemanager.googleapis.com/Organization"

_ENVIRONMENT_TOKENS = {
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "dev": "dev",
    "development": "dev",
    "test": "test",
    "qa": "test",
    "uat": "test",
}


@dataclass(frozen=True)
class Settings:
    """Knowledge about the organisation that the inputs do not carry, from the config."""

    environments: Mapping[str, Sequence[str]] = field(default_factory=dict)
    allowed_domains: Sequence[str] = ()
    # Fixed per run so that time-dependent rules (expired conditions) are deterministic under test.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


class EffectiveBinding(msgspec.Struct, frozen=True, gc=False):
    """A binding as seen from a resource: set on it, or inherited from ``written_on``."""

    binding: Binding
    written_on: str
    # Full names from where the binding is written down to the resource asked about (both included).
    path: tuple[str, ...]

    @property
    def inherited(self) -> bool:
        return len(self.path) > 1


_BINDINGS_OF = operator.attrgetter("bindings")


class InventoryBuilder:
    """Collects facts as loaders stream them; :meth:`build` indexes them."""

    def __init__(self) -> None:
        self.resources: dict[str, Resource] = {}
        self.policies: list[Policy] = []
        self.workloads: list[Workload] = []
        self.service_accounts: dict[str, ServiceAccount] = {}
        self.keys: list[ServiceAccountKey] = []
        self.custom_roles: dict[str, CustomRole] = {}
        self.notices: list[Notice] = []
        self.unresolved: list[Unresolved] = []
        self.unknown_asset_types: Counter[str] = Counter()
        # Paths of bare policy files that no --resource or config entry binds to a resource.
        self.unbound_policy_paths: list[str] = []

    def add(self, fact: Fact) -> None:
        # By exact type first: an org export adds millions of facts, most of them of the last kinds below.
        add = _ADDERS.get(type(fact)) or _adder_for(fact)
        add(self, fact)

    def _add_policy(self, fact: Policy) -> None:
        self.policies.append(fact)
        if not fact.bound and fact.location and fact.location.path:
            self.unbound_policy_paths.append(fact.location.path)

    def _add_resource(self, fact: Resource) -> None:
        known = self.resources.get(fact.name)
        self.resources[fact.name] = _merge_resource(known, fact) if known else fact

    def _add_workload(self, fact: Workload) -> None:
        self.workloads.append(fact)

    def _add_service_account(self, fact: ServiceAccount) -> None:
        self.service_accounts.setdefault(fact.email.lower(), fact)

    def _add_key(self, fact: ServiceAccountKey) -> None:
        self.keys.append(fact)

    def _add_custom_role(self, fact: CustomRole) -> None:
        self.custom_roles[fact.name] = fact

    def _add_notice(self, fact: Notice) -> None:
        self.notices.append(fact)

    def _add_unknown_asset(self, fact: UnknownAsset) -> None:
        self.unknown_asset_types[fact.asset_type] += 1

    def _add_unresolved(self, fact: Unresolved) -> None:
        self.unresolved.append(fact)

    def add_all(self, facts: Iterable[Fact]) -> None:
        adders = _ADDERS  # add(), without a call per fact
        for fact in facts:
            (adders.get(type(fact)) or _adder_for(fact))(self, fact)

    def build(self, settings: Settings | None = None) -> Inventory:
        return Inventory(self, settings or Settings())


_ADDERS: dict[type[Any], Callable[[InventoryBuilder, Any], None]] = {
    Policy: InventoryBuilder._add_policy,
    Resource: InventoryBuilder._add_resource,
    Workload: InventoryBuilder._add_workload,
    ServiceAccount: InventoryBuilder._add_service_account,
    ServiceAccountKey: InventoryBuilder._add_key,
    CustomRole: InventoryBuilder._add_custom_role,
    Notice: InventoryBuilder._add_notice,
    UnknownAsset: InventoryBuilder._add_unknown_asset,
    Unresolved: InventoryBuilder._add_unresolved,
}


def _adder_for(fact: object) -> Callable[[InventoryBuilder, Any], None]:
    for kind, adder in _ADDERS.items():
        if isinstance(fact, kind):
            return adder
    raise TypeError(f"a loader produced {type(fact).__name__}, which is not one of the model's facts")


def _merge_resource(known: Resource, new: Resource) -> Resource:
    """Two inputs may describe one resource (a resource export and an iam-policy export): keep both."""
    if (
        (known.parent or not new.parent)
        and (known.location or not new.location)
        and (known.project_id or not new.project_id)
        and (known.project_number or not new.project_number)
        and (known.ancestors or not new.ancestors)
        and new.labels.keys() <= known.labels.keys()
    ):
        # The usual case in an org export: the iam-policy line adds nothing the resource line did not say.
        return known
    return replace(
        known,
        parent=known.parent or new.parent,
        labels={**new.labels, **known.labels},
        location=known.location or new.location,
        project_id=known.project_id or new.project_id,
        project_number=known.project_number or new.project_number,
        ancestors=known.ancestors or new.ancestors,
    )


class Inventory:
    """Read-only indexes over everything the inputs said."""

    def __init__(self, builder: InventoryBuilder, settings: Settings) -> None:
        self.settings = settings
        self.notices: tuple[Notice, ...] = tuple(builder.notices)
        self.unresolved: tuple[Unresolved, ...] = tuple(builder.unresolved)
        self.unknown_asset_types: Mapping[str, int] = dict(builder.unknown_asset_types)
        self.custom_roles: Mapping[str, CustomRole] = dict(builder.custom_roles)
        self.keys: tuple[ServiceAccountKey, ...] = tuple(builder.keys)

        self._number_to_id: dict[str, str] = {}
        numbered = self._learn_project_aliases(builder)
        self._id_to_number = {project_id: number for number, project_id in self._number_to_id.items()}
        # Rules ask for the canonical form of the same few names again and again (millions of times in
        # an org export); the aliases are fixed from here on, so each answer is computed once.
        self._canonical: dict[str, str] = {}
        self.resources: dict[str, Resource] = {}
        self._bindings: dict[str, Sequence[Binding]] = {}

        # Only a name whose project segment is a number can change: the rest are canonical already.
        renamed = {name: self.canonical(name) for name in numbered}
        for name, resource in builder.resources.items():
            # One project may be named by number in one input and by id in another: merge, keep both.
            key = renamed.get(name, name)
            known = self.resources.get(key)
            self.resources[key] = _merge_resource(known, resource) if known else resource

        self.policies: tuple[Policy, ...] = tuple(builder.policies)
        # Most resources have one policy: its own tuples are kept, not copied into a list per resource.
        self._audit_configs: dict[str, Sequence[AuditConfig]] = {}
        for policy in self.policies:
            key = self.canonical(policy.resource)
            earlier = self._bindings.get(key, ())
            self._bindings[key] = (*earlier, *policy.bindings) if earlier else policy.bindings
            if policy.audit_configs:
                audit = self._audit_configs.get(key, ())
                self._audit_configs[key] = (*audit, *policy.audit_configs)

        self.service_accounts: Mapping[str, ServiceAccount] = dict(builder.service_accounts)
        self.workloads: tuple[Workload, ...] = tuple(
            self._resolve_default_account(w) for w in builder.workloads
        )
        self._workloads_by_account: dict[str, list[Workload]] = defaultdict(list)
        for workload in self.workloads:
            self._workloads_by_account[workload.service_account.lower()].append(workload)
        self._parents: dict[str, str | None] = {}
        self._ancestors: dict[str, tuple[str, ...]] = {}
        self._account_projects: dict[str, str | None] = {}
        self._names_by_type: dict[str | None, list[str]] | None = None
        self._shared: dict[str, Any] = {}
        self._environments: dict[str, str | None] = {}

    def shared(self, key: str, build: Callable[[], T]) -> T:
        """An index several rules derive from the inventory, built by the first that asks (``key`` names
        it, e.g. ``"rules.grants"``); the inventory is read-only, so the index stays valid."""
        if key not in self._shared:
            self._shared[key] = build()
        value: T = self._shared[key]
        return value

    # --- projects -----------------------------------------------------------------------------------

    def _learn_project_aliases(self, builder: InventoryBuilder) -> list[str]:
        """Tie project numbers to ids; the names of the resources named by project number."""
        numbered = []
        # The project in each ancestors chain, looked for once per chain: an org export has a few thousand
        # chains and a million assets.
        chain_projects: dict[tuple[str, ...], str] = {}
        for resource in builder.resources.values():
            if resource.project_id and resource.project_number:
                self._number_to_id[resource.project_number] = resource.project_id
            name = resource.name
            # The leading project segment, found in one call (this runs once per resource of an export).
            leading = LEADING_PROJECT.match(name)
            if leading and leading.group(1).isdigit():
                numbered.append(name)
                continue
            # An asset named by project id whose ancestors start with projects/NUMBER ties the two; the
            # first to do so wins, so the name is read only while the number is not tied yet.
            ancestors = resource.ancestors
            if not ancestors:
                continue
            if resource.asset_type == PROJECT_TYPE:
                first = ancestors[0]
            else:
                known = chain_projects.get(ancestors)
                if known is None:
                    known = next((a for a in ancestors if a.startswith("projects/")), "")
                    chain_projects[ancestors] = known
                first = known
            number = first.removeprefix("projects/")
            if number.isdigit() and number not in self._number_to_id:
                named = _named_project(name)
                if named:
                    self._number_to_id[number] = named
        for workload in builder.workloads:
            # A Knative export names the project by number in metadata.namespace and by id nowhere, but a
            # v2 name or label may carry both.
            ids = workload.labels.get("iamlint.dev/project-id")
            if ids and workload.project.isdigit():
                self._number_to_id.setdefault(workload.project, ids)
        return numbered

    def project_id(self, project: str) -> str:
        """The project id for an id or number, when the inputs tell; the input unchanged otherwise."""
        return self._number_to_id.get(project, project)

    def project_number(self, project: str) -> str | None:
        if project.isdigit():
            return project
        return self._id_to_number.get(project)

    def same_project(self, left: str, right: str) -> bool:
        return self.project_id(left) == self.project_id(right)

    def canonical(self, full_name: str) -> str:
        """A full name with its project segment written as the project id, so aliases compare equal."""
        known = self._canonical.get(full_name)
        if known is not None:
            return known
        if full_name in self.resources or full_name in self._bindings:
            return full_name  # the indexes are keyed by canonical names
        name = full_name
        project = _project_segment(full_name)
        if project and project.isdigit() and project in self._number_to_id:
            name = full_name.replace(f"projects/{project}", f"projects/{self._number_to_id[project]}", 1)
        self._canonical[full_name] = name
        return name

    def projects(self) -> list[str]:
        """Canonical full names of every project the inputs mention, in a stable order."""
        found: set[str] = set()
        for name in [*self.resources, *self._bindings]:
            project = _project_segment(name)
            if project:
                found.add(PROJECT_PREFIX + self.project_id(project))
        for workload in self.workloads:
            found.add(PROJECT_PREFIX + self.project_id(workload.project))
        return sorted(found)

    def project_resource(self, project: str) -> Resource | None:
        return self.resources.get(self.canonical(PROJECT_PREFIX + project))

    def project_labels(self, project: str) -> Mapping[str, str]:
        resource = self.project_resource(self.project_id(project))
        return resource.labels if resource else {}

    def environment_of(self, project: str) -> str | None:
        """prod/staging/dev/test for a project id or number, or None when nothing says."""
        # Asked for every grant by the cross-environment rules; the answer per project never changes, and
        # is one for the project's id and number.
        environments = self._environments
        if project in environments:
            return environments[project]
        project_id = self.project_id(project)
        if project_id not in environments:
            environments[project_id] = self._find_environment(project_id)
        answer = environments[project] = environments[project_id]
        return answer

    def _find_environment(self, project: str) -> str | None:
        project_id = self.project_id(project)
        for environment, globs in self.settings.environments.items():
            if any(fnmatch.fnmatchcase(project_id, glob) for glob in globs):
                return environment
        labels = self.project_labels(project_id)
        for key in ("env", "environment"):
            if labels.get(key):
                label = labels[key].lower()
                return _ENVIRONMENT_TOKENS.get(label, label)
        for token in re.split(r"[-_.]", project_id.lower()):
            if token in _ENVIRONMENT_TOKENS:
                return _ENVIRONMENT_TOKENS[token]
        return None

    # --- hierarchy ----------------------------------------------------------------------------------

    def parent(self, full_name: str) -> str | None:
        name = self.canonical(full_name)
        if name not in self._parents:
            self._parents[name] = self._find_parent(name)
        return self._parents[name]

    def _find_parent(self, name: str) -> str | None:
        resource = self.resources.get(name)
        if resource is not None:
            if resource.parent:
                return self.canonical(resource.parent)
            if resource.ancestors:
                own = 1 if resource.asset_type in (PROJECT_TYPE, FOLDER_TYPE, ORGANIZATION_TYPE) else 0
                remaining = resource.ancestors[own:]
                if remaining:
                    return self.canonical(CRM + remaining[0])
        derived = derived_parent(name)
        return self.canonical(derived) if derived else None

    def ancestors(self, full_name: str) -> Sequence[str]:
        """Nearest first, up to the organization where the inputs say; loops are cut."""
        name = self.canonical(full_name)
        known = self._ancestors.get(name)
        if known is not None:
            return known
        chain: list[str] = []
        seen = {name}
        current = self.parent(name)
        while current and current not in seen:
            chain.append(current)
            seen.add(current)
            above = self._ancestors.get(current)
            if above is not None:
                # The rest of the walk is that ancestor's own chain, cut where it comes back to a node
                # already met (a loop in the inputs); rules ask for thousands of siblings' chains.
                for node in above:
                    if node in seen:
                        break
                    chain.append(node)
                    seen.add(node)
                break
            current = self.parent(current)
        result = self._ancestors[name] = tuple(chain)
        return result

    def resource_type(self, full_name: str) -> str | None:
        resource = self.resources.get(self.canonical(full_name))
        return resource.asset_type if resource else asset_type_of_name(full_name)

    # --- bindings -----------------------------------------------------------------------------------

    def bindings(self) -> Iterator[Binding]:
        """Every binding once, where it is written."""
        # Without a Python frame per binding: several rules walk every binding of an org export.
        return itertools.chain.from_iterable(map(_BINDINGS_OF, self.policies))

    def bindings_on(self, full_name: str) -> Sequence[Binding]:
        return self._bindings.get(self.canonical(full_name), ())

    def effective_bindings(self, full_name: str) -> Iterator[EffectiveBinding]:
        """Bindings set on the resource and on each ancestor, nearest first."""
        name = self.canonical(full_name)
        path: tuple[str, ...] = (name,)
        for node in [name, *self.ancestors(name)]:
            if node != name:
                path = (node, *path)
            for binding in self._bindings.get(node, ()):
                yield EffectiveBinding(binding, node, path)

    def audit_configs_on(self, full_name: str) -> Sequence[AuditConfig]:
        return self._audit_configs.get(self.canonical(full_name), ())

    def effective_audit_configs(self, full_name: str) -> Iterator[AuditConfig]:
        for node in [self.canonical(full_name), *self.ancestors(full_name)]:
            yield from self._audit_configs.get(node, ())

    def resources_with_policies(self) -> list[str]:
        return sorted(self._bindings.keys() | self._audit_configs.keys())

    def names_by_type(self) -> Mapping[str | None, Sequence[str]]:
        """Every name the inputs mention (described resources, policy holders, workloads), canonical and
        filed by asset type (None where neither the inputs nor the name's pattern tell); built on first
        use, in no particular order."""
        if self._names_by_type is None:
            by_type: dict[str | None, list[str]] = defaultdict(list)
            for name, resource in self.resources.items():
                by_type[resource.asset_type].append(name)
            others = self._bindings.keys() | self._audit_configs.keys()
            others.update(self.canonical(workload.name) for workload in self.workloads)
            for name in others - self.resources.keys():
                by_type[asset_type_of_name(name)].append(name)
            self._names_by_type = dict(by_type)
        return self._names_by_type

    # --- workloads and accounts ---------------------------------------------------------------------

    def _resolve_default_account(self, workload: Workload) -> Workload:
        if not workload.unresolved_default_account:
            return workload
        number = self.project_number(workload.project)
        if number is None:
            return workload
        return replace(
            workload, service_account=compute_default_account(number), unresolved_default_account=False
        )

    def workloads_by_service_account(self) -> Mapping[str, Sequence[Workload]]:
        return self._workloads_by_account

    def workloads_running_as(self, email: str) -> Sequence[Workload]:
        return self._workloads_by_account.get(email.lower(), [])

    def service_account_project(self, email: str) -> str | None:
        """Project id (where known) that owns a service account."""
        if email in self._account_projects:
            return self._account_projects[email]
        account = self.service_accounts.get(email.lower())
        project = account.project if account and account.project else service_account_project(email)
        answer = self._account_projects[email] = self.project_id(project) if project else None
        return answer


def _project_segment(full_name: str) -> str | None:
    return project_of_name(full_name, leading_only=True)


def _named_project(full_name: str) -> str | None:
    """The project a name places itself in, or None. ``_`` and ``-`` stand for "any project" (Cloud
    Storage's API names a bucket projects/_/buckets/B): such a name does not say which, the ancestors do."""
    project = _project_segment(full_name)
    return None if project in _ANY_PROJECT else project


_ANY_PROJECT = frozenset({"_", "-"})


_PARENT_SUFFIXES = (
    # (service prefix, pattern) for names whose parent is named inside them; the prefix spares most names
    # the regular expression.
    (
        "//spanner.googleapis.com/",
        re.compile(
            r"^(//spanner\.googleapis\.com/projects/[^/]+/instances/[^/]+)/(databases|backups)/[^/]+$"
        ),
    ),
)


def derived_parent(full_name: str) -> str | None:
    """The parent implied by a full name: database -> instance -> project; any project-scoped -> project."""
    for prefix, pattern in _PARENT_SUFFIXES:
        match = pattern.match(full_name) if full_name.startswith(prefix) else None
        if match:
            return match.group(1)
    if full_name.startswith(CRM):
        return None
    project = _named_project(full_name)
    return PROJECT_PREFIX + project if project else None


_TYPE_BY_NAME = (
    (re.compile(r"^//cloudresourcemanager\.googleapis\.com/projects/[^/]+$"), PROJECT_TYPE),
    (re.compile(r"^//cloudresourcemanager\.googleapis\.com/folders/[^/]+$"), FOLDER_TYPE),
    (re.compile(r"^//cloudresourcemanager\.googleapis\.com/organizations/[^/]+$"), ORGANIZATION_TYPE),
    (
        re.compile(r"^//spanner\.googleapis\.com/projects/[^/]+/instances/[^/]+$"),
        "spanner.googleapis.com/Instance",
    ),
    (
        re.compile(r"^//spanner\.googleapis\.com/projects/[^/]+/instances/[^/]+/databases/[^/]+$"),
        "spanner.googleapis.com/Database",
    ),
    (
        re.compile(r"^//run\.googleapis\.com/projects/[^/]+/locations/[^/]+/services/[^/]+$"),
        "run.googleapis.com/Service",
    ),
    (
        re.compile(r"^//run\.googleapis\.com/projects/[^/]+/locations/[^/]+/jobs/[^/]+$"),
        "run.googleapis.com/Job",
    ),
    (
        re.compile(r"^//iam\.googleapis\.com/projects/[^/]+/serviceAccounts/[^/]+$"),
        "iam.googleapis.com/ServiceAccount",
    ),
)


def asset_type_of_name(full_name: str) -> str | None:
    if full_name.startswith(UNBOUND_PROJECT_PREFIX):
        return PROJECT_TYPE
    for pattern, asset_type in _TYPE_BY_NAME:
        if pattern.match(full_name):
            return asset_type
    return None
