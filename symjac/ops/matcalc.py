"""Matrix calculus on the expression language itself: closed forms, not entries.

The loss (and each --where definition) is lifted from the parsed tree into a
small tree of matrix nodes whose sizes may be letters (n, k). Reverse mode
then carries the adjoint G = ∂ℓ/∂node, shaped like the node, down each node
(C = A @ B: G_A += G Bᵀ, G_B += Aᵀ G; log det X: G_X += g X⁻ᵀ; ...), one
--where link at a time, and the result is printed back in the language that
--expect reads, in LaTeX and in Unicode.

Entrywise work (+, −, scalar ×, ⊙, /, exp, log, ...) is a sympy expression
whose symbols stand for whole matrices ("atoms") of one shape, or for
scalars spread over it; sympy then collects and cancels (2X, σ(h) − y), and
the derivative of an entrywise function is sympy's own. Matrix products are
never handed to sympy: they stay nodes, kept expanded (sums of products) and
factored only when printed (Aᵀ(Ax − b), (A + Aᵀ)x).

Nothing here is trusted: ops/grad.py verifies every closed form against the
entrywise engine before reporting it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import sympy

from symjac.language.parser import CONSTANTS, FUNCTIONS

Dim = int | str


class NoClosedForm(Exception):
    """The differentiator has no rule for part of the expression (said, never guessed)."""


# -- scalar functions with the derivatives a person writes ---------------------------------


class sigmoid(sympy.Function):  # noqa: N801 - printed as the language writes it
    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)


class relu(sympy.Function):  # noqa: N801
    def fdiff(self, argindex=1):
        return sympy.Heaviside(self.args[0])


class softplus(sympy.Function):  # noqa: N801
    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])


_SCALAR_BUILDERS = {"sigmoid": sigmoid, "relu": relu, "softplus": softplus,
                    "heaviside": sympy.Heaviside}


# -- nodes -------------------------------------------------------------------------------------


class Node:
    if TYPE_CHECKING:  # a field of some nodes, a property of others: read-only in both
        @property
        def rows(self) -> Dim: ...

        @property
        def cols(self) -> Dim: ...

    @property
    def shape(self) -> tuple[Dim, Dim]:
        return (self.rows, self.cols)

    @property
    def scalar(self) -> bool:
        return self.rows == 1 and self.cols == 1


@dataclass(frozen=True)
class Leaf(Node):
    """A declared name (symmetric: S = Sᵀ), or a --where name (ref=True)."""

    name: str
    rows: Dim
    cols: Dim
    symmetric: bool = False
    ref: bool = False


@dataclass(frozen=True)
class Eye(Node):
    n: Dim

    @property
    def rows(self):
        return self.n

    @property
    def cols(self):
        return self.n


@dataclass(frozen=True)
class Ones(Node):
    rows: Dim
    cols: Dim


@dataclass(frozen=True)
class OneHot(Node):
    """e_i, k×1: i is an index variable's name or a whole number."""

    index: str | int
    k: Dim

    @property
    def rows(self):
        return self.k

    @property
    def cols(self):
        return 1


@dataclass(frozen=True)
class T(Node):
    arg: Node

    @property
    def rows(self):
        return self.arg.cols

    @property
    def cols(self):
        return self.arg.rows


@dataclass(frozen=True)
class MatMul(Node):
    args: tuple[Node, ...]

    @property
    def rows(self):
        return self.args[0].rows

    @property
    def cols(self):
        return self.args[-1].cols


@dataclass(frozen=True)
class Kron(Node):
    a: Node
    b: Node

    @property
    def rows(self):
        return _dim_mul(self.a.rows, self.b.rows)

    @property
    def cols(self):
        return _dim_mul(self.a.cols, self.b.cols)


@dataclass(frozen=True)
class Call(Node):
    """sum trace det logdet inv norm softmax logsumexp diag, and h[i] as 'index'."""

    fn: str
    arg: Node
    rows: Dim
    cols: Dim
    index: tuple = ()  # for 'index': (i,) or (i, j), names or numbers


@dataclass(frozen=True)
class EW(Node):
    """An entrywise expression: sympy over atoms of this shape and scalars."""

    expr: sympy.Expr
    rows: Dim
    cols: Dim


