"""The library as a notebook user meets it: ``symjac.matmul``, ``symjac.load``, ...

``symjac.api`` is the commands' back end: it takes text and raises a
SymjacError for everything, an undefined answer included, as the command
line needs. The functions here wrap it for people writing Python:

- inputs may be text, nested lists, tuples, numbers, or sympy objects (each
  is written as text and read by the one parser, so the same rules and
  limits apply);
- an undefined answer (a product of mismatched shapes) is a result, with
  ``.undefined`` and ``.reason``, not an exception;
- ``load(path)`` reads a problem file, with ``.solve()`` and ``.check()``.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from symjac.api import Solution
from symjac.core.caps import DEFAULT, DEFAULT_TIMEOUT
from symjac.core.model import Derivation


def to_text(value: Any, what: str = "input") -> str:
    """A Python value written in symjac's input language.

    >>> to_text([[1, 2], [3, 4]])
    '[[1, 2], [3, 4]]'
    >>> to_text({"x": 1, "y": Fraction(1, 2)})
    'x=1, y=1/2'
    """
    from symjac.core.errors import InputError

    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise InputError(f"the {what} must be text, a number or a list, not a boolean")
    if isinstance(value, int | Fraction | Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # its shortest decimal, read exactly: 0.1 is 1/10
    if isinstance(value, list | tuple):
        return "[" + ", ".join(to_text(v, what) for v in value) + "]"
    if isinstance(value, Mapping):
        return ", ".join(f"{to_text(k, what)}={to_text(v, what)}" for k, v in value.items())
    module = type(value).__module__ or ""
    if module.startswith("sympy"):
        import sympy

        if isinstance(value, sympy.MatrixBase):
            return to_text(value.tolist(), what)
        return sympy.sstr(value)
    if hasattr(value, "tolist"):  # a NumPy array or scalar
        return to_text(value.tolist(), what)
    raise InputError(f"the {what} must be text, a number, a list or a sympy object, "
                     f"not {type(value).__name__}")


def _convert(param: inspect.Parameter, value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if param.kind is inspect.Parameter.VAR_POSITIONAL:
        return tuple(to_text(v, param.name) for v in value)
    annotation = str(param.annotation)
    if "Sequence" in annotation and isinstance(value, list | tuple):
        return [to_text(v, param.name) for v in value]
    if isinstance(param.default, bool | int | float) and isinstance(value, int | float):
        return value  # a number option, such as a size or a count
    return to_text(value, param.name)


def undefined(command: str, error: Exception) -> Derivation:
    """The result of a command whose answer is undefined, saying why."""
    reason = str(error)
    return Solution(
        command=command,
        summary=reason,
        notes=tuple(f"hint: {h}" for h in getattr(error, "hints", ())),
        undefined=True,
        reason=reason,
    )


# What an input parameter accepts, as help() shows it: anything to_text writes.
INPUT = "str | int | Fraction | list | tuple | sympy.Basic | numpy.ndarray"
INPUTS = f"{INPUT} | Sequence[{INPUT}]"

_WORKER: Any = None  # the one reused worker (isolation.ReusedWorker), made on the first call


def worker() -> Any:
    """The library's worker process: one, started on the first call and reused."""
    global _WORKER
    if _WORKER is None:
        from symjac.isolation import ReusedWorker

        _WORKER = ReusedWorker()
    return _WORKER


def _shown(param: inspect.Parameter) -> inspect.Parameter:
    """The parameter as help() should show it: what an input accepts, not just 'str'."""
    annotation = str(param.annotation)
    if param.kind is inspect.Parameter.VAR_POSITIONAL:
        return param.replace(annotation=INPUT)
    if "str" not in annotation or isinstance(param.default, str):
        return param  # a flag, a number, or a word such as layout="numerator"
    if "Sequence" in annotation:
        return param.replace(annotation=INPUTS)
    if "None" in annotation:
        return param.replace(annotation=f"{INPUT} | None")
    return param.replace(annotation=INPUT)


LIMITS_DOC = """

    Runs under the command line's limits, in one worker process reused across
    calls: ``timeout=`` seconds (default {timeout:g}) and ``max_memory=`` bytes
    or a size such as "512M" (default $SYMJAC_MAX_MEMORY, else {memory});
    ``None`` (or 0) turns each off, and with both off the work runs in this
    process. Inputs may be text, numbers, nested lists, sympy objects or NumPy
    arrays; each is written as text and read by symjac's one parser. The
    worked steps are made the first time they are read (``.steps``, ``str()``,
    ``to_dict()``, Jupyter), under the same limits; if they meet a limit there,
    the steps are one note saying so, and the answer stands.
"""


