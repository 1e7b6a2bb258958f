"""Matrix products, each entry worked as a row times a column."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import sympy

from symjac.core.errors import InputError, ShapeError
from symjac.core.model import Derivation, Result, Step
from symjac.language.printing import latex, shape, sstr

if TYPE_CHECKING:
    from fractions import Fraction

    from symjac.ops.fastmat import Rows

DEFAULT_MAX_ENTRIES = 64  # entries worked per product before the rest are elided
NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def matmul(
    matrices: Sequence[sympy.Matrix],
    names: Sequence[str] | None = None,
    steps: bool = True,
    max_entries: int | None = DEFAULT_MAX_ENTRIES,
) -> Derivation:
    """The product of two or more matrices, left to right, every entry worked.

    Raises ShapeError (an undefined answer) when two neighbours do not fit.
    ``max_entries`` caps the worked entries of each product (None: all).
    """
    if len(matrices) < 2:
        raise InputError("matmul needs at least two matrices")
    if len(matrices) > len(NAMES):
        raise InputError(f"matmul takes at most {len(NAMES)} matrices")
    names = list(names or NAMES[: len(matrices)])
    _check_shapes(matrices, names)

    all_steps: list[Step] = []
    left, left_name = matrices[0], names[0]
    for right, right_name in zip(matrices[1:], names[1:], strict=True):
        product_name = f"{left_name}·{right_name}"
        product = _product(left, right)
        if steps:
            all_steps.extend(_product_steps(left, right, left_name, right_name, max_entries))
        left, left_name = product, product_name

    shapes = " · ".join(f"{n} ({shape(*m.shape)})" for n, m in zip(names, matrices, strict=True))
    return Derivation(
        command="matmul",
        summary=f"{shapes} → {shape(*left.shape)}",
        result=matrix_result(left),
        steps=tuple(all_steps),
        label=left_name,
    )


def matrix_result(m: sympy.Matrix) -> Result:
    rows = _exact_rows(m) if m.rows * m.cols >= FAST_ENTRIES else None
    if rows is not None and _printable(rows):
        # The same strings as sstr/latex (tests/test_fastmat.py), without the printers.
        from symjac.ops.fastmat import latex_entry, latex_matrix

        return Result(
            shape=tuple(m.shape),
            matrix=tuple(tuple(str(x) for x in row) for row in rows),
            latex=latex_matrix(rows),
            latex_entries=tuple(tuple(latex_entry(x) for x in row) for row in rows),
            value=m,
        )
    return Result(
        shape=tuple(m.shape),
        matrix=tuple(tuple(sstr(m[i, j]) for j in range(m.cols)) for i in range(m.rows)),
        latex=latex(m),
        latex_entries=tuple(tuple(latex(m[i, j]) for j in range(m.cols))
                            for i in range(m.rows)),
        value=m,
    )



FAST_ENTRIES = 400  # from this size on, exact numeric matrices skip sympy's arithmetic


def _exact_rows(m: sympy.Matrix) -> Rows | None:
    """The entries as ints and Fractions, or None if any is not a rational number."""
    from fractions import Fraction

    rows: Rows = []
    for i in range(m.rows):
        row: list[int | Fraction] = []
        for x in m.row(i):
            if not x.is_Rational:
                return None
            row.append(int(x.p) if x.q == 1 else Fraction(int(x.p), int(x.q)))
        rows.append(row)
    return rows


def _printable(rows: Rows) -> bool:
    from symjac.ops.fastmat import MAX_PRINTED_BITS

    return all(
        max(abs(x.numerator).bit_length(), x.denominator.bit_length()) <= MAX_PRINTED_BITS
        for row in rows
        for x in row
    )


def _product(a: sympy.Matrix, b: sympy.Matrix) -> sympy.Matrix:
    """a*b; large integer and fraction matrices through FLINT (ops/fastmat.py)."""
    if a.rows * a.cols * b.cols >= FAST_ENTRIES * 20:
        ra = _exact_rows(a)
        rb = None if ra is None else _exact_rows(b)
        if ra is not None and rb is not None:
            from symjac.ops.fastmat import product, sympy_matrix

            return sympy_matrix(product(ra, rb))
    return a * b


def _check_shapes(matrices: Sequence[sympy.Matrix], names: Sequence[str]) -> None:
    for i in range(len(matrices) - 1):
        a, b = matrices[i], matrices[i + 1]
        na, nb = names[i], names[i + 1]
        if a.cols == b.rows:
            continue
        whole = "·".join(names)
        pair = f"{na}·{nb}"
        tail = (
            f"so {pair} is undefined"
            if whole == pair
            else f"so {pair}, and so {whole}, is undefined"
        )
        raise ShapeError(
            f"{na} is {shape(*a.shape)} and {nb} is {shape(*b.shape)}: "
            f"{na} has {_count(a.cols, 'column')} but {nb} has {_count(b.rows, 'row')}, {tail}",
            hints=tuple(_hints(a, b, na, nb)),
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _hints(a: sympy.Matrix, b: sympy.Matrix, na: str, nb: str) -> list[str]:
    (m, n), (p, q) = a.shape, b.shape
    hints = []
    if q == m:
        hints.append(f"{nb}·{na} is defined: {shape(p, q)} · {shape(m, n)} → {shape(p, n)}")
    if n == q:
        hints.append(f"{na}·{nb}ᵀ is defined: {shape(m, n)} · {shape(q, p)} → {shape(m, p)}")
    if m == p:
        hints.append(f"{na}ᵀ·{nb} is defined: {shape(n, m)} · {shape(p, q)} → {shape(n, q)}")
    return hints


def _product_steps(a: sympy.Matrix, b: sympy.Matrix, na: str, nb: str,
                   max_entries: int | None) -> list[Step]:
    rows, cols = a.rows, b.cols
    total = rows * cols
    shown = total if max_entries is None else min(total, max_entries)
    product = f"{na}·{nb}"
    steps = [
        Step(
            kind="product",
            text=f"{na} ({shape(*a.shape)}) · {nb} ({shape(*b.shape)}) → {shape(rows, cols)}",
            data={"product": product, "left": na, "right": nb, "shape": [rows, cols]},
        )
    ]
    for k in range(shown):
        i, j = divmod(k, cols)
        steps.append(entry_step(a.row(i), b.col(j), (i + 1, j + 1), product))
    if shown < total:
        steps.append(
            Step(
                kind="note",
                text=f"{total - shown} more entries of {product} are not worked here; "
                "use --all-steps to see every entry",
                data={"product": product, "elided": total - shown},
            )
        )
    return steps


def entry_step(row: sympy.Matrix, col: sympy.Matrix, index: tuple[int, int],
               product: str) -> Step:
    """One entry: products, then their values, then the sum (4*2 + 3*1 = 8 + 3 = 11)."""
    pairs = list(zip(row, col, strict=True))
    values = [x * y for x, y in pairs]
    total = sympy.Add(*values)
    chain = _dedupe(
        [
            " + ".join(f"{_factor(x)}*{_factor(y)}" for x, y in pairs),
            _join(_sstr(v) for v in values),
            sstr(total),
        ]
    )
    latex_chain = _dedupe(
        [
            " + ".join(f"{_lfactor(x)} \\cdot {_lfactor(y)}" for x, y in pairs),
            _join(_latex(v) for v in values),
            latex(total),
        ]
    )
    i, j = index
    return Step(
        kind="entry",
        text=f"entry ({i},{j}) = " + " = ".join(chain),
        latex=" = ".join(latex_chain),
        index=index,
        chain=tuple(chain),
        latex_chain=tuple(latex_chain),
        data={"product": product, "pairs": [[_factor(x), _factor(y)] for x, y in pairs]},
    )


# A large product repeats the same few numbers thousands of times: print each once.
@functools.lru_cache(maxsize=4096)
def _sstr(x: sympy.Expr) -> str:
    return sstr(x)


@functools.lru_cache(maxsize=4096)
def _latex(x: sympy.Expr) -> str:
    return latex(x)


def _needs_parens(x: sympy.Expr) -> bool:
    return bool(x.is_Add or x.could_extract_minus_sign() or (x.is_Rational and not x.is_Integer))


@functools.lru_cache(maxsize=4096)
def _factor(x: sympy.Expr) -> str:
    return f"({sstr(x)})" if _needs_parens(x) else sstr(x)


@functools.lru_cache(maxsize=4096)
def _lfactor(x: sympy.Expr) -> str:
    return f"\\left({latex(x)}\\right)" if _needs_parens(x) else latex(x)


def _join(terms: Iterable[str]) -> str:
    """Join terms with + , writing a term that starts with a minus as a subtraction."""
    out = ""
    for t in terms:
        if not out:
            out = t
        elif t.startswith("-"):
            out += " - " + t[1:]
        else:
            out += " + " + t
    return out


def _dedupe(stages: list[str]) -> list[str]:
    out: list[str] = []
    for s in stages:
        if not out or out[-1] != s:
            out.append(s)
    return out
