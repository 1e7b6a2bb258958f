"""The library API: one function per command, taking the command's options.

Each function takes text, exactly as the command line does (and as problem
files do: a problem's keys are these keyword arguments), and returns a
Derivation. They raise SymjacError subclasses; they never print or exit.

The functions run in the caller's process, with no limits of their own:
limits are put around them once, at the top, by whoever calls them (the
command line's ``run``, the library's reused worker in symjac.library, a
problem file's workers in symjac.batch), so nothing inside a limited worker
forks again. Call ``symjac.jacobian`` and its siblings for the limits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any

from symjac.core.model import Derivation


def reads(fn: Callable[..., Derivation]) -> Callable[..., Derivation]:
    """An api function that states how its inputs were read (``stated``).

    The signature seen by inspect (and so by problem files) stays fn's own.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> Derivation:
        return stated(fn, *args, **kwargs)

    return wrapper


def stated(fn: Callable[..., Derivation], *args, **kwargs) -> Derivation:
    """fn's Derivation, with how its inputs were read when that was loose (DESIGN.md,
    Reading): the reading, stated before the result, and one line in its warnings."""
    from symjac.language.parser import watch_names

    with watch_names() as names:
        d = fn(*args, **kwargs)
    said = names.warnings()
    reading = names.reading()
    if reading:
        if names.notes:
            reading += f" ({'; '.join(names.notes)})"
        said.insert(0, f"read as: {reading}")
    said = [w for w in said if w not in d.warnings]
    d = Solution.of(d)
    if not said and not reading:
        return d
    return replace(d, reading=reading or d.reading, warnings=(*said, *d.warnings))


