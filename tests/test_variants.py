"""Variants: [problem.params], drawn per student, substituted, solved and graded."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner

from symjac.batch import problems
from symjac.batch.variants import (
    ParamError,
    printed,
    read_params,
    substitute,
)
from symjac.cli.commands import cli
from symjac.language.parser import parse_expression, parse_matrix

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ROOT / "examples" / "discussion01-variants.toml"
GOLDEN = Path(__file__).parent / "golden" / "variants.json"
STUDENTS = ("alice", "bob", "carol")


# -- the draw is a pure function of (seed, student, problem), forever -------------------


def test_golden_variants():
    """The values drawn for these (seed, student, problem) never change: not by machine,
    not by Python version, not by symjac version (the file was written once)."""
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    params = read_params(golden["params"], golden["constraints"])
    for case in golden["cases"]:
        values = params.draw(case["seed"], case["student"], case["problem"])
        assert {k: printed(v) for k, v in values.items()} == case["values"], case
        # the key is SHA-256 of the JSON list, as documented (computed here independently)
        text = json.dumps(["symjac-variant", 1, case["seed"], case["student"],
                           case["problem"], 0], ensure_ascii=True)
        assert hashlib.sha256(text.encode()).hexdigest() == case["key"]


def test_golden_values_meet_their_kinds_and_constraints():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for case in golden["cases"]:
        v = case["values"]
        assert 2 <= int(v["a"]) <= 9 and v["a"] != v["n"]
        r = sympy.Rational(v["r"])
        assert r != 0 and -2 <= r <= 2 and r.q <= 4
        a = parse_matrix(v["A"])
        assert a.shape == (int(v["n"]), 3) and all(x != 0 and -5 <= x <= 5 for x in a)
        s = parse_matrix(v["S"])
        assert s == s.T and s.det() != 0
        assert v["f"] in ("sin", "cos", "exp")


def test_same_draw_in_a_fresh_interpreter():
    """Another process (another hash seed) draws the same values."""
    code = ("from symjac.batch import problems as p; "
            f"ps = p.for_student(p.load({str(VARIANTS)!r}), 'bob'); "
            "print([q.variant for q in ps.problems])")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": str(h), "PATH": "/usr/bin:/bin"},
                           check=True).stdout for h in (1, 2)]
    assert runs[0] == runs[1] and "[[" in runs[0]


def test_students_and_problems_get_different_variants():
    params = read_params({"A": "matrix 3x3 of integer -9..9"}, None)
    drawn = {printed(params.draw(7, s, pid)["A"]) for s in STUDENTS for pid in ("1", "2")}
    assert len(drawn) == 6
    # and the seed matters
    assert printed(params.draw(7, "alice", "1")["A"]) != printed(params.draw(8, "alice",
                                                                              "1")["A"])


# -- substitution never changes the meaning ----------------------------------------------


@pytest.mark.parametrize("template, value, meant", [
    ("{a}x^2", -3, "-3*x**2"),
    ("{a}x^2", 3, "3*x**2"),
    ("x^{a}", -3, "x**(-3)"),
    ("x^{a}", sympy.Rational(1, 2), "sqrt(x)"),
    ("2/{a}", sympy.Rational(3, 4), "8/3"),
    ("{a}/2", sympy.Rational(3, 4), "3/8"),
    ("x - {a}", -3, "x + 3"),
    ("{a}^2", -3, "9"),
    ("{a}2", 3, "6"),
    ("y*{a}", -2, "-2*y"),
    ("sin({a}*x)", -1, "-sin(x)"),
])
def test_substituted_value_reads_as_meant(template, value, meant):
    text = substitute(template, {"a": sympy.sympify(value)})
    assert parse_expression(text) == parse_expression(meant), text


def test_substitution_that_would_join_a_name_is_refused_not_misread():
    # x{a} -> x(3): the parser refuses it, rather than reading the name x3
    text = substitute("x{a}", {"a": sympy.Integer(3)})
    with pytest.raises(Exception, match="unknown function"):
        parse_expression(text)


def test_matrix_and_choice_substitution_read_back():
    m = sympy.Matrix([[1, -2], [sympy.Rational(1, 3), 0]])
    assert parse_matrix(substitute("{A}", {"A": m})) == m
    assert substitute("{f}(x) + 1", {"f": "cos"}) == "cos(x) + 1"
    # only declared names: LaTeX braces stay
    assert substitute(r"\frac{1}{x}", {"a": sympy.Integer(2)}) == r"\frac{1}{x}"
    assert substitute("theta={n}x{k}", {"n": sympy.Integer(3),
                                        "k": sympy.Integer(2)}) == "theta=3x2"


# -- kinds and constraints -----------------------------------------------------------------


def test_constraints_hold_in_every_variant():
    params = read_params({"a": "integer -3..3", "b": "integer -3..3", "c": "integer -3..3",
                          "n": "integer 1..3", "A": "matrix 2x{n} of integer -2..2",
                          "B": "matrix 2x2 of integer -2..2"},
                         ["distinct a, b, c", "nonzero a*b", "1 <= a - b < 4",
                          "A @ B is defined", "invertible B"])
    for s in range(40):
        v = params.draw(1, f"s{s}", "p")
        a, b, c = v["a"], v["b"], v["c"]
        assert len({a, b, c}) == 3 and a * b != 0 and 1 <= a - b < 4
        assert v["A"].cols == v["B"].rows and v["B"].det() != 0


@pytest.mark.parametrize("spec, check", [
    ("nonzero integers from -2 to 2", lambda v: v in (-2, -1, 1, 2)),
    ("integer -2..2 except 0", lambda v: v in (-2, -1, 1, 2)),
    ("int 3 to 4", lambda v: v in (3, 4)),
    ("fraction 0..1 denominator 3..3", lambda v: v.q in (1, 3) and 0 <= v <= 1),
    ("2x3 matrix of integers 1..2", lambda v: v.shape == (2, 3) and set(v) <= {1, 2}),
    ("matrix 2×2 with integer entries in -1..1 nonzero",
     lambda v: v.shape == (2, 2) and set(v) <= {-1, 1}),
    ("one of sin, cos", lambda v: v in ("sin", "cos")),
    (["tan", "exp"], lambda v: v in ("tan", "exp")),
    ([2, 5], lambda v: v in (2, 5) and v.is_Integer),
])
def test_kinds_as_people_write_them(spec, check):
    params = read_params({"a": spec}, None)
    for s in range(12):
        assert check(params.draw(3, f"s{s}", "p")["a"]), spec


@pytest.mark.parametrize("constraint", [
    "a != b", "distinct a, b", "distinct(a, b)", "a, b are distinct", "nonzero a*b",
    "a*b is nonzero", "invertible A", "A is invertible", "det(A) != 0", "A @ B is defined",
    "defined(A @ B)", "the product A B is defined", "the product is defined",
    "the product of A and B is defined", "B @ A is undefined", "A[1, 1] = 1", "trace(A) >= 2",
    "e**2 == 4", "{a} - 3 = 0",
])
def test_constraints_as_people_write_them(constraint):
    values = {"a": sympy.Integer(3), "b": sympy.Integer(-2), "e": sympy.Integer(2),
              "A": sympy.Matrix([[1, 2], [3, 4]]), "B": sympy.Matrix([[1], [1]])}
    from symjac.batch.variants import Constraint

    assert Constraint(constraint).holds(values)
    # and each can fail: the same constraint on values that break it
    broken = {"a": sympy.Integer(0), "b": sympy.Integer(0), "e": sympy.Integer(3),
              "A": sympy.Matrix([[0, 0], [0, 0]]), "B": sympy.Matrix([[1, 1]])}
    assert not Constraint(constraint).holds(broken)


def test_impossible_constraints_are_said():
    params = read_params({"a": "integer 1..2", "b": "integer 1..2"}, ["a + b > 5"])
    with pytest.raises(ParamError, match=r"no values met 'a \+ b > 5' in 1000 draws"):
        params.draw(1, "x", "p")


@pytest.mark.parametrize("spec, message", [
    ("integer 9..2", "empty"),
    ("natural 1..3", "no kind of value"),
    ("matrix 2 by 3 of integer 1..3", "not a size"),
    ("matrix 2x3 of integer 1..3 invertible", "square"),
    ("integer 1/2..3", "whole"),
])
def test_bad_kinds_are_refused(spec, message):
    with pytest.raises(ParamError, match=message):
        read_params({"a": spec}, None).draw(1, "s", "p")


def test_constraints_are_read_by_the_parser_not_eval(tmp_path):
    params = read_params({"a": "integer 1..3"}, ["__import__('os').system('true') > 0"])
    with pytest.raises(ParamError):
        params.draw(1, "s", "p")


def test_a_problem_whose_params_cannot_be_met_is_its_error(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[[problem]]\nid = "1"\ncommand = "matmul"\nmatrices = ["{A}", "[[1]]"]\n'
                 'constraints = ["a > 9"]\n[problem.params]\na = "integer 1..2"\n'
                 'A = "matrix 1x1 of integer 1..2"\n'
                 '[[problem]]\nid = "2"\ncommand = "matmul"\nmatrices = ["[[1]]", "[[2]]"]\n'
                 'expect = "[[2]]"\n')
    r = CliRunner().invoke(cli, ["check", str(f), "-f", "json"])
    rows = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert rows["1"]["status"] == "error" and "no values met 'a > 9'" in rows["1"]["message"]
    assert rows["2"]["status"] == "passed" and r.exit_code == 1


# -- acceptance: three students, three variants, each solved and graded -------------------


def _solve_json(student: str) -> dict:
    r = CliRunner().invoke(cli, ["solve", str(VARIANTS), "--student", student, "-f", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _product(entries: str) -> list[list[int]]:
    return json.loads(entries)


def _matmul(a: list[list[int]], b: list[list[int]]) -> list[list[int]] | None:
    """Plain Python's product (independent of symjac and sympy); None if undefined."""
    if len(a[0]) != len(b):
        return None
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def _answers(doc: dict) -> dict[str, str]:
    """A student's right answers, computed independently: numpy for the products, sympy's
    own jacobian for the Jacobians (from the variant's functions)."""
    out = {}
    for p in doc["problems"]:
        v = p["variant"]
        if p["command"] == "matmul":
            ab = _matmul(_product(v["A"]), _product(v.get("B") or v.get("b")))
            out[p["id"]] = "undefined" if ab is None else json.dumps(ab)
    return out