_PENDING: Any = object()  # steps not made yet
_MAKING = threading.Lock()  # one thread makes a result's steps; the others wait for them


class _Steps:
    """``Deferred.steps``: made by ``make()`` the first time they are read."""

    def __get__(self, obj: Any, cls: type | None = None) -> Any:
        if obj is None:
            return self
        got = obj.__dict__["steps"]
        if got is not _PENDING:
            return got
        with _MAKING:
            got = obj.__dict__["steps"]
            if got is _PENDING:
                got = obj.__dict__["steps"] = _made(obj.__dict__.pop("_make"))
        return got

    def __set__(self, obj: Any, value: Any) -> None:  # Frozen's __init__ sets the field
        obj.__dict__["steps"] = value


def _made(make: Callable[[], Any]) -> Any:
    """The steps, or one note if making them met a limit: the answer was worked under
    the limits and stands; its steps alone could not be made within them."""
    from symjac.core.errors import LimitError
    from symjac.core.model import Step

    try:
        return make()
    except LimitError as e:
        return (Step(kind="note", text=f"the worked steps were not made: {e}"),)


def _solution(fields: dict[str, Any]) -> Solution:
    return Solution(**fields)


class Deferred(Solution):
    """A Solution whose worked steps are made the first time they are read.

    A library call works the answer alone (with its checks, notes and warnings,
    which steps never change) and keeps how to make the steps: a caller who
    never reads them does not pay for them. Equal to, printed as and pickled as
    the Solution the call would have made at once.
    """

    steps = _Steps()

    @classmethod
    def pending(cls, d: Derivation, make: Callable[[], Any]) -> Deferred:
        out = cls(**{**d.field_values(), "steps": _PENDING})
        out.__dict__["_make"] = make
        return out

    def __repr__(self) -> str:
        return repr(_solution(self.field_values()))

    def __reduce__(self) -> Any:
        return _solution, (self.field_values(),)


def public(command: str, fn: Callable[..., Derivation]) -> Callable[..., Derivation]:
    """The library form of an api function: any inputs, limits in a reused worker,
    undefined as a result."""
    from symjac.core.caps import DEFAULT, DEFAULT_MEMORY, DEFAULT_TIMEOUT
    from symjac.core.errors import format_size

    signature = inspect.signature(fn)
    what = f"symjac.{command}"
    has_steps = "steps" in signature.parameters

    def call(*args: Any, timeout: Any = DEFAULT, max_memory: Any = DEFAULT,
             **kwargs: Any) -> Derivation:
        from symjac import api
        from symjac.core.caps import Limits
        from symjac.core.errors import ChildBug, InputError, Undefined

        try:
            limits = Limits.resolve(timeout, max_memory)
        except ValueError as e:
            raise InputError(str(e)) from None
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{what}(): {e}") from None
        for name, value in list(bound.arguments.items()):
            bound.arguments[name] = _convert(signature.parameters[name], value)

        def run(steps: bool | None) -> Derivation:
            if steps is not None:
                bound.arguments["steps"] = steps
            args, kw = (fn, *bound.args), bound.kwargs
            try:
                return worker().call(api.stated, args, kw, limits, what)
            except ChildBug as e:  # a bug in the worker: as the exception it was
                raise RuntimeError(f"symjac internal error: {e.summary}") from None

        try:
            if not (has_steps and bound.arguments.get("steps", True)):
                return run(None)
            # The worked steps are made when first read: the answer alone now.
            d = run(False)
        except Undefined as e:
            return undefined(command, e)
        return d if d.undefined else Deferred.pending(d, lambda: run(True).steps)

    shown = [_shown(p) for p in signature.parameters.values()]
    shown += [
        inspect.Parameter("timeout", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT,
                          annotation="float | None"),
        inspect.Parameter("max_memory", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT,
                          annotation="int | str | None"),
    ]
    call.__signature__ = signature.replace(parameters=shown)  # type: ignore[attr-defined]
    call.__name__ = call.__qualname__ = fn.__name__
    call.__module__ = "symjac"
    call.__doc__ = (fn.__doc__ or "").rstrip() + LIMITS_DOC.format(
        timeout=DEFAULT_TIMEOUT, memory=format_size(DEFAULT_MEMORY).replace(" ", ""))
    return call


@functools.cache
def function(name: str) -> Callable[..., Derivation]:
    """symjac.NAME: the library form of api.NAME."""
    from symjac import api

    return public(name, getattr(api, name))


