"""The fast engine: symengine differentiates, and its trees are written out here.

Nothing in this module imports sympy. Expressions are built by
``language/parser.py`` through ``builders.SymengineBuilder``; this module adds what
symengine does not do itself:

- ``derivative(e, x)``: ``symengine.diff``, plus the rules symengine leaves
  unevaluated, written as sympy writes them for real variables:
  ``d|u| = sign(u)·u'``, ``d sign(u) = 2·DiracDelta(u)·u'``,
  ``d Heaviside(u) = DiracDelta(u)·u'``, and for ``Max``/``Min`` (so ``relu``)
  a Heaviside step per argument. ``floor``/``ceiling`` stay
  ``Derivative(floor(x), x)``, as in sympy.
- ``TextPrinter`` and ``LatexPrinter``: the entry strings. The text is
  sympy's syntax (``Abs``, ``Max``, ``exp``, ``E``, ``pi``), written here with
  the terms in the order a person writes them, so sympy and symjac's parser
  read it back as an equal expression; it is not byte-identical to
  ``sympy.sstr`` and need not be (DESIGN.md). The LaTeX is symengine's own.
  Both read back, through symjac's parser, to the expression printed
  (tests/test_readback.py reads back thousands of generated ones).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence

import symengine as se

from symjac.language.builders import fraction
from symjac.language.printing import abbreviate_digits, latex_name

# symengine's class names that differ from sympy's (and from symjac's grammar).
_NAMES = {"Abs": "Abs", "Max": "Max", "Min": "Min"}
_ADD, _MUL, _POW, _ATOM = 10, 20, 30, 100

_E, _PI, _HALF = type(se.E), type(se.pi), se.Rational(1, 2)
HEAVISIDE = se.Function("Heaviside")
DIRAC_DELTA = se.Function("DiracDelta")
_SPECIAL = (se.Abs, se.Max, se.Min, se.sign, se.acosh)
_SPECIAL_NAMES = ("Heaviside", "DiracDelta")
# Their names as symengine's str() writes them.
_SPECIAL_TEXT = re.compile(r"\b(?:abs|max|min|sign|acosh|Heaviside|DiracDelta)\(")


# -- calculus ---------------------------------------------------------------------------


class Differentiator:
    """∂e/∂x for one variable at a time; remembers which subtrees need its own rules."""

    def __init__(self) -> None:
        self._special: dict[se.Basic, bool] = {}

    def special(self, e: se.Basic) -> bool:
        """Does e hold a function that symengine does not differentiate (|u|, Max, ...)?"""
        got = self._special.get(e)
        if got is None:
            # symengine writes a tree out (in C++) faster than Python walks it, and
            # most trees do not name any of those functions.
            got = bool(_SPECIAL_TEXT.search(str(e))) and (
                _is_special(e) or any(self.special(a) for a in e.args))
            self._special[e] = got
        return got

    def __call__(self, e: se.Basic, x: se.Symbol) -> se.Basic:
        if not self.special(e):
            return se.diff(e, x)
        if x not in e.free_symbols:
            return se.Integer(0)
        return self._own(e, x)

    def _own(self, e: se.Basic, x: se.Symbol) -> se.Basic:
        d = self
        if isinstance(e, se.Add):
            return se.Add(*[d(a, x) for a in e.args])
        if isinstance(e, se.Mul):
            args = e.args
            return se.Add(*[
                se.Mul(*args[:i], d(a, x), *args[i + 1:]) for i, a in enumerate(args)
                if x in a.free_symbols
            ])
        if isinstance(e, se.Pow):
            base, ex = e.args
            if x not in ex.free_symbols:
                return ex * base ** (ex - 1) * d(base, x)
            return e * (d(ex, x) * se.log(base) + ex * d(base, x) / base)
        if isinstance(e, se.Abs):
            (u,) = e.args
            return se.sign(u) * d(u, x)
        if isinstance(e, se.sign):
            (u,) = e.args
            return 2 * DIRAC_DELTA(u) * d(u, x)
        if isinstance(e, se.Max | se.Min):
            return self._minmax(e, x)
        if isinstance(e, se.acosh):
            (u,) = e.args
            return acosh_derivative(u) * d(u, x)
        if _function_name(e) == "Heaviside":
            (u,) = e.args
            return DIRAC_DELTA(u) * d(u, x)
        # Any other function of an argument that holds one of the above: the chain rule.
        args = e.args
        dummies = [se.Dummy() for _ in args]
        outer = e.func(*dummies)
        terms = []
        for t, a in zip(dummies, args, strict=True):
            if x in a.free_symbols:
                terms.append(se.diff(outer, t).subs(dict(zip(dummies, args, strict=True)))
                             * d(a, x))
        return se.Add(*terms)

    def _minmax(self, e: se.Basic, x: se.Symbol) -> se.Basic:
        # sympy's MinMaxBase.fdiff: ∂Max(a, b)/∂a = Heaviside(a - b), ∂Min(a, b)/∂a =
        # Heaviside(b - a); with more arguments, against the Max/Min of the others.
        args = e.args
        kind = type(e)
        terms = []
        for i, a in enumerate(args):
            if x not in a.free_symbols:
                continue
            others = args[:i] + args[i + 1:]
            rest = others[0] if len(others) == 1 else kind(*others)
            step = HEAVISIDE(a - rest) if kind is se.Max else HEAVISIDE(rest - a)
            terms.append(step * self(a, x))
        return se.Add(*terms)


def acosh_derivative(u: se.Basic) -> se.Basic:
    """sympy's 1/(sqrt(u - 1)*sqrt(u + 1)): symengine's 1/sqrt(u**2 - 1) has the
    wrong sign for u < -1, where acosh is complex."""
    return 1 / (se.sqrt(u - 1) * se.sqrt(u + 1))


def _function_name(e: se.Basic) -> str | None:
    get = getattr(e, "get_name", None)
    return get() if get is not None else None


def _is_special(e: se.Basic) -> bool:
    return isinstance(e, _SPECIAL) or _function_name(e) in _SPECIAL_NAMES


def underived(e: se.Basic) -> list[str]:
    """Names of the functions left as Derivative(...) (floor, ceiling), sorted."""
    found = set()
    for d in e.atoms(se.Derivative):
        inner = d.args[0]
        found.add(_name(inner))
    return sorted(found)


# -- printing ---------------------------------------------------------------------------


def _name(e: se.Basic) -> str:
    name = _function_name(e)
    if name is not None:
        return name
    cls = type(e).__name__
    return _NAMES.get(cls, cls)


def _split_mul(e: se.Basic) -> tuple[tuple[int, int], list[se.Basic], list[se.Basic]]:
    """(coefficient as (p, q), numerator factors, denominator factors) of a product."""
    p, q = 1, 1
    num: list[se.Basic] = []
    den: list[se.Basic] = []
    # (symengine's .args and comparisons cost a microsecond each: each is asked once)
    for a in e.args if isinstance(e, se.Mul) else (e,):
        if a.is_Number:
            n, d = fraction(a)
            p, q = p * n, q * d
            continue
        if isinstance(a, se.Pow):
            b, ex = a.args
            if ex.is_Number and ex.is_negative and not isinstance(b, _E):
                den.append(b if ex == -1 else se.Pow(b, -ex))
                continue
        num.append(a)
    return (p, q), num, den


_COEFFICIENT = re.compile(r"-?\s*[0-9]+(?:\s*\*\s*|\s+(?=[^+\-]))?")


def _term_key(s: str) -> tuple[bool, bool, bool, str, str]:
    """Terms as a person writes them: positive first, polynomial before functions,
    then alphabetical without the coefficient (p + 4*q, 5*x + cos(y)**2), a number last."""
    negative = s.startswith("-")
    core = _COEFFICIENT.sub("", s, count=1) if s[:1] in "-0123456789" else s
    return (not core, negative, "(" in core or "{" in core, core, s)


def _sum(printed: list[str]) -> str:
    return join_terms(sorted(printed, key=_term_key))


def join_terms(terms: Iterable[str]) -> str:
    """Printed terms as one sum, in the given order: a - b, not a + -b."""
    out = ""
    for i, s in enumerate(terms):
        if i == 0:
            out = s
        elif s.startswith("-"):
            out += " - " + s[1:].lstrip()
        else:
            out += " + " + s
    return out


class TextPrinter:
    """sympy's syntax: what JSON, --expect and problem files read."""

    def __init__(self) -> None:
        self.cache: dict[se.Basic, tuple[str, int]] = {}
        self.names: dict[str, tuple[str, int]] = {}

    def __call__(self, e: se.Basic) -> str:
        return self.p(e)[0]

    def p(self, e: se.Basic) -> tuple[str, int]:
        if isinstance(e, se.Symbol):
            # Names are the commonest node: looked up by their text, which is cheaper
            # than comparing symengine objects.
            name = e.name
            got = self.names.get(name)
            if got is None:
                got = self.names[name] = self._symbol(name), _ATOM
            return got
        got = self.cache.get(e)
        if got is None:
            got = self.cache[e] = self._p(e)
        return got

    def _symbol(self, name: str) -> str:
        return name

    def wrap(self, e: se.Basic, level: int) -> str:
        s, prec = self.p(e)
        return f"({s})" if prec <= level else s

    def _p(self, e: se.Basic) -> tuple[str, int]:
        if e.is_Number:
            n, d = fraction(e)
            if d == 1:
                return _digits(n), (_ATOM if n >= 0 else _ADD)
            return f"{_digits(n)}/{_digits(d)}", _MUL if n > 0 else _ADD
        if isinstance(e, _E):
            return "E", _ATOM
        if isinstance(e, _PI):
            return "pi", _ATOM
        if isinstance(e, se.Add):
            return _sum([self.p(t)[0] for t in e.args]), _ADD
        if isinstance(e, se.Mul):
            return self._mul(e)
        if isinstance(e, se.Pow):
            return self._pow(e)
        if isinstance(e, se.Derivative):
            inner, *wrt = e.args
            return f"Derivative({self(inner)}, {', '.join(self(v) for v in wrt)})", _ATOM
        return f"{_name(e)}({', '.join(self(a) for a in e.args)})", _ATOM

    def _mul(self, e: se.Basic) -> tuple[str, int]:
        (p, q), num, den = _split_mul(e)
        sign = "-" if p < 0 else ""
        p = abs(p)
        # a*(b + c) needs its brackets; a*b**2 and a*sin(b) do not.
        top = [self.wrap(f, _ADD) for f in num]
        if p != 1 or not top:
            top.insert(0, _digits(int(p)))
        s = "*".join(top)
        bottom = ([_digits(int(q))] if q != 1 else []) + [self.wrap(f, _MUL) for f in den]
        if bottom:
            s += "/" + (bottom[0] if len(bottom) == 1 else "(" + "*".join(bottom) + ")")
        return sign + s, (_ADD if sign else _MUL)

    def _pow(self, e: se.Basic) -> tuple[str, int]:
        base, ex = e.args
        if isinstance(base, _E):
            return f"exp({self(ex)})", _ATOM
        if ex.is_Number:
            if not isinstance(ex, se.Integer) and ex == _HALF:
                return f"sqrt({self(base)})", _ATOM
            if ex.is_negative:
                inner = self.wrap(se.Pow(base, -ex), _MUL)
                return f"1/{inner}", _MUL
        return f"{self.wrap(base, _POW)}**{self.wrap(ex, _POW)}", _POW


