"""IAM hygiene: IAM001..IAM008."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from iamlint import cel
from iamlint.findings import Finding, Severity
from iamlint.identities import is_service_agent
from iamlint.inventory import EffectiveBinding, Inventory
from iamlint.model import Binding, Principal, PrincipalKind
from iamlint.rule import Options, Rule
from iamlint_rules._common import (
    ACCOUNT_KINDS,
    BASIC_ROLES,
    RUN_SERVICE_TYPE,
    Memo,
    condition_detail,
    condition_label,
    condition_note,
    describe,
    grant_finding,
    grants_where,
    hierarchy_levels,
    inheritance,
    matches_any,
    service_agents,
    string_list,
)
from iamlint_rules._examples import policy, sa


class BasicRole(Rule):
    id = "IAM001"
    name = "basic-role"
    severity = Severity.HIGH
    summary = "A basic role (roles/owner, roles/editor, roles/viewer) is granted."
    rationale = (
        "Basic roles predate IAM's fine-grained roles and span every service: Editor can change almost "
        "anything, Owner can also grant access, and Viewer can read almost all configuration and much "
        "data. They are never the least privilege a person or workload needs. Google-managed service agents "
        "holding one still fire: the grant is real even if Google made it. roles/viewer is reported as "
        "medium."
    )
    remediation = (
        "Replace the basic role with predefined roles for the services actually used (IAM recommender "
        "suggests them from the last 90 days of use); for service agents, grant their service-agent role."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allowed_members": string_list(
                "Members (globs, e.g. 'group:break-glass@acme.example') allowed basic roles."
            ),
        },
        "additionalProperties": False,
    }
    references = (
        "CIS Google Cloud Foundations 1.5 (service accounts hold no admin privileges; its audit lists roles/owner and roles/editor)",
        "Security Command Center: PRIMITIVE_ROLES_USED",
    )
    tags = ("least-privilege",)
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/editor", ["group:developers@acme.example"])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["group:developers@acme.example"])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        allowed = options["allowed_members"]
        agents = service_agents(inventory)
        # a deleted member is IAM004's, a public one IAM002's
        for grant in grants_where(inventory, kinds=ACCOUNT_KINDS, role=BASIC_ROLES.__contains__):
            principal = grant.principal
            if allowed and matches_any(principal.member, allowed):
                continue
            agent = " (a Google-managed service agent)" if agents[principal.member] else ""
            yield self.finding(
                f"{principal.member}{agent} holds the basic role {grant.role} on {describe(grant.resource)}"
                f"{condition_note(grant.binding)}, which spans every service there. Grant the predefined roles "
                "it needs instead.",
                resource=grant.resource,
                principal=principal.member,
                role=grant.role,
                location=grant.location,
                severity=Severity.MEDIUM if grant.role == "roles/viewer" else None,
                detail=condition_detail(grant.binding),
            )


RUN_INVOKER = "roles/run.invoker"


def is_public_invoker_of_service(inventory: Inventory, binding: Binding) -> bool:
    """``roles/run.invoker`` on a Cloud Run service: RUN001 judges that, IAM002 leaves it alone."""
    return binding.role == RUN_INVOKER and inventory.resource_type(binding.resource) == RUN_SERVICE_TYPE


PUBLIC_KINDS = (PrincipalKind.ALL_USERS, PrincipalKind.ALL_AUTHENTICATED_USERS)


class PublicPrincipal(Rule):
    id = "IAM002"
    name = "public-principal"
    severity = Severity.CRITICAL
    summary = "allUsers or allAuthenticatedUsers is a member of a binding."
    rationale = (
        "allUsers is anyone on the internet; allAuthenticatedUsers is anyone with any Google account, "
        "which is not meaningfully smaller. Either grants the role to attackers. roles/run.invoker on a "
        "Cloud Run service is the one common intended case and is RUN001's."
    )
    remediation = (
        "Remove the public member and grant the role to the groups or service accounts that need it; to "
        "publish content, use a purpose-built path (a public Cloud Run service behind RUN001's allow-list, "
        "a CDN, signed URLs). Enforce with the organization policy `iam.allowedPolicyMemberDomains`."
    )
    references = (
        "CIS Google Cloud Foundations 5.1 and 6.x (the bucket and dataset forms of this check: no allUsers / allAuthenticatedUsers)",
        "Security Command Center: PUBLIC_BUCKET_ACL, PUBLIC_DATASET (resource-specific forms)",
    )
    tags = ("public",)
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/spanner.databaseReader", ["allAuthenticatedUsers"])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/spanner.databaseReader", ["group:analysts@acme.example"])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for grant in grants_where(inventory, kinds=PUBLIC_KINDS):
            if is_public_invoker_of_service(inventory, grant.binding):
                continue
            who = (
                "anyone on the internet"
                if grant.principal.member == "allUsers"
                else "anyone with a Google account"
            )
            yield grant_finding(
                self,
                grant,
                f"{grant.principal.member} holds {grant.role} on {describe(grant.resource)}"
                f"{condition_note(grant.binding)}: {who} has that access. Remove the member and grant the role "
                "to the groups or service accounts that need it.",
            )


CONSUMER_DOMAINS = ("gmail.com", "googlemail.com")
_EXTERNAL_KINDS = (PrincipalKind.USER, PrincipalKind.GROUP, PrincipalKind.DOMAIN)


def domain_allowed(domain: str, allowed: list[str]) -> bool:
    """``allowed`` entries match the domain itself and its subdomains."""
    return any(domain == entry or domain.endswith("." + entry) for entry in allowed)


class ExternalPrincipal(Rule):
    id = "IAM003"
    name = "external-principal"
    severity = Severity.MEDIUM
    summary = "A user, group or domain member is outside the organisation's domains."
    rationale = (
        "Accounts outside your domains are not governed by your identity provider: no offboarding, no "
        "enforced 2-step verification, no audit of their own access. Domains come from the config's "
        "`allowed_domains` (and this rule's `allowed_domains` option; subdomains included); with none "
        "configured, only consumer Google accounts (gmail.com, googlemail.com) fire."
    )
    remediation = (
        "Grant access to accounts of your own domain (a group you manage); for a trusted partner, add their "
        "domain to `allowed_domains`. Enforce with the organization policy `iam.allowedPolicyMemberDomains`."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allowed_domains": string_list(
                "Domains of your organisation, added to the config's allowed_domains."
            ),
        },
        "additionalProperties": False,
    }
    references = (
        "CIS Google Cloud Foundations 1.1 (corporate login credentials are used)",
        "Security Command Center: NON_ORG_IAM_MEMBER",
    )
    tags = ("identity",)
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["user:freelancer@gmail.com"])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["user:alice@acme.example"])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        allowed = [d.lower() for d in [*inventory.settings.allowed_domains, *options["allowed_domains"]]]
        # Members recur across an org export's grants: each one's domain is judged once.
        verdicts: Memo[Principal, tuple[str, str] | None] = Memo(
            lambda principal: _external(principal.domain, allowed)
        )
        for grant in grants_where(inventory, kinds=_EXTERNAL_KINDS):
            verdict = verdicts[grant.principal]
            if verdict is None:
                continue
            principal = grant.principal
            domain, why = verdict
            yield self.finding(
                f"{principal.member} holds {grant.role} on {describe(grant.resource)}"
                f"{condition_note(grant.binding)}; {domain} is {why}. Grant the role to an account or group "
                "of your own domain, or add a trusted partner's domain to allowed_domains.",
                resource=grant.resource,
                principal=principal.member,
                role=grant.role,
                location=grant.location,
                detail=condition_detail(grant.binding),
            )


def _external(domain: str | None, allowed: list[str]) -> tuple[str, str] | None:
    """(domain, why it is external) for IAM003, or None when the domain is fine."""
    if not domain:
        return None
    if allowed:
        if domain_allowed(domain, allowed):
            return None
        return domain, f"outside your domains ({', '.join(allowed)})"
    if domain in CONSUMER_DOMAINS:
        return domain, "a personal Google account, outside any organisation's control"
    return None


class DeletedPrincipal(Rule):
    id = "IAM004"
    name = "deleted-principal"
    severity = Severity.LOW
    summary = "A deleted principal (deleted:...) is still a member of a binding."
    rationale = (
        "When a user, group or service account is deleted, its bindings stay behind as `deleted:...?uid=` "
        "members. They grant nothing, but they hide the policy's real shape, count towards the policy size "
        "limit, and show a role someone once needed that nobody reviewed."
    )
    remediation = (
        "Remove the member from the binding (`gcloud ... remove-iam-policy-binding --member "
        "'deleted:...?uid=...' --role ROLE`); if the identity was recreated, grant the new one explicitly."
    )
    tags = ("hygiene",)
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [
                (
                    "roles/run.developer",
                    [f"deleted:serviceAccount:{sa('old-deployer')}?uid=108312541872363521235"],
                )
            ]
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["serviceAccount:" + sa("deployer")])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for grant in grants_where(inventory, kinds=(PrincipalKind.DELETED,)):
            yield grant_finding(
                self,
                grant,
                f"{grant.principal.member} is a deleted principal still listed for {grant.role} on "
                f"{describe(grant.resource)}: it grants nothing and hides the policy's real shape. Remove it.",
            )


BROAD_ATTRIBUTES = (
    # GitHub Actions: every repository of an owner, every workflow/branch/environment of that name anywhere
    "repository_owner",
    "repository_owner_id",
    "workflow",
    "ref",
    "ref_type",
    "environment",
    "event_name",
    # GitLab: every project of a group
    "namespace_path",
    "namespace_id",
    # any provider: the audience, shared by every token the pool accepts
    "aud",
)
_POOL = r"principalSet://iam\.googleapis\.com/(?P<pool>(?:projects/[^/]+/)?locations/[^/]+/(?:workloadIdentityPools|workforcePools)/[^/]+)"
_WHOLE_POOL = re.compile(_POOL + r"/\*$")
_ATTRIBUTE_SET = re.compile(_POOL + r"/attribute\.(?P<attribute>[^/]+)/(?P<value>.+)$")


class BroadFederatedPrincipal(Rule):
    id = "IAM005"
    name = "broad-federated-principal"
    severity = Severity.HIGH
    summary = "A federated principal set covers a whole identity pool or everyone sharing a common attribute."
    rationale = (
        "Workload identity federation maps external tokens (GitHub Actions, GitLab, AWS, an IdP) to "
        "principals. `principalSet://.../workloadIdentityPools/POOL/*` (or a workforce pool's `/*`) is every "
        "identity the pool accepts. An `attribute.NAME/VALUE` set is as narrow as NAME: flagged are the "
        "attributes many unrelated identities share (option `broad_attributes`; by default GitHub's "
        "repository_owner, repository_owner_id, workflow, ref, ref_type, environment, event_name, GitLab's "
        "namespace_path, namespace_id, and aud). With a repository_owner set, any repository of that owner, "
        "including forks' workflows and new repositories, gets the role."
    )
    remediation = (
        "Bind a specific identity: `principalSet://.../attribute.repository/OWNER/REPO` (mapped from "
        "assertion.repository), or `principal://.../subject/SUBJECT`; also restrict the provider with an "
        "attribute condition."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "broad_attributes": string_list(
                "Attribute names whose value many identities share.", BROAD_ATTRIBUTES
            ),
        },
        "additionalProperties": False,
    }
    references = (
        "Workload identity federation best practices: use attribute conditions and narrow principal sets",
    )
    tags = ("federation", "identity")
    _SET = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github"
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/deployer-sa.yaml": policy(
            [("roles/iam.workloadIdentityUser", [_SET + "/attribute.repository_owner/acme"])],
            command=f"gcloud iam service-accounts get-iam-policy {sa('deployer')}",
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/deployer-sa.yaml": policy(
            [("roles/iam.workloadIdentityUser", [_SET + "/attribute.repository/acme/shop"])],
            command=f"gcloud iam service-accounts get-iam-policy {sa('deployer')}",
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        broad = set(options["broad_attributes"])
        for grant in grants_where(inventory, kinds=(PrincipalKind.PRINCIPAL_SET,)):
            member = grant.principal.member
            whole = _WHOLE_POOL.match(member)
            attribute = _ATTRIBUTE_SET.match(member)
            if whole:
                who = f"every identity of {whole['pool']}"
            elif attribute and attribute["attribute"] in broad:
                who = (
                    f"every identity whose {attribute['attribute']} is {attribute['value']!r} in "
                    f"{attribute['pool']}, which many unrelated identities share"
                )
            else:
                continue
            yield self.finding(
                f"{grant.role} on {describe(grant.resource)} is granted to {who}"
                f"{condition_note(grant.binding)}. Bind the specific repository, workload or subject instead.",
                resource=grant.resource,
                principal=member,
                role=grant.role,
                location=grant.location,
                detail=condition_detail(grant.binding),
            )


def condition_problems(binding: Binding, now: Any) -> list[tuple[str, str]]:
    """(kind, message) for each problem of a binding's own condition text (IAM006)."""
    if binding.condition is None:
        return []
    expression = binding.condition.expression
    problems: list[tuple[str, str]] = []
    try:
        tree = cel.parse(expression)
    except cel.CelSyntaxError as error:
        return [
            (
                "syntax",
                f"cannot be parsed as CEL: {error.message} at column {error.column}. Fix the expression",
            )
        ]
    unknown = sorted({call.text for call in cel.unknown_functions(tree)})
    if unknown:
        problems.append(
            ("function", f"calls {', '.join(unknown)}, unknown to IAM conditions. Fix the function names")
        )
    invalid = [literal.text for literal in cel.invalid_timestamps(tree)]
    if invalid:
        problems.append(
            (
                "timestamp",
                f"has timestamps that are not RFC 3339 with a time zone: {', '.join(invalid)}. "
                "Write them like 2026-01-31T00:00:00Z",
            )
        )
    expired = cel.expired_time(tree, now)
    if expired:
        problems.append(
            (
                "expired",
                f"can no longer be true ({expired} has passed). Remove the binding: it grants nothing",
            )
        )
    if binding.policy_version is not None and binding.policy_version < 3:
        problems.append(
            (
                "version",
                f"is in a policy of version {binding.policy_version}; conditions need version 3. Read and "
                "write the policy with --policy-version=3 / version: 3",
            )
        )
    return problems


