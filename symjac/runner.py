"""Work many problems, each in its own process under a time and memory limit.

A problem stuck in C code cannot be interrupted from Python, so each runs in
a child process: the child stops itself at the time limit when it can (a
clean "limit" message), and the parent kills it shortly after when it
cannot. The parent imports sympy and symjac's math once before forking, so
a child starts in milliseconds. Results come back in problem order, so
--jobs changes only the speed.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import pkgutil
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from typing import Any

from symjac.api import is_undefined
from symjac.problems import BadAnswer, Problem, params

KILL_GRACE = 1.0  # seconds after the time limit before a child is killed
DEFAULT_MEMORY_MB = 2048
NO_ANSWERS = object()  # grade the problem's own `expect`


@dataclass(frozen=True)
class Job:
    problem: Problem
    file: str
    mode: str = "check"  # "check" grades; "solve" works the problem for a document
    answer: Any = NO_ANSWERS  # with --answers: the answer text, a BadAnswer, or None
    answers: str | None = None  # the answer file, for the report


@dataclass(frozen=True)
class Outcome:
    """How one problem (for one answer file) went."""

    file: str
    id: str
    index: int
    command: str
    title: str
    status: str  # check: passed | failed | error | limit; solve: solved | error | limit
    message: str = ""
    seconds: float = 0.0
    answers: str | None = None
    points: float = 1.0
    mismatches: tuple = ()
    hints: tuple[str, ...] = ()
    undefined: bool = False  # the answer is "undefined"; message says why
    derivation: Any = field(default=None, compare=False, repr=False)
    statement: str | None = field(default=None, compare=False, repr=False)

    @property
    def score(self) -> float:
        return self.points if self.status in ("passed", "solved") else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "answers": self.answers,
            "id": self.id,
            "index": self.index,
            "title": self.title,
            "command": self.command,
            "status": self.status,
            "message": self.message,
            "mismatches": [dict(m) for m in self.mismatches],
            "score": self.score,
            "max_score": self.points,
            "seconds": round(self.seconds, 3),
        }


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def warm_up() -> None:
    """Import the math once in the parent, so forked children need not."""
    import sympy  # noqa: F401

    import symjac.api  # noqa: F401
    import symjac.ops
    import symjac.parsing  # noqa: F401
    import symjac.render.math  # noqa: F401

    for mod in pkgutil.iter_modules(symjac.ops.__path__):
        with contextlib.suppress(Exception):
            importlib.import_module(f"symjac.ops.{mod.name}")
    # sympy's first use of printing, expand and comparison is slow; pay it once here,
    # and every child inherits the warm caches.
    from symjac.ops.compare import compare_matrices
    from symjac.ops.matmul import matmul
    from symjac.parsing import parse_matrix
    from symjac.render import render

    with contextlib.suppress(Exception):
        a, b = parse_matrix("[[1, x]]"), parse_matrix("[[2], [y]]")
        render(matmul([a, b]), "markdown")
        compare_matrices(a * b, parse_matrix("[[2 + x*y]]"))


# -- one problem, in the child ----------------------------------------------------------


def work(job: Job, timeout: float | None) -> Outcome:
    """Work one job in this process (the child calls this); never raises."""
    from symjac.errors import CheckFailed, LimitError, SymjacError
    from symjac.limits import time_limit

    p = job.problem
    base = _outcome(job)
    start = time.perf_counter()

    def done(status: str, message: str = "", **kw) -> Outcome:
        return replace(base, status=status, message=message,
                       seconds=time.perf_counter() - start, **kw)

    expect: Any = ...
    if job.mode == "solve":
        expect = None
    elif job.answer is not NO_ANSWERS:
        expect = job.answer
    wanted = p.keys.get("expect") if expect is ... else expect
    undefined_wanted = is_undefined(wanted)
    try:
        with time_limit(timeout, p.name):
            statement = None
            if job.mode == "solve":
                try:
                    statement = p.statement()
                except LimitError:
                    raise
                except Exception:  # the statement only decorates; the call will say why
                    statement = None
            try:
                d = p.call(None if undefined_wanted else expect)
            except CheckFailed as e:  # a command may say "wrong" by raising, not in d.check
                if job.mode == "solve":
                    raise
                return done("failed", str(e))
            except SymjacError as e:
                if e.exit_code != 1:
                    raise
                why = str(e)
                if job.mode == "solve":
                    return done("solved", why, undefined=True, hints=tuple(e.hints),
                                statement=statement)
                if undefined_wanted:
                    return done("passed", f"undefined, as expected: {why}")
                if wanted is None:
                    return done("passed", f"undefined (no expected answer given): {why}")
                return done("failed", f"the answer should be undefined: {why}")
    except LimitError as e:
        return done("limit", str(e))
    except SymjacError as e:
        return done("error", _attributed(e, wanted, job))
    except (MemoryError, RecursionError) as e:
        kind = "memory" if isinstance(e, MemoryError) else "recursion depth"
        return done("limit", f"the work ran out of {kind}")
    except Exception as e:  # a bug in symjac: report it on this problem, go on
        last = traceback.extract_tb(e.__traceback__)[-1]
        where = f"{os.path.basename(last.filename)}:{last.lineno}"
        summary = f"{type(e).__name__}: {e}".splitlines()[0][:300]
        return done("error", f"internal error ({summary} at {where}); this is a bug")
    if job.mode == "solve":
        return done("solved", d.summary, derivation=d, statement=statement)
    if undefined_wanted:
        shape = "×".join(map(str, d.result.shape)) if d.result is not None else "an answer"
        return done("failed", f"expected 'undefined', but the answer is defined ({shape})")
    if d.check is None:
        verified = d.extra.get("verified")
        if verified:  # derive checks itself against entrywise differentiation
            sizes = ", ".join(f"{k} = {v}" for k, v in verified.get("sizes", {}).items())
            return done("passed", f"verified against entrywise differentiation at {sizes}")
        return done("passed", "computed (no expected answer given)")
    if d.check.passed:
        return done("passed", d.check.message)
    return done("failed", d.check.message or "the answer does not match",
                mismatches=tuple(dict(m) for m in d.check.mismatches))


def _attributed(e: Exception, wanted: Any, job: Job) -> str:
    """Say when the error is in the expected answer (a student's answer cannot be read)."""
    if not isinstance(wanted, str) or is_undefined(wanted):
        return str(e)
    from symjac.errors import SymjacError
    from symjac.parsing import parse_matrix

    try:
        parse_matrix(wanted, "expected")
    except SymjacError as again:
        if str(again) == str(e):  # the same error: it is the answer's
            whose = "the answer" if job.answer is not NO_ANSWERS else "the expected answer"
            return f"{whose} cannot be read: {e}"
    return str(e)


def _outcome(job: Job, status: str = "", message: str = "") -> Outcome:
    p = job.problem
    return Outcome(file=job.file, id=p.id, index=p.index, command=p.command, title=p.title,
                   status=status, message=message, answers=job.answers, points=p.points)


def _without_running(job: Job) -> Outcome | None:
    """The outcome of a job that needs no process: invalid, unanswered, ungradable."""
    p = job.problem
    if p.error is not None:
        return _outcome(job, "error", p.error)
    if job.mode == "check" and job.answer is not NO_ANSWERS:
        if job.answer is None:
            return _outcome(job, "failed", "no answer given")
        if isinstance(job.answer, BadAnswer):
            return _outcome(job, "error", job.answer.message)
        if "expect" not in (params(p.command) or {}):
            return _outcome(job, "error", f"{p.command} takes no expected answer to grade")
    return None


def _child(conn, job: Job, timeout: float | None, memory_mb: int | None) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the parent stops the children itself,
    # rather than each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        _limit_memory(memory_mb)
    try:
        outcome = work(job, timeout)
        try:
            conn.send(outcome)
        except Exception as e:  # e.g. an object that cannot be pickled: report, not hang
            conn.send(replace(outcome, derivation=None, status="error",
                              message=f"internal error: cannot return the result ({e})"))
    except MemoryError:
        with contextlib.suppress(Exception):
            conn.send(replace(_outcome(job), status="limit",
                              message="the work ran out of memory"))
    finally:
        conn.close()


def _limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at what it uses now plus `memory_mb`."""
    try:
        import resource
    except ImportError:  # not on this platform: the time limit still holds
        return
    try:
        with open("/proc/self/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        used = 0
    cap = used + memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


# -- many problems, in the parent --------------------------------------------------------


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


@dataclass
class _Running:
    index: int
    job: Job
    process: Any
    conn: Any
    started: float
    outcome: Outcome | None = None


def run(
    jobs: Sequence[Job],
    n_jobs: int | None = None,
    timeout: float | None = 10.0,
    memory_mb: int | None = DEFAULT_MEMORY_MB,
    on_done: Callable[[Outcome], None] | None = None,
    tick: Callable[[], None] | None = None,
) -> list[Outcome]:
    """Every job's outcome, in job order; at most n_jobs children at a time."""
    n_jobs = max(1, n_jobs or default_jobs())
    timeout = timeout or None
    results: list[Outcome | None] = [None] * len(jobs)
    queue: list[int] = []
    for i, job in enumerate(jobs):
        early = _without_running(job)
        if early is None:
            queue.append(i)
        else:
            results[i] = early
            if on_done:
                on_done(early)
    if queue:
        warm_up()
        # Children would otherwise have the garbage collector walk (and so copy) every
        # object inherited from the parent.
        gc.freeze()
    ctx = _context()
    queue.reverse()
    running: list[_Running] = []

    def finish(r: _Running, outcome: Outcome) -> None:
        running.remove(r)
        with contextlib.suppress(Exception):
            r.conn.close()
        r.process.join(timeout=5)
        results[r.index] = outcome
        if on_done:
            on_done(outcome)

    try:
        while queue or running:
            while queue and len(running) < n_jobs:
                i = queue.pop()
                receive, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(send, jobs[i], timeout, memory_mb),
                                   daemon=True)
                proc.start()
                send.close()
                running.append(_Running(i, jobs[i], proc, receive, time.monotonic()))
            now = time.monotonic()
            wait_for = 0.2
            if timeout is not None:
                deadlines = [r.started + timeout + KILL_GRACE - now for r in running]
                wait_for = max(0.0, min([wait_for, *deadlines]))
            handles = [r.conn for r in running] + [r.process.sentinel for r in running]
            ready = set(wait(handles, timeout=wait_for))
            for r in list(running):
                if r.conn in ready or r.process.sentinel in ready:
                    outcome = _receive(r)
                    finish(r, outcome)
                elif timeout is not None and time.monotonic() > r.started + timeout + KILL_GRACE:
                    r.process.kill()
                    finish(r, replace(
                        _outcome(r.job), status="limit",
                        message=f"{r.job.problem.name} took longer than the time limit of "
                        f"{timeout:g} s and was stopped (raise it with --timeout)",
                        seconds=time.monotonic() - r.started))
            if tick:
                tick()
    finally:
        for r in running:
            with contextlib.suppress(Exception):
                r.process.kill()
                r.process.join(timeout=5)
        gc.unfreeze()  # a library caller's objects become collectable again
    return [o for o in results if o is not None]


def _receive(r: _Running) -> Outcome:
    try:
        if r.conn.poll():
            return r.conn.recv()
    except (EOFError, OSError):
        pass
    except Exception as e:  # a result that cannot be unpickled
        return replace(_outcome(r.job), status="error",
                       message=f"internal error: cannot read the result ({e})")
    r.process.join(timeout=5)
    code = r.process.exitcode
    elapsed = time.monotonic() - r.started
    if code is not None and code < 0:
        import signal

        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        # SIGKILL from outside is almost always the kernel's out-of-memory killer.
        status = "limit" if -code == signal.SIGKILL else "error"
        return replace(_outcome(r.job), status=status, seconds=elapsed,
                       message=f"the worker was stopped by {name}"
                       + (" (out of memory?)" if status == "limit" else ""))
    return replace(_outcome(r.job), status="error", seconds=elapsed,
                   message=f"the worker stopped without a result (exit code {code})")