class Solution(Derivation):  # no fields of its own: Derivation's init, repr and fields
    """A Derivation as a library user holds it: ``str()`` is the worked solution,
    Jupyter shows it, and ``to_sympy()`` gives the result as a sympy Matrix."""

    @classmethod
    def of(cls, d: Derivation) -> Solution:
        if isinstance(d, Solution):
            return d
        return cls(**{f.name: getattr(d, f.name) for f in fields(d)})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Derivation):  # a Solution is equal to the Derivation it holds
            return all(getattr(self, f.name) == getattr(other, f.name)
                       for f in fields(Derivation) if f.compare)
        return NotImplemented

    __hash__ = Derivation.__hash__

    def to_sympy(self, real: bool = False, symbols: dict | None = None) -> Any:
        """The result as a sympy Matrix: the one computed, or else its entry strings
        read back by symjac's parser (the fast engine and ``from_dict`` keep only those).

        Its symbols are plain ``sympy.Symbol(name)``, equal to the user's own
        ``sympy.symbols(...)``; ``real=True`` keeps symjac's real symbols, which
        it uses to simplify ``sqrt(x**2)`` to ``Abs(x)``, and ``symbols`` (name ->
        real Symbol, filled as it goes) shares them with other parsed input.
        ``Derivative(...)`` entries (of floor or ceiling) stay unevaluated
        derivatives. None without a result.
        """
        if self.result is None:
            return None
        import sympy

        m = self.result.value
        if not isinstance(m, sympy.MatrixBase):
            from symjac.language.parser import parse_entries

            m = parse_entries(self.result.matrix, {} if symbols is None else symbols)
        if not real and symbols is None:
            m = m.xreplace({s: sympy.Symbol(s.name) for s in m.free_symbols})
        return m

    def to_code(self, language: str = "numpy", command: str | None = None) -> str:
        """The result as code to run: "numpy", "jax", "c" or "python" (symjac.ops.emit).

        A Jacobian or a Hessian of plain variables: a function of the vector
        ``v`` of the variables, in the declared order, returning the result in
        its stated layout, with common subexpressions eliminated and only the
        nonzeros assigned. A gradient (or a Hessian of matrices): its closed
        form as array code (numpy or jax), with ``loss`` and a central-difference
        ``check_gradient``; InputError where there is no closed form.
        ``command`` is written in the header comment (escaped).
        """
        from symjac.core import __version__
        from symjac.ops import emit

        if self.result is None:
            raise emit.CannotEmit(f"there is no result to emit: {self.summary}")
        made = f"symjac {__version__}: " + (command or f"a {self.command} result, "
                                              "from the library")
        header = [f"Generated by {made}", self.summary]
        extra: dict[str, Any] = dict(self.extra)
        closed = self.result.extra.get("closed_form")
        if self.command == "grad" or (self.command == "hessian" and "wrt" in extra
                                      and "layout" not in extra):
            found = extra.get("closed_form")
            if isinstance(found, dict) and not found.get("found"):
                closed = None
            verified = extra.get("verified") or {}
            info = {
                "closed_form": closed,
                "declared_shapes": extra.get("declared_shapes") or verified.get("shapes"),
                "index": extra.get("index"),
                "intermediates": extra.get("intermediates"),
                "loss": extra.get("loss"),
                "wrt": extra.get("wrt"),
            }
            what = "gradient" if self.command == "grad" else "Hessian"
            return emit.closed_form_code(info, language, header=header,
                                         name="gradient" if what == "gradient" else "hessian",
                                         what=what)
        if self.command not in ("jacobian", "hessian"):
            raise emit.CannotEmit(f"--emit writes Jacobians, gradients and Hessians, "
                                  f"not a {self.command} result")
        layout = extra.get("layout", "numerator")
        rows, cols = self.result.shape
        header.append(f"{'Jacobian' if self.command == 'jacobian' else 'Hessian'} in "
                      f"{layout} layout: {rows}x{cols}"
                      + (" (outputs x inputs)" if layout == "numerator"
                         else " (inputs x outputs)")
                      + (f"; a matrix of variables flattened {extra.get('order')}-major"
                         if extra.get("input_shape") else "")
                      + ("; a matrix-valued function flattened row-major"
                         if extra.get("output_shape") else "") + ".")
        return emit.matrix_code(self.to_sympy(), list(self.variables or ()), language,
                                name=self.command, header=header)

    def to_function(self) -> Any:
        """The NumPy code of ``to_code("numpy")``, as a Python function.

        The code is symjac's own, generated from the parsed expression (names
        replaced by ``v[k]``, or checked to be plain identifiers); it runs with
        ``exec`` in a fresh namespace. No user text is ever evaluated.
        """
        from symjac.ops.emit import function

        return function(self.to_code("numpy"), f"symjac {self.command}")

    def __str__(self) -> str:
        """The plain-text worked solution, as `symjac ... -f text` prints it."""
        from symjac.render import render

        return render(self, "text")

    # Jupyter shows a Solution as its worked solution (the renderers load lazily).
    def _repr_markdown_(self) -> str:
        from symjac.render import render

        return render(self, "markdown")

    def _repr_latex_(self) -> str:
        from symjac.render import render
        from symjac.render.document import ascii_latex

        return ascii_latex(render(self, "latex"))


def is_undefined(expect) -> bool:
    """Is this expected answer the word 'undefined' (the worksheet's 1a)?"""
    return isinstance(expect, str) and expect.strip().lower() == "undefined"


def _expect_undefined(command: str, call) -> Derivation:
    """--expect undefined: passes when the answer is undefined, fails when it exists."""
    from dataclasses import replace

    from symjac.core.errors import Undefined
    from symjac.core.model import Check

    try:
        d = call()
    except Undefined as e:
        return Derivation(
            command=command,
            summary=str(e),
            notes=tuple(f"hint: {h}" for h in e.hints),
            check=Check(True, (), "undefined, as expected"),
        )
    return replace(d, check=Check(False, (), "expected 'undefined', but the answer is defined"))


@reads
def matmul(
    *matrices: str, steps: bool = True, all_steps: bool = False, expect: str | None = None
) -> Derivation:
    """The product of matrices given as text, e.g. matmul("[[1,2]]", "[[3],[4]]").

    ``expect="undefined"`` checks that the product is undefined.
    """
    if is_undefined(expect):
        return _expect_undefined(
            "matmul", lambda: matmul(*matrices, steps=steps, all_steps=all_steps)
        )
    from symjac.engines.choose import run

    return run("matmul", {"steps": steps}, lambda: _exact_product(matrices, expect),
               lambda: _reference_product(matrices, steps, all_steps, expect))


