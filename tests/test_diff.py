"""`iamlint diff`: the access and findings AFTER adds to BEFORE, compared by meaning, not by text.

Both sides start as copies of tests/fixtures/ci/project (each with its own .iamlint.yaml, as a base branch
checkout and a pull request checkout would be) and the tests edit the AFTER side.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from iamlint.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
DATABASE = "//spanner.googleapis.com/projects/acme-shop-prod/instances/shop-prod/databases/orders"
SA = "orders@acme-shop-prod.iam.gserviceaccount.com"

DB_POLICY = """\
# gcloud spanner databases get-iam-policy orders --instance shop-prod
bindings:
- members:
  - serviceAccount:etl@acme-shop-prod.iam.gserviceaccount.com
  role: roles/spanner.databaseReader
etag: BwYQ7rT0AbE=
version: 1
"""
ROLE = """\
# gcloud iam roles describe spannerDeployer --project acme-shop-prod
etag: BwYQ7rT0AbE=
includedPermissions:
- spanner.databases.get
- spanner.databases.getDdl
name: projects/acme-shop-prod/roles/spannerDeployer
stage: GA
title: Spanner deployer
"""


@pytest.fixture
def sides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    for side in ("before", "after"):
        shutil.copytree(FIXTURES / "ci" / "project", tmp_path / side)
        (tmp_path / side / "iam" / "db.yaml").write_text(DB_POLICY)
        (tmp_path / side / "iam" / "role.yaml").write_text(ROLE)
        config = tmp_path / side / ".iamlint.yaml"
        config.write_text(
            config.read_text().replace("resources:\n", f"resources:\n  iam/db.yaml: {DATABASE}\n")
        )
    monkeypatch.chdir(tmp_path)
    return tmp_path / "before", tmp_path / "after"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def diff_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["diff", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def pairs(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(a["resource"], a["member"], a["role"], a["granted_on"]) for a in document["new_access"]}


def test_identical_sides_add_nothing(sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, document = diff_json(capsys, "--fail-on-new-access", "before", "after")
    assert code == 0
    assert document == {
        "version": 1,
        "new_access": [],
        "new_permissions": [],
        "new_identities": [],
        "new_findings": [],
    }


def test_new_member_on_the_project_reaches_the_database(
    sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, after = sides
    edit(
        after / "iam" / "project.yaml",
        "  - group:developers@acme.example\n",
        "  - group:developers@acme.example\n  - user:contractor@gmail.com\n",
    )
    code, document = diff_json(capsys, "before", "after")
    assert code == 0  # new access alone does not fail without --fail-on-new-access
    assert pairs(document) == {
        (PROJECT, "user:contractor@gmail.com", "roles/viewer", PROJECT),
        (DATABASE, "user:contractor@gmail.com", "roles/viewer", PROJECT),
    }
    direct = next(a for a in document["new_access"] if not a["inherited"])
    assert direct["location"] == {"path": "after/iam/project.yaml", "line": 8, "address": None}
    assert main(["diff", "--fail-on-new-access", "before", "after"]) == 1
    out = capsys.readouterr().out
    assert f"  + user:contractor@gmail.com roles/viewer on {PROJECT}  (after/iam/project.yaml:8)\n" in out
    assert f"      inherited by {DATABASE}\n" in out


def test_grant_moved_up_the_hierarchy_is_new_access_only_where_it_is_new(
    sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, after = sides
    etl = "  - serviceAccount:etl@acme-shop-prod.iam.gserviceaccount.com\n  role: roles/spanner.databaseReader\n"
    (after / "iam" / "db.yaml").write_text(
        DB_POLICY.replace(etl, "  - user:dba@acme.example\n  role: roles/spanner.databaseReader\n")
    )
    edit(
        after / "iam" / "project.yaml",
        "- members:\n  - group:developers",
        f"- members:\n{etl}- members:\n  - group:developers",
    )
    _, document = diff_json(capsys, "before", "after")
    member = "serviceAccount:etl@acme-shop-prod.iam.gserviceaccount.com"
    assert pairs(document) == {
        (PROJECT, member, "roles/spanner.databaseReader", PROJECT),
        (DATABASE, "user:dba@acme.example", "roles/spanner.databaseReader", DATABASE),
    }
    # And moved back down: narrower, so nothing new.
    _, document = diff_json(capsys, "after", "before")
    assert pairs(document) == set()


def test_moving_and_reformatting_is_not_new_access(
    sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, after = sides
    policy = after / "iam" / "project.yaml"
    policy.rename(after / "iam" / "prod-project.yaml")
    config = after / ".iamlint.yaml"
    config.write_text(config.read_text().replace("iam/project.yaml", "iam/prod-project.yaml"))
    edit(after / "iam" / "prod-project.yaml", "bindings:\n", "\n\nbindings:\n")
    code, document = diff_json(capsys, "--fail-on-new-access", "before", "after")
    assert code == 0
    assert document["new_access"] == []
    assert document["new_findings"] == []


def test_conditions(sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, after = sides
    condition = "  condition:\n    expression: request.time < timestamp('2030-01-01T00:00:00Z')\n    title: temporary\n"
    # Gaining a condition narrows a grant: not new.
    edit(after / "iam" / "project.yaml", "  role: roles/viewer\n", "  role: roles/viewer\n" + condition)
    _, document = diff_json(capsys, "before", "after")
    assert document["new_access"] == []
    # Losing one widens it: new.
    _, document = diff_json(capsys, "after", "before")
    assert (PROJECT, "group:developers@acme.example", "roles/viewer", PROJECT) in pairs(document)


def test_custom_role_permissions(sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, after = sides
    edit(
        after / "iam" / "role.yaml",
        "- spanner.databases.getDdl\n",
        "- spanner.databases.getDdl\n- spanner.databases.drop\n- spanner.databases.updateDdl\n",
    )
    (after / "iam" / "role2.yaml").write_text(ROLE.replace("spannerDeployer", "spannerReader"))
    code, document = diff_json(capsys, "--fail-on-new-access", "before", "after")
    assert code == 1
    assert document["new_permissions"] == [
        {
            "role": "projects/acme-shop-prod/roles/spannerDeployer",
            "permissions": ["spanner.databases.drop", "spanner.databases.updateDdl"],
            "new_role": False,
            "location": document["new_permissions"][0]["location"],
        },
        {
            "role": "projects/acme-shop-prod/roles/spannerReader",
            "permissions": ["spanner.databases.get", "spanner.databases.getDdl"],
            "new_role": True,
            "location": document["new_permissions"][1]["location"],
        },
    ]
    assert document["new_permissions"][0]["location"]["path"] == "after/iam/role.yaml"


def test_identity_change_and_new_findings(
    sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, after = sides
    edit(
        after / "run" / "cart.yaml",
        f"serviceAccountName: {SA}",
        "serviceAccountName: cart@acme-shop-prod.iam.gserviceaccount.com",
    )
    search = (
        (after / "run" / "orders.yaml")
        .read_text()
        .replace("orders\n", "search\n")
        .replace("orders:", "search:")
    )
    (after / "run" / "search.yaml").write_text(search)
    code, document = diff_json(capsys, "before", "after")
    assert code == 1  # a new high finding fails at the default --fail-on
    (identity,) = document["new_identities"]
    assert identity["workload"].endswith("/services/cart")
    assert identity["service_account"] == "cart@acme-shop-prod.iam.gserviceaccount.com"
    assert identity["before"] == SA
    assert [(f["rule"], f["location"]["path"]) for f in document["new_findings"]] == [
        ("SA001", "after/run/search.yaml")
    ]
    code, _ = diff_json(capsys, "--fail-on", "critical", "before", "after")
    assert code == 0


def test_several_paths_per_side(sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, after = sides
    edit(after / "iam" / "project.yaml", "roles/viewer", "roles/editor")
    code, document = diff_json(
        capsys, "--before", "before/iam", "before/run", "--after", "after/iam", "after/run"
    )
    assert code == 0
    assert pairs(document) == {
        (PROJECT, "group:developers@acme.example", "roles/editor", PROJECT),
        (DATABASE, "group:developers@acme.example", "roles/editor", PROJECT),
    }


@pytest.mark.parametrize(
    "args",
    [
        ["before"],
        ["before", "after", "third"],
        ["--before", "before"],
        ["before", "--before", "before", "--after", "after"],
    ],
)
def test_usage_errors(sides: tuple[Path, Path], capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(["diff", *args]) == 2
    assert "iamlint: error: give" in capsys.readouterr().err
