"""What a role grants: the predefined roles (bundled, or the full catalogue cached by `iamlint roles sync`)
and the custom roles the inputs define.

The bundled ``data/predefined_roles.json`` covers the roles the rules reason about (basic, Spanner, IAM,
Cloud Run, Resource Manager), written from Google's public role reference on the date it records. The
cache written by :func:`sync` holds every predefined role as the IAM API lists it; when present it
replaces the bundled data, so rules can judge any predefined role by its permissions.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from iamlint import google_clients
from iamlint.atomic import write_text
from iamlint.errors import IamlintError, InputError
from iamlint.inventory import Inventory
from iamlint.model import CustomRole

CACHE_ENV = "IAMLINT_ROLES_CACHE"
ENDPOINT_ENV = "IAMLINT_IAM_ENDPOINT"
BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
# The services whose predefined roles the bundled data lists completely (basic roles aside).
BUNDLED_SERVICES = frozenset({"spanner", "iam", "run", "resourcemanager"})


class SyncError(IamlintError):
    """The live catalogue could not be read (no credentials, the API refused, the network failed)."""


@dataclass(frozen=True, slots=True)
class RoleInfo:
    name: str
    permissions: frozenset[str]
    title: str = ""
    description: str = ""
    stage: str = "GA"
    deleted: bool = False
    # Where the definition comes from: "bundled 2025-11-01", "cache 2026-...", or a custom role's file.
    source: str = ""
    # Basic roles in the bundled data list only their permissions in the bundled services.
    partial: bool = False

    @property
    def is_custom(self) -> bool:
        return not self.name.startswith("roles/")


def role_service(role: str) -> str | None:
    """``roles/spanner.databaseUser`` -> ``spanner``; None for basic and custom roles."""
    if not role.startswith("roles/") or role in BASIC_ROLES:
        return None
    return role.removeprefix("roles/").split(".", 1)[0]


class RoleCatalogue:
    """Predefined roles by name, with what the catalogue can vouch for (complete or bundled subset)."""

    def __init__(self, roles: Mapping[str, RoleInfo], *, reflects: str, complete: bool, origin: str) -> None:
        self.roles = dict(roles)
        self.reflects = reflects
        self.complete = complete
        self.origin = origin

    def get(self, name: str) -> RoleInfo | None:
        return self.roles.get(name)

    def covers(self, role: str) -> bool:
        """Whether a predefined role name missing from the catalogue really does not exist."""
        if not role.startswith("roles/"):
            return False
        return self.complete or role in BASIC_ROLES or role_service(role) in BUNDLED_SERVICES

    def suggestions(self, role: str, limit: int = 1) -> list[str]:
        """Existing roles whose names are close to ``role`` (a typo, a pluralised name)."""
        names = [name for name, info in self.roles.items() if not info.deleted]
        return difflib.get_close_matches(role, names, n=limit, cutoff=0.8)

    def __iter__(self) -> Iterator[RoleInfo]:
        return iter(self.roles.values())


def _role_from_json(data: Mapping[str, Any], source: str, partial: Iterable[str]) -> RoleInfo:
    name = str(data["name"])
    return RoleInfo(
        name=name,
        permissions=frozenset(data.get("includedPermissions", ())),
        title=str(data.get("title", "")),
        description=str(data.get("description", "")),
        stage=str(data.get("stage", "GA")),
        deleted=bool(data.get("deleted", False)),
        source=source,
        partial=name in partial,
    )


def catalogue_from_json(document: Mapping[str, Any], *, origin: str, complete: bool) -> RoleCatalogue:
    reflects = str(document.get("reflects", ""))
    source = f"{origin} {reflects}".strip()
    partial = tuple(document.get("partial", ()))
    roles = {name: _role_from_json(role, source, partial) for name, role in document["roles"].items()}
    return RoleCatalogue(roles, reflects=reflects, complete=complete, origin=origin)


def bundled_catalogue() -> RoleCatalogue:
    text = resources.files("iamlint").joinpath("data/predefined_roles.json").read_text(encoding="utf-8")
    return catalogue_from_json(json.loads(text), origin="bundled", complete=False)


def default_cache_path() -> Path:
    """``$IAMLINT_ROLES_CACHE``, else ``$XDG_CACHE_HOME/iamlint/roles.json`` (``~/.cache/...``)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iamlint" / "roles.json"


def read_cache(path: Path) -> RoleCatalogue:
    shown = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(shown, None, f"cannot read the role cache: {error}") from None
    except json.JSONDecodeError as error:
        raise InputError(
            shown, error.lineno, f"the role cache is not JSON ({error.msg}); run `iamlint roles sync`"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("roles"), dict):
        raise InputError(shown, None, 'the role cache has no "roles" object; run `iamlint roles sync`')
    return catalogue_from_json(document, origin=f"cache {shown}", complete=True)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float | None) -> RoleCatalogue:
    return read_cache(Path(path)) if mtime is not None else bundled_catalogue()


