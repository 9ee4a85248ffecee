"""`iamlint check examples/` shows the catalogue: every rule that is on by default fires on the example shop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iamlint.cli import main
from iamlint.plugins import load_plugins

EXAMPLES = Path(__file__).parent.parent.parent / "examples"


def test_examples_fire_every_default_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(EXAMPLES)
    assert main(["check", "--format", "json", "."]) == 1
    report = json.loads(capsys.readouterr().out)
    fired = {finding["rule"] for finding in report["findings"]}
    expected = {rule.id for rule in load_plugins().rules if rule.default_enabled and rule.pack == "builtin"}
    assert expected - fired == set()
    # The public shop front is allowed in .iamlint.yaml; the admin API is not.
    public = [f["resource"] for f in report["findings"] if f["rule"] == "RUN001"]
    assert public == [
        "//run.googleapis.com/projects/acme-shop-prod/locations/europe-west1/services/admin-api"
    ]
