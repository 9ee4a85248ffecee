"""Identities Google manages: the one list of service agent patterns every rule consults.

A *service agent* is a service account that a Google service creates and uses to act on a customer's
resources (pull images, write logs, manage VMs of a node pool). Google grants it the roles it needs,
often broad ones, when the API is enabled. Customers cannot create keys for it, cannot run a workload as
it, and should not take its roles away, so the service-account rules (SA005, SA006, SA007, SP001, SP002,
IAM008) treat its grants as intended and stay silent. Rules about the grant itself (IAM001 basic roles,
IAM002 public principals) still fire: a service agent holding ``roles/editor`` is worth knowing about.

The patterns, each anchored on a domain only Google controls (a customer's own accounts always live under
``PROJECT_ID.iam.gserviceaccount.com``, and a customer may well name an account ``service-123...``, so the
local part alone proves nothing):

``service-PROJECT_NUMBER@gcp-sa-SERVICE.iam.gserviceaccount.com``
    The current naming of per-project service agents (``gcp-sa-spanner``, ``gcp-sa-pubsub``,
    ``gcp-sa-cloudscheduler`` ...); also ``service-org-ORG_ID@gcp-sa-...`` and
    ``service-folder-FOLDER_ID@gcp-sa-...`` for agents of organizations and folders.
``service-PROJECT_NUMBER@LEGACY.iam.gserviceaccount.com``
    Service agents created before the ``gcp-sa-`` convention, under a fixed set of Google-owned domains:
    ``container-engine-robot`` (GKE), ``compute-system`` (Compute Engine), ``serverless-robot-prod`` (Cloud
    Run and Cloud Functions gen2), ``gcf-admin-robot`` (Cloud Functions), ``gs-project-accounts`` (Cloud
    Storage), ``containerregistry``, ``dataflow-service-producer-prod``, ``dataproc-accounts``,
    ``cloudcomposer-accounts``, ``cloud-ml.google.com``, ``cloud-redis``, ``cloud-filer``,
    ``firebase-rules``, ``gcp-gae-service``, ``genomics-api.google.com``, ``sourcerepo-service-accounts``,
    ``cloud-tpu``, ``cloudservices`` ... and ``gcp-pubsub`` (the Pub/Sub agent, written without ``-sa-``).
``PROJECT_NUMBER@cloudservices.gserviceaccount.com``
    The Google APIs Service Agent, which Deployment Manager and managed instance groups act through.
``PROJECT_NUMBER@cloudbuild.gserviceaccount.com``
    The legacy Cloud Build service account: created by Google, used by every build that names no account.
``*@system.gserviceaccount.com``
    Internal agents of some Google services (for example ``ORG_ID@system.gserviceaccount.com``).

Not service agents, and deliberately absent: the Compute Engine default account
(``PROJECT_NUMBER-compute@developer.gserviceaccount.com``) and the App Engine default account
(``PROJECT_ID@appspot.gserviceaccount.com``). Google creates them, but customers run workloads as them and
can create keys for them; SA002 exists because they are ordinary, over-privileged accounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

LEGACY_AGENT_DOMAINS = frozenset(
    {
        "cloud-filer",
        "cloud-ml.google.com",
        "cloud-redis",
        "cloud-tpu",
        "cloudcomposer-accounts",
        "cloudservices",
        "compute-system",
        "container-analysis",
        "container-engine-robot",
        "containerregistry",
        "dataflow-service-producer-prod",
        "dataproc-accounts",
        "firebase-rules",
        "gcf-admin-robot",
        "gcp-gae-service",
        "gcp-pubsub",
        "genomics-api.google.com",
        "gs-project-accounts",
        "serverless-robot-prod",
        "sourcerepo-service-accounts",
    }
)


@dataclass(frozen=True, slots=True)
class AgentPattern:
    description: str
    pattern: re.Pattern[str]


SERVICE_AGENT_PATTERNS: tuple[AgentPattern, ...] = (
    AgentPattern(
        "a per-project, per-folder or per-organization service agent (gcp-sa-*)",
        re.compile(r"^service-(?:org-|folder-)?\d+@gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com$"),
    ),
    AgentPattern(
        "a service agent under a Google-owned legacy domain",
        re.compile(
            r"^service-\d+@(?:"
            + "|".join(re.escape(domain) for domain in sorted(LEGACY_AGENT_DOMAINS))
            + r")\.iam\.gserviceaccount\.com$"
        ),
    ),
    AgentPattern(
        "the Google APIs Service Agent",
        re.compile(r"^\d+@cloudservices\.gserviceaccount\.com$"),
    ),
    AgentPattern(
        "the legacy Cloud Build service account",
        re.compile(r"^\d+@cloudbuild\.gserviceaccount\.com$"),
    ),
    AgentPattern(
        "an internal Google system account",
        re.compile(r"^[^@]+@system\.gserviceaccount\.com$"),
    ),
)


def _email(member_or_email: str) -> str:
    """Accepts ``serviceAccount:EMAIL`` or a bare email; drops a ``?uid=`` suffix."""
    value = member_or_email.removeprefix("serviceAccount:")
    return value.split("?", 1)[0].strip().lower()


# Any of the patterns, in one match: nearly every account asked about is an ordinary one, which each
# pattern would otherwise reject in turn.
_ANY_AGENT = re.compile("|".join(f"(?:{agent.pattern.pattern})" for agent in SERVICE_AGENT_PATTERNS))


@lru_cache(maxsize=1 << 20)
def service_agent_kind(member_or_email: str) -> str | None:
    """What kind of Google-managed identity this is, or None for an ordinary account."""
    # Cached: rules ask about every grant's member again and again; an org of a million assets has over a
    # hundred thousand accounts, which a smaller cache would keep evicting.
    email = _email(member_or_email)
    if not _ANY_AGENT.match(email):
        return None
    return next(agent.description for agent in SERVICE_AGENT_PATTERNS if agent.pattern.match(email))


def is_service_agent(member_or_email: str) -> bool:
    """True for a Google-managed service agent (a ``serviceAccount:`` member or a bare email)."""
    if ":" in member_or_email and not member_or_email.startswith("serviceAccount:"):
        return False
    return service_agent_kind(member_or_email) is not None
