"""How large is a number too large to evaluate? An estimate through its logarithms.

``exp(exp(exp(10)))`` is about 10^(10^9566): sympy's evalf spends minutes on it
and then fails (its exponent has more digits than Python prints), and mpmath
overflows. Here a number is followed up its expression tree as a tower
10^10^…^y (``level`` tens, y a modest mpmath number), so every operation is
done on logarithms and nothing large is ever built: a product adds the
logarithms of its factors, exp(u) is 10^(u/ln 10), a sum is its largest term
(times 1 + the others' ratios, when they are close). The answer is an estimate
("about"), good to a few digits in the top exponent; None where it cannot be
made (a sine of a huge number, a sum whose largest terms cancel).
"""

from __future__ import annotations

import functools
from typing import NamedTuple, TypeGuard

import mpmath
import sympy

_TOP = mpmath.mpf(10) ** 6  # y at most this: above it, one level more (its log10)
_FLOOR = mpmath.mpf(6)  # above level 0, y is more than this (log10 of _TOP)
_DIGITS = 30  # working precision; the estimate keeps about 4 of them
_TIE = mpmath.mpf(10) ** -20  # relative difference of top exponents treated as equal


# sympy expressions already estimated, within one estimate (sympy's objects: no types)
Memo = dict[sympy.Expr, "Big | None"]


class Big(NamedTuple):
    """sign · 10^10^…^y, ``level`` tens (sign · y itself at level 0)."""

    sign: int  # -1, 0 or 1
    level: int
    y: mpmath.mpf  # >= 0


def _normal(sign: int, level: int, y: mpmath.mpf | int | float) -> Big:
    y = abs(mpmath.mpf(y))
    if not mpmath.isfinite(y):
        raise ValueError("not a finite number")
    if sign == 0 or y == 0:
        return Big(0, 0, mpmath.mpf(0))
    while y > _TOP:
        y, level = mpmath.log10(y), level + 1
    while level > 0 and y <= _FLOOR:
        y, level = mpmath.power(10, y), level - 1
    return Big(sign, level, y)


def _of(x: mpmath.mpf | int | float) -> Big:
    x = mpmath.mpf(x)
    return _normal(int(mpmath.sign(x)), 0, x)


def _key(b: Big) -> tuple[int, mpmath.mpf]:
    return (b.level, b.y)


def _log10(b: Big) -> Big | None:
    """log10 |b| (negative when |b| < 1); None for 0."""
    if b.sign == 0:
        return None
    if b.level == 0:
        return _of(mpmath.log10(b.y))
    return _normal(1, b.level - 1, b.y)


def _exp10(s: Big) -> Big | None:
    """10^s, positive; None when it is too small to follow (10^-(10^7))."""
    if s.sign == 0:
        return _of(1)
    if s.level == 0:
        return _of(mpmath.power(10, s.sign * s.y))
    if s.sign < 0:
        return None
    return _normal(1, s.level + 1, s.y)


def _add(terms: list[Big]) -> Big | None:
    terms = [t for t in terms if t.sign != 0]
    if not terms:
        return _of(0)
    top = max(terms, key=_key)
    if top.level == 0:
        return _of(mpmath.fsum(t.sign * t.y for t in terms))
    if top.level == 1:  # 10^y each: the sum is 10^top.y · Σ ±10^(y - top.y)
        ratio = mpmath.fsum(
            t.sign * (mpmath.power(10, t.y - top.y) if t.level == 1
                      else t.y / mpmath.power(10, top.y))
            for t in terms)
        if abs(ratio) < _TIE:  # the largest terms cancel, to the digits followed
            return None
        return _normal(int(mpmath.sign(ratio)), 1, top.y + mpmath.log10(abs(ratio)))
    # higher up, a term is negligible beside the largest unless its top exponent is the same
    same = [t for t in terms if t.level == top.level and abs(t.y - top.y) <= _TIE * top.y]
    total = sum(t.sign for t in same)
    if total == 0:
        return None
    return Big(1 if total > 0 else -1, top.level, top.y)