def _exact_product(matrices: Sequence[str], expect: str | None) -> Derivation:
    """Integer and fraction literals: an exact product without importing sympy."""
    from symjac.language.builders import Unsupported
    from symjac.ops.fastmat import fast_matmul

    d = fast_matmul(matrices)
    if d is None:
        raise Unsupported("not a product of number matrices")
    return _check_product(d, expect, {}, matrices) if expect is not None else d


def _reference_product(matrices: Sequence[str], steps: bool, all_steps: bool,
                       expect: str | None) -> Derivation:
    from symjac.core.errors import InputError
    from symjac.ops.matmul import DEFAULT_MAX_ENTRIES, NAMES
    from symjac.ops.matmul import matmul as op

    if len(matrices) < 2:
        raise InputError("matmul needs at least two matrices, e.g. symjac matmul A B")
    if len(matrices) > len(NAMES):
        raise InputError(f"matmul takes at most {len(NAMES)} matrices")
    symbols: dict = {}
    parsed = [_parse_matrix(t, n, symbols) for t, n in zip(matrices, NAMES, strict=False)]
    d = op(parsed, steps=steps, max_entries=None if all_steps else DEFAULT_MAX_ENTRIES)
    if expect is not None:
        d = _check_product(d, expect, symbols, matrices)
    return d


def _parse_matrix(text: str, name: str, symbols: dict):
    """parse_matrix, with exact-number literals built without sympy's arithmetic."""
    from symjac.language.parser import parse_matrix
    from symjac.ops.fastmat import parse_numeric_matrix, sympy_matrix

    rows = parse_numeric_matrix(text, name)
    return parse_matrix(text, name, symbols) if rows is None else sympy_matrix(rows)


def _check_product(d: Derivation, expect: str, symbols: dict, matrices) -> Derivation:
    """--expect: the answer against the product, through the one grading (ops.mistakes)."""
    from dataclasses import replace

    from symjac.language.parser import parse_matrix
    from symjac.ops.mistakes import assess, context_of

    answer = parse_matrix(expect, "expected", symbols)
    assert d.result is not None  # a product always has one
    check = assess("matmul", Solution.of(d).to_sympy(symbols=symbols), answer,
                   d.label or "A·B",
                   context=lambda: context_of("matmul", {"matrices": matrices}))
    return replace(d, check=check)


@reads
def grad(
    loss: str,
    wrt: str,
    shape: str,
    where: str | Sequence[str] = (),
    index: str | None = None,
    expect: str | None = None,
    steps: bool = True,
    sizes: str | None = None,
    answer_shape: str = "either",
) -> Derivation:
    """The gradient of a scalar loss of matrix parameters, in closed form and entry by entry.

    grad("-h[y] + log(sum(exp(h)))", "theta", "theta=nxk, x=n",
    where=["h = theta.T @ x"], index="y=1..k") is the worksheet's problem 3:
    ``result.closed_form`` is "x @ (softmax(h) - onehot(y, k)).T", verified
    entry by entry at ``sizes`` ("n=3, k=2" by default for letters).
    ``expect`` checks a gradient given by hand; for a vector parameter it may be in
    the Jacobian's layout (1×n), with a note, unless ``answer_shape="like-wrt"``
    asks for the parameter's shape.
    """
    from symjac.ops.grad import grad as op
    from symjac.ops.grad import prepare

    if isinstance(where, str):
        where = [where]
    problem = prepare(loss, wrt, shape, where=list(where), index=index, expect=expect,
                      sizes=sizes, answer_shape=answer_shape)
    return op(problem, steps=steps)


