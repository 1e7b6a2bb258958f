"""A fast exact path for products of integer and rational matrices.

`symjac matmul --no-steps` on two 200×200 integer matrices spent seconds in
sympy (its import, an Integer per entry, Matrix.__mul__, the printers). Here
the literals are read by the one parser (``language/parser.py``) with the exact
builder (``builders.ExactBuilder``: ints and Fractions, so decimals are
exact too), multiplied with FLINT (python-flint) or plain Python ints, and
printed as sympy prints numbers, without importing sympy at all.

Anything that is not a number (a symbol, a function) makes `fast_matmul`
return None and the caller takes the ordinary sympy path; a bad literal
raises the parser's own error, the same on both paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from operator import mul
from typing import TYPE_CHECKING

from symjac.core.model import Derivation, Result

if TYPE_CHECKING:
    import sympy

# printing.sstr abbreviates integers above this many bits; such results go the slow way.
MAX_PRINTED_BITS = 4000 * 3.3
NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

Number = int | Fraction
Rows = list[list[Number]]


def parse_numeric_matrix(text: str, name: str = "A") -> Rows | None:
    """The rows of a literal of exact numbers, or None if it holds anything else.

    A literal the parser refuses raises its ParseError/LimitError.
    """
    from symjac.language.builders import ExactBuilder, Unsupported
    from symjac.language.parser import parse_matrix

    try:
        rows: Rows = parse_matrix(text, name, builder=ExactBuilder())
    except Unsupported:
        return None
    return rows


def _common_denominator(rows: Rows) -> tuple[list[list[int]], int]:
    d = 1
    for row in rows:
        for x in row:
            if type(x) is Fraction:
                d = lcm(d, x.denominator)
    if d == 1:
        return rows, 1  # type: ignore[return-value]
    return [[int(x * d) for x in row] for row in rows], d


def _int_product(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    try:
        import flint
    except ImportError:  # python-flint is a dependency; this keeps a broken install working
        cols = list(zip(*b, strict=True))
        return [[sum(map(mul, row, col)) for col in cols] for row in a]
    product = flint.fmpz_mat(a) * flint.fmpz_mat(b)
    return [[int(x) for x in row] for row in product.tolist()]


def product(a: Rows, b: Rows) -> Rows:
    """The exact product of two conforming matrices of ints and Fractions."""
    ai, da = _common_denominator(a)
    bi, db = _common_denominator(b)
    c = _int_product(ai, bi)
    d = da * db
    if d == 1:
        return c  # type: ignore[return-value]
    out: Rows = []
    for row in c:
        out.append([_normal(Fraction(x, d)) for x in row])
    return out


def _normal(v: Fraction) -> Number:
    return v.numerator if v.denominator == 1 else v


def sstr(x: Number) -> str:
    return str(x)  # Fraction and sympy.Rational both print p/q, ints alike


def latex_entry(x: Number) -> str:
    if type(x) is Fraction:
        sign = "- " if x < 0 else ""
        return f"{sign}\\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
    return str(x)


def latex_matrix(rows: Rows) -> str:
    """sympy.latex(Matrix(rows)), written out."""
    cols = len(rows[0])
    body = "\\\\".join(" & ".join(latex_entry(x) for x in row) for row in rows)
    if cols <= 10:
        return f"\\left[\\begin{{matrix}}{body}\\end{{matrix}}\\right]"
    return f"\\left[\\begin{{array}}{{{'c' * cols}}}{body}\\end{{array}}\\right]"


def sympy_matrix(rows: Rows) -> sympy.Matrix:
    """A sympy Matrix of the rows, built without sympify for each entry."""
    import sympy

    integer, rational = sympy.Integer, sympy.Rational
    flat = [
        integer(x) if type(x) is int else rational(x.numerator, x.denominator)
        for row in rows
        for x in row
    ]
    return sympy.Matrix._new(len(rows), len(rows[0]), flat, copy=False)


def _shape(rows: int, cols: int) -> str:
    return f"{rows}×{cols}"  # printing.shape, without importing sympy


def fast_matmul(texts: Sequence[str]) -> Derivation | None:
    """matmul(..., steps=False) for numeric literals, or None to take the sympy path."""
    if not 2 <= len(texts) <= len(NAMES):
        return None
    mats = []
    for t, name in zip(texts, NAMES, strict=False):
        m = parse_numeric_matrix(t, name)
        if m is None:
            return None
        mats.append(m)
    for a, b in zip(mats, mats[1:], strict=False):
        if len(a[0]) != len(b):
            return None  # undefined: the sympy path explains why, with hints
    left = mats[0]
    for right in mats[1:]:
        left = product(left, right)
    for row in left:
        for x in row:
            big = x if type(x) is int else max(abs(x.numerator), x.denominator)
            if abs(big).bit_length() > MAX_PRINTED_BITS:
                return None  # printing.sstr abbreviates these; leave it to the slow path
    names = NAMES[: len(mats)]
    shapes = " · ".join(
        f"{n} ({_shape(len(m), len(m[0]))})" for n, m in zip(names, mats, strict=True)
    )
    rows, cols = len(left), len(left[0])
    return Derivation(
        command="matmul",
        summary=f"{shapes} → {_shape(rows, cols)}",
        result=Result(
            shape=(rows, cols),
            matrix=tuple(tuple(sstr(x) for x in row) for row in left),
            latex=latex_matrix(left),
            latex_entries=tuple(tuple(latex_entry(x) for x in row) for row in left),
        ),
        steps=(),
        label="·".join(names),
    )
