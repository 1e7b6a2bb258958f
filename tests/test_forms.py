"""Input as people type it: the forgiving forms, LaTeX, and output that types back in.

Expected values are built directly with sympy (or taken from the worksheet,
../shared/seed/000_a2a5434e9771d97d.txt), never from the parser under test.
"""

from __future__ import annotations

import json

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symjac.cli.commands import cli
from symjac.core.errors import ParseError
from symjac.language import printing
from symjac.language.parser import parse_expression, parse_functions, parse_matrix, watch_names

x, y, z, r, s = sympy.symbols("x y z r s", real=True)
theta, lam = sympy.symbols("theta lambda", real=True)


def _runner():
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 keeps stderr apart by itself
        return CliRunner()


def run(*args):
    return _runner().invoke(cli, list(args))


def parsed(text, **kw):
    return parse_expression(text, symbols={"x": x, "y": y, "z": z, "r": r, "s": s,
                                           "theta": theta, "lambda": lam}, **kw)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x^2", x**2),
        ("x^2^3", x**8),
        ("-x^2", -(x**2)),
        ("e^x", sympy.exp(x)),
        ("2x", 2 * x),
        ("2(x+1)", 2 * (x + 1)),
        ("(x+1)(x-1)", (x + 1) * (x - 1)),
        ("x y", x * y),
        ("x^3 y", x**3 * y),
        ("3.5y + 1", sympy.Rational(7, 2) * y + 1),
        ("sin x", sympy.sin(x)),
        ("sin x^2", sympy.sin(x**2)),
        ("cos^2 y", sympy.cos(y) ** 2),
        ("sin x cos y", sympy.sin(x) * sympy.cos(y)),
        ("2 sin x", 2 * sympy.sin(x)),
        ("ln x", sympy.log(x)),
        ("ln(x)", sympy.log(x)),
        ("arcsin(x) + arccos(x) + arctan(x)", sympy.asin(x) + sympy.acos(x) + sympy.atan(x)),
        ("log2(x)", sympy.log(x) / sympy.log(2)),
        ("log10(x)", sympy.log(x) / sympy.log(10)),
        ("|x|", sympy.Abs(x)),
        ("|x - |y||", sympy.Abs(x - sympy.Abs(y))),
        ("2|x|", 2 * sympy.Abs(x)),
        ("√x", sympy.sqrt(x)),
        ("√(x + 1)", sympy.sqrt(x + 1)),
        ("π x", sympy.pi * x),
        ("π*x", sympy.pi * x),
        ("θ + theta", 2 * theta),
        ("x·y", x * y),
        ("x⋅y", x * y),
        ("x×y", x * y),
        ("x − y", x - y),
        ("x²", x**2),
        ("x²³", x**23),
        ("x⁻¹", 1 / x),
        ("3·x²·y", 3 * x**2 * y),
        ("lambda*x", lam * x),
        ("λ x", lam * x),
        ("Heaviside(x)", sympy.Heaviside(x)),
        ("heaviside(x)", sympy.Heaviside(x)),
        ("Max(0, x) + Min(x, y)", sympy.Max(0, x) + sympy.Min(x, y)),
        ("-1{y = 1}", -sympy.KroneckerDelta(1, y)),
        ("KroneckerDelta(1, y)", sympy.KroneckerDelta(1, y)),
        ("x_1", sympy.Symbol("x_1", real=True)),
        ("x₁", sympy.Symbol("x_1", real=True)),
    ],
)
def test_forgiving_forms(text, expected):
    assert parsed(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"\frac{1}{x}", 1 / x),
        (r"\frac12 x", x / 2),
        (r"\sqrt{x}", sympy.sqrt(x)),
        (r"\sqrt[3]{x}", x ** sympy.Rational(1, 3)),
        (r"x \cdot y", x * y),
        (r"x \times y", x * y),
        (r"x^{2}", x**2),
        (r"x_{1} + x_1", 2 * sympy.Symbol("x_1", real=True)),
        (r"\sin x", sympy.sin(x)),
        (r"\cos^2 y + 5x", sympy.cos(y) ** 2 + 5 * x),
        (r"\exp(x) + \log x + \ln(y)", sympy.exp(x) + sympy.log(x) + sympy.log(y)),
        (r"e^{x}", sympy.exp(x)),
        (r"ye^{x}", y * sympy.exp(x)),  # the worksheet's 2a: letters are variables
        (r"\left( x + 1 \right)^2", (x + 1) ** 2),
        (r"\left| x \right|", sympy.Abs(x)),
        (r"2rs \cos(r^2 s)", 2 * r * s * sympy.cos(r**2 * s)),
        (r"-2 \sin y \cos y", -2 * sympy.sin(y) * sympy.cos(y)),
        (r"\theta + \lambda", theta + lam),
        (r"$x^2$", x**2),
        (r"\sum_{i=1}^{3} x_i",
         sum(sympy.Symbol(f"x_{i}", real=True) for i in (1, 2, 3))),
        (r"\operatorname{sigmoid}(x)", 1 / (1 + sympy.exp(-x))),
        (r"-1\{y = 1\}", -sympy.KroneckerDelta(1, y)),
    ],
)
def test_latex(text, expected):
    assert parsed(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("sin x y", "write sin(x y) or sin(x)*y"),
        ("sin 2x", "write sin(2x) or sin(2)*x"),
        ("sin^-1 x", "write 1/sin(x) or asin(x)"),
        ("oo", "'oo' is infinity in sympy"),
        ("x + nan", "'nan' is 'not a number' in sympy"),
        ("zoo", "'zoo' is complex infinity in sympy"),
        ("inf", "'inf' is infinity in Python and numpy"),
        ("x # comment; y", "'#' is not allowed"),
        ("х + x", "х is Cyrillic; did you mean x?"),
        ("xх", "х is Cyrillic; did you mean x?"),
        ("Α + A", "Α is Greek; did you mean A?"),
        ("2 3", "two numbers side by side"),
        ("x^T", None),
        ("|x", "'|' is not closed"),
        ("√", "'√' needs an argument"),
        (r"\input{/etc/passwd}", r"the LaTeX command \input is not supported"),
        (r"\def\x{1}", r"the LaTeX command \def is not supported"),
        (r"\sin x % comment", "a LaTeX comment"),
        (r"\infty", "not a number"),
        (r"\sin a & b", "'&' is only for separating a matrix's entries"),
    ],
)
def test_refusals_say_why(text, message):
    if message is None:  # x^T in a scalar expression is x to the power T
        assert parsed(text) == x ** sympy.Symbol("T", real=True)
        return
    with pytest.raises(ParseError) as info:
        parsed(text)
    assert message in info.value.message
    assert info.value.position is not None


