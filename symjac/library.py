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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from symjac.core.caps import DEFAULT_TIMEOUT
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
    from symjac.api import Solution

    reason = str(error)
    return Solution(
        command=command,
        summary=reason,
        notes=tuple(f"hint: {h}" for h in getattr(error, "hints", ())),
        undefined=True,
        reason=reason,
    )


def public(command: str, fn: Callable[..., Derivation]) -> Callable[..., Derivation]:
    """The library form of an api function: any inputs, undefined as a result."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Derivation:
        from symjac.core.errors import Undefined

        bound = signature.bind(*args, **kwargs)
        for name, value in list(bound.arguments.items()):
            bound.arguments[name] = _convert(signature.parameters[name], value)
        try:
            return fn(*bound.args, **bound.kwargs)
        except Undefined as e:
            return undefined(command, e)

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

    Each problem runs in its own process under ``timeout`` seconds, as
    ``symjac solve`` and ``symjac check`` run them.
    """

    path: str
    title: str
    ids: tuple[str, ...]
    _problems: Any  # the ProblemSet

    def solve(self, timeout: float | None = DEFAULT_TIMEOUT) -> list:
        """Each problem's outcome: ``.status`` ("solved", "error" or "limit"), ``.message``
        and ``.derivation`` (a Derivation; ``.undefined`` for an undefined answer)."""
        from dataclasses import replace

        from symjac.batch import runner

        jobs = [runner.Job(p, self.path, mode="solve") for p in self._problems.problems]
        out = []
        for o in runner.run(jobs, timeout=timeout):
            if o.undefined and o.derivation is None:
                from symjac.api import Solution

                o = replace(o, derivation=Solution(
                    command=o.command, summary=o.message,
                    notes=tuple(f"hint: {h}" for h in o.hints),
                    undefined=True, reason=o.message))
            out.append(o)
        return out

    def check(self, answers: str | Mapping[str, Any] | None = None,
              timeout: float | None = DEFAULT_TIMEOUT) -> list:
        """Each problem's grade: ``.status`` ("passed", "failed", "error" or "limit"),
        ``.message``, ``.score`` and ``.points``. ``answers`` is an answer file's path or
        a mapping of problem ids to answers (text, lists or sympy objects); without
        it, each problem's own ``expect`` is checked."""
        from symjac.batch import problems, runner

        if answers is None:
            jobs = [runner.Job(p, self.path) for p in self._problems.problems]
        else:
            if isinstance(answers, str):
                given: Mapping[str, Any] = problems.load_answers(answers)
                source = answers
            else:
                given = {str(k): to_text(v, f"answer {k!r}") for k, v in answers.items()}
                source = "answers"
            jobs = [runner.Job(p, self.path, answer=given.get(p.id), answers=source)
                    for p in self._problems.problems]
        return runner.run(jobs, timeout=timeout)


def load(path: str) -> ProblemFile:
    """Read a problem file (TOML or JSON), as ``symjac solve`` and ``symjac check`` do."""
    from symjac.batch import problems

    ps = problems.load(path)
    return ProblemFile(ps.path, ps.title, tuple(p.id for p in ps.problems), ps)