def _dim_mul(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    return f"{a}{b}" if a != 1 and b != 1 else (b if a == 1 else a)


# -- atoms: matrix nodes as sympy symbols ------------------------------------------------------


class Atoms:
    """Two-way map node <-> sympy Symbol, for one derivation."""

    def __init__(self):
        self.sym: dict[Node, sympy.Symbol] = {}
        self.node: dict[sympy.Symbol, Node] = {}
        self.index: dict[str, sympy.Symbol] = {}
        self.dims: dict[str, sympy.Symbol] = {}

    def of(self, node: Node) -> sympy.Expr:
        if isinstance(node, EW):
            return node.expr
        s = self.sym.get(node)
        if s is None:
            s = sympy.Symbol(f"_m{len(self.sym)}", real=True)
            self.sym[node] = s
            self.node[s] = node
        return s

    def index_symbol(self, name: str) -> sympy.Symbol:
        return self.index.setdefault(name, sympy.Symbol(name, real=True))

    def dim(self, d: Dim) -> sympy.Expr:
        if isinstance(d, int):
            return sympy.Integer(d)
        return self.dims.setdefault(d, sympy.Symbol(d, positive=True, integer=True))

    def is_matrix_atom(self, s) -> bool:
        n = self.node.get(s)
        return n is not None and not n.scalar


@dataclass
class Calc:
    """Builds normalised nodes; every constructor simplifies as it goes."""

    atoms: Atoms = field(default_factory=Atoms)
    rewrites: set[str] = field(default_factory=set)  # named simplifications that happened

    # -- entrywise --------------------------------------------------------------------
    def ew(self, expr, rows: Dim, cols: Dim) -> Node:
        expr = _as_expr(expr)
        if (rows, cols) != (1, 1):
            expr = self._drop_ones(expr, rows, cols)
        expr = self._softmax(expr)
        if expr.is_Add or expr.is_Mul:
            expanded = sympy.expand(expr)
            if sympy.count_ops(expanded) < sympy.count_ops(expr):
                expr = expanded
        if isinstance(expr, sympy.Symbol) and expr in self.atoms.node:
            n = self.atoms.node[expr]
            if n.shape == (rows, cols):
                return n
        return EW(expr, rows, cols)

    def _softmax(self, expr):
        """exp(h)/sum(exp(h)) is softmax(h), the form every ML text writes."""
        for s, n in list(self.atoms.node.items()):
            if not (isinstance(n, Call) and n.fn == "sum" and s in expr.free_symbols):
                continue
            inner = n.arg
            if not (isinstance(inner, EW) and isinstance(inner.expr, sympy.exp)):
                continue
            v = self.atoms.node.get(inner.expr.args[0])
            if v is None or v.shape != inner.shape or (v.rows != 1 and v.cols != 1):
                continue
            ratio = inner.expr / s
            sm = self.atoms.of(Call("softmax", v, v.rows, v.cols))
            self.rewrites.add("log-sum-exp rule: exp(h) / Σ exp(h) = softmax(h)")
            expr = expr.replace(
                lambda e, ratio=ratio: e.is_Mul and all(f in e.args for f in ratio.args),
                lambda e, ratio=ratio, sm=sm: e / ratio * sm)
        return expr

    def _drop_ones(self, expr, rows, cols):
        """ones ⊙ M = M: a ones atom beside another matrix atom in a product goes."""
        one = self.atoms.sym.get(Ones(rows, cols))
        if one is None or not expr.has(one):
            return expr
        out = []
        for term in sympy.Add.make_args(sympy.expand(expr)):
            factors = sympy.Mul.make_args(term)
            others = [f for f in factors if f.free_symbols & set(self.atoms.node)
                      and self.atoms.is_matrix_atom(next(iter(f.free_symbols)))
                      and one not in f.free_symbols]
            if others:
                term = term.xreplace({one: 1})
            else:
                term = term.replace(lambda e: e.is_Pow and e.base == one, lambda e: one)
            out.append(term)
        return sympy.Add(*out)

    def number(self, v) -> Node:
        return EW(_as_expr(v), 1, 1)

    def zero(self, rows, cols) -> Node:
        return EW(sympy.Integer(0), rows, cols)

    def is_zero(self, n: Node) -> bool:
        return isinstance(n, EW) and n.expr == 0

    def combine(self, op: str, a: Node, b: Node) -> Node:
        """a op b entry by entry, a 1×1 side spread over the other."""
        if a.shape != b.shape and not a.scalar and not b.scalar:
            raise NoClosedForm(f"shapes {a.shape} and {b.shape} do not match")
        rows, cols = b.shape if a.scalar else a.shape
        x, y = self.atoms.of(a), self.atoms.of(b)
        if op == "+":
            e = x + y
        elif op == "-":
            e = x - y
        elif op == "*":
            e = x * y
        elif op == "/":
            e = x / y
        else:
            e = x ** y
        return self.ew(e, rows, cols)

    def apply(self, builder, args: list[Node]) -> Node:
        shapes = {a.shape for a in args if not a.scalar}
        if len(shapes) > 1:
            raise NoClosedForm("entrywise arguments of different shapes")
        rows, cols = shapes.pop() if shapes else (1, 1)
        return self.ew(builder(*[self.atoms.of(a) for a in args]), rows, cols)

    def scale(self, c: Node, m: Node) -> Node:
        return self.combine("*", c, m)

    def add(self, a: Node | None, b: Node) -> Node:
        if a is None:
            return b
        if a.shape != b.shape:
            raise NoClosedForm("adjoints of different shapes")  # a bug if ever reached
        return self.combine("+", a, b)

    def spread(self, g: Node, rows, cols) -> Node:
        """A scalar over a rows×cols matrix: g · ones(rows, cols)."""
        if (rows, cols) == (1, 1):
            return g
        return self.scale(g, Ones(rows, cols))

    # -- linear structure -------------------------------------------------------------
    def linear_terms(self, n: Node) -> list[tuple[sympy.Expr, Node]] | None:
        """n as Σ cᵢ·Mᵢ with scalar cᵢ, or None when n is not linear in its matrices."""
        if not isinstance(n, EW):
            return [(sympy.Integer(1), n)]
        if n.scalar:
            return None
        out = []
        for term in sympy.Add.make_args(sympy.expand(n.expr)):
            coef, mats = sympy.Integer(1), []
            for f in sympy.Mul.make_args(term):
                syms = [s for s in f.free_symbols if self.atoms.is_matrix_atom(s)]
                if not syms:
                    coef *= f
                elif f.is_Symbol:
                    mats.append(f)
                else:
                    return None
            if len(mats) > 1:
                return None
            node = self.atoms.node[mats[0]] if mats else Ones(n.rows, n.cols)
            out.append((coef, node))
        return out

    def from_terms(self, terms, rows, cols) -> Node:
        if not terms:
            return self.zero(rows, cols)
        return self.ew(sympy.Add(*[c * self.atoms.of(m) for c, m in terms]), rows, cols)

    # -- transpose --------------------------------------------------------------------
    def t(self, n: Node) -> Node:
        if n.scalar:
            return n
        if isinstance(n, T):
            return n.arg
        if isinstance(n, Leaf) and n.symmetric:
            return n
        if isinstance(n, Eye):
            return n
        if isinstance(n, Ones):
            return Ones(n.cols, n.rows)
        if isinstance(n, Call) and n.fn == "diag" and n.rows == n.cols:
            return n
        if isinstance(n, MatMul):
            return self.mm(*[self.t(a) for a in reversed(n.args)])
        if isinstance(n, Kron):
            return Kron(self.t(n.a), self.t(n.b))
        if isinstance(n, EW):
            terms = self.linear_terms(n)
            if terms is not None:
                return self.from_terms([(c, self.t(m)) for c, m in terms], n.cols, n.rows)
        return T(n)

    # -- matrix product -------------------------------------------------------------------
    def mm(self, *args: Node) -> Node:
        if len(args) == 1:
            return args[0]
        a, b = args[0], self.mm(*args[1:]) if len(args) > 2 else args[1]
        if a.cols != b.rows:
            raise NoClosedForm(f"a product of {a.shape} and {b.shape}")
        rows, cols = a.rows, b.cols
        if self.is_zero(a) or self.is_zero(b):
            return self.zero(rows, cols)
        if a.scalar:  # 1×1 @ 1×c is a scalar multiple
            return self.scale(a, b)
        if b.scalar:
            return self.scale(b, a)
        ta, tb = self.linear_terms(a), self.linear_terms(b)
        if ta is not None and tb is not None and (len(ta) > 1 or len(tb) > 1
                                                   or ta[0][0] != 1 or tb[0][0] != 1):
            terms = [(ca * cb, self.mm(ma, mb)) for ca, ma in ta for cb, mb in tb]
            return self._sum_nodes(terms, rows, cols)
        fa = list(a.args) if isinstance(a, MatMul) else [a]
        fb = list(b.args) if isinstance(b, MatMul) else [b]
        factors = [f for f in fa + fb if not isinstance(f, Eye)]
        factors = self._cancel_inverses(factors)
        factors = self._mixed_products(factors)
        if not factors:
            return Eye(rows)
        if len(factors) == 1:
            return factors[0]
        node = MatMul(tuple(factors))
        if node.scalar:  # one of aᵀb and bᵀa, always the same one
            other = MatMul(tuple(self.t(f) for f in reversed(factors)))
            if _key(other) < _key(node):
                node = other
        return node

    def _mixed_products(self, factors):
        """(A ⊗ B)(C ⊗ D) = AC ⊗ BD, when the shapes allow it."""
        out: list[Node] = []
        for f in factors:
            last = out[-1] if out else None
            if (isinstance(last, Kron) and isinstance(f, Kron) and last.a.cols == f.a.rows
                    and last.b.cols == f.b.rows):
                out[-1] = Kron(self.mm(last.a, f.a), self.mm(last.b, f.b))
                continue
            out.append(f)
        return out

    def _cancel_inverses(self, factors):
        out: list[Node] = []
        for f in factors:
            if out and _inverse_pair(out[-1], f):
                out.pop()
                continue
            out.append(f)
        return out

    def _sum_nodes(self, terms, rows, cols) -> Node:
        """Σ c·node, where a node may itself be a sum (an EW) or a scalar multiple."""
        expr = sympy.Integer(0)
        for c, m in terms:
            expr += c * self.atoms.of(m)
        return self.ew(expr, rows, cols)


    def sum_of(self, m: Node) -> sympy.Expr:
        c = self
        if m.scalar:
            return c.atoms.of(m)
        terms = c.linear_terms(m)
        if terms is not None and len(terms) > 1:
            return sympy.Add(*[k * self.sum_of(n) for k, n in terms])
        if isinstance(m, Ones):
            return c.atoms.dim(m.rows) * c.atoms.dim(m.cols)
        return c.atoms.of(Call("sum", m, 1, 1))

    def trace_of(self, m: Node) -> sympy.Expr:
        c = self
        if m.rows != m.cols:
            raise NoClosedForm("trace of a non-square matrix")
        if m.scalar:
            return c.atoms.of(m)
        terms = c.linear_terms(m)
        if terms is not None and len(terms) > 1:
            return sympy.Add(*[k * self.trace_of(n) for k, n in terms])
        if isinstance(m, Eye):
            return c.atoms.dim(m.n)
        if isinstance(m, T):
            m = m.arg
        return c.atoms.of(Call("trace", m, 1, 1))


def _inverse_pair(a: Node, b: Node) -> bool:
    if isinstance(a, Call) and a.fn == "inv" and a.arg == b:
        return True
    if isinstance(b, Call) and b.fn == "inv" and b.arg == a:
        return True
    if isinstance(a, T) and isinstance(b, T):
        return _inverse_pair(a.arg, b.arg)
    return False


def _key(n: Node) -> str:
    return repr(n)


# -- lifting the parsed language into nodes ----------------------------------------------------


@dataclass
class Scope:
    shapes: dict[str, tuple[Dim, Dim]]
    symmetric: set[str]
    index: set[str]
    refs: dict[str, Node] = field(default_factory=dict)  # where name -> its definition
    sizes: set[str] = field(default_factory=set)  # size letters (usable as numbers)


class Lifter:
    def __init__(self, calc: Calc, scope: Scope, parser):
        self.c, self.scope, self.p = calc, scope, parser

    def lift(self, node: ast.AST) -> Node:
        c = self.c
        if isinstance(node, ast.Constant):
            return c.number(self.p.number(node))
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            v = self.lift(node.operand)
            if isinstance(node.op, ast.USub):
                return c.combine("*", c.number(-1), v)
            if isinstance(node.op, ast.UAdd):
                return v
            raise NoClosedForm("operator")
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.MatMult):
                return c.mm(self.lift(node.left), self.lift(node.right))
            sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
            op = sym.get(type(node.op))
            if op is None:
                raise NoClosedForm("operator")
            return c.combine(op, self.lift(node.left), self.lift(node.right))
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return c.t(self.lift(node.value))
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.call(node.func.id, node.args)
        raise NoClosedForm(type(node).__name__)

    def name(self, ident: str) -> Node:
        s = self.scope
        if ident in s.refs:
            d = s.refs[ident]
            return Leaf(ident, d.rows, d.cols, ref=True)
        if ident in s.shapes:
            r, k = s.shapes[ident]
            return Leaf(ident, r, k, symmetric=ident in s.symmetric)
        if ident in s.index:
            return self.c.number(self.c.atoms.index_symbol(ident))
        if ident in s.sizes:
            return self.c.number(self.c.atoms.dim(ident))
        if ident in CONSTANTS:
            return self.c.number(CONSTANTS[ident])
        raise NoClosedForm(f"unknown name {ident}")

    def _index(self, node: ast.AST) -> str | int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id in self.scope.index:
            return node.id
        raise NoClosedForm("an index expression")

    def _size(self, node: ast.AST) -> Dim:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name) and node.id in self.scope.sizes:
            return node.id
        raise NoClosedForm("a size")

    def subscript(self, node: ast.Subscript) -> Node:
        m = self.lift(node.value)
        sl = node.slice
        parts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        idx = tuple(self._index(p) for p in parts)
        if len(idx) == 1 and m.rows != 1 and m.cols != 1:
            raise NoClosedForm("one index of a matrix")
        return Call("index", m, 1, 1, idx)

    def call(self, fname: str, args: list[ast.expr]) -> Node:
        c = self.c
        if fname == "onehot":
            return OneHot(self._index(args[0]), self._size(args[1]))
        if fname == "eye":
            return Eye(self._size(args[0]))
        if fname == "ones":
            n = self._size(args[0])
            return Ones(n, self._size(args[1]) if len(args) > 1 else 1)
        vals = [self.lift(a) for a in args]
        if fname in _SCALAR_BUILDERS or fname in FUNCTIONS:
            builder = _SCALAR_BUILDERS.get(fname) or FUNCTIONS[fname][0]
            if fname == "relu":
                builder = relu
            return c.apply(builder, vals)
        if fname == "kron":
            return Kron(*vals)
        (m,) = vals
        if fname == "sum":
            return c.number(c.sum_of(m))
        if fname == "mean":
            n = c.atoms.dim(m.rows) * c.atoms.dim(m.cols)
            return c.number(c.sum_of(m) / n)
        if fname in ("trace", "tr"):
            return c.number(c.trace_of(m))
        if fname in ("det", "logdet", "inv"):
            if m.rows != m.cols:
                raise NoClosedForm(f"{fname} of a non-square matrix")
            if m.scalar:
                x = c.atoms.of(m)
                return c.number({"det": x, "logdet": sympy.log(x), "inv": 1 / x}[fname])
            if fname == "inv":
                if isinstance(m, Call) and m.fn == "inv":
                    return m.arg
                if isinstance(m, T):
                    return c.t(Call("inv", m.arg, m.rows, m.cols))
                return Call("inv", m, m.rows, m.cols)
            return c.number(c.atoms.of(Call(fname, m, 1, 1)))
        if fname == "norm":
            if m.scalar:
                return c.number(sympy.Abs(c.atoms.of(m)))
            return c.number(c.atoms.of(Call("norm", m, 1, 1)))
        if fname in ("softmax", "logsumexp"):
            if m.rows != 1 and m.cols != 1:
                raise NoClosedForm(f"{fname} of a matrix")
            if fname == "logsumexp":
                return c.number(c.atoms.of(Call("logsumexp", m, 1, 1)))
            return Call("softmax", m, m.rows, m.cols)
        if fname == "diag":
            if m.cols == 1 and m.rows != 1:
                if isinstance(m, Ones):
                    return Eye(m.rows)
                return Call("diag", m, m.rows, m.rows)
            if m.rows == m.cols:
                return Call("diag", m, m.rows, 1)
            raise NoClosedForm("diag of a non-square matrix")
        raise NoClosedForm(f"the function {fname}")