# What symengine's latex() writes in a form symjac's LaTeX reader reads as something
# else is written as sympy writes it: the names of the variables (x12 as x_{12}), the
# step and the delta (Heaviside\left(u\right) would be read letter by letter), Max and
# Min (whose arguments symengine brackets as one, \operatorname{max}{\left(a, b\right)}),
# atan2, the indicator 1{b = a} for KroneckerDelta(a, b), and ∂/∂x for a derivative
# left unevaluated (d/dx would be read as a quotient of two variables).
_LATEX_RENAMED = re.compile(
    r"Heaviside|DiracDelta|\\delta_|\\operatorname\{(?:max|min|atan_2)\}|\\frac\{d\}")
_LATEX_HEADS = {"Max": r"\max", "Min": r"\min", "atan2": r"\operatorname{atan2}",
                "Heaviside": r"\operatorname{Heaviside}",
                "DiracDelta": r"\operatorname{DiracDelta}"}
# symengine writes 2*3**x as "2 3^{x}", which reads as 23^x: a \cdot between the two
# numbers (but not in a name's subscript, x_{1 2}).
_SIDE_BY_SIDE = re.compile(r"(_\{[^{}]*\})|(?<=\d) (?=\d)")
_DIGITS_APART = re.compile(r"\d \d")


