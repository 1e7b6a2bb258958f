"""A variant of a problem for every student: `[problem.params]`, drawn and substituted.

A problem may declare parameters, each a kind of value::

    [problem.params]
    a = "integer 2..9"
    r = "rational -2..2 over 2..4"       # p/q with q from 2 to 4 (default 1..6)
    A = "matrix 2x3 of integer -5..5 nonzero"
    v = "vector 3 of integer 0..4"
    f = "choice sin, cos, exp"
    B = "matrix {n}x2 of integer -3..3"  # a size from an earlier parameter

and constraints (the problem's ``constraints`` key, a list of text), each one of:
``distinct a, b, c``; ``nonzero EXPR``; ``invertible A``; ``A @ B is defined``
(the product's sizes match; ``the product is defined``: of the matrix
parameters in order; ``... is undefined``: the opposite); or a comparison of
scalar expressions in symjac's own language, ``a*b != 6``, ``1 <= a - b < 4``,
``det(A) != 0``, ``A[1, 2] > 0`` (and trace, rank, rows, cols), read by the
one parser (never eval). Each is also read as people write it: ``a, b are
distinct``, ``A is invertible``, ``defined(A @ B)``. A kind may end with
``nonzero`` (every entry, for a matrix), ``invertible`` or ``symmetric`` (a
square matrix).

Values are drawn until the constraints hold, at most MAX_TRIES times, from
a stream of bytes that is SHA-256 of (seed, student id, problem id, try):
a student's variant is a pure function of those, the same on every machine
and every version (Python's ``random`` promises no such thing). The stream
and the order of the draws (parameters in the order written, matrix entries
row by row) are part of the contract; a golden file in the tests holds it.

``{a}`` in a problem's texts (every string: text, functions, matrices,
expect, feedback, ...) becomes a's value, printed by sympy's printer. It is
written bare where that cannot change the meaning, else in parentheses:
``{a}x^2`` with a = -3 is ``(-3)x^2``, ``x^{a}`` with a = 1/2 is ``x^(1/2)``.
Only the names of declared parameters are replaced, so LaTeX braces stay.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TRIES = 1000  # draws of a whole variant before the constraints are said not to hold
MAX_ENTRIES = 400  # entries of one matrix parameter
STREAM_VERSION = 1  # part of every variant's key: change it and every variant changes

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_RANGE = r"(-?\d+(?:/\d+)?)\s*\.\.\s*(-?\d+(?:/\d+)?)"


class ParamError(Exception):
    """A parameter or constraint that cannot be used (the problem's error)."""


# -- the stream of bytes ---------------------------------------------------------------


class Stream:
    """Uniform integers from SHA-256 in counter mode over a key (stable forever)."""

    def __init__(self, *parts: Any) -> None:
        text = json.dumps(["symjac-variant", STREAM_VERSION, *parts], ensure_ascii=True)
        self.key = hashlib.sha256(text.encode("ascii")).digest()
        self.counter = 0
        self.pool = b""

    def _take(self, n: int) -> bytes:
        while len(self.pool) < n:
            block = hashlib.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
            self.pool += block
            self.counter += 1
        out, self.pool = self.pool[:n], self.pool[n:]
        return out

    def below(self, n: int) -> int:
        """An integer from 0 to n - 1, each equally likely (rejection of 64-bit draws)."""
        if n < 1 or n > 2**64:
            raise ParamError(f"a range of {n} values cannot be drawn from")
        limit = (2**64 // n) * n
        while True:
            x = int.from_bytes(self._take(8), "big")
            if x < limit:
                return x % n

    def between(self, lo: int, hi: int) -> int:
        return lo + self.below(hi - lo + 1)


# -- kinds of values ------------------------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    kind: str  # "integer" or "rational"
    lo: Any  # sympy Rational
    hi: Any
    dens: tuple[int, int] = (1, 1)
    nonzero: bool = False

    def draw(self, s: Stream) -> Any:
        import sympy

        q = s.between(*self.dens)
        lo = -((-self.lo.p * q) // self.lo.q)  # ceil(lo·q), in whole numbers
        hi = (self.hi.p * q) // self.hi.q  # floor(hi·q)
        if lo > hi:  # no multiple of 1/q in the range: another denominator
            raise _Redraw
        return sympy.Rational(s.between(lo, hi), q)

    def holds(self, v: Any) -> bool:
        return not (self.nonzero and v == 0)


@dataclass(frozen=True)
class Matrix:
    rows: int
    cols: int
    entry: Scalar | Choice
    invertible: bool = False
    symmetric: bool = False

    def draw(self, s: Stream) -> Any:
        rows: list[list[Any]] = []
        for i in range(self.rows):
            row: list[Any] = []
            for j in range(self.cols):
                if self.symmetric and j < i:
                    row.append(rows[j][i])
                    continue
                v = self.entry.draw(s)
                if not self.entry.holds(v):
                    raise _Redraw
                row.append(v)
            rows.append(row)
        return Mat(rows)

    def holds(self, v: Any) -> bool:
        return not (self.invertible and v.det() == 0)


class Mat:
    """A drawn matrix: its entries (sympy numbers), row by row; sympy's Matrix only when a
    determinant or rank is asked (making one per entry drawn would cost a cohort seconds)."""

    is_Matrix = True

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        self.entries = tuple(tuple(r) for r in rows)
        self.rows, self.cols = len(self.entries), len(self.entries[0])
        self._sympy: Any = None

    @property
    def shape(self) -> tuple[int, int]:
        return (self.rows, self.cols)

    def __getitem__(self, ij: tuple[int, int]) -> Any:
        return self.entries[ij[0]][ij[1]]

    def __iter__(self) -> Iterator[Any]:
        return (x for r in self.entries for x in r)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mat):
            return self.entries == other.entries
        return bool(getattr(other, "is_Matrix", False) and self.sympy() == other)

    def __hash__(self) -> int:
        return hash(self.entries)

    def __repr__(self) -> str:
        return f"Mat({printed(self)})"

    def sympy(self) -> Any:
        if self._sympy is None:
            import sympy

            self._sympy = sympy.ImmutableMatrix(self.entries)
        return self._sympy

    def det(self) -> Any:
        return self.sympy().det()

    def rank(self) -> int:
        return int(self.sympy().rank())

    def trace(self) -> Any:
        return sum((self.entries[i][i] for i in range(min(self.rows, self.cols))), 0)

    @property
    def is_zero_matrix(self) -> bool:
        return all(x == 0 for x in self)

    @property
    def T(self) -> Mat:  # noqa: N802 (sympy's name)
        return Mat(list(zip(*self.entries, strict=True)))


@dataclass(frozen=True)
class Choice:
    items: tuple[str, ...]
    nonzero: bool = False

    def draw(self, s: Stream) -> Any:
        item = self.items[s.below(len(self.items))]
        if re.fullmatch(r"-?\d+(?:/\d+)?", item):  # a number is a number: {n}x2, n > 1
            import sympy

            return sympy.Rational(item)
        return item

    def holds(self, v: Any) -> bool:
        return True


class _Redraw(Exception):
    """A value broke its own kind's rule (nonzero, invertible): draw the variant again."""


def _number(text: str) -> Any:
    import sympy

    return sympy.Rational(text)


def _plain(spec: str) -> str:
    """A kind in its one spelling: "nonzero integers from -5 to 5" is "integer -5..5
    nonzero", "2x3 matrix with integer entries in 0..9" is "matrix 2x3 of integer 0..9",
    "one of sin, cos" is "choice sin, cos"."""
    text = " ".join(spec.replace("×", "x").replace("…", "..").split())
    text = re.sub(r"^one of\b", "choice", text)
    if text.startswith("choice"):
        return text
    text = re.sub(r"\b(?:integers|ints?|whole numbers?)\b", "integer", text)
    text = re.sub(r"\b(?:rationals|fractions?)\b", "rational", text)
    text = re.sub(r"\bdenominators?\b", "over", text)
    text = re.sub(r"(\d+)\s*x\s*(\d+)\s+matrix\b", r"matrix \1x\2", text)
    text = re.sub(r"\b(matrix \d+x\d+|vector \d+)\s+with\s+(\w+)\s+entries\b", r"\1 of \2",
                  text)
    text = re.sub(r"\b(matrix \d+x\d+|vector \d+)\s+with entries\b", r"\1 of", text)
    text = re.sub(r"\b(?:from|between)\s+(-?[\d/]+)\s+(?:to|and)\s+(-?[\d/]+)", r"\1..\2", text)
    text = re.sub(r"(-?\d[\d/]*)\s+to\s+(-?\d[\d/]*)", r"\1..\2", text)
    text = re.sub(r"\b(integer|rational)\s+in\s+", r"\1 ", text)
    text = re.sub(r"\s*(?:,\s*)?(?:except|excluding|but not|not)\s+0\b|\s*!=\s*0\b",
                  " nonzero", text)
    # a leading "nonzero" (of the entries: the last number kind in the text)
    m = re.match(r"nonzero\s+(.*)", text)
    if m:
        text = m.group(1) + " nonzero"
    m = re.fullmatch(r"(matrix \S+|vector \S+) of nonzero (.*)", text)
    if m:
        text = f"{m.group(1)} of {m.group(2)} nonzero"
    return " ".join(text.split())


@functools.lru_cache(maxsize=4096)
def parse_kind(spec: str, name: str) -> Scalar | Matrix | Choice:
    """A kind, from its text: "integer 2..9", "matrix 2x3 of integer -5..5", ...
    (kinds are frozen: one reading serves every draw of a cohort)."""
    text = _plain(spec)
    where = f"parameter {name!r}"
    m = re.fullmatch(r"(matrix|vector)\s+(.*?)\s+of\s+(.*)", text)
    if m:
        if m.group(1) == "vector":
            dims = re.fullmatch(r"(\d+)", m.group(2))
            rows, cols = (int(dims.group(1)), 1) if dims else (0, 0)
        else:
            dims = re.fullmatch(r"(\d+)\s*[x×]\s*(\d+)", m.group(2))
            rows, cols = (int(dims.group(1)), int(dims.group(2))) if dims else (0, 0)
        if not dims:
            raise ParamError(f"{where}: the size {m.group(2)!r} is not a size; write "
                             f"{'vector 3' if m.group(1) == 'vector' else 'matrix 2x3'}")
        if rows < 1 or cols < 1 or rows * cols > MAX_ENTRIES:
            raise ParamError(f"{where}: a {rows}x{cols} matrix; sizes from 1 to "
                             f"{MAX_ENTRIES} entries")
        words = m.group(3).split(" ")
        flags: set[str] = set()
        while len(words) > 1 and words[-1] in ("invertible", "symmetric"):
            flags.add(words.pop())
        entry = parse_kind(" ".join(words), name)
        if isinstance(entry, Matrix):
            raise ParamError(f"{where}: the entries of a matrix are numbers or a choice")
        if flags and rows != cols:
            raise ParamError(f"{where}: only a square matrix is {' or '.join(sorted(flags))}")
        return Matrix(rows, cols, entry, "invertible" in flags, "symmetric" in flags)
    m = re.fullmatch(r"choice\s+(.*)", text)
    if m:
        body = m.group(1).strip()
        if body.startswith("[") and body.endswith("]"):
            body = body[1:-1]
        items = tuple(i.strip().strip("'\"").strip() for i in _split_top(body))
        if not items or any(not i for i in items):
            raise ParamError(f"{where}: write the choices separated by commas: "
                             "choice sin, cos, exp")
        return Choice(items)
    m = re.fullmatch(r"(integer|rational)\s+" + _RANGE
                     + r"(?:\s+over\s+(\d+)\s*\.\.\s*(\d+))?(\s+nonzero)?", text)
    if m:
        kind = m.group(1)
        lo, hi = _number(m.group(2)), _number(m.group(3))
        if lo > hi:
            raise ParamError(f"{where}: the range {m.group(2)}..{m.group(3)} is empty")
        if kind == "integer":
            if m.group(4):
                raise ParamError(f"{where}: 'over' (denominators) is for a rational")
            if not (lo.is_integer and hi.is_integer):
                raise ParamError(f"{where}: an integer range has whole ends")
            dens = (1, 1)
        else:
            dens = (int(m.group(4)), int(m.group(5))) if m.group(4) else (1, 6)
            if not 1 <= dens[0] <= dens[1] <= 10**6:
                raise ParamError(f"{where}: the denominators {dens[0]}..{dens[1]} are no range "
                                 "of whole numbers from 1")
        if abs(hi - lo) * dens[1] > 10**12:
            raise ParamError(f"{where}: the range is too wide to draw from")
        scalar = Scalar(kind, lo, hi, dens, bool(m.group(6)))
        if scalar.nonzero and lo == hi == 0:
            raise ParamError(f"{where}: the range holds only 0, and it must be nonzero")
        return scalar
    raise ParamError(
        f"{where}: {spec!r} is no kind of value; write one of: \"integer 2..9\", "
        "\"rational -2..2 over 2..4\", \"matrix 2x3 of integer -5..5\", "
        "\"vector 3 of integer 0..4\", \"choice sin, cos, exp\" (and 'nonzero', "
        "'invertible', 'symmetric' at the end)")


def _split_top(text: str) -> list[str]:
    """Split at commas outside brackets: "atan2(y, x), sin" is two items."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


# -- printing a value into a text --------------------------------------------------------


def printed(value: Any) -> str:
    """A value as symjac reads it back: sympy's printer, a matrix as [[...], [...]]."""
    from symjac.language.printing import sstr

    if isinstance(value, str):
        return value
    if getattr(value, "is_Matrix", False):
        return "[" + ", ".join("[" + ", ".join(sstr(value[i, j]) for j in range(value.cols))
                               + "]" for i in range(value.rows)) + "]"
    return sstr(value)


_SAFE_BEFORE = set("=,([;{") | {""}
_SAFE_AFTER = set(",)];}") | {""}


def _inserted(value: Any, before: str, after: str, after2: str, text: str | None = None) -> str:
    """The value's text where `{name}` stood, in parentheses unless bare is safe.

    ``before``/``after`` are the characters next to the placeholder
    (``after2`` the one after that); bare is safe for a whole number >= 0
    that no digit, letter, '.' or '_' would join, for any value between
    separators (``[[{a}, 1]]``, ``= {a},``), and for a matrix (its brackets
    hold it together). A choice that is a name (a function, sin) is bare.
    """
    text = printed(value) if text is None else text
    if isinstance(value, str):
        if _NAME.match(text):
            return text
    elif getattr(value, "is_Matrix", False):
        return text
    near_before = before.strip()[-1:] if before.strip() else ""
    near_after = after.strip()[:1] if after.strip() else ""
    if near_before in _SAFE_BEFORE and near_after in _SAFE_AFTER:
        return text
    if not isinstance(value, str) and value.is_Integer and value >= 0:
        b, a = before[-1:], after[:1]
        joins_before = b != "" and (b.isalnum() or b in "._")
        if re.search(r"\d\s*[x×]\Z", before):  # a size, 3x{n}: the x is no name's letter
            joins_before = False
        joins_after = a != "" and (a.isdigit() or a in "._" or (
            a in "eE" and after2 != "" and (after2.isdigit() or after2 in "+-")))
        if value == 0 and a.isalpha():  # 0x, 0b, 0o: a base prefix
            joins_after = True
        if not joins_before and not joins_after:
            return text
    return f"({text})"


def substitute(text: str, values: Mapping[str, Any],
               shown: dict[str, str] | None = None) -> str:
    """`{name}` of each parameter replaced by its value (see _inserted); ``shown`` keeps
    the values' printed texts, to print each once for a whole problem."""
    if "{" not in text or not values or not any("{" + n + "}" in text for n in values):
        return text
    pattern = re.compile(r"\{(" + "|".join(re.escape(n) for n in values) + r")\}")
    out, at = [], 0
    for m in pattern.finditer(text):
        out.append(text[at:m.start()])
        name = m.group(1)
        value = values[name]
        if shown is None:
            shown = {}
        if name not in shown:
            shown[name] = printed(value)
        # what stands before: the text written so far, with earlier values in it
        before = "".join(out)[-3:]
        after = text[m.end():m.end() + 2]
        out.append(_inserted(value, before, after[:1], after[1:2], shown[name]))
        at = m.end()
    out.append(text[at:])
    return "".join(out)


def substitute_all(raw: Any, values: Mapping[str, Any],
                   shown: dict[str, str] | None = None) -> Any:
    """Every string inside a problem's raw data, substituted."""
    shown = {} if shown is None else shown
    if isinstance(raw, str):
        return substitute(raw, values, shown)
    if isinstance(raw, list):
        return [substitute_all(v, values, shown) for v in raw]
    if isinstance(raw, dict):
        return {k: substitute_all(v, values, shown) for k, v in raw.items()}
    return raw


# -- constraints ------------------------------------------------------------------------

_COMPARE = re.compile(r"(<=|>=|!=|==|≠|≤|≥|<|>|=)")  # a single = is equality too


_MATRIX_FUNCS = {"det": lambda m: m.det(), "trace": lambda m: m.trace(),
                 "tr": lambda m: m.trace(), "rank": lambda m: m.rank(),
                 "rows": lambda m: m.rows, "cols": lambda m: m.cols}


@dataclass(frozen=True)
class Constraint:
    """One constraint over a variant's values (see the module's docstring for the forms)."""

    text: str

    def holds(self, values: Mapping[str, Any]) -> bool:
        text = " ".join(self.text.split())
        text = text[1:-1].strip() if text.startswith("(") and text.endswith(")") and \
            text.count("(") == 1 else text
        # distinct a, b, c  |  distinct(a, b)  |  a, b distinct
        m = (re.fullmatch(r"(?:distinct|different)\s*\(?(.+?)\)?", text)
             or re.fullmatch(r"(.+?)\s+(?:are\s+)?(?:distinct|different)", text))
        if m:
            names = [n for n in re.split(r"[\s,]+", m.group(1)) if n]
            seen = [printed(_value(n, values, self.text)) for n in names]
            if len(names) < 2:
                raise ParamError(f"constraint {self.text!r}: name two or more parameters")
            return len(set(seen)) == len(seen)
        # invertible A  |  A invertible  |  A is invertible  |  invertible(A)
        m = (re.fullmatch(r"(?:invertible|nonsingular)\s*\(?\s*(\w+)\s*\)?", text)
             or re.fullmatch(r"(\w+)\s+(?:is\s+)?(?:invertible|nonsingular)", text))
        if m:
            v = _value(m.group(1), values, self.text)
            if not getattr(v, "is_Matrix", False):
                raise ParamError(f"constraint {self.text!r}: {m.group(1)} is not a matrix")
            return bool(v.rows == v.cols and v.det() != 0)
        # nonzero EXPR  |  EXPR nonzero  |  EXPR is nonzero  |  nonzero(EXPR)
        m = (re.fullmatch(r"nonzero\s*(.+)", text)
             or re.fullmatch(r"(.+?)\s+(?:is\s+)?nonzero", text))
        if m:
            what = m.group(1).strip()
            if what.startswith("(") and what.endswith(")"):
                what = what[1:-1]
            name = what.strip()
            if name in values and getattr(values[name], "is_Matrix", False):
                return not values[name].is_zero_matrix
            if "," in what:  # nonzero a, b: each of them
                return all(Constraint(f"nonzero {n}").holds(values) for n in what.split(","))
            return self._compare([self._scalar(what, values), 0], ["!="])
        # A @ B is defined  |  defined A @ B  |  defined(A @ B)  |  the product A B is defined
        # | the product is defined (of the matrix parameters, in order) | ... is undefined
        negate = False
        m = re.fullmatch(r"(.+?)\s+is\s+(?:undefined|not\s+defined)", text)
        if m:
            negate, text = True, m.group(1) + " is defined"
        m = (re.fullmatch(r"(?:the\s+)?(product)\s+(?:is\s+)?defined", text)
             or re.fullmatch(r"defined\s*\(?(.+?)\)?", text)
             or re.fullmatch(r"(?:the\s+product\s+(?:of\s+)?)?(.+?)\s+(?:is\s+)?defined",
                             text))
        if m:
            if m.group(1) == "product" and "product" not in values:
                names = [n for n, v in values.items() if getattr(v, "is_Matrix", False)]
            else:
                names = [n for n in re.split(r"\s*(?:@|\*|·|,|\band\b|\s)\s*",
                                              m.group(1).strip()) if n and n != "product"]
            mats = [_value(n, values, self.text) for n in names]
            if len(mats) < 2 or not all(getattr(x, "is_Matrix", False) for x in mats):
                raise ParamError(f"constraint {self.text!r}: name two or more matrix "
                                 "parameters, as 'A @ B is defined'")
            defined = all(a.cols == b.rows for a, b in zip(mats, mats[1:], strict=False))
            return defined != negate
        parts = _COMPARE.split(text)
        if len(parts) < 3:
            raise ParamError(
                f"constraint {self.text!r} is none of: 'distinct a, b', 'nonzero EXPR', "
                "'invertible A', 'A @ B is defined', or a comparison such as 'a*b != 6'")
        sides = [self._scalar(p, values) for p in parts[0::2]]
        return self._compare(sides, parts[1::2])

    def _scalar(self, text: str, values: Mapping[str, Any]) -> Any:
        """A side of a comparison: the values put in (as {a} would be, always in
        parentheses: a name never meets the parser bare, so a parameter named e or pi
        is the parameter), det(A), trace(A), rank(A), rows(A), cols(A) and A[i, j]
        worked out first, then read by the one parser."""
        from symjac.core.errors import SymjacError

        if not text.strip():
            raise ParamError(f"constraint {self.text!r}: a side of a comparison is empty")

        def matrix(name: str) -> Any:
            v = _value(name, values, self.text)
            if not getattr(v, "is_Matrix", False):
                raise ParamError(f"constraint {self.text!r}: {name} is not a matrix")
            return v

        def func(m: re.Match) -> str:
            v = _MATRIX_FUNCS[m.group(1)](matrix(m.group(2)))
            return f"({printed(v)})"

        def entry(m: re.Match) -> str:
            v = matrix(m.group(1))
            i, j = int(m.group(2)), int(m.group(3) or 1)
            if not (1 <= i <= v.rows and 1 <= j <= v.cols):
                raise ParamError(f"constraint {self.text!r}: {m.group(1)} has no entry "
                                 f"({i}, {j}) (entries count from 1)")
            return f"({printed(v[i - 1, j - 1])})"

        text = re.sub(r"\b(det|trace|tr|rank|rows|cols)\s*\(\s*(\w+)\s*\)", func, text)
        text = re.sub(r"\b(\w+)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]", entry, text)

        def name(m: re.Match) -> str:
            n = m.group(1) or m.group(2)
            if n not in values:
                return m.group(0)
            v = values[n]
            if isinstance(v, str) or getattr(v, "is_Matrix", False):
                raise ParamError(
                    f"constraint {self.text!r}: {n} is not a number; for it use "
                    "'distinct', 'nonzero', 'invertible', 'A @ B is defined', or det(A), "
                    "trace(A), rank(A), rows(A), cols(A), A[i, j]")
            return f"({printed(v)})"

        text = re.sub(r"\{(\w+)\}|(?<![\w.])([A-Za-z_]\w*)(?![\w(])", name, text)
        try:
            expr = _parsed(text.strip())
        except SymjacError as e:
            raise ParamError(f"constraint {self.text!r}: {e}") from None
        if expr.free_symbols:
            raise ParamError(f"constraint {self.text!r}: "
                             f"{', '.join(sorted(s.name for s in expr.free_symbols))} "
                             "is not a parameter")
        return expr

    def _compare(self, sides: list, ops: list[str]) -> bool:
        import sympy

        for a, op, b in zip(sides, ops, sides[1:], strict=False):
            d = sympy.Integer(a - b) if isinstance(a - b, int) else a - b
            if not d.is_number:
                raise ParamError(f"constraint {self.text!r} does not come to a number")
            sign = _sign(d)
            if sign is None:
                raise ParamError(f"constraint {self.text!r}: cannot decide {sympy.sstr(a)} "
                                 f"{op} {sympy.sstr(b)}")
            ok = {"<": sign < 0, "<=": sign <= 0, "≤": sign <= 0, ">": sign > 0,
                  ">=": sign >= 0, "≥": sign >= 0, "==": sign == 0, "=": sign == 0,
                  "!=": sign != 0, "≠": sign != 0}[op]
            if not ok:
                return False
        return True


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Any:
    """A side of a comparison, read by the one parser (a cohort repeats the same texts)."""
    from symjac.language.parser import parse_expression

    return parse_expression(text, what="constraint")


def _sign(d: Any) -> int | None:
    if d.is_zero:
        return 0
    if d.is_positive:
        return 1
    if d.is_negative:
        return -1
    if d.is_real is False:
        return None
    v = d.evalf(60)
    if v.is_Number and abs(v) > 10**-50:
        return 1 if v > 0 else -1
    return None


def _value(name: str, values: Mapping[str, Any], where: str) -> Any:
    name = name.strip()
    if name not in values:
        raise ParamError(f"constraint {where!r}: {name!r} is not a parameter")
    return values[name]


# -- a problem's variant --------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    """A problem's parameters as written (kinds may hold {n} of earlier ones)."""

    specs: tuple[tuple[str, str], ...]
    constraints: tuple[Constraint, ...] = ()

    def draw(self, seed: Any, student: str, problem: str) -> dict[str, Any]:
        """The values of (seed, student, problem): the same on every machine, forever."""
        last = ""
        for attempt in range(MAX_TRIES):
            s = Stream(seed, student, problem, attempt)
            values: dict[str, Any] = {}
            try:
                for name, spec in self.specs:
                    kind = parse_kind(substitute(spec, values), name)
                    v = kind.draw(s)
                    if not kind.holds(v):
                        raise _Redraw
                    values[name] = v
            except _Redraw:
                last = "the kinds' own rules (nonzero, invertible)"
                continue
            broken = next((c for c in self.constraints if not c.holds(values)), None)
            if broken is None:
                return values
            last = repr(broken.text)
        raise ParamError(f"no values met {last} in {MAX_TRIES} draws; widen the ranges or "
                         "loosen the constraints")


def read_params(raw: Any, constraints: Any) -> Params:
    """`[problem.params]` and `constraints`, checked as far as they can be before a draw."""
    if not isinstance(raw, dict) or not raw:
        raise ParamError("'params' must be a table of name = \"kind\" ([problem.params] in "
                         "TOML), with at least one parameter")
    specs: list[tuple[str, str]] = []
    for name, spec in raw.items():
        if not _NAME.match(name):
            raise ParamError(f"parameter {name!r}: a name is letters, digits and '_'")
        if isinstance(spec, list) and spec and all(
                isinstance(i, str | int) and not isinstance(i, bool) for i in spec):
            spec = "choice " + ", ".join(str(i) for i in spec)  # a = [2, 3, 5]: one of them
        if not isinstance(spec, str):
            raise ParamError(f"parameter {name!r}: its kind must be text, such as "
                             "\"integer 2..9\", or a list of the values to choose from")
        earlier = [n for n, _ in specs]
        for used in re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", spec):
            if used not in earlier:
                raise ParamError(f"parameter {name!r} uses {{{used}}}, which is not a "
                                 "parameter declared before it")
        specs.append((name, spec))
    if constraints is None:
        constraints = []
    if isinstance(constraints, str):
        constraints = [constraints]
    if not isinstance(constraints, list) or not all(isinstance(c, str) for c in constraints):
        raise ParamError("'constraints' must be a list of text, such as [\"a != b\"]")
    return Params(tuple(specs), tuple(Constraint(c) for c in constraints))


def key(seed: Any, student: str, problem: str) -> str:
    """The hex key of a variant's first draw (what the golden file holds beside the values)."""
    return Stream(seed, student, problem, 0).key.hex()


# -- who the student is ---------------------------------------------------------------

ID_COLUMNS = ("id", "student", "student id", "student_id", "sid", "email")


def read_roster(path: str) -> list[str]:
    """The student ids of a roster CSV: the column named id, student, sid or email (the
    first of these), else the first column; blank ids are skipped, repeats kept once."""
    import csv
    import io

    from symjac.batch.files import read_text
    from symjac.core.errors import FileError

    rows = list(csv.reader(io.StringIO(read_text(path))))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise FileError(f"{path}: the roster is empty")
    head = [c.strip().lower() for c in rows[0]]
    col = next((head.index(n) for n in ID_COLUMNS if n in head), None)
    body = rows[1:] if col is not None else rows
    col = col or 0
    ids = [r[col].strip() for r in body if len(r) > col and r[col].strip()]
    if not ids:
        raise FileError(f"{path}: no student ids in the roster")
    return list(dict.fromkeys(ids))


def gradescope_student(path: str) -> str:
    """The student id in Gradescope's submission_metadata.json: the first user's sid,
    else their email, else their Gradescope id."""
    from symjac.batch.files import load_data
    from symjac.core.errors import FileError

    data = load_data(path)
    users = data.get("users")
    if isinstance(users, list) and users and isinstance(users[0], dict):
        for field_name in ("sid", "email", "id"):
            v = users[0].get(field_name)
            if isinstance(v, int) and not isinstance(v, bool):
                v = str(v)
            if isinstance(v, str) and v.strip():
                return v.strip()
    raise FileError(f"{path}: no student id in it (users[0].sid, email or id)")


def student_of(path: str, own: str | None) -> str:
    """The student an answer file belongs to: its `student` key, else its name's stem."""
    import os

    if own:
        return own
    if path == "-":
        return ""
    return os.path.splitext(os.path.basename(path))[0]
