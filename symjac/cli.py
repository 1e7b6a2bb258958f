"""The command line: parse -> op -> render -> echo, and errors -> exit codes.

Only click is imported at start-up, so `symjac --help` stays fast; each
command imports the math it needs when it runs.
"""

from __future__ import annotations

import functools
import sys
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
        except click.Abort:
            click.echo("symjac: interrupted", err=True)
            code = 130
        sys.exit(code or 0)


def common_options(f: Callable) -> Callable:
    """--format, --steps/--no-steps, --timeout and --debug, on every command."""

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
        type=click.FloatRange(min=0),
        default=DEFAULT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help="Stop with exit code 3 after this long (0: no limit).",
    )
    @click.option("--debug", is_flag=True, help="Print the traceback of an internal error.")
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        return f(*args, **kwargs)

    return wrapper


def run(command: str, opts: dict, compute: Callable) -> int:
    """Run one operation under the limits, render it, and return the exit code."""
    fmt = opts["fmt"]
    if fmt == "auto":
        fmt = "rich" if sys.stdout.isatty() else "text"
    debug = opts.get("debug") or (click.get_current_context().find_root().params.get("debug"))
    from symjac.errors import SymjacError
    from symjac.limits import time_limit

    try:
        with time_limit(opts.get("timeout"), f"symjac {command}"):
            derivation = compute()
            from symjac.render import render

            out = render(derivation, fmt, steps=opts["steps"])
    except SymjacError as e:
        return _fail(command, fmt, e)
    except (MemoryError, RecursionError) as e:
        from symjac.errors import LimitError

        kind = "memory" if isinstance(e, MemoryError) else "recursion depth"
        return _fail(command, fmt, LimitError(f"the work ran out of {kind}"))
    except KeyboardInterrupt:
        click.echo("symjac: interrupted", err=True)
        return 130
    except Exception as e:  # every escaping exception is a bug: say so, in one line
        if debug:
            import traceback  # only here: keeps `symjac --help` start-up lean

            traceback.print_exc()
        summary = f"{type(e).__name__}: {e}".splitlines()[0][:300]
        click.echo(
            f"symjac: internal error ({summary}); this is a bug, please report it"
            + ("" if debug else " (run again with --debug to see the traceback)"),
            err=True,
        )
        return EXIT_BUG
    _emit(out)
    for w in derivation.warnings:
        click.echo(f"symjac: warning: {w}", err=True)
    return EXIT_OK if derivation.ok else EXIT_UNDEFINED


def _emit(out) -> None:
    if isinstance(out, str):
        click.echo(out)
    else:
        from rich.console import Console

        Console(highlight=False).print(out)


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


@cli.command()
@click.argument("functions", metavar="FUNCTIONS")
@click.option(
    "--wrt",
    metavar="VARS",
    help="The variables, 'x, y' or a matrix '[[p, q], [r, s]]' (a matrix input, "
    "flattened in --order). Default: every free symbol, in natural order (x1, x2, x10).",
)
@click.option(
    "--at",
    "at",
    metavar="POINT",
    help='Evaluate at a point, e.g. "x=1, y=2" (exact and as decimals).',
)
@click.option(
    "--layout",
    type=click.Choice(["numerator", "denominator"]),
    default="numerator",
    show_default=True,
    help="numerator: outputs × inputs (the worksheet's); denominator: the transpose.",
)
@click.option(
    "--order",
    type=click.Choice(["row", "col"]),
    default="row",
    show_default=True,
    help="How a matrix of variables is flattened: row-major, or column-major (vec).",
)
@click.option(
    "--expect", metavar="MATRIX", help="A hand-derived Jacobian to check (exit 1 if wrong)."
)
@click.option(
    "--check", is_flag=True, help="Compare with central finite differences at random points."
)
@click.option("--simplify", is_flag=True, help="Simplify every entry.")
@click.option(
    "--all-steps", is_flag=True, help="Work every entry, even of a large Jacobian (default: 100)."
)
@common_options
def jacobian(
    functions: str,
    wrt: str | None,
    at: str | None,
    layout: str,
    order: str,
    expect: str | None,
    check: bool,
    simplify: bool,
    all_steps: bool,
    **opts,
) -> int:
    """The Jacobian of functions, every partial derivative derived.

    FUNCTIONS are comma-separated (a comma inside atan2(y, x) does not
    split), a list [f1, f2], or a matrix [[f11, f12], [f21, f22]] (a
    matrix-valued function, flattened row-major). The result is outputs ×
    inputs (the numerator convention); each entry ∂f_i/∂x_j is worked by
    rules (sum, constant multiple, power, product, quotient, chain, exp, log,
    trig). A function that starts with '-' goes after '--'.

    \b
    Examples:
      symjac jacobian "x**3*y, cos(y)**2 + 5*x, y*exp(x)"
      symjac jacobian "p + 4*q, sin(r**2*s)" --wrt "[[p, q], [r, s]]"
      symjac jacobian "x*y, x + y" --at "x=1, y=2"
      symjac jacobian "x**2*y" --expect "[[2*x*y, x**2]]"     # exit 1 if wrong
      symjac jacobian "atan2(y, x), sqrt(x**2 + y**2)" --check --format json
      symjac jacobian -- "-x*y, x"
    """

    def compute():
        from symjac import api

        return api.jacobian(
            functions,
            wrt=wrt,
            at=at,
            layout=layout,
            order=order,
            expect=expect,
            check=check,
            simplify=simplify,
            steps=opts["steps"],
            all_steps=all_steps,
        )

    return run("jacobian", opts, compute)


def main() -> None:
    cli.main(prog_name="symjac")
