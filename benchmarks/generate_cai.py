"""Write a realistic synthetic Cloud Asset Inventory export of an organisation, deterministic by seed.

The shape is what ``gcloud asset export --content-type=resource`` and ``--content-type=iam-policy`` write
to Cloud Storage: two NDJSON files, snake_case asset keys, ``resource.data`` in the owning API's camelCase,
``ancestors`` nearest first, audit log types as enum numbers.

An organisation holds folders, folders hold sub-folders and projects; each project holds service accounts
(some with user-managed keys), Cloud Run services and jobs (some sharing an account, some on the default
account), a Spanner instance and databases, sometimes a custom role, and many assets of types iamlint does
not model (buckets, topics, disks, instances), as real organisations do. Policies grant a mix of basic,
predefined and custom roles to users, groups, service accounts and, rarely, public principals.

    python benchmarks/generate_cai.py --assets 100000 --seed 1 --out /tmp/cai-100k
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

CRM = "//cloudresourcemanager.googleapis.com/"
UPDATE_TIME = "2026-11-28T21:14:09.812302Z"
REGIONS = ("us-central1", "europe-west1", "asia-northeast1", "us-east4")
ENVS = ("prod", "staging", "dev", "test")
OTHER_TYPES = (
    ("storage.googleapis.com/Bucket", "Bucket"),
    ("pubsub.googleapis.com/Topic", "Topic"),
    ("pubsub.googleapis.com/Subscription", "Subscription"),
    ("compute.googleapis.com/Disk", "Disk"),
    ("compute.googleapis.com/Instance", "Instance"),
    ("logging.googleapis.com/LogSink", "LogSink"),
)
PROJECT_ROLES = (
    "roles/viewer",
    "roles/editor",
    "roles/owner",
    "roles/logging.viewer",
    "roles/monitoring.viewer",
    "roles/spanner.databaseUser",
    "roles/spanner.databaseReader",
    "roles/spanner.admin",
    "roles/iam.serviceAccountUser",
    "roles/run.developer",
    "roles/storage.objectViewer",
    "roles/secretmanager.secretAccessor",
)


class Org:
    """The organisation's shape, drawn once from the seed."""

    def __init__(self, rng: random.Random, projects: int) -> None:
        self.rng = rng
        self.org = f"organizations/{rng.randrange(10**11, 10**12)}"
        self.users = [f"user:person{i}@acme.example" for i in range(max(50, projects // 4))]
        self.groups = [f"group:team{i}@acme.example" for i in range(max(10, projects // 40))]
        top = max(2, int(projects**0.5) // 4)
        self.folders: list[tuple[str, tuple[str, ...]]] = []  # (folder, its ancestors incl. itself)
        for t in range(top):
            folder = f"folders/{10**11 + t * 1000}"
            self.folders.append((folder, (folder, self.org)))
            for s in range(rng.randint(1, 4)):
                sub = f"folders/{10**11 + t * 1000 + s + 1}"
                self.folders.append((sub, (sub, folder, self.org)))

    def member(self) -> str:
        draw = self.rng.random()
        if draw < 0.5:
            return self.rng.choice(self.users)
        if draw < 0.9:
            return self.rng.choice(self.groups)
        if draw < 0.999:
            return "domain:acme.example"
        return "allAuthenticatedUsers"


def resource_line(
    name: str, asset_type: str, discovery: str, parent: str, data: dict[str, Any], ancestors: tuple[str, ...]
) -> dict[str, Any]:
    service = asset_type.partition("/")[0]
    return {
        "name": name,
        "asset_type": asset_type,
        "resource": {
            "version": "v1",
            "discovery_document_uri": f"https://{service}/$discovery/rest",
            "discovery_name": discovery,
            "parent": parent,
            "data": data,
            "location": "global",
        },
        "ancestors": list(ancestors),
        "update_time": UPDATE_TIME,
    }


def policy_line(
    name: str, asset_type: str, bindings: list[dict[str, Any]], ancestors: tuple[str, ...], **extra: Any
) -> dict[str, Any]:
    policy: dict[str, Any] = {"version": 1, "etag": "BwYB2eQ1fKk=", "bindings": bindings, **extra}
    return {
        "name": name,
        "asset_type": asset_type,
        "iam_policy": policy,
        "ancestors": list(ancestors),
        "update_time": UPDATE_TIME,
    }


def knative(name: str, number: str, region: str, account: str | None, job: bool) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "containers": [
            {
                "image": f"us-docker.pkg.dev/acme-apps/apps/{name}:2026-11-20",
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "latest"}}},
                ],
                "resources": {"limits": {"cpu": "1000m", "memory": "512Mi"}},
            }
        ],
        "timeoutSeconds": 300,
    }
    if account:
        pod["serviceAccountName"] = account
    metadata = {
        "name": name,
        "namespace": number,
        "labels": {"cloud.googleapis.com/location": region},
        "annotations": {"run.googleapis.com/ingress": "all"},
        "generation": 3,
        "creationTimestamp": "2026-03-02T10:11:12.345678Z",
    }
    if job:
        spec = {"template": {"spec": {"taskCount": 1, "template": {"spec": pod}}}}
        return {"apiVersion": "run.googleapis.com/v1", "kind": "Job", "metadata": metadata, "spec": spec}
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"template": {"spec": pod}, "traffic": [{"percent": 100, "latestRevision": True}]},
        "status": {"observedGeneration": 3, "url": f"https://{name}-x7kq2pa3ua-uc.a.run.app"},
    }


