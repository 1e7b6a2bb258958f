"""Grading one student's answer to one problem: a status, a message, mistakes, credit.

A matrix answer (matmul, jacobian) is compared with the problem's key, the
right answer worked once per problem (``make_key``, in a limited worker;
the parent keeps the keys in ``KEYS`` before it forks the graders, so every
grader inherits them). Every comparison goes through ``symjac.ops.compare``.
Other commands (grad, derive, a Jacobian at a point) are graded through
their api function with the answer as ``expect``, as ``--expect`` is.

Both routes grade through the one grading path that ``--expect`` uses,
``symjac.ops.mistakes.assess`` (grad's through its check): when the answer
is wrong it names the mistake; then the author's ``[[problem.feedback]]``
may say more and give credit, and ``partial = true`` gives credit per
matrix entry. Messages speak to the student: "your answer is 2×3; ∇f is
3×2", "you wrote 72; entry (3, 2) of A·B is 73".

An answer is read as the problem's own names decide (``problem_names``:
``2xy`` is 2·x·y in a problem in x and y), and each loose reading is said
with the grade. An answer that cannot be read, or that uses a name the
problem does not have, is ``invalid``: not wrong, unread; no credit, and no
mistake is looked for ("y2 is not a variable of this problem (x, y); did
you mean 2·y or y^2?").
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from symjac.api import is_undefined
from symjac.batch.problems import Problem
from symjac.core.errors import LimitError, SymjacError, Undefined
from symjac.language.parser import watch_names
from symjac.ops.mistakes import Mistake, Variant, assess, context_of, variants

MATRIX_COMMANDS = ("matmul", "jacobian")
LABELS = {"matmul": "A·B", "jacobian": "∇f"}
# key -> the worked key, or the error that stopped it; filled in the parent before forking
KEYS: dict[tuple[str, int], Any] = {}


@dataclass(frozen=True)
class Names:
    """The names a problem has: its variables, in order, and the others its texts use.

    ``others`` are parameters (``a`` in ``a*x`` with ``wrt = "x"``), names of
    the expected or anticipated answers, and for a loss of matrices its
    definitions, index variables and size letters. ``known`` is False when
    they could not be worked out (a derivation by name; a broken problem):
    then no answer is refused for its names.
    """

    variables: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    known: bool = True
    indexed: tuple[str, ...] = ()  # names whose entries may be written h_1, h_y

    @property
    def all(self) -> frozenset[str]:
        return frozenset(self.variables) | frozenset(self.others)

    @property
    def declared(self) -> tuple[str, ...]:
        """What decides how a run of letters splits: every name of the problem."""
        return (*self.variables, *self.others)

    def has(self, name: str) -> bool:
        if name in self.variables or name in self.others:
            return True
        base, _, idx = name.rpartition("_")
        return base in self.indexed and (idx.isdigit() or idx in self.others)


@dataclass(frozen=True)
class Key:
    """The right answer to a problem, and the variants its usual mistakes give."""

    label: str
    matrix: Any = None  # a sympy Matrix; None when the answer is undefined
    undefined: str = ""  # why it is undefined
    variants: tuple[Variant, ...] = ()
    names: Names = Names(known=False)


@dataclass(frozen=True)
class Grade:
    # passed | failed | invalid | undecided | error | limit | ungraded; invalid: the
    # answer cannot be read, or uses a name the problem does not have (not wrong: unread)
    status: str
    message: str = ""
    mismatches: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    credit: float | None = None  # the fraction of the points earned, when not all or none
    feedback: bool = False  # the message is the author's
    extra: dict = field(default_factory=dict)
    readings: tuple[str, ...] = ()  # how loosely typed parts were read: "2xy as 2·x·y"
    unknown: tuple[str, ...] = ()  # the names that made the answer invalid


def keyed(p: Problem) -> bool:
    """Is this problem graded against a key worked once (rather than through its api)?"""
    return p.command in MATRIX_COMMANDS and not any(k in p.keys for k in ("at", "check"))


def key_id(file: str, p: Problem) -> tuple[str, int]:
    return (file, p.index)


# -- the key, worked once per problem -------------------------------------------------------


def make_key(p: Problem) -> Key:
    """Work the problem without steps; its result, label, mistake variants and names."""
    try:
        d = p.call(None, steps=False)
    except Undefined as e:
        return Key(label=LABELS.get(p.command, "the answer"), undefined=str(e),
                   names=problem_names(p))
    label = d.label or LABELS.get(p.command, "the answer")
    key = matrix_of(d)
    return Key(label=label, matrix=key,
               variants=tuple(variants(p.command, key, label, context_of(p.command, p.keys))),
               names=problem_names(p))


def matrix_of(d) -> Any:
    """The result of a Derivation as a sympy Matrix (parsed back from its strings if need be)."""
    import sympy

    value = getattr(d.result, "value", None)
    if isinstance(value, sympy.MatrixBase):
        return sympy.Matrix(value)
    from symjac.language.parser import parse_matrix

    rows = ", ".join("[" + ", ".join(row) + "]" for row in d.result.matrix)
    return parse_matrix(f"[{rows}]", "the key")


# -- the problem's names ------------------------------------------------------------------


def problem_names(p: Problem) -> Names:
    """The names of the problem: they decide how an answer's run of letters splits,
    and an answer with any other name is invalid."""
    try:
        if p.command in ("grad", "hessian") and p.keys.get("shape"):
            return _matrix_names(p)
        if p.command in ("matmul", "jacobian", "hessian"):
            return _scalar_names(p)
    except LimitError:
        raise
    except Exception:  # the problem's own error is reported when it is worked
        pass
    return Names(known=False)


def _scalar_names(p: Problem) -> Names:
    """A product's symbols; a Jacobian's (or a Hessian's) `wrt`, else its free symbols."""
    from symjac.language.parser import parse_functions, parse_matrix, parse_variables
    from symjac.ops.fastdiff import natural_key

    symbols: dict = {}
    if p.command == "matmul":
        for i, text in enumerate(p.keys["matrices"]):
            parse_matrix(text, "ABCDEFGH"[i % 8], symbols)
        variables = sorted(symbols, key=natural_key)
    else:
        funcs, _ = parse_functions(p.keys["functions" if p.command == "jacobian" else "loss"],
                                   symbols)
        wrt = p.keys.get("wrt")
        if wrt:
            found, _ = parse_variables(wrt, symbols, p.keys.get("order", "row"))
            variables = [str(v) for v in found]
        else:
            free = set().union(*(f.free_symbols for f in funcs))
            variables = sorted((s.name for s in free), key=natural_key)
    seen = set(symbols)
    for text in _anticipated(p):
        more: dict = {}
        with contextlib.suppress(Exception):  # an answer the author got wrong names nothing
            parse_matrix(text, "answer", more)
        seen |= set(more)
    others = sorted(seen - set(variables), key=natural_key)
    return Names(tuple(variables), tuple(others))


def _anticipated(p: Problem) -> list[str]:
    """The answers the author wrote: the expected one and those given feedback."""
    texts = [p.keys.get("expect"), *(fb.answer for fb in p.feedback)]
    return [t for t in texts if isinstance(t, str) and not is_undefined(t)]


def _matrix_names(p: Problem) -> Names:
    """A loss of matrices: the declared shapes, then definitions, indices, size letters."""
    from symjac.language.parser import spell_name
    from symjac.ops.matexpr import MatrixParser, parse_shape_spec, parse_where

    spec = parse_shape_spec(p.keys["shape"])
    variables = list(spec.dims)
    where = p.keys.get("where") or ()
    where = [where] if isinstance(where, str) else list(where)
    defined = [parse_where(piece)[0] for text in where for piece in text.split(";")
               if piece.strip()]
    index = p.keys.get("index") or ""
    indices = [spell_name(m) for m in re.findall(r"([^\s=,]+)\s*=", index)]
    used: set[str] = set()
    for text in [p.keys["loss"], *_anticipated(p)]:
        with contextlib.suppress(Exception):
            used |= tree_names(MatrixParser(text).tree)
    others = [*defined, *indices, *spec.letters]
    others += sorted(used - set(variables) - set(others))
    return Names(tuple(variables), tuple(dict.fromkeys(others)),
                 indexed=(*variables, *defined))


def tree_names(tree) -> set[str]:
    """The names a parsed text uses as values (not functions, not constants)."""
    import ast

    from symjac.language.parser import CONSTANTS

    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and id(n) not in called and n.id not in CONSTANTS}


