"""Infrastructure-as-code declarations of IAM that fight each other: TF001."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.model import Binding, Policy
from iamlint.rule import Options, Rule
from iamlint_rules._common import condition_label, describe, listing

_KIND_LABEL = {
    "policy": "the whole IAM policy",
    "binding": "all members of a role",
    "member": "one member of a role",
    "audit_config": "audit logging of a service",
}


def _address(policy: Policy) -> str:
    location = policy.location
    return (location.address or str(location)) if location else describe(policy.resource)


def _addresses(policies: Sequence[Policy]) -> list[str]:
    return sorted({_address(policy) for policy in policies})


def _role_key(binding: Binding) -> tuple[str, str]:
    # The provider keeps bindings with different conditions apart: a conditional binding resource and an
    # unconditional member resource of the same role do not touch each other's grants.
    return binding.role, condition_label(binding)


def plan_document(*resources: dict[str, Any]) -> str:
    """A minimal ``terraform show -json PLANFILE`` document with these planned root-module resources."""
    planned = [
        {
            "address": f"{r['type']}.{r['name']}",
            "mode": "managed",
            "type": r["type"],
            "name": r["name"],
            "provider_name": "registry.terraform.io/hashicorp/google",
            "schema_version": 0,
            "values": r["values"],
            "sensitive_values": {},
        }
        for r in resources
    ]
    changes = [
        {
            "address": item["address"],
            "mode": "managed",
            "type": item["type"],
            "name": item["name"],
            "provider_name": item["provider_name"],
            "change": {"actions": ["create"], "before": None, "after": item["values"], "after_unknown": {}},
        }
        for item in planned
    ]
    document = {
        "format_version": "1.2",
        "terraform_version": "1.7.5",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
    }
    return json.dumps(document, indent=2) + "\n"


_PROJECT = "acme-shop-prod"
_BINDING = {
    "type": "google_project_iam_binding",
    "name": "spanner_users",
    "values": {
        "condition": [],
        "members": ["serviceAccount:orders-run@acme-shop-prod.iam.gserviceaccount.com"],
        "project": _PROJECT,
        "role": "roles/spanner.databaseUser",
    },
}


def _member(role: str) -> dict[str, Any]:
    return {
        "type": "google_project_iam_member",
        "name": "invoices_spanner",
        "values": {
            "condition": [],
            "member": "serviceAccount:invoices-run@acme-shop-prod.iam.gserviceaccount.com",
            "project": _PROJECT,
            "role": role,
        },
    }


class ConflictingAuthoritativeIam(Rule):
    id = "TF001"
    name = "conflicting-authoritative-iam"
    severity = Severity.HIGH
    summary = (
        "An authoritative IAM declaration (google_*_iam_policy, google_*_iam_binding) and another declaration "
        "manage the same resource (and role), so each apply undoes the other's grants."
    )
    rationale = (
        "A google_*_iam_policy resource sets the whole policy of its resource and a google_*_iam_binding sets "
        "every member of its role; a google_*_iam_member only adds one member. Declared together for the same "
        "resource (the policy with anything, the binding with a member or another binding of the same role "
        "and condition), they fight: every apply removes the grants the other declared and the next one adds "
        "them back, so access flaps, a plan is never clean, and a grant someone relies on silently "
        "disappears. No scanner of the live policy can see this: it is visible only in the declarations."
    )
    remediation = (
        "Manage each resource's policy one way. Either keep the authoritative resource and move the member "
        "into it (add it to the binding's `members`, or to the policy's `policy_data`), or replace the "
        "authoritative resource with one google_*_iam_member per member. Never combine google_*_iam_policy "
        "with any other IAM resource of the same resource, audit configs included."
    )
    references = (
        "Terraform google provider, IAM resources: google_*_iam_policy cannot be used with _iam_binding or "
        "_iam_member; _iam_binding can be used with _iam_member only for different roles",
    )
    tags = ("terraform", "iam")
    examples_fire: ClassVar[dict[str, str]] = {
        "plan.json": plan_document(_BINDING, _member("roles/spanner.databaseUser")),
    }
    examples_pass: ClassVar[dict[str, str]] = {
        "plan.json": plan_document(_BINDING, _member("roles/spanner.databaseReader")),
    }

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        declared: dict[str, list[Policy]] = defaultdict(list)
        for policy in inventory.policies:
            if policy.declared_as:
                declared[inventory.canonical(policy.resource)].append(policy)
        for resource in sorted(declared):
            yield from self._conflicts(resource, declared[resource])

    def _conflicts(self, resource: str, policies: Sequence[Policy]) -> Iterator[Finding]:
        whole = [p for p in policies if p.declared_as == "policy"]
        if whole:
            # Addresses are sorted once per pool: a plan may hold thousands of declarations of one policy.
            whole_pool, every_pool = _addresses(whole), _addresses(policies)
            for policy in policies:
                own = _address(policy)
                pool = whole_pool if policy.declared_as != "policy" else every_pool
                others = [address for address in pool if address != own]
                if others:
                    yield self._finding(resource, policy, None, others, whole_policy=True)
        by_role: dict[tuple[str, str], list[tuple[Policy, Binding]]] = defaultdict(list)
        for policy in policies:
            if policy.declared_as in ("binding", "member"):
                for binding in policy.bindings:
                    by_role[_role_key(binding)].append((policy, binding))
        for key in sorted(by_role):
            entries = by_role[key]
            authoritative = [p for p, _ in entries if p.declared_as == "binding"]
            if not authoritative or len(entries) < 2:
                continue
            binding_pool, entry_pool = _addresses(authoritative), _addresses([p for p, _ in entries])
            for policy, binding in entries:
                own = _address(policy)
                pool = binding_pool if policy.declared_as == "member" else entry_pool
                others = [address for address in pool if address != own]
                if others:
                    yield self._finding(resource, policy, binding, others, whole_policy=False)

    def _finding(
        self,
        resource: str,
        policy: Policy,
        binding: Binding | None,
        others: list[str],
        *,
        whole_policy: bool,
    ) -> Finding:
        kind = policy.declared_as or "member"
        target = describe(resource)
        address = _address(policy)
        verb = "" if len(others) > 1 else "s"
        if whole_policy and kind == "policy":
            text = (
                f"{address} sets the whole IAM policy of {target}, but {listing(others)} also manage{verb} it"
            )
        elif whole_policy:
            text = (
                f"{address} declares {_KIND_LABEL.get(kind, kind)} on {target}, but {listing(others)} "
                f"set{verb} the whole IAM policy there"
            )
        else:
            role = binding.role if binding else ""
            if binding and binding.is_conditional:
                role += f" (condition: {condition_label(binding)})"
            if kind == "binding":
                text = (
                    f"{address} sets all members of {role} on {target}, but {listing(others)} also "
                    f"declare{verb} members of that role"
                )
            else:
                member = binding.members[0].member if binding and binding.members else "a member"
                text = (
                    f"{address} adds {member} to {role} on {target}, but {listing(others)} set{verb} all "
                    "members of that role"
                )
        principal = None
        if binding is not None and kind == "member" and binding.members:
            principal = binding.members[0].member
        return self.finding(
            f"{text}: each apply removes the grants the other declares, so access flaps and grants silently "
            "disappear. Manage this policy with one kind of IAM resource.",
            resource=resource,
            principal=principal,
            role=binding.role if binding is not None and not whole_policy else None,
            location=policy.location,
            detail="policy" if whole_policy else None,
        )


RULES: list[Rule] = [ConflictingAuthoritativeIam()]