class ConditionProblem(Rule):
    id = "IAM006"
    name = "condition-problem"
    severity = Severity.LOW
    summary = "A binding condition is malformed, expired, in a pre-version-3 policy, or made moot by an unconditional grant."
    rationale = (
        "A condition is meant to limit a grant. One that does not parse as CEL (unbalanced parentheses or "
        "quotes, unknown functions such as `startWith`) is rejected or never matches; one bounded by "
        "`request.time < timestamp(...)` in the past grants nothing and only clutters the policy; one in a "
        "policy whose version is below 3 is dropped by tools that write version 1; and one whose member "
        "also holds the same role unconditionally, on the same resource or an ancestor, limits nothing."
    )
    remediation = (
        "Fix the expression (test it with the Policy Troubleshooter or `gcloud ... add-iam-policy-binding "
        "--condition`), remove expired bindings, write policies with `version: 3`, and drop either the "
        "unconditional grant or the conditional one."
    )
    references = ("IAM Conditions documentation: CEL attributes and functions, policy versions",)
    tags = ("conditions", "hygiene")
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [
                (
                    "roles/run.developer",
                    ["user:alice@acme.example"],
                    'request.time < timestamp("2024-01-01T00:00:00Z")',
                )
            ],
            version=3,
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [
                (
                    "roles/run.developer",
                    ["user:alice@acme.example"],
                    'request.time < timestamp("2999-01-01T00:00:00Z")',
                )
            ],
            version=3,
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for binding in inventory.bindings():
            if not binding.is_conditional:
                continue  # nothing to check, and most bindings of an org export are like this
            resource = inventory.canonical(binding.resource)
            for kind, problem in condition_problems(binding, inventory.settings.now):
                yield self.finding(
                    f"the condition {condition_label(binding)!r} of {binding.role} on "
                    f"{describe(resource)} {problem}.",
                    resource=resource,
                    role=binding.role,
                    location=binding.location,
                    detail=f"{kind}: {condition_detail(binding)}",
                )
            yield from self._moot(inventory, binding, resource)

    def _moot(self, inventory: Inventory, binding: Binding, resource: str) -> Iterator[Finding]:
        for principal in binding.members:
            unconditional = next(
                (
                    effective
                    for effective in inventory.effective_bindings(binding.resource)
                    if effective.binding.role == binding.role
                    and not effective.binding.is_conditional
                    and principal in effective.binding.members
                ),
                None,
            )
            if unconditional is None:
                continue
            yield self.finding(
                f"{principal.member} holds {binding.role} on {describe(resource)}"
                f"{condition_note(binding)}, but also unconditionally {inheritance(unconditional)}: the "
                "condition limits nothing. Remove one of the two grants.",
                resource=resource,
                principal=principal.member,
                role=binding.role,
                location=binding.location_of(principal),
                detail=f"moot: {condition_detail(binding)}",
            )


