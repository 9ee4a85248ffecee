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
        (
            "resources:\n  a.yaml: projects/p/instances/i\n",
            2,
            "resources.a.yaml: expected a full resource name (//SERVICE.googleapis.com/...), or projects/P",
        ),
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


# --- which config applies: one rule, whatever the order of the paths ----------------------------------------

POLICY = "bindings:\n- role: roles/spanner.admin\n  members: [user:alice@acme.example]\n"


@pytest.fixture
def two_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``a`` has a config that fails only on critical findings, ``b`` none; the cwd has one of its own."""
    write(tmp_path / "a" / ".iamlint.yaml", "fail_on: critical\n")
    write(tmp_path / "a" / "policy.yaml", POLICY)
    write(tmp_path / "b" / "policy.yaml", POLICY)
    write(tmp_path / "a" / "sub" / "policy.yaml", POLICY)
    write(tmp_path / "here" / ".iamlint.yaml", "fail_on: high\n")
    monkeypatch.chdir(tmp_path / "here")
    return tmp_path


def test_the_order_of_paths_does_not_change_the_config(
    two_projects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from iamlint.cli import main

    a, b = str(two_projects / "a"), str(two_projects / "b")
    results = []
    for paths in ([a, b], [b, a]):
        code = main(["check", *paths])
        captured = capsys.readouterr()
        results.append((code, captured.out, captured.err))
    assert results[0] == results[1]
    code, _, err = results[0]
    # a gets its own config, b the current directory's: they differ, and that is said, not guessed.
    assert code == 2
    assert "the paths have different configs" in err
    assert "a/.iamlint.yaml for " in err
    assert ", .iamlint.yaml for " in err or "; .iamlint.yaml for " in err


def test_paths_sharing_a_config_get_it_in_any_order(
    two_projects: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, sub = two_projects / "a" / "policy.yaml", two_projects / "a" / "sub"
    for paths in ([a, sub], [sub, a]):
        config = load_config(paths=[str(p) for p in paths])
        assert config.source is not None
        assert config.source.endswith("a/.iamlint.yaml")
        assert config.fail_on is Severity.CRITICAL
    # A path without a config above it gets the current directory's; --config overrides all of this.
    assert load_config(paths=[str(two_projects / "b")]).fail_on is Severity.HIGH
    explicit = load_config(str(two_projects / "here" / ".iamlint.yaml"), paths=[str(a)])
    assert explicit.fail_on is Severity.HIGH
    assert explicit.found_by == "named by --config"


# --- names that name nothing are errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        (
            "rules:\n  SP01:\n    allowed_roles: []\n",
            [],
            ".iamlint.yaml:2: rules: unknown rule 'SP01'; did you mean SP001?",
        ),
        (
            "ignore:\n- rule: SA01\n  reason: legacy\n",
            [],
            ".iamlint.yaml:2: ignore.0.rule: unknown rule 'SA01'",
        ),
        ("ignore: [IAM999]\n", [], ".iamlint.yaml:1: ignore: unknown rule 'IAM999'"),
        ("select:\n- SA\n- XY\n", [], ".iamlint.yaml:3: select: unknown rule 'XY'"),
        ("disable_plugins:\n- bultin\n", [], ".iamlint.yaml:2: disable_plugins: unknown rule pack 'bultin'"),
        ("", ["--select", "SP0001"], "--select: unknown rule 'SP0001'; did you mean SP001?"),
        ("", ["--ignore", "nope"], "--ignore: unknown rule 'nope'"),
        ("", ["--disable-plugin", "acme"], "--disable-plugin: unknown rule pack 'acme' (installed packs and"),
        (
            "rules:\n  SP001:\n    allowed_roles: []\n    typo: 1\n",
            [],
            ".iamlint.yaml:4: rules.SP001: Additional properties are not allowed ('typo' was unexpected)",
        ),
        (
            "rules:\n  SP001:\n    allowed_roles: [3]\n",
            [],
            ".iamlint.yaml:3: rules.SP001.allowed_roles.0: 3 is not",
        ),
    ],
)
def test_unknown_rules_and_packs_are_errors_with_file_and_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    args: list[str],
    expected: str,
) -> None:
    from iamlint.cli import main

    write(tmp_path / ".iamlint.yaml", text)
    write(tmp_path / "policy.yaml", POLICY)
    monkeypatch.chdir(tmp_path)
    assert main(["check", *args, "policy.yaml"]) == 2
    err = capsys.readouterr().err
    assert f"iamlint: error: {expected}" in err
    assert "Traceback" not in err


def test_every_unknown_name_is_reported_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from iamlint.cli import main

    write(tmp_path / ".iamlint.yaml", "select: [SA, XX]\nrules:\n  YY: {}\n")
    write(tmp_path / "policy.yaml", POLICY)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--ignore", "ZZ", "policy.yaml"]) == 2
    err = capsys.readouterr().err
    assert [line.split(":")[-1].split(";")[0].strip() for line in err.splitlines()] == [
        "unknown rule 'XX'",
        "unknown rule 'YY'",
        "unknown rule 'ZZ'",
    ]


def test_resources_take_the_short_form_of_a_container(tmp_path: Path) -> None:
    write(tmp_path / ".iamlint.yaml", "resources:\n  a.yaml: projects/acme-prod\n  b.yaml: folders/123\n")
    assert dict(load_config(start=tmp_path).resources) == {
        "a.yaml": "//cloudresourcemanager.googleapis.com/projects/acme-prod",
        "b.yaml": "//cloudresourcemanager.googleapis.com/folders/123",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("projects/acme-shop-prod", None),
        ("//cloudresourcemanager.googleapis.com/projects/acme-shop-prod", None),
        ("projects/acme-shop-prod/instances/shop-prod", "expected a full resource name"),
        ("acme-shop-prod", "expected a full resource name"),
        ("https://cloudresourcemanager.googleapis.com/projects/acme-shop-prod", "expected a full resource"),
    ],
)
def test_resource_option_takes_the_config_forms(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
    expected: str | None,
) -> None:
    from iamlint.cli import main

    write(tmp_path / "policy.yaml", "bindings:\n- role: roles/owner\n  members: [user:eve@gmail.com]\n")
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["check", "--format", "json", "--select", "IAM001", "--resource", value, "policy.yaml"])
    except SystemExit as error:  # argparse refuses the value, with check's usage
        code = int(error.code or 0)
    captured = capsys.readouterr()
    if expected:
        assert code == 2
        assert f"argument --resource: {value!r}: {expected}" in captured.err
        return
    # The short form is the project itself: its findings name the full resource, not a made-up one.
    import json

    findings = json.loads(captured.out)["findings"]
    assert code == 1
    assert findings
    assert {f["resource"] for f in findings} == {
        "//cloudresourcemanager.googleapis.com/projects/acme-shop-prod"
    }
