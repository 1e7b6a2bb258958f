"""Problem files: load, validate, and work one problem (DESIGN.md, Problem files).

A problem's keys are its command's option names: the keyword arguments of
the command's api function, checked against its signature, so a command
joins problem files by its row in symjac.core.commands. Its positional
argument is named by the row (`matrices` for matmul). `id`, `title`, `text`, `command`
and `points` are the problem's own. One bad problem never stops the others:
it carries its error and is reported, not run.
"""

from __future__ import annotations

import difflib
import inspect
import math
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from symjac.batch.files import load_data, type_name
from symjac.core.commands import COMMANDS
from symjac.core.errors import FileError, InputError


def _matmul_statement(keys: Mapping[str, Any]) -> str:
    from symjac.language.parser import parse_matrix
    from symjac.language.printing import latex
    from symjac.ops.matmul import NAMES
    from symjac.render.math import bmatrix

    symbols: dict = {}
    parts = []
    for text, name in zip(keys["matrices"], NAMES, strict=False):
        m = parse_matrix(text, name, symbols)
        parts.append(bmatrix([[latex(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]))
    return " ".join(parts)


def _natural(name: str) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _jacobian_statement(keys: Mapping[str, Any]) -> str:
    """f(x, y) = [f1; f2; ...], as the worksheet states a Jacobian problem."""
    from symjac.language.parser import parse_expression, parse_matrix
    from symjac.language.printing import latex
    from symjac.render.math import bmatrix

    symbols: dict = {}
    text = keys["functions"]
    if text.strip().startswith("["):
        outputs = list(parse_matrix(text, "f", symbols))
    else:
        # Commas at the top level separate the functions: parse them as one list.
        outputs = list(parse_matrix(f"[{text}]", "f", symbols))
    wrt = keys.get("wrt")
    if wrt and wrt.strip().startswith("["):
        m = parse_matrix(wrt, "wrt", symbols)
        args = bmatrix([[latex(m[i, j]) for j in range(m.cols)] for i in range(m.rows)])
        args = f"\\left({args}\\right)"
    else:
        if wrt:
            names = [parse_expression(w, symbols) for w in wrt.split(",")]
        else:
            free = set().union(*(f.free_symbols for f in outputs))
            names = sorted(free, key=lambda s: _natural(s.name))
        args = "(" + ", ".join(latex(v) for v in names) + ")"
    return f"\\mathbf{{f}}{args} = " + bmatrix([[latex(f)] for f in outputs])


# The problem statement in LaTeX, built from the keys (e.g. the matrices of a product).
STATEMENTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "matmul": _matmul_statement,
    "jacobian": _jacobian_statement,
}

OWN_KEYS = ("id", "command", "title", "text", "points", "partial", "feedback")
FEEDBACK_KEYS = ("answer", "mistake", "message", "credit")
TOP_KEYS = ("title", "text", "problem")


def api_function(command: str) -> Callable | None:
    row = COMMANDS.get(command)
    if row is None:
        return None
    from symjac import api

    return getattr(api, row.name)


# -- the shape of a parameter's value ---------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "text", "texts" (a list of text), "flag", "number"
    required: bool
    variadic: bool = False  # passed positionally: fn(*value)
    positional_only: bool = False  # passed positionally: fn(value)


def params(command: str) -> dict[str, Param] | None:
    """The keys a command's problems may set, from its api function's signature."""
    fn = api_function(command)
    if fn is None:
        return None
    out: dict[str, Param] = {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            out[p.name] = Param(p.name, "texts", required=True, variadic=True)
            continue
        required = p.default is inspect.Parameter.empty
        only = p.kind is inspect.Parameter.POSITIONAL_ONLY
        out[p.name] = Param(p.name, _kind(p), required, positional_only=only)
    return out


def _kind(p: inspect.Parameter) -> str:
    # Annotations are strings here (from __future__ import annotations): read them as text.
    ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
    ann = ann.replace(" ", "")
    if isinstance(p.default, bool) or ann == "bool":
        return "flag"
    if any(w in ann for w in ("Sequence", "tuple", "list", "Iterable")) or isinstance(
        p.default, tuple | list
    ):
        return "texts"
    if ann in ("int", "float", "int|None", "float|None") or (
        isinstance(p.default, int | float) and not isinstance(p.default, bool)
    ):
        return "number"
    return "text"


def _as_text(value: Any, where: str) -> str:
    """Text, a number, or a matrix as a list of lists (written as a matrix literal)."""
    if isinstance(value, bool):
        raise _KeyProblem(f"{where} must be text, not a boolean")
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):  # as the file wrote it: the parser reads it exactly
        if not value.is_finite():
            raise _KeyProblem(f"{where} must be a finite number, not {value}")
        return str(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        if not value:
            raise _KeyProblem(f"{where} is an empty list")
        return "[" + ", ".join(_as_text(v, where) for v in value) + "]"
    raise _KeyProblem(f"{where} must be text, not {type_name(value)}")


def convert(param: Param, value: Any) -> Any:
    where = f"'{param.name}'"
    if param.kind == "flag":
        if not isinstance(value, bool):
            raise _KeyProblem(f"{where} must be true or false, not {type_name(value)}")
        return value
    if param.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise _KeyProblem(f"{where} must be a number, not {type_name(value)}")
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise _KeyProblem(f"{where} must be a finite number, not {value}")
            return int(value) if value == value.to_integral_value() else float(value)
        return value
    if param.kind == "texts":
        if isinstance(value, str) and not param.variadic:
            return (value,)
        if not isinstance(value, list):
            raise _KeyProblem(f"{where} must be a list of text, not {type_name(value)}")
        return tuple(_as_text(v, f"each of {where}") for v in value)
    return _as_text(value, where)


class _KeyProblem(Exception):
    pass


# -- problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    """An anticipated answer (or a named mistake), what to tell the student, and its credit."""

    message: str
    answer: str | None = None
    mistake: str | None = None  # a tag of symjac.ops.mistakes.TAGS
    credit: float = 0.0  # a fraction of the problem's points


def _feedback(raw: Any) -> tuple[Feedback, ...]:
    from symjac.ops.mistakes import TAGS

    if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
        raise _KeyProblem("'feedback' must be a list of tables ([[problem.feedback]] in TOML)")
    out = []
    for n, f in enumerate(raw, 1):
        where = f"feedback {n}"
        unknown = [k for k in f if k not in FEEDBACK_KEYS]
        if unknown:
            raise _KeyProblem(f"{where}: unknown key {unknown[0]!r} "
                              f"(allowed: {', '.join(FEEDBACK_KEYS)})")
        if ("answer" in f) == ("mistake" in f):
            raise _KeyProblem(f"{where} needs one of 'answer' (an anticipated answer) or "
                              f"'mistake' (one of: {', '.join(TAGS)})")
        message = f.get("message")
        if not isinstance(message, str) or not message.strip():
            raise _KeyProblem(f"{where} needs a 'message' (text) for the student")
        credit = f.get("credit", 0)
        if isinstance(credit, bool) or not isinstance(credit, int | float | Decimal) \
                or not 0 <= credit <= 1:
            raise _KeyProblem(f"{where}: 'credit' must be a fraction from 0 to 1")
        credit = float(credit)  # a share of the points (a score), not mathematics
        mistake = f.get("mistake")
        if mistake is not None and mistake not in TAGS:
            close = difflib.get_close_matches(str(mistake), TAGS, n=1)
            did = f"; did you mean {close[0]!r}?" if close else ""
            raise _KeyProblem(f"{where}: unknown mistake {mistake!r}{did} "
                              f"(known: {', '.join(TAGS)})")
        answer = None if "answer" not in f else _as_text(f["answer"], f"{where}'s answer")
        out.append(Feedback(message, answer, mistake, float(credit)))
    return tuple(out)


@dataclass(frozen=True)
class Problem:
    index: int  # 1-based position in its file
    id: str
    command: str
    title: str = ""
    text: str = ""
    points: float = 1.0
    keys: Mapping[str, Any] = field(default_factory=dict)  # the command's options, converted
    error: str | None = None  # why it cannot run; reported as its status "error"
    partial: bool = False  # credit per matrix entry
    feedback: tuple[Feedback, ...] = ()  # the author's anticipated answers and mistakes

    @property
    def name(self) -> str:
        return f"problem {self.id!r}" if self.id else f"problem {self.index}"

    def call(self, expect: Any = ..., **overrides: Any) -> Any:
        """Run the command's api function; expect=None drops, a text replaces `expect`.

        ``overrides`` replace the problem's own options (``steps=False`` to grade).
        """
        fn = api_function(self.command)
        spec = params(self.command)
        if fn is None or spec is None:  # load() gives such a problem an error instead
            raise InputError(f"unknown command {self.command!r}")
        kwargs = dict(self.keys)
        kwargs.update({k: v for k, v in overrides.items() if k in spec})
        if expect is None:
            kwargs.pop("expect", None)
        elif expect is not ...:
            kwargs["expect"] = expect
        args: list = []
        for p in spec.values():  # in signature order, so positional ones line up
            if p.positional_only and p.name in kwargs:
                args.append(kwargs.pop(p.name))
            elif p.variadic and p.name in kwargs:
                args += kwargs.pop(p.name)
        return fn(*args, **kwargs)

    def command_line(self) -> str:
        """The equivalent command, without the expected answer (a solution shows it)."""
        words = ["symjac", self.command]
        spec = params(self.command) or {}
        row = COMMANDS.get(self.command)
        for name, value in self.keys.items():
            if name == "expect":
                continue
            p = spec.get(name)
            if row is not None and name == row.positional:
                words += list(value) if isinstance(value, tuple) else [value]
            elif p is not None and p.kind == "flag":
                if name == "steps":
                    words.append("--steps" if value else "--no-steps")
                elif value:
                    words.append("--" + name.replace("_", "-"))
            elif isinstance(value, tuple):
                for v in value:
                    words += ["--" + name.replace("_", "-"), str(v)]
            else:
                words += ["--" + name.replace("_", "-"), str(value)]
        return " ".join(shlex.quote(w) for w in words)

    def statement(self) -> str | None:
        make = STATEMENTS.get(self.command)
        return None if make is None else make(self.keys)


@dataclass(frozen=True)
class ProblemSet:
    path: str
    title: str = ""
    text: str = ""
    problems: tuple[Problem, ...] = ()


def load(path: str) -> ProblemSet:
    """Read and validate a problem file; FileError when the file itself cannot be used."""
    data = load_data(path)
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        hint = ""
        if "problems" in unknown:
            hint = " (problems are written [[problem]] in TOML, \"problem\": [...] in JSON)"
        raise FileError(
            f"{path}: unknown top-level key {unknown[0]!r}; allowed: {', '.join(TOP_KEYS)}{hint}"
        )
    for key in ("title", "text"):
        if key in data and not isinstance(data[key], str):
            raise FileError(f"{path}: {key!r} must be text, not {type_name(data[key])}")
    raw = data.get("problem")
    if raw is None:
        raise FileError(f"{path}: no problems; write each one as a [[problem]] table")
    if not isinstance(raw, list) or not all(isinstance(p, dict) for p in raw):
        raise FileError(f"{path}: 'problem' must be a list of tables ([[problem]] in TOML)")
    if not raw:
        raise FileError(f"{path}: no problems; write each one as a [[problem]] table")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, p in enumerate(raw, 1):
        problem = _problem(i, p)
        if problem.id:
            if problem.id in seen and problem.error is None:
                problem = _with_error(
                    problem, f"duplicate id {problem.id!r} (also problem {seen[problem.id]})"
                )
            seen.setdefault(problem.id, i)
        problems.append(problem)
    return ProblemSet(path, data.get("title", ""), data.get("text", ""), tuple(problems))


def _with_error(p: Problem, message: str) -> Problem:
    from dataclasses import replace

    return replace(p, error=message)


def _problem(index: int, raw: Mapping[str, Any]) -> Problem:
    pid = raw.get("id", "")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)
    base = Problem(index=index, id=pid if isinstance(pid, str) else "", command="")
    try:
        if "id" not in raw:
            raise _KeyProblem("missing key 'id'")
        if not isinstance(pid, str) or not pid.strip():
            raise _KeyProblem(f"'id' must be non-empty text, not {type_name(raw['id'])}")
        own = {}
        for key in ("title", "text"):
            if key in raw:
                if not isinstance(raw[key], str):
                    raise _KeyProblem(f"{key!r} must be text, not {type_name(raw[key])}")
                own[key] = raw[key]
        if "points" in raw:
            pts = raw["points"]
            if (isinstance(pts, bool) or not isinstance(pts, int | float | Decimal)
                    or not math.isfinite(pts) or pts < 0):  # nan and inf are no score
                raise _KeyProblem("'points' must be a finite number, 0 or more")
            own["points"] = float(pts)
        if "partial" in raw:
            if not isinstance(raw["partial"], bool):
                raise _KeyProblem("'partial' must be true or false")
            own["partial"] = raw["partial"]
        if "feedback" in raw:
            own["feedback"] = _feedback(raw["feedback"])
        command = raw.get("command")
        if command is None:
            raise _KeyProblem(f"missing key 'command' (one of: {', '.join(COMMANDS)})")
        if not isinstance(command, str):
            raise _KeyProblem(f"'command' must be text, not {type_name(command)}")
        base = Problem(index=index, id=pid, command=command, **own)
        spec = params(command)
        if spec is None:
            raise _KeyProblem(_unknown_command(command))
        keys: dict[str, Any] = {}
        for key, value in raw.items():
            if key in OWN_KEYS:
                continue
            if key not in spec:
                allowed = ", ".join([*OWN_KEYS, *spec])
                close = difflib.get_close_matches(key, [*OWN_KEYS, *spec], n=1)
                did = f"; did you mean {close[0]!r}?" if close else ""
                raise _KeyProblem(
                    f"unknown key {key!r} for {command}{did} (allowed: {allowed})"
                )
            keys[key] = convert(spec[key], value)
            if key == "answer_shape":  # grad: checked here, so no answer is graded in vain
                from symjac.ops.grad import ANSWER_SHAPES

                if keys[key] not in ANSWER_SHAPES:
                    raise _KeyProblem(f"'answer_shape' must be {' or '.join(ANSWER_SHAPES)}, "
                                      f"not {keys[key]!r}")
        missing = [n for n, p in spec.items() if p.required and n not in keys]
        if missing:
            raise _KeyProblem(f"missing key {missing[0]!r} for {command}")
        return Problem(index=index, id=pid, command=command, keys=keys, **own)
    except _KeyProblem as e:
        return _with_error(base, str(e))


def _unknown_command(command: str) -> str:
    close = difflib.get_close_matches(command, list(COMMANDS), n=1)
    did = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown command {command!r}{did} (available: {', '.join(COMMANDS)})"


@dataclass(frozen=True)
class BadAnswer:
    """An answer that cannot be graded (e.g. a boolean): its problem is an error."""

    message: str


def load_answers(path: str) -> dict[str, str | BadAnswer]:
    """An answer file: problem id -> answer (text, a number, or a matrix as a list)."""
    data = load_data(path)
    answers: dict[str, str | BadAnswer] = {}
    for pid, value in data.items():
        try:
            answers[pid] = _as_text(value, f"the answer to {pid!r}")
        except _KeyProblem as e:
            answers[pid] = BadAnswer(str(e))
    return answers


