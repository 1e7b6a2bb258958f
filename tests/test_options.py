"""The console script's own reader of common command lines (symjac.cli.options.read) against click.

read must give, for every command line it accepts, exactly the parameters
click would pass the command, and leave everything else to click.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symjac.cli import options
from symjac.cli.commands import cli

SCRIPT = Path(sys.executable).parent / "symjac"


def _click_params(argv: list[str]):
    """The parameters click passes the command for argv, or None if click refuses it."""
    root = click.Context(cli, info_name="symjac")
    command = cli.get_command(root, argv[0])
    assert command is not None
    try:
        with command.make_context(argv[0], list(argv[1:]), parent=root) as ctx:
            return dict(ctx.params)
    except (click.exceptions.Exit, click.ClickException):
        return None


FLAGS = sorted({f for _, _, opts in options.COMMANDS.values() for o in opts
                for f in (*o.flags, o.off) if f})
VALUES = ["x, y", "[[p, q], [r, s]]", "json", "JSON", " Text ", "md", "tex", "rich", "csv",
          "0", "1.5", " 2 ", "1e3", "nan", "inf", "-1", "4G", "512m", "0", "2.5GiB", "lots",
          "row", "col", "Row", "numerator", "denominator", "x=1, y=2", "", "out.json"]
TOKENS = st.one_of(
    st.sampled_from(FLAGS),
    st.sampled_from(VALUES),
    st.sampled_from(["x*y", "x**3*y, cos(y)**2 + 5*x", "[[1,2]]", "[[3],[4]]", "-x*y", "-",
                     "--", "-h", "--help", "--wrt=x, y", "--format=json", "--timeout=0",
                     "-fjson", "--check=1", "--no-such", "--WRT", "-V"]),
    st.text(max_size=6),
)
ARGV = st.tuples(st.sampled_from(["jacobian", "matmul"]), st.lists(TOKENS, max_size=9)).map(
    lambda t: [t[0], *t[1]])


@settings(max_examples=600, deadline=None)
@given(ARGV)
def test_read_gives_what_click_gives_or_leaves_it_to_click(argv):
    read = options.read(argv)
    if read is None:
        return
    command, params = read
    assert command == argv[0]
    assert params == _click_params(argv)


def _common_shapes():
    """Command lines as people and scripts write them: read must take each one."""
    funcs = "x**3*y, cos(y)**2 + 5*x, y*exp(x)"
    shapes = [["jacobian", funcs], ["jacobian", funcs, "--no-steps", "-f", "json"]]
    for fmt in ("json", "text", "markdown", "latex", "rich", "auto", "md"):
        shapes.append(["jacobian", funcs, "--wrt", "x, y", "--no-steps", "--format", fmt,
                       "--timeout", "0"])
    shapes += [
        ["jacobian", funcs, "--wrt=x, y", "--format=json", "--max-memory", "2G"],
        ["jacobian", "p + 4*q, sin(r**2*s)", "--wrt", "[[p, q], [r, s]]", "--order", "col",
         "--layout", "denominator", "--all-steps", "--simplify", "--check", "--debug"],
        ["jacobian", "x*y", "--at", "x=1, y=2", "--expect", "[[2, 1]]", "--steps"],
        ["matmul", "[[1,2]]", "[[3],[4]]"],
        ["matmul", "[[a,b]]", "[[1],[3]]", "[[2,x]]", "-f", "json", "--no-steps",
         "--expect", "[[2*a + 6*b, ...]]", "--all-steps", "--timeout", "1.5"],
    ]
    return shapes


@pytest.mark.parametrize("argv", _common_shapes())
def test_the_common_command_lines_are_read_without_click(argv):
    read = options.read(argv)
    assert read is not None
    assert read[1] == _click_params(argv)


@pytest.mark.parametrize("argv", [
    ["--debug", "jacobian", "x"],  # an option before the command
    ["jacobian", "x", "--help"], ["jacobian", "-h"], ["jacobian", "x", "--wtr", "x"],
    ["jacobian", "x", "-o", "out.json"], ["jacobian", "x", "--standalone"],
    ["jacobian", "-x*y, x"], ["jacobian", "x", "--", "y"], ["jacobian", "x", "y"],
    ["jacobian", "x", "--format", "csv"], ["jacobian", "x", "--timeout", "-1"],
    ["jacobian", "x", "--max-memory", "lots"], ["jacobian", "x", "--layout", "Row"],
    ["jacobian", "x", "--wrt", "x", "--wrt", "y"], ["jacobian", "x", "--steps", "--no-steps"],
    ["jacobian", "x", "--check=1"], ["jacobian", "x", "-fjson"], ["jacobian"],
    ["matmul"], ["grad", "x", "--wrt", "x"], ["jacobian", "x", "--wrt"],
])
def test_what_read_does_not_fully_understand_goes_to_click(argv):
    assert options.read(argv) is None


def _script(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_the_installed_script_answers_a_common_command_line_without_click():
    # The console script with -X importtime: no click, rich or sympy on the fast path.
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import sys; from symjac.cli.main import main; sys.argv[0] = 'symjac'; main()",
         "jacobian", "x**3*y, y*exp(x)", "--wrt", "x, y", "--no-steps", "-f", "json"],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines()}
    assert not {"click", "rich", "sympy", "pickle"} & imported
    assert '"matrix": [\n      [\n        "3*x**2*y"' in proc.stdout


def test_the_installed_script_gives_click_the_rest():
    proc = _script("jacobian", "x", "--wtr", "x")
    assert proc.returncode == 2
    # click's own wording, which differs between click versions (--wtr or '--wtr').
    (line,) = proc.stderr.splitlines()
    assert line.startswith("symjac: error: No such option")
    assert "--wtr" in line and "Did you mean" in line and "--wrt" in line
    assert line.endswith("(see 'symjac jacobian --help')")
    proc = _script("jacobian", "x", "--format", "csv")
    assert proc.returncode == 2 and "'csv' is not one of" in proc.stderr


def test_the_installed_script_prints_what_click_printed():
    # The same command line, through the fast path and through click: the same bytes
    # and exit codes.
    for args in (["jacobian", "x**2*y, sin(x)", "--no-steps", "-f", "json"],
                 ["jacobian", "x**2*y, sin(x)", "--no-steps"],
                 ["jacobian", "x**2*y, sin(x)"],
                 ["jacobian", "x*y", "--expect", "[[y, y]]"],
                 ["jacobian", "x*y", "--at", "x=1, z=2", "-f", "json"],
                 ["matmul", "[[1,2]]", "[[3,4]]"],
                 ["matmul", "[[1,2]]", "[[3],[4]]", "-f", "markdown"]):
        fast = _script(*args)
        slow = subprocess.run(
            [sys.executable, "-c", "import sys; from symjac.cli.commands import main; "
             "sys.argv[0] = 'symjac'; main()", *args],
            capture_output=True, text=True, timeout=60)
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            slow.returncode, slow.stdout, slow.stderr), args
