"""Suppressions: config ``ignore:`` waivers (reason, owner, expiry), inline comments, and baselines.

Every suppression carries a reason. A suppressed finding is not dropped: it moves to the report's
``suppressed`` list with ``suppressed_by`` saying which waiver and why, so ``--no-suppress`` can show it.
Order: an inline comment (the most specific) wins over a config waiver, which wins over the baseline.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from iamlint import __version__
from iamlint.atomic import write_text
from iamlint.config import Config
from iamlint.errors import ConfigError, InputError
from iamlint.findings import Finding
from iamlint.loaders.documents import line_of
from iamlint.model import replace
from iamlint.rule import Rule
from iamlint.workspace import StableFingerprints, rebased

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".iamlint-baseline.json"


def _rule_matches(selector: str, finding: Finding) -> bool:
    return selector.strip().upper() == finding.rule.upper() or selector.strip() == finding.name


# --- config waivers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiver:
    """One mapping under the config's ``ignore:``."""

    rule: str
    reason: str
    resource: str | None = None
    principal: str | None = None
    role: str | None = None
    path: str | None = None
    owner: str | None = None
    expires: date | None = None
    where: str = "config"  # "file:line" of the entry, for messages

    def matches(self, finding: Finding, config: Config) -> bool:
        if not _rule_matches(self.rule, finding):
            return False
        for glob, value in (
            (self.resource, finding.resource),
            (self.principal, finding.principal),
            (self.role, finding.role),
        ):
            if glob is not None and (value is None or not fnmatch.fnmatchcase(value, glob)):
                return False
        if self.path is not None:
            if not finding.path:
                return False
            relative = config.relative(finding.path)
            if not fnmatch.fnmatchcase(relative, self.path.removeprefix("./")):
                return False
        return True

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def describe(self) -> str:
        scope = [
            f"{key}={value}"
            for key in ("resource", "principal", "role", "path")
            if (value := getattr(self, key))
        ]
        owner = f", owner {self.owner}" if self.owner else ""
        expires = f", expires {self.expires.isoformat()}" if self.expires else ""
        return f"ignore {self.rule}{' ' + ' '.join(scope) if scope else ''} at {self.where}: {self.reason}{owner}{expires}"


def waivers_from(config: Config) -> list[Waiver]:
    """The config's waivers; an impossible date is a config error with the entry's line."""
    ignore = config.raw.get("ignore", []) if isinstance(config.raw, Mapping) else []
    shown = config.source or "<config>"
    waivers = []
    for index, entry in enumerate(ignore):
        if not isinstance(entry, Mapping):
            continue
        line = line_of(ignore, index)
        expires = None
        if entry.get("expires"):
            try:
                expires = date.fromisoformat(str(entry["expires"]))
            except ValueError:
                raise ConfigError(
                    config.source,
                    line_of(entry, "expires") or line,
                    f"ignore.{index}.expires: {entry['expires']!r} is not a date (YYYY-MM-DD)",
                ) from None
        waivers.append(
            Waiver(
                rule=str(entry["rule"]),
                reason=str(entry["reason"]).strip(),
                resource=entry.get("resource"),
                principal=entry.get("principal"),
                role=entry.get("role"),
                path=entry.get("path"),
                owner=entry.get("owner"),
                expires=expires,
                where=f"{shown}:{line}" if line else f"{shown} ignore.{index}",
            )
        )
    return waivers


# --- inline comments -----------------------------------------------------------------------------------

_INLINE = re.compile(r"#\s*iamlint:\s*ignore\[([^\]]*)\]\s*(.*)$")


@dataclass(frozen=True)
class InlineIgnore:
    path: str
    line: int
    rules: tuple[str, ...]
    reason: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def covers(self, finding: Finding) -> bool:
        return any(_rule_matches(rule, finding) for rule in self.rules)


def parse_inline(path: str, lines: Iterable[str]) -> dict[int, tuple[InlineIgnore, bool]]:
    """Line number -> (the comment on it, whether the line holds nothing but the comment)."""
    found: dict[int, tuple[InlineIgnore, bool]] = {}
    for number, line in enumerate(lines, start=1):
        if "iamlint" not in line:
            continue
        match = _INLINE.search(line)
        if match:
            rules = tuple(part.strip() for part in match.group(1).split(",") if part.strip())
            reason = match.group(2).strip().lstrip("-:\u2014 ").strip()
            found[number] = (InlineIgnore(path, number, rules, reason), line.lstrip().startswith("#"))
    return found