# -- reverse mode ------------------------------------------------------------------------------


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
        raise NoClosedForm(f"no rule for {type(node).__name__}")

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


# -- printing: the language, LaTeX and Unicode -------------------------------------------------


class Printer:
    """mode: 'lang' (what --expect reads), 'tex' or 'uni'."""

    def __init__(self, calc: Calc, mode: str, sizes: dict[str, int] | None = None):
        self.c, self.mode, self.sizes = calc, mode, sizes or {}

    def dim(self, d: Dim) -> str:
        return str(self.sizes.get(d, d)) if isinstance(d, str) else str(d)

    def __call__(self, n: Node) -> str:
        return self.node(n)

    def node(self, n: Node) -> str:
        m = self.mode
        if isinstance(n, Leaf):
            return _name(n.name, m)
        if isinstance(n, Eye):
            return {"lang": f"eye({self.dim(n.n)})", "tex": "I",
                    "uni": "I"}[m]
        if isinstance(n, Ones):
            if m == "lang":
                return f"ones({self.dim(n.rows)}, {self.dim(n.cols)})"
            return "\\mathbf{1}" if m == "tex" else "𝟏"
        if isinstance(n, OneHot):
            if m == "lang":
                return f"onehot({n.index}, {self.dim(n.k)})"
            return f"e_{{{_name(str(n.index), m)}}}" if m == "tex" else f"e_{n.index}"
        if isinstance(n, T):
            inner = self.node(n.arg)
            if isinstance(n.arg, Call) and n.arg.fn == "inv" and m != "lang":
                base = self.node(n.arg.arg)
                base = base if _atomic(n.arg.arg) else f"({base})"
                return f"{{{base}}}^{{-T}}" if m == "tex" else f"{base}⁻ᵀ"
            if not _atomic(n.arg):
                inner = f"\\left({inner}\\right)" if m == "tex" else f"({inner})"
            return {"lang": f"{inner}.T", "tex": f"{{{inner}}}^{{T}}", "uni": f"{inner}ᵀ"}[m]
        if isinstance(n, MatMul):
            return self.product(list(n.args))
        if isinstance(n, Kron):
            a, b = self.wrap(n.a), self.wrap(n.b)
            return {"lang": f"kron({self.node(n.a)}, {self.node(n.b)})",
                    "tex": f"{a} \\otimes {b}", "uni": f"{a} ⊗ {b}"}[m]
        if isinstance(n, Call):
            return self.call(n)
        if isinstance(n, EW):
            return self.ew(n.expr, n.scalar)
        raise NoClosedForm("cannot print")

    def wrap(self, n: Node) -> str:
        s = self.node(n)
        if _atomic(n):
            return s
        return f"\\left({s}\\right)" if self.mode == "tex" else f"({s})"

    def product(self, factors: list[Node]) -> str:
        parts = [self.wrap(f) if not isinstance(f, MatMul) else self.node(f) for f in factors]
        return {"lang": " @ ", "tex": " ", "uni": " "}[self.mode].join(parts)

    def call(self, n: Call) -> str:
        m = self.mode
        a = self.node(n.arg)
        if n.fn == "index":
            idx = ", ".join(str(i) for i in n.index)
            base = self.wrap(n.arg)
            return {"lang": f"{base}[{idx}]", "tex": f"{{{base}}}_{{{idx}}}",
                    "uni": f"{base}[{idx}]"}[m]
        if m == "lang":
            return f"{n.fn}({a})"
        if n.fn == "inv":
            base = a if _atomic(n.arg) else f"({a})"
            return f"{{{base}}}^{{-1}}" if m == "tex" else f"{base}⁻¹"
        if n.fn == "det":
            return f"\\det\\left({a}\\right)" if m == "tex" else f"det({a})"
        if n.fn == "logdet":
            return (f"\\log\\det\\left({a}\\right)" if m == "tex" else f"log det({a})")
        if n.fn == "norm":
            return f"\\left\\lVert {a} \\right\\rVert" if m == "tex" else f"‖{a}‖"
        if n.fn == "trace":
            return f"\\operatorname{{tr}}\\left({a}\\right)" if m == "tex" else f"tr({a})"
        if n.fn == "sum":
            return f"\\textstyle\\sum {self.wrap(n.arg)}" if m == "tex" else f"Σ{self.wrap(n.arg)}"
        return (f"\\operatorname{{{n.fn}}}\\left({a}\\right)" if m == "tex"
                else f"{n.fn}({a})")

    # -- entrywise sympy expressions -------------------------------------------------
    def ew(self, e, scalar: bool) -> str:
        return self._expr(e, scalar, 0)

    def _atom(self, s) -> tuple[str, int]:
        """(text, precedence): 9 atomic, 5 a product (a @ b), 1 a sum."""
        n = self.c.atoms.node.get(s)
        if n is None:
            if s in self.c.atoms.dims.values() and str(s) in self.sizes:
                return str(self.sizes[str(s)]), 9
            return _name(str(s), self.mode), 9
        if isinstance(n, MatMul):
            return self.node(n), 5
        if isinstance(n, Kron):
            return self.node(n), 5
        return self.node(n), 9

    def _paren(self, s: str) -> str:
        return f"\\left({s}\\right)" if self.mode == "tex" else f"({s})"

    def _expr(self, e, scalar: bool, prec: float) -> str:
        """prec: the binding of the context (1 sum, 2 product, 3 power base)."""
        m = self.mode
        if e.is_Symbol:
            s, p = self._atom(e)
            if p == 5 and prec >= 2:
                return self._paren(s)
            return s
        if e.is_Number:
            s = self._number(e)
            if (e < 0 or (e.is_Rational and not e.is_Integer)) and prec >= 2:
                return self._paren(s)
            return s
        if e.is_Add:
            s = self._sum(e, scalar)
            return self._paren(s) if prec >= 1 else s
        if e.is_Mul:
            return self._mul(e, scalar, prec)
        if e.is_Pow:
            base, ex = e.args
            if ex == sympy.Rational(1, 2):
                return self._fn("sqrt", [base], scalar)
            if ex.is_Number and ex < 0:
                return self._mul(e, scalar, prec)
            b = self._expr(base, scalar, 3)
            x = self._expr(ex, scalar, 3) if m == "lang" else self._expr(ex, scalar, 0)
            if m == "lang":
                return f"{b}**{x}"
            if m == "tex":
                return f"{{{b}}}^{{{x}}}"
            return f"{b}^{x}" if not ex.is_Integer or ex < 0 else b + _sup(int(ex))
        if isinstance(e, sympy.Function) or isinstance(e, sympy.Heaviside):
            name = type(e).__name__
            name = {"Heaviside": "heaviside", "Abs": "abs", "Max": "max", "Min": "min",
                    "exp": "exp"}.get(name, name)
            return self._fn(name, list(e.args), scalar)
        if e is sympy.pi:
            return "pi" if m == "lang" else ("\\pi" if m == "tex" else "π")
        if e is sympy.E:
            return "E" if m == "lang" else "e"
        raise NoClosedForm(f"cannot print {type(e).__name__}")

    def _number(self, e) -> str:
        if self.mode == "tex" and e.is_Rational and not e.is_Integer:
            sign = "-" if e < 0 else ""
            return f"{sign}\\frac{{{abs(e.p)}}}{{{e.q}}}"
        return str(e)

    def _fn(self, name: str, args, scalar: bool) -> str:
        if name == "heaviside":
            args = args[:1]  # sympy keeps its value at 0 as a second argument
        inner = ", ".join(self._expr(a, scalar, 0) for a in args)
        if self.mode == "lang":
            return f"{name}({inner})"
        if name == "heaviside":
            return (f"1\\{{{inner} > 0\\}}" if self.mode == "tex" else f"1{{{inner} > 0}}")
        if self.mode == "tex":
            if name in ("exp", "log", "sin", "cos", "tan", "tanh", "max", "min"):
                return f"\\{name}\\left({inner}\\right)"
            if name == "sqrt":
                return f"\\sqrt{{{inner}}}"
            if name == "sigmoid":
                return f"\\sigma\\left({inner}\\right)"
            return f"\\operatorname{{{name}}}\\left({inner}\\right)"
        if name == "sigmoid":
            return f"σ({inner})"
        if name == "sqrt":
            return f"√({inner})"
        return f"{name}({inner})"

    def _mul(self, e, scalar: bool, prec: float) -> str:
        m = self.mode
        coef, rest = e.as_coeff_Mul()
        num, den = [], []
        for f in sympy.Mul.make_args(rest):
            if f.is_Pow and f.exp.is_Number and f.exp < 0:
                den.append(f.base ** -f.exp if f.exp != -1 else f.base)
            else:
                num.append(f)
        if coef.is_Rational and coef.q != 1:
            den.insert(0, sympy.Integer(coef.q))
            coef = sympy.Integer(coef.p)
        neg = coef < 0
        coef = abs(coef)
        # scalars first, then matrices: c·A, σ(h)·x
        num.sort(key=lambda f: (self._is_matrix(f), sympy.default_sort_key(f)))
        had = "*" if m == "lang" else (" \\odot " if m == "tex" else " ⊙ ")
        times = "*" if m == "lang" else (" " if m == "tex" else "·")
        items = [(str(coef), False)] if coef != 1 or not num else []
        # a product a @ b needs no parentheses beside scalars: 2*A.T @ x
        inner = 2 if sum(self._is_matrix(f) for f in num) > 1 or den else 1.5
        # a 1×1 product among other factors is bracketed: 2*(a.T @ x)*a
        items += [(self._expr(f, scalar, 2 if not f.is_Symbol or (
            len(num) > 1 and self._scalar_product(f)) else inner), self._is_matrix(f))
                  for f in num]
        top = items[0][0]
        for (_, prev), (s, cur) in zip(items, items[1:], strict=False):
            if not scalar and prev and cur:
                top += had + s
            else:  # 2·λ·w, but 2 Aᵀ A: a space before a matrix, as people write it
                top += (" " if m == "uni" and cur else times) + s
        if den:
            bottom = times.join(self._expr(f, scalar, 2) for f in den)
            if m == "tex":
                s = f"\\frac{{{top}}}{{{bottom}}}"
            else:
                if len(den) > 1:
                    bottom = self._paren(bottom)
                s = f"{top}/{bottom}"
        else:
            s = top
        if neg:
            s = "-" + s
            if prec >= 2:
                return self._paren(s)
        elif den and prec >= 3:
            return self._paren(s)
        return s

    def _scalar_product(self, f) -> bool:
        n = self.c.atoms.node.get(f)
        return isinstance(n, MatMul) and n.scalar

    def _matrix_syms(self) -> set:
        return {s for s, n in self.c.atoms.node.items() if not n.scalar}

    def _is_matrix(self, f) -> bool:
        return f is not None and bool(f.free_symbols & self._matrix_syms())

    def _sum(self, e, scalar: bool) -> str:
        """A sum, with common left and right factors of its products pulled out."""
        terms = self._terms(e)
        if terms is not None and len(terms) > 1:
            s = self._factored(terms)
            if s is not None:
                return s
            s = self._grouped(e)
            if s is not None:
                return s
        g = sympy.factor_terms(e)
        if g.is_Mul and g != e:
            return self._expr(g, scalar, 0)
        return self._plain_sum(list(sympy.Add.make_args(e)), scalar)

    def _grouped(self, e) -> str | None:
        """Terms grouped by a shared first (or last) factor: 2Xᵀ(Xw − t) + 2λw."""
        args = list(sympy.Add.make_args(e))
        for end in (0, -1):
            groups: dict[Node | None, list] = {}
            for t in args:
                one = self._terms(t)
                f = one[0][1]
                key = f[end] if len(f) > 1 else None
                groups.setdefault(key, []).append(t)
            big = [k for k, v in groups.items() if k is not None and len(v) > 1]
            if not big:
                continue
            parts = [sympy.Add(*groups[k]) for k in big]
            rest = [t for k, v in groups.items() if k not in big for t in v]
            texts = [self._factored(self._terms(p)) or self._plain_sum(list(p.args), False)
                     for p in parts]
            if rest:
                texts.append(self._plain_sum(rest, False))
            out = texts[0]
            for t in texts[1:]:
                out += (" - " + t[1:]) if t.startswith("-") else (" + " + t)
            return out
        return None

    def _plain_sum(self, args, scalar: bool) -> str:
        printed = [(_negative(t), self._expr(-t if _negative(t) else t, scalar, 1)) for t in args]
        # positive terms first, then the fewest transposes: A + Aᵀ, softmax(h) − e_y
        printed.sort(key=lambda p: (p[0], p[1].count("ᵀ") + p[1].count(".T")
                                    + p[1].count("^{T}"), len(p[1]), p[1]))
        out = ""
        for k, (neg, s) in enumerate(printed):
            if k == 0:
                out = ("-" + s) if neg else s
            else:
                out += (" - " if neg else " + ") + s
        return out

    def _terms(self, e):
        """[(scalar coefficient, [factors])] when e is a sum of matrix products."""
        out = []
        for t in sympy.Add.make_args(e):
            coef, mats = sympy.Integer(1), []
            for f in sympy.Mul.make_args(t):
                if f.is_Symbol and f in self._matrix_syms():
                    mats.append(f)
                elif f.free_symbols & self._matrix_syms():
                    return None
                else:
                    coef *= f
            if len(mats) != 1:
                return None
            n = self.c.atoms.node[mats[0]]
            out.append((coef, list(n.args) if isinstance(n, MatMul) else [n]))
        return out

    def _factored(self, terms) -> str | None:
        left = _common(terms, 0)
        stripped = [(k, f[len(left):]) for k, f in terms]
        right = _common(stripped, -1) if all(len(f) > 1 for _, f in stripped) else []
        if not left and not right:
            return None
        c = self.c
        inner = [(k, f[:len(f) - len(right)]) for k, f in stripped]
        if any(not r for _, r in inner):
            # e.g. A + A @ B: the factor is the identity in one term
            n0 = (left or right)[0]
            size = n0.rows if left else n0.cols
            inner = [(k, r or [Eye(size if right else left[-1].cols)]) for k, r in inner]
        expr = sympy.Add(*[k * c.atoms.of(c.mm(*r)) for k, r in inner])
        shape_node = c.mm(*inner[0][1])
        body_node = c.ew(expr, shape_node.rows, shape_node.cols)
        g = sympy.factor_terms(expr) if isinstance(body_node, EW) else None
        outer = sympy.Integer(1)
        if g is not None and g.is_Mul:
            adds = [f for f in g.args if f.is_Add]
            if len(adds) == 1 and not (g / adds[0]).free_symbols & self._matrix_syms():
                outer = g / adds[0]
                body_node = c.ew(adds[0], body_node.rows, body_node.cols)
        body = self._transposed_sum(body_node)
        sep = {"lang": " @ ", "tex": " ", "uni": " "}[self.mode]
        pieces = [self.wrap(f) for f in left] + [body] + [self.wrap(f) for f in right]
        s = sep.join(pieces)
        if outer == -1:
            s = f"-{s}"
        elif outer != 1:
            s = f"{self._expr(outer, True, 2)}{'*' if self.mode == 'lang' else ' '}{s}"
        return s

    def _transposed_sum(self, n: Node) -> str:
        """(a − b)ᵀ rather than aᵀ − bᵀ, when every term reads better untransposed."""
        c = self.c
        terms = c.linear_terms(n) if isinstance(n, EW) else None
        if terms and len(terms) > 1 and all(isinstance(m, T) for _, m in terms):
            inner = c.from_terms([(k, m.arg) for k, m in terms if isinstance(m, T)],
                                 n.cols, n.rows)
            s = self.wrap(inner) if not isinstance(inner, EW) else self._paren(self.node(inner))
            return {"lang": f"{s}.T", "tex": f"{{{s}}}^{{T}}", "uni": f"{s}ᵀ"}[self.mode]
        return self.wrap(n) if not isinstance(n, EW) or not n.expr.is_Add \
            else self._paren(self.node(n))


