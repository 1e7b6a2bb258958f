"""symjac grad: the worksheet's problem 3 and gradients that are never silently wrong.

Expected values come from the worksheet (x(z − e_y)ᵀ), from sympy.diff on a
loss built by hand here (no symjac parser), from finite differences in plain
floating point, or from hand computation.
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from symjac import api
from symjac.cli.commands import cli
from symjac.core.errors import InputError, ParseError, ShapeError
from symjac.render import render

SOFTMAX = dict(
    loss="-h[y] + log(sum(exp(h)))",
    wrt="theta",
    shape="theta=3x2, x=3x1",
    where=["h = theta.T @ x"],
    index="y=1..2",
)
RIGHT = "x @ (softmax(h) - onehot(y, 2)).T"
WRONG = "x @ (softmax(h) + onehot(y, 2)).T"
CLI_SOFTMAX = [
    "grad", "-h[y] + log(sum(exp(h)))", "--where", "h = theta.T @ x", "--wrt", "theta",
    "--shape", "theta=3x2, x=3x1", "--index", "y=1..2",
]


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def _explicit(d, values: dict, y: int):
    """The result with h_i replaced by (θᵀx)_i and y by a value."""
    return d.result.value.xreplace(values).xreplace({sympy.Symbol("y", integer=True): y})


def _hand_softmax():
    """θ, x and h = θᵀx built with sympy directly, and the loss for each y."""
    theta = sympy.Matrix(3, 2, lambda i, j: sympy.Symbol(f"theta_{i + 1}_{j + 1}", real=True))
    x = sympy.Matrix(3, 1, lambda i, j: sympy.Symbol(f"x_{i + 1}", real=True))
    h = theta.T * x
    hs = {sympy.Symbol(f"h_{i + 1}", real=True): h[i] for i in range(2)}
    return theta, x, h, hs


# -- the worksheet's problem 3 ------------------------------------------------------------


def test_acceptance_softmax_passes_and_matches_hand_built_sympy_diff():
    d = api.grad(**SOFTMAX, expect=RIGHT)
    assert d.check.passed and d.ok
    assert d.result.shape == (3, 2)
    theta, x, h, hs = _hand_softmax()
    for y in (1, 2):
        loss = -h[y - 1] + sympy.log(sum(sympy.exp(hi) for hi in h))
        want = theta.applyfunc(lambda s, loss=loss: sympy.diff(loss, s))
        got = _explicit(d, hs, y)
        for i in range(3):
            for j in range(2):
                assert sympy.simplify(got[i, j] - want[i, j]) == 0


def test_result_matches_finite_differences_in_plain_floats():
    d = api.grad(**SOFTMAX)
    th = [[0.3, -1.1], [0.7, 0.2], [-0.4, 0.9]]
    xv = [1.5, -0.5, 2.0]

    def loss(t, y):
        h = [sum(t[r][c] * xv[r] for r in range(3)) for c in range(2)]
        return -h[y - 1] + math.log(sum(math.exp(v) for v in h))

    theta, x, h, hs = _hand_softmax()
    point = {theta[i, j]: th[i][j] for i in range(3) for j in range(2)}
    point.update({x[i]: xv[i] for i in range(3)})
    eps = 1e-6
    for y in (1, 2):
        got = _explicit(d, hs, y)
        for i in range(3):
            for j in range(2):
                up = [row[:] for row in th]
                dn = [row[:] for row in th]
                up[i][j] += eps
                dn[i][j] -= eps
                fd = (loss(up, y) - loss(dn, y)) / (2 * eps)
                assert abs(float(got[i, j].subs(point)) - fd) < 1e-6


def test_wrong_sign_of_onehot_fails_at_every_index_value():
    d = api.grad(**SOFTMAX, expect=WRONG)
    assert not d.check.passed and not d.ok
    assert {m["at"]["y"] for m in d.check.mismatches} == {1, 2}
    # the entries that differ are exactly those of column y (where e_y is 1)
    assert sorted((m["at"]["y"], m["index"][1]) for m in d.check.mismatches) == \
        [(1, 1)] * 3 + [(2, 2)] * 3


def test_zero_expectation_never_passes_for_a_nonzero_gradient():
    d = api.grad(**SOFTMAX, expect="0 * theta")
    assert not d.check.passed
    assert len(d.check.mismatches) == 12


def test_zero_gradient_never_passes_for_a_nonzero_expectation():
    # ℓ does not depend on θ: the gradient is 0, and a non-zero expectation must fail
    d = api.grad("sum(x)", "theta", "theta=3x2, x=3x1", expect="x @ [[1, 1]]")
    assert all(e == "0" for row in d.result.matrix for e in row)
    assert not d.check.passed
    assert api.grad("sum(x)", "theta", "theta=3x2, x=3x1", expect="0*theta").check.passed


def test_the_gradient_is_never_the_matrix_symbol_zero():
    # sympy's diff(..., MatrixSymbol) answers 0 for this loss; every entry here is non-zero
    d = api.grad(**SOFTMAX)
    assert all(e != "0" for row in d.result.matrix for e in row)


def test_steps_follow_the_worksheet_a_b_c_with_shapes():
    d = api.grad(**SOFTMAX)
    kinds = [s.kind for s in d.steps]
    chain = d.steps[kinds.index("chain")]
    assert [f["shape"] for f in chain.data["factors"]] == [[1, 2], [2, 6]]
    assert chain.data["shape"] == [1, 6]
    # (a): ∂ℓ/∂h_i = z_i − 1{i = y}
    dl_dh = d.steps[kinds.index("local-jacobian")]
    assert dl_dh.data["shape"] == [1, 2]
    assert "KroneckerDelta(1, y)" in dl_dh.data["matrix"][0][0]
    # (b): ∂h_i/∂θ is zero except column i, which is x
    rows = [s for s in d.steps if s.kind == "jacobian-row"]
    assert [s.data["remark"] for s in rows] == ["zero except column 1", "zero except column 2"]
    assert rows[0].data["matrix"] == [["x_1", "0"], ["x_2", "0"], ["x_3", "0"]]
    # (c): the assembly, and why ∂h/∂θ is never formed
    assert "assemble" in kinds
    assert any(s.kind == "note" and "never formed" in s.text for s in d.steps)
    assert d.extra["jacobian_shape"] == [1, 6]
    assert d.variables[:2] == ("theta_1_1", "theta_1_2")


def test_step_lines_write_the_worksheets_indicator_and_read_back_equal():
    # The worksheet writes ∂ℓ/∂h_i = z_i − 1{i = y}; the text lines say 1{y = i}, which the
    # parser reads as the indicator, while JSON keeps sympy's KroneckerDelta(i, y).
    from symjac.language.parser import parse_expression

    d = api.grad(**SOFTMAX)
    dl_dh = next(s for s in d.steps if s.kind == "local-jacobian")
    lines = dl_dh.text.splitlines()[1:]
    assert [ln.split(" = ", 1)[0] for ln in lines] == ["∂ℓ/∂h_1", "∂ℓ/∂h_2"]
    assert "KroneckerDelta" not in dl_dh.text
    y, h1, h2 = sympy.symbols("y h_1 h_2")
    softmax = [sympy.exp(h) / (sympy.exp(h1) + sympy.exp(h2)) for h in (h1, h2)]
    for i, (ln, z) in enumerate(zip(lines, softmax, strict=True), 1):
        shown = ln.split(" = ", 1)[1]
        assert shown.startswith(f"-1{{y = {i}}}")
        got = parse_expression(shown)
        want = z - sympy.KroneckerDelta(i, y)
        for point in ({"y": 1, "h_1": 0.5, "h_2": -2}, {"y": 2, "h_1": 3, "h_2": 0.25}):
            mine = {s: point[s.name] for s in got.free_symbols}
            theirs = {s: point[s.name] for s in want.free_symbols}
            assert math.isclose(float(got.subs(mine)), float(want.subs(theirs)))


def test_every_format_renders():
    d = api.grad(**SOFTMAX, expect=WRONG)
    rich = io.StringIO()
    Console(file=rich, width=200, color_system=None).print(render(d, "rich"))
    for text in (render(d, "text"), rich.getvalue()):
        assert "∇θ ℓ = x (softmax(h) - e_y)ᵀ   (3×2, like θ)" in text
        assert "6 of 12 entries differ (6 entries × 2 index values)" in text
    closed = "\\nabla_{\\theta} \\ell = x {\\left(\\operatorname{softmax}\\left(h\\right) - e_{y}"
    for fmt in ("markdown", "latex"):
        text = render(d, fmt)
        assert closed in text and "6 of 12 entries differ" in text, fmt
    obj = json.loads(render(d, "json"))
    assert obj["result"]["closed_form"] == "x @ (softmax(h) - onehot(y, 2)).T"
    assert (obj["check"]["passed"], obj["check"]["outcome"]) == (False, "different")
    md = render(d, "markdown")
    assert "\\frac{\\partial \\ell}{\\partial h}" in md and "at y = 1" in md
    text = render(d, "text")
    assert "zero except column 2" in text and "check: FAILED" in text


# -- other losses --------------------------------------------------------------------------


def test_least_squares_with_a_numeric_matrix_by_hand():
    # X = [[1,2],[3,4],[5,6]], y = 0: ∇ = XᵀXθ = [[35, 44], [44, 56]] θ
    d = api.grad("sum((X @ theta - y)**2) / 2", "theta", "theta=2x1, y=3x1",
                 where=["X = [[1, 2], [3, 4], [5, 6]]"])
    t1, t2 = sympy.symbols("theta_1 theta_2", real=True)
    ys = sympy.symbols("y_1:4", real=True)
    want = [35 * t1 + 44 * t2 - (ys[0] + 3 * ys[1] + 5 * ys[2]),
            44 * t1 + 56 * t2 - (2 * ys[0] + 4 * ys[1] + 6 * ys[2])]
    got = d.result.value
    assert [sympy.expand(got[i] - want[i]) for i in range(2)] == [0, 0]


def test_two_layer_mlp_chain_has_four_factors():
    d = api.grad("-h[y] + log(sum(exp(h)))", "W1", "W1=3x2, W2=2x2, x=3x1",
                 where=["a = W1.T @ x", "r = relu(a)", "h = W2.T @ r"], index="y=1..2",
                 expect="x @ ((W2 @ (softmax(h) - onehot(y, 2))) * heaviside(a)).T")
    assert d.check.passed
    chain = next(s for s in d.steps if s.kind == "chain")
    assert [f["shape"] for f in chain.data["factors"]] == [[1, 2], [2, 2], [2, 2], [2, 6]]


def test_a_loss_reaching_theta_twice_uses_the_general_route():
    # weight decay: ℓ depends on θ directly and through h
    d = api.grad("-h[y] + log(sum(exp(h))) + sum(theta**2) / 2", **{
        k: v for k, v in SOFTMAX.items() if k != "loss"}, expect=f"{RIGHT} + theta")
    assert d.check.passed
    assert not any(s.kind == "chain" for s in d.steps)
    assert any(s.kind == "assemble" and "(direct)" in s.text for s in d.steps)


def test_the_language_entrywise_indexing_and_functions():
    # ℓ = θ[1,2]² + mean(θ) + trace(θ)  for a 2×2 θ: ∂/∂θ = [[1/4 + 1, 2θ₁₂ + 1/4], ...]
    d = api.grad("theta[1, 2]**2 + mean(theta) + trace(theta)", "theta", "theta=2x2")
    t12 = sympy.Symbol("theta_1_2", real=True)
    q = sympy.Rational(1, 4)
    assert d.result.value == sympy.Matrix([[q + 1, 2 * t12 + q], [q, q + 1]])
    d = api.grad("logsumexp(v) - v.T @ w", "v", "v=2, w=2x1")
    v1, v2, w1 = sympy.symbols("v_1 v_2 w_1", real=True)
    assert sympy.simplify(d.result.value[0] - (sympy.exp(v1) / (sympy.exp(v1) + sympy.exp(v2))
                                               - w1)) == 0


# -- errors: exit codes and one-line messages ----------------------------------------------


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["theta @ x", "--wrt", "theta", "--shape", "theta=3x2, x=3x1"], 1,
         "theta has 2 columns but x has 3 rows"),
        (["sum(theta * x)", "--wrt", "theta", "--shape", "theta=3x2, x=2x1"], 1,
         "for the matrix product write theta @ x"),
        # a vector loss is not a grad problem at all: bad input, not an undefined answer
        (["theta.T @ x", "--wrt", "theta", "--shape", "theta=3x2, x=3x1"], 2,
         "needs a scalar"),
        (["sum(theta) + q", "--wrt", "theta", "--shape", "theta=3x2"], 2, "unknown name 'q'"),
        (["h[3]", "--wrt", "h", "--shape", "h=2x1"], 2, "out of range"),
        (["h[y]", "--wrt", "h", "--shape", "h=2x1", "--index", "y=1..3"], 2, "y = 3"),
        (["sum(theta.shape)", "--wrt", "theta", "--shape", "theta=3x2"], 2, "only attribute"),
        (["__import__('os')", "--wrt", "theta", "--shape", "theta=3x2"], 2, ""),
        (["sum(theta)", "--wrt", "theta", "--shape", "theta=3y2"], 2, "--shape"),
        (["sum(theta)", "--wrt", "x", "--shape", "theta=3x2"], 2, "declared: theta"),
        (["sum(h)", "--wrt", "h", "--shape", "theta=2x2", "--where", "h = theta"], 2,
         "defined by --where"),
        (["sum(x)", "--wrt", "x", "--shape", "x=2x1, x_1=1x1"], 2, "clashes"),
        (["sum(x)", "--wrt", "x", "--shape", "x=2x1", "--index", "y=3..1"], 2, "empty"),
        (["sum(x)", "--wrt", "x", "--shape", "sum=2x1"], 2, "function"),
        (["softmax(t)", "--wrt", "t", "--shape", "t=2x2"], 1, "takes a vector"),
        (["sum(x)", "--wrt", "x", "--shape", "x=100x100"], 3, "at most"),
    ],
)
def test_bad_input_gives_one_line_and_the_right_exit_code(args, code, words):
    r = invoke("grad", *args)
    assert r.exit_code == code, r.output
    out = r.output.strip()
    assert words in out
    assert "Traceback" not in out and len(out.splitlines()) <= 4


def test_errors_name_their_column():
    with pytest.raises(ParseError) as e:
        api.grad("sum(theta) + sum(q)", "theta", "theta=3x2")
    assert e.value.position == 18
    with pytest.raises(ShapeError):
        api.grad("sum(h)", "theta", "theta=3x2, x=2x1", where=["h = theta @ x @ x"])
    with pytest.raises(InputError, match="twice"):
        api.grad("sum(h)", "theta", "theta=3x2", where=["h = theta", "h = theta"])


# -- the command line ------------------------------------------------------------------------


def test_cli_acceptance_exit_codes_and_json():
    ok = invoke(*CLI_SOFTMAX, "--expect", RIGHT, "-f", "json")
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["check"]["passed"] is True and data["result"]["shape"] == [3, 2]
    assert data["jacobian_shape"] == [1, 6]
    bad = invoke(*CLI_SOFTMAX, "--expect", WRONG, "--format", "json")
    assert bad.exit_code == 1
    assert json.loads(bad.output)["check"]["passed"] is False


def test_cli_takes_a_loss_and_an_expectation_that_start_with_minus():
    r = invoke("grad", "--wrt", "t", "-t[1]**2", "--shape", "t=2x1", "--expect",
               "-2*t * [1, 0]", "-fjson")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["result"]["matrix"] == [["-2*t_1"], ["0"]]


def test_installed_script_runs_the_acceptance_command():
    exe = os.path.join(os.path.dirname(sys.executable), "symjac")
    r = subprocess.run([exe, *CLI_SOFTMAX, "--expect", RIGHT], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert "check: passed" in r.stdout and "zero except column 1" in r.stdout
    r = subprocess.run([exe, *CLI_SOFTMAX, "--expect", WRONG], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "check: FAILED" in r.stdout


def test_an_expectation_written_without_the_intermediates_is_compared_entrywise():
    d = api.grad(**SOFTMAX, expect="x @ (softmax(theta.T @ x) - onehot(y, 2)).T")
    assert d.check.passed
    d = api.grad(**SOFTMAX, expect="x @ (softmax(theta.T @ x) - onehot(3 - y, 2)).T")
    assert not d.check.passed


@pytest.mark.parametrize("loss", ["sum(floor(h))", "sum(ceiling(h))"])
def test_a_loss_without_a_derivative_is_undefined_not_a_crash(loss):
    r = invoke("grad", loss, "--wrt", "theta", "--shape", "theta=3x2, x=3x1",
               "--where", "h = theta.T @ x")
    assert r.exit_code == 1 and "undefined" in r.output


@pytest.mark.parametrize("loss", ["sum(sqrt(h))", "sum(log(log(h)))", "sum(abs(h))",
                                  "h[1] / h[2]", "sum(relu(h)**2)", "sum(acosh(h))"])
def test_losses_with_domains_and_kinks_give_an_answer(loss):
    # the two routes are compared only where both are real: never a false "bug"
    r = invoke("grad", loss, "--wrt", "theta", "--shape", "theta=3x2, x=3x1",
               "--where", "h = theta.T @ x", "-f", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["result"]["shape"] == [3, 2]


def test_json_form_round_trips():
    from symjac.core.model import Derivation

    d = api.grad(**SOFTMAX, expect=WRONG)
    data = json.loads(render(d, "json"))
    back = Derivation.from_dict(data)
    assert back.to_dict() == data
    assert back.steps == d.steps and back.check == d.check


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 4), k=st.integers(1, 4))
def test_bilinear_form_gradient_is_the_outer_product(n, k):
    # ℓ = xᵀθz  =>  ∂ℓ/∂θ_ij = x_i z_j, i.e. ∇θ ℓ = x zᵀ (by hand)
    d = api.grad("x.T @ theta @ z", "theta", f"theta={n}x{k}, x={n}x1, z={k}x1",
                 expect="x @ z.T")
    assert d.check.passed and d.result.shape == (n, k)
    for i in range(n):
        for j in range(k):
            xi = f"x_{i + 1}" if n > 1 else "x"
            zj = f"z_{j + 1}" if k > 1 else "z"
            assert sympy.expand(d.result.value[i, j] - sympy.Symbol(xi, real=True)
                                * sympy.Symbol(zj, real=True)) == 0
    assert not api.grad("x.T @ theta @ z", "theta", f"theta={n}x{k}, x={n}x1, z={k}x1",
                        expect="2 * x @ z.T").check.passed


def test_definitions_may_share_one_where_separated_by_semicolons():
    one = api.grad("-h[y] + log(sum(exp(h)))", "W2", "W1=2x2, W2=2x2, x=2x1",
                   where="a = W1.T @ x; r = relu(a); h = W2.T @ r", index="y=1..2",
                   expect="r @ (softmax(h) - onehot(y, 2)).T")
    assert one.check.passed
    assert list(one.extra["intermediates"]) == ["a", "r", "h"]
