"""Reading files: content-based format detection, line numbers, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlint.errors import InputError
from iamlint.loaders.documents import documents_from_text, line_of, read_documents


def test_json_records_the_line_of_every_key_and_item() -> None:
    text = '{\n  "bindings": [\n    {\n      "members": [\n        "user:a@x.example",\n        "user:b@x.example"\n      ],\n      "role": "roles/viewer"\n    }\n  ]\n}\n'
    (document,) = documents_from_text("p.json", text)
    binding = document.data["bindings"][0]
    assert line_of(binding, "role") == 8
    assert line_of(binding["members"], 1) == 6
    assert document.source_format == "json"


def test_yaml_records_lines_and_keeps_timestamps_as_text() -> None:
    text = "# comment\nbindings:\n- members:\n  - user:a@x.example\n  role: roles/viewer\netag: x\nwhen: 2026-01-01\n"
    (document,) = documents_from_text("p.yaml", text)
    assert line_of(document.data["bindings"][0], "role") == 5
    assert line_of(document.data["bindings"][0]["members"], 0) == 4
    assert document.data["when"] == "2026-01-01"


def test_ndjson_is_detected_by_content_whatever_the_file_is_called(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('{"name": "a"}\n{"name": "b"}\n\n{"name": "c"}\n')
    documents = list(read_documents(str(path)))
    assert [d.data["name"] for d in documents] == ["a", "b", "c"]
    assert [d.line for d in documents] == [1, 2, 4]
    assert {d.source_format for d in documents} == {"ndjson"}


def test_a_top_level_list_yields_one_document_per_item() -> None:
    documents = list(documents_from_text("list.json", '[\n  {"a": 1},\n  {"b": 2}\n]\n'))
    assert [d.line for d in documents] == [2, 3]


def test_multi_document_yaml() -> None:
    documents = list(documents_from_text("m.yaml", "a: 1\n---\nb: 2\n---\n"))
    assert [d.data for d in documents] == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize(
    ("content", "line", "fragment"),
    [
        (b'{"bindings": [\n  {"role": "roles/viewer",\n', 3, "invalid JSON"),
        (b"bindings:\n\t- role: x\n", 2, "invalid YAML"),
        (b'{"a": 1}\n{"a": \n', 2, "NDJSON"),
    ],
)
def test_syntax_errors_name_the_line(tmp_path: Path, content: bytes, line: int, fragment: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        list(read_documents(str(path)))
    assert caught.value.line == line
    assert fragment in caught.value.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\xff\xfe{\x00", "binary file"),
    ],
)
def test_unreadable_files_are_errors(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError, match=fragment):
        list(read_documents(str(path)))
