"""`symjac check`: statuses, exit codes, answer files, JSON, JUnit and Gradescope."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from symjac.cli.commands import cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "discussion01.toml"
SYMJAC = str(Path(sys.executable).parent / "symjac")


def problem(pid: str, a: str, b: str, expect: str) -> str:
    return (f'[[problem]]\nid = "{pid}"\ncommand = "matmul"\n'
            f"matrices = ['{a}', '{b}']\nexpect = '{expect}'\n\n")


def acceptance_file(tmp_path: Path) -> tuple[Path, Path]:
    canary = tmp_path / "canary"
    text = (
        'title = "acceptance"\n\n'
        + problem("right", "[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]", "[[29],[5],[26]]")
        + problem("wrong", "[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]", "[[29],[6],[26]]")
        + problem("code", "[[1]]", "[[2]]", f'__import__("os").system("touch {canary}")')
        + problem("runaway", "[[9**9**9**9*x]]", "[[1]]", "[[1]]")
        + problem("right2", "0 6 5; 2 3 3; 5 7 8", "1 9; 1 4; 3 0", "[[21,24],[14,30],[36,73]]")
    )
    path = tmp_path / "acceptance.toml"
    path.write_text(text, encoding="utf-8")
    return path, canary


def statuses(stdout: str) -> list[str]:
    return [p["status"] for p in json.loads(stdout)["problems"]]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_acceptance_in_a_real_process(tmp_path, jobs):
    path, canary = acceptance_file(tmp_path)
    # The runaway is refused before it is computed: no time limit is needed to stop it.
    proc = subprocess.run(
        [SYMJAC, "check", str(path), "--timeout", "600", "--jobs", jobs, "--format", "json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    got = statuses(proc.stdout)
    assert got[:3] == ["passed", "failed", "error"]
    assert got[3] in ("error", "limit")
    assert got[4] == "passed"
    assert not canary.exists()
    wrong = json.loads(proc.stdout)["problems"][1]
    # the problem's own expect is the answer checked; 5 is the right entry
    assert wrong["mismatches"] == [{"index": [2, 1], "answer": "6", "correct": "5",
                                    "expected": "5", "got": "6",
                                    "outcome": "different", "method": "exact",
                                    "message": "you wrote 6; entry (2, 1) of A·B is 5"}]


def test_text_report_and_exit_codes(tmp_path):
    path, _ = acceptance_file(tmp_path)
    r = CliRunner().invoke(cli, ["check", str(path), "--timeout", "600"])
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["right", "passed"]
    assert lines[1].split()[:2] == ["wrong", "failed"]
    assert lines[2].strip() == "you wrote 6; entry (2, 1) of A·B is 5"
    assert lines[3].split()[:2] == ["code", "error"]
    assert "the expected answer cannot be read:" in lines[3]
    assert r.stdout.rstrip().endswith("2 passed, 1 failed, 1 error, 1 limit (5 problems)")


def test_all_passed_exits_0(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps({"problem": [
        {"id": "1a", "command": "matmul", "matrices": ["[[1,6],[7,5]]", "[[3],[0],[2]]"],
         "expect": "undefined"},
        {"id": "1b", "command": "matmul", "matrices": ["[[4,3,6],[2,1,0],[0,5,7]]", "[2,1,3]"],
         "expect": [[29], [5], [26]]},
    ]}))
    r = CliRunner().invoke(cli, ["check", str(path), "-f", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["ok"] is True and out["command"] == "check"
    assert [p["status"] for p in out["problems"]] == ["passed", "passed"]
    assert "undefined, as expected: A is 2×2 and B is 3×1" in out["problems"][0]["message"]


def test_expecting_undefined_fails_when_the_product_exists(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(problem("x", "[[1,2]]", "[[3],[4]]", "undefined"))
    r = CliRunner().invoke(cli, ["check", str(path), "-f", "json"])
    assert r.exit_code == 1
    assert json.loads(r.stdout)["problems"][0]["message"] == (
        "expected 'undefined', but the answer is defined (1×1)")


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    ("[[problem]\nid = 1", "not valid TOML"),
])
def test_unusable_file_exits_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content)
    r = CliRunner().invoke(cli, ["check", str(path)])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.count("\n") == 1 and message in r.stderr
    assert r.stderr.startswith(f"symjac: error: {path}:")


def test_unusable_file_in_json_is_a_json_error(tmp_path):
    r = CliRunner().invoke(cli, ["check", str(tmp_path / "none.toml"), "-f", "json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["type"] == "FileError"


def test_answer_files_give_one_row_per_file_and_problem(tmp_path):
    problems = tmp_path / "set.toml"
    problems.write_text(
        problem("1a", "[[1,6],[7,5]]", "[[3],[0],[2]]", "undefined")
        + problem("1b", "[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]", "[[29],[5],[26]]")
        + '[[problem]]\nid = "1c"\ncommand = "matmul"\npoints = 2\n'
        "matrices = ['[[0,6,5],[2,3,3],[5,7,8]]', '[[1,9],[1,4],[3,0]]']\n"
    )
    alice = tmp_path / "alice.toml"
    alice.write_text('1a = "undefined"\n1b = "[[29],[5],[26]]"\n1c = [[21,24],[14,30],[36,73]]\n')
    bob = tmp_path / "bob.json"
    bob.write_text('{"1a": "[[3],[0]]", "1c": "[[21,24],[14,30],[36,72]]", "9z": "1"}')
    junit, grades = tmp_path / "junit.xml", tmp_path / "gradescope"
    r = CliRunner().invoke(cli, [
        "check", str(problems), "--answers", str(alice), "--answers", str(bob), "-f", "json",
        "--junit", str(junit), "--gradescope", str(grades),
    ])
    assert r.exit_code == 1
    rows = json.loads(r.stdout)["problems"]
    assert [(Path(p["answers"]).stem, p["id"], p["status"]) for p in rows] == [
        ("alice", "1a", "passed"), ("alice", "1b", "passed"), ("alice", "1c", "passed"),
        ("bob", "1a", "failed"), ("bob", "1b", "failed"), ("bob", "1c", "failed"),
    ]
    assert rows[4]["message"] == "no answer given"
    assert [(m["answer"], m["correct"], m["message"]) for m in rows[5]["mismatches"]] == [
        ("72", "73", "you wrote 72; entry (3, 2) of A·B is 73")]
    assert "no problem has the id '9z'" in r.stderr

    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [(s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("3", "0", "0"), ("3", "3", "0")]
    failure = suites[1].find("testcase[@name='1c']/failure")
    assert failure is not None and "you wrote 72; entry (3, 2) of A·B is 73" in failure.text

    # one results.json per student: never one student's points in another's file
    alice_r = json.loads((grades / "alice" / "results.json").read_text())
    results = json.loads((grades / "bob" / "results.json").read_text())
    assert (alice_r["score"], results["score"]) == (4, 0)  # alice: 1 + 1 + 2; bob: 0
    assert [(t["score"], t["max_score"]) for t in alice_r["tests"] + results["tests"]] == [
        (1, 1), (1, 1), (2, 2), (0, 1), (0, 1), (0, 2)]
    assert all({"name", "score", "max_score", "output"} <= set(t) for t in results["tests"])
    # students see which entry is wrong, not the right value, unless --reveal
    bob_1c = results["tests"][2]["output"]
    assert "entry (3, 2) is not right" in bob_1c and "73" not in bob_1c
    assert "no answer given" in results["tests"][1]["output"]
    grades = tmp_path / "bob-results.json"
    CliRunner().invoke(cli, ["check", str(problems), "--answers", str(bob), "--reveal",
                             "--gradescope", str(grades)])
    output = json.loads(grades.read_text())["tests"][2]["output"]
    assert "you wrote 72; entry (3, 2) of A·B is 73" in output


def test_progress_bar_only_on_a_terminal(tmp_path):
    path, _ = acceptance_file(tmp_path)
    r = CliRunner().invoke(cli, ["check", str(path)])
    assert "checking" not in r.stderr and "\x1b[" not in r.stdout + r.stderr


def test_every_worksheet_problem_passes():
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), "-f", "json"])
    rows = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert {pid: p["status"] for pid, p in rows.items()} == dict.fromkeys(
        ["1a", "1b", "1c", "2a", "2b", "3a", "3c", "3"], "passed")
    assert r.exit_code == 0
    # problem 3 has no expect: it passes because derive verified itself, and says so
    assert rows["3"]["message"].startswith("verified against entrywise differentiation")


def test_check_help_has_examples():
    r = CliRunner().invoke(cli, ["check", "--help"])
    assert r.exit_code == 0
    assert "symjac check examples/discussion01.toml" in r.stdout
    assert "--gradescope" in r.stdout and "--junit" in r.stdout


def test_installed_script_is_next_to_the_interpreter():
    assert os.access(SYMJAC, os.X_OK)


def test_a_runaway_point_is_a_limit_and_the_rest_are_graded(tmp_path):
    # Issue 7's acceptance: x**(10**10) at x=2 is refused; the good problems still pass.
    f = tmp_path / "p.toml"
    f.write_text(
        '[[problem]]\nid = "good1"\ncommand = "matmul"\nmatrices = ["[[1,2]]", "[[3],[4]]"]\n'
        'expect = "[[11]]"\n'  # 1*3 + 2*4
        '[[problem]]\nid = "huge"\ncommand = "jacobian"\nfunctions = "x**(10**10)"\nat = "x=2"\n'
        '[[problem]]\nid = "good2"\ncommand = "jacobian"\nfunctions = "x**2"\nexpect = "[[2*x]]"\n'
    )
    # A time limit far away: what stops the runaway is the guard on the number's size.
    r = subprocess.run([str(SYMJAC), "check", str(f), "--timeout", "600", "-f", "json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stderr
    problems = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert {k: p["status"] for k, p in problems.items()} == {
        "good1": "passed", "huge": "limit", "good2": "passed"}
    assert "evaluating at the point gives a number of more than" in problems["huge"]["message"]

