"""The command line, in click: parse -> op -> render -> echo.

The commands' bodies, their output and their failures are symjac.cli.shell's
(which the console script also calls without click, for the common command
lines: symjac.cli.main); jacobian's and matmul's options, and every command's
common ones, are declared in symjac.cli.options. Only click and those two
small modules are imported at start-up, so `symjac --help` stays fast;
each command imports the math it needs when it runs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import click

from symjac.cli import options, shell
from symjac.cli.options import DEFAULT_TIMEOUT
from symjac.cli.shell import (
    EXIT_LIMIT,
    EXIT_OK,
    EXIT_UNDEFINED,
    EXIT_USAGE,
    _echo,
    say,
)
from symjac.core import __version__
from symjac.core.commands import COMMANDS
from symjac.render import FORMATS

_emit, _write = shell.emit, shell.write
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class SymjacGroup(click.Group):
    """A group whose every failure is one line on stderr and an exit code."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> NoReturn:
        # standalone_mode is ignored: every failure here is one line and an exit code.
        argv = list(args) if args is not None else sys.argv[1:]

        def invoke():
            try:
                return super(SymjacGroup, self).main(args, prog_name or "symjac",
                                                     complete_var=complete_var,
                                                     standalone_mode=False, **extra)
            except click.exceptions.NoArgsIsHelpError as e:
                click.echo(e.ctx.get_help())
                return EXIT_OK
            except click.ClickException as e:
                return _usage_error(e, argv)
            except click.Abort:  # click has ended the line of the ^C
                _echo("symjac: interrupted", err=True)
                return 130

        sys.exit(shell.guard(invoke, argv))


def _usage_error(e: click.ClickException, argv: list[str]) -> int:
    """click's usage errors: one line (and with --format json, the JSON object too)."""
    hint = ""
    ctx = getattr(e, "ctx", None)
    if ctx is not None:
        hint = f" (see '{ctx.command_path} --help')"
    if _wants_json(argv):  # DESIGN: with --format json, one object on stdout
        from symjac.core.errors import InputError
        from symjac.core.model import error_dict
        from symjac.render.data import dumps

        command = ctx.info_name if ctx is not None and ctx.parent is not None else None
        err = InputError(e.format_message())
        obj = error_dict(command or "symjac", err)
        obj["error"]["type"] = "UsageError"
        _echo(dumps(obj))
    say("error", e.format_message(), hint)
    return e.exit_code


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
            elif _misspelt(a):
                # A misspelt option (--wtr), not an expression: say so, as click does.
                import difflib

                close = difflib.get_close_matches(head, sorted(n for n in names
                                                               if n.startswith("--")), 1)
                raise click.NoSuchOption(head, possibilities=close, ctx=ctx)
            elif a.startswith("-") and len(a) > 1 and not (a[:2] in valued and a[:2] != a):
                loose.append(a)
            else:
                kept.append(a)
        return super().parse_args(ctx, kept + (["--", *loose] if loose else []))


def _misspelt(arg: str) -> bool:
    import re

    return re.fullmatch(r"--[A-Za-z][A-Za-z-]+(=.*)?", arg) is not None


