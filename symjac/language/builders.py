"""What the parser's nodes become: one builder interface, one builder per engine.

``parsing.Parser`` reads user text into an allow-listed tree and hands every
node to a builder: numbers, names, constants, sums, products, powers and the
listed functions. The builder makes the objects of its engine:

- ``SympyBuilder``: sympy expressions (real symbols), the reference engine;
- ``SymengineBuilder``: symengine expressions, the fast engine (it never
  imports sympy);
- ``ExactBuilder``: plain ``int``/``Fraction`` numbers, for exact matrix
  arithmetic; anything that is not a number is ``Unsupported``.

So ``e``, ``E``, ``pi``, ``sigmoid`` or ``relu`` mean the same on every path:
the grammar (which names exist, how many arguments) is the parser's, the
meaning of each name is written here once per engine. Builders raise
LimitError/ParseError without a column; the parser adds the column of the
node. A builder raises ``Unsupported`` for an input its engine cannot build
faithfully; the caller then uses the reference engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from symjac.core.errors import LimitError, ParseError
from symjac.language.sizes import check_call

if TYPE_CHECKING:  # types only: a command loads fractions where numbers need it
    from fractions import Fraction
    from typing import Protocol

    import symengine
    import sympy

    # An exact builder's number (ExactBuilder); the other builders' values are sympy's and
    # symengine's expressions, which have no types for a type checker (so Any).
    Exact = int | Fraction


    class Builder(Protocol):
        """What the parser asks of a builder (the three below): each node's value."""

        name: str
        functions: dict[str, Callable[..., Any]]

        def integer(self, n: int) -> Any: ...
        def rational(self, p: int, q: int) -> Any: ...
        def constant(self, name: str) -> Any: ...
        def symbol(self, name: str) -> Any: ...
        def add(self, terms: Sequence[Any]) -> Any: ...
        def mul(self, factors: Sequence[Any]) -> Any: ...
        def neg(self, x: Any) -> Any: ...
        def is_zero(self, x: Any) -> bool: ...
        def pow(self, base: Any, exponent: Any) -> Any: ...
        def call(self, name: str, args: Sequence[Any]) -> Any: ...
        def check(self, value: Any) -> Any: ...
        def matrix(self, rows: list[list[Any]]) -> Any: ...


MAX_NUMBER_BITS = 50_000  # about 15,000 decimal digits: any number built while parsing


class Unsupported(Exception):
    """This engine cannot build the input faithfully; use the reference engine."""


def _too_many_digits_message(base_text: str, exponent_text: str, bits: float) -> str:
    digits = bits * math.log10(2)
    about = f"about {digits:,.0f}" if math.isfinite(digits) else "too many"
    power = f"{base_text}**{exponent_text}"
    if len(power) > 40:
        power = "the power"
    return (f"{power} would have {about} digits; "
            f"the limit is {MAX_NUMBER_BITS * math.log10(2):,.0f}")


def _check_rational_power(p: int, q: int, exponent: Fraction) -> None:
    size = max(abs(p), abs(q))
    if size > 1:
        try:
            bits = abs(float(exponent)) * math.log2(size)
        except OverflowError:
            bits = math.inf
        if bits > MAX_NUMBER_BITS:
            from fractions import Fraction

            base = str(p) if q == 1 and p > 0 else f"({Fraction(p, q)})"
            short = max(exponent.numerator.bit_length(), exponent.denominator.bit_length()) < 200
            shown = str(exponent) if short else "a huge exponent"
            raise LimitError(_too_many_digits_message(base, shown, bits))


def _check_bits(p: int, q: int) -> None:
    if max(p.bit_length(), q.bit_length()) > MAX_NUMBER_BITS:
        raise LimitError("a number in the expression grows past the limit of "
                         f"{MAX_NUMBER_BITS * math.log10(2):,.0f} digits")


def _undefined() -> ParseError:
    return ParseError("the expression is undefined (division by zero)")


# -- sympy ----------------------------------------------------------------------------