@reads
def hessian(
    loss: str,
    wrt: str | None = None,
    shape: str | None = None,
    where: str | Sequence[str] = (),
    index: str | None = None,
    expect: str | None = None,
    steps: bool = True,
    sizes: str | None = None,
) -> Derivation:
    """The Hessian (the Jacobian of the gradient, numerator layout), e.g.

    hessian("x**2*y + sin(y)") for plain variables, or
    hessian("sum((A @ x - b)**2)", "x", "A=3x2, x=2, b=3") -> closed form 2*A.T @ A.
    A matrix parameter is flattened row-major.
    """
    from symjac.ops import hessian as op
    from symjac.ops.grad import prepare

    if shape is None:
        if where or index:
            from symjac.core.errors import InputError

            raise InputError("--where and --index need --shape (a loss of matrices)")
        return op.plain_hessian(loss, wrt, expect, steps)
    if isinstance(where, str):
        where = [where]
    problem = prepare(loss, wrt or "", shape, where=list(where), index=index, expect=expect,
                      sizes=sizes)
    return op.hessian(problem, steps=steps)


@reads
def derive(
    name: str | None = None,
    sizes: str | None = None,
    steps: bool = True,
    list_all: bool = False,
    expect: str | None = None,
) -> Derivation:
    """A verified step-by-step derivation, e.g. derive("softmax-regression").

    ``expect`` checks a closed form given by hand (size letters allowed), e.g.
    derive("softmax-regression", expect="x @ (softmax(h) - onehot(y, k)).T").
    """
    from symjac.ops import derive as op

    if list_all:
        return op.listing()
    d = op.derive(name, sizes=sizes, steps=steps)
    if expect is None:
        return d
    from dataclasses import replace

    return replace(d, check=op.check_answer(name, expect, sizes))


@reads
def jacobian(
    functions: str,
    wrt: str | None = None,
    at: str | None = None,
    layout: str = "numerator",
    order: str = "row",
    expect: str | None = None,
    check: bool = False,
    simplify: bool = False,
    steps: bool = True,
    all_steps: bool = False,
    engine: str = "auto",
) -> Derivation:
    """The Jacobian of functions given as text, e.g. jacobian("x**3*y, y*exp(x)").

    ``wrt`` names the variables ("x, y" or a matrix "[[p, q], [r, s]]",
    flattened in ``order``); by default every free symbol, in natural order.
    ``at`` ("x=1, y=2") evaluates at a point; ``expect`` checks a hand-derived
    Jacobian; ``check`` compares with finite differences at random points.
    ``engine`` is "auto" (engines/choose.py chooses: symengine unless sympy is
    needed), "symengine" or "sympy"; every engine gives equal entries.
    """
    from symjac.core.errors import InputError
    from symjac.engines.choose import run
    from symjac.ops.fastdiff import LAYOUTS, ORDERS

    if layout not in LAYOUTS:
        raise InputError(f"the layout must be numerator or denominator, not '{layout}'")
    if order not in ORDERS:
        raise InputError(f"the order must be row or col, not '{order}'")
    from symjac.ops.fastdiff import DEFAULT_MAX_ENTRIES

    max_entries: int | None = None if all_steps else DEFAULT_MAX_ENTRIES
    symbols: dict = {}

    def fast():
        return _fast_jacobian(functions, wrt, layout, order, steps, max_entries), (), (), None

    def reference():
        return _reference_jacobian(functions, wrt, at, layout, order, simplify, steps,
                                   max_entries, symbols)

    d, funcs, variables, point = run(
        "jacobian", {"engine": engine, "at": at, "check": check, "simplify": simplify},
        fast, reference)
    assert d.result is not None  # a Jacobian always has one
    checks = []
    if expect is not None:
        keys = {"functions": functions, "wrt": wrt, "at": at, "layout": layout, "order": order}
        checks.append(_check_jacobian(d, expect, symbols, keys))
    if check:
        from dataclasses import replace

        from symjac.ops.jacobian import finite_difference_check
        from symjac.ops.jacobian import jacobian as op

        symbolic = d.result.value
        if point is not None:
            # Finite differences check the symbolic Jacobian, not its value at the point.
            again = op(funcs, variables, layout=layout, steps=False, simplify=simplify)
            assert again.result is not None
            symbolic = again.result.value
        fd, record = finite_difference_check(funcs, variables, symbolic, layout=layout)
        checks.append(fd)
        d = replace(d, extra={**d.extra, "finite_differences": {"passed": fd.passed, **record}})
    if checks:
        from dataclasses import replace

        from symjac.ops.compare import merge

        d = replace(d, check=merge(checks))
    return d


