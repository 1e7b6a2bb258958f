"""The reading policy (DESIGN.md, Reading): what is typed is what is computed.

An operator symjac inserts, or a name it splits, is either the only sensible
reading, and then the output states it before the result, or the input is
refused (exit 2) with the candidate readings. Expected values here are built
with sympy directly, never through symjac's parser.
"""

from __future__ import annotations

import json

import pytest
import sympy
from click.testing import CliRunner

from symjac.cli.commands import cli
from symjac.core.errors import ParseError
from symjac.language.parser import declare, parse_functions, watch_names

x, y, z, t, a, b = sympy.symbols("x y z t a b", real=True)


def run(*args):
    return CliRunner().invoke(cli, list(args))  # click >= 8.2 keeps stderr apart


def read(text, declared=()):
    """The functions as read, and the reading stated ('' when none)."""
    with watch_names() as w:
        if declared:
            declare(declared)
        funcs, _ = parse_functions(text, {})
    return funcs, w.reading(), w.notes


def same(got, want):
    assert len(got) == len(want)
    for g, e in zip(got, want, strict=True):
        assert sympy.simplify(g.subs({s: sympy.Symbol(s.name, real=True)
                                      for s in g.free_symbols}) - e) == 0, (g, e)


# -- with declared variables, runs of letters split -------------------------------------

@pytest.mark.parametrize("text, want", [
    ("2xy + y^2", [2 * x * y + y**2]),
    ("3x^2y", [3 * x**2 * y]),
    ("ye^x", [y * sympy.exp(x)]),
    ("xe^-x", [x * sympy.exp(-x)]),
    ("cosx, x", [sympy.cos(x), x]),
    ("xsinx", [x * sympy.sin(x)]),
    ("lnx + y", [sympy.log(x) + y]),
    ("sqrtx", [sympy.sqrt(x)]),
    ("2xy e^(x^2 y)", [2 * x * y * sympy.exp(x**2 * y)]),
    ("xyz", [x * y * z]),
    ("sinxcosx", [sympy.sin(x) * sympy.cos(x)]),
    ("cosxsiny", [sympy.cos(x) * sympy.sin(y)]),
    ("ax^2 + bx + c", [a * x**2 + b * x + sympy.Symbol("c", real=True)]),
])
def test_declared_variables_decide_how_a_run_splits(text, want):
    funcs, reading, notes = read(text, declared=("x", "y", "z"))
    same(funcs, want)
    assert reading  # stated, never silent


@pytest.mark.parametrize("text, want", [
    ("xe^{-x}", [x * sympy.exp(-x)]),
    (r"ye^x + \cos^2 y", [y * sympy.exp(x) + sympy.cos(y)**2]),
])
def test_latex_letters_are_variables_and_the_reading_is_stated(text, want):
    funcs, reading, _ = read(text)
    same(funcs, want)
    assert reading


def test_names_that_are_declared_are_never_split():
    funcs, reading, _ = read("xy + x", declared=("xy", "x"))
    xy = sympy.Symbol("xy", real=True)
    same(funcs, [xy + x])
    assert reading == ""


# -- without declared variables: names elsewhere in the input decide, or it is refused ---

def test_names_that_stand_alone_elsewhere_decide():
    funcs, reading, notes = read("cosx, x")
    same(funcs, [sympy.cos(x), x])
    assert reading == "cos(x), x" and notes == ["cosx as cos(x)"]


@pytest.mark.parametrize("text, readings", [
    ("cosx", ["cos(x)", "cosx"]),
    ("2xy + y^2", ["2·x·y", "xy"]),
    ("xsinx", ["x·sin(x)", "xsinx"]),
    ("ye^x", ["y·e", "ye"]),
    ("sin2x", ["sin(2*x)", "sin(2)*x"]),
    ("sinx^2", ["sin(x^", "sin(x)^"]),
    ("x/2y", ["(x/2)*y", "x/(2*y)"]),
    ("1/2x", ["(1/2)*x", "1/(2*x)"]),
    ("a/2b", ["(a/2)*b", "a/(2*b)"]),
    ("e^2x", ["e^(2*x)", "e^2*x"]),
    ("lnx", ["ln(x)", "lnx"]),
    ("log2x", ["log(2*x)", "log(2)*x"]),
    ("xy", ["x·y", "xy"]),
    ("x^1/2", ["^(1/2)", "(...^1)/2"]),
    ("x^-1/3 + 1", ["^(-1/3)"]),
    ("sin(xy)", ["x·y", "xy"]),
    ("sinxcosx", ["sin(x)·cos(x)", "sinxcosx"]),
    ("x^2\n+ y^2", ["operator"]),
    ("x^2 +\ny^2", ["operator"]),
])
def test_what_reads_two_ways_is_refused_naming_the_readings(text, readings):
    with pytest.raises(ParseError) as e:
        read(text)
    for r in readings:
        assert r in e.value.message, e.value.message


