"""Reading files into documents: JSON, NDJSON and YAML, with the line every mapping and value came from.

Format is decided by content, never by file name. NDJSON is streamed line by line so that an org-wide
export is never held in memory whole.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, TypeVar

import msgspec
import yaml

from iamlint.errors import InputError


class LineDict(dict[str, Any]):
    """A mapping that remembers the line it starts on and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}


class LineList(list[Any]):
    """A sequence that remembers the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int | None = None) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int | None] = []


def line_of(node: object, key: str | int | None = None) -> int | None:
    """The line of ``node[key]`` (or of ``node`` itself) where the parser recorded one."""
    if isinstance(node, LineDict):
        if isinstance(key, str) and key in node.key_lines:
            return node.key_lines[key]
        return node.line
    if isinstance(node, LineList):
        if isinstance(key, int) and 0 <= key < len(node.item_lines):
            return node.item_lines[key]
        return node.line
    return None


class Document(msgspec.Struct, frozen=True):
    """One top-level value: a YAML document, a JSON value, one NDJSON line, or one item of a list."""

    path: str
    data: Any
    line: int | None
    # The text of the file where it was read whole (YAML/JSON), for inline suppression comments.
    source_format: str  # "json" | "yaml" | "ndjson"

    def line_of(self, node: object, key: str | int | None = None) -> int | None:
        return line_of(node, key) or self.line


# --- JSON with positions ----------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_CONSTANTS = {"true": True, "false": False, "null": None}
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


class _PositionedJson:
    """A small recursive-descent JSON parser that records lines; used for files a person edits."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, index: int) -> int:
        from bisect import bisect_left

        return bisect_left(self.newlines, index) + 1

    def parse(self) -> Any:
        value, end = self.value(_WS.match(self.text, 0).end())  # type: ignore[union-attr]
        end = _WS.match(self.text, end).end()  # type: ignore[union-attr]
        if end != len(self.text):
            raise json.JSONDecodeError("Extra data", self.text, end)
        return value

    def value(self, index: int) -> tuple[Any, int]:
        text = self.text
        if index >= len(text):
            raise json.JSONDecodeError("Expecting value", text, index)
        char = text[index]
        if char == "{":
            return self.object(index)
        if char == "[":
            return self.array(index)
        if char == '"':
            result: tuple[str, int] = _scanstring(text, index + 1, True)
            return result
        for word, constant in _CONSTANTS.items():
            if text.startswith(word, index):
                return constant, index + len(word)
        match = _NUMBER.match(text, index)
        if match:
            number = match.group()
            return (float(number) if any(c in number for c in ".eE") else int(number)), match.end()
        raise json.JSONDecodeError("Expecting value", text, index)

    def object(self, index: int) -> tuple[LineDict, int]:
        text = self.text
        result = LineDict(self.line(index))
        index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", index):
            return result, index + 1
        while True:
            if not text.startswith('"', index):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, index)
            key_line = self.line(index)
            key, index = _scanstring(text, index + 1, True)
            index = _WS.match(text, index).end()  # type: ignore[union-attr]
            if not text.startswith(":", index):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, index)
            index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
            value, index = self.value(index)
            result[key] = value
            result.key_lines[key] = key_line
            index = _WS.match(text, index).end()  # type: ignore[union-attr]
            if text.startswith("}", index):
                return result, index + 1
            if not text.startswith(",", index):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
            index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]

    def array(self, index: int) -> tuple[LineList, int]:
        text = self.text
        result = LineList(self.line(index))
        index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", index):
            return result, index + 1
        while True:
            result.item_lines.append(self.line(index))
            value, index = self.value(index)
            result.append(value)
            index = _WS.match(text, index).end()  # type: ignore[union-attr]
            if text.startswith("]", index):
                return result, index + 1
            if not text.startswith(",", index):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, index)
            index = _WS.match(text, index + 1).end()  # type: ignore[union-attr]


# Past this size a JSON file is parsed by the C decoder: speed matters more than per-key lines there.
POSITIONED_JSON_LIMIT = 8 * 1024 * 1024


def parse_json(path: str, text: str) -> Any:
    try:
        if len(text) > POSITIONED_JSON_LIMIT:
            return json.loads(text)
        return _PositionedJson(text).parse()
    except json.JSONDecodeError as error:
        raise InputError(path, error.lineno, f"invalid JSON: {error.msg} (column {error.colno})") from None
    except RecursionError:
        raise InputError(path, None, "invalid JSON: nested too deeply") from None


# --- YAML with positions ----------------------------------------------------------------------------

_YamlBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_YamlBase):  # type: ignore[misc, valid-type]
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict(node.start_mark.line + 1)
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(node.start_mark.line + 1)
    for item in node.value:
        result.append(loader.construct_object(item, deep=True))
        result.item_lines.append(item.start_mark.line + 1)
    return result


