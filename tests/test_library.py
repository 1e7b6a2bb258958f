"""The notebook API: `import symjac` is cheap; Derivations display themselves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import symjac


def test_import_symjac_loads_no_sympy():
    code = ("import sys, symjac; assert 'sympy' not in sys.modules; "
            "symjac.matmul; assert 'sympy' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_matmul_from_the_package_displays_in_jupyter():
    d = symjac.matmul("[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]")
    assert d.result.matrix == (("29",), ("5",), ("26",))
    md = d._repr_markdown_()
    assert md.startswith("**Solution:** A (3×3) · B (3×1) → 3×1.")
    assert "\\begin{bmatrix} 29 \\\\ 5 \\\\ 26 \\end{bmatrix}" in md
    tex = d._repr_latex_()
    assert tex.startswith("\\textbf{Solution:} A (3\\ensuremath{\\times}3)") or tex.startswith(
        "\\textbf{Solution:} A (3$\\times$3)")
    assert all(ord(c) < 0x80 for c in tex)


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        symjac.nope  # noqa: B018
    assert {"matmul", "jacobian", "grad", "hessian", "derive", "load"} <= set(dir(symjac))


def test_star_import_offers_every_command_and_load():
    names: dict = {}
    exec("from symjac import *", names)
    names.pop("__builtins__")
    assert sorted(names) == ["__version__", "derive", "grad", "hessian", "jacobian", "load",
                             "matmul"]
    assert names["matmul"] is symjac.matmul  # the library form of api.matmul
    assert names["hessian"]("x**3", wrt="x").result.matrix == (("6*x",),)


def test_to_sympy_reads_a_results_names_whole():
    # symjac wrote the entries: np is the name np (never n·p), as --wrt declared it
    import sympy

    d = symjac.jacobian("np*x + cos(numpy)", wrt="x, np, numpy", timeout=None, max_memory=None)
    x, np_, numpy_ = sympy.symbols("x np numpy")
    assert d.to_sympy() == sympy.Matrix([[np_, x, -sympy.sin(numpy_)]])
    f = d.to_function()
    assert f([2.0, 3.0, 0.0]).tolist() == [[3.0, 2.0, 0.0]]
