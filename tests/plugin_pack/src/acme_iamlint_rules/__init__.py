"""ACME's iamlint rules: an example pack registered through the ``iamlint.rules`` entry point group."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import ClassVar

from iamlint.findings import Finding, Severity
from iamlint.hookspecs import hookimpl
from iamlint.inventory import Inventory
from iamlint.model import project_of_name
from iamlint.rule import Options, Rule


class NoContractorInProd(Rule):
    id = "ACME100"
    name = "no-contractor-in-prod"
    severity = Severity.HIGH
    summary = "A contractor account holds a role in a production project."
    rationale = "Contractors work in staging; production access goes through the on-call team."
    remediation = "Remove the binding; request temporary access through the break-glass process."
    options_schema: ClassVar[dict[str, object]] = {
        "type": "object",
        "properties": {
            "contractor_domain": {
                "type": "string",
                "default": "contractor.example",
                "description": "The contractors' email domain.",
            }
        },
        "additionalProperties": False,
    }
    # A bare gcloud policy does not name its project, so the examples use the asset export shape
    # (`gcloud asset export --content-type=iam-policy`), which does.
    examples_fire: ClassVar[dict[str, str]] = {
        "assets/iam.ndjson": '{"name":"//cloudresourcemanager.googleapis.com/projects/acme-shop-prod",'
        '"asset_type":"cloudresourcemanager.googleapis.com/Project","iam_policy":{"version":1,'
        '"bindings":[{"role":"roles/viewer","members":["user:eve@contractor.example"]}]}}\n'
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "assets/iam.ndjson": '{"name":"//cloudresourcemanager.googleapis.com/projects/acme-shop-dev",'
        '"asset_type":"cloudresourcemanager.googleapis.com/Project","iam_policy":{"version":1,'
        '"bindings":[{"role":"roles/viewer","members":["user:eve@contractor.example"]}]}}\n'
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        domain = "@" + options["contractor_domain"]
        for binding in inventory.bindings():
            project = project_of_name(binding.resource)
            # Environments come from the config's environments:, project labels or the project id.
            if project is None or inventory.environment_of(project) != "prod":
                continue
            for member in binding.members:
                if (member.email or "").endswith(domain):
                    yield self.finding(
                        f"{member} holds {binding.role} on production project {project}",
                        resource=inventory.canonical(binding.resource),
                        principal=member.member,
                        role=binding.role,
                        location=binding.location_of(member),
                    )


@hookimpl
def iamlint_rules() -> Sequence[Rule]:
    return [NoContractorInProd()]