def not_a_name(unknown: Iterable[str], names: Names) -> str:
    """y2 is not a variable of this problem (x, y); did you mean 2·y or y^2?"""
    unknown = list(unknown)
    shown = _listed(unknown, 5)
    listed = ", ".join(names.variables[:12]) + (", ..." if len(names.variables) > 12 else "")
    one = len(unknown) == 1
    if names.others:
        also = ", ".join(names.others[:8]) + (", ..." if len(names.others) > 8 else "")
        have = (f"variables: {listed}; also: {also}" if names.variables else also)
        what = f"{'is not a name' if one else 'are not names'} of this problem ({have})"
    elif names.variables:
        what = (f"{'is not a variable' if one else 'are not variables'} of this problem "
                f"({listed})")
    else:
        what = (f"{'is not a name' if one else 'are not names'} of this problem "
                "(it has no variables)")
    hints = []
    for name in unknown[:3]:
        meant = suggestions(name, names)
        if meant:
            options = " or ".join([", ".join(meant[:-1]), meant[-1]] if len(meant) > 1
                                  else meant)
            hints.append(options if one else f"{options} for {name}")
    return f"{shown} {what}" + (f"; did you mean {'; '.join(hints)}?" if hints else "")


def _listed(items: list[str], most: int) -> str:
    if len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} more"
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else items[0]


