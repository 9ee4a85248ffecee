"""Lint in-memory inputs: the one entry point tests, rule examples and the pytest plugin share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from iamlint.engine import rule_options, run_rules, select_rules
from iamlint.findings import Finding
from iamlint.inventory import Inventory, InventoryBuilder, Settings
from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.documents import entries_from_text
from iamlint.plugins import Plugins, load_plugins


def build_inventory(
    files: Mapping[str, str],
    *,
    plugins: Plugins | None = None,
    resources: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> Inventory:
    """``files`` maps a file name to its text; ``resources`` binds bare policies by file name."""
    plugins = plugins or load_plugins()
    bound = dict(resources or {})
    context = LoadContext(resource_for_path=bound.get)
    builder = InventoryBuilder()
    for path, text in files.items():
        builder.add_all(load_documents(entries_from_text(path, text), plugins.loaders, context))
    return builder.build(settings)


def lint_texts(
    files: Mapping[str, str],
    *,
    select: Sequence[str] = (),
    options: Mapping[str, Mapping[str, Any]] | None = None,
    resources: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    plugins: Plugins | None = None,
) -> list[Finding]:
    plugins = plugins or load_plugins()
    inventory = build_inventory(files, plugins=plugins, resources=resources, settings=settings)
    rules = select_rules(plugins.rules, select)
    return run_rules(inventory, rules, rule_options(rules, options or {}))