def _construct_timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # gcloud prints RFC 3339 times; rules compare strings, and a datetime would not survive JSON output.
    return str(loader.construct_scalar(node))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def parse_yaml(path: str, text: str) -> list[Any]:
    try:
        return list(yaml.load_all(text, Loader=_LineLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        problem = error.problem or error.context or "cannot be parsed"
        raise InputError(path, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise InputError(path, None, f"invalid YAML: {error}") from None


# --- files ------------------------------------------------------------------------------------------

_HEAD = 64 * 1024


def _check_text(path: str, head: bytes) -> None:
    if b"\x00" in head:
        raise InputError(path, None, "binary file: expected a JSON, NDJSON or YAML text document")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is not an error.
        if error.start < len(head) - 4:
            raise InputError(path, None, "not UTF-8 text: expected a JSON, NDJSON or YAML document") from None


def _looks_like_ndjson(head: str) -> bool:
    lines = [line for line in head.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
        return False
    try:
        json.loads(lines[0])
    except json.JSONDecodeError:
        return False
    return True


T = TypeVar("T")


# What a msgspec decoder raises for text it cannot take (bad JSON, the wrong shape, bad UTF-8 in a string).
DECODE_ERRORS = (msgspec.MsgspecError, UnicodeDecodeError)


def decoded(decode: Callable[[bytes], T], text: bytes) -> T | None:
    """``decode(text)`` with a typed msgspec decoder, or None where the text does not have that shape: the
    caller then reads it the checked way, whose errors say what is wrong and where."""
    try:
        return decode(text)
    except DECODE_ERRORS:
        return None


class NdjsonLine(msgspec.Struct, frozen=True, gc=False):
    """One line of an NDJSON file, not yet parsed: loaders that map raw lines faster than the general
    parse (an org export has millions of lines) read it as it is; the others get :meth:`document`."""

    path: str
    number: int
    raw: bytes

    def document(self) -> Document:
        return _ndjson_document(self.path, self.number, self.raw)


def parsed(entries: Iterable[Document | NdjsonLine]) -> Iterator[Document]:
    """Documents, NDJSON lines among them parsed."""
    for entry in entries:
        yield entry.document() if isinstance(entry, NdjsonLine) else entry


def read_documents(path: str, display_path: str | None = None) -> Iterator[Document]:
    """Yield the documents of one file; raise InputError for anything that is not readable text."""
    return parsed(read_entries(path, display_path))


def read_entries(path: str, display_path: str | None = None) -> Iterator[Document | NdjsonLine]:
    """The documents of one file, NDJSON lines left unparsed; raise InputError for anything that is not
    readable text."""
    shown = display_path or path
    try:
        # A large buffer: an org export is hundreds of MB read line by line, 8 KB a system call by default.
        handle: IO[bytes] = open(path, "rb", buffering=1 << 20)  # noqa: SIM115 - closed by stream_entries
    except OSError as error:
        raise InputError(shown, None, f"cannot read: {error.strerror}") from None
    yield from stream_entries(shown, handle)


def stream_entries(shown: str, handle: IO[bytes]) -> Iterator[Document | NdjsonLine]:
    """The documents of an open, seekable binary stream (a file, or standard input read into memory),
    which is closed once read; ``shown`` names it in messages and locations."""
    try:
        head = handle.read(_HEAD)
        _check_text(shown, head)
        head_text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
        if not head_text.strip():
            raise InputError(shown, None, "empty file: expected a JSON, NDJSON or YAML document")
        if _looks_like_ndjson(head_text):
            handle.seek(0)
            yield from _ndjson_lines(shown, handle)
            return
        rest = handle.read()
        _check_text(shown, rest[:_HEAD])
        try:
            text = (head + rest).decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            raise InputError(
                shown, None, "not UTF-8 text: expected a JSON, NDJSON or YAML document"
            ) from None
    finally:
        handle.close()
    yield from entries_from_text(shown, text)


class Stdin:
    """Standard input as one input file (``-`` on the command line), read once. ``name`` (``<stdin>``, or
    ``--stdin-filename``) stands for it in messages and locations; its text is kept for inline comments."""

    def __init__(self, name: str = "<stdin>") -> None:
        self.name = name
        self.text: str | None = None

    def entries(self) -> Iterator[Document | NdjsonLine]:
        data = sys.stdin.buffer.read()
        self.text = data.decode("utf-8", errors="replace")
        return stream_entries(self.name, io.BytesIO(data))


def documents_from_text(path: str, text: str) -> Iterator[Document]:
    """Documents of an in-memory text (used for files and for rule examples alike)."""
    return parsed(entries_from_text(path, text))


def entries_from_text(path: str, text: str) -> Iterator[Document | NdjsonLine]:
    """Documents of an in-memory text, NDJSON lines left unparsed as when read from a file."""
    stripped = text.lstrip()
    if _looks_like_ndjson(text):
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield NdjsonLine(path, number, line.encode("utf-8"))
        return
    if stripped.startswith(("{", "[")):
        yield from _split(path, parse_json(path, text), "json")
        return
    for data in parse_yaml(path, text):
        if data is None:
            continue
        yield from _split(path, data, "yaml")


def _split(path: str, data: Any, source_format: str) -> Iterator[Document]:
    """A top-level list (``gcloud ... list --format=json``) holds one document per item."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield Document(path, item, line_of(data, index), source_format)
    else:
        yield Document(path, data, line_of(data) or 1, source_format)


# Any JSON value, as json.loads would give it (where msgspec accepts the text).
decode_json = msgspec.json.Decoder().decode


def _ndjson_document(path: str, number: int, line: str | bytes) -> Document:
    try:
        # msgspec's decoder is several times faster than json's and gives the same values.
        data = decode_json(line)
    except DECODE_ERRORS:
        # Also what msgspec rejects and json takes (NaN, numbers out of range): json has the last word.
        data = _json_line(path, number, line)
    return Document(path, data, number, "ndjson")


def _json_line(path: str, number: int, line: str | bytes) -> Any:
    """The line as the json module reads it; its errors say what is wrong in words a person knows."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
    except UnicodeDecodeError:
        raise InputError(path, number, "not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(path, number, f"invalid JSON on this line of an NDJSON file: {error.msg}") from None


def _ndjson_lines(path: str, handle: IO[bytes]) -> Iterator[NdjsonLine]:
    for number, raw in enumerate(handle, start=1):
        if not raw.isspace():  # no copy of each line, as strip() would make
            yield NdjsonLine(path, number, raw)
