"""The symengine Jacobian path prints exactly what the sympy path prints, or declines."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest
import sympy
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symjac import api, parsing
from symjac.cli import cli
from symjac.errors import SymjacError
from symjac.ops import fastdiff
from symjac.ops.fastdiff import MAX_LISTED_VARIABLES, statement

NAMES = ["x", "y", "z", "x1", "x12"]


def _expr_text(draw, depth: int, symbolic: bool = False) -> str:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.integers(0, 3)) != 0 if symbolic else draw(st.booleans()):
            return draw(st.sampled_from(NAMES))
        return str(draw(st.integers(1, 7)))
    kind = draw(st.sampled_from(["+", "-", "*", "/", "**", "f", "neg"]))
    a = _expr_text(draw, depth - 1, symbolic)
    if kind == "f":
        return f"{draw(st.sampled_from(fastdiff.FUNCTIONS + ('sigmoid', 'softplus')))}({a})"
    if kind == "neg":
        return f"-({a})"
    if kind == "**":
        return f"({a})**{draw(st.sampled_from(['2', '3', '(-1)', '(-2)', '4']))}"
    return f"({a}) {kind} ({_expr_text(draw, depth - 1, symbolic)})"


@st.composite
def systems(draw):
    """1-3 functions; half of the systems are mostly symbols (fewer numbers to fold)."""
    symbolic = draw(st.booleans())
    return [
        _expr_text(draw, draw(st.integers(1, 5)), symbolic)
        for _ in range(draw(st.integers(1, 3)))
    ]


def _sympy_jacobian(funcs: list[str], names: list[str]):
    symbols: dict = {}
    exprs = [parsing.parse_expression(f, symbols) for f in funcs]
    xs = [symbols.setdefault(n, sympy.Symbol(n, real=True)) for n in names]
    return [[sympy.diff(f, x) for x in xs] for f in exprs]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_both_engines_print_the_same_jacobian(funcs):
    """Property: where the fast path answers, every entry is sympy's own sstr and latex."""
    symbols: dict = {}
    try:
        exprs = fastdiff.parse_functions(", ".join(funcs), symbols)
        xs = [symbols.get(n) or fastdiff._Builder(symbols).symbol(n) for n in NAMES]
        trees = fastdiff.jacobian_entries(exprs, xs)
    except (fastdiff.Decline, ZeroDivisionError):
        return
    try:
        want = _sympy_jacobian(funcs, NAMES)
    except SymjacError:
        return  # e.g. division by zero: the sympy path raises, the api never asks fastdiff
    p = fastdiff.Printer()
    for i, row in enumerate(trees):
        for j, tree in enumerate(row):
            assert p.sstr(tree) == sympy.sstr(want[i][j]), (funcs[i], NAMES[j])
            assert p.latex(tree) == sympy.latex(want[i][j]), (funcs[i], NAMES[j])


def test_fast_jacobian_standalone_on_the_worksheet():
    symbols: dict = {}
    exprs = fastdiff.parse_functions("x0**3*x1, cos(x1)**2 + 5*x0, x1*exp(x0)", symbols)
    got = fastdiff.fast_jacobian(exprs, [symbols["x0"], symbols["x1"]])
    # By hand, as on the worksheet: d(x0^3 x1) = (3 x0^2 x1, x0^3), ...
    assert got == [
        ["3*x0**2*x1", "x0**3"],
        ["5", "-2*sin(x1)*cos(x1)"],
        ["x1*exp(x0)", "exp(x0)"],
    ]


def _generated(n: int, seed: int, extra: bool = True) -> tuple[list[str], list[str]]:
    """benchmarks/peers.py's system (seed 0, extra=False), with more functions if extra."""
    rng = random.Random(seed)
    funcs = []
    for _ in range(n):
        a, b, c = rng.sample(range(n), 3)
        f = f"x{a}**3*x{b} + cos(x{b})**2 + 5*x{c} + x{a}*exp(x{c}) + sin(x{a}*x{b}**2*x{c})"
        if extra:  # -tan(x)/y differentiates to -(tan(x)**2 + 1)/y: a row for sympy
            f += f" - tan(x{c})/x{a} + log(x{b})**2*tanh(x{a})"
        funcs.append(f)
    return funcs, [f"x{i}" for i in range(n)]


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("n", [12, 14])  # 14: past MAX_LISTED_VARIABLES, a note lists them
def test_api_derivations_are_identical(layout, n):
    funcs, names = _generated(n, 3)
    args = (", ".join(funcs), ", ".join(names))
    fast = api.jacobian(*args, layout=layout, steps=False)
    slow = api.jacobian(*args, layout=layout, steps=False, engine="sympy")
    assert isinstance(fast.result.value, fastdiff.LazyMatrix)
    assert fast.to_dict() == slow.to_dict()
    assert fast.warnings == slow.warnings
    assert fast.notes == slow.notes and bool(fast.notes) == (n > MAX_LISTED_VARIABLES)
    # the lazy value is the sympy matrix itself, when a renderer asks
    assert fast.result.value.shape == slow.result.value.shape
    assert fast.result.value[0, 0] == slow.result.value[0, 0]


