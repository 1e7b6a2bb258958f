"""Step-by-step differentiation that names the rules it applies.

``differentiate(expr, var)`` returns the worked form of the derivative (built
unevaluated so it prints the way a worksheet shows it), the rules used, and the
final derivative, which is always exactly ``sympy.diff(expr, var)``.

A worked stage may wrap an inner derivative in ``UnevaluatedExpr`` so that it
prints last and in parentheses (``2*cos(y)*(-sin(y))``); ``stage.expr.doit()``
gives the evaluated expression.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy import (
    Abs,
    Add,
    Expr,
    Integer,
    Mul,
    Number,
    Pow,
    S,
    Symbol,
    UnevaluatedExpr,
    atan2,
    cos,
    cot,
    csc,
    exp,
    log,
    sec,
    sign,
    sin,
    tan,
)

from symjac.core.errors import SymjacError
from symjac.language.printing import _abbreviated, latex_printer
from symjac.ops import compare

__all__ = ["DiffResult", "DiffStage", "RULE_NAMES", "differentiate"]

RULE_NAMES: tuple[str, ...] = (
    "constant",
    "identity",
    "sum rule",
    "constant multiple",
    "power rule",
    "product rule",
    "quotient rule",
    "chain rule",
    "exponential",
    "exponential (general base)",
    "logarithm",
    "logarithmic differentiation",
    "trigonometric",
    "inverse trigonometric",
    "hyperbolic",
    "absolute value",
    "differentiate",
)

# Labels of the tidy-up stages that follow the worked form.
SIMPLIFY = "simplify"
STANDARD_FORM = "standard form"


@dataclass(frozen=True)
class DiffStage:
    """One displayed form of the derivative and the rule(s) that produced it."""

    expr: sympy.Expr
    rule: str


@dataclass(frozen=True)
class DiffResult:
    """A derivative together with its worked stages and the rules used."""

    of: sympy.Expr
    wrt: sympy.Symbol
    result: sympy.Expr
    stages: tuple[DiffStage, ...]
    rules: tuple[str, ...]


# Outer derivatives written the way a worksheet does (sec**2 rather than
# sympy's 1 + tan**2); the final stage still shows sympy's form.
_TRIG: dict[type, Callable[[Expr], Expr]] = {
    sin: lambda g: cos(g),
    cos: lambda g: -sin(g),
    tan: lambda g: sec(g) ** 2,
    cot: lambda g: -(csc(g) ** 2),
    sec: lambda g: sec(g) * tan(g),
    csc: lambda g: -csc(g) * cot(g),
}

# For these, sympy's own fdiff already is the textbook formula and gets the
# branch cuts right (acosh, asec, ...), so reuse it.
_FDIFF_RULES: dict[type, str] = {
    **{
        f: "inverse trigonometric"
        for f in (sympy.asin, sympy.acos, sympy.atan, sympy.acot, sympy.asec, sympy.acsc)
    },
    **{
        f: "hyperbolic"
        for f in (
            sympy.sinh,
            sympy.cosh,
            sympy.tanh,
            sympy.coth,
            sympy.sech,
            sympy.csch,
            sympy.asinh,
            sympy.acosh,
            sympy.atanh,
            sympy.acoth,
            sympy.asech,
            sympy.acsch,
        )
    },
}

_NON_FINITE = (S.NaN, S.ComplexInfinity, S.Infinity, S.NegativeInfinity)


def _mul(*factors: Expr) -> Expr:
    """Unevaluated product: nested products flattened, numbers merged in front."""
    coeff: Expr = S.One
    rest: list[Expr] = []
    for f in factors:
        for a in f.args if isinstance(f, Mul) else (f,):
            if isinstance(a, Number):
                coeff = coeff * a
            else:
                rest.append(a)
    if coeff == 0:
        return S.Zero
    args = rest if coeff == 1 else [coeff, *rest]
    if not args:
        return coeff
    if len(args) == 1:
        return args[0]
    return Mul(*args, evaluate=False)


def _add(*terms: Expr) -> Expr:
    """Unevaluated sum with zero terms dropped and nested sums flattened."""
    flat: list[Expr] = []
    for t in terms:
        flat.extend(t.args if isinstance(t, Add) else (t,))
    flat = [t for t in flat if t != 0]
    if not flat:
        return S.Zero
    if len(flat) == 1:
        return flat[0]
    return Add(*flat, evaluate=False)


def _pow(base: Expr, e: Expr) -> Expr:
    if e == 1:
        return base
    if e == 0:
        return S.One
    return Pow(base, e, evaluate=False)


def _group(e: Expr) -> Expr:
    """Keep an inner derivative parenthesised and last, as in f'(g)*(g')."""
    if e.is_Symbol or (isinstance(e, Number) and e.is_positive):
        return e
    # The str printer sorts Mul factors; UnevaluatedExpr sorts after every
    # other factor, which keeps the chain factor at the end.
    return UnevaluatedExpr(e)


def _rebuild(e: Expr) -> Expr:
    """Evaluate an unevaluated tree bottom-up (cheap; no simplify)."""
    if isinstance(e, UnevaluatedExpr):
        return _rebuild(e.args[0])
    if not e.args:
        return e
    return e.func(*[_rebuild(a) for a in e.args])


def _shape(e: Expr) -> object:
    """Hashable form of e that ignores the order of terms and factors.

    Two expressions with the same shape print the same (the printer sorts
    terms and factors), and this is far cheaper than comparing str() output.
    """
    # Atoms are tagged so that a tuple is never compared with a sympy object
    # (Basic.__eq__ would try to sympify the tuple).
    if not e.args:
        return ("atom", e)
    parts = [_shape(a) for a in e.args]
    if isinstance(e, (Add, Mul)):
        return (type(e), frozenset(Counter(parts).items()))
    return (type(e), tuple(parts))


class _Stepper:
    """Builds the worked (unevaluated) derivative and records rules in order."""

    def __init__(self, var: Symbol) -> None:
        self.var = var
        self.rules: list[str] = []

    def use(self, rule: str) -> None:
        if rule not in self.rules:
            self.rules.append(rule)

    def depends(self, e: Expr) -> bool:
        return self.var in e.free_symbols

    def d(self, e: Expr) -> Expr:
        x = self.var
        if not self.depends(e):
            self.use("constant")
            return S.Zero
        if e == x:
            self.use("identity")
            return S.One
        if isinstance(e, Add):
            self.use("sum rule")
            return _add(*[self.d(t) for t in e.args])
        if isinstance(e, Mul):
            return self.d_mul(e)
        if isinstance(e, Pow):
            return self.d_pow(e)
        if isinstance(e, atan2):
            return self.d_atan2(e)
        if isinstance(e, sympy.Function) and len(e.args) == 1:
            return self.d_function(e)
        return self.fallback(e)

    def fallback(self, e: Expr) -> Expr:
        self.use("differentiate")
        return sympy.diff(e, self.var)

    def chain(self, g: Expr, rule: str) -> Expr | None:
        """Record the outer rule; return the inner factor g' (None when g is var)."""
        if g == self.var:
            self.use(rule)
            return None
        self.use("chain rule")
        self.use(rule)
        return _group(self.d(g))

    def d_mul(self, e: Mul) -> Expr:
        consts = [f for f in e.args if not self.depends(f)]
        deps = [f for f in e.args if self.depends(f)]
        if consts:
            self.use("constant multiple")
            numbers = [c for c in consts if isinstance(c, Number)]
            others = [c for c in consts if not isinstance(c, Number)]
            return _mul(*numbers, self.d(Mul(*deps)), *others)

        dens = [f for f in deps if self.is_denominator(f)]
        nums = [f for f in deps if not self.is_denominator(f)]
        if dens and nums:
            self.use("quotient rule")
            u = Mul(*nums)
            v = Mul(*[Pow(f.base, -f.exp) for f in dens])
            du, dv = self.d(u), self.d(v)
            top = _add(_mul(du, v), _mul(S.NegativeOne, u, dv))
            return Mul(top, Pow(_pow(v, Integer(2)), S.NegativeOne, evaluate=False), evaluate=False)

        self.use("product rule")
        terms = [_mul(*deps[:i], self.d(f), *deps[i + 1 :]) for i, f in enumerate(deps)]
        return _add(*terms)

    def is_denominator(self, f: Expr) -> bool:
        return (
            isinstance(f, Pow)
            and self.depends(f.base)
            and not self.depends(f.exp)
            and f.exp.could_extract_minus_sign()
        )

    def d_pow(self, e: Pow) -> Expr:
        base, ex = e.base, e.exp
        base_dep, exp_dep = self.depends(base), self.depends(ex)
        if base_dep and not exp_dep:
            inner = self.chain(base, "power rule")
            factors = [ex, _pow(base, ex - 1)]
            return _mul(*factors, *([inner] if inner is not None else []))
        if exp_dep and not base_dep:
            inner = self.chain(ex, "exponential (general base)")
            return _mul(e, log(base), *([inner] if inner is not None else []))
        # u**v with both depending on var: d(u**v) = u**v*(v'*log(u) + v*u'/u).
        self.use("logarithmic differentiation")
        du, dv = self.d(base), self.d(ex)
        bracket = _add(_mul(dv, log(base)), _mul(ex, du, Pow(base, S.NegativeOne, evaluate=False)))
        return _mul(e, bracket)

    def d_atan2(self, e: atan2) -> Expr:
        # d atan2(a, b) = (b*a' - a*b')/(a**2 + b**2)
        a, b = e.args
        if any(self.depends(t) and t != self.var for t in (a, b)):
            self.use("chain rule")
        self.use("inverse trigonometric")
        da, db = self.d(a), self.d(b)
        top = _add(_mul(b, da), _mul(S.NegativeOne, a, db))
        return Mul(top, Pow(a**2 + b**2, S.NegativeOne, evaluate=False), evaluate=False)

    def d_function(self, e: sympy.Function) -> Expr:
        g = e.args[0]
        kind = type(e)
        if kind is exp:
            outer, rule = e, "exponential"
        elif kind is log:
            outer, rule = Pow(g, S.NegativeOne), "logarithm"
        elif kind in _TRIG:
            outer, rule = _TRIG[kind](g), "trigonometric"
        elif kind in _FDIFF_RULES:
            outer, rule = e.fdiff(1), _FDIFF_RULES[kind]
        elif kind is Abs:
            if not g.is_extended_real:
                # Complex-valued argument: sympy's re/im form is the honest answer.
                self.use("absolute value")
                return sympy.diff(e, self.var)
            outer, rule = sign(g), "absolute value"
        else:
            return self.fallback(e)
        inner = self.chain(g, rule)
        return _mul(outer, *([inner] if inner is not None else []))