def _mul(factors: list[Big]) -> Big | None:
    sign = 1
    logs = []
    for f in factors:
        if f.sign == 0:
            return _of(0)
        sign *= f.sign
        log = _log10(f)
        if log is None:
            return None
        logs.append(log)
    total = _add(logs)
    if total is None:
        return None
    magnitude = _exp10(total)
    return None if magnitude is None else Big(sign, magnitude.level, magnitude.y)


@functools.cache
def _ln10() -> Big:
    with mpmath.workdps(_DIGITS):
        return _of(mpmath.log(10))


def estimate(e: sympy.Expr, memo: Memo | None = None) -> Big | None:
    """e (a real number, as an expression without symbols) as a Big, or None."""
    with mpmath.workdps(_DIGITS):
        try:
            return _estimate(e, {} if memo is None else memo)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None


def _estimate(e: sympy.Expr, memo: Memo) -> Big | None:
    if e in memo:
        return memo[e]
    out = _node(e, memo)
    memo[e] = out
    return out


def _node(e: sympy.Expr, memo: Memo) -> Big | None:
    if e.free_symbols:
        return None
    if e.is_Rational:
        return _of(mpmath.mpf(int(e.p)) / int(e.q))
    if e.is_Float or e.is_NumberSymbol:
        return _of(e._to_mpmath(mpmath.mp.prec))
    maybe = [_estimate(a, memo) for a in e.args]
    args = [a for a in maybe if a is not None]
    if len(args) < len(maybe):
        return None
    if e.is_Add:
        return _add(args)
    if e.is_Mul:
        return _mul(args)
    if e.is_Pow:
        base, exponent = args
        if base.sign == 0:
            return None
        if base.sign < 0 and not e.exp.is_Integer:
            return None  # not real
        base_log = _log10(base)
        log = None if base_log is None else _mul([exponent, base_log])
        if log is None:
            return None
        magnitude = _exp10(log)
        if magnitude is None:
            return None
        odd = base.sign < 0 and int(e.exp) % 2 == 1
        return Big(-1 if odd else 1, magnitude.level, magnitude.y)
    if isinstance(e, sympy.exp):
        log = _mul([args[0], _of(1 / mpmath.log(10))])
        return None if log is None else _exp10(log)
    if isinstance(e, sympy.log) and len(args) == 1 and args[0].sign > 0:
        log = _log10(args[0])
        return None if log is None else _mul([log, _ln10()])
    if all(a.level == 0 for a in args):  # a function of modest numbers: mpmath says
        try:
            value = e.evalf(_DIGITS)
            if value.is_Float:
                return _of(value._to_mpmath(mpmath.mp.prec))
        except (ValueError, TypeError, ArithmeticError, NotImplementedError):
            pass
    return None


def exceeds(b: Big | None, digits: int) -> TypeGuard[Big]:
    """|b| > 10^digits (10^10^15, say, for digits = 10^15)."""
    if b is None or b.sign == 0:
        return False
    log = _log10(b)
    if log is None or log.sign <= 0:
        return False
    with mpmath.workdps(_DIGITS):
        return _key(log) > _key(_of(digits))


def text(b: Big) -> str:
    """10^(10^9565) for a Big that large; its value to 4 digits at level 0."""
    if b.level == 0:
        value: str = mpmath.nstr(b.sign * b.y, 4)
        return value
    sign = "-" if b.sign < 0 else ""
    return sign + _tower(b.level, b.y)


def _tower(level: int, y: mpmath.mpf) -> str:
    if level == 1:
        exponent = str(int(mpmath.nint(y))) if y >= 1000 else mpmath.nstr(y, 4)
        exponent = exponent[:-2] if exponent.endswith(".0") else exponent
        return f"10^{exponent}"
    return f"10^({_tower(level - 1, y)})"
