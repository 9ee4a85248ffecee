"""Cloud Spanner access: SP001..SP004."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.model import PROJECT_PREFIX, PrincipalKind, SourceLocation, project_of_name
from iamlint.roles import catalogue as role_catalogue
from iamlint.roles import custom_role
from iamlint.rule import Options, Rule
from iamlint_rules._common import (
    BASIC_ROLES,
    HIERARCHY_TYPES,
    SPANNER_DATABASE_TYPE,
    SPANNER_INSTANCE_TYPE,
    Below,
    condition_note,
    describe,
    grant_finding,
    grants_where,
    known_resources_of_type,
    listing,
    matches_any,
    resource_types,
    service_agents,
    string_list,
)
from iamlint_rules._examples import PROJECT, policy, sa

# Predefined Spanner roles that go beyond reading and writing data.
ADMIN_SPANNER_ROLES = frozenset(
    {
        "roles/spanner.admin",
        "roles/spanner.databaseAdmin",
        "roles/spanner.backupAdmin",
        "roles/spanner.restoreAdmin",
    }
)
# Predefined Spanner roles that only give data access (SP002 wants them on the database).
DATA_SPANNER_ROLES = frozenset(
    {
        "roles/spanner.databaseUser",
        "roles/spanner.databaseReader",
        "roles/spanner.databaseReaderWithDataBoost",
        "roles/spanner.fineGrainedAccessUser",
        "roles/spanner.databaseRoleUser",
    }
)
# spanner.COLLECTION.VERB: the verbs that read or write data, or only look (get, getDdl, list).
_DATA_VERBS = frozenset(
    {
        "read",
        "write",
        "select",
        "beginOrRollbackReadWriteTransaction",
        "beginReadOnlyTransaction",
        "beginPartitionedDmlTransaction",
        "partitionQuery",
        "partitionRead",
        "useDataBoost",
        "useRoleBasedAccess",
        "use",
        "get",
        "getDdl",
        "list",
    }
)


def is_spanner_data_permission(permission: str) -> bool:
    """True for a ``spanner.*`` permission inside the data-access set: reading and writing rows, sessions,
    transactions, partitions, Data Boost, fine-grained roles, and get/getDdl/list."""
    service, _, rest = permission.partition(".")
    if service != "spanner":
        return False
    collection, _, verb = rest.partition(".")
    return collection == "sessions" or verb in _DATA_VERBS


def spanner_permissions_beyond_data_access(permissions: Iterable[str]) -> list[str]:
    """The ``spanner.*`` permissions of a role that go beyond data access, sorted.

    The one place SP001 (and anything judging roles by permission, e.g. a predefined-role catalogue)
    decides what "beyond data access" means.
    """
    return sorted(
        p for p in set(permissions) if p.startswith("spanner.") and not is_spanner_data_permission(p)
    )


def broad_spanner_role(inventory: Inventory, role: str) -> str | None:
    """Why ``role`` gives more than Spanner data access, or None when it does not (or is unknown)."""
    if role in ADMIN_SPANNER_ROLES:
        return "an administrative Spanner role"
    definition = custom_role(inventory, role)
    if definition is not None:
        kind, permissions = "a custom role", definition.permissions
    elif role.startswith("roles/") and role not in DATA_SPANNER_ROLES and role not in BASIC_ROLES:
        # Any other predefined role is judged by what the role catalogue says it grants.
        info = role_catalogue().get(role)
        if info is None:
            return None
        kind, permissions = "a predefined role", info.permissions
    else:
        return None
    excess = spanner_permissions_beyond_data_access(permissions)
    if not excess:
        return None
    return f"{kind} with Spanner permissions beyond data access ({listing(excess, 4)})"


_SERVICE_ACCOUNT = (PrincipalKind.SERVICE_ACCOUNT,)


def databases_below(inventory: Inventory) -> Below:
    """The Spanner databases under each resource; SP001 and SP002 share one index."""
    return inventory.shared(
        "rules.spanner.databases_below", lambda: Below.resources_of_type(inventory, SPANNER_DATABASE_TYPE)
    )


class OverBroadSpannerRole(Rule):
    id = "SP001"
    name = "over-broad-spanner-role"
    severity = Severity.HIGH
    summary = (
        "A service account holds a Spanner role beyond data access (admin, databaseAdmin, backup/restore)."
    )
    rationale = (
        "An application reads and writes rows; it does not need to drop databases, change schemas, restore "
        "backups over live data or change who else has access. `roles/spanner.admin`, "
        "`roles/spanner.databaseAdmin`, `roles/spanner.backupAdmin` and `roles/spanner.restoreAdmin`, or a "
        "custom role with any spanner.* permission outside the data-access set (read, write, select, "
        "sessions, transactions, partitions, Data Boost, fine-grained roles, get, getDdl, list), let a "
        "compromised workload destroy or exfiltrate whole databases. Basic roles are IAM001's."
    )
    remediation = (
        "Grant `roles/spanner.databaseUser` (read/write) or `roles/spanner.databaseReader` (read-only) on the "
        "one database the service uses; run schema changes from a separate deployer identity."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allowed_roles": string_list("Further roles (globs) service accounts may hold."),
        },
        "additionalProperties": False,
    }
    references = ("CIS Google Cloud Foundations 1.5 (service accounts have no admin privileges)",)
    tags = ("spanner", "service-account", "least-privilege")
    _DB = f"gcloud spanner databases get-iam-policy orders --instance shop-prod --project {PROJECT}"
    examples_fire: ClassVar[dict[str, str]] = {
        "spanner/orders-db.yaml": policy(
            [("roles/spanner.databaseAdmin", ["serviceAccount:" + sa("orders-run")])], command=_DB
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "spanner/orders-db.yaml": policy(
            [("roles/spanner.databaseUser", ["serviceAccount:" + sa("orders-run")])], command=_DB
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        # One verdict per role: an org export grants the same few hundred roles a million times.
        verdicts: dict[str, str | None] = {}

        def broad(role: str) -> bool:
            allowed = matches_any(role, options["allowed_roles"])
            verdicts[role] = None if allowed else broad_spanner_role(inventory, role)
            return verdicts[role] is not None

        agents = service_agents(inventory)
        for grant in grants_where(inventory, kinds=_SERVICE_ACCOUNT, role=broad):
            if agents[grant.principal.member]:
                continue
            why = verdicts[grant.role]
            databases = databases_below(inventory).under(grant.resource)
            reach = f" It reaches {listing(databases, show=describe)}." if len(databases) > 1 else ""
            yield grant_finding(
                self,
                grant,
                f"service account {grant.principal.email} holds {grant.role} on {describe(grant.resource)}"
                f"{condition_note(grant.binding)}, {why}.{reach} Grant roles/spanner.databaseUser (or "
                "databaseReader) on the database it uses instead.",
            )


class SpannerAccessAboveDatabase(Rule):
    id = "SP002"
    name = "spanner-access-above-database"
    severity = Severity.MEDIUM
    summary = "A service account holds a Spanner data role on an organization, folder, project or instance."
    rationale = (
        "A data role granted above the database is inherited by every database below, including ones "
        "created later for other applications. A service that needs one database should be able to read "
        "one database."
    )
    remediation = (
        "Remove the grant and add it on the database: `gcloud spanner databases add-iam-policy-binding DB "
        "--instance INSTANCE --member serviceAccount:EMAIL --role roles/spanner.databaseUser`."
    )
    references = ("Spanner IAM documentation: grant roles at the lowest level of the resource hierarchy",)
    tags = ("spanner", "service-account", "least-privilege")
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/spanner.databaseUser", ["serviceAccount:" + sa("orders-run")])])
    }
    # (A bare policy file counts as a project policy, so the passing example cannot show the same role
    # on a database without a config binding the file; it shows a role that carries no data access.)
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/spanner.viewer", ["serviceAccount:" + sa("orders-run")])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        agents = service_agents(inventory)
        types = resource_types(inventory)
        for grant in grants_where(inventory, kinds=_SERVICE_ACCOUNT, role=DATA_SPANNER_ROLES.__contains__):
            if agents[grant.principal.member]:
                continue
            level = types[grant.resource]
            if level not in HIERARCHY_TYPES and level != SPANNER_INSTANCE_TYPE:
                continue
            databases = databases_below(inventory).under(grant.resource)
            reach = (
                f"every database below it ({listing(databases, show=describe)})"
                if databases
                else "every database below it"
            )
            yield grant_finding(
                self,
                grant,
                f"service account {grant.principal.email} holds {grant.role} on {describe(grant.resource)}"
                f"{condition_note(grant.binding)}, which gives it {reach}, present and future. Grant the role "
                "on the database it needs instead.",
            )


DATA_LOG_TYPES = ("DATA_READ", "DATA_WRITE")
_SPANNER_SERVICES = ("spanner.googleapis.com", "allServices")


class SpannerDataAccessLogsOff(Rule):
    id = "SP003"
    name = "spanner-data-access-logs-off"
    severity = Severity.MEDIUM
    summary = "A project that uses Spanner does not enable DATA_READ and DATA_WRITE audit logs for it."
    rationale = (
        "Data Access audit logs are off by default. Without DATA_READ and DATA_WRITE for "
        "spanner.googleapis.com (or allServices) on the project or an ancestor, nobody can tell afterwards "
        "who read or changed which rows. A project uses Spanner when the inputs show a Spanner instance or "
        "database in it or any roles/spanner.* binding on it or below. Log types count whether written as "
        "names or as the numbers of asset exports (2 DATA_WRITE, 3 DATA_READ)."
    )
    remediation = (
        "Add to the project's (or its folder's or organization's) policy an auditConfigs entry with service "
        "spanner.googleapis.com and auditLogConfigs of logType DATA_READ and DATA_WRITE "
        "(`gcloud projects set-iam-policy`, or google_project_iam_audit_config in Terraform)."
    )
    references = (
        "CIS Google Cloud Foundations 2.1 (Cloud Audit Logging configured properly across all services)",
        "Security Command Center: AUDIT_LOGGING_DISABLED",
    )
    tags = ("spanner", "audit-logs")
    _GRANT: ClassVar[list[tuple[str, list[str]]]] = [
        ("roles/spanner.databaseReader", ["group:analysts@acme.example"])
    ]
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            _GRANT, audit="auditConfigs:\n- auditLogConfigs:\n  - logType: ADMIN_READ\n  service: allServices"
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            _GRANT,
            audit="auditConfigs:\n- auditLogConfigs:\n  - logType: DATA_READ\n  - logType: DATA_WRITE\n"
            "  service: spanner.googleapis.com",
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        policy_locations = _policy_locations(inventory)
        for project, (evidence, evidence_location) in sorted(_projects_using_spanner(inventory).items()):
            enabled: set[str] = set()
            partial: list[str] = []
            for config in inventory.effective_audit_configs(project):
                if config.service in _SPANNER_SERVICES:
                    types = {log.log_type for log in config.log_configs}
                    enabled |= types
                    if types:
                        partial.append(
                            f"{describe(inventory.canonical(config.resource))} enables {', '.join(sorted(types))} "
                            f"for {config.service}"
                        )
            missing = [log_type for log_type in DATA_LOG_TYPES if log_type not in enabled]
            if not missing:
                continue
            found = f" ({'; '.join(partial)})" if partial else ""
            yield self.finding(
                f"{describe(project)} uses Spanner ({evidence}) but no audit config on it or an ancestor "
                f"enables {' and '.join(missing)} for spanner.googleapis.com or allServices{found}: reads and "
                "writes of its databases leave no trace. Enable DATA_READ and DATA_WRITE audit logs for "
                "spanner.googleapis.com.",
                resource=project,
                location=policy_locations.get(project)
                or _resource_location(inventory, project)
                or evidence_location,
            )


def _projects_using_spanner(inventory: Inventory) -> dict[str, tuple[str, SourceLocation | None]]:
    """Canonical project name -> (why it counts as using Spanner, where that was seen)."""
    found: dict[str, tuple[str, SourceLocation | None]] = {}
    # The project of each resource named, once: a project's resources and grants all name it.
    projects: dict[str, str | None] = {}

    def project_of(name: str) -> str | None:
        if name not in projects:
            project = project_of_name(name)
            projects[name] = None if project is None else PROJECT_PREFIX + inventory.project_id(project)
        return projects[name]

    for name in known_resources_of_type(inventory, SPANNER_INSTANCE_TYPE, SPANNER_DATABASE_TYPE):
        project = project_of(name)
        if project is not None and project not in found:
            found[project] = (f"{describe(name)} is in it", _resource_location(inventory, name))
    for grant in grants_where(inventory, role=_is_spanner_role):
        project = project_of(grant.resource)
        if project is not None and project not in found:
            found[project] = (
                f"{grant.role} is granted on {describe(grant.resource)}",
                grant.binding.location,
            )
    return found


def _is_spanner_role(role: str) -> bool:
    return role.startswith("roles/spanner.")


def _resource_location(inventory: Inventory, name: str) -> SourceLocation | None:
    resource = inventory.resources.get(name)
    return resource.location if resource else None


def _policy_locations(inventory: Inventory) -> dict[str, SourceLocation]:
    """Where each project's policy is written (the first input that gave one)."""
    found: dict[str, SourceLocation] = {}
    for policy_ in inventory.policies:
        # Only projects are asked about, and an org export has policies on every kind of resource; writing
        # a project's segment as its id never changes the rest of a name, so the prefix tells.
        if policy_.location is not None and policy_.resource.startswith(PROJECT_PREFIX):
            found.setdefault(inventory.canonical(policy_.resource), policy_.location)
    return found