class Seconds(click.ParamType):
    """A time limit: a finite number of seconds >= 0 (0: no limit); nan and inf are refused."""

    name = "seconds"

    def convert(self, value, param, ctx):
        try:
            return options.seconds(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def _jobs(jobs: int | None) -> int | None:
    """--jobs, capped at the cores this process may use (with a warning when capped)."""
    if jobs is None:
        return None
    from symjac.isolation import cpu_count

    cores = cpu_count()
    if jobs > cores:
        say("warning", f"--jobs {jobs} is more than the {cores} "
            f"{'core' if cores == 1 else 'cores'} here; using {cores}")
        return cores
    return jobs


class Size(click.ParamType):
    """A memory size: 4G, 512M, 1.5GiB or bytes; 0 means no cap."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from symjac.isolation import parse_size

        try:
            return parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


class FormatChoice(click.Choice):
    """--format: case-insensitive, and md/tex are accepted for markdown/latex."""

    def __init__(self):
        super().__init__(FORMATS)

    def convert(self, value, param, ctx):
        if isinstance(value, str):
            value = options.format_name(value)
        return super().convert(value, param, ctx)


# One type per kind of value, shared by every option that takes it, so that the
# same text is accepted or refused, with the same message, by every command.
SECONDS = Seconds()  # a time limit or budget
SIZE = Size()  # a memory cap
FORMAT = FormatChoice()  # -f/--format
FILE = click.Path(dir_okay=False, allow_dash=True)  # '-' is stdin; completes file names
JOBS = click.IntRange(min=1, max=256)  # worker processes
VISIBILITY = click.Choice(VISIBILITIES)  # Gradescope's


def _wants_json(args: list[str]) -> bool:
    """Did the command line ask for --format json? (for errors found before parsing ends)"""
    for i, a in enumerate(args):
        low = a.lower()
        if low in ("--format=json", "-fjson"):
            return True
        if a in ("-f", "--format") and i + 1 < len(args) and args[i + 1].lower() == "json":
            return True
    return False


def _click_option(o: options.Option) -> Callable:
    """A click option from its declaration in symjac.cli.options."""
    decls = [f"{o.flags[-1]}/{o.off}"] if o.kind == "switch" else [*o.flags, o.name]
    kw: dict = {"help": o.help, "default": o.default}
    if o.kind == "flag":
        kw["is_flag"] = True
    elif o.kind == "value":
        kw["type"] = {"format": FORMAT, "seconds": SECONDS, "size": SIZE, "path": FILE,
                      "choice": click.Choice(o.choices), "text": None}[o.type]
    if o.metavar:
        kw["metavar"] = o.metavar
    if o.show_default:
        kw["show_default"] = True
    return click.option(*decls, **kw)


def _declared(declared: tuple[options.Option, ...]) -> Callable[[Callable], Callable]:
    """Decorate a command with declared options, in --help in their declared order."""

    def decorate(f: Callable) -> Callable:
        for o in reversed(declared):
            f = _click_option(o)(f)
        return f

    return decorate


def common_options(f: Callable) -> Callable:
    """--format, --steps/--no-steps, --timeout, --max-memory, -o, --standalone and --debug,
    on every command (declared in symjac.cli.options.COMMON).

    The command receives them in **opts (fmt, steps, timeout, max_memory,
    output, standalone, debug) and hands opts to run(); pass an api function
    only the keys it takes. The group's --debug counts too.
    """

    @_declared(options.COMMON)
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        output_format(kwargs["fmt"], kwargs.get("output"), kwargs.get("standalone", False))
        if not kwargs.get("debug"):
            kwargs["debug"] = bool(click.get_current_context().find_root().params.get("debug"))
        return f(*args, **kwargs)

    return wrapper


def output_format(fmt: str, output: str | None = None, standalone: bool = False) -> str:
    """shell.output_format, its refusal (--standalone with another format) a usage error."""
    from symjac.core.errors import InputError

    try:
        return shell.output_format(fmt, output, standalone)
    except InputError as e:
        raise click.UsageError(str(e)) from None


def run(command: str, opts: dict, compute: Callable, isolate: bool = True) -> int:
    """shell.run: the operation under the limits, rendered; its exit code."""
    return shell.run(command, opts, compute, isolate)


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
      symjac solve examples/discussion01.toml --format markdown
      symjac check examples/discussion01.toml --answers student.toml
      symjac check - --junit report.xml < problems.toml   # '-': stdin/stdout
      symjac matmul "[[1,2]]" "[[3],[4]]" --standalone -o product.tex

    Exit codes: 0 done, 1 undefined or a check failed, 2 bad input,
    3 a limit was hit, 4 an internal error (a bug).
    """


@cli.command()
@click.argument(COMMANDS["matmul"].positional, nargs=-1, required=True, metavar="A B [C ...]")
@_declared(options.MATMUL)
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
      symjac matmul '\\begin{bmatrix} 1 & 6 \\\\ 7 & 5 \\end{bmatrix}' "[[3],[0]]"   # LaTeX
    """

    return shell.matmul(matrices, all_steps, expect, **opts)


@cli.command(cls=ExpressionCommand)
@click.argument(COMMANDS["grad"].positional)
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
@click.option("--sizes", metavar="SIZES",
              help='Sizes to verify at when --shape uses letters, e.g. "n=4, k=3".')
@_declared(options.RESULT)
@click.option("--answer-shape", type=click.Choice(["either", "like-wrt"]), default="either",
              show_default=True,
              help="like-wrt: --expect must have the parameter's shape; either: for a "
              "vector parameter the Jacobian's layout (1×n) is taken too, with a note.")
@common_options
def grad(loss: str, wrt: str, shape: str, where: tuple[str, ...], index: str | None,
         expect: str | None, sizes: str | None, answer_shape: str, **opts) -> int:
    """The gradient of a scalar LOSS of matrix parameters, in closed form, step by step.

    The gradient is derived on the matrix expression itself (reverse mode:
    the adjoint of each node, shaped like it) and printed in closed form,
    such as x @ (softmax(h) - onehot(y, k)).T (result.closed_form in JSON,
    which --expect reads back). It is shown only once verified against
    entrywise differentiation (one symbol per entry, theta_1_1, x_1, ...)
    for every value of every --index variable; the entries are shown as
    the check. Sizes may be letters (theta=nxk): the check then runs at
    small sizes (--sizes), named in the output. The result has the shape
    of the parameter (the true Jacobian is 1×(rows·cols), row-major).

    \b
    The language: A @ B (product), A.T (transpose), h[i] (1-based, as in
    the worksheet; h[y] with an --index variable), M[i, j], + - * / **
    entry by entry (a 1×1 is a scalar), exp log sigmoid relu tanh ... on
    every entry, sum(M), mean(M), softmax(v), logsumexp(v), onehot(y, k),
    heaviside(M), trace(M) or tr(M), det(X), logdet(X), inv(X), norm(M)
    (Frobenius; the 2-norm of a vector), diag(v or M), eye(n), ones(n, m),
    kron(A, B). --shape "S=3x3 symmetric" declares a symmetric matrix.

    \b
    Examples:
      symjac grad "-h[y] + log(sum(exp(h)))" --where "h = theta.T @ x" \\
        --wrt theta --shape "theta=nxk, x=n" --index "y=1..k"
      symjac grad "-h[y] + log(sum(exp(h)))" --where "h = theta.T @ x" \\
        --wrt theta --shape "theta=3x2, x=3x1" --index "y=1..2" \\
        --expect "x @ (softmax(h) - onehot(y, 2)).T"
      symjac grad "norm(A @ x - b)**2" --wrt x --shape "A=mxn, x=n, b=m"
      symjac grad "a.T @ inv(X) @ b" --wrt X --shape "a=n, X=nxn, b=n"
      symjac grad '-h_y + \\log \\sum_{j=1}^{k} e^{h_j}' --where 'h = \\theta^T x' \\
        --wrt theta --shape "theta=3x2, x=3x1" --index "y=1..2"     # LaTeX
    """

    def compute():
        from symjac import api
        from symjac.cli.sources import read_source

        return api.grad(read_source(loss, "loss"), wrt, shape, where=where, index=index,
                        expect=expect, steps=opts["steps"], sizes=sizes,
                        answer_shape=answer_shape)

    return run("grad", opts, compute)


@cli.command(cls=ExpressionCommand)
@click.argument(COMMANDS["hessian"].positional)
@click.option("--wrt", metavar="NAME", help="The parameter (with --shape), or the variables "
              "'x, y' of a plain function (default: every free symbol).")
@click.option("--shape", "shape", metavar="SHAPES",
              help='Every name\'s shape, as for grad: "A=3x2, x=2, b=3" (letters allowed).')
@click.option("--where", multiple=True, metavar="DEF", help="An intermediate, as for grad.")
@click.option("--index", metavar="RANGES", help='Index variables, as for grad: "y=1..2".')
@click.option("--expect", metavar="EXPR",
              help="A hand-derived Hessian to check (exit 1 if wrong).")
@click.option("--sizes", metavar="SIZES",
              help='Sizes to verify at when --shape uses letters, e.g. "n=4".')
@_declared(options.RESULT)
@common_options
def hessian(loss: str, wrt: str | None, shape: str | None, where: tuple[str, ...],
            index: str | None, expect: str | None, sizes: str | None, **opts) -> int:
    """The Hessian of a scalar LOSS: the Jacobian of its gradient (numerator layout).

    Without --shape, LOSS is a function of plain variables and the Hessian
    is worked entry by entry. With --shape, the parameter is flattened
    row-major (θ n×k gives an nk×nk Hessian), the closed form is derived
    from the gradient's (Kronecker products in row-major order: vec(AVB)
    = (A ⊗ Bᵀ) vec(V)) and verified entry by entry.

    \b
    Examples:
      symjac hessian "x**2*y + sin(y)"
      symjac hessian "sum((A @ x - b)**2)" --wrt x --shape "A=3x2, x=2, b=3" \\
        --expect "2 * A.T @ A"
      symjac hessian "-h[y] + log(sum(exp(h)))" --where "h = theta.T @ x" \\
        --wrt theta --shape "theta=3x2, x=3" --index "y=1..2"
    """

    def compute():
        from symjac import api
        from symjac.cli.sources import one_stdin, read_source

        one_stdin(loss, wrt)
        return api.hessian(read_source(loss, "loss"), read_source(wrt, "variables"), shape,
                           where=where, index=index, expect=expect, steps=opts["steps"],
                           sizes=sizes)

    return run("hessian", opts, compute)


def _derivation_names(ctx, param, incomplete: str):
    """Tab completion of `symjac derive NAME`: the known derivations."""
    from click.shell_completion import CompletionItem

    from symjac.ops.derive import RECIPES

    return [CompletionItem(name, help=r.summary) for name, r in RECIPES.items()
            if name.startswith(incomplete)]


@cli.command()
@click.argument(COMMANDS["derive"].positional, required=False,
                shell_complete=_derivation_names)
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

    # With --no-steps the derivation keeps only its answer and verification, which
    # are steps here, so they must still be rendered.
    return run("derive", {**opts, "steps": True}, compute)


@cli.command(cls=ExpressionCommand)
@click.argument(COMMANDS["jacobian"].positional, metavar="FUNCTIONS")
@_declared(options.JACOBIAN)
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
      symjac jacobian "x^3 y, cos^2 y + 5x, y e^x"     # as typed on a calculator
      symjac jacobian '\\begin{bmatrix} x^3 y \\\\ \\cos^2 y + 5x \\\\ ye^x \\end{bmatrix}'
    """

    return shell.jacobian(functions, wrt, at, layout, order, expect, check, simplify,
                          all_steps, **opts)
