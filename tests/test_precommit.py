"""The pre-commit hook, end to end with real pre-commit: a bad commit is blocked with the finding printed,
a clean one passes.

The temporary repository's .pre-commit-config.yaml points at this checkout at its current HEAD (the hook
definition and the code pre-commit installs are the committed ones, so commit before running this
locally). pre-commit builds the hook's virtual environment from PyPI into a temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SA = "orders@acme-shop-prod.iam.gserviceaccount.com"


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=900
    )


def head_of_checkout() -> str | None:
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=CHECKOUT, capture_output=True, text=True, check=False
    )
    return completed.stdout.strip() if completed.returncode == 0 else None


@pytest.mark.slow
def test_hook_blocks_a_bad_commit_and_passes_a_clean_one(tmp_path: Path) -> None:
    rev = head_of_checkout()
    if rev is None:
        pytest.skip("not a git checkout: pre-commit needs a repository to install the hook from")
    repo = tmp_path / "infra"
    shutil.copytree(FIXTURES / "ci" / "project", repo)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {CHECKOUT}\n  rev: {rev}\n  hooks:\n  - id: iamlint\n    args: [--fail-on, high]\n"
    )
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "NO_COLOR": "1",
    }
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    assert git(repo, "init", "-q", "-b", "main", env=env).returncode == 0
    install = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert install.returncode == 0, install.stdout + install.stderr

    # Two services share one account (SA001) and it holds roles/spanner.admin (SP001): blocked.
    git(repo, "add", "-A", env=env)
    bad = git(repo, "commit", "-m", "bad", env=env)
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, output
    assert "iamlint" in output
    assert "Failed" in output
    assert "SP001" in output
    assert "SA001" in output
    assert "roles/spanner.admin" in output
    assert git(repo, "rev-parse", "--verify", "-q", "HEAD", env=env).returncode != 0  # nothing committed

    # Fixed: cart gets its own account, the Spanner grant is data access only.
    cart = repo / "run" / "cart.yaml"
    cart.write_text(cart.read_text().replace(SA, "cart@acme-shop-prod.iam.gserviceaccount.com"))
    policy = repo / "iam" / "project.yaml"
    policy.write_text(policy.read_text().replace("roles/spanner.admin", "roles/spanner.databaseUser"))
    git(repo, "add", "-A", env=env)
    clean = git(repo, "commit", "-m", "clean", env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout + clean.stderr
