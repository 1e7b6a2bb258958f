"""Errors with messages written for people; cli.py maps them to exit codes."""

from __future__ import annotations


class SymjacError(Exception):
    """Base class: a problem symjac can explain in one line."""

    exit_code = 2

    def __init__(self, message: str, position: int | None = None, hints: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.position = position  # 1-based column in the input text, when known
        self.hints = hints  # further lines that help, e.g. an order that would work

    def __reduce__(self):
        # Errors cross from the worker process to the parent by pickle, position and
        # all; rebuilt without calling __init__, whatever a subclass's signature is.
        return (_rebuild, (type(self), self.args, self.__dict__))

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (column {self.position})"


class InputError(SymjacError):
    """The input cannot be used: bad syntax, unknown name, wrong option value."""


class ParseError(InputError):
    """The text is not an expression or matrix symjac understands."""


class ShapeError(SymjacError):
    """The answer is undefined: shapes do not fit (exit 1, it is an answer)."""

    exit_code = 1


class UndefinedError(SymjacError):
    """The answer is undefined for another reason (division by zero at a point)."""

    exit_code = 1


class CheckFailed(SymjacError):
    """A hand-derived answer does not match."""

    exit_code = 1


class LimitError(SymjacError):
    """A limit was hit: time, size or memory."""

    exit_code = 3


class FileError(InputError):
    """A file cannot be used: missing, not a regular file, too large, not UTF-8, malformed."""


def _rebuild(cls: type[SymjacError], args: tuple, state: dict) -> SymjacError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
