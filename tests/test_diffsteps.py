"""Tests for symjac.ops.diffsteps: worked derivatives that name their rules."""

from __future__ import annotations

import cmath
import dataclasses

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sympy import (
    Abs,
    Add,
    Function,
    Integer,
    Mul,
    Pow,
    Rational,
    Symbol,
    acos,
    acosh,
    acot,
    acoth,
    acsc,
    acsch,
    asec,
    asech,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cos,
    cosh,
    cot,
    coth,
    csc,
    csch,
    erf,
    exp,
    log,
    sec,
    sech,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
)

from symjac.ops.diffsteps import RULE_NAMES, DiffResult, DiffStage, differentiate, stage_latex

x = Symbol("x", real=True)
y = Symbol("y", real=True)
r = Symbol("r", real=True)
s = Symbol("s", real=True)
f = Function("f")

# Points chosen apart from the module's own spot-check points, so the check
# below is independent of the one inside differentiate().
POINTS = (
    {x: Rational(5, 3), y: Rational(2, 9), r: Rational(4, 5), s: Rational(9, 7)},
    {x: Rational(-7, 5), y: Rational(11, 4), r: Rational(-3, 8), s: Rational(1, 6)},
    {x: Rational(1, 10), y: Rational(-13, 6), r: Rational(8, 3), s: Rational(-2, 5)},
)


def _value(e: sympy.Expr, point: dict) -> complex | None:
    try:
        v = complex(e.evalf(30, subs=point))
    except (TypeError, ValueError, ArithmeticError):
        return None
    return v if cmath.isfinite(v) else None


def assert_numerically_equal(a: sympy.Expr, b: sympy.Expr) -> None:
    """a == b at every test point where both sides are finite numbers."""
    for point in POINTS:
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None:
            continue
        assert abs(va - vb) <= 1e-12 * max(1.0, abs(va), abs(vb)), (a, b, point, va, vb)


def check_invariants(res: DiffResult, expr: sympy.Expr, var: Symbol) -> None:
    """Contract every result must satisfy, whatever the expression."""
    expected = sympy.diff(expr, var)
    assert res.of == expr
    assert res.wrt == var
    assert res.result == expected  # structurally sympy's own form
    assert 1 <= len(res.stages) <= 3
    assert res.stages[-1].expr == res.result
    assert all(isinstance(st_, DiffStage) and st_.rule for st_ in res.stages)
    assert res.rules and len(set(res.rules)) == len(res.rules)
    assert set(res.rules) <= set(RULE_NAMES)
    # Every displayed stage is the same derivative, not only the last one.
    for stage in res.stages:
        assert_numerically_equal(stage.expr.doit(), expected)


# --- worksheet examples -----------------------------------------------------


def test_cos_squared_worked_form_and_stages():
    res = differentiate(cos(y) ** 2, y)
    check_invariants(res, cos(y) ** 2, y)
    assert res.result == -2 * sin(y) * cos(y)
    assert str(res.stages[0].expr) == "2*cos(y)*(-sin(y))"
    assert "chain rule" in res.stages[0].rule
    assert [stage.rule for stage in res.stages][1:] == ["simplify"]
    assert str(res.stages[-1].expr) == "-2*sin(y)*cos(y)"
    assert res.rules[0] == "chain rule"
    assert {"chain rule", "power rule", "trigonometric"} <= set(res.rules)


def test_power_times_constant():
    res = differentiate(x**3 * y, x)
    check_invariants(res, x**3 * y, x)
    assert res.result == 3 * x**2 * y
    assert res.rules == ("constant multiple", "power rule")
    assert len(res.stages) == 1


def test_sum_with_constant_term():
    e = cos(y) ** 2 + 5 * x
    res = differentiate(e, x)
    check_invariants(res, e, x)
    assert res.result == 5
    assert res.rules[0] == "sum rule"
    assert "constant" in res.rules


def test_constant_times_exponential():
    res = differentiate(y * exp(x), x)
    check_invariants(res, y * exp(x), x)
    assert res.result == y * exp(x)
    assert res.rules == ("constant multiple", "exponential")


def test_sin_of_product_chain():
    e = sin(r**2 * s)
    res = differentiate(e, r)
    check_invariants(res, e, r)
    assert res.result == 2 * r * s * cos(r**2 * s)
    assert str(res.stages[0].expr) == "cos(r**2*s)*(2*r*s)"
    assert {"chain rule", "trigonometric", "power rule"} <= set(res.rules)
    assert res.rules.index("chain rule") < res.rules.index("power rule")


