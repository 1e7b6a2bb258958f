"""A Jacobian at a point (`jacobian --at`), in exact arithmetic: never a Python float.

Values are substituted exactly (``safe_subs``) and judged with sympy
numbers at ample precision (mpmath underneath), so ``exp(x)`` at x=710 and
``x**2`` at x=1e400 are the real numbers they are, however large.

sympy's derivative of a piecewise function is wrong or undefined at some
points: d/dx relu(x) = Heaviside(x) is 1/2 at the kink x=0, d/dx |x| =
sign(x) is 0 there, and sqrt(relu(x))' = Heaviside(x)/(2·sqrt(relu(x)))
is 0/0 at x=-1, where the function is 0 all around. So a function holding
max, min, |.|, relu, sign, Heaviside, floor or ceiling is first replaced by
its form near the point (relu(x) is 0 near x=-1), and at a kink or a jump
by each form it takes on either side; the partial is the one value they all
agree on, or undefined, and the message says which.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy

from symjac.core.errors import LimitError, UndefinedError
from symjac.language.printing import sstr, sub
from symjac.language.sizes import AT_POINT, check_call, too_big
from symjac.ops import magnitude

_NON_FINITE = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)
_PIECEWISE = (sympy.Max, sympy.Min, sympy.Abs, sympy.sign, sympy.Heaviside,
              sympy.floor, sympy.ceiling)
PRECISION = 40  # significant digits of the values that decide signs and reality
HUGE_DIGITS = 10**15  # a value of more decimal digits than this is too large to represent
MAX_FORMS = 16  # sides of a kink followed before a partial is called undecidable
# sympy raises these for values outside a function's real domain (Heaviside(I*pi),
# Max(1, I)), and arithmetic on them.
Point = dict[sympy.Symbol, sympy.Expr]  # a variable's value, exact
_SYMPY_FAILURES = (ValueError, TypeError, ArithmeticError, NotImplementedError)


def at_point(jac: sympy.Matrix, at: Mapping[sympy.Symbol, sympy.Expr], layout: str,
             names: Sequence[str], functions: Sequence[sympy.Expr] = (),
             variables: Sequence[sympy.Symbol] = ()
             ) -> tuple[sympy.Matrix, list[list[sympy.Float]], str]:
    """(exact values, decimals as sympy Floats, "x=1, y=2"), or UndefinedError.

    A point may leave some variables symbolic; those entries stay expressions.
    ``functions`` and ``variables`` let a piecewise function be differentiated
    from its form near the point.
    """
    where = ", ".join(f"{s}={sstr(v)}" for s, v in at.items())
    point = dict(at)
    not_real = {i: _not_real_part(f, point) for i, f in enumerate(functions)}
    value = sympy.zeros(jac.rows, jac.cols)
    decimals: list[list[sympy.Float]] = []
    for r in range(jac.rows):
        row: list[sympy.Float] = []
        for c in range(jac.cols):
            i, j = (r, c) if layout == "numerator" else (c, r)
            what = f"∂f{sub(i + 1)}/∂{names[j]}, the entry ({r + 1},{c + 1}) of ∇f,"
            f = functions[i] if i < len(functions) else None
            x = variables[j] if j < len(variables) else None
            off_line = not_real.get(i)
            if off_line is not None:
                part, v = off_line
                raise UndefinedError(f"{what} is not a real number at {where}: {part} is "
                                     f"{_short(v)} there, not a real number")
            try:
                if f is not None and x is not None and f.has(*_PIECEWISE):
                    v = _piecewise_partial(f, x, point, what, where)
                    if v is None:  # not decided here (a symbolic point): as sympy has it
                        v = _substituted(jac[r, c], point, what, where)
                else:
                    v = _substituted(jac[r, c], point, what, where)
            except UndefinedError as e:
                raise _itself(e, f, i, point, where) from None
            value[r, c] = v
            if v.free_symbols:
                row.append(v.evalf(15))
                continue
            row.append(_real(v, what, where))
        decimals.append(row)
    return value, decimals, where


def _itself(e: UndefinedError, f: sympy.Expr | None, i: int, point: Point, where: str
            ) -> UndefinedError:
    """Say so when the function itself is undefined at the point (sin(x)/x at x=0)."""
    if f is None or "itself" in str(e):
        return e
    try:
        value = safe_subs(f, point)
        undefined = value.has(*_NON_FINITE)
    except Exception:  # the first message stands
        return e
    if not undefined:
        return e
    # sin(x)/x at 0 too: a removable singularity is still undefined as written.
    return UndefinedError(f"{e}: f{sub(i + 1)} itself is undefined there, as written")


def _not_real_part(f: sympy.Expr, point: Point) -> tuple[str, sympy.Expr] | None:
    """(a part of f, its value) where f takes a value off the real line at the point, or None.

    log(-1) = I*pi inside |log(x)| or log(x)**2 makes f no real function there,
    even where f's own value, or sympy's formula for its derivative, is real.
    """
    memo: dict[sympy.Expr, sympy.Expr] = {}
    try:
        safe_subs(f, point, memo=memo)
    except _SYMPY_FAILURES:
        return None  # the entries themselves say why
    for part, v in memo.items():
        try:  # is_real may evaluate: exp(exp(exp(10))) overflows there
            not_real = not v.free_symbols and v.is_real is False and not v.has(*_NON_FINITE)
        except _SYMPY_FAILURES:
            continue
        if not_real:
            return sstr(part), v
    return None


def _substituted(expr: sympy.Expr, point: Point, what: str, where: str) -> sympy.Expr:
    try:
        v = safe_subs(expr, point)  # x**(10**10) at x=2 is refused, not computed
    except _SYMPY_FAILURES:
        raise UndefinedError(f"{what} is not a real number at {where}") from None
    if v.has(*_NON_FINITE):
        raise UndefinedError(f"{what} is undefined at {where} (division by zero)")
    _refuse_huge(v, what, where)
    return v


def _refuse_huge(v: sympy.Expr, what: str, where: str) -> None:
    """LimitError if v, or a number in it, is too large to represent (exit 3, not
    "undefined"): estimated through logarithms, since evaluating exp(exp(exp(10))) takes
    sympy minutes and then fails."""
    memo: magnitude.Memo = {}
    whole = None if v.free_symbols else magnitude.estimate(v, memo)
    if magnitude.exceeds(whole, HUGE_DIGITS):
        raise LimitError(f"{what} is too large to represent at {where}: it is about "
                         f"{magnitude.text(whole)}, more than 10^15 digits (the size limit)")
    for node in sympy.postorder_traversal(v):  # the innermost such number is named
        if node.free_symbols or not node.args:
            continue
        part = magnitude.estimate(node, memo)
        if magnitude.exceeds(part, HUGE_DIGITS):
            raise LimitError(f"{what} cannot be evaluated at {where}: it holds {_short(node)}, "
                             f"about {magnitude.text(part)}, a number too large to represent "
                             "(more than 10^15 digits, the size limit)")


def _real(v: sympy.Expr, what: str, where: str) -> sympy.Float:
    """v (a number) as a sympy Float of PRECISION digits, if it is a finite real number."""
    if v.is_Rational:
        return sympy.Float(v, PRECISION)
    try:
        n = v.evalf(PRECISION)
        re, im = n.as_real_imag()
    except OverflowError:
        raise LimitError(f"{what} is too large to represent at {where}") from None
    except _SYMPY_FAILURES:
        re = im = sympy.nan
    if not (re.is_Number and im.is_Number) or re.has(*_NON_FINITE) or im.has(*_NON_FINITE):
        # e.g. DiracDelta(0), the derivative of sign(x) at 0: no number at all.
        raise UndefinedError(f"{what} is undefined at {where} (it is {_short(v)})")
    if im != 0 and abs(im) > abs(re) * sympy.Float(10) ** (5 - PRECISION):
        raise UndefinedError(f"{what} is not a real number at {where} (it is {_short(v)})")
    return re


def _short(v: object) -> str:
    """The value for a message, cut at 200 characters (the renderers escape it)."""
    text = sstr(v)
    return text if len(text) <= 200 else text[:200] + f"… ({len(text) - 200} more characters)"


# -- piecewise functions: the form near the point -------------------------------------


def _piecewise_partial(f: sympy.Expr, x: sympy.Symbol, point: Point, what: str, where: str
                       ) -> sympy.Expr | None:
    """∂f/∂x at the point from the forms f takes near it, or None if the point is symbolic."""
    try:
        forms = _forms(f, point)
    except _SYMPY_FAILURES:
        raise UndefinedError(f"{what} is not a real number at {where}") from None
    if forms is None:
        return None
    # sympy numbers, or None where a form has no number at the point
    values: list[Any] = []
    partials: list[Any] = []
    for form in forms:
        try:
            values.append(_number(safe_subs(form, point)))
            partials.append(_number(safe_subs(sympy.diff(form, x), point)))
        except _SYMPY_FAILURES:
            raise UndefinedError(f"{what} is not a real number at {where}") from None
        for v in (values[-1], partials[-1]):
            if v is not None:
                _refuse_huge(v, what, where)
    if any(v is None for v in values + partials):
        if any(v is not None and v.has(*_NON_FINITE) for v in partials):
            raise UndefinedError(f"{what} is undefined at {where} (division by zero)")
        return None
    if any(v.has(*_NON_FINITE) for v in values):
        raise UndefinedError(f"{what} is undefined at {where}: the function itself is "
                             "undefined there")
    if not all(_same(values[0], v) for v in values[1:]):
        raise UndefinedError(f"{what} is undefined at {where}: the function jumps there "
                             "(a step of sign, Heaviside, floor or ceiling)")
    if any(v.has(*_NON_FINITE) for v in partials):
        raise UndefinedError(f"{what} is undefined at {where} (division by zero)")
    if not all(_same(partials[0], v) for v in partials[1:]):
        shown = ", ".join(sorted({sstr(v) for v in partials}))
        raise UndefinedError(f"{what} is undefined at {where}: the function has a kink "
                             f"there (the slopes on either side are {shown})")
    return partials[0]


def _number(v: sympy.Expr) -> sympy.Expr | None:
    """v if it is a number (no free symbols), else None."""
    return None if v.free_symbols else v


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    d = a - b
    if d.is_zero:
        return True
    try:
        n = abs(complex(d.evalf(PRECISION)))
        scale = max(1.0, abs(complex(a.evalf(PRECISION))))
    except _SYMPY_FAILURES:
        return False
    return n <= scale * 1e-30


def _forms(e: sympy.Expr, point: Point) -> list[sympy.Expr] | None:
    """Every form e takes beside the point, piecewise parts decided there; None if undecidable."""
    if not e.args or not e.has(*_PIECEWISE):
        return [e]
    arg_forms: list[list[sympy.Expr]] = []
    for a in e.args:
        forms = _forms(a, point)
        if forms is None:
            return None
        arg_forms.append(forms)
    out: list[sympy.Expr] = []
    for args in itertools.product(*arg_forms):
        if isinstance(e, _PIECEWISE):
            chosen = _sides(e.func, list(args), point)
            if chosen is None:
                return None
            out += chosen
        else:
            out.append(e.func(*args))
        if len(out) > MAX_FORMS:
            return None
    unique: list[sympy.Expr] = []
    for form in out:
        if form not in unique:
            unique.append(form)
    return unique


def _sign_at(g: sympy.Expr, point: Point) -> int | None:
    """The sign of g at the point (-1, 0, 1), or None if g is not a real number there."""
    v = safe_subs(g, point)
    if v.free_symbols or v.has(*_NON_FINITE):
        return None
    if v.is_zero:
        return 0
    if v.is_positive:
        return 1
    if v.is_negative:
        return -1
    re, im = v.evalf(PRECISION).as_real_imag()
    if not (re.is_Number and im.is_Number) or im != 0:
        return None
    return 0 if re == 0 else (1 if re > 0 else -1)


def _sides(func: Callable[..., sympy.Expr], args: list[sympy.Expr], point: Point
           ) -> list[sympy.Expr] | None:
    """The forms of func(*args) beside the point: one, or one per side of a kink or jump."""
    if func in (sympy.Max, sympy.Min):
        want = 1 if func is sympy.Max else -1
        best = [args[0]]
        for a in args[1:]:
            s = _sign_at(a - best[0], point)
            if s is None:
                return None
            if s == want:
                best = [a]
            elif s == 0:
                best.append(a)
        return best
    g = args[0]  # Heaviside(x, 1/2) carries its value at 0 as a second argument
    s = _sign_at(g, point)
    if s is None:
        return None
    if func is sympy.Abs:
        return [g, -g] if s == 0 else [s * g]
    if func is sympy.sign:
        return [sympy.S.One, sympy.S.NegativeOne] if s == 0 else [sympy.Integer(s)]
    if func is sympy.Heaviside:
        return [sympy.S.One, sympy.S.Zero] if s == 0 else [sympy.Integer(int(s > 0))]
    # floor and ceiling: constant between integers, a jump at one
    v = safe_subs(g, point)
    n = func(v)
    if (v - n).is_zero:
        return [n, n - 1] if func is sympy.floor else [n, n + 1]
    return [n]


# -- substitution, refusing numbers too large to build ---------------------------------


def safe_subs(expr: Any, point: Mapping[Any, object], max_bits: int | None = None,
              memo: dict[sympy.Expr, sympy.Expr] | None = None) -> Any:
    """expr with the values of `point` substituted, refusing numbers too large to build.

    `point` maps Symbols (or their names) to values (sympy objects, ints or
    text parsed by symjac's parser). The substitution is done bottom-up, and
    before a power is built its size is estimated (|exponent| x log2|base|):
    ``x**(10**10)`` at x=2 raises LimitError at once instead of computing
    2**10000000000. Works on a scalar expression or a Matrix. The result may
    hold zoo/nan where the expression is undefined at the point.
    """
    from symjac.language.parser import MAX_NUMBER_BITS, parse_expression

    cap = MAX_NUMBER_BITS if max_bits is None else max_bits
    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(lambda e: safe_subs(e, point, cap))
    if isinstance(expr, int):
        expr = sympy.Integer(expr)
    values: dict[sympy.Symbol, sympy.Expr] = {}
    names = {s.name: s for s in getattr(expr, "free_symbols", ())}
    for key, value in point.items():
        sym = names.get(key) if isinstance(key, str) else key
        if sym is None:
            continue  # a variable the expression does not use
        if isinstance(value, str):
            value = parse_expression(value, what=f"the value of {key}")
        elif isinstance(value, int | float):
            value = sympy.Rational(value)  # a float exactly, as the parser reads decimals
        values[sym] = value
    # memo, if given, is filled with the value of every subexpression (for a caller
    # that asks whether each part is real, say).
    return _subs(expr, values, {} if memo is None else memo, cap)


def _subs(e: sympy.Expr, values: dict[sympy.Symbol, sympy.Expr],
          memo: dict[sympy.Expr, sympy.Expr], cap: int) -> sympy.Expr:
    if not e.args:
        return values.get(e, e)
    hit = memo.get(e)
    if hit is not None:
        return hit
    if isinstance(e, sympy.Derivative | sympy.Subs | sympy.Integral | sympy.Lambda):
        # Bound variables need sympy's own handling; these are not evaluated.
        out = e.subs(values)
    else:
        args = [_subs(a, values, memo, cap) for a in e.args]
        check_call(e.func, args, cap, AT_POINT)
        out = e.func(*args)
        if out.is_Rational and max(out.p.bit_length(), out.q.bit_length()) > cap:
            raise LimitError(too_big(cap, AT_POINT))
    memo[e] = out
    return out


