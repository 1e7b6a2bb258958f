"""Is an answer right? The one comparison behind every verdict symjac gives.

``verdict(a, b)`` ends in one of three outcomes, and says how it got there:

- **equal**: proved (``method="exact"``: the difference is 0 as a rational
  function of its symbols and of the other functions in it, kept opaque;
  ``"symbolic"``: 0 once exponentials, powers, trigonometric and hyperbolic
  functions are written over common bases), or seen at every one of many
  points (``"numeric"``: "equal at 16 points; not proved").
- **different**: with one counterexample point and both values there.
- **undecided**: neither could be shown (too few points in the domain, or a
  value that cannot be evaluated); never a pass.

``a`` is the reference (what symjac computed) and ``b`` the answer being
checked. Points where ``a`` is undefined or not real are outside the domain
and are skipped; a point where ``a`` is real and defined but ``b`` is not (or
has another value) is a difference, except that at a simple point an undefined
``b`` is no verdict (x + 1 against (x**2 - 1)/(x - 1) at x = 1).

Numbers are exact throughout (decimals are rationals). Numeric values are
FLINT balls (arb/acb): every value carries a rigorous error bound, precision
is raised until the bound is small enough to decide, and values are compared
with a relative tolerance, so the size of a value never decides. Simple points
come first: small whole numbers and fractions of both signs, and points where a
power with a variable exponent has a negative base and a whole exponent, where
identities of powers break. Then exact decimals spread over signs and scales
(1e-4 to 1e5), drawn from a seed derived from both expressions: reproducible,
not predictable from the source. A counterexample is the simplest point found:
rounded to few digits, then each value made simpler (1, -1, 2, ..., 1/2) while
the difference still shows. What is said of it (``mismatch_text``: "you wrote
72; entry (3, 2) of A·B is 73"; values to 4 significant digits, at most 3
variables named) is said here once, for every output.
Nothing here evaluates text: the expressions are already parsed.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

import flint
import sympy

from symjac.core.model import Check
from symjac.language.printing import shape, sstr

if TYPE_CHECKING:
    from symjac.core.schema import Mismatch

OUTCOMES = ("equal", "different", "undecided")
METHODS = ("exact", "symbolic", "numeric")
MIN_POINTS = 16  # valid points for a numeric "equal"
MAX_ATTEMPTS = 120  # points tried before giving up ("undecided")
TOLERANCE_BITS = 160  # relative tolerance 2^-160 (about 7e-49): balls make rounding exact
PRECISIONS = (224, 512, 1152, 2560)  # bits; raised when the error bound is too wide
SYMBOLIC_BUDGET = 0.5  # seconds of CPU for the exact and symbolic tries together
MAX_TERMS = 4000  # terms of one polynomial in the exact route before giving up on it
MAX_ANGLE_MULTIPLE = 64  # sin(k·θ) is expanded for |k| up to this
MAX_POWER = 10**6  # p**k for k up to this (a monomial; sums are capped by their terms)
_LOG_CAP = math.log(64 * MAX_TERMS)


@dataclass(frozen=True)
class Verdict:
    """How ``a`` (the reference) and ``b`` (the answer) compare."""

    outcome: str  # "equal" | "different" | "undecided"
    method: str  # "exact" | "symbolic" | "numeric"
    point: Mapping[str, str] | None = None  # a counterexample: name -> value
    value_a: str | None = None  # a's value at the point ("undefined" when it has none)
    value_b: str | None = None
    note: str = ""
    points: int = 0  # points where the two were evaluated and agreed

    @property
    def equal(self) -> bool:
        return self.outcome == "equal"


def equal(a, b) -> bool:
    """True only when ``verdict(a, b)`` is "equal"."""
    return verdict(a, b).outcome == "equal"


def verdict(a, b) -> Verdict:
    """Compare ``a`` (the reference) with ``b`` (the answer): see the module's docstring."""
    a, b = _expr(a), _expr(b)
    if a.has(*_NON_FINITE) or b.has(*_NON_FINITE):
        return Verdict("undecided", "exact", note="not a finite value (nan, zoo or oo)")
    if a == b:
        return Verdict("equal", "exact", note="the same expression")
    if _unevaluable(a) or _unevaluable(b):
        return Verdict("undecided", "symbolic",
                       note="contains a derivative or a function that cannot be evaluated")
    deadline = time.process_time() + SYMBOLIC_BUDGET
    proved, residue = _decide_exactly(a, b, deadline)
    if proved is not None and proved[0] == "equal":
        method = proved[1]
        note = "the difference is exactly 0" if method == "exact" else \
            "the difference simplifies to 0"
        return Verdict("equal", method, note=note)
    found = _numeric(a, b, residue)
    if proved is not None:  # "different", proved: the numbers only find the point
        method = proved[1]
        if found.outcome == "different":
            return Verdict("different", method, found.point, found.value_a, found.value_b,
                           note="the difference is not 0")
        if found.outcome == "undecided":  # e.g. a function the evaluator does not know
            return Verdict("different", method, note="the difference is not 0")
        return Verdict("different", method, note="the difference is not 0, although it "
                       "is below the numeric tolerance at the points tried")
    return found


# -- the exact route ------------------------------------------------------------------------


class _GiveUp(Exception):
    """The exact route cannot decide this (too big, too slow, not finite)."""


def _expr(x) -> sympy.Expr:
    if isinstance(x, sympy.Basic):
        return x
    if hasattr(x, "_sympy_"):  # a symengine expression: converted, never re-parsed
        return x._sympy_()
    if isinstance(x, bool):
        raise TypeError("a boolean is not an expression")
    if isinstance(x, int):
        return sympy.Integer(x)
    if isinstance(x, Fraction):
        return sympy.Rational(x.numerator, x.denominator)
    if isinstance(x, float):  # exactly the binary value the float holds
        return sympy.Rational(*x.as_integer_ratio())
    from decimal import Decimal

    if isinstance(x, Decimal):
        n, d = x.as_integer_ratio()
        return sympy.Rational(n, d)
    raise TypeError(f"cannot compare a {type(x).__name__}")


def _unevaluable(e: sympy.Expr) -> bool:
    from sympy.core.function import AppliedUndef

    return bool(e.atoms(sympy.Derivative, sympy.Integral, sympy.Subs, AppliedUndef))


_TRIG = (sympy.sin, sympy.cos, sympy.tan, sympy.cot, sympy.sec, sympy.csc)
_HYPERBOLIC = (sympy.sinh, sympy.cosh, sympy.tanh, sympy.coth, sympy.sech, sympy.csch)
_NON_FINITE = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)


