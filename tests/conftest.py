from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def ci_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of tests/fixtures/ci/project (SA001 twice, SP001 once) as the working directory."""
    import shutil

    target = tmp_path / "repo"
    shutil.copytree(FIXTURES / "ci" / "project", target)
    monkeypatch.chdir(target)
    return target
