"""Where a run happens: the repository root, and paths and fingerprints that do not depend on the cwd.

Findings carry paths as displayed (relative to the working directory). Code scanning, annotations and
baselines need them relative to something that stays put: the git top level (or the working directory
outside a repository) for reports, the baseline file's directory for baselines.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache, lru_cache
from pathlib import Path

from iamlint.findings import Finding
from iamlint.model import replace


@cache
def _git_toplevel(directory: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = completed.stdout.strip()
    return top if completed.returncode == 0 and top else None


def repository_root(start: Path | None = None) -> Path:
    """The git top level containing ``start`` (default: the cwd), else ``start`` itself."""
    directory = (start or Path.cwd()).resolve()
    top = _git_toplevel(str(directory))
    return Path(top).resolve() if top else directory


def relative_path(path: str, root: Path) -> str:
    """``path`` (relative to the cwd or absolute) as a POSIX path relative to ``root``.

    A path outside ``root`` keeps ``..`` segments: still stable wherever the command runs from.
    """
    # Every finding of a report asks, and an org export's half a million findings share a few paths.
    return _relative_path(os.getcwd(), path, root)


@lru_cache(maxsize=4096)
def _relative_path(cwd: str, path: str, root: Path) -> str:
    absolute = Path(os.path.normpath(os.path.join(cwd, path)))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, root)).as_posix()


def rebased(finding: Finding, root: Path) -> Finding:
    """The finding with its path relative to ``root`` (so its fingerprint is too)."""
    if finding.location is None or not finding.location.path:
        return finding
    location = replace(finding.location, path=relative_path(finding.location.path, root))
    return replace(finding, location=location)


def stable_fingerprint(finding: Finding, root: Path) -> str:
    return StableFingerprints(root)(finding)


class StableFingerprints:
    """Fingerprints of findings as seen from ``root``, for a report of many: the working directory is read
    once, and each of the few paths half a million findings share is made relative once."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._cwd = os.getcwd()
        self._paths: dict[str, str] = {}

    def __call__(self, finding: Finding) -> str:
        # Same value as ``rebased(finding, root).fingerprint``, without the copies.
        location = finding.location
        if location is None or not location.path:
            return finding.fingerprint
        relative = self._paths.get(location.path)
        if relative is None:
            relative = self._paths[location.path] = _relative_path(self._cwd, location.path, self._root)
        return finding.fingerprint_at(relative)
