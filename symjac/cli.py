"""The command line: parse -> op -> render -> echo, and errors -> exit codes.

Only click is imported at start-up, so `symjac --help` stays fast; each
command imports the math it needs when it runs.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable

import click

from symjac import __version__

FORMATS = ("auto", "rich", "text", "markdown", "latex", "json")
DEFAULT_TIMEOUT = 10.0
EXIT_OK, EXIT_UNDEFINED, EXIT_USAGE, EXIT_LIMIT, EXIT_BUG = 0, 1, 2, 3, 4


class SymjacGroup(click.Group):
    """A group whose every failure is one line on stderr and an exit code."""

    def main(self, args=None, prog_name=None, **extra):
        extra.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name or "symjac", standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as e:
            click.echo(e.ctx.get_help())
            code = EXIT_OK
        except click.ClickException as e:
            hint = ""
            ctx = getattr(e, "ctx", None)
            if ctx is not None:
                hint = f" (see '{ctx.command_path} --help')"
            click.echo(f"symjac: error: {e.format_message()}{hint}", err=True)
            code = e.exit_code
        except (click.Abort, KeyboardInterrupt):
            click.echo("symjac: interrupted", err=True)
            code = 130
        except BrokenPipeError:
            code = _broken_pipe()
        except Exception as e:  # outside run(): still one line, never a traceback
            code = _escaped(e, "--debug" in (args if args is not None else sys.argv[1:]))
        sys.exit(code or 0)


def _broken_pipe() -> int:
    """The reader went away (`symjac ... | head -1`): stop quietly, as cat does."""
    import os

    # Point stdout at /dev/null so the flush at exit does not fail again.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_OK


def _escaped(e: BaseException, debug: bool) -> int:
    """An exception that escaped a command: a symjac error's code, or a bug (exit 4)."""
    from symjac.errors import SymjacError

    if isinstance(e, SymjacError):
        click.echo(f"symjac: error: {e}", err=True)
        return e.exit_code
    if debug:
        traceback.print_exception(e)
    return _bug(f"{type(e).__name__}: {e}", debug)


def _bug(summary: str, debug: bool) -> int:
    summary = (summary.splitlines() or [""])[0][:300]
    click.echo(
        f"symjac: internal error ({summary}); this is a bug, please report it"
        + ("" if debug else " (run again with --debug to see the traceback)"),
        err=True,
    )
    return EXIT_BUG


class Seconds(click.ParamType):
    """A time limit: a finite number of seconds >= 0 ('inf' or 0: no limit)."""

    name = "seconds"

    def convert(self, value, param, ctx):
        if isinstance(value, int | float):
            return float(value)
        try:
            seconds = float(str(value).strip())
        except ValueError:
            self.fail(f"'{value}' is not a number of seconds", param, ctx)
        if seconds != seconds or seconds < 0:  # nan, or negative
            self.fail(f"'{value}' is not a number of seconds >= 0", param, ctx)
        return 0.0 if seconds == float("inf") else seconds


