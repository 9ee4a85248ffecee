"""The plugin API (pluggy project name ``iamlint``), version 1.

A rule pack is a module or distribution that implements any of these hooks with ``@hookimpl``. Packs are
found through the entry point group ``iamlint.rules`` or named in the config's ``plugins:``. The
built-in rules register through ``iamlint_rules`` exactly like a third-party pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from iamlint.loaders import Loader
    from iamlint.report import Reporter
    from iamlint.rule import Rule

PROJECT_NAME = "iamlint"
PLUGIN_API_VERSION = 1

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def iamlint_rules() -> Sequence[Rule]:  # type: ignore[empty-body]
    """Return the rules this pack provides (instances of :class:`iamlint.rule.Rule` subclasses)."""


@hookspec
def iamlint_loaders() -> Sequence[Loader]:  # type: ignore[empty-body]
    """Return input loaders; each claims the documents of its format (see :mod:`iamlint.loaders`)."""


@hookspec
def iamlint_reporters() -> Sequence[Reporter]:  # type: ignore[empty-body]
    """Return output reporters; each has a ``name`` used with ``--format``."""
