"""Command-line conventions: '-' for stdin and stdout, -o and --standalone on every command,
completion of file names and derive names, FORCE_COLOR.

Expected values are the worksheet's (problem 1b: [[29], [5], [26]]) or come from
the format itself (JSON that parses, XML that parses, a LaTeX document's frame).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import P1B

from symjac.cli.commands import cli

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "discussion01.toml"
SCRIPT = Path(sys.executable).parent / "symjac"
ANSI = "\x1b["

# One small run of every command that computes, as its arguments.
COMMANDS = {
    "matmul": ["matmul", *P1B],
    "jacobian": ["jacobian", "x**3*y, y*exp(x)"],
    "grad": ["grad", "sum((X @ theta - y)**2) / 2", "--wrt", "theta",
             "--shape", "X=3x2, theta=2x1, y=3x1"],
    "derive": ["derive", "linear-regression"],
    "solve": ["solve", str(EXAMPLE)],
}


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


# -- '-' is standard input ---------------------------------------------------------------


def test_solve_reads_a_problem_file_from_stdin():
    r = run("solve", "-", "-f", "json", input=EXAMPLE.read_text(encoding="utf-8"))
    assert r.exit_code == 0, r.stderr
    problems = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert problems["1b"]["derivation"]["result"]["matrix"] == [["29"], ["5"], ["26"]]
    assert problems["1a"]["undefined"] is True


def test_check_reads_a_problem_file_from_stdin():
    r = run("check", "-", "-f", "json", input=EXAMPLE.read_text(encoding="utf-8"))
    assert r.exit_code == 0, r.stdout
    # every problem passes; problem 3 has no expect: solved (computed, not checked)
    assert {p["status"] for p in json.loads(r.stdout)["problems"]} == {"passed", "solved"}


def test_check_reads_answers_from_stdin():
    answers = '"1b" = "[[29],[5],[26]]"\n"1c" = "[[21,24],[14,30],[36,72]]"\n'
    r = run("check", str(EXAMPLE), "--answers", "-", "-f", "json", input=answers)
    assert r.exit_code == 1  # 1c is wrong (73, not 72) and the rest are unanswered
    status = {p["id"]: p["status"] for p in json.loads(r.stdout)["problems"]}
    assert status["1b"] == "passed" and status["1c"] == "failed"


def test_stdin_is_read_only_once():
    r = run("check", "-", "--answers", "-", input="")
    assert r.exit_code == 2
    assert "standard input ('-') can be read only once" in r.stderr


def test_an_empty_stdin_is_a_file_error_not_a_crash():
    r = run("solve", "-", input="")
    assert r.exit_code == 2
    assert r.stderr.startswith("symjac: error: -: ")
    assert "Traceback" not in r.stderr


# -- '-' is standard output, and -o on every command ---------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_dash_output_is_stdout_not_a_file(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run(*COMMANDS[name], "-o", "-", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["command"] == name
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_output_file_and_its_extension_picks_the_format(name, tmp_path):
    out = tmp_path / "result.json"
    r = run(*COMMANDS[name], "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["command"] == name


def test_output_file_of_matmul_holds_the_worksheet_product(tmp_path):
    out = tmp_path / "p.md"
    assert run("matmul", *P1B, "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "\\begin{bmatrix} 29 \\\\ 5 \\\\ 26 \\end{bmatrix}" in text  # markdown, by .md


def test_check_report_to_a_file(tmp_path):
    out = tmp_path / "report.json"
    r = run("check", str(EXAMPLE), "-o", str(out))
    assert r.exit_code == 0
    assert r.stdout == ""
    assert len(json.loads(out.read_text(encoding="utf-8"))["problems"]) == 8


def test_junit_to_stdout_sends_the_report_to_stderr(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("check", str(EXAMPLE), "--junit", "-")
    assert r.exit_code == 0
    suites = ET.fromstring(r.stdout)
    assert len(suites.findall(".//testcase")) == 8
    assert "1b  passed" in r.stderr
    assert not (tmp_path / "-").exists()


def test_gradescope_to_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("check", str(EXAMPLE), "--gradescope", "-")
    assert r.exit_code == 0
    assert len(json.loads(r.stdout)["tests"]) == 8
    assert not (tmp_path / "-").exists()


def test_only_one_output_to_stdout():
    r = run("check", str(EXAMPLE), "--junit", "-", "--gradescope", "-")
    assert r.exit_code == 2
    assert "only one output can be '-'" in r.stderr


# -- --standalone: a complete LaTeX document from any command ---------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_standalone_is_a_whole_document(name):
    r = run(*COMMANDS[name], "--standalone")
    assert r.exit_code == 0, r.stderr
    doc = r.stdout
    assert doc.startswith("\\documentclass")
    assert "\\usepackage{lmodern}" in doc
    assert doc.count("\\begin{document}") == 1
    assert doc.rstrip().endswith("\\end{document}")


def test_check_report_standalone():
    r = run("check", str(EXAMPLE), "--standalone")
    assert r.exit_code == 0
    assert r.stdout.startswith("\\documentclass") and "1b" in r.stdout
    assert r.stdout.rstrip().endswith("\\end{document}")


def test_standalone_matmul_holds_the_product():
    doc = run("matmul", *P1B, "--standalone").stdout
    assert "\\begin{bmatrix} 29 \\\\ 5 \\\\ 26 \\end{bmatrix}" in doc


def test_without_standalone_latex_is_a_fragment():
    r = run("matmul", *P1B, "-f", "latex")
    assert "\\documentclass" not in r.stdout and "\\begin{bmatrix}" in r.stdout


def test_standalone_refuses_another_format():
    r = run("matmul", *P1B, "--standalone", "-f", "markdown")
    assert r.exit_code == 2
    assert "--standalone writes a LaTeX document" in r.stderr


# -- completion ---------------------------------------------------------------------------


def complete(words: str) -> list[tuple[str, str]]:
    """click's bash completion of `words` (the last one incomplete): (type, value) pairs."""
    parts = words.split(" ")
    env = {"_SYMJAC_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(parts) - 1)}
    r = CliRunner().invoke(cli, [], env=env, prog_name="symjac")
    assert r.exit_code == 0, r.output
    return [tuple(line.split(",", 1)) for line in r.stdout.splitlines() if line]


def test_derive_names_complete():
    from symjac.ops.derive import RECIPES

    assert ("plain", "softmax-regression") in complete("symjac derive soft")
    assert {v for _, v in complete("symjac derive ")} == set(RECIPES)
    assert complete("symjac derive zzz") == []


@pytest.mark.parametrize("words", [
    "symjac solve ex", "symjac check ex", "symjac check a.toml --answers ex",
    "symjac check a.toml --junit ex", "symjac matmul A B -o ex", "symjac solve a.toml -o ex",
])
def test_file_arguments_complete_as_files(words):
    assert complete(words) == [("file", "ex")]


def test_commands_and_options_complete():
    assert ("plain", "jacobian") in complete("symjac ja")
    assert ("plain", "--standalone") in complete("symjac matmul --st")


# -- FORCE_COLOR -------------------------------------------------------------------------


def test_rich_in_a_pipe_has_no_colour_by_default():
    r = run("matmul", *P1B, "-f", "rich", env={"FORCE_COLOR": None, "NO_COLOR": None})
    assert r.exit_code == 0
    assert ANSI not in r.stdout and "29" in r.stdout


def test_force_color_keeps_colour_in_a_pipe():
    r = run("matmul", *P1B, "-f", "rich", env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert r.exit_code == 0
    assert ANSI in r.stdout


def test_force_color_makes_auto_rich_in_a_pipe():
    plain = run("matmul", *P1B, env={"FORCE_COLOR": None, "NO_COLOR": None}).stdout
    forced = run("matmul", *P1B, env={"FORCE_COLOR": "1", "NO_COLOR": None}).stdout
    assert ANSI not in plain and ANSI in forced


def test_no_color_wins_over_nothing():
    r = run("matmul", *P1B, "-f", "rich", env={"NO_COLOR": "1", "FORCE_COLOR": None})
    assert ANSI not in r.stdout


# -- through the installed script ------------------------------------------------------


@pytest.mark.skipif(not SCRIPT.exists(), reason="the symjac script is not installed")
def test_script_reads_stdin_and_keeps_colour_in_a_real_pipe(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    with EXAMPLE.open("rb") as f:
        r = subprocess.run([str(SCRIPT), "solve", "-", "-o", "-", "-f", "markdown"], stdin=f,
                           capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# Discussion 01")
    assert not (tmp_path / "-").exists()
    r = subprocess.run([str(SCRIPT), "matmul", *P1B, "-f", "rich"], capture_output=True,
                       text=True, env={**env, "FORCE_COLOR": "1"}, timeout=60)
    assert r.returncode == 0 and ANSI in r.stdout
