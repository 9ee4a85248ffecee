"""Configuration: discovery (.iamlint.yaml or [tool.iamlint] in pyproject.toml), validation, defaults."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from iamlint.errors import ConfigError, InputError
from iamlint.findings import Severity
from iamlint.loaders.documents import line_of, parse_yaml
from iamlint.resource_names import full_resource_name

CONFIG_NAMES = (".iamlint.yaml", ".iamlint.yml")


@cache
def config_schema() -> dict[str, Any]:
    text = resources.files("iamlint").joinpath("schemas/config.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@dataclass(frozen=True)
class Config:
    root: Path  # the directory relative paths in the config are taken from
    source: str | None = None  # the file it was read from, for messages
    paths: Sequence[str] = ()
    exclude: Sequence[str] = ()
    select: Sequence[str] = ()
    ignore_rules: Sequence[str] = ()
    suppressions: Sequence[Mapping[str, Any]] = ()
    fail_on: Severity = Severity.LOW
    resources: Mapping[str, str] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    environments: Mapping[str, Sequence[str]] = field(default_factory=dict)
    allowed_domains: Sequence[str] = ()
    plugins: Sequence[str] = ()
    disable_plugins: Sequence[str] = ()
    constraints: Sequence[Mapping[str, Any]] = ()
    baseline: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    # How the file was chosen, for --show-config ("named by --config", "the nearest config above ...").
    found_by: str = ""

    def relative(self, path: str) -> str:
        """``path`` (as displayed, relative to the working directory) relative to the config's root."""
        absolute = Path(path).resolve()
        try:
            return absolute.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def resource_for(self, path: str) -> str | None:
        relative = self.relative(path)
        for glob, name in self.resources.items():
            if fnmatch.fnmatchcase(relative, glob) or fnmatch.fnmatchcase(relative, glob.removeprefix("./")):
                return name
        return None

    def is_excluded(self, path: str) -> bool:
        relative = self.relative(path)
        return any(fnmatch.fnmatchcase(relative, glob) for glob in self.exclude)

    def resolve(self, relative: str) -> Path:
        return (self.root / relative).resolve()

    def default_paths(self) -> list[str]:
        return [os.path.relpath(self.resolve(p)) for p in self.paths]


def _validate(data: Any, source: str) -> None:
    validator = jsonschema.Draft202012Validator(config_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    # Walk to the node so the message carries the line of the offending key.
    node: Any = data
    line = line_of(data)
    for key in error.absolute_path:
        line = line_of(node, key) or line
        node = node[key]
    key_path = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    message = error.message
    # A schema node may word its own message per keyword ("errorMessage": {"oneOf": "..."}), where
    # jsonschema's own would quote the whole instance back.
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    if isinstance(custom, dict) and isinstance(custom.get(str(error.validator)), str):
        message = custom[str(error.validator)]
    if error.validator == "additionalProperties" and not error.absolute_path:
        allowed = ", ".join(sorted(config_schema()["properties"]))
        message = f"{error.message}; allowed keys: {allowed}"
    raise ConfigError(source, line, f"{key_path}: {message}")


def from_mapping(data: Any, root: Path, source: str | None) -> Config:
    shown = source or "<config>"
    if data is None:
        data = {}
    _validate(data, shown)
    ignore = data.get("ignore", [])
    return Config(
        root=root,
        source=source,
        paths=list(data.get("paths", [])),
        exclude=list(data.get("exclude", [])),
        select=list(data.get("select", [])),
        ignore_rules=[item for item in ignore if isinstance(item, str)],
        suppressions=[item for item in ignore if isinstance(item, dict)],
        fail_on=Severity(data.get("fail_on", Severity.LOW.value)),
        resources={
            glob: full_resource_name(name) or name for glob, name in data.get("resources", {}).items()
        },
        rules=dict(data.get("rules", {})),
        environments=dict(data.get("environments", {})),
        allowed_domains=list(data.get("allowed_domains", [])),
        plugins=list(data.get("plugins", [])),
        disable_plugins=list(data.get("disable_plugins", [])),
        constraints=list(data.get("constraints", [])),
        baseline=data.get("baseline"),
        raw=data,
    )


def read_config(path: Path) -> Config:
    shown = os.path.relpath(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(shown, None, f"cannot read config: {error}") from None
    if path.name == "pyproject.toml":
        try:
            data = tomllib.loads(text).get("tool", {}).get("iamlint", {})
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(shown, None, f"invalid TOML: {error}") from None
        return from_mapping(data, path.parent, shown + " [tool.iamlint]")
    try:
        documents = parse_yaml(shown, text)
    except InputError as error:
        raise ConfigError(error.path, error.line, error.message) from None
    if len(documents) > 1:
        raise ConfigError(shown, None, "expected one YAML document")
    return from_mapping(documents[0] if documents else None, path.parent, shown)


def _has_tool_section(pyproject: Path) -> bool:
    try:
        return "iamlint" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def discover(start: Path | None = None) -> Path | None:
    """The nearest .iamlint.yaml, or pyproject.toml with [tool.iamlint], from ``start`` upwards."""
    directory = (start or Path.cwd()).resolve()
    for candidate in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            if (candidate / name).is_file():
                return candidate / name
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject
    return None


def _nearest_to(path: str) -> Path | None:
    """The nearest config at or above a linted path (for a file, above its directory)."""
    candidate = Path(path)
    return discover(candidate if candidate.is_dir() else candidate.parent)


def load_config(explicit: str | None = None, start: Path | None = None, paths: Sequence[str] = ()) -> Config:
    """The one config of a run (docs/reliability.md, "Which configuration applies").

    ``--config`` if given. Otherwise each path linted gets the nearest config at or above it, or, where
    there is none, the nearest above the current directory (``start``); every path must get the same one,
    so the order of the paths never matters. With no paths, the config above the current directory.
    """
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(explicit, None, "config file not found")
        return dataclasses.replace(read_config(path), found_by="named by --config")
    fallback = discover(start)
    found_by = "the nearest config above the current directory"
    chosen: dict[Path | None, str] = {}
    for linted in sorted(paths):
        own = _nearest_to(linted)
        if own is not None and own not in chosen:
            found_by = f"the nearest config above {linted}"
        chosen.setdefault(own or fallback, linted)
    if len(chosen) > 1:
        listed = "; ".join(
            f"{os.path.relpath(found) if found else 'none (defaults)'} for {linted}"
            for found, linted in sorted(chosen.items(), key=lambda item: str(item[0] or ""))
        )
        raise ConfigError(
            None,
            None,
            f"the paths have different configs ({listed}): lint them in separate runs, or name one "
            "with --config",
        )
    found = next(iter(chosen)) if chosen else fallback
    if found is None:
        return Config(root=(start or Path.cwd()).resolve(), found_by="none found: defaults")
    return dataclasses.replace(read_config(found), found_by=found_by)