@pytest.mark.parametrize("text", ["mass*g + velocity*t", "x1*x2 + theta_0", "Kp*x",
                                  "expected + costs", "alpha*beta", "lambda*x"])
def test_ordinary_names_are_names(text):
    funcs, reading, _ = read(text)
    assert reading == ""
    names = {s.name for f in funcs for s in f.free_symbols}
    assert names == set(text.replace("*", " ").replace("+", " ").split())


def test_a_newline_separates_functions_as_a_comma_does():
    funcs, _, _ = read("x^2 + y\nx*y - 1\n")
    same(funcs, [x**2 + y, x * y - 1])
    funcs, _, _ = read("x^2 + y,\r\n\n x*y - 1")  # a comma and a newline: one separator
    same(funcs, [x**2 + y, x * y - 1])
    funcs, _, _ = read("[x^2 +\n y, x*y]")  # inside brackets, a space
    same(funcs, [x**2 + y, x * y])
    many = "\n".join(f"x*y + {k}" for k in range(100))
    assert len(read(many)[0]) == 100


# -- the command line -------------------------------------------------------------------

def test_the_reading_is_stated_before_the_result():
    r = run("jacobian", "2xy + y^2, cosx", "--wrt", "x, y", "--no-steps", "-f", "text")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "read as: 2·x·y + y^2, cos(x) (2xy as 2·x·y; cosx as cos(x))"
    assert "∇f = ⎡2·y      2·x + 2·y⎤" in r.stdout


def test_json_has_the_reading_and_a_warning():
    r = run("jacobian", "cosx, x", "--no-steps", "-f", "json")
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert d["reading"] == "cos(x), x (cosx as cos(x))"
    assert any(w.startswith("read as: cos(x), x") for w in d["warnings"])
    got = [sympy.parse_expr(e[0]) for e in d["result"]["matrix"]]  # symjac's own output
    X = sympy.Symbol("x")
    assert got == [-sympy.sin(X), 1]


