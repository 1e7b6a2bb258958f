"""Grading one student's answer to one problem: a status, a message, mistakes, credit.

A matrix answer (matmul, jacobian) is compared with the problem's key, the
right answer worked once per problem (``make_key``, in a limited worker;
the parent keeps the keys in ``KEYS`` before it forks the graders, so every
grader inherits them). Every comparison goes through ``symjac.ops.compare``.
Other commands (grad, derive, a Jacobian at a point) are graded through
their api function with the answer as ``expect``, as ``--expect`` is.

When the answer is wrong, ``symjac.mistakes`` names the mistake, the
author's ``[[problem.feedback]]`` may say more and give credit, and
``partial = true`` gives credit per matrix entry. Messages speak to the
student: "your answer is 2×3; ∇f is 3×2".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from symjac.api import is_undefined
from symjac.errors import LimitError, SymjacError
from symjac.mistakes import Mistake, Variant, find, variants
from symjac.problems import Problem

MATRIX_COMMANDS = ("matmul", "jacobian")
LABELS = {"matmul": "A·B", "jacobian": "∇f"}
# key -> the worked key, or the error that stopped it; filled in the parent before forking
KEYS: dict[tuple[str, int], Any] = {}


@dataclass(frozen=True)
class Key:
    """The right answer to a problem, and the variants its usual mistakes give."""

    label: str
    matrix: Any = None  # a sympy Matrix; None when the answer is undefined
    undefined: str = ""  # why it is undefined
    variants: tuple[Variant, ...] = ()


@dataclass(frozen=True)
class Grade:
    status: str  # passed | failed | undecided | error | limit | ungraded
    message: str = ""
    mismatches: tuple = ()
    mistakes: tuple[Mistake, ...] = ()
    credit: float | None = None  # the fraction of the points earned, when not all or none
    feedback: bool = False  # the message is the author's
    extra: dict = field(default_factory=dict)


def keyed(p: Problem) -> bool:
    """Is this problem graded against a key worked once (rather than through its api)?"""
    return p.command in MATRIX_COMMANDS and not any(k in p.keys for k in ("at", "check"))


def key_id(file: str, p: Problem) -> tuple[str, int]:
    return (file, p.index)


# -- the key, worked once per problem -------------------------------------------------------


def make_key(p: Problem) -> Key:
    """Work the problem without steps; its result, label and mistake variants."""
    try:
        d = p.call(None, steps=False)
    except SymjacError as e:
        if e.exit_code != 1:
            raise
        return Key(label=LABELS.get(p.command, "the answer"), undefined=str(e))
    label = d.label or LABELS.get(p.command, "the answer")
    key = matrix_of(d)
    return Key(label=label, matrix=key,
               variants=tuple(variants(p.command, key, label, _context(p, d))))


def matrix_of(d) -> Any:
    """The result of a Derivation as a sympy Matrix (parsed back from its strings if need be)."""
    import sympy

    value = getattr(d.result, "value", None)
    if isinstance(value, sympy.MatrixBase):
        return sympy.Matrix(value)
    from symjac.parsing import parse_matrix

    rows = ", ".join("[" + ", ".join(row) + "]" for row in d.result.matrix)
    return parse_matrix(f"[{rows}]", "the key")


def _context(p: Problem, d) -> dict[str, Any]:
    """What the variants of this problem's mistakes need."""
    from symjac.parsing import parse_functions, parse_matrix

    ctx: dict[str, Any] = {}
    try:
        if p.command == "matmul":
            symbols: dict = {}
            ctx["factors"] = [parse_matrix(t, "ABCDEFGH"[i % 8], symbols)
                              for i, t in enumerate(p.keys["matrices"])]
        elif p.command == "jacobian":
            import sympy

            symbols = {}
            ctx["functions"], _ = parse_functions(p.keys["functions"], symbols)
            names = list(d.variables or ())
            ctx["variables"] = [symbols.get(n) or sympy.Symbol(n, real=True) for n in names]
            ctx["layout"] = p.keys.get("layout", "numerator")
            wrt = p.keys.get("wrt") or ""
            if p.keys.get("order", "row") == "row" and _is_matrix_input(wrt):
                col = p.call(None, steps=False, order="col")
                ctx["column_major"] = matrix_of(col)
                ctx["row_names"] = names
                ctx["col_names"] = list(col.variables or ())
    except LimitError:
        raise
    except Exception:  # the variants only help to name a mistake; the key stands without them
        pass
    return ctx


