"""Errors with messages written for people, and the one map from any exception to them.

``classify`` turns whatever a command raised into a SymjacError or a ChildBug
(a bug). The command line, the forked workers and the batch runner all go
through it, so a MemoryError or a RecursionError means the same thing
everywhere. ``exit_code`` is the one map from those to exit codes, used at
the edge (the command line); the library and the batch tell an undefined
answer by its class, ``Undefined``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_OK, EXIT_UNDEFINED, EXIT_USAGE, EXIT_LIMIT, EXIT_BUG = 0, 1, 2, 3, 4


class SymjacError(Exception):
    """Base class: a problem symjac can explain in one line."""

    def __init__(self, message: str, position: int | None = None,
                 hints: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.position = position  # 1-based column in the input text, when known
        self.hints = hints  # further lines that help, e.g. an order that would work

    def __reduce__(self) -> tuple[Callable[..., SymjacError], tuple[object, ...]]:
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


class Undefined(SymjacError):
    """The answer does not exist: it is an answer, not a failure (exit 1)."""


class ShapeError(Undefined):
    """The answer is undefined: shapes do not fit."""


class UndefinedError(Undefined):
    """The answer is undefined for another reason (division by zero at a point)."""


class LimitError(SymjacError):
    """A limit was hit: time, size or memory."""


class FileError(InputError):
    """A file cannot be used: missing, not a regular file, too large, not UTF-8, malformed."""


class ChildBug(Exception):
    """An internal error (a bug), carried as text: it may not pickle, and may come from a worker."""

    def __init__(self, summary: str, trace: str) -> None:
        super().__init__(summary)
        self.summary = summary
        self.trace = trace

    def __reduce__(self) -> tuple[type[ChildBug], tuple[str, str]]:
        return (type(self), (self.summary, self.trace))


# The one map from what went wrong to the exit code (DESIGN.md), the first class that
# matches: an undefined answer 1, bad input 2, a limit 3, a bug 4. (A failed --expect
# is exit 1 too: the Derivation says it, see the commands.)
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (Undefined, EXIT_UNDEFINED),
    (LimitError, EXIT_LIMIT),
    (SymjacError, EXIT_USAGE),
)


def exit_code(e: BaseException) -> int:
    """The exit code of a classified error (see ``classify``)."""
    for cls, code in EXIT_CODES:
        if isinstance(e, cls):
            return code
    return EXIT_BUG


def format_size(n: int) -> str:
    for unit, factor in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= factor:
            return f"{n / factor:g} {unit}"
    return f"{n} bytes"


def time_message(what: str, seconds: float) -> str:
    return f"{what} took longer than the time limit of {seconds:g} s (raise it with --timeout)"


def memory_message(what: str, memory: int | None) -> str:
    cap = f" of {format_size(memory)}" if memory else ""
    return f"{what} ran out of memory (the memory limit{cap}; raise it with --max-memory)"


def classify(e: BaseException, what: str = "the command",
             memory: int | None = None) -> SymjacError | ChildBug:
    """What symjac says about an exception that ended `what`: the one error-to-exit-code map.

    A SymjacError and a ChildBug stay as they are; running out of memory (or
    an exception caused by it) and too deep a recursion are limits (exit 3);
    Python's refusal to print an integer of more than 4300 digits is a limit
    too; anything else is a bug (exit 4), with its traceback as text.
    ``memory`` is the cap in bytes, for the message.
    """
    if isinstance(e, SymjacError | ChildBug):
        return e
    if _from_memory_error(e):
        return LimitError(memory_message(what, memory))
    if isinstance(e, RecursionError):
        return LimitError(f"{what} nested too deeply (the recursion limit)")
    text = _safe_str(e)
    if isinstance(e, ValueError) and "integer string conversion" in text:
        return LimitError(f"{what} would print a number longer than Python can print "
                          "(4300 digits)")
    import traceback  # only for a bug: keeps start-up lean

    return ChildBug(f"{type(e).__name__}: {text}", "".join(traceback.format_exception(e)))


def _from_memory_error(e: BaseException | None) -> bool:
    """True if e is a MemoryError or one caused it, or an import or a system call that
    failed for want of memory (under --max-memory, loading symengine's library fails
    with "failed to map segment from shared object")."""
    seen = 0
    while e is not None and seen < 20:
        if isinstance(e, MemoryError):
            return True
        if isinstance(e, ImportError | OSError):
            text = _safe_str(e).lower()
            if getattr(e, "errno", None) == 12 or any(
                    words in text for words in _NO_MEMORY):  # 12: ENOMEM
                return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


_NO_MEMORY = ("failed to map segment", "cannot allocate memory", "out of memory")


def _safe_str(e: BaseException) -> str:
    try:
        return str(e)
    except Exception:
        return "(the message could not be printed)"


def _rebuild(cls: type[SymjacError], args: tuple[object, ...],
             state: dict[str, object]) -> SymjacError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
