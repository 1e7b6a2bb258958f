"""Is a hand-derived answer right? Exact comparison, entry by entry."""

from __future__ import annotations

import random

import sympy

from symjac.model import Check
from symjac.printing import shape, sstr


def equal(a: sympy.Expr, b: sympy.Expr, trials: int = 6) -> bool:
    """a == b as functions: structurally, by cheap simplification, else numerically.

    simplify() can hang, so after the cheap tries the difference is evaluated at
    random points; it counts as zero when it vanishes at every point tried.
    """
    diff = sympy.expand(a - b)
    if diff == 0:
        return True
    if diff.is_number:
        return bool(sympy.nsimplify(diff) == 0) if diff.is_Float else bool(diff.equals(0))
    free = sorted(diff.free_symbols, key=str)
    rng = random.Random(1234)
    tried = 0
    for _ in range(trials * 4):
        point = {s: sympy.Rational(rng.randint(-300, 300), rng.randint(50, 150)) for s in free}
        value = diff.xreplace(point).evalf(30)  # xreplace: far cheaper than subs here
        if not value.is_finite or value.has(sympy.nan, sympy.zoo) or not value.is_real:
            continue  # outside the domain: try another point
        if abs(value) > 1e-20:
            return False
        tried += 1
        if tried >= trials:
            return True
    return tried > 0


def compare_matrices(got: sympy.Matrix, expected: sympy.Matrix) -> Check:
    if got.shape != expected.shape:
        return Check(
            passed=False,
            message=f"the answer is {shape(*got.shape)} but the expected one is "
            f"{shape(*expected.shape)}",
        )
    mismatches = [
        {"index": [i + 1, j + 1], "expected": sstr(expected[i, j]), "got": sstr(got[i, j])}
        for i in range(got.rows)
        for j in range(got.cols)
        if not equal(got[i, j], expected[i, j])
    ]
    n = got.rows * got.cols
    if mismatches:
        return Check(False, tuple(mismatches), f"{len(mismatches)} of {n} entries differ")
    return Check(True, (), "the entry matches" if n == 1 else f"all {n} entries match")


def numbers_equal(a, b, digits: int = 50) -> bool:
    """Two numbers (no free symbols): exactly when both are rational, else to ``digits``.

    For verifying at points, where equals(0) on exact transcendental numbers is slow.
    """
    a, b = sympy.sympify(a), sympy.sympify(b)
    if a.is_Rational and b.is_Rational:
        return a == b
    x, y = a.evalf(digits + 10), b.evalf(digits + 10)
    if not (x.is_number and y.is_number):
        return False
    scale = max(1, abs(x), abs(y))
    return bool(abs(x - y) <= scale * sympy.Float(10) ** (-digits))
