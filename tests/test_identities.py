"""The one list of Google-managed service agents."""

from __future__ import annotations

import pytest

from iamlint.identities import SERVICE_AGENT_PATTERNS, is_service_agent, service_agent_kind


@pytest.mark.parametrize(
    "member",
    [
        "serviceAccount:service-123456789012@gcp-sa-spanner.iam.gserviceaccount.com",
        "service-123456789012@gcp-sa-cloudscheduler.iam.gserviceaccount.com",
        "serviceAccount:service-org-905123456789@gcp-sa-ktd-hpsa.iam.gserviceaccount.com",
        "serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com",
        "serviceAccount:service-123456789012@serverless-robot-prod.iam.gserviceaccount.com",
        "serviceAccount:service-123456789012@gcp-pubsub.iam.gserviceaccount.com",
        "serviceAccount:123456789012@cloudservices.gserviceaccount.com",
        "serviceAccount:123456789012@cloudbuild.gserviceaccount.com",
        "serviceAccount:SERVICE-123456789012@GCP-SA-SPANNER.IAM.GSERVICEACCOUNT.COM",
    ],
)
def test_service_agents(member: str) -> None:
    assert is_service_agent(member)
    assert service_agent_kind(member)


@pytest.mark.parametrize(
    "member",
    [
        "serviceAccount:123456789012-compute@developer.gserviceaccount.com",  # default account, SA002's
        "serviceAccount:acme-shop-prod@appspot.gserviceaccount.com",
        "serviceAccount:orders@acme-shop-prod.iam.gserviceaccount.com",
        # a customer may name an account like an agent; only Google's domains make one
        "serviceAccount:service-123456789012@acme-shop-prod.iam.gserviceaccount.com",
        "user:service-123456789012@gcp-sa-spanner.iam.gserviceaccount.com",
        "group:123456789012@cloudservices.gserviceaccount.com",
    ],
)
def test_not_service_agents(member: str) -> None:
    assert not is_service_agent(member)


@pytest.mark.parametrize(
    ("email", "description"),
    [
        (example, agent.description)
        for agent, example in zip(
            SERVICE_AGENT_PATTERNS,
            [
                "service-folder-1@gcp-sa-logging.iam.gserviceaccount.com",
                "service-1@cloud-redis.iam.gserviceaccount.com",
                "1@cloudservices.gserviceaccount.com",
                "1@cloudbuild.gserviceaccount.com",
                "anything@system.gserviceaccount.com",
            ],
            strict=True,
        )
    ],
)
def test_each_agent_is_described_by_the_pattern_it_matches(email: str, description: str) -> None:
    # The patterns are also tried all at once; the description must still be the matching one's.
    assert service_agent_kind(email) == description
