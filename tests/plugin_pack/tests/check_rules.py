"""The pack's own tests, written with the `iamlint` fixture (docs/plugins.md shows them).

Named check_*.py so that iamlint's suite does not collect them where the pack is not installed;
tests/test_plugins.py runs them with pytest inside the virtual environment the pack is installed in.
"""

from __future__ import annotations

from acme_iamlint_rules import NoContractorInProd

from iamlint.pytest_plugin import RuleTester

PROD = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
POLICY = """\
# gcloud projects get-iam-policy acme-shop-prod
bindings:
- members:
  - user:eve@contractor.example
  - user:bob@acme.example
  role: roles/viewer
etag: BwYQ7rT0AbE=
version: 1
"""


def test_contractor_in_prod(iamlint: RuleTester) -> None:
    result = iamlint.lint({"iam/prod.yaml": POLICY}, select=["ACME100"], resources={"iam/prod.yaml": PROD})
    result.assert_findings([("ACME100", PROD, "user:eve@contractor.example", "roles/viewer")])


def test_options(iamlint: RuleTester) -> None:
    options = {"ACME100": {"contractor_domain": "elsewhere.example"}}
    iamlint.lint(
        {"iam/prod.yaml": POLICY}, select=["ACME100"], options=options, resources={"iam/prod.yaml": PROD}
    ).assert_none()


def test_not_installed_yet(iamlint: RuleTester) -> None:
    # rules= tests a rule object directly, before the pack is installed.
    result = iamlint.lint(POLICY, rules=[NoContractorInProd()], resources={"input.yaml": PROD})
    result.assert_findings([{"rule": "ACME100", "line": 4, "severity": "high"}])


def test_examples(iamlint: RuleTester) -> None:
    iamlint.assert_examples(NoContractorInProd())