def _decide_exactly(a, b, deadline: float):
    """(("equal" | "different", method) or None, residue).

    None when the numbers must decide; the residue is then a − b as the last
    rational function built (or None), which the numbers evaluate too: it has
    no cancellation left in it, so a difference far below the tolerance shows.

    First with every function kept opaque (an atom); then, if exponentials, powers,
    trigonometric or hyperbolic functions occur, with those written over common
    bases (exp(x + y) = exp(x)·exp(y); sin and cos of multiples of y as rational
    functions of t = tan(y/2)). Atoms are not independent (sqrt(x)² = x, and
    tan(atan(x)) = x), so a non-zero difference proves nothing unless it is a
    constant or the rational function has no atoms at all.
    """
    if a.has(*_NON_FINITE) or b.has(*_NON_FINITE):
        return None, None
    residue = None
    try:
        plain = _Rational(rewrite=False, deadline=deadline)
        zero, constant = plain.difference(a, b)
        residue = plain
        if zero:
            return ("equal", "exact"), None
        if constant or not plain.atoms:
            # a non-zero constant, or a non-zero rational function of the symbols alone
            return ("different", "exact"), residue
        if not plain.rewritable:
            return None, residue
        rewritten = _Rational(rewrite=True, deadline=deadline)
        zero, constant = rewritten.difference(a, b)
        residue = rewritten
        if zero:
            return ("equal", "symbolic"), None
        if constant:  # every rewriting is an identity, so a − b is this constant
            return ("different", "symbolic"), residue
    except (_GiveUp, RecursionError, ZeroDivisionError):
        pass
    return None, residue


def _terms(u: sympy.Expr) -> list[tuple[sympy.Expr, sympy.Rational]]:
    """u as Σ c·m with rational c: [(m, c)], the constant part as m = 1."""
    out = []
    for m, c in u.as_coefficients_dict().items():
        if not c.is_Rational:
            m, c = c * m, sympy.Integer(1)
        out.append((m, c))
    return out


def _power_terms(base, x) -> list[tuple[sympy.Expr, sympy.Rational]]:
    """b**x as exp(Σ c·m) with x·log(b) = Σ c·m: [(m, c)]."""
    log = sympy.log(base)
    return [(log if m == 1 else m * log, c) for m, c in _terms(x)]


def _rational_gcd(values) -> sympy.Rational:
    num = den = 0
    for v in values:
        num = math.gcd(num, abs(int(v.p)))
        den = den * int(v.q) // math.gcd(den, int(v.q)) if den else int(v.q)
    return sympy.Rational(num, den)