def suggestions(name: str, names: Names) -> list[str]:
    """What a name that is not the problem's may have meant, most likely first."""
    known = sorted(names.all)
    out: list[str] = []
    m = re.fullmatch(r"(.*?[^\d_])(\d+)", name)
    if m:  # y2: a subscript, a coefficient, or a power typed without its ^
        base, digits = m.groups()
        if f"{base}_{digits}" in names.all:
            out.append(f"{base}_{digits}")
        if names.has(base):
            out += [f"{digits}·{base}", f"{base}^{digits}"]
    parts = _split(name, names.all)
    if parts:
        out.append("·".join(parts))
    same_case = [k for k in known if k.lower() == name.lower()]
    out += same_case + difflib.get_close_matches(name, known, n=2, cutoff=0.7)
    return list(dict.fromkeys(o for o in out if o != name))[:3]


def _split(word: str, names: Iterable[str]) -> list[str] | None:
    """word as a run of at least two of the names (xy as x, y), or None."""
    names = set(names)
    best: dict[int, list[str]] = {0: []}
    for i in range(len(word)):
        if i in best:
            for j in range(i + 1, len(word) + 1):
                if word[i:j] in names and j not in best:
                    best[j] = [*best[i], word[i:j]]
    found = best.get(len(word))
    return found if found and len(found) > 1 else None


# -- one answer -------------------------------------------------------------------------


def grade(p: Problem, answer: str, key: Any = None) -> Grade:
    """Grade `answer` (text) to `p`; key: its Key for a keyed problem (or the error it hit)."""
    if keyed(p) and key is None:
        key = make_key(p)
    if isinstance(key, BaseException):
        if isinstance(key, LimitError):
            return Grade("limit", f"the problem itself hit a limit: {key}")
        return Grade("error", f"the problem itself cannot be worked: {key}")
    if isinstance(key, Key):
        g = _against_key(p, answer, key)
    else:
        g = _through_api(p, answer)
    return _with_feedback(p, answer, key, g)


