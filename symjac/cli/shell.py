"""What a command does once its command line is read, without click.

commands.py's click commands call these, and so does the console script's fast
path (symjac.cli.main) for the common command lines it reads itself: both run
the same bodies (``jacobian``, ``matmul``, ``run``), write through the same
``emit``, ``say`` and ``fail``, and stop through the same ``guard``. Errors
become exit codes in one place: symjac.core.errors.classify says what an
exception means, ``fail`` says it (one line on stderr, or JSON on stdout).

Nothing here imports click, rich or sympy at start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from symjac.core.caps import Limits
from symjac.core.errors import (  # noqa: F401 (the codes, for the commands)
    EXIT_BUG,
    EXIT_LIMIT,
    EXIT_OK,
    EXIT_UNDEFINED,
    EXIT_USAGE,
    exit_code,
)

MIN_COLUMNS, MAX_COLUMNS = 20, 1000
_ANSI = r"\033\[[;?0-9]*[a-zA-Z]"  # what click.echo strips from output that is not a terminal


# -- the commands' bodies -------------------------------------------------------------


def jacobian(functions: str, wrt: str | None, at: str | None, layout: str, order: str,
             expect: str | None, check: bool, simplify: bool, all_steps: bool,
             debug: bool = False, **opts) -> int:
    """`symjac jacobian`, its options as click gives them."""

    def compute():
        from symjac import api
        from symjac.cli.sources import one_stdin, read_source

        one_stdin(functions, wrt)
        return api.jacobian(read_source(functions, "functions"),
                            wrt=read_source(wrt, "variables"), at=at, layout=layout, order=order,
                            expect=expect, check=check, simplify=simplify,
                            steps=opts["steps"], all_steps=all_steps)

    return run("jacobian", {**opts, "debug": debug}, compute)


def matmul(matrices: tuple[str, ...], all_steps: bool, expect: str | None,
           debug: bool = False, **opts) -> int:
    """`symjac matmul`, its options as click gives them."""

    def compute():
        from symjac import api

        return api.matmul(*matrices, steps=opts["steps"], all_steps=all_steps, expect=expect)

    return run("matmul", {**opts, "debug": debug}, compute)


def run(command: str, opts: dict, compute: Callable, isolate: bool = True) -> int:
    """Run one operation under the limits, render it, and return the exit code.

    compute() returns a Derivation. It runs, with the rendering, in a forked
    child process (symjac.isolation.call_limited) that is killed at the
    --timeout deadline and capped at --max-memory, so a limit holds even in
    a long C call. isolate=False runs it in this process under an alarm
    only (for a command that isolates its own parts, such as one problem at
    a time). opts: fmt, steps, timeout, max_memory, output, standalone,
    debug (a --standalone with a format other than latex is refused before).
    """
    output = opts.get("output")
    standalone = bool(opts.get("standalone"))
    fmt = output_format(opts["fmt"], output, standalone)
    debug = bool(opts.get("debug"))
    from symjac import isolation

    limits = resolve_limits(opts.get("timeout"), opts.get("max_memory"))
    memory = limits.memory
    what = f"symjac {command}"

    emit_language = opts.get("emit")

    def work() -> tuple[str, bool, bool, tuple[str, ...]]:
        if emit_language and opts["fmt"] not in ("auto", None):
            from symjac.core.errors import InputError

            raise InputError(f"--emit writes {emit_language} code; it cannot be combined "
                             f"with --format {opts['fmt']}")
        if opts.get("sparse") and (emit_language or fmt != "json"):
            from symjac.core.errors import InputError

            raise InputError("--sparse shapes the JSON output; use it with --format json"
                             + (", not with --emit" if emit_language else ""))
        derivation = compute()
        from symjac.render import render

        if emit_language:
            out, is_text = derivation.to_code(emit_language, command_line(command)), True
            return out, is_text, derivation.ok, tuple(derivation.warnings)
        out, is_text = as_text(render(derivation, fmt, steps=opts["steps"],
                                      sparse=bool(opts.get("sparse"))))
        if standalone:
            from symjac.render.document import standalone as document

            out = document(out)
        warnings = derivation.warnings
        if fmt != "json":  # the output states the reading first
            warnings = tuple(w for w in warnings if w != f"read as: {derivation.reading}")
        return out, is_text, derivation.ok, tuple(warnings)

    # sympy is not imported here: the fast paths (matmul and jacobian with
    # --no-steps) answer without it, and the cap leaves ample room to load it.
    try:
        if isolate:
            out, is_text, ok, warnings = isolation.run(work, limits, what)
        else:
            out, is_text, ok, warnings = isolation.in_process(work, limits.timeout, memory, what)
    except (KeyboardInterrupt, BrokenPipeError):
        raise  # guard() reports these
    except Exception as e:
        from symjac.core.errors import classify

        return fail(command, fmt, classify(e, what, memory), debug)
    try:
        if output not in (None, "-"):
            write(output, out if out.endswith("\n") else out + "\n")
        else:
            emit(out, is_text)
    except BrokenPipeError:
        raise  # the reader went away: guard() stops quietly, as cat does
    except Exception as e:
        from symjac.core.errors import classify

        return fail(command, fmt, classify(e, what, memory), debug)
    for w in warnings:
        say("warning", w)
    return EXIT_OK if ok else EXIT_UNDEFINED


def command_line(command: str) -> str:
    """The command line that is running, quoted as a shell would read it (for the header
    of emitted code); the command's name alone where this process is not the console
    script (a test's runner)."""
    import shlex

    program = os.path.basename(sys.argv[0] if sys.argv else "")
    if program.startswith("symjac") or program == "__main__.py":
        return shlex.join(["symjac", *sys.argv[1:]])
    return f"symjac {command} ..."


def resolve_limits(timeout: float | None, max_memory: int | None) -> Limits:
    """The command's limits, resolved once (Limits.resolve): --timeout as given (its
    option's default is the default), --max-memory else $SYMJAC_MAX_MEMORY else the
    default; a bad variable warns."""
    from symjac.core.caps import DEFAULT, Limits

    limits = Limits.resolve(timeout, DEFAULT if max_memory is None else max_memory)
    if limits.warning:
        say("warning", limits.warning)
    return limits


def color_forced() -> bool:
    """FORCE_COLOR set (non-empty): colour and rich output even in a pipe, as rich does."""
    return bool(os.environ.get("FORCE_COLOR"))


def output_format(fmt: str, output: str | None = None, standalone: bool = False) -> str:
    """symjac.render.resolve_format, told whether stdout is a terminal (or colour forced)."""
    from symjac.render import resolve_format

    return resolve_format(fmt, output, standalone, sys.stdout.isatty() or color_forced())


# -- output ---------------------------------------------------------------------------


def as_text(out) -> tuple[str, bool]:
    """Rendered output as text that pickles: rich renderables are rendered here, with
    the settings (width, colour) of the real terminal, which a forked child shares."""
    if isinstance(out, str):
        return out, True
    from rich.console import Console

    console = Console(highlight=False)
    with console.capture() as capture:
        console.print(out)
    return capture.get(), False


def echo(text: str, err: bool = False, nl: bool = True, color: bool | None = None) -> None:
    """click.echo where click is loaded (its commands, its test runner); else the same
    without click: text and a newline, escape sequences removed where the stream is
    not a terminal unless colour is asked for, then a flush.

    Without click, the streams are UTF-8 (symjac.cli.main leaves any other encoding
    to click, which re-encodes an ASCII stream).
    """
    click = sys.modules.get("click")
    if click is not None:
        click.echo(text, err=err, nl=nl, color=color)
        return
    stream = sys.stderr if err else sys.stdout
    if nl:
        text += "\n"
    strip = not _isatty(stream) if color is None else not color
    if strip and "\x1b" in text:
        import re

        text = re.sub(_ANSI, "", text)
    stream.write(text)
    stream.flush()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError, AttributeError):
        return False