@pytest.mark.parametrize(
    "functions, wrt",
    [
        ("x**3*y, y*exp(x)", None),  # default variables
        ("[x*y, x + y]", "[x, y]"),
        ("x*y", "y"),
        ("1 - tanh(x)", "x"),
        ("x/y**2 - 3*x/2 + y**(-3)", "x, y"),
        ("exp(-x)*x + exp(2*x)*y", "x, y"),
        ("x, 2*x, 3", "x, q"),  # q unused: a warning
        ("sigmoid(x)*y + softplus(x*y)", None),
        (" + ".join(f"x{i}**2*sin(x{i})" for i in range(150)), None),  # a long sum, 150 columns
    ],
)
def test_examples_match_the_sympy_path(functions, wrt):
    fast = fastdiff.fast_jacobian_derivation(functions, wrt)
    assert fast is not None
    slow = api.jacobian(functions, wrt, steps=False, engine="sympy")
    assert fast.to_dict() == slow.to_dict()


@pytest.mark.parametrize(
    "functions",
    [
        "2*(x + 1)",  # sympy distributes the 2; symengine does not
        "sqrt(x)",
        "x**y",
        "abs(x)",
        "0.5*x",
        "pi*x",
        "sin(1)*x",
        "log(exp(x))",
        "E*x",
        "x**(10**6)",
        "exp(exp(x))",
        "exp(log(x)) + exp(2*log(y))",
        "1 - x*(1 - (1 + x))",
        "-1/tan(x) + x*(y + 1)",
        "*".join(["10**30"] * 12) + "*x",  # 360 digits: fine, and printed by sympy past 1000 bits
        "*".join(["123456789012345678901234567890"] * 40) + "*x",
        "log(-1/(1 + x))",
        "-tan(x)*y + sin(1 - x)",
    ],
)
@pytest.mark.parametrize("wrt", ["x, y", None, "y, x, w"])
def test_rows_outside_the_class_are_worked_by_sympy(functions, wrt):
    system = f"x*y**2, {functions}, cos(x)*exp(y)"
    fast = fastdiff.fast_jacobian_derivation(system, wrt)
    assert fast is not None
    slow = api.jacobian(system, wrt, steps=False, engine="sympy")
    assert fast.to_dict() == slow.to_dict()


@pytest.mark.parametrize(
    "functions, wrt",
    [
        ("theta**2", "theta"),  # a name the fast printer does not write
        ("[[x, y], [y, x]]", "x, y"),  # a matrix of functions
        ("x*y", "[[x, y]]"),
        ("x*y", "x y; "),
        ("x, y", "x, x"),  # listed twice: the parser says so
        ("x/0", "x"),  # the parser's error, with its column
        ("x +", "x"),
        ("__import__('os')", "x"),
        ("x.real", "x"),
        ("x" + "+x" * 600_000, "x"),
        ("x, sin(x, y)", "x"),
    ],
)
def test_declines_what_the_sympy_path_must_answer(functions, wrt):
    assert fastdiff.fast_jacobian_derivation(functions, wrt) is None


def test_errors_are_unchanged_with_no_steps():
    r = CliRunner().invoke(cli, ["jacobian", "x/0", "--wrt", "x", "--no-steps"])
    assert r.exit_code == 2 and "division by zero" in r.output
    r = CliRunner().invoke(cli, ["jacobian", "x, y", "--wrt", "x, x", "--no-steps"])
    assert r.exit_code == 2 and "listed twice" in r.output


def test_every_format_is_unchanged_with_no_steps():
    from symjac.render import render

    args = ("x0**3*x1, cos(x1)**2 + 5*x0, x1*exp(x0)", "x0, x1")
    fast = api.jacobian(*args, steps=False)
    slow = api.jacobian(*args, steps=False, engine="sympy")
    for fmt in ("text", "markdown", "latex", "json"):
        assert render(fast, fmt, steps=False) == render(slow, fmt, steps=False), fmt


def test_limits_mirror_the_parser():
    assert fastdiff.MAX_LENGTH == parsing.MAX_LENGTH
    assert fastdiff.MAX_DEPTH == parsing.MAX_DEPTH


def test_statement_is_the_worksheets_sentence():
    # worksheet 2(a): f : R^2 -> R^3, so the Jacobian is 3x2
    assert statement(3, 2, ["x", "y"], "numerator") == (
        "f : ℝ² → ℝ³ in (x, y), so ∇f is 3×2 (numerator convention: outputs × inputs)")
    assert statement(1, 1, ["x"], "denominator").startswith("f : ℝ → ℝ in (x), so ∇f is 1×1 (")
    names = [f"x{i}" for i in range(MAX_LISTED_VARIABLES + 1)]
    assert f"in (x0, x1, x2, …, x{len(names) - 2}, x{len(names) - 1})" in statement(
        2, len(names), names, "numerator")