class InlineComments:
    """Reads a file only when one of its findings asks, once per file. ``texts`` are inputs that are no
    file to read (standard input), by the name their findings carry."""

    def __init__(self, texts: Mapping[str, str] | None = None) -> None:
        self._files: dict[str, dict[int, tuple[InlineIgnore, bool]]] = {}
        self._texts = texts or {}

    def comments(self, path: str) -> dict[int, tuple[InlineIgnore, bool]]:
        if path not in self._files and path in self._texts:
            self._files[path] = parse_inline(path, self._texts[path].splitlines())
        if path not in self._files:
            # Line by line: an asset export can be far larger than the comments worth finding in it.
            try:
                with open(path, encoding="utf-8", errors="replace") as stream:
                    self._files[path] = parse_inline(path, (line.rstrip("\r\n") for line in stream))
            except OSError:
                self._files[path] = {}
        return self._files[path]

    def for_finding(self, finding: Finding) -> InlineIgnore | None:
        """The comment on the finding's line, or alone on the line above it, that names its rule."""
        if not finding.path or not finding.line:
            return None
        comments = self.comments(finding.path)
        same = comments.get(finding.line)
        if same and same[0].covers(finding):
            return same[0]
        above = comments.get(finding.line - 1)
        if above and above[1] and above[0].covers(finding):
            return above[0]
        return None

    def seen(self) -> Iterable[InlineIgnore]:
        for comments in self._files.values():
            for comment, _ in comments.values():
                yield comment


# --- baselines -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: Mapping[str, Mapping[str, Any]]  # fingerprint (paths relative to the baseline's folder) -> entry

    @property
    def root(self) -> Path:
        return self.path.resolve().parent

    @cached_property
    def _fingerprints(self) -> StableFingerprints:
        # One for the run: the baseline's folder is resolved once, not for every finding asked about.
        return StableFingerprints(self.root)

    def key(self, finding: Finding) -> str:
        """The finding's fingerprint with its path relative to the baseline's folder."""
        return self._fingerprints(finding)


def read_baseline(path: str | Path) -> Baseline:
    file = Path(path)
    shown = str(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            shown, None, "baseline file not found (create it with `iamlint baseline create`)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(shown, None, f"cannot read baseline: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(shown, error.lineno, f"baseline is not valid JSON: {error.msg}") from None
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
        or not all(
            isinstance(item, dict) and isinstance(item.get("fingerprint"), str) for item in data["findings"]
        )
    ):
        raise InputError(
            shown,
            None,
            f'not an iamlint baseline: expected {{"version": {BASELINE_VERSION}, "findings": '
            '[{"fingerprint": "...", ...}]}',
        )
    return Baseline(file, {item["fingerprint"]: item for item in data["findings"]})


def baseline_entry(finding: Finding, root: Path) -> dict[str, Any]:
    moved = rebased(finding, root)
    return {
        "fingerprint": moved.fingerprint,
        "rule": moved.rule,
        "name": moved.name,
        "severity": moved.severity.value,
        "resource": moved.resource,
        "principal": moved.principal,
        "role": moved.role,
        "path": moved.path,
        "message": moved.message,
    }


