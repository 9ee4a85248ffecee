"""RUN001 and RUN002 through Knative and v2 Cloud Run specs and run service policies."""

from __future__ import annotations

import json

import pytest

from iamlint.findings import Finding
from iamlint.testing import lint_texts
from iamlint_rules._examples import knative_service, policy, sa
from iamlint_rules.cloud_run import looks_like_secret

STOREFRONT = "//run.googleapis.com/projects/acme-shop-prod/locations/europe-west1/services/storefront"
ORDERS = "//run.googleapis.com/projects/acme-shop-prod/locations/europe-west1/services/orders"


def only(rule: str, findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def run_policy(members: list[str]) -> str:
    return policy(
        [("roles/run.invoker", members)],
        command="gcloud run services get-iam-policy storefront --region europe-west1",
    )


# --- RUN001 -----------------------------------------------------------------------------------------


def test_run001_public_invoker_on_services_and_the_allow_list() -> None:
    files = {
        "storefront.yaml": run_policy(["allUsers"]),
        "orders.yaml": run_policy(["allAuthenticatedUsers"]),
    }
    resources = {"storefront.yaml": STOREFRONT, "orders.yaml": ORDERS}
    findings = only("RUN001", lint_texts(files, select=["RUN001"], resources=resources))
    assert [(f.resource, f.principal, f.role) for f in findings] == [
        (ORDERS, "allAuthenticatedUsers", "roles/run.invoker"),
        (STOREFRONT, "allUsers", "roles/run.invoker"),
    ]
    for allow in (STOREFRONT, "projects/acme-shop-prod/locations/*/services/storefront", "*/services/store*"):
        options = {"RUN001": {"allow": [allow]}}
        allowed = only("RUN001", lint_texts(files, select=["RUN001"], resources=resources, options=options))
        assert [f.resource for f in allowed] == [ORDERS], allow


def test_run001_ignores_callers_that_are_not_public() -> None:
    files = {"s.yaml": run_policy(["serviceAccount:" + sa("checkout-run")])}
    assert only("RUN001", lint_texts(files, select=["RUN001"], resources={"s.yaml": STOREFRONT})) == []


def test_run001_option_is_validated() -> None:
    from iamlint.errors import ConfigError

    with pytest.raises(ConfigError, match=r"rules\.RUN001\.allow"):
        lint_texts(
            {"s.yaml": run_policy(["allUsers"])}, select=["RUN001"], options={"RUN001": {"allow": "x"}}
        )


# --- RUN002 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("dbPassword", True),
        ("db-passwd", True),
        ("STRIPE_API_KEY", True),
        ("StripeApiKey", True),
        ("APIKEY", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("PRIVATE_KEYS", True),
        ("GITHUB_TOKEN", True),
        ("CLIENT_SECRET", True),
        ("SMTP_CREDENTIALS", True),
        ("KEYCLOAK_URL", False),
        ("TOKENIZER_MODEL", False),
        ("SECRETARY_EMAIL", False),
        ("PASSWORD_MIN_LENGTH", True),
        ("SPANNER_DATABASE", False),
    ],
)
def test_secret_like_names_are_matched_by_word(name: str, secret: bool) -> None:
    assert looks_like_secret(name) is secret


def test_run002_literal_values_only_and_never_the_value_in_the_message() -> None:
    text = knative_service(
        "orders",
        account=sa("orders-run"),
        env=[("DB_PASSWORD", "hunter2-very-secret"), ("API_TOKEN", "''"), ("LOG_LEVEL", "debug")],
        secret_env=[("STRIPE_API_KEY", "stripe-key")],
    )
    findings = only("RUN002", lint_texts({"orders.yaml": text}, select=["RUN002"]))
    assert [f.detail for f in findings] == ["container #1/DB_PASSWORD"]
    assert "hunter2" not in findings[0].message
    assert findings[0].location is not None
    assert findings[0].location.line is not None
    assert "DB_PASSWORD" in text.splitlines()[findings[0].location.line - 1]


def test_run002_leaves_credentials_to_sa004_and_honours_allowed_names() -> None:
    text = knative_service(
        "orders",
        account=sa("orders-run"),
        env=[
            ("GOOGLE_APPLICATION_CREDENTIALS", "/secrets/key.json"),
            ("PRIVATE_KEY", "'-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----'"),
            ("TOKEN_URL", "https://oauth2.googleapis.com/token"),
        ],
    )
    findings = lint_texts({"orders.yaml": text}, select=["RUN002", "SA004"])
    assert sorted((f.rule, f.detail) for f in findings) == [
        ("RUN002", "container #1/TOKEN_URL"),
        ("SA004", "container #1/GOOGLE_APPLICATION_CREDENTIALS"),
        ("SA004", "container #1/PRIVATE_KEY"),
    ]
    options = {"RUN002": {"allowed_names": ["*_URL"]}}
    assert only("RUN002", lint_texts({"orders.yaml": text}, select=["RUN002"], options=options)) == []


def test_run002_v2_json_with_named_containers() -> None:
    service = {
        "name": "projects/acme-shop-prod/locations/europe-west1/services/payments",
        "template": {
            "serviceAccount": sa("payments-run"),
            "containers": [
                {
                    "name": "app",
                    "image": "europe-west1-docker.pkg.dev/acme-shop-prod/services/payments:3.1.0",
                    "env": [
                        {"name": "STRIPE_SECRET", "value": "sk_live_123"},
                        {
                            "name": "DB_PASSWORD",
                            "valueSource": {"secretKeyRef": {"secret": "db-password", "version": "latest"}},
                        },
                    ],
                }
            ],
        },
    }
    findings = only("RUN002", lint_texts({"payments.json": json.dumps(service, indent=2)}, select=["RUN002"]))
    assert [f.detail for f in findings] == ["app/STRIPE_SECRET"]
    assert findings[0].resource.endswith("/services/payments")