def catalogue(cache: Path | None = None) -> RoleCatalogue:
    """The full catalogue from the cache when one exists, else the bundled roles; read once per file."""
    path = cache or default_cache_path()
    try:
        mtime: float | None = path.stat().st_mtime
    except OSError:
        mtime = None
    return _cached(str(path), mtime)


def custom_role(inventory: Inventory, role: str) -> CustomRole | None:
    """The custom role a binding names, whether it spells the project by number or by id."""
    found = inventory.custom_roles.get(role)
    if found is not None or not role.startswith("projects/"):
        return found
    wanted = _by_project_id(inventory, role)
    return next(
        (r for name, r in inventory.custom_roles.items() if _by_project_id(inventory, name) == wanted), None
    )


def _by_project_id(inventory: Inventory, role: str) -> str:
    parts = role.split("/")
    if len(parts) == 4 and parts[0] == "projects":
        parts[1] = inventory.project_id(parts[1])
    return "/".join(parts)


def lookup(
    role: str, inventory: Inventory | None = None, roles: RoleCatalogue | None = None
) -> RoleInfo | None:
    """A predefined role from the catalogue or a custom role from the inputs; None when unknown."""
    if role.startswith("roles/"):
        return (roles or catalogue()).get(role)
    found = custom_role(inventory, role) if inventory is not None else None
    if found is None:
        return None
    return RoleInfo(
        name=found.name,
        permissions=found.permissions,
        title=found.title or "",
        stage=found.stage or "",
        deleted=found.deleted,
        source=str(found.location) if found.location else "the inputs",
    )


def permissions_of(
    role: str, inventory: Inventory | None = None, roles: RoleCatalogue | None = None
) -> frozenset[str] | None:
    info = lookup(role, inventory, roles)
    return info.permissions if info else None


# --- the live catalogue -------------------------------------------------------------------------------


def make_client(endpoint: str | None = None) -> Any:
    """An ``IAMClient``: Application Default Credentials against the public endpoint or ``endpoint``, or
    anonymous over plaintext gRPC for a loopback endpoint (an emulator, the tests)."""
    import google.auth.exceptions
    from google.cloud.iam_admin_v1 import IAMClient
    from google.cloud.iam_admin_v1.services.iam.transports import IAMGrpcTransport

    try:
        return google_clients.make_client(IAMClient, IAMGrpcTransport, endpoint, ENDPOINT_ENV)
    except google.auth.exceptions.DefaultCredentialsError as error:
        raise SyncError(
            f"no Application Default Credentials: run `gcloud auth application-default login` ({error})"
        ) from None


def fetch_roles(client: Any, *, show_deleted: bool = True) -> list[dict[str, Any]]:
    """Every predefined role with its permissions (roles.list, view FULL, every page)."""
    from google.api_core import exceptions
    from google.cloud.iam_admin_v1 import ListRolesRequest, Role, RoleView

    request = ListRolesRequest(view=RoleView.FULL, page_size=1000, show_deleted=show_deleted)
    try:
        # The pager follows next_page_token until the last page.
        roles = list(client.list_roles(request=request))
    except exceptions.GoogleAPICallError as error:
        raise SyncError(f"roles.list failed: {error.message or error}") from None
    return [
        {
            "name": role.name,
            "title": role.title,
            "description": role.description,
            "stage": Role.RoleLaunchStage(role.stage).name,
            "deleted": role.deleted,
            "includedPermissions": sorted(role.included_permissions),
        }
        for role in roles
    ]


def sync(out: Path | None = None, *, endpoint: str | None = None, client: Any = None) -> tuple[Path, int]:
    """Read the live catalogue and write it where :func:`catalogue` looks (or to ``out``)."""
    roles = fetch_roles(client or make_client(endpoint))
    if not roles:
        raise SyncError("roles.list returned no roles; the cache was left as it was")
    target = out or default_cache_path()
    document = {
        "reflects": datetime.now(UTC).strftime("%Y-%m-%d"),
        "source": f"IAM API roles.list (view FULL) at {endpoint or os.environ.get(ENDPOINT_ENV) or 'iam.googleapis.com'}",
        "roles": {role["name"]: role for role in sorted(roles, key=lambda r: str(r["name"]))},
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SyncError(f"cannot write {target}: {error.strerror or error}") from None
    # Written whole, then renamed, so a failed sync never leaves a half cache that rules would trust.
    write_text(target, json.dumps(document, indent=1) + "\n")
    return target, len(roles)