def _fast_jacobian(functions, wrt, layout, order, steps, max_entries) -> Derivation:
    """The fast engine: the one parser building symengine objects, then ops.fastdiff."""
    from symjac.core.errors import InputError
    from symjac.language.builders import SymengineBuilder
    from symjac.language.parser import declare, parse_functions, parse_variables
    from symjac.ops.fastdiff import jacobian as op
    from symjac.ops.fastdiff import natural_key

    builder = SymengineBuilder()
    symbols: dict = {}
    if wrt is not None:  # declared variables decide how a run of letters splits
        variables, input_shape = parse_variables(wrt, symbols, order, builder=builder)
        declare(variables)
    funcs, output_shape = parse_functions(functions, symbols, builder=builder)
    if wrt is None:
        free = set().union(*(f.free_symbols for f in funcs))
        variables, input_shape = sorted(free, key=natural_key), None
    if not variables:
        raise InputError(NO_VARIABLES)
    return op(funcs, variables, layout=layout, order=order, input_shape=input_shape,
              output_shape=output_shape, steps=steps, max_entries=max_entries)


NO_VARIABLES = "the functions have no variables (they are constants); name them with --wrt"


def _reference_jacobian(functions, wrt, at, layout, order, simplify, steps, max_entries,
                        symbols: dict):
    """The reference engine: the one parser building sympy objects, then ops.jacobian."""
    from symjac.core.errors import InputError
    from symjac.language.parser import declare, parse_functions, parse_point, parse_variables
    from symjac.ops.jacobian import default_variables
    from symjac.ops.jacobian import jacobian as op

    # One symbols dict, so the functions, variables, point and expected answer
    # all refer to the same Symbol objects. Declared variables decide how a run of
    # letters in the functions splits (2xy is 2·x·y with --wrt x, y).
    if wrt is not None:
        variables, input_shape = parse_variables(wrt, symbols, order)
        declare(variables)
    funcs, output_shape = parse_functions(functions, symbols)
    if wrt is None:
        variables, input_shape = default_variables(funcs), None
        declare(variables)  # for the expected answer
    point = None
    if at is not None:
        by_name = {str(v): v for v in variables}
        point = {}
        for name, value, col in parse_point(at, symbols):
            if name not in by_name:
                listed = ", ".join(by_name) or "none"
                raise InputError(
                    f"--at gives '{name}', which is not a variable (the variables: {listed})",
                    col,
                )
            point[by_name[name]] = value
    d = op(funcs, variables, layout=layout, order=order, input_shape=input_shape,
           output_shape=output_shape, at=point, steps=steps, simplify=simplify,
           max_entries=max_entries)
    return d, funcs, variables, point


def _check_jacobian(d: Derivation, expect: str, symbols: dict, keys: dict):
    """--expect: the answer against the Jacobian, through the one grading (ops.mistakes)."""
    from symjac.core.model import Check
    from symjac.language.parser import parse_matrix
    from symjac.ops.mistakes import assess, context_of

    answer = parse_matrix(expect, "expected", symbols)
    assert d.result is not None  # a Jacobian always has one
    if any("Derivative(" in s for row in d.result.matrix for s in row):
        # Derivative(floor(x), x) cannot be evaluated, so it cannot be compared.
        return Check(False, (), "symjac cannot differentiate some entries, so your "
                     "answer cannot be compared with them",
                     outcome="undecided", method="symbolic")
    return assess("jacobian", Solution.of(d).to_sympy(symbols=symbols), answer,
                  d.label or "∇f", context=lambda: context_of("jacobian", keys))
