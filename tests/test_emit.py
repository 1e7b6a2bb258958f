"""--emit and Solution.to_code/to_function: the emitted code, run, against symjac's exact result.

Each emitted function is run at 20 random points and compared with the exact
Jacobian (sympy, evaluated at 30 digits) to 1e-12 relative (relative to
max(1, |entry|)); C is compiled with the system's cc, skipped where there is
none. A gradient's emitted check (central differences of the emitted loss) must
pass.
"""

from __future__ import annotations

import ast
import ctypes
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

import symjac
from symjac.ops.emit import CannotEmit, comment_text

numpy = pytest.importorskip("numpy")

SCRIPT = Path(sys.executable).parent / "symjac"
SYSTEMS = [
    # (functions, wrt, options): the worksheet's 2(a), a matrix of variables, the
    # denominator layout, a parameter that is not a variable, and a sparse system.
    ("x**3*y, cos(y)**2 + 5*x, y*exp(x)", "x, y", {}),
    ("p + 4*q, sin(r**2*s), atan2(q, p), sqrt(p**2 + s**2)", "[[p, q], [r, s]]", {}),
    ("x*y*z, log(x + y**2) - z/(1 + x**2)", "x, y, z", {"layout": "denominator"}),
    ("a*x**2 + exp(-b*y), tanh(a*x*y) + pi*E", "x, y", {}),
    (", ".join(f"x{i}**3*x{(i + 1) % 12} + cos(x{(i + 5) % 12})**2 + x{i}*exp(x{(i + 2) % 12})"
               for i in range(12)), ", ".join(f"x{i}" for i in range(12)), {}),
]


def _exact(matrix: sympy.Matrix, names: list[str], params: list[str], v, p) -> list[list[float]]:
    point = {sympy.Symbol(n): sympy.Rational(x) for n, x in zip(names, v, strict=True)}
    point.update({sympy.Symbol(n): sympy.Rational(x) for n, x in zip(params, p, strict=True)})
    return [[float(matrix[i, j].xreplace(point).evalf(30)) for j in range(matrix.cols)]
            for i in range(matrix.rows)]


def _points(n: int, seed: int) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(0.5, 2.0) for _ in range(n)] for _ in range(20)]


def _close(got, want) -> None:
    for grow, wrow in zip(got, want, strict=True):
        for g, w in zip(grow, wrow, strict=True):
            assert abs(g - w) <= 1e-12 * max(1.0, abs(w)), (g, w)


def _solved(functions, wrt, options):
    d = symjac.jacobian(functions, wrt=wrt, steps=False, **options)
    matrix = d.to_sympy()
    names = list(d.variables)
    params = sorted({s.name for s in matrix.free_symbols} - set(names))
    return d, matrix, names, params


def _namespace(code: str) -> dict:
    namespace: dict = {}
    exec(compile(code, "<emitted>", "exec"), namespace)  # symjac's own generated code
    return namespace


@pytest.mark.parametrize("functions, wrt, options", SYSTEMS)
@pytest.mark.parametrize("language", ["numpy", "python"])
def test_emitted_python_matches_the_exact_jacobian(functions, wrt, options, language):
    d, matrix, names, params = _solved(functions, wrt, options)
    fn = _namespace(d.to_code(language))["jacobian"]
    for k, v in enumerate(_points(len(names), 1)):
        p = _points(max(1, len(params)), 100 + k)[0][: len(params)]
        got = fn(v, p) if params else fn(v)
        got = numpy.asarray(got, dtype=float).tolist()
        assert numpy.asarray(got).shape == matrix.shape
        _close(got, _exact(matrix, names, params, v, p))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) here")
@pytest.mark.parametrize("functions, wrt, options", SYSTEMS)
def test_emitted_c_matches_the_exact_jacobian(functions, wrt, options, tmp_path):
    d, matrix, names, params = _solved(functions, wrt, options)
    source = tmp_path / "jacobian.c"
    source.write_text(d.to_code("c"))
    library = tmp_path / "jacobian.so"
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-O1", "-shared", "-fPIC",
                    str(source), "-o", str(library), "-lm"], check=True, capture_output=True)
    fn = ctypes.CDLL(str(library)).jacobian
    rows, cols = matrix.shape
    for k, v in enumerate(_points(len(names), 2)):
        p = _points(max(1, len(params)), 200 + k)[0][: len(params)]
        out = (ctypes.c_double * (rows * cols))()
        vs = (ctypes.c_double * len(v))(*v)
        if params:
            fn(vs, (ctypes.c_double * len(p))(*p), out)
        else:
            fn(vs, out)
        got = [[out[i * cols + j] for j in range(cols)] for i in range(rows)]
        _close(got, _exact(matrix, names, params, v, p))