# -- problem files ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemFile:
    """A problem file, loaded: ``.solve()`` works it, ``.check()`` grades it.

    Each problem runs in a worker process under ``timeout`` seconds and
    ``max_memory`` (as for symjac.jacobian), as ``symjac solve`` and ``symjac
    check`` run them.
    """

    path: str
    title: str
    ids: tuple[str, ...]
    _problems: Any  # the ProblemSet

    def _for(self, student: str | None) -> Any:
        """The problems as `student` sees them (problems with params: their variant)."""
        from symjac.batch import problems

        return problems.for_student(self._problems, student or "")

    def solve(self, timeout: float | None = DEFAULT_TIMEOUT,
              max_memory: Any = DEFAULT, student: str | None = None) -> list:
        """Each problem's outcome: ``.status`` ("solved", "error" or "limit"), ``.message``
        and ``.derivation`` (a Derivation; ``.undefined`` for an undefined answer).
        ``student``: whose variant of problems with parameters."""
        from dataclasses import replace

        out = []
        for o in _run(self._for(student), self.path, "solve", None, None,
                      _limits(timeout, max_memory)):
            if o.undefined and o.derivation is None:
                o = replace(o, derivation=Solution(
                    command=o.command, summary=o.message,
                    notes=tuple(f"hint: {h}" for h in o.hints),
                    undefined=True, reason=o.message))
            out.append(o)
        return out

    def check(self, answers: str | Mapping[str, Any] | None = None,
              timeout: float | None = DEFAULT_TIMEOUT,
              max_memory: Any = DEFAULT, student: str | None = None) -> list:
        """Each problem's grade: ``.status`` ("passed", "failed", "error" or "limit"; "solved"
        for a problem without ``expect``), ``.message``, ``.score`` and ``.points``.
        ``answers`` is an answer file's path or a mapping of problem ids to answers (text,
        lists or sympy objects); without it, each problem's own ``expect`` is checked.
        ``student``: whose variant of problems with parameters (default: an answer file's
        ``student`` key, else its name)."""
        from symjac.batch import problems
        from symjac.batch.variants import student_of

        given: dict[str, Any] | None = None
        source = None
        if isinstance(answers, str):
            loaded, own = problems.load_submission(answers)
            given, source = dict(loaded), answers
            student = student or student_of(answers, own)
        elif answers is not None:
            given = {str(k): to_text(v, f"answer {k!r}") for k, v in answers.items()}
            source = "answers"
        return _run(self._for(student), self.path, "check", given, source,
                    _limits(timeout, max_memory))


def _run(problem_set: Any, path: str, mode: str, given: dict[str, Any] | None,
         source: str | None, limits: Any) -> list:
    """Every problem's outcome, in the library's reused worker, which forks each batch of
    problems under ``limits`` from its own warm imports; with no limits, here."""
    from symjac.core.caps import Limits

    if limits.off or not limits.fork:
        return run_problems(problem_set, path, mode, given, source, limits)
    # The worker itself is given no deadline: the runner holds each problem to its own.
    return worker().call(run_problems, (problem_set, path, mode, given, source, limits), {},
                         Limits(fork=True), "symjac.load")


def run_problems(problem_set: Any, path: str, mode: str, given: dict[str, Any] | None,
                 source: str | None, limits: Any) -> list:
    """runner.run of a problem file's jobs, made in the process that runs them (a Job
    without an answer holds a marker that would not survive being sent to a worker)."""
    from symjac.batch import runner

    if mode == "solve":
        jobs = [runner.Job(p, path, mode="solve") for p in problem_set.problems]
    elif given is None:
        jobs = [runner.Job(p, path) for p in problem_set.problems]
    else:
        jobs = [runner.Job(p, path, answer=given.get(p.id), answers=source)
                for p in problem_set.problems]
    return runner.run(jobs, limits=limits)


def _limits(timeout: Any, max_memory: Any) -> Any:
    """Limits.resolve, a bad value an InputError (as the command line's options refuse it)."""
    from symjac.core.caps import Limits
    from symjac.core.errors import InputError

    try:
        return Limits.resolve(timeout, max_memory)
    except ValueError as e:
        raise InputError(str(e)) from None


def load(path: str) -> ProblemFile:
    """Read a problem file (TOML or JSON), as ``symjac solve`` and ``symjac check`` do."""
    from symjac.batch import problems

    ps = problems.load(path)
    return ProblemFile(ps.path, ps.title, tuple(p.id for p in ps.problems), ps)
