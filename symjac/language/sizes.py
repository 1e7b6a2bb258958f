"""Sizes of numbers before they are built: the estimates every builder and evaluator uses.

sympy expands powers of numbers exactly, so ``2**(10**10)`` or
``floor(E**(10**10))`` would run for hours inside C code. These functions
estimate, from an expression tree and without evaluating it, how large a
number would become, and refuse it first (LimitError). They live below the
parser (which checks while it builds) and below the ops (``ops.point.safe_subs``
checks while it substitutes a point).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from symjac.core.errors import LimitError

if TYPE_CHECKING:
    import sympy

AT_POINT = "evaluating at the point gives"
IN_EXPRESSION = "the expression holds"


def too_big(cap: int, context: str = IN_EXPRESSION) -> str:
    return f"{context} a number of more than {cap * math.log10(2):,.0f} digits (the size limit)"


def check_call(func: object, args: Sequence[sympy.Expr], cap: int,
               context: str = IN_EXPRESSION) -> None:
    """Refuse func(*args) before it is built if sympy would compute a huge number.

    Symbolic powers (x**(10**10), x free) and exp(10**10) are cheap and
    allowed. Once a base holds numbers, sympy expands the power exactly:
    2**(10**10), (2*y)**n = 2**n*y**n, sqrt(2)**n = 2**(n/2), and
    exp(n*log(2)) = 2**n; floor(E**(10**10)) asks mpmath for billions of
    digits. Those are estimated first, from the numbers involved, without
    evaluating anything (evalf itself can hang on exp(exp(exp(100)))).
    """
    import sympy

    limit = math.log2(cap)
    if func is sympy.Pow:
        base, exponent = args
        if base is sympy.E:
            func, args = sympy.exp, [exponent]
        elif exponent.free_symbols or not exponent.is_number:
            return
        else:
            size = _numbers_size(base)
            if not size:
                return  # no numbers to expand: pi**(10**10) stays as it is
            # |exponent| * log2(largest number in the base) bits, compared in log2
            if _log2_bound(exponent, cap, context) + math.log2(size) > limit:
                raise LimitError(too_big(cap, context))
            return
    if func is sympy.exp:
        (arg,) = args
        # exp(k*log(b)) = b**k is built exactly: |k|*log2(b) = |arg|/ln(2) bits.
        if arg.free_symbols or not arg.has(sympy.log):
            return
        if _log2_bound(arg, cap, context) - math.log2(math.log(2)) > limit:
            raise LimitError(too_big(cap, context))
    elif func in (sympy.floor, sympy.ceiling):
        (arg,) = args
        if arg.free_symbols or arg.is_Rational or not arg.is_number:
            return
        # mpmath turns the integer part into decimal text, which Python refuses
        # past 4300 digits, so floor and ceiling stop short of that.
        cap = min(cap, _FLOOR_BITS)
        if _log2_bound(arg, cap, context) > cap:
            raise LimitError(too_big(cap, context))


def _numbers_size(base: sympy.Expr) -> float:
    """log2 of the largest numerator or denominator among the numbers written in `base`."""
    import sympy

    size = 0.0
    for atom in base.atoms(sympy.Rational):
        for part in (atom.p, atom.q):
            if part:
                size = max(size, math.log2(abs(part)))
    return size


_FLOOR_BITS = 14_000  # about 4,200 digits
_BOUNDED = ("sin", "cos", "tanh", "sech", "atan", "acot", "sign", "asin", "acos")


def _log2_bound(value: sympy.Expr, cap: int, context: str) -> float:
    """An upper bound of log2|value| for a number, from its tree, evaluating nothing.

    Raises LimitError if any part of it is larger than `cap` bits: sympy
    would have to compute that part to evaluate the whole.
    """
    import sympy

    if value.is_Rational:
        return math.log2(abs(value.p)) - math.log2(value.q) if value.p else -math.inf
    if not value.args:
        return 2.0  # pi, E, and for a symbol, a guess: it only matters for numbers
    parts = [_log2_bound(a, cap, context) for a in value.args]
    if isinstance(value, sympy.Add):
        out = max(parts) + math.log2(len(parts))
    elif isinstance(value, sympy.Mul):
        out = sum(parts)
    elif isinstance(value, sympy.Pow):
        base, exponent = value.args
        if not exponent.is_Rational:
            out = max(parts[0], 1.0) * 2 ** min(parts[1], 64)
        elif exponent >= 0:
            out = float(exponent) * parts[0]
        elif base.is_Rational:
            out = float(-exponent) * math.log2(base.q)
        else:
            out = float(-exponent) * (abs(parts[0]) + 2)  # a guess: bases near 0 are rare
    elif isinstance(value, sympy.exp):
        out = 2 ** min(parts[0], 64) * 1.45
    elif isinstance(value, sympy.log):
        out = math.log2(abs(parts[0]) + 2) + 1
    elif type(value).__name__ in _BOUNDED:
        out = 2.0
    else:
        out = max(parts) + 2
    if out > cap:
        raise LimitError(too_big(cap, context))
    return out
