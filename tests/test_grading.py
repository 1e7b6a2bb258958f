"""Grading for course staff: named mistakes, credit, feedback, every submission, Gradescope.

Wrong answers are written by hand from the worksheet's worked solutions
(seed/000_a2a5434e9771d97d.txt), each with one classic mistake; the tag
expected is the mistake made, not what symjac printed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from symjac import isolation
from symjac.cli.commands import cli
from symjac.core.caps import Limits
from symjac.core.errors import LimitError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "discussion01.toml"
CORRECT = ROOT / "examples" / "answers-correct.toml"
BIN = Path(sys.executable).parent
SYMJAC = str(BIN / "symjac")

# 2x2 times 2x2, by hand: AB = [[1*3+6*2, 1*0+6*1], [7*3+5*2, 7*0+5*1]],
# BA = [[3*1+0*7, 3*6+0*5], [2*1+1*7, 2*6+1*5]].
SQUARE = '''
[[problem]]
id = "sq"
command = "matmul"
matrices = ["[[1,6],[7,5]]", "[[3,0],[2,1]]"]
'''
AB, BA = "[[15, 6], [31, 5]]", "[[3, 18], [9, 17]]"

# One classic mistake per answer (worksheet problems 1b, 2a, 2b, 3c).
MISTAKES_A = {
    "1b": ("[[-29], [-5], [-26]]", "sign"),
    "2a": ("[[3*x**2*y, 5, y*exp(x)], [x**3, -2*sin(y)*cos(y), exp(x)]]", "transpose"),
    # the input flattened by columns: (p, r, q, s)
    "2b": ("[[1, 0, 4, 0], [0, 2*r*s*cos(r**2*s), 0, r**2*cos(r**2*s)]]", "column-major"),
    # e_y and z exchanged: x (e_y − z)ᵀ
    "3c": ("x @ (onehot(1, 2) - softmax(h)).T", "sign"),
}
MISTAKES_B = {
    "2a": ("[[6*x**2*y, 2*x**3], [10, -4*sin(y)*cos(y)], [2*y*exp(x), 2*exp(x)]]", "factor"),
    # sin(r²s) differentiated as cos(r²s), the inner derivative forgotten
    "2b": ("[[1, 4, 0, 0], [0, 0, cos(r**2*s), cos(r**2*s)]]", "chain-rule"),
    "1c": ("[[24, 21], [30, 14], [73, 36]]", "columns-swapped"),
}


def toml_answers(path: Path, answers: dict[str, str]) -> Path:
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in answers.items()), encoding="utf-8")
    return path


def by_id(submission: dict) -> dict[str, dict]:
    return {p["id"]: p for p in submission["problems"]}


def test_each_named_mistake_through_the_installed_script(tmp_path):
    import junitparser

    a = toml_answers(tmp_path / "a.toml", {k: v for k, (v, _) in MISTAKES_A.items()})
    b = toml_answers(tmp_path / "b.toml", {k: v for k, (v, _) in MISTAKES_B.items()})
    junit = tmp_path / "junit.xml"
    proc = subprocess.run([SYMJAC, "check", str(EXAMPLE), "--answers", str(a), "--answers",
                           str(b), "-f", "json", "--junit", str(junit)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    subs = json.loads(proc.stdout)["submissions"]
    assert [Path(s["answers"]).name for s in subs] == ["a.toml", "b.toml"]
    for sub, table in zip(subs, (MISTAKES_A, MISTAKES_B), strict=True):
        rows = by_id(sub)
        for pid, (_, tag) in table.items():
            assert rows[pid]["status"] == "failed"
            assert rows[pid]["mistakes"] == [tag], (pid, rows[pid])
    rows = by_id(subs[0])
    # the roles are right: the student's answer is 2×3, ∇f is 3×2
    assert rows["2a"]["message"].startswith("your answer is ∇fᵀ (2×3)")
    assert "∇f is 3×2" in rows["2a"]["message"]
    assert "p, q, r, s" in rows["2b"]["message"]
    assert by_id(subs[1])["2b"]["message"].startswith("entries (2, 3) and (2, 4)")
    assert "an extra factor of 2" in by_id(subs[1])["2a"]["message"]
    # the tags are JUnit properties too (of the test case, as pytest's record_property)
    suite = next(iter(junitparser.JUnitXml.fromfile(str(junit))))
    case = next(c for c in suite if c.name == "2a")
    assert case.result and isinstance(case.result[0], junitparser.Failure)
    props = {p.get("name"): p.get("value") for p in case._elem.iter("property")}
    assert props["mistake"] == "transpose" and props["status"] == "failed"


def test_a_students_undefined_answer_is_theirs():
    from symjac.batch import grading, problems

    p = {q.id: q for q in problems.load(str(EXAMPLE)).problems}
    g = grading.grade(p["1b"], "[[1/0], [5], [26]]")  # the student's, not the key's
    assert g.status in ("failed", "error") and g.message.startswith("your answer")
    assert "division by zero" in g.message
    g = grading.grade(p["1a"], "[[3], [0]]")  # the product is undefined; the answer is not
    assert g.status == "failed" and g.message.startswith("A·B is undefined")


def test_solve_applies_max_memory(tmp_path, monkeypatch):
    # Work that needs 1 GiB more than it has: refused under a cap of 300 MiB, done without
    # one. (A cap below what the process already maps, as 64M once was, fails its workers
    # wherever an allocation happens to fall: a flaky test, not a test of the cap.)
    import functools

    from symjac import api

    path = tmp_path / "sq.toml"
    path.write_text(SQUARE)
    real = api.matmul

    @functools.wraps(real)  # its signature: a problem's keys are read from it
    def hungry(*args, **kwargs):
        ballast = bytearray(1024**3)
        return real(*args, **kwargs) if ballast else None

    monkeypatch.setattr(api, "matmul", hungry)
    r = CliRunner().invoke(cli, ["solve", str(path), "--max-memory", "300M", "-f", "text"])
    assert r.exit_code == 3
    assert r.stderr == ("symjac: error: " + str(path) + ": problem sq: problem 'sq' ran out "
                        "of memory (the memory limit; raise it with --max-memory)\n")
    r = CliRunner().invoke(cli, ["solve", str(path), "--max-memory", "0", "-f", "text"])
    assert r.exit_code == 0, r.stderr
    assert "A (2×2) · B (2×2) → 2×2" in r.stdout


def test_a_reversed_square_product_through_the_installed_script(tmp_path):
    problems = tmp_path / "sq.toml"
    problems.write_text(SQUARE)
    wrong = toml_answers(tmp_path / "wrong.toml", {"sq": BA})
    right = toml_answers(tmp_path / "right.toml", {"sq": AB})
    proc = subprocess.run([SYMJAC, "check", str(problems), "--answers", str(wrong), "--answers",
                           str(right), "-f", "json"], capture_output=True, text=True, timeout=60)
    subs = json.loads(proc.stdout)["submissions"]
    assert subs[0]["problems"][0]["mistakes"] == ["reversed-product"]
    assert "B·A" in subs[0]["problems"][0]["message"]
    assert subs[1]["problems"][0]["status"] == "passed"


def test_a_reversed_product_of_another_shape_is_named(tmp_path):
    from symjac.batch import grading, problems

    path = tmp_path / "p.toml"
    path.write_text('[[problem]]\nid = "r"\ncommand = "matmul"\n'
                    'matrices = ["[[1,2,3],[4,5,6]]", "[[1,0],[0,1],[1,1]]"]\n')
    (p,) = problems.load(str(path)).problems
    # B·A by hand: the rows of B are (1,0), (0,1), (1,1): rows 1, 2 and their sum
    g = grading.grade(p, "[[1,2,3],[4,5,6],[5,7,9]]")
    assert [m.tag for m in g.mistakes] == ["reversed-product"]
    assert "3×3; A·B is 2×2" in g.message


def test_a_shape_error_is_the_students_and_says_so():
    from symjac.batch import grading, problems

    ps = problems.load(str(EXAMPLE))
    p = {q.id: q for q in ps.problems}
    g = grading.grade(p["2a"], "[[1, 2], [3, 4]]")
    assert g.status == "failed" and g.message == "your answer is 2×2; ∇f is 3×2"
    g = grading.grade(p["3c"], "x @ (softmax(h) - onehot(1, 2))")  # no transpose: 3×1 @ 2×1
    assert g.status == "failed" and g.message.startswith("your answer is undefined")


def test_the_all_correct_answer_file_scores_full_marks():
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--answers", str(CORRECT), "-f", "json"])
    assert r.exit_code == 0, r.stdout
    obj = json.loads(r.stdout)
    (sub,) = obj["submissions"]
    assert sub["score"] == sub["max_score"] == 8  # 8 problems of 1 point: none impossible
    assert {p["status"] for p in sub["problems"]} == {"passed"}


def test_a_wrong_closed_form_for_derive_fails(tmp_path):
    import tomllib

    answers = tomllib.loads(CORRECT.read_text(encoding="utf-8"))
    answers["3"] = "x @ (onehot(y, k) - softmax(h)).T"  # e_y − z: the sign of the worksheet's
    path = toml_answers(tmp_path / "s.toml", answers)
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--answers", str(path), "-f", "json"])
    rows = by_id(json.loads(r.stdout)["submissions"][0])
    assert rows["3"]["status"] == "failed" and rows["3"]["score"] == 0
    assert rows["3"]["max_score"] == 1 and rows["3"]["mistakes"] == ["sign"]


FEEDBACK = '''
[[problem]]
id = "2b"
command = "jacobian"
functions = "p + 4*q, sin(r**2*s)"
wrt = "[[p, q], [r, s]]"
points = 4
partial = true

[[problem.feedback]]
answer = "[[1, 0, 4, 0], [0, 2*r*s*cos(r**2*s), 0, r**2*cos(r**2*s)]]"
message = "Flatten the input row by row: p, q, r, s."
credit = 0.5

[[problem.feedback]]
mistake = "chain-rule"
message = "Differentiate the inside of sin too."
credit = 0.75
'''


@pytest.mark.parametrize("answer, score, message, tags", [
    # the anticipated answer: the author's message and credit (0.5 of 4 points)
    ("[[1, 0, 4, 0], [0, 2*r*s*cos(r**2*s), 0, r**2*cos(r**2*s)]]", 2.0,
     "Flatten the input row by row: p, q, r, s.", ["column-major"]),
    # a named mistake: its feedback; 0.75 beats the 6 of 8 entries right (0.75 too)
    ("[[1, 4, 0, 0], [0, 0, cos(r**2*s), cos(r**2*s)]]", 3.0,
     "Differentiate the inside of sin too.", ["chain-rule"]),
    # no feedback applies: credit per entry, 7 of 8 right
    ("[[1, 4, 0, 0], [0, 0, 2*r*s*cos(r**2*s), r*cos(r**2*s)]]", 3.5, None, []),
    ("[[1, 4, 0, 0], [0, 0, 2*r*s*cos(r**2*s), r**2*cos(r**2*s)]]", 4.0, None, []),
])
def test_feedback_and_credit_per_entry(tmp_path, answer, score, message, tags):
    problems = tmp_path / "fb.toml"
    problems.write_text(FEEDBACK)
    ans = toml_answers(tmp_path / "s.toml", {"2b": answer})
    r = CliRunner().invoke(cli, ["check", str(problems), "--answers", str(ans), "-f", "json"])
    (row,) = json.loads(r.stdout)["problems"]
    assert (row["score"], row["max_score"]) == (score, 4)
    assert row["mistakes"] == tags
    if message:
        assert row["message"] == message and row["feedback"] is True
    if score < 4:
        assert row["wrong"], row  # the wrong entries' positions


def test_partial_credit_counts_the_wrong_entries(tmp_path):
    problems = tmp_path / "p.toml"
    problems.write_text('[[problem]]\nid = "2a"\ncommand = "jacobian"\npartial = true\n'
                        'points = 6\nfunctions = "x**3*y, cos(y)**2 + 5*x, y*exp(x)"\n')
    # one entry of six wrong: (3, 2) should be exp(x)
    ans = toml_answers(tmp_path / "s.toml", {
        "2a": "[[3*x**2*y, x**3], [5, -2*sin(y)*cos(y)], [y*exp(x), y*exp(x)]]"})
    r = CliRunner().invoke(cli, ["check", str(problems), "--answers", str(ans), "-f", "json"])
    (row,) = json.loads(r.stdout)["problems"]
    assert row["status"] == "failed" and row["score"] == 5 and row["wrong"] == [[3, 2]]


@pytest.mark.parametrize("feedback, words", [
    ('[[problem.feedback]]\nmistake = "transposed"\nmessage = "m"\n', "did you mean 'transpose'"),
    ('[[problem.feedback]]\nmessage = "m"\n', "needs one of 'answer'"),
    ('[[problem.feedback]]\nmistake = "sign"\nmessage = "m"\ncredit = 2\n', "from 0 to 1"),
])
def test_bad_feedback_is_the_problems_error(tmp_path, feedback, words):
    from symjac.batch import problems

    path = tmp_path / "p.toml"
    path.write_text('[[problem]]\nid = "a"\ncommand = "matmul"\nmatrices = ["[[1]]", "[[2]]"]\n'
                    + feedback)
    (p,) = problems.load(str(path)).problems
    assert p.error is not None and words in p.error


BAD_FILES = {
    "invalid.toml": b'1b = "[[29], [5]\n2a = \n',
    "utf16.toml": '1b = "[[29],[5],[26]]"\n'.encode("utf-16"),
    "nul.toml": b'1b = "[[29],[5],[26]]"\n\x00\n',
    "duplicate.toml": b'1b = "[[29],[5],[26]]"\n1b = "[[1],[2],[3]]"\n',
    "huge.toml": b"1b = " + b"7" * 5000 + b"\n",
}


def test_malformed_answer_files_are_their_students_errors(tmp_path):
    import junitparser

    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(CORRECT, subs / "alice.toml")
    toml_answers(subs / "bob.toml", {"1b": "[[29], [5], [26]]"})
    for name, data in BAD_FILES.items():
        (subs / name).write_bytes(data)
    out = tmp_path / "out"
    out.mkdir()
    r = subprocess.run(
        [SYMJAC, "check", str(EXAMPLE), "--answers-dir", str(subs), "-f", "json",
         "--junit", str(out / "junit.xml"), "--gradescope", str(out / "gs"),
         "--report", str(out / "cohort.md")], capture_output=True, text=True, timeout=180)
    assert r.returncode == 2, r.stderr  # some files could not be read; the rest is graded
    assert "5 answer files could not be read" in r.stderr
    obj = json.loads(r.stdout)
    got = {Path(s["answers"]).name: s for s in obj["submissions"]}
    assert set(got) == {"alice.toml", "bob.toml", *BAD_FILES}
    assert got["alice.toml"]["score"] == got["alice.toml"]["max_score"] == 8
    assert got["bob.toml"]["score"] == 1
    for name in BAD_FILES:
        (row,) = got[name]["problems"]
        assert row["status"] == "error" and row["score"] == 0 and row["max_score"] == 8
        assert name in row["message"] and "\n" not in row["message"]
    assert "UTF-16" in got["utf16.toml"]["problems"][0]["message"]
    assert "NUL" in got["nul.toml"]["problems"][0]["message"]

    xml = junitparser.JUnitXml.fromfile(str(out / "junit.xml"))
    suites = list(xml)
    assert len(suites) == 7
    cases = {(s.name, c.name): c for s in suites for c in s}
    assert sum(1 for (_s, c) in cases if c == "answers") == 5
    alice = next(s for s in suites if s.name.startswith(str(subs / "alice.toml")))
    assert alice.tests == 8 and alice.failures == 0 and alice.errors == 0

    for name in ("alice", "bob", *(Path(n).stem for n in BAD_FILES)):
        res = json.loads((out / "gs" / name / "results.json").read_text(encoding="utf-8"))
        assert res["output_format"] == "md" and res["stdout_visibility"] == "hidden"
        assert res["visibility"] == "visible"
        for t in res["tests"]:
            assert {"name", "number", "score", "max_score", "output", "tags"} <= set(t)
    bob = json.loads((out / "gs" / "bob" / "results.json").read_text(encoding="utf-8"))
    assert bob["score"] == 1 and sum(t["max_score"] for t in bob["tests"]) == 8
    assert "no answer given" in bob["tests"][0]["output"]  # 1a, hidden answers
    report = (out / "cohort.md").read_text(encoding="utf-8")
    assert "7 submissions" in report and "| 1b | 2 / 7 |" in report
    assert not list(out.rglob(".symjac-*"))  # no temporary file left behind


def test_shards_split_a_cohort_without_overlap(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(5):
        toml_answers(subs / f"s{i}.toml", {"1b": "[[29], [5], [26]]"})
    problems = tmp_path / "p.toml"
    problems.write_text('[[problem]]\nid = "1b"\ncommand = "matmul"\n'
                        'matrices = ["[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]"]\n')
    seen = []
    for i in (1, 2):
        r = CliRunner().invoke(cli, ["check", str(problems), "--answers-dir", str(subs),
                                     "--shard", f"{i}/2", "-f", "json"])
        assert r.exit_code == 0, r.stdout
        seen.append([Path(s["answers"]).name for s in json.loads(r.stdout)["submissions"]])
    assert seen == [["s0.toml", "s2.toml", "s4.toml"], ["s1.toml", "s3.toml"]]
    r = CliRunner().invoke(cli, ["check", str(problems), "--shard", "3/2"])
    assert r.exit_code == 2 and "1 <= i <= N" in r.stderr


def test_several_submissions_need_a_gradescope_directory(tmp_path):
    other = tmp_path / "other.toml"
    shutil.copy(CORRECT, other)
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--answers", str(CORRECT),
                                 "--answers", str(other), "--gradescope",
                                 str(tmp_path / "results.json")])
    assert r.exit_code == 2 and "give a directory" in r.stderr


def test_the_same_file_twice_is_graded_once(tmp_path):
    out = tmp_path / "results.json"
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--answers", str(CORRECT),
                                 "--answers", str(CORRECT), "--gradescope", str(out)])
    assert r.exit_code == 0, r.stderr
    res = json.loads(out.read_text(encoding="utf-8"))
    assert res["score"] == sum(t["max_score"] for t in res["tests"]) == 8 and len(res["tests"]) == 8


def test_a_transposed_square_product_and_the_denominator_convention(tmp_path):
    from symjac.batch import grading, problems

    path = tmp_path / "p.toml"
    path.write_text(SQUARE + '[[problem]]\nid = "den"\ncommand = "jacobian"\n'
                    'functions = "x**2*y, x + y, y"\nlayout = "denominator"\n')
    p = {q.id: q for q in problems.load(str(path)).problems}
    g = grading.grade(p["sq"], "[[15, 31], [6, 5]]")  # (AB)ᵀ
    assert [m.tag for m in g.mistakes] == ["transpose"] and "product" in g.message
    # denominator layout: ∇f is 2×3 (inputs × outputs); the numerator one is its transpose
    g = grading.grade(p["den"], "[[2*x*y, x**2], [1, 1], [0, 1]]")
    assert [m.tag for m in g.mistakes] == ["transpose"]
    assert "denominator convention" in g.message


def test_the_deprecated_memory_option_still_works(tmp_path):
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--answers", str(CORRECT),
                                 "--memory", "2048", "-f", "json"])
    assert r.exit_code == 0 and "deprecated" in r.stderr


# -- the autograder ------------------------------------------------------------------------


def _fake_gradescope(tmp_path: Path, submission: bytes | None, *build: str) -> dict:
    """Build the zip, lay it out as Gradescope does, run it; the results.json it wrote."""
    zip_path = tmp_path / "autograder.zip"
    r = subprocess.run([SYMJAC, "gradescope", "build", str(EXAMPLE), "-o", str(zip_path),
                        *build], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
        wheels = {n for n in names if n.startswith("wheels/symjac-") and n.endswith(".whl")}
        assert names - wheels == {"setup.sh", "run_autograder", "discussion01.toml"}
        assert len(wheels) == 1  # the installed symjac, bundled by default
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    if submission is not None:
        (root / "submission" / "answers.toml").write_bytes(submission)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": f"{BIN}:{os.environ['PATH']}"}
    run = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_the_autograder_grades_a_submission_in_a_fake_root(tmp_path):
    res = _fake_gradescope(tmp_path, CORRECT.read_bytes())
    assert res["score"] == 8 and len(res["tests"]) == 8
    assert res["output_format"] == "md" and res["visibility"] == "visible"
    assert [t["number"] for t in res["tests"]][:3] == ["1a", "1b", "1c"]


def test_the_autograder_hides_answers_and_tags_mistakes(tmp_path):
    wrong = '2a = "[[3*x**2*y, 5, y*exp(x)], [x**3, -2*sin(y)*cos(y), exp(x)]]"\n'
    res = _fake_gradescope(tmp_path, wrong.encode())
    tests = {t["number"]: t for t in res["tests"]}
    assert tests["2a"]["tags"] == ["transpose"] and tests["2a"]["score"] == 0
    assert "no answer given" in tests["1b"]["output"]
    # 1b's right answer is not revealed (execution_time, a number, may hold the digits 29)
    assert "29" not in json.dumps({k: v for k, v in res.items() if k != "execution_time"})


@pytest.mark.parametrize("submission, words", [
    (None, "No answer file was submitted"),
    (b"\xff\xfe1\x00", "UTF-16"),
])
def test_the_autograder_always_writes_valid_results(tmp_path, submission, words):
    res = _fake_gradescope(tmp_path, submission)
    assert res["score"] == 0
    assert words in json.dumps(res)


def test_setup_sh_is_valid_shell_and_installs_the_package(tmp_path):
    zip_path = tmp_path / "a.zip"
    r = CliRunner().invoke(cli, ["gradescope", "build", str(EXAMPLE), "-o", str(zip_path),
                                 "--package", "symjac==9.9"])
    assert r.exit_code == 0, r.stderr
    with zipfile.ZipFile(zip_path) as z:
        setup = z.read("setup.sh").decode()
        assert (z.getinfo("setup.sh").external_attr >> 16) & 0o111
    assert "symjac==9.9" in setup and "sys.version_info < (3, 11)" in setup
    (tmp_path / "setup.sh").write_text(setup)
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0


def test_gradescope_build_refuses_an_unusable_problem_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("title = 1\n")
    r = CliRunner().invoke(cli, ["gradescope", "build", str(bad), "-o", str(tmp_path / "a.zip")])
    assert r.exit_code == 2 and not (tmp_path / "a.zip").exists()


def _symjac(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="symjac")


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "soon"])
def test_gradescope_build_refuses_a_timeout_exactly_as_check_does(tmp_path, value):
    # An autograder built with --timeout inf would exit 2 on every submission.
    zip_path = tmp_path / "a.zip"
    built = _symjac("gradescope", "build", str(EXAMPLE), "-o", str(zip_path), "--timeout", value)
    checked = _symjac("check", str(EXAMPLE), "--timeout", value)
    why = ("is not a number of seconds" if value == "soon" else
           "is not a finite number of seconds >= 0 (0 means no limit)")
    message = f"symjac: error: Invalid value for '--timeout': '{value}' {why}"
    assert (built.exit_code, built.stdout) == (2, "")
    assert built.stderr.splitlines() == [f"{message} (see 'symjac gradescope build --help')"]
    assert (checked.exit_code, checked.stdout) == (2, "")
    assert checked.stderr.splitlines() == [f"{message} (see 'symjac check --help')"]
    assert not zip_path.exists()


def test_gradescope_build_writes_a_timeout_that_check_accepts(tmp_path):
    zip_path = tmp_path / "a.zip"
    r = CliRunner().invoke(cli, ["gradescope", "build", str(EXAMPLE), "-o", str(zip_path),
                                 "--timeout", "2.5"])
    assert r.exit_code == 0, r.stderr
    with zipfile.ZipFile(zip_path) as z:
        assert "--timeout 2.5" in z.read("run_autograder").decode()


def test_a_budget_is_read_as_a_timeout_is():
    r = _symjac("check", str(EXAMPLE), "--budget", "inf")
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "symjac: error: Invalid value for '--budget': 'inf' is not a finite number of seconds "
        ">= 0 (0 means no limit) (see 'symjac check --help')"]


def test_solve_and_check_take_the_same_jobs():
    for command in ("check", "solve"):
        r = _symjac(command, str(EXAMPLE), "--jobs", "257")
        assert r.exit_code == 2
        assert r.stderr.splitlines() == [
            "symjac: error: Invalid value for '-j' / '--jobs': 257 is not in the range "
            f"1<=x<=256. (see 'symjac {command} --help')"], command


# -- batches: one worker per batch, a limit per job ------------------------------------


def _work(job):
    if job == "stuck":  # blocks the alarm, so only the parent's kill can stop it
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
    while job in ("stuck", "slow"):  # never ends by itself
        time.sleep(30)
    return (job, os.getpid())


def test_run_batches_stops_a_stuck_job_and_goes_on():
    got: dict = {}
    # A limit the quick jobs stay well inside even on a loaded machine.
    isolation.run_batches(_work, [["a", "stuck", "b"], ["c", "slow", "d"]],
                       lambda b, j, ok, v: got.__setitem__((b, j), (ok, v)),
                       Limits.resolve(timeout=5), workers=2)
    assert got[(0, 0)][0] and got[(0, 2)][0] and got[(1, 0)][0] and got[(1, 2)][0]
    ok, e = got[(0, 1)]
    assert not ok and isinstance(e, LimitError) and "was stopped" in str(e)
    ok, e = got[(1, 1)]  # the alarm stopped it; the same worker went on
    assert not ok and isinstance(e, LimitError)
    assert got[(1, 0)][1][1] == got[(1, 2)][1][1]  # one process for the batch
    assert got[(0, 0)][1][1] != got[(0, 2)][1][1]  # a fresh one after the kill


def test_run_batches_keeps_a_budget_per_batch():
    got: dict = {}
    isolation.run_batches(_work, [["slow", "a", "b"]],
                       lambda b, j, ok, v: got.__setitem__(j, (ok, v)),
                       Limits.resolve(timeout=600), budget=1, workers=1)
    assert all(not ok and isinstance(v, LimitError) for ok, v in got.values())
    assert "budget" in str(got[2][1])


def test_a_budget_per_answer_file_makes_the_rest_limits(tmp_path):
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--answers", str(CORRECT),
                                 "--budget", "0.000001", "-f", "json"])
    assert r.exit_code == 1
    rows = json.loads(r.stdout)["problems"]
    assert {p["status"] for p in rows} == {"limit"}
    assert "time budget of 1e-06 s for this answer file" in rows[-1]["message"]
