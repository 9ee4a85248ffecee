"""The plugin manager: built-in loaders/reporters, rule packs from entry points and from the config."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pluggy

from iamlint import hookspecs
from iamlint.errors import ConfigError
from iamlint.loaders import Loader
from iamlint.report import Reporter
from iamlint.rule import Rule

ENTRY_POINT_GROUP = "iamlint.rules"


@dataclass(frozen=True)
class Plugins:
    rules: Sequence[Rule]
    loaders: Sequence[Loader]
    reporters: Sequence[Reporter]
    packs: dict[str, str]  # plugin name -> "distribution version" or module path

    def rule(self, key: str) -> Rule | None:
        """A rule by id (case-insensitive) or by name."""
        wanted = key.lower()
        return next((r for r in self.rules if r.id.lower() == wanted or r.name == wanted), None)

    def reporter(self, name: str) -> Reporter | None:
        return next((r for r in self.reporters if r.name == name), None)

    def pack_label(self, rule: Rule) -> str:
        """The pack a rule came from as `iamlint rules` shows it: ``builtin (iamlint 0.1.0)`` for an
        installed distribution, the file for a ``plugins:`` module, the config for a constraint."""
        origin = self.packs.get(rule.pack)
        return f"{rule.pack} ({origin})" if origin and origin != rule.pack else rule.pack


def _local_module(path: Path) -> ModuleType:
    module_name = f"iamlint_local_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(str(path), None, "plugins: cannot import this file as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # a user's plugin may fail in any way; say where
        raise ConfigError(
            str(path), None, f"plugins: importing failed: {type(error).__name__}: {error}"
        ) from None
    return module


def local_plugin_name(path: Path) -> str:
    """A ``plugins:`` file's pack name: its path relative to the working directory where it lies below."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def names_local_plugin(path: Path, entry: str) -> bool:
    """``--disable-plugin`` names a file as the config does (ci/iam_rules.py), by its full path or stem."""
    wanted = entry.removeprefix("./")
    posix = path.resolve().as_posix()
    return posix == wanted or posix.endswith("/" + wanted) or path.stem == wanted


def load_plugins(local_plugins: Sequence[Path] = (), disabled: Sequence[str] = ()) -> Plugins:
    manager = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    from iamlint import builtin

    manager.register(builtin, name="iamlint")
    for name in disabled:
        if name == hookspecs.PROJECT_NAME:
            # The core's loaders and reporters are registered under this name; without them nothing runs.
            raise ConfigError(
                None, None, "the core cannot be disabled; disable 'builtin' to turn off the built-in rules"
            )
        manager.set_blocked(name)
    manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    packs = {
        manager.get_name(plugin) or "": f"{dist.project_name} {dist.version}"
        for plugin, dist in manager.list_plugin_distinfo()
    }
    for path in local_plugins:
        if not path.is_file():
            raise ConfigError(str(path), None, "plugins: no such file")
        name = local_plugin_name(path)
        if not any(names_local_plugin(path, entry) for entry in disabled):
            manager.register(_local_module(path), name=name)
            packs[name] = name
    return Plugins(
        rules=_collect_rules(manager),
        loaders=[loader for impl in manager.hook.iamlint_loaders() for loader in impl],
        reporters=[reporter for impl in manager.hook.iamlint_reporters() for reporter in impl],
        packs=packs,
    )


def _collect_rules(manager: pluggy.PluginManager) -> list[Rule]:
    rules: dict[str, Rule] = {}
    # Hook implementations are called one by one so that each rule knows the pack it came from.
    for impl in reversed(manager.hook.iamlint_rules.get_hookimpls()):
        provided = impl.function() or ()
        if not isinstance(provided, list | tuple):
            raise ConfigError(impl.plugin_name, None, "iamlint_rules must return a list of rules")
        for rule in provided:
            if not isinstance(rule, Rule):
                raise ConfigError(impl.plugin_name, None, f"iamlint_rules returned {rule!r}, not a Rule")
            if rule.id in rules:
                other = rules[rule.id]
                raise ConfigError(
                    impl.plugin_name, None, f"rule id {rule.id} is already provided by {other.pack}"
                )
            rule.pack = impl.plugin_name
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: _rule_sort_key(r.id))


def _rule_sort_key(rule_id: str) -> tuple[str, int, str]:
    prefix = rule_id.rstrip("0123456789")
    number = rule_id[len(prefix) :]
    return (prefix, int(number) if number else 0, rule_id)