class _Rational:
    """Expressions as fractions of FLINT polynomials in symbols and opaque atoms."""

    def __init__(self, rewrite: bool, deadline: float) -> None:
        self.rewrite = rewrite
        self.deadline = deadline
        self.symbols: set = set()
        self.atoms: set = set()  # opaque subexpressions (and bases of rewritten ones)
        self.rewritable = False  # exp, powers, trig or hyperbolic seen (rewrite=False)
        self.exp_coeffs: dict = {}  # term m -> coefficients c of exp(c·m)
        self.trig_coeffs: dict = {}  # term m -> coefficients c of sin(c·m), cos(c·m)...
        self.roots: dict = {}  # base -> denominators q of base**(p/q)
        self.seen: set = set()
        self.ticks = 0

    # pass 1: which generators are needed
    def scan(self, e) -> None:
        if e in self.seen:
            return
        self.seen.add(e)
        self._tick()
        if e.is_Symbol:
            self.symbols.add(e)
        elif e.is_Rational or e.is_Float:
            return
        elif e.is_Add or e.is_Mul:
            for arg in e.args:
                self.scan(arg)
        elif e.is_Pow:
            base, x = e.args
            if x.is_Integer and abs(x) <= 10_000:
                self.scan(base)
            elif x.is_Rational:
                self.rewritable = True
                if self.rewrite:
                    self.roots.setdefault(base, set()).add(int(x.q))
                    self.scan(base)
                else:
                    self.atoms.add(e)
            else:
                self.rewritable = True
                if not self.rewrite:
                    self.atoms.add(e)
                    return
                for m, c in _power_terms(base, x):  # b**u = exp(u·log(b))
                    self._scan_exp_term(m, c)
        elif isinstance(e, (sympy.exp, *_HYPERBOLIC)):
            self.rewritable = True
            if not self.rewrite:
                self.atoms.add(e)
                return
            for m, c in _terms(e.args[0]):
                self._scan_exp_term(m, c)
        elif isinstance(e, _TRIG):
            self.rewritable = True
            if not self.rewrite:
                self.atoms.add(e)
                return
            for m, c in _terms(e.args[0]):
                known = self._pi_cos_sin(m, c)
                if known is None:
                    self.trig_coeffs.setdefault(m, set()).add(abs(c))
                else:
                    self.scan(known[0])
                    self.scan(known[1])
        else:
            self.atoms.add(e)

    def _scan_exp_term(self, m, c) -> None:
        if isinstance(m, sympy.log):  # exp(c·log(B)) is B**c, B**(p/q) a power of a root
            base = m.args[0]
            if not c.is_Integer:
                self.roots.setdefault(base, set()).add(int(c.q))
            self.scan(base)
        else:
            self.exp_coeffs.setdefault(m, set()).add(abs(c))

    def _tick(self) -> None:
        self.ticks += 1
        if self.ticks % 256 == 0 and time.process_time() > self.deadline:
            raise _GiveUp("out of time")

    @staticmethod
    def _pi_cos_sin(m, c):
        """cos and sin of c·m when m is 1 or π and sympy knows them in closed form."""
        if m not in (sympy.S.One, sympy.pi):
            return None
        angle = c * m
        cos, sin = sympy.cos(angle), sympy.sin(angle)
        if cos.has(*_TRIG) or sin.has(*_TRIG):
            return None
        return cos, sin

    def difference(self, a, b) -> tuple[bool, bool]:
        """(a − b is 0, a − b is a non-zero constant), as rational functions."""
        self.scan(a)
        self.scan(b)
        keys: list = [("s", s) for s in sorted(self.symbols, key=sympy.default_sort_key)]
        keys += [("a", e) for e in sorted(self.atoms, key=sympy.default_sort_key)]
        self.exp_base = {m: _rational_gcd(cs) for m, cs in self.exp_coeffs.items()}
        self.trig_base = {m: _rational_gcd(cs) for m, cs in self.trig_coeffs.items()}
        self.root_base = {b: math.lcm(*qs) for b, qs in self.roots.items()}
        keys += [("e", m) for m in sorted(self.exp_base, key=sympy.default_sort_key)]
        keys += [("t", m) for m in sorted(self.trig_base, key=sympy.default_sort_key)]
        keys += [("r", b) for b in sorted(self.root_base, key=sympy.default_sort_key)]
        self.ctx = flint.fmpz_mpoly_ctx.get(tuple(f"v{i}" for i in range(len(keys))), "lex")
        gens = self.ctx.gens()
        self.gen = {k: (g, self.ctx.constant(1)) for k, g in zip(keys, gens, strict=True)}
        self.memo: dict = {}
        self.keys = keys
        n, d = _sub(self.convert(a), self.convert(b))
        self.residue = (n, d)
        return n.is_zero(), n.is_constant() and d.is_constant()

    def value(self, evaluate) -> flint.acb:
        """a − b, the residue, at a point: ``evaluate`` gives a subexpression's ball."""
        values = []
        for kind, e in self.keys:
            if kind in ("s", "a"):
                values.append(evaluate(e))
            elif kind == "e":
                values.append((evaluate(e) * _acb_of_rational(self.exp_base[e])).exp())
            elif kind == "t":
                values.append((evaluate(e) * _acb_of_rational(self.trig_base[e] / 2)).tan())
            else:
                root = _acb_of_rational(sympy.Rational(1, self.root_base[e]))
                values.append(evaluate(e) ** root)
        n, d = self.residue
        return _poly_value(n, values) / _poly_value(d, values)

    # pass 2: the conversion
    def const(self, r) -> tuple:
        r = sympy.Rational(r)
        return self.ctx.constant(int(r.p)), self.ctx.constant(int(r.q))

    def convert(self, e) -> tuple:
        hit = self.memo.get(e)
        if hit is not None:
            return hit
        self._tick()
        out = self._convert(e)
        if len(out[0]) > MAX_TERMS or len(out[1]) > MAX_TERMS:
            raise _GiveUp("too many terms")
        self.memo[e] = out
        return out

    def _convert(self, e) -> tuple:
        if e.is_Symbol:
            return self.gen["s", e]
        if e.is_Rational:
            return self.const(e)
        if e.is_Float:
            return self.const(sympy.Rational(e))  # the binary value, exactly
        if e.is_Add:
            acc = self.convert(e.args[0])
            for arg in e.args[1:]:
                acc = _add(acc, self.convert(arg))
            return acc
        if e.is_Mul:
            acc = self.convert(e.args[0])
            for arg in e.args[1:]:
                acc = _mul(acc, self.convert(arg))
            return acc
        if e.is_Pow:
            base, x = e.args
            if x.is_Integer and abs(x) <= 10_000:
                return _pow(self.convert(base), int(x))
            if self.rewrite and x.is_Rational:
                q = self.root_base[base]
                return _pow(self.gen["r", base], int(x.p) * (q // int(x.q)))
            if self.rewrite:
                acc = self.const(1)
                for m, c in _power_terms(base, x):
                    acc = _mul(acc, self._exp_term(m, c))
                return acc
            return self.gen["a", e]
        if self.rewrite and isinstance(e, sympy.exp):
            return self._exp(e.args[0])
        if self.rewrite and isinstance(e, _HYPERBOLIC):
            E = self._exp(e.args[0])
            one = self.const(1)
            inv = _pow(E, -1)
            two = self.const(2)
            E2 = _mul(E, E)
            kind = type(e)
            if kind is sympy.sinh:
                return _mul(_sub(E, inv), _pow(two, -1))
            if kind is sympy.cosh:
                return _mul(_add(E, inv), _pow(two, -1))
            if kind is sympy.tanh:
                return _mul(_sub(E2, one), _pow(_add(E2, one), -1))
            if kind is sympy.coth:
                return _mul(_add(E2, one), _pow(_sub(E2, one), -1))
            if kind is sympy.sech:
                return _mul(_mul(two, E), _pow(_add(E2, one), -1))
            return _mul(_mul(two, E), _pow(_sub(E2, one), -1))  # csch
        if self.rewrite and isinstance(e, _TRIG):
            cos, sin = self._cos_sin(e.args[0])
            kind = type(e)
            if kind is sympy.sin:
                return sin
            if kind is sympy.cos:
                return cos
            if kind is sympy.tan:
                return _mul(sin, _pow(cos, -1))
            if kind is sympy.cot:
                return _mul(cos, _pow(sin, -1))
            if kind is sympy.sec:
                return _pow(cos, -1)
            return _pow(sin, -1)  # csc
        return self.gen["a", e]

    def _exp(self, u) -> tuple:
        acc = self.const(1)
        for m, c in _terms(u):
            acc = _mul(acc, self._exp_term(m, c))
        return acc

    def _exp_term(self, m, c) -> tuple:
        """exp(c·m) over the common bases."""
        if isinstance(m, sympy.log):
            base = m.args[0]
            if c.is_Integer:
                return _pow(self.convert(base), int(c))
            q = self.root_base[base]
            return _pow(self.gen["r", base], int(c.p) * (q // int(c.q)))
        return _pow(self.gen["e", m], int(c / self.exp_base[m]))

    def _cos_sin(self, u) -> tuple:
        one = self.const(1)
        cos, sin = one, self.const(0)
        for m, c in _terms(u):
            known = self._pi_cos_sin(m, c)
            if known is not None:
                ck, sk = self.convert(known[0]), self.convert(known[1])
            else:
                k = int(c / self.trig_base[m])
                if abs(k) > MAX_ANGLE_MULTIPLE:
                    raise _GiveUp("angle multiple too large")
                t = self.gen["t", m]
                t2 = _mul(t, t)
                denominator = _pow(_add(one, t2), -1)
                c1 = _mul(_sub(one, t2), denominator)
                s1 = _mul(_mul(self.const(2), t), denominator)
                ck, sk = _angle_power(c1, s1, abs(k), one, self.const(0))
                if k < 0:
                    sk = _neg(sk)
            cos, sin = _sub(_mul(cos, ck), _mul(sin, sk)), _add(_mul(sin, ck), _mul(cos, sk))
        return cos, sin


def _poly_value(p, values) -> flint.acb:
    total = flint.acb(0)
    for exponents, coefficient in p.to_dict().items():
        term = flint.acb(int(coefficient))
        for v, k in zip(values, exponents, strict=True):
            if k:
                term *= v**k
        total += term
    return total


def _angle_power(c, s, k: int, one, zero) -> tuple:
    """(cos kθ, sin kθ) from (cos θ, sin θ), by squaring: (c + i·s)^k."""
    rc, rs = one, zero
    while k:
        if k & 1:
            rc, rs = _sub(_mul(rc, c), _mul(rs, s)), _add(_mul(rc, s), _mul(rs, c))
        k >>= 1
        if k:
            c, s = _sub(_mul(c, c), _mul(s, s)), _mul(_add(c, c), s)
    return rc, rs


def _reduce(n, d) -> tuple:
    ctx = d.context()
    if n.is_zero():
        return n, ctx.constant(1)
    if n.is_constant() and d.is_constant():
        p, q = int(n.leading_coefficient()), int(d.leading_coefficient())
        g = math.gcd(p, q) * (-1 if q < 0 else 1)
        return ctx.constant(p // g), ctx.constant(q // g)
    g = n.gcd(d)
    if not g.is_one():
        n, d = n / g, d / g
    return n, d


def _add(x, y) -> tuple:
    (n1, d1), (n2, d2) = x, y
    if d1 == d2:
        return _reduce(n1 + n2, d1)
    return _reduce(n1 * d2 + n2 * d1, d1 * d2)


def _neg(x) -> tuple:
    return -x[0], x[1]


def _sub(x, y) -> tuple:
    return _add(x, _neg(y))


def _mul(x, y) -> tuple:
    (n1, d1), (n2, d2) = x, y
    # checked before multiplying: a product can be far larger than the cap
    if max(len(n1) * len(n2), len(d1) * len(d2)) > 64 * MAX_TERMS:
        raise _GiveUp("too many terms")
    return _reduce(n1 * n2, d1 * d2)


def _pow(x, k: int) -> tuple:
    n, d = x
    if k < 0:
        if n.is_zero():
            raise ZeroDivisionError("1/0")
        n, d, k = d, n, -k
    if k > MAX_POWER:
        raise _GiveUp("exponent too large")
    for p in (n, d):
        # (a + b + c)**k has up to C(terms + k − 1, k) terms: refuse before building them
        t = len(p)
        if t > 1 and math.lgamma(t + k) - math.lgamma(k + 1) - math.lgamma(t) > _LOG_CAP:
            raise _GiveUp("too many terms")
    return n**k, d**k


# -- the numeric route ----------------------------------------------------------------------


class _Undefined(Exception):
    """No value here (a pole, a function outside its domain, an overflow)."""


class _Ambiguous(Exception):
    """The value depends on a side of a jump the ball cannot tell: more precision."""


class _Unsupported(Exception):
    """A function the evaluator does not know."""


def _acb_of_rational(r) -> flint.acb:
    return flint.acb(flint.arb(flint.fmpq(int(r.p), int(r.q))))


def _real(z: flint.acb) -> flint.arb:
    if 0 not in z.imag:
        raise _Undefined("not real")
    return z.real


_COMPLEX_FUNCTIONS = {
    sympy.exp: lambda z: z.exp(),
    sympy.sin: lambda z: z.sin(),
    sympy.cos: lambda z: z.cos(),
    sympy.tan: lambda z: z.tan(),
    sympy.cot: lambda z: z.cot(),
    sympy.sec: lambda z: z.sec(),
    sympy.csc: lambda z: z.csc(),
    sympy.sinh: lambda z: z.sinh(),
    sympy.cosh: lambda z: z.cosh(),
    sympy.tanh: lambda z: z.tanh(),
    sympy.coth: lambda z: z.coth(),
    sympy.sech: lambda z: z.sech(),
    sympy.csch: lambda z: z.csch(),
    sympy.asin: lambda z: z.asin(),
    sympy.acos: lambda z: z.acos(),
    sympy.atan: lambda z: z.atan(),
    sympy.asinh: lambda z: z.asinh(),
    sympy.acosh: lambda z: z.acosh(),
    sympy.atanh: lambda z: z.atanh(),
    sympy.acot: lambda z: (1 / z).atan(),
    sympy.asec: lambda z: (1 / z).acos(),
    sympy.acsc: lambda z: (1 / z).asin(),
    sympy.acoth: lambda z: (1 / z).atanh(),
    sympy.asech: lambda z: (1 / z).acosh(),
    sympy.acsch: lambda z: (1 / z).asinh(),
    sympy.log: lambda z: z.log(),
    sympy.Abs: lambda z: flint.acb(abs(z)),
    sympy.re: lambda z: flint.acb(z.real),
    sympy.im: lambda z: flint.acb(z.imag),
    sympy.conjugate: lambda z: z.conjugate(),
}


def _jump(x: flint.arb, at: int = 0) -> int:
    """-1, 0 or 1: the side of ``at`` the real ball x is on (0 only when exactly at it)."""
    if x > at:
        return 1
    if x < at:
        return -1
    if x.is_exact() and x == at:
        return 0
    raise _Ambiguous("too close to a jump")


def _heaviside(args) -> flint.acb:
    side = _jump(_real(args[0]))
    if side == 0:
        if len(args) > 1:
            return args[1]
        return flint.acb(flint.arb(flint.fmpq(1, 2)))
    return flint.acb(1 if side > 0 else 0)


def _sign(args) -> flint.acb:
    z = args[0]
    if 0 in z.imag and z.imag.is_exact():
        return flint.acb(_jump(z.real))
    if z == 0:
        return flint.acb(0)
    return z / flint.acb(abs(z))


def _dirac(args) -> flint.acb:
    if _jump(_real(args[0])) == 0:
        raise _Undefined("DiracDelta(0)")
    return flint.acb(0)


def _extremum(args, largest: bool) -> flint.acb:
    xs = [_real(z) for z in args]
    best = xs[0]
    for x in xs[1:]:
        if (x > best) if largest else (x < best):
            best = x
        elif (x < best) if largest else (x > best):
            continue
        else:  # the balls overlap: a continuous function, so their union encloses it
            best = best.union(x)
    return flint.acb(best)


def _floor(args, up: bool) -> flint.acb:
    x = _real(args[0])
    lo, hi = (x.ceil(), x.ceil()) if up else (x.floor(), x.floor())
    if not (lo.is_exact() and hi.is_exact()):
        raise _Ambiguous("too close to an integer")
    return flint.acb(lo)


def _atan2(args) -> flint.acb:
    y, x = (_real(z) for z in args)
    if 0 in x and 0 in y:
        raise _Ambiguous("atan2 near the origin")
    if x < 0 and 0 in y:
        raise _Ambiguous("atan2 near its cut")
    return flint.acb(flint.arb.atan2(y, x))


_REAL_FUNCTIONS = {
    sympy.Heaviside: _heaviside,
    sympy.sign: _sign,
    sympy.DiracDelta: _dirac,
    sympy.Max: lambda args: _extremum(args, largest=True),
    sympy.Min: lambda args: _extremum(args, largest=False),
    sympy.floor: lambda args: _floor(args, up=False),
    sympy.ceiling: lambda args: _floor(args, up=True),
    sympy.atan2: _atan2,
}


_HUGE = flint.arb(2) ** 64
_TINY = flint.arb(2) ** -64


def _extreme(v) -> bool:
    """A value so large or so small (but not 0) that what follows it may overflow."""
    if v is None:
        return False
    return bool(v.abs_upper() > _HUGE or (v != 0 and v.abs_lower() < _TINY))


class _Evaluator:
    """Values of sympy trees as FLINT complex balls at one point, one precision."""

    def __init__(self, point: Mapping[sympy.Symbol, flint.acb]) -> None:
        self.point = point
        self.memo: dict = {}

    def __call__(self, e) -> flint.acb:
        hit = self.memo.get(e)
        if hit is not None:
            return hit
        v = self._eval(e)
        if not v.is_finite():
            if any(_extreme(self.memo.get(arg)) for arg in e.args):
                # exp(exp(1e4)) overflowing, 0·∞ of huge and tiny parts: not a pole, and
                # not a difference either; more precision, else the point is skipped
                raise _Ambiguous("overflow")
            raise _Undefined("not finite")
        self.memo[e] = v
        return v

    def _eval(self, e) -> flint.acb:
        if e.is_Symbol:
            try:
                return self.point[e]
            except KeyError:
                raise _Unsupported(f"no value for {e}") from None
        if e.is_Rational:
            return _acb_of_rational(e)
        if e.is_Float:
            return _acb_of_rational(sympy.Rational(e))
        if e.is_Add:
            acc = self(e.args[0])
            for arg in e.args[1:]:
                acc = acc + self(arg)
            return acc
        if e.is_Mul:
            acc = self(e.args[0])
            for arg in e.args[1:]:
                acc = acc * self(arg)
            return acc
        if e.is_Pow:
            base, x = e.args
            b = self(base)
            if x.is_Integer:
                if b == 0 and x < 0:
                    raise _Undefined("division by zero")
                return b ** int(x)
            if x == sympy.S.Half:
                return b.sqrt()
            return b ** self(x)
        if e is sympy.pi:
            return flint.acb(flint.arb.pi())
        if e is sympy.E:
            return flint.acb(1).exp()
        if e is sympy.I:
            return flint.acb(0, 1)
        kind = type(e)
        f = _COMPLEX_FUNCTIONS.get(kind)
        if f is not None:
            if len(e.args) != 1:
                raise _Unsupported(str(kind))
            arg = self(e.args[0])
            if kind is sympy.log and arg == 0:
                raise _Undefined("log(0)")
            return f(arg)
        g = _REAL_FUNCTIONS.get(kind)
        if g is not None:
            return g([self(arg) for arg in e.args])
        if isinstance(e, sympy.Piecewise):
            return self._piecewise(e)
        if e.is_NumberSymbol:  # EulerGamma, Catalan...: 100 digits, far below the tolerance
            return _acb_of_rational(sympy.Rational(e.evalf(100)))
        raise _Unsupported(str(kind.__name__))

    def _piecewise(self, e) -> flint.acb:
        for value, cond in e.args:
            if self._truth(cond):
                return self(value)
        raise _Undefined("no piece applies")

    def _truth(self, cond) -> bool:
        if cond is sympy.true:
            return True
        if cond is sympy.false:
            return False
        if isinstance(cond, sympy.And):
            return all(self._truth(c) for c in cond.args)
        if isinstance(cond, sympy.Or):
            return any(self._truth(c) for c in cond.args)
        if isinstance(cond, sympy.Not):
            return not self._truth(cond.args[0])
        if isinstance(cond, sympy.core.relational.Relational):
            side = _jump(_real(self(cond.lhs) - self(cond.rhs)))
            op = cond.rel_op
            return {"<": side < 0, "<=": side <= 0, ">": side > 0, ">=": side >= 0,
                    "==": side == 0, "!=": side != 0}[op]
        raise _Unsupported(type(cond).__name__)


def seed_of(*exprs) -> int:
    """From the expressions' trees: the same expressions always get the same points.

    A stable hash (SHA-256, not Python's hash) of each node's kind and atoms, in
    sympy's canonical order of arguments: far cheaper than printing them.
    """
    h = hashlib.sha256()
    for e in exprs:
        stack = [e]
        while stack:
            node = stack.pop()
            args = node.args
            if args:
                h.update(type(node).__name__.encode() + b"(%d" % len(args))
                stack.extend(reversed(args))
            else:
                h.update(type(node).__name__.encode() + b":" + str(node).encode() + b";")
        h.update(b"\0")
    return int.from_bytes(h.digest()[:8], "big")


def sample_points(symbols, seed: int):
    """Exact points (symbol -> Rational) across signs and scales, endlessly, reproducibly."""
    for _, point in _Points(symbols, seed):
        yield point


def evaluate(e, point, prec: int = PRECISIONS[0]) -> flint.acb | None:
    """e's value at an exact point as a FLINT ball of ``prec`` bits; None where it has none.

    Raises ValueError for an expression the evaluator cannot evaluate (Derivative...).
    """
    try:
        return _evaluate(e, point, prec)
    except _Ambiguous:
        return None
    except _Unsupported as err:
        raise ValueError(f"cannot be evaluated ({err})") from None


# The points: strata of sign and decade, each visited once per round, in a shuffled
# order per variable, with random 13-digit mantissas. Later phases keep to where
# logarithms, square roots and inverse sines are real.
_DECADES = (-4, -3, -2, -1, 0, 1, 2, 3, 4)
_PHASES = (
    [(s, k) for s in (1, -1) for k in _DECADES],  # everywhere: 1e-4 to 1e5, both signs
    [(1, k) for k in _DECADES],  # positive
    [(s, k) for s in (1, -1) for k in (-4, -3, -2, -1)],  # inside (-1, 1)
    [(1, k) for k in (-4, -3, -2, -1)],  # inside (0, 1)
)


class _Points:
    """An endless, reproducible sequence of exact points for these symbols."""

    def __init__(self, symbols, seed: int) -> None:
        self.symbols = symbols
        self.rng = random.Random(seed)
        self.useful = [True] * len(_PHASES)

    def __iter__(self):
        while any(self.useful):
            for phase, strata in enumerate(_PHASES):
                if not self.useful[phase]:
                    continue
                orders = [self.rng.sample(strata, len(strata)) for _ in self.symbols]
                for i in range(len(strata)):
                    point = {s: self._value(s, orders[j][i]) for j, s in enumerate(self.symbols)}
                    yield phase, point

    def _value(self, s, stratum) -> sympy.Rational:
        sign, decade = stratum
        if s.is_integer:
            v = self.rng.randint(1, 5)
            return sympy.Integer(v if s.is_nonnegative or sign > 0 else -v)
        if s.is_nonnegative or s.is_positive:
            sign = 1
        mantissa = self.rng.randint(10**12, 10**13 - 1)
        return sign * sympy.Rational(mantissa, 10**12) * sympy.Rational(10) ** decade


def decimal_text(r: sympy.Rational) -> str:
    """A point's value as text that reads back as the same number: a decimal when it is
    one exactly, else a fraction (-1/3, a simple point)."""
    if r.q == 1:
        return str(r.p)
    q = int(r.q)
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    if q != 1:
        return f"{r.p}/{r.q}"
    from decimal import Decimal, localcontext

    with localcontext() as c:
        c.prec = 60
        return format(Decimal(int(r.p)) / Decimal(int(r.q)), "f")


def _show(z: flint.acb | None, digits: int) -> str:
    if z is None:
        return "undefined"
    if 0 in z.imag:  # real (within the error bound)
        return _real_text(z.real, digits)
    re, im = _real_text(z.real, digits), _real_text(z.imag, digits)
    if re == "0":
        return f"{im}*I"
    if im.startswith("-"):
        return f"{re} - {im[1:]}*I"
    return f"{re} + {im}*I"


def _real_text(x: flint.arb, digits: int) -> str:
    """A ball's midpoint to ``digits`` digits, without trailing zeros (73.0, not 73.00000)."""
    if x.mid() == 0:
        return "0"
    text = x.str(digits, radius=False)
    mantissa, e, exponent = text.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0")
        mantissa += "0" if mantissa.endswith(".") else ""
    return mantissa + e + exponent


def _relative_digits(va, vb, delta=None) -> int | None:
    """-log10 of |a − b| / max(|a|, |b|): how many digits agree (None if unknown)."""
    try:
        diff = (va - vb if delta is None else delta).abs_lower()
        scale = max(va.abs_upper(), vb.abs_upper())
        if diff > 0 and scale > 0:
            return int(-float((diff / scale).log()) / math.log(10))
    except (ValueError, OverflowError, ZeroDivisionError):
        pass
    return None


def _evaluate(e, point, prec: int):
    """e's value as a ball at this precision, or None where it has none."""
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        values = {s: _acb_of_rational(v) for s, v in point.items()}
        return _Evaluator(values)(e)
    except (_Undefined, ZeroDivisionError, ValueError, OverflowError):
        return None
    finally:
        flint.ctx.prec = old


def _residue_differs(residue, point, prec: int):
    """The residue a − b's ball where it provably does not vanish at this point, else None."""
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        evaluator = _Evaluator({s: _acb_of_rational(v) for s, v in point.items()})
        value = residue.value(evaluator)
        return value if value.is_finite() and value.abs_lower() > 0 else None
    except (_Undefined, _Ambiguous, _Unsupported, ZeroDivisionError, ValueError,
            OverflowError):
        return None
    finally:
        flint.ctx.prec = old


_ACCURACY = flint.arb(2) ** -100


def _accurate(v) -> bool:
    """Known to 100 bits, relative to its size or (for values near 0) absolutely."""
    return bool(v.rad() <= _ACCURACY * max(abs(v.mid()).abs_upper(), flint.arb(1)))


def _at_point(a, b, point, residue=None, strict=False) -> tuple[str, Any, Any]:
    """("equal" | "different" | "skip", a's value, b's value) at one point.

    With a residue (a − b as a rational function), "equal" within the tolerance
    is checked once more on it: a difference below the tolerance still shows.
    ``strict`` (the simple points): b undefined where a has a value is no verdict,
    since at 1 or -1/2 that is more often a removable singularity (x + 1 against
    (x**2 - 1)/(x - 1)) than a wrong answer; a finite b that differs still is one.
    """
    tol = flint.arb(2) ** -TOLERANCE_BITS
    va = vb = None
    for i, prec in enumerate(PRECISIONS):
        last = i == len(PRECISIONS) - 1
        try:
            va = _evaluate(a, point, prec)
        except _Ambiguous:
            if last:
                return "skip", None, None
            continue
        if va is None:
            if last:
                return "skip", None, None
            continue  # perhaps a pole only within the error bound: try again finer
        if not _accurate(va):  # sin(sinh(1e7)): the reference itself is not known here
            if last:
                return "skip", None, None
            continue
        if 0 not in va.imag and va.imag.abs_lower() > tol * va.abs_upper():
            return "skip", va, None  # not real here: outside the reference's domain
        try:
            vb = _evaluate(b, point, prec)
        except _Ambiguous:
            if last:
                return "skip", va, None
            continue
        if vb is None:
            if last:
                return ("skip" if strict else "different"), va, None
            continue
        old = flint.ctx.prec
        flint.ctx.prec = prec
        try:
            diff = va - vb
            if diff.abs_lower() > tol * max(va.abs_upper(), vb.abs_upper()):
                if not last and va.imag.abs_upper() > tol * va.abs_lower():
                    # a may be real or not (log(z**(3**z)) at z = -150 is 1e-71·(5 + πi)):
                    # outside its domain is no verdict, so finer first
                    continue
                return "different", va, vb
            if diff.abs_upper() <= tol * max(va.abs_lower(), vb.abs_lower()):
                delta = None if residue is None else _residue_differs(residue, point, prec)
                if delta is not None:
                    return "different", va, (vb, delta)
                return "equal", va, vb
            if last:
                # both zero, or too close to tell at 2560 bits: the balls overlap
                return ("equal" if 0 in diff.real and 0 in diff.imag else "skip"), va, vb
        finally:
            flint.ctx.prec = old
    return "skip", va, vb


RESIDUE_POINTS = 4  # agreeing points where the residue is evaluated too


def _numeric(a, b, residue=None) -> Verdict:
    symbols = sorted(a.free_symbols | b.free_symbols, key=sympy.default_sort_key)
    wanted = MIN_POINTS if symbols else 1
    points = _Points(symbols, seed_of(a, b))
    agreed = tried = 0
    by_phase = [0] * len(_PHASES)
    tried_phase = [0] * len(_PHASES)
    try:
        # the simple points first: they find what the random ones cannot (a negative base
        # with a whole exponent), and a counterexample there is the easiest to follow
        for point in simple_points(a, b, symbols):
            status, va, vb = _at_point(a, b, point, strict=True)
            if status == "different":
                point, va, vb = _simplest(a, b, point, va, vb)
                return _counterexample(point, va, vb, agreed)
        for phase, point in points:
            tried += 1
            tried_phase[phase] += 1
            status, va, vb = _at_point(a, b, point,
                                       residue if agreed < RESIDUE_POINTS else None)
            if status == "different":
                point, va, vb = _simplest(a, b, point, va, vb)
                return _counterexample(point, va, vb, agreed)
            if status == "equal":
                agreed += 1
                by_phase[phase] += 1
                if agreed >= wanted:
                    break
            if tried_phase[phase] >= len(_PHASES[phase]) and by_phase[phase] == 0:
                points.useful[phase] = False  # nothing valid in this region: skip it
            if tried >= (MAX_ATTEMPTS if symbols else len(PRECISIONS)):
                break
    except _Unsupported as e:
        return Verdict("undecided", "numeric", note=f"cannot be evaluated ({e})")
    if agreed >= wanted:
        note = f"equal at {agreed} points; not proved" if symbols else \
            f"equal to {TOLERANCE_BITS * 3 // 10} digits; not proved"
        return Verdict("equal", "numeric", note=note, points=agreed)
    return Verdict("undecided", "numeric", points=agreed,
                   note=f"only {agreed} of {tried} points tried are in the domain; "
                   f"{wanted} are needed")


def _counterexample(point, va, vb, agreed: int) -> Verdict:
    vb, delta = vb if isinstance(vb, tuple) else (vb, None)
    agree = None if vb is None else _relative_digits(va, vb, delta)
    digits = 20 if agree is None else max(15, min(80, agree + 6))
    note = "the values differ"
    if agree is not None and agree >= 30:  # beyond what the values show
        note += f" (from about significant digit {agree + 1})"
    names = {str(s): decimal_text(v) for s, v in point.items()}
    return Verdict("different", "numeric", names, _show(va, digits), _show(vb, digits),
                   note=note, points=agreed)


SIMPLIFY_TRIES = 40  # evaluations spent making a counterexample point simpler


def _simplest(a, b, point, va, vb):
    """(point, a's value, b's value) at the simplest point found that still shows the
    difference: ``point`` rounded to 1 to 4 significant digits, then each value in turn
    replaced by a simpler one (1, -1, 2, ..., 1/2, ...) while the difference still shows.
    """
    tries = 0

    def differs(candidate):
        nonlocal tries
        tries += 1
        status, ca, cb = _at_point(a, b, candidate, strict=True)
        return (ca, cb) if status == "different" else None

    if any(_digits_of(v) > 4 for v in point.values()):
        for digits in range(1, 5):
            rounded = {s: _round(v, digits) for s, v in point.items()}
            if rounded == point:
                break
            found = differs(rounded)
            if found is not None:
                point, (va, vb) = rounded, found
                break
    for s in list(point):
        for value in sorted(_allowed(s), key=lambda v: _simplicity({0: v})):
            if tries >= SIMPLIFY_TRIES or _simplicity({0: value}) >= _simplicity({0: point[s]}):
                break
            candidate = {**point, s: value}
            found = differs(candidate)
            if found is not None:
                point, (va, vb) = candidate, found
                break
    return point, va, vb


def _digits_of(v: sympy.Rational) -> int:
    """Significant decimal digits of an exact decimal (a fraction such as 1/3 counts 1)."""
    text = decimal_text(v)
    if "/" in text:
        return 1
    return len(text.replace("-", "").replace(".", "").strip("0")) or 1


def _round(v: sympy.Rational, digits: int) -> sympy.Rational:
    """v to ``digits`` significant decimal digits, exactly (the sign kept, never 0)."""
    if v == 0:
        return v
    x = Fraction(int(v.p), int(v.q))
    exponent = len(str(abs(x.numerator) // abs(x.denominator))) - 1 if abs(x) >= 1 else \
        -len(str(abs(x.denominator) // abs(x.numerator)))
    step = Fraction(10) ** (exponent - digits + 1)
    r = round(x / step) * step
    if r == 0:
        r = step if x > 0 else -step
    return sympy.Rational(r.numerator, r.denominator)


# -- the simple points ------------------------------------------------------------------------
#
# Small whole numbers of both signs, then simple fractions: where identities of powers
# break. (a**b)**c and a**(b*c) agree wherever a > 0, and at random points a negative a
# makes both not real; at a = -1, b = 2, c = 1/2 both are real, 1 and -1. So besides a few
# plain simple points, points are sought at which the base of a power with a variable
# exponent is negative and its exponent whole, preferably whole only in sum (b*c = 1 with
# c = 1/2, (n + 2)/(n + 1) = -1 at n = -3/2). 0 is left out: it is where most removable
# singularities and 0**0 sit.

# In order of simplicity, halves early: with many variables only the first few are tried.
_SIMPLE = tuple(sympy.Rational(p, q) for p, q in (
    (1, 1), (-1, 1), (2, 1), (-2, 1), (1, 2), (-1, 2), (3, 1), (-3, 1), (3, 2), (-3, 2),
    (1, 3), (-1, 3), (4, 1), (-4, 1), (2, 3), (-2, 3), (5, 1), (-5, 1), (5, 2), (-5, 2),
    (1, 4), (-1, 4), (3, 4), (-3, 4)))
_WHOLE = tuple(v for v in _SIMPLE if v.q == 1)
PLAIN_POINTS = 6  # simple points tried for every comparison
SOUGHT_POINTS = (6, 4)  # simple points with a whole exponent of a negative base: (whole
# only in sum, whole with whole variables)
CANDIDATES = 1500  # simple points looked at, exactly and cheaply, to find those


def _simplicity(point) -> tuple:
    """Smaller is simpler: whole numbers before fractions, small before large, + before -."""
    values = list(point.values())
    return (max((int(v.q) for v in values), default=1),
            sum(abs(int(v.p)) + int(v.q) for v in values),
            sum(1 for v in values if v < 0))


def _allowed(s) -> tuple:
    """The simple values a symbol may take (whole for an integer, positive for a positive)."""
    values = _WHOLE if s.is_integer else _SIMPLE
    if s.is_nonnegative or s.is_positive:
        values = tuple(v for v in values if v > 0)
    return values


def simple_points(a, b, symbols) -> list[dict]:
    """The simple points tried before the random ones, simplest first."""
    if not symbols:
        return []
    choices = {s: _allowed(s) for s in symbols}
    points = [{s: choices[s][(i + j) % len(choices[s])] for i, s in enumerate(symbols)}
              for j in range(PLAIN_POINTS)]
    powers = _variable_powers(a) + _variable_powers(b)
    if powers:
        points += _sought(powers, symbols, choices)
    unique: dict = {}
    for point in points:
        unique.setdefault(tuple(point.values()), point)
    return sorted(unique.values(), key=_simplicity)


def _variable_powers(e) -> list[tuple]:
    """(base, exponent) of each power whose exponent has variables, exp(u·log(B)) as B**u."""
    found = []
    for node in sympy.preorder_traversal(e):
        if node.is_Pow and node.exp.free_symbols:
            found.append((node.base, node.exp))
        elif isinstance(node, sympy.exp):
            for term in sympy.Add.make_args(node.args[0]):
                for factor in sympy.Mul.make_args(term):
                    if isinstance(factor, sympy.log) and len(factor.args) == 1:
                        exponent = term / factor
                        if exponent.free_symbols:
                            found.append((factor.args[0], exponent))
    return found


def _sought(powers, symbols, choices) -> list[dict]:
    """Simple points at which some power's base is negative and its exponent whole."""
    involved = set()
    for base, exponent in powers:
        involved |= base.free_symbols | exponent.free_symbols
    varying = [s for s in symbols if s in involved]
    if not varying:
        return []
    k = len(varying)
    width = max(2, int(CANDIDATES ** (1 / k)))
    lists = [choices[s][:width] for s in varying]
    if math.prod(len(values) for values in lists) <= CANDIDATES:
        combos: Any = itertools.product(*lists)
    else:  # too many variables to try every combination: a reproducible sample
        rng = random.Random(len(varying))
        combos = ([rng.choice(values) for values in lists] for _ in range(CANDIDATES))
    rest = {s: choices[s][0] for s in symbols if s not in involved}
    in_sum: list[dict] = []
    whole: list[dict] = []
    for combo in combos:
        values = dict(zip(varying, combo, strict=True))
        kind = _whole_power(powers, values)
        if kind is None:
            continue
        point = {s: values.get(s, rest.get(s)) for s in symbols}
        (in_sum if kind else whole).append(point)
    in_sum.sort(key=_simplicity)
    whole.sort(key=_simplicity)
    return in_sum[:SOUGHT_POINTS[0]] + whole[:SOUGHT_POINTS[1]]


def _whole_power(powers, values) -> bool | None:
    """None if no power has a negative base and a whole exponent here; else whether one
    has it with an exponent that is whole only in sum (a variable in it is not whole)."""
    found = None
    for base, exponent in powers:
        x = _exact_value(exponent, values)
        if x is None or x.q != 1:
            continue
        y = _exact_value(base, values)
        if y is None:
            try:
                ball = _evaluate(base, values, 64)
            except (_Ambiguous, _Unsupported):
                continue
            if ball is None or 0 not in ball.imag or not ball.real < 0:
                continue
        elif not y < 0:
            continue
        if any(values[s].q != 1 for s in exponent.free_symbols):
            return True
        found = False
    return found


def _exact_value(e, values) -> flint.fmpq | None:
    """A rational function's exact value at a rational point (None: not one, or a pole)."""
    if e.is_Symbol:
        v = values.get(e)
        return None if v is None else flint.fmpq(int(v.p), int(v.q))
    if e.is_Rational:
        return flint.fmpq(int(e.p), int(e.q))
    if e.is_Add or e.is_Mul:
        acc = None
        for arg in e.args:
            x = _exact_value(arg, values)
            if x is None:
                return None
            acc = x if acc is None else (acc + x if e.is_Add else acc * x)
        return acc
    if e.is_Pow and e.exp.is_Integer and abs(e.exp) <= 64:
        x = _exact_value(e.base, values)
        if x is None or (x == 0 and e.exp < 0):
            return None
        return x ** int(e.exp)
    return None


# -- matrices -------------------------------------------------------------------------------

_WEAKNESS = {"exact": 0, "symbolic": 1, "numeric": 2}


def compare_matrices(correct: sympy.Matrix, answer: sympy.Matrix, label: str | None = None
                     ) -> Check:
    """``answer`` against ``correct`` (symjac's result), entry by entry.

    ``label`` names the right answer in what the checked answer is told
    ("you wrote 72; entry (3, 2) of A·B is 73"). Naming the mistake is
    ``symjac.ops.mistakes.assess``, which builds on this.
    """
    if correct.shape != answer.shape:
        return Check(
            passed=False,
            message=f"your answer is {shape(*answer.shape)}; {label or 'the right one'} is "
            f"{shape(*correct.shape)}",
            outcome="different",
            method="exact",
        )
    verdicts = [((i, j), verdict(correct[i, j], answer[i, j]))
                for i in range(correct.rows) for j in range(correct.cols)]
    return check_from(verdicts, lambda ij: (sstr(answer[ij]), sstr(correct[ij])), label=label)


def mismatch(index, v: Verdict, answer: str, correct: str, label: str | None = None,
             **more) -> Mismatch:
    """The JSON record of one entry that is not equal: ``answer`` is what was given to be
    checked, ``correct`` what symjac computed; ``message`` says it to the one who wrote
    the answer. ``expected`` and ``got`` are the older names of ``correct`` and ``answer``.
    """
    m: Mismatch = {"index": [index[0] + 1, index[1] + 1], "answer": answer,
                   "correct": correct, "outcome": v.outcome, "method": v.method}
    if v.point or v.point is not None and max(len(answer), len(correct)) > SHORT_TEXT:
        # a point of no variables (numbers compared) says no more than short numbers do
        m["point"] = dict(v.point)
        m["answer_value"] = v.value_b
        m["correct_value"] = v.value_a
    if v.note and v.outcome == "undecided":
        m["note"] = v.note
    m.update(cast("Mismatch", more))  # the index variables' values ("at")
    m["message"] = mismatch_text(m, label)
    m["expected"], m["got"] = correct, answer
    return m


# -- what the one who wrote the answer is told --------------------------------------------

SHORT_TEXT = 40  # an entry longer than this is not repeated in a message: its values are
MAX_DIGITS = 4  # significant digits of a number in a message
MAX_SHOWN_VARIABLES = 3  # of a counterexample point; "…" for the rest
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)")


def short_number(text: str) -> str:
    """Every number in ``text`` (a value: "-2.96703917210822", "1.5 - 2.25*I") to at most
    MAX_DIGITS significant digits; it still reads back as a number."""
    from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation

    wide = Context(Emin=MIN_EMIN, Emax=MAX_EMAX)  # 1e-3967497466299 is not 0

    def four(match) -> str:
        try:
            d = Decimal(match.group(1))
        except InvalidOperation:
            return match.group(1)
        if d == 0:
            return "0"
        r = Decimal(format(d, f".{MAX_DIGITS}g"))
        if abs(r) < 10**6 and r == r.to_integral_value(context=wide):
            return str(int(r))
        return format(r.normalize(context=wide), "g")

    return _NUMBER.sub(four, text)


def point_text(point: Mapping[str, str]) -> str:
    """"x = 1, y = -1/2" with at most MAX_SHOWN_VARIABLES names, "…" for the rest; a value
    with more than MAX_DIGITS significant digits is shown rounded, after "≈"."""
    shown = []
    for name, value in list(point.items())[:MAX_SHOWN_VARIABLES]:
        rounded = short_number(value)
        shown.append(f"{name} = {value}" if rounded == value else f"{name} ≈ {rounded}")
    if len(point) > MAX_SHOWN_VARIABLES:
        shown.append("…")
        values = set(point.values())
        if len(values) == 1:
            shown[-1] += f" (all {len(point)} are {short_number(next(iter(values)))})"
    return ", ".join(shown)


def counterexample_text(m: Mapping[str, Any]) -> str:
    """"at x = 1, y = 2: yours is 3, it is 4" for a difference found at a point ("" if none)."""
    point = m.get("point")
    if point is None:
        return ""
    yours = short_number(str(m.get("answer_value")))
    right = short_number(str(m.get("correct_value")))
    text = (f"at {point_text(point)}: " if point else "") + f"yours is {yours}, it is {right}"
    if yours == right:
        text += f" (they differ beyond {MAX_DIGITS} significant digits)"
    return text


def mismatch_text(m: Mapping[str, Any], label: str | None = None) -> str:
    """"you wrote 72; entry (3, 2) of A·B is 73", to the one who wrote the answer."""
    index = m.get("index")
    where = f"entry ({index[0]}, {index[1]})" if index else "the answer"
    if label:
        where += f" of {label}"
    at = m.get("at")
    if at:
        where += " at " + ", ".join(f"{k} = {v}" for k, v in at.items())
    answer, correct = str(m.get("answer")), str(m.get("correct"))
    if m.get("outcome") == "undecided":
        why = f" ({m['note']})" if m.get("note") else ""
        return f"whether {where} is what you wrote could not be decided{why}"
    short = len(answer) <= SHORT_TEXT and len(correct) <= SHORT_TEXT
    if short:
        text = f"you wrote {answer}; {where} is {correct}"
    else:
        text = f"{where} is not what you wrote"
    found = counterexample_text(m) if m.get("point") or not short else ""
    return f"{text}; {found}" if found else text


def check_from(verdicts, texts, index=None, more=None, label: str | None = None) -> Check:
    """One Check from entries' verdicts [(key, Verdict)]; texts(key) -> (answer, correct).

    ``index(key)`` gives the 0-based (i, j) of a key (the key itself by default) and
    ``more(key)`` extra fields of its mismatch record.
    """
    n = len(verdicts)
    bad = [(key, v) for key, v in verdicts if v.outcome != "equal"]
    mismatches = tuple(
        mismatch(index(key) if index else key, v, *_pair(texts(key)), label=label,
                 **(more(key) if more else {}))
        for key, v in bad
    )
    different = [v for _, v in bad if v.outcome == "different"]
    undecided = len(bad) - len(different)
    if different:
        message = f"{len(different)} of {n} entries differ" if n > 1 else "the entry differs"
        if undecided:
            message += f"; {undecided} could not be decided"
        return Check(False, mismatches, message, outcome="different",
                     method=different[0].method)
    if undecided:  # each entry's record says why
        message = (f"{undecided} of {n} entries could not be decided" if n > 1
                   else "the entry could not be decided")
        return Check(False, mismatches, message, outcome="undecided", method="numeric")
    method = max((v.method for _, v in verdicts), key=_WEAKNESS.__getitem__, default="exact")
    message = "the entry matches" if n == 1 else f"all {n} entries match"
    if method == "numeric":
        fewest = min(v.points for _, v in verdicts if v.method == "numeric")
        message += f" (equal at {fewest} points; not proved)" if fewest > 1 else \
            " (equal numerically; not proved)"
    return Check(True, (), message, outcome="equal", method=method)


def _pair(texts) -> tuple[str, str]:
    answer, correct = texts
    return answer, correct


def merge(checks) -> Check:
    """Several checks of one answer (--expect and --check) as one."""
    checks = list(checks)
    if len(checks) == 1:
        return checks[0]
    mismatches = tuple(m for c in checks for m in c.mismatches)
    message = "; ".join(c.message for c in checks if c.message)
    different = [c for c in checks if c.outcome == "different"]
    undecided = [c for c in checks if c.outcome == "undecided"]
    mistakes = tuple(m for c in checks for m in c.mistakes)
    if different:
        return Check(False, mismatches, message, outcome="different", method=different[0].method,
                     mistakes=mistakes)
    if undecided:
        return Check(False, mismatches, message, outcome="undecided", method=undecided[0].method,
                     mistakes=mistakes)
    method = max((c.method for c in checks), key=_WEAKNESS.__getitem__)
    return Check(True, mismatches, message, outcome="equal", method=method)


def numbers_equal(a, b, digits: int = 50) -> bool:
    """Two numbers (no free symbols): exactly when both are rational, else to ``digits``.

    For verifying closed forms at points, where equals(0) on exact transcendental
    numbers is slow.
    """
    a = sympy.Integer(a) if isinstance(a, int) else a
    b = sympy.Integer(b) if isinstance(b, int) else b
    if a.is_Rational and b.is_Rational:
        return a == b
    x, y = a.evalf(digits + 10), b.evalf(digits + 10)
    if not (x.is_number and y.is_number):
        return False
    scale = max(1, abs(x), abs(y))
    return bool(abs(x - y) <= scale * sympy.Float(10) ** (-digits))