def test_only_nonzeros_are_assigned_and_the_header_states_the_layout():
    d = symjac.jacobian("x*y, sin(z), 0", wrt="x, y, z", layout="denominator", steps=False)
    code = d.to_code("numpy")
    assert code.count("out[") == 3  # y, x and cos(z): the zeros are not assigned
    assert "v[0] = x, v[1] = y, v[2] = z" in code
    assert "denominator layout: 3x3" in code
    c = d.to_code("c")
    assert "3 of 9 entries" in c


def test_common_subexpressions_are_computed_once():
    code = symjac.jacobian("exp(x*y)*sin(x), exp(x*y)*cos(y)", steps=False).to_code("numpy")
    assert code.count("numpy.exp(") == 1


def test_the_function_from_to_function_agrees_with_the_exact_result():
    d = symjac.jacobian([[ "x*y", "x**2"], ["sin(x)", "y"]], wrt="x, y", steps=False)
    fn = d.to_function()
    assert fn.code.startswith("# Generated by symjac")
    got = fn([0.3, 1.7])
    want = _exact(d.to_sympy(), ["x", "y"], [], [0.3, 1.7], [])
    _close(got.tolist(), want)


def test_user_text_in_the_header_cannot_end_the_comment(tmp_path):
    hostile = "x */ int evil = 1; /* \n import os\r\u2028\\"
    assert "\n" not in comment_text(hostile) and "*/" not in comment_text(hostile)
    d = symjac.jacobian("x*y", steps=False)
    tree = ast.parse(d.to_code("python", command=hostile))
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [a.name for n in imports for a in n.names] == ["math"]
    if shutil.which("cc"):
        source = tmp_path / "j.c"
        source.write_text(d.to_code("c", command=hostile))
        subprocess.run(["cc", "-std=c99", "-c", str(source), "-o", str(tmp_path / "j.o")],
                       check=True, capture_output=True)
        symbols = subprocess.run(["nm", str(tmp_path / "j.o")], capture_output=True,
                                 text=True).stdout
        assert "evil" not in symbols


# -- gradients: the closed form as array code, with its own check -------------------------

GRADIENTS = [
    ("sum((A @ x - b)**2)", ["--wrt", "x", "--shape", "A=4x3, x=3, b=4"],
     {"A": (4, 3), "x": (3, 1), "b": (4, 1)}),
    ("-h[y] + log(sum(exp(h)))", ["--where", "h = theta.T @ x", "--wrt", "theta", "--shape",
                                   "theta=nxk, x=n", "--index", "y=1..k"],
     {"theta": (4, 3), "x": (4, 1), "y": 2}),
    ("logdet(X)", ["--wrt", "X", "--shape", "X=3x3"], {"X": (3, 3)}),
]


@pytest.mark.parametrize("loss, args, values", GRADIENTS)
def test_grad_emit_numpy_passes_its_own_gradient_check(loss, args, values):
    proc = subprocess.run([str(SCRIPT), "grad", loss, *args, "--emit", "numpy"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    code = proc.stdout
    assert code.startswith("# Generated by symjac") and "symjac grad" in code
    namespace = _namespace(code)
    rng = numpy.random.default_rng(0)
    for _ in range(5):
        given = {}
        for name, shape in values.items():
            if isinstance(shape, int):
                given[name] = shape
            elif name == "X":  # positive definite, so log det is defined
                m = rng.normal(size=shape)
                given[name] = m @ m.T + 3 * numpy.eye(shape[0])
            else:
                given[name] = rng.normal(size=shape)
        passed, error = namespace["check_gradient"](**given)
        assert passed, error


def test_grad_emit_without_a_closed_form_is_refused():
    proc = subprocess.run([str(SCRIPT), "grad", "trace(kron(x, x.T))", "--wrt", "x",
                           "--shape", "x=2", "--emit", "numpy"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert "no closed form" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_grad_closed_form_is_not_emitted_as_c():
    g = symjac.grad("sum((A @ x - b)**2)", "x", "A=3x2, x=2, b=3")
    with pytest.raises(CannotEmit, match="numpy or jax"):
        g.to_code("c")


def test_plain_hessian_emits_entry_by_entry():
    d = symjac.hessian("x**2*y + sin(y)")
    fn = d.to_function()
    _close(fn([0.7, 1.3]).tolist(), [[2 * 1.3, 2 * 0.7], [2 * 0.7, -float(sympy.sin(1.3))]])


def test_emit_refuses_a_format():
    proc = subprocess.run([str(SCRIPT), "jacobian", "x*y", "--emit", "c", "-f", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"]["type"] == "InputError"
