"""The command line as a gate: standard input, --show-config/--show-files, completion, usage, messages.

The project is tests/fixtures/ci/project (SA001 twice, SP001 once; its config selects SA001 and SP001 and
binds iam/project.yaml to acme-shop-prod).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iamlint.cli import main

PROJECT_POLICY = Path(__file__).parent / "fixtures" / "ci" / "project" / "iam" / "project.yaml"


def _exit_code(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as error:  # argparse reports a bad command line by exiting
        return int(error.code or 0)


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


# --- standard input ------------------------------------------------------------------------------------------


def test_dash_reads_one_document_from_stdin(
    ci_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, PROJECT_POLICY.read_text())
    assert main(["check", "--format", "json", "-"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["location"]["path"] == "<stdin>"
    assert finding["location"]["line"] == 4
    # Unbound: without a name the config's resources: cannot place it.
    assert finding["resource"].startswith("//cloudresourcemanager.googleapis.com/projects/unbound:")


def test_stdin_filename_names_it_and_matches_the_config(
    ci_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, PROJECT_POLICY.read_text())
    assert main(["check", "--format", "json", "--stdin-filename", "iam/project.yaml", "-"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["location"]["path"] == "iam/project.yaml"
    assert finding["resource"] == "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"


def test_inline_comments_in_stdin_are_honoured(
    ci_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = PROJECT_POLICY.read_text().splitlines(keepends=True)
    lines.insert(3, "  # iamlint: ignore[SP001] the orders service is being moved off admin\n")
    _stdin(monkeypatch, "".join(lines))
    assert main(["check", "--stdin-filename", "iam/project.yaml", "--strict-suppressions", "-"]) == 0
    assert "1 finding suppressed" in capsys.readouterr().out


def test_broken_stdin_is_an_error_under_its_name(
    ci_project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, '{"bindings": [}\n')
    assert main(["check", "-"]) == 2
    assert "iamlint: error: <stdin>:1: invalid JSON" in capsys.readouterr().err
    assert _exit_code(["check", "-", "-"]) == 2
    assert "standard input (-) can be read only once" in capsys.readouterr().err


def test_stdin_through_a_real_pipe(ci_project: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--stdin-filename", "iam/project.yaml", "-"],
        input=PROJECT_POLICY.read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert "iam/project.yaml\n" in completed.stdout
    assert "Found 1 finding (1 high) in 1 file." in completed.stdout


# --- --show-config and --show-files --------------------------------------------------------------------------


def test_show_config_prints_settings_and_where_they_come_from(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--show-config", "--fail-on", "high", "--ignore", "SA001", "."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "config: .iamlint.yaml (the nearest config above .)"
    assert 'select: ["SA001", "SP001"]  # .iamlint.yaml' in out
    assert 'ignore: ["SA001"]  # --ignore' in out
    assert 'rules run: ["SP001"]  # select, ignore and each rule\'s default' in out
    assert 'fail_on: "high"  # --fail-on' in out
    assert "exclude: []  # default" in out
    assert any(line.startswith('resources: {"iam/project.yaml": "//cloudresourcemanager') for line in out)


def test_show_config_without_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--show-config"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("config: none found: defaults\n")
    assert 'fail_on: "low"  # default' in out


def test_show_files_lists_documents_and_loaders_without_linting(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ci_project / "iam" / "notes.json").write_text('{"owner": "team-shop"}\n')
    (ci_project / "legacy.yaml").write_text("bindings: []\n")
    assert main(["check", "--show-files", "."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "legacy.yaml:1  gcloud-policy",
        "iam/notes.json:1  skipped when walked (found a mapping with keys owner)",
        "iam/project.yaml:2  gcloud-policy",
        "run/cart.yaml:2  cloud-run",
        "run/orders.yaml:2  cloud-run",
    ]


def test_show_files_reports_broken_inputs_and_exits_2(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ci_project / "iam" / "broken.json").write_text('{"bindings": [}\n')
    assert main(["check", "--show-files", "."]) == 2
    captured = capsys.readouterr()
    assert "iamlint: error: iam/broken.json:1: invalid JSON" in captured.err
    assert "iam/project.yaml:2  gcloud-policy" in captured.out


# --- completion ----------------------------------------------------------------------------------------------


def _bash_complete(script: Path, words: list[str]) -> list[str]:
    program = (
        f"source {script}\n"
        f"COMP_WORDS=({' '.join(repr(word) for word in words)})\nCOMP_CWORD={len(words) - 1}\n"
        "_shtab_iamlint\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    completed = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return completed.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_subcommands_and_their_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", "bash"]) == 0
    script = tmp_path / "iamlint.bash"
    script.write_text(capsys.readouterr().out)
    assert {"check", "scan", "baseline", "completion"} <= set(_bash_complete(script, ["iamlint", ""]))
    assert "--show-files" in _bash_complete(script, ["iamlint", "check", "--show"])
    assert "--stdin-filename" in _bash_complete(script, ["iamlint", "check", "--std"])


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_are_generated(
    shell: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    assert "show-config" in script
    assert "stdin-filename" in script
    if shutil.which(shell):
        (tmp_path / "script").write_text(script)
        checked = subprocess.run([shell, "-n", str(tmp_path / "script")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_completion_of_an_unknown_shell_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["completion", "cmd"]) == 2
    assert "iamlint completion: error: argument SHELL: invalid choice: 'cmd'" in capsys.readouterr().err


# --- usage and messages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["check", "--bogus", "."], "usage: iamlint check "),
        (["baseline", "update", "--nope"], "usage: iamlint baseline update "),
        (["roles", "sync", "--x"], "usage: iamlint roles sync "),
        (["scan", "--scope", "projects/p1", "--frobnicate"], "usage: iamlint scan "),
    ],
)
def test_an_unknown_option_prints_the_usage_of_its_subcommand(
    args: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit_code(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(usage)
    assert f"error: unrecognized arguments: {args[-1] if args[-1] != '.' else args[-2]}" in err


def test_baseline_update_takes_output_like_create(
    ci_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baseline", "create", "-o", "base.json", "."]) == 0
    assert "Recorded 3 findings in base.json." in capsys.readouterr().out
    entries = json.loads((ci_project / "base.json").read_text())["findings"]
    (ci_project / "base.json").write_text(json.dumps({"version": 1, "findings": entries[:2]}))
    assert main(["baseline", "update", "-o", "base.json", "."]) == 0
    assert capsys.readouterr().out == (
        "base.json: kept 2, pruned 0 fixed, added 0; 1 new finding not added (--add-new adds them).\n"
    )
    assert main(["baseline", "update", "--output", "base.json", "--add-new", "."]) == 0
    assert len(json.loads((ci_project / "base.json").read_text())["findings"]) == 3


def test_a_mapping_without_keys_is_described_as_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.json").write_text("{}\n")
    assert main(["check", "empty.json"]) == 2
    err = capsys.readouterr().err
    assert "found an empty mapping" in err
    assert "no keys" not in err
