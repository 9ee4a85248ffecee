"""The rule test kit (iamlint.pytest_plugin): the `iamlint` fixture, loaded through the pytest11 entry
point, used here as a pack author would, on every built-in rule's examples, and in a separate pytest run
that has nothing but the installed package."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory
from iamlint.plugins import load_plugins
from iamlint.pytest_plugin import RuleTester
from iamlint.rule import Options, Rule
from iamlint_rules._examples import policy

PROD = "//cloudresourcemanager.googleapis.com/projects/acme-prod"
POLICY = policy(
    [("roles/owner", ["user:eve@contractor.example", "user:bob@acme.example"])],
    command="gcloud projects get-iam-policy acme-prod",
)


class ContractorOwner(Rule):
    """A pack's rule, tested before the pack is installed."""

    id = "ACME001"
    name = "contractor-owner"
    severity = Severity.HIGH
    summary = "A contractor owns a project."
    rationale = "test"
    remediation = "test"

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        for binding in inventory.bindings():
            for member in binding.members:
                if binding.role == "roles/owner" and member.member.endswith("@contractor.example"):
                    yield self.finding(
                        f"{member} owns {binding.resource}",
                        resource=inventory.canonical(binding.resource),
                        principal=member.member,
                        role=binding.role,
                        location=binding.location_of(member),
                    )


def test_a_rule_not_yet_installed(iamlint: RuleTester) -> None:
    result = iamlint.lint(
        {"iam/prod.yaml": POLICY}, rules=[ContractorOwner()], resources={"iam/prod.yaml": PROD}
    )
    result.assert_findings([("ACME001", PROD, "user:eve@contractor.example", "roles/owner")])
    result.assert_findings([{"rule": "ACME001", "line": 4, "path": "iam/prod.yaml", "severity": "high"}])
    assert result.rules == {"ACME001"}


def test_mismatches_fail_with_both_sides_listed(iamlint: RuleTester) -> None:
    result = iamlint.lint(POLICY, rules=[ContractorOwner()])
    with pytest.raises(pytest.fail.Exception) as failure:
        result.assert_findings([("ACME001", PROD, "user:bob@acme.example")])
    message = str(failure.value)
    assert "expected but not found:\n  ('ACME001', '//cloudresourcemanager" in message
    assert (
        "found but not expected:\n  ('ACME001', '//cloudresourcemanager.googleapis.com/projects/unbound:"
        in (message)
    )
    with pytest.raises(pytest.fail.Exception):
        result.assert_none()
    # A shorter tuple compares fewer fields; exact=False lets other findings exist.
    result.assert_findings([("ACME001",)])
    iamlint.lint(POLICY, select=["IAM001"]).assert_findings([("IAM001",), ("IAM001",)], exact=False)


def test_files_and_directories_on_disk(iamlint: RuleTester, tmp_path: Path) -> None:
    (tmp_path / "iam").mkdir()
    (tmp_path / "iam" / "prod.yaml").write_text(POLICY)
    (tmp_path / "notes.txt").write_text("not an input")
    result = iamlint.lint(tmp_path, select=["IAM001"])
    assert [f.principal for f in result.of("IAM001")] == [
        "user:eve@contractor.example",
        "user:bob@acme.example",
    ]
    assert iamlint.lint([tmp_path / "iam" / "prod.yaml"], select=["IAM001"]).keys == result.keys


@pytest.mark.parametrize("rule", load_plugins().rules, ids=lambda rule: rule.id)
def test_every_built_in_rule_documents_examples_that_behave(iamlint: RuleTester, rule: Rule) -> None:
    iamlint.assert_examples(rule)


PACK_TEST = """
from iamlint_rules._examples import policy

POLICY = policy([("roles/editor", ["user:eve@gmail.com"])])


def test_basic_role(iamlint):
    iamlint.lint(POLICY, select=["IAM001"]).assert_findings(
        [{"rule": "IAM001", "principal": "user:eve@gmail.com", "role": "roles/editor"}]
    )


def test_wrong_expectation(iamlint):
    iamlint.lint(POLICY, select=["IAM001"]).assert_findings([("IAM001", "x", "user:bob@acme.example")])
"""


def test_the_fixture_is_there_in_any_pytest_run(tmp_path: Path) -> None:
    """No conftest, no import of the plugin: the installed entry point provides the fixture."""
    (tmp_path / "test_pack.py").write_text(PACK_TEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_pack.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "1 failed, 1 passed" in run.stdout, run.stdout + run.stderr
    assert "expected but not found:" in run.stdout
    assert "found but not expected:" in run.stdout
