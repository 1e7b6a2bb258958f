"""Gradients of a scalar of matrix parameters, entry by entry, never silently wrong.

The loss is evaluated at the declared sizes with one plain Symbol per entry
(theta_1_1, x_1, ...) and differentiated with sympy.diff with respect to
each entry symbol, separately for every value of every --index variable.
sympy's MatrixSymbol route is never used: diff(..., MatrixSymbol) answers 0
for such losses without a word (sympy issues 17229, 26561).

A second route gives the result and the steps: the --where intermediates
are kept as symbols (h_1, h_2), the chain rule is applied link by link
(backpropagation), and the assembled gradient is checked against the first
route for every index value before it is reported.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import sympy

from symjac.core.errors import InputError, UndefinedError
from symjac.core.model import Check, Derivation, Result, Step
from symjac.language.printing import indicators, latex, shape, sstr
from symjac.ops import compare
from symjac.ops.compare import numbers_equal
from symjac.ops.matexpr import (
    MAX_DIM,
    MAX_ENTRIES,
    Env,
    MatrixParser,
    ShapeSpec,
    dim_mul,
    entry_latex,
    entry_names,
    name_latex,
    parse_index,
    parse_shape_spec,
    parse_where,
    pretty,
    read_sizes,
)

if TYPE_CHECKING:
    from symjac.core.schema import Factor, Intermediate

MAX_SHOWN_ROWS = 12  # rows of ∂u/∂θ shown one by one, reshaped
MAX_SHOWN_ENTRIES = 24  # partial derivatives listed one by one when there is no chain
L = "\\ell"


def part(label: str, text: str, tex: str) -> Step:
    """A heading sentence, as the worksheet's "(a) Show that ..."."""
    return Step(kind="part", text=f"{label} {text}".strip(), latex="",
                data={"label": label, "tex": tex})


class RouteMismatch(Exception):
    """The chain-rule route and the entrywise route disagree: a bug, never an answer."""


def _sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _syms(name: str, rows: int, cols: int, symmetric: bool = False) -> sympy.Matrix:
    names = entry_names(name, rows, cols)
    if symmetric:  # one variable per pair: S_2_1 is S_1_2
        return sympy.Matrix(rows, cols, lambda i, j: _sym(names[min(i, j)][max(i, j)]))
    return sympy.Matrix([[_sym(e) for e in row] for row in names])


@dataclass
class Problem:
    loss: MatrixParser
    loss_text: str
    wrt: str
    shapes: dict[str, tuple[int, int]]
    index: dict[str, tuple[int, int]]
    where: list[tuple[str, MatrixParser]]
    expect: MatrixParser | None = None
    expect_text: str | None = None
    spec: ShapeSpec = field(default_factory=lambda: ShapeSpec({}))  # as declared (n×k)
    sizes: dict[str, int] = field(default_factory=dict)  # letter -> the size worked at
    index_text: str | None = None
    answer_shape: str = "either"  # "like-wrt": an answer must have the parameter's shape

    @property
    def params(self) -> sympy.Matrix:
        return self.declared[self.wrt]

    def __post_init__(self):
        if not self.spec.dims:  # built without prepare(): the concrete shapes
            self.spec = ShapeSpec(dict(self.shapes))
        sym = self.spec.symmetric
        self.declared = {n: _syms(n, r, c, n in sym) for n, (r, c) in self.shapes.items()}
        self.inter_shapes: dict[str, tuple[int, int]] = {}
        self.symbol_latex: dict[sympy.Symbol, str] = {}
        for n, (r, c) in self.shapes.items():
            self._add_latex(n, r, c)

    def _add_latex(self, name: str, rows: int, cols: int) -> None:
        names, tex = entry_names(name, rows, cols), entry_latex(name, rows, cols)
        for i in range(rows):
            for j in range(cols):
                self.symbol_latex[_sym(names[i][j])] = tex[i][j]

    def latex(self, expr) -> str:
        return latex(expr, symbol_names=self.symbol_latex)

    def combos(self) -> list[dict[str, int]]:
        names = list(self.index)
        ranges = [range(lo, hi + 1) for lo, hi in self.index.values()]
        return [dict(zip(names, vals, strict=True)) for vals in itertools.product(*ranges)]


def prepare(
    loss: str,
    wrt: str,
    shape_text: str,
    where: Sequence[str] = (),
    index: str | None = None,
    expect: str | None = None,
    sizes: str | None = None,
    answer_shape: str = "either",
) -> Problem:
    """Parse every option and check that the names fit together.

    ``answer_shape`` ("either" or "like-wrt") says whether an answer for a vector
    parameter may be in the Jacobian's layout (1×n for an n×1 parameter), with a
    note, or must have the parameter's shape.

    Sizes may be letters (theta=nxk): the entrywise route then works at small
    concrete sizes (``sizes``, "n=3, k=2", or defaults), named in the output.
    """
    if answer_shape not in ANSWER_SHAPES:
        raise InputError(f"the answer shape must be {' or '.join(ANSWER_SHAPES)}, not "
                         f"'{answer_shape}'")
    spec = parse_shape_spec(shape_text)
    heavy = any(f in t for t in [loss, *where] for f in ("inv(", "det(", "**-"))
    size_map = choose_sizes(spec.letters, sizes, small=heavy)
    shapes = spec.at(size_map)
    for n, (r, c) in shapes.items():
        if r > MAX_DIM or c > MAX_DIM or r * c > MAX_ENTRIES:
            from symjac.core.errors import LimitError

            raise LimitError(f"--sizes: {n} would be {r}×{c}; grad works entry by entry and "
                             f"allows at most {MAX_DIM} rows or columns and {MAX_ENTRIES} "
                             "entries per name")
    ranges = parse_index(index, size_map)
    for n in ranges:
        if n in shapes:
            raise InputError(f"'{n}' is declared both in --shape and in --index")
    from symjac.language.parser import declare

    # The declared names decide how a run of letters splits: Ax is A @ x.
    declare([*shapes, *ranges, *size_map])
    defs: list[tuple[str, MatrixParser]] = []
    # ';' never occurs inside an expression, so "h = ...; z = ..." is two definitions
    pieces = [piece for text in where for piece in text.split(";") if piece.strip()]
    for text in pieces:
        name, parser = parse_where(text)
        if name in shapes:
            raise InputError(f"--where defines '{name}', which --shape already declares")
        if name in ranges:
            raise InputError(f"--where defines '{name}', which --index already declares")
        if any(name == d for d, _ in defs):
            raise InputError(f"--where defines '{name}' twice")
        defs.append((name, parser))
    declare([*shapes, *ranges, *size_map, *(d for d, _ in defs)])
    wrt = (wrt or "").strip()
    if wrt:
        from symjac.language.parser import spell_name

        wrt = spell_name(wrt)
    if not wrt:
        raise InputError("--wrt is required: the name of the parameter, e.g. --wrt theta")
    if wrt not in shapes:
        if any(wrt == d for d, _ in defs):
            raise InputError(
                f"--wrt {wrt}: {wrt} is defined by --where; to differentiate with respect to "
                f"{wrt}, declare it with --shape and drop its --where"
            )
        if wrt in ranges:
            raise InputError(f"--wrt {wrt}: {wrt} is an --index variable, not a parameter")
        known = ", ".join(shapes)
        raise InputError(f"--wrt {wrt}: '{wrt}' is not declared in --shape (declared: {known})")
    p = Problem(
        loss=MatrixParser(loss, what="loss"),
        loss_text=" ".join(loss.split()),
        wrt=wrt,
        shapes=shapes,
        index=ranges,
        where=defs,
        expect=None if expect is None else MatrixParser(expect, what="expected gradient"),
        expect_text=expect,
        spec=spec,
        sizes=size_map,
        index_text=index,
        answer_shape=answer_shape,
    )
    return p


