"""Named mistakes: a wrong answer compared with the variants of the right one.

When an answer differs from the key, it is compared (through the one
comparison, ``symjac.ops.compare``) with what the usual mistakes make of the
right answer: its transpose (the denominator convention), the input
flattened column by column, the product in the other order, the negation, a
constant multiple, each entry without its inner derivative (the chain rule),
and rows or columns swapped. A match is named in one sentence addressed to
the student, with a stable tag for reports:

``transpose``, ``column-major``, ``reversed-product``, ``sign``, ``factor``,
``chain-rule``, ``rows-swapped``, ``columns-swapped``.

The variants that depend only on the problem are built once, with its key
(``variants``); ``find`` tries them, and those that depend on the answer (a
factor, a permutation), against one answer. A variant's note is said only
where the problem has that structure (the softmax's e_y − z only for a loss
with a softmax in it).

``assess`` is the one grading of a matrix answer: ``--expect`` of every
command and ``symjac check`` both go through it (a gradient of matrices
through ``explain``, after grad has evaluated the answer at every index
value). It returns the Check: the comparison's verdict, the mismatches, and
the mistake named in the message, spoken to the one who wrote the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TAGS = ("transpose", "column-major", "reversed-product", "sign", "factor", "chain-rule",
        "rows-swapped", "columns-swapped")
MAX_PERMUTED = 8  # rows or columns searched for a swap
MAX_ENTRIES = 400  # answers larger than this are not searched for mistakes


@dataclass(frozen=True)
class Mistake:
    tag: str
    message: str  # one sentence, to the student

    def to_dict(self) -> dict[str, str]:
        return {"tag": self.tag, "message": self.message}


@dataclass(frozen=True)
class Variant:
    """A wrong answer that a named mistake gives, and what to say about it."""

    tag: str
    matrix: Any  # a sympy Matrix
    message: str
    entrywise: bool = False  # each entry may be the right one or this one


def _shape(m) -> str:
    return f"{m.rows}×{m.cols}"


def _positions(cells: Sequence[tuple[int, int]]) -> str:
    names = [f"({i + 1}, {j + 1})" for i, j in cells]
    if len(names) == 1:
        return f"entry {names[0]}"
    if len(names) > 4:
        return f"entries {', '.join(names[:3])} and {len(names) - 3} more"
    return f"entries {', '.join(names[:-1])} and {names[-1]}"


# -- the variants of a key --------------------------------------------------------------


def variants(command: str, key, label: str, context: dict[str, Any]) -> list[Variant]:
    """The variants of the right answer `key` (a sympy Matrix) that need no answer.

    context may hold ``"factors"`` (the matrices of a product, in order),
    ``"column_major"`` (the Jacobian with the input flattened by columns) and
    its variable orders ``"row_names"``/``"col_names"``, ``"functions"`` with
    ``"variables"`` and ``"layout"`` (a Jacobian's, for the chain rule),
    ``"shape_of"`` (a gradient's parameter, whose shape it has) and
    ``"softmax"`` (True when the loss has a softmax: the sign's note).
    """
    out: list[Variant] = []
    if key.rows * key.cols > MAX_ENTRIES:
        return out
    convention = ("in the denominator convention each input is a row"
                  if context.get("layout") == "denominator"
                  else "in the numerator convention each output is a row")
    like = context.get("shape_of")
    if key.shape != key.T.shape:
        if like:
            why = (f"your answer is ({label})ᵀ ({_shape(key.T)}); {label} has the shape of "
                   f"{like}, {_shape(key)}")
        elif command == "matmul":
            why = f"your answer is ({label})ᵀ ({_shape(key.T)}); {label} is {_shape(key)}"
        else:
            why = (f"your answer is {label}ᵀ ({_shape(key.T)}): {convention}, "
                   f"so {label} is {_shape(key)}")
        out.append(Variant("transpose", key.T, why))
    elif key != key.T:
        why = (f"your answer is ({label})ᵀ, the transpose of the product" if command == "matmul"
               else f"your answer is ({label})ᵀ, the transpose" if like
               else f"your answer is {label}ᵀ, the transpose: {convention}")
        out.append(Variant("transpose", key.T, why))
    col = context.get("column_major")
    if col is not None and col != key:
        out.append(Variant(
            "column-major", col,
            "your columns follow the input flattened column by column "
            f"({', '.join(context.get('col_names', ()))}); flatten it row by row: "
            f"{', '.join(context.get('row_names', ()))}"))
    factors = context.get("factors")
    if factors and len(factors) >= 2:
        reversed_product = _product(list(reversed(factors)))
        if reversed_product is not None and reversed_product != key:
            order = "·".join(reversed("ABCDEFGH"[: len(factors)]))
            shapes = ("" if reversed_product.shape == key.shape else
                      f" ({_shape(reversed_product)}; {label} is {_shape(key)})")
            out.append(Variant(
                "reversed-product", reversed_product,
                f"your answer is {order}, the product in the other order{shapes}: "
                "a product of matrices does not commute"))
    if any(e != 0 for e in key):
        hint = ""
        if context.get("softmax"):
            hint = " (with a softmax, that is e_y − z written for z − e_y)"
        out.append(Variant("sign", -key, f"every entry of your answer has the wrong sign: "
                           f"it is −{label}{hint}"))
    funcs = context.get("functions")
    if funcs is not None:
        chain = _without_inner(funcs, context["variables"], context.get("layout", "numerator"))
        if chain is not None and chain.shape == key.shape and chain != key:
            out.append(Variant("chain-rule", chain, "", entrywise=True))
    return out


def context_of(command: str, keys: Mapping[str, Any]) -> dict[str, Any]:
    """What the variants of a problem's mistakes need, from its options as text (the
    command's keyword arguments, as a problem file or the command line gives them):
    the factors of a product; a Jacobian's functions, variables, layout and, for a
    matrix input flattened row by row, the Jacobian flattened column by column.
    Empty when they cannot be had: they only help to name a mistake.
    """
    from symjac.core.errors import LimitError
    from symjac.language.parser import parse_functions, parse_matrix, parse_variables

    ctx: dict[str, Any] = {}
    try:
        if command == "matmul":
            symbols: dict = {}
            ctx["factors"] = [parse_matrix(t, "ABCDEFGH"[i % 8], symbols)
                              for i, t in enumerate(keys["matrices"])]
        elif command == "jacobian" and not keys.get("at"):
            from symjac.ops.jacobian import default_variables
            from symjac.ops.jacobian import jacobian as jac

            symbols = {}
            wrt = keys.get("wrt")
            order = keys.get("order") or "row"
            layout = keys.get("layout") or "numerator"
            variables, input_shape = (parse_variables(str(wrt), symbols, order) if wrt
                                      else (None, None))
            functions, _ = parse_functions(keys["functions"], symbols)
            if variables is None:
                variables = default_variables(functions)
            ctx.update(functions=functions, variables=variables, layout=layout)
            if order == "row" and input_shape is not None and min(input_shape) > 1:
                by_col, _ = parse_variables(str(wrt), symbols, "col")
                col = jac(functions, by_col, layout=layout, steps=False)
                assert col.result is not None  # a Jacobian always has one
                ctx["column_major"] = col.result.value
                ctx["row_names"] = [str(v) for v in variables]
                ctx["col_names"] = [str(v) for v in by_col]
    except LimitError:
        raise
    except Exception:  # the variants only help to name a mistake; the key stands without them
        return {}
    return ctx


def _product(ms: list):
    out = ms[0]
    for m in ms[1:]:
        if out.cols != m.rows:
            return None
        out = out * m
    return out


def _without_inner(functions, variables, layout: str):
    """The Jacobian with every inner derivative forgotten: d/dx g(u) taken as g'(u)."""
    import sympy

    try:
        rows = [[_forgetful(f, x) for x in variables] for f in functions]
    except Exception:  # an expression this sketch of the chain rule cannot follow
        return None
    m = sympy.Matrix(rows)
    return m.T if layout == "denominator" else m


def _forgetful(e, x):
    """de/dx by the sum, product and power rules, but with du/dx = 1 inside every g(u)."""
    import sympy

    if not e.has(x):
        return sympy.Integer(0)
    if e == x:
        return sympy.Integer(1)
    if isinstance(e, sympy.Add):
        return sympy.Add(*[_forgetful(a, x) for a in e.args])
    if isinstance(e, sympy.Mul):
        args = e.args
        return sympy.Add(*[
            sympy.Mul(*args[:i], _forgetful(a, x), *args[i + 1:]) for i, a in enumerate(args)
        ])
    if isinstance(e, sympy.Pow):
        base, exp = e.args
        if not exp.has(x):
            return exp * base ** (exp - 1)  # times d(base)/dx, forgotten
        return sympy.diff(e, x)  # x in the exponent: taken as it is
    if isinstance(e, sympy.Function) and len(e.args) == 1:
        (u,) = e.args
        u_dummy = sympy.Dummy("u")
        return sympy.diff(e.func(u_dummy), u_dummy).subs(u_dummy, u)  # times du/dx, forgotten
    return sympy.diff(e, x)


# -- one answer -------------------------------------------------------------------------


# -- a quick "certainly different": values at one point, before the comparison ----------

_PRINTS: dict[int, tuple[Any, list]] = {}  # id(matrix) -> (matrix, its values at the point)


def _point_value(symbol) -> Any:
    import sympy

    code = sum((i + 1) * ord(ch) for i, ch in enumerate(symbol.name))
    return sympy.Rational(37 + code % 61, 53)  # in (0.69, 1.85): most functions are defined


def _fingerprint(m) -> list:
    """Each entry's value at a fixed point, or None where it is not a finite number."""
    hit = _PRINTS.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    from symjac.ops.compare import evaluate

    out: list = []
    for e in m:
        # FLINT balls at 80 bits, not sympy's exact arithmetic: (p/q)**(r/s) with sympy
        # factors integers, which can take minutes
        try:
            z = evaluate(e, {s: _point_value(s) for s in e.free_symbols}, 80)
        except Exception:  # a function the evaluator does not know
            z = None
        if z is None or not z.is_finite() or float(z.rad()) > 1e-12 * max(1.0, float(abs(z))):
            out.append(None)  # not a number there, or not known well enough to tell
        elif 0 in z.imag:
            out.append(float(z.real.mid()))
        else:
            out.append(complex(float(z.real.mid()), float(z.imag.mid())))
    if len(_PRINTS) > 10_000:
        _PRINTS.clear()
    _PRINTS[id(m)] = (m, out)
    return out


def _apart(a, b) -> bool:
    """Do these values (of two entries at the same point) show the entries differ?"""
    if a is None or b is None:
        return False
    return abs(a - b) > 1e-9 * (1 + abs(a) + abs(b))


def _maybe_same(a, b) -> bool:
    return _close(_fingerprint(a), _fingerprint(b))


def _close(fa: list, fb: list) -> bool:
    return not any(_apart(x, y) for x, y in zip(fa, fb, strict=True))


def find(command: str, key, answer, label: str, found: Sequence[Variant]) -> list[Mistake]:
    """The named mistakes that explain `answer` (a sympy Matrix), most telling first.

    Values at one point rule out most variants at once; what they do not rule
    out is decided by the comparison.
    """
    from symjac.ops.compare import equal

    if answer.rows * answer.cols > MAX_ENTRIES or key.rows * key.cols > MAX_ENTRIES:
        return []
    out: list[Mistake] = []
    for v in found:
        if v.matrix.shape != answer.shape:
            continue
        if not v.entrywise and not _maybe_same(v.matrix, answer):
            continue
        if v.entrywise:
            cells = _entrywise(key, v.matrix, answer)
            if cells:
                out.append(Mistake(v.tag, f"{_positions(cells)} of your answer "
                                   f"{'is' if len(cells) == 1 else 'are'} missing the inner "
                                   "derivative (the chain rule: d/dx g(u) = g′(u)·du/dx)"))
        elif _same(v.matrix, answer, equal):
            out.append(Mistake(v.tag, v.message))
    if out:
        return out
    if answer.shape == key.shape:
        c = _factor(key, answer)
        if c is not None and not _close([None if x is None else complex(c) * x
                                         for x in _fingerprint(key)], _fingerprint(answer)):
            c = None
        if c is not None and _same(c * key, answer, equal):
            out.append(Mistake("factor", factor_message(c, label)))
            return out
        swap = _swapped(key, answer, equal)
        if swap is not None:
            out.append(swap)
    return out


def factor_message(c, label: str) -> str:
    """What a constant factor c (answer = c·label) says: a factor of 2 missing, or extra."""
    from symjac.language.printing import sstr

    if c.is_Rational and c.p in (1, -1) and c.q > 1:
        sign = "; and the sign is wrong" if c < 0 else ""
        return f"your answer is {label}/{c.q}: a factor of {c.q} is missing{sign}"
    if c.is_Integer:
        sign = "; and the sign is wrong" if c < 0 else ""
        return f"your answer is {abs(c)}·{label}: an extra factor of {abs(c)}{sign}"
    return f"your answer is {sstr(c)} times {label}: a constant factor is off"


Context = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None


def explain(command: str, correct, answer, label: str,
            found: Sequence[Variant] | None = None, context: Context = None) -> list[Mistake]:
    """The named mistakes that explain ``answer``, a wrong answer to ``correct``.

    ``context`` (for ``variants``) may be a function, called only when it is needed.
    """
    if found is None:
        ctx = context() if callable(context) else context
        found = variants(command, correct, label, dict(ctx or {}))
    return find(command, correct, answer, label, found)


def assess(command: str, correct, answer, label: str,
           found: Sequence[Variant] | None = None, context: Context = None):
    """The one grading of ``answer`` (a sympy Matrix) against ``correct``: a Check whose
    message names the mistake when one explains the answer ("your answer is ∇fᵀ ..."),
    else says what differs; each mismatch speaks to the one who wrote the answer
    ("you wrote 72; entry (3, 2) of A·B is 73").

    ``found``: the problem's variants, built once (``variants``); else from ``context``.
    """
    from dataclasses import replace

    from symjac.core.model import Check
    from symjac.ops.compare import compare_matrices

    if answer.shape != correct.shape:
        named = explain(command, correct, answer, label, found, context)
        message = (named[0].message if named else
                   f"your answer is {_shape(answer)}; {label} is {_shape(correct)}")
        if command == "jacobian" and answer.shape == correct.shape[::-1] and 1 in answer.shape:
            message += "; a flat list [a, b] is a column, a row is written [[a, b]]"
        return Check(False, (), message, outcome="different", method="exact",
                     mistakes=tuple(m.to_dict() for m in named))
    check = compare_matrices(correct, answer, label)
    if check.outcome != "different":
        return check
    named = explain(command, correct, answer, label, found, context)
    if not named:
        return check
    return replace(check, message=named[0].message, mistakes=tuple(m.to_dict() for m in named))


def _same(a, b, equal) -> bool:
    return a.shape == b.shape and all(equal(a[i], b[i]) for i in range(a.rows * a.cols))


def _entrywise(key, variant, answer) -> list[tuple[int, int]]:
    """Cells where the answer is the variant's and not the key's; [] unless that explains all."""
    from symjac.ops.compare import equal

    fk, fv, fa = _fingerprint(key), _fingerprint(variant), _fingerprint(answer)
    cells = []
    for i in range(key.rows):
        for j in range(key.cols):
            n = i * key.cols + j
            if not _apart(fa[n], fk[n]) and equal(answer[i, j], key[i, j]):
                continue
            if _apart(fa[n], fv[n]) or not _apart(fv[n], fk[n]) and equal(
                    variant[i, j], key[i, j]) or not equal(answer[i, j], variant[i, j]):
                return []
            cells.append((i, j))
    return cells


def _factor(key, answer):
    """The constant c with answer = c·key, from the first entry where key is not zero."""
    import sympy

    fk, fa = _fingerprint(key), _fingerprint(answer)
    ratios = {round((a / k).real, 6) for k, a in zip(fk, fa, strict=True)
              if k is not None and a is not None and abs(k) > 1e-12}
    if len(ratios) > 1:  # no one constant: not a multiple
        return None
    for i in range(key.rows * key.cols):
        if key[i] != 0:
            try:
                c = sympy.cancel(sympy.together(answer[i] / key[i]))
            except Exception:
                return None
            if c.free_symbols or not c.is_number or c in (0, 1, -1) or not c.is_finite:
                return None
            return sympy.nsimplify(c) if c.is_Float else c
    return None


def _swapped(key, answer, equal) -> Mistake | None:
    """Rows (or columns) of the key in another order."""
    for rows, word in ((True, "rows"), (False, "columns")):
        n = key.rows if rows else key.cols
        if n < 2 or n > MAX_PERMUTED:
            continue
        line = (lambda m, i: m.row(i)) if rows else (lambda m, i: m.col(i))  # noqa: E731
        fk, fa = _fingerprint(key), _fingerprint(answer)
        cols = key.cols

        def values(f: list, i: int, rows: bool = rows, cols: int = cols) -> list:
            return f[i * cols:(i + 1) * cols] if rows else f[i::cols]

        used: set[int] = set()
        perm = []
        for i in range(n):
            match = next((j for j in range(n) if j not in used
                          and _close(values(fk, j), values(fa, i))
                          and _same(line(key, j), line(answer, i), equal)), None)
            if match is None:
                break
            used.add(match)
            perm.append(match)
        if len(perm) == n and perm != list(range(n)):
            moved = [i + 1 for i in range(n) if perm[i] != i]
            which = " and ".join(map(str, moved)) if len(moved) == 2 else ", ".join(map(str, moved))
            return Mistake(f"{word}-swapped",
                           f"{word} {which} of your answer are in the wrong order")
    return None
