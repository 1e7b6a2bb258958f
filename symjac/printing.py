"""How expressions are written: sympy syntax, LaTeX, and one-line Unicode.

The string functions (``uni``, ``sub``, ``shape``, ``grid``, ``latex_name``)
work on text and never import sympy, so renderers can use them on a
Derivation's strings; ``sstr`` and ``latex`` print sympy objects.
"""

from __future__ import annotations

import re
import sys

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
# Regular expressions as text: re compiles (and keeps) each on first use, so the
# paths that need none do not pay for them at start-up.
_INT_POWER = r"\*\*(\d+|\(-\d+\))"
_DELTA = r"KroneckerDelta\((\w+), (\w+)\)"
MAX_PRINTED_DIGITS = 4000  # Python refuses str() of longer ints; abbreviate instead


def sstr(expr) -> str:
    """sympy's own syntax (`3*x**2*y`), the form JSON and --expect use.

    Integers too long to print (Python refuses str() past 4300 digits) are
    abbreviated as `<integer of about 12,041 digits>`.
    """
    import sympy

    if isinstance(expr, int | sympy.Integer) and _huge(int(expr)):
        return _abbreviate_int(int(expr))
    try:
        return sympy.sstr(expr)
    except ValueError:
        return sympy.sstr(_abbreviated(expr, latex=False))


def _huge(n: int) -> bool:
    digits = MAX_PRINTED_DIGITS
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit:  # PYTHONINTMAXSTRDIGITS may set it lower than the default 4300
        digits = min(digits, limit - 1)
    return n.bit_length() > digits * 3.32


def _abbreviate_int(n: int, latex: bool = False) -> str:
    digits = int(abs(n).bit_length() * 0.30103) + 1
    sign = "-" if n < 0 else ""
    if latex:
        return rf"{sign}\langle\text{{integer of about {digits:,} digits}}\rangle"
    return f"{sign}<integer of about {digits:,} digits>"


def _abbreviated(expr, latex: bool):
    """expr with each huge number replaced by a placeholder symbol that names its size."""
    import sympy

    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(lambda e: _abbreviated(e, latex))
    if not isinstance(expr, sympy.Basic):
        return expr
    swap = {}
    for r in expr.atoms(sympy.Rational):
        if _huge(r.p) or _huge(r.q):
            # Named for the absolute value: a sign stays outside, as sympy prints it.
            p, q = abs(r.p), r.q
            name = _abbreviate_int(p, latex) if _huge(p) else str(p)
            if q != 1:
                name += "/" + (_abbreviate_int(q, latex) if _huge(q) else str(q))
            placeholder = sympy.Symbol(name, positive=True)
            swap[r] = -placeholder if r.p < 0 else placeholder
    return expr.xreplace(swap)


def latex(expr) -> str:
    import sympy

    try:
        return sympy.latex(expr)
    except ValueError:
        return sympy.latex(_abbreviated(expr, latex=True))


def uni(text) -> str:
    """One-line Unicode for a terminal: `3*x**2*y` -> `3·x²·y`."""
    s = text if isinstance(text, str) else sstr(text)
    s = re.sub(_INT_POWER, lambda m: m.group(1).strip("()").translate(_SUPERSCRIPT), s)
    return indicators(s).replace("**", "^").replace("*", "·")


def indicators(text: str) -> str:
    """`KroneckerDelta(1, y)` written as the worksheet's indicator `1{y = 1}`, which the
    parser reads back; JSON keeps sympy's name."""
    return re.sub(_DELTA, r"1{\2 = \1}", text)


def sub(n: int) -> str:
    """Subscript digits: 2 -> ₂."""
    return str(n).translate(_SUBSCRIPT)


def shape(rows: int, cols: int) -> str:
    return f"{rows}×{cols}"


_NUMBER = r"-?\d+(/\d+)?\Z"


def grid(rows) -> str:
    """The bracketed multi-line form (⎡29⎤ ...) of entry strings, one line per row.

    Columns of numbers are right-aligned, other columns left-aligned.
    """
    cells = [[uni(c) for c in row] for row in rows]
    n_rows, n_cols = len(cells), len(cells[0])
    widths = [max(len(cells[i][j]) for i in range(n_rows)) for j in range(n_cols)]
    numeric = [all(re.match(_NUMBER, rows[i][j]) for i in range(n_rows)) for j in range(n_cols)]
    lines = []
    for i, row in enumerate(cells):
        body = "  ".join(
            c.rjust(w) if num else c.ljust(w)
            for c, w, num in zip(row, widths, numeric, strict=True)
        )
        if n_rows == 1:
            left, right = "[", "]"
        elif i == 0:
            left, right = "⎡", "⎤"
        elif i == n_rows - 1:
            left, right = "⎣", "⎦"
        else:
            left, right = "⎢", "⎥"
        lines.append(f"{left}{body}{right}")
    return "\n".join(lines)


_GREEK = set(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi "
    "Omega".split()
)
_NAME_PARTS = re.compile(r"([^\W\d_]+)(\d*)\Z")


def latex_name(name: str) -> str:
    """x12 -> x_{12}, theta_1 -> \\theta_{1}, w1_2 -> w_{1 2}: a name as sympy writes it."""
    head, *subs = name.split("_")
    m = _NAME_PARTS.match(head)
    if m and m.group(2):
        head, subs = m.group(1), [m.group(2), *subs]
    if head in _GREEK:
        head = "\\" + head
    subs = [s for s in subs if s]
    return head + (f"_{{{' '.join(subs)}}}" if subs else "")