class UserGrantedDirectly(Rule):
    id = "IAM007"
    name = "user-granted-directly"
    severity = Severity.LOW
    default_enabled = False
    summary = "A user: member is granted a role on an organization, folder or project (prefer groups)."
    rationale = (
        "Grants to individual users at the top of the hierarchy pile up: they survive team changes, are "
        "invisible in group reviews, and make offboarding a search through every policy. Groups make "
        "access a matter of membership that the identity provider manages. Off by default."
    )
    remediation = "Grant the role to a group that the user belongs to, then remove the user's own binding."
    references = ("Google Cloud IAM best practices: grant roles to groups, not individual users",)
    tags = ("identity", "hygiene")
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["user:alice@acme.example"])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/run.developer", ["group:developers@acme.example"])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        levels = hierarchy_levels(inventory)
        for grant in grants_where(inventory, kinds=(PrincipalKind.USER,)):
            if not levels[grant.resource]:
                continue
            yield grant_finding(
                self,
                grant,
                f"{grant.principal.member} is granted {grant.role} on {describe(grant.resource)} directly"
                f"{condition_note(grant.binding)}. Grant it to a group the user belongs to instead.",
            )


# (administrative role, test for the role it must not be combined with, what the pair allows)
DUTY_PAIRS: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    (
        "roles/iam.serviceAccountAdmin",
        lambda role: role == "roles/iam.serviceAccountUser",
        "create and manage service accounts and also act as them",
    ),
    (
        "roles/cloudkms.admin",
        lambda role: role.startswith("roles/cloudkms.cryptoKey"),
        "manage KMS keys (and their IAM policies) and also use them",
    ),
)

