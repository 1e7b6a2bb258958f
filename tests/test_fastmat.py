"""The fast exact matmul path: same answers as sympy, read by the same parser."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy
from click.testing import CliRunner

from symjac import api
from symjac.cli.commands import cli
from symjac.language import parser
from symjac.language.printing import latex
from symjac.ops import fastmat
from symjac.ops.matmul import matmul as slow_matmul


def _literal(rows) -> str:
    return "[" + ",".join("[" + ",".join(str(x) for x in r) + "]" for r in rows) + "]"


def _random_rows(rng, n, m, kind):
    def entry():
        if kind == "int":
            return rng.randint(-99, 99)
        if kind == "big":
            return rng.randint(-(10**40), 10**40)
        p, q = rng.randint(-50, 50), rng.randint(1, 12)
        return Fraction(p, q)

    return [[entry() for _ in range(m)] for _ in range(n)]


def _text(rows) -> str:
    # Fractions print p/q, exactly what the literal syntax wants.
    return _literal(rows)


@pytest.mark.parametrize("kind", ["int", "big", "rational"])
@pytest.mark.parametrize("seed", range(4))
def test_product_equals_sympy(kind, seed):
    rng = random.Random(seed)
    n, k, m = rng.randint(1, 14), rng.randint(1, 14), rng.randint(1, 14)
    a, b = _random_rows(rng, n, k, kind), _random_rows(rng, k, m, kind)
    want = sympy.Matrix(a) * sympy.Matrix(b)  # sympy turns Fractions into Rationals
    got = fastmat.product(a, b)
    assert [[sympy.Rational(x.numerator, x.denominator) for x in r] for r in got] == want.tolist()
    assert all(type(x) is int or x.denominator != 1 for r in got for x in r)


@pytest.mark.parametrize("kind", ["int", "big", "rational"])
def test_fast_derivation_equals_the_sympy_path(kind):
    rng = random.Random(kind)
    a, b, c = (
        _random_rows(rng, 12, 3, kind),
        _random_rows(rng, 3, 11, kind),
        _random_rows(rng, 11, 2, kind),
    )
    texts = [_text(a), _text(b), _text(c)]
    fast = fastmat.fast_matmul(texts)
    assert fast is not None
    slow = slow_matmul(
        [parser.parse_matrix(t, n) for t, n in zip(texts, "ABC", strict=True)], steps=False
    )
    assert fast.to_dict() == slow.to_dict()  # summary, label, strings, LaTeX (matrix and array)
    assert fast.result.latex == latex(slow.result.value)
    assert api.Solution.of(fast).to_sympy(real=True) == slow.result.value


def test_200_by_200_through_the_api_matches_sympy():
    rng = random.Random(7)
    a, b = _random_rows(rng, 200, 200, "int"), _random_rows(rng, 200, 200, "int")
    d = api.matmul(_text(a), _text(b), steps=False)
    assert d.result.value is None  # the fast path: strings only, no sympy Matrix built
    want = sympy.Matrix(a) * sympy.Matrix(b)
    assert d.result.matrix[17][123] == str(want[17, 123])
    assert d.result.matrix == tuple(tuple(str(x) for x in r) for r in want.tolist())


@pytest.mark.parametrize(
    "text, rows",
    [
        ("[[1,2],[3,4]]", [[1, 2], [3, 4]]),
        (" [ [1, -2] ,\n [3, 4] ] ", [[1, -2], [3, 4]]),
        ("[3,0,2]", [[3], [0], [2]]),
        ("[[3,0,2]]", [[3, 0, 2]]),
        ("[[1/2, -3/4, 4/2, 0/5]]", [[Fraction(1, 2), Fraction(-3, 4), 2, 0]]),
        ("1 6; 7 5", [[1, 6], [7, 5]]),
        ("1 -6\n7 5;", [[1, -6], [7, 5]]),
        ("3 0 2", [[3, 0, 2]]),
        ("[[0.5, 1e3, 1_000, +1, -  1]]", [[Fraction(1, 2), 1000, 1000, 1, -1]]),
        ("[[2**3, (1 + 2)/4]]", [[8, Fraction(3, 4)]]),
        ("[[１]]", [[1]]),  # NFKC, as the parser does it
    ],
)
def test_parses_what_the_parser_parses(text, rows):
    assert fastmat.parse_numeric_matrix(text) == rows
    want = parser.parse_matrix(text)
    assert sympy.Matrix(rows) == want


@pytest.mark.parametrize("text", ["[[x]]", "[[1, pi]]", "[[sqrt(2)]]", "[[sin(1)]]",
                                  "[[2**(1/2)]]", "x y; 1 2"])
def test_leaves_anything_but_exact_numbers_to_sympy(text):
    assert fastmat.parse_numeric_matrix(text) is None
    parser.parse_matrix(text)  # and the parser itself reads it


@pytest.mark.parametrize(
    "text",
    ["[[1,2],[3]]", "[]", "[[]]", "[[[1]]]", "[1,[2]]", "[[007]]", "[[1/0]]", "[[\"1/2\"]]",
     "[[1, 2]] + [[3]]", "[[1" + "0" * 1000 + "]]", "", "[[1]]" + " " * 1_000_001],
)
def test_refuses_what_the_parser_refuses_with_its_message(text):
    from symjac.core.errors import SymjacError

    with pytest.raises(SymjacError) as slow:
        parser.parse_matrix(text)
    with pytest.raises(SymjacError) as fast:
        fastmat.parse_numeric_matrix(text)
    assert str(fast.value) == str(slow.value)
    assert type(fast.value) is type(slow.value)


def test_shape_error_and_expect_still_work_with_no_steps():
    r = CliRunner().invoke(cli, ["matmul", "[[1,6],[7,5]]", "[3,0,2]", "--no-steps"])
    assert r.exit_code == 1
    assert "2 columns but B has 3 rows" in r.output
    ok = api.matmul("[[4,3,6],[2,1,0],[0,5,7]]", "[2,1,3]", steps=False, expect="[29,5,26]")
    assert ok.check.passed
    bad = api.matmul("[[1/2]]", "[[2]]", steps=False, expect="[[2]]")
    # (1/2)·2 = 1 by hand; the answer checked said 2
    assert not bad.check.passed and bad.check.mismatches[0]["correct"] == "1"


def test_every_format_renders_the_exact_matrix_as_the_sympy_path_does():
    from symjac.render import render

    texts = ["[[1/2,1],[0,3]]", "[[2,0],[1,-1/3]]"]
    fast = fastmat.fast_matmul(texts)
    slow = slow_matmul([parser.parse_matrix(t) for t in texts], steps=False)
    for fmt in ("text", "markdown", "latex", "json"):
        assert render(fast, fmt, steps=False) == render(slow, fmt, steps=False), fmt
    r = CliRunner().invoke(cli, ["matmul", *texts, "--no-steps", "--format", "text"])
    assert r.exit_code == 0 and "⎡2  -1/3⎤" in r.output  # 1/2*2 + 1*1 = 2, 1*(-1/3)


def test_huge_results_take_the_sympy_path():
    big = "[[" + "9" * 1000 + "]]"
    d = api.matmul(big, big, big, big, steps=False)  # about 4,000 digits
    assert d.result.matrix[0][0].startswith("<integer of about")


def test_large_products_with_steps_match_sympy_arithmetic():
    from symjac.ops import matmul as mm

    rng = random.Random(11)
    a = _random_rows(rng, 30, 25, "rational")
    b = _random_rows(rng, 25, 20, "big")
    sa, sb = sympy.Matrix(a), sympy.Matrix(b)
    assert mm._product(sa, sb) == sa * sb  # FLINT route (30*25*20 is past the threshold)
    sym = sympy.Matrix([[sympy.Symbol("x"), 1]])
    assert mm._product(sym, sympy.Matrix([[1], [2]])) == sym * sympy.Matrix([[1], [2]])
    d = api.matmul(_text(a), _text(b))  # with steps: parsed fast, worked as before
    slow = slow_matmul([parser.parse_matrix(_text(a)), parser.parse_matrix(_text(b))])
    assert d.to_dict() == slow.to_dict()
    assert d.result.latex == latex(sa * sb)


def test_pure_python_product_when_flint_is_missing(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "flint", None)  # import flint now raises ImportError
    rng = random.Random(5)
    a, b = _random_rows(rng, 6, 7, "big"), _random_rows(rng, 7, 3, "int")
    assert fastmat.product(a, b) == (sympy.Matrix(a) * sympy.Matrix(b)).tolist()