def test_three_students_three_variants_each_solved_right():
    docs = {s: _solve_json(s) for s in STUDENTS}
    variants = {s: json.dumps([p["variant"] for p in d["problems"]]) for s, d in docs.items()}
    assert len(set(variants.values())) == 3
    for s, doc in docs.items():
        assert doc["student"] == s
        for p in doc["problems"]:
            v = p["variant"]
            result = p["derivation"]["result"]["matrix"] if p["derivation"] else None
            if p["command"] == "matmul":
                ab = _matmul(_product(v["A"]), _product(v.get("B") or v.get("b")))
                if ab is None:
                    assert p["undefined"], (s, p["id"])
                else:
                    got = [[int(x) for x in row] for row in result]
                    assert got == ab, (s, p["id"])
            elif p["id"] == "2a":  # x**p*y, g(y)**2 + c*x, y*exp(k*x)
                x, y = parse_expression("x"), parse_expression("y")  # the same symbols
                pp, c, k = (sympy.Integer(v[n]) for n in ("p", "c", "k"))
                g = {"sin": sympy.sin, "cos": sympy.cos}[v["g"]]
                f = sympy.Matrix([x**pp * y, g(y)**2 + c * x, y * sympy.exp(k * x)])
                got = sympy.Matrix([[parse_expression(x) for x in row] for row in result])
                assert sympy.simplify(got - f.jacobian([x, y])) == sympy.zeros(3, 2)