class Size(click.ParamType):
    """A memory size: 4G, 512M, 1.5GiB or bytes; 0 means no cap."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from symjac.limits import parse_size

        try:
            return parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def common_options(f: Callable) -> Callable:
    """--format, --steps/--no-steps, --timeout, --max-memory and --debug, on every command.

    The command receives them in **opts (fmt, steps, timeout, max_memory,
    debug) and hands opts to run(); pass an api function only the keys it takes.
    """

    @click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="auto",
        show_default=True,
        help="Output format; auto is rich on a terminal and text in a pipe.",
    )
    @click.option(
        "--steps/--no-steps", default=True, help="Show the working (default) or only the answer."
    )
    @click.option(
        "--timeout",
        type=Seconds(),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Stop with exit code 3 after this long, even inside a long computation "
        "(0: no limit).",
    )
    @click.option(
        "--max-memory",
        type=Size(),
        default="4G",
        envvar="SYMJAC_MAX_MEMORY",
        show_default=True,
        metavar="SIZE",
        help="Stop with exit code 3 if the work needs more memory than this, e.g. 512M "
        "(0: no cap; also $SYMJAC_MAX_MEMORY).",
    )
    @click.option("--debug", is_flag=True, help="Print the traceback of an internal error.")
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)

    return wrapper


def run(command: str, opts: dict, compute: Callable, isolate: bool = True) -> int:
    """Run one operation under the limits, render it, and return the exit code.

    compute() returns a Derivation. It runs, with the rendering, in a forked
    child process (symjac.limits.call_limited) that is killed at the
    --timeout deadline and capped at --max-memory, so a limit holds even in
    a long C call. isolate=False runs it in this process under an alarm
    only (for a command that isolates its own parts, such as one problem at
    a time).
    """
    fmt = opts["fmt"]
    if fmt == "auto":
        fmt = "rich" if sys.stdout.isatty() else "text"
    debug = opts.get("debug") or (click.get_current_context().find_root().params.get("debug"))
    from symjac.errors import LimitError, SymjacError
    from symjac.limits import ChildBug, call_limited, memory_limit, memory_message, time_limit

    timeout = opts.get("timeout")
    memory = opts.get("max_memory")
    if memory is None:
        from symjac.limits import default_memory

        memory = default_memory()
    what = f"symjac {command}"

    def work() -> tuple[str, bool, bool, tuple[str, ...]]:
        derivation = compute()
        from symjac.render import render

        out, is_text = _as_text(render(derivation, fmt, steps=opts["steps"]))
        return out, is_text, derivation.ok, tuple(derivation.warnings)

    # Imported before the fork, so the memory cap applies to the work itself and
    # not to loading sympy (which the work needs anyway).
    import sympy  # noqa: F401

    try:
        if isolate:
            out, is_text, ok, warnings = call_limited(work, timeout, memory, what)
        else:
            with time_limit(timeout, what), memory_limit(memory):
                out, is_text, ok, warnings = work()
    except SymjacError as e:
        return _fail(command, fmt, e)
    except MemoryError:
        return _fail(command, fmt, LimitError(memory_message(what, memory)))
    except RecursionError:
        return _fail(command, fmt, LimitError(f"{what} nested too deeply (the recursion limit)"))
    except ChildBug as e:
        if debug and e.trace:
            click.echo(e.trace.rstrip("\n"), err=True)
        return _bug(e.summary, debug)
    except (KeyboardInterrupt, BrokenPipeError):
        raise  # SymjacGroup.main reports these
    except Exception as e:  # every escaping exception is a bug: say so, in one line
        if debug:
            traceback.print_exc()
        return _bug(f"{type(e).__name__}: {e}", debug)
    try:
        _emit(out, is_text)
    except BrokenPipeError:
        raise
    except OSError as e:  # a full disk, say: not a bug, and not the input's fault either
        click.echo(f"symjac: error: cannot write the output ({e.strerror or e})", err=True)
        return EXIT_USAGE
    for w in warnings:
        click.echo(f"symjac: warning: {w}", err=True)
    return EXIT_OK if ok else EXIT_UNDEFINED


def _as_text(out) -> tuple[str, bool]:
    """Rendered output as text that pickles: rich renderables are rendered here, with
    the settings (width, colour) of the real terminal, which a forked child shares."""
    if isinstance(out, str):
        return out, True
    from rich.console import Console

    console = Console(highlight=False)
    with console.capture() as capture:
        console.print(out)
    return capture.get(), False


def _emit(out: str, is_text: bool = True) -> None:
    if is_text:
        click.echo(out)
    else:
        click.echo(out, nl=False)


def _fail(command: str, fmt: str, e) -> int:
    """An error as JSON on stdout (json format), an undefined answer on stdout, else stderr."""
    if fmt == "json":
        from symjac.model import error_dict
        from symjac.render.data import dumps

        click.echo(dumps(error_dict(command, e)))
        if e.exit_code == EXIT_UNDEFINED:
            return e.exit_code
    if e.exit_code == EXIT_UNDEFINED:
        if fmt != "json":
            click.echo(str(e))
            for h in e.hints:
                click.echo(f"hint: {h}")
        return e.exit_code
    click.echo(f"symjac: error: {e}", err=True)
    return e.exit_code


@click.group(cls=SymjacGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="symjac")
@click.option("--debug", is_flag=True, help="Print the traceback of an internal error.")
def cli(debug: bool) -> None:
    """Matrix products, Jacobians and gradients, derived step by step.

    \b
    Examples:
      symjac matmul "[[4,3,6],[2,1,0],[0,5,7]]" "[[2],[1],[3]]"
      symjac matmul "1 6; 7 5" "[[3],[0],[2]]"        # undefined: says why
      symjac matmul "[[a,b]]" "[[1],[3]]" --format json

    Exit codes: 0 done, 1 undefined or a check failed, 2 bad input,
    3 a limit was hit, 4 an internal error (a bug).
    """


@cli.command()
@click.argument("matrices", nargs=-1, required=True, metavar="A B [C ...]")
@click.option("--all-steps", is_flag=True, help="Work every entry, even of a large product.")
@click.option(
    "--expect", metavar="MATRIX", help="A hand-derived product to check (exit 1 if wrong)."
)
@common_options
def matmul(matrices: tuple[str, ...], all_steps: bool, expect: str | None, **opts) -> int:
    """Multiply matrices, each entry worked as a row times a column.

    A matrix is written [[1,6],[7,5]] or "1 6; 7 5"; a flat list [3,0,2]
    is a column vector and [[3,0,2]] a row vector. Entries may be integers,
    fractions (1/2), decimals (0.1 is exactly 1/10), symbols or expressions.
    Three or more matrices are multiplied left to right.

    \b
    Examples:
      symjac matmul "[[4,3,6],[2,1,0],[0,5,7]]" "[[2],[1],[3]]"
      symjac matmul "0 6 5; 2 3 3; 5 7 8" "1 9; 1 4; 3 0"
      symjac matmul "[[a,b]]" "[[1],[3]]" "[[2,x]]"
      symjac matmul "[[1,6],[7,5]]" "[3,0,2]"     # undefined: exit 1, says why
    """

    def compute():
        from symjac import api

        return api.matmul(*matrices, steps=opts["steps"], all_steps=all_steps, expect=expect)

    return run("matmul", opts, compute)


def main() -> None:
    cli.main(prog_name="symjac")