def test_an_empty_list_item_is_an_error():
    with pytest.raises(ParseError, match="an empty item"):
        parse_functions("x**2,")
    with pytest.raises(ParseError, match="an empty item"):
        parse_matrix("[[1, 2,]]")
    with pytest.raises(ParseError, match="an empty item"):
        parse_functions("x,, y")


def test_columns_point_at_what_was_typed():
    with pytest.raises(ParseError) as info:
        parse_expression("2x + sin 2y")
    assert info.value.position == 11  # the y of "2y", as typed
    with pytest.raises(ParseError) as info:
        parse_expression(r"\frac{1}{x} + \foo")
    assert info.value.position == 15


def test_latex_matrices():
    assert parse_matrix(r"\begin{bmatrix} 1 & 6 \\ 7 & 5 \end{bmatrix}") == sympy.Matrix(
        [[1, 6], [7, 5]])
    assert parse_matrix(r"\begin{pmatrix} 3 \\ 0 \\ 2 \\ \end{pmatrix}") == sympy.Matrix(
        [3, 0, 2])
    with pytest.raises(ParseError, match="ragged"):
        parse_matrix(r"\begin{bmatrix} 1 & 6 \\ 7 \end{bmatrix}")
    with pytest.raises(ParseError, match="empty entry"):
        parse_matrix(r"\begin{bmatrix} 1 & \\ 7 & 5 \end{bmatrix}")
    with pytest.raises(ParseError, match="environment align is not supported"):
        parse_matrix(r"\begin{align} 1 \end{align}")


def test_xy_beside_x_and_y_is_explained():
    # In one input, xy beside x and y is their product, and the reading is recorded.
    with watch_names() as w:
        funcs, _ = parse_functions("xy + x, y")
    x, y = sympy.symbols("x y", real=True)
    assert [sympy.simplify(f - g) for f, g in zip(funcs, [x * y + x, y], strict=True)] == [0, 0]
    assert w.notes == ["xy as x·y"] and w.reading() == "x·y + x, y"
    # A name read before its letters were seen is explained afterwards.
    with watch_names() as w:
        parse_functions("xyz + 1")
        parse_functions("x, y, z")
    assert w.warnings() == ["'xyz' is read as one name; for the product of x, y, z write x*y*z"]
    with watch_names() as w:
        parse_functions("xyz + 1")
    assert w.warnings() == []


# -- the worksheet, pasted as LaTeX, through the command line ----------------------------

