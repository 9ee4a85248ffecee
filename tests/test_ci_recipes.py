"""docs/ci.md's recipes: every YAML block parses, and every iamlint command line in them (shell lines,
Cloud Build entrypoint+args, pre-commit hook args, and commands quoted in the prose) is one the CLI
accepts, with formats that exist and at most one report on stdout."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from iamlint.cli import build_parser
from iamlint.config import read_config
from iamlint.findings import Severity
from iamlint.plugins import load_plugins

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ci.md"
FENCE = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def yaml_blocks() -> list[str]:
    return FENCE.findall(DOC.read_text(encoding="utf-8"))


def shell_commands(text: str) -> Iterator[list[str]]:
    for line in text.splitlines():
        for part in re.split(r"&&|\|\||;", line):
            tokens = shlex.split(part, comments=True)
            # A bare word ("name: iamlint") is a name, not a command line.
            if len(tokens) > 1 and Path(tokens[0]).name == "iamlint":
                yield tokens[1:]


def commands_in(node: Any) -> Iterator[list[str]]:
    if isinstance(node, dict):
        entrypoint = str(node.get("entrypoint", ""))
        if Path(entrypoint).name == "iamlint" and isinstance(node.get("args"), list):
            yield [str(arg) for arg in node["args"]]
        for key, value in node.items():
            if key == "hooks" and isinstance(value, list):
                # pre-commit hooks: the iamlint hook's args go after its entry, `iamlint check`.
                for hook in value:
                    if isinstance(hook, dict) and hook.get("id") == "iamlint":
                        yield ["check", *[str(arg) for arg in hook.get("args", [])]]
            else:
                yield from commands_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from commands_in(item)
    elif isinstance(node, str):
        yield from shell_commands(node)


def recipe_commands() -> list[list[str]]:
    found = [argv for block in yaml_blocks() for argv in commands_in(yaml.safe_load(block))]
    prose = re.findall(r"`(iamlint [^`]+)`", DOC.read_text(encoding="utf-8").replace("\n", " "))
    # Commands with placeholders (BEFORE, P...) are syntax descriptions, not runnable lines.
    found += [shlex.split(c)[1:] for c in prose if "..." not in c and not re.search(r"\b[A-Z]{2,}\b", c)]
    return found


def accepts(argv: list[str]) -> Any:
    try:
        return build_parser().parse_args(argv)
    except SystemExit as error:  # argparse reports a bad command line by exiting
        pytest.fail(f"the CLI rejects `iamlint {shlex.join(argv)}` (exit {error.code})")


def test_every_yaml_block_parses() -> None:
    blocks = yaml_blocks()
    assert len(blocks) >= 7
    for block in blocks:
        assert yaml.safe_load(block) is not None


def test_recipes_cover_each_ci_system() -> None:
    text = DOC.read_text(encoding="utf-8")
    for needle in (
        "github/codeql-action/upload-sarif",
        "reports:\n      junit: iamlint-junit.xml",
        "# cloudbuild.yaml",
        "# .pre-commit-config.yaml",
        "--fail-on-new-access",
    ):
        assert needle in text
    joined = [" ".join(argv) for argv in recipe_commands()]
    assert any("--format sarif" in c for c in joined)
    assert any("--format github" in c for c in joined)
    assert any("--format junit" in c for c in joined)
    assert any(c.startswith("diff ") for c in joined)
    assert "check --fail-on high" in joined  # the pre-commit hook's args


@pytest.mark.parametrize("argv", recipe_commands(), ids=lambda argv: " ".join(argv)[:60])
def test_command_line_is_accepted(argv: list[str]) -> None:
    args = accepts(argv)
    formats = getattr(args, "format", None)
    if isinstance(formats, list):
        known = {reporter.name for reporter in load_plugins().reporters}
        assert set(formats) <= known
        assert len(formats) - len(args.output or []) <= 1, "two reports would go to stdout"


def test_a_wrong_command_line_is_caught() -> None:
    # Guards the guard: the parser used above must reject what the CLI rejects.
    with pytest.raises(pytest.fail.Exception):
        accepts(["check", "--fail-on", "severe"])


def test_config_snippets_validate(tmp_path: Path) -> None:
    configs = [block for block in yaml_blocks() if block.startswith("# .iamlint.yaml")]
    assert configs
    for block in configs:
        # Read the way iamlint reads a config (its YAML reader keeps dates as the strings the schema wants).
        (tmp_path / ".iamlint.yaml").write_text(block)
        config = read_config(tmp_path / ".iamlint.yaml")
        assert config.suppressions


def test_pre_commit_hook_definition_matches_the_docs() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "iamlint"
    assert hook["pass_filenames"] is False
    assert re.search(hook["files"], "iam/policy.yaml")
    for suffix in ("json", "yaml", "yml", "ndjson", "jsonl"):
        assert re.search(hook["files"], f"x.{suffix}")
    accepts([*shlex.split(hook["entry"])[1:], "--fail-on", "high"])


def test_fail_on_table_lists_every_severity() -> None:
    text = DOC.read_text(encoding="utf-8")
    for severity in Severity:
        assert f"| `{severity.value}`" in text
