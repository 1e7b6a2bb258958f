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
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sympy

from symjac.errors import InputError, UndefinedError
from symjac.matexpr import (
    Env,
    MatrixParser,
    entry_latex,
    entry_names,
    name_latex,
    parse_index,
    parse_shapes,
    parse_where,
)
from symjac.model import Check, Derivation, Result, Step
from symjac.ops import compare
from symjac.printing import shape, sstr

MAX_SHOWN_ROWS = 12  # rows of ∂u/∂θ shown one by one, reshaped
MAX_SHOWN_ENTRIES = 24  # partial derivatives listed one by one when there is no chain
L = "\\ell"
_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()


class RouteMismatch(Exception):
    """The chain-rule route and the entrywise route disagree: a bug, never an answer."""


def pretty(name: str) -> str:
    """theta -> θ, W1 -> W₁: names as a person writes them."""
    import unicodedata

    from symjac.printing import sub

    head = name.rstrip("0123456789")
    tail = name[len(head):]
    if head.lower() in _GREEK:
        kind = "CAPITAL" if head[0].isupper() else "SMALL"
        letter = "LAMDA" if head.lower() == "lambda" else head.upper()
        head = unicodedata.lookup(f"GREEK {kind} LETTER {letter}")
    return head + (sub(int(tail)) if tail else "")


def _sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _syms(name: str, rows: int, cols: int) -> sympy.Matrix:
    return sympy.Matrix([[_sym(e) for e in row] for row in entry_names(name, rows, cols)])


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

    @property
    def params(self) -> sympy.Matrix:
        return self.declared[self.wrt]

    def __post_init__(self):
        self.declared = {n: _syms(n, r, c) for n, (r, c) in self.shapes.items()}
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
        return sympy.latex(expr, symbol_names=self.symbol_latex)

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
) -> Problem:
    """Parse every option and check that the names fit together."""
    shapes = parse_shapes(shape_text)
    ranges = parse_index(index)
    for n in ranges:
        if n in shapes:
            raise InputError(f"'{n}' is declared both in --shape and in --index")
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
    wrt = (wrt or "").strip()
    if wrt:
        from symjac.parsing import spell_name

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
    )
    return p


# -- route 1: explicit entries, one index value at a time ---------------------------------


def explicit(p: Problem, at: dict[str, int]):
    """(values of every name, the loss), all in terms of declared entry symbols."""
    values: dict[str, sympy.Matrix] = dict(p.declared)
    for name, parser in p.where:
        values[name] = parser.evaluate(Env(values, at))
        p.inter_shapes.setdefault(name, values[name].shape)
    loss = p.loss.evaluate(Env(values, at))
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
        local[name] = parser.evaluate(Env(values, idx))
        symbols[name] = _syms(name, *local[name].shape)
        if local[name].free_symbols & reach:
            # on a path to θ: kept as a symbol, so the chain rule has links to show
            relevant.append(name)
            reach |= set(symbols[name])
            values[name] = symbols[name]
        else:
            values[name] = local[name]  # constant with respect to θ: written out
    loss = p.loss.evaluate(Env(values, idx))[0, 0]
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

    r, c = p.params.shape
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    n = r * c
    notes, notes_tex = _notes(p, bp)
    step_list = _steps(p, bp) if steps else []
    summary_tex = (
        f"$\\ell = {p.loss.to_latex()}$ is a scalar of ${Wt}$ (${_tex_shape(r, c)}$); "
        f"$\\nabla_{{{Wt}}} \\ell$ is $1 \\times {n}$, shown ${_tex_shape(r, c)}$ like ${Wt}$."
    )
    intermediates = {
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
        summary=f"ℓ = {p.loss_text} is a scalar of {W} ({shape(r, c)}); "
        f"∇{W} ℓ is 1×{n}, shown {shape(r, c)} like {W}",
        result=Result(
            shape=(r, c),
            matrix=tuple(tuple(sstr(bp.gradient[i, j]) for j in range(c)) for i in range(r)),
            latex=p.latex(bp.gradient),
            value=bp.gradient,
        ),
        steps=tuple(step_list),
        label=f"∇{W} ℓ",
        variables=tuple(str(s) for s in p.params),
        check=check,
        notes=tuple(notes),
        extra={
            "label_latex": f"\\nabla_{{{Wt}}} \\ell",
            "summary_tex": summary_tex,
            "notes_tex": notes_tex,
            "wrt": p.wrt,
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
            delta = (f"; 1{{{v} = {b}}} (KroneckerDelta({b}, {v}) in JSON) is 1 when {v} = {b} "
                     "and 0 otherwise")
            delta_tex = (f"; $\\delta_{{{b} {name_latex(v)}}}$ is 1 when ${name_latex(v)} = {b}$ "
                         "and 0 otherwise")
        plain.append(f"Computed for every index value ({ranges}){delta}.")
        tex.append(f"Computed for every index value ({ranges_tex}){delta_tex}.")
    return plain, tex


def _tex_shape(r: int, c: int) -> str:
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


def _label_at(at: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in at.items())


def _check(p: Problem, runs, bp: Backprop) -> Check:
    """The expectation against the gradient, entry by entry, at every index value.

    First in the intermediates' symbols (short expressions, and equal there means
    equal after substituting them); when that fails, in the declared entries, which
    is the entrywise route's own answer and decides.
    """
    assert p.expect is not None  # called only for a problem with an expectation
    verdicts: list = []
    texts: dict = {}
    short_values = bp.values
    for run, (at, values, g) in enumerate(runs):
        e = p.expect.evaluate(Env(values, at))
        # For a vector parameter both the gradient (its shape) and the Jacobian
        # (numerator convention, its transpose) are usual answers: take either.
        transposed = e.shape != g.shape and 1 in g.shape and e.T.shape == g.shape
        if transposed:
            e = e.T
        if e.shape != g.shape:
            return Check(
                passed=False,
                message=f"the expected gradient is {shape(*e.shape)} but ∇{pretty(p.wrt)} ℓ is "
                f"{shape(*g.shape)}, the shape of {pretty(p.wrt)}",
            )
        fix = {bp.index_symbols[k]: v for k, v in at.items()}
        e_short = p.expect.evaluate(Env(short_values, at)).xreplace(fix)
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
                               index=lambda key: key[1:], more=_index_values(texts))
    if found.outcome == "different" and per > 1:
        count = f"{per} entries" + (f" × {len(runs)} index values" if p.index else "")
        return replace(found, message=f"{found.message} ({count})")
    if not found.passed:
        return found
    as_jacobian = f"; the expected {shape(*g.shape[::-1])} was read as the Jacobian" \
        if transposed else ""
    matched = "the entry matches" if per == 1 else f"all {per} entries match"
    numeric = found.message[found.message.find(" ("):] if found.method == "numeric" else ""
    return replace(found, message=f"{matched}{where}{as_jacobian}{numeric}")


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
    factors = [
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
            rows.append(f"∂{of}/∂{s} = {sstr(e)}")
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
                text=f"∂ℓ/∂{s} = {sstr(g)}",
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
            f"{pretty(name)}: " + ", ".join(sstr(e) for e in m),
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
