"""The README's two set-up commands stay true: CI runs the test command exactly as the README prints it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from iamlint.cli import main

ROOT = Path(__file__).parent.parent


def _commands() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Two commands", 1)[1]
    return re.findall(r"```sh\n(.+?)\n```", section.split("\n## ", 1)[0])


def test_the_readme_states_exactly_two_commands() -> None:
    assert len(_commands()) == 2


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _commands()[1] in ci


def test_the_first_command_installs_into_a_virtual_environment() -> None:
    # A Debian or Ubuntu system Python refuses `pip install` outside a virtual environment (PEP 668).
    assert _commands()[0].startswith(
        "python3 -m venv .venv && . .venv/bin/activate && python3 -m pip install"
    )
    # .ci/run creates its environment the same way before it runs the second command.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'python3 -m venv "$venv"' in ci
    assert '. "$venv/bin/activate"' in ci


def test_the_first_command_lints_the_example_and_finds_something(capsys: pytest.CaptureFixture[str]) -> None:
    install_and_run = _commands()[0]
    assert install_and_run.endswith("&& iamlint check examples/")
    assert main(["check", str(ROOT / "examples")]) == 1
    assert "Found " in capsys.readouterr().out
