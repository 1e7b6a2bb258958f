"""Text already in the grammar skips the rewriter (notation._verbatim): the same result.

Every input is read twice, once with the shortcut allowed and once with it
turned off (the full rewriter, the reference route), and the two must agree
on everything a caller sees: the tree and the column of each node, the
built expression, the error (type, message, column) and the names noted for
the ``xy`` warning. The inputs are generated from tokens that include the
tricky ones (2x, x (y), sin x, lambda, x^2, [1,], # comments, 1e5, x1y).
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symjac.core.errors import SymjacError
from symjac.language import notation
from symjac.language.builders import SymengineBuilder
from symjac.language.parser import FUNCTIONS, Parser, parse_functions, watch_names

TOKENS = [
    "x", "y", "x1", "x1y", "xy", "w1_2", "e", "E", "pi", "theta", "lambda", "if", "None",
    "1e1_0", "0x_1f", "1.e5", "log10", "for", "in", "not",
    "sin", "cos", "exp", "log", "log10", "atan2", "arcsin", "sgn", "f", "Derivative", "_x",
    "0", "1", "2", "10", "1e5", "1.5", ".5", "1.", "0x1f", "1_000", "2x", "3j", "1e5x", "07",
    "+", "-", "*", "/", "**", "^", "//", "%", "@", ".", "|", "#", "=", ":", "~",
    "(", ")", "[", "]", "{", "}", ",", " ", "  ", ", ", "(x)", "sin(x)", "x (y)", "sin x",
]

SETTINGS = settings(max_examples=600, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _outcome(text: str, verbatim: bool, monkeypatch) -> tuple:
    """What reading text gives: the tree with every node's column, or the error."""
    with monkeypatch.context() as m:
        if not verbatim:
            m.setattr(notation, "_verbatim", lambda text, functions: False)
        parser = Parser(text, symbols={}, builder=SymengineBuilder())
        try:
            tree = parser.parse("expression")
            cols = [parser.col(n) for n in ast.walk(tree) if isinstance(n, ast.expr)]
            shape = (ast.dump(tree), cols, sorted(parser.implicit))
        except SymjacError as e:
            return ("error", type(e).__name__, e.message, e.position)
        try:
            value = parser.scalar(tree) if not isinstance(tree, ast.Tuple | ast.List) else \
                [parser.scalar(n) for n in tree.elts]
        except SymjacError as e:
            return (shape, "error", type(e).__name__, e.message, e.position)
        except Exception as e:  # noqa: BLE001 (a bug either way; both routes must agree)
            return (shape, "crash", type(e).__name__)
        return (shape, str(value))


def _same(text: str, monkeypatch) -> None:
    assert _outcome(text, True, monkeypatch) == _outcome(text, False, monkeypatch), text


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map("".join))
def test_verbatim_reads_as_the_rewriter_does(text):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same(text, monkeypatch)


_atom = st.sampled_from(["x", "y", "x1", "w1_2", "2", "1.5", "1e5", "e", "pi", "(x + 1)"])
_expr = st.recursive(
    _atom,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" + ", "-", "*", " / ", "**", " ** "]), inner)
        .map("".join),
        st.tuples(st.sampled_from(["sin", "cos", "exp", "log", "sqrt", "-", "+"]), inner)
        .map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"atan2({t[0]}, {t[1]})"),
    ),
    max_leaves=12,
)


@SETTINGS
@given(st.lists(_expr, min_size=1, max_size=4).map(", ".join))
def test_verbatim_on_well_formed_systems(text):
    """Systems such as symjac's benchmarks are taken verbatim, and read the same."""
    assert notation._verbatim(text, FUNCTIONS)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same(text, monkeypatch)
        _same("[" + text + "]", monkeypatch)


@pytest.mark.parametrize("text", [
    "2x", "x (y)", "sin x", "lambda", "lambda*x", "x^2", "[1,]", "x,", "f(x,)", "x # c",
    "1e5x", "x1y*y", "sin + 1", "sin[1]", "arcsin(x)", "sgn + 1", "f(**x)", "(x)(y)", "2(x)",
    "sin (x)", "x .5", "x.5", "2e", "1if x else 2", "not(x)", "x |y|", "cos**2(x)",
    "1e1_0", "1e1_0*x", "2(x)", ".5(x)", "1.5(x)", "1e5(x)", "0x1f(x)", "(sin)(x)", "1..2",
    "1.e5", "1.e5*x", "x if y else z", "[x for x in y]", "f(x, **y)", "sin**2(x)", "x1(y)",
    "2[1]", "x [1]", "x[1]", "log10(x)*atan2(x, y)", "None", "x + None", "(x)[1]", "x,y,",
    "0x_1f", "1_000.5_5", "1j(x)", "2J[1]", "x*1j", "0b1(x)", "0o7[1]", "x**-y**2",
    "-x**-2*y", "x - -y", "x//y", "x*(-y)", "x**2**3", "...", "x + ...", "[...]", "x[...]",
    "1...", ". . .", "f(...)",
])
def test_tricky_texts_are_not_verbatim_or_read_the_same(text, monkeypatch):
    _same(text, monkeypatch)


@pytest.mark.parametrize("text", ["x**2 + y", "sin(x1)*cos(x2)**2 - 3*exp(-x1/2)",
                                  "[x*y, x + y]", "1e5*x", "1.5e-3*y", "x**-1"])
def test_plain_texts_are_verbatim(text):
    assert notation._verbatim(text, FUNCTIONS)


def test_the_names_warning_is_the_same_on_both_routes(monkeypatch):
    # xy and ab, read as names in the first input, beside their letters in the second.
    first, second = "x_1*y1 + xyz + sin(abc) + log10(y1)", "x*y*z + a*b*c"
    assert notation._verbatim(second, FUNCTIONS)
    assert not notation._verbatim(first, FUNCTIONS)  # a run of letters: the rewriter reads it

    def warnings():
        with watch_names() as w:
            parse_functions(first, {}, builder=SymengineBuilder())
            parse_functions(second, {}, builder=SymengineBuilder())
        return w.warnings(), w.names

    fast = warnings()
    monkeypatch.setattr(notation, "_verbatim", lambda text, functions: False)
    assert fast == warnings()
    assert len(fast[0]) == 2  # xyz and abc, each beside its letters
    assert {"x_1", "y1", "xyz", "abc", "x", "y", "z", "a", "b", "c"} == fast[1]
