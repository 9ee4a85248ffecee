"""Organisation constraints written in the config (``constraints:``), turned into rules.

Each constraint becomes a real :class:`~iamlint.rule.Rule` with the team's own id, so it is selected,
reported, suppressed and baselined exactly like a built-in rule. The config schema has already checked
the shape (``schemas/config.schema.json``); this module only decides what matches.

- ``deny``: grants matching every given key (roles, members, resources, environments) are findings;
- ``allow``: on matching resources, a grant whose role or member is not listed is a finding;
- ``require``: every matching resource must have a binding of ``role`` to one of ``members``.

``except`` exempts grants (for ``require``: resources) matching any of its entries. ``inherited: true``
looks at effective bindings (set on the resource or any ancestor) instead of bindings where written.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from iamlint.config import Config
from iamlint.errors import ConfigError
from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.loaders.documents import line_of
from iamlint.model import Binding, Principal, SourceLocation, project_of_name, short_name
from iamlint.rule import Options, Rule

CONSTRAINTS_PACK = "constraints"
KINDS = ("deny", "allow", "require")


def _globs(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class Match:
    """One match object of the config; every key given must match, any glob of a key may."""

    roles: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Match:
        return cls(
            roles=_globs(data.get("roles")),
            # Emails are case-insensitive in IAM; the kind prefix (serviceAccount:) is compared the same way.
            members=tuple(glob.lower() for glob in _globs(data.get("members"))),
            resources=_globs(data.get("resources")),
            environments=_globs(data.get("environments")),
        )

    def role_matches(self, role: str) -> bool:
        return any(fnmatch.fnmatchcase(role, glob) for glob in self.roles)

    def member_matches(self, member: str) -> bool:
        return any(fnmatch.fnmatchcase(member.lower(), glob) for glob in self.members)

    def resource_matches(self, inventory: Inventory, resource: str) -> bool:
        """Resource globs match the full name or the short name (``projects/acme-*``)."""
        if self.resources and not any(
            fnmatch.fnmatchcase(resource, glob) or fnmatch.fnmatchcase(short_name(resource), glob)
            for glob in self.resources
        ):
            return False
        if self.environments:
            project = project_of_name(resource)
            environment = inventory.environment_of(project) if project else None
            return environment is not None and environment in self.environments
        return True

    def grant_matches(self, inventory: Inventory, resource: str, member: str, role: str) -> bool:
        return (
            (not self.roles or self.role_matches(role))
            and (not self.members or self.member_matches(member))
            and self.resource_matches(inventory, resource)
        )


@dataclass(frozen=True, slots=True)
class ConstrainedGrant:
    """One member of one binding as seen from ``resource`` (its own, or inherited from ``written_on``)."""

    resource: str
    binding: Binding
    principal: Principal
    written_on: str

    @property
    def where(self) -> str:
        if self.written_on == self.resource:
            return f"on {short_name(self.resource)}"
        return f"on {short_name(self.resource)} (inherited from {short_name(self.written_on)})"

    @property
    def location(self) -> SourceLocation | None:
        return self.binding.location_of(self.principal)


def known_resources(inventory: Inventory) -> list[str]:
    """Canonical names of every resource the inputs mention: described, holding a policy, or a project."""
    names = set(inventory.resources) | set(inventory.resources_with_policies()) | set(inventory.projects())
    names.update(inventory.canonical(workload.name) for workload in inventory.workloads)
    return sorted(names)


class ConstraintRule(Rule):
    """A rule built from one ``constraints:`` entry; :func:`constraint_rule` makes one class per entry so
    that the metadata stays class-level, as the rule API declares it."""

    spec: ClassVar[Mapping[str, Any]] = {}
    kind: ClassVar[str] = "deny"

    def __init__(self) -> None:
        self.match = Match.parse(self.spec[self.kind])
        self.exceptions = tuple(Match.parse(entry) for entry in self.spec.get("except", ()))
        self.inherited = bool(self.spec.get("inherited", False))

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        if self.kind == "require":
            yield from self._check_require(inventory)
            return
        for grant in self._grants(inventory):
            if self._exempt(inventory, grant):
                continue
            if self.kind == "deny" and self.match.grant_matches(
                inventory, grant.resource, grant.principal.member, grant.binding.role
            ):
                yield self._grant_finding(grant, f"denied by constraint {self.id}")
            elif self.kind == "allow":
                why = self._not_allowed(grant)
                if why:
                    yield self._grant_finding(grant, why)

    def _grants(self, inventory: Inventory) -> Iterator[ConstrainedGrant]:
        """Grants on the resources in scope: where written, or (``inherited``) as each resource sees them."""
        if self.inherited:
            for resource in known_resources(inventory):
                if not self.match.resource_matches(inventory, resource):
                    continue
                for effective in inventory.effective_bindings(resource):
                    for principal in effective.binding.members:
                        yield ConstrainedGrant(resource, effective.binding, principal, effective.written_on)
            return
        for binding in inventory.bindings():
            resource = inventory.canonical(binding.resource)
            if self.match.resource_matches(inventory, resource):
                for principal in binding.members:
                    yield ConstrainedGrant(resource, binding, principal, resource)

    def _exempt(self, inventory: Inventory, grant: ConstrainedGrant) -> bool:
        return any(
            entry.grant_matches(inventory, grant.resource, grant.principal.member, grant.binding.role)
            for entry in self.exceptions
        )

    def _not_allowed(self, grant: ConstrainedGrant) -> str | None:
        if self.match.roles and not self.match.role_matches(grant.binding.role):
            return f"the role is not one constraint {self.id} allows"
        if self.match.members and not self.match.member_matches(grant.principal.member):
            return f"the member is not one constraint {self.id} allows"
        return None

    def _grant_finding(self, grant: ConstrainedGrant, why: str) -> Finding:
        role = grant.binding.role
        conditional = " (conditional)" if grant.binding.is_conditional else ""
        return self.finding(
            f"{grant.principal.member} holds {role} {grant.where}{conditional}: {why} ({self.summary})",
            resource=grant.resource,
            principal=grant.principal.member,
            role=role,
            location=grant.location,
            # An inherited grant is one finding per resource it reaches; the origin keeps them apart from
            # the finding where it is written.
            detail=None if grant.written_on == grant.resource else f"inherited from {grant.written_on}",
        )

    def _check_require(self, inventory: Inventory) -> Iterator[Finding]:
        role = str(self.spec["require"]["role"])
        locations = _policy_locations(inventory)
        for resource in known_resources(inventory):
            if not self.match.resource_matches(inventory, resource) or any(
                entry.resource_matches(inventory, resource) for entry in self.exceptions
            ):
                continue
            bindings: Iterable[Binding] = (
                (effective.binding for effective in inventory.effective_bindings(resource))
                if self.inherited
                else inventory.bindings_on(resource)
            )
            # A conditional binding may not apply when it is needed, so it does not satisfy a requirement.
            if any(
                binding.role == role
                and not binding.is_conditional
                and any(self.match.member_matches(member.member) for member in binding.members)
                for binding in bindings
            ):
                continue
            resource_fact = inventory.resources.get(resource)
            where = "on it or an ancestor" if self.inherited else "on it"
            yield self.finding(
                f"{short_name(resource)} has no unconditional binding of {role} to "
                f"{' or '.join(self.match.members)} {where}: required by constraint {self.id} "
                f"({self.summary})",
                resource=resource,
                role=role,
                location=locations.get(resource) or (resource_fact.location if resource_fact else None),
            )


def _policy_locations(inventory: Inventory) -> dict[str, SourceLocation]:
    found: dict[str, SourceLocation] = {}
    for policy in inventory.policies:
        if policy.location is not None:
            found.setdefault(inventory.canonical(policy.resource), policy.location)
    return found


_REMEDIATION = {
    "deny": "Remove the grant, or, where it is agreed, add an `except:` entry to the constraint.",
    "allow": "Grant only the roles and members the constraint allows, or widen the constraint.",
    "require": "Add the required binding (e.g. `gcloud projects add-iam-policy-binding PROJECT --member "
    "MEMBER --role ROLE`), unconditionally.",
}


def _definition(spec: Mapping[str, Any], kind: str, source: str | None) -> str:
    """What the constraint checks, as written, for `iamlint explain`."""
    written = {key: spec[key] for key in (kind, "except", "inherited") if key in spec}
    return f"An organisation constraint from {source or 'the config'}: {json.dumps(written)}."


def _kind_of(spec: Mapping[str, Any]) -> str:
    return next(kind for kind in KINDS if kind in spec)


def constraint_rule(spec: Mapping[str, Any], source: str | None = None) -> Rule:
    """One rule for one validated ``constraints:`` entry."""
    kind = _kind_of(spec)
    rule_id = str(spec["id"])
    attributes: dict[str, Any] = {
        "id": rule_id,
        "name": spec.get("name") or f"constraint-{rule_id.lower()}",
        "severity": Severity(spec["severity"]),
        "summary": str(spec["summary"]),
        "rationale": spec.get("rationale") or _definition(spec, kind, source),
        "remediation": spec.get("remediation") or _REMEDIATION[kind],
        "default_enabled": bool(spec.get("enabled", True)),
        "tags": ("constraint", kind),
        "spec": spec,
        "kind": kind,
        "pack": f"{CONSTRAINTS_PACK} ({source})" if source else CONSTRAINTS_PACK,
    }
    # One class per constraint: the rule API declares metadata at class level.
    rule_class = type(f"Constraint_{rule_id}", (ConstraintRule,), attributes)
    rule: Rule = rule_class()
    return rule


def constraint_rules(config: Config) -> list[Rule]:
    return [constraint_rule(spec, config.source) for spec in config.constraints]


def with_constraints(rules: Sequence[Rule], config: Config) -> list[Rule]:
    """The plugins' rules and the config's constraints; a constraint may not reuse a rule's id or name."""
    taken = {rule.id.upper(): rule for rule in rules} | {rule.name: rule for rule in rules}
    added: list[Rule] = []
    for index, rule in enumerate(constraint_rules(config)):
        clash = taken.get(rule.id.upper()) or taken.get(rule.name)
        if clash is not None:
            raise ConfigError(
                config.source,
                line_of(config.raw.get("constraints"), index),
                f"constraints: {rule.id} clashes with rule {clash.id} {clash.name} from {clash.pack}",
            )
        taken[rule.id.upper()] = taken[rule.name] = rule
        added.append(rule)
    return [*rules, *added]
