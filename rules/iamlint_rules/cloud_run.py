"""Cloud Run: RUN001, RUN002."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.model import short_name
from iamlint.rule import Options, Rule
from iamlint_rules._common import (
    condition_note,
    describe,
    env_entries,
    grant_finding,
    grants_where,
    matches_any,
    string_list,
    workload_kind,
)
from iamlint_rules._examples import knative_service, sa
from iamlint_rules.iam import PUBLIC_KINDS, RUN_INVOKER, is_public_invoker_of_service
from iamlint_rules.service_accounts import credential_in_env

_SERVICE = "//run.googleapis.com/projects/acme-shop-prod/locations/europe-west1/services/storefront"


def _asset(members: list[str]) -> str:
    """One line of ``gcloud asset export --content-type=iam-policy`` output (NDJSON, snake_case keys)."""
    asset = {
        "name": _SERVICE,
        "asset_type": "run.googleapis.com/Service",
        "iam_policy": {
            "version": 1,
            "etag": "BwYQ7rT0AbE=",
            "bindings": [{"role": "roles/run.invoker", "members": members}],
        },
        "ancestors": ["projects/123456789012", "folders/310987654321", "organizations/905123456789"],
        "update_time": "2026-11-20T08:01:44.120Z",
    }
    return json.dumps(asset) + "\n"


class PublicCloudRunService(Rule):
    id = "RUN001"
    name = "public-cloud-run-service"
    severity = Severity.MEDIUM
    summary = "allUsers or allAuthenticatedUsers may invoke a Cloud Run service."
    rationale = (
        "roles/run.invoker for allUsers makes a service callable by anyone on the internet without "
        "authentication (allAuthenticatedUsers: anyone with any Google account). That is right for a "
        "public website or webhook and wrong for an internal API, which then relies on its own code alone "
        "for access control. List the services meant to be public in the `allow` option (full resource "
        "names or globs) so that a new public service stands out."
    )
    remediation = (
        "Remove the public member (`gcloud run services remove-iam-policy-binding S --member allUsers "
        "--role roles/run.invoker`) and grant roles/run.invoker to the calling service accounts; put user "
        "traffic behind IAP or a load balancer. If the service is public on purpose, add it to `allow`."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allow": string_list(
                "Services meant to be public: full names (//run.googleapis.com/projects/P/locations/L/"
                "services/S), short names (projects/P/...), or globs of either."
            ),
        },
        "additionalProperties": False,
    }
    references = ("Cloud Run documentation: allowing public (unauthenticated) access",)
    tags = ("public", "cloud-run")
    examples_fire: ClassVar[dict[str, str]] = {"assets/run-policies.ndjson": _asset(["allUsers"])}
    examples_pass: ClassVar[dict[str, str]] = {
        "assets/run-policies.ndjson": _asset(["serviceAccount:" + sa("checkout-run")])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        allow = options["allow"]
        for grant in grants_where(inventory, kinds=PUBLIC_KINDS, role=RUN_INVOKER.__eq__):
            if not is_public_invoker_of_service(inventory, grant.binding):
                continue
            names = {grant.resource, inventory.canonical(grant.resource)}
            if any(matches_any(name, allow) or matches_any(short_name(name), allow) for name in names):
                continue
            yield grant_finding(
                self,
                grant,
                f"{grant.principal.member} may invoke Cloud Run service {describe(grant.resource)}"
                f"{condition_note(grant.binding)}: anyone can call it without authentication. If it is meant "
                "to be public, add it to RUN001's allow option; otherwise grant roles/run.invoker to its "
                "callers only.",
            )


# Words (or pairs of words) of an env var name that mark a secret; plurals count.
SECRET_WORDS = frozenset(
    {"PASSWORD", "PASSWORDS", "PASSWD", "SECRET", "SECRETS", "TOKEN", "TOKENS", "APIKEY", "APIKEYS",
     "CREDENTIAL", "CREDENTIALS"}
)  # fmt: skip
SECRET_WORD_PAIRS = frozenset({("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY")})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def name_words(name: str) -> list[str]:
    """``dbPassword`` / ``DB_PASSWORD`` / ``db-password`` -> ``["DB", "PASSWORD"]``."""
    return [word for word in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub("_", name).upper()) if word]


def looks_like_secret(name: str) -> bool:
    words = name_words(name)
    singular = [word.removesuffix("S") if word.endswith("KEYS") else word for word in words]
    return any(word in SECRET_WORDS for word in words) or any(
        pair in SECRET_WORD_PAIRS for pair in itertools.pairwise(singular)
    )


class PlaintextSecretInEnv(Rule):
    id = "RUN002"
    name = "plaintext-secret-in-env"
    severity = Severity.HIGH
    summary = "An env var named like a secret has a literal value instead of a Secret Manager reference."
    rationale = (
        "Literal env values are part of the service's configuration: anyone who can view the service "
        "(`run.services.get`, also in roles/viewer) reads them, every revision keeps a copy, and they end up "
        "in deployment files and CI logs. A name containing PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, "
        "APIKEY, PRIVATE_KEY, ACCESS_KEY or CREDENTIAL as a word (any case, camelCase split) with a "
        "non-empty literal value fires; GOOGLE_APPLICATION_CREDENTIALS and key material are SA004's."
    )
    remediation = (
        "Store the value in Secret Manager, reference it (`valueFrom.secretKeyRef` in Knative YAML, "
        "`valueSource.secretKeyRef` in v2, `--set-secrets NAME=secret:latest` on deploy), grant the "
        "service's account roles/secretmanager.secretAccessor on that secret, and rotate the exposed value."
    )
    options_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "allowed_names": string_list(
                "Env var names (globs) that look secret but are not (e.g. TOKEN_URL)."
            ),
        },
        "additionalProperties": False,
    }
    references = (
        "Cloud Run documentation: configure secrets (use Secret Manager, not environment variables)",
    )
    tags = ("secrets", "cloud-run")
    examples_fire: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service(
            "orders", account=sa("orders-run"), env=[("DB_PASSWORD", "hunter2")]
        )
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "run/orders.yaml": knative_service(
            "orders", account=sa("orders-run"), secret_env=[("DB_PASSWORD", "db-password")]
        )
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        # Workloads of an org export repeat the same few variable names thousands of times.
        secret_names: dict[str, bool] = {}
        for entry in env_entries(inventory):
            env = entry.env
            if not env.value:
                continue
            if env.name not in secret_names:
                secret_names[env.name] = looks_like_secret(env.name)
            if (
                not secret_names[env.name]
                or credential_in_env(env) is not None
                or matches_any(env.name, options["allowed_names"])
            ):
                continue
            name = inventory.canonical(entry.workload.name)
            # Never echo the value: the report may end up in a CI log.
            yield self.finding(
                f"env {env.name} of {entry.container_label} in {workload_kind(entry.workload)} "
                f"{describe(name)} holds a literal value ({len(env.value)} characters, not "
                "shown) that anyone who can view the service can read. Move it to Secret Manager, reference "
                "it from the service, and rotate it.",
                resource=name,
                location=env.location or entry.workload.location,
                detail=entry.detail,
            )


RULES: tuple[Rule, ...] = (PublicCloudRunService(), PlaintextSecretInEnv())
