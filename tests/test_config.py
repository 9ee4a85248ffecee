"""Config discovery and validation: every mistake names the file, the key path and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.config import discover, load_config
from iamlint.errors import ConfigError
from iamlint.findings import Severity


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_discovered_in_a_parent_directory(tmp_path: Path) -> None:
    write(
        tmp_path / ".iamlint.yaml",
        "fail_on: high\nresources:\n  iam/prod.yaml: //cloudresourcemanager.googleapis.com/projects/p\n",
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert discover(nested) == tmp_path / ".iamlint.yaml"
    config = load_config(start=nested)
    assert config.fail_on is Severity.HIGH
    assert config.root == tmp_path.resolve()


def test_pyproject_tool_section(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.iamlint]\nselect = ["SP"]\nfail_on = "medium"\n',
    )
    config = load_config(start=tmp_path)
    assert config.select == ["SP"]
    assert config.fail_on is Severity.MEDIUM


def test_pyproject_without_the_section_is_not_a_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert discover(tmp_path) is None


def test_resources_globs_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / ".iamlint.yaml",
        "resources:\n  iam/*-prod.yaml: //cloudresourcemanager.googleapis.com/projects/acme-prod\n",
    )
    config = load_config(start=tmp_path)
    monkeypatch.chdir(tmp_path / "..")
    inside = str((tmp_path / "iam" / "shop-prod.yaml").relative_to(tmp_path.parent))
    assert config.resource_for(inside) == "//cloudresourcemanager.googleapis.com/projects/acme-prod"
    assert config.resource_for(str(tmp_path / "iam" / "shop-dev.yaml")) is None


def test_ignore_takes_rule_ids_and_suppressions(tmp_path: Path) -> None:
    write(
        tmp_path / ".iamlint.yaml",
        "ignore:\n- IAM007\n- rule: SA001\n  reason: migration\n  expires: 2027-01-31\n",
    )
    config = load_config(start=tmp_path)
    assert config.ignore_rules == ["IAM007"]
    assert config.suppressions == [{"rule": "SA001", "reason": "migration", "expires": "2027-01-31"}]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("fail_on: severe\n", 1, "fail_on: 'severe' is not one of"),
        ("paths: src\n", 1, "paths: 'src' is not of type 'array'"),
        ("resources:\n  a.yaml: projects/p\n", 2, "resources.a.yaml: 'projects/p' does not match"),
        ("selct: [SA]\n", 1, "allowed keys:"),
        ("ignore:\n- rule: SA001\n", 2, "ignore.0"),
        ("environments:\n  prod: acme-prod\n", 2, "environments.prod"),
    ],
)
def test_invalid_config_names_key_path_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    write(tmp_path / ".iamlint.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(start=tmp_path)
    assert caught.value.line == line
    assert fragment in caught.value.message
    assert caught.value.path is not None
    assert caught.value.path.endswith(".iamlint.yaml")


def test_yaml_syntax_error_in_config(tmp_path: Path) -> None:
    write(tmp_path / ".iamlint.yaml", "paths: [a\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_config(start=tmp_path)


def test_explicit_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.yaml"))
