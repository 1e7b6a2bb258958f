"""The library's limits: one worker process, reused, replaced after a limit, a crash or a fork.

No test here asserts on elapsed time (benchmarks/library.py measures the cost per call);
work that must hit the time limit is work that cannot finish.
"""

from __future__ import annotations

import functools
import inspect
import operator
import os
import pickle
import signal
import time
from pathlib import Path

import pytest
import sympy

import symjac
from symjac import isolation, library
from symjac.core.caps import DEFAULT_TIMEOUT, Limits
from symjac.core.errors import InputError, LimitError


@pytest.fixture
def fresh_worker():
    """A worker started after the test's patches, so it inherits them; stopped after."""
    library.worker().stop()
    yield library.worker()
    library.worker().stop()


def _endless(*args, **kwargs):
    while True:
        time.sleep(60)


def _patch_engine_choice(monkeypatch, replacement):
    from symjac.engines import choose

    monkeypatch.setattr(choose, "choose", replacement)


def test_limits_off_run_in_the_callers_process(monkeypatch, fresh_worker):
    def no_fork(*args, **kwargs):
        raise AssertionError("forked")

    monkeypatch.setattr(isolation, "_fork", no_fork)
    d = symjac.jacobian("x*y, x+y", timeout=None, max_memory=None)
    assert d.result.matrix == (("y", "x"), ("1", "1"))
    d = symjac.matmul("[[1, 2]]", "[[3], [4]]", timeout=None, max_memory=None)
    assert d.result.matrix == (("11",),)
    d = symjac.grad("sum((A @ x - b)**2)", "x", "A=3x2, x=2, b=3", timeout=None,
                    max_memory=None)
    assert d.result is not None
    assert fresh_worker.pid == 0


def test_the_worker_is_started_once_and_reused(fresh_worker):
    x, y = sympy.symbols("x y")
    first = symjac.jacobian("x**2*y")
    pid = fresh_worker.pid
    assert pid != 0
    second = symjac.jacobian([x * y, sympy.sin(x)], wrt="x, y")
    assert fresh_worker.pid == pid
    assert sympy.simplify(first.to_sympy() - sympy.Matrix([[2 * x * y, x**2]])) == sympy.zeros(1, 2)
    assert second.to_sympy() == sympy.Matrix([[y, x], [sympy.cos(x), 0]])


def test_a_call_over_its_time_limit_raises_and_the_next_call_works(monkeypatch, fresh_worker):
    _patch_engine_choice(monkeypatch, _endless)
    with pytest.raises(LimitError, match="time limit of 1 s"):
        symjac.jacobian("x*y", timeout=1)
    assert fresh_worker.pid == 0  # the stuck worker was killed
    monkeypatch.undo()
    d = symjac.jacobian("x*y")
    assert d.result.matrix == (("y", "x"),)


def test_the_default_time_limit_applies(monkeypatch, fresh_worker):
    monkeypatch.setattr("symjac.core.caps.DEFAULT_TIMEOUT", 1.0)
    assert Limits.resolve().timeout == 1.0
    _patch_engine_choice(monkeypatch, _endless)
    with pytest.raises(LimitError, match="time limit of 1 s"):
        symjac.jacobian("x")


def test_a_memory_limit_replaces_the_worker(monkeypatch, fresh_worker):
    def hungry(*args, **kwargs):
        return bytearray(16 * 1024**3)

    _patch_engine_choice(monkeypatch, hungry)
    assert fresh_worker.call(operator.add, (1, 2), {}, Limits.resolve()) == 3  # it starts,
    # with the patch
    pid = fresh_worker.pid
    with pytest.raises(LimitError, match="memory"):
        symjac.jacobian("x", max_memory="8G")
    assert fresh_worker.pid == 0
    monkeypatch.undo()
    assert symjac.jacobian("x**3").result.matrix == (("3*x**2",),)
    assert fresh_worker.pid not in (0, pid)


def test_a_worker_killed_from_outside_is_replaced(fresh_worker):
    assert symjac.jacobian("x*y").result.matrix == (("y", "x"),)
    os.kill(fresh_worker.pid, signal.SIGKILL)
    time.sleep(0.1)
    assert symjac.jacobian("x + y").result.matrix == (("1", "1"),)


