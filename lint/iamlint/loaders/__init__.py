"""Format detection and dispatch: every document is claimed by exactly one loader or reported.

A loader parses; it never decides anything about risk. Loaders are plugged in through the
``iamlint_loaders`` hook, the built-in ones included.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from iamlint.errors import InputError
from iamlint.loaders.documents import Document, NdjsonLine
from iamlint.model import Fact, Notice, SourceLocation

# On the command line: one document read from standard input.
STDIN = "-"
WALKED_SUFFIXES = (".json", ".yaml", ".yml", ".ndjson", ".jsonl")
_SKIPPED_DIRS = {".git", ".terraform", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


@dataclass
class LoadContext:
    """What loaders may know beyond the document: where bare policies are set, and the display root."""

    # path (as displayed) -> full resource name, for policies that do not name their resource
    resource_for_path: Callable[[str], str | None] = lambda _path: None
    changed_only: bool = False
    options: Mapping[str, object] = field(default_factory=dict)


class Loader(Protocol):
    """One input format. ``claims`` looks at a parsed document; ``load`` turns it into facts."""

    name: str
    description: str

    def claims(self, document: Document) -> bool: ...

    def load(self, document: Document, context: LoadContext) -> Iterator[Fact]: ...


@runtime_checkable
class LineLoader(Protocol):
    """A loader that can also map an NDJSON line straight from its bytes, skipping the general parse and
    the ``claims`` round (an org export has millions of lines). It returns None for a line it does not
    take whole; that line is then parsed and dispatched like any document, so errors read the same."""

    def load_line(self, line: NdjsonLine, context: LoadContext) -> list[Fact] | None: ...


EXPECTED = (
    "expected a gcloud get-iam-policy document, a Cloud Run service or job (Knative YAML or Admin API v2 "
    "JSON), Cloud Asset Inventory assets, or a Terraform plan (terraform show -json)"
)


def describe(document: Document) -> str:
    data = document.data
    if isinstance(data, dict):
        if not data:
            return "found an empty mapping"
        return f"found a mapping with keys {', '.join(sorted(map(str, data))[:6])}"
    return f"found a {type(data).__name__}"


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def expand_paths(paths: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """(file, named explicitly) for each file argument and each candidate file under each directory;
    ``-`` (standard input) is passed on as it is."""
    for raw in paths:
        path = Path(raw)
        if raw == STDIN:
            yield STDIN, True
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                # Hidden files are tool configs (.iamlint.yaml, .pre-commit-config.yaml, .gitlab-ci.yml),
                # never inputs; naming one explicitly still lints it.
                dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if name.lower().endswith(WALKED_SUFFIXES) and not name.startswith("."):
                        yield display_path(Path(root) / name), False
        elif path.exists():
            yield display_path(path), True
        else:
            raise InputError(raw, None, "no such file or directory")


def claiming_loader(document: Document, loaders: Sequence[Loader]) -> Loader | None:
    """The first loader that claims the document (built-in loaders come first), or None."""
    return next((candidate for candidate in loaders if candidate.claims(document)), None)


def load_documents(
    documents: Iterable[Document | NdjsonLine],
    loaders: Sequence[Loader],
    context: LoadContext,
    *,
    explicit: bool = True,
) -> Iterator[Fact]:
    """Facts of documents from one file; an unclaimed document is an error or, when walked, a notice."""
    line_loaders = [loader.load_line for loader in loaders if isinstance(loader, LineLoader)]
    for entry in documents:
        if isinstance(entry, NdjsonLine):
            # Inline rather than a helper: an org export has a million lines.
            for load_line in line_loaders:
                facts = load_line(entry, context)
                if facts is not None:
                    break
            else:
                facts = None
            if facts is not None:
                yield from facts
                continue
            document = entry.document()
        else:
            document = entry
        loader = claiming_loader(document, loaders)
        if loader is None:
            if explicit:
                raise InputError(
                    document.path,
                    document.line,
                    f"not a recognised document: {EXPECTED}; {describe(document)}",
                )
            yield Notice(
                f"skipped: not an IAM policy, Cloud Run spec, asset or plan ({describe(document)})",
                SourceLocation(document.path, document.line),
            )
            return
        yield from loader.load(document, context)
