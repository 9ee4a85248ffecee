"""iamlint: a policy linter for Google Cloud IAM."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iamlint")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