def _common(terms, end: int) -> list[Node]:
    """The longest run of factors every term starts (end=0) or ends (end=-1) with."""
    seqs = [f if end == 0 else list(reversed(f)) for _, f in terms]
    out = []
    for k in range(min(len(s) for s in seqs)):
        if all(s[k] == seqs[0][k] for s in seqs):
            out.append(seqs[0][k])
        else:
            break
    if len(out) == min(len(s) for s in seqs) and all(len(s) == len(out) for s in seqs):
        out = out[:-1]  # identical terms are collected by sympy, never factored here
    return out if end == 0 else list(reversed(out))


def _negative(t) -> bool:
    c, _ = t.as_coeff_Mul()
    return bool(c < 0)


_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _sup(n: int) -> str:
    return str(n).translate(_SUP)


def _atomic(n: Node) -> bool:
    if isinstance(n, (Leaf, Eye, Ones, OneHot, Call, T)):
        return True
    if isinstance(n, EW):
        e = n.expr
        return bool(e.is_Symbol or e.is_Function or (e.is_Number and e >= 0))
    return False


_GREEK = set(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega".split()
)


def _name(name: str, mode: str) -> str:
    if mode == "lang":
        return name
    if mode == "tex":
        from symjac.ops.matexpr import name_latex

        return name_latex(name)
    from symjac.ops.grad import pretty

    return pretty(name)