BM_1A = (r"\begin{bmatrix} 1 & 6 \\ 7 & 5 \end{bmatrix}",
         r"\begin{bmatrix} 3 \\ 0 \\ 2 \end{bmatrix}")
BM_1B = (r"\begin{bmatrix} 4 & 3 & 6 \\ 2 & 1 & 0 \\ 0 & 5 & 7 \end{bmatrix}",
         r"\begin{bmatrix} 2 \\ 1 \\ 3 \end{bmatrix}")
BM_1C = (r"\begin{bmatrix} 0 & 6 & 5 \\ 2 & 3 & 3 \\ 5 & 7 & 8 \end{bmatrix}",
         r"\begin{bmatrix} 1 & 9 \\ 1 & 4 \\ 3 & 0 \end{bmatrix}")


def _json(result):
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def _matrix(obj):
    return sympy.Matrix([[sympy.sympify(e) for e in row] for row in obj["result"]["matrix"]])


def test_worksheet_1a_is_undefined():
    result = run("matmul", *BM_1A)
    assert result.exit_code == 1
    assert "A has 2 columns but B has 3 rows" in result.stdout + result.stderr


@pytest.mark.parametrize("pair, answer", [
    (BM_1B, [[29], [5], [26]]),
    (BM_1C, [[21, 24], [14, 30], [36, 73]]),
])
def test_worksheet_1b_1c(pair, answer):
    obj = _json(run("matmul", *pair, "-f", "json"))
    assert _matrix(obj) == sympy.Matrix(answer)


def test_worksheet_2a():
    f = r"\begin{bmatrix} x^3 y \\ \cos^2 y + 5x \\ ye^x \end{bmatrix}"
    obj = _json(run("jacobian", f, "-f", "json", "--wrt", "x, y"))
    X, Y = sympy.symbols("x y")
    want = sympy.Matrix([[3 * X**2 * Y, X**3], [5, -2 * sympy.sin(Y) * sympy.cos(Y)],
                         [Y * sympy.exp(X), sympy.exp(X)]])
    assert (_matrix(obj) - want).applyfunc(sympy.simplify) == sympy.zeros(3, 2)


def test_worksheet_2b_with_a_bmatrix_wrt():
    f = r"\begin{bmatrix} p + 4q \\ \sin(r^2 s) \end{bmatrix}"
    wrt = r"\begin{bmatrix} p & q \\ r & s \end{bmatrix}"
    obj = _json(run("jacobian", f, "--wrt", wrt, "-f", "json"))
    R, S = sympy.symbols("r s")
    want = sympy.Matrix([[1, 4, 0, 0],
                         [0, 0, 2 * R * S * sympy.cos(R**2 * S), R**2 * sympy.cos(R**2 * S)]])
    assert obj["variables"] == ["p", "q", "r", "s"]
    assert _matrix(obj) == want


def test_worksheet_3_in_latex():
    result = run("grad", r"-h_y + \log \sum_{j=1}^{k} e^{h_j}", "--where", r"h = \theta^T x",
                 "--wrt", "theta", "--shape", "theta=3x2, x=3x1", "--index", "y=1..2",
                 "--expect", r"x (\operatorname{softmax}(h) - \operatorname{onehot}(y, 2))^T",
                 "-f", "json")
    obj = _json(result)
    assert result.exit_code == 0, result.output
    assert obj["check"]["passed"] is True
    # The same answer as the Python-syntax loss: one parser, two spellings.
    plain = _json(run("grad", "-h[y] + log(sum(exp(h)))", "--where", "h = theta.T @ x",
                      "--wrt", "theta", "--shape", "theta=3x2, x=3x1", "--index", "y=1..2",
                      "-f", "json"))
    assert obj["result"]["matrix"] == plain["result"]["matrix"]


def test_grad_implicit_products_and_transposes():
    base = ["--wrt", "theta", "--shape", "theta=3x2, x=3x1", "--index", "y=1..2", "-f", "json"]
    a = _json(run("grad", "sum(2 θᵀx)", *base))
    b = _json(run("grad", "sum(2 * (theta.T @ x))", *base))
    assert a["result"]["matrix"] == b["result"]["matrix"]
    c = _json(run("grad", "sum(theta^T x)", *base))
    assert sympy.sympify(c["result"]["matrix"][0][0]) * 2 == sympy.sympify(
        a["result"]["matrix"][0][0])


