"""A small sanity checker for the CEL expressions of IAM conditions (used by IAM006).

It is not a CEL evaluator. It answers three questions a policy author gets wrong in practice:

1. *Does the expression parse?* A tokenizer and a recursive-descent parser follow the CEL grammar
   (ternary, ``||``, ``&&``, relations incl. ``in``, arithmetic, unary ``!``/``-``, member selection,
   calls, indexing, list and map literals; string literals with ``r``/``b`` prefixes and triple quotes;
   ``//`` comments). Unbalanced parentheses or brackets, unterminated strings, a lone ``=``/``&``/``|`` and
   dangling operators are reported with their column.
2. *Does it call only functions IAM conditions know?* :data:`GLOBAL_FUNCTIONS` and
   :data:`METHOD_FUNCTIONS` list the CEL standard functions and macros plus the IAM-specific ones
   (``resource.name.extract()``, ``resource.matchTag()``, ``api.getAttribute()``, ``.hasOnly()`` ...).
   A misspelt name (``startWith``, ``timestmap``) fails at ``setIamPolicy`` time or, worse, at access
   time; here it is reported.
3. *Can it still be true?* A comparison ``request.time < timestamp("T")`` (or ``<=``, or mirrored ``T >
   request.time``) with ``T`` at or before ``now`` is false forever. If such a comparison is required for
   the whole expression (it sits in a chain of ``&&``, or on every side of an ``||``) the binding grants
   nothing any more. Timestamp literals that are not RFC 3339 with a time zone are reported too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

GLOBAL_FUNCTIONS = frozenset(
    {
        # CEL standard library and macros
        "bool", "bytes", "double", "duration", "dyn", "has", "int", "matches", "size", "string",
        "timestamp", "type", "uint",
        # Access Context Manager / IAM helpers usable in conditions
        "inIpRange",
    }
)  # fmt: skip

METHOD_FUNCTIONS = frozenset(
    {
        # CEL standard library and macros
        "all", "contains", "endsWith", "exists", "exists_one", "filter", "map", "matches", "size",
        "startsWith", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getFullYear",
        "getHours", "getMilliseconds", "getMinutes", "getMonth", "getSeconds",
        # IAM conditions
        "extract", "getAttribute", "hasOnly", "hasTagKey", "hasTagKeyId", "matchTag", "matchTagId",
    }
)  # fmt: skip


class CelSyntaxError(ValueError):
    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ident, number, string, op, end
    text: str
    column: int  # 1-based
    value: str = ""  # decoded text of string literals


@dataclass(frozen=True, slots=True)
class Node:
    """``kind``: ident, literal, string, select, call, index, unary, binary, ternary, list, map."""

    kind: str
    text: str
    column: int
    children: tuple[Node, ...] = ()
    # A call's receiver is children[0] when ``method`` is true.
    method: bool = False


_OPERATORS = ("&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",",
              "(", ")", "[", "]", "{", "}")  # fmt: skip
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+u?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?u?")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_START = re.compile(r"(?:[rR][bB]?|[bB][rR]?)?(?:'''|\"\"\"|'|\")")


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    index = 0
    length = len(expression)
    while index < length:
        char = expression[index]
        column = index + 1
        if char.isspace():
            index += 1
            continue
        if expression.startswith("//", index):
            newline = expression.find("\n", index)
            index = length if newline < 0 else newline
            continue
        string = _STRING_START.match(expression, index)
        if string:
            index = _string_end(expression, string, tokens)
            continue
        number = _NUMBER.match(expression, index)
        if number and (char.isdigit() or (char == "." and number.end() > index + 1)):
            tokens.append(Token("number", number.group(), column))
            index = number.end()
            continue
        ident = _IDENT.match(expression, index)
        if ident:
            tokens.append(Token("ident", ident.group(), column))
            index = ident.end()
            continue
        operator = next((op for op in _OPERATORS if expression.startswith(op, index)), None)
        if operator is None:
            hint = {"=": "; use '==' to compare", "&": "; use '&&'", "|": "; use '||'"}.get(char, "")
            raise CelSyntaxError(f"unexpected character {char!r}{hint}", column)
        tokens.append(Token("op", operator, column))
        index += len(operator)
    tokens.append(Token("end", "", length + 1))
    return tokens


def _string_end(expression: str, start: re.Match[str], tokens: list[Token]) -> int:
    prefix = start.group()
    quote = prefix.lstrip("rRbB")
    raw = "r" in prefix.lower().replace(quote, "")
    index = start.end()
    value: list[str] = []
    while index < len(expression):
        if expression.startswith(quote, index):
            text = expression[start.start() : index + len(quote)]
            tokens.append(Token("string", text, start.start() + 1, "".join(value)))
            return index + len(quote)
        char = expression[index]
        if char == "\n" and len(quote) == 1:
            break
        if char == "\\" and not raw and index + 1 < len(expression):
            value.append(expression[index + 1])
            index += 2
            continue
        value.append(char)
        index += 1
    raise CelSyntaxError(f"unterminated string starting with {quote}", start.start() + 1)


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def at(self, *ops: str) -> bool:
        token = self.current
        return (token.kind == "op" and token.text in ops) or (token.kind == "ident" and token.text in ops)

    def advance(self) -> Token:
        token = self.current
        self.position += 1
        return token

    def found(self) -> str:
        return repr(self.current.text) if self.current.text else "the end of the expression"

    def expect(self, op: str, opened: Token | None = None) -> Token:
        if not self.at(op):
            found = self.found()
            what = (
                f"expected {op!r} to close {opened.text!r} from column {opened.column}"
                if opened
                else (f"expected {op!r}")
            )
            raise CelSyntaxError(f"{what}, found {found}", self.current.column)
        return self.advance()

    def parse(self) -> Node:
        node = self.expression()
        if self.current.kind != "end":
            token = self.current
            extra = " (unbalanced parentheses?)" if token.text in (")", "]", "}") else ""
            raise CelSyntaxError(
                f"unexpected {token.text!r} after a complete expression{extra}", token.column
            )
        return node

    def expression(self) -> Node:
        condition = self.binary(0)
        if self.at("?"):
            token = self.advance()
            then = self.binary(0)
            self.expect(":")
            otherwise = self.expression()
            return Node("ternary", "?", token.column, (condition, then, otherwise))
        return condition

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("==", "!=", "<", "<=", ">", ">=", "in"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.at(*self._LEVELS[level]):
            token = self.advance()
            if self.current.kind == "end":
                raise CelSyntaxError(f"expected an expression after {token.text!r}", self.current.column)
            right = self.binary(level + 1)
            left = Node("binary", token.text, token.column, (left, right))
        return left

    def unary(self) -> Node:
        if self.at("!", "-"):
            token = self.advance()
            return Node("unary", token.text, token.column, (self.unary(),))
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.advance()
                name = self.current
                if name.kind != "ident":
                    raise CelSyntaxError(
                        f"expected a field or method name after '.', found {self.found()}", name.column
                    )
                self.advance()
                if self.at("("):
                    opened = self.advance()
                    args = self.arguments(")", opened)
                    node = Node("call", name.text, name.column, (node, *args), method=True)
                else:
                    node = Node("select", name.text, name.column, (node,))
            elif self.at("["):
                opened = self.advance()
                index = self.expression()
                self.expect("]", opened)
                node = Node("index", "[", opened.column, (node, index))
            else:
                return node

    def arguments(self, closing: str, opened: Token) -> list[Node]:
        args: list[Node] = []
        while not self.at(closing):
            if self.current.kind == "end":
                self.expect(closing, opened)
            args.append(self.expression())
            if not self.at(","):
                break
            self.advance()
        self.expect(closing, opened)
        return args

    def primary(self) -> Node:
        token = self.current
        if token.kind == "ident" and token.text != "in":
            self.advance()
            if self.at("("):
                opened = self.advance()
                return Node("call", token.text, token.column, tuple(self.arguments(")", opened)))
            kind = "literal" if token.text in ("true", "false", "null") else "ident"
            return Node(kind, token.text, token.column)
        if token.kind == "number":
            self.advance()
            return Node("literal", token.text, token.column)
        if token.kind == "string":
            self.advance()
            return Node("string", token.value, token.column)
        if self.at("("):
            opened = self.advance()
            inner = self.expression()
            self.expect(")", opened)
            return inner
        if self.at("["):
            opened = self.advance()
            return Node("list", "[", opened.column, tuple(self.arguments("]", opened)))
        if self.at("{"):
            opened = self.advance()
            entries: list[Node] = []
            while not self.at("}"):
                key = self.expression()
                self.expect(":")
                entries.extend((key, self.expression()))
                if not self.at(","):
                    break
                self.advance()
            self.expect("}", opened)
            return Node("map", "{", opened.column, tuple(entries))
        raise CelSyntaxError(f"expected a value, found {self.found()}", token.column)


def parse(expression: str) -> Node:
    """The syntax tree of ``expression``; raises :class:`CelSyntaxError`."""
    if not expression.strip():
        raise CelSyntaxError("the expression is empty", 1)
    return _Parser(tokenize(expression)).parse()


def walk(node: Node) -> list[Node]:
    found = [node]
    for child in node.children:
        found.extend(walk(child))
    return found


def unknown_functions(node: Node) -> list[Node]:
    """Calls of functions that CEL in IAM conditions does not define."""
    return [
        call
        for call in walk(node)
        if call.kind == "call" and call.text not in (METHOD_FUNCTIONS if call.method else GLOBAL_FUNCTIONS)
    ]


def timestamp_value(text: str) -> datetime | None:
    """An RFC 3339 timestamp with a time zone, or None."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _timestamp_literal(node: Node) -> Node | None:
    if node.kind == "call" and node.text == "timestamp" and not node.method and len(node.children) == 1:
        argument = node.children[0]
        return argument if argument.kind == "string" else None
    return None


