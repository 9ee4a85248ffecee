"""A finding, its severity, and the fingerprint that identifies it across edits."""

from __future__ import annotations

import hashlib
from enum import StrEnum

import msgspec

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


class Finding(msgspec.Struct, frozen=True, gc=False):
    """What a rule found. A frozen msgspec Struct, like the model's values: an org scan makes half a
    million, and a Struct is created about ten times faster than a frozen dataclass. Copy with
    ``iamlint.model.replace``."""

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
    suppressed_by: str | None = None

    @property
    def path(self) -> str | None:
        return self.location.path if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def identity(self) -> str:
        """What the fingerprint is a digest of: equal identities are one finding (the engine keeps one)."""
        location = self.location
        return self.identity_at(location.path if location else None)

    def identity_at(self, path: str | None) -> str:
        return "\x1f".join(self._identity_parts(path))

    @property
    def identity_key(self) -> tuple[str, ...]:
        """The parts of :attr:`identity`, unjoined: the engine files half a million findings by them."""
        location = self.location
        return self._identity_parts(location.path if location else None)

    def _identity_parts(self, path: str | None) -> tuple[str, str, str, str, str, str, str]:
        # Line numbers are left out on purpose so that a baseline survives reformatting and reordering;
        # the path stays in so that a waiver for one file never hides the same grant in another.
        location = self.location
        return (
            self.rule,
            self.resource,
            self.principal or "",
            self.role or "",
            path or "",
            (location.address or "") if location else "",
            self.detail or "",
        )

    @property
    def fingerprint(self) -> str:
        # Worked out when asked, not kept: the engine tells findings apart without it, and a report asks
        # once per finding (keeping half a million digests would only hold memory).
        return _digest(self.identity)

    def fingerprint_at(self, path: str | None) -> str:
        """The fingerprint this finding would have at ``path`` (without building a moved copy)."""
        return _digest(self.identity_at(path))

    def sort_key(self) -> tuple[str, int, str, str, str, str, str]:
        location = self.location
        return (
            (location.path if location else None) or "~" + self.resource,
            (location.line if location else None) or 0,
            self.rule,
            self.resource,
            self.principal or "",
            self.role or "",
            self.detail or "",
        )


def _digest(identity: str) -> str:
    # The first 16 bytes in hex are hexdigest()[:32] without formatting the other 32 characters.
    return hashlib.sha256(identity.encode()).digest()[:16].hex()
