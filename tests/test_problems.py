"""Problem files: validation names the problem and the key; the runner isolates each one."""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence

import pytest

from symjac import api, isolation
from symjac.batch import problems, runner
from symjac.core.caps import Limits
from symjac.core.errors import FileError


def load(tmp_path, text: str, name: str = "p.toml") -> problems.ProblemSet:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return problems.load(str(path))


MATMUL = '''
[[problem]]
id = "1b"
command = "matmul"
matrices = ["[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]"]
expect = "[[29],[5],[26]]"
'''


def errors(ps) -> dict[str, str | None]:
    return {p.id or str(p.index): p.error for p in ps.problems}


def test_valid_matmul_problem_keys_become_arguments(tmp_path):
    (p,) = load(tmp_path, MATMUL).problems
    assert p.error is None
    assert p.keys == {"matrices": ("[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]"),
                      "expect": "[[29],[5],[26]]"}
    assert p.call().result.matrix == (("29",), ("5",), ("26",))


def test_each_bad_problem_names_itself_and_its_key(tmp_path):
    ps = load(tmp_path, MATMUL + '''
[[problem]]
id = "typo"
command = "matmul"
matrix = ["[[1]]", "[[2]]"]

[[problem]]
id = "nomat"
command = "matmul"

[[problem]]
id = "flag"
command = "matmul"
matrices = ["[[1]]", "[[2]]"]
all_steps = "yes"

[[problem]]
id = "1b"
command = "matmul"
matrices = ["[[1]]", "[[2]]"]

[[problem]]
id = "cmd"
command = "matmull"

[[problem]]
command = "matmul"
''')
    e = errors(ps)
    assert ps.problems[0].error is None  # the first 1b is fine; the duplicate is the error
    assert e["typo"].startswith("unknown key 'matrix' for matmul; did you mean 'matrices'?")
    assert ("allowed: id, command, title, text, points, partial, feedback, params, "
            "constraints, matrices, steps, all_steps, expect") in e["typo"]
    assert e["nomat"] == "missing key 'matrices' for matmul"
    assert e["flag"] == "'all_steps' must be true or false, not text"
    assert ps.problems[4].error == "duplicate id '1b' (also problem 1)"
    assert e["cmd"].startswith("unknown command 'matmull'; did you mean 'matmul'?")
    assert e["7"] == "missing key 'id'"


def fake_grad(loss: str, wrt: str, shape: str, where: Sequence[str] = (),
              index: str | None = None, expect: str | None = None, steps: bool = True):
    """Stands in for api.grad: the table reaches it by its signature alone."""
    return api.matmul(f"[[{len(where)}]]", "[[1]]", expect=expect)


def test_a_new_api_function_is_validated_by_its_signature(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "grad", fake_grad)
    ps = load(tmp_path, '''
[[problem]]
id = "ok"
command = "grad"
loss = "x"
wrt = "theta"
shape = "theta=3x2"
where = ["h = theta.T @ x", "g = h"]
expect = 2

[[problem]]
id = "one-where"
command = "grad"
loss = "x"
wrt = "theta"
shape = "theta=3x2"
where = "h = theta.T @ x"

[[problem]]
id = "noshape"
command = "grad"
loss = "x"
wrt = "theta"

[[problem]]
id = "badtype"
command = "grad"
loss = "x"
wrt = "theta"
shape = "theta=3x2"
index = true
''')
    e = errors(ps)
    assert e == {"ok": None, "one-where": None, "noshape": "missing key 'shape' for grad",
                 "badtype": "'index' must be text, not a boolean"}
    ok, one = ps.problems[:2]
    assert ok.keys["where"] == ("h = theta.T @ x", "g = h") and ok.keys["expect"] == "2"
    assert one.keys["where"] == ("h = theta.T @ x",)  # one text is a list of one
    assert ok.call().check.passed  # two definitions reached the function
    outcomes = runner.run([runner.Job(p, ps.path) for p in ps.problems], n_jobs=2,
                          limits=Limits.resolve(600))
    # one-where has no expect: solved (computed, not checked)
    assert [o.status for o in outcomes] == ["passed", "solved", "error", "error"]
    assert "--where 'h = theta.T @ x' --where 'g = h'" in ok.command_line()


def test_matrix_values_may_be_written_as_lists(tmp_path):
    (p,) = load(tmp_path, '''
[[problem]]
id = "1c"
command = "matmul"
matrices = [[[0, 6, 5], [2, 3, 3], [5, 7, 8]], "1 9; 1 4; 3 0"]
expect = [[21, 24], [14, 30], [36, 73]]
''').problems
    assert p.error is None
    assert p.call().check.passed


