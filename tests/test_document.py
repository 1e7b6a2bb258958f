"""The LaTeX document prints well: pdflatex compiles it with no overfull box, the PDF has
no bitmap (Type 3) fonts, and its command lines copy back as typed.

Run where pdflatex, lmodern and poppler-utils are installed (.ci/run installs them);
skipped elsewhere.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import P1B

ROOT = Path(__file__).parent.parent
SCRIPT = Path(sys.executable).parent / "symjac"
TOOLS = ("pdflatex", "pdffonts", "pdftotext", "kpsewhich")

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in TOOLS) or not SCRIPT.exists(),
    reason="needs pdflatex, lmodern, poppler-utils and the installed symjac script",
)


def _lmodern() -> bool:
    r = subprocess.run(["kpsewhich", "lmodern.sty"], capture_output=True, text=True)
    return bool(r.stdout.strip())


def compile_pdf(tmp_path: Path, tex: Path) -> tuple[str, str, str]:
    """pdflatex twice (as a user would), then (log, pdffonts, pdftotext) of the result."""
    if not _lmodern():
        pytest.skip("lmodern is not installed")
    for _ in range(2):
        r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                            tex.name], cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stdout[-3000:]
    pdf = tex.with_suffix(".pdf")
    log = tex.with_suffix(".log").read_text(encoding="latin-1")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    return log, fonts, text


def symjac(tmp_path: Path, *args: str) -> None:
    r = subprocess.run([str(SCRIPT), *args], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr


def test_worksheet_document_prints_cleanly(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    symjac(tmp_path, "solve", "examples/discussion01.toml", "-o", "sol.tex")
    log, fonts, text = compile_pdf(tmp_path, tmp_path / "sol.tex")
    assert "Overfull" not in log, re.findall(r"Overfull.*", log)
    assert "Type 3" not in fonts, fonts
    assert "LMRoman" in fonts  # lmodern's scalable fonts
    # A command line copies back as typed: two hyphens and straight quotes, and a
    # long one is continued with a backslash, as a shell reads it.
    lines = [ln.strip() for ln in text.splitlines()]
    commands = []
    for i, ln in enumerate(lines):
        if ln.startswith("symjac "):
            command = ln
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + lines[i]
            commands.append(command)
    command = next(c for c in commands if "--wrt theta" in c)
    assert "--shape 'theta=3x2, x=3x1'" in command and "--where 'h = theta.T @ x'" in command
    assert "–" not in command and "’" not in command  # no en dash, no curly quote


def test_standalone_documents_compile(tmp_path):
    symjac(tmp_path, "matmul", *P1B, "--standalone", "-o", "m.tex")
    symjac(tmp_path, "jacobian", "p + 4*q, sin(r**2*s)", "--wrt", "[[p, q], [r, s]]",
           "--standalone", "-o", "j.tex")
    for name in ("m.tex", "j.tex"):
        log, fonts, _ = compile_pdf(tmp_path, tmp_path / name)
        assert "Overfull" not in log, re.findall(r"Overfull.*", log)
        assert "Type 3" not in fonts
