"""Handouts worth printing: LaTeX with no character the fonts lack, matrices of fractions
that breathe, nothing printed twice, and part labels only where there are parts.

The pdflatex tests run where pdflatex, lmodern and poppler-utils are installed
(.ci/run installs them) and skip elsewhere; the rest run everywhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from symjac.render.document import PREAMBLE
from symjac.render.safe import latex_text, latex_unicode

ROOT = Path(__file__).parent.parent
SCRIPT = Path(sys.executable).parent / "symjac"
TOOLS = ("pdflatex", "pdftotext", "kpsewhich")


def _can_compile() -> bool:
    if not all(shutil.which(t) for t in TOOLS) or not SCRIPT.exists():
        return False
    r = subprocess.run(["kpsewhich", "lmodern.sty"], capture_output=True, text=True)
    return bool(r.stdout.strip())


needs_pdflatex = pytest.mark.skipif(not _can_compile(), reason="needs pdflatex, lmodern, "
                                    "poppler-utils and the installed symjac script")


def compile_pdf(tex: Path, layout: bool = False) -> tuple[str, str]:
    """(the log, pdftotext of the PDF); pdflatex must finish without an error."""
    r = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode",
                        tex.name], cwd=tex.parent, capture_output=True, text=True, timeout=300)
    log = tex.with_suffix(".log").read_text(encoding="latin-1")
    errors = re.findall(r"^! .*", log, re.M)
    assert r.returncode == 0 and not errors, errors[:5] or r.stdout[-2000:]
    text = subprocess.run(["pdftotext", *(["-layout"] if layout else []),
                           str(tex.with_suffix(".pdf")), "-"],
                          capture_output=True, text=True).stdout
    return log, text


def symjac(cwd: Path, *args: str) -> str:
    r = subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode in (0, 1), r.stderr
    return r.stdout


# -- one mapping for every character -------------------------------------------------------


def test_the_rules_line_is_macros_not_raw_unicode():
    out = latex_text("d‖X‖ = ⟨X, dX⟩ / ‖X‖; σ′(u) = σ(u)(1 − σ(u)); G ⊙ f′(u)")
    assert out.isascii()
    assert "\\Vert" in out and "\\langle" in out and "\\rangle" in out and "\\odot" in out
    assert "U+" not in out


def test_every_character_symjac_writes_has_a_macro():
    """Each non-ASCII character in symjac's own source (its notes, rules, names) maps to
    a macro, not to the [U+XXXX] of a character no font has, but for the terminal's
    bracket pieces and the lookalike letters the reader refuses."""
    chars = set()
    for path in (ROOT / "symjac").rglob("*.py"):
        chars |= {c for c in path.read_text(encoding="utf-8") if not c.isascii()}
    unset = {c for c in chars if "U+" in latex_unicode(c)}
    terminal = set("⎡⎢⎣⎤⎥⎦")  # rich's matrix brackets: text output only
    lookalikes = {c for c in unset if unicodedata.name(c, "").startswith("CYRILLIC")}
    assert unset <= terminal | lookalikes, sorted(unset - terminal - lookalikes)


def test_the_mapping_is_ascii_for_any_text():
    text = "café Straße Ångström ½ € ° Σθℓ ∇ ∂ ∈ ℝ ⊗ 中文 ☃ 😀 ＼ ʰ 𝐀 x\u0301"
    out = latex_unicode(text)
    assert out.isascii()
    assert "[U+4E2D]" in out and "[U+2603]" in out  # no font has it: shown, never raw
    assert "{\\'e}" in out and "{\\'x}" not in out  # composed first: x́ is x and an accent
    assert latex_unicode("plain ASCII, $x$") == "plain ASCII, $x$"


@needs_pdflatex
def test_every_mapped_character_compiles_with_no_missing_character(tmp_path):
    """Latin, Greek, IPA, Cyrillic, punctuation, letterlike, arrows, operators, technical,
    shapes, math alphanumerics, fullwidth forms, CJK and emoji: each in text and in math."""
    ranges = [(0xA0, 0x530), (0x1D00, 0x1F00), (0x2000, 0x2400), (0x25A0, 0x2800),
              (0x2A00, 0x2B00), (0x4E00, 0x4E10), (0xFE50, 0xFE70), (0xFF00, 0xFF60),
              (0x1D400, 0x1D800), (0x1F600, 0x1F608)]
    chars = [chr(c) for a, b in ranges for c in range(a, b)
             if unicodedata.category(chr(c))[0] in "LNPS" and chr(c).isprintable()]
    body = "\n".join(f"x{latex_unicode(c)}x $a{latex_unicode(c)}b$\\par" for c in chars)
    tex = tmp_path / "chars.tex"
    tex.write_text(PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n",
                   encoding="ascii")
    log, _ = compile_pdf(tex)
    assert "Missing character" not in log, re.findall(r"Missing character.*", log)[:5]


# -- the worksheet's handout ---------------------------------------------------------------


def test_fragments_are_ascii_and_label_a_single_part_without_a_letter(invoke):
    r = invoke("grad", "norm(X @ theta - y)^2", "--wrt", "theta", "--shape",
               "X=3x2, theta=2x1, y=3x1", "-f", "latex")
    assert r.exit_code == 0
    assert r.output.isascii()
    assert "d\\ensuremath{\\Vert}X\\ensuremath{\\Vert}" in r.output
    assert "\\textbf{(a)}" not in r.output  # one part: no (a) without a (b)
    assert r.output.count("\\nabla_{\\theta} \\ell = 2 {X}^{T}") == 1  # shown once


def test_parts_are_labelled_where_there_are_several(invoke):
    r = invoke("grad", "-h[y] + log(sum(exp(h)))", "--wrt", "theta", "--shape",
               "theta=3x2, x=3", "--where", "h = theta.T @ x", "--index", "y=1..2",
               "-f", "latex")
    assert all(f"\\textbf{{({c})}}" in r.output for c in "abc")
    assert r.output.count("\\nabla_{\\theta} \\ell = x") == 1


def test_template_matrices_of_fractions_are_spaced(invoke):
    r = invoke("jacobian", "x**3*y, cos(y)**2 + 5*x", "-f", "latex")
    template = re.search(r"\\nabla \\mathbf\{f\} &= \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}",
                         r.output).group(1)
    assert "\\frac" in template and template.count("\\\\[6pt]") == 1  # two rows, one gap
    plain = invoke("matmul", "[[1,2],[3,4]]", "[[1],[1]]", "-f", "latex").output
    assert "[6pt]" not in plain  # whole numbers need no room


def test_the_outermost_matrix_decides_the_spacing_of_its_rows():
    from symjac.render.math import spaced_fractions

    inner = r"\begin{pmatrix} \frac{1}{2} \\ 3 \end{pmatrix}"
    outer = rf"\begin{{bmatrix}} {inner} & 1 \\ 2 & 3 \end{{bmatrix}}"
    plain = r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}"
    out = spaced_fractions(rf"{outer} \\ {plain} \\[2pt] \frac{{1}}{{2}} \\ x")
    # Both rows of the matrix around the fraction, the inner one's and its own, are
    # spaced; the matrix of whole numbers, the lines between matrices and a gap already
    # given are left as written.
    first, rest = out.split(r"\end{bmatrix}", 1)
    assert first.count(r"\\[6pt]") == 2 and r"\\ " not in first
    assert rest == rf" \\ {plain} \\[2pt] \frac{{1}}{{2}} \\ x"
    unbalanced = r"\end{bmatrix} \frac{1}{2} \\ \begin{bmatrix} \frac{1}{2} \\ 1"
    assert spaced_fractions(unbalanced) == unbalanced  # no matrix is closed: nothing spaced


@needs_pdflatex
def test_worksheet_handout_has_every_character_and_each_closed_form_once(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    symjac(tmp_path, "solve", "examples/discussion01.toml", "--standalone", "-o", "h.tex")
    tex = (tmp_path / "h.tex").read_text(encoding="utf-8")
    assert tex.isascii()
    log, text = compile_pdf(tmp_path / "h.tex", layout=True)
    assert "Missing character" not in log, re.findall(r"Missing character.*", log)
    solved = json.loads(symjac(tmp_path, "solve", "examples/discussion01.toml", "-f", "json"))
    closed = {p["id"]: p["derivation"]["result"]["closed_form_latex"]
              for p in solved["problems"] if p["command"] == "grad"}
    assert set(closed) == {"3a", "3c"} and all(closed.values())
    wrt = {"3a": "h", "3c": "\\theta"}
    for pid, form in closed.items():
        assert tex.count(f"\\nabla_{{{wrt[pid]}}} \\ell = {form}") == 1, pid
    # in the PDF's text: each closed form's line once (the entrywise check is a matrix
    # of exponentials); the worksheet's forms, softmax(h) − e_1 and x (softmax(h) − e_1)ᵀ
    lines = [" ".join(ln.split()) for ln in text.splitlines()]
    assert sum(ln == "∇h ℓ = softmax (h) − e1" for ln in lines) == 1
    assert sum(ln == "∇θ ℓ = x(softmax (h) − e1 )T" for ln in lines) == 1
    assert sum(ln.startswith(("∇h ℓ = s", "∇θ ℓ = x")) for ln in lines) == 2
    # 3a has one part, so no (a); 3c has three
    section = text[text.index("3a. "):text.index("3c. ")]
    assert "(a)" not in section
    section = text[text.index("3c. "):text.index("3. ")]
    assert all(f"({c})" in section for c in "abc")


@needs_pdflatex
def test_a_problem_file_in_any_script_compiles(tmp_path):
    (tmp_path / "p.toml").write_text(
        'title = "Übung 1 — Σ, ∇ and ‖x‖ (Straße, 中文, ☃)"\n'
        'text = "Gegeben: d‖X‖ = ⟨X, dX⟩ / ‖X‖, θ ∈ ℝⁿ, f′(u), x₁…xₙ, ½ ≤ 1 − ε."\n'
        '[[problem]]\nid = "1"\ncommand = "matmul"\n'
        'text = "Berechne Aᵀ·B — “genau”."\nmatrices = ["[[1,2]]", "[[3],[4]]"]\n',
        encoding="utf-8")
    symjac(tmp_path, "solve", "p.toml", "--standalone", "-o", "p.tex")
    assert (tmp_path / "p.tex").read_text(encoding="utf-8").isascii()
    log, text = compile_pdf(tmp_path / "p.tex")
    assert "Missing character" not in log
    assert "Straße" in text and "Übung" in text and "[U+4E2D]" in text