# -- the derivation --------------------------------------------------------------------------


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
    for name, parser in where:
        defs[name] = Lifter(calc, scope, parser).lift(parser.tree)
        scope.refs[name] = defs[name]
    loss = Lifter(calc, scope, loss_parser).lift(loss_parser.tree)
    if not loss.scalar:
        raise NoClosedForm("the loss is not a scalar")

    reach_cache: dict[Node, bool] = {}

    def depends(n: Node) -> bool:
        if n in reach_cache:
            return reach_cache[n]
        if isinstance(n, Leaf):
            out = n.name == wrt or (n.ref and depends(defs[n.name]))
        elif isinstance(n, (T,)):
            out = depends(n.arg)
        elif isinstance(n, MatMul):
            out = any(depends(a) for a in n.args)
        elif isinstance(n, Kron):
            out = depends(n.a) or depends(n.b)
        elif isinstance(n, Call):
            out = depends(n.arg)
        elif isinstance(n, EW):
            out = any(depends(calc.atoms.node[s]) for s in n.expr.free_symbols
                      if s in calc.atoms.node)
        else:
            out = False
        reach_cache[n] = out
        return out

    back = Backward(calc, depends)
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


def _as_expr(v):
    """An internal value (a sympy expression, an int or a Fraction) as a sympy expression."""
    if isinstance(v, sympy.Basic):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return sympy.Integer(v)
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    raise TypeError(f"not an expression: {v!r}")
