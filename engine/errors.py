"""relaydoctor's own error types.

Everything that a user's input can cause is one of these; the CLI turns them into a single
`path:line: message` line on stderr and exit code 2. Anything else escaping is a bug.
"""

from __future__ import annotations


class RelaydoctorError(Exception):
    """Base of every error relaydoctor raises on purpose."""


class InputError(RelaydoctorError):
    """Bad user input: a file, a line, an argument. Carries where, so the message can name it."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}".replace("\n", " ")


class EvidenceError(InputError):
    """An evidence file could not be read or parsed."""


class PackError(InputError):
    """A knowledge pack (rules/knowledge YAML) is invalid."""


class PackErrors(PackError):
    """Several pack problems collected in one run (lint reports them all at once)."""

    def __init__(self, errors: list[PackError]):
        self.errors = errors
        first = errors[0] if errors else PackError("pack invalid")
        super().__init__(first.message, first.path, first.line)

    def one_line(self) -> str:  # the CLI prints every line for lint; one line elsewhere
        if not getattr(self, "errors", None):
            return super().one_line()
        extra = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        return self.errors[0].one_line() + extra


class Cancelled(RelaydoctorError):
    """The user cancelled long work (loading large evidence); not a failure of the input."""


class EngineError(RelaydoctorError):
    """The rules engine misbehaved (an action raised, a fact was refused). Never swallowed."""