ANSWER_SHAPES = ("either", "like-wrt")


DEFAULT_SIZES = (3, 2, 2, 3, 2, 3, 2)  # small: the check is entry by entry, at every y


SMALL_SIZES = (2, 3, 2, 3, 2, 3, 2)


def choose_sizes(letters: list[str], text: str | None, small: bool = False) -> dict[str, int]:
    """The concrete size of each letter: from ``text`` ("n=4, k=3") or the defaults."""
    out = {k: DEFAULT_SIZES[i % len(DEFAULT_SIZES)] for i, k in enumerate(letters)}
    if small:  # inverses and determinants grow fast entry by entry: 2×2 first
        out = {k: SMALL_SIZES[i % len(SMALL_SIZES)] for i, k in enumerate(letters)}
    if text is None or not text.strip():
        return out
    if not letters:
        raise InputError("--sizes: every size in --shape is a number already; --sizes "
                         "gives values to size letters (theta=nxk)")
    known = ", ".join(letters)
    return read_sizes(text, out, lambda key: f"'{key}' is not a size letter of --shape "
                      f"(its letters: {known})")


# -- route 1: explicit entries, one index value at a time ---------------------------------


def explicit(p: Problem, at: dict[str, int]):
    """(values of every name, the loss), all in terms of declared entry symbols."""
    values: dict[str, sympy.Matrix] = dict(p.declared)
    for name, parser in p.where:
        values[name] = parser.evaluate(Env(values, at, p.sizes))
        p.inter_shapes.setdefault(name, values[name].shape)
    loss = p.loss.evaluate(Env(values, at, p.sizes))
    if loss.shape != (1, 1):
        raise InputError(
            f"the loss {p.loss_text} is {shape(*loss.shape)}, but a gradient needs a scalar "
            "(1×1) loss; wrap it in sum(...), or use symjac jacobian for a vector function"
        )
    return values, loss[0, 0]


def entrywise_gradient(loss: sympy.Expr, params: sympy.Matrix) -> sympy.Matrix:
    """∂loss/∂θ_ij for every entry, in θ's shape: sympy.diff by plain Symbols only."""
    g = params.applyfunc(lambda s: sympy.diff(loss, s))
    if g.has(sympy.Derivative):
        d = next(iter(g.atoms(sympy.Derivative)))
        what = d.expr.func.__name__ if isinstance(d.expr, sympy.Function) else sstr(d.expr)
        raise UndefinedError(
            f"the gradient is undefined here: {what[:60]} has no derivative that sympy can "
            "write (floor, ceiling and the like are flat with jumps)"
        )
    return g


# -- route 2: intermediates as symbols, chain rule ----------------------------------------


@dataclass
class Backprop:
    local: dict[str, sympy.Matrix]  # each intermediate in terms of earlier names' entries
    symbols: dict[str, sympy.Matrix]  # each intermediate's entry symbols
    loss: sympy.Expr
    relevant: list[str]  # intermediates through which the loss depends on θ
    adjoint: dict[str, sympy.Matrix]  # ∂ℓ/∂u (total), 1×|u|
    direct: sympy.Matrix  # ∂ℓ/∂θ holding the intermediates fixed, 1×|θ|
    gradient: sympy.Matrix  # in θ's shape
    index_symbols: dict[str, sympy.Symbol]
    values: dict[str, sympy.Matrix]  # what each name stands for in this route


def jac(f: sympy.Matrix, u: sympy.Matrix) -> sympy.Matrix:
    """Numerator layout: rows are f's entries, columns u's, both flattened row-major."""
    fl, ul = list(f), list(u)
    return sympy.Matrix(len(fl), len(ul), lambda i, j: sympy.diff(fl[i], ul[j]))


def backprop(p: Problem) -> Backprop:
    idx = {n: sympy.Symbol(n, integer=True) for n in p.index}
    values: dict[str, sympy.Matrix] = dict(p.declared)
    local: dict[str, sympy.Matrix] = {}
    symbols: dict[str, sympy.Matrix] = {}
    relevant: list[str] = []
    reach = set(p.params)
    for name, parser in p.where:
        local[name] = parser.evaluate(Env(values, idx, p.sizes))
        symbols[name] = _syms(name, *local[name].shape)
        if local[name].free_symbols & reach:
            # on a path to θ: kept as a symbol, so the chain rule has links to show
            relevant.append(name)
            reach |= set(symbols[name])
            values[name] = symbols[name]
        else:
            values[name] = local[name]  # constant with respect to θ: written out
    loss = p.loss.evaluate(Env(values, idx, p.sizes))[0, 0]
    adjoint: dict[str, sympy.Matrix] = {}
    for name in reversed(relevant):
        bar = jac(sympy.Matrix([[loss]]), symbols[name])
        for later in relevant[relevant.index(name) + 1:]:
            bar += adjoint[later] * jac(local[later], symbols[name])
        adjoint[name] = bar
    direct = jac(sympy.Matrix([[loss]]), p.params)
    flat = direct
    for name in relevant:
        flat = flat + adjoint[name] * jac(local[name], p.params)
    gradient = sympy.Matrix(*p.params.shape, list(flat))
    return Backprop(local, symbols, loss, relevant, adjoint, direct, gradient, idx, values)


