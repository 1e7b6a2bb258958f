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


class ExpressionCommand(click.Command):
    """A command whose arguments may begin with '-': "-h[y] + log(...)" is a loss, not options.

    An argument that starts with '-' but names no option of the command is
    passed on as a positional argument (after '--'), so users need not know
    the '--' convention.
    """

    def parse_args(self, ctx, args):
        names: set[str] = set()
        valued: set[str] = set()
        for p in self.get_params(ctx):
            if isinstance(p, click.Option):
                names.update(p.opts + p.secondary_opts)
                if not p.is_flag and not p.count:
                    valued.update(p.opts)
        kept, loose = [], []
        it = iter(args)
        for a in it:
            if a == "--":
                loose.extend(it)
                break
            head = a.split("=", 1)[0]
            if a in names or (a.startswith("--") and head in names):
                kept.append(a)
                if a in valued:
                    kept.append(next(it, ""))
            elif a.startswith("-") and len(a) > 1 and not (a[:2] in valued and a[:2] != a):
                loose.append(a)
            else:
                kept.append(a)
        return super().parse_args(ctx, kept + (["--", *loose] if loose else []))


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
        click.echo(out, nl=not out.endswith("\n"))  # one newline at the end, never two
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
        if fmt in ("markdown", "latex"):
            from symjac.render.math import undefined

            click.echo(undefined(e, fmt), nl=False)
        elif fmt != "json":
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
      symjac jacobian "p + 4*q, sin(r**2*s)" --wrt "[[p, q], [r, s]]"
      symjac grad "-h[y] + log(sum(exp(h)))" --where "h = theta.T @ x" \\
        --wrt theta --shape "theta=3x2, x=3x1" --index "y=1..2"
      symjac derive softmax-regression

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


@cli.command(cls=ExpressionCommand)
@click.argument("loss")
@click.option("--wrt", required=True, metavar="NAME", help="The parameter, declared in --shape.")
@click.option(
    "--shape",
    "shape",
    required=True,
    metavar="SHAPES",
    help='Every name\'s shape: "theta=3x2, x=3x1" (x=3 is a 3×1 column).',
)
@click.option(
    "--where",
    multiple=True,
    metavar="DEF",
    help='An intermediate, "h = theta.T @ x"; repeat for more, in order.',
)
@click.option("--index", metavar="RANGES", help='Index variables and their values: "y=1..2".')
@click.option(
    "--expect", metavar="EXPR", help="A hand-derived gradient to check (exit 1 if wrong)."
)
@common_options
def grad(loss: str, wrt: str, shape: str, where: tuple[str, ...], index: str | None,
         expect: str | None, **opts) -> int:
    """The gradient of a scalar LOSS of matrix parameters, step by step.

    The loss is evaluated at the declared sizes with one symbol per entry
    (theta_1_1, x_1, ...) and differentiated entry by entry for every value
    of every --index variable; the result has the shape of the parameter
    (the true Jacobian is 1×(rows·cols), flattened row-major). The steps
    follow the chain rule through each --where intermediate, with shapes.

    \b
    The language: A @ B (product), A.T (transpose), h[i] (1-based, as in
    the worksheet; h[y] with an --index variable), M[i, j], + - * / **
    entry by entry (a 1×1 is a scalar), exp log sigmoid relu tanh ... on
    every entry, sum(M), mean(M), softmax(v), logsumexp(v), onehot(y, k),
    heaviside(M), trace(M).

    \b
    Examples:
      symjac grad "-h[y] + log(sum(exp(h)))" --where "h = theta.T @ x" \\
        --wrt theta --shape "theta=3x2, x=3x1" --index "y=1..2" \\
        --expect "x @ (softmax(h) - onehot(y, 2)).T"
      symjac grad "sum((X @ theta - y)**2) / 2" --wrt theta \\
        --shape "X=3x2, theta=2x1, y=3x1" --expect "X.T @ (X @ theta - y)"
    """

    def compute():
        from symjac import api

        return api.grad(loss, wrt, shape, where=where, index=index, expect=expect,
                        steps=opts["steps"])

    return run("grad", opts, compute)


@cli.command()
@click.argument("name", required=False)
@click.option("--list", "list_all", is_flag=True, help="List the known derivations.")
@click.option(
    "--sizes", metavar="SIZES", help='Sizes to verify at, e.g. "n=4, k=3" (default: small ones).'
)
@common_options
def derive(name: str | None, list_all: bool, sizes: str | None, **opts) -> int:
    """A step-by-step derivation in general sizes, verified at small ones.

    The closed form each derivation arrives at is checked against
    entrywise differentiation of the loss at concrete sizes (for every
    class y), and the output says which sizes ("verified" in JSON).

    \b
    Examples:
      symjac derive --list
      symjac derive softmax-regression            # the worksheet's problem 3
      symjac derive softmax-regression -f markdown
      symjac derive two-layer-mlp --sizes "n=4, d=3, k=3" -f json
    """

    def compute():
        from symjac import api

        return api.derive(name, sizes=sizes, steps=opts["steps"], list_all=list_all)

    return run("derive", opts, compute)


@cli.command(cls=ExpressionCommand)
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
    trig). A list that starts with '-' needs no '--': "-x*y, x".

    \b
    Examples:
      symjac jacobian "x**3*y, cos(y)**2 + 5*x, y*exp(x)"
      symjac jacobian "p + 4*q, sin(r**2*s)" --wrt "[[p, q], [r, s]]"
      symjac jacobian "x*y, x + y" --at "x=1, y=2"
      symjac jacobian "x**2*y" --expect "[[2*x*y, x**2]]"     # exit 1 if wrong
      symjac jacobian "atan2(y, x), sqrt(x**2 + y**2)" --check --format json
      symjac jacobian "-x*y, x" --layout denominator
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
