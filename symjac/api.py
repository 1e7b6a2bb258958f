"""The library API: one function per command, taking the command's options.

Each function takes text, exactly as the command line does (and as problem
files do: a problem's keys are these keyword arguments), and returns a
Derivation. They raise SymjacError subclasses; they never print or exit.

Every function runs under the command line's limits (10 s, 4 GiB or
$SYMJAC_MAX_MEMORY), in a forked worker, unless limits already hold (inside
symjac's own workers). Two keyword arguments, on every function, change
them: ``timeout=`` seconds (``None`` or 0: no time limit) and
``max_memory=`` bytes or a size such as ``"512M"`` (``None`` or 0: no cap);
with both off the work runs in the caller's process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from symjac.model import Derivation

_DEFAULT: Any = object()  # the limits' defaults, distinct from None (no limit)


def limited(fn: Callable[..., Derivation]) -> Callable[..., Derivation]:
    """Give an api function the CLI's default limits, and timeout=/max_memory= to change them.

    The signature seen by inspect (and so by problem files) stays fn's own.
    """

    @functools.wraps(fn)
    def wrapper(*args, timeout: Any = _DEFAULT, max_memory: Any = _DEFAULT, **kwargs):
        from symjac import limits

        seconds = limits.DEFAULT_TIMEOUT if timeout is _DEFAULT else (timeout or 0)
        if max_memory is _DEFAULT:
            memory = limits.default_memory()
        elif isinstance(max_memory, str):
            from symjac.errors import InputError

            try:
                memory = limits.parse_size(max_memory)
            except ValueError as e:
                raise InputError(f"max_memory: {e}") from None
        else:
            memory = int(max_memory or 0)
        try:
            return limits.limited(lambda: fn(*args, **kwargs), seconds, memory,
                                  f"symjac.{fn.__name__}")
        except limits.ChildBug as e:  # a bug in the worker: as the exception it was
            raise RuntimeError(f"symjac internal error: {e.summary}") from None

    wrapper.__doc__ = (fn.__doc__ or "").rstrip() + (
        "\n\n    Runs under the CLI's limits: ``timeout=`` seconds and ``max_memory=``"
        "\n    (bytes or \"512M\"); ``None`` turns each off.\n")
    return wrapper


def is_undefined(expect) -> bool:
    """Is this expected answer the word 'undefined' (the worksheet's 1a)?"""
    return isinstance(expect, str) and expect.strip().lower() == "undefined"


def _expect_undefined(command: str, call) -> Derivation:
    """--expect undefined: passes when the answer is undefined, fails when it exists."""
    from dataclasses import replace

    from symjac.errors import SymjacError
    from symjac.model import Check

    try:
        d = call()
    except SymjacError as e:
        if e.exit_code != 1:
            raise
        return Derivation(
            command=command,
            summary=str(e),
            notes=tuple(f"hint: {h}" for h in e.hints),
            check=Check(True, (), "undefined, as expected"),
        )
    return replace(d, check=Check(False, (), "expected 'undefined', but the answer is defined"))


@limited
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
    if not steps:
        # Integer/fraction literals: an exact product without importing sympy.
        from symjac.ops.fastmat import fast_matmul

        fast = fast_matmul(matrices)
        if fast is not None:
            return _check_product(fast, expect, {}) if expect is not None else fast
    from symjac.errors import InputError
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
        d = _check_product(d, expect, symbols)
    return d


def _parse_matrix(text: str, name: str, symbols: dict):
    """parse_matrix, with integer/fraction literals read the fast way (same Matrix)."""
    from symjac.ops.fastmat import parse_numeric_matrix, sympy_matrix
    from symjac.parsing import parse_matrix

    rows = parse_numeric_matrix(text)
    return parse_matrix(text, name, symbols) if rows is None else sympy_matrix(rows)


def _check_product(d: Derivation, expect: str, symbols: dict) -> Derivation:
    from dataclasses import replace

    from symjac.ops.compare import compare_matrices
    from symjac.parsing import parse_matrix

    expected = parse_matrix(expect, "expected", symbols)
    assert d.result is not None  # a product always has one
    return replace(d, check=compare_matrices(d.result.value, expected))


@limited
def grad(
    loss: str,
    wrt: str,
    shape: str,
    where: str | Sequence[str] = (),
    index: str | None = None,
    expect: str | None = None,
    steps: bool = True,
) -> Derivation:
    """The gradient of a scalar loss of matrix parameters, entry by entry.

    grad("-h[y] + log(sum(exp(h)))", "theta", "theta=3x2, x=3x1",
    where=["h = theta.T @ x"], index="y=1..2") is the worksheet's problem 3.
    """
    from symjac.ops.grad import grad as op
    from symjac.ops.grad import prepare

    if isinstance(where, str):
        where = [where]
    problem = prepare(loss, wrt, shape, where=list(where), index=index, expect=expect)
    return op(problem, steps=steps)


@limited
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


@limited
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
    ``engine="sympy"`` always uses sympy; the default ("auto") lets a plain
    ``steps=False`` Jacobian of elementary functions go through symengine
    (ops/fastdiff.py), with the same result.
    """
    if engine not in ("auto", "sympy"):
        from symjac.errors import InputError

        raise InputError(f"the engine must be auto or sympy, not '{engine}'")
    plain = at is None and expect is None and not (steps or check or simplify)
    if engine == "auto" and plain:
        from symjac.ops.fastdiff import LazyMatrix, fast_jacobian_derivation

        reference = functools.partial(_reference, functions, wrt, layout, order)  # pickles
        fast = fast_jacobian_derivation(functions, wrt, layout, order, LazyMatrix(reference))
        if fast is not None:
            return fast
    from dataclasses import replace

    from symjac.errors import InputError
    from symjac.model import Check
    from symjac.ops.jacobian import (
        DEFAULT_MAX_ENTRIES,
        LAYOUTS,
        ORDERS,
        default_variables,
        finite_difference_check,
        underived_entries,
    )
    from symjac.ops.jacobian import jacobian as op
    from symjac.parsing import parse_functions, parse_matrix, parse_point, parse_variables

    if layout not in LAYOUTS:
        raise InputError(f"the layout must be numerator or denominator, not '{layout}'")
    if order not in ORDERS:
        raise InputError(f"the order must be row or col, not '{order}'")
    # One symbols dict, so the functions, variables, point and expected answer
    # all refer to the same Symbol objects.
    symbols: dict = {}
    funcs, output_shape = parse_functions(functions, symbols)
    if wrt is None:
        variables, input_shape = default_variables(funcs), None
    else:
        variables, input_shape = parse_variables(wrt, symbols, order)
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
    d = op(
        funcs,
        variables,
        layout=layout,
        order=order,
        input_shape=input_shape,
        output_shape=output_shape,
        at=point,
        steps=steps,
        simplify=simplify,
        max_entries=None if all_steps else DEFAULT_MAX_ENTRIES,
    )
    assert d.result is not None  # a Jacobian always has one
    checks = []
    if expect is not None:
        from symjac.ops.compare import compare_matrices

        expected = parse_matrix(expect, "expected", symbols)
        if underived_entries(d.result.value):
            # Derivative(floor(x), x) cannot be evaluated, so it cannot be compared.
            checks.append(Check(False, (), "sympy cannot differentiate some entries, so the "
                                "expected answer cannot be compared with them"))
        else:
            found = compare_matrices(d.result.value, expected)
            transposed = expected.shape == d.result.shape[::-1] != d.result.shape
            if transposed and 1 in expected.shape:
                found = replace(found, message=found.message + "; a flat list [a, b] is a "
                                "column, a row is written [[a, b]]")
            checks.append(found)
    if check:
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
        merged = checks[0] if len(checks) == 1 else Check(
            passed=all(c.passed for c in checks),
            mismatches=tuple(m for c in checks for m in c.mismatches),
            message="; ".join(c.message for c in checks if c.message),
        )
        d = replace(d, check=merged)
    return d


def _reference(functions: str, wrt: str | None, layout: str, order: str):
    """The sympy Jacobian a fast (symengine) result stands for, computed when asked."""
    d = jacobian(functions, wrt, layout=layout, order=order, steps=False, engine="sympy",
                 timeout=None, max_memory=None)
    assert d.result is not None  # a Jacobian of functions always has one
    return d.result.value