def substitute(bp: Backprop, values: dict[str, sympy.Matrix], at: dict[str, int], expr):
    """An expression of route 2 in terms of declared entries, at one index value."""
    subs = {bp.index_symbols[k]: v for k, v in at.items()}
    for name in bp.relevant:
        subs.update(zip(bp.symbols[name], values[name], strict=True))
    return expr.xreplace(subs)


# -- the command ----------------------------------------------------------------------------


def grad(p: Problem, steps: bool = True) -> Derivation:
    combos = p.combos()
    explicit_runs = []
    for at in combos:
        values, loss = explicit(p, at)
        explicit_runs.append((at, values, entrywise_gradient(loss, p.params)))
    for name, (r, c) in p.inter_shapes.items():
        p._add_latex(name, r, c)
    _check_entry_names(p)

    bp = backprop(p)
    for at, values, g in explicit_runs:
        chained = substitute(bp, values, at, bp.gradient)
        for k in range(len(g)):
            # a bug only on a counterexample: "undecided" (no point in a domain) is not one
            if compare.verdict(g[k], chained[k]).outcome == "different":
                raise RouteMismatch(
                    f"entry {k + 1} at {at}: chain rule gives {chained[k]}, entrywise {g[k]}"
                )

    check = None
    if p.expect is not None:
        check = _check(p, explicit_runs, bp)
    closed = closed_form(p, explicit_runs)

    r, c = p.params.shape
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    n = r * c
    notes, notes_tex = _notes(p, bp)
    step_list = _steps(p, bp) if steps else []
    if steps and closed.found:
        step_list = _closed_steps(p, closed, step_list)
    # as declared (n×k) when sizes are letters, with the sizes worked at
    dr, dc = p.spec.dims[p.wrt]
    dn = _dims(dr, dc)
    worked = f"; entries at {sizes_text(p)}" if p.sizes else ""
    summary_tex = (
        f"$\\ell = {p.loss.to_latex()}$ is a scalar of ${Wt}$ (${_tex_shape(dr, dc)}$); "
        f"$\\nabla_{{{Wt}}} \\ell$ is $1 \\times {dn}$, shown ${_tex_shape(dr, dc)}$ like "
        f"${Wt}$" + (f" (entries at ${sizes_text(p)}$)." if p.sizes else ".")
    )
    intermediates: dict[str, Intermediate] = {
        name: {
            "definition": " ".join(parser.text.split()),
            "shape": list(p.inter_shapes[name]),
            "symbols": [[str(s) for s in row] for row in bp.symbols[name].tolist()],
            "local": _strings(bp.local[name]),
        }
        for name, parser in p.where
    }
    return Derivation(
        command="grad",
        summary=f"ℓ = {p.loss_text} is a scalar of {W} ({dr}×{dc}); "
        f"∇{W} ℓ is 1×{dn}, shown {dr}×{dc} like {W}{worked}",
        result=Result(
            shape=(r, c),
            matrix=tuple(tuple(sstr(bp.gradient[i, j]) for j in range(c)) for i in range(r)),
            latex=p.latex(bp.gradient),
            value=bp.gradient,
            latex_entries=tuple(tuple(p.latex(bp.gradient[i, j]) for j in range(c))
                                for i in range(r)),
            extra={"closed_form": closed.expression, "closed_form_latex": closed.latex,
                   "closed_form_text": closed.text},
        ),
        steps=tuple(step_list),
        label=f"∇{W} ℓ",
        variables=tuple(str(s) for s in p.params),
        check=check,
        notes=tuple(notes),
        warnings=tuple(_warnings(p)),
        extra={
            **_closed_extra(p, closed),
            "label_latex": f"\\nabla_{{{Wt}}} \\ell",
            "summary_tex": summary_tex,
            "notes_tex": notes_tex,
            "wrt": p.wrt,
            "loss": p.loss.text,  # as parsed (plain notation): --emit's loss and check
            "jacobian_shape": [1, n],
            "flattened": "row-major",
            "shapes": {k: list(v) for k, v in p.shapes.items()},
            "index": {k: [lo, hi] for k, (lo, hi) in p.index.items()},
            "intermediates": intermediates,
        },
    )


def _notes(p: Problem, bp: Backprop) -> tuple[list[str], list[str]]:
    """The sentences under the summary, in plain text and in LaTeX."""
    r, c = p.params.shape
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    n = r * c
    used = [name for name, _ in p.where if bp.gradient.has(*bp.symbols[name])]
    plain = [f"where {name} = {' '.join(parser.text.split())} "
             f"({shape(*p.inter_shapes[name])})" for name, parser in p.where]
    tex = [f"where ${name_latex(name)} = {parser.to_latex()}$ "
           f"(${_tex_shape(*p.inter_shapes[name])}$)." for name, parser in p.where]
    plain.append(
        f"The true Jacobian ∂ℓ/∂{W} is 1×{n}: {W}'s entries flattened row-major "
        f"({_first_entries(p)}). As the worksheet does for convenience, it is shown "
        f"reshaped to {shape(r, c)}, the shape of {W}."
    )
    tex.append(
        f"The true Jacobian $\\frac{{\\partial \\ell}}{{\\partial {Wt}}}$ is "
        f"$1 \\times {n}$: the entries of ${Wt}$ flattened row-major. As the worksheet does "
        f"for convenience, it is shown reshaped to ${_tex_shape(r, c)}$, the shape of ${Wt}$."
    )
    if used:
        plain.append(f"The result is written with the entries of {', '.join(used)} (see the "
                     f"where line{'s' if len(p.where) > 1 else ''}).")
        tex.append("The result is written with the entries of "
                   + ", ".join(f"${name_latex(u)}$" for u in used) + ".")
    if p.index:
        ranges = ", ".join(f"{k} = {lo}..{hi}" for k, (lo, hi) in p.index.items())
        ranges_tex = ", ".join(f"${name_latex(k)} = {lo}, \\dots, {hi}$"
                               for k, (lo, hi) in p.index.items())
        delta = delta_tex = ""
        if bp.gradient.has(sympy.KroneckerDelta):
            v = next(iter(p.index))
            # The bound letter must differ from the index's own name: not 1{i = i}.
            b = next(c for c in ("i", "j", "k", "m", "r", "c") if c not in p.index)
            delta = f"; 1{{{v} = {b}}} is 1 when {v} = {b} and 0 otherwise"
            delta_tex = (f"; $\\mathbb{{1}}\\{{{name_latex(v)} = {b}\\}}$ is 1 when "
                         f"${name_latex(v)} = {b}$ and 0 otherwise")
        plain.append(f"Computed for every index value ({ranges}){delta}.")
        tex.append(f"Computed for every index value ({ranges_tex}){delta_tex}.")
    return plain, tex


