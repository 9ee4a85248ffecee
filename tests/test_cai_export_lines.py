"""The export-line fast path (``CaiLoader.load_line``) says exactly what the general path says about every
line it takes, and leaves every line it cannot take whole to the general path."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from iamlint.inventory import InventoryBuilder
from iamlint.loaders.cai import _Interner, facts_from_asset, facts_from_export_line
from iamlint.loaders.cloud_run import _checked_knative, _plain_knative, workload_from_knative_json
from iamlint.loaders.documents import Document, NdjsonLine, documents_from_text
from iamlint.loaders.gcloud_policy import PlainPolicy, _checked_policy, policy_from_plain
from iamlint.loaders.gcloud_resources import (
    key_from,
    key_from_json,
    service_account_from,
    service_account_from_json,
)
from iamlint.loaders.shapes import Shape
from iamlint.model import Policy, SourceLocation, WorkloadKind

ROOT = Path(__file__).resolve().parent.parent
CAI = Path(__file__).parent / "fixtures" / "cai"


def _both_ways(path: Path) -> tuple[int, int]:
    """Compare the two paths on every line of an export file; (lines, lines the fast path took)."""
    fast_interner, general_interner = _Interner(), _Interner()
    taken = 0
    lines = path.read_bytes().splitlines()
    for number, raw in enumerate(lines, start=1):
        line = NdjsonLine(str(path), number, raw)
        fast = facts_from_export_line(line, fast_interner)
        document = line.document()
        general = list(facts_from_asset(document, document.data, general_interner))
        if fast is not None:
            taken += 1
            assert fast == general, f"line {number} of {path.name}"
    return len(lines), taken


@pytest.mark.parametrize("name", ["export-resource.ndjson", "export-iam-policy.ndjson"])
def test_fixture_exports_take_the_fast_path_and_agree(name: str) -> None:
    lines, taken = _both_ways(CAI / name)
    # Both fixtures are well-formed gcloud asset export output, so every line is taken.
    assert taken == lines > 0


def test_generated_org_export_takes_the_fast_path_and_agrees(tmp_path: Path) -> None:
    # The benchmark generator writes every asset type the model maps, with services, jobs, keys and roles.
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate_cai.py"),
            *("--assets", "600", "--seed", "7", "--out", str(tmp_path)),
        ],
        check=True,
    )
    for name in ("resource.ndjson", "iam_policy.ndjson"):
        lines, taken = _both_ways(tmp_path / name)
        assert taken == lines > 0


ASSET = {
    "name": "//run.googleapis.com/projects/p/locations/us-central1/services/s",
    "asset_type": "run.googleapis.com/Service",
    "ancestors": ["projects/1", "organizations/2"],
}


@pytest.mark.parametrize(
    "raw",
    [
        # the API's camelCase spelling
        json.dumps({**ASSET, "assetType": ASSET["asset_type"], "resource": {"data": {}}}).encode(),
        json.dumps({**ASSET, "iamPolicy": {"bindings": []}}).encode(),
        # wrong shapes, whose errors the general path words
        json.dumps({**ASSET, "name": "projects/p", "iam_policy": {}}).encode(),
        json.dumps({**ASSET, "resource": {"data": ["not", "a", "mapping"]}}).encode(),
        json.dumps({**ASSET, "resource": {"version": "v1"}}).encode(),
        json.dumps({**ASSET, "resource": {"parent": 7, "data": {}}}).encode(),
        json.dumps({**ASSET, "iam_policy": ["x"]}).encode(),
        json.dumps({**ASSET, "ancestors": "projects/1"}).encode(),
        json.dumps({**ASSET, "ancestors": None, "iam_policy": {}}).encode(),
        json.dumps({**ASSET, "ancestors": ["projects/1", 2], "iam_policy": {}}).encode(),
        # both content types on one line (the API's list output can do that; an export never does)
        json.dumps({**ASSET, "resource": {"data": {}}, "iam_policy": {"bindings": []}}).encode(),
        # content the model does not read: counted by the general path with its content type
        json.dumps({**ASSET, "org_policy": [{"constraint": "x"}]}).encode(),
        # not an asset at all (a get-iam-policy document on one line)
        b'{"bindings": [{"role": "roles/owner", "members": ["user:a@b.c"]}], "etag": "x"}',
        # not JSON, not UTF-8
        b'{"name": "//x", "asset_type": ',
        b'{"name": "//run.googleapis.com/\xff", "asset_type": "x", "iam_policy": {}}',
    ],
)
def test_lines_the_fast_path_leaves_to_the_general_one(raw: bytes) -> None:
    assert facts_from_export_line(NdjsonLine("x.ndjson", 1, raw), _Interner()) is None


def test_unmodelled_resource_data_is_not_read_but_counted() -> None:
    raw = json.dumps(
        {
            "name": "//storage.googleapis.com/b",
            "asset_type": "storage.googleapis.com/Bucket",
            "resource": {"data": {"any": ["shape", {"at": "all"}]}},
        }
    ).encode()
    facts = facts_from_export_line(NdjsonLine("x.ndjson", 3, raw), _Interner())
    builder = InventoryBuilder()
    builder.add_all(facts or [])
    assert dict(builder.unknown_asset_types) == {"storage.googleapis.com/Bucket": 1}


def _ndjson_document(data: object) -> Document:
    """``data`` as the first line of an NDJSON file (two lines make one), parsed as export lines are."""
    return next(documents_from_text("p.ndjson", json.dumps(data) + "\n{}\n"))


def _plain_and_checked(policy: dict[str, object]) -> tuple[Policy | None, Policy]:
    document = _ndjson_document(policy)
    location = SourceLocation("p.ndjson", 1, "//r")
    plain = policy_from_plain(msgspec.convert(policy, PlainPolicy), "//r", location)
    checked, _ = _checked_policy(Shape(document, document.data), "//r", bound=True, address="//r")
    return plain, checked


@pytest.mark.parametrize(
    "policy",
    [
        {
            "version": 1,
            "etag": "BwY=",
            "bindings": [
                {"role": "roles/viewer", "members": ["user:a@example.com", "group:g@example.com"]},
                {"role": "roles/editor", "members": ["serviceAccount:s@p.iam.gserviceaccount.com"]},
            ],
        },
        {
            "version": 3,
            "bindings": [
                {"role": "roles/viewer", "members": ["user:a@example.com"]},
                {
                    "role": "roles/editor",
                    "members": ["user:a@example.com"],
                    "condition": {
                        "expression": "request.time < timestamp('2027-01-01T00:00:00Z')",
                        "title": "t",
                    },
                },
            ],
        },
        {
            "audit_configs": [
                {"service": "allServices", "audit_log_configs": [{"log_type": 1}, {"log_type": 2}]}
            ]
        },
        {
            "audit_configs": [
                {"service": "s", "audit_log_configs": [{"log_type": "3", "exempted_members": ["user:a@b.c"]}]}
            ]
        },
        {
            "auditConfigs": [
                {"service": "s", "auditLogConfigs": [{"logType": "DATA_READ", "exemptedMembers": []}]}
            ]
        },
        {"audit_configs": [{"service": "s"}], "bindings": []},
        {},
    ],
)
def test_plain_policy_matches_the_checked_path(policy: dict[str, object]) -> None:
    plain, checked = _plain_and_checked(policy)
    assert plain is not None
    assert plain == checked


@pytest.mark.parametrize(
    "policy",
    [
        {"bindings": [{"role": "roles/owner", "members": []}]},
        {"bindings": [{"role": "roles/owner_withcond_2f1e3a", "members": ["user:a@b.c"]}]},
        {"audit_configs": [{"service": "s", "audit_log_configs": [{"log_type": 9}]}]},
    ],
)
def test_policies_that_need_a_closer_look_take_the_checked_path(policy: dict[str, object]) -> None:
    location = SourceLocation("p.ndjson", 1, "//r")
    assert policy_from_plain(msgspec.convert(policy, PlainPolicy), "//r", location) is None


@pytest.mark.parametrize(
    "policy",
    [
        {"version": "3"},
        {"etag": 7},
        {"bindings": {"role": "roles/owner"}},
        {"bindings": [{"role": "roles/owner", "members": "user:a@b.c"}]},
        {"bindings": [{"role": "roles/owner", "members": [3]}]},
        {"bindings": [{"members": ["user:a@b.c"]}]},
        {"bindings": [{"role": "r", "members": ["user:a@b.c"], "condition": {"title": "no expression"}}]},
        {"audit_configs": [{"service": 3}]},
        {
            "audit_configs": [
                {"service": "s", "audit_log_configs": [{"log_type": 1, "exempted_members": "x"}]}
            ]
        },
    ],
)
def test_policies_of_another_shape_are_not_plain(policy: dict[str, object]) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(policy, PlainPolicy)


def test_ndjson_values_json_accepts_and_msgspec_does_not_are_read_as_json_reads_them() -> None:
    documents = list(documents_from_text("n.ndjson", '{"a": NaN}\n{"b": 1e400}\n'))
    assert documents[0].data["a"] != documents[0].data["a"]  # NaN
    assert documents[1].data == {"b": float("inf")}


def test_a_fact_of_an_unknown_type_is_an_error_not_dropped() -> None:
    with pytest.raises(TypeError, match="not one of the model's facts"):
        InventoryBuilder().add("a string")  # type: ignore[arg-type]


def _service(env: object, *, job: bool = False, **pod: object) -> dict[str, object]:
    """A Knative service (or job) spec as Cloud Asset Inventory holds it, with ``env`` on its container."""
    template: dict[str, object] = {"spec": {"containers": [{"image": "i", "env": env}], **pod}}
    if job:
        template = {"spec": {"template": template}}
    return {
        "apiVersion": "run.googleapis.com/v1" if job else "serving.knative.dev/v1",
        "kind": "Job" if job else "Service",
        "metadata": {"name": "s", "namespace": "123", "labels": {"cloud.googleapis.com/location": "r"}},
        "spec": {"template": template},
    }


@pytest.mark.parametrize(
    "spec",
    [
        _service([{"name": "A", "value": "1"}, {"name": "B"}, {"name": "C", "value": None}]),
        _service([{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "3"}}}]),
        _service([{"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db"}}}]),
        _service([{"name": "DB", "valueFrom": {"secretKeyRef": None}}]),
        _service([{"name": "DB", "valueFrom": {"secretKeyRef": {"secret": "db", "version": "2"}}}]),
        _service([{"name": "DB", "valueFrom": {"secretKeyRef": {"name": None, "secret": "db"}}}]),
        _service([{"name": "DB", "valueFrom": {"configMapKeyRef": {"name": "c"}}}]),
        _service([{"name": "DB", "valueFrom": None}]),
        _service([], serviceAccountName="app@p.iam.gserviceaccount.com"),
        _service(None, serviceAccountName=""),
        _service([{"name": "A", "value": "1"}], job=True, serviceAccountName="job@p.iam.gserviceaccount.com"),
    ],
)
def test_plain_knative_matches_the_checked_path(spec: dict[str, object]) -> None:
    document = _ndjson_document(spec)
    plain = _plain_knative(document, document.data, "//run.googleapis.com/x")
    assert plain is not None
    assert plain == _checked_knative(document, document.data, "//run.googleapis.com/x")


@pytest.mark.parametrize(
    "spec",
    [
        _service({"name": "A"}),
        _service([{"name": "A", "value": 3}]),
        _service([{"name": 3}]),
        _service([{"value": "x"}]),
        _service([{"name": "DB", "valueFrom": "db"}]),
        _service([{"name": "DB", "valueFrom": {"secretKeyRef": {"name": 3}}}]),
        _service(["A=1"]),
        _service([], serviceAccountName=7),
        {**_service([]), "metadata": {"name": "s", "namespace": 123}},
        {**_service([]), "spec": {}},
        {**_service([]), "kind": "Revision"},
    ],
)
def test_specs_that_need_a_closer_look_take_the_checked_path(spec: dict[str, object]) -> None:
    document = _ndjson_document(spec)
    assert _plain_knative(document, document.data, None) is None


ACCOUNT = {
    "name": "projects/p/serviceAccounts/App@p.iam.gserviceaccount.com",
    "projectId": "p",
    "email": "App@p.iam.gserviceaccount.com",
    "displayName": "app",
}
KEY = {
    "name": "projects/p/serviceAccounts/app@p.iam.gserviceaccount.com/keys/abc",
    "keyType": "USER_MANAGED",
    "validAfterTime": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("data", "from_json", "checked"),
    [
        (ACCOUNT, service_account_from_json, service_account_from),
        ({**ACCOUNT, "disabled": True, "projectId": None}, service_account_from_json, service_account_from),
        ({"email": "a@p.iam.gserviceaccount.com"}, service_account_from_json, service_account_from),
        (KEY, key_from_json, key_from),
        ({**KEY, "disabled": "yes", "keyType": None}, key_from_json, key_from),
    ],
)
def test_accounts_and_keys_from_json_match_the_checked_path(
    data: dict[str, object], from_json: Callable[..., object], checked: Callable[..., object]
) -> None:
    document = _ndjson_document(data)
    location = SourceLocation("p.ndjson", 1, "//iam.googleapis.com/x")
    assert from_json(json.dumps(data).encode(), location) == checked(
        Shape(document, data), "//iam.googleapis.com/x"
    )


@pytest.mark.parametrize(
    ("text", "from_json"),
    [
        (b'{"email": 3}', service_account_from_json),
        (b'{"name": "x"}', service_account_from_json),
        (b'{"email": "a@b.c", "displayName": ["x"]}', service_account_from_json),
        (b'{"name": "projects/p/keys/abc"}', key_from_json),
        (b'{"name": "projects/p/serviceAccounts/a/keys/k", "keyType": 1}', key_from_json),
        (b"[]", key_from_json),
    ],
)
def test_accounts_and_keys_of_another_shape_take_the_checked_path(
    text: bytes, from_json: Callable[..., object]
) -> None:
    assert from_json(text, SourceLocation("p.ndjson", 1)) is None


def test_knative_from_json_declines_another_kind() -> None:
    document = _ndjson_document({})
    job = json.dumps(_service([], job=True)).encode()
    assert workload_from_knative_json(document, job, WorkloadKind.JOB) is not None
    assert workload_from_knative_json(document, job, WorkloadKind.SERVICE) is None
    v2 = json.dumps({"name": "projects/p/locations/r/services/s", "template": {}}).encode()
    assert workload_from_knative_json(document, v2, WorkloadKind.SERVICE) is None


def test_a_chain_is_shared_and_described_once_whatever_its_spacing() -> None:
    bucket = {
        "name": "//storage.googleapis.com/b",
        "asset_type": "storage.googleapis.com/Bucket",
        "resource": {"data": {}},
        "ancestors": ["projects/1", "folders/2", "organizations/3"],
    }
    interner = _Interner()
    spaced = json.dumps(bucket).encode()
    compact = json.dumps({**bucket, "name": "//storage.googleapis.com/c"}, separators=(",", ":")).encode()
    first = facts_from_export_line(NdjsonLine("x.ndjson", 1, spaced), interner) or []
    second = facts_from_export_line(NdjsonLine("x.ndjson", 2, compact), interner) or []
    third = facts_from_export_line(NdjsonLine("x.ndjson", 3, spaced), interner) or []
    # The chain's own facts (project -> folder -> organization) come with the first line only.
    assert [type(fact).__name__ for fact in first] == ["Resource", "Resource", "UnknownAsset"]
    assert [type(fact).__name__ for fact in second] == ["UnknownAsset"]
    assert [type(fact).__name__ for fact in third] == ["UnknownAsset"]
    assert interner.known(["projects/1", "folders/2", "organizations/3"]) == (
        "projects/1",
        "folders/2",
        "organizations/3",
    )
