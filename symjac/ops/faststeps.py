"""Worked partial derivatives on the fast engine, rule by rule, without sympy.

The same rules, in the same order and with the same names, as
``ops/diffsteps.py`` (the reference stepper on sympy): the worked form is
built as a small tree of its own, because symengine evaluates every product
and sum as it builds it, and a worksheet shows ``2*cos(y)*(-sin(y))`` before
``-2*sin(y)*cos(y)``. The last stage is always the fast engine's derivative
(``engines.fast.Differentiator``), so the entry is the same with or without
steps; a worked form that does not evaluate to it is dropped for that
derivative alone (rule "differentiate").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeGuard, Union

import symengine as se

from symjac.core.model import Step
from symjac.engines.fast import (
    _ADD,
    _ATOM,
    _MUL,
    LatexPrinter,
    TextPrinter,
    acosh_derivative,
    join_terms,
)
from symjac.language.builders import fraction
from symjac.language.printing import latex_name, sub

ZERO, ONE, MINUS_ONE = se.Integer(0), se.Integer(1), se.Integer(-1)
SIMPLIFY = "simplify"

# A worked form: a symengine expression (a leaf), or a tuple ("add", terms), ("mul",
# factors), ("group", form) or ("quot", top, bottom) of forms. (symengine has no types.)
Form = Union["se.Basic", tuple[Any, ...]]  # noqa: UP007 (se.Basic: a name for the checker)
# A shape's key (_Shapes): a kind and the numbers of its parts, hashable.
Shape = tuple[Any, ...]
Diff = Callable[[se.Basic, se.Symbol], se.Basic]  # ∂e/∂x, the engine's

# Outer derivatives written the way a worksheet does (sec**2 rather than 1 + tan**2).
_TRIG: dict[str, Callable[[se.Basic], se.Basic]] = {
    "sin": lambda g: se.cos(g),
    "cos": lambda g: -se.sin(g),
    "tan": lambda g: se.sec(g) ** 2,
    "cot": lambda g: -(se.csc(g) ** 2),
    "sec": lambda g: se.sec(g) * se.tan(g),
    "csc": lambda g: -se.csc(g) * se.cot(g),
}
_INVERSE_TRIG = ("asin", "acos", "atan", "acot", "asec", "acsc")
_HYPERBOLIC = ("sinh", "cosh", "tanh", "coth", "sech", "csch",
               "asinh", "acosh", "atanh", "acoth", "asech", "acsch")


# -- the worked form: ("add", terms) ("mul", factors) ("group", node) ("quot", top, bottom),
# or a symengine expression (a leaf) --------------------------------------------------------


def _is_leaf(n: Form) -> TypeGuard[se.Basic]:
    return not isinstance(n, tuple)


def _mul(*factors: Form) -> Form:
    """A product: nested products flattened, numbers merged in front, 0 absorbs."""
    coeff = ONE
    rest: list[Form] = []
    for f in factors:
        for a in f[1] if isinstance(f, tuple) and f[0] == "mul" else (f,):
            if _is_leaf(a) and a.is_Number:
                coeff = coeff * a
            else:
                rest.append(a)
    if coeff == 0:
        return ZERO
    args = rest if coeff == 1 else [coeff, *rest]
    if not args:
        return coeff
    return args[0] if len(args) == 1 else ("mul", tuple(args))


def _add(*terms: Form) -> Form:
    flat: list[Form] = []
    for t in terms:
        flat.extend(t[1] if isinstance(t, tuple) and t[0] == "add" else (t,))
    flat = [t for t in flat if not (_is_leaf(t) and t == 0)]
    if not flat:
        return ZERO
    return flat[0] if len(flat) == 1 else ("add", tuple(flat))


def _group(n: Form) -> Form:
    """Keep an inner derivative parenthesised and last, as in f'(g)*(g')."""
    if _is_leaf(n) and (isinstance(n, se.Symbol) or (n.is_Number and n > 0)):
        return n
    return ("group", n)


def evaluate(n: Form) -> se.Basic:
    """The worked form as one symengine expression."""
    if _is_leaf(n):
        return n
    kind = n[0]
    if kind == "add":
        return se.Add(*[evaluate(t) for t in n[1]])
    if kind == "mul":
        return se.Mul(*[evaluate(t) for t in n[1]])
    if kind == "group":
        return evaluate(n[1])
    return evaluate(n[1]) / evaluate(n[2])


class _Forms:
    """Prints worked forms in text and LaTeX, with the engine's printers for the leaves."""

    def __init__(self, printer: TextPrinter | LatexPrinter, latex: bool) -> None:
        self.printer = printer
        self.latex = latex

    def __call__(self, n: Form) -> str:
        return self.p(n)[0]

    def paren(self, s: str) -> str:
        return f"\\left({s}\\right)" if self.latex else f"({s})"

    def wrap(self, n: Form, level: int) -> str:
        s, prec = self.p(n)
        return self.paren(s) if prec <= level else s

    def p(self, n: Form) -> tuple[str, int]:
        if _is_leaf(n):
            return self.printer.p(n)
        kind = n[0]
        if kind == "group":
            # Bracketed where a product would misread it: 2*cos(y)*(-sin(y)), x*(2*y),
            # but cos(r**2*s)*r**2.
            s, prec = self.p(n[1])
            return (self.paren(s) if prec <= _MUL or s.startswith("-") else s), _ATOM
        if kind == "add":
            return join_terms(self(t) for t in n[1]), _ADD
        if kind == "quot":
            top, bottom = n[1], n[2]
            if self.latex:
                return f"\\frac{{{self(top)}}}{{{self(bottom)}}}", _MUL
            return f"{self.wrap(top, _MUL)}/{self.wrap(bottom, _MUL)}", _MUL
        factors = list(n[1])
        coeff = factors[0] if _is_leaf(factors[0]) and factors[0].is_Number else ONE
        rest = factors[1:] if coeff != 1 or factors[0] == 1 else factors
        # Groups last, as the reference stepper prints them; 1/v factors under the bar.
        den = [se.Pow(f.args[0], -f.args[1]) for f in rest if _is_reciprocal(f)]
        rest = [f for f in rest if not _is_reciprocal(f)]
        rest = [f for f in rest if not _is_group(f)] + [f for f in rest if _is_group(f)]
        sign = "- " if self.latex and coeff < 0 else "-" if coeff < 0 else ""
        p, q = fraction(abs(coeff))
        parts = ([str(p)] if p != 1 else []) + [self.wrap(f, _ADD) for f in rest]
        if q != 1:
            den.insert(0, se.Integer(q))
        if self.latex:
            top = _join_factors(parts) or "1"
            if den:
                bottom = _join_factors([self.wrap(f, _ADD) if len(den) > 1 else self(f)
                                        for f in den])
                return f"{sign}\\frac{{{top}}}{{{bottom}}}", (_ADD if sign else _MUL)
            return sign + top, (_ADD if sign else _MUL)
        top = "*".join(parts) or "1"
        if den:
            bottom = [self.wrap(f, _MUL) for f in den]
            top += "/" + (bottom[0] if len(bottom) == 1 else "(" + "*".join(bottom) + ")")
        return sign + top, (_ADD if sign else _MUL)