def _tex_shape(r: int | str, c: int | str) -> str:
    return f"{r} \\times {c}"


def _strings(m: sympy.Matrix) -> list[list[str]]:
    return [[sstr(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]


def _first_entries(p: Problem) -> str:
    names = [str(s) for s in p.params]
    return ", ".join(names) if len(names) <= 4 else ", ".join(names[:3]) + ", …, " + names[-1]


def _check_entry_names(p: Problem) -> None:
    """theta_1_1 must mean one thing: refuse names that collide with generated entry names."""
    seen: dict[str, str] = {}
    owners = {**p.shapes, **p.inter_shapes}
    for name in [*owners, *p.index]:
        seen[name] = name
    for name, (r, c) in owners.items():
        for row in entry_names(name, r, c):
            for e in row:
                if e == name:
                    continue
                if e in seen:
                    raise InputError(
                        f"the entries of {name} are called {e}, …, which clashes with "
                        f"'{seen[e]}'; rename one of them"
                    )
                seen[e] = name


MAX_BOUND_LETTERS = 3  # size letters of an expected answer bound from the shapes


def bind_sizes(p: Problem, runs, shapes_ok) -> dict[str, int]:
    """Size letters the expected answer uses but --shape does not declare, bound from the shapes.

    ``x @ (softmax(h) - onehot(y, k)).T`` at theta=3x2: k must make every product
    and sum defined and the answer shaped ``shapes_ok(shape)``; each value of the
    declared sizes is tried (1 last), and a letter is bound only when exactly one
    value fits. One that several values fit (an inner size, ones(1, n) @ ones(n, 1))
    is refused with them; the binding is stated in the warnings.
    """
    import ast

    from symjac.core.errors import SymjacError
    from symjac.language.parser import CONSTANTS

    assert p.expect is not None  # called only for a problem with an expectation
    known = {*p.shapes, *(n for n, _ in p.where), *p.index, *p.sizes, *CONSTANTS}
    letters: list[str] = []
    for node in ast.walk(p.expect.tree):
        # a size: onehot(y, k)'s k, eye(n)'s n, ones(n, m)'s n and m (a name used only
        # as a number, 2/m or + q, is not bound: it stays an unknown name)
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        sizes = {"onehot": node.args[1:2], "eye": node.args[:1], "ones": node.args[:2]}
        for arg in sizes.get(node.func.id, []):
            if isinstance(arg, ast.Name) and arg.id not in known and arg.id not in letters \
                    and re.fullmatch(r"[A-Za-z](_?\d+)?", arg.id):
                letters.append(arg.id)
    if not letters or len(letters) > MAX_BOUND_LETTERS:
        return {}
    dims = {d for shape_ in [*p.shapes.values(), *p.inter_shapes.values()] for d in shape_}
    dims |= {hi for _, hi in p.index.values() if hi >= 1}
    at, values, _ = runs[0]
    expect = p.expect

    def fitting(candidates: list[int]) -> list[dict[str, int]]:
        out = []
        for combo in itertools.product(candidates, repeat=len(letters)):
            binding = dict(zip(letters, combo, strict=True))
            try:
                e = expect.evaluate(Env(values, at, {**p.sizes, **binding}))
            except (SymjacError, TypeError, ValueError, ZeroDivisionError):
                continue
            if shapes_ok(e.shape):
                out.append(binding)
        return out

    found = fitting(sorted(d for d in dims if d != 1)) or (fitting([1]) if 1 in dims else [])
    if not found:
        return {}  # the answer fits no sizes: evaluating it says why
    bound: dict[str, int] = {}
    for letter in letters:
        options = sorted({b[letter] for b in found})
        if len(options) > 1:
            listed = " or ".join(str(v) for v in options)
            raise InputError(
                f"the expected answer uses {letter}, which --shape does not declare, and "
                f"the shapes do not decide it ({letter} could be {listed}); write the "
                f"number, or declare the sizes as letters (e.g. --shape \"theta=nxk\")")
        bound[letter] = options[0]
    stated = ", ".join(f"{k} = {v}" for k, v in bound.items())
    p.expect.warn(f"read {stated} from the shapes (a size letter the answer uses)")
    return bound


def _label_at(at: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in at.items())


def _check(p: Problem, runs, bp: Backprop) -> Check:
    """The answer against the gradient, entry by entry, at every index value, through
    the one grading (``symjac.ops.mistakes``): a wrong answer's mistake is named.

    First in the intermediates' symbols (short expressions, and equal there means
    equal after substituting them); when that fails, in the declared entries, which
    is the entrywise route's own answer and decides.
    """
    from symjac.ops.mistakes import explain

    assert p.expect is not None  # called only for a problem with an expectation
    W = pretty(p.wrt)
    label = f"∇{W} ℓ"
    context = {"shape_of": W, "softmax": has_softmax(p)}
    verdicts: list = []
    texts: dict = {}
    answers: list = []
    short_values = bp.values
    g0 = runs[0][2]
    bound = bind_sizes(p, runs, lambda s: s == g0.shape or (1 in g0.shape and s[::-1] == g0.shape))
    sizes = {**p.sizes, **bound}
    for run, (at, values, g) in enumerate(runs):
        e = p.expect.evaluate(Env(values, at, sizes))
        # For a vector parameter both the gradient (its shape) and the Jacobian
        # (numerator convention, its transpose) are usual answers: either is taken,
        # with a note, unless the problem asks for the parameter's shape.
        transposed = e.shape != g.shape and 1 in g.shape and e.T.shape == g.shape
        if transposed and p.answer_shape == "like-wrt":
            layout = "the Jacobian's layout" if g.cols == 1 else "a column"
            message = (f"your answer is {shape(*e.shape)}, {layout}; {label} is asked for in "
                       f"the shape of {W}, {shape(*g.shape)}")
            return Check(False, (), message, outcome="different", method="exact",
                         mistakes=({"tag": "transpose", "message": message},))
        if transposed:
            e = e.T
        if e.shape != g.shape:
            named = explain("grad", g, e, label, context=context)
            message = (named[0].message if named else f"your answer is {shape(*e.shape)}; "
                       f"{label} has the shape of {W}, {shape(*g.shape)}")
            return Check(False, (), message, outcome="different", method="exact",
                         mistakes=tuple(m.to_dict() for m in named))
        answers.append((g, e))
        fix = {bp.index_symbols[k]: v for k, v in at.items()}
        e_short = p.expect.evaluate(Env(short_values, at, sizes)).xreplace(fix)
        if transposed:
            e_short = e_short.T
        g_short = bp.gradient.xreplace(fix)
        for i in range(g.rows):
            for j in range(g.cols):
                # Equal in the intermediates' symbols is equal once they are substituted;
                # anything else is decided in the declared entries (the entrywise route).
                v = compare.verdict(g_short[i, j], e_short[i, j])
                if v.outcome != "equal":
                    v = compare.verdict(g[i, j], e[i, j])
                key = (run, i, j)
                verdicts.append((key, v))
                texts[key] = (sstr(e_short[i, j]), sstr(g_short[i, j]), at)
    per = p.params.rows * p.params.cols
    where = ""
    if p.index:
        where = " at every index value (" + "; ".join(_label_at(a) for a, _, _ in runs) + ")"
    found = compare.check_from(verdicts, lambda key: texts[key][:2],
                               index=lambda key: key[1:], more=_index_values(texts),
                               label=label)
    if found.outcome == "different":
        run = next(key[0] for key, v in verdicts if v.outcome == "different")
        g_run, e_run = answers[run]
        named = explain("grad", g_run, e_run, label, context=context)
        if named:
            return replace(found, message=named[0].message,
                           mistakes=tuple(m.to_dict() for m in named))
        if per > 1 and p.index:
            return replace(found, message=f"{found.message} ({per} entries × {len(runs)} "
                           "index values)")
    if not found.passed:
        return found
    read = ""
    if transposed:
        read = (f"; your {shape(*g.shape[::-1])} answer is read as the Jacobian (its layout); "
                f"{label} has the shape of {W}, {shape(*g.shape)}" if g.cols == 1 else
                f"; your {shape(*g.shape[::-1])} answer is read as a row, the shape of {W}")
    matched = "the entry matches" if per == 1 else f"all {per} entries match"
    numeric = found.message[found.message.find(" ("):] if found.method == "numeric" else ""
    return replace(found, message=f"{matched}{where}{read}{numeric}")


_SOFTMAX = ("softmax", "logsumexp", "log_softmax")


def has_softmax(p: Problem) -> bool:
    """Does the loss have a softmax in it (softmax, logsumexp, or log of a sum of exp)?
    Only then is a wrong sign said to be e_y − z written for z − e_y."""
    import ast

    trees = [p.loss.tree, *(parser.tree for _, parser in p.where)]
    for tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id in _SOFTMAX:
                return True
            if node.func.id == "log" and any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                    and n.func.id == "exp" for arg in node.args for n in ast.walk(arg)):
                return True
    return False


def _index_values(texts):
    def more(key):
        at = texts[key][2]
        return {"at": dict(at)} if at else {}
    return more


# -- steps ------------------------------------------------------------------------------------


def _frac(of: str, wrt: str) -> str:
    return f"\\frac{{\\partial {of}}}{{\\partial {wrt}}}"


def _theta_parents(expr_syms: set, p: Problem, bp: Backprop) -> list[str]:
    out = []
    if expr_syms & set(p.params):
        out.append(p.wrt)
    for name in bp.relevant:
        if expr_syms & set(bp.symbols[name]):
            out.append(name)
    return out


def _chain(p: Problem, bp: Backprop) -> list[str] | None:
    """[u_m, ..., u_1] when ℓ depends on θ through one line of intermediates, else None."""
    path = []
    parents = _theta_parents(bp.loss.free_symbols, p, bp)
    while parents and parents != [p.wrt]:
        if len(parents) != 1:
            return None
        path.append(parents[0])
        parents = _theta_parents(bp.local[parents[0]].free_symbols, p, bp)
    if not parents or not path:
        return None
    return path


def _matrix_data(p: Problem, m: sympy.Matrix) -> dict:
    return {
        "shape": [m.rows, m.cols],
        "matrix": _strings(m),
        "latex_matrix": [[p.latex(m[i, j]) for j in range(m.cols)] for i in range(m.rows)],
    }


def _bmatrix(p: Problem, m: sympy.Matrix) -> str:
    rows = [" & ".join(p.latex(m[i, j]) for j in range(m.cols)) for i in range(m.rows)]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


def _nonzero_remark(m: sympy.Matrix) -> str:
    where = [(i, j) for i in range(m.rows) for j in range(m.cols) if m[i, j] != 0]
    if not where:
        return "all zero"
    if len(where) == 1 and m.rows * m.cols > 1:
        return f"zero except entry ({where[0][0] + 1},{where[0][1] + 1})"
    cols = {j for _, j in where}
    rows = {i for i, _ in where}
    if len(cols) == 1 and m.cols > 1:
        return f"zero except column {cols.pop() + 1}"
    if len(rows) == 1 and m.rows > 1:
        return f"zero except row {rows.pop() + 1}"
    return ""


def _steps(p: Problem, bp: Backprop) -> list[Step]:
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    n = len(p.params)
    out: list[Step] = []
    path = _chain(p, bp)
    if path is None:
        return out + _generic_steps(p, bp)
    names = ["ℓ", *[pretty(u) for u in path], W]
    texes = ["\\ell", *[name_latex(u) for u in path], Wt]
    sizes = [1, *[len(bp.symbols[u]) for u in path], n]
    factors: list[Factor] = [
        {"of": path[k - 1] if k else "loss", "wrt": path[k] if k < len(path) else p.wrt,
         "shape": [sizes[k], sizes[k + 1]]}
        for k in range(len(path) + 1)
    ]
    shapes = " · ".join(f"({shape(sizes[k], sizes[k + 1])})" for k in range(len(path) + 1))
    out.append(Step(
        kind="chain",
        text=f"∂ℓ/∂{W} = " + " · ".join(f"∂{names[k]}/∂{names[k + 1]}"
                                        for k in range(len(path) + 1))
        + f"   {shapes} → 1×{n}",
        latex=f"{_frac(L, Wt)} = "
        + " \\cdot ".join(f"\\underbrace{{{_frac(texes[k], texes[k + 1])}}}"
                          f"_{{{sizes[k]} \\times {sizes[k + 1]}}}"
                          for k in range(len(path) + 1))
        + f" \\quad (1 \\times {n})",
        data={"factors": factors, "shape": [1, n]},
    ))
    # each link but the last: the local Jacobians, in the intermediates' symbols
    first = path[0]
    loss_row = jac(sympy.Matrix([[bp.loss]]), bp.symbols[first])
    out.append(_local_step(p, "ℓ", "\\ell", first, loss_row))
    for k in range(len(path) - 1):
        u, v = path[k], path[k + 1]
        out.append(_local_step(p, pretty(u), name_latex(u), v, jac(bp.local[u], bp.symbols[v])))
    u1 = path[-1]
    c = bp.adjoint[u1]
    if len(path) > 1:
        prod = " · ".join(f"∂{names[k]}/∂{names[k + 1]}" for k in range(len(path)))
        out.append(Step(
            kind="local-jacobian",
            text=f"c = ∂ℓ/∂{pretty(u1)} = {prod}   (1×{len(bp.symbols[u1])}), "
            "a row vector times each Jacobian in turn",
            latex=f"c = {_frac(L, name_latex(u1))} = {_bmatrix(p, c)}",
            data={"of": "loss", "wrt": u1, "product": True, **_matrix_data(p, c)},
        ))
    out += _last_link(p, bp, u1, c)
    return out


def _local_step(p: Problem, of: str, of_tex: str, wrt: str, m: sympy.Matrix) -> Step:
    entries = list(m)
    rows = [f"∂{of}/∂{pretty(wrt)}  ({shape(*m.shape)})"]
    if m.rows == 1:
        syms = list(_syms(wrt, *p.inter_shapes[wrt])) if wrt in p.inter_shapes else []
        for s, e in zip(syms, entries, strict=False):
            rows.append(f"∂{of}/∂{s} = {indicators(sstr(e))}")
    return Step(
        kind="local-jacobian",
        text="\n".join(rows),
        latex=f"{_frac(of_tex, name_latex(wrt))} = {_bmatrix(p, m)}",
        data={"of": "loss" if of == "ℓ" else of, "wrt": wrt, **_matrix_data(p, m),
              "tex": f"${_frac(of_tex, name_latex(wrt))}$ is ${_tex_shape(*m.shape)}$:"},
    )


def _last_link(p: Problem, bp: Backprop, u: str, c: sympy.Matrix) -> list[Step]:
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    r, cols = p.params.shape
    J = jac(bp.local[u], p.params)
    usyms = list(bp.symbols[u])
    out = []
    for i, s in enumerate(usyms[:MAX_SHOWN_ROWS]):
        m = sympy.Matrix(r, cols, list(J.row(i)))
        remark = _nonzero_remark(m)
        out.append(Step(
            kind="jacobian-row",
            text=f"∂{s}/∂{W} (row {i + 1} of ∂{pretty(u)}/∂{W}, 1×{len(p.params)}, "
            f"reshaped {shape(r, cols)})" + (f": {remark}" if remark else ""),
            latex=f"{_frac(p.latex(s), Wt)} = {_bmatrix(p, m)}",
            index=(i + 1,),
            data={"of": str(s), "wrt": p.wrt, "remark": remark, **_matrix_data(p, m),
                  "tex": f"Row {i + 1} of ${_frac(name_latex(u), Wt)}$ "
                  f"($1 \\times {len(p.params)}$), reshaped to ${_tex_shape(r, cols)}$"
                  + (f": {remark}." if remark else ":")},
        ))
    if len(usyms) > MAX_SHOWN_ROWS:
        out.append(Step(kind="note", text=f"{len(usyms) - MAX_SHOWN_ROWS} more rows of "
                        f"∂{pretty(u)}/∂{W} are like these and not shown"))
    k = len(usyms)
    terms = " + ".join(f"c_{i + 1}·∂{s}/∂{W}" for i, s in enumerate(usyms[:3]))
    if k > 3:
        terms += f" + … + c_{k}·∂{usyms[-1]}/∂{W}"
    out.append(Step(
        kind="assemble",
        text=f"∂ℓ/∂{W} = Σ_i (∂ℓ/∂{pretty(u)}_i)·(∂{pretty(u)}_i/∂{W}) = {terms}   "
        f"(c = ∂ℓ/∂{pretty(u)})",
        latex=f"{_frac(L, Wt)} = \\sum_{{i=1}}^{{{k}}} "
        f"{_frac(L, name_latex(u) + '_i')} "
        f"{_frac(name_latex(u) + '_i', Wt)}",
        data={"wrt": p.wrt, "via": u, "coefficients": _strings(c), **_matrix_data(p, bp.gradient),
              "tex": f"With $c = {_frac(L, name_latex(u))}$, each $c_i$ times its reshaped row, "
              "summed:"},
    ))
    nz = sum(1 for e in J if e != 0)
    out.append(Step(
        kind="note",
        text=f"In practice ∂{pretty(u)}/∂{W} ({shape(J.rows, J.cols)}, {nz} of {len(J)} entries "
        f"non-zero) is never formed: its {len(J)} entries would all cost time and memory, "
        f"while the sum above needs only ∂ℓ/∂{pretty(u)} and the structure of each "
        f"∂{pretty(u)}_i/∂{W}.",
        data={"tex": f"In practice ${_frac(name_latex(u), Wt)}$ (${_tex_shape(J.rows, J.cols)}$, "
              f"{nz} of {len(J)} entries non-zero) is never formed: its {len(J)} "
              f"entries would all cost time and memory, while the sum above needs only "
              f"${_frac(L, name_latex(u))}$ and the structure of each "
              f"${_frac(name_latex(u) + '_i', Wt)}$."},
    ))
    return out


def _generic_steps(p: Problem, bp: Backprop) -> list[Step]:
    """ℓ reaches θ by more than one path (or none): adjoints, then the sum of every path."""
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    out = []
    if not bp.relevant:
        # no intermediates in the way: each entry is one partial derivative
        shown = list(zip(p.params, bp.gradient, strict=True))[:MAX_SHOWN_ENTRIES]
        for k, (s, g) in enumerate(shown):
            out.append(Step(
                kind="entry-partial",
                text=f"∂ℓ/∂{s} = {indicators(sstr(g))}",
                latex=f"{_frac(L, p.latex(s))} = {p.latex(g)}",
                index=(k // p.params.cols + 1, k % p.params.cols + 1),
                data={"wrt": str(s), "value": sstr(g)},
            ))
        if len(p.params) > MAX_SHOWN_ENTRIES:
            out.append(Step(kind="note", text=f"{len(p.params) - MAX_SHOWN_ENTRIES} more "
                            "entries are in the result below"))
        return out
    for name in reversed(bp.relevant):
        m = bp.adjoint[name]
        out.append(Step(
            kind="local-jacobian",
            text=f"∂ℓ/∂{pretty(name)} ({shape(*m.shape)}), through every later use of "
            f"{pretty(name)}: " + ", ".join(indicators(sstr(e)) for e in m),
            latex=f"{_frac(L, name_latex(name))} = {_bmatrix(p, m)}",
            data={"of": "loss", "wrt": name, **_matrix_data(p, m)},
        ))
    parts = [f"∂ℓ/∂{pretty(n)} · ∂{pretty(n)}/∂{W}" for n in bp.relevant]
    if any(e != 0 for e in bp.direct) or not parts:
        parts.insert(0, f"∂ℓ/∂{W} (direct)")
    out.append(Step(
        kind="assemble",
        text=f"∂ℓ/∂{W} = " + " + ".join(parts) + f", reshaped {shape(*p.params.shape)}",
        latex=f"{_frac(L, Wt)} = {_bmatrix(p, bp.gradient)}",
        data={"wrt": p.wrt, "via": None, **_matrix_data(p, bp.gradient)},
    ))
    return out


# -- the closed form ------------------------------------------------------------------------


@dataclass
class Closed:
    """A closed form of the gradient, reported only once verified."""

    found: bool
    reason: str = ""
    expression: str | None = None  # the language --expect reads, sizes as declared
    at_sizes: str | None = None  # the same at the concrete sizes worked at
    latex: str | None = None
    text: str | None = None  # Unicode, as a person writes it
    links: list[dict] = field(default_factory=list)
    verified: bool | None = None
    form: Any = None  # the matcalc.ClosedForm


def closed_form(p: Problem, runs) -> Closed:
    """Derive ∇ℓ on the matrix expressions and verify it against the entrywise runs."""
    from symjac.ops import matcalc

    try:
        cf = matcalc.derive_gradient(p.loss, p.wrt, p.spec.dims, p.where, set(p.index),
                                     p.spec.symmetric)
        expression = cf.text("lang")
        at_sizes = cf.text("lang", p.sizes)
    except matcalc.NoClosedForm as e:
        return Closed(False, str(e) if str(e).startswith("no ") else
                      f"no closed-form rule for {e}")
    except RecursionError:
        return Closed(False, "the expression is nested too deeply for the closed form")
    except (ArithmeticError, TypeError, ValueError, AttributeError, KeyError, IndexError) as e:
        # a gap in the differentiator must not cost the entrywise answer; it is named
        return Closed(False, f"the closed form could not be derived ({type(e).__name__}: "
                      f"{str(e)[:80]})")
    verdict = verify_points(p, at_sizes, runs)
    if verdict is not True:
        why = "it disagreed with the entrywise gradient" if verdict is False else \
            "no point of the domain could be checked"
        return Closed(False, f"a closed form was derived but not verified ({why}), so it is "
                      "not shown", verified=verdict)
    links = []
    for link in cf.links:
        links.append({
            "name": link.name,
            "shape": [str(d) for d in link.shape],
            "expression": cf.show(link.adjoint, "lang"),
            "text": cf.show(link.adjoint, "uni"),
            "latex": cf.show(link.adjoint, "tex"),
            "rules": list(link.rules),
        })
    return Closed(True, expression=expression, at_sizes=at_sizes, latex=cf.text("tex"),
                  text=cf.text("uni"), links=links, verified=True, form=cf)


POINTS = 3  # random points per index value that must agree
TRIES = 15


def verify_points(p: Problem, text: str, runs) -> bool | None:
    """Does ``text`` equal the entrywise gradient? At random exact rational points.

    Each point fixes every declared entry to a small rational; the closed form
    is evaluated there with exact numbers (no symbolic expansion), and so is
    each entrywise partial derivative; every pair goes through compare.equal.
    True, False (a counterexample), or None (no point inside the domain).
    """
    import random

    from symjac.core.errors import SymjacError

    parser = MatrixParser(text, what="closed form")
    rng = random.Random(20261201)
    syms = sorted({s for m in p.declared.values() for s in m}, key=str)
    for at, _, g in runs:
        accepted = 0
        for _ in range(TRIES):
            point = {s: sympy.Rational(rng.choice([-1, 1]) * rng.randint(1, 9),
                                       rng.randint(1, 4)) for s in syms}
            try:
                values = {n: m.xreplace(point) for n, m in p.declared.items()}
                for name, wp in p.where:
                    values[name] = wp.evaluate(Env(values, at, p.sizes))
                got = parser.evaluate(Env(values, at, p.sizes))
                want = g.xreplace(point)
            except (SymjacError, ZeroDivisionError, ValueError, TypeError):
                continue
            if got.shape != want.shape:
                return False
            if any(e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) for e in [*got, *want]):
                continue
            if not all(numbers_equal(a, b) for a, b in zip(got, want, strict=True)):
                return False
            accepted += 1
            if accepted >= POINTS:
                break
        if accepted == 0:
            return None
    return True


def _warnings(p: Problem) -> list[str]:
    out: list[str] = []
    expect = [p.expect] if p.expect is not None else []
    for parser in [p.loss, *(wp for _, wp in p.where), *expect]:
        out += [w for w in parser.warnings if w not in out]
    return out


def sizes_text(p: Problem) -> str:
    return ", ".join(f"{k} = {v}" for k, v in p.sizes.items())


def _closed_extra(p: Problem, closed: Closed) -> dict:
    """JSON keys and the headline the renderers show (they compute nothing)."""
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    where = [f"{pretty(name)} = {closed.form.show(closed.form.defs[name], 'uni')}"
             for name, _ in p.where
             if closed.expression and name in closed.form.defs
             and _mentions(closed.expression, name)]
    at = f" at {sizes_text(p)}" if p.sizes else " at the declared sizes"
    every = f", for every {', '.join(p.index)}" if p.index else ""
    if closed.found:
        note = f"✓ closed form verified entry by entry{at}{every} (random exact points)"
        head = {
            "text": f"∇{W} ℓ = {closed.text}" + (f"   with {'; '.join(where)}" if where else ""),
            "latex": f"\\nabla_{{{Wt}}} \\ell = {closed.latex}",
            "note": note,
            "entries_label": f"∇{W} ℓ entry by entry{at} (the check)",
        }
    else:
        head = {"text": f"No closed form for ∇{W} ℓ: {closed.reason}; the entries below are "
                "the entrywise result.", "latex": "", "note": "",
                "entries_label": f"∇{W} ℓ"}
    return {
        "headline": head,
        "closed_form": {"found": closed.found, "reason": closed.reason or None,
                        "at_sizes": closed.at_sizes, "links": closed.links,
                        "rules": list(closed.form.rules) if closed.form else []},
        "verified": {"passed": bool(closed.verified), "sizes": dict(p.sizes),
                     "shapes": {k: list(v) for k, v in p.shapes.items()},
                     "method": "exact values at random rational points, every index value"},
        "declared_shapes": {k: [str(d) for d in v] for k, v in p.spec.dims.items()},
    }


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) is not None


