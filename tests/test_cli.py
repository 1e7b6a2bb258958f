"""The worksheet's problem 1 through the command line: CliRunner and the installed script.

Expected values are the worksheet's (seed/000_a2a5434e9771d97d.txt, problem 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import P1A, P1B, P1C

# -- (a): undefined, exit 1, the reason with the numbers 2 and 3 -----------------------


def test_1a_text_exits_1_and_explains_with_2_and_3(invoke):
    r = invoke("matmul", *P1A, "-f", "text")
    assert r.exit_code == 1
    # An undefined product is an answer, so it goes to stdout, not stderr.
    assert "A is 2×2 and B is 3×1" in r.stdout
    assert "A has 2 columns but B has 3 rows" in r.stdout
    assert "undefined" in r.stdout
    assert r.stderr == ""
    # 2×2 · 3×1: neither B·A (1≠2), A·Bᵀ (2≠1) nor Aᵀ·B (2≠3) is defined, so no hint.
    assert "hint" not in r.stdout


def test_1a_json_error_object(invoke):
    r = invoke("matmul", *P1A, "-f", "json")
    assert r.exit_code == 1
    obj = json.loads(r.stdout)
    assert obj["schema"] == "symjac/1"
    assert obj["command"] == "matmul"
    assert obj["ok"] is False
    assert obj["result"] is None
    assert obj["steps"] == []
    err = obj["error"]
    assert err["type"] == "ShapeError"
    assert "2 columns" in err["message"] and "3 rows" in err["message"]
    assert err["position"] is None


def test_1a_compact_and_flat_column_forms_agree(invoke):
    # "1 6; 7 5" and the flat list [3,0,2] (a column) are the same problem.
    r = invoke("matmul", "1 6; 7 5", "[3,0,2]", "-f", "json")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["error"]["type"] == "ShapeError"


# -- (b): [[29],[5],[26]] with the worksheet's chain ---------------------------------------


def test_1b_json_result_and_chain(invoke):
    r = invoke("matmul", *P1B, "-f", "json")
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["schema"] == "symjac/1"
    assert obj["ok"] is True
    assert obj["error"] is None
    assert obj["check"] is None
    assert obj["result"]["shape"] == [3, 1]
    assert obj["result"]["matrix"] == [["29"], ["5"], ["26"]]
    entries = [s for s in obj["steps"] if s["kind"] == "entry"]
    assert [e["index"] for e in entries] == [[1, 1], [2, 1], [3, 1]]
    # The worksheet's three stages, entry by entry.
    assert entries[0]["chain"] == ["4*2 + 3*1 + 6*3", "8 + 3 + 18", "29"]
    assert entries[1]["chain"] == ["2*2 + 1*1 + 0*3", "4 + 1 + 0", "5"]
    assert entries[2]["chain"] == ["0*2 + 5*1 + 7*3", "0 + 5 + 21", "26"]


def test_1b_text_shows_shapes_chain_and_result(invoke):
    r = invoke("matmul", *P1B, "-f", "text")
    assert r.exit_code == 0
    assert "A (3×3) · B (3×1) → 3×1" in r.stdout
    assert "4·2 + 3·1 + 6·3 = 8 + 3 + 18 = 29" in r.stdout
    assert "0·2 + 5·1 + 7·3 = 0 + 5 + 21 = 26" in r.stdout
    assert r.stderr == ""


# -- (c): [[21,24],[14,30],[36,73]] ----------------------------------------------------------


def test_1c_json_result_and_all_six_chains(invoke):
    r = invoke("matmul", *P1C, "-f", "json")
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert obj["result"]["matrix"] == [["21", "24"], ["14", "30"], ["36", "73"]]
    chains = {tuple(s["index"]): s["chain"] for s in obj["steps"] if s["kind"] == "entry"}
    # Copied from the worksheet's two middle matrices.
    assert chains[(1, 1)] == ["0*1 + 6*1 + 5*3", "0 + 6 + 15", "21"]
    assert chains[(1, 2)] == ["0*9 + 6*4 + 5*0", "0 + 24 + 0", "24"]
    assert chains[(2, 1)] == ["2*1 + 3*1 + 3*3", "2 + 3 + 9", "14"]
    assert chains[(2, 2)] == ["2*9 + 3*4 + 3*0", "18 + 12 + 0", "30"]
    assert chains[(3, 1)] == ["5*1 + 7*1 + 8*3", "5 + 7 + 24", "36"]
    assert chains[(3, 2)] == ["5*9 + 7*4 + 8*0", "45 + 28 + 0", "73"]


def test_1c_compact_form_gives_same_answer(invoke):
    r = invoke("matmul", "0 6 5; 2 3 3; 5 7 8", "1 9; 1 4; 3 0", "-f", "json")
    assert json.loads(r.stdout)["result"]["matrix"] == [["21", "24"], ["14", "30"], ["36", "73"]]


# -- the command line around it ----------------------------------------------------------------


def test_version_and_help(invoke):
    r = invoke("--version")
    assert r.exit_code == 0 and "0.1.0" in r.stdout
    r = invoke("matmul", "--help")
    assert r.exit_code == 0
    assert "Examples:" in r.stdout and "symjac matmul" in r.stdout
    for flag in ("--format", "--no-steps", "--timeout", "--all-steps", "--expect"):
        assert flag in r.stdout


def test_no_arguments_prints_help(invoke):
    r = invoke()
    assert r.exit_code == 0
    assert "matmul" in r.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["matmul", "[[1]]"], "at least two"),
        (["matmul", *P1B, "-f", "yaml"], "yaml"),
        (["matmul", *P1B, "--timeout", "-1"], "timeout"),
        (["nosuchcommand"], "nosuchcommand"),
        (["matmul", *P1B, "--bogus"], "--bogus"),
    ],
)
def test_usage_errors_exit_2_with_one_line(invoke, args, needle):
    r = invoke(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("symjac: error:")
    assert needle in lines[0]


def test_auto_format_in_a_pipe_is_text(invoke):
    # CliRunner's stdout is not a terminal, so auto must equal text.
    assert invoke("matmul", *P1B).stdout == invoke("matmul", *P1B, "-f", "text").stdout


# -- the installed script, in a real subprocess ------------------------------------------------

SCRIPT = Path(sys.executable).parent / ("symjac.exe" if os.name == "nt" else "symjac")


def _script(*args: str) -> subprocess.CompletedProcess:
    if not SCRIPT.exists():
        pytest.fail(f"the symjac console script is not installed next to {sys.executable}")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, encoding="utf-8", timeout=60, env=env
    )


def test_installed_script_worksheet_problem_1():
    a = _script("matmul", *P1A)
    assert a.returncode == 1
    assert "2 columns" in a.stdout and "3 rows" in a.stdout
    assert "Traceback" not in a.stderr

    b = _script("matmul", *P1B, "--format", "json")
    assert b.returncode == 0, b.stderr
    obj = json.loads(b.stdout)
    assert obj["result"]["matrix"] == [["29"], ["5"], ["26"]]
    assert obj["steps"][1]["chain"] == ["4*2 + 3*1 + 6*3", "8 + 3 + 18", "29"]

    c = _script("matmul", *P1C, "-f", "json")
    assert c.returncode == 0
    assert json.loads(c.stdout)["result"]["matrix"] == [["21", "24"], ["14", "30"], ["36", "73"]]


def test_installed_script_bad_input_and_python_m():
    bad = _script("matmul", "__import__('os')", "[[1]]")
    assert bad.returncode == 2
    assert bad.stderr.startswith("symjac: error:")
    assert "Traceback" not in bad.stderr

    m = subprocess.run(
        [sys.executable, "-m", "symjac", "matmul", *P1B, "-f", "json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert m.returncode == 0
    assert json.loads(m.stdout)["result"]["matrix"] == [["29"], ["5"], ["26"]]


# -- adversarial inputs: every one refused with exit 2 or 3, one line, no traceback -------------

LIMIT, BAD = 3, 2
ADVERSARIAL = [
    # eval and import attempts
    ("__import__('os').system('echo pwned')", BAD),
    ("[[__import__('os').getcwd()]]", BAD),
    ("eval('1+1')", BAD),
    ("exec('import os')", BAD),
    ("[[eval('2')]]", BAD),
    ("compile('1', 'f', 'eval')", BAD),
    ("globals()", BAD),
    ("open('/etc/passwd')", BAD),
    ("getattr(x, 'y')", BAD),
    ("breakpoint()", BAD),
    # dunders and attribute access
    ("().__class__.__bases__[0].__subclasses__()", BAD),
    ("x.__class__", BAD),
    ("__builtins__", BAD),
    ("[[__name__]]", BAD),
    ("_x", BAD),
    ("sin.__globals__", BAD),
    ("x.T", BAD),
    # sympy's own eval-ing entry points, by name
    ("lambdify(x, x)", BAD),
    ("preview(x)", BAD),
    ("sympify('x')", BAD),
    ("S('1')", BAD),
    ("S.One", BAD),
    ("Symbol('x')", BAD),
    ("Matrix([[1]])", BAD),
    ("parse_expr('x')", BAD),
    # Unicode look-alikes, invisible and direction characters
    ("ｅｖａｌ('1')", BAD),  # fullwidth letters: NFKC makes them eval, still refused
    ("＿＿import＿＿('os')", BAD),  # fullwidth low lines
    ("ｏｓ.ｓｙｓｔｅｍ('ls')", BAD),
    ("x\u200b", BAD),  # zero-width space
    ("a\u200db", BAD),  # zero-width joiner
    ("a\u202eb", BAD),  # right-to-left override
    ("x\u2066", BAD),  # left-to-right isolate
    ("\ufeffx", BAD),  # byte-order mark
    ("x²(", BAD),  # a superscript is a power (x**2); the bracket is unclosed
    ("\x00", BAD),
    ("x\x1b[31m", BAD),  # a terminal escape
    # huge numbers: refused before they are built
    ("9**9**9**9", LIMIT),
    ("2**100000", LIMIT),
    ("10**10**10", LIMIT),
    ("(-9)**(9**9)", LIMIT),
    ("x**(10**100000)", LIMIT),
    ("1" * 1001, LIMIT),
    ("1e99999", LIMIT),
    ("0.5**-99999", LIMIT),
    ("x" * 1_000_001, LIMIT),
    # deep nesting
    ("(" * 300 + "1" + ")" * 300, LIMIT),  # like any nesting limit
    ("sin(" * 200 + "x" + ")" * 200, LIMIT),
    ("x**" * 150 + "x", LIMIT),
    ("[[" + "-" * 5000 + "1]]", LIMIT),
    ("[" * 5000, LIMIT),
    # ragged rows, unbalanced brackets, empty input
    ("[[1,2],[3]]", BAD),
    ("1 2; 3", BAD),
    ("[[1,2]", BAD),
    ("[[1,2]]]", BAD),
    ("((1)", BAD),
    ("", BAD),
    ("   ", BAD),
    ("[]", BAD),
    ("[[]]", BAD),
    ("[1,[2]]", BAD),
    ("[[[1]]]", BAD),
    # strings, keywords, lambda, comprehensions, walrus and other Python
    ("'abc'", BAD),
    ("b'x'", BAD),
    ("f'{x}'", BAD),
    ("sin(x=1)", BAD),
    ("max(*[1, 2])", BAD),
    ("lambda: 1", BAD),
    ("[[(lambda: 1)()]]", BAD),
    ("[x for x in (1,)]", BAD),
    ("[[(y:=1)]]", BAD),
    ("{1: 2}", BAD),
    ("x if y else z", BAD),
    ("x[0]", BAD),
    ("1j", BAD),
    ("True", BAD),
    ("None", BAD),
    ("x ^", BAD),
    ("1/0", BAD),
    ("x % 2", BAD),
    ("[[1if 2 else 3]]", BAD),  # Python warns on stderr here unless the parser stops it
    ("[[x @ y]]", BAD),
    ("[[yield]]", BAD),
]


def _assert_refused(r, code):
    assert r.exit_code == code, (r.exit_code, r.output[:300])
    assert r.stdout == ""
    assert "Traceback" not in r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr[:500]
    assert lines[0].startswith("symjac: error: ")
    assert len(lines[0]) < 400


def test_there_are_at_least_40_adversarial_inputs():
    assert len({text for text, _ in ADVERSARIAL}) >= 40


@pytest.mark.parametrize(
    "text, code", ADVERSARIAL, ids=[f"{i:02d}" for i in range(len(ADVERSARIAL))]
)
def test_adversarial_matrix_is_refused(invoke, text, code):
    _assert_refused(invoke("matmul", text, "[[1]]", "-f", "text"), code)


@pytest.mark.parametrize(
    "text, code", ADVERSARIAL[::7], ids=[f"{i:02d}" for i in range(0, len(ADVERSARIAL), 7)]
)
def test_adversarial_second_matrix_and_expect_are_refused(invoke, text, code):
    _assert_refused(invoke("matmul", "[[1]]", text, "-f", "text"), code)
    _assert_refused(invoke("matmul", "[[1]]", "[[1]]", "--expect", text, "-f", "text"), code)


def test_adversarial_json_error_is_on_stdout(invoke):
    r = invoke("matmul", "__import__('os')", "[[1]]", "-f", "json")
    assert r.exit_code == 2
    obj = json.loads(r.stdout)
    assert obj["ok"] is False and obj["error"]["type"] == "ParseError"
    assert obj["error"]["position"] == 1


# -- the canary: had anything been executed, a file would exist -------------------------------


def _canary_inputs(path: Path) -> list[str]:
    p = str(path)
    return [
        f"__import__('os').system('touch {p}')",
        f"[[__import__('pathlib').Path('{p}').touch()]]",
        f"open('{p}', 'w')",
        f"exec(\"open('{p}', 'w')\")",
        f"eval(\"open('{p}', 'w')\")",
        f"[[lambdify(x, open('{p}', 'w'))]]",
        f"sympify(\"__import__('os').system('touch {p}')\")",
        f"S(\"open('{p}', 'w')\")",
        f"[[(lambda: open('{p}', 'w'))()]]",
        f"[[[open('{p}', 'w') for _ in (1,)]]]",
        f"ｏｐｅｎ('{p}', 'w')",
        f"[[x.__class__.__init__.__globals__['__builtins__']['open']('{p}', 'w')]]",
    ]


def test_canary_inputs_would_create_the_file_if_executed(tmp_path):
    # The control: plain Python really does create the canary from these texts,
    # so the test below could fail.
    path = tmp_path / "control"
    eval(_canary_inputs(path)[1])  # the point of the control: Python runs it
    assert path.exists()


def test_canary_nothing_is_executed(invoke, tmp_path):
    path = tmp_path / "canary"
    for text in _canary_inputs(path):
        r = invoke("matmul", text, "[[1]]", "-f", "json")
        assert r.exit_code in (2, 3), text
        assert json.loads(r.stdout)["ok"] is False
        r = invoke("matmul", "[[1]]", "[[1]]", "--expect", text)
        assert r.exit_code in (2, 3), text
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("spelling", ["JSON", "Json", " json"])
def test_format_names_forgive_case(invoke, spelling):
    r = invoke("matmul", "[[1,2]]", "[[3],[4]]", "-f", spelling)
    assert r.exit_code == 0 and json.loads(r.stdout)["result"]["matrix"] == [["11"]]


@pytest.mark.parametrize("alias, marker", [("md", "**Solution:**"), ("tex", "\\textbf{Solution:}")])
def test_md_and_tex_are_format_aliases(invoke, alias, marker):
    r = invoke("matmul", "[[1,2]]", "[[3],[4]]", "-f", alias)
    assert r.exit_code == 0 and marker in r.stdout


@pytest.mark.parametrize(
    "args",
    [["matmul", "-f", "json"], ["jacobian", "x", "--layout", "foo", "--format", "json"],
     ["matmul", "[[1]]", "[[1]]", "--format=json", "--bogus"]],
)
def test_usage_errors_are_json_when_json_was_asked_for(invoke, args):
    r = invoke(*args)
    assert r.exit_code == 2
    obj = json.loads(r.stdout)
    assert obj["ok"] is False and obj["error"]["type"] == "UsageError"
    assert obj["command"] == args[0]
    assert r.stderr.startswith("symjac: error:")
