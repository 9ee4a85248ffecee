"""The live scan against a real gRPC server on 127.0.0.1 speaking the Cloud Asset API.

The server is an ordinary ``grpc.server`` whose handlers take and return the request and response
messages of ``google.cloud.asset_v1``; the product's own client code (``AssetServiceClient`` over an
insecure channel, anonymous credentials) connects to it. Its assets are the export fixtures.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent import futures
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.cloud.asset_v1 import (
    Asset,
    ContentType,
    IamPolicySearchResult,
    ListAssetsRequest,
    ListAssetsResponse,
    SearchAllIamPoliciesRequest,
    SearchAllIamPoliciesResponse,
)

from iamlint.cli import main
from iamlint.errors import IamlintError
from iamlint.inventory import InventoryBuilder
from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.cai import MODELLED_TYPES
from iamlint.loaders.cai_live import (
    ENDPOINT_ENV,
    ScanError,
    ScanOptions,
    ScanStats,
    asset_to_dict,
    make_client,
    parse_read_time,
    read_assets,
    scan_documents,
)
from iamlint.plugins import load_plugins
from iamlint.testing import lint_texts

CAI = Path(__file__).parent / "fixtures" / "cai"
SCOPE = "organizations/866311123412"
SERVICE = "google.cloud.asset.v1.AssetService"


def _lines(name: str) -> list[str]:
    return (CAI / name).read_text().splitlines()


class FakeAssetService:
    """ListAssets and SearchAllIamPolicies over the fixtures, with page tokens and injectable failures."""

    def __init__(self) -> None:
        self.assets = {
            ContentType.RESOURCE: [Asset.from_json(line) for line in _lines("export-resource.ndjson")],
            ContentType.IAM_POLICY: [Asset.from_json(line) for line in _lines("export-iam-policy.ndjson")],
        }
        self.search_results = [
            IamPolicySearchResult.from_json(json.dumps(item))
            for item in json.loads((CAI / "search-all-iam-policies.json").read_text())
        ]
        self.page_size = 4
        self.requests: list[Any] = []
        self.fail_with: tuple[grpc.StatusCode, str] | None = None
        self.fail_from = 0  # fail_with answers this many requests well first (a scan that fails midway)
        self.unavailable_times = 0

    def _maybe_fail(self, context: grpc.ServicerContext) -> None:
        if self.unavailable_times:
            self.unavailable_times -= 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "the service is currently unavailable")
        if self.fail_with and len(self.requests) > self.fail_from:
            context.abort(*self.fail_with)

    def _page(self, items: list[Any], token: str, size: int) -> tuple[list[Any], str]:
        start = int(token or 0)
        size = size or self.page_size
        end = start + size
        return items[start:end], (str(end) if end < len(items) else "")

    def list_assets(self, request: ListAssetsRequest, context: grpc.ServicerContext) -> ListAssetsResponse:
        self.requests.append(request)
        self._maybe_fail(context)
        items = [
            asset
            for asset in self.assets[request.content_type]
            if not request.asset_types or asset.asset_type in request.asset_types
        ]
        page, token = self._page(items, request.page_token, request.page_size)
        return ListAssetsResponse(assets=page, next_page_token=token, read_time=request.read_time)

    def search_all_iam_policies(
        self, request: SearchAllIamPoliciesRequest, context: grpc.ServicerContext
    ) -> SearchAllIamPoliciesResponse:
        self.requests.append(request)
        self._maybe_fail(context)
        page, token = self._page(self.search_results, request.page_token, request.page_size)
        return SearchAllIamPoliciesResponse(results=page, next_page_token=token)

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "ListAssets": grpc.unary_unary_rpc_method_handler(
                    self.list_assets,
                    request_deserializer=ListAssetsRequest.deserialize,
                    response_serializer=ListAssetsResponse.serialize,
                ),
                "SearchAllIamPolicies": grpc.unary_unary_rpc_method_handler(
                    self.search_all_iam_policies,
                    request_deserializer=SearchAllIamPoliciesRequest.deserialize,
                    response_serializer=SearchAllIamPoliciesResponse.serialize,
                ),
            },
        )


@pytest.fixture
def server() -> Iterator[tuple[FakeAssetService, str]]:
    service = FakeAssetService()
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    grpc_server.add_generic_rpc_handlers((service.handler(),))
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    try:
        yield service, f"127.0.0.1:{port}"
    finally:
        grpc_server.stop(None)


def _key(finding: Any) -> tuple[str, str, str | None, str | None]:
    return (finding.rule, finding.resource, finding.principal, finding.role)


def _scan_findings(options: ScanOptions, save: str | None = None) -> list[Any]:
    plugins = load_plugins()
    builder = InventoryBuilder()
    builder.add_all(load_documents(scan_documents(options, save=save), plugins.loaders, LoadContext()))
    from iamlint.engine import rule_options, run_rules, select_rules

    rules = select_rules(plugins.rules, ["ALL"])
    return run_rules(builder.build(), rules, rule_options(rules, {}))


def test_pages_are_followed_and_requests_are_what_the_rules_need(
    server: tuple[FakeAssetService, str],
) -> None:
    service, endpoint = server
    stats = ScanStats()
    read_time = datetime(2026, 11, 28, tzinfo=UTC)
    options = ScanOptions(scope=SCOPE, endpoint=endpoint, page_size=4, read_time=read_time)
    assets = list(read_assets(options, stats=stats))
    # 14 modelled resources (the bucket is not asked for) in 4 pages, 6 policies in 2 pages.
    assert len(assets) == 20
    assert (stats.assets, stats.pages) == (20, 6)
    tokens = [(r.content_type, r.page_token) for r in service.requests]
    assert tokens == [
        (ContentType.RESOURCE, ""),
        (ContentType.RESOURCE, "4"),
        (ContentType.RESOURCE, "8"),
        (ContentType.RESOURCE, "12"),
        (ContentType.IAM_POLICY, ""),
        (ContentType.IAM_POLICY, "4"),
    ]
    first = service.requests[0]
    assert first.parent == SCOPE
    assert list(first.asset_types) == list(MODELLED_TYPES)
    assert first.page_size == 4
    assert first.read_time == read_time
    assert list(service.requests[4].asset_types) == []


def test_messages_become_export_lines() -> None:
    line = _lines("export-iam-policy.ndjson")[2]
    assert asset_to_dict(Asset.from_json(line)) == json.loads(line)


def test_scan_finds_what_the_export_files_give(server: tuple[FakeAssetService, str]) -> None:
    _, endpoint = server
    scanned = _scan_findings(ScanOptions(scope=SCOPE, endpoint=endpoint))
    files = {
        name: (CAI / name).read_text() for name in ("export-resource.ndjson", "export-iam-policy.ndjson")
    }
    expected = lint_texts(files, select=["ALL"])
    assert {_key(f) for f in scanned} == {_key(f) for f in expected}
    assert any(f.rule == "SA001" for f in scanned)
    # No file: the asset's full name is the location.
    run001 = next(f for f in scanned if f.rule == "RUN001")
    assert run001.location is not None
    assert run001.location.path is None
    assert run001.location.address == run001.resource


def test_saved_scan_lints_again_and_findings_point_into_it(
    server: tuple[FakeAssetService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, endpoint = server
    saved = tmp_path / "scan.ndjson"
    scanned = _scan_findings(ScanOptions(scope=SCOPE, endpoint=endpoint), save=str(saved))
    lines = saved.read_text().splitlines()
    assert len(lines) == 20
    run001 = next(f for f in scanned if f.rule == "RUN001")
    assert run001.location.path == str(saved)
    assert json.loads(lines[run001.location.line - 1])["name"] == run001.resource
    code = main(["check", "--select", "ALL", "--format", "json", str(saved)])
    checked = json.loads(capsys.readouterr().out)["findings"]
    assert code == 1
    assert {(f["rule"], f["resource"], f["principal"], f["role"]) for f in checked} == {
        _key(f) for f in scanned
    }


def test_search_all_iam_policies_as_the_policy_source(server: tuple[FakeAssetService, str]) -> None:
    service, endpoint = server
    options = ScanOptions(scope=SCOPE, endpoint=endpoint, policies="search", page_size=2)
    stats = ScanStats()
    results = [item for item in read_assets(options, stats=stats) if "policy" in item]
    assert [item["resource"] for item in results][:1] == [
        "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
    ]
    assert len(results) == 3
    searches = [r for r in service.requests if isinstance(r, SearchAllIamPoliciesRequest)]
    assert [r.page_token for r in searches] == ["", "2"]
    assert searches[0].scope == SCOPE
    findings = _scan_findings(options)
    assert ("SP001", "//cloudresourcemanager.googleapis.com/folders/284657391022") in {
        (f.rule, f.resource) for f in findings
    }


def test_permission_denied_names_the_role(server: tuple[FakeAssetService, str]) -> None:
    service, endpoint = server
    service.fail_with = (grpc.StatusCode.PERMISSION_DENIED, "The caller does not have permission")
    with pytest.raises(ScanError) as error:
        list(read_assets(ScanOptions(scope=SCOPE, endpoint=endpoint)))
    message = str(error.value)
    assert "roles/cloudasset.viewer on organizations/866311123412" in message
    assert "The caller does not have permission" in message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "quota exhausted"),
        (grpc.StatusCode.INVALID_ARGUMENT, "check --scope, --asset-types and --read-time"),
        (grpc.StatusCode.UNAUTHENTICATED, "gcloud auth application-default login"),
    ],
)
def test_api_errors_are_one_clear_message(
    server: tuple[FakeAssetService, str], code: grpc.StatusCode, expected: str
) -> None:
    service, endpoint = server
    service.fail_with = (code, "from the server")
    with pytest.raises(ScanError, match=expected):
        list(read_assets(ScanOptions(scope=SCOPE, endpoint=endpoint)))


def test_unavailable_then_ok_is_retried_by_the_client(server: tuple[FakeAssetService, str]) -> None:
    service, endpoint = server
    service.unavailable_times = 2
    assets = list(read_assets(ScanOptions(scope=SCOPE, endpoint=endpoint)))
    assert len(assets) == 20
    first_pages = [r for r in service.requests if r.content_type == ContentType.RESOURCE and not r.page_token]
    assert len(first_pages) == 3  # two refusals, then the answer


def test_cli_scan_reports_like_check(
    server: tuple[FakeAssetService, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, endpoint = server
    monkeypatch.chdir(tmp_path)  # no config from the repository
    monkeypatch.setenv(ENDPOINT_ENV, endpoint)
    code = main(["scan", "--scope", SCOPE, "--format", "json", "--page-size", "5"])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert code == 1
    assert {"SA001", "SP001", "RUN001", "IAM002"} <= {f["rule"] for f in out["findings"]}
    # Progress goes to stderr only on a terminal: under pytest stderr is not one.
    assert "assets" not in captured.err


def test_cli_scan_permission_denied_exits_2(
    server: tuple[FakeAssetService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service, endpoint = server
    service.fail_with = (grpc.StatusCode.PERMISSION_DENIED, "denied")
    code = main(
        ["scan", "--scope", "folders/284657391022", "--endpoint", endpoint, "--save", str(tmp_path / "s")]
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "roles/cloudasset.viewer on folders/284657391022" in captured.err


def test_cli_scan_rejects_a_bad_scope_without_calling(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--scope", "org/1", "--endpoint", "127.0.0.1:9"]) == 2
    assert "expected organizations/NUMBER" in capsys.readouterr().err


def test_read_time_must_be_rfc3339() -> None:
    assert parse_read_time("2026-11-28T00:00:00Z") == datetime(2026, 11, 28, tzinfo=UTC)
    with pytest.raises(IamlintError, match="RFC 3339"):
        parse_read_time("yesterday")
    with pytest.raises(IamlintError, match="time zone"):
        parse_read_time("2026-11-28T00:00:00")


def test_only_loopback_endpoints_are_plaintext() -> None:
    from iamlint.google_clients import insecure_endpoint as _insecure_endpoint

    assert _insecure_endpoint("127.0.0.1:8080") == ("127.0.0.1:8080", True)
    assert _insecure_endpoint("localhost:8080") == ("localhost:8080", True)
    assert _insecure_endpoint("[::1]:8080") == ("[::1]:8080", True)
    assert _insecure_endpoint("http://asset-emulator:8080") == ("asset-emulator:8080", True)
    assert _insecure_endpoint("cloudasset-psc.p.googleapis.com") == ("cloudasset-psc.p.googleapis.com", False)
    # A loopback endpoint needs no credentials: the client is built without ADC (and not called).
    assert make_client("127.0.0.1:9") is not None


def test_missing_credentials_are_one_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # ADC finds nothing: the credentials file it is pointed at does not exist.
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(ScanError, match="no Application Default Credentials"):
        make_client("cloudasset-psc.p.googleapis.com")


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_outside_ci_and_pre_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    from iamlint.loaders import cai_live

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    assert not cai_live._show_progress()  # pytest captures stderr: not a terminal
    monkeypatch.setattr("sys.stderr", _Terminal())
    assert cai_live._show_progress()
    monkeypatch.setenv("CI", "true")
    assert not cai_live._show_progress()
    monkeypatch.delenv("CI")
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert not cai_live._show_progress()


# --- nothing half-written, everything checked first ------------------------------------------------------

PREVIOUS_EXPORT = '{"name": "//cloudresourcemanager.googleapis.com/projects/from-the-last-good-scan"}\n'


@pytest.mark.parametrize("fail_from", [0, 2], ids=["at-once", "midway"])
def test_a_failed_scan_leaves_the_previous_saved_export(
    server: tuple[FakeAssetService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_from: int
) -> None:
    service, endpoint = server
    saved = tmp_path / "scan.ndjson"
    saved.write_text(PREVIOUS_EXPORT)
    service.fail_with = (grpc.StatusCode.PERMISSION_DENIED, "denied")
    service.fail_from = fail_from
    assert main(["scan", "--scope", SCOPE, "--endpoint", endpoint, "--save", str(saved)]) == 2
    assert "roles/cloudasset.viewer" in capsys.readouterr().err
    assert len(service.requests) == fail_from + 1
    # Neither emptied nor a partial export that a later `iamlint check` would lint as complete.
    assert saved.read_text() == PREVIOUS_EXPORT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.ndjson"]


def test_a_complete_scan_replaces_the_saved_export(
    server: tuple[FakeAssetService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, endpoint = server
    saved = tmp_path / "scan.ndjson"
    saved.write_text(PREVIOUS_EXPORT)
    assert main(["scan", "--scope", SCOPE, "--endpoint", endpoint, "--save", str(saved), "-q"]) == 1
    assert len(saved.read_text().splitlines()) == 20


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--save", "{tmp}/no/such/dir/scan.ndjson"], "cannot write --save"),
        (["--save", "{tmp}"], "it is a directory"),
        (["-o", "{tmp}/missing/findings.json", "--format", "json"], "cannot write --output"),
        (["--format", "sarif", "-o", "{tmp}/x.sarif", "--format", "nope"], "unknown --format 'nope'"),
        (["--page-size", "0"], "expected a number greater than 0"),
        (["--page-size", "-5"], "expected a number greater than 0"),
        (["--endpoint", "https://cloudasset.googleapis.com"], "no scheme other than http://"),
        (["--endpoint", "127.0.0.1:port"], "the port is not a number"),
        (["--read-time", "yesterday"], "RFC 3339"),
        (["--baseline", "{tmp}/missing-baseline.json"], "baseline file not found"),
        (["--save", "{tmp}/same.json", "-o", "{tmp}/same.json"], "give the export a file of its own"),
    ],
)
def test_every_option_and_output_is_checked_before_the_first_call(
    server: tuple[FakeAssetService, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    expected: str,
) -> None:
    service, endpoint = server
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENDPOINT_ENV, endpoint)
    args = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    try:
        code = main(["scan", "--scope", SCOPE, *args])
    except SystemExit as error:  # argparse refuses a bad value by exiting, with the scan's usage
        code = int(error.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert service.requests == []


def test_a_malformed_endpoint_from_the_environment_is_refused_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENDPOINT_ENV, "127.0.0.1:8080/v1")
    assert main(["scan", "--scope", SCOPE]) == 2
    assert "--endpoint '127.0.0.1:8080/v1': expected HOST[:PORT]" in capsys.readouterr().err


def test_retries_are_shown_while_the_api_is_retrying(
    server: tuple[FakeAssetService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service, endpoint = server
    service.unavailable_times = 2
    code = main(["scan", "--scope", SCOPE, "--endpoint", endpoint, "-o", str(tmp_path / "out.txt")])
    assert code == 1
    err = capsys.readouterr().err
    # Not a terminal (pytest captures stderr): one notice per retry instead of the progress bar.
    assert err.count("the Cloud Asset API did not answer list_assets (RESOURCE)") == 2
    assert "retrying (attempt 2)" in err
    assert "retrying (attempt 3)" in err
    assert main(["scan", "--scope", SCOPE, "--endpoint", endpoint, "-q", "-o", str(tmp_path / "o")]) == 1
    assert "retrying" not in capsys.readouterr().err


def test_on_a_terminal_the_progress_bar_says_it_is_retrying(
    server: tuple[FakeAssetService, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iamlint.loaders import cai_live

    service, endpoint = server
    service.unavailable_times = 1
    monkeypatch.setattr(cai_live, "_show_progress", lambda: True)
    assert len(list(read_assets(ScanOptions(scope=SCOPE, endpoint=endpoint)))) == 20
    err = capsys.readouterr().err
    assert "reading assets: the Cloud Asset API did not answer list_assets (RESOURCE)" in err
    assert "iamlint: notice" not in err


def test_a_failed_scan_still_writes_its_sarif_report(
    server: tuple[FakeAssetService, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service, endpoint = server
    service.fail_with = (grpc.StatusCode.RESOURCE_EXHAUSTED, "quota")
    sarif = tmp_path / "scan.sarif"
    code = main(["scan", "--scope", SCOPE, "--endpoint", endpoint, "--format", "sarif", "-o", str(sarif)])
    assert code == 2
    assert "quota exhausted" in capsys.readouterr().err
    (run,) = json.loads(sarif.read_text())["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "quota exhausted" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_the_scan_summary_does_not_count_files(
    server: tuple[FakeAssetService, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, endpoint = server
    assert main(["scan", "--scope", SCOPE, "--endpoint", endpoint, "--select", "SA001"]) == 1
    out = capsys.readouterr().out
    assert "Found 2 findings (2 high)." in out
    assert "in 0 files" not in out