def _echo(text: str, err: bool = False, nl: bool = True) -> None:
    """echo, but a message that cannot be written (stderr closed) is dropped."""
    if err:
        try:
            echo(text, err=True, nl=nl)
        except (OSError, ValueError):
            pass
        return
    echo(text, nl=nl)


def emit(out, is_text: bool = True) -> None:
    """Write the output to stdout; a write that fails (a full disk) is a FileError."""
    if not isinstance(out, str):  # a rich renderable, from a batch command's report
        out, is_text = as_text(out)
    color = True if color_forced() else None
    nl = is_text and not out.endswith("\n")  # one newline at the end, never two
    try:
        try:
            echo(out, nl=nl, color=color)
        except UnicodeEncodeError:  # PYTHONIOENCODING=latin-1, say: what cannot be shown is '?'
            encoding = getattr(sys.stdout, "encoding", None) or "ascii"
            data = (out + ("\n" if nl else "")).encode(encoding, "replace")
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as e:  # not a bug, and not the input's fault either
        from symjac.core.errors import FileError

        why = getattr(e, "strerror", None) or "the output is closed"
        raise FileError(f"cannot write the output ({why})") from None


def write(path: str, text: str) -> None:
    """An output file, written atomically (files.write_output); '-' is stdout.

    A followed symbolic link is said."""
    from symjac.batch.files import write_output

    if path == "-":
        emit(text)
        return
    write_output(path, text, warn=lambda w: say("warning", w))