class AuditLogExemption(Rule):
    id = "SP004"
    name = "audit-log-exemption"
    severity = Severity.LOW
    summary = "An audit log config exempts members from logging."
    rationale = (
        "`exemptedMembers` switches audit logging off for chosen identities: what they read or change "
        "leaves no trail, which is exactly what an insider or a stolen credential wants. Reported once per "
        "service and exempted member."
    )
    remediation = (
        "Remove the member from exemptedMembers. If log volume is the concern, keep the entries and route "
        "them with a log sink filter to cheaper storage rather than not writing them at all."
    )
    references = ("CIS Google Cloud Foundations 2.1 (no exemptions from audit logging)",)
    tags = ("audit-logs",)
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [("roles/spanner.databaseReader", ["group:analysts@acme.example"])],
            audit="auditConfigs:\n- auditLogConfigs:\n  - exemptedMembers:\n    - user:batch-admin@acme.example\n"
            "    logType: DATA_READ\n  - logType: DATA_WRITE\n  service: spanner.googleapis.com",
        )
    }
    examples_pass: ClassVar[dict[str, str]] = SpannerDataAccessLogsOff.examples_pass

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for policy_ in inventory.policies:
            for config in policy_.audit_configs:
                exempted: dict[str, list[str]] = {}
                where: dict[str, SourceLocation | None] = {}
                for log in config.log_configs:
                    for member in log.exempted_members:
                        exempted.setdefault(member, []).append(log.log_type)
                        where.setdefault(member, log.location or config.location)
                for member, types in exempted.items():
                    resource = inventory.canonical(config.resource)
                    yield self.finding(
                        f"{member} is exempted from {', '.join(sorted(set(types)))} audit logs of "
                        f"{config.service} on {describe(resource)}: what it does there leaves no "
                        "audit trail. Remove it from exemptedMembers.",
                        resource=resource,
                        principal=member,
                        location=where[member],
                        detail=config.service,
                    )


RULES: tuple[Rule, ...] = (
    OverBroadSpannerRole(),
    SpannerAccessAboveDatabase(),
    SpannerDataAccessLogsOff(),
    AuditLogExemption(),
)