# -- problem files ------------------------------------------------------------------


def _batch(command: str, fmt: str, debug: bool, body: Callable[[], int]) -> int:
    """Run a batch command's body, its errors said as run() says them."""
    try:
        return body()
    except (KeyboardInterrupt, BrokenPipeError):
        raise  # shell.guard reports these
    except Exception as e:
        from symjac.core.errors import classify

        return shell.fail(command, fmt, classify(e, f"symjac {command}"), debug)


def _check_outputs(outputs: dict, inputs) -> None:
    """Refuse outputs onto the inputs, onto each other or onto a FIFO, before any work."""
    from symjac.batch.files import check_outputs

    # --gradescope may name a folder: one results.json per submission inside it
    check_outputs(outputs, [i for i in inputs if i != "-"], folders=("--gradescope",))


class _Bar:
    """check's progress bar on stderr (rich), when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.task: Any = None

    def start(self, total: int) -> None:
        from rich.console import Console

        console = Console(stderr=True)
        # A real terminal only: FORCE_COLOR (set in many CI logs) must not bring a live bar.
        if not console.is_terminal or not sys.stderr.isatty() or total < 2:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        # No refresh thread: children are forked, and a thread holding a lock must not be.
        self.bar = Progress("checking", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=console, transient=True, auto_refresh=False)
        self.task = self.bar.add_task("problems", total=total)
        self.bar.start()

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def refresh(self) -> None:
        if self.bar is not None:
            self.bar.refresh()

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _progress() -> _Bar:
    return _Bar()


JOBS_HELP = "Workers at once, each a forked process (default: the number of cores)."


class Shard(click.ParamType):
    """--shard i/N: the i-th of N shares (1 <= i <= N)."""

    name = "i/N"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        i, slash, n = text.partition("/")
        if not slash or not i.strip().isdigit() or not n.strip().isdigit():
            self.fail(f"'{value}' is not a shard; write i/N, e.g. 1/4", param, ctx)
        share, shares = int(i), int(n)
        if not 1 <= share <= shares or shares > 100_000:
            self.fail(f"'{value}': the shard i/N needs 1 <= i <= N", param, ctx)
        return (share, shares)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...", type=FILE)
@click.option("--answers", "answer_files", multiple=True, metavar="FILE", type=FILE,
              help="Grade this answer file (id = answer) instead of each problem's expect; "
              "repeat for one report per file ('-': stdin).")
@click.option("--answers-dir", type=click.Path(file_okay=False, exists=True), metavar="DIR",
              help="Grade every .toml and .json answer file in DIR (one per student).")
@click.option("--shard", type=Shard(), metavar="i/N",
              help="Grade only the i-th of N shares of the answer files (of the problems "
              "without answers): one job of a CI matrix, a Slurm array or indexed jobs.")
@click.option("-j", "--jobs", type=JOBS, default=None, metavar="N", help=JOBS_HELP)
@click.option("--timeout", type=SECONDS, default=DEFAULT_TIMEOUT,
              show_default=True, metavar="SECONDS",
              help="Time limit per problem (per answer); one over it is 'limit' (0: no limit).")
@click.option("--budget", type=SECONDS, default=None, metavar="SECONDS",
              help="Time for all of one student's answers; those not reached are 'limit'.")
@click.option("--max-memory", type=SIZE, default=None, metavar="SIZE",
              help="Memory each worker may use, e.g. 2G (default: $SYMJAC_MAX_MEMORY or 4G).")
@click.option("--memory", type=click.IntRange(min=16), default=None, metavar="MB",
              help="Deprecated: MB beyond symjac's own; use --max-memory.")
@click.option("--junit", type=FILE, metavar="PATH",
              help="Also write the results as JUnit XML (for CI; '-': stdout, and the "
              "report goes to stderr).")
@click.option("--gradescope", type=click.Path(allow_dash=True), metavar="PATH",
              help="Also write a Gradescope results.json ('-': stdout, and the report goes "
              "to stderr); with several answer files, PATH is a directory and each gets "
              "PATH/NAME/results.json.")
@click.option("--visibility", type=VISIBILITY, default="visible",
              show_default=True, help="Gradescope: when students see the tests.")
@click.option("--report", "report_path", type=FILE, metavar="PATH",
              help="Also write a cohort report: per problem, how many passed and how many "
              "made each named mistake; PATH.html is a page with a score histogram and a bar "
              "of mistakes per problem and the per-student table, else Markdown.")
@click.option("--gradebook", type=FILE, metavar="PATH",
              help="Also write a gradebook CSV: one row per student (id, a score per "
              "problem, total, maximum, mistake tags).")
@click.option("--student", metavar="ID",
              help="Whose variant of problems with [problem.params]: of the one answer file "
              "(default: its 'student' key, else its name), or checked without answers.")
@click.option("--roster", type=FILE, metavar="CSV",
              help="Without answers: check every student's variant (a CSV with an id, "
              "student, sid or email column, else ids in the first column).")
@click.option("--metadata", type=click.Path(dir_okay=False, exists=True), metavar="PATH",
              help="Gradescope's submission_metadata.json: the student is its first user "
              "(sid, else email).")
@click.option("-o", "--output", type=FILE, metavar="PATH",
              help="Write the report to PATH instead of stdout; with --format auto its "
              "extension picks the format (.md, .tex, .json, else text).")
@click.option("--standalone", is_flag=True,
              help="A complete LaTeX document rather than a fragment; implies --format latex.")
@click.option("--reveal", is_flag=True,
              help="Show the right answers in the Gradescope output (hidden by default: "
              "students see which entries are wrong, not what they should be).")
@click.option("-f", "--format", "fmt", type=FORMAT, default="auto",
              show_default=True, help="Report format; auto is rich on a terminal, text in a pipe.")
@click.option("--debug", is_flag=True, help="Print the traceback of an internal error.")
def check(files, answer_files, answers_dir, shard, jobs, timeout, budget, max_memory, memory,
          junit, gradescope, visibility, report_path, gradebook, student, roster, metadata,
          output, standalone, reveal, fmt, debug) -> int:
    """Check every problem of problem files, or grade students' answer files.

    Without answers, a problem passes when its result matches its `expect`
    (`expect = "undefined"` expects an undefined answer). With --answers or
    --answers-dir, each file is one student's: every problem is passed,
    failed (with the mistake named: transpose, sign, chain-rule, ...),
    invalid (the answer cannot be read, or uses a name the problem does not
    have: not wrong, unread; score 0), undecided, error, limit or ungraded,
    and scored (partial credit and the author's [[problem.feedback]] apply).
    Answers are read with the problem's variables: 2xy is 2·x·y in a problem
    in x and y, and the report says so. An answer file that cannot be read
    is its student's error (score 0); the others are still graded.

    \b
    Examples:
      symjac check examples/discussion01.toml
      symjac check problems.toml --answers alice.toml --answers bob.toml
      symjac check problems.toml --answers-dir submissions/ --report cohort.md
      symjac check problems.toml --answers-dir subs/ --shard 2/8 --format json
      symjac check problems.toml --junit report.xml --format json
      symjac check problems.toml --answers submission.json --gradescope results.json
      symjac check problems.toml --answers-dir subs/ --gradebook grades.csv --report r.html
      symjac check variants.toml --roster roster.csv      # every student's variant

    \b
    An answer file maps problem ids to answers:
      "1b" = "[[29],[5],[26]]"

    Exit codes: 0 every problem passed (or, with no expect, was solved: computed,
    not checked), 1 any did not, 2 a file cannot be used (an answer file that
    cannot be read: the rest is still graded and written).
    """
    _one_stdin([*files, *answer_files])
    to_stdout = [name for name, path in (("--junit", junit), ("--gradescope", gradescope),
                                         ("--gradebook", gradebook), ("-o", output))
                 if path == "-"]
    if len(to_stdout) > 1:
        raise click.UsageError(f"only one output can be '-' (stdout): {' and '.join(to_stdout)}")
    # With --junit - or --gradescope -, stdout is that file, so the report goes to stderr.
    report_to_stderr = bool(to_stdout) and to_stdout[0] != "-o"
    fmt = output_format(fmt, output, standalone)
    if fmt == "rich" and report_to_stderr:
        fmt = "text"

    jobs = _jobs(jobs)

    def body() -> int:
        from symjac.batch.check import Checking, all_passed, check

        cap = max_memory
        if memory is not None:
            say("warning", "--memory MB is deprecated; use --max-memory SIZE")
            if cap is None:
                from symjac.isolation import headroom

                cap = headroom(memory)
        checked = check(
            Checking(files=files, answer_files=answer_files, answers_dir=answers_dir,
                     shard=shard, jobs=jobs, limits=shell.resolve_limits(timeout, cap),
                     budget=budget, junit=junit, gradescope=gradescope,
                     visibility=visibility, report_path=report_path, output=output,
                     reveal=reveal, fmt=fmt, standalone=standalone, student=student,
                     roster=roster, metadata=metadata, gradebook=gradebook),
            warn=lambda w: say("warning", w), write=_write, progress=_progress())
        text = checked.report
        if report_to_stderr:
            click.echo(shell.as_text(text)[0].rstrip("\n"), err=True)
        elif output is not None:
            _write(output, text)
        else:
            _emit(text)
        if checked.bad_files:
            n = checked.bad_files
            click.echo(f"symjac: error: {n} answer {'file' if n == 1 else 'files'} could not "
                       "be read (graded 0; the others were graded)", err=True)
            return EXIT_USAGE
        return EXIT_OK if all_passed(checked.outcomes) else EXIT_UNDEFINED

    return _batch("check", fmt, debug, body)


@cli.command()
@click.argument("file", metavar="FILE", type=FILE)
@click.option("-j", "--jobs", type=JOBS, default=None, metavar="N", help=JOBS_HELP)
@click.option("--student", metavar="ID",
              help="Whose variant of the problems with [problem.params].")
@click.option("--roster", type=FILE, metavar="CSV",
              help="One document per student of the roster, into the folder -o DIR (a CSV "
              "with an id, student, sid or email column, else ids in the first column).")
@click.option("--solutions/--no-solutions", default=True, show_default=True,
              help="Worked solutions, or a problem sheet (each problem's text and statement).")
@common_options
def solve(file: str, jobs: int | None, student: str | None, roster: str | None,
          solutions: bool, **opts) -> int:
    """Write worked solutions for a problem file, like a course worksheet.

    For each problem: its title and text, then **Solution:**, the steps and
    the result. Markdown and LaTeX follow the worksheet's style; LaTeX is a
    complete document (pdflatex solutions.tex). Each problem runs in its own
    process under --timeout; a problem that cannot be solved is noted in the
    document and on stderr. Problems with [problem.params] are shown as the
    --student's variant; --no-solutions writes a problem sheet.

    \b
    Examples:
      symjac solve examples/discussion01.toml
      symjac solve examples/discussion01.toml --format markdown
      symjac solve examples/discussion01.toml -o solutions.tex
      symjac solve examples/discussion01.toml --format json --no-steps
      symjac solve examples/discussion01-variants.toml --student alice
      symjac solve examples/discussion01-variants.toml --roster roster.csv --no-solutions -o sheets/

    Exit codes: 0 every problem solved (an undefined answer is a solution),
    2 a file or a problem cannot be used, 3 a problem hit a limit.
    """
    output = opts["output"]
    if roster is not None:
        if student is not None:
            raise click.UsageError("--student and --roster: give one (--roster writes every "
                                   "student's document)")
        if output in (None, "-"):
            raise click.UsageError("--roster writes one document per student: give the "
                                   "folder with -o DIR")
    # LaTeX is a whole document; with --roster, -o is a folder: text unless --format says
    fmt = output_format(opts["fmt"], output, opts["standalone"])
    jobs = _jobs(jobs)

    def body() -> int:
        import os

        from symjac.batch.solutions import file_names, render_document
        from symjac.batch.solutions import solve as solving

        if roster is None:
            _check_outputs({"-o": output}, [file])
        elif os.path.exists(output) and not os.path.isdir(output):
            from symjac.core.errors import FileError

            raise FileError(f"{output}: not a folder (--roster writes one file per student)")
        docs = solving(file, fmt=fmt, steps=opts["steps"], solutions=solutions,
                       student=student, roster=roster, jobs=jobs,
                       limits=shell.resolve_limits(opts["timeout"], opts.get("max_memory")),
                       warn=lambda w: say("warning", w))
        shown = fmt
        code = EXIT_OK
        if roster is not None:
            os.makedirs(output, exist_ok=True)
            names = file_names([ps.student or "" for ps, _, _ in docs], fmt)
            for (ps, outcomes, _), name in zip(docs, names, strict=True):
                _write(os.path.join(output, name),
                       render_document(ps, outcomes, shown, steps=opts["steps"],
                                       solutions=solutions))
            click.echo(f"wrote {len(names)} {'file' if len(names) == 1 else 'files'} "
                       f"in {output}", err=True)
        else:
            ps, outcomes, _ = docs[0]
            doc = render_document(ps, outcomes, shown, steps=opts["steps"],
                                  solutions=solutions)
            if output is not None:
                _write(output, doc)
            else:
                _emit(doc)
        for ps, outcomes, _ in docs:
            for o in outcomes:
                if o.status != "solved":
                    who = f" (student {ps.student})" if ps.student else ""
                    say("error", f"{file}: problem {o.id or o.index}{who}: {o.message}")
                    code = max(code, EXIT_LIMIT if o.status == "limit" else EXIT_USAGE)
        return code

    return _batch("solve", fmt, opts["debug"], body)


def _one_stdin(paths) -> None:
    if sum(1 for p in paths if p == "-") > 1:
        raise click.UsageError("standard input ('-') can be read only once")


@cli.group()
def gradescope() -> None:
    """Gradescope: build an autograder from a problem file."""


@gradescope.command("build")
@click.argument("file", type=click.Path(dir_okay=False), metavar="FILE")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="autograder.zip",
              show_default=True, metavar="ZIP", help="Where to write the autograder.")
@click.option("--reveal", is_flag=True, help="Show students the right answers of wrong ones.")
@click.option("--package", metavar="SPEC",
              help="Install this from the package index instead (e.g. symjac==0.2.0); by "
              "default the installed symjac is bundled as a wheel and installed offline.")
@click.option("--wheel", type=click.Path(dir_okay=False, exists=True), metavar="PATH",
              multiple=True,
              help="Bundle this wheel: symjac's own (instead of the installed symjac) or a "
              "dependency's; with every dependency's, setup.sh needs no network at all. "
              "Repeat for more.")
@click.option("--timeout", type=SECONDS, default=None, metavar="SECONDS",
              help="Time limit per problem when grading (default: check's).")
@click.option("--visibility", type=VISIBILITY, default="visible",
              show_default=True, help="When students see the tests.")
@click.option("--debug", is_flag=True, help="Print the traceback of an internal error.")
def gradescope_build(file, output, reveal, package, wheel, timeout, visibility, debug) -> int:
    """Write a Gradescope autograder zip for a problem file.

    The zip holds setup.sh (installs Python >= 3.11 where the image lacks
    it, then symjac from the wheel in the zip's wheels/, with --no-index),
    run_autograder (grades the student's .toml or .json answer file from
    $AUTOGRADER_ROOT/submission, default /autograder, into
    $AUTOGRADER_ROOT/results/results.json, with a fallback results.json if
    grading fails; the student of problems with [problem.params] is the
    submission_metadata.json's) and the problem file. Upload it as the
    assignment's autograder ("Zip file upload").

    \b
    Examples:
      symjac gradescope build examples/discussion01.toml -o autograder.zip
      symjac gradescope build problems.toml --wheel dist/symjac-0.1.0-py3-none-any.whl
      pip download -d deps/ --only-binary=:all: --python-version 3.11 \\
        --platform manylinux2014_x86_64 sympy mpmath click rich python-flint symengine pylatexenc
      symjac gradescope build problems.toml $(printf -- '--wheel %s ' deps/*.whl)
    """

    def body() -> int:
        from symjac.batch.gradescope import build

        names = build(file, output, reveal=reveal, package=package, wheel=wheel,
                      timeout=timeout, visibility=visibility)
        click.echo(f"wrote {output}: {', '.join(names)}")
        return EXIT_OK

    return _batch("gradescope", "text", debug, body)


def main() -> None:
    cli.main(prog_name="symjac")
