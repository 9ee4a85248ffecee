"""The engine keeps one finding per fingerprint, whatever the hashes of their texts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from iamlint import engine
from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory, InventoryBuilder
from iamlint.model import SourceLocation, replace
from iamlint.rule import Options, Rule


class Repeats(Rule):
    id = "TST001"
    name = "repeats"
    severity = Severity.LOW
    summary = rationale = remediation = "test"

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for resource in ["//r/b", "//r/a", "//r/b", "//r/c", "//r/a"]:
            for line in (3, 1):
                # Same fingerprint at another line: the first one met is kept.
                yield self.finding(
                    f"{resource} at {line}", resource=resource, location=SourceLocation("f", line)
                )
        yield self.finding("no location", resource="//r/a")
        yield self.finding("principal", resource="//r/a", principal="user:x")


def kept() -> list[tuple[str, str]]:
    inventory = InventoryBuilder().build()
    return [(f.resource, f.message) for f in engine.run_rules(inventory, [Repeats()], {})]


EXPECTED = [
    ("//r/a", "//r/a at 3"),
    ("//r/b", "//r/b at 3"),
    ("//r/c", "//r/c at 3"),
    ("//r/a", "no location"),
    ("//r/a", "principal"),
]


def test_one_finding_per_fingerprint_first_met_kept() -> None:
    assert kept() == EXPECTED


BASE = Finding(
    "TST001", "n", Severity.LOW, "m", "//r/a", "user:x", "roles/viewer", SourceLocation("f", 3, "//a")
)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (replace(BASE, message="another message", severity=Severity.HIGH), True),
        (replace(BASE, location=SourceLocation("f", 9, "//a")), True),
        (replace(BASE, rule="TST002"), False),
        (replace(BASE, resource="//r/b"), False),
        (replace(BASE, principal=None), False),
        (replace(BASE, role="roles/editor"), False),
        (replace(BASE, location=SourceLocation("g", 3, "//a")), False),
        (replace(BASE, location=SourceLocation("f", 3)), False),
        (replace(BASE, detail="d"), False),
    ],
)
def test_identity_key_tells_findings_apart_as_the_fingerprint_does(other: Finding, same: bool) -> None:
    assert (other.identity_key == BASE.identity_key) is same
    assert (other.fingerprint == BASE.fingerprint) is same
    assert other.identity == "\x1f".join(other.identity_key)
