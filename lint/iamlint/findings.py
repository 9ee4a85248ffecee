"""A finding, its severity, and the fingerprint that identifies it across edits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from iamlint.model import SourceLocation


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    # str's own comparisons would order severities alphabetically, so all four are defined by rank.
    def __lt__(self, other: object) -> bool:
        return self.rank < _rank_of(other)

    def __le__(self, other: object) -> bool:
        return self.rank <= _rank_of(other)

    def __gt__(self, other: object) -> bool:
        return self.rank > _rank_of(other)

    def __ge__(self, other: object) -> bool:
        return self.rank >= _rank_of(other)


_RANK = {severity: rank for rank, severity in enumerate(Severity)}


def _rank_of(other: object) -> int:
    if not isinstance(other, Severity):
        raise TypeError(f"cannot compare a severity with {other!r}")
    return _RANK[other]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    resource: str
    principal: str | None = None
    role: str | None = None
    location: SourceLocation | None = None
    # Distinguishes findings that share rule/resource/principal/role, e.g. the env var name for SA004.
    detail: str | None = None
    suppressed_by: str | None = field(default=None, compare=False)

    @property
    def path(self) -> str | None:
        return self.location.path if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def fingerprint(self) -> str:
        return self.fingerprint_at(self.path)

    def fingerprint_at(self, path: str | None) -> str:
        """The fingerprint this finding would have at ``path`` (without building a moved copy)."""
        # Line numbers are left out on purpose so that a baseline survives reformatting and reordering;
        # the path stays in so that a waiver for one file never hides the same grant in another.
        parts = (
            self.rule,
            self.resource,
            self.principal or "",
            self.role or "",
            path or "",
            (self.location.address or "") if self.location else "",
            self.detail or "",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, str, str, str, str, str]:
        return (
            self.path or "~" + self.resource,
            self.line or 0,
            self.rule,
            self.resource,
            self.principal or "",
            self.role or "",
            self.detail or "",
        )
