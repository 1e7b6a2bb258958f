"""`symjac solve`: worked solutions as Markdown, a LaTeX document that compiles, and more."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner

from symjac import api
from symjac.batch.problems import Problem, ProblemSet
from symjac.batch.runner import Outcome
from symjac.batch.solutions import render_document
from symjac.cli.commands import cli
from symjac.core.model import Derivation, Result, Step
from symjac.render.document import ascii_latex, markdown_to_latex

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "discussion01.toml"


def solve(*args: str):
    return CliRunner().invoke(cli, ["solve", str(EXAMPLE), *args])


def test_markdown_has_the_worksheet_answers():
    r = solve("--format", "markdown")
    md = r.stdout
    assert md.startswith("# Discussion 01\n")
    assert md.count("**Solution:**") == 8
    # 1a: undefined, and why
    assert "A has 2 columns but B has 3 rows, so A·B is undefined." in md
    # 1b: the worksheet's three stages, ending in 29, 5, 26
    assert ("\\begin{bmatrix} 8 + 3 + 18 \\\\ 4 + 1 + 0 \\\\ 0 + 5 + 21 \\end{bmatrix} = "
            "\\begin{bmatrix} 29 \\\\ 5 \\\\ 26 \\end{bmatrix}") in md
    # 1c: the 3×2 product
    assert "\\begin{bmatrix} 21 & 24 \\\\ 14 & 30 \\\\ 36 & 73 \\end{bmatrix}" in md
    # each problem's statement, as the worksheet writes it
    assert ("$$\\begin{bmatrix} 1 & 6 \\\\ 7 & 5 \\end{bmatrix} "
            "\\begin{bmatrix} 3 \\\\ 0 \\\\ 2 \\end{bmatrix}$$") in md
    # 2a: the Jacobian's entry 2rs·cos(r²s)
    assert "2 r s \\cos" in md
    assert r.exit_code == 0, r.stderr


def _balanced(doc: str) -> None:
    begins = re.findall(r"\\begin\{(\w+\*?)\}", doc)
    ends = re.findall(r"\\end\{(\w+\*?)\}", doc)
    assert sorted(begins) == sorted(ends)
    # displays \[ ... \], not a row break with its gap (\\[6pt])
    opens = re.findall(r"(?<!\\)\\\[", doc)
    closes = re.findall(r"(?<!\\)\\\]", doc)
    assert len(opens) == len(closes)
    assert doc.isascii()  # every character as a macro: none the fonts lack


def _compiles(tmp_path: Path, doc: str) -> None:
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed; the structure was checked")
    (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    errors = [line for line in proc.stdout.splitlines() if line.startswith("!")]
    assert proc.returncode == 0, errors
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_latex_is_a_complete_document_that_compiles(tmp_path):
    out = tmp_path / "solutions.tex"
    solve("-o", str(out))  # the extension picks LaTeX
    doc = out.read_text(encoding="utf-8")
    assert doc.startswith("\\documentclass")
    assert "\\usepackage{amsmath,amssymb}" in doc
    assert doc.rstrip().endswith("\\end{document}")
    assert "\\textbf{Solution:}" in doc and "\\section*{Discussion 01}" in doc
    _balanced(doc)
    _compiles(tmp_path, doc)


def test_latex_of_unicode_summaries_compiles(tmp_path):
    """Jacobian and gradient headlines carry ℝ², ∂, θ and subscripts: all must compile."""
    x, y = sympy.symbols("x y")
    value = sympy.Matrix([[3 * x**2 * y, x**3]])
    d = Derivation(
        command="jacobian",
        summary="f : ℝ² → ℝ¹ in (x, y), so ∇f is 1×2 (numerator convention)",
        result=Result((1, 2), (("3*x**2*y", "x**3"),), sympy.latex(value), value),
        steps=(Step("partial", "∂f₁/∂x = 3x²·y (power rule) — θᵀx ≤ ∞ “quoted” ∑"),),
        label="∂L/∂θ",
        notes=("h = θᵀx; 50% & $5 # _ {} ~ ^ \\",),
    )
    p = Problem(index=1, id="q_1", command="jacobian", title="Ünïcode & co",
                text="Show that **∂L/∂θ** = $x (z - e_y)^T$, *carefully*.")
    ps = ProblemSet("x.toml", "A title with 100% & #1", "Intro $$a^2$$ text.", (p,))
    o = Outcome("x.toml", "q_1", 1, "jacobian", p.title, "solved", derivation=d)
    doc = render_document(ps, [o], "latex")
    assert "\\textbf{$\\partial$L/$\\partial$\\ensuremath{\\theta}}" in doc
    assert "\\emph{carefully}" in doc and "$x (z - e_y)^T$" in doc
    assert "\\[ \\symjacfit{a^2} \\]" in doc
    _balanced(doc)
    _compiles(tmp_path, doc)


def test_markdown_to_latex_keeps_math_and_escapes_the_rest():
    assert markdown_to_latex("50% of $x_1$ and `a_b`") == "50\\% of $x_1$ and \\texttt{a\\_b}"
    assert ascii_latex("θ₁²") == "\\ensuremath{\\theta}\\ensuremath{_{1}}\\ensuremath{^{2}}"


@pytest.mark.parametrize("fmt", ["text", "rich"])
def test_text_and_rich(fmt):
    r = solve("--format", fmt)
    assert "Discussion 01" in r.stdout and "Solution:" in r.stdout
    assert "$ symjac matmul '[[4,3,6],[2,1,0],[0,5,7]]' '[[2],[1],[3]]'" in r.stdout
    assert "⎣26⎦" in r.stdout  # the result matrix, drawn


def test_json_lists_each_problem_with_its_derivation():
    r = solve("--format", "json", "--no-steps")
    out = json.loads(r.stdout)
    assert out["command"] == "solve" and out["title"] == "Discussion 01"
    rows = {p["id"]: p for p in out["problems"]}
    assert rows["1a"]["undefined"] is True and rows["1a"]["derivation"] is None
    assert rows["1b"]["derivation"]["result"]["matrix"] == [["29"], ["5"], ["26"]]
    assert rows["1b"]["derivation"]["steps"] == []


def test_output_file_markdown_by_extension(tmp_path):
    out = tmp_path / "solutions.md"
    r = solve("-o", str(out))
    assert r.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("# Discussion 01")


def test_a_problem_at_a_limit_exits_3(tmp_path, monkeypatch):
    path = tmp_path / "p.toml"
    path.write_text('[[problem]]\nid = "slow"\ncommand = "matmul"\nmatrices = ["[[1]]", "[[2]]"]\n')

    def forever(*matrices, **kw):
        while True:
            pass

    monkeypatch.setattr(api, "matmul", forever)
    r = CliRunner().invoke(cli, ["solve", str(path), "--timeout", "0.5", "-f", "markdown"])
    assert r.exit_code == 3
    assert "**Solution:** not available (stopped at a limit): problem 'slow' took longer" in (
        r.stdout)


def test_unusable_problem_file_exits_2_with_one_line(tmp_path):
    r = CliRunner().invoke(cli, ["solve", str(tmp_path / "missing.toml")])
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr == f"symjac: error: {tmp_path / 'missing.toml'}: no such file\n"
    bad = tmp_path / "bad.json"
    bad.write_text('{"problem": [{"id": "1"}], "problem": []}')
    r = CliRunner().invoke(cli, ["solve", str(bad)])
    assert r.exit_code == 2
    assert r.stderr == f"symjac: error: {bad}: the key 'problem' appears twice in one object\n"