def baseline_document(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    # No timestamps and no line numbers: re-recording an unchanged project gives an identical file.
    ordered = sorted(
        entries,
        key=lambda e: (e.get("path") or "~", e.get("rule", ""), e.get("resource", ""), e["fingerprint"]),
    )
    return {"version": BASELINE_VERSION, "generator": f"iamlint {__version__}", "findings": ordered}


def write_baseline(path: str | Path, entries: Iterable[Mapping[str, Any]]) -> None:
    write_text(path, json.dumps(baseline_document(entries), indent=2) + "\n")


@dataclass(frozen=True)
class BaselineUpdate:
    kept: int
    pruned: int
    added: int
    not_added: int


def update_baseline(
    path: str | Path, findings: Sequence[Finding], *, add_new: bool = False
) -> BaselineUpdate:
    """Drop the entries no longer found; with ``add_new`` also record today's new findings."""
    baseline = read_baseline(path)
    current = {baseline.key(finding): finding for finding in findings}
    kept = [entry for key, entry in baseline.entries.items() if key in current]
    new = [finding for key, finding in current.items() if key not in baseline.entries]
    added = [baseline_entry(finding, baseline.root) for finding in new] if add_new else []
    write_baseline(path, [*kept, *added])
    return BaselineUpdate(
        len(kept), len(baseline.entries) - len(kept), len(added), 0 if add_new else len(new)
    )


# --- applying them -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuppressOptions:
    baseline: str | None = None  # a file; the config's ``baseline:`` when not given
    use_baseline: bool = True  # off for `baseline create`, which records what the baseline would hide
    no_suppress: bool = False  # show suppressed findings, marked (the exit code still ignores them)
    show_unused: bool = False
    strict: bool = False  # unused suppressions and reasonless inline comments fail the run
    today: date | None = None


@dataclass
class Filtered:
    reported: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    baselined: int = 0
    fixed: int = 0
    strict: bool = False
    show_suppressed: bool = False

    @property
    def strict_failure(self) -> bool:
        return self.strict and bool(self.unused or self.invalid)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def baseline_path(config: Config, options: SuppressOptions) -> str | None:
    if not options.use_baseline:
        return None
    if options.baseline:
        return options.baseline
    return str(config.resolve(config.baseline)) if config.baseline else None


def _did_not_run(selector: str, ran: Sequence[Rule] | None) -> bool:
    """Whether a suppression names a rule that was not run (deselected, ignored, its pack disabled): it
    has nothing to match in this run, which says nothing about whether it is still needed."""
    if ran is None:
        return False
    wanted = selector.strip()
    return not any(wanted.upper() == rule.id.upper() or wanted == rule.name for rule in ran)


def apply_suppressions(
    findings: Sequence[Finding],
    config: Config,
    options: SuppressOptions,
    inputs: Sequence[str] = (),
    ran: Sequence[Rule] | None = None,
    texts: Mapping[str, str] | None = None,
) -> Filtered:
    """Split ``findings`` into reported and suppressed. ``inputs`` (the files linted) are searched for
    inline comments that silence nothing only when unused suppressions are asked for; a suppression of a
    rule not among ``ran`` (the rules that ran, when given) is never called unused."""
    today = options.today or datetime.now(UTC).date()
    waivers = waivers_from(config)
    used: set[int] = set()
    inline = InlineComments(texts)
    used_inline: set[tuple[str, int]] = set()
    invalid_inline: set[tuple[str, int]] = set()
    chosen = baseline_path(config, options)
    baseline = read_baseline(chosen) if chosen else None
    current_keys: set[str] = set()
    result = Filtered(strict=options.strict, show_suppressed=options.no_suppress)

    for finding in findings:
        if baseline is not None:
            current_keys.add(baseline.key(finding))
        comment = inline.for_finding(finding)
        if comment is not None:
            if comment.reason:
                used_inline.add((comment.path, comment.line))
                result.suppressed.append(
                    replace(finding, suppressed_by=f"inline comment at {comment.where}: {comment.reason}")
                )
                continue
            invalid_inline.add((comment.path, comment.line))
        matching = [index for index, waiver in enumerate(waivers) if waiver.matches(finding, config)]
        # A live waiver wins over an expired one for the same finding (a renewed entry next to the old);
        # only the waiver that decided counts as used, so a superseded entry shows up as unused.
        active = next((i for i in matching if not waivers[i].expired(today)), None)
        if active is not None:
            used.add(active)
            described = waivers[active].describe()
            result.suppressed.append(replace(finding, suppressed_by=f"config {described}"))
            continue
        if matching:
            used.add(matching[0])
            lapsed = waivers[matching[0]]
            finding = replace(
                finding,
                message=f"{finding.message} (the waiver for this expired on {lapsed.expires}: {lapsed.where})",
            )
        if baseline is not None and baseline.key(finding) in baseline.entries:
            result.baselined += 1
            result.suppressed.append(replace(finding, suppressed_by=f"baseline {chosen}"))
            continue
        result.reported.append(finding)

    for index, waiver in enumerate(waivers):
        if waiver.expired(today) and index in used:
            result.expired.append(
                f"waiver expired on {waiver.expires}, its findings are reported again: {waiver.describe()}"
            )
        elif index not in used and not _did_not_run(waiver.rule, ran):
            result.unused.append(f"config {waiver.describe()}")
    if options.show_unused or options.strict:
        for path in inputs:
            inline.comments(path)
    for comment in inline.seen():
        key = (comment.path, comment.line)
        if key in invalid_inline or (not comment.reason and key not in used_inline):
            result.invalid.append(f"inline comment at {comment.where} has no reason and suppresses nothing")
        elif key not in used_inline and not any(_did_not_run(rule, ran) for rule in comment.rules):
            result.unused.append(f"inline comment at {comment.where}: ignore[{','.join(comment.rules)}]")
    result.notes.extend(result.expired)
    result.notes.extend(result.invalid)
    if baseline is not None:
        result.fixed = len(set(baseline.entries) - current_keys)
        result.notes.append(f"{_plural(result.baselined, 'finding')} baselined in {chosen}")
        if result.fixed:
            result.notes.append(
                f"{_plural(result.fixed, 'baseline entry', 'baseline entries')} fixed (no longer found); "
                "prune with `iamlint baseline update`"
            )
    if options.show_unused or options.strict:
        result.notes.extend(f"unused suppression: {text}" for text in result.unused)
    if result.strict_failure:
        problems = len(result.unused) + len(result.invalid)
        result.notes.append(f"--strict-suppressions: {_plural(problems, 'suppression')} unused or invalid")
    return result
