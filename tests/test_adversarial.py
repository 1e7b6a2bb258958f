"""Hostile input, through every command: a clean refusal, never a run.

Each case asserts the exit code (2 bad input, 3 a limit; 1 where the answer
is "undefined"), exactly one line on stderr, no traceback anywhere, and
that nothing ran: inputs that would create a canary file if they were ever
executed leave the working directory empty.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from symjac.cli.commands import cli

CANARY = "CANARY"  # the file an executed input would create, in the test's directory

# -- attacks on one expression or matrix entry ------------------------------------------
# (text, exit codes it may end with). {canary} is replaced by the canary's path.

CODE = [
    "__import__('os').system('touch {canary}')",
    '__import__("os").system("touch {canary}")',
    "open('{canary}', 'w').write('x')",
    "exec(\"open('{canary}','w')\")",
    "eval(\"open('{canary}','w')\")",
    "eval(x)",
    "lambdify(x, x)",
    "sympify(x)",
    "S(x)",
    "preview(x)",
    "test()",
    "getattr(x, x)",
    "globals()",
    "locals()",
    "vars()",
    "compile(x, x, x)",
    "breakpoint()",
    "help()",
    "input()",
    "Symbol(x)",
    "Integer(1)",
    "Function(f)(x)",
    "factorial(10**10)",
    "gamma(x)",
    "x.__class__",
    "x.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0].__subclasses__()",
    "[].__class__",
    "x.T",
    "sin.__globals__",
    "sin(x).func",
    "(lambda: 0)()",
    "lambda: 0",
    "[c for c in x]",
    "(c for c in x)",
    "{x: 1}",
    "{x, y}",
    "x if y else z",
    "x < y",
    "x == y",
    "x and y",
    "not x",
    "f'{x}'",
    "b'x'",
    "'x'",
    "x[0]",
    "x[0:1]",
    "*x",
    "(x := 1)",
    "await x",
    "yield x",
    "sin(x, evaluate=False)",
    "sin(*[x])",
    "sin(**x)",
    "sin(x)(",
    "pi(2)",
    "E(1)",
    "sin",
    "max(x)",
    "atan2(x)",
    "log(x, y, z)",
]

UNICODE = [
    "ｅｖａｌ(x)",  # fullwidth eval: NFKC makes it 'eval', still not a function
    "ｏｐｅｎ('{canary}', 'w')",
    "＿＿import＿＿('os')",  # fullwidth underscores
    "ｅｘｅｃ(x)",
    "𝐞𝐯𝐚𝐥(x)",  # mathematical bold
    "x\u200b+ y",  # zero-width space
    "sin\u200d(x)",  # zero-width joiner
    "x\u202e+ y",  # right-to-left override
    "\u2066x\u2069",  # bidi isolate
    "x\u061c",  # Arabic letter mark
    "x\u0000",
    "\ufeffx",  # a BOM inside the text
    "\x1b[31mx",  # a terminal escape
    "x\x7f",
    "x\u2028y",  # line separator
    "x\u2029y",  # paragraph separator
    "x\ud800",  # a lone surrogate
    "_x",
    "__x__",
    "x\u00b2(y",  # superscript two: a power, then an unclosed bracket
    "ⅽosh(x, y)",  # roman numeral c: NFKC makes it cosh, which takes one argument
]

NUMBERS = [
    "9**9**9**9",
    "2**(10**10)",
    "10**10**10",
    "(2*x)**(10**10)",
    "(x/3)**(10**10)",
    "sqrt(2)**(10**10)",
    "exp(10**10*log(2))",
    "floor(E**(10**10))",
    "ceiling(exp(exp(exp(100))))",
    "floor(10**14000*pi)",
    "2**-100000",
    "(1/3)**(-100000)",
    "(3/2)**40000",
    "10**15000*10**15000",
    "2**(2**40000)",
    "1e100000",
    "1.5e1001",
    "1e-1001",
    "1" + "0" * 1001,
    "0x" + "f" * 1001,
    "0." + "1" * 1001,
    "x" * 65,  # a name past the length cap
]

NESTING = [
    "(" * 300 + "x" + ")" * 300,
    "-" * 5000 + "x",
    "sin(" * 150 + "x" + ")" * 150,
    "x**" * 150 + "x",
    "[" * 300 + "]" * 300,
]

SYNTAX = [
    "",
    "   ",
    "1 +",
    ")",
    "(x",
    "x^",
    "sin",
    "x = 1",
    "import os",
    "#",
    "\\",
    "pi = 3",
    "True",
    "None",
    "...",
    "1j",
    "x % 2",
    "x // 2",
    "~x",
    "x << 1",
    "x | y",
    "x & y",
    "x @ y",
]

UNDEFINED = ["1/0", "0**-1", "log(0)", "tan(pi/2)", "atan2(0, 0)", "x/(x - x)", "1/(1 - 1)"]

LIMIT = {2, 3}  # a nesting or size limit: the parser or Python's own may answer first
ATTACKS: list[tuple[str, set[int]]] = (
    [(a, {2}) for a in CODE + UNICODE + SYNTAX + UNDEFINED]
    + [(a, {3}) for a in NUMBERS if not a.startswith("x")]
    + [("x" * 65, {2})]
    + [(a, LIMIT) for a in NESTING]
)

MATRICES = [
    ("[[1,2],[3]]", {2}),  # ragged
    ("[[1],[2,3]]", {2}),
    ("1 2; 3", {2}),
    ("[]", {2}),
    ("[[]]", {2}),
    ("[[],[]]", {2}),
    ("[[1],[]]", {2}),
    ("[[[1]]]", {2}),
    ("[[1,[2]]]", {2}),
    ("[1,[2]]", {2}),
    (";;;", {2}),
    ("[", {2}),
    ("[[1,2]", {2}),
    ("[[1,2]] [[3]]", {2}),
    ("[[1,2]]]", {2}),
    ("[[1,,2]]", {2}),
    ("[[1 2]]", {2}),
    ("[(1,2)]", {2}),
    ("((1,2),(3,4))", {2}),
    ("{1: 2}", {2}),
    ("[[x for x in y]]", {2}),
    ("[[1,2]][0]", {2}),
    ("[[1,2]].T", {2}),
    ("[" + ",".join(["1"] * 100_001) + "]", {3}),
]

# -- command lines ------------------------------------------------------------------


def _args(command: str, *positional: str, options: tuple[str, ...] = ()) -> list[str]:
    """A command line whose inputs can never be taken for options ('--' before them)."""
    return [command, *options, "-f", "text", "--", *positional]


def _matmul_cases() -> list[tuple[list[str], set[int]]]:
    cases = []
    for text, codes in ATTACKS:
        cases.append((_args("matmul", text, "[[1]]"), codes))
        cases.append((_args("matmul", "[[1]]", f"[[{text}]]"), codes))
    for text, codes in ATTACKS[::4]:  # every fourth: the same parser behind --expect
        cases.append((_args("matmul", "[[1]]", "[[2]]", options=("--expect", text)), codes))
    for text, codes in MATRICES:
        cases.append((_args("matmul", text, "[[1]]"), codes))
    options = [
        (["matmul"], {2}),
        (["matmul", "[[1]]"], {2}),
        (["matmul"] + ["[[1]]"] * 27, {2}),
        (["matmul", "[[1]]", "[[1]]", "--timeout", "-1"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--timeout", "abc"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--timeout", "nan"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--timeout", ""], {2}),
        (["matmul", "[[1]]", "[[1]]", "--max-memory", "-5"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--max-memory", "1Q"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--max-memory", "1e999G"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--format", "html"], {2}),
        (["matmul", "[[1]]", "[[1]]", "-f"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--bogus"], {2}),
        (["matmul", "[[1]]", "[[1]]", "--expect"], {2}),
        (["nosuchcommand"], {2}),
        (["--bogus"], {2}),
        # shapes that do not fit: an answer ("undefined"), exit 1, said on stdout
        (_args("matmul", "[[1,6],[7,5]]", "[3,0,2]"), {1}),
        (_args("matmul", "[[1,2]]", "[[1,2]]"), {1}),
    ]
    return cases + options


# The other commands: the same attacks in each of their inputs.
def _other_cases() -> list[tuple[list[str], set[int]]]:
    cases = []
    for text, _ in ATTACKS[::2]:
        cases.append((_args("jacobian", text), {2, 3}))
        cases.append((_args("jacobian", "x*y", options=("--at", f"x={text}")), {2, 3}))
    for text, _ in ATTACKS[1::3]:
        cases.append((_args("jacobian", "x*y", options=("--wrt", text)), {2, 3}))
        cases.append((_args("grad", text, options=("--wrt", "x", "--shape", "x=2x1")), {2, 3}))
    cases += [
        (["jacobian", "x**(10**10)", "--at", "x=2", "--timeout", "2"], {3}),
        (["jacobian", "x*y", "--at", "x=1, x=2"], {2}),
        (["jacobian", "x*y", "--at", "z=1"], {2}),
        (["jacobian", "x*y", "--at", "x"], {2}),
        (["jacobian", "x*y", "--at", "x=1/0"], {2}),
        (["jacobian", "x*y", "--wrt", "x, x"], {2}),
        (["jacobian", "x*y", "--wrt", "[[1, 2]]"], {2}),
        (["jacobian", "x*y", "--layout", "sideways"], {2}),
        (["jacobian", "[[x, y], [x]]"], {2}),
        (["grad", "x", "--wrt", "x", "--shape", "x=0x1"], {2}),
        (["grad", "x", "--wrt", "x", "--shape", "x=99999x99999"], {2, 3}),
        (["grad", "x", "--wrt", "x", "--shape", "x=2by1"], {2}),
        (["check", "/nonexistent/problems.toml"], {2}),
        (["check", "/dev/zero"], {2}),
        (["check", "/"], {2}),
        (["solve", "/dev/urandom"], {2}),
        (["derive", "__import__"], {2}),
    ]
    return cases


CASES = _matmul_cases() + _other_cases()


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2 mixes by default
    except TypeError:
        return CliRunner()


def _id(args: list[str]) -> str:
    text = " ".join(a if len(a) < 40 else a[:30] + f"...({len(a)})" for a in args)
    return text.encode("ascii", "backslashreplace").decode()


@pytest.mark.parametrize(("args", "codes"), CASES, ids=[_id(a) for a, _ in CASES])
def test_refused_cleanly(args, codes, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    canary = tmp_path / CANARY
    args = [a.replace("{canary}", str(canary)) for a in args]
    result = _runner().invoke(cli, args)
    assert result.exit_code in codes, (result.exit_code, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    assert not any(tmp_path.iterdir()), "an input created a file: it was executed"
    if result.exit_code in (2, 3):
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("symjac: error: ")
        assert len(lines[0]) < 400
    else:
        assert result.stdout.strip()


def test_the_suite_is_large_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("text", ["9**9**9**9", "[[1,2],[3]]", "exec(x)", "1/0"])
def test_json_errors_are_one_object(text):
    result = _runner().invoke(cli, ["matmul", text, "[[1]]", "-f", "json"])
    assert result.exit_code in (2, 3)
    obj = json.loads(result.stdout)
    assert obj["ok"] is False and obj["result"] is None
    assert obj["error"]["type"] in ("ParseError", "LimitError")
    assert len(result.stderr.splitlines()) == 1


def test_names_of_sympy_functions_are_only_symbols():
    # Bare names that would run code through sympify are plain symbols here.
    # (oo, zoo, nan and inf are refused by name: tests/test_adversarial_forms.py)
    names = "lambdify preview sympify S test N I Q O exec_ evalf open"
    for name in names.split():
        result = _runner().invoke(cli, ["matmul", f"[[{name}]]", "[[2]]", "-f", "json"])
        assert result.exit_code == 0, (name, result.output)
        assert json.loads(result.stdout)["result"]["matrix"] == [[f"2*{name}"]]


SCRIPT_CASES = [
    ("__import__('os').system('touch {canary}')", 2),
    ("ｅｖａｌ(x)", 2),
    ("x\u202e+ y", 2),
    ("9**9**9**9", 3),
    ("(2*x)**(10**10)", 3),
    ("sin(" * 150 + "x" + ")" * 150, 3),
]


@pytest.mark.parametrize(("text", "code"), SCRIPT_CASES, ids=[_id([t]) for t, _ in SCRIPT_CASES])
def test_refused_by_the_installed_script(text, code, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "symjac"
    canary = tmp_path / CANARY
    proc = subprocess.run(
        [str(script), "matmul", "-f", "json", "--", text.replace("{canary}", str(canary)), "[[1]]"],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert proc.returncode == code, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["ok"] is False
    assert not any(tmp_path.iterdir())


# -- hardening II: odd points, options, environment and outputs --------------------------
# (args, exit codes it may end with); every one a clean exit: one line, no traceback.

HARDENING_CASES = [
    (["jacobian", "10**5000*x"], {0}),
    (["jacobian", "10**5000*x", "-f", "latex"], {0}),
    (["jacobian", "10**5000*x*y", "-f", "json"], {0}),
    (["jacobian", "relu(asin(x))", "--at", "x=2"], {1}),
    (["jacobian", "relu(log(x))", "--at", "x=-1"], {1}),
    (["jacobian", "max(x, log(x))", "--at", "x=-1"], {1}),
    (["jacobian", "min(x, log(x))", "--at", "x=-1"], {1}),
    (["jacobian", "abs(log(x))", "--at", "x=-1"], {1}),
    (["jacobian", "sign(asin(x))", "--at", "x=2"], {1}),
    (["jacobian", "floor(log(x))", "--at", "x=-1"], {1}),
    (["jacobian", "exp(x)", "--at", "x=710"], {0}),
    (["jacobian", "exp(x)", "--at", "x=-800"], {0}),
    (["jacobian", "x**2", "--at", "x=1e400"], {0}),
    (["jacobian", "x**2", "--at", "x=1e-400"], {0}),
    (["jacobian", "sqrt(relu(x))", "--at", "x=-1"], {0}),
    (["jacobian", "relu(x)", "--at", "x=0"], {1}),
    (["jacobian", "abs(x)", "--at", "x=0"], {1}),
    (["jacobian", "sqrt(x)", "--at", "x=-1"], {1}),
    (["jacobian", "log(x)", "--at", "x=0"], {1}),
    (["jacobian", "sin(x)/x", "--at", "x=0"], {1}),
    (["jacobian", "x**y", "--at", "x=0, y=0"], {1}),
    (["jacobian", "x", "--at", "x=oo"], {2}),
    (["jacobian", "x", "--at", "x=nan"], {2}),
    (["jacobian", "x", "--at", "x=zoo"], {2}),
    (["jacobian", "x**x", "--at", "x=1e400"], {3}),
    (["matmul", "[[1]]", "[[2]]", "--timeout", "nan"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--timeout", "inf"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--timeout", "-1"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--timeout", "1e400"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--max-memory", "nan"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--max-memory", "inf"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--max-memory", "-1G"], {2}),
    (["matmul", "[[1]]", "[[2]]", "--max-memory", "9" * 400], {2}),
    (["matmul", "[[1]]", "[[2]]", "-f", "\x1b[2J"], {2}),
    (["matmul", "[[1, \r2]]", "[[2]]"], {1, 2}),
    (["matmul", "[[1]]\x1b]8;;http://x\x07", "[[2]]"], {2}),
]


@pytest.mark.parametrize(("args", "codes"), HARDENING_CASES,
                         ids=[_id(a) for a, _ in HARDENING_CASES])
def test_hardening_cases_exit_cleanly(args, codes):
    result = _runner().invoke(cli, args)
    assert result.exit_code in codes, (result.exit_code, result.output)
    err = result.stderr
    assert "Traceback" not in result.output and "internal error" not in err
    assert len(err.splitlines()) <= 1, err
    assert "\x1b" not in result.output and "\r" not in result.output