class LatexPrinter:
    """symengine's LaTeX, with the few forms above written the way symjac reads them."""

    def __init__(self) -> None:
        self.cache: dict[se.Basic, str] = {}
        # a variable's name -> the symbol printed for it, or None
        self.names: dict[str, se.Symbol | None] = {}

    def __call__(self, e: se.Basic) -> str:
        got = self.cache.get(e)
        if got is None:
            got = self.cache[e] = self._write(e)
        return got

    def p(self, e: se.Basic) -> tuple[str, int]:
        """The LaTeX and how tightly it holds together, as TextPrinter.p gives them."""
        s = self(e)
        if s.startswith("-") or isinstance(e, se.Add):
            return s, _ADD
        if isinstance(e, se.Mul) or (e.is_Number and not e.is_Integer):
            return s, _MUL
        return s, (_POW if isinstance(e, se.Pow) else _ATOM)

    def _write(self, e: se.Basic) -> str:
        swap: dict[se.Basic, se.Basic] = {}
        for v in e.free_symbols:
            named = self._name(v)
            if named is not None:
                swap[v] = named
        out = se.latex(e.subs(swap) if swap else e)
        if _LATEX_RENAMED.search(out):
            # Each such function, written here, stands in as a symbol whose name is its
            # LaTeX (symengine writes a name holding a backslash as it is).
            swap.update({f: se.Symbol(self._function(f)) for f in _outermost(e)})
            out = se.latex(e.subs(swap))
        if _DIGITS_APART.search(out):  # else nothing to change: no callback per subscript
            out = _SIDE_BY_SIDE.sub(lambda m: m.group(1) or r" \cdot ", out)
        return abbreviate_digits(out, latex=True)

    def _name(self, v: se.Symbol) -> se.Symbol | None:
        """The symbol to print in v's place (None: v itself): its name as the LaTeX
        reader reads it back (printing.latex_name: x_{1} for x_1, \\mathit{x1} for x1)."""
        name = v.name
        if name not in self.names:
            want = latex_name(name)
            self.names[name] = None if se.latex(v) == want else se.Symbol(want)
        return self.names[name]

    def _function(self, f: se.Basic) -> str:
        name = _name(f)
        args = [self(a) for a in f.args]
        if name == "KroneckerDelta":
            # The worksheet's indicator, as the text shows it (printing.indicators).
            return rf"\mathbb{{1}}\{{{args[1]} = {args[0]}\}}"
        if name == "Derivative":
            inner, *wrt = args
            return rf"\frac{{\partial}}{{\partial {' '.join(wrt)}}} {inner}"
        return rf"{_LATEX_HEADS[name]}\left({', '.join(args)}\right)"


