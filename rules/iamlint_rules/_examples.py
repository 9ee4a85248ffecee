"""Builders for the rules' documentation examples, in the exact shapes the real tools print.

Each builder writes the command that prints the shape as the file's first line, as a user's file would.
"""

from __future__ import annotations

from collections.abc import Sequence

PROJECT = "acme-shop-prod"
NUMBER = "123456789012"


def knative_service(
    name: str,
    *,
    account: str | None = None,
    env: Sequence[tuple[str, str]] = (),
    secret_env: Sequence[tuple[str, str]] = (),
    namespace: str = NUMBER,
    region: str = "europe-west1",
) -> str:
    """``gcloud run services describe NAME --format export`` (Knative serving.knative.dev/v1)."""
    lines = [
        f"# gcloud run services describe {name} --region {region} --format export",
        "apiVersion: serving.knative.dev/v1",
        "kind: Service",
        "metadata:",
        "  labels:",
        f"    cloud.googleapis.com/location: {region}",
        f"  name: {name}",
        f"  namespace: '{namespace}'",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        f"      - image: {region}-docker.pkg.dev/{PROJECT}/services/{name}:1.0.0",
    ]
    if env or secret_env:
        lines.append("        env:")
        for key, value in env:
            lines += [f"        - name: {key}", f"          value: {value}"]
        for key, secret in secret_env:
            lines += [
                f"        - name: {key}",
                "          valueFrom:",
                "            secretKeyRef:",
                "              key: latest",
                f"              name: {secret}",
            ]
    if account:
        lines.append(f"      serviceAccountName: {account}")
    return "\n".join(lines) + "\n"


def policy(
    bindings: Sequence[tuple[str, Sequence[str]] | tuple[str, Sequence[str], str]],
    *,
    command: str = f"gcloud projects get-iam-policy {PROJECT}",
    audit: str = "",
    version: int = 1,
) -> str:
    """``gcloud ... get-iam-policy`` default YAML output; a third tuple item is a condition expression."""
    lines = [f"# {command}"]
    if audit:
        lines.append(audit.rstrip("\n"))
    lines.append("bindings:")
    for binding in bindings:
        role, members = binding[0], binding[1]
        first = "- "
        if len(binding) == 3:
            lines += ["- condition:", f"    expression: {binding[2]}", "    title: temporary"]
            first = "  "
        lines.append(f"{first}members:")
        lines += [f"  - {member}" for member in members]
        lines.append(f"  role: {role}")
    lines += ["etag: BwYQ7rT0AbE=", f"version: {version}"]
    return "\n".join(lines) + "\n"


def sa(name: str, project: str = PROJECT) -> str:
    return f"{name}@{project}.iam.gserviceaccount.com"
