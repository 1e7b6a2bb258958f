"""Bounded work: a time limit for in-process computation."""

from __future__ import annotations

import contextlib
import signal
import threading

from symjac.errors import LimitError


@contextlib.contextmanager
def time_limit(seconds: float | None, what: str = "the command"):
    """Raise LimitError in the main thread once `seconds` have passed (0 or None: no limit)."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _expired(signum, frame):
        raise LimitError(f"{what} took longer than the time limit of {seconds:g} s "
                         "(raise it with --timeout)")

    previous = signal.signal(signal.SIGALRM, _expired)
    # Fire again every 0.1 s until the block ends: code that catches Exception
    # broadly (sympy, the diff stepper's fallback) may swallow the first one.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