def _against_key(p: Problem, answer: str, key: Key) -> Grade:
    from symjac.language.parser import parse_matrix
    from symjac.language.printing import shape

    if is_undefined(answer):
        if key.matrix is None:
            return Grade("passed", f"undefined, as expected: {key.undefined}")
        return Grade("failed", f"your answer is 'undefined', but {key.label} is defined "
                     f"({shape(*key.matrix.shape)})")
    symbols: dict = {}
    try:
        with watch_names(declared=key.names.declared) as w:
            got = parse_matrix(answer, "answer", symbols)
    except LimitError as e:
        return Grade("limit", f"your answer hit a limit: {e}")
    except SymjacError as e:
        if _undefined(e):  # read, but not a defined value
            return Grade("failed", f"your answer is undefined: {e}")
        return Grade("invalid", f"your answer cannot be read: {e}")
    readings = tuple(w.notes)
    unknown = _unknown(symbols, key.names)
    if unknown:
        return Grade("invalid", not_a_name(unknown, key.names), readings=readings,
                     unknown=unknown)
    if key.matrix is None:
        return Grade("failed", f"{key.label} is undefined, but your answer gives a matrix: "
                     f"{key.undefined}", readings=readings)
    return replace(_compared(p, key, got), readings=readings)


def _undefined(e: SymjacError) -> bool:
    """Was the text read, to a value that is not defined (1/0)? Else it was not read."""
    return isinstance(e, Undefined) or e.message.startswith("division by zero")


def _unknown(used: Iterable[str], names: Names) -> tuple[str, ...]:
    """The names an answer uses that the problem does not have, in natural order."""
    if not names.known:
        return ()
    from symjac.ops.fastdiff import natural_key

    return tuple(sorted((n for n in used if not names.has(n)), key=natural_key))


def _compared(p: Problem, key: Key, got: Any) -> Grade:
    """A readable answer (a sympy Matrix) against the key, through the one grading
    (``symjac.ops.mistakes.assess``, as ``--expect`` is)."""
    check = assess(p.command, key.matrix, got, key.label, key.variants)
    n = key.matrix.rows * key.matrix.cols
    credit = None
    if p.partial and n:
        credit = 0.0 if got.shape != key.matrix.shape else (n - len(check.mismatches)) / n
    return _graded(check, credit)


def _graded(check, credit: float | None = None) -> Grade:
    """A Grade from the one grading's Check: its verdict, message, mismatches, mistakes."""
    if check.outcome == "equal":
        return Grade("passed", check.message)
    mismatches = tuple(dict(m) for m in check.mismatches)
    mistakes = tuple(Mistake(m["tag"], m["message"]) for m in check.mistakes)
    if check.outcome == "undecided":
        return Grade("undecided", check.message or "the comparison could not decide",
                     mismatches, mistakes, credit=credit)
    return Grade("failed", check.message or "the answer does not match", mismatches,
                 mistakes, credit=credit)


def _in_matrix_language(p: Problem) -> bool:
    """Is the answer a closed form of matrices (x @ (z - e).T), not a matrix of entries?"""
    return p.command in ("grad", "derive") or (p.command == "hessian"
                                               and bool(p.keys.get("shape")))


def _through_api(p: Problem, answer: str) -> Grade:
    from symjac.batch.problems import params

    if "expect" not in (params(p.command) or {}):
        return Grade("ungraded", f"{p.command} problems are not graded automatically")
    names = problem_names(p)
    readings: tuple[str, ...] = ()
    used: set[str] = set()
    if p.command != "derive" and not is_undefined(answer):  # derive: "W2 = ...; W1 = ..."
        try:
            with watch_names(declared=names.declared) as w:
                used = _names_in(p, answer)
        except LimitError as e:
            return Grade("limit", f"your answer hit a limit: {e}")
        except SymjacError as e:
            if not _undefined(e):
                return Grade("invalid", f"your answer cannot be read: {e}")
            # a value that is not defined (1/0): the command says so below
        else:
            readings = tuple(w.notes)
    unknown = _unknown(used, names)
    # A matrix expression's unknown name is refused by the command itself (below); a
    # matrix of entries would take it as one more symbol.
    if unknown and not _in_matrix_language(p):
        return Grade("invalid", not_a_name(unknown, names), readings=readings, unknown=unknown)
    return replace(_api_verdict(p, answer, names, unknown), readings=readings)


