"""A fast exact path for products of integer and rational matrices.

`symjac matmul --no-steps` on two 200×200 integer matrices spent seconds in
sympy (its import, an Integer per entry, Matrix.__mul__, the printers). Here
a matrix literal made only of integers and fractions is read with
``json.loads`` (C speed, no code is ever run), multiplied with FLINT
(python-flint) or plain Python ints, and printed as sympy would print it —
without importing sympy at all.

Anything else (symbols, decimals, shape errors, numbers near a limit) makes
`fast_matmul` return None and the caller takes the ordinary sympy path, which
gives the same answer or the same error message: this path only ever accepts
a strict subset of what parsing.py accepts, so it cannot widen the input
language nor skip a security check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from fractions import Fraction
from math import lcm
from operator import mul

from symjac.model import Derivation, Result

# Mirrors parsing.MAX_LENGTH / MAX_DIGITS (importing parsing would import sympy);
# tests/test_fastmat.py checks that they agree.
MAX_LENGTH = 1_000_000
MAX_DIGITS = 1000
MAX_ENTRIES = 100_000  # a larger matrix goes the parser's way, which refuses it
# printing.sstr abbreviates integers above this many bits; such results go the slow way.
MAX_PRINTED_BITS = 4000 * 3.3
# A literal made only of these characters may be an integer or fraction matrix.
_CHARSET = re.compile(r"[\s\[\],0-9/-]*\Z")
_LONG_NUMBER = re.compile(r"\d{" + str(MAX_DIGITS + 1) + ",}")
_FRACTION = re.compile(r"(?<![\d/])(-?\d+/\d+)(?![\d/])")
_FRACTION_TOKEN = re.compile(r"(-?)(0|[1-9]\d*)/(0|[1-9]\d*)\Z")
_ROW_TOKEN = re.compile(r"-?(?:0|[1-9]\d*)\Z")
_COMPACT_CHARSET = re.compile(r"[ 0-9;\n-]*\Z")
NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

Number = int | Fraction
Rows = list[list[Number]]


def parse_numeric_matrix(text: str) -> Rows | None:
    """The rows of a literal of integers and fractions, or None if it is anything else."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH or not text.isascii():
        return None
    s = text.strip()
    if not s or _LONG_NUMBER.search(s):
        return None
    rows = _bracketed(s) if s.startswith("[") else _compact(s)
    if rows is not None and sum(len(r) for r in rows) > MAX_ENTRIES:
        return None
    return rows


def _bracketed(s: str) -> Rows | None:
    if ";" in s or not _CHARSET.match(s):
        return None
    # "1/2" becomes the JSON string "1/2", read below with the same rules as Python's.
    quoted = _FRACTION.sub(r'"\1"', s) if "/" in s else s
    try:
        data = json.loads(quoted)
    except (ValueError, RecursionError):
        return None  # not JSON (e.g. "3/-4", "007", a trailing comma): the parser decides
    if not isinstance(data, list) or not data:
        return None
    if all(isinstance(r, list) for r in data):
        rows = data
    elif any(isinstance(r, list) for r in data):
        return None
    else:
        rows = [[x] for x in data]  # a flat list is a column vector
    width = len(rows[0])
    if width == 0:
        return None
    out: Rows = []
    for row in rows:
        if len(row) != width:
            return None
        entries: list[Number] = []
        for x in row:
            if type(x) is int:
                entries.append(x)
            elif type(x) is str:
                v = _fraction(x)
                if v is None:
                    return None
                entries.append(v)
            else:
                return None
        out.append(entries)
    return out


def _fraction(token: str) -> Number | None:
    m = _FRACTION_TOKEN.match(token)
    if m is None or m.group(3) == "0":
        return None
    v = Fraction(int(m.group(2)), int(m.group(3)))
    if m.group(1):
        v = -v
    return int(v) if v.denominator == 1 else v


def _compact(s: str) -> Rows | None:
    """"1 6; 7 5": integers only, rows split by ';' or new lines, entries by spaces."""
    if not _COMPACT_CHARSET.match(s):
        return None
    rows: Rows = []
    for raw in re.split(r"[;\n]", s):
        tokens = raw.split()
        if not tokens:
            continue
        if not all(_ROW_TOKEN.match(t) for t in tokens):
            return None
        if rows and len(tokens) != len(rows[0]):
            return None
        rows.append([int(t) for t in tokens])
    return rows or None


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


class ExactMatrix:
    """Rows of ints and Fractions that index like a sympy Matrix, for the renderers.

    Entries become sympy numbers only when a renderer asks for one, so the
    JSON path never imports sympy.
    """

    def __init__(self, rows: Rows):
        self._rows = rows
        self.rows, self.cols = len(rows), len(rows[0])
        self.shape = (self.rows, self.cols)

    def __getitem__(self, index):
        import sympy

        i, j = index
        x = self._rows[i][j]
        if type(x) is Fraction:
            return sympy.Rational(x.numerator, x.denominator)
        return sympy.Integer(x)

    def tolist(self) -> Rows:
        return [list(r) for r in self._rows]

    def to_sympy(self):
        return sympy_matrix(self._rows)


def sympy_matrix(rows: Rows):
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
    for t in texts:
        m = parse_numeric_matrix(t)
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
            value=ExactMatrix(left),
        ),
        steps=(),
        label="·".join(names),
    )
