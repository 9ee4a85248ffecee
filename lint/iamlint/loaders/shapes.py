"""Typed access to parsed documents: every wrong shape becomes an InputError naming the key path and line."""

from __future__ import annotations

from typing import Any

from iamlint.errors import InputError
from iamlint.loaders.documents import Document, LineList, line_of
from iamlint.model import SourceLocation


class Shape:
    """A cursor over one node of a document that knows how to complain about it precisely."""

    # The key path is only needed for error messages: children keep their parent and key and spell the
    # path out when asked (an org export walks millions of nodes and complains about none).
    __slots__ = ("_key", "_parent", "_path", "document", "node")

    def __init__(
        self,
        document: Document,
        node: Any,
        key_path: str = "",
        *,
        parent: Shape | None = None,
        key: str | int = "",
    ) -> None:
        self.document = document
        self.node = node
        self._path: str | None = None if parent else key_path
        self._parent = parent
        self._key = key

    def _child(self, node: Any, key: str | int) -> Shape:
        return Shape(self.document, node, parent=self, key=key)

    @property
    def key_path(self) -> str:
        if self._path is None:
            assert self._parent is not None
            self._path = self._parent._child_path(self._key)
        return self._path

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.key_path}[{key}]"
        return f"{self.key_path}.{key}" if self.key_path else key

    def line(self, key: str | int | None = None) -> int | None:
        return line_of(self.node, key) or self.document.line

    def location(self, key: str | int | None = None, address: str | None = None) -> SourceLocation:
        # A live scan's documents have no file: the address (the asset's full name) is the location.
        return SourceLocation(self.document.path or None, self.line(key), address)

    def error(self, message: str, key: str | int | None = None) -> InputError:
        where = self._child_path(key) if key is not None else self.key_path
        prefix = f"{where}: " if where else ""
        return InputError(self.document.path, self.line(key), prefix + message)

    def has(self, *keys: str) -> bool:
        return isinstance(self.node, dict) and any(key in self.node for key in keys)

    def raw(self, *keys: str) -> Any:
        """The first present key's value (camelCase and snake_case spellings), or None."""
        if isinstance(self.node, dict):
            for key in keys:
                if key in self.node:
                    return self.node[key]
        return None

    def _present(self, keys: tuple[str, ...]) -> str:
        if isinstance(self.node, dict):
            for key in keys:
                if key in self.node:
                    return key
        return keys[0]

    def mapping(self, *keys: str, required: bool = False) -> Shape:
        node = self.node
        if isinstance(node, dict):
            for key in keys:
                if key in node:
                    if isinstance(node[key], dict):
                        return self._child(node[key], key)
                    break
        key = self._present(keys)
        value = self.raw(*keys)
        if value is None:
            if required:
                raise self.error("missing: expected a mapping", key)
            value = {}
        if not isinstance(value, dict):
            raise self.error(f"expected a mapping, got {_kind(value)}", key)
        return self._child(value, key)

    def items(self, *keys: str) -> list[Shape]:
        key = self._present(keys)
        value = self.raw(*keys)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            holder = self._child(value, key)
            return [holder._child(item, index) for index, item in enumerate(value)]
        if not isinstance(value, list):
            raise self.error(f"expected a list, got {_kind(value)}", key)
        shapes = []
        for index, item in enumerate(value):
            shape = Shape(self.document, value, self._child_path(key))
            if not isinstance(item, dict):
                raise shape.error(f"expected a mapping, got {_kind(item)}", index)
            shapes.append(Shape(self.document, item, shape._child_path(index)))
        return shapes

    def string(self, *keys: str, required: bool = False) -> str | None:
        node = self.node
        if isinstance(node, dict):
            for key in keys:
                if key in node:
                    if isinstance(node[key], str):
                        return str(node[key])
                    break
        key = self._present(keys)
        value = self.raw(*keys)
        if value is None:
            if required:
                raise self.error("missing: expected a string", key)
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(f"expected a string, got {_kind(value)}", key)
        return str(value)

    def strings(self, *keys: str) -> list[tuple[str, int | None]]:
        """A list of strings with the line of each."""
        key = self._present(keys)
        value = self.raw(*keys)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"expected a list of strings, got {_kind(value)}", key)
        if not isinstance(value, LineList) and all(isinstance(item, str) for item in value):
            # No per-item lines (JSON parsed by the C decoder, NDJSON): every item is on the key's line.
            line = self.line(key)
            return [(item, line) for item in value]
        result = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise Shape(self.document, value, self._child_path(key)).error(
                    f"expected a string, got {_kind(item)}", index
                )
            result.append((item, line_of(value, index) or self.line(key)))
        return result

    def integer(self, *keys: str) -> int | None:
        key = self._present(keys)
        value = self.raw(*keys)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | str)
            or not str(value).lstrip("-").isdigit()
        ):
            raise self.error(f"expected an integer, got {_kind(value)}", key)
        return int(value)

    def labels(self, *keys: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.mapping(*keys).node.items()}


class Locations:
    """One SourceLocation per line: values on one line (every NDJSON line, flow-style lists) share it."""

    __slots__ = ("_known", "address", "path")

    def __init__(self, path: str | None, address: str | None = None) -> None:
        self.path = path
        self.address = address
        self._known: dict[int | None, SourceLocation] = {}

    def at(self, line: int | None) -> SourceLocation:
        known = self._known.get(line)
        if known is None:
            known = self._known[line] = SourceLocation(self.path, line, self.address)
        return known


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return f"{type(value).__name__} {value!r}"
