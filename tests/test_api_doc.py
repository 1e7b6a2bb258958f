"""The library's documentation runs: docs/api.md and the docstrings' examples are doctests."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import symjac
import symjac.library

ROOT = Path(__file__).parent.parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_api_doc_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples load examples/discussion01.toml
    doc = ROOT / "docs" / "api.md"
    result = doctest.testfile(str(doc), module_relative=False, optionflags=FLAGS,
                              verbose=False, report=True)
    assert result.attempted >= 20  # the examples were found, not skipped
    assert result.failed == 0


def test_readme_python_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                              optionflags=FLAGS, report=True)
    assert result.attempted >= 5
    assert result.failed == 0


@pytest.mark.parametrize("module", [symjac, symjac.library])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=FLAGS, report=True)
    assert result.attempted >= 1
    assert result.failed == 0


def test_readme_links_the_library_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/api.md" in readme


def test_to_sympy_of_a_gradient_with_indicators():
    """The computed matrix is used where its strings would not read back (KroneckerDelta)."""
    import sympy

    g = symjac.grad("-h[y] + log(sum(exp(h)))", wrt="theta", shape="theta=3x2, x=3x1",
                    where=["h = theta.T @ x"], index="y=1..2")
    m = g.to_sympy()
    h1, h2, x1, y = sympy.symbols("h_1 h_2 x_1 y")
    # The worksheet's (c): entry (1, 1) is x_1 (z_1 - 1{y = 1}), z = softmax(h).
    expected = x1 * (sympy.exp(h1) / (sympy.exp(h1) + sympy.exp(h2)) - sympy.KroneckerDelta(1, y))
    assert sympy.simplify(m[0, 0] - expected) == 0
    assert m.shape == (3, 2)
