"""Lifting the parsed language (an ast from MatrixParser) into matrix nodes."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import sympy

from symjac.language.parser import CONSTANTS, FUNCTIONS
from symjac.ops.matcalc.nodes import (
    _SCALAR_BUILDERS,
    Calc,
    Call,
    Dim,
    Eye,
    Kron,
    Leaf,
    Lit,
    NoClosedForm,
    Node,
    OneHot,
    Ones,
    T,
    relu,
)


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
        if isinstance(node, ast.List):
            return self.literal(node)
        raise NoClosedForm(type(node).__name__)

    def literal(self, node: ast.List) -> Node:
        """[[1, 2], [3, 4]] (a flat list is a column, as MatrixParser reads it)."""
        if not node.elts:
            raise NoClosedForm("an empty matrix")
        if all(isinstance(e, ast.List) for e in node.elts):
            rows = [[self.lift(e) for e in r.elts] for r in node.elts if isinstance(r, ast.List)]
        else:
            rows = [[self.lift(e)] for e in node.elts]
        if any(len(r) != len(rows[0]) or not r for r in rows):
            raise NoClosedForm("a ragged matrix")
        if any(not e.scalar for r in rows for e in r):
            raise NoClosedForm("a matrix entry that is not a scalar")
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return Lit(tuple(tuple(r) for r in rows))

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

    def call_node(self, fname: str, m: Node) -> Node:
        """fname(m) for a node already lifted (through the same rules as call)."""
        return self.call(fname, [], [m])

    def log_softmax(self, m: Node) -> Node | None:
        """log softmax(h) = h − logsumexp(h), and log softmax(h)[y] = h[y] − logsumexp(h)."""
        c = self.c
        picked = m.index if isinstance(m, Call) and m.fn == "index" else None
        soft = m.arg if picked is not None and isinstance(m, Call) else m
        if not (isinstance(soft, Call) and soft.fn == "softmax"):
            return None
        h = soft.arg
        c.rewrites.add("log-softmax: log softmax(h) = h − logsumexp(h)")
        lse = c.number(c.atoms.of(Call("logsumexp", h, 1, 1)))
        if picked is not None:
            return c.combine("-", Call("index", h, 1, 1, picked), lse)
        return c.combine("-", h, lse)

    def kron_square(self, fname: str, m: Kron) -> Node:
        """det, log det and inverse of A ⊗ B (A n×n, B p×p), Cookbook (10.2.1)."""
        c = self.c
        a, b = m.a, m.b
        if fname == "inv":
            c.rewrites.add("Kronecker: (A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹")
            return c.kron(self.call_node("inv", a), self.call_node("inv", b))
        n, p = c.atoms.dim(a.rows), c.atoms.dim(b.rows)
        da, db = (c.atoms.of(self.call_node(fname, x)) for x in (a, b))
        if fname == "det":
            c.rewrites.add("Kronecker: det(A ⊗ B) = det(A)^p det(B)^n")
            return c.number(da ** p * db ** n)
        c.rewrites.add("Kronecker: log det(A ⊗ B) = p log det A + n log det B")
        return c.number(p * da + n * db)

    def call(self, fname: str, args: list[ast.expr], lifted: list[Node] | None = None) -> Node:
        c = self.c
        if fname == "onehot":
            return OneHot(self._index(args[0]), self._size(args[1]))
        if fname == "eye":
            return Eye(self._size(args[0]))
        if fname == "ones":
            n = self._size(args[0])
            return Ones(n, self._size(args[1]) if len(args) > 1 else 1)
        vals = lifted if lifted is not None else [self.lift(a) for a in args]
        if fname in ("log", "ln") and len(vals) == 1:
            soft = self.log_softmax(vals[0])
            if soft is not None:
                return soft
        if fname in _SCALAR_BUILDERS or fname in FUNCTIONS:
            builder = _SCALAR_BUILDERS.get(fname) or FUNCTIONS[fname][0]
            if fname == "relu":
                builder = relu
            return c.apply(builder, vals)
        if fname == "kron":
            return c.kron(*vals)
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
            if isinstance(m, Kron) and m.a.rows == m.a.cols:
                return self.kron_square(fname, m)
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
            if isinstance(m, Kron):  # the Frobenius norm is multiplicative over ⊗
                c.rewrites.add("Kronecker: ‖A ⊗ B‖ = ‖A‖ ‖B‖")
                return c.number(c.atoms.of(self.call_node("norm", m.a))
                                * c.atoms.of(self.call_node("norm", m.b)))
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


