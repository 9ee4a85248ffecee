"""iamlint's built-in rules, registered through the same ``iamlint_rules`` hook a third-party pack uses."""

from __future__ import annotations

from collections.abc import Sequence

from iamlint.hookspecs import hookimpl
from iamlint.rule import Rule


@hookimpl
def iamlint_rules() -> Sequence[Rule]:
    from iamlint_rules import cloud_run, iam, role_catalogue, service_accounts, spanner, terraform

    return [
        *service_accounts.RULES,
        *spanner.RULES,
        *iam.RULES,
        *role_catalogue.RULES,
        *cloud_run.RULES,
        *terraform.RULES,
    ]