def test_a_forked_caller_gets_its_own_worker(fresh_worker):
    symjac.jacobian("x")
    parent_worker = fresh_worker.pid
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the caller's child: must not talk to its parent's worker
        code = 1
        try:
            d = symjac.jacobian("x*y")
            mine = library.worker().pid
            os.write(write, pickle.dumps((d.result.matrix, mine)))
            library.worker().stop()
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    matrix, childs_worker = pickle.loads(data)
    assert matrix == (("y", "x"),)
    assert childs_worker not in (0, parent_worker)
    assert fresh_worker.pid == parent_worker
    assert symjac.jacobian("x**2").result.matrix == (("2*x",),)  # the parent's still answers


def test_bad_limits_are_input_errors():
    with pytest.raises(InputError):
        symjac.jacobian("x", timeout=-1)
    with pytest.raises(InputError):
        symjac.jacobian("x", max_memory="lots")


def test_signatures_show_what_each_function_takes():
    for name in ("matmul", "jacobian", "grad", "hessian", "derive"):
        params = inspect.signature(getattr(symjac, name)).parameters
        assert params["timeout"].kind is inspect.Parameter.KEYWORD_ONLY
        assert params["max_memory"].kind is inspect.Parameter.KEYWORD_ONLY
        assert "timeout=" in getattr(symjac, name).__doc__
    functions = str(inspect.signature(symjac.jacobian).parameters["functions"].annotation)
    assert "list" in functions and "sympy" in functions and "numpy" in functions
    with pytest.raises(TypeError, match="symjac.jacobian"):
        symjac.jacobian("x", nonsense=1)


def test_limits_resolve_applies_each_default_once(monkeypatch):
    monkeypatch.delenv("SYMJAC_MAX_MEMORY", raising=False)
    monkeypatch.delenv("SYMJAC_NO_FORK", raising=False)
    limits = Limits.resolve()
    assert (limits.timeout, limits.memory, limits.fork) == (DEFAULT_TIMEOUT, 4 * 1024**3, True)
    assert Limits.resolve(None, None).off and not Limits.resolve(None, None).fork
    assert Limits.resolve(0, "512M") == Limits(None, 512 * 1024**2, True)
    monkeypatch.setenv("SYMJAC_MAX_MEMORY", "1G")
    assert Limits.resolve().memory == 1024**3
    monkeypatch.setenv("SYMJAC_MAX_MEMORY", "bogus")
    bad = Limits.resolve()
    assert bad.memory == 4 * 1024**3 and "SYMJAC_MAX_MEMORY" in (bad.warning or "")
    monkeypatch.setenv("SYMJAC_NO_FORK", "1")
    assert not Limits.resolve().fork


def test_problem_files_run_from_the_reused_worker(fresh_worker):
    examples = Path(__file__).parent.parent / "examples"
    problems = symjac.load(str(examples / "discussion01.toml"))
    checked = problems.check(str(examples / "answers-mistakes.toml"))
    assert fresh_worker.pid != 0  # the runner ran in the worker, which forked the batches
    here = problems.check(str(examples / "answers-mistakes.toml"), timeout=None,
                          max_memory=None)
    assert [(o.id, o.status) for o in checked] == [(o.id, o.status) for o in here]
    assert {o.status for o in checked} == {"passed", "failed"}
    solved = problems.solve()
    assert all(o.status == "solved" for o in solved)


# -- worked steps, made when first read ------------------------------------------------------

DEFERRED_CASES = [
    ("matmul", ("[[a, 2], [3, b]]", "[[5], [c]]"), {}),
    ("jacobian", ("x**3*y, cos(y)**2 + 5*x, y*exp(x)",), {}),
    ("jacobian", ("x**2*y, sin(y)",), {"wrt": "x, y", "check": True}),
    ("jacobian", ("x**2*y, exp(x)", "x, y"), {"engine": "sympy", "simplify": True}),
    ("grad", ("sum((A @ x - b)**2)", "x", "A=3x2, x=2, b=3"), {}),
    ("hessian", ("x**2*y + sin(y)",), {}),
    ("derive", ("softmax-regression",), {}),
]


