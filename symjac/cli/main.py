"""The console script: common command lines without click, every other one through it.

``symjac jacobian FUNCS --wrt VARS --no-steps -f json`` is mostly start-up,
and click costs about as much to import as the math. symjac.cli.options.read
reads the common command lines of jacobian and matmul; symjac.cli.shell runs
them, with the same bodies as commands.py's click commands. Whatever read does
not fully understand goes to click (symjac.cli.commands) unchanged, as do streams
that are not UTF-8 (click re-encodes them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def main() -> None:
    """The console script: run(), ending the process at once on the fast path (_exit)."""
    # A command makes most of its objects to keep (modules, trees, entries) and few
    # cycles: collecting after every 700 new objects took 5% of a small command.
    import gc

    gc.set_threshold(20_000, 20, 10)
    # No command uses NumPy (--emit writes NumPy code; it does not run it), but
    # symengine and sympy import it whenever it is installed, for features symjac does
    # not use: about 0.15 s of every command. Marked absent, they skip it.
    sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]
    run(_exit)


def run(end: Callable[[int], object] = sys.exit) -> None:
    """The command line in sys.argv; the fast path ends with end(code), click's exits."""
    argv = sys.argv[1:]
    read = None
    if _utf8(sys.stdout) and _utf8(sys.stderr) and "_SYMJAC_COMPLETE" not in os.environ:
        from symjac.cli.options import read as read_argv

        read = read_argv(argv)
    if read is None:
        from symjac.cli.commands import main as click_main

        click_main()
        return
    command, params = read
    from symjac.cli import shell

    body = getattr(shell, command)
    end(shell.guard(lambda: body(**params), argv))


def _exit(code: int) -> None:
    """End the process once its output is out, without tearing the interpreter down.

    Freeing every module and symengine object at exit takes about as long as
    a small Jacobian (some 10 ms); nothing on this path needs it: no file is
    left open, no atexit handler is registered, and any worker has already
    given its answer. The streams are flushed first, as exit would."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # the reader went away: as at exit, nothing to say
            pass
    os._exit(code)


def _utf8(stream) -> bool:
    encoding = getattr(stream, "encoding", None) or ""
    return encoding.lower().replace("-", "").replace("_", "") == "utf8"