def _dims(a, b) -> str:
    return str(dim_mul(a, b))


def _closed_steps(p: Problem, closed: Closed, entry_steps: list[Step]) -> list[Step]:
    """One step per chain link in closed form, with shapes and rules; the entrywise
    working of the last link (at the concrete sizes) in between, as the worksheet's (b).
    Parts are labelled (a), (b), ... only when there are two or more."""
    assert closed.expression is not None  # a closed form was found
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    out: list[Step | tuple[str, str]] = []  # a part heading is (text, tex) until labelled
    out += [s for s in entry_steps if s.kind == "chain"]
    for link in closed.links:
        u, ut = pretty(link["name"]), name_latex(link["name"])
        r, c = link["shape"]
        size = _dims(_int(r), _int(c))
        out.append((f"∂ℓ/∂{u}, in closed form.", f"${_frac(L, ut)}$, in closed form:"))
        out.append(_link_step(f"∂ℓ/∂{u}", _frac(L, ut), (r, c), size, link, p.wrt))
    rows = [s for s in entry_steps if s.kind != "chain"]
    if rows and closed.links:
        last = closed.links[-1]["name"]
        at = f" at {sizes_text(p)}" if p.sizes else ""
        out.append((f"∂{pretty(last)}ᵢ/∂{W}, entry by entry{at}.",
                    f"${_frac(name_latex(last) + '_i', Wt)}$, entry by entry"
                    + (f" at ${sizes_text(p)}$" if p.sizes else "") + ":"))
    out += rows
    r, c = p.spec.dims[p.wrt]
    out.append((f"∇{W} ℓ, in closed form.", f"$\\nabla_{{{Wt}}} \\ell$, in closed form:"))
    rules = list(closed.form.rules)
    text = f"∇{W} ℓ = {closed.text}   ({r}×{c}, like {W})"
    latex = f"\\nabla_{{{Wt}}} \\ell = {closed.latex}"
    out.append(Step(kind="closed-link", text=text + (f"   [{'; '.join(rules)}]" if rules else ""),
                    latex=latex, rules=tuple(rules),
                    data={"wrt": p.wrt, "expression": closed.expression,
                          "rules_text": _rules_tex(rules)}))
    labels = iter("abcdefghijklmnopqrstuvwxyz")
    several = sum(isinstance(s, tuple) for s in out) > 1
    return [s if isinstance(s, Step) else
            part(f"({next(labels)})" if several else "", s[0], s[1])
            for s in out]