def invalid_timestamps(node: Node) -> list[Node]:
    """``timestamp("...")`` literals that IAM would reject when evaluating the condition."""
    return [
        literal
        for call in walk(node)
        if (literal := _timestamp_literal(call)) is not None and timestamp_value(literal.text) is None
    ]


def _is_request_time(node: Node) -> bool:
    return (
        node.kind == "select"
        and node.text == "time"
        and node.children[0].kind == "ident"
        and node.children[0].text == "request"
    )


# request.time OP T is false forever once T has passed: (op, mirrored op when written T OP request.time)
_UPPER_BOUNDS = {"<": "<", "<=": "<=", ">": "<", ">=": "<="}


def _expired_comparison(node: Node, now: datetime) -> str | None:
    if node.kind != "binary" or node.text not in _UPPER_BOUNDS:
        return None
    left, right = node.children
    if _is_request_time(left) and node.text in ("<", "<="):
        bound, op = _timestamp_literal(right), node.text
    elif _is_request_time(right) and node.text in (">", ">="):
        bound, op = _timestamp_literal(left), _UPPER_BOUNDS[node.text]
    else:
        return None
    value = timestamp_value(bound.text) if bound else None
    if bound is None or value is None:
        return None
    expired = value <= now if op == "<" else value < now
    return f"request.time {op} {bound.text}" if expired else None


def expired_time(node: Node, now: datetime) -> str | None:
    """The time bound that makes ``node`` false at ``now`` and forever after, or None."""
    if node.kind == "binary" and node.text == "&&":
        return expired_time(node.children[0], now) or expired_time(node.children[1], now)
    if node.kind == "binary" and node.text == "||":
        left, right = (expired_time(child, now) for child in node.children)
        return f"{left} and {right}" if left and right else None
    return _expired_comparison(node, now)
