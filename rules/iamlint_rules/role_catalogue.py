"""Rules that need the role catalogue (iamlint.roles): IAM009."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.roles import catalogue
from iamlint.rule import Options, Rule
from iamlint_rules._common import describe
from iamlint_rules._examples import policy, sa


class UnknownRole(Rule):
    id = "IAM009"
    name = "unknown-role"
    severity = Severity.MEDIUM
    summary = "A binding names a predefined role that does not exist (a typo or a removed role)."
    rationale = (
        "Setting a policy with a role that does not exist fails, and a deleted role grants nothing: either "
        "way the access someone counted on is not there, and a Terraform plan or a reviewed YAML file that "
        "names `roles/spanner.databaseUsers` hides the mistake until apply time. Without a synced catalogue "
        "(`iamlint roles sync`) only the services iamlint ships roles for are judged (basic roles, "
        "Spanner, IAM, Cloud Run, Resource Manager); custom roles are never guessed at."
    )
    remediation = (
        "Use the role the message suggests, or look the role up with `gcloud iam roles describe ROLE` / "
        "`iamlint explain-role ROLE`."
    )
    tags = ("iam", "roles")
    examples_fire: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/spanner.databaseUsers", ["serviceAccount:" + sa("orders-run")])])
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "iam/project.yaml": policy([("roles/spanner.databaseUser", ["serviceAccount:" + sa("orders-run")])])
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        roles = catalogue()
        # An org export names a few hundred roles in a million bindings: each is judged once.
        judged: dict[str, bool] = {}
        for binding in inventory.bindings():
            role = binding.role
            if role not in judged:
                known = roles.get(role)
                judged[role] = roles.covers(role) and (known is None or known.deleted)
            if not judged[role]:
                continue
            info = roles.get(role)
            resource = inventory.canonical(binding.resource)
            if info is not None:
                problem = f"{role} was deleted from the predefined roles ({roles.origin})"
            else:
                close = roles.suggestions(role)
                hint = f"; did you mean {close[0]}?" if close else ""
                problem = f"{role} is not a predefined role{hint}"
            yield self.finding(
                f"the binding on {describe(resource)} names {problem}. The grant gives nobody anything.",
                resource=resource,
                role=role,
                location=binding.location,
            )


RULES: tuple[Rule, ...] = (UnknownRole(),)
