"""Errors that reach the user as one line each (``path:line: message``) and exit code 2."""

from __future__ import annotations


class IamlintError(Exception):
    """Anything the user can fix: bad input, bad config, bad usage. Never shown as a traceback."""


class InputError(IamlintError):
    def __init__(self, path: str | None, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class ConfigError(InputError):
    """An invalid .iamlint.yaml / [tool.iamlint]; ``message`` names the key's path."""


class UsageError(IamlintError):
    pass


class InputErrors(IamlintError):
    """Every broken input of a run, found by reading them all: the run reports none of its findings."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors
