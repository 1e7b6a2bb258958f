"""Reverse mode on matrix nodes: the adjoint G = ∂ℓ/∂node, one --where link at a time."""

from __future__ import annotations

import ast
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from typing import Any

import sympy

from symjac.ops.matcalc.lift import Lifter, Scope
from symjac.ops.matcalc.nodes import (
    EW,
    Calc,
    Call,
    Dim,
    Eye,
    Kron,
    Leaf,
    Lit,
    MatMul,
    NoClosedForm,
    Node,
    OneHot,
    Ones,
    T,
)
from symjac.ops.matcalc.printer import Printer


class Backward:
    """Adjoints ∂ℓ/∂name for every leaf reached, each shaped like its leaf."""

    def __init__(self, calc: Calc, depends):
        self.c = calc
        self.depends = depends  # node -> bool: does it reach the parameter?
        self.acc: dict[str, Node] = {}
        self.rules: list[str] = []  # the rules used, in order, for the current link

    def rule(self, name: str) -> None:
        if name not in self.rules:
            self.rules.append(name)

    def run(self, node: Node, g: Node) -> None:
        c = self.c
        if c.is_zero(g) or not self.depends(node):
            return
        if isinstance(node, Leaf):
            self.acc[node.name] = c.add(self.acc.get(node.name), g)
            return
        if isinstance(node, T):
            self.rule("transpose: the adjoint of Aᵀ is Gᵀ")
            self.run(node.arg, c.t(g))
            return
        if isinstance(node, MatMul):
            self.rule("product rule for @: C = AB gives G_A = G Bᵀ, G_B = Aᵀ G")
            f = node.args
            for i, a in enumerate(f):
                if not self.depends(a):
                    continue
                parts = []
                if i > 0:
                    parts.append(c.t(c.mm(*f[:i])))
                parts.append(g)
                if i < len(f) - 1:
                    parts.append(c.t(c.mm(*f[i + 1:])))
                self.run(a, c.mm(*parts))
            return
        if isinstance(node, EW):
            self.entrywise(node, g)
            return
        if isinstance(node, Call):
            self.call(node, g)
            return
        if isinstance(node, Lit):
            self.rule("a matrix written entry by entry: entry (i, j) gets G_ij")
            for i, row in enumerate(node.entries):
                for j, e in enumerate(row):
                    if self.depends(e):
                        self.run(e, c.pick(g, i + 1, j + 1))
            return
        if isinstance(node, Kron):
            self.kron(node, g)
            return
        raise NoClosedForm(f"no rule for {type(node).__name__}")

    def kron(self, node: Kron, g: Node) -> None:
        """C = A ⊗ B: G_A[i, j] = Σ_kl G[(i,k), (j,l)] B_kl, written where G is itself a sum
        of Kronecker products P ⊗ Q (then G_A = Σ ⟨Q, B⟩ P, G_B = Σ ⟨P, A⟩ Q)."""
        c = self.c
        self.rule("Kronecker: d(A ⊗ B) = dA ⊗ B + A ⊗ dB, and ⟨P ⊗ Q, dA ⊗ B⟩ = ⟨P, dA⟩⟨Q, B⟩")
        terms = c.kron_terms(g, node.a.shape, node.b.shape)
        if terms is None:
            raise NoClosedForm("Kronecker product (its adjoint is no sum of Kronecker products)")
        for side, other, first in ((node.a, node.b, True), (node.b, node.a, False)):
            if not self.depends(side):
                continue
            acc: Node | None = None
            for k, p, q in terms:
                mine, theirs = (p, q) if first else (q, p)
                inner = c.sum_of(c.combine("*", theirs, other))  # ⟨Q, B⟩
                acc = c.add(acc, c.scale(c.number(k * inner), mine))
            self.run(side, acc if acc is not None else c.zero(*side.shape))

    def entrywise(self, node: EW, g: Node) -> None:
        c = self.c
        gx = c.atoms.of(g)
        for s in sorted(node.expr.free_symbols, key=str):
            a = c.atoms.node.get(s)
            if a is None or not self.depends(a):
                continue
            d = sympy.diff(node.expr, s)
            self._entrywise_rules(node.expr, s, node.scalar)
            if d.has(sympy.Derivative, sympy.Subs):
                raise NoClosedForm("a function without a derivative rule")
            local = c.ew(gx * d, node.rows, node.cols)
            if a.scalar and not node.scalar:
                local = c.number(c.sum_of(local))
            self.run(a, local)

    def _entrywise_rules(self, expr, s, scalar: bool) -> None:
        for f in sorted({type(e).__name__ for e in expr.atoms(sympy.Function)
                         if e.has(s)}):
            rule = {
                "log": "d log u = du / u", "exp": "d exp(u) = exp(u) du",
                "sigmoid": "σ′(u) = σ(u)(1 − σ(u))", "relu": "relu′(u) = 1{u > 0}",
                "tanh": "tanh′(u) = 1 − tanh(u)²", "sin": "sin′ = cos", "cos": "cos′ = −sin",
                "softplus": "softplus′ = σ",
            }.get(f)
            if rule:
                self.rule(rule)
        if any(e.is_Pow and e.base.has(s) for e in sympy.preorder_traversal(expr)):
            self.rule("power rule")
        if not scalar:
            self.rule("entrywise: G ⊙ f′(u)")

    def call(self, node: Call, g: Node) -> None:
        c = self.c
        m = node.arg
        gx = c.atoms.of(g)
        fn = node.fn
        self.rule(_CALL_RULES[fn] if fn != "trace" or not isinstance(m, MatMul)
                  else "cyclic property of the trace: d tr(AXB) = tr(BA dX)")
        if fn == "sum":
            self.run(m, c.spread(g, m.rows, m.cols))
        elif fn == "trace":
            self.run(m, c.scale(g, Eye(m.rows)))
        elif fn == "det":
            self.run(m, c.ew(gx * c.atoms.of(node) * c.atoms.of(c.t(Call("inv", m, m.rows,
                                                                          m.cols))),
                             m.rows, m.cols))
        elif fn == "logdet":
            self.run(m, c.scale(g, c.t(Call("inv", m, m.rows, m.cols))))
        elif fn == "inv":
            it = c.t(node)
            self.run(m, c.scale(c.number(-1), c.mm(it, g, it)))
        elif fn == "norm":
            self.run(m, c.ew(gx * c.atoms.of(m) / c.atoms.of(node), m.rows, m.cols))
        elif fn == "logsumexp":
            self.run(m, c.scale(g, Call("softmax", m, m.rows, m.cols)))
        elif fn == "softmax":
            z = node
            zg = c.mm(c.t(z), g) if z.cols == 1 else c.mm(g, c.t(z))
            self.run(m, c.ew(c.atoms.of(z) * gx - c.atoms.of(z) * c.atoms.of(zg),
                             m.rows, m.cols))
        elif fn == "diag":
            if node.cols == 1:  # diag of a square matrix: its diagonal
                self.run(m, (Eye(m.rows) if isinstance(g, Ones) else
                             Call("diag", g, m.rows, m.rows)) if not c.is_zero(g) else g)
            else:  # a vector spread on the diagonal
                self.run(m, _diag_of(c, g))
        elif fn == "index":
            if len(node.index) == 1:
                e = OneHot(node.index[0], max(m.rows, m.cols, key=lambda d: d != 1))
                self.run(m, c.scale(g, e if m.cols == 1 else c.t(e)))
            else:
                i, j = node.index
                pick = c.mm(OneHot(i, m.rows), c.t(OneHot(j, m.cols)))
                self.run(m, c.scale(g, pick))
        else:
            raise NoClosedForm(f"no rule for {fn}")