def say(kind: str, message, suffix: str = "") -> None:
    """`symjac: error: ...` on stderr, one line: whatever input it echoes is made visible.

    The one place where messages reach the terminal, so a carriage return or
    an escape sequence in an answer cannot rewrite what the grader sees.
    """
    from symjac.render.safe import line

    _echo(f"symjac: {kind}: {line(message)}{suffix}", err=True)


# -- failures -------------------------------------------------------------------------


def fail(command: str, fmt: str, e, debug: bool = False) -> int:
    """Say a classified error (symjac.core.errors.classify) and return its exit code.

    A bug: one line on stderr (its traceback with --debug). With --format
    json, an error is also the JSON object on stdout; an undefined answer
    (exit 1) is an answer, so it goes to stdout; the rest is one line on stderr.
    """
    from symjac.core.errors import ChildBug

    if isinstance(e, ChildBug):
        if debug and e.trace:
            _echo(e.trace.rstrip("\n"), err=True)
        return bug(e.summary, debug)
    code = exit_code(e)
    if fmt == "json":
        from symjac.core.model import error_dict
        from symjac.render.safe import dumps

        _echo(dumps(error_dict(command, e)))
        if code == EXIT_UNDEFINED:
            return code
    if code == EXIT_UNDEFINED:
        from symjac.render.safe import line

        if fmt in ("markdown", "latex"):
            from symjac.render.math import undefined

            _echo(undefined(e, fmt), nl=False)
        elif fmt != "json":
            _echo(line(e))
            for h in e.hints:
                _echo(f"hint: {line(h)}")
        return code
    say("error", e)
    return code


def bug(summary: str, debug: bool) -> int:
    from symjac.render.safe import line

    summary = line((summary.splitlines() or [""])[0], 300)
    _echo(
        f"symjac: internal error ({summary}); this is a bug, please report it"
        + ("" if debug else " (run again with --debug to see the traceback)"),
        err=True,
    )
    return EXIT_BUG


def guard(invoke: Callable[[], Any], argv: list[str]) -> int:
    """invoke() (a whole command line), and its exit code; nothing escapes as a traceback.

    SIGTERM and SIGHUP stop it (workers killed, outputs whole or absent)
    with 128 + the signal; an interrupt is 130; a closed pipe is a quiet 0;
    any other exception is said in one line (symjac.core.errors.classify).
    """
    if not _streams_usable():
        return EXIT_USAGE
    _clamp_columns()
    from symjac.isolation import Stopped, stop_on_signals

    try:
        with stop_on_signals():
            code = invoke()
    except Stopped as e:
        _echo(f"symjac: stopped by {e.name}", err=True)
        code = 128 + e.signum
    except KeyboardInterrupt:
        _echo("", err=True)  # end the line of the ^C, as click does
        _echo("symjac: interrupted", err=True)
        code = 130
    except BrokenPipeError:
        code = _broken_pipe()
    except OSError as e:  # only writing the output is left outside run(): a full disk
        say("error", f"cannot write the output ({e.strerror or e})")
        code = EXIT_USAGE
    except Exception as e:  # outside run(): still one line, never a traceback
        from symjac.core.errors import classify

        code = fail("symjac", "text", classify(e), "--debug" in argv)
    return code or 0


def _streams_usable() -> bool:
    """False (with a message, if stderr is there) when stdout was closed (`symjac ... >&-`).

    Python then has no sys.stdout at all; like cat, say so and stop (exit 2)
    rather than work and fail at the end. A closed stderr is replaced by
    /dev/null: messages are lost, exit codes are not.
    """
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        say("error", "cannot write the output (standard output is closed)")
        return False
    return True


def _clamp_columns() -> None:
    """$COLUMNS within MIN_COLUMNS..MAX_COLUMNS: 0 printed nothing, 100000000 hung rich."""
    text = os.environ.get("COLUMNS")
    if text is None:
        return
    try:
        columns = int(text.strip())
    except ValueError:
        del os.environ["COLUMNS"]  # not a number: rich and click use the terminal's width
        return
    clamped = min(max(columns, MIN_COLUMNS), MAX_COLUMNS)
    if clamped != columns:
        os.environ["COLUMNS"] = str(clamped)


def _broken_pipe() -> int:
    """The reader went away (`symjac ... | head -1`): stop quietly, as cat does."""
    # Point stdout at /dev/null so the flush at exit does not fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_OK