def _is_matrix_input(wrt: str) -> bool:
    text = wrt.strip()
    return ";" in text or bool(re.match(r"\[\s*\[", text)) and text.count("[") > 2


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
    from symjac.ops.compare import compare_matrices
    from symjac.parsing import parse_matrix
    from symjac.printing import shape

    if is_undefined(answer):
        if key.matrix is None:
            return Grade("passed", f"undefined, as expected: {key.undefined}")
        return Grade("failed", f"your answer is 'undefined', but {key.label} is defined "
                     f"({shape(*key.matrix.shape)})")
    if key.matrix is None:
        return Grade("failed", f"{key.label} is undefined, but your answer gives a matrix: "
                     f"{key.undefined}")
    try:
        got = parse_matrix(answer, "answer", {})
    except LimitError as e:
        return Grade("limit", f"your answer hit a limit: {e}")
    except SymjacError as e:
        if e.exit_code == 1:  # e.g. a division by zero: a value, but not a defined one
            return Grade("failed", f"your answer is undefined: {e}")
        return Grade("error", f"your answer cannot be read: {e}")
    n = key.matrix.rows * key.matrix.cols
    if got.shape != key.matrix.shape:
        found = find(p.command, key.matrix, got, key.label, key.variants)
        message = (found[0].message if found else
                   f"your answer is {shape(*got.shape)}; {key.label} is "
                   f"{shape(*key.matrix.shape)}")
        if got.shape == key.matrix.shape[::-1] and 1 in got.shape and p.command == "jacobian":
            message += "; a flat list [a, b] is a column, a row is written [[a, b]]"
        return Grade("failed", message, mistakes=tuple(found), credit=0.0 if p.partial else None)
    check = compare_matrices(key.matrix, got)
    outcome = getattr(check, "outcome", None) or ("equal" if check.passed else "different")
    if outcome == "equal":
        return Grade("passed", check.message)
    mismatches = tuple(dict(m) for m in check.mismatches)
    credit = (n - len(mismatches)) / n if p.partial and n else None
    if outcome == "undecided":
        return Grade("undecided", check.message or "the comparison could not decide",
                     mismatches, credit=credit)
    found = find(p.command, key.matrix, got, key.label, key.variants)
    message = found[0].message if found else (check.message or "the answer does not match")
    return Grade("failed", message, mismatches, tuple(found), credit=credit)


def _through_api(p: Problem, answer: str) -> Grade:
    from symjac.problems import params

    if "expect" not in (params(p.command) or {}):
        return Grade("ungraded", f"{p.command} problems are not graded automatically")
    quiet = {"steps": False}
    try:
        d = p.call(answer, **quiet)
    except LimitError as e:
        return Grade("limit", str(e))
    except SymjacError as e:
        if e.exit_code == 1:  # undefined: the student's, unless the problem's own answer is
            try:
                p.call(None, **quiet)
            except SymjacError as again:
                if again.exit_code == 1:
                    if is_undefined(answer):
                        return Grade("passed", f"undefined, as expected: {again}")
                    return Grade("failed", f"the answer is undefined ({again}), but yours "
                                 "is not 'undefined'")
            return Grade("failed", f"your answer is undefined: {e}")
        return Grade("error", f"your answer cannot be graded: {e}")
    check = d.check
    if check is None:
        return Grade("ungraded", "no comparison was made")
    outcome = getattr(check, "outcome", None) or ("equal" if check.passed else "different")
    message = _yours(check.message)
    if outcome == "equal":
        return Grade("passed", message)
    mismatches = tuple(dict(m) for m in check.mismatches)
    credit = None
    if p.partial and d.result is not None and mismatches:
        n = d.result.shape[0] * d.result.shape[1]
        wrong = len({tuple(m.get("index") or ()) for m in mismatches})
        credit = max(0.0, (n - wrong) / n) if n else None
    if outcome == "undecided":
        return Grade("undecided", message, mismatches, credit=credit)
    found = _api_mistakes(p, answer, d, mismatches, quiet) if p.command in ("grad", "derive") \
        else []
    return Grade("failed", found[0].message if found else message, mismatches,
                 tuple(found), credit=credit)


def _yours(message: str) -> str:
    """grad's check speaks of "the expected gradient": here that is the student's answer."""
    message = message.replace("the expected gradient is", "your answer is")
    return re.sub(r"the expected (\S+) was read", r"your \1 answer was read", message)


def _api_mistakes(p: Problem, answer: str, d, mismatches, quiet) -> list[Mistake]:
    """A grad answer's mistake: the answer changed back by each mistake, graded again."""
    label = d.label or "the gradient"
    tries = [
        ("sign", f"-({answer})", f"every entry of your answer has the wrong sign: it is "
         f"−{label} (with a softmax, that is e_y − z written for z − e_y)"),
        ("transpose", f"({answer}).T", f"your answer is {label} transposed; {label} is shown "
         f"in the shape of {p.keys.get('wrt', 'the parameter')}"),
    ]
    c = _ratio(mismatches)
    if c is not None:
        from symjac.printing import sstr

        tries.append(("factor", f"({answer}) / ({sstr(c)})",
                      f"your answer is {sstr(c)} times {label}: a constant factor is off"))
    for tag, text, message in tries:
        try:
            again = p.call(text, **quiet)
        except Exception:
            continue
        if again.check is not None and again.check.passed:
            return [Mistake(tag, message)]
    return []


def _ratio(mismatches) -> Any:
    """answer / right at the first differing entry, when it is a number other than 0, ±1."""
    import sympy

    from symjac.parsing import parse_expression

    for m in mismatches:
        try:
            yours = parse_expression(str(m["expected"]), {})
            right = parse_expression(str(m["got"]), {})
            if right == 0:
                continue
            c = sympy.cancel(sympy.together(yours / right))
        except Exception:
            return None
        if c.is_number and c.is_finite and c not in (0, 1, -1) and not c.free_symbols:
            return c
        return None
    return None


# -- the author's feedback ----------------------------------------------------------------


def _with_feedback(p: Problem, answer: str, key: Any, g: Grade) -> Grade:
    if not p.feedback or g.status not in ("failed", "undecided"):
        return g
    from dataclasses import replace

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
        from symjac.ops.compare import equal
        from symjac.parsing import parse_matrix

        try:
            a = parse_matrix(answer, "answer", {})
            b = parse_matrix(anticipated, "feedback answer", {})
        except Exception:
            return False
        return a.shape == b.shape and all(equal(a[i], b[i]) for i in range(a.rows * a.cols))
    return "".join(answer.split()) == "".join(anticipated.split())
