"""What AFTER grants that BEFORE did not: new member/role pairs per resource (inheritance included), new
custom role permissions, workloads that switched identity, and the findings AFTER adds.

Both sides are linted in full and compared by meaning, not by text: a binding that moved to another file
or line is not new access, and a grant that was there unconditionally is not new when it gains a
condition. Findings are compared without their paths (the base branch is usually checked out elsewhere).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.model import SourceLocation, replace
from iamlint.report.json import finding_to_dict
from iamlint.workspace import repository_root

GrantKey = tuple[str, str, str | None]  # member, role, condition expression


@dataclass(frozen=True)
class NewAccess:
    resource: str  # the resource the access applies to
    member: str
    role: str
    condition: str | None
    granted_on: str  # where the binding is written (the resource itself or an ancestor)
    location: SourceLocation | None

    @property
    def inherited(self) -> bool:
        return self.granted_on != self.resource


@dataclass(frozen=True)
class NewPermissions:
    role: str
    permissions: tuple[str, ...]
    new_role: bool
    location: SourceLocation | None


@dataclass(frozen=True)
class NewIdentity:
    workload: str
    service_account: str
    before: str
    location: SourceLocation | None


@dataclass
class DiffResult:
    access: list[NewAccess] = field(default_factory=list)
    permissions: list[NewPermissions] = field(default_factory=list)
    identities: list[NewIdentity] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def has_new_access(self) -> bool:
        return bool(self.access or self.permissions or self.identities)

    def failing(self, fail_on: Severity) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity >= fail_on]


def _resources(inventory: Inventory) -> list[str]:
    names = {*inventory.resources_with_policies(), *inventory.resources}
    names.update(inventory.canonical(workload.name) for workload in inventory.workloads)
    return sorted(names)


def _grants(inventory: Inventory, resource: str) -> Iterator[tuple[GrantKey, str, SourceLocation | None]]:
    for effective in inventory.effective_bindings(resource):
        binding = effective.binding
        condition = binding.condition.expression if binding.condition else None
        if binding.hidden_condition and condition is None:
            condition = "<condition not returned by a version 1 read>"
        for principal in binding.members:
            key = (principal.member, binding.role, condition)
            yield key, effective.written_on, binding.location_of(principal)


def new_access(before: Inventory, after: Inventory) -> list[NewAccess]:
    found: list[NewAccess] = []
    for resource in _resources(after):
        had = {key for key, _, _ in _grants(before, resource)}
        seen: set[GrantKey] = set()
        for key, written_on, location in _grants(after, resource):
            member, role, condition = key
            # An unconditional grant before covers any conditional one after.
            if key in had or (member, role, None) in had or key in seen:
                continue
            seen.add(key)
            found.append(NewAccess(resource, member, role, condition, written_on, location))
    return found


def new_permissions(before: Inventory, after: Inventory) -> list[NewPermissions]:
    found = []
    for name, role in sorted(after.custom_roles.items()):
        if role.deleted:
            continue
        previous = before.custom_roles.get(name)
        had = previous.permissions if previous and not previous.deleted else frozenset()
        added = role.permissions - had
        if added:
            found.append(NewPermissions(name, tuple(sorted(added)), previous is None, role.location))
    return found


def new_identities(before: Inventory, after: Inventory) -> list[NewIdentity]:
    previous = {before.canonical(w.name): w for w in before.workloads}
    found = []
    for workload in after.workloads:
        old = previous.get(before.canonical(workload.name)) or previous.get(after.canonical(workload.name))
        if old is not None and old.service_account.lower() != workload.service_account.lower():
            found.append(
                NewIdentity(
                    workload.name,
                    workload.service_account,
                    old.service_account,
                    workload.service_account_location or workload.location,
                )
            )
    return sorted(found, key=lambda identity: identity.workload)


def _pathless(finding: Finding) -> str:
    location = finding.location
    if location is not None:
        location = replace(location, path=None, line=None)
    return replace(finding, location=location).fingerprint


def new_findings(before: list[Finding], after: list[Finding]) -> list[Finding]:
    remaining = Counter(_pathless(finding) for finding in before)
    added = []
    for finding in after:
        key = _pathless(finding)
        if remaining[key]:
            remaining[key] -= 1
        else:
            added.append(finding)
    return added


def diff(
    before: Inventory, after: Inventory, before_findings: list[Finding], after_findings: list[Finding]
) -> DiffResult:
    return DiffResult(
        access=new_access(before, after),
        permissions=new_permissions(before, after),
        identities=new_identities(before, after),
        findings=new_findings(before_findings, after_findings),
    )


# --- output --------------------------------------------------------------------------------------------


def _where(location: SourceLocation | None) -> str:
    return f"  ({location})" if location else ""


def render_text(result: DiffResult, stream: TextIO) -> None:
    # One line per grant where it is written, listing the resources it reaches by inheritance, rather
    # than one line per resource: a new organisation-level grant would otherwise flood the output.
    grouped: dict[tuple[str, str, str | None, str], list[NewAccess]] = defaultdict(list)
    for access in result.access:
        grouped[(access.member, access.role, access.condition, access.granted_on)].append(access)
    if grouped:
        stream.write("New access:\n")
    for (member, role, condition, granted_on), items in sorted(grouped.items(), key=lambda kv: kv[0][3]):
        when = f" if {condition}" if condition else ""
        stream.write(f"  + {member} {role}{when} on {granted_on}{_where(items[0].location)}\n")
        reached = sorted({item.resource for item in items if item.inherited})
        for resource in reached:
            stream.write(f"      inherited by {resource}\n")
    if result.permissions:
        stream.write("New custom role permissions:\n")
    for permissions in result.permissions:
        label = " (new role)" if permissions.new_role else ""
        stream.write(f"  + {permissions.role}{label}{_where(permissions.location)}\n")
        for permission in permissions.permissions:
            stream.write(f"      {permission}\n")
    if result.identities:
        stream.write("Workloads with a new identity:\n")
    for identity in result.identities:
        stream.write(
            f"  ~ {identity.workload} runs as {identity.service_account} (was {identity.before})"
            f"{_where(identity.location)}\n"
        )
    if result.findings:
        stream.write("New findings:\n")
    for finding in result.findings:
        stream.write(
            f"  + {finding.location or finding.resource}: {finding.severity.value} {finding.rule} "
            f"{finding.message}\n"
        )
    grants = len(grouped)
    stream.write(
        f"{grants} new grant{'' if grants == 1 else 's'} ({len(result.access)} resource/member/role "
        f"pairs), {len(result.permissions)} custom role{'' if len(result.permissions) == 1 else 's'} "
        f"with new permissions, {len(result.identities)} identity change"
        f"{'' if len(result.identities) == 1 else 's'}, {len(result.findings)} new finding"
        f"{'' if len(result.findings) == 1 else 's'}.\n"
    )


def _location(location: SourceLocation | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"path": location.path, "line": location.line, "address": location.address}


def diff_to_dict(result: DiffResult) -> dict[str, Any]:
    return {
        "version": 1,
        "new_access": [
            {
                "resource": a.resource,
                "member": a.member,
                "role": a.role,
                "condition": a.condition,
                "granted_on": a.granted_on,
                "inherited": a.inherited,
                "location": _location(a.location),
            }
            for a in result.access
        ],
        "new_permissions": [
            {
                "role": p.role,
                "permissions": list(p.permissions),
                "new_role": p.new_role,
                "location": _location(p.location),
            }
            for p in result.permissions
        ],
        "new_identities": [
            {
                "workload": i.workload,
                "service_account": i.service_account,
                "before": i.before,
                "location": _location(i.location),
            }
            for i in result.identities
        ],
        "new_findings": [finding_to_dict(finding, repository_root()) for finding in result.findings],
    }