def test_each_answer_file_is_graded_against_its_own_variant(tmp_path):
    docs = {s: _solve_json(s) for s in STUDENTS}
    subs = tmp_path / "subs"
    subs.mkdir()
    for s in STUDENTS:
        lines = [f'"{pid}" = {json.dumps(a)}' for pid, a in _answers(docs[s]).items()]
        (subs / f"{s}.toml").write_text("\n".join(lines) + "\n")
    # dave hands in alice's right answers, under his own name
    (subs / "dave.toml").write_text((subs / "alice.toml").read_text())
    # erin's file says whose it is, whatever its name
    (subs / "upload-3.toml").write_text('student = "bob"\n' + (subs / "bob.toml").read_text())
    r = CliRunner().invoke(cli, ["check", str(VARIANTS), "--answers-dir", str(subs),
                                 "-f", "json"])
    out = json.loads(r.stdout)
    status = {(p["student"], p["id"]): p["status"] for p in out["problems"]}
    for s in (*STUDENTS, "bob"):
        for pid in ("1a", "1b", "1c"):
            assert status[(s, pid)] == "passed", (s, pid)
    # dave's variant is not alice's: her right answers are wrong for him
    assert "failed" in {status[("dave", pid)] for pid in ("1b", "1c")}
    assert r.exit_code == 1