def test_bad_engine_is_an_input_error():
    from symjac.errors import InputError

    with pytest.raises(InputError, match="engine"):
        api.jacobian("x", engine="maxima")


def _installed_symjac() -> str:
    return os.path.join(os.path.dirname(sys.executable), "symjac")


def test_json_no_steps_200_functions_without_importing_sympy():
    funcs, names = _generated(200, 0, extra=False)
    code = (
        "import sys, json\n"
        "from symjac.cli import main\n"
        "sys.argv = ['symjac', 'jacobian', sys.argv[1], '--wrt', sys.argv[2], '--format', "
        "'json', '--no-steps']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as e:\n"
        "    assert 'sympy' not in sys.modules, 'sympy was imported'\n"
        "    raise\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, ", ".join(funcs), ", ".join(names)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-500:]
    out = json.loads(done.stdout)
    assert out["result"]["shape"] == [200, 200]
    # a few nonzero entries against sympy.diff, independently
    for i in (0, 7, 199):
        name = funcs[i].split("**")[0]  # x{a}, which occurs in f_i
        j = names.index(name)
        want = _sympy_jacobian([funcs[i]], [name])[0][0]
        assert want != 0
        assert out["result"]["matrix"][i][j] == sympy.sstr(want)


def test_installed_script_help_does_not_import_sympy():
    code = (
        "import sys, runpy\n"
        "sys.argv = ['symjac', '--help']\n"
        "try:\n"
        "    runpy.run_module('symjac', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = [m for m in ('sympy', 'rich', 'symengine', 'flint') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert "Usage" in done.stdout
    r = subprocess.run([_installed_symjac(), "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "0.1.0" in r.stdout


def test_the_lazy_value_behaves_like_the_matrix():
    fast = api.jacobian("x**2*y, sin(y)", "x, y", steps=False)
    slow = api.jacobian("x**2*y, sin(y)", "x, y", steps=False, engine="sympy")
    v, m = fast.result.value, slow.result.value
    assert isinstance(v, fastdiff.LazyMatrix)
    assert v == m and m == v and not (v != m)
    assert v.T == m.T and list(v) == list(m) and len(v) == 4 and str(v) == str(m)
    assert v[0, 0] == 2 * sympy.Symbol("x", real=True) * sympy.Symbol("y", real=True)


def test_cli_json_equals_the_sympy_engine_on_the_benchmark_system():
    from symjac.render import render

    funcs, names = _generated(40, 0, extra=False)
    args = ["jacobian", ", ".join(funcs), "--wrt", ", ".join(names), "--format", "json"]
    r = CliRunner().invoke(cli, [*args, "--no-steps"])
    assert r.exit_code == 0
    slow = api.jacobian(", ".join(funcs), ", ".join(names), steps=False, engine="sympy")
    assert json.loads(r.stdout) == json.loads(render(slow, "json", steps=False))


def _rich_text(d) -> str:
    import io

    from rich.console import Console

    from symjac.render import render

    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(render(d, "rich", steps=False))
    return out.getvalue()


def test_rich_output_is_unchanged_for_both_fast_paths():
    args = ("x0**3*x1, cos(x1)**2 + 5*x0, x1*exp(x0)", "x0, x1")
    fast = api.jacobian(*args, steps=False)
    slow = api.jacobian(*args, steps=False, engine="sympy")
    assert _rich_text(fast) == _rich_text(slow)
    assert "sin(x1)" in _rich_text(fast)  # the matrix itself is shown, not elided
    from symjac.ops.fastmat import fast_matmul
    from symjac.ops.matmul import matmul as slow_matmul

    texts = ["[[1/2,1],[0,3]]", "[[2,0],[1,-1/3]]"]
    quick = fast_matmul(texts)
    ref = slow_matmul([parsing.parse_matrix(t) for t in texts], steps=False)
    assert _rich_text(quick) == _rich_text(ref)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems(), st.sampled_from([None, "x, y", "z, x1, x12, x"]),
       st.sampled_from(["numerator", "denominator"]))
def test_the_api_gives_the_sympy_engines_derivation(funcs, wrt, layout):
    """Property, end to end: fast rows, sympy rows and declines all give the reference."""
    text = ", ".join(funcs)
    try:
        want = api.jacobian(text, wrt, layout=layout, steps=False, engine="sympy")
    except SymjacError:
        assert fastdiff.fast_jacobian_derivation(text, wrt, layout) is None
        return
    got = fastdiff.fast_jacobian_derivation(text, wrt, layout)
    if got is not None:
        assert got.to_dict() == want.to_dict()


def test_empty_point_or_expectation_is_still_an_error_with_no_steps():
    r = CliRunner().invoke(cli, ["jacobian", "x*y", "--wrt", "x, y", "--no-steps", "--at", ""])
    assert r.exit_code == 2 and "empty" in r.output
    r = CliRunner().invoke(cli, ["jacobian", "x*y", "--no-steps", "--expect", ""])
    assert r.exit_code == 2
