"""How expressions are written: sympy syntax, LaTeX, and one-line Unicode."""

from __future__ import annotations

import re

import sympy

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_INT_POWER = re.compile(r"\*\*(\d+|\(-\d+\))")
_DELTA = re.compile(r"KroneckerDelta\((\w+), (\w+)\)")
MAX_PRINTED_DIGITS = 4000  # Python refuses str() of longer ints; abbreviate instead


def sstr(expr) -> str:
    """sympy's own syntax (`3*x**2*y`), the form JSON and --expect use."""
    if isinstance(expr, sympy.Integer) and expr.p.bit_length() > MAX_PRINTED_DIGITS * 3.3:
        return _abbreviate_int(int(expr.p))
    return sympy.sstr(expr)


def _abbreviate_int(n: int) -> str:
    digits = int(abs(n).bit_length() * 0.30103) + 1
    return f"{'-' if n < 0 else ''}<integer of about {digits:,} digits>"


def latex(expr) -> str:
    return sympy.latex(expr)


def uni(text) -> str:
    """One-line Unicode for a terminal: `3*x**2*y` -> `3·x²·y`."""
    s = text if isinstance(text, str) else sstr(text)
    s = _INT_POWER.sub(lambda m: m.group(1).strip("()").translate(_SUPERSCRIPT), s)
    s = _DELTA.sub(r"1{\2 = \1}", s)  # the worksheet's indicator, 1{i = y}
    return s.replace("**", "^").replace("*", "·")


def sub(n: int) -> str:
    """Subscript digits: 2 -> ₂."""
    return str(n).translate(_SUBSCRIPT)


def shape(rows: int, cols: int) -> str:
    return f"{rows}×{cols}"


def pretty_matrix(m: sympy.Matrix) -> str:
    """The bracketed multi-line form (⎡29⎤ ...) for a terminal, one line per row.

    Columns of numbers are right-aligned, other columns left-aligned.
    """
    cells = [[uni(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]
    widths = [max(len(cells[i][j]) for i in range(m.rows)) for j in range(m.cols)]
    numeric = [all(m[i, j].is_Number for i in range(m.rows)) for j in range(m.cols)]
    lines = []
    for i, row in enumerate(cells):
        body = "  ".join(
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(row, widths, numeric, strict=True)
        )
        if m.rows == 1:
            left, right = "[", "]"
        elif i == 0:
            left, right = "⎡", "⎤"
        elif i == m.rows - 1:
            left, right = "⎣", "⎦"
        else:
            left, right = "⎢", "⎥"
        lines.append(f"{left}{body}{right}")
    return "\n".join(lines)