def _join_factors(parts: list[str]) -> str:
    """LaTeX factors side by side, with a \\cdot between two numbers: 2 \\cdot 3^{x}, which
    2 3^{x} would not read as."""
    out = ""
    for s in parts:
        if out and (out[-1].isdigit() or out.endswith("}")) and s[:1].isdigit():
            out += " \\cdot " + s
        elif out:
            out += " " + s
        else:
            out = s
    return out


def _is_group(n: Form) -> bool:
    return isinstance(n, tuple) and n[0] == "group"


def _is_reciprocal(n: Form) -> bool:
    return (_is_leaf(n) and isinstance(n, se.Pow) and n.args[0] != se.E
            and _negative_exponent(n.args[1]))


class _Shapes:
    """Shapes of forms that ignore the order of terms and factors, as small integers.

    Two forms with the same shape print alike up to that order, so a worked
    form of the final form's shape is not shown as a stage of its own. A shape
    is interned: its key holds its parts' numbers, not the parts, and a leaf is
    shaped once however often it recurs. A large expression shares subtrees
    (it is a graph, not a tree), and walking it as a tree took 16 s of the
    4-link pendulum's steps.
    """

    def __init__(self) -> None:
        self.ids: dict[Shape, int] = {}
        self.parts: dict[int, tuple[str, Counter[int]]] = {}  # sums and products
        self.leaves: dict[se.Basic, int] = {}

    def __call__(self, n: Form) -> int:
        if _is_leaf(n):
            got = self.leaves.get(n)
            if got is None:
                if isinstance(n, se.Add):
                    got = self._bag("add", n.args)
                elif isinstance(n, se.Mul):
                    got = self._bag("mul", n.args)
                else:
                    got = self._intern(("leaf", n))
                self.leaves[n] = got
            return got
        kind = n[0]
        if kind == "group":
            return self._intern(("group", self(n[1])))
        if kind == "quot":
            return self._intern(("quot", self(n[1]), self(n[2])))
        return self._bag(kind, n[1])

    def _intern(self, key: Shape) -> int:
        return self.ids.setdefault(key, len(self.ids))

    def _bag(self, kind: str, args: Any) -> int:
        """A sum or product as the multiset of its parts, nested ones of its kind opened."""
        bag: Counter[int] = Counter()
        for a in args:
            part = self(a)
            inner = self.parts.get(part)
            if inner is not None and inner[0] == kind:
                bag.update(inner[1])
            else:
                bag[part] += 1
        got = self._intern((kind, frozenset(bag.items())))
        self.parts.setdefault(got, (kind, bag))
        return got


