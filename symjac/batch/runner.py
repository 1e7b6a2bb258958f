"""Work many problems in a few worker processes, under a time and memory limit each.

A problem stuck in C code cannot be interrupted from Python, so problems
run in forked workers (``symjac.isolation.run_batches``, the one isolation
module): each worker does a share of the jobs in order, each job under the
time limit; a job that overruns is stopped and a fresh worker takes the
rest. A cohort's answers are graded by distinct answer: the same answer to
the same problem, however many students gave it, is graded once. The
parent imports the math and works each graded problem's key once before
forking, so workers start in milliseconds and grade without re-deriving.
Results come back in job order, so --jobs changes only the speed.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pkgutil
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from symjac import isolation
from symjac.api import is_undefined
from symjac.batch import grading
from symjac.batch.problems import BadAnswer, Problem
from symjac.core.caps import Limits

KILL_GRACE = isolation.KILL_GRACE  # seconds after the time limit before a worker is killed
NO_ANSWERS = object()  # grade the problem's own `expect`
# invalid: a student's answer that cannot be read or uses a name the problem does not
# have; counted apart from failed (unreadable is not wrong), scored 0
# solved: a problem without `expect`, computed but not checked (never "passed")
STATUSES = ("passed", "solved", "failed", "invalid", "undecided", "error", "limit",
            "ungraded")
OK_STATUSES = ("passed", "solved")  # check's exit code is 0 when every outcome is one


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
    status: str  # check: one of STATUSES; solve: solved | error | limit
    message: str = ""
    seconds: float = 0.0
    answers: str | None = None
    points: float = 1.0
    mismatches: tuple = ()
    hints: tuple[str, ...] = ()
    undefined: bool = False  # the answer is "undefined"; message says why
    mistakes: tuple[dict[str, str], ...] = ()  # named mistakes: {"tag", "message"}
    credit: float | None = None  # the fraction earned, when partial credit applies
    feedback: bool = False  # the message is the problem author's feedback
    method: str | None = None  # how a comparison's verdict was reached (Check.method)
    readings: tuple[str, ...] = ()  # how the answer's loose parts were read: "2xy as 2·x·y"
    unknown: tuple[str, ...] = ()  # names of an invalid answer that the problem does not have
    derivation: Any = field(default=None, compare=False, repr=False)
    statement: str | None = field(default=None, compare=False, repr=False)
    student: str | None = None  # whose answers (and variant) these are
    variant: tuple[tuple[str, str], ...] = ()  # the parameters' values drawn for the student

    @property
    def max_score(self) -> float:
        return 0.0 if self.status == "ungraded" else self.points

    @property
    def score(self) -> float:
        if self.status in ("passed", "solved"):
            return self.points
        if self.credit is not None and self.status in ("failed", "undecided"):
            return round(self.points * self.credit, 6)
        return 0.0

    @property
    def tags(self) -> list[str]:
        return [m["tag"] for m in self.mistakes]

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
            "wrong": [list(m["index"]) for m in self.mismatches if m.get("index")],
            "mistakes": self.tags,
            "mistake_messages": [dict(m) for m in self.mistakes],
            "feedback": self.feedback,
            "method": self.method,
            "readings": list(self.readings),
            "unknown_names": list(self.unknown),
            "score": self.score,
            "max_score": self.max_score,
            "seconds": round(self.seconds, 3),
            "student": self.student,
            "variant": dict(self.variant) or None,
        }


def warm_up() -> None:
    """Import the math once in the parent, so forked children need not."""
    import sympy  # noqa: F401

    import symjac.api  # noqa: F401
    import symjac.language.parser  # noqa: F401
    import symjac.ops
    import symjac.render.math  # noqa: F401

    for mod in pkgutil.iter_modules(symjac.ops.__path__):
        with contextlib.suppress(Exception):
            importlib.import_module(f"symjac.ops.{mod.name}")
    # sympy's first use of printing, expand and comparison is slow; pay it once here,
    # and every child inherits the warm caches.
    from symjac.language.parser import parse_matrix
    from symjac.ops.compare import compare_matrices
    from symjac.ops.matmul import matmul
    from symjac.render import render

    with contextlib.suppress(Exception):
        a, b = parse_matrix("[[1, x]]"), parse_matrix("[[2], [y]]")
        render(matmul([a, b]), "markdown")
        compare_matrices(a * b, parse_matrix("[[2 + x*y]]"))


# -- one problem, in the child ----------------------------------------------------------


def work(job: Job, timeout: float | None) -> Outcome:
    """Work one job in this process (the child calls this); never raises."""
    from symjac.core.errors import LimitError, SymjacError, Undefined
    from symjac.isolation import time_limit

    p = job.problem
    base = _outcome(job)
    start = time.perf_counter()

    def done(status: str, message: str = "", **kw) -> Outcome:
        return replace(base, status=status, message=message,
                       seconds=time.perf_counter() - start, **kw)

    if job.mode == "check" and job.answer is not NO_ANSWERS:
        return _graded(job, done)
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
            except Undefined as e:
                why = str(e)
                if job.mode == "solve":
                    return done("solved", why, undefined=True, hints=tuple(e.hints),
                                statement=statement)
                if undefined_wanted:
                    return done("passed", f"undefined, as expected: {why}", method="exact")
                if wanted is None:
                    return done("solved", f"computed, not checked (no expect): undefined: {why}")
                return done("failed", f"the answer should be undefined: {why}", method="exact")
    except Exception as e:  # one problem's failure, said on it; the others go on
        status, message = failure(e, p.name)
        if status == "error" and isinstance(e, SymjacError):
            message = _attributed(e, wanted, job)
        return done(status, message)
    if job.mode == "solve":
        return done("solved", d.summary, derivation=d, statement=statement)
    if undefined_wanted:
        shape = "×".join(map(str, d.result.shape)) if d.result is not None else "an answer"
        return done("failed", f"expected 'undefined', but the answer is defined ({shape})",
                    method="exact")
    if d.check is None:
        verified = d.extra.get("verified")
        if verified:  # derive checks itself against entrywise differentiation
            sizes = ", ".join(f"{k} = {v}" for k, v in verified.get("sizes", {}).items())
            return done("solved", "computed, not checked (no expect); the derivation is "
                        f"verified against entrywise differentiation at {sizes}")
        return done("solved", "computed, not checked (no expect)")
    if d.check.passed:
        return done("passed", d.check.message, method=d.check.method)
    if d.check.outcome == "undecided":  # never a pass, and not shown to be wrong either
        return done("undecided", d.check.message, method=d.check.method,
                    mismatches=tuple(dict(m) for m in d.check.mismatches))
    return done("failed", d.check.message or "the answer does not match",
                method=d.check.method, mismatches=tuple(dict(m) for m in d.check.mismatches))


def _graded(job: Job, done: Callable[..., Outcome]) -> Outcome:
    """A student's answer, graded (symjac.batch.grading); never raises."""

    p = job.problem
    key = grading.KEYS.get(grading.key_id(job.file, p)) if grading.keyed(p) else None
    try:
        g = grading.grade(p, job.answer, key)
    except Exception as e:
        return done(*failure(e, p.name))
    return done(g.status, g.message, mismatches=g.mismatches,
                mistakes=tuple(m.to_dict() for m in g.mistakes), credit=g.credit,
                feedback=g.feedback, readings=g.readings, unknown=g.unknown)