def _as_expr(expr: object) -> Expr:
    if isinstance(expr, Expr):
        return expr
    if isinstance(expr, bool):
        raise TypeError("expected a sympy expression, got bool")
    if isinstance(expr, int):
        return sympy.Integer(expr)
    if isinstance(expr, float):
        return sympy.Float(expr)
    raise TypeError(f"expected a sympy expression, got {type(expr).__name__}")


def _stages(worked: Expr, final: Expr, label: str) -> tuple[DiffStage, ...] | None:
    """Stages from the worked form to sympy's form; None if they disagree."""
    if _shape(worked) == _shape(final):
        return (DiffStage(final, label),)
    tidy = _rebuild(worked)
    if tidy == final:
        return (DiffStage(worked, label), DiffStage(final, SIMPLIFY))
    # Cheap first (Add cancels identical terms), the one comparison second.
    if (tidy - final) != 0 and compare.verdict(final, tidy).outcome == "different":
        return None
    if _shape(tidy) == _shape(worked):
        return (DiffStage(worked, label), DiffStage(final, SIMPLIFY))
    return (DiffStage(worked, label), DiffStage(tidy, SIMPLIFY), DiffStage(final, STANDARD_FORM))


def differentiate(expr: Expr | int | float, var: Symbol) -> DiffResult:
    """Differentiate ``expr`` with respect to ``var``, naming each rule used."""
    if not isinstance(var, Symbol):
        raise TypeError(f"var must be a sympy Symbol, got {type(var).__name__}")
    of = _as_expr(expr)
    final = sympy.diff(of, var)

    stages: tuple[DiffStage, ...] | None = None
    rules: tuple[str, ...] = ()
    if not of.has(*_NON_FINITE):
        stepper = _Stepper(var)
        try:
            worked = stepper.d(of)
            rules = tuple(stepper.rules)
            stages = _stages(worked, final, ", ".join(rules))
        except SymjacError:
            raise  # a limit (the time limit's alarm) is not the stepper's to swallow
        except Exception:
            # The stepper is only a presentation layer: any failure in it falls
            # back to sympy's answer rather than crashing a whole system.
            stages = None
    if stages is None:
        rules = ("differentiate",)
        stages = (DiffStage(final, "differentiate"),)
    return DiffResult(of=of, wrt=var, result=final, stages=stages, rules=rules)


class _StagePrinter(latex_printer()):  # type: ignore[misc]
    """symjac's LaTeX (printing.latex), keeping the stepper's grouped inner derivative in
    brackets.

    The stepper wraps g' in UnevaluatedExpr to keep f'(g)·(g') readable;
    sympy's LaTeX printer drops the brackets, so 2*cos(y)*(-sin(y)) would read
    2 cos(y) − sin(y).
    """

    def _print_UnevaluatedExpr(self, expr: sympy.UnevaluatedExpr) -> str:  # noqa: N802
        inner = expr.args[0]
        s: str = self._print(inner)
        # Bracketed exactly where the str printer brackets it: 2*cos(y)*(-sin(y)).
        grouped = inner.is_Add or inner.is_Mul or inner.could_extract_minus_sign()
        return rf"\left({s}\right)" if grouped else s


def stage_latex(expr: sympy.Expr) -> str:
    """A stage in LaTeX, its grouped inner derivative kept in brackets."""
    text: str
    try:
        text = _StagePrinter().doprint(expr)
    except ValueError:  # a number too long for Python to print: abbreviated, as everywhere
        text = _StagePrinter().doprint(_abbreviated(expr, latex=True))
    return text
