"""symjac jacobian: the worksheet's problem 2, its options and its errors.

Expected Jacobians come from the worksheet (2a, 2b) or from hand
computation; stepper results are compared with sympy.diff, an independent
route.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner

from symjac import api
from symjac.cli.commands import cli
from symjac.core.errors import InputError, ParseError, UndefinedError
from symjac.language.parser import parse_expression, parse_functions, parse_point, parse_variables
from symjac.ops.jacobian import finite_difference_check, natural_key

A2 = "x**3*y, cos(y)**2 + 5*x, y*exp(x)"
B2 = "p + 4*q, sin(r**2*s)"
B2_WRT = "[[p, q], [r, s]]"


def invoke(*args: str):
    return CliRunner().invoke(cli, ["jacobian", *args])


def sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


# -- the worksheet -------------------------------------------------------------------


def test_worksheet_2a_matrix_variables_and_statement():
    d = api.jacobian(A2)
    assert d.result.shape == (3, 2)
    assert d.result.matrix == (
        ("3*x**2*y", "x**3"),
        ("5", "-2*sin(y)*cos(y)"),
        ("y*exp(x)", "exp(x)"),
    )
    assert d.variables == ("x", "y")
    assert d.summary == (
        "f : ℝ² → ℝ³ in (x, y), so ∇f is 3×2 (numerator convention: outputs × inputs)"
    )


def test_worksheet_2a_one_partial_step_per_entry_equal_to_sympy_diff():
    d = api.jacobian(A2)
    partials = [s for s in d.steps if s.kind == "partial"]
    assert [s.index for s in partials] == [(i, j) for i in (1, 2, 3) for j in (1, 2)]
    fs = [parse_expression(t) for t in ("x**3*y", "cos(y)**2 + 5*x", "y*exp(x)")]
    for s in partials:
        i, j = s.index
        f, v = fs[i - 1], (sym("x"), sym("y"))[j - 1]
        assert s.data["of"] == sympy.sstr(f)
        assert s.data["wrt"] == str(v)
        assert s.data["result"] == sympy.sstr(sympy.diff(f, v))
        assert s.chain[-1] == s.data["result"]
        assert s.rules


def test_worksheet_2a_cos_squared_entry_shows_chain_rule_working():
    d = api.jacobian(A2)
    step = next(s for s in d.steps if s.index == (2, 2))
    assert step.chain == ("2*cos(y)*(-sin(y))", "-2*sin(y)*cos(y)")
    assert "chain rule" in step.rules
    assert "trigonometric" in step.rules
    # The LaTeX of the worked form keeps the brackets: not "2 cos(y) - sin(y)".
    assert r"\left(-\sin{\left(y\right)}\right)" in step.latex_chain[0]


def test_worksheet_2b_matrix_input_flattened_row_major():
    d = api.jacobian(B2, wrt=B2_WRT)
    assert d.result.shape == (2, 4)
    assert d.result.matrix == (
        ("1", "4", "0", "0"),
        ("0", "0", "2*r*s*cos(r**2*s)", "r**2*cos(r**2*s)"),
    )
    assert d.variables == ("p", "q", "r", "s")
    assert "so ∇f is 2×4" in d.summary
    assert "The 2×2 input [[p, q], [r, s]] is flattened row-major to (p, q, r, s)." in d.notes
    assert len([s for s in d.steps if s.kind == "partial"]) == 8


def test_order_col_gives_vec_order():
    d = api.jacobian(B2, wrt=B2_WRT, order="col")
    assert d.variables == ("p", "r", "q", "s")
    # Columns follow the variables: ∂f/∂p, ∂f/∂r, ∂f/∂q, ∂f/∂s.
    assert d.result.matrix[0] == ("1", "0", "4", "0")
    assert any("column-major (vec) to (p, r, q, s)" in n for n in d.notes)


def test_matrix_valued_function_flattened_row_major():
    d = api.jacobian("[[x*y, x], [y, x + y]]", wrt="x, y")
    assert d.result.matrix == (("y", "x"), ("1", "0"), ("0", "1"), ("1", "1"))
    assert "so ∇f is 4×2" in d.summary
    assert any("2×2 matrix-valued function is flattened row-major" in n for n in d.notes)


def test_denominator_layout_is_the_transpose_and_says_so():
    num = api.jacobian(A2)
    den = api.jacobian(A2, layout="denominator")
    assert den.result.matrix == tuple(zip(*num.result.matrix, strict=True))
    assert "2×3 (denominator convention: inputs × outputs" in den.summary
    # Step indices are places in the result: ∂f₃/∂x sits at (1, 3).
    step = next(s for s in den.steps if s.data["output"] == 3 and s.data["wrt"] == "x")
    assert step.index == (1, 3)


# -- variables --------------------------------------------------------------------------


def test_default_variables_in_natural_order():
    d = api.jacobian("x10 + x2 + x1")
    assert d.variables == ("x1", "x2", "x10")
    assert sorted([sym("b2"), sym("a"), sym("b10")], key=natural_key) == [
        sym("a"), sym("b2"), sym("b10")
    ]


def test_many_variables_abbreviated_in_headline_but_listed_in_a_note():
    d = api.jacobian(" + ".join(f"x{i}" for i in range(1, 16)))
    assert "in (x1, x2, x3, …, x14, x15)" in d.summary
    assert "The 15 variables, in order: x1, x2, x3, x4, x5, x6, x7, x8, x9, x10," in d.notes[0]


def test_many_variables_that_do_not_occur_give_one_warning():
    names = [f"v{i}" for i in range(1, 13)]  # v1 and v2 occur, ten do not
    for engine in ("auto", "sympy"):
        d = api.jacobian("v1*v2", wrt=", ".join(names), engine=engine, steps=False)
        assert d.result.matrix[0][2:] == ("0",) * 10
        (w,) = d.warnings
        assert w.startswith("10 variables do not occur in the functions (v3, v4, v5, v6, v7, …)")
        assert w.endswith("columns of ∇f are zero")
    d = api.jacobian("v1*v2", wrt=", ".join(names), layout="denominator", steps=False)
    assert d.warnings[0].endswith("rows of ∇f are zero")


def test_atan2_keeps_its_comma():
    d = api.jacobian("atan2(y, x)")
    assert d.result.shape == (1, 2)
    x, y = sym("x"), sym("y")
    assert d.to_sympy(real=True)[0, 0] == sympy.diff(sympy.atan2(y, x), x)


def test_variable_that_does_not_occur_gives_zero_column_and_warning():
    d = api.jacobian("x*y", wrt="x, y, z")
    assert d.result.matrix == (("y", "x", "0"),)
    assert any("z does not occur" in w for w in d.warnings)
    r = invoke("x*y", "--wrt", "x, y, z", "-f", "json")
    assert r.exit_code == 0
    assert "z does not occur" in r.stderr
    assert json.loads(r.stdout)["result"]["matrix"] == [["y", "x", "0"]]


def test_parameters_not_in_wrt_are_constants():
    d = api.jacobian("a*x**2 + b", wrt="x")
    assert d.result.matrix == (("2*a*x",),)


@pytest.mark.parametrize(
    "text, wrt, message",
    [
        ("x*y", "x, x", "listed twice"),
        ("x*y", "x, sin", "'sin' is a function"),
        ("x*y", "x, 2", "not the number 2"),
        ("x*y", "x + y", "must be a name"),
        ("x*y", "pi", "constant"),
        ("x*y", "[[x, y], [z]]", "ragged"),
        ("x*y", "", "empty"),
        ("x*y", "[]", "empty"),
        ("foo(x)", None, "unknown function 'foo'"),
        ("", None, "empty"),
        ("x, [y]", None, "list is not allowed"),
        ("5, 3", None, "no variables"),
        ("x^", None, "needs a power after it"),
        ("__import__('os')", None, "unknown function '__import__'"),
    ],
)
def test_bad_input_is_an_input_error(text, wrt, message):
    with pytest.raises(InputError, match=message):
        api.jacobian(text, wrt=wrt)


def test_variables_compact_rows_form():
    variables, shape = parse_variables("p q; r s")
    assert [str(v) for v in variables] == ["p", "q", "r", "s"] and shape == (2, 2)


def test_functions_share_symbols_with_variables_point_and_expect():
    symbols: dict = {}
    funcs, _ = parse_functions("x*y", symbols)
    variables, _ = parse_variables("y, x", symbols)
    assert variables[1] is symbols["x"] and funcs[0].has(variables[0])


# -- --at -----------------------------------------------------------------------------------


def test_at_a_point_exact_and_decimal():
    d = api.jacobian(A2, at="x=1, y=2")
    # By hand: [[3*1*2, 1], [5, -2 sin 2 cos 2], [2e, e]].
    e = sympy.E
    s2, c2 = sympy.sin(2), sympy.cos(2)
    assert d.to_sympy(real=True) == sympy.Matrix([[6, 1], [5, -2 * s2 * c2], [2 * e, e]])
    dec = d.extra["at"]["decimal"]
    assert float(dec[1][1]) == pytest.approx(-2 * 0.9092974268256817 * -0.4161468365471424)
    assert float(dec[2][0]) == pytest.approx(2 * 2.718281828459045)
    assert d.label == "∇f(x=1, y=2)"


def test_at_division_by_zero_is_undefined_not_zoo():
    with pytest.raises(UndefinedError, match="undefined at x=0"):
        api.jacobian("1/x, y", wrt="x, y", at="x=0, y=1")
    r = invoke("1/x", "--at", "x=0", "-f", "text")
    assert r.exit_code == 1
    assert "zoo" not in r.output and "undefined" in r.output


def test_at_dirac_delta_is_not_a_number():
    # d/dx sign(x) = 2*DiracDelta(x), which has no value at 0: sign jumps there.
    with pytest.raises(UndefinedError, match="undefined at x=0: the function jumps"):
        api.jacobian("sign(x)", at="x=0")


def test_at_not_real_is_undefined():
    with pytest.raises(UndefinedError, match="not a real number"):
        api.jacobian("sqrt(x)", at="x=-1")


@pytest.mark.parametrize(
    "at, message",
    [
        ("z=1", "'z', which is not a variable"),
        ("x=1, x=2", "twice"),
        ("x", "not an assignment"),
        ("x=a", "must be a number"),
        ("x=1/0", "division by zero"),
        ("", "empty"),
    ],
)
def test_bad_point_exit_2(at, message):
    r = invoke("x*y", "--at", at, "-f", "text")
    assert r.exit_code == 2
    assert message in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output


def test_a_point_naming_some_variables_says_which_stay_symbolic():
    d = api.jacobian("x*y*z", at="y=2")
    assert d.to_sympy(real=True) == sympy.Matrix([[2 * sym("z"), sym("x") * sym("z"),
                                                  2 * sym("x")]])
    assert d.extra["at"]["symbolic"] == ["x", "z"]
    assert any("x, z" in w and "stay symbolic" in w for w in d.warnings)
    full = api.jacobian("x*y*z", at="x=1, y=2, z=3")
    assert full.extra["at"]["symbolic"] == [] and not any("symbolic" in w
                                                          for w in full.warnings)


@pytest.mark.parametrize("steps", ["--steps", "--no-steps"])
def test_a_partial_point_is_said_before_the_result(steps):
    r = invoke("x*y", "--at", "x=1", steps, "-f", "text")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    said = next(i for i, t in enumerate(lines) if "gives no value for y" in t)
    result = next(i for i, t in enumerate(lines) if t.startswith("∇f(x=1) ="))
    assert said < result and "y stays symbolic" in lines[said]
    assert "y stays symbolic" in r.stderr  # the warning, as every warning is said
    out = json.loads(invoke("x*y", "--at", "x=1", steps, "-f", "json").stdout)
    assert any("y stays symbolic" in w for w in out["warnings"])
    assert out["result"]["matrix"] == [["y", "1"]] and out["at"]["symbolic"] == ["y"]


def test_point_values_may_be_constant_expressions():
    [(name, value, _)] = parse_point("t = atan2(1, 2)")
    assert name == "t" and value == sympy.atan2(1, 2)


# -- --expect and --check ---------------------------------------------------------------------


def test_expect_right_answer_in_another_form_passes():
    d = api.jacobian(A2, expect="[[3*x**2*y, x**3], [5, -sin(2*y)], [y*exp(x), exp(x)]]")
    assert d.check.passed and d.ok


def test_expect_wrong_entries_are_listed_and_exit_1():
    r = invoke(A2, "--expect", "[[3*x**2*y, x**3], [5, 2*sin(y)*cos(y)], [exp(x), exp(x)]]",
               "-f", "json")
    assert r.exit_code == 1
    check = json.loads(r.stdout)["check"]
    assert check["passed"] is False
    assert [m["index"] for m in check["mismatches"]] == [[2, 2], [3, 1]]


def test_expect_wrong_shape_fails_and_hints_at_row_syntax():
    d = api.jacobian("x*y", expect="[y, x]")
    assert not d.check.passed and "1×2" in d.check.message
    assert "a row is written [[a, b]]" in d.check.message
    assert not api.jacobian("x*y, x", expect="[[y, x]]").check.passed


def test_check_finite_differences_pass_on_worksheet():
    d = api.jacobian(B2, wrt=B2_WRT, check=True)
    assert d.check.passed
    fd = d.extra["finite_differences"]
    assert len(fd["points"]) == 3 and fd["max_error"] < 1e-6


def test_finite_differences_catch_a_wrong_jacobian():
    x, y = sym("x"), sym("y")
    wrong = sympy.Matrix([[y, 2 * x]])  # ∂(x*y)/∂y is x, not 2x
    check, record = finite_difference_check([x * y], [x, y], wrong)
    assert not check.passed
    assert {tuple(m["index"]) for m in check.mismatches} == {(1, 2)}


def test_finite_differences_with_no_point_in_the_domain_do_not_pass():
    d = api.jacobian("sqrt(-x**2 - 1)", check=True)
    assert not d.check.passed and "nothing was checked" in d.check.message


def test_check_and_expect_together_both_reported():
    d = api.jacobian("x*y", expect="[[y, x]]", check=True)
    assert d.check.passed
    assert "entries match" in d.check.message and "finite differences" in d.check.message


# -- options --------------------------------------------------------------------------------


def test_simplify_adds_a_stage_and_simplifies_the_result():
    text = "(x**2 - 1)/(x - 1)"  # x + 1, so the derivative is 1
    plain = api.jacobian(text)
    simple = api.jacobian(text, simplify=True)
    assert simple.result.matrix == (("1",),)
    assert plain.to_sympy(real=True)[0, 0] != 1  # diff leaves the quotient
    step = simple.steps[0]
    assert step.chain[-1] == "1" and step.data["stage_rules"][-1] == "--simplify"


def test_no_steps_does_not_call_the_stepper(monkeypatch):
    import symjac.ops.diffsteps as diffsteps

    def boom(*args, **kwargs):
        raise AssertionError("the stepper was called")

    monkeypatch.setattr(diffsteps, "differentiate", boom)
    d = api.jacobian(A2, steps=False)
    assert d.steps == ()
    assert d.result.matrix[1][1] == "-2*sin(y)*cos(y)"


def test_large_jacobian_works_nonzero_entries_first_then_elides():
    # 11 × 12 with 22 nonzero entries: all of those worked, the 110 zeros only counted.
    funcs = ", ".join(f"x{i}*x{i + 1}" for i in range(1, 12))
    d = api.jacobian(funcs)
    partials = [s for s in d.steps if s.kind == "partial"]
    assert len(partials) == 22 and all(s.chain[-1] != "0" for s in partials)
    assert [s.text for s in d.steps if s.kind == "note"] == [
        "110 entries are 0 (the function does not contain the variable) and are not listed"
    ]
    full = api.jacobian(funcs, all_steps=True)
    assert sum(s.kind == "partial" for s in full.steps) == 132
    assert not any(s.kind == "note" for s in full.steps)


def test_large_dense_jacobian_elides_after_100_unless_all_steps():
    names = [f"x{j}" for j in range(1, 13)]
    funcs = ", ".join(f"{i}*(" + " + ".join(names) + ")" for i in range(1, 12))  # 11 × 12
    d = api.jacobian(funcs)
    assert sum(s.kind == "partial" for s in d.steps) == 100
    assert d.steps[-1].kind == "note" and d.steps[-1].text.startswith("32 more")
    assert d.to_sympy(real=True) == sympy.Matrix(11, 12, lambda i, j: i + 1)
    full = api.jacobian(funcs, all_steps=True)
    assert sum(s.kind == "partial" for s in full.steps) == 132


# A function of about 2,300 symbols, numbers and operations: past what is worked by
# default (ops.fastdiff.DEFAULT_MAX_WORKED_SIZE).
LONG = " + ".join(f"sin({k}*x)*y**{k % 5 + 1}" for k in range(1, 160))


@pytest.mark.parametrize("engine", ["symengine", "sympy"])
def test_a_long_function_is_computed_but_not_worked(engine):
    d = api.jacobian(f"x*y, {LONG}, y**2", "x, y", engine=engine)
    worked = {s.index for s in d.steps if s.kind == "partial"}
    assert worked == {(1, 1), (1, 2), (3, 1), (3, 2)}  # row 2 is left out, not the rows after
    (note,) = [s for s in d.steps if s.kind == "note"]
    assert note.data == {"long": 2, "long_functions": [2]}
    assert "f₂" in note.text and "--all-steps" in note.text
    # The entries are there all the same, and right: sympy differentiates the same text.
    x, y = sympy.symbols("x y", real=True)
    f2 = sum(sympy.sin(k * x) * y ** (k % 5 + 1) for k in range(1, 160))
    got = d.to_sympy(real=True)
    assert sympy.expand(got[1, 0] - sympy.diff(f2, x)) == 0
    assert sympy.expand(got[1, 1] - sympy.diff(f2, y)) == 0
    full = api.jacobian(f"x*y, {LONG}, y**2", "x, y", engine=engine, all_steps=True)
    assert {s.index for s in full.steps if s.kind == "partial"} == {
        (i, j) for i in (1, 2, 3) for j in (1, 2)}
    assert not any(s.kind == "note" for s in full.steps)


def test_long_functions_are_told_apart_alike_on_both_engines():
    # symengine holds exp(k*x) as E**(k*x): the constant is not counted, so a sum of
    # 240 exponentials (720 nodes as sympy counts them) is worked on both.
    f = " + ".join(f"exp({k}*x)" for k in range(1, 241))
    kinds = {e: [s.kind for s in api.jacobian(f, "x", engine=e).steps]
             for e in ("symengine", "sympy")}
    assert kinds == {"symengine": ["partial"], "sympy": ["partial"]}
    longer = " + ".join(f"exp({k}*x)" for k in range(1, 501))  # 1,500 nodes
    notes = {e: [s.data for s in api.jacobian(longer, "x", engine=e).steps]
             for e in ("symengine", "sympy")}
    assert notes["symengine"] == notes["sympy"] == [{"long": 1, "long_functions": [1]}]


def test_a_long_functions_plain_zeros_are_counted_as_zeros():
    # 11 × 11, so the zeros are skipped: the long f₁'s entries that are 0 are among them.
    funcs = ", ".join([LONG.replace("x", "x0").replace("y", "x1")]
                      + [f"x{i}*x{i + 1}" for i in range(1, 11)])
    d = api.jacobian(funcs, ", ".join(f"x{i}" for i in range(11)))
    assert [s.data for s in d.steps if s.kind == "note"] == [
        {"zeros": 100}, {"long": 2, "long_functions": [1]}]


def test_a_hessian_does_not_offer_a_flag_it_has_not():
    names = " + ".join(f"x{i}" for i in range(11))
    d = api.hessian(f"({names})**3")  # 121 entries: 100 worked
    (note,) = [s for s in d.steps if s.kind == "note"]
    assert note.data == {"elided": 21} and "--all-steps" not in note.text
    r = CliRunner().invoke(cli, ["hessian", "--all-steps", "x"])
    assert r.exit_code == 2  # no such option


def test_a_function_that_expands_past_memory_is_worked_in_time():
    # Checking a worked form by expanding it against the derivative expanded these
    # products of sums to more terms than memory holds; the default limits now suffice.
    f = "(1 + a + b + c + d)**30*(2 + a - b + c - d)**30/(3 + a*b + c*d)**20"
    r = subprocess.run([sys.executable, "-m", "symjac", "jacobian", f, "--wrt", "a, b",
                        "-f", "json"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    partials = [s for s in json.loads(r.stdout)["steps"] if s["kind"] == "partial"]
    assert len(partials) == 2
    a, b, c, d_ = sympy.symbols("a b c d")
    expr = (1 + a + b + c + d_)**30 * (2 + a - b + c - d_)**30 / (3 + a*b + c*d_)**20
    point = {a: sympy.Rational(1, 3), b: sympy.Rational(-2, 7), c: 2, d_: sympy.Rational(1, 5)}
    for step, v in zip(partials, (a, b), strict=True):
        got = parse_expression(step["result"], {str(s): s for s in (a, b, c, d_)})
        assert got.subs(point) == sympy.diff(expr, v).subs(point)


def test_bad_layout_and_order_in_the_library():
    with pytest.raises(InputError, match="layout"):
        api.jacobian("x", layout="sideways")
    with pytest.raises(InputError, match="order"):
        api.jacobian("x", order="diagonal")


# -- output ---------------------------------------------------------------------------------


def test_json_contract_for_2b():
    r = invoke(B2, "--wrt", B2_WRT, "-f", "json")
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["command"] == "jacobian" and obj["ok"] is True
    assert obj["variables"] == ["p", "q", "r", "s"]
    assert obj["result"]["shape"] == [2, 4]
    assert obj["result"]["matrix"] == [
        ["1", "4", "0", "0"],
        ["0", "0", "2*r*s*cos(r**2*s)", "r**2*cos(r**2*s)"],
    ]
    step = obj["steps"][6]
    assert step["kind"] == "partial" and step["index"] == [2, 3]
    assert step["of"] == "sin(r**2*s)" and step["wrt"] == "r"
    assert step["result"] == "2*r*s*cos(r**2*s)"
    assert "chain rule" in step["rules"]


def test_json_error_object_on_bad_input():
    r = invoke("x*y", "--wrt", "x, x", "-f", "json")
    assert r.exit_code == 2
    err = json.loads(r.stdout)["error"]
    assert err["type"] == "ParseError" and "twice" in err["message"]


def test_text_output_no_steps_shows_only_statement_and_matrix():
    r = invoke(A2, "-f", "text", "--no-steps")
    assert r.exit_code == 0
    assert "∂f" not in r.stdout
    assert r.stdout.splitlines()[0].startswith("f : ℝ² → ℝ³")
    assert "-2·sin(y)·cos(y)" in r.stdout


def test_latex_output_has_no_raw_unicode_superscripts():
    r = invoke(B2, "--wrt", B2_WRT, "-f", "latex")
    assert r.exit_code == 0
    assert r"$\mathbb{R}^{4}$" in r.stdout and "⁴" not in r.stdout


def test_markdown_reads_like_the_worksheet():
    r = invoke(A2, "-f", "markdown")
    out = r.stdout
    assert out.startswith("**Solution:** f : ℝ² → ℝ³ in (x, y), so ∇f is 3×2")
    # The matrix of partial-derivative symbols comes before the matrix of results.
    assert out.index(r"\frac{\partial f_{3}}{\partial y}") < out.index(r"y e^{x} & e^{x}")
    assert out.count("-2 \\sin{\\left(y\\right)} \\cos{\\left(y\\right)}") == 1


def test_leading_minus_after_double_dash():
    r = invoke("-f", "text", "--", "-x*y, x")
    assert r.exit_code == 0, r.output
    assert "-y" in r.stdout


def test_help_has_examples():
    r = invoke("--help")
    assert r.exit_code == 0
    assert 'symjac jacobian "p + 4*q, sin(r**2*s)" --wrt "[[p, q], [r, s]]"' in r.stdout


# -- the installed script ---------------------------------------------------------------------


def _script() -> str:
    path = Path(sys.executable).with_name("symjac")
    if not path.exists():
        pytest.skip("the symjac script is not installed next to this python")
    return str(path)


def test_installed_script_worksheet_2a():
    p = subprocess.run([_script(), "jacobian", A2, "-f", "json"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["result"]["matrix"] == [
        ["3*x**2*y", "x**3"], ["5", "-2*sin(y)*cos(y)"], ["y*exp(x)", "exp(x)"]
    ]
    assert obj["variables"] == ["x", "y"]
    assert sum(s["kind"] == "partial" for s in obj["steps"]) == 6


def test_installed_script_worksheet_2b_and_an_error():
    p = subprocess.run([_script(), "jacobian", B2, "--wrt", B2_WRT, "-f", "json"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)
    assert obj["result"]["matrix"][1] == ["0", "0", "2*r*s*cos(r**2*s)", "r**2*cos(r**2*s)"]
    assert obj["variables"] == ["p", "q", "r", "s"]
    p = subprocess.run([_script(), "jacobian", "x", "--wrt", "x, x"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2
    assert p.stderr.startswith("symjac: error:") and p.stderr.count("\n") == 1


def test_parse_error_is_not_a_parse_of_user_code():
    with pytest.raises(ParseError):
        api.jacobian("x.__class__")


def test_timeout_is_a_limit_exit_3():
    # A subprocess: a time limit can interrupt sympy mid-import, which would
    # break sympy for every later test in this process. Simplifying this sum
    # cannot finish in a second on any machine (28 of its terms take about 5 s).
    big = " + ".join(f"sin(x)**{k}*cos(x)**{k}" for k in range(2, 300))
    p = subprocess.run([_script(), "jacobian", big, "--simplify", "--timeout", "1"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 3, p.stderr
    assert "time limit" in p.stderr


def test_json_round_trip_of_a_jacobian_derivation():
    from symjac.core.model import Derivation

    for d in (api.jacobian(A2, at="x=1, y=2", check=True), api.jacobian(B2, wrt=B2_WRT)):
        assert Derivation.from_dict(json.loads(json.dumps(d.to_dict()))) == d


def test_readme_jacobian_examples_are_the_real_output():
    import shlex

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `symjac jacobian FUNCTIONS`", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    examples = [e for e in block.split("$ ") if e.strip()]
    assert len(examples) == 2
    for example in examples:
        command, expected = example.split("\n", 1)
        args = shlex.split(command)
        assert args[:2] == ["symjac", "jacobian"]
        r = CliRunner().invoke(cli, [*args[1:], "-f", "text"])
        assert r.exit_code == 0
        assert r.stdout.strip() == expected.strip()


def test_what_sympy_cannot_differentiate_is_said_not_crashed():
    # sympy leaves d/dx floor(x) as Derivative(floor(x), x): no number to evaluate.
    d = api.jacobian("floor(2*x) + y")
    assert d.result.matrix[0][1] == "1"
    assert any("cannot differentiate floor," in w for w in d.warnings)
    with pytest.raises(UndefinedError, match="cannot be evaluated"):
        api.jacobian("floor(x)", at="x=1/2")
    assert not api.jacobian("floor(x)", check=True).check.passed
    r = invoke("floor(x)", "--expect", "[[0]]", "-f", "text")
    assert r.exit_code == 1 and "cannot be compared" in r.stdout


@pytest.mark.parametrize("fmt", ["rich", "text", "markdown", "latex", "json"])
@pytest.mark.parametrize(
    "args",
    [
        [A2, "--at", "x=1, y=2", "--check"],
        [B2, "--wrt", B2_WRT, "--layout", "denominator", "--order", "col"],
        ["[[x*y, x], [y, 1]]", "--simplify", "--expect", "[[y, x], [1, 0], [0, 1], [0, 0]]"],
        [", ".join(f"x{i}*x{i + 1}" for i in range(1, 12))],  # elided steps
    ],
)
def test_every_format_renders_every_option(fmt, args):
    r = invoke(*args, "-f", fmt)
    assert r.exit_code == 0, r.output
    assert "∇f" in r.stdout or "nabla" in r.stdout or fmt == "json"
    if fmt == "json":
        assert json.loads(r.stdout)["ok"] is True


def test_leading_minus_needs_no_double_dash():
    r = invoke("-x*y, x", "--layout", "denominator", "-f", "text")
    assert r.exit_code == 0, r.output
    assert "so ∇f is 2×2" in r.stdout


def test_a_real_value_sympy_cannot_prove_real_is_never_called_undefined():
    # With --simplify, sin(1/2) becomes exponentials and sympy's Heaviside (the derivative
    # of min) cannot tell that atan(sin(1/2)) - floor(2x) is real; it refuses with the words
    # it uses for a value that is not real. The value is real: never "undefined".
    r = subprocess.run([sys.executable, "-m", "symjac", "jacobian",
                        "min(atan(sin(1/2)), floor(2*x))", "--simplify"],
                       capture_output=True, text=True)
    assert r.returncode != 1 and "undefined" not in r.stdout, r.stdout