def failure(e: BaseException, what: str = "the job") -> tuple[str, str]:
    """A problem's status and message for an exception (symjac.core.errors.classify): "limit"
    for a limit, else "error" (a bug says so, and where it was raised)."""
    from symjac.core.errors import ChildBug, LimitError, classify

    error = classify(e, what)
    if isinstance(error, LimitError):
        return "limit", str(error)
    if isinstance(error, ChildBug):
        summary = error.summary.splitlines()[0][:300] if error.summary else ""
        where = ""
        if error is not e and e.__traceback__ is not None:
            last = traceback.extract_tb(e.__traceback__)[-1]
            where = f" at {os.path.basename(last.filename)}:{last.lineno}"
        return "error", f"internal error ({summary}{where}); this is a bug"
    return "error", str(error)


def _attributed(e: Exception, wanted: Any, job: Job) -> str:
    """Say when the error is in the expected answer (a student's answer cannot be read)."""
    if not isinstance(wanted, str) or is_undefined(wanted):
        return str(e)
    from symjac.core.errors import SymjacError
    from symjac.language.parser import parse_matrix

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
                   status=status, message=message, answers=job.answers, points=p.points,
                   student=p.student, variant=p.variant)


def _without_running(job: Job) -> Outcome | None:
    """The outcome of a job that needs no process: invalid, unanswered, ungradable."""
    p = job.problem
    if p.error is not None:
        return _outcome(job, "error", p.error)
    if job.mode == "check" and job.answer is not NO_ANSWERS:
        if job.answer is None:
            return _outcome(job, "failed", "no answer given")
        if isinstance(job.answer, BadAnswer):  # the student's, not the problem's
            return _outcome(job, "invalid", job.answer.message)
    return None


def unreadable(path: str, message: str, problem_sets: Sequence[Any]) -> Outcome:
    """The one outcome of an answer file that cannot be read: its student's error, score 0."""
    total = sum(p.points for ps in problem_sets for p in ps.problems)
    file = problem_sets[0].path if problem_sets else ""
    return Outcome(file=file, id="answers", index=0, command="", title="the answer file",
                   status="error", message=message, answers=path, points=total)


# -- many jobs, in a few workers ------------------------------------------------------


