"""Matrix nodes, their sympy atoms, and the calculator that builds them normalised."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import sympy

from symjac.ops.matexpr import dim_mul

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
        return dim_mul(self.a.rows, self.b.rows)

    @property
    def cols(self):
        return dim_mul(self.a.cols, self.b.cols)


@dataclass(frozen=True)
class Call(Node):
    """sum trace det logdet inv norm softmax logsumexp diag, and h[i] as 'index'."""

    fn: str
    arg: Node
    rows: Dim
    cols: Dim
    index: tuple = ()  # for 'index': (i,) or (i, j), names or numbers


@dataclass(frozen=True)
class Lit(Node):
    """A matrix written out entry by entry ([[1, 2], [3, 4]]): each entry a 1×1 node."""

    entries: tuple[tuple[Node, ...], ...]

    @property
    def rows(self):
        return len(self.entries)

    @property
    def cols(self):
        return len(self.entries[0])


@dataclass(frozen=True)
class EW(Node):
    """An entrywise expression: sympy over atoms of this shape and scalars."""

    expr: sympy.Expr
    rows: Dim
    cols: Dim



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
        elif expr.is_Add:
            expr = self._gather_sums(expr)
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

    def _gather_sums(self, expr):
        """Σᵢ f(hᵢ) over every entry of a vector h, written out (exp(h[1]) + exp(h[2])),
        is Σ f(h): then log Σ exp(h) has softmax(h) as its gradient, as a person writes it."""
        x = sympy.Dummy("x")
        groups: dict[tuple, list] = {}
        for term in sympy.Add.make_args(expr):
            picked = [s for s in term.free_symbols if self._picks(s) is not None]
            if len(picked) != 1:
                continue
            pick = self._picks(picked[0])
            assert pick is not None  # picked for that
            v, i = pick
            template = term.xreplace({picked[0]: x})
            if any(self.atoms.is_matrix_atom(s) for s in template.free_symbols):
                continue
            groups.setdefault((v, template), []).append((i, term))
        for (v, template), found in groups.items():
            size = v.rows if v.cols == 1 else v.cols
            if not isinstance(size, int) or sorted(i for i, _ in found) != list(
                    range(1, size + 1)):
                continue
            entrywise = template.xreplace({x: self.atoms.of(v)})
            whole = self.atoms.node.get(entrywise) or EW(entrywise, v.rows, v.cols)
            self.rewrites.add("Σᵢ f(hᵢ) over every entry is Σ f(h)")
            expr = expr - sympy.Add(*[t for _, t in found]) + self.sum_of(whole)
        return expr

    def _picks(self, s) -> tuple[Node, int] | None:
        """(h, i) when the atom s is h[i], one entry of a vector by a whole number."""
        n = self.atoms.node.get(s)
        if not (isinstance(n, Call) and n.fn == "index" and len(n.index) == 1
                and isinstance(n.index[0], int)):
            return None
        v = n.arg
        if v.rows != 1 and v.cols != 1:
            return None
        return v, n.index[0]

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
            return self.kron(self.t(n.a), self.t(n.b))
        if isinstance(n, Lit):
            return Lit(tuple(zip(*n.entries, strict=True)))
        if isinstance(n, EW):
            terms = self.linear_terms(n)
            if terms is not None:
                return self.from_terms([(c, self.t(m)) for c, m in terms], n.cols, n.rows)
        return T(n)

    # -- Kronecker product ------------------------------------------------------------
    def kron(self, a: Node, b: Node) -> Node:
        """a ⊗ b; a 1×1 side is a scalar multiple, and a zero side a zero matrix."""
        if a.scalar:
            return self.scale(a, b)
        if b.scalar:
            return self.scale(b, a)
        rows, cols = dim_mul(a.rows, b.rows), dim_mul(a.cols, b.cols)
        if self.is_zero(a) or self.is_zero(b):
            return self.zero(rows, cols)
        if isinstance(a, Eye) and isinstance(b, Eye):
            return Eye(rows)
        if isinstance(a, Ones) and isinstance(b, Ones):
            return Ones(rows, cols)
        ta, tb = self.linear_terms(a), self.linear_terms(b)
        if ta is not None and tb is not None and (len(ta) > 1 or len(tb) > 1
                                                   or ta[0][0] != 1 or tb[0][0] != 1):
            # bilinear: (2A + B) ⊗ C = 2 A ⊗ C + B ⊗ C
            return self._sum_nodes([(ca * cb, self.kron(ma, mb)) for ca, ma in ta
                                    for cb, mb in tb], rows, cols)
        return Kron(a, b)

    def kron_terms(self, g: Node, a: tuple[Dim, Dim], b: tuple[Dim, Dim]):
        """g as Σ k·(P ⊗ Q) with P shaped a and Q shaped b, or None."""
        terms = self.linear_terms(g)
        if terms is None:
            return None
        out = []
        for k, m in terms:
            if isinstance(m, Kron) and m.a.shape == a and m.b.shape == b:
                out.append((k, m.a, m.b))
            elif isinstance(m, Eye) and a[0] == a[1] and b[0] == b[1]:
                out.append((k, Eye(a[0]), Eye(b[0])))
            elif isinstance(m, Ones):
                out.append((k, Ones(*a), Ones(*b)))
            else:
                return None
        return out

    def pick(self, g: Node, i: int, j: int) -> Node:
        """The entry (i, j) of g (1-based), a 1×1 node."""
        if g.scalar:
            return g
        if isinstance(g, Lit):
            return g.entries[i - 1][j - 1]
        if isinstance(g, Ones):
            return self.number(1)
        if isinstance(g, Eye):
            return self.number(int(i == j))
        terms = self.linear_terms(g)
        if terms is not None and (len(terms) > 1 or terms[0][0] != 1):
            return self.number(sympy.Add(*[k * self.atoms.of(self.pick(m, i, j))
                                           for k, m in terms]))
        idx = (i, j) if g.rows != 1 and g.cols != 1 else ((i,) if g.cols == 1 else (j,))
        return Call("index", g, 1, 1, idx)

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
        if (rows, cols) == (1, 1) and (isinstance(a, Ones) or isinstance(b, Ones)):
            return self.number(self.sum_of(b if isinstance(a, Ones) else a))  # 𝟏ᵀv = Σv
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
        scalars = [f for f in factors if f.scalar]
        if scalars and len(factors) > 1:
            # (a ⊗ b)ᵀ(c ⊗ d) = (aᵀc)(bᵀd): a 1×1 factor of a product is a scalar multiple
            rest = [f for f in factors if not f.scalar]
            out = self.mm(*rest) if rest else Eye(rows)
            for f in scalars:
                out = self.scale(f, out)
            return out
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
                out[-1] = self.kron(self.mm(last.a, f.a), self.mm(last.b, f.b))
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
        if isinstance(m, T):  # Σ Aᵀ = Σ A
            return self.sum_of(m.arg)
        if isinstance(m, Kron):  # Σ (A ⊗ B) = Σ A · Σ B
            self.rewrites.add("Kronecker: Σ(A ⊗ B) = ΣA · ΣB")
            return self.sum_of(m.a) * self.sum_of(m.b)
        if isinstance(m, Lit):
            return sympy.Add(*[c.atoms.of(e) for row in m.entries for e in row])
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
        if isinstance(m, Kron) and m.a.rows == m.a.cols and m.b.rows == m.b.cols:
            self.rewrites.add("Kronecker: tr(A ⊗ B) = tr(A) tr(B)")
            return self.trace_of(m.a) * self.trace_of(m.b)
        if isinstance(m, Lit):
            return sympy.Add(*[c.atoms.of(m.entries[i][i]) for i in range(len(m.entries))])
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



def _as_expr(v):
    """An internal value (a sympy expression, an int or a Fraction) as a sympy expression."""
    if isinstance(v, sympy.Basic):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return sympy.Integer(v)
    if isinstance(v, Fraction):
        return sympy.Rational(v.numerator, v.denominator)
    raise TypeError(f"not an expression: {v!r}")

