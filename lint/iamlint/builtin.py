"""Registers the built-in loaders and reporters through the same hooks a plugin would use."""

from __future__ import annotations

from collections.abc import Sequence

from iamlint.hookspecs import hookimpl
from iamlint.loaders import Loader
from iamlint.report import Reporter


@hookimpl
def iamlint_loaders() -> Sequence[Loader]:
    from iamlint.loaders.cai import CaiLoader
    from iamlint.loaders.cloud_run import CloudRunLoader
    from iamlint.loaders.gcloud_policy import GcloudPolicyLoader
    from iamlint.loaders.gcloud_resources import GcloudResourceLoader
    from iamlint.loaders.terraform import TerraformPlanLoader

    # A plan is claimed first: its format_version key is unambiguous, and other shapes may sit inside it.
    return [
        TerraformPlanLoader(),
        CaiLoader(),
        GcloudPolicyLoader(),
        CloudRunLoader(),
        GcloudResourceLoader(),
    ]


@hookimpl
def iamlint_reporters() -> Sequence[Reporter]:
    from iamlint.report.github import GithubReporter
    from iamlint.report.json import JsonReporter
    from iamlint.report.junit import JunitReporter
    from iamlint.report.sarif import SarifReporter
    from iamlint.report.text import TextReporter

    return [TextReporter(), JsonReporter(), SarifReporter(), GithubReporter(), JunitReporter()]
