"""`iamlint explain-role ROLE`: what a role grants and which rules fire when it is granted.

The rules are not asked what they think of a role name: the role is granted to probe members on a probe
project and a probe Spanner database, and the real rules run over that inventory, so the answer is
whatever the rules actually do (including a pack's rules and the config's constraints).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from iamlint.engine import rule_options, run_rules, select_rules
from iamlint.inventory import Inventory, InventoryBuilder, Settings
from iamlint.model import Binding, CustomRole, Policy, Principal, Resource
from iamlint.roles import RoleCatalogue, RoleInfo
from iamlint.rule import Rule

PROBE_PROJECT = "iamlint-probe"
PROBE_DOMAIN = "iamlint-probe.example"
PROBE_RESOURCES = (
    ("a project", f"//cloudresourcemanager.googleapis.com/projects/{PROBE_PROJECT}"),
    (
        "a Spanner database",
        f"//spanner.googleapis.com/projects/{PROBE_PROJECT}/instances/probe/databases/probe",
    ),
)
PROBE_MEMBERS = (
    ("a service account", f"serviceAccount:probe@{PROBE_PROJECT}.iam.gserviceaccount.com"),
    ("a user", f"user:probe@{PROBE_DOMAIN}"),
    ("a group", f"group:probe@{PROBE_DOMAIN}"),
)


@dataclass(frozen=True)
class Trip:
    rule: Rule
    members: tuple[str, ...]  # "a service account", ...
    resources: tuple[str, ...]  # "a project", ...


def probe_inventory(role: str, custom_roles: Iterable[CustomRole] = ()) -> Inventory:
    builder = InventoryBuilder()
    builder.add(
        Resource(
            name=PROBE_RESOURCES[0][1],
            asset_type="cloudresourcemanager.googleapis.com/Project",
            project_id=PROBE_PROJECT,
            project_number="100000000001",
        )
    )
    members = tuple(Principal.parse(member) for _, member in PROBE_MEMBERS)
    for _, resource in PROBE_RESOURCES:
        builder.add(Policy(resource=resource, bindings=(Binding(resource, role, members),)))
    builder.add_all(custom_roles)
    # The probe domain is the organisation's own, so rules about outsiders stay out of the answer.
    return builder.build(Settings(allowed_domains=[PROBE_DOMAIN]))


def rules_tripped_by(role: str, rules: Sequence[Rule], custom_roles: Iterable[CustomRole] = ()) -> list[Trip]:
    chosen = select_rules(rules, ["ALL"])
    findings = run_rules(probe_inventory(role, custom_roles), chosen, rule_options(chosen, {}))
    members = {member: label for label, member in PROBE_MEMBERS}
    resources = {resource: label for label, resource in PROBE_RESOURCES}
    trips: list[Trip] = []
    for rule in chosen:
        mine = [f for f in findings if f.rule == rule.id and f.role == role]
        if mine:
            trips.append(
                Trip(
                    rule,
                    tuple(sorted({members[f.principal] for f in mine if f.principal in members})),
                    tuple(sorted({resources[f.resource] for f in mine if f.resource in resources})),
                )
            )
    return trips


def render(info: RoleInfo, trips: Sequence[Trip], catalogue: RoleCatalogue) -> str:
    head = f"{info.name} — {info.title}" if info.title else info.name
    facts = [info.stage, "DELETED" if info.deleted else "", "custom role" if info.is_custom else ""]
    if any(facts):
        head += f" ({', '.join(f for f in facts if f)})"
    lines = [head]
    if info.description:
        lines.append(info.description)
    lines.append(f"Source: {info.source}")
    if info.partial:
        lines.append(
            "Note: the bundled data lists a basic role's permissions only for spanner, iam, run and "
            "resourcemanager; `iamlint roles sync` reads the full catalogue."
        )
    lines.append("")
    lines.append(f"Permissions ({len(info.permissions)}):")
    by_service: dict[str, list[str]] = {}
    for permission in sorted(info.permissions):
        by_service.setdefault(permission.split(".", 1)[0], []).append(permission)
    for service, permissions in by_service.items():
        lines.append(f"  {service} ({len(permissions)})")
        lines.extend(f"    {permission}" for permission in permissions)
    lines.append("")
    if trips:
        lines.append("Rules it trips when granted:")
        for trip in trips:
            who = " or ".join(trip.members) if trip.members else "any member"
            where = " or ".join(trip.resources) if trip.resources else "a resource"
            lines.append(
                f"  {trip.rule.id} {trip.rule.name} ({trip.rule.severity.value}): granted to {who} on {where}"
            )
    else:
        lines.append("Rules it trips when granted: none (granted to a service account, user or group).")
    if not catalogue.complete:
        lines.append("")
        lines.append(
            f"Catalogue: bundled roles as of {catalogue.reflects}; `iamlint roles sync` reads them all."
        )
    return "\n".join(lines) + "\n"
