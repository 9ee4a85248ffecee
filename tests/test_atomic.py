"""Every file iamlint writes is written atomically: a temporary file beside the target, renamed into place.

The helper on its own, then the real command: a reporter plugin (the ordinary ``plugins:`` hook, in a real
`iamlint check` process) that is interrupted by a real SIGINT halfway through its report, and two
processes writing the same --output at once, made to interleave deterministically through flag files.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iamlint.atomic import WriteError, atomic_writer, check_writable, write_text
from iamlint.cli import main

PREVIOUS = '{"previous": "a complete report from the last run"}\n'

POLICY = """\
bindings:
- role: roles/spanner.admin
  members: [user:alice@acme.example]
"""

# A reporter that writes its report in two halves and lets the test decide what happens in between.
# IAMLINT_TEST_ROLE: "interrupted" waits after the first half (the test sends SIGINT); "first" waits
# until "second" has written its whole (shorter) report, then writes the rest of its own.
REPORTER = """\
import json, os, time
from iamlint.hookspecs import hookimpl

def _wait_for(path):
    deadline = time.monotonic() + 60
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for " + path)
        time.sleep(0.01)

def _touch(path):
    open(path, "w").close()

class HalvesReporter:
    name = "halves"
    description = "a JSON report written in two halves (test)"
    for_terminal = False

    def render(self, report, stream, *, color):
        role = os.environ["IAMLINT_TEST_ROLE"]
        flags = os.environ["IAMLINT_TEST_FLAGS"]
        size = 5 if role == "second" else 200_000
        text = json.dumps({"run": role, "findings": len(report.findings), "padding": "x" * size}) + "\\n"
        if role == "second":
            _wait_for(os.path.join(flags, "first.half"))
            stream.write(text)
            stream.flush()
            _touch(os.path.join(flags, "second.done"))
            return
        half = len(text) // 2
        stream.write(text[:half])
        stream.flush()
        _touch(os.path.join(flags, role + ".half"))
        if role == "interrupted":
            time.sleep(60)
        _wait_for(os.path.join(flags, "second.done"))
        stream.write(text[half:])

@hookimpl
def iamlint_reporters():
    return [HalvesReporter()]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "iam").mkdir(parents=True)
    (root / "iam" / "policy.yaml").write_text(POLICY)
    (root / "reporter.py").write_text(REPORTER)
    (root / ".iamlint.yaml").write_text(
        "plugins: [reporter.py]\n"
        "resources:\n  iam/policy.yaml: //cloudresourcemanager.googleapis.com/projects/acme-prod\n"
    )
    (root / "flags").mkdir()
    return root


def _start(project: Path, role: str) -> subprocess.Popen[str]:
    env = {**os.environ, "IAMLINT_TEST_ROLE": role, "IAMLINT_TEST_FLAGS": str(project / "flags")}
    return subprocess.Popen(
        [sys.executable, "-m", "iamlint", "check", "--format", "halves", "-o", "report.json", "iam"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"iamlint ended early: {process.communicate()}")
        assert time.monotonic() < deadline, f"timed out waiting for {path}"
        time.sleep(0.01)


def _write_then_raise(target: Path, text: str, interruption: type[BaseException]) -> None:
    with atomic_writer(target) as stream:
        stream.write(text)
        raise interruption


def _leftovers(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".tmp"))


# --- the real command ------------------------------------------------------------------------------------


def test_ctrl_c_in_the_middle_of_a_report_leaves_the_previous_file(project: Path) -> None:
    report = project / "report.json"
    report.write_text(PREVIOUS)
    process = _start(project, "interrupted")
    _wait_for(project / "flags" / "interrupted.half", process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err
    assert report.read_text() == PREVIOUS
    assert _leftovers(project) == []


def test_two_runs_writing_the_same_output_leave_one_complete_report(project: Path) -> None:
    report = project / "report.json"
    report.write_text(PREVIOUS)
    # The first run has written half of its report when the second writes its whole, shorter one; then
    # the first finishes. Writing in place, this gave the second report, NULs, and the first one's tail.
    first = _start(project, "first")
    second = _start(project, "second")
    for process in (first, second):
        _, err = process.communicate(timeout=120)
        assert process.returncode == 1, err  # the policy has findings
    content = report.read_bytes()
    assert b"\x00" not in content
    assert json.loads(content)["run"] in ("first", "second")
    assert _leftovers(project) == []


# --- the helper ------------------------------------------------------------------------------------------


def test_the_new_content_replaces_the_file_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text(PREVIOUS)
    with atomic_writer(target) as stream:
        stream.write('{"new": ')
        assert target.read_text() == PREVIOUS  # nothing in place until the block ends
        stream.write("1}\n")
    assert target.read_text() == '{"new": 1}\n'
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_write_keeps_the_previous_file_and_leaves_no_debris(
    tmp_path: Path, interruption: type[BaseException]
) -> None:
    target = tmp_path / "out.json"
    target.write_text(PREVIOUS)
    with pytest.raises(interruption):
        _write_then_raise(target, "{" * 100_000, interruption)
    assert target.read_text() == PREVIOUS
    assert os.listdir(tmp_path) == ["out.json"]


def test_an_interrupted_first_write_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        _write_then_raise(tmp_path / "new.json", "{", KeyboardInterrupt)
    assert os.listdir(tmp_path) == []


def test_a_new_file_gets_the_permissions_open_would_give_it(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        from iamlint import atomic

        atomic._umask.cache_clear()
        write_text(tmp_path / "new.json", "{}")
    finally:
        os.umask(previous)
        atomic._umask.cache_clear()
    # mkstemp alone would give 0600; a report must be readable like any file the user creates.
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "shared.json"
    target.write_text(PREVIOUS)
    target.chmod(0o664)
    write_text(target, "{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o664


def test_a_symlink_stays_a_link_and_its_target_is_replaced(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "latest.json"
    real.parent.mkdir()
    real.write_text(PREVIOUS)
    link = tmp_path / "report.json"
    link.symlink_to(real)
    write_text(link, "{}\n")
    assert link.is_symlink()
    assert real.read_text() == "{}\n"
    assert _leftovers(real.parent) == []


def test_a_device_is_written_directly() -> None:
    write_text(os.devnull, "{}\n")  # a device cannot be replaced (and must not be, even as root)
    assert not stat.S_ISREG(os.stat(os.devnull).st_mode)


def test_a_missing_directory_or_a_directory_target_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match=r"cannot write --save .*/nope/x.json: no such directory"):
        check_writable(tmp_path / "nope" / "x.json", "--save")
    with pytest.raises(WriteError, match="it is a directory"):
        check_writable(tmp_path)
    with pytest.raises(WriteError, match="No such file or directory"):
        write_text(tmp_path / "nope" / "x.json", "{}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_a_read_only_directory_is_refused_before_writing(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="is not writable"):
            check_writable(tmp_path / "out.json", "--output")
    finally:
        tmp_path.chmod(0o755)


# --- every writer uses it ----------------------------------------------------------------------------------


def test_diff_output_is_written_atomically(ci_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ci_project / "diff.json"
    out.write_text(PREVIOUS)
    # An unwritable --output is refused before either side is read, and the previous diff stays.
    assert main(["diff", "--format", "json", "-o", "nowhere/diff.json", ".", "."]) == 2
    assert "cannot write --output nowhere/diff.json" in capsys.readouterr().err
    assert main(["diff", "--format", "json", "-o", str(out), ".", "."]) == 0
    assert json.loads(out.read_text())["new_access"] == []
    assert _leftovers(ci_project) == []