def _outermost(e: se.Basic) -> list[se.Basic]:
    """The functions of e that symengine writes in LaTeX symjac reads otherwise, but
    not those inside another one (whose own LaTeX writes them)."""
    found: list[se.Basic] = []
    stack = [e]
    while stack:
        node = stack.pop()
        name = _name(node)
        if name in _LATEX_HEADS or name in ("KroneckerDelta", "Derivative"):
            found.append(node)
        else:
            stack.extend(node.args)
    return found


def latex_matrix(cells: Sequence[Sequence[str]]) -> str:
    """A matrix of LaTeX entries, as sympy writes one (an array beyond 10 columns)."""
    cols = len(cells[0])
    body = "\\\\".join(" & ".join(row) for row in cells)
    if cols <= 10:
        return f"\\left[\\begin{{matrix}}{body}\\end{{matrix}}\\right]"
    return f"\\left[\\begin{{array}}{{{'c' * cols}}}{body}\\end{{array}}\\right]"


def _digits(n: int) -> str:
    """An integer's digits; one too long for Python to print (4300 digits) by its size."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)() or 4300
    if n.bit_length() <= (min(limit, 4300) - 1) * 3.32:
        return str(n)
    digits = int(abs(n).bit_length() * 0.30103) + 1
    sign = "-" if n < 0 else ""
    return f"{sign}<integer of about {digits:,} digits>"