# -- the rules -------------------------------------------------------------------------------


def _name(e: se.Basic) -> str:
    get = getattr(e, "get_name", None)
    return get() if get is not None else type(e).__name__


def _negative_exponent(ex: se.Basic) -> bool:
    if ex.is_Number:
        return bool(ex < 0)  # symengine's BooleanTrue or BooleanFalse
    return isinstance(ex, se.Mul) and ex.args[0].is_Number and bool(ex.args[0] < 0)


class _Rules:
    """Builds the worked derivative of one expression in one variable, naming its rules."""

    def __init__(self, x: se.Symbol, diff: Diff) -> None:
        self.x = x
        self.diff = diff
        self.rules: list[str] = []
        self.known: dict[se.Basic, bool] = {}  # depends(), once per subexpression

    def use(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def depends(self, e: se.Basic) -> bool:
        """Whether x occurs in e, asked once per subexpression: the rules ask it of every
        part of every part, and a large expression shares its parts."""
        got = self.known.get(e)
        if got is None:
            got = self.known[e] = self.x in e.free_symbols
        return got

    def d(self, e: se.Basic) -> Form:
        x = self.x
        if not self.depends(e):
            self.use("constant")
            return ZERO
        if e == x:
            self.use("identity")
            return ONE
        if isinstance(e, se.Add):
            self.use("sum rule")
            return _add(*[self.d(t) for t in e.args])
        if isinstance(e, se.Mul):
            return self.d_mul(e)
        if isinstance(e, se.Pow):
            if e.args[0] == se.E:
                return self.d_function(e, "exp", e.args[1])
            return self.d_pow(e)
        name = _name(e)
        if name == "atan2":
            return self.d_atan2(e)
        if len(e.args) == 1:
            return self.d_function(e, name, e.args[0])
        return self.fallback(e)

    def fallback(self, e: se.Basic) -> Form:
        self.use("differentiate")
        return self.diff(e, self.x)

    def chain(self, g: se.Basic, rule: str) -> Form | None:
        """Record the outer rule; return the inner factor g' (None when g is x)."""
        if g == self.x:
            self.use(rule)
            return None
        self.use("chain rule")
        self.use(rule)
        return _group(self.d(g))

    def d_mul(self, e: se.Basic) -> Form:
        consts = [f for f in e.args if not self.depends(f)]
        deps = [f for f in e.args if self.depends(f)]
        if consts:
            self.use("constant multiple")
            numbers = [c for c in consts if c.is_Number]
            others = [c for c in consts if not c.is_Number]
            return _mul(*numbers, self.d(se.Mul(*deps)), *others)
        dens = [f for f in deps if self.is_denominator(f)]
        nums = [f for f in deps if not self.is_denominator(f)]
        if dens and nums:
            self.use("quotient rule")
            u = se.Mul(*nums)
            v = se.Mul(*[se.Pow(f.args[0], -f.args[1]) for f in dens])
            du, dv = self.d(u), self.d(v)
            top = _add(_mul(du, v), _mul(MINUS_ONE, u, dv))
            return ("quot", top, se.Pow(v, 2))
        self.use("product rule")
        return _add(*[_mul(*deps[:i], self.d(f), *deps[i + 1:]) for i, f in enumerate(deps)])

    def is_denominator(self, f: se.Basic) -> bool:
        return (isinstance(f, se.Pow) and f.args[0] != se.E and self.depends(f.args[0])
                and not self.depends(f.args[1]) and _negative_exponent(f.args[1]))

    def d_pow(self, e: se.Basic) -> Form:
        base, ex = e.args
        base_dep, exp_dep = self.depends(base), self.depends(ex)
        if base_dep and not exp_dep:
            inner = self.chain(base, "power rule")
            return _mul(ex, se.Pow(base, ex - 1), *([inner] if inner is not None else []))
        if exp_dep and not base_dep:
            inner = self.chain(ex, "exponential (general base)")
            return _mul(e, se.log(base), *([inner] if inner is not None else []))
        self.use("logarithmic differentiation")
        du, dv = self.d(base), self.d(ex)
        bracket = _add(_mul(dv, se.log(base)), _mul(ex, du, se.Pow(base, MINUS_ONE)))
        return _mul(e, _group(bracket))

    def d_atan2(self, e: se.Basic) -> Form:
        a, b = e.args
        if any(self.depends(t) and t != self.x for t in (a, b)):
            self.use("chain rule")
        self.use("inverse trigonometric")
        da, db = self.d(a), self.d(b)
        top = _add(_mul(b, da), _mul(MINUS_ONE, a, db))
        return ("quot", top, a**2 + b**2)

    def d_function(self, e: se.Basic, name: str, g: se.Basic) -> Form:
        if name == "exp":
            outer, rule = e, "exponential"
        elif name == "log":
            outer, rule = se.Pow(g, MINUS_ONE), "logarithm"
        elif name in _TRIG:
            outer, rule = _TRIG[name](g), "trigonometric"
        elif name == "acosh":
            outer, rule = acosh_derivative(g), "hyperbolic"
        elif name in _INVERSE_TRIG or name in _HYPERBOLIC:
            t = se.Dummy()
            outer = se.diff(e.func(t), t).subs({t: g})
            rule = "inverse trigonometric" if name in _INVERSE_TRIG else "hyperbolic"
        elif name == "Abs":
            outer, rule = se.sign(g), "absolute value"
        else:
            return self.fallback(e)
        inner = self.chain(g, rule)
        return _mul(outer, *([inner] if inner is not None else []))


def _same(a: se.Basic, b: se.Basic) -> bool:
    """a == b as expressions: structurally, or at random points.

    Never by expanding a - b: a product of sums raised to powers expands to more
    terms than memory holds (one entry of a 20 kB mechanics function ran past
    100 s and 1.6 GiB), and the points decide in milliseconds at any size. This
    only chooses whether a worked form is shown; the entry is the engine's.
    """
    if a == b:
        return True
    import cmath  # here: most worked forms never get this far, and random is 1.3 ms to load
    import random

    names = sorted({s.name for s in (a.free_symbols | b.free_symbols)})
    rng = random.Random(0)
    checked = 0
    for _ in range(6):
        point = {se.Symbol(n): se.Rational(rng.randint(-900, 900), 97) for n in names}
        try:
            va = complex(a.subs(point).n(53))
            vb = complex(b.subs(point).n(53))
        except (TypeError, ValueError, RuntimeError, ZeroDivisionError):
            continue
        if not (cmath.isfinite(va) and cmath.isfinite(vb)):
            continue
        if abs(va - vb) > 1e-9 * max(1.0, abs(va), abs(vb)):
            return False
        checked += 1
        if checked == 2:
            return True
    return checked > 0


class Stepper:
    """Worked partial derivatives as Steps, sharing the engine's printers and caches."""

    def __init__(self, diff: Diff, text: TextPrinter, tex: LatexPrinter) -> None:
        self.diff, self.text, self.tex = diff, text, tex
        self.forms, self.latex_forms = _Forms(text, False), _Forms(tex, True)

    def stages(self, f: se.Basic, x: se.Symbol
               ) -> tuple[list[str], list[str], list[str], list[str]]:
        """(text forms, LaTeX forms, stage rules, rules) of ∂f/∂x."""
        final = self.diff(f, x)
        final_text, final_tex = self.text(final), self.tex(final)
        if not self.depends(f, x):
            return [final_text], [final_tex], ["constant"], ["constant"]
        rules = _Rules(x, self.diff)
        try:
            worked = rules.d(f)
            names = list(rules.rules)
            worked_text = self.forms(worked)
            shapes = _Shapes()
            if worked_text == final_text or shapes(worked) == shapes(final):
                return [final_text], [final_tex], [", ".join(names)], names
            if _same(evaluate(worked), final):
                return ([worked_text, final_text], [self.latex_forms(worked), final_tex],
                        [", ".join(names), SIMPLIFY], names)
        except (RuntimeError, TypeError, ValueError, ZeroDivisionError):
            pass  # the worked form is presentation only: the derivative still stands
        return [final_text], [final_tex], ["differentiate"], ["differentiate"]

    @staticmethod
    def depends(f: se.Basic, x: se.Symbol) -> bool:
        return x in f.free_symbols

    def partial(self, f: se.Basic, x: se.Symbol, i: int, j: int, index: tuple[int, int]) -> Step:
        """The step ∂f_i/∂x_j; ``index`` is its place in the result."""
        chain, latex_chain, stage_rules, rules = self.stages(f, x)
        name, of = x.name, self.text(f)
        head = f"\\frac{{\\partial f_{{{i}}}}}{{\\partial {latex_name(name)}}}"
        return Step(
            kind="partial",
            text=f"∂f{sub(i)}/∂{name} = ∂/∂{name} ({of}) = " + " = ".join(chain),
            latex=(f"{head} = \\frac{{\\partial}}{{\\partial {latex_name(name)}}}"
                   f"\\left({self.tex(f)}\\right) = " + " = ".join(latex_chain)),
            index=index,
            chain=tuple(chain),
            latex_chain=tuple(latex_chain),
            rules=tuple(rules),
            data={"of": of, "wrt": name, "result": chain[-1], "output": i, "input": j,
                  "stage_rules": stage_rules},
        )
