"""``iamlint scan``: the live Cloud Asset API read feeds the same pipeline as ``iamlint check``.

Only the source differs: assets stream from :mod:`iamlint.loaders.cai_live` instead of files, through the
same loaders into the same inventory, so rules, suppressions, reports and exit codes are check's own.
"""

from __future__ import annotations

from iamlint.config import Config
from iamlint.inventory import InventoryBuilder
from iamlint.loaders import LoadContext, load_documents
from iamlint.loaders.cai_live import ScanOptions, ScanStats, scan_documents
from iamlint.pipeline import Collected, bulk_allocation, settings_from
from iamlint.plugins import Plugins


def collect_scan(
    options: ScanOptions,
    config: Config,
    plugins: Plugins,
    *,
    save: str | None = None,
    stats: ScanStats | None = None,
    quiet: bool = False,
) -> Collected:
    """Read the scope's assets live and index them; API errors raise ScanError (exit 2 in the CLI)."""
    builder = InventoryBuilder()
    with bulk_allocation():
        documents = scan_documents(options, save=save, stats=stats, quiet=quiet)
        builder.add_all(load_documents(documents, plugins.loaders, LoadContext()))
        inventory = builder.build(settings_from(config))
    return Collected(inventory, files=0, errors=[], unbound_policies=builder.unbound_policy_paths)
