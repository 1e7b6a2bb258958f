"""An answer is read with the problem's own names: unreadable is `invalid`, never `failed`.

A problem in x and y has the names x and y (and the parameters of its
texts); an answer with another name, or that cannot be read at all, is
counted apart from wrong ones in every report, gives no credit and blames no
mistake. Each expected value below is worked by hand.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from symjac.batch import grading, problems
from symjac.batch.runner import Outcome
from symjac.cli.commands import cli
from symjac.core.caps import Limits

# f(x, y) = x²y: ∇f = [2xy, x²]; g(x, y) = e^(x²y): ∇g = [2xy·e^(x²y), x²·e^(x²y)].
PROBLEMS = '''
[[problem]]
id = "f"
command = "jacobian"
functions = "x**2*y"

[[problem]]
id = "g"
command = "jacobian"
functions = "exp(x**2*y)"
wrt = "x, y"
'''
RIGHT_F = "[[2*x*y, x**2]]"
WRONG_F = "[[2*x, x**2]]"  # the y of 2xy forgotten: wrong, and readable
STRAY_F = "[[2*x*y2, x**2]]"  # y2 is no name of a problem in x and y


def load(tmp_path: Path, text: str = PROBLEMS) -> dict[str, problems.Problem]:
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return {p.id: p for p in problems.load(str(path)).problems}


def answer_file(path: Path, answers: dict[str, str]) -> Path:
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in answers.items()), encoding="utf-8")
    return path


def test_a_stray_name_is_invalid_and_named(tmp_path):
    f = load(tmp_path)["f"]
    g = grading.grade(f, STRAY_F)
    assert g.status == "invalid"
    assert g.message.startswith("y2 is not a variable of this problem (x, y)")
    assert "2·y" in g.message  # what y2 may have meant
    assert g.unknown == ("y2",) and g.mistakes == () and g.credit is None


def test_right_and_wrong_answers_keep_their_status(tmp_path):
    f = load(tmp_path)["f"]
    assert grading.grade(f, RIGHT_F).status == "passed"
    wrong = grading.grade(f, WRONG_F)
    assert wrong.status == "failed" and wrong.unknown == ()


def test_the_problems_parameters_are_names_of_it(tmp_path):
    (p,) = load(tmp_path, '[[problem]]\nid = "a"\ncommand = "jacobian"\n'
                'functions = "a*x**2"\nwrt = "x"\n').values()
    assert grading.grade(p, "[[2*a*x]]").status == "passed"
    g = grading.grade(p, "[[2*b*x]]")
    assert g.status == "invalid" and g.unknown == ("b",)
    assert "variables: x; also: a" in g.message


def test_a_subscripted_variable_is_suggested(tmp_path):
    (p,) = load(tmp_path, '[[problem]]\nid = "s"\ncommand = "jacobian"\n'
                'functions = "x_1*x_2"\n').values()
    g = grading.grade(p, "[[x2, x1]]")
    assert g.status == "invalid" and g.unknown == ("x1", "x2")
    assert "did you mean x_1 for x1" in g.message and "x_2 for x2" in g.message


def test_an_unreadable_answer_is_invalid_but_a_broken_problem_is_an_error(tmp_path):
    ps = load(tmp_path, PROBLEMS + '\n[[problem]]\nid = "broken"\ncommand = "jacobian"\n'
              'functions = "x**2 +"\n')
    from symjac.batch import runner

    jobs = [runner.Job(ps["f"], "p.toml", answer="[[2*x*y, x**2 +]]", answers="a.toml"),
            runner.Job(ps["broken"], "p.toml", answer=RIGHT_F, answers="a.toml"),
            runner.Job(ps["f"], "p.toml", answer=problems.BadAnswer("the answer to 'f' must "
                                                                    "be text, not a boolean"),
                       answers="b.toml")]
    unreadable, broken, boolean = runner.run(jobs, n_jobs=1, limits=Limits.resolve(20))
    assert unreadable.status == "invalid"
    assert unreadable.message.startswith("your answer cannot be read")
    assert broken.status == "error" and "the problem itself" in broken.message
    assert boolean.status == "invalid" and boolean.score == 0


def test_a_name_a_closed_form_does_not_have_is_invalid(tmp_path):
    # A loss of matrices: its names are its shapes, definitions, indices and sizes.
    (p,) = load(tmp_path, '[[problem]]\nid = "3a"\ncommand = "grad"\n'
                'loss = "-h[1] + log(exp(h[1]) + exp(h[2]))"\nwrt = "h"\nshape = "h=2x1"\n'
                ).values()
    assert grading.grade(p, "(softmax(h) - onehot(1, 2)).T").status == "passed"
    g = grading.grade(p, "(softmax(h) - onehot(1, 2)).T + q")
    assert g.status == "invalid" and g.unknown == ("q",)
    assert g.message.startswith("q is not a variable of this problem (h)")


def test_check_counts_invalid_apart_in_text_and_json(tmp_path):
    (tmp_path / "p.toml").write_text(PROBLEMS, encoding="utf-8")
    files = [answer_file(tmp_path / f"{n}.toml", {"f": a})
             for n, a in (("right", RIGHT_F), ("wrong", WRONG_F), ("stray", STRAY_F))]
    args = ["check", str(tmp_path / "p.toml")]
    for path in files:
        args += ["--answers", str(path)]
    r = CliRunner().invoke(cli, [*args, "-f", "json"])
    assert r.exit_code == 1, r.output
    obj = json.loads(r.stdout)
    f_rows = [p for p in obj["problems"] if p["id"] == "f"]
    assert [p["status"] for p in f_rows] == ["passed", "failed", "invalid"]
    stray = f_rows[2]
    assert "y2" in stray["message"] and stray["unknown_names"] == ["y2"]
    assert stray["score"] == 0 and stray["mistakes"] == []
    # g is unanswered in every file: failed, as before
    assert obj["counts"]["passed"] == 1 and obj["counts"]["invalid"] == 1
    assert obj["counts"]["failed"] == 1 + 3
    assert [s["counts"]["invalid"] for s in obj["submissions"]] == [0, 0, 1]
    r = CliRunner().invoke(cli, [*args, "-f", "text"])
    assert r.exit_code == 1
    assert r.stdout.rstrip().endswith(
        "1 passed, 4 failed, 1 invalid, 0 errors, 0 limits (6 problems)")
    assert any(line.split()[:2] == ["f", "invalid"] for line in r.stdout.splitlines())


def test_a_lone_invalid_answer_exits_1(tmp_path):
    (tmp_path / "p.toml").write_text(PROBLEMS, encoding="utf-8")
    stray = answer_file(tmp_path / "a.toml", {"f": STRAY_F,
                                              "g": "[[2*x*y*exp(x**2*y), x**2*exp(x**2*y)]]"})
    r = CliRunner().invoke(cli, ["check", str(tmp_path / "p.toml"), "--answers", str(stray),
                                 "-f", "markdown"])
    assert r.exit_code == 1
    assert "| **invalid** |" in r.stdout and "y2 is not a variable" in r.stdout
    assert r.stdout.rstrip().endswith("1 passed, 0 failed, 1 invalid, 0 errors, 0 limits "
                                      "(2 problems)")


def outcome(status: str, answers: str, **kw) -> Outcome:
    return Outcome(file="p.toml", id="2a", index=1, command="jacobian", title="",
                   status=status, answers=answers, **kw)


COHORT = [
    outcome("passed", "a.toml"),
    outcome("failed", "b.toml", message="1 of 2 entries differ"),
    outcome("invalid", "c.toml", message="y2 is not a variable of this problem (x, y)",
            unknown=("y2",)),
    outcome("invalid", "d.toml", message="y2 is not a variable of this problem (x, y)",
            unknown=("y2",)),
    outcome("invalid", "e.toml", message="your answer cannot be read: invalid syntax"),
]


def test_the_cohort_report_counts_invalid_apart_and_blames_no_mistake():
    from symjac.batch.report import cohort_report

    text = cohort_report(COHORT)
    assert "| problem | passed | failed | invalid | other | mean score | mistakes |" in text
    assert "| 2a | 1 / 5 | 1 | 3 | 0 | 0.20 / 1 | — |" in text
    assert "- 2a: 1 wrong answer with no named mistake" in text  # b only
    assert ("- 2a: 3 invalid answers (names the problem does not have: y2 2; "
            "1 that cannot be read)") in text


def test_junit_and_gradescope_say_invalid_with_no_credit():
    from symjac.batch.report import gradescope_json, junit_xml

    root = ET.fromstring(junit_xml(COHORT[2:3]).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("errors") == "0"
    failure = root.find(".//failure")
    assert failure is not None and failure.get("type") == "invalid"
    assert "y2" in (failure.get("message") or "")
    (test,) = json.loads(gradescope_json(COHORT[2:3], 1.0))["tests"]
    assert test["score"] == 0 and test["status"] == "failed" and test["tags"] == []
    assert test["output"].startswith("**invalid**") and "y2 is not a variable" in test["output"]


def test_a_loose_reading_is_a_note_and_a_passed_answer_stays_passed(tmp_path):
    """The problem's own variables (x, y) decide how 2xy splits; the reading is a note."""
    g = grading.grade(load(tmp_path)["f"], "[[2xy, x^2]]")
    assert g.status == "passed" and g.readings == ("2xy as 2·x·y",)

    from symjac.batch.report import json_report, text_report

    o = outcome("passed", "a.toml", message=g.message, readings=g.readings)
    assert "read 2xy as 2·x·y" in text_report([o])
    assert json.loads(json_report([o]))["problems"][0]["readings"] == ["2xy as 2·x·y"]


def test_2xy_e_to_the_x2y_passes_with_a_note_of_how_it_was_read(tmp_path):
    """The TA's answer that was graded wrong: 2xy is 2·x·y in a problem in x and y."""
    (tmp_path / "p.toml").write_text(PROBLEMS, encoding="utf-8")
    a = answer_file(tmp_path / "a.toml", {"g": "[[2xy e^(x^2 y), x^2 e^(x^2 y)]]"})
    r = CliRunner().invoke(cli, ["check", str(tmp_path / "p.toml"), "--answers", str(a),
                                 "-f", "json"])
    (g,) = [p for p in json.loads(r.stdout)["problems"] if p["id"] == "g"]
    assert g["status"] == "passed", g
    assert any("2xy" in reading for reading in g["readings"])
    r = CliRunner().invoke(cli, ["check", str(tmp_path / "p.toml"), "--answers", str(a),
                                 "-f", "text"])
    assert "read 2xy as" in r.stdout