def test_option_typos_get_a_suggestion():
    for args, want in ([("jacobian", "x*y", "--wtr", "x"), "--wrt"],
                       [("grad", "x", "--wrt", "x", "--shpe", "x=1"), "--shape"],
                       [("matmul", "[[1]]", "[[1]]", "--expct", "1"), "--expect"]):
        result = run(*args)
        assert result.exit_code == 2
        # click 8.2.0 writes "Did you mean --wrt?" or "(Possible options: --expect, ...)";
        # later versions quote the option. Each names the right one.
        assert want in result.stderr.replace(f"No such option: {args[-2]}", "")


def test_cli_states_how_xy_was_read():
    # With --wrt x, y the declared variables decide: xy is x·y, stated before the result.
    result = run("jacobian", "xy + x", "--wrt", "x, y", "--no-steps", "-f", "text")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "read as: x·y + x (xy as x·y)"
    assert "∇f = [y + 1  x]" in result.stdout


def test_the_indicator_for_an_index_named_i():
    result = run("grad", "-h[i] + log(sum(exp(h)))", "--where", "h = theta.T @ x", "--wrt",
                 "theta", "--shape", "theta=2x2, x=2x1", "--index", "i=1..2", "--no-steps")
    assert result.exit_code == 0, result.output
    assert "1{i = i}" not in result.stdout
    assert "1{i = j}" in result.stdout


# -- everything printed types back in ------------------------------------------------------

NAMES = [x, y, z]
UNARY = [sympy.sin, sympy.cos, sympy.exp, sympy.log, sympy.sqrt, sympy.Abs, sympy.atan,
         sympy.tanh, sympy.Heaviside, sympy.sign]


def _apply(f, a):
    try:
        return f(a)
    except ValueError:  # Heaviside(I): sympy refuses it; the test skips it as nan
        return sympy.nan


def _expressions():
    leaf = st.one_of(
        st.sampled_from(NAMES),
        st.integers(-20, 20).map(sympy.Integer),
        st.tuples(st.integers(-9, 9), st.integers(1, 9)).map(lambda t: sympy.Rational(*t)),
        st.just(sympy.pi),
        st.just(sympy.KroneckerDelta(1, y)),
    )

    def grow(children):
        return st.one_of(
            st.builds(lambda a, b: a + b, children, children),
            st.builds(lambda a, b: a * b, children, children),
            st.builds(lambda a, b: a - b, children, children),
            st.builds(lambda a, n: a ** n, children, st.sampled_from([2, 3, -1, -2,
                                                                       sympy.Rational(1, 2)])),
            st.builds(_apply, st.sampled_from(UNARY), children),
            st.builds(lambda a, b: sympy.Max(a, b), children.filter(lambda v: v.is_real),
                      children.filter(lambda v: v.is_real)),
        )

    return st.recursive(leaf, grow, max_leaves=8)


def _same(a, b) -> bool:
    return a == b or sympy.simplify(a - b) == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_printed_expressions_type_back_in(e):
    if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        return
    names = {str(v): v for v in NAMES}
    for printed in (printing.sstr(e), printing.uni(e)):
        back = parse_expression(printed, symbols=dict(names))
        assert _same(back, e), (printed, back)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_printed_latex_types_back_in(e):
    if e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        return
    back = parse_expression(printing.latex(e), symbols={str(v): v for v in NAMES})
    assert _same(back, e), (printing.latex(e), back)


def test_greek_and_lookalike_names_in_grad_options():
    ok = run("grad", "sum(θᵀx)", "--wrt", "θ", "--shape", "θ=2x1, x=2x1", "-f", "json")
    plain = run("grad", "sum(theta.T @ x)", "--wrt", "theta", "--shape", "theta=2x1, x=2x1",
                "-f", "json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["result"]["matrix"] == json.loads(plain.stdout)["result"][
        "matrix"] == [["x_1"], ["x_2"]]
    bad = run("grad", "sum(θᵀx)", "--wrt", "θ", "--shape", "θ=2x1, х=2x1")
    assert bad.exit_code == 2 and "х is Cyrillic; did you mean x?" in bad.stderr


def test_grad_reads_entries_as_its_steps_print_them():
    # The steps write h_1, h_y; typed back in, they are h[1], h[y].
    common = ["--where", "h = theta^T x", "--wrt", "theta", "--shape", "theta=3x2, x=3x1",
              "--index", "y=1..2", "-f", "json"]
    a = _json(run("grad", "-h_y + log(sum(exp(h)))", *common))
    b = _json(run("grad", "-h[y] + log(sum(exp(h)))", *common))
    assert a["result"]["matrix"] == b["result"]["matrix"]
    out = run("grad", "h_1 + h_3", *common)
    assert out.exit_code == 2 and "out of range" in out.stderr