def _int(d):
    return int(d) if isinstance(d, str) and d.isdigit() else d


def _link_step(of: str, of_tex: str, shape, size, link: dict, wrt: str) -> Step:
    r, c = shape
    if str(c) == "1" and str(r) != "1":  # a column u: ∂ℓ/∂u is the row Gᵀ
        body, tex = _transposed(link["text"]), f"{{{_tex_paren(link['latex'])}}}^{{T}}"
        shown = f"(1×{r})"
    elif str(r) == "1" and str(c) == "1":
        body, tex, shown = link["text"], link["latex"], "(1×1)"
    else:
        body, tex = link["text"], link["latex"]
        shown = f"(1×{size}, shown {r}×{c} like {link['name']})"
    rules = link["rules"]
    return Step(kind="closed-link",
                text=f"{of} {shown} = {body}" + (f"   [{'; '.join(rules)}]" if rules else ""),
                latex=f"{of_tex} = {tex}", rules=tuple(rules),
                data={"of": "loss", "wrt": link["name"], "expression": link["expression"],
                      "adjoint_shape": [r, c], "rules_text": _rules_tex(rules)})


def _transposed(text: str) -> str:
    simple = text.replace("_", "").isalnum()
    return f"{text}ᵀ" if simple else f"({text})ᵀ"


def _tex_paren(tex: str) -> str:
    return tex if tex.replace("\\", "").replace("{", "").replace("}", "").isalnum() \
        else f"\\left({tex}\\right)"


def _rules_tex(rules: list[str]) -> str:
    if not rules:
        return ""
    return "Rules: " + "; ".join(rules) + "."