def test_quotient_rule_worked_form():
    e = sin(x) / x
    res = differentiate(e, x)
    check_invariants(res, e, x)
    worked = res.stages[0].expr.doit()
    numerator, denominator = sympy.fraction(sympy.together(worked))
    assert sympy.expand(numerator - (x * cos(x) - sin(x))) == 0
    assert denominator == x**2
    assert "quotient rule" in res.rules


def test_constant_only_expression():
    res = differentiate(y**2 + sin(y), x)
    assert res.result == 0
    assert res.rules == ("constant",)
    assert len(res.stages) == 1


# --- one row per rule ---------------------------------------------------------

RULE_TABLE = [
    (x, "identity"),
    (y, "constant"),
    (Integer(7), "constant"),
    (x**2 + x, "sum rule"),
    (5 * x**3, "constant multiple"),
    (x**5, "power rule"),
    (1 / x, "power rule"),
    (sqrt(x), "power rule"),
    ((x**2 + 1) ** 3, "chain rule"),
    (x * sin(x), "product rule"),
    (x**2 * exp(x) * log(x), "product rule"),
    (sin(x) / (x + 1), "quotient rule"),
    (y * exp(x) / (x**2 + y), "quotient rule"),
    (exp(x), "exponential"),
    (exp(x**2), "chain rule"),
    (log(x), "logarithm"),
    (log(x, 2), "logarithm"),
    (log(x**2 + 1), "logarithm"),
    (sin(x), "trigonometric"),
    (cos(x), "trigonometric"),
    (tan(x), "trigonometric"),
    (cot(3 * x), "trigonometric"),
    (sec(x), "trigonometric"),
    (csc(x**2), "trigonometric"),
    (asin(x), "inverse trigonometric"),
    (acos(x), "inverse trigonometric"),
    (atan(x), "inverse trigonometric"),
    (acot(x), "inverse trigonometric"),
    (asec(x), "inverse trigonometric"),
    (acsc(x), "inverse trigonometric"),
    (atan2(y, x), "inverse trigonometric"),
    (atan2(x**2, y + x), "inverse trigonometric"),
    (sinh(x), "hyperbolic"),
    (cosh(x), "hyperbolic"),
    (tanh(x**2), "hyperbolic"),
    (coth(x), "hyperbolic"),
    (sech(x), "hyperbolic"),
    (csch(x), "hyperbolic"),
    (asinh(x), "hyperbolic"),
    (acosh(2 * x), "hyperbolic"),
    (atanh(x), "hyperbolic"),
    (acoth(x), "hyperbolic"),
    (asech(x), "hyperbolic"),
    (acsch(x), "hyperbolic"),
    (Abs(x), "absolute value"),
    (Abs(x**2 - 4), "absolute value"),
    (Abs(log(x)), "absolute value"),
    (2**x, "exponential (general base)"),
    (3 ** sin(x), "exponential (general base)"),
    (x**x, "logarithmic differentiation"),
    (sin(x) ** cos(x), "logarithmic differentiation"),
    (erf(x), "differentiate"),
    (f(x) ** 2, "differentiate"),
]


@pytest.mark.parametrize(("expr", "rule"), RULE_TABLE, ids=[str(e) for e, _ in RULE_TABLE])
def test_rule_table(expr, rule):
    res = differentiate(expr, x)
    check_invariants(res, expr, x)
    assert rule in res.rules, res.rules
    # Only the genuinely unknown rows may fall back to plain sympy.diff.
    assert ("differentiate" in res.rules) == (rule == "differentiate")


def test_chain_rule_not_named_for_plain_argument():
    assert "chain rule" not in differentiate(sin(x), x).rules
    assert "chain rule" in differentiate(sin(2 * x), x).rules


def test_fallback_keeps_known_parts():
    res = differentiate(f(x) ** 2, x)
    assert {"chain rule", "power rule"} <= set(res.rules)
    assert res.result == 2 * f(x) * sympy.Derivative(f(x), x)


# --- inputs and contract --------------------------------------------------------


def test_plain_python_numbers_are_constants():
    res = differentiate(3, x)
    assert res.result == 0 and res.of == Integer(3)
    assert res.rules == ("constant",)


