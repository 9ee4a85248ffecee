"""The rule API: what a rule declares and how it reports. Built-in rules and rule packs use it alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from iamlint.findings import Finding, Severity
from iamlint.model import SourceLocation

if TYPE_CHECKING:
    from iamlint.inventory import Inventory

Options = Mapping[str, Any]


class Rule:
    """Subclass, declare the metadata, implement :meth:`check`.

    ``examples_fire`` / ``examples_pass`` map file names to file contents in any input shape iamlint
    reads; ``iamlint explain`` prints them and the test suite proves that the first fires and the second
    does not, so the docs can never drift from the behaviour.
    """

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    rationale: ClassVar[str]
    remediation: ClassVar[str]
    options_schema: ClassVar[Mapping[str, Any]] = {"type": "object", "properties": {}}
    default_enabled: ClassVar[bool] = True
    # Public benchmark controls the rule maps to (CIS Google Cloud Foundations, SCC finding names).
    references: ClassVar[tuple[str, ...]] = ()
    tags: ClassVar[tuple[str, ...]] = ()
    examples_fire: ClassVar[Mapping[str, str]] = {}
    examples_pass: ClassVar[Mapping[str, str]] = {}
    # Set by the plugin manager: the distribution or module the rule came from.
    pack: str = "builtin"

    def check(self, inventory: Inventory, options: Options) -> Iterator[Finding]:
        raise NotImplementedError

    def default_options(self) -> dict[str, Any]:
        properties = self.options_schema.get("properties", {})
        return {key: spec["default"] for key, spec in properties.items() if "default" in spec}

    def finding(
        self,
        message: str,
        *,
        resource: str,
        principal: str | None = None,
        role: str | None = None,
        location: SourceLocation | None = None,
        severity: Severity | None = None,
        detail: str | None = None,
    ) -> Finding:
        # By position, in the order Finding declares its fields: an org export's rules make half a million
        # findings, and matching keywords costs a tenth of each one.
        return Finding(
            self.id,
            self.name,
            severity or self.severity,
            message,
            resource,
            principal,
            role,
            location,
            detail,
        )
