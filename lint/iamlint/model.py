"""The normalised model every loader produces and every rule reads.

Resource names are Cloud Asset Inventory full names
(``//cloudresourcemanager.googleapis.com/projects/acme-shop-prod``), whatever format a fact came from, so
that a binding read from a gcloud file and one read from an asset export describe the same resource.

The types are frozen msgspec Structs rather than frozen dataclasses: an organisation's export makes
millions of them, and a Struct is created about ten times faster. They hold no reference cycles (each is
built from values made before it), so the cyclic garbage collector need not track them (``gc=False``).
Use :func:`replace` for a changed copy.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

import msgspec

CRM = "//cloudresourcemanager.googleapis.com/"
PROJECT_PREFIX = CRM + "projects/"
FOLDER_PREFIX = CRM + "folders/"
ORGANIZATION_PREFIX = CRM + "organizations/"

# A bare policy file does not say which resource it is set on; unless bound, each one stands for a
# project of its own whose name makes the gap visible in every finding.
UNBOUND_PROJECT_PREFIX = PROJECT_PREFIX + "unbound:"


class SourceLocation(msgspec.Struct, frozen=True, gc=False):
    """Where a fact was written: a file and line, and/or an address (Terraform address, asset name)."""

    path: str | None = None
    line: int | None = None
    address: str | None = None
    # What a plan does to the source (Terraform: create, update, replace, no-op, read); None for inputs
    # that describe what is, not what will change. `--changed-only` reports no finding located at a no-op.
    change: str | None = None

    def __str__(self) -> str:
        where = self.path or self.address or "<unknown>"
        if self.path and self.line:
            where = f"{self.path}:{self.line}"
        if self.path and self.address:
            where = f"{where} ({self.address})"
        return where


class PrincipalKind(StrEnum):
    USER = "user"
    GROUP = "group"
    SERVICE_ACCOUNT = "serviceAccount"
    DOMAIN = "domain"
    ALL_USERS = "allUsers"
    ALL_AUTHENTICATED_USERS = "allAuthenticatedUsers"
    DELETED = "deleted"
    PRINCIPAL = "principal"
    PRINCIPAL_SET = "principalSet"
    CONVENIENCE = "convenience"  # projectOwner:, projectEditor:, projectViewer:
    UNKNOWN = "unknown"


_CONVENIENCE = ("projectOwner", "projectEditor", "projectViewer")

T = TypeVar("T", bound=msgspec.Struct)


def replace(fact: T, **changes: object) -> T:
    """A copy of a model value with ``changes`` applied."""
    return msgspec.structs.replace(fact, **changes)


class Principal(msgspec.Struct, frozen=True, gc=False):
    """One IAM member string, parsed. ``member`` is kept verbatim: it is what users grep for."""

    member: str
    kind: PrincipalKind
    # The identifier after the kind prefix: an email, a domain, a principal:// URI, or "" for allUsers.
    value: str

    @classmethod
    def parse(cls, member: str) -> Principal:
        if member in ("allUsers", "allAuthenticatedUsers"):
            return cls(member, PrincipalKind(member), "")
        if member.startswith(("principal://", "principalSet://")):
            kind = (
                PrincipalKind.PRINCIPAL if member.startswith("principal://") else PrincipalKind.PRINCIPAL_SET
            )
            return cls(member, kind, member)
        prefix, sep, rest = member.partition(":")
        if not sep:
            return cls(member, PrincipalKind.UNKNOWN, member)
        if prefix in _CONVENIENCE:
            return cls(member, PrincipalKind.CONVENIENCE, rest)
        if prefix == "deleted":
            # deleted:serviceAccount:orders@p.iam.gserviceaccount.com?uid=123
            return cls(member, PrincipalKind.DELETED, rest)
        try:
            kind = PrincipalKind(prefix)
        except ValueError:
            return cls(member, PrincipalKind.UNKNOWN, rest)
        return cls(member, kind, rest)

    @property
    def email(self) -> str | None:
        if self.kind in (PrincipalKind.USER, PrincipalKind.GROUP, PrincipalKind.SERVICE_ACCOUNT):
            return self.value.split("?", 1)[0].lower()
        return None

    @property
    def domain(self) -> str | None:
        if self.kind is PrincipalKind.DOMAIN:
            return self.value.lower()
        email = self.email
        return email.rpartition("@")[2] if email else None

    @property
    def is_public(self) -> bool:
        return self.kind in (PrincipalKind.ALL_USERS, PrincipalKind.ALL_AUTHENTICATED_USERS)

    @property
    def is_service_account(self) -> bool:
        return self.kind is PrincipalKind.SERVICE_ACCOUNT

    def __str__(self) -> str:
        return self.member


def service_account_member(email: str) -> str:
    return f"serviceAccount:{email}"


class Condition(msgspec.Struct, frozen=True, gc=False):
    expression: str
    title: str = ""
    description: str = ""


_MEMBER_STRING = operator.attrgetter("member")


class Binding(msgspec.Struct, frozen=True, gc=False):
    """One ``bindings[]`` entry of the policy set on ``resource`` (never an inherited copy)."""

    resource: str
    role: str
    members: tuple[Principal, ...]
    condition: Condition | None = None
    location: SourceLocation | None = None
    # Aligned with ``members`` where the input gives each member its own line (YAML, JSON files).
    member_locations: tuple[SourceLocation | None, ...] = ()
    policy_version: int | None = None
    # A ``_withcond_<hash>`` role name: the policy was read at version 1 and this binding has a condition
    # whose text the read did not return.
    hidden_condition: bool = False

    def location_of(self, principal: Principal) -> SourceLocation | None:
        for index, member in enumerate(self.members):
            if member == principal and index < len(self.member_locations):
                return self.member_locations[index] or self.location
        return self.location

    def locations_of_members(self) -> tuple[SourceLocation | None, ...]:
        """:meth:`location_of` each member, in order, without searching the members for each one (an org
        export has half a million grants)."""
        members, located, fallback = self.members, self.member_locations, self.location
        if len(members) > 1 and len(set(map(_MEMBER_STRING, members))) < len(members):
            # A member listed twice is located where it is listed first, which location_of finds.
            return tuple(map(self.location_of, members))
        if len(located) == len(members) and all(located):
            return located  # as the loaders write it
        # An input may locate fewer members than the binding has, or more.
        padded = (*located[: len(members)], *(None,) * (len(members) - len(located)))
        return tuple(location or fallback for location in padded)

    @property
    def is_conditional(self) -> bool:
        return self.condition is not None or self.hidden_condition


# Names used by gcloud/the API; exports written by `gcloud asset export` carry the enum numbers.
LOG_TYPES = {0: "LOG_TYPE_UNSPECIFIED", 1: "ADMIN_READ", 2: "DATA_WRITE", 3: "DATA_READ"}


class AuditLogConfig(msgspec.Struct, frozen=True, gc=False):
    log_type: str  # always the name: ADMIN_READ, DATA_WRITE, DATA_READ
    exempted_members: tuple[str, ...] = ()
    location: SourceLocation | None = None


class AuditConfig(msgspec.Struct, frozen=True, gc=False):
    resource: str
    service: str
    log_configs: tuple[AuditLogConfig, ...]
    location: SourceLocation | None = None


class Policy(msgspec.Struct, frozen=True, gc=False):
    resource: str
    bindings: tuple[Binding, ...]
    audit_configs: tuple[AuditConfig, ...] = ()
    version: int | None = None
    etag: str | None = None
    location: SourceLocation | None = None
    # False when a bare policy file was not bound to a resource with --resource or the config.
    bound: bool = True
    # How much of the resource's policy the source declares, for sources that declare rather than observe
    # (Terraform): "policy" replaces the whole policy, "binding" sets all members of each (role, condition)
    # it lists, "member" adds single members, "audit_config" sets one service's audit logging. None for
    # policies read from Google Cloud (gcloud, asset exports).
    declared_as: str | None = None


class Resource(msgspec.Struct, frozen=True, gc=False):
    """A node of the resource hierarchy: organization, folder, project, instance, database, service..."""

    name: str
    asset_type: str
    # Full name of the parent where the input says so (asset ancestors, Project parent); the inventory
    # derives it from the name otherwise.
    parent: str | None = None
    labels: Mapping[str, str] = msgspec.field(default_factory=dict)
    location: SourceLocation | None = None
    # Projects only: both identifiers, so rules can treat projects/123 and projects/acme-prod as one.
    project_id: str | None = None
    project_number: str | None = None
    # Ancestors as CAI lists them (nearest first, e.g. ["projects/123", "folders/4", "organizations/5"]).
    ancestors: tuple[str, ...] = ()


class EnvVar(msgspec.Struct, frozen=True, gc=False):
    name: str
    value: str | None = None
    secret_ref: str | None = None  # "secret-name:version" for Secret Manager references
    location: SourceLocation | None = None


class Container(msgspec.Struct, frozen=True, gc=False):
    name: str | None
    image: str | None
    env: tuple[EnvVar, ...] = ()


class WorkloadKind(StrEnum):
    SERVICE = "service"
    JOB = "job"


class Workload(msgspec.Struct, frozen=True, gc=False):
    """A Cloud Run service or job, with the identity it runs as."""

    name: str  # //run.googleapis.com/projects/P/locations/L/services/S
    kind: WorkloadKind
    project: str  # project id or number as the input gave it
    region: str | None
    service_account: str  # email; the Compute Engine default account when the spec sets none
    service_account_explicit: bool
    containers: tuple[Container, ...] = ()
    location: SourceLocation | None = None
    # Where the identity is set (or, when implicit, where it would be set).
    service_account_location: SourceLocation | None = None
    labels: Mapping[str, str] = msgspec.field(default_factory=dict)
    # The Compute Engine default account needs the project number; when the input names the project by
    # id only, the account is written with this placeholder and the inventory resolves it if it can.
    unresolved_default_account: bool = False


class ServiceAccount(msgspec.Struct, frozen=True, gc=False):
    email: str
    project: str | None = None
    name: str | None = None  # //iam.googleapis.com/projects/P/serviceAccounts/EMAIL
    display_name: str | None = None
    disabled: bool = False
    location: SourceLocation | None = None


class ServiceAccountKey(msgspec.Struct, frozen=True, gc=False):
    name: str
    service_account: str  # email
    key_type: str  # USER_MANAGED | SYSTEM_MANAGED
    location: SourceLocation | None = None
    valid_after: str | None = None
    disabled: bool = False


class CustomRole(msgspec.Struct, frozen=True, gc=False):
    name: str  # projects/P/roles/X or organizations/O/roles/X, as used in bindings
    permissions: frozenset[str]
    title: str | None = None
    stage: str | None = None
    location: SourceLocation | None = None
    deleted: bool = False


class Notice(msgspec.Struct, frozen=True, gc=False):
    """Something a loader wants the user to know that is not an error (a skipped file, a v1 policy)."""

    message: str
    location: SourceLocation | None = None


class UnknownAsset(msgspec.Struct, frozen=True, gc=False):
    """An asset whose type the model does not know: counted and listed, never dropped silently."""

    asset_type: str
    name: str
    location: SourceLocation | None = None


class Unresolved(msgspec.Struct, frozen=True, gc=False):
    """A value the input leaves open (a Terraform value known only after apply)."""

    message: str
    location: SourceLocation | None = None


Fact = (
    Resource
    | Policy
    | Workload
    | ServiceAccount
    | ServiceAccountKey
    | CustomRole
    | Notice
    | UnknownAsset
    | Unresolved
)


# --- resource names ---------------------------------------------------------------------------------

_SA_EMAIL = re.compile(r"^[^@]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$")
_DEFAULT_COMPUTE = re.compile(r"^(\d+)-compute@developer\.gserviceaccount\.com$")
_APPENGINE = re.compile(r"^([a-z][a-z0-9-]+)@appspot\.gserviceaccount\.com$")


def project_name(project: str) -> str:
    return PROJECT_PREFIX + project


def compute_default_account(project_number: str) -> str:
    return f"{project_number}-compute@developer.gserviceaccount.com"


def is_compute_default_account(email: str) -> bool:
    return bool(_DEFAULT_COMPUTE.match(email))


def is_appengine_default_account(email: str) -> bool:
    return bool(_APPENGINE.match(email))


def service_account_project(email: str) -> str | None:
    """The project (id or number) that owns a service account, from its email alone."""
    for pattern in (_SA_EMAIL, _DEFAULT_COMPUTE, _APPENGINE):
        match = pattern.match(email.lower())
        if match:
            return match.group(1)
    return None


def short_name(full_name: str) -> str:
    """``//run.googleapis.com/projects/p/locations/l/services/s`` -> ``projects/p/locations/l/services/s``:
    what follows ``//service/`` (nothing when nothing does)."""
    # Sliced once: rules describe a resource in every finding's message.
    if not full_name.startswith("//"):
        return full_name
    slash = full_name.find("/", 2)
    return full_name[slash + 1 :] if slash >= 0 else ""


# A name whose short name (see short_name) is ``projects/P/...``, with P as group 1: one regular expression
# instead of several calls, since the hierarchy asks it of every asset of an org export.
LEADING_PROJECT = re.compile(r"(?://[^/]*/)?projects/([^/]*)")


def project_of_name(full_name: str, *, leading_only: bool = False) -> str | None:
    """The project segment of a full resource name, when it has one (with ``leading_only``, only when
    the name starts with ``projects/P``, as the project-scoped names the hierarchy derives parents from)."""
    if full_name.startswith(UNBOUND_PROJECT_PREFIX):
        # The unbound project is named after a file path, which may contain slashes.
        return full_name.removeprefix(PROJECT_PREFIX)
    if leading_only:
        match = LEADING_PROJECT.match(full_name)
        return match.group(1) if match else None
    parts = short_name(full_name).split("/")
    for index in range(len(parts) - 1):
        if parts[index] == "projects":
            return parts[index + 1]
    return None