def test_gradescope_metadata_names_the_student(tmp_path):
    doc = _solve_json("carol")
    ans = tmp_path / "answers.toml"
    ans.write_text("\n".join(f'"{k}" = {json.dumps(v)}' for k, v in _answers(doc).items())
                   + '\nstudent = "alice"\n')
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({"users": [{"email": "c@x.edu", "sid": "carol",
                                           "name": "Carol"}]}))
    r = CliRunner().invoke(cli, ["check", str(VARIANTS), "--answers", str(ans),
                                 "--metadata", str(meta), "-f", "json"])
    rows = json.loads(r.stdout)["problems"]
    assert {p["student"] for p in rows} == {"carol"}
    assert all(p["status"] == "passed" for p in rows if p["id"] in ("1a", "1b", "1c"))
    # the file's own student key does not win over Gradescope's
    assert "graded as 'carol'" in r.stderr


def test_roster_writes_a_sheet_per_student(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Name,SID,Email\nAlice,alice,a@x\nBob,bob,b@x\nCarol,carol,c@x\n")
    out = tmp_path / "sheets"
    r = CliRunner().invoke(cli, ["solve", str(VARIANTS), "--roster", str(roster),
                                 "--no-solutions", "-o", str(out), "-f", "markdown"])
    assert r.exit_code == 0, r.output
    sheets = {p.stem: p.read_text() for p in out.iterdir()}
    assert set(sheets) == set(STUDENTS) and all(p.suffix == ".md" for p in out.iterdir())
    for s, text in sheets.items():
        assert f"Student: {s}" in text and "Solution" not in text
        # the sheet states the student's own matrices (1b's A, as its statement)
        a = parse_matrix(_solve_json(s)["problems"][1]["variant"]["A"])
        row = " & ".join(str(x) for x in a.row(0))
        assert row in text
    assert len(set(sheets.values())) == 3


def test_problem_without_expect_is_solved_not_passed():
    r = CliRunner().invoke(cli, ["check", str(VARIANTS), "--student", "alice", "-f", "json"])
    rows = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert rows["1b"]["status"] == "solved"
    assert rows["1b"]["message"].startswith("computed, not checked")
    assert r.exit_code == 0
    text = CliRunner().invoke(cli, ["check", str(VARIANTS), "--student", "alice"]).stdout
    assert re.search(r"1b\s+solved", text) and "4 solved (computed, not checked)" in text


def test_toml_answer_that_lost_its_backslashes_is_invalid(tmp_path):
    problems_file = tmp_path / "p.toml"
    problems_file.write_text('[[problem]]\nid = "1"\ncommand = "jacobian"\n'
                             'functions = "log(x)"\n')
    ans = tmp_path / "a.toml"
    ans.write_text('"1" = "[[\\frac{1}{x}]]"\n')  # in the file: "\frac": \f is U+000C
    r = CliRunner().invoke(cli, ["check", str(problems_file), "--answers", str(ans),
                                 "-f", "json"])
    p = json.loads(r.stdout)["problems"][0]
    assert p["status"] == "invalid"
    assert "write LaTeX in single quotes ('...') or double the backslashes" in p["message"]
    ans.write_text("\"1\" = '[[\\frac{1}{x}]]'\n")  # single quotes: a literal string
    r = CliRunner().invoke(cli, ["check", str(problems_file), "--answers", str(ans),
                                 "-f", "json"])
    assert json.loads(r.stdout)["problems"][0]["status"] == "passed"


def test_problem_file_variant_key_errors(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('seed = 1.5\n[[problem]]\nid = "1"\ncommand = "matmul"\n'
                 'matrices = ["[[1]]", "[[1]]"]\n')
    with pytest.raises(Exception, match="'seed' must be a whole number or text"):
        problems.load(str(f))
    f.write_text('[[problem]]\nid = "1"\ncommand = "matmul"\nmatrices = ["[[1]]", "[[1]]"]\n'
                 'constraints = ["a > 1"]\n')
    assert "has none" in (problems.load(str(f)).problems[0].error or "")


def test_feedback_is_substituted_per_student(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('seed = 5\n[[problem]]\nid = "j"\ncommand = "jacobian"\n'
                 'functions = "{c}*x**2*y"\nwrt = "x, y"\npoints = 2\n'
                 '[problem.params]\nc = "integer 2..9"\n'
                 '[[problem.feedback]]\nanswer = "[[{c}*x**2, 2*{c}*x*y]]"\n'
                 'message = "Order the columns as the variables: x, then y (c = {c})."\n'
                 'credit = 0.5\n')
    c = problems.for_student(problems.load(str(f)), "alice").problems[0].variant[0][1]
    ans = tmp_path / "alice.toml"
    ans.write_text(f'j = "[[{c}*x**2, 2*{c}*x*y]]"\n')  # alice's columns swapped
    r = CliRunner().invoke(cli, ["check", str(f), "--answers", str(ans), "-f", "json"])
    row = json.loads(r.stdout)["problems"][0]
    assert row["status"] == "failed" and row["feedback"] and row["score"] == 1.0
    assert f"(c = {c})" in row["message"]
    assert row["variant"] == {"c": c} and row["student"] == "alice"


def test_solved_in_every_output(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[[problem]]\nid = "m"\ncommand = "matmul"\n'
                 'matrices = ["[[1, 2]]", "[[3], [4]]"]\n')
    junit, gs = tmp_path / "r.xml", tmp_path / "gs.json"
    r = CliRunner().invoke(cli, ["check", str(f), "-f", "markdown", "--junit", str(junit),
                                 "--gradescope", str(gs)])
    assert r.exit_code == 0 and "**solved**" in r.stdout and "passed" not in r.stdout.split(
        "\n\n")[0]
    import xml.etree.ElementTree as ET

    case = ET.parse(junit).getroot().find(".//testcase")
    assert case is not None and case.find("failure") is None and case.find("error") is None
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["status"] == "solved"
    test = json.loads(gs.read_text())["tests"][0]
    assert test["output"].startswith("**solved**") and "computed, not checked" in test["output"]


def test_metadata_without_an_id(tmp_path):
    meta = tmp_path / "submission_metadata.json"
    meta.write_text('{"users": []}')
    ans = tmp_path / "a.toml"
    ans.write_text('"1b" = "[[29], [5], [26]]"\n')
    plain = ROOT / "examples" / "discussion01.toml"
    r = CliRunner().invoke(cli, ["check", str(plain), "--answers", str(ans), "--metadata",
                                 str(meta), "-f", "json"])
    rows = {p["id"]: p["status"] for p in json.loads(r.stdout)["problems"]}
    assert rows["1b"] == "passed" and "no student id" in r.stderr
    # with parameters, whose variant it is cannot be known: a file error, exit 2
    r = CliRunner().invoke(cli, ["check", str(VARIANTS), "--answers", str(ans), "--metadata",
                                 str(meta)])
    assert r.exit_code == 2 and "no student id" in r.stderr
