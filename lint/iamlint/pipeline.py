"""One lint run end to end: sources -> loaders -> inventory -> rules -> findings -> filters -> report.

The CLI parses arguments and prints; everything it runs is here, so `check`, `scan`, `baseline` and
`diff` share one path from inputs to findings.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from iamlint.config import Config
from iamlint.constraints import with_constraints
from iamlint.engine import rule_options, run_rules, select_rules
from iamlint.errors import InputError
from iamlint.findings import Finding, Severity
from iamlint.inventory import Inventory, InventoryBuilder, Settings
from iamlint.loaders import STDIN, LoadContext, expand_paths, load_documents
from iamlint.loaders.documents import Document, NdjsonLine, Stdin, read_entries
from iamlint.plugins import Plugins
from iamlint.report import Report
from iamlint.rule import Rule
from iamlint.suppress import Filtered, SuppressOptions, apply_suppressions


@dataclass
class Collected:
    """What the inputs said, indexed; or the errors that stop the run."""

    inventory: Inventory
    files: int
    errors: list[InputError]
    unbound_policies: list[str]
    # The files read, as displayed; suppression hygiene looks for inline comments in all of them.
    paths: list[str] = field(default_factory=list)
    # Inputs that are no file to read again (standard input): their text, for inline comments.
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class LintResult:
    collected: Collected
    rules: Sequence[Rule]
    findings: list[Finding] = field(default_factory=list)


def settings_from(config: Config) -> Settings:
    return Settings(environments=config.environments, allowed_domains=config.allowed_domains)


def load_context(config: Config, resource: str | None = None, *, changed_only: bool = False) -> LoadContext:
    def resource_for_path(path: str) -> str | None:
        return config.resource_for(path) or resource

    return LoadContext(resource_for_path=resource_for_path, changed_only=changed_only)


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Loading an org export allocates millions of long-lived objects and almost no reference cycles; the
    cyclic garbage collector would rescan the growing heap again and again (a quarter of the load time).
    It is paused while loading, and what was built is frozen so that later collections skip it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def input_files(
    paths: Sequence[str], config: Config, stdin: Stdin, errors: list[InputError]
) -> list[tuple[str, str, bool]]:
    """(path, as displayed, named explicitly) of every file a run reads, excluded ones left out; ``-`` is
    standard input, displayed as ``stdin.name``. A path that does not exist is added to ``errors``."""
    try:
        candidates = list(expand_paths(paths))
    except InputError as error:
        candidates = []
        errors.append(error)
    files = []
    for path, explicit in candidates:
        shown = stdin.name if path == STDIN else path
        if not config.is_excluded(shown):
            files.append((path, shown, explicit))
    return files


def read_input(path: str, stdin: Stdin) -> Iterator[Document | NdjsonLine]:
    return stdin.entries() if path == STDIN else read_entries(path)


def collect(
    paths: Sequence[str],
    config: Config,
    plugins: Plugins,
    context: LoadContext,
    *,
    on_file: Callable[[str], None] | None = None,
    stdin: Stdin | None = None,
) -> Collected:
    """Load every file; an error in one file is recorded and the others are still read, so that a user
    sees every broken input at once, but nothing is reported from a run that had any."""
    builder = InventoryBuilder()
    errors: list[InputError] = []
    files = 0
    read: list[str] = []
    stdin = stdin or Stdin()
    candidates = input_files(paths, config, stdin, errors)
    with bulk_allocation():
        for path, shown, explicit in candidates:
            files += 1
            read.append(shown)
            if on_file:
                on_file(shown)
            try:
                builder.add_all(
                    load_documents(read_input(path, stdin), plugins.loaders, context, explicit=explicit)
                )
            except InputError as error:
                errors.append(error)
        inventory = builder.build(settings_from(config))
    texts = {stdin.name: stdin.text} if stdin.text is not None else {}
    return Collected(inventory, files, errors, builder.unbound_policy_paths, read, texts)


def lint(
    collected: Collected,
    config: Config,
    plugins: Plugins,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    *,
    changed_only: bool = False,
) -> LintResult:
    rules = select_rules(
        with_constraints(plugins.rules, config), [*config.select, *select], [*config.ignore_rules, *ignore]
    )
    options = rule_options(rules, config.raw.get("rules") or {}, config.source)
    # Rules build shared indexes (every grant of an org export) that live until the run ends.
    with bulk_allocation():
        findings = run_rules(collected.inventory, rules, options)
    if changed_only:
        # Rules ran over everything (a new service may share the account of an unchanged one); only what
        # they found at resources the plan leaves as they are is dropped.
        findings = [finding for finding in findings if not is_unchanged(finding)]
    return LintResult(collected, rules, findings)


# Plan actions that leave a resource as it is: `--changed-only` reports no finding located there.
UNCHANGED_ACTIONS = frozenset({"no-op", "read"})


def is_unchanged(finding: Finding) -> bool:
    return finding.location is not None and finding.location.change in UNCHANGED_ACTIONS


def filter_findings(result: LintResult, config: Config, options: SuppressOptions | None = None) -> Filtered:
    """The filters step: inline comments, config waivers and the baseline decide what is reported."""
    collected = result.collected
    return apply_suppressions(
        result.findings, config, options or SuppressOptions(), collected.paths, result.rules, collected.texts
    )


def build_report(result: LintResult, fail_on: Severity, filtered: Filtered | None = None) -> Report:
    inventory = result.collected.inventory
    return Report(
        findings=filtered.reported if filtered else result.findings,
        suppressed=filtered.suppressed if filtered else (),
        summary_notes=filtered.notes if filtered else (),
        show_suppressed=filtered.show_suppressed if filtered else False,
        rules=result.rules,
        fail_on=fail_on,
        notices=inventory.notices,
        unresolved=inventory.unresolved,
        unknown_asset_types=inventory.unknown_asset_types,
        unbound_policies=sorted(set(result.collected.unbound_policies)),
        files=result.collected.files,
    )