def _shares(items: list[int], n: int) -> list[list[int]]:
    """items split into n contiguous shares of nearly equal length."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    out, at = [], 0
    for i in range(n):
        step = size + (1 if i < extra else 0)
        out.append(items[at : at + step])
        at += step
    return [s for s in out if s]


def _failure(job: Job, e: BaseException, seconds: float = 0.0) -> Outcome:
    """The outcome of a job whose worker raised (or was stopped): limit or error."""
    return replace(_outcome(job, *failure(e, job.problem.name)), seconds=seconds)


def _work_keys(jobs: Sequence[Job], n_jobs: int, limits: Limits) -> None:
    """Work, once each, the key of every problem graded against one (into grading.KEYS)."""
    todo: dict[tuple[str, int, tuple], Problem] = {}
    for job in jobs:
        p = job.problem
        if (job.mode == "check" and job.answer is not NO_ANSWERS and p.error is None
                and grading.keyed(p)):
            k = grading.key_id(job.file, p)
            if k not in grading.KEYS:
                todo.setdefault(k, p)
    if not todo:
        return
    ids = list(todo)
    batches = [[ids[i] for i in share] for share in _shares(list(range(len(ids))), n_jobs)]

    def store(b: int, j: int, ok: bool, value: Any) -> None:
        grading.KEYS[batches[b][j]] = value

    isolation.run_batches(lambda k: grading.make_key(todo[k]), batches, store, limits,
                          workers=n_jobs, what=lambda k: todo[k].name)


def _over_budget(jobs: Sequence[Job], results: list, budget: float) -> None:
    """Each answer file's answers past `budget` seconds of grading, in order, become limits."""
    spent: dict[str | None, float] = {}
    for i, job in enumerate(jobs):
        o = results[i]
        if o is None or job.answer is NO_ANSWERS:
            continue
        total = spent.get(job.answers, 0.0) + o.seconds
        spent[job.answers] = total
        if total > budget:
            results[i] = replace(o, status="limit", credit=None, mistakes=(), mismatches=(),
                                 readings=(), unknown=(),
                                 message=f"the time budget of {budget:g} s for this answer file "
                                 "ran out before this answer was graded (raise it with --budget)")


def run(
    jobs: Sequence[Job],
    n_jobs: int | None = None,
    limits: Limits | None = None,
    on_done: Callable[[Outcome], None] | None = None,
    tick: Callable[[], None] | None = None,
    budget: float | None = None,
) -> list[Outcome]:
    """Every job's outcome, in job order.

    Each distinct answer to a problem is graded once (for every student who
    gave it); the distinct answers, and the jobs without answers, are shared
    among ``n_jobs`` workers, each doing its share in order. An answer
    file's answers past ``budget`` seconds of grading in all are limits.
    ``limits`` (resolved by the caller; None: the defaults, Limits.resolve())
    hold for each job: ``limits.timeout`` seconds, and ``limits.memory`` bytes
    of address space for each worker.
    """
    n_jobs = max(1, n_jobs or isolation.cpu_count())
    if limits is None:
        limits = Limits.resolve()
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
    if not queue:
        return [o for o in results if o is not None]
    warm_up()
    # Workers would otherwise have the garbage collector walk (and so copy) every
    # object inherited from the parent.
    gc.freeze()
    try:
        _work_keys([jobs[i] for i in queue], n_jobs, limits)
        # The same answer to the same problem is graded once, however many students
        # gave it (a cohort's right answers are mostly alike): each distinct answer
        # is one job, and the distinct answers are shared among the workers.
        same: dict[tuple, list[int]] = {}
        loose: list[int] = []
        for i in queue:
            job = jobs[i]
            if job.mode == "check" and job.answer is not NO_ANSWERS:
                same.setdefault((job.file, job.problem.index, job.problem.variant,
                                 job.answer), []).append(i)
            else:
                loose.append(i)
        firsts = {group[0]: group for group in same.values()}
        batches = _shares(list(firsts), n_jobs) + _shares(loose, n_jobs)
        started = [time.monotonic()] * len(batches)

        def record(b: int, j: int, ok: bool, value: Any) -> None:
            i = batches[b][j]
            now = time.monotonic()
            outcome = value if ok else _failure(jobs[i], value, now - started[b])
            started[b] = now
            for k in firsts.get(i, [i]):
                mine = outcome if k == i else replace(outcome, answers=jobs[k].answers,
                                                      student=jobs[k].problem.student)
                results[k] = mine
                if on_done:
                    on_done(mine)

        isolation.run_batches(
            lambda i: work(jobs[i], None), batches, record, limits,
            workers=n_jobs, what=lambda i: jobs[i].problem.name, tick=tick,
        )
        if budget:
            _over_budget(jobs, results, budget)
    finally:
        gc.unfreeze()  # a library caller's objects become collectable again
        grading.KEYS.clear()
    return [o for o in results if o is not None]