def test_an_ambiguous_run_exits_2_naming_both_readings():
    r = run("jacobian", "2xy + y^2")
    assert r.exit_code == 2
    assert "2·x·y" in r.stderr and "xy" in r.stderr and "--wrt" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_system_one_function_per_line():
    r = run("jacobian", "x^2 + y\nx*y - 1\n", "--no-steps", "-f", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["result"]["shape"] == [2, 2]


def test_the_read_back_of_a_reading_is_the_same_expression():
    # The reading itself is input symjac reads: typed back, it needs no reading.
    funcs, reading, _ = read("3x^2y + ye^x, xsinx", declared=("x", "y"))
    again, reading2, _ = read(reading)
    same(again, [sympy.simplify(f.subs({s: sympy.Symbol(s.name, real=True)
                                          for s in f.free_symbols})) for f in funcs])
    assert reading2 == ""


def test_grad_reads_Ax_as_a_product_of_declared_matrices():
    r = run("grad", "||Ax - b||^2", "--wrt", "x", "--shape", "A=3x2, x=2x1, b=3x1",
            "--no-steps", "-f", "json")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["reading"] == "norm(A x - b)^2 (Ax as A·x)"
    assert d["result"]["closed_form"].replace(" ", "") in ("2*A.T@(A@x-b)",)


@pytest.mark.parametrize("text, want", [
    ("πx", [sympy.pi * x]),
    ("αx + β", [sympy.Symbol("alpha", real=True) * x + sympy.Symbol("beta", real=True)]),
    ("eˣ", [sympy.exp(x)]),
    ("x₁x₂", [sympy.Symbol("x_1", real=True) * sympy.Symbol("x_2", real=True)]),
])
def test_unicode_letters_keep_their_meaning(text, want):
    funcs, _, _ = read(text)
    same(funcs, want)


def test_declared_names_are_never_split():
    r = run("jacobian", "rate*cost", "--wrt", "rate, cost", "--no-steps", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["variables"] == ["rate", "cost"]


def test_grad_reads_a_glued_transpose():
    r = run("grad", "x^TAx", "--wrt", "x", "--shape", "A=3x3, x=3x1", "--no-steps", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["reading"].startswith("x.T A x (")


def test_a_matrix_without_brackets_is_one_expression_unless_numbers():
    # "2 abs(x)" is a product, as everywhere else; "3 0 2" a row of numbers.
    r = run("jacobian", "x*abs(x)", "--wrt", "x", "--expect", "2 abs(x)", "--no-steps",
            "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["check"]["passed"]
    r = run("matmul", "3 0 2", "[[1],[2],[3]]", "--no-steps", "-f", "json")
    assert json.loads(r.stdout)["result"]["matrix"] == [["9"]]


def test_latex_with_a_function_glued_to_its_argument():
    funcs, reading, _ = read(r"xcosx + e^{xy}", declared=("x", "y"))
    same(funcs, [x * sympy.cos(x) + sympy.exp(x * y)])
    with pytest.raises(ParseError, match=r"acos\(b\)"):
        read(r"\frac{1}{2} acosb")
    with pytest.raises(ParseError, match=r"holds the function arccos: in LaTeX write \\arccos"):
        read(r"\frac{1}{2} acoszw")


@pytest.mark.parametrize("text, message", [
    (r"$x^12$", "^{12}"),  # LaTeX's own reading, x^1·2, is what nobody means
    (r"$x_12 + x_1$", "_{12}"),
    ("x^2_1", "'2_1' is not a number"),  # Python's 21
    ("0x1 + x", "'0x1' is not a number"),
    ("05x", "does not start with 0"),
])
def test_numbers_that_read_two_ways_are_refused(text, message):
    with pytest.raises(ParseError) as e:
        read(text)
    assert message in e.value.message


def test_a_sized_double_bar_is_a_norm_in_grad():
    r = run("grad", r"\left\lVert A x - b \right\rVert^2", "--wrt", "x", "--shape",
            "A=2x2, x=2x1, b=2x1", "--no-steps", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["result"]["closed_form"].replace(" ", "") == "2*A.T@(A@x-b)"


_S = sympy.Symbol


@pytest.mark.parametrize("text, declared, want", [
    ("x1x2 + x1 + x2", (), _S("x1") * _S("x2") + _S("x1") + _S("x2")),
    ("x1y1", ("x1", "y1"), _S("x1") * _S("y1")),
    ("sinx_1", ("x_1",), sympy.sin(_S("x_1"))),
    ("etax", ("x",), _S("eta") * _S("x")),
    ("sin(omegat)", ("t",), sympy.sin(_S("omega") * _S("t"))),
    ("alphax + betay", ("x", "y"), _S("alpha") * _S("x") + _S("beta") * _S("y")),
])
def test_names_with_digits_and_greek_names_split_as_declared(text, declared, want):
    funcs, reading, _ = read(text, declared=declared)
    got = funcs[0].subs({s: sympy.Symbol(s.name) for s in funcs[0].free_symbols})
    assert sympy.simplify(got - want) == 0 and reading


def test_a_subscript_run_is_refused_and_E_is_stated():
    with pytest.raises(ParseError, match="x_1·x_2"):
        read("x_1x_2")
    _, reading, notes = read("Eq", declared=("q",))
    assert "E as e (Euler's number)" in notes


def test_a_dot_between_matrices_is_their_product():
    r = run("grad", "tr(W·W)", "--wrt", "W", "--shape", "W=2x2", "--no-steps", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["result"]["closed_form"].replace(" ", "") == "2*W.T"


def test_a_root_with_brackets_is_applied_like_a_function():
    funcs, _, _ = read("√(x+1)^2 + ∛(y)^3")
    same(funcs, [x + 1 + y])
    _, reading, _ = read("√x²")
    assert reading == "sqrt(x^2)"


def test_a_signed_entry_without_brackets_is_refused():
    # "1 -2" is the row [1, -2]; "x -y" could be that row or x - y
    r = run("matmul", "x -y", "[[1]]", "--no-steps")
    assert r.exit_code == 2 and "[x, -y]" in r.stderr
    r = run("matmul", "x - y", "[[1]]", "--no-steps", "-f", "json")
    assert json.loads(r.stdout)["result"]["matrix"] == [["x - y"]]
