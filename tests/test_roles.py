"""Role knowledge: the bundled predefined roles, `iamlint roles sync` against a real gRPC server on
127.0.0.1 speaking the IAM Admin API (google.iam.admin.v1.IAM/ListRoles), the cache the rules then use,
`iamlint explain-role`, IAM009, and SP001/SA005 judging roles by their permissions.

The server is an ordinary ``grpc.server`` whose handler takes and returns the API's own request and
response messages; the product's real client (google-cloud-iam's IAMClient) connects to it with anonymous
credentials over a plaintext channel, exactly as it would to an emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from google.cloud.iam_admin_v1.types import ListRolesRequest, ListRolesResponse, Role, RoleView

from iamlint.cli import main
from iamlint.roles import BUNDLED_SERVICES, bundled_catalogue, catalogue
from iamlint.testing import lint_texts
from iamlint_rules._examples import policy, sa

SERVICE = "google.iam.admin.v1.IAM"
ORDERS = "serviceAccount:" + sa("orders-run")
FIXTURES = Path(__file__).parent / "fixtures"


def role(name: str, permissions: list[str], *, deleted: bool = False, title: str = "") -> Role:
    return Role(
        name=name,
        title=title or name.rsplit(".", 1)[-1],
        description=f"test role {name}",
        included_permissions=permissions,
        stage=Role.RoleLaunchStage.GA,
        deleted=deleted,
    )


# What the test server lists: a few real roles, one with spanner.databases.drop that iamlint does not
# ship, and a deleted one.
LIVE_ROLES = [
    role("roles/spanner.databaseUser", ["spanner.databases.read", "spanner.databases.write"]),
    role("roles/storage.objectViewer", ["storage.objects.get", "storage.objects.list"]),
    role("roles/example.spannerJanitor", ["spanner.databases.drop", "spanner.databases.list"]),
    role("roles/example.policyEditor", ["resourcemanager.projects.setIamPolicy"]),
    role("roles/example.retired", ["storage.objects.get"], deleted=True),
]


class FakeIamService:
    def __init__(self, roles: list[Role], page_size: int = 2) -> None:
        self.roles = roles
        self.page_size = page_size
        self.requests: list[ListRolesRequest] = []
        self.fail = False

    def list_roles(self, request: ListRolesRequest, context: grpc.ServicerContext) -> ListRolesResponse:
        self.requests.append(request)
        if self.fail:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "caller lacks iam.roles.list")
        start = int(request.page_token or 0)
        end = start + self.page_size
        token = str(end) if end < len(self.roles) else ""
        return ListRolesResponse(roles=self.roles[start:end], next_page_token=token)

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "ListRoles": grpc.unary_unary_rpc_method_handler(
                    self.list_roles,
                    request_deserializer=ListRolesRequest.deserialize,
                    response_serializer=ListRolesResponse.serialize,
                )
            },
        )


@pytest.fixture
def server() -> Iterator[tuple[FakeIamService, str]]:
    service = FakeIamService(LIVE_ROLES)
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    grpc_server.add_generic_rpc_handlers((service.handler(),))
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    try:
        yield service, f"127.0.0.1:{port}"
    finally:
        grpc_server.stop(None)


@pytest.fixture(autouse=True)
def no_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test starts without a role cache (a developer's ~/.cache must not change the answers)."""
    path = tmp_path / "cache" / "roles.json"
    monkeypatch.setenv("IAMLINT_ROLES_CACHE", str(path))
    monkeypatch.delenv("IAMLINT_IAM_ENDPOINT", raising=False)
    return path


