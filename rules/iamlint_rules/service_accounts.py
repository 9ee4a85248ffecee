"""Service accounts and workload identity: SA001..SA007."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from iamlint.findings import Finding, Severity
from iamlint.identities import is_service_agent
from iamlint.inventory import Inventory
from iamlint.model import (
    PROJECT_PREFIX,
    EnvVar,
    Principal,
    PrincipalKind,
    SourceLocation,
    Workload,
    is_appengine_default_account,
    is_compute_default_account,
    project_of_name,
    service_account_member,
)
from iamlint.roles import permissions_of
from iamlint.rule import Options, Rule
from iamlint_rules._common import (
    ACCOUNT_KINDS,
    BASIC_ROLES,
    Below,
    Memo,
    condition_detail,
    condition_note,
    describe,
    env_entries,
    grant_finding,
    grants_where,
    hierarchy_levels,
    listing,
    matches_any,
    service_agents,
    string_list,
    workload_kind,
)
from iamlint_rules._examples import knative_service, policy, sa


def account_label(workload: Workload) -> str:
    """The identity a workload runs as, saying so when it is the implicit default."""
    if not workload.service_account_explicit:
        if workload.unresolved_default_account:
            return f"the Compute Engine default account of project {workload.project} (it sets no service account)"
        return f"the Compute Engine default account {workload.service_account} (it sets no service account)"
    return workload.service_account


def _identity_location(workload: Workload) -> SourceLocation | None:
    return workload.service_account_location or workload.location


class SharedServiceAccount(Rule):
    id = "SA001"
    name = "shared-service-account"
    severity = Severity.HIGH
    summary = "One service account is the runtime identity of more than one Cloud Run service or job."
    rationale = (
        "A service account shared by several workloads holds the union of the roles each of them needs, so "
        "every one of them can do what any of them may, a compromise of one is a compromise of all, and "
        "audit logs cannot tell them apart. A service that sets no account runs as the Compute Engine "
        "default account, so all such services of a project share it."
    )
    remediation = (
        "Create one service account per service or job (`gcloud iam service-accounts create orders-run`), "
        "grant it only the roles that workload needs, and set it on the workload "
        "(`gcloud run services update S --service-account orders-run@PROJECT.iam.gserviceaccount.com`)."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allowed_accounts": string_list("Service account emails (globs) that may be shared on purpose."),
        },
        "additionalProperties": False,
    }
    references = ("Google Cloud IAM best practices: one service account per application component",)
    tags = ("service-account", "cloud-run")
    examples_fire: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service("orders", account=sa("shop-backend")),
        "run/invoices.yaml": knative_service("invoices", account=sa("shop-backend")),
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service("orders", account=sa("orders-run")),
        "run/invoices.yaml": knative_service("invoices", account=sa("invoices-run")),
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        by_account = inventory.workloads_by_service_account()
        # Most accounts of an org export run one workload or none, and cannot be shared.
        for email in sorted(email for email, workloads in by_account.items() if len(workloads) > 1):
            if matches_any(email, options["allowed_accounts"]):
                continue
            # The same workload may come from two inputs (a Knative export by project number and a v2
            # description by id): count it once.
            unique: dict[str, Workload] = {}
            for workload in by_account[email]:
                unique.setdefault(inventory.canonical(workload.name), workload)
            if len(unique) < 2:
                continue
            names = sorted(unique)
            for name in names:
                workload = unique[name]
                others = [describe(other) for other in names if other != name]
                yield self.finding(
                    f"{workload_kind(workload)} {describe(name)} runs as {account_label(workload)}, which is "
                    f"also the identity of {listing(others)}: each can use every role granted for the others "
                    "and a compromise of one is a compromise of all. Give it a service account of its own "
                    "with only the roles it needs.",
                    resource=name,
                    principal=service_account_member(email),
                    location=_identity_location(workload),
                )


class DefaultServiceAccount(Rule):
    id = "SA002"
    name = "default-service-account"
    severity = Severity.MEDIUM
    summary = "A Cloud Run service or job runs as the Compute Engine or App Engine default service account."
    rationale = (
        "The Compute Engine default account (PROJECT_NUMBER-compute@developer.gserviceaccount.com) and the "
        "App Engine default account (PROJECT_ID@appspot.gserviceaccount.com) are created with the Editor "
        "role on the project unless an organization policy prevents it, and every workload that sets no "
        "account shares them. A workload running as one can change almost anything in the project."
    )
    remediation = (
        "Create a dedicated, user-managed service account for the workload, grant it only the roles it "
        "needs, and set it explicitly: `serviceAccountName` in the Knative spec, `template.serviceAccount` "
        "in the v2 API, or `--service-account` on `gcloud run deploy`."
    )
    references = (
        "CIS Google Cloud Foundations 4.1 (instances not configured to use the default service account)",
        "Security Command Center: DEFAULT_SERVICE_ACCOUNT_USED",
    )
    tags = ("service-account", "cloud-run")
    examples_fire: ClassVar[dict[str, str]] = {"run/cart.yaml": knative_service("cart")}
    examples_pass: ClassVar[dict[str, str]] = {
        "run/cart.yaml": knative_service("cart", account=sa("cart-run"))
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for workload in inventory.workloads:
            email = workload.service_account
            if not workload.service_account_explicit or is_compute_default_account(email):
                which = "Compute Engine"
            elif is_appengine_default_account(email):
                which = "App Engine"
            else:
                continue
            name = inventory.canonical(workload.name)
            label = account_label(workload)
            if workload.service_account_explicit:
                label = f"the {which} default account {email}"
            yield self.finding(
                f"{workload_kind(workload)} {describe(name)} runs as {label}, which usually holds "
                "the Editor role on the whole project. Run it as a dedicated service account that holds "
                "only the roles this workload needs.",
                resource=name,
                principal=service_account_member(email),
                location=_identity_location(workload),
            )


class ServiceAccountKey(Rule):
    id = "SA003"
    name = "service-account-key"
    severity = Severity.HIGH
    summary = "A user-managed key exists for a service account."
    rationale = (
        "A user-managed key is a long-lived password for the account: it works from anywhere, does not "
        "expire by default, and ends up in laptops, CI variables and container images. Google-managed "
        "(system) keys never leave Google and are rotated automatically, so only user-managed keys count."
    )
    remediation = (
        "Delete the key (`gcloud iam service-accounts keys delete KEY_ID --iam-account EMAIL`). Workloads on "
        "Google Cloud use the attached service account; workloads elsewhere use workload identity "
        "federation; people use `gcloud auth application-default login` or impersonation. Enforce with the "
        "organization policy constraint `iam.disableServiceAccountKeyCreation`."
    )
    references = (
        "CIS Google Cloud Foundations 1.4 (only GCP-managed service account keys)",
        "Security Command Center: USER_MANAGED_SERVICE_ACCOUNT_KEY",
    )
    tags = ("service-account", "credentials")
    _KEY = (
        "# gcloud iam service-accounts keys list --iam-account orders@acme-shop-prod.iam.gserviceaccount.com "
        "--format=json\n"
        "[\n"
        "  {\n"
        '    "keyAlgorithm": "KEY_ALG_RSA_2048",\n'
        '    "keyOrigin": "GOOGLE_PROVIDED",\n'
        '    "keyType": "KEYTYPE",\n'
        '    "name": "projects/acme-shop-prod/serviceAccounts/orders@acme-shop-prod.iam.gserviceaccount.com'
        '/keys/3c5e8f2a9b1d4e6f7a8b9c0d1e2f3a4b5c6d7e8f",\n'
        '    "validAfterTime": "2025-06-03T12:00:41Z",\n'
        '    "validBeforeTime": "9999-12-31T23:59:59Z"\n'
        "  }\n"
        "]\n"
    )
    examples_fire: ClassVar[dict[str, str]] = {"keys/orders.json": _KEY.replace("KEYTYPE", "USER_MANAGED")}
    examples_pass: ClassVar[dict[str, str]] = {"keys/orders.json": _KEY.replace("KEYTYPE", "SYSTEM_MANAGED")}

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for key in inventory.keys:
            if key.key_type != "USER_MANAGED":
                continue
            users = [
                describe(inventory.canonical(w.name))
                for w in inventory.workloads_running_as(key.service_account)
            ]
            used_by = (
                f" It is the identity of {listing(users)}, which need no key to use it." if users else ""
            )
            state = " (disabled, but it can be re-enabled)" if key.disabled else ""
            since = f" since {key.valid_after}" if key.valid_after else ""
            yield self.finding(
                f"service account {key.service_account} has a user-managed key{state}, valid{since}: anyone "
                f"holding the file can act as the account from anywhere.{used_by} Delete the key and use "
                "the attached service account or workload identity federation instead.",
                resource=key.name,
                principal=service_account_member(key.service_account),
                location=key.location,
            )


_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_KEY_JSON = re.compile(r"[\"']type[\"']\s*:\s*[\"']service_account[\"']")
CREDENTIALS_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"


def credential_in_env(env: EnvVar) -> str | None:
    """What makes this env entry a credential for SA004, or None. RUN002 leaves these entries to SA004."""
    if env.name.upper() == CREDENTIALS_VARIABLE:
        return f"sets {CREDENTIALS_VARIABLE}, so the container authenticates with a key file"
    value = env.value or ""
    # Each pattern needs a fixed substring; looking for it first spares the search in almost every value.
    if "PRIVATE KEY-----" in value and _PRIVATE_KEY.search(value):
        return "holds a private key in its value"
    if "service_account" in value and _KEY_JSON.search(value):
        return "holds a service account key (JSON) in its value"
    return None


class CredentialsInWorkload(Rule):
    id = "SA004"
    name = "credentials-in-workload"
    severity = Severity.CRITICAL
    summary = "A Cloud Run container is given service account credentials through its environment."
    rationale = (
        "Cloud Run gives every container the credentials of its attached service account through the "
        "metadata server. Setting GOOGLE_APPLICATION_CREDENTIALS, or putting a private key or a key JSON "
        "into an env var, means a long-lived key exists, is readable by anyone who can view the service "
        "(`run.services.get`), and overrides the attached identity."
    )
    remediation = (
        "Remove the variable, delete the key it carries, and attach the service account the code should "
        "act as to the service itself (`--service-account`); client libraries pick it up automatically."
    )
    references = (
        "CIS Google Cloud Foundations 1.4 (only GCP-managed service account keys)",
        "Security Command Center: USER_MANAGED_SERVICE_ACCOUNT_KEY",
    )
    tags = ("service-account", "credentials", "cloud-run")
    examples_fire: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service(
            "orders", account=sa("orders-run"), env=[(CREDENTIALS_VARIABLE, "/secrets/orders-key.json")]
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service(
            "orders",
            account=sa("orders-run"),
            env=[("SPANNER_DATABASE", "projects/acme-shop-prod/instances/shop-prod/databases/orders")],
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for entry in env_entries(inventory):
            problem = credential_in_env(entry.env)
            if problem is None:
                continue
            name = inventory.canonical(entry.workload.name)
            yield self.finding(
                f"env {entry.env.name} of {entry.container_label} in {workload_kind(entry.workload)} "
                f"{describe(name)} {problem}. Remove it and let the workload use its attached service "
                f"account ({entry.workload.service_account}) through the metadata server.",
                resource=name,
                location=entry.env.location or entry.workload.location,
                detail=entry.detail,
            )


_VERSION_SUFFIX = re.compile(r"\.v\d+$")


def is_admin_role(role: str) -> bool:
    """A predefined role whose id ends in admin/Admin (``roles/compute.instanceAdmin.v1`` included)."""
    if not role.startswith("roles/"):
        return False
    role_id = _VERSION_SUFFIX.sub("", role.removeprefix("roles/"))
    return role_id.rsplit(".", 1)[-1].endswith(("admin", "Admin"))


# Permissions that administer rather than use: who has access, which roles exist, long-lived keys.
_ADMIN_PERMISSIONS = frozenset({"iam.roles.create", "iam.roles.update", "iam.serviceAccountKeys.create"})


def admin_permissions(inventory: Inventory, role: str) -> list[str]:
    """The administrative permissions a role grants by its definition (custom role, or the predefined role
    catalogue): any setIamPolicy and the few above. Spanner's are SP001's."""
    permissions = permissions_of(role, inventory) or frozenset()
    return sorted(
        p
        for p in permissions
        if not p.startswith("spanner.") and (p.endswith(".setIamPolicy") or p in _ADMIN_PERMISSIONS)
    )


class ServiceAccountAdminRole(Rule):
    id = "SA005"
    name = "service-account-admin-role"
    severity = Severity.HIGH
    summary = "A service account holds an administrative predefined role (one whose id ends in Admin)."
    rationale = (
        "Administrative roles let their holder reconfigure, delete or re-grant access to whole services "
        "(`roles/storage.admin`, `roles/iam.serviceAccountAdmin`, `roles/resourcemanager.projectIamAdmin`). "
        "Workloads need to use a service, not administer it; whoever controls the workload or steals its "
        "token inherits the admin power. Spanner roles are judged by SP001 and basic roles by IAM001; "
        "Google-managed service agents are exempt."
    )
    remediation = (
        "Replace the admin role with the narrowest role that covers what the workload does (for example "
        "`roles/storage.objectUser` on one bucket instead of `roles/storage.admin` on the project); IAM "
        "recommender's role recommendations show which permissions the account actually used."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allowed_roles": string_list("Admin roles (globs) that service accounts may hold."),
        },
        "additionalProperties": False,
    }
    references = (
        "CIS Google Cloud Foundations 1.5 (service accounts have no admin privileges)",
        "Security Command Center: ADMIN_SERVICE_ACCOUNT",
    )
    tags = ("service-account", "least-privilege")
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/storage.admin", ["serviceAccount:" + sa("orders-run")])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [
                ("roles/storage.objectUser", ["serviceAccount:" + sa("orders-run")]),
                ("roles/storage.admin", ["group:storage-admins@acme.example"]),
            ]
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        # What each role grants, worked out once: an org export grants the same roles a million times.
        granted_by_role: dict[str, list[str]] = {}

        def administrative(role: str) -> bool:
            if (
                role in BASIC_ROLES
                or role.startswith("roles/spanner.")
                or matches_any(role, options["allowed_roles"])
            ):
                return False
            # By name, else by what the role grants (a custom role, or any role in the catalogue).
            admin = is_admin_role(role)
            granted_by_role[role] = [] if admin else admin_permissions(inventory, role)
            return admin or bool(granted_by_role[role])

        agents = service_agents(inventory)
        for grant in grants_where(inventory, kinds=_SERVICE_ACCOUNT, role=administrative):
            role = grant.role
            if agents[grant.principal.member]:
                continue
            granted = granted_by_role[role]
            why = f" (it grants {listing(granted, 3)})" if granted else ""
            yield self.finding(
                f"service account {grant.principal.email} holds the administrative role {role}{why} on "
                f"{describe(grant.resource)}{condition_note(grant.binding)}: a workload needs to use the "
                "service, not administer it. Grant the narrowest role that covers what it does.",
                resource=grant.resource,
                principal=grant.principal.member,
                role=role,
                location=grant.location,
                detail=condition_detail(grant.binding),
            )


_SERVICE_ACCOUNT = (PrincipalKind.SERVICE_ACCOUNT,)
IMPERSONATION_ROLES = ("roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator")


class ImpersonationRoleTooBroad(Rule):
    id = "SA006"
    name = "impersonation-role-too-broad"
    severity = Severity.HIGH
    summary = "Service Account User or Token Creator is granted on an organization, folder or project."
    rationale = (
        "`roles/iam.serviceAccountUser` lets its holder attach, and `roles/iam.serviceAccountTokenCreator` "
        "lets it mint tokens for, a service account. Granted on a project, folder or organization, it "
        "covers every service account there, present and future, so the holder can act with the roles of "
        "the most privileged one. Google-managed service agents that need it are exempt."
    )
    remediation = (
        "Remove the grant from the project, folder or organization and grant the role on the one service "
        "account that is needed: `gcloud iam service-accounts add-iam-policy-binding EMAIL "
        "--member MEMBER --role roles/iam.serviceAccountUser`."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "roles": string_list("Roles that allow acting as a service account.", IMPERSONATION_ROLES),
        },
        "additionalProperties": False,
    }
    references = (
        "CIS Google Cloud Foundations 1.6 (Service Account User / Token Creator not granted at project level)",
        "Security Command Center: OVER_PRIVILEGED_SERVICE_ACCOUNT_USER",
    )
    tags = ("service-account", "impersonation")
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/iam.serviceAccountUser", ["group:deployers@acme.example"])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["group:deployers@acme.example"])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        roles = set(options["roles"])
        accounts_under: Below | None = None
        levels = hierarchy_levels(inventory)
        agents = service_agents(inventory)
        # a deleted member is IAM004's, a public one IAM002's
        for grant in grants_where(inventory, kinds=ACCOUNT_KINDS, role=roles.__contains__):
            principal = grant.principal
            if not levels[grant.resource] or agents[principal.member]:
                continue
            accounts_under = accounts_under or _accounts_index(inventory)
            accounts = accounts_under.under(grant.resource)
            known = f" ({len(accounts)} known: {listing(accounts)})" if accounts else ""
            yield self.finding(
                f"{principal.member} holds {grant.role} on {describe(grant.resource)}"
                f"{condition_note(grant.binding)}, which lets it act as every service account there"
                f"{known}. Grant the role on the one service account it needs instead.",
                resource=grant.resource,
                principal=principal.member,
                role=grant.role,
                location=grant.location,
                detail=condition_detail(grant.binding),
            )


def _accounts_index(inventory: Inventory) -> Below:
    """Service accounts the inputs know of, filed under their project and its ancestors."""
    by_project: dict[str, list[str]] = {}
    projects = customer_account_projects(inventory)
    for email in set(inventory.service_accounts) | {w.service_account for w in inventory.workloads}:
        project = projects[email]
        if project is not None:
            by_project.setdefault(project, []).append(email)
    index = Below(inventory)
    index.add_many((PROJECT_PREFIX + project, emails) for project, emails in by_project.items())
    return index


def customer_account_projects(inventory: Inventory) -> Memo[str, str | None]:
    """The project id of each service account that is not a Google-managed service agent, where known."""
    # SA006 and SA007 both ask about every account of an org export. (Each is asked about once or twice,
    # so is_service_agent is called directly rather than remembered per email as well.)

    def project(email: str) -> str | None:
        return None if is_service_agent(email) else inventory.service_account_project(email)

    return inventory.shared("rules.customer_account_projects", lambda: Memo(project))


class CrossEnvironmentServiceAccount(Rule):
    id = "SA007"
    name = "cross-environment-service-account"
    severity = Severity.MEDIUM
    summary = "A workload runs as, or a policy grants a role to, a service account of another environment."
    rationale = (
        "Environments are separated so that a mistake or a compromise in one stays there. A production "
        "service running as a staging account, or a production database granting access to a dev account, "
        "joins them: whoever controls the weaker environment controls the account. A project's environment "
        "comes from the config's `environments` globs, else its `env`/`environment` label, else a token of "
        "its id (prod/production/prd, staging/stage/stg, dev/development, test/qa/uat); unknown never fires."
    )
    remediation = (
        "Create the service account in the workload's own project (same environment) and grant it there; "
        "if two environments really must talk, do it through an explicit interface (Pub/Sub, an API) "
        "rather than a shared identity."
    )
    references = ("Google Cloud security foundations blueprint: separate environments by project and folder",)
    tags = ("service-account", "environments")
    examples_fire: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service(
            "orders", namespace="acme-shop-prod", account=sa("orders", "acme-shop-dev")
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service(
            "orders", namespace="acme-shop-prod", account=sa("orders", "acme-shop-prod")
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        environments = _Environments(inventory)
        accounts, places = environments.accounts, environments.places
        for workload in inventory.workloads:
            email = workload.service_account
            other = accounts[email]
            if other is None:
                continue
            own = places[workload.project]
            if own is None or own[0] == other[0]:
                continue
            (own_env, own_project), (other_env, other_project) = own, other
            name = inventory.canonical(workload.name)
            yield self.finding(
                f"{workload_kind(workload)} {describe(name)} ({own_env}) runs as {email}, an account "
                f"of the {other_env} project {other_project}: whoever controls {other_env} controls this "
                f"{own_env} workload. Use a service account created in {own_project}.",
                resource=name,
                principal=service_account_member(email),
                location=_identity_location(workload),
            )
        members, resources = environments.members, environments.resources
        for grant in grants_where(inventory, kinds=_SERVICE_ACCOUNT):
            other = members[grant.principal]
            if other is None:
                continue
            own = resources[grant.resource]
            if own is None or own[0] == other[0]:
                continue
            (own_env, own_project), (other_env, other_project) = own, other
            member_email = grant.principal.email
            yield grant_finding(
                self,
                grant,
                f"{grant.role} on {describe(grant.resource)} ({own_env}) is granted to {member_email}, an "
                f"account of "
                f"the {other_env} project {other_project}{condition_note(grant.binding)}: whoever controls "
                f"{other_env} gets this {own_env} access. Grant it to an account of {own_project} instead.",
            )


class _Environments:
    """(environment, project id) of service accounts and of the places they are used (SA007), each where
    known (service agents have none).

    An org export names the same accounts, resources and few thousand projects again and again: each
    answer is worked out once.
    """

    def __init__(self, inventory: Inventory) -> None:
        self._inventory = inventory
        self._projects = customer_account_projects(inventory)
        # by account email, by project id or number, by grant member, by (canonical) grant resource
        self.accounts: Memo[str, tuple[str, str] | None] = Memo(self._account)
        self.places: Memo[str, tuple[str, str] | None] = Memo(self._place)
        self.members: Memo[Principal, tuple[str, str] | None] = Memo(self._member)
        self.resources: Memo[str, tuple[str, str] | None] = Memo(self._resource)

    def _account(self, email: str) -> tuple[str, str] | None:
        account_project = self._projects[email]
        environment = self._inventory.environment_of(account_project) if account_project else None
        return (environment, account_project) if environment and account_project else None

    def _place(self, project: str) -> tuple[str, str] | None:
        environment = self._inventory.environment_of(project)
        return None if environment is None else (environment, self._inventory.project_id(project))

    def _member(self, principal: Principal) -> tuple[str, str] | None:
        email = principal.email
        return self.accounts[email] if email else None

    def _resource(self, resource: str) -> tuple[str, str] | None:
        project = project_of_name(resource)
        return self.places[project] if project else None


RULES: tuple[Rule, ...] = (
    SharedServiceAccount(),
    DefaultServiceAccount(),
    ServiceAccountKey(),
    CredentialsInWorkload(),
    ServiceAccountAdminRole(),
    ImpersonationRoleTooBroad(),
    CrossEnvironmentServiceAccount(),
)
