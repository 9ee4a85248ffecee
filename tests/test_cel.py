"""The CEL sanity checker behind IAM006: parse errors with columns, unknown functions, expired times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamlint import cel

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        'resource.name.startsWith("projects/_/buckets/acme-")',
        'request.time < timestamp("2030-01-01T00:00:00.000Z") && resource.type == "storage.googleapis.com/Bucket"',
        'resource.name.extract("/databases/{name}/") in ["orders", "payments"]',
        "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(['roles/run.invoker'])",
        'request.time.getHours("Europe/Berlin") >= 9 && request.time.getDayOfWeek("Europe/Berlin") < 5',
        "resource.matchTag('123/env', 'prod') || !resource.hasTagKey('123/env')",
        '{"a": [1, 2.5, -3]}["a"].size() == 3 ? true : false',
        "r'raw\\d' == b\"bytes\" // a trailing comment",
        '"""triple "quoted" string""" != \'\'',
    ],
)
def test_valid_expressions_parse_cleanly(expression: str) -> None:
    tree = cel.parse(expression)
    assert cel.unknown_functions(tree) == []
    assert cel.invalid_timestamps(tree) == []


@pytest.mark.parametrize(
    ("expression", "message", "column"),
    [
        ('(resource.name == "x"', "expected ')' to close '(' from column 1", 22),
        ('resource.name == "x")', "unexpected ')' after a complete expression", 21),
        ('resource.name == "x', "unterminated string", 18),
        ('resource.name = "x"', "use '=='", 15),
        ("a & b", "use '&&'", 3),
        ("a && ", "expected an expression after '&&'", 6),
        ("f(a, b", "expected ')' to close '('", 7),
        ("[1, 2", "expected ']' to close '['", 6),
        ("x.", "expected a field or method name after '.'", 3),
        ("   ", "the expression is empty", 1),
    ],
)
def test_syntax_errors_say_what_and_where(expression: str, message: str, column: int) -> None:
    with pytest.raises(cel.CelSyntaxError) as raised:
        cel.parse(expression)
    assert message in raised.value.message
    assert raised.value.column == column


def test_unknown_functions_globals_and_methods() -> None:
    tree = cel.parse('resource.name.startWith("x") && timestmap("2020-01-01T00:00:00Z") < request.time')
    assert sorted(call.text for call in cel.unknown_functions(tree)) == ["startWith", "timestmap"]


@pytest.mark.parametrize(
    ("expression", "expired"),
    [
        ('request.time < timestamp("2026-01-01T00:00:00Z")', True),
        ('request.time <= timestamp("2026-11-29T11:59:59Z")', True),
        ('timestamp("2026-01-01T00:00:00Z") > request.time', True),
        ('request.time < timestamp("2027-01-01T00:00:00Z")', False),
        ('request.time > timestamp("2020-01-01T00:00:00Z")', False),
        ('resource.type == "x" && request.time < timestamp("2026-01-01T00:00:00+01:00")', True),
        ('resource.type == "x" || request.time < timestamp("2026-01-01T00:00:00Z")', False),
        (
            'request.time < timestamp("2025-01-01T00:00:00Z") || request.time < timestamp("2026-01-01T00:00:00Z")',
            True,
        ),
        ('!(request.time < timestamp("2026-01-01T00:00:00Z"))', False),
    ],
)
def test_time_bounds_that_have_passed(expression: str, expired: bool) -> None:
    assert (cel.expired_time(cel.parse(expression), NOW) is not None) is expired


def test_timestamps_need_rfc3339_with_a_zone() -> None:
    tree = cel.parse('request.time < timestamp("2027-01-01") || request.time < timestamp("soon")')
    assert [node.text for node in cel.invalid_timestamps(tree)] == ["2027-01-01", "soon"]