class SympyBuilder:
    """sympy objects: the reference engine (symbols are real)."""

    name = "sympy"

    def __init__(self) -> None:
        import sympy

        self.sp = sympy
        self.functions = _sympy_functions(sympy)
        self._non_finite = (sympy.zoo, sympy.nan, sympy.oo, -sympy.oo)

    def integer(self, n: int) -> sympy.Expr:
        return self.sp.Integer(n)

    def rational(self, p: int, q: int) -> sympy.Expr:
        return self.sp.Rational(p, q)

    def constant(self, name: str) -> sympy.Expr:
        return self.sp.pi if name == "pi" else self.sp.E

    def symbol(self, name: str) -> sympy.Symbol:
        return self.sp.Symbol(name, real=True)

    def add(self, terms: Sequence[sympy.Expr]) -> sympy.Expr:
        return self.check(self.sp.Add(*terms))

    def mul(self, factors: Sequence[sympy.Expr]) -> sympy.Expr:
        return self.check(self.sp.Mul(*factors))

    def neg(self, x: sympy.Expr) -> sympy.Expr:
        return self.check(-x)

    def is_zero(self, x: sympy.Expr) -> bool:
        return bool(x.is_zero)

    def pow(self, base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
        if base.is_zero and exponent.is_negative:
            raise ParseError("division by zero (0 to a negative power)")
        if base.is_Rational and exponent.is_Rational:
            from fractions import Fraction

            _check_rational_power(int(base.p), int(base.q),
                                  Fraction(int(exponent.p), int(exponent.q)))
        else:
            # sympy expands powers of numbers exactly: (2*x)**n = 2**n*x**n and
            # sqrt(2)**n = 2**(n/2), so a base holding numbers is estimated too.
            check_call(self.sp.Pow, [base, exponent], MAX_NUMBER_BITS)
        return self.check(self.sp.Pow(base, exponent))

    def call(self, name: str, args: Sequence[sympy.Expr]) -> sympy.Expr:
        fn = self.functions[name]
        if name in ("exp", "floor", "ceiling"):
            # exp(10**10*log(2)) is 2**(10**10); floor(E**(10**10)) has billions of digits.
            check_call(fn, args, MAX_NUMBER_BITS)
        try:
            value = fn(*args)
        except (TypeError, ValueError) as e:
            raise ParseError(f"{name}(): {e}") from None
        return self.check(value)

    def check(self, value: sympy.Expr) -> sympy.Expr:
        """Refuse numbers past the size cap and infinities as soon as they appear."""
        if value.is_Rational:
            _check_bits(int(value.p), int(value.q))
        elif value.has(*self._non_finite):
            raise _undefined()
        return value

    def matrix(self, rows: list[list[sympy.Expr]]) -> sympy.Matrix:
        return self.sp.Matrix(rows)


def _sympy_functions(sp: Any) -> dict[str, Callable[..., sympy.Expr]]:
    def log(u: sympy.Expr, base: sympy.Expr | None = None) -> sympy.Expr:
        return sp.log(u) if base is None else sp.log(u, base)

    out = {
        name: getattr(sp, name)
        for name in (
            "sin cos tan cot sec csc asin acos atan acot asec acsc "
            "sinh cosh tanh coth sech csch asinh acosh atanh acoth asech acsch "
            "exp sqrt cbrt sign floor ceiling atan2"
        ).split()
    }
    out.update(
        log=log, ln=sp.log, abs=sp.Abs, Abs=sp.Abs, min=sp.Min, max=sp.Max, Min=sp.Min, Max=sp.Max,
        heaviside=sp.Heaviside, Heaviside=sp.Heaviside, DiracDelta=sp.DiracDelta,
        KroneckerDelta=sp.KroneckerDelta, re=sp.re, im=sp.im,
        log2=lambda u: sp.log(u, 2), log10=lambda u: sp.log(u, 10),
        sigmoid=lambda u: 1 / (1 + sp.exp(-u)),
        softplus=lambda u: sp.log(1 + sp.exp(u)),
        relu=lambda u: sp.Max(0, u),
    )
    return out


_SYMPY: SympyBuilder | None = None


def sympy_builder() -> SympyBuilder:
    """The one sympy builder (it holds no state of a parse)."""
    global _SYMPY
    if _SYMPY is None:
        _SYMPY = SympyBuilder()
    return _SYMPY


# -- symengine --------------------------------------------------------------------------


class SymengineBuilder:
    """symengine objects: the fast engine. The same meaning as SympyBuilder, name by name."""

    name = "symengine"

    def __init__(self) -> None:
        import symengine as se

        self.se = se
        self.functions = _symengine_functions(se)
        self._non_finite = (se.zoo, se.nan, se.oo, -se.oo)

    def integer(self, n: int) -> symengine.Basic:
        return self.se.Integer(n)

    def rational(self, p: int, q: int) -> symengine.Basic:
        return self.se.Rational(p, q)

    def constant(self, name: str) -> symengine.Basic:
        return self.se.pi if name == "pi" else self.se.E

    def symbol(self, name: str) -> symengine.Symbol:
        return self.se.Symbol(name)

    # Sums and products of finite terms are finite: only their numbers are checked.
    # An infinity can only come from a power or a function of a constant.
    def add(self, terms: Sequence[symengine.Basic]) -> symengine.Basic:
        return self._number(self.se.Add(*terms))

    def mul(self, factors: Sequence[symengine.Basic]) -> symengine.Basic:
        return self._distributed(self._number(self.se.Mul(*factors)))

    def neg(self, x: symengine.Basic) -> symengine.Basic:
        return self._distributed(self._number(-x))

    def _distributed(self, value: symengine.Basic) -> symengine.Basic:
        """A rational number times a sum, distributed as sympy distributes it:
        -(x1 - t) is t - x1, and (a + b)/2 is a/2 + b/2. symengine keeps the
        product, so x + y - (y - t) would keep y, which sympy cancels."""
        se = self.se
        if isinstance(value, se.Mul):
            args = value.args
            if len(args) == 2:
                c, rest = args
                if not c.is_Number:
                    c, rest = rest, c
                if c.is_Number and c.is_Rational and isinstance(rest, se.Add):
                    return se.Add(*[c * t for t in rest.args])
        return value

    def _number(self, value: symengine.Basic) -> symengine.Basic:
        if value.is_Number:
            return self.check(value)
        return value

    def is_zero(self, x: symengine.Basic) -> bool:
        return bool(x == 0)

    def pow(self, base: symengine.Basic, exponent: symengine.Basic) -> symengine.Basic:
        se = self.se
        if isinstance(base, se.Pow) and not exponent.is_Integer:
            # symengine writes (1/a)**x as a**(-x): a different branch where a < 0, which
            # sympy keeps apart; the reference engine says what a power of a power is.
            raise Unsupported("a power of a power")
        if (exponent.is_Number and exponent.is_Rational and not base.is_Number
                and not isinstance(base, se.Mul) and base.free_symbols):
            # The common case (x**2, sin(x)**2, 1/(...)): a variable base is finite and
            # not zero, so the power is too; only a number needs its size checked.
            value = se.Pow(base, exponent)
            return self.check(value) if value.is_Number else value
        if base == 0 and exponent.is_Number and exponent < 0:
            raise ParseError("division by zero (0 to a negative power)")
        if exponent.is_Number:
            if not exponent.is_Rational:
                raise Unsupported("a decimal exponent")
            from fractions import Fraction

            e = Fraction(*fraction(exponent))
            if base.is_Number:
                if not base.is_Rational:
                    raise Unsupported("a decimal base")
                _check_rational_power(*fraction(base), e)
            elif not base.free_symbols:
                raise Unsupported("a power of a constant")  # sqrt(2)**n: sympy's rules
            elif isinstance(base, se.Mul):
                # (2*x)**n is expanded to 2**n*x**n: the coefficient is estimated.
                coeff = [a for a in base.args if a.is_Number]
                if any(not a.free_symbols and not a.is_Number for a in base.args):
                    raise Unsupported("a power of a product with constants")
                if coeff:
                    _check_rational_power(*fraction(coeff[0]), e)
        value = se.Pow(base, exponent)
        if base.free_symbols and exponent.free_symbols:
            return value
        return self._real(self.check(value))

    def _real(self, value: symengine.Basic) -> symengine.Basic:
        # log(-2) = log(2) + I*pi, sqrt(-2): the reference engine says what a
        # complex constant means in a real expression.
        # Only results of calls and powers with a constant argument come here, so the walk
        # is short: log(u, -2) is log(u)/(log(2) + I*pi), complex inside a variable one.
        if value.has(self.se.I) or (not value.free_symbols and _complex(value)):
            raise Unsupported("a complex constant")
        return value

    def call(self, name: str, args: Sequence[symengine.Basic]) -> symengine.Basic:
        variable = [bool(a.free_symbols) for a in args]
        if all(variable):
            return self.functions[name](*args)  # finite where it is defined
        if name in _SIZED and any(not v and not _small(a)
                                  for a, v in zip(args, variable, strict=True)):
            # exp(10**10*log(2)) is 2**(10**10), floor(E**(10**10)) has billions of
            # digits: the reference engine's size estimates decide such constants.
            raise Unsupported(f"{name} of a constant")
        value = self.functions[name](*args)
        return self._real(self.check(value))

    def check(self, value: symengine.Basic) -> symengine.Basic:
        if value.is_Number:
            if not value.is_Rational:
                raise Unsupported("a decimal number")
            _check_bits(*fraction(value))
        elif value.has(*self._non_finite):
            raise _undefined()
        return value

    def matrix(self, rows: list[list[symengine.Basic]]) -> list[list[symengine.Basic]]:
        return rows


_SIZED = ("exp", "log", "ln", "log2", "log10", "floor", "ceiling", "sigmoid", "softplus")


def _small(a: symengine.Basic) -> bool:
    return a.is_Number and a.is_Rational and max(x.bit_length() for x in fraction(a)) < 64


def _complex(value: symengine.Basic) -> bool:
    """Is a constant such as atanh(E) or asin(2) not a real number (symengine keeps it
    unevaluated, and would compare it in Max or Min)?"""
    if value.is_Number:
        return False
    try:
        # doubles: symengine aborts the process evaluating acot(1/2) with MPC
        return complex(value.n(53, real=False)).imag != 0
    except (RuntimeError, TypeError, ValueError, OverflowError):
        return True  # not evaluable here: the reference engine decides


def fraction(n: symengine.Basic) -> tuple[int, int]:
    """A symengine rational's numerator and denominator. Any other number (zoo, nan,
    oo, I: from 0**x, (-2)**x, atanh(1)) is the reference engine's to say."""
    if not n.is_Rational:
        raise Unsupported(f"the number {n}")
    p, q = n.get_num_den()
    return int(p), int(q)


def _symengine_functions(se: Any) -> dict[str, Callable[..., symengine.Basic]]:
    heaviside, delta = se.Function("Heaviside"), se.Function("DiracDelta")

    def log(u: symengine.Basic, base: symengine.Basic | None = None) -> symengine.Basic:
        return se.log(u) if base is None else se.log(u) / se.log(base)

    out = {
        name: getattr(se, name)
        for name in (
            "sin cos tan cot sec csc asin acos atan acot asec acsc "
            "sinh cosh tanh coth sech csch asinh acosh atanh acoth asech acsch "
            "exp sqrt sign floor ceiling atan2"
        ).split()
    }
    out.update(
        cbrt=lambda u: se.Pow(u, se.Rational(1, 3)),
        log=log, ln=se.log, abs=se.Abs, Abs=se.Abs, min=se.Min, max=se.Max, Min=se.Min,
        Max=se.Max,
        heaviside=heaviside, Heaviside=heaviside, DiracDelta=delta,
        KroneckerDelta=se.KroneckerDelta,
        log2=lambda u: se.log(u) / se.log(2), log10=lambda u: se.log(u) / se.log(10),
        sigmoid=lambda u: 1 / (1 + se.exp(-u)),
        softplus=lambda u: se.log(1 + se.exp(u)),
        relu=lambda u: se.Max(0, u),
        re=_complex_part("re"), im=_complex_part("im"),
    )
    return out


def _complex_part(name: str) -> Callable[[symengine.Basic], symengine.Basic]:
    def refuse(u: symengine.Basic) -> symengine.Basic:
        raise Unsupported(f"{name}(): symengine has no real and imaginary parts")

    return refuse


# -- exact numbers ------------------------------------------------------------------------


class ExactBuilder:
    """int and Fraction only: exact matrix arithmetic without a computer-algebra system."""

    name = "exact"
    functions: dict[str, Callable[..., Any]] = {}

    def __init__(self) -> None:
        from fractions import Fraction

        self.fraction = Fraction

    def integer(self, n: int) -> Exact:
        return n

    def rational(self, p: int, q: int) -> Exact:
        f = self.fraction(p, q)
        return f.numerator if f.denominator == 1 else f

    def constant(self, name: str) -> Exact:
        raise Unsupported(name)

    def symbol(self, name: str) -> Exact:
        raise Unsupported(name)

    def add(self, terms: Iterable[Exact]) -> Exact:
        return self.check(sum(terms))

    def mul(self, factors: Iterable[Exact]) -> Exact:
        return self.check(math.prod(factors))

    def neg(self, x: Exact) -> Exact:
        return -x

    def is_zero(self, x: Exact) -> bool:
        return x == 0

    def pow(self, base: Exact, exponent: Exact) -> Exact:
        if isinstance(exponent, self.fraction):
            raise Unsupported("a fractional power")
        if base == 0 and exponent < 0:
            raise ParseError("division by zero (0 to a negative power)")
        f = self.fraction(base)
        _check_rational_power(f.numerator, f.denominator, self.fraction(exponent))
        return self.check(f ** exponent)

    def call(self, name: str, args: Sequence[Exact]) -> Exact:
        raise Unsupported(name)

    def check(self, value: Exact) -> Exact:
        f = self.fraction(value)
        _check_bits(f.numerator, f.denominator)
        return f.numerator if f.denominator == 1 else f

    def matrix(self, rows: list[list[Exact]]) -> list[list[Exact]]:
        return rows