def project_assets(org: Org, index: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """("resource" | "iam_policy", asset) for one project, resources first."""
    rng = org.rng
    env = ENVS[index % len(ENVS)]
    project_id = f"shop-{index}-{env}"
    number = str(100_000_000_000 + index)
    folder, folder_chain = org.folders[index % len(org.folders)]
    chain = (f"projects/{number}", *folder_chain)
    project = CRM + f"projects/{number}"
    yield (
        "resource",
        resource_line(
            project,
            "cloudresourcemanager.googleapis.com/Project",
            "Project",
            CRM + folder,
            {
                "projectNumber": number,
                "projectId": project_id,
                "lifecycleState": "ACTIVE",
                "name": project_id,
                "labels": {"env": env, "team": f"team{index % 37}"},
                "parent": {"type": "folder", "id": folder.partition("/")[2]},
            },
            chain,
        ),
    )
    accounts = [f"app{a}@{project_id}.iam.gserviceaccount.com" for a in range(rng.randint(2, 6))]
    for a, email in enumerate(accounts):
        unique = str(10**20 + index * 100 + a)
        sa_name = f"//iam.googleapis.com/projects/{project_id}/serviceAccounts/{unique}"
        yield (
            "resource",
            resource_line(
                sa_name,
                "iam.googleapis.com/ServiceAccount",
                "ServiceAccount",
                project,
                {
                    "name": f"projects/{project_id}/serviceAccounts/{email}",
                    "projectId": project_id,
                    "uniqueId": unique,
                    "email": email,
                    "displayName": f"App {a}",
                },
                chain,
            ),
        )
        for k in range(rng.choice((0, 0, 1, 2))):
            key = f"{index:08x}{a:04x}{k:04x}" + "0" * 24
            yield (
                "resource",
                resource_line(
                    f"{sa_name}/keys/{key}",
                    "iam.googleapis.com/ServiceAccountKey",
                    "ServiceAccountKey",
                    sa_name,
                    {
                        "name": f"projects/{project_id}/serviceAccounts/{email}/keys/{key}",
                        "keyType": rng.choice(("USER_MANAGED", "SYSTEM_MANAGED", "SYSTEM_MANAGED")),
                        "keyAlgorithm": "KEY_ALG_RSA_2048",
                        "validAfterTime": "2025-02-10T08:00:00Z",
                    },
                    chain,
                ),
            )
    region = rng.choice(REGIONS)
    run_policies = []
    for s in range(rng.randint(1, 6)):
        job = s % 4 == 3
        kind = "jobs" if job else "services"
        name = f"//run.googleapis.com/projects/{project_id}/locations/{region}/{kind}/svc{s}"
        account = None if rng.random() < 0.15 else rng.choice(accounts)
        asset_type = "run.googleapis.com/Job" if job else "run.googleapis.com/Service"
        yield (
            "resource",
            resource_line(
                name,
                asset_type,
                "Job" if job else "Service",
                project,
                knative(f"svc{s}", number, region, account, job),
                chain,
            ),
        )
        if not job and rng.random() < 0.5:
            invoker = "allUsers" if rng.random() < 0.1 else f"serviceAccount:{rng.choice(accounts)}"
            run_policies.append(
                policy_line(name, asset_type, [{"role": "roles/run.invoker", "members": [invoker]}], chain)
            )
    spanner: list[dict[str, Any]] = []
    if rng.random() < 0.6:
        instance = f"projects/{project_id}/instances/main"
        yield (
            "resource",
            resource_line(
                "//spanner.googleapis.com/" + instance,
                "spanner.googleapis.com/Instance",
                "Instance",
                project,
                {
                    "name": instance,
                    "config": f"projects/{project_id}/instanceConfigs/regional-{region}",
                    "nodeCount": 1,
                },
                chain,
            ),
        )
        for d in range(rng.randint(1, 3)):
            database = f"{instance}/databases/db{d}"
            yield (
                "resource",
                resource_line(
                    "//spanner.googleapis.com/" + database,
                    "spanner.googleapis.com/Database",
                    "Database",
                    "//spanner.googleapis.com/" + instance,
                    {"name": database, "state": "READY", "databaseDialect": "GOOGLE_STANDARD_SQL"},
                    chain,
                ),
            )
            role = rng.choice(
                ("roles/spanner.databaseUser", "roles/spanner.databaseReader", "roles/spanner.databaseAdmin")
            )
            spanner.append(
                policy_line(
                    "//spanner.googleapis.com/" + database,
                    "spanner.googleapis.com/Database",
                    [{"role": role, "members": [f"serviceAccount:{rng.choice(accounts)}"]}],
                    chain,
                )
            )
    custom_roles = []
    if rng.random() < 0.2:
        role_name = f"projects/{project_id}/roles/deployer"
        custom_roles.append(role_name)
        yield (
            "resource",
            resource_line(
                "//iam.googleapis.com/" + role_name,
                "iam.googleapis.com/Role",
                "Role",
                project,
                {
                    "name": role_name,
                    "title": "Deployer",
                    "includedPermissions": [
                        "run.services.update",
                        "spanner.databases.updateDdl",
                        "spanner.databases.get",
                    ],
                    "stage": "GA",
                },
                chain,
            ),
        )
    other_policies = []
    for o in range(rng.randint(10, 30)):
        asset_type, discovery = OTHER_TYPES[o % len(OTHER_TYPES)]
        service = asset_type.partition("/")[0]
        if asset_type.startswith("storage."):
            name = f"//storage.googleapis.com/{project_id}-bucket-{o}"
        else:
            name = f"//{service}/projects/{project_id}/{discovery.lower()}s/r{o}"
        yield (
            "resource",
            resource_line(name, asset_type, discovery, project, {"name": name.rpartition("/")[2]}, chain),
        )
        if o % 4 == 0:
            bindings = [
                {
                    "role": "roles/storage.objectViewer"
                    if asset_type.startswith("storage.")
                    else "roles/viewer",
                    "members": [org.member()],
                }
            ]
            other_policies.append(policy_line(name, asset_type, bindings, chain))
    bindings = []
    for role in rng.sample(PROJECT_ROLES, rng.randint(3, 7)):
        members = [org.member() for _ in range(rng.randint(1, 4))]
        if role.startswith("roles/spanner") or rng.random() < 0.3:
            members.append(f"serviceAccount:{rng.choice(accounts)}")
        bindings.append({"role": role, "members": sorted(set(members))})
    bindings.append(
        {
            "role": "roles/editor",
            "members": [f"serviceAccount:{number}-compute@developer.gserviceaccount.com"],
        }
    )
    bindings.extend({"role": role, "members": [f"serviceAccount:{accounts[0]}"]} for role in custom_roles)
    audit = [{"service": "allServices", "audit_log_configs": [{"log_type": 1}, {"log_type": 2}]}]
    if env == "prod":
        audit.append({"service": "spanner.googleapis.com", "audit_log_configs": [{"log_type": 3}]})
    yield (
        "iam_policy",
        policy_line(
            project, "cloudresourcemanager.googleapis.com/Project", bindings, chain, audit_configs=audit
        ),
    )
    for line in (*run_policies, *spanner, *other_policies):
        yield ("iam_policy", line)


def hierarchy_assets(org: Org) -> Iterator[tuple[str, dict[str, Any]]]:
    org_name = CRM + org.org
    yield (
        "resource",
        resource_line(
            org_name,
            "cloudresourcemanager.googleapis.com/Organization",
            "Organization",
            "",
            {"name": org.org, "displayName": "acme.example"},
            (org.org,),
        ),
    )
    yield (
        "iam_policy",
        policy_line(
            org_name,
            "cloudresourcemanager.googleapis.com/Organization",
            [
                {
                    "role": "roles/resourcemanager.organizationAdmin",
                    "members": ["group:gcp-admins@acme.example"],
                }
            ],
            (org.org,),
        ),
    )
    for folder, chain in org.folders:
        parent = chain[1]
        yield (
            "resource",
            resource_line(
                CRM + folder,
                "cloudresourcemanager.googleapis.com/Folder",
                "Folder",
                CRM + parent,
                {"name": folder, "parent": parent, "displayName": folder},
                chain,
            ),
        )
        yield (
            "iam_policy",
            policy_line(
                CRM + folder,
                "cloudresourcemanager.googleapis.com/Folder",
                [{"role": "roles/browser", "members": [org.member()]}],
                chain,
            ),
        )


def generate(assets: int, seed: int, out: Path) -> dict[str, int]:
    """Write ``resource.ndjson`` and ``iam_policy.ndjson`` under ``out`` with ``assets`` lines in all."""
    rng = random.Random(seed)
    # About 55 lines a project: size the organisation so the export ends inside the last project.
    org = Org(rng, max(1, assets // 55))
    out.mkdir(parents=True, exist_ok=True)
    counts = {"resource": 0, "iam_policy": 0}
    handles: dict[str, IO[str]] = {
        "resource": open(out / "resource.ndjson", "w", encoding="utf-8"),  # noqa: SIM115
        "iam_policy": open(out / "iam_policy.ndjson", "w", encoding="utf-8"),  # noqa: SIM115
    }
    try:

        def lines() -> Iterator[tuple[str, dict[str, Any]]]:
            yield from hierarchy_assets(org)
            index = 0
            while True:
                yield from project_assets(org, index)
                index += 1

        for written, (content, asset) in enumerate(lines()):
            if written >= assets:
                break
            handles[content].write(json.dumps(asset, separators=(",", ":")) + "\n")
            counts[content] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=10_000, help="number of asset lines (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for resource.ndjson and iam_policy.ndjson"
    )
    args = parser.parse_args()
    counts = generate(args.assets, args.seed, args.out)
    print(json.dumps({"out": str(args.out), **counts}))


if __name__ == "__main__":
    main()
