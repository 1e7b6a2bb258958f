"""Jacobians: every partial derivative ∂f_i/∂x_j worked by the differentiation stepper."""

from __future__ import annotations

import cmath
import random
import re
from collections.abc import Mapping, Sequence

import sympy

from symjac.errors import InputError, UndefinedError
from symjac.model import Check, Derivation, Step
from symjac.ops.diffsteps import stage_latex
from symjac.ops.fastdiff import MAX_LISTED_VARIABLES, statement
from symjac.ops.matmul import matrix_result
from symjac.printing import latex, shape, sstr, sub

DEFAULT_MAX_ENTRIES = 100  # partials worked before the rest are only computed
LAYOUTS = ("numerator", "denominator")
ORDERS = ("row", "col")
_NON_FINITE = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def natural_key(sym: sympy.Symbol) -> list:
    """x1 < x2 < x10: digit runs compare as numbers (parts alternate text, number)."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", sym.name)]


def default_variables(functions: Sequence[sympy.Expr]) -> list[sympy.Symbol]:
    """Every free symbol of the functions, in natural sort order."""
    free: set = set()
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
    limit = k * n if max_entries is None else min(k * n, max_entries)
    # A large Jacobian is worked only in part, and a large system is sparse:
    # spend the worked entries on the ones that are not plainly zero.
    skip_zeros = limit < k * n
    zeros_skipped = not_worked = 0

    entries: list[list] = []
    partials: list[Step] = []
    for i, f in enumerate(functions):
        row = []
        depends = f.free_symbols
        for j, x in enumerate(variables):
            work = steps and len(partials) < limit
            if x not in depends and (skip_zeros or not work):
                # sympy.diff costs far more than this membership test.
                zeros_skipped += steps and skip_zeros
                row.append(sympy.S.Zero)
                continue
            not_worked += steps and not work
            if work:
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

    all_steps: list[Step] = list(partials)
    if zeros_skipped:
        all_steps.append(
            Step(
                kind="note",
                text=f"{zeros_skipped} entries are 0 (the function does not contain the "
                "variable) and are not listed",
                data={"zeros": zeros_skipped},
            )
        )
    if not_worked:
        all_steps.append(
            Step(
                kind="note",
                text=f"{not_worked} more partial derivatives are not worked here; "
                "use --all-steps to see every entry",
                data={"elided": not_worked},
            )
        )

    names = [str(x) for x in variables]
    notes: list[str] = []
    if n > MAX_LISTED_VARIABLES:
        # The headline abbreviates; the order of the columns is still always said.
        notes.append(f"The {n} variables, in order: {', '.join(names)}.")
    if output_shape is not None and min(output_shape) > 1:
        notes.append(
            f"The {shape(*output_shape)} matrix-valued function is flattened row-major "
            f"to (f{sub(1)}, …, f{sub(k)})."
        )
    if input_shape is not None and min(input_shape) > 1:
        how = "row-major" if order == "row" else "column-major (vec)"
        notes.append(
            f"The {shape(*input_shape)} input {_input_matrix(names, input_shape, order)} "
            f"is flattened {how} to ({', '.join(names)})."
        )

    free = set().union(*(f.free_symbols for f in functions))
    warnings = [
        f"the variable {x} does not occur in the functions, so its "
        f"{'column' if layout == 'numerator' else 'row'} of ∇f is zero"
        for x in variables
        if x not in free
    ]
    underived = underived_entries(jac)
    warnings += [
        f"sympy cannot differentiate {_underived(jac[r, c])}, so entry ({r + 1},{c + 1}) "
        "of ∇f is left unevaluated"
        for r, c in underived[:5]
    ]
    if underived and at:
        r, c = underived[0]
        raise UndefinedError(
            f"entry ({r + 1},{c + 1}) of ∇f cannot be evaluated at a point: sympy cannot "
            f"differentiate {_underived(jac[r, c])}"
        )

    label = "∇f"
    extra: dict = {"layout": layout, "order": order,
                   "input_shape": None if input_shape is None else list(input_shape),
                   "output_shape": None if output_shape is None else list(output_shape)}
    if at:
        from symjac.ops.point import at_point

        jac, decimals, where = at_point(jac, at, layout, names, functions, variables)
        label = f"∇f({where})"
        if not all(v.is_Rational for v in jac):  # exact values need no decimals
            notes.append(f"At {where}, in decimals: ∇f ≈ {_decimal_list(decimals, 6)}.")
        extra["at"] = {
            "point": {str(s): sstr(v) for s, v in at.items()},
            "decimal": [[_decimal(v, 15) for v in row] for row in decimals],
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


def _differentiate(f: sympy.Expr, x: sympy.Symbol, depends: set):
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

def _input_matrix(names: Sequence[str], input_shape: tuple[int, int], order: str) -> str:
    rows, cols = input_shape
    if order == "row":
        grid = [names[i * cols : (i + 1) * cols] for i in range(rows)]
    else:
        grid = [[names[j * rows + i] for j in range(cols)] for i in range(rows)]
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in grid) + "]"


def partial_latex(i: int, wrt: str) -> str:
    """∂f_i/∂x as LaTeX."""
    return rf"\frac{{\partial f_{{{i}}}}}{{\partial {latex(sympy.Symbol(wrt))}}}"


def partial_step(worked, i: int, j: int, index: tuple[int, int], final=None) -> Step:
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


def _decimal(v, digits: int) -> str:
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return sstr(v.evalf(digits))


def _decimal_list(rows: list[list], digits: int) -> str:
    inner = ("[" + ", ".join(_decimal(v, digits) for v in r) + "]" for r in rows)
    return "[" + ", ".join(inner) + "]"


# -- finite differences ---------------------------------------------------------

FD_STEP = sympy.Rational(1, 10**8)
FD_TOLERANCE = 1e-6  # relative; the truncation error is about h² f''' ≈ 1e-16 f'''
FD_POINTS = 3
FD_ATTEMPTS = 60
FD_MAX_VALUE = 1e100


def finite_difference_check(
    functions: Sequence[sympy.Expr],
    variables: Sequence[sympy.Symbol],
    jac: sympy.Matrix,
    *,
    layout: str = "numerator",
    points: int = FD_POINTS,
    seed: int = 0,
) -> tuple[Check, dict]:
    """Compare the symbolic Jacobian with central differences at random points.

    Points are exact rationals and every value is computed with 30-digit
    evalf, so the difference quotient (f(x+h) − f(x−h))/2h with h = 1e-8 is
    accurate to about 1e-16 times the third derivative. Points where any entry
    or function is not a finite real number are outside the domain and are
    skipped. ``jac`` is in ``layout``. Returns the Check and its JSON record.
    """
    num = jac if layout == "numerator" else jac.T
    if underived_entries(num):
        return Check(False, (), "finite differences: sympy cannot differentiate some entries "
                     "(they are left as Derivative(...)), so they cannot be checked"), {}
    k, n = len(functions), len(variables)
    free = set(variables)
    for f in functions:
        free |= f.free_symbols
    free |= num.free_symbols
    syms = sorted(free, key=natural_key)
    rng = random.Random(seed)
    used: list[dict] = []
    worst = 0.0
    mismatches: list[dict] = []
    for _ in range(FD_ATTEMPTS):
        if len(used) >= points:
            break
        point = {s: sympy.Rational(rng.randint(-500, 500), rng.choice((97, 101, 103, 107)))
                 for s in syms}
        found = _fd_at(functions, variables, num, point)
        if found is None:
            continue  # outside the domain
        where = ", ".join(f"{s}={sstr(v)}" for s, v in point.items())
        used.append({str(s): sstr(v) for s, v in point.items()})
        for (i, j), (exact, approx) in found.items():
            err = abs(exact - approx)
            worst = max(worst, err)
            if err > FD_TOLERANCE * max(1.0, abs(exact)):
                r, c = (i, j) if layout == "numerator" else (j, i)
                mismatches.append({
                    "index": [r + 1, c + 1],
                    "expected": f"{approx:.12g} (central difference at {where})",
                    "got": f"{exact:.12g}",
                })
    record = {"points": used, "max_error": worst, "tolerance": FD_TOLERANCE,
              "step": str(FD_STEP)}
    if not used:
        return Check(False, (), "finite differences: no random point was found where every "
                     "entry is a finite real number, so nothing was checked"), record
    count = f"{len(used)} random point{'s' if len(used) != 1 else ''}"
    if mismatches:
        return Check(False, tuple(mismatches),
                     f"finite differences at {count} disagree in {len(mismatches)} "
                     f"entries; the largest error is {worst:.3g}"), record
    return Check(True, (), f"finite differences at {count} agree with {_all_entries(k * n)}"
                 f"; the largest error is {worst:.3g}"), record


def _all_entries(n: int) -> str:
    return "the 1 entry" if n == 1 else f"all {n} entries"


def _value(expr: sympy.Expr, point: Mapping):
    """A finite real value at an exact point, as a 30-digit Float, or None.

    Differences are taken between these Floats, not Python floats: with
    h = 1e-8 a 53-bit float would lose about half its digits to cancellation.
    """
    try:
        v = expr.subs(point).evalf(30)
    except (TypeError, ValueError, ArithmeticError):
        return None
    if v.has(*_NON_FINITE) or not v.is_number:
        return None
    if not v.is_real:
        try:
            z = complex(v)
        except (TypeError, ValueError, OverflowError):
            return None
        if not cmath.isfinite(z) or abs(z.imag) > 1e-20 * max(1.0, abs(z)):
            return None  # not real here: outside the domain
        v = z.real
    v = sympy.Float(v, 30)
    # Beyond this a difference quotient means nothing (and floats overflow).
    return v if abs(v) < FD_MAX_VALUE else None


def _fd_at(functions, variables, num, point) -> dict | None:
    found = {}
    for i, f in enumerate(functions):
        if _value(f, point) is None:
            return None
        for j, x in enumerate(variables):
            exact = _value(num[i, j], point)
            if exact is None:
                return None
            if x not in f.free_symbols:
                found[i, j] = (float(exact), 0.0)
                continue
            plus = _value(f, {**point, x: point[x] + FD_STEP})
            minus = _value(f, {**point, x: point[x] - FD_STEP})
            if plus is None or minus is None:
                return None
            found[i, j] = (float(exact), float((plus - minus) / (2 * FD_STEP)))
    return found
