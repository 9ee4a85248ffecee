"""Benchmark: lint a synthetic 10k-resource Terraform plan, side by side with a bare ``json.loads`` of it.

The plan is written the way ``terraform show -json PLANFILE`` prints it (one line, ``planned_values``,
``resource_changes`` with ``after_unknown``, ``configuration`` with references) and looks like a platform
repository: per team a module instance (``module.team["t042"]``) with a service account whose email is
known only after apply, Cloud Run v2 services and a job running as it (resolved through the
configuration), IAM members granting it roles, a database binding, a custom role, and Spanner database grants.

The lint side is the whole ``iamlint check`` pipeline in-process: read, load, index, every built-in rule
(default-off ones included), JSON report to /dev/null. Each side runs ``--repeat`` times; the best run is
reported.

    python benchmarks/bench_terraform.py                  # 10k resources
    python benchmarks/bench_terraform.py --resources 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

GOOGLE = "registry.terraform.io/hashicorp/google"
PROJECT = "acme-platform-prod"
REGION = "europe-west1"
# Resources per team module instance (see team_resources).
PER_TEAM = 10


def _resource(
    module: str, type_: str, name: str, values: dict[str, Any], index: object = None
) -> dict[str, Any]:
    key = "" if index is None else (f"[{json.dumps(index)}]" if isinstance(index, str) else f"[{index}]")
    item: dict[str, Any] = {
        "address": f"{module}.{type_}.{name}{key}",
        "mode": "managed",
        "type": type_,
        "name": name,
    }
    if index is not None:
        item["index"] = index
    item.update(provider_name=GOOGLE, schema_version=0, values=values, sensitive_values={})
    return item


def team_resources(module: str, team: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(planned resource, after_unknown) pairs of one team."""
    account = {
        "account_id": f"{team}-run",
        "description": "",
        "disabled": False,
        "display_name": team,
        "project": PROJECT,
    }
    service = {
        "deletion_protection": True,
        "ingress": "INGRESS_TRAFFIC_ALL",
        "labels": {"team": team},
        "location": REGION,
        "project": PROJECT,
        "template": [
            {
                "containers": [
                    {
                        "env": [
                            {
                                "name": "DATABASE",
                                "value": f"projects/{PROJECT}/instances/main/databases/{team}",
                                "value_source": [],
                            },
                            {
                                "name": "API_KEY",
                                "value": None,
                                "value_source": [
                                    {"secret_key_ref": [{"secret": f"{team}-api-key", "version": "1"}]}
                                ],
                            },
                        ],
                        "image": f"{REGION}-docker.pkg.dev/{PROJECT}/{team}/api:1.0.0",
                        "name": None,
                    }
                ]
            }
        ],
    }
    member = {"condition": [], "project": PROJECT}
    out: list[tuple[dict[str, Any], dict[str, Any]]] = [
        (
            _resource(module, "google_service_account", "run", account),
            {"email": True, "id": True, "member": True, "name": True, "unique_id": True},
        ),
    ]
    for name in ("api", "worker", "admin"):
        out.append(
            (
                _resource(module, "google_cloud_run_v2_service", name, {**service, "name": f"{team}-{name}"}),
                {"id": True, "uri": True, "template": [{"service_account": True}]},
            )
        )
    job = {
        "deletion_protection": True,
        "location": REGION,
        "name": f"{team}-export",
        "project": PROJECT,
        "template": [{"template": [{"containers": [{"env": [], "image": "export:1"}], "max_retries": 3}]}],
    }
    out.append(
        (
            _resource(module, "google_cloud_run_v2_job", "export", job),
            {"id": True, "template": [{"template": [{"service_account": True}]}]},
        )
    )
    for role in ("roles/spanner.databaseUser", "roles/logging.logWriter"):
        short = role.rpartition(".")[2]
        out.append(
            (
                _resource(module, "google_project_iam_member", short, {**member, "role": role}),
                {"etag": True, "id": True, "member": True},
            )
        )
    out.append(
        (
            _resource(
                module,
                "google_spanner_database_iam_binding",
                "writers",
                {
                    **member,
                    "database": team,
                    "instance": "main",
                    "members": [f"group:{team}@acme.example"],
                    "role": "roles/spanner.databaseUser",
                },
            ),
            {"etag": True, "id": True},
        )
    )
    out.append(
        (
            _resource(
                module,
                "google_project_iam_custom_role",
                "ops",
                {
                    "permissions": ["spanner.databases.read", "spanner.databases.updateDdl"],
                    "project": PROJECT,
                    "role_id": f"{team.replace('-', '_')}Ops",
                    "stage": "GA",
                    "title": f"{team} ops",
                    "description": "",
                },
            ),
            {"id": True, "name": True, "deleted": True},
        )
    )
    out.append(
        (
            _resource(
                module,
                "google_spanner_database_iam_member",
                "reader",
                {
                    **member,
                    "database": team,
                    "instance": "main",
                    "role": "roles/spanner.databaseReader",
                    "member": f"group:{team}@acme.example",
                },
            ),
            {"etag": True, "id": True},
        )
    )
    return out


