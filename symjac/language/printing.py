"""How expressions are written: sympy syntax, LaTeX, and one-line Unicode.

The string functions (``uni``, ``sub``, ``shape``, ``grid``, ``latex_name``)
work on text and never import sympy, so renderers can use them on a
Derivation's strings; ``sstr`` and ``latex`` print sympy objects.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    import sympy

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
# Regular expressions as text: re compiles (and keeps) each on first use, so the
# paths that need none do not pay for them at start-up.
_INT_POWER = r"\*\*(\d+|\(-\d+\))"
MAX_PRINTED_DIGITS = 4000  # Python refuses str() of longer ints; abbreviate instead


def sstr(expr: object) -> str:
    """sympy's own syntax (`3*x**2*y`), the form JSON and --expect use.

    Integers too long to print (Python refuses str() past 4300 digits) are
    abbreviated as `<integer of about 12,041 digits>`.
    """
    import sympy

    if isinstance(expr, int | sympy.Integer) and _huge(int(expr)):
        return _abbreviate_int(int(expr))
    text: str
    try:
        text = sympy.sstr(expr)
    except ValueError:
        text = sympy.sstr(_abbreviated(expr, latex=False))
    return text


def _printed_digits() -> int:
    """The most digits an integer is printed with; a longer one is abbreviated."""
    digits = MAX_PRINTED_DIGITS
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    if limit:  # PYTHONINTMAXSTRDIGITS may set it lower than the default 4300
        digits = min(digits, limit - 1)
    return digits


def _huge(n: int) -> bool:
    return n.bit_length() > _printed_digits() * 3.32


def abbreviate_digits(text: str, latex: bool = False) -> str:
    """Printed text with each integer longer than sstr prints one written as its size
    (`<integer of about 5,001 digits>`): for the printers that write every digit."""
    digits = _printed_digits()
    if len(text) <= digits:
        return text

    def size(m: re.Match[str]) -> str:
        about = f"integer of about {len(m.group()):,} digits"
        return rf"\langle\text{{{about}}}\rangle" if latex else f"<{about}>"

    return re.sub(rf"\d{{{digits + 1},}}", size, text)


def _abbreviate_int(n: int, latex: bool = False) -> str:
    digits = int(abs(n).bit_length() * 0.30103) + 1
    sign = "-" if n < 0 else ""
    if latex:
        return rf"{sign}\langle\text{{integer of about {digits:,} digits}}\rangle"
    return f"{sign}<integer of about {digits:,} digits>"


def _abbreviated(expr: Any, latex: bool) -> Any:
    """expr with each huge number replaced by a placeholder symbol that names its size."""
    import sympy

    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(lambda e: _abbreviated(e, latex))
    if not isinstance(expr, sympy.Basic):
        return expr
    swap: dict[sympy.Rational, sympy.Expr] = {}
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


def latex(expr: object, **settings: object) -> str:
    """sympy's LaTeX, as ``latex_printer()`` writes it (with sympy's settings)."""
    printer = latex_printer()(settings)
    text: str
    try:
        text = printer.doprint(expr)
    except ValueError:
        text = printer.doprint(_abbreviated(expr, latex=True))
    return text


_LATEX_PRINTER: type | None = None


def latex_printer() -> type:
    """sympy's LatexPrinter, but for what it writes in a form symjac's LaTeX reader
    reads as something else: the step and the delta by name (sympy's \\theta(u) and
    \\delta(u) read as products of a variable), the indicator \\mathbb{1}\\{b = a\\}
    for KroneckerDelta(a, b), atan2 as one name, and ∂ for a derivative left
    unevaluated (d/dx reads as a quotient of variables). The class is made on first
    use, so that sympy is imported only where it is needed."""
    global _LATEX_PRINTER
    if _LATEX_PRINTER is None:
        from sympy.printing.latex import LatexPrinter

        class SymjacLatexPrinter(LatexPrinter):  # type: ignore[misc]  # sympy has no types
            _default_settings = {**LatexPrinter._default_settings, "diff_operator": r"\partial"}

            def _named(self, name: str, expr: sympy.Function, exp: str | None) -> str:
                # pargs: Heaviside(u) without the value at 0 that sympy keeps in args
                args = ", ".join(self._print(a) for a in getattr(expr, "pargs", expr.args))
                tex = rf"\operatorname{{{name}}}\left({args}\right)"
                return tex if exp is None else f"{tex}^{{{exp}}}"

            def _print_Heaviside(  # noqa: N802 (sympy's naming)
                    self, expr: sympy.Heaviside, exp: str | None = None) -> str:
                return self._named("Heaviside", expr, exp)

            def _print_DiracDelta(  # noqa: N802
                    self, expr: sympy.DiracDelta, exp: str | None = None) -> str:
                return self._named("DiracDelta", expr, exp)

            def _print_atan2(self, expr: sympy.atan2, exp: str | None = None) -> str:
                return self._named("atan2", expr, exp)

            def _print_Mul(self, expr: sympy.Mul) -> str:  # noqa: N802
                try:
                    return str(super()._print_Mul(expr))
                except ValueError:
                    # sympy asks whether a negative exponent is constant by putting random
                    # values in it, and min(cos(3), 1/x) at x = 0 raises: such a factor
                    # b**e is handed over as 1/b**(-e), the same value, which needs no asking.
                    import sympy

                    args = [sympy.Pow(sympy.Pow(a.base, -a.exp), -1, evaluate=False)
                            if a.is_Pow and a.exp.is_negative and not a.exp.is_Number else a
                            for a in expr.args]
                    return str(super()._print_Mul(sympy.Mul(*args, evaluate=False)))

            def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:  # noqa: N802
                return latex_name(expr.name)

            def _print_KroneckerDelta(  # noqa: N802
                    self, expr: sympy.KroneckerDelta, exp: str | None = None) -> str:
                a, b = (self._print(x) for x in expr.args)
                tex = rf"\mathbb{{1}}\{{{b} = {a}\}}"  # as the text writes it (indicators)
                return tex if exp is None else f"{tex}^{{{exp}}}"

        _LATEX_PRINTER = SymjacLatexPrinter
    return _LATEX_PRINTER


def uni(text: object) -> str:
    """One-line Unicode for a terminal: `3*x**2*y` -> `3·x²·y`."""
    s = indicators(text if isinstance(text, str) else sstr(text))
    s = re.sub(_INT_POWER, lambda m: m.group(1).strip("()").translate(_SUPERSCRIPT), s)
    return s.replace("**", "^").replace("*", "·")


def indicators(text: str) -> str:
    """`KroneckerDelta(1, y)` written as the worksheet's indicator `1{y = 1}`, which the
    parser reads back (bracketed next to a power: `(1{y = 1})**2`, `2**(1{y = 1})`); JSON
    keeps sympy's name."""
    start = text.find("KroneckerDelta(")
    if start < 0:
        return text
    i = start + len("KroneckerDelta(")
    depth, comma = 1, -1
    for end in range(i, len(text)):
        c = text[end]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif c == "," and depth == 1:
            comma = end
    else:
        return text  # not sympy's own text
    if comma < 0:
        return text
    a, b = text[i:comma].strip(), text[comma + 1:end].strip()
    shown = f"1{{{indicators(b)} = {indicators(a)}}}"
    if text.startswith("**", end + 1) or text.endswith("**", 0, start):
        shown = f"({shown})"  # a power of it, or a power it is: not 2**1{...}, read 2¹{...}
    return text[:start] + shown + indicators(text[end + 1:])


def sub(n: int) -> str:
    """Subscript digits: 2 -> ₂."""
    return str(n).translate(_SUBSCRIPT)


def shape(rows: int, cols: int) -> str:
    return f"{rows}×{cols}"


_NUMBER = r"-?\d+(/\d+)?\Z"


def grid(rows: Sequence[Sequence[str]]) -> str:
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


def latex_name(name: str) -> str:
    """A name in LaTeX that symjac's LaTeX reader reads back as the same name: x, \\theta,
    x_{1} for x_1, \\theta_{0} for theta_0; any other name (x1, mass, w1_2) whole in
    \\mathit{...}, since in LaTeX each letter is a variable and x_{1} is x_1, not x1."""
    head, sep, sub = name.partition("_")
    if len(head) == 1 or head in _GREEK:
        if not sep:
            return "\\" + head if head in _GREEK else head
        if sub and "_" not in sub and (sub.isdigit() or len(sub) == 1 or sub in _GREEK):
            tex = "\\" + head if head in _GREEK else head
            return f"{tex}_{{{latex_name(sub) if sub in _GREEK else sub}}}"
    return "\\mathit{" + name.replace("_", "\\_") + "}"