_CALL_RULES = {
    "sum": "sum: d Σ U = Σ dU, so G_U = g·1",
    "trace": "trace: d tr(X) = tr(dX), so G_X = g·I",
    "det": "d det X = det(X) tr(X⁻¹ dX)",
    "logdet": "d log det X = tr(X⁻¹ dX)",
    "inv": "d X⁻¹ = −X⁻¹ (dX) X⁻¹",
    "norm": "d‖X‖ = ⟨X, dX⟩ / ‖X‖",
    "logsumexp": "log-sum-exp rule: ∇ logsumexp(h) = softmax(h)",
    "softmax": "softmax Jacobian: diag(z) − z zᵀ",
    "diag": "diag: the adjoint of diag(v) is the diagonal of G",
    "index": "h[y] picks one entry: its gradient is e_y",
}


def _diag_of(c: Calc, g: Node) -> Node:
    """The diagonal of a square matrix, as a column: simplified for diag(v) and eye."""
    if isinstance(g, Call) and g.fn == "diag" and g.cols != 1:
        return g.arg
    terms = c.linear_terms(g)
    if terms is not None and (len(terms) > 1 or terms[0][0] != 1):
        return c.from_terms([(k, _diag_of(c, n)) for k, n in terms], g.rows, 1)
    if isinstance(g, Eye):
        return Ones(g.n, 1)
    if isinstance(g, T):  # a transpose has the same diagonal
        return _diag_of(c, g.arg)
    if isinstance(g, MatMul) and len(g.args) == 2 and g.args[0].cols == 1:
        u, vt = g.args  # the diagonal of u vᵀ is u ⊙ v
        return c.combine("*", u, c.t(vt))
    return Call("diag", g, g.rows, 1)