_ADMIN_ROLES = frozenset(admin_role for admin_role, _, _ in DUTY_PAIRS)


class SeparationOfDuties(Rule):
    id = "IAM008"
    name = "separation-of-duties"
    severity = Severity.MEDIUM
    summary = "One member holds both an admin role and the role it should be separated from on one resource."
    rationale = (
        "Separation of duties keeps one identity from completing a sensitive action alone: whoever manages "
        "service accounts (roles/iam.serviceAccountAdmin) should not also use them "
        "(roles/iam.serviceAccountUser), and whoever administers KMS keys (roles/cloudkms.admin) should not "
        "also encrypt or decrypt with them (roles/cloudkms.cryptoKey*). Grants are combined through the "
        "hierarchy; the finding is reported on the highest resource where both meet, naming where each "
        "is written."
    )
    remediation = "Remove one of the two roles from the member and give it to a different person or group."
    references = (
        "CIS Google Cloud Foundations 1.8 (separation of duties for service-account roles)",
        "CIS Google Cloud Foundations 1.11 (separation of duties for KMS roles)",
        "Security Command Center: SERVICE_ACCOUNT_ROLE_SEPARATION, KMS_ROLE_SEPARATION",
    )
    tags = ("least-privilege",)
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [
                ("roles/iam.serviceAccountAdmin", ["user:alice@acme.example"]),
                ("roles/iam.serviceAccountUser", ["user:alice@acme.example"]),
            ]
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy(
            [
                ("roles/iam.serviceAccountAdmin", ["user:alice@acme.example"]),
                ("roles/iam.serviceAccountUser", ["user:bob@acme.example"]),
            ]
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        # Where an admin role of a pair is granted at all: usually nowhere, or on a few resources.
        admin_nodes = {
            inventory.canonical(binding.resource)
            for binding in inventory.bindings()
            if binding.role in _ADMIN_ROLES
        }
        if not admin_nodes:
            return
        for resource in inventory.resources_with_policies():
            if admin_nodes.isdisjoint([inventory.canonical(resource), *inventory.ancestors(resource)]):
                continue
            effective_bindings = list(inventory.effective_bindings(resource))
            # Most resources have no admin role of a pair anywhere above them: skip those at once, and
            # keep only the members that hold one (an org export has millions of other grants).
            admins = {
                principal.member
                for effective in effective_bindings
                if effective.binding.role in _ADMIN_ROLES
                for principal in effective.binding.members
            }
            if not admins:
                continue
            held: dict[str, list[EffectiveBinding]] = defaultdict(list)
            for effective in effective_bindings:
                for principal in effective.binding.members:
                    if principal.member in admins:
                        held[principal.member].append(effective)
            for member, member_grants in sorted(held.items()):
                if is_service_agent(member) or member.startswith("deleted:"):
                    continue
                yield from self._pairs(resource, member, member_grants)

    def _pairs(self, resource: str, member: str, held: list[EffectiveBinding]) -> Iterator[Finding]:
        for admin_role, conflicts, what in DUTY_PAIRS:
            admin = next((e for e in held if e.binding.role == admin_role), None)
            if admin is None:
                continue
            seen: set[str] = set()
            for other in held:
                role = other.binding.role
                if not conflicts(role) or role in seen:
                    continue
                seen.add(role)
                # Reported where the two meet: at least one of them is written on this resource.
                here = admin if not admin.inherited else other if not other.inherited else None
                if here is None:
                    continue
                if admin.inherited or other.inherited:
                    where = (
                        f"{admin_role} ({inheritance(admin)}{condition_note(admin.binding)}) and {role} "
                        f"({inheritance(other)}{condition_note(other.binding)})"
                    )
                else:
                    where = (
                        f"{admin_role}{condition_note(admin.binding)} and {role}{condition_note(other.binding)} "
                        f"on {describe(resource)}"
                    )
                yield self.finding(
                    f"{member} holds both {where}, so one identity can {what}. Give one of the two roles to "
                    "someone else.",
                    resource=resource,
                    principal=member,
                    role=admin_role,
                    location=here.binding.location_of(
                        next(p for p in here.binding.members if p.member == member)
                    ),
                    detail=role,
                )


RULES: tuple[Rule, ...] = (
    BasicRole(),
    PublicPrincipal(),
    ExternalPrincipal(),
    DeletedPrincipal(),
    BroadFederatedPrincipal(),
    ConditionProblem(),
    UserGrantedDirectly(),
    SeparationOfDuties(),
)
