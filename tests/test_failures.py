"""Every class of failure, through the command line: its exit code and one line.

symjac.core.errors.classify is the one map from an exception to what symjac says;
these tests go through both readers of the command line (click's, and the
console script's own for common command lines) and the batch runner.
"""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from symjac.batch import runner
from symjac.cli import main as entry
from symjac.cli.commands import cli
from symjac.core import errors


def _raiser(exc: BaseException):
    def broken(*args, **kwargs):
        raise exc

    return broken


# (what the work raises, exit code, the start of the one line on stderr)
CASES = [
    (errors.InputError("no such thing", position=3), 2,
     "symjac: error: no such thing (column 3)"),
    (errors.LimitError("too big"), 3, "symjac: error: too big"),
    (MemoryError(), 3, "symjac: error: symjac jacobian ran out of memory (the memory limit"),
    (RecursionError("deep"), 3,
     "symjac: error: symjac jacobian nested too deeply (the recursion limit)"),
    (ValueError("Exceeds the limit (4300 digits) for integer string conversion"), 3,
     "symjac: error: symjac jacobian would print a number longer than Python can print"),
    (KeyError("oops"), 4, "symjac: internal error (KeyError: 'oops'); this is a bug, please "
     "report it (run again with --debug to see the traceback)"),
]
ARGV = ["jacobian", "x*y", "--no-steps", "-f", "text"]


def _click(argv):
    try:
        result = CliRunner(mix_stderr=False).invoke(cli, argv)  # type: ignore[call-arg]
    except TypeError:
        result = CliRunner().invoke(cli, argv)
    return result.exit_code, result.stdout, result.stderr


def _fast(argv, capfd, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["symjac", *argv])
    with pytest.raises(SystemExit) as info:
        entry.run()
    out, err = capfd.readouterr()
    return info.value.code, out, err


@pytest.mark.parametrize("exc, code, line", CASES)
def test_a_failure_in_the_work_is_one_line_and_its_exit_code(exc, code, line, monkeypatch,
                                                             capfd):
    from symjac.cli import options

    assert options.read(ARGV) is not None  # the fast path takes this command line
    monkeypatch.setattr("symjac.api.jacobian", _raiser(exc))
    for got in (_click(ARGV), _fast(ARGV, capfd, monkeypatch)):
        status, out, err = got
        assert status == code
        assert out == ""
        assert len(err.splitlines()) == 1 and err.startswith(line), err


def test_an_undefined_answer_is_exit_1_on_stdout(monkeypatch, capfd):
    argv = ["matmul", "[[1,6],[7,5]]", "[3,0,2]", "-f", "text"]
    for status, out, err in (_click(argv), _fast(argv, capfd, monkeypatch)):
        assert status == 1 and err == ""
        assert out.splitlines()[0].endswith("has 3 rows, so A·B is undefined")


def test_with_json_a_failure_is_the_error_object(monkeypatch, capfd):
    import json

    monkeypatch.setattr("symjac.api.jacobian", _raiser(MemoryError()))
    argv = ["jacobian", "x*y", "--no-steps", "-f", "json"]
    for status, out, err in (_click(argv), _fast(argv, capfd, monkeypatch)):
        assert status == 3
        obj = json.loads(out)
        assert obj["ok"] is False and obj["error"]["type"] == "LimitError"
        assert "ran out of memory" in obj["error"]["message"]
        assert len(err.splitlines()) == 1


def test_a_bug_with_debug_shows_its_traceback(monkeypatch, capfd):
    monkeypatch.setattr("symjac.api.jacobian", _raiser(KeyError("oops")))
    argv = [*ARGV, "--debug"]
    for status, _out, err in (_click(argv), _fast(argv, capfd, monkeypatch)):
        assert status == 4
        assert "Traceback" in err and "KeyError: 'oops'" in err
        assert err.splitlines()[-1].startswith("symjac: internal error (KeyError: 'oops')")


def test_classify_maps_each_class_once():
    bug = errors.classify(KeyError("k"))
    assert isinstance(bug, errors.ChildBug) and errors.exit_code(bug) == 4
    assert "KeyError" in bug.trace or bug.trace == ""
    caused = ImportError("no module")
    caused.__cause__ = MemoryError()
    assert isinstance(errors.classify(caused), errors.LimitError)
    same = errors.ShapeError("mismatch")
    assert errors.classify(same) is same and errors.exit_code(same) == 1
    assert errors.exit_code(errors.classify(RecursionError())) == 3
    assert errors.exit_code(errors.classify(errors.InputError("bad"))) == 2
    assert errors.exit_code(errors.UndefinedError("1/0")) == 1
    assert isinstance(errors.ShapeError("m"), errors.Undefined)


@pytest.mark.parametrize("exc, status, start", [
    (errors.LimitError("too big"), "limit", "too big"),
    (MemoryError(), "limit", "problem 1 ran out of memory"),
    (RecursionError(), "limit", "problem 1 nested too deeply"),
    (errors.InputError("bad"), "error", "bad"),
    (KeyError("oops"), "error", "internal error (KeyError: 'oops' at test_failures.py:"),
])
def test_a_batch_job_says_each_class_of_failure_as_its_status(exc, status, start):
    def raise_it():
        try:
            raise exc
        except BaseException as e:
            return e

    got = runner.failure(raise_it(), "problem 1")
    assert got[0] == status and got[1].startswith(start), got


@pytest.mark.parametrize("cap", ["1M", "20M"])
@pytest.mark.parametrize("extra", [[], ["-o", "-"]])  # the console script's reader; click's
def test_a_tiny_memory_cap_is_a_limit_not_a_bug(cap, extra):
    # Under 1 MiB the worker cannot even build its message; under 20 MiB loading symengine's
    # library fails ("failed to map segment"): both are the cap, exit 3, never exit 4.
    import subprocess
    from pathlib import Path

    script = Path(sys.executable).parent / "symjac"
    proc = subprocess.run([str(script), "jacobian", "x**2", "--no-steps", "--max-memory", cap,
                           *extra], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.startswith("symjac: error: symjac jacobian ran out of memory (the "
                                  f"memory limit of {cap[:-1]} MiB"), proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_an_import_that_fails_for_memory_is_the_memory_limit():
    mapped = ImportError("libfoo.so: failed to map segment from shared object")
    assert isinstance(errors.classify(mapped), errors.LimitError)
    assert isinstance(errors.classify(OSError(12, "Cannot allocate memory")), errors.LimitError)
    assert isinstance(errors.classify(ImportError("No module named 'foo'")), errors.ChildBug)
