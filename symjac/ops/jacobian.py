"""Jacobians: every partial derivative ∂f_i/∂x_j worked by the differentiation stepper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Literal

import sympy

from symjac.core.errors import InputError, UndefinedError
from symjac.core.model import Check, Derivation, Step
from symjac.language.printing import latex, sstr, sub
from symjac.ops.diffsteps import stage_latex
from symjac.ops.fastdiff import (
    DEFAULT_MAX_ENTRIES,
    Plan,
    jacobian_notes,
    natural_key,
    statement,
    underived_warning,
    unused_warnings,
)
from symjac.ops.fastdiff import LAYOUTS as LAYOUTS  # re-exported
from symjac.ops.fastdiff import ORDERS as ORDERS  # re-exported
from symjac.ops.matmul import matrix_result

if TYPE_CHECKING:
    import flint

    from symjac.core.schema import DerivationExtra, FiniteDifferenceRecord, Mismatch
    from symjac.ops.diffsteps import DiffResult

# An entry checked by finite differences: (symbolic, difference quotient, relative
# error, too large?)
FDEntry = tuple[str, str, float, bool]

_NON_FINITE = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def default_variables(functions: Sequence[sympy.Expr]) -> list[sympy.Symbol]:
    """Every free symbol of the functions, in natural sort order (a total order)."""
    free: set[sympy.Symbol] = set()
    for f in functions:
        free |= f.free_symbols
    return sorted(free, key=natural_key)


def jacobian(
    functions: Sequence[sympy.Expr],
    variables: Sequence[sympy.Symbol],
    *,
    layout: str = "numerator",
    order: str = "row",
    input_shape: tuple[int, int] | None = None,
    output_shape: tuple[int, int] | None = None,
    at: Mapping[sympy.Symbol, sympy.Expr] | None = None,
    steps: bool = True,
    simplify: bool = False,
    max_entries: int | None = DEFAULT_MAX_ENTRIES,
    max_size: int | None = None,
    offers_all_steps: bool = True,
) -> Derivation:
    """The Jacobian of ``functions`` with respect to ``variables`` (already flattened).

    Numerator layout (the worksheet's): row i holds the partials of f_i, so the
    result is outputs × inputs; ``layout="denominator"`` gives the transpose.
    ``input_shape``/``output_shape`` are the shapes of a matrix input or a
    matrix-valued function before flattening, only used to say so.
    ``at`` evaluates the Jacobian at a point (raising UndefinedError where an
    entry is not a finite real number). With ``steps=False`` no step is built
    and the stepper is not called: each entry is just ``sympy.diff``.
    """
    if layout not in LAYOUTS:
        raise InputError(f"the layout must be numerator or denominator, not '{layout}'")
    if order not in ORDERS:
        raise InputError(f"the order must be row or col, not '{order}'")
    if not functions:
        raise InputError("there are no functions to differentiate")
    if not variables:
        raise InputError(
            "the functions have no variables (they are constants); name them with --wrt"
        )
    k, n = len(functions), len(variables)
    plan = Plan(k * n, steps, max_entries, max_size, offers_all_steps)

    entries: list[list[sympy.Expr]] = []
    partials: list[Step] = []
    for i, f in enumerate(functions):
        row = []
        depends = f.free_symbols
        short = plan.short(f)
        for j, x in enumerate(variables):
            how = plan.choose(i + 1, x in depends, short)
            if how == "zero":  # sympy.diff costs far more than the membership test
                row.append(sympy.S.Zero)
                continue
            if how == "work":
                worked = _differentiate(f, x, depends)
                value = worked.result
                final = sympy.simplify(value) if simplify else value
                pos = (i + 1, j + 1) if layout == "numerator" else (j + 1, i + 1)
                partials.append(partial_step(worked, i + 1, j + 1, pos, final))
            else:
                value = sympy.diff(f, x)
                final = sympy.simplify(value) if simplify else value
            row.append(final)
        entries.append(row)
    jac = sympy.Matrix(entries)
    if layout == "denominator":
        jac = jac.T

    all_steps: list[Step] = [*partials, *plan.notes()]

    names = [str(x) for x in variables]
    notes = jacobian_notes(k, names, order, input_shape, output_shape)
    free = set().union(*(f.free_symbols for f in functions))
    warnings = unused_warnings(names, {s.name for s in free}, layout)
    underived = underived_entries(jac)
    warnings += [underived_warning(_underived(jac[r, c]), r + 1, c + 1)
                 for r, c in underived[:5]]
    if underived and at:
        r, c = underived[0]
        raise UndefinedError(
            f"entry ({r + 1},{c + 1}) of ∇f cannot be evaluated at a point: sympy cannot "
            f"differentiate {_underived(jac[r, c])}"
        )

    label = "∇f"
    extra: DerivationExtra = {"layout": layout, "order": order,
                   "input_shape": None if input_shape is None else list(input_shape),
                   "output_shape": None if output_shape is None else list(output_shape)}
    if at:
        from symjac.ops.point import at_point

        jac, decimals, where = at_point(jac, at, layout, names, functions, variables)
        label = f"∇f({where})"
        symbolic = [str(x) for x in variables if x not in at]
        if symbolic:  # said before the result, never left to be noticed
            said = symbolic_warning(where, symbolic)
            notes.append(said[0].upper() + said[1:] + ".")
            warnings.append(said)
        if not all(v.is_Rational for v in jac):  # exact values need no decimals
            notes.append(f"At {where}, in decimals: ∇f ≈ {_decimal_list(decimals, 6)}.")
        extra["at"] = {
            "point": {str(s): sstr(v) for s, v in at.items()},
            "decimal": [[_decimal(v, 15) for v in row] for row in decimals],
            "symbolic": symbolic,
        }

    return Derivation(
        command="jacobian",
        summary=statement(k, n, names, layout),
        result=matrix_result(jac),
        steps=tuple(all_steps),
        label=label,
        variables=tuple(names),
        notes=tuple(notes),
        warnings=tuple(warnings),
        extra=extra,
    )


def _differentiate(f: sympy.Expr, x: sympy.Symbol, depends: set[sympy.Symbol]) -> DiffResult:
    """The stepper's worked derivative; a constant's is built directly (it is 0)."""
    from symjac.ops.diffsteps import DiffResult, DiffStage, differentiate

    if x in depends:
        return differentiate(f, x)
    # What differentiate() returns for a constant, without its sympy.diff.
    zero = sympy.S.Zero
    return DiffResult(of=f, wrt=x, result=zero, stages=(DiffStage(zero, "constant"),),
                      rules=("constant",))


def underived_entries(jac: sympy.Matrix) -> list[tuple[int, int]]:
    """Entries sympy could not differentiate (left as Derivative(floor(x), x)), 0-based."""
    if not jac.has(sympy.Derivative):
        return []
    return [(r, c) for r in range(jac.rows) for c in range(jac.cols)
            if jac[r, c].has(sympy.Derivative)]


def _underived(entry: sympy.Expr) -> str:
    """What sympy could not differentiate: a function's name (its argument may be a dummy)."""
    expr = min(entry.atoms(sympy.Derivative), key=sympy.default_sort_key).expr
    return type(expr).__name__ if isinstance(expr, sympy.Function) else sstr(expr)


def partial_latex(i: int, wrt: str) -> str:
    """∂f_i/∂x as LaTeX."""
    return rf"\frac{{\partial f_{{{i}}}}}{{\partial {latex(sympy.Symbol(wrt))}}}"


def partial_step(worked: DiffResult, i: int, j: int, index: tuple[int, int],
                 final: sympy.Expr | None = None) -> Step:
    """One entry ∂f_i/∂x_j: the stepper's stages, then --simplify's form if it differs.

    ``index`` is the entry's place in the result (row, column), which in the
    denominator layout is (j, i).
    """
    f, x = worked.of, worked.wrt
    chain = [sstr(s.expr) for s in worked.stages]
    latex_chain = [stage_latex(s.expr) for s in worked.stages]
    stage_rules = [s.rule for s in worked.stages]
    rules = list(worked.rules)
    if final is not None and final != worked.result:
        chain.append(sstr(final))
        latex_chain.append(latex(final))
        stage_rules.append("--simplify")
        if "simplify" not in rules:
            rules.append("simplify")
    name = f"∂f{sub(i)}/∂{x}"
    return Step(
        kind="partial",
        text=f"{name} = ∂/∂{x} ({sstr(f)}) = " + " = ".join(chain),
        latex=(
            f"{partial_latex(i, str(x))} = \\frac{{\\partial}}{{\\partial {latex(x)}}}"
            f"\\left({latex(f)}\\right) = " + " = ".join(latex_chain)
        ),
        index=index,
        chain=tuple(chain),
        latex_chain=tuple(latex_chain),
        rules=tuple(rules),
        data={
            "of": sstr(f),
            "wrt": str(x),
            "result": chain[-1],
            "output": i,
            "input": j,
            "stage_rules": stage_rules,
        },
    )


# -- at a point -----------------------------------------------------------------


def symbolic_warning(where: str, symbolic: list[str]) -> str:
    """What a point that names only some variables leaves: those it does not name."""
    shown = ", ".join(symbolic[:5]) + (", …" if len(symbolic) > 5 else "")
    if len(symbolic) == 1:
        return f"the point {where} gives no value for {shown}, so {shown} stays symbolic"
    return (f"the point {where} gives no value for {len(symbolic)} variables ({shown}), "
            "so they stay symbolic")


def _decimal(v: float | sympy.Expr, digits: int) -> str:
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return sstr(v.evalf(digits))


def _decimal_list(rows: list[list[float | sympy.Expr]], digits: int) -> str:
    inner = ("[" + ", ".join(_decimal(v, digits) for v in r) + "]" for r in rows)
    return "[" + ", ".join(inner) + "]"


# -- finite differences ---------------------------------------------------------

FD_PRECISIONS = (320, 640, 1280)  # bits; the step is 2^-(bits/3)·max(|x|, 2^-10)
FD_TOLERANCE = 1e-15  # relative, beyond the truncation error estimated by halving h
FD_POINTS = 3
FD_ATTEMPTS = 60
Point = dict[sympy.Symbol, sympy.Rational]  # a point of exact values


def finite_difference_check(
    functions: Sequence[sympy.Expr],
    variables: Sequence[sympy.Symbol],
    jac: sympy.Matrix,
    *,
    layout: str = "numerator",
    points: int = FD_POINTS,
    seed: int | None = None,
) -> tuple[Check, FiniteDifferenceRecord]:
    """Compare the symbolic Jacobian with central differences at random points.

    Values are FLINT balls at 320 bits or more (compare.evaluate, the evaluator
    every verdict uses), so cancellation in f(x + h) − f(x − h) is measured,
    not guessed, and precision is raised when it is too great (x + 10**20).
    The step is scaled to the point; the truncation error is estimated by
    halving it (Richardson), so a steep function (cos(exp(10*t))) is not failed
    for its steepness. Points are exact, drawn across signs and scales from a
    seed derived from the functions; points where any entry or function is not
    a finite real number are outside the domain and skipped. ``jac`` is in
    ``layout``. Returns the Check and its JSON record.
    """
    from symjac.ops import compare

    num = jac if layout == "numerator" else jac.T
    if underived_entries(num):
        return Check(False, (), "finite differences: sympy cannot differentiate some entries "
                     "(they are left as Derivative(...)), so they cannot be checked",
                     outcome="undecided", method="numeric"), {}
    k, n = len(functions), len(variables)
    free = set(variables)
    for f in functions:
        free |= f.free_symbols
    free |= num.free_symbols
    syms = sorted(free, key=natural_key)
    if seed is None:
        seed = compare.seed_of(*functions, *variables)
    used: list[dict[str, str]] = []
    worst = 0.0
    mismatches: list[Mismatch] = []
    tried = 0
    for point in compare.sample_points(syms, seed):
        if len(used) >= points or tried >= FD_ATTEMPTS:
            break
        tried += 1
        try:
            found = _fd_at(functions, variables, num, point, compare)
        except ValueError as e:
            return Check(False, (), f"finite differences: {e}", outcome="undecided",
                         method="numeric"), {}
        if found is None:
            continue  # outside the domain
        shown = {str(s): compare.decimal_text(v) for s, v in point.items()}
        where = ", ".join(f"{s}={v}" for s, v in shown.items())
        used.append(shown)
        for (i, j), (exact, approx, err, bad) in found.items():
            worst = max(worst, err)
            if bad:
                r, c = (i, j) if layout == "numerator" else (j, i)
                mismatches.append({
                    "index": [r + 1, c + 1],
                    "expected": f"{approx} (central difference at {where})",
                    "got": exact,
                    "message": f"entry ({r + 1}, {c + 1}) is {exact}, but its central "
                    f"difference at {where} is {approx}",
                })
    record: FiniteDifferenceRecord = {"points": used, "max_error": worst, "tolerance": FD_TOLERANCE,
              "step": f"2^-{FD_PRECISIONS[0] // 3}·max(|x|, 2^-10) (smaller if needed)"}
    if not used:
        return Check(False, (), "finite differences: no random point was found where every "
                     "entry is a finite real number, so nothing was checked",
                     outcome="undecided", method="numeric"), record
    count = f"{len(used)} random point{'s' if len(used) != 1 else ''}"
    if mismatches:
        return Check(False, tuple(mismatches),
                     f"finite differences at {count} disagree in {len(mismatches)} "
                     f"entries; the largest relative error is {worst:.3g}",
                     method="numeric"), record
    return Check(True, (), f"finite differences at {count} agree with {_all_entries(k * n)}"
                 f"; the largest relative error is {worst:.3g}", method="numeric"), record


def _all_entries(n: int) -> str:
    return "the 1 entry" if n == 1 else f"all {n} entries"


def _real_value(compare: ModuleType, expr: sympy.Expr, point: Point, prec: int
                ) -> flint.arb | None:
    """A finite real ball, or None (not finite, not real, or too wide to use)."""
    v = compare.evaluate(expr, point, prec)
    if v is None or 0 not in v.imag:
        return None
    real: flint.arb = v.real
    return real


def _fd_at(functions: Sequence[sympy.Expr], variables: Sequence[sympy.Symbol],
           num: sympy.Matrix, point: Point, compare: ModuleType
           ) -> dict[tuple[int, int], FDEntry] | None:
    """{(i, j): (symbolic, difference quotient, relative error, too large?)}, or None.

    Each entry is tried at 320 bits with h = 2^-106·max(|x|, 2^-10), then with
    twice the precision and a step 2^-(precision/3) as small, until the values
    are accurate and the truncation error is small; a point where that never
    happens is skipped, never passed.
    """
    found: dict[tuple[int, int], FDEntry] = {}
    for i, f in enumerate(functions):
        if _real_value(compare, f, point, FD_PRECISIONS[0]) is None:
            return None
        for j, x in enumerate(variables):
            if x not in f.free_symbols:
                exact = _real_value(compare, num[i, j], point, FD_PRECISIONS[0])
                if exact is None:
                    return None
                found[i, j] = (sstr(num[i, j]), "0", 0.0, not num[i, j].is_zero)
                continue
            entry = None
            for prec in FD_PRECISIONS:
                entry = _fd_entry(compare, f, num[i, j], x, point, prec)
                if entry != "retry":
                    break
            if entry is None or entry == "retry":
                return None
            found[i, j] = entry
    return found


def _fd_entry(compare: ModuleType, f: sympy.Expr, derivative: sympy.Expr, x: sympy.Symbol,
              point: Point, prec: int) -> FDEntry | Literal["retry"] | None:
    """One partial at one precision: the record, None (undefined) or "retry"."""
    import flint

    exact = _real_value(compare, derivative, point, prec)
    if exact is None:
        return None
    h = max(abs(point[x]), sympy.Rational(1, 2**10)) / 2 ** (prec // 3)
    values = []
    for step in (h, -h, h / 2, -h / 2):
        v = _real_value(compare, f, {**point, x: point[x] + step}, prec)
        if v is None:
            return None
        values.append(v)
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        two_h = flint.arb(flint.fmpq(int((2 * h).p), int((2 * h).q)))
        coarse = (values[0] - values[1]) / two_h
        fine = (values[2] - values[3]) / (two_h / 2)
        approx = (4 * fine - coarse) / 3  # Richardson: the h² term cancels
        truncation = abs(fine - coarse).upper() * 2
        scale = max(abs(exact).upper(), abs(approx).upper())
        allowed = scale * FD_TOLERANCE
        # The truncation is held to the quotient's own size, which is at most `scale`: where
        # the step spans many oscillations (sin(exp(x)) at x = 725), both quotients are
        # noise far smaller than the derivative, and must not judge it.
        own = abs(approx).lower() * FD_TOLERANCE
        if exact.rad() > allowed or approx.rad() > allowed or truncation > own * 1e5:
            return "retry"  # cancellation or a step too coarse for this steepness
        diff = abs(exact - approx)
        error = float(diff.upper() / scale) if scale > 0 else 0.0
        return (_fd_text(exact), _fd_text(approx), error,
                bool(diff.lower() > allowed + truncation))
    finally:
        flint.ctx.prec = old


def _fd_text(x: flint.arb) -> str:
    text: str = x.mid().str(12, radius=False)
    return text
