"""The limits every piece of work runs under, and their defaults: one home for each.

``Limits.resolve`` is the only place a default is applied. The top of each
entry point (the command line's options, the library's functions, a problem
file's ``solve``/``check``) resolves its limits once and passes the value
down; below that, ``None`` means "no limit" and nothing is defaulted again.
This module is the lowest layer, so ``symjac --help`` can show the defaults
without loading the machinery that enforces them (symjac.isolation).
"""

from __future__ import annotations

import os

from symjac.core.frozen import Frozen, field, value

DEFAULT_TIMEOUT = 10.0  # seconds for one command (or one problem of a file)
DEFAULT_MEMORY = 4 * 1024**3  # bytes of address space for the work
MEMORY_ENV = "SYMJAC_MAX_MEMORY"  # e.g. "2G"; "0" means no cap
NO_FORK_ENV = "SYMJAC_NO_FORK"  # "1": run in-process (alarm only; cannot stop C code)
MAX_SECONDS = 1e7  # a time limit at or beyond this is no limit (an alarm cannot hold it)


class _Default:
    """The marker of a limit not given: Limits.resolve puts the default in its place."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: object = _Default()

_SIZE = r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*\Z"
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """'4G', '512M', '2.5GiB', '1048576' -> bytes; '0' means no cap. ValueError if bad."""
    import math
    import re

    m = re.match(_SIZE, str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"'{text}' is not a size; write e.g. 4G, 512M or 0 for no cap")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not math.isfinite(value) or value > 2**62:
        raise ValueError(f"'{text}' is too large a size")
    return int(value)


def memory_from_env() -> tuple[int, str | None]:
    """($SYMJAC_MAX_MEMORY or the default, why the variable was not used if it was bad)."""
    from symjac.core.errors import format_size

    text = os.environ.get(MEMORY_ENV, "").strip()
    if not text:
        return DEFAULT_MEMORY, None
    try:
        return parse_size(text), None
    except ValueError as e:
        return DEFAULT_MEMORY, (f"${MEMORY_ENV}: {e}; using the default of "
                                f"{format_size(DEFAULT_MEMORY)}")


def can_fork() -> bool:
    """Can work run in a forked child here (and has $SYMJAC_NO_FORK not asked otherwise)?"""
    return hasattr(os, "fork") and os.environ.get(NO_FORK_ENV, "") in ("", "0")


@value
class Limits(Frozen):
    """How one piece of work is bounded: resolved once, at the top, then passed down.

    ``timeout`` is seconds (None: no time limit), ``memory`` bytes of address
    space (None: no cap), ``fork`` whether the work runs in a child process
    that is killed at the deadline (a hard limit, inside C code too) rather
    than under an alarm in this process. ``warning`` says why an environment
    setting was not used, for the caller to show.
    """

    timeout: float | None = None
    memory: int | None = None
    fork: bool = False
    warning: str | None = field(default=None, compare=False)

    @classmethod
    def resolve(cls, timeout: object = DEFAULT, max_memory: object = DEFAULT,
                fork: bool | None = None) -> Limits:
        """The limits asked for, with the defaults where nothing was given.

        timeout: seconds; DEFAULT is DEFAULT_TIMEOUT; None or 0 is no limit.
        max_memory: bytes or a size such as "512M"; DEFAULT is
        $SYMJAC_MAX_MEMORY, else DEFAULT_MEMORY; None or 0 is no cap.
        fork: None forks wherever a limit is set and fork is available.
        ValueError for a negative or unreadable value.
        """
        warning = None
        if timeout is DEFAULT:
            seconds: float | None = DEFAULT_TIMEOUT
        elif timeout is None:
            seconds = None
        else:
            if isinstance(timeout, bool) or not isinstance(timeout, int | float | str):
                raise ValueError(f"timeout must be a number of seconds, not "
                                 f"{type(timeout).__name__}")
            seconds = float(timeout)
            if seconds != seconds or seconds < 0:
                raise ValueError(f"timeout must be a number of seconds >= 0, not {timeout!r}")
            if seconds == 0 or seconds >= MAX_SECONDS:
                seconds = None
        if max_memory is DEFAULT:
            memory: int | None
            memory, warning = memory_from_env()
        elif max_memory is None:
            memory = None
        elif isinstance(max_memory, str):
            memory = parse_size(max_memory)
        elif isinstance(max_memory, int) and not isinstance(max_memory, bool):
            if max_memory < 0:
                raise ValueError(f"max_memory must be a size >= 0, not {max_memory}")
            memory = max_memory
        else:
            raise ValueError(f"max_memory must be bytes or a size such as '512M', not "
                             f"{type(max_memory).__name__}")
        memory = memory or None
        limited = seconds is not None or memory is not None
        forks = limited and can_fork() if fork is None else bool(fork) and limited
        return cls(seconds, memory, forks, warning)

    @property
    def off(self) -> bool:
        """No limit at all: the work runs in the caller's process, unbounded."""
        return self.timeout is None and self.memory is None


NONE = Limits()  # no limits: work already inside limits, or a caller who trusts its input