@pytest.fixture
def synced(
    server: tuple[FakeIamService, str], no_user_cache: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    assert main(["roles", "sync", "--endpoint", server[1]]) == 0
    capsys.readouterr()
    return no_user_cache


# --- the bundled data -----------------------------------------------------------------------------------


def test_bundled_roles_cover_what_the_rules_need() -> None:
    roles = bundled_catalogue()
    assert not roles.complete
    assert roles.reflects == "2025-11-01"
    admin = roles.get("roles/spanner.databaseAdmin")
    assert admin is not None
    assert {"spanner.databases.drop", "spanner.databases.updateDdl", "spanner.databases.setIamPolicy"} <= (
        admin.permissions
    )
    reader = roles.get("roles/spanner.databaseReader")
    assert reader is not None
    assert "spanner.databases.select" in reader.permissions
    assert "spanner.databases.write" not in reader.permissions
    for name in ("roles/owner", "roles/iam.serviceAccountTokenCreator", "roles/run.invoker"):
        assert name in roles.roles
    owner = roles.get("roles/owner")
    assert owner is not None
    assert owner.partial
    for info in roles:
        assert info.name.startswith("roles/")
        service = info.name.removeprefix("roles/").split(".")[0]
        assert service in BUNDLED_SERVICES or info.name in ("roles/owner", "roles/editor", "roles/viewer")
        assert info.permissions, info.name
        assert all(p.count(".") >= 2 for p in info.permissions), info.name


# --- roles sync against the local IAM server ------------------------------------------------------------


def test_sync_reads_every_page_with_the_full_view(
    server: tuple[FakeIamService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service, endpoint = server
    out = tmp_path / "roles.json"
    assert main(["roles", "sync", "--out", str(out), "--endpoint", endpoint]) == 0
    assert f"Wrote 5 predefined roles to {out}." in capsys.readouterr().out
    assert [request.page_token for request in service.requests] == ["", "2", "4"]
    assert all(request.view == RoleView.FULL for request in service.requests)
    assert all(request.show_deleted for request in service.requests)
    document = json.loads(out.read_text())
    assert document["roles"]["roles/example.spannerJanitor"]["includedPermissions"] == [
        "spanner.databases.drop",
        "spanner.databases.list",
    ]
    assert document["roles"]["roles/example.retired"]["deleted"] is True
    assert document["roles"]["roles/storage.objectViewer"]["stage"] == "GA"
    assert endpoint in document["source"]


def test_sync_writes_the_default_cache_which_the_catalogue_then_uses(
    server: tuple[FakeIamService, str],
    no_user_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert not catalogue().complete
    monkeypatch.setenv("IAMLINT_IAM_ENDPOINT", server[1])
    assert main(["roles", "sync"]) == 0
    assert no_user_cache.is_file()
    roles = catalogue()
    assert roles.complete
    assert roles.covers("roles/storage.anything")
    assert roles.get("roles/storage.objectViewer") is not None
    # The cache replaces the bundled data: a role it does not list is unknown.
    assert roles.get("roles/spanner.databaseAdmin") is None


def test_sync_failure_is_a_clear_error_and_keeps_the_cache(
    server: tuple[FakeIamService, str], no_user_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service, endpoint = server
    no_user_cache.parent.mkdir(parents=True)
    no_user_cache.write_text('{"roles": {}}')
    service.fail = True
    assert main(["roles", "sync", "--endpoint", endpoint]) == 2
    err = capsys.readouterr().err
    assert "roles.list failed: caller lacks iam.roles.list" in err
    assert "Traceback" not in err
    assert no_user_cache.read_text() == '{"roles": {}}'


def test_a_broken_cache_is_a_clear_error(no_user_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    no_user_cache.parent.mkdir(parents=True)
    no_user_cache.write_text("{not json")
    assert main(["explain-role", "roles/owner"]) == 2
    assert "roles.json:1: the role cache is not JSON" in capsys.readouterr().err


# --- rules that use the catalogue -------------------------------------------------------------------


def test_unknown_role_suggests_the_closest_predefined_role() -> None:
    findings = lint_texts(
        {
            "iam/project.yaml": policy(
                [
                    ("roles/spanner.databaseUsers", [ORDERS]),
                    ("roles/run.invoker", [ORDERS]),
                    # Not judged without a synced catalogue: iamlint ships no storage roles.
                    ("roles/storage.objectViewerr", [ORDERS]),
                    # Custom roles are never guessed at.
                    ("projects/acme-shop-prod/roles/missing", [ORDERS]),
                ]
            )
        },
        select=["IAM009"],
    )
    assert [(f.role, f.line) for f in findings] == [("roles/spanner.databaseUsers", 5)]
    assert "did you mean roles/spanner.databaseUser?" in findings[0].message


def test_with_the_synced_catalogue_every_service_is_judged_and_deleted_roles_are_named(synced: Path) -> None:
    findings = lint_texts(
        {
            "iam/project.yaml": policy(
                [("roles/storage.objectViewerr", [ORDERS]), ("roles/example.retired", [ORDERS])]
            )
        },
        select=["IAM009"],
    )
    messages = {f.role: f.message for f in findings}
    assert "did you mean roles/storage.objectViewer?" in messages["roles/storage.objectViewerr"]
    assert "roles/example.retired was deleted" in messages["roles/example.retired"]


def test_sp001_judges_a_predefined_role_by_its_permissions(synced: Path) -> None:
    findings = lint_texts(
        {"iam/project.yaml": policy([("roles/example.spannerJanitor", [ORDERS])])}, select=["SP001"]
    )
    assert [(f.rule, f.role) for f in findings] == [("SP001", "roles/example.spannerJanitor")]
    assert "a predefined role with Spanner permissions beyond data access (spanner.databases.drop)" in (
        findings[0].message
    )


def test_sp001_bundled_catalogue_knows_the_backup_writer() -> None:
    findings = lint_texts(
        {
            "iam/project.yaml": policy(
                [("roles/spanner.backupWriter", [ORDERS]), ("roles/spanner.viewer", [ORDERS])]
            )
        },
        select=["SP001"],
    )
    assert [f.role for f in findings] == ["roles/spanner.backupWriter"]


def test_sa005_judges_roles_by_their_permissions(synced: Path) -> None:
    custom = (
        (FIXTURES / "gcloud_resources" / "custom-role.yaml")
        .read_text()
        .replace("- spanner.databases.select", "- spanner.databases.select\n- iam.serviceAccountKeys.create")
    )
    findings = lint_texts(
        {
            "iam/project.yaml": policy(
                [
                    ("roles/example.policyEditor", [ORDERS]),
                    ("projects/acme-shop-prod/roles/spannerDeployer", [ORDERS]),
                    ("roles/storage.objectViewer", [ORDERS]),
                ]
            ),
            "iam/custom-role.yaml": custom,
        },
        select=["SA005"],
    )
    assert sorted((f.role, f.message.split(" (it grants ")[1].split(")")[0]) for f in findings) == [
        ("projects/acme-shop-prod/roles/spannerDeployer", "iam.serviceAccountKeys.create"),
        ("roles/example.policyEditor", "resourcemanager.projects.setIamPolicy"),
    ]


# --- explain-role ---------------------------------------------------------------------------------------


def test_explain_role_prints_permissions_and_the_rules_it_trips(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-role", "roles/spanner.databaseAdmin"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("roles/spanner.databaseAdmin — Cloud Spanner Database Admin (GA)")
    assert "    spanner.databases.drop\n" in out
    assert "Source: bundled 2025-11-01" in out
    assert "SP001 over-broad-spanner-role (high): granted to a service account" in out
    assert "IAM001" not in out


def test_explain_role_for_basic_and_unknown_roles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain-role", "roles/editor"]) == 0
    out = capsys.readouterr().out
    assert "IAM001 basic-role (high)" in out
    assert "lists a basic role's permissions only for spanner, iam, run and resourcemanager" in out
    assert main(["explain-role", "roles/iam.serviceAccountUsr"]) == 2
    assert "did you mean roles/iam.serviceAccountUser?" in capsys.readouterr().err


def test_explain_role_reads_custom_roles_from_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("custom-role.yaml").write_text((FIXTURES / "gcloud_resources" / "custom-role.yaml").read_text())
    name = "projects/acme-shop-prod/roles/spannerDeployer"
    assert main(["explain-role", name, "custom-role.yaml"]) == 0
    out = capsys.readouterr().out
    assert "Spanner deployer (GA, custom role)" in out
    assert "Source: custom-role.yaml" in out
    assert "SP001 over-broad-spanner-role" in out
    assert main(["explain-role", name]) == 2
    assert "among the inputs' custom roles" in capsys.readouterr().err