def _ref(expression: str) -> dict[str, Any]:
    base = expression.rpartition(".")[0]
    return {"references": [expression, base]}


def team_configuration() -> dict[str, Any]:
    """The configuration of the team module (one block per resource, shared by all instances)."""
    account = _ref("google_service_account.run.email")

    def block(type_: str, name: str, expressions: dict[str, Any]) -> dict[str, Any]:
        return {
            "address": f"{type_}.{name}",
            "mode": "managed",
            "type": type_,
            "name": name,
            "provider_config_key": "google",
            "expressions": expressions,
            "schema_version": 0,
        }

    resources = [block("google_service_account", "run", {"account_id": {"references": ["var.team"]}})]
    resources += [
        block("google_cloud_run_v2_service", name, {"template": [{"service_account": account}]})
        for name in ("api", "worker", "admin")
    ]
    resources.append(
        block(
            "google_cloud_run_v2_job", "export", {"template": [{"template": [{"service_account": account}]}]}
        )
    )
    resources += [
        block("google_project_iam_member", name, {"member": account})
        for name in ("databaseUser", "logWriter")
    ]
    resources += [
        block("google_spanner_database_iam_binding", "writers", {}),
        block("google_project_iam_custom_role", "ops", {}),
        block("google_spanner_database_iam_member", "reader", {}),
    ]
    return {"resources": resources, "variables": {"team": {}}}


def generate(resources: int) -> str:
    teams = max(1, resources // PER_TEAM)
    children = []
    changes = []
    for number in range(teams):
        team = f"t{number:04d}"
        module = f'module.team["{team}"]'
        planned = team_resources(module, team)
        children.append({"resources": [item for item, _ in planned], "address": module})
        for item, unknown in planned:
            changes.append(
                {
                    "address": item["address"],
                    "module_address": module,
                    "mode": "managed",
                    "type": item["type"],
                    "name": item["name"],
                    "provider_name": GOOGLE,
                    "change": {
                        "actions": ["create"],
                        "before": None,
                        "after": item["values"],
                        "after_unknown": unknown,
                        "before_sensitive": False,
                        "after_sensitive": {},
                    },
                }
            )
    document = {
        "format_version": "1.2",
        "terraform_version": "1.7.5",
        "planned_values": {"root_module": {"child_modules": children}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "google": {
                    "name": "google",
                    "full_name": GOOGLE,
                    "expressions": {"project": {"constant_value": PROJECT}},
                }
            },
            "root_module": {
                "module_calls": {
                    "team": {
                        "source": "./modules/team",
                        "expressions": {"team": {"references": ["each.key"]}},
                        "for_each_expression": {"references": ["local.teams"]},
                        "module": team_configuration(),
                    }
                }
            },
        },
        "timestamp": "2026-11-28T09:14:03Z",
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    return json.dumps(document, separators=(",", ":")) + "\n"


def time_parse(path: Path) -> float:
    started = time.perf_counter()
    json.loads(path.read_text(encoding="utf-8"))
    return time.perf_counter() - started


def time_lint(path: Path) -> dict[str, float]:
    from phases import lint_phases

    return lint_phases(path)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--resources", type=int, default=10_000, help="planned resources (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the best is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iamlint-tf-bench-") as directory:
        path = Path(directory) / "plan.json"
        path.write_text(generate(args.resources), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        parse = min(time_parse(path) for _ in range(args.repeat))
        runs = [time_lint(path) for _ in range(args.repeat)]
    best = min(runs, key=lambda run: run["total"])
    print(f"plan: {args.resources} resources, {size_mb:.1f} MB (one line, as terraform show -json prints)")
    print(f"json.loads       {parse:8.3f} s")
    print(
        f"iamlint check    {best['total']:8.3f} s  ({best['total'] / parse:.1f}x json.loads): "
        f"read+load+index {best['load']:.3f} s, rules {best['rules']:.3f} s, report {best['report']:.3f} s; "
        f"{best['findings']:.0f} findings, {best['unresolved']:.0f} unresolved"
    )


if __name__ == "__main__":
    main()