def _names_in(p: Problem, answer: str) -> set[str]:
    """The names an answer uses, read as the command will read it."""
    if _in_matrix_language(p):
        from symjac.ops.matexpr import MatrixParser

        return tree_names(MatrixParser(answer, what="answer").tree)
    from symjac.language.parser import parse_matrix

    symbols: dict = {}
    parse_matrix(answer, "answer", symbols)
    return set(symbols)


def _api_verdict(p: Problem, answer: str, names: Names, unknown: tuple[str, ...]) -> Grade:
    """The answer as the command's `expect`: its check is the verdict."""
    quiet = {"steps": False}
    try:
        with watch_names(declared=names.declared):
            d = p.call(answer, **quiet)
    except LimitError as e:
        return Grade("limit", str(e))
    except SymjacError as e:
        if isinstance(e, Undefined):  # undefined: the student's, unless the problem's own answer is
            try:
                p.call(None, **quiet)
            except SymjacError as again:
                if isinstance(again, Undefined):
                    if is_undefined(answer):
                        return Grade("passed", f"undefined, as expected: {again}")
                    return Grade("failed", f"the answer is undefined ({again}), but yours "
                                 "is not 'undefined'")
            return Grade("failed", f"your answer is undefined: {e}")
        # Refused: the answer's fault when the problem works without it.
        try:
            p.call(None, **quiet)
        except LimitError:
            raise
        except SymjacError as again:
            if not isinstance(again, Undefined):
                return Grade("error", f"the problem itself cannot be worked: {again}")
        if unknown:
            return Grade("invalid", not_a_name(unknown, names), unknown=unknown)
        return Grade("invalid", f"your answer cannot be read: {_yours(str(e))}")
    check = d.check
    if check is None:
        return Grade("ungraded", "no comparison was made")
    credit = None
    if p.partial and d.result is not None and check.mismatches:
        n = d.result.shape[0] * d.result.shape[1]
        wrong = len({tuple(m.get("index") or ()) for m in check.mismatches})
        credit = max(0.0, (n - wrong) / n) if n else None
    return _graded(check, credit)


def _yours(message: str) -> str:
    """An error in reading the answer speaks of "the expected gradient" (the command's
    --expect): here that is the student's answer."""
    message = message.replace("the expected gradient", "your answer")
    return re.sub(r"the expected (\S+) was read", r"your \1 answer was read", message)


# -- the author's feedback ----------------------------------------------------------------


def _with_feedback(p: Problem, answer: str, key: Any, g: Grade) -> Grade:
    if not p.feedback or g.status not in ("failed", "undecided"):
        return g  # an invalid answer is not wrong: the author's feedback is for wrong ones
    tags = {m.tag for m in g.mistakes}
    for fb in p.feedback:
        hit = fb.mistake in tags if fb.mistake else _same_answer(answer, fb.answer, key)
        if hit:
            credit = max(g.credit or 0.0, fb.credit)
            return replace(g, message=fb.message, credit=credit if credit else g.credit,
                           feedback=True)
    return g


def _same_answer(answer: str, anticipated: str | None, key: Any) -> bool:
    """Is the answer the anticipated one (as matrices through the comparison, else as text)?"""
    if anticipated is None:
        return False
    if isinstance(key, Key):
        from symjac.language.parser import parse_matrix
        from symjac.ops.compare import equal

        try:
            with watch_names(declared=key.names.declared):  # read as the answer was graded
                a = parse_matrix(answer, "answer", {})
                b = parse_matrix(anticipated, "feedback answer", {})
        except Exception:
            return False
        return a.shape == b.shape and all(equal(a[i], b[i]) for i in range(a.rows * a.cols))
    return "".join(answer.split()) == "".join(anticipated.split())
