"""Rule packs: a local `plugins:` file through the CLI, and an installable pack (tests/plugin_pack) built and
pip-installed into a temporary virtual environment, where `iamlint rules` and `iamlint check` run.

The venv sees the test run's own site-packages (not the base interpreter's), so iamlint and its
dependencies come from the test environment, and the pack is installed with --no-build-isolation
--no-deps: nothing is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from iamlint.cli import main

PACK = Path(__file__).parent / "plugin_pack"
PROD = "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
POLICY = """\
# gcloud projects get-iam-policy acme-shop-prod
bindings:
- members:
  - user:eve@contractor.example
  role: roles/viewer
etag: BwYQ7rT0AbE=
version: 1
"""

LOCAL_RULES = '''
"""The team's own rules, kept in the repository."""

from iamlint.findings import Severity
from iamlint.hookspecs import hookimpl
from iamlint.rule import Rule


class NoViewerGrants(Rule):
    id = "TEAM001"
    name = "no-viewer-grants"
    severity = Severity.LOW
    summary = "roles/viewer is granted"
    rationale = "Viewer reads too much."
    remediation = "Grant a narrower role."

    def check(self, inventory, options):
        for binding in inventory.bindings():
            if binding.role == "roles/viewer":
                for member in binding.members:
                    yield self.finding(
                        f"{member} holds roles/viewer", resource=inventory.canonical(binding.resource),
                        principal=member.member, role=binding.role, location=binding.location_of(member),
                    )


@hookimpl
def iamlint_rules():
    return [NoViewerGrants()]
'''


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / "ci").mkdir(parents=True)
    (root / "iam").mkdir()
    (root / "ci" / "iam_rules.py").write_text(LOCAL_RULES)
    (root / "iam" / "prod.yaml").write_text(POLICY)
    (root / ".iamlint.yaml").write_text(f"plugins: [ci/iam_rules.py]\nresources:\n  iam/prod.yaml: {PROD}\n")
    monkeypatch.chdir(root)
    return root


def test_local_rules_file_runs_through_the_cli(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("TEAM001")]
    assert listed
    assert "[ci/iam_rules.py]" in listed[0]
    assert main(["check", "--format", "json", "--select", "TEAM"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["resource"], f["principal"]) for f in findings] == [
        ("TEAM001", PROD, "user:eve@contractor.example")
    ]
    assert findings[0]["location"]["path"] == "iam/prod.yaml"


def test_a_local_plugin_is_disabled_by_the_name_rules_shows(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "--disable-plugin", "ci/iam_rules.py"]) == 0
    assert "TEAM001" not in capsys.readouterr().out
    # With the pack off, selecting its prefix is a clear error rather than a silent pass.
    assert main(["check", "--select", "TEAM", "--disable-plugin", "ci/iam_rules.py"]) == 2
    assert "--select: unknown rule 'TEAM'" in capsys.readouterr().err
    assert main(["explain", "TEAM001", "--disable-plugin", "iam_rules"]) == 2


def test_a_broken_local_plugin_is_a_clear_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "ci" / "iam_rules.py").write_text("import not_a_module_anywhere\n")
    assert main(["rules"]) == 2
    err = capsys.readouterr().err
    assert "ci/iam_rules.py: plugins: importing failed: ModuleNotFoundError" in err
    assert "Traceback" not in err


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _see_this_environment(python: Path) -> None:
    """Let the new venv import what the test run has (iamlint, pip, hatchling), whatever the base
    interpreter holds: --system-site-packages would expose the base interpreter's packages, which on a
    fresh machine are not the ones this test run installed. addsitedir also runs the editable install's
    own .pth file."""
    ours = sysconfig.get_paths()["purelib"]
    theirs = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    Path(theirs, "_iamlint_test_outer.pth").write_text(f"import site; site.addsitedir({ours!r})\n")


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_installed_pack_is_found_listed_run_and_disabled(repo: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = _venv_python(venv)
    _see_this_environment(python)
    source = tmp_path / "plugin_pack"
    shutil.copytree(PACK, source)
    installed = _run(
        python,
        "-m",
        "pip",
        "install",
        "--no-build-isolation",
        "--no-deps",
        "--no-index",
        "-q",
        str(source),
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    listing = _run(python, "-m", "iamlint", "rules", cwd=repo)
    assert listing.returncode == 0, listing.stderr
    acme = [line for line in listing.stdout.splitlines() if line.startswith("ACME100")]
    assert acme, listing.stdout
    assert "no-contractor-in-prod" in acme[0]
    assert "[acme (acme-iamlint-rules 1.0.0)]" in acme[0]
    assert "[builtin (iamlint " in listing.stdout

    checked = _run(python, "-m", "iamlint", "check", "--format", "json", "--select", "TEAM,ACME", cwd=repo)
    assert checked.returncode == 1, checked.stderr
    rules = sorted(f["rule"] for f in json.loads(checked.stdout)["findings"])
    assert rules == ["ACME100", "TEAM001"]

    explained = _run(python, "-m", "iamlint", "explain", "ACME100", cwd=repo)
    assert "Contractors work in staging" in explained.stdout

    disabled = _run(
        python,
        "-m",
        "iamlint",
        "check",
        "--format",
        "json",
        "--disable-plugin",
        "acme",
        "--select",
        "TEAM",
        cwd=repo,
    )
    assert [f["rule"] for f in json.loads(disabled.stdout)["findings"]] == ["TEAM001"]
    assert (
        "ACME100" not in _run(python, "-m", "iamlint", "rules", "--disable-plugin", "acme", cwd=repo).stdout
    )

    # The pack's own tests, with the iamlint fixture the installed pytest11 entry point provides.
    tested = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/check_rules.py", cwd=source)
    assert "4 passed" in tested.stdout, tested.stdout + tested.stderr

    # The pack lives in the venv only: the interpreter running these tests does not see it.
    outside = _run(Path(sys.executable), "-m", "iamlint", "rules", cwd=repo)
    assert "ACME100" not in outside.stdout


def test_the_core_cannot_be_disabled_but_the_built_in_rules_can(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "--disable-plugin", "iamlint"]) == 2
    assert "disable 'builtin' to turn off the built-in rules" in capsys.readouterr().err
    assert main(["rules", "--disable-plugin", "builtin"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["TEAM001"]
    # The loaders stay: files are still read, only the team's rule runs.
    assert main(["check", "--format", "json", "--disable-plugin", "builtin"]) == 1
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]] == ["TEAM001"]