@pytest.mark.parametrize(("command", "args", "kwargs"), DEFERRED_CASES)
def test_steps_made_when_read_are_the_steps_made_at_once(command, args, kwargs, fresh_worker):
    from symjac import api

    at_once = getattr(api, command)(*args, **kwargs)  # in this process, steps and all
    assert at_once.steps
    got = getattr(symjac, command)(*args, **kwargs)  # in the worker, steps when read
    assert got.__dict__["steps"] is not at_once.steps and "_make" in got.__dict__
    assert got.result == at_once.result and got.notes == at_once.notes
    assert got.steps == at_once.steps  # read: made now
    assert "_make" not in got.__dict__
    assert got == at_once and str(got) == str(at_once) and repr(got) == repr(at_once)
    again = pickle.loads(pickle.dumps(getattr(symjac, command)(*args, **kwargs)))
    assert again == at_once and type(again).__name__ == "Solution"


def test_steps_are_made_once_and_only_when_read(monkeypatch, fresh_worker):
    from symjac import api

    calls = []

    @functools.wraps(api.jacobian)
    def counted(*args, **kwargs):
        calls.append(kwargs.get("steps", True))
        return api.jacobian(*args, **kwargs)

    jacobian = library.public("jacobian", counted)
    d = jacobian("x**2*y", timeout=None, max_memory=None)
    assert calls == [False]  # the answer alone
    assert d.result.matrix == (("2*x*y", "x**2"),)
    assert [s.kind for s in d.steps] == ["partial", "partial"]
    assert d.steps[0].chain[-1] == "2*x*y"
    assert str(d) and d.to_dict()["steps"]
    assert calls == [False, True]  # made once, when first read
    jacobian("x**2*y", steps=False, timeout=None, max_memory=None)
    assert calls == [False, True, False] and calls.count(True) == 1
    from dataclasses import replace

    changed = replace(jacobian("x*y", timeout=None, max_memory=None), reading="x·y")
    assert changed.reading == "x·y" and len(changed.steps) == 2


def _steps_never_finish(*args, **kwargs):
    """api.jacobian, but its worked steps never finish (sent to the worker by name)."""
    if kwargs.get("steps", True):
        _endless()
    return symjac.api.jacobian(*args, **kwargs)


_steps_never_finish.__signature__ = inspect.signature(symjac.api.jacobian)  # type: ignore


def test_steps_that_meet_a_limit_are_a_note_and_the_answer_stands(fresh_worker):
    jacobian = library.public("jacobian", _steps_never_finish)
    d = jacobian("x**2*y", timeout=1)
    assert d.result.matrix == (("2*x*y", "x**2"),)
    (note,) = d.steps  # the worker was stopped at the limit, and the note says so
    assert note.kind == "note" and "worked steps were not made" in note.text
    assert "time limit of 1 s" in note.text
    assert d.steps is d.steps and "not made" in str(d)  # made once, never waited for again
    assert symjac.jacobian("x*y").result.matrix == (("y", "x"),)  # the next call works


def test_steps_read_from_many_threads_are_made_once(fresh_worker):
    import threading

    from symjac import api

    calls = []

    @functools.wraps(api.jacobian)
    def counted(*args, **kwargs):
        calls.append(kwargs.get("steps", True))
        time.sleep(0.2)  # long enough for every thread to arrive while it works
        return api.jacobian(*args, **kwargs)

    d = library.public("jacobian", counted)("x**3*y*sin(x*y), y*exp(x)", timeout=None,
                                            max_memory=None)
    start = threading.Barrier(4)
    seen, errors = [], []

    def read():
        start.wait()
        try:
            seen.append(d.steps)
        except Exception as e:  # noqa: BLE001 (the test reports any)
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(seen) == 4 and all(s is seen[0] for s in seen)
    assert calls == [False, True]
    assert seen[0] == api.jacobian("x**3*y*sin(x*y), y*exp(x)").steps
