"""Systems from files: FUNCTIONS, a LOSS and --wrt as '-' (stdin) or @path; JSON sparsity."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import sympy

SCRIPT = Path(sys.executable).parent / "symjac"


def run(*args, stdin: str | None = None, cwd=None):
    return subprocess.run([str(SCRIPT), *args], input=stdin, capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def _json(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


SYSTEM = """# the worksheet's 2(a), one function per line
x**3*y

cos(y)**2 + 5*x   # a comment after a function
y*exp(x)
"""


def test_stdin_and_at_files_equal_the_arguments(tmp_path):
    (tmp_path / "system.txt").write_text(SYSTEM)
    (tmp_path / "vars.txt").write_text("# the variables\nx\n\ny\n")
    given = _json(run("jacobian", "x**3*y, cos(y)**2 + 5*x, y*exp(x)", "--wrt", "x, y",
                      "-f", "json"))
    from_stdin = _json(run("jacobian", "-", "--wrt", "@vars.txt", "-f", "json",
                           stdin=SYSTEM, cwd=tmp_path))
    from_file = _json(run("jacobian", "@system.txt", "--wrt", "@vars.txt", "-f", "json",
                          "--no-steps", cwd=tmp_path))
    assert from_stdin == given
    assert from_file["result"] == {**given["result"]} and from_file["variables"] == ["x", "y"]


def test_a_large_system_from_a_file_matches_sympy(tmp_path):
    rng = random.Random(3)
    lines = []
    for _ in range(1000):
        a, b, c = rng.sample(range(6), 3)
        lines.append(f"x{a}**2*x{b} + sin(x{c}) - 3*exp(x{a}*x{c})")
    (tmp_path / "big.txt").write_text("\n".join(lines) + "\n")
    out = _json(run("jacobian", "@big.txt", "--wrt", ", ".join(f"x{i}" for i in range(6)),
                    "--no-steps", "-f", "json", "--sparse", cwd=tmp_path))
    xs = sympy.symbols("x0:6")
    names = {str(x): x for x in xs}
    want = sympy.Matrix([sympy.sympify(line, locals=names) for line in lines]).jacobian(xs)
    assert out["result"]["shape"] == [1000, 6]
    nonzero = {(i, j) for i in range(1000) for j in range(6) if want[i, j] != 0}
    assert {(i, j) for i, j, _ in out["result"]["entries"]} == nonzero
    assert out["result"]["nnz"] == len(nonzero)
    for i, j, entry in out["result"]["entries"][:200]:
        assert sympy.simplify(sympy.sympify(entry, locals=names) - want[i, j]) == 0


def test_dense_json_states_nnz():
    out = _json(run("jacobian", "x*y, 0, sin(x)", "--wrt", "x, y", "-f", "json", "--no-steps"))
    assert out["result"]["nnz"] == 3
    assert out["result"]["matrix"] == [["y", "x"], ["0", "0"], ["cos(x)", "0"]]


def test_hessian_and_grad_read_a_loss_from_a_file(tmp_path):
    (tmp_path / "loss.txt").write_text("# a loss\nx**2*y + sin(y)\n")
    hess = _json(run("hessian", "@loss.txt", "-f", "json", "--no-steps", cwd=tmp_path))
    assert hess["result"]["matrix"] == [["2*y", "2*x"], ["2*x", "-sin(y)"]]
    grad = _json(run("grad", "-", "--wrt", "x", "--shape", "A=3x2, x=2, b=3", "-f", "json",
                     "--no-steps", stdin="sum((A @ x - b)**2)\n"))
    assert grad["result"]["closed_form"] == "2*A.T @ (A @ x - b)"


def test_files_that_cannot_be_read_are_one_line_and_exit_2(tmp_path):
    (tmp_path / "empty.txt").write_text("# nothing\n\n")
    for args, words in ((["@missing.txt"], "no such file"),
                        (["@empty.txt"], "no functions in it"),
                        (["@"], "must be followed by a file's name"),
                        (["-", "--wrt", "-"], "can be read only once")):
        proc = run("jacobian", *args, stdin="x*y\n", cwd=tmp_path)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr
        assert len(proc.stderr.splitlines()) == 1


def test_sparse_is_for_json_only():
    for extra in (["-f", "text"], ["--emit", "numpy"]):
        proc = run("jacobian", "x*y", "--sparse", *extra)
        assert proc.returncode == 2 and "--sparse" in proc.stderr and proc.stdout == ""