def test_non_finite_expression_does_not_crash():
    e = sympy.zoo * x + x
    res = differentiate(e, x)
    assert res.result == sympy.diff(e, x)
    assert res.rules == ("differentiate",)


def test_bad_arguments_raise_type_error():
    with pytest.raises(TypeError):
        differentiate(x**2, x + 1)
    with pytest.raises(TypeError):
        differentiate("x**2", x)


def test_results_are_frozen():
    res = differentiate(x**2, x)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.result = Integer(0)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.stages[0].rule = "other"  # type: ignore[misc]


def test_stage_count_is_capped():
    e = exp(-x) * sin(x) / (1 + x**2)
    res = differentiate(e, x)
    check_invariants(res, e, x)
    assert len(res.stages) == 3
    assert [stage.rule for stage in res.stages][1:] == ["simplify", "standard form"]


def test_two_hundred_function_system_is_worked_by_the_rules():
    # How long it takes, against sympy.diff: benchmarks/steps.py.
    exprs = [
        sin(k * x * y) * exp(x / (k + 1)) / (x**2 + k) + log(x**2 + k) * cos(y) ** 2
        for k in range(1, 201)
    ]
    results = [differentiate(e, x) for e in exprs]
    assert all("differentiate" not in res.rules for res in results)  # no fallback
    assert [res.result for res in results[::50]] == [sympy.diff(e, x) for e in exprs[::50]]


# --- property: random expressions ---------------------------------------------

UNARY = (sin, cos, tan, sec, cot, exp, log, tanh, sinh, sqrt, atan, asin, asinh, acosh, Abs)
KNOWN_FUNCTIONS = {
    sin,
    cos,
    tan,
    cot,
    sec,
    csc,
    exp,
    log,
    asin,
    acos,
    atan,
    acot,
    asec,
    acsc,
    atan2,
    sinh,
    cosh,
    tanh,
    coth,
    sech,
    csch,
    asinh,
    acosh,
    atanh,
    acoth,
    asech,
    acsch,
    Abs,
}

# x is listed thrice so most generated expressions actually depend on it.
LEAVES = st.sampled_from([x, x, x, y, Integer(1), Integer(2), Integer(3), Rational(1, 2)])


def _general_pow(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    # Purely numeric towers like 3**(3**27) would make sympy evaluate huge
    # integers; keep symbolic exponents only and square otherwise.
    return Pow(base, exponent) if exponent.free_symbols else Pow(base, 2)


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    unary = st.builds(lambda fn, a: fn(a), st.sampled_from(UNARY), children)
    return st.one_of(
        unary,
        st.builds(Add, children, children),
        st.builds(Mul, children, children),
        unary,
        st.builds(lambda a, b: a / b, children, children),
        st.builds(Pow, children, st.integers(-2, 3).map(Integer)),
        st.builds(_general_pow, children, children),
        st.builds(atan2, children, children),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=10)
NON_FINITE = (sympy.nan, sympy.zoo, sympy.oo, -sympy.oo)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS)
def test_random_expressions_match_sympy(expr):
    assume(x in expr.free_symbols and not expr.has(*NON_FINITE))
    res = differentiate(expr, x)
    check_invariants(res, expr, x)
    if {type(a) for a in expr.atoms(Function)} <= KNOWN_FUNCTIONS:
        # The worked form was accepted, not silently replaced by sympy.diff.
        assert "differentiate" not in res.rules, (expr, res.rules)


def test_stage_latex_keeps_the_inner_derivative_in_brackets():
    y = sympy.Symbol("y", real=True)
    worked = differentiate(sympy.cos(y) ** 2, y).stages[0].expr
    tex = stage_latex(worked)
    # 2 cos(y) (-sin(y)), not 2 cos(y) - sin(y), which would be another number
    assert "\\left(- \\sin{\\left(y \\right)}\\right)" in tex


def test_a_limit_inside_the_stepper_is_not_swallowed(monkeypatch):
    from symjac.core.errors import LimitError
    from symjac.ops import diffsteps

    def expired(self, e):
        raise LimitError("time is up")

    monkeypatch.setattr(diffsteps._Stepper, "d", expired)
    x = sympy.Symbol("x", real=True)
    with pytest.raises(LimitError):
        differentiate(sympy.sin(x), x)