def children(calc: Calc, n: Node) -> list[Node]:
    """The nodes n is built from (a --where name's definition is not one: see depends_on)."""
    if isinstance(n, T):
        return [n.arg]
    if isinstance(n, MatMul):
        return list(n.args)
    if isinstance(n, Kron):
        return [n.a, n.b]
    if isinstance(n, Call):
        return [n.arg]
    if isinstance(n, Lit):
        return [e for row in n.entries for e in row]
    if isinstance(n, EW):
        return [calc.atoms.node[s] for s in n.expr.free_symbols if s in calc.atoms.node]
    return []


def depends_on(calc: Calc, wrt: str, defs: dict[str, Node]):
    """node -> bool: does it reach the parameter wrt (through --where names too)?"""
    cache: dict[Node, bool] = {}

    def depends(n: Node) -> bool:
        if n not in cache:
            if isinstance(n, Leaf):
                cache[n] = n.name == wrt or (n.ref and depends(defs[n.name]))
            else:
                cache[n] = any(depends(k) for k in children(calc, n))
        return cache[n]

    return depends


def used(loss_tree: ast.AST, where: Sequence[tuple[str, Any]]) -> list[str]:
    """The --where names the loss uses, directly or through other definitions, in order."""
    trees = {name: parser.tree for name, parser in where}
    need: set[str] = set()
    todo = [loss_tree]
    while todo:
        for node in ast.walk(todo.pop()):
            if isinstance(node, ast.Name) and node.id in trees and node.id not in need:
                need.add(node.id)
                todo.append(trees[node.id])
    return [name for name, _ in where if name in need]


@dataclass
class Link:
    """∂ℓ/∂name in closed form, shaped like name: one step of the chain."""

    name: str
    shape: tuple[Dim, Dim]
    adjoint: Node
    rules: list[str] = field(default_factory=list)


@dataclass
class ClosedForm:
    gradient: Node
    links: list[Link]
    calc: Calc
    rules: list[str]
    defs: dict[str, Node] = field(default_factory=dict)  # each --where name's definition

    def text(self, mode: str = "lang", sizes: dict[str, int] | None = None) -> str:
        return Printer(self.calc, mode, sizes)(self.gradient)

    def show(self, node: Node, mode: str, sizes: dict[str, int] | None = None) -> str:
        return Printer(self.calc, mode, sizes)(node)


def derive_gradient(
    loss_parser,
    wrt: str,
    shapes: dict[str, tuple[Dim, Dim]],
    where: Sequence[tuple[str, Any]],
    index: set[str],
    symmetric: Set[str] = frozenset(),
) -> ClosedForm:
    """∇_wrt ℓ as a matrix expression; raises NoClosedForm when a rule is missing."""
    calc = Calc()
    sizes = {d for r, c in shapes.values() for d in (r, c) if isinstance(d, str)}
    scope = Scope(dict(shapes), set(symmetric), set(index), sizes=sizes)
    defs: dict[str, Node] = {}
    # only what the loss uses: an unused definition needs no rule (nor a closed form)
    needed = used(loss_parser.tree, where)
    where = [(name, parser) for name, parser in where if name in needed]
    for name, parser in where:
        defs[name] = Lifter(calc, scope, parser).lift(parser.tree)
        scope.refs[name] = defs[name]
    loss = Lifter(calc, scope, loss_parser).lift(loss_parser.tree)
    if not loss.scalar:
        raise NoClosedForm("the loss is not a scalar")

    back = Backward(calc, depends_on(calc, wrt, defs))
    back.run(loss, calc.number(1))
    links = []
    for name, _ in reversed(where):
        g = back.acc.pop(name, None)
        if g is None:
            continue
        links.append(Link(name, defs[name].shape, g, back.rules + sorted(calc.rewrites)))
        calc.rewrites.clear()
        back.rules = []
        back.run(defs[name], g)
    r, c = shapes[wrt]
    grad = back.acc.get(wrt, calc.zero(r, c))
    final_rules = back.rules
    if wrt in symmetric:
        final_rules.append("symmetric X: the entries X_ij = X_ji are one variable, "
                           "so ∇ = G + Gᵀ − G ⊙ I")
        # the entries S_ij = S_ji are one variable: G + Gᵀ − G ⊙ I (Cookbook, symmetric case)
        grad = calc.add(calc.add(grad, calc.t(grad)),
                        calc.scale(calc.number(-1), Call("diag", _diag_of(calc, grad), r, r)))
    links.reverse()
    return ClosedForm(grad, links, calc, final_rules, defs)


