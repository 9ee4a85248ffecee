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


@pytest.fixture(autouse=True)
def _no_role_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules judge roles with the bundled catalogue in tests: a developer's `iamlint roles sync` cache
    (~/.cache/iamlint/roles.json) must not change what they find. Subprocesses inherit the setting."""
    monkeypatch.setenv("IAMLINT_ROLES_CACHE", str(tmp_path_factory.getbasetemp() / "no-role-cache.json"))