@pytest.mark.parametrize("text, message", [
    ('title = "x"\n', "no problems"),
    ('[[problems]]\nid = "1"\n', "unknown top-level key 'problems'"),
    ('problem = "x"\n', "must be a list of tables"),
    ('title = 3\n[[problem]]\nid = "1"\n', "'title' must be text, not an integer"),
])
def test_file_level_mistakes_make_the_file_unusable(tmp_path, text, message):
    with pytest.raises(FileError, match=message):
        load(tmp_path, text)


def test_answers_file(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"1b": [[29], [5], [26]], "1c": "[[1]]", "x": true}')
    answers = problems.load_answers(str(path))
    assert answers["1b"] == "[[29], [5], [26]]" and answers["1c"] == "[[1]]"
    assert isinstance(answers["x"], problems.BadAnswer)


# -- isolation ---------------------------------------------------------------------------


def sleeps_with_alarm_blocked(*matrices, steps=True, all_steps=False, expect=None):
    """Like a computation stuck in C code: the time-limit signal cannot stop it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])
    while True:
        time.sleep(60)


def hogs_memory(*matrices, steps=True, all_steps=False, expect=None):
    return bytearray(8 * 1024**3)


def slow_in_python(*matrices, steps=True, all_steps=False, expect=None):
    while True:
        pass


@pytest.mark.parametrize("fake, words", [
    (sleeps_with_alarm_blocked, "took longer than the time limit of 1 s and was stopped"),
    (slow_in_python, "problem '1b' took longer than the time limit of 1 s"),
    (hogs_memory, "ran out of memory"),
])
def test_runaway_problems_are_stopped_and_others_go_on(tmp_path, monkeypatch, fake, words):
    (p,) = load(tmp_path, MATMUL).problems
    monkeypatch.setattr(api, "matmul", fake)
    limits = Limits.resolve(1, isolation.headroom(200))
    (out,) = runner.run([runner.Job(p, "p.toml")], n_jobs=1, limits=limits)
    assert out.status == "limit" and words in out.message
    monkeypatch.undo()
    (ok,) = runner.run([runner.Job(p, "p.toml")], n_jobs=1, limits=Limits.resolve(600))
    assert ok.status == "passed"


def test_jobs_do_not_change_results(tmp_path):
    text = "".join(f'''
[[problem]]
id = "p{i}"
command = "matmul"
matrices = ["[[{i}, 1]]", "[[1], [{i}]]"]
expect = "[[{2 * i if i % 3 else 0}]]"
''' for i in range(1, 9))
    ps = load(tmp_path, text)
    jobs = [runner.Job(p, ps.path) for p in ps.problems]
    one = runner.run(jobs, n_jobs=1, limits=Limits.resolve(600))
    two = runner.run(jobs, n_jobs=2, limits=Limits.resolve(600))
    key = [(o.id, o.status, o.message, o.mismatches) for o in one]
    assert key == [(o.id, o.status, o.message, o.mismatches) for o in two]
    assert [o.status for o in one] == ["failed" if i % 3 == 0 else "passed" for i in range(1, 9)]


def test_jacobian_statement_as_the_worksheet_writes_it():
    from symjac.batch.problems import _jacobian_statement

    assert _jacobian_statement({"functions": "p + 4*q, sin(r**2*s)", "wrt": "[[p, q], [r, s]]"}
                               ) == ("\\mathbf{f}\\left(\\begin{bmatrix} p & q \\\\ r & s "
                                     "\\end{bmatrix}\\right) = \\begin{bmatrix} p + 4 q \\\\ "
                                     "\\sin{\\left(r^{2} s \\right)} \\end{bmatrix}")
    # default variables: every free symbol, in natural order (x2 before x10)
    # (x2 is written whole, \mathit{x2}: x_{2} would read back as the other name x_2)
    assert _jacobian_statement({"functions": "x10 + x2*a"}).startswith(
        "\\mathbf{f}(a, \\mathit{x2}, \\mathit{x10}) =")


def test_positional_only_parameters_are_passed_by_position(tmp_path, monkeypatch):
    seen = {}

    def derive(name: str, /, steps: bool = True):
        seen["name"] = name
        return api.matmul("[[1]]", "[[1]]")

    monkeypatch.setattr(api, "derive", derive)
    (p,) = load(tmp_path, '[[problem]]\nid = "3"\ncommand = "derive"\nname = "softmax"\n'
                ).problems
    assert p.error is None
    p.call()
    assert seen == {"name": "softmax"}
    assert p.command_line() == "symjac derive softmax"
