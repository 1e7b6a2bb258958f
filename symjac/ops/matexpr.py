"""A small matrix-expression language on top of parsing.Parser.

``theta.T @ x``, ``-h[y] + log(sum(exp(h)))``, ``x @ (softmax(h) - onehot(y, 2)).T``:
the same ast allow-list as scalar expressions, plus ``@``, ``.T`` (the only
attribute), ``name[i]`` (1-based, as in the worksheet), elementwise functions
and a few matrix functions. Every value is an explicit sympy Matrix of
entries (a scalar is 1×1), so differentiation later is entry by entry with
plain Symbols: never with respect to a MatrixSymbol, where sympy silently
answers 0.

An index (``h[y]``, ``onehot(y, k)``) is either a concrete integer, checked
against the range, or an integer Symbol, which selects with KroneckerDelta.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import sympy

from symjac.core.errors import InputError, LimitError, ParseError, ShapeError, UndefinedError
from symjac.language.parser import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    Parser,
    check_identifier,
    normalize,
    spell_name,
)
from symjac.language.printing import shape as shape_text
from symjac.language.printing import sub

# name -> (smallest, largest number of arguments); elementwise scalar
# functions (FUNCTIONS) are allowed too.
MATRIX_FUNCTIONS: dict[str, tuple[int, int]] = {
    "sum": (1, 1),
    "mean": (1, 1),
    "trace": (1, 1),
    "softmax": (1, 1),
    "logsumexp": (1, 1),
    "onehot": (2, 2),
    "heaviside": (1, 1),
    "tr": (1, 1),
    "det": (1, 1),
    "logdet": (1, 1),
    "inv": (1, 1),
    "norm": (1, 1),
    "diag": (1, 1),
    "eye": (1, 1),
    "ones": (1, 2),
    "kron": (2, 2),
}
# functions whose arguments are sizes (whole numbers or size letters), not matrices
SIZE_FUNCTIONS = {"eye", "ones"}
MAX_DIM = 50  # rows or columns of one declared name
MAX_ENTRIES = 400  # entries of one declared name
MAX_ONEHOT = 1000
MAX_KRON_ENTRIES = 40_000  # a Hessian of a 200-entry parameter


@dataclass
class Env:
    """What names mean during one evaluation."""

    values: Mapping[str, sympy.Matrix]  # declared names and intermediates
    index: Mapping[str, int | sympy.Symbol] = field(default_factory=dict)
    sizes: Mapping[str, int] = field(default_factory=dict)  # size letters: n, k


def _is_scalar(m: sympy.Matrix) -> bool:
    return m.shape == (1, 1)


def _scalar(v) -> sympy.Matrix:
    return sympy.Matrix([[v]])


class MatrixParser(Parser):
    """Parses once; evaluates the tree to a sympy Matrix under an Env, many times."""

    matrix = True

    def __init__(self, text: str, offset: int = 0, what: str = "expression"):
        text = normalize(text, what).replace("\n", " ").replace("\r", " ").replace("\t", " ")
        super().__init__(text, offset)
        self.what = what
        self.tree = self.parse(what)
        self.warnings: list[str] = []

    def function_names(self):
        return FUNCTIONS.keys() | MATRIX_FUNCTIONS.keys()

    # -- evaluation -------------------------------------------------------------
    def evaluate(self, env: Env) -> sympy.Matrix:
        self.env = env
        return self.value(self.tree, 0)

    def value(self, node: ast.AST, depth: int) -> sympy.Matrix:
        if depth > MAX_DEPTH:
            raise LimitError(f"the {self.what} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            return _scalar(self.number(node))
        if isinstance(node, ast.Name):
            return self.matrix_name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.value(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return self.value(node.operand, depth + 1)
            return self.unary(node, depth)  # the base class words the refusal
        if isinstance(node, ast.BinOp):
            return self.matrix_binop(node, depth)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise self.error(
                    f"'.{node.attr}' is not allowed: the only attribute is .T (transpose)", node
                )
            return self.value(node.value, depth + 1).T
        if isinstance(node, ast.Subscript):
            return self.subscript(node, depth)
        if isinstance(node, ast.Call):
            return self.matrix_call(node, depth)
        if isinstance(node, ast.List):
            return self.literal(node, depth)
        raise self._not_allowed(node)

    def matrix_name(self, node: ast.Name) -> sympy.Matrix:
        ident = node.id
        if ident in self.env.values:
            return self.env.values[ident]
        if ident in self.env.index:
            return _scalar(self.env.index[ident])
        if ident in self.env.sizes:
            return _scalar(sympy.Integer(self.env.sizes[ident]))
        if ident in CONSTANTS:
            return _scalar(CONSTANTS[ident])
        if ident in FUNCTIONS or ident in MATRIX_FUNCTIONS:
            raise self.error(f"'{ident}' is a function; write {ident}(...)", node)
        check_identifier(ident, self.col(node))
        base, _, idx = ident.rpartition("_")
        if base in self.env.values and (idx.isdigit() or idx in self.env.index):
            # h_1 and h_y, as the steps print entries: h[1] and h[y].
            sl = ast.Constant(int(idx)) if idx.isdigit() else ast.Name(idx, ast.Load())
            sub = ast.Subscript(ast.Name(base, ast.Load()), sl, ast.Load())
            for n in (sub, sub.value, sl):
                ast.copy_location(n, node)
            return self.subscript(sub, 0)
        raise self.error(
            f"unknown name '{ident}': declare its shape, e.g. --shape \"{ident}=3x1\", "
            "or define it with --where",
            node,
        )

    def matrix_binop(self, node: ast.BinOp, depth: int) -> sympy.Matrix:
        op = type(node.op)
        if op is ast.MatMult:
            a = self.value(node.left, depth + 1)
            b = self.value(node.right, depth + 1)
            if (_is_scalar(a) or _is_scalar(b)) and self.is_implicit(node):
                return b * a[0, 0] if _is_scalar(a) else a * b[0, 0]  # 2x, lambda theta
            if a.cols != b.rows:
                from symjac.ops.matmul import _check_shapes

                _check_shapes([a, b], [self.source(node.left), self.source(node.right)])
            return a * b
        if op not in (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow):
            return self.binop(node, depth)  # the base class words the refusal
        a = self.value(node.left, depth + 1)
        b = self.value(node.right, depth + 1)
        sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}[op]
        if op is ast.Pow and a.rows == a.cols > 1:
            src = self.source(node.left)
            alt = f"inv({src})" if self.source(node.right).strip() in ("-1", "(-1)") else \
                f"{src} @ {src}"
            self.warn(f"{self.source(node)} works entry by entry on the square matrix {src}; "
                      f"for the matrix power write e.g. {alt}")
        a, b = self.broadcast(a, b, node, sym)
        out = []
        for x, y in zip(a, b, strict=True):
            if op is ast.Add:
                v = x + y
            elif op is ast.Sub:
                v = x - y
            elif op is ast.Mult:
                v = x * y
            elif op is ast.Div:
                if y.is_zero:
                    raise self.error("division by zero", node.right)
                v = x / y
            else:
                v = self.power(x, y, node)
            out.append(self.checked(v, node))
        return sympy.Matrix(a.rows, a.cols, out)

    def broadcast(self, a, b, node: ast.BinOp, sym: str):
        """Equal shapes, or one side 1×1 (a scalar) spread over the other."""
        if a.shape == b.shape:
            return a, b
        if _is_scalar(a):
            return sympy.ones(*b.shape) * a[0, 0], b
        if _is_scalar(b):
            return a, sympy.ones(*a.shape) * b[0, 0]
        la, lb = self.source(node.left), self.source(node.right)
        hint = ""
        if sym == "*" and a.cols == b.rows:
            hint = f"; for the matrix product write {la} @ {lb}"
        raise ShapeError(
            f"{la} is {shape_text(*a.shape)} and {lb} is {shape_text(*b.shape)}: "
            f"'{sym}' works entry by entry, so it needs equal shapes (or a 1×1 scalar), "
            f"and {la} {sym} {lb} is undefined{hint}",
            self.col(node),
        )

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def size_value(self, node: ast.AST, fname: str) -> int:
        """A size argument: a whole number or a size letter (n) bound to one."""
        if isinstance(node, ast.Constant) and type(node.value) is int:
            n = node.value
        elif isinstance(node, ast.Name) and node.id in self.env.sizes:
            n = self.env.sizes[node.id]
        else:
            raise self.error(f"{fname}(): a size must be a whole number, such as 3", node)
        if not 1 <= n <= MAX_DIM:
            raise self.error(f"{fname}(): sizes run from 1 to {MAX_DIM}", node)
        return n

    # -- indices ------------------------------------------------------------------
    def index_value(self, node: ast.AST):
        """A whole number or an --index variable, with + - * between them."""
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return sympy.Integer(node.value)
        if isinstance(node, ast.Name) and node.id in self.env.index:
            v = self.env.index[node.id]
            return sympy.Integer(v) if isinstance(v, int) else v
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.index_value(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = self.index_value(node.left), self.index_value(node.right)
            return {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}[type(node.op)]
        if isinstance(node, ast.Slice):
            raise self.error("slices are not allowed; index one entry, e.g. h[1]", node)
        raise self.error(
            f"an index must be a whole number or an --index variable, not '{self.source(node)}'",
            node,
        )

    def pick(self, entries: list, idx, size: int, node: ast.AST, describe: str):
        """entries[idx - 1] (1-based): checked when concrete, a KroneckerDelta sum if not."""
        if idx.is_Integer:
            i = int(idx)
            if not 1 <= i <= size:
                at = self._at()
                raise InputError(
                    f"{self.source(node)}{at} is out of range: {describe}, so the index runs "
                    f"from 1 to {size}",
                    self.col(node),
                )
            return entries[i - 1]
        return sympy.Add(*[sympy.KroneckerDelta(i + 1, idx) * e for i, e in enumerate(entries)])

    def _at(self) -> str:
        concrete = {k: v for k, v in self.env.index.items() if isinstance(v, int)}
        if not concrete:
            return ""
        return " (at " + ", ".join(f"{k} = {v}" for k, v in concrete.items()) + ")"

    def subscript(self, node: ast.Subscript, depth: int) -> sympy.Matrix:
        m = self.value(node.value, depth + 1)
        name = self.source(node.value)
        desc = f"{name} is {shape_text(*m.shape)}"
        sl = node.slice
        if isinstance(sl, ast.Tuple):
            if len(sl.elts) != 2:
                raise self.error(f"give one index for a vector or two for a matrix: {name}[i, j]",
                                 node)
            i = self.index_value(sl.elts[0])
            j = self.index_value(sl.elts[1])
            rows = [self.pick(list(m.row(r)), j, m.cols, node, f"{desc} ({m.cols} columns)")
                    for r in range(m.rows)]
            return _scalar(self.pick(rows, i, m.rows, node, f"{desc} ({m.rows} rows)"))
        if m.rows != 1 and m.cols != 1:
            raise self.error(f"{desc}, not a vector: give a row and a column, {name}[i, j]",
                             node)
        idx = self.index_value(sl)
        return _scalar(self.pick(list(m), idx, len(m), node, desc))

    # -- calls ----------------------------------------------------------------------
    def matrix_call(self, node: ast.Call, depth: int) -> sympy.Matrix:
        if not isinstance(node.func, ast.Name):
            raise self.error("only calls of named functions are allowed, such as exp(h)", node)
        fname = node.func.id
        if node.keywords:
            raise self.error(f"{fname}() takes no keyword arguments", node)
        if fname in MATRIX_FUNCTIONS:
            lo, hi = MATRIX_FUNCTIONS[fname]
        elif fname in FUNCTIONS:
            _, lo, hi = FUNCTIONS[fname]
        else:
            raise self.error(f"unknown function '{fname}'", node)
        n = len(node.args)
        if not lo <= n <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            plural = "" if want == "1" else "s"
            raise self.error(f"{fname}() takes {want} argument{plural}, not {n}", node)
        if fname == "onehot":
            return self.onehot(node)
        if fname in SIZE_FUNCTIONS:
            dims = [self.size_value(a, fname) for a in node.args]
            if fname == "eye":
                return sympy.eye(dims[0])
            return sympy.ones(dims[0], dims[1] if len(dims) > 1 else 1)
        args = [self.value(a, depth + 1) for a in node.args]
        if fname in FUNCTIONS or fname == "heaviside":
            if any(a.rows == a.cols > 1 for a in args) and fname != "heaviside":
                src = self.source(node.args[0])
                alt = {"exp": "a matrix exponential", "sqrt": "a matrix square root",
                       "log": f"logdet({src}) for log det"}.get(fname, "a matrix function")
                self.warn(f"{fname}({src}) works entry by entry on the square matrix {src} "
                          f"(not as {alt}; symjac has inv, det, logdet and @ for those)")
            return self.elementwise(fname, args, node)
        if fname == "kron":
            a, b = args
            if a.rows * b.rows * a.cols * b.cols > MAX_KRON_ENTRIES:
                raise LimitError(f"kron(): the product would have more than "
                                 f"{MAX_KRON_ENTRIES:,} entries", self.col(node))
            return sympy.kronecker_product(a, b)
        (m,) = args
        if fname in ("det", "logdet", "inv"):
            if m.rows != m.cols:
                raise ShapeError(f"{fname}() needs a square matrix, but "
                                 f"{self.source(node.args[0])} is {shape_text(*m.shape)}",
                                 self.col(node))
            if fname == "inv":
                d = m.det(method="berkowitz")
                if d.is_zero:
                    raise UndefinedError(f"{self.source(node.args[0])} is singular "
                                         "(its determinant is 0), so inv() is undefined")
                return m.adjugate(method="berkowitz") / d
            d = m.det(method="berkowitz")
            return _scalar(d if fname == "det" else sympy.log(d))
        if fname == "norm":
            return _scalar(sympy.sqrt(sympy.Add(*[e**2 for e in m])))
        if fname == "diag":
            if m.rows == 1 or m.cols == 1:
                return sympy.diag(*list(m))
            if m.rows != m.cols:
                raise ShapeError(f"diag() takes a vector or a square matrix, but "
                                 f"{self.source(node.args[0])} is {shape_text(*m.shape)}",
                                 self.col(node))
            return sympy.Matrix([[m[i, i]] for i in range(m.rows)])
        if fname == "sum":
            return _scalar(sympy.Add(*m))
        if fname == "mean":
            return _scalar(sympy.Add(*m) / len(m))
        if fname in ("trace", "tr"):
            if m.rows != m.cols:
                raise ShapeError(f"trace() needs a square matrix, but {self.source(node.args[0])} "
                                 f"is {shape_text(*m.shape)}", self.col(node))
            return _scalar(m.trace())
        if m.rows != 1 and m.cols != 1:
            raise ShapeError(f"{fname}() takes a vector, but {self.source(node.args[0])} is "
                             f"{shape_text(*m.shape)}", self.col(node))
        exps = [sympy.exp(e) for e in m]
        total = sympy.Add(*exps)
        if fname == "logsumexp":
            return _scalar(sympy.log(total))
        return sympy.Matrix(m.rows, m.cols, [e / total for e in exps])  # softmax

    def elementwise(self, fname: str, args: list, node: ast.Call) -> sympy.Matrix:
        shapes = {a.shape for a in args if not _is_scalar(a)}
        if len(shapes) > 1:
            listed = ", ".join(
                f"{self.source(a)} is {shape_text(*v.shape)}"
                for a, v in zip(node.args, args, strict=True)
            )
            raise ShapeError(f"{fname}() works entry by entry, so its arguments need equal "
                             f"shapes (or 1×1): {listed}", self.col(node))
        rows, cols = shapes.pop() if shapes else (1, 1)
        builder = sympy.Heaviside if fname == "heaviside" else FUNCTIONS[fname][0]
        spread = [a if a.shape == (rows, cols) else sympy.ones(rows, cols) * a[0, 0]
                  for a in args]
        out = []
        for k in range(rows * cols):
            entry_args = [a[k] for a in spread]
            if fname in ("exp", "floor", "ceiling"):
                # As the scalar parser does: exp(10**10*log(2)) is 2**(10**10).
                from symjac.language.parser import MAX_NUMBER_BITS
                from symjac.language.sizes import check_call

                try:
                    check_call(builder, entry_args, MAX_NUMBER_BITS)
                except LimitError as e:
                    raise LimitError(e.message, self.col(node)) from None
            try:
                v = builder(*entry_args)
            except (TypeError, ValueError) as e:
                raise self.error(f"{fname}(): {e}", node) from None
            out.append(self.checked(v, node))
        return sympy.Matrix(rows, cols, out)

    def onehot(self, node: ast.Call) -> sympy.Matrix:
        which, size = node.args
        if isinstance(size, ast.Name) and size.id in self.env.sizes:
            k = self.env.sizes[size.id]
        elif not (isinstance(size, ast.Constant) and type(size.value) is int):
            raise self.error("onehot(y, k): k, the number of classes, must be a whole number",
                             size)
        else:
            k = size.value
        if not 1 <= k <= MAX_ONEHOT:
            raise self.error(f"onehot(y, k): k must be from 1 to {MAX_ONEHOT}", size)
        idx = self.index_value(which)
        if idx.is_Integer:
            i = int(idx)
            if not 1 <= i <= k:
                raise InputError(f"{self.source(node)}{self._at()} is out of range: the class "
                                 f"must be from 1 to {k}", self.col(node))
            return sympy.Matrix([[1 if r == i else 0] for r in range(1, k + 1)])
        return sympy.Matrix([[sympy.KroneckerDelta(r, idx)] for r in range(1, k + 1)])

    def literal(self, node: ast.List, depth: int) -> sympy.Matrix:
        def entry(e):
            v = self.value(e, depth + 2)
            if not _is_scalar(v):
                raise self.error("entries of a matrix literal must be scalars", e)
            return v[0, 0]

        if not node.elts:
            raise self.error("an empty matrix", node)
        if all(isinstance(e, ast.List) for e in node.elts):
            rows = [[entry(e) for e in r.elts] for r in cast("list[ast.List]", node.elts)]
            if any(len(r) != len(rows[0]) or not r for r in rows):
                raise self.error("a ragged matrix literal: every row needs the same length",
                                 node)
            return sympy.Matrix(rows)
        return sympy.Matrix([[entry(e)] for e in node.elts])

    # -- LaTeX of the expression as written -------------------------------------------
    def to_latex(self) -> str:
        return self._latex(self.tree)

    def _latex(self, node: ast.AST, parent: int = 0) -> str:
        lx = self._latex
        if isinstance(node, ast.Constant):
            return str(node.value)
        if isinstance(node, ast.Name):
            return name_latex(node.id)
        if isinstance(node, ast.Attribute):
            return f"{{{lx(node.value, 9)}}}^{{T}}"
        if isinstance(node, ast.Subscript):
            sl = node.slice
            parts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
            return f"{{{lx(node.value, 9)}}}_{{{','.join(lx(p) for p in parts)}}}"
        if isinstance(node, ast.UnaryOp):
            s = ("-" if isinstance(node.op, ast.USub) else "") + lx(node.operand, 5)
            return f"\\left({s}\\right)" if parent > 5 else s
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            prec = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.MatMult: 2, ast.Div: 2,
                    ast.Pow: 3}.get(op, 2)
            if op is ast.Div:
                return f"\\frac{{{lx(node.left)}}}{{{lx(node.right)}}}"
            if op is ast.Pow:
                s = f"{{{lx(node.left, 9)}}}^{{{lx(node.right)}}}"
            else:
                sym = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: " \\cdot ",
                       ast.MatMult: " "}.get(op, " ? ")
                s = lx(node.left, prec) + sym + lx(node.right, prec + (op is ast.Sub))
            return f"\\left({s}\\right)" if parent > prec else s
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            f = node.func.id
            args = [lx(a) for a in node.args]
            if f == "onehot":
                return f"e_{{{args[0]}}}"
            if f == "exp":
                return f"e^{{{args[0]}}}" if len(args) == 1 else f"\\exp({', '.join(args)})"
            if f == "sum":
                return f"\\sum {lx(node.args[0], 9)}" if node.args else "\\sum"
            if f in ("log", "ln", "sin", "cos", "tan", "tanh", "max", "min"):
                return f"\\{f}\\left({', '.join(args)}\\right)"
            return f"\\operatorname{{{f}}}\\left({', '.join(args)}\\right)"
        if isinstance(node, ast.List):
            if node.elts and all(isinstance(e, ast.List) for e in node.elts):
                rows = [[lx(e) for e in r.elts] for r in cast("list[ast.List]", node.elts)]
            else:
                rows = [[lx(e)] for e in node.elts]
            return "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(r) for r in rows) + \
                " \\end{bmatrix}"
        return self.source(node)


def name_latex(name: str) -> str:
    """theta -> \\theta, W1 -> W_{1}: sympy's own way of writing a symbol's name."""
    return sympy.latex(sympy.Symbol(name))


_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()


def pretty(name: str) -> str:
    """theta -> θ, W1 -> W₁: names as a person writes them."""
    head = name.rstrip("0123456789")
    tail = name[len(head):]
    if head.lower() in _GREEK:
        kind = "CAPITAL" if head[0].isupper() else "SMALL"
        letter = "LAMDA" if head.lower() == "lambda" else head.upper()
        head = unicodedata.lookup(f"GREEK {kind} LETTER {letter}")
    return head + (sub(int(tail)) if tail else "")


def dim_mul(a: int | str, b: int | str) -> int | str:
    """The product of two sizes, either of which may be a letter: n·k is "nk"."""
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    return f"{a}{b}" if a != 1 and b != 1 else (b if a == 1 else a)


MAX_SIZE = 8  # a size letter's largest value: verification works entry by entry


def read_sizes(text: str, sizes: dict[str, int], unknown, limit: int = MAX_SIZE) -> dict[str, int]:
    """--sizes ("n=4, k=3") over the defaults ``sizes``; ``unknown(key)`` words a wrong letter."""
    out = dict(sizes)
    pos = 0
    for raw in text.split(","):
        col = pos + 1
        pos += len(raw) + 1
        if not raw.strip():
            continue
        m = re.fullmatch(r"\s*([A-Za-z]\w*)\s*=\s*(\d+)\s*", raw)
        if not m:
            raise ParseError(f"--sizes: cannot read '{raw.strip()}'; write e.g. \"n=3, k=2\"",
                             col)
        key, value = m.group(1), int(m.group(2))
        if key not in out:
            raise InputError(f"--sizes: {unknown(key)}", col)
        if value < 1:
            raise InputError(f"--sizes: {key} must be at least 1", col)
        if value > limit:
            raise LimitError(f"--sizes: {key} = {value} is above the limit of {limit} "
                             "(verification works entry by entry)", col)
        out[key] = value
    return out


def entry_names(name: str, rows: int, cols: int) -> list[list[str]]:
    """theta (3×2) -> theta_1_1 ...; a vector's entries have one index (x_1); 1×1 is the name."""
    if rows == 1 and cols == 1:
        return [[name]]
    if cols == 1:
        return [[f"{name}_{i}"] for i in range(1, rows + 1)]
    if rows == 1:
        return [[f"{name}_{j}" for j in range(1, cols + 1)]]
    return [[f"{name}_{i}_{j}" for j in range(1, cols + 1)] for i in range(1, rows + 1)]


def entry_latex(name: str, rows: int, cols: int) -> list[list[str]]:
    base = name_latex(name)
    if "_" in base or "^" in base:
        base = f"{{{base}}}"  # W1 is W_{1}; its entries are {W_{1}}_{2,1}
    if rows == 1 and cols == 1:
        return [[base]]
    if cols == 1 or rows == 1:
        n = max(rows, cols)
        flat = [f"{base}_{{{i}}}" for i in range(1, n + 1)]
        return [[e] for e in flat] if cols == 1 else [flat]
    return [[f"{base}_{{{i},{j}}}" for j in range(1, cols + 1)] for i in range(1, rows + 1)]


# -- option parsing: --shape, --index, --where -------------------------------------------

_DIM = r"(\d+|[A-Za-z](?:_?\d+)?)"
_SHAPE_ITEM = re.compile(
    rf"\s*([^\s=:]+)\s*[=:]\s*{_DIM}\s*(?:[x×X*]\s*{_DIM})?\s*(symmetric|sym)?\s*\Z"
)
_INDEX_ITEM = re.compile(
    r"\s*([^\s=:]+)\s*[=:]\s*(-?\d+|[A-Za-z]\w*)\s*\.\.\s*(-?\d+|[A-Za-z]\w*)\s*\Z"
)
RESERVED = set(FUNCTIONS) | set(MATRIX_FUNCTIONS) | set(CONSTANTS)


def _check_new_name(name: str, col: int | None, option: str) -> str:
    """The name, spelled as expressions spell it (θ is theta), once checked."""
    name = spell_name(name, (col or 1) - 1)
    if name in MATRIX_FUNCTIONS:
        raise ParseError(f"{option}: '{name}' is a function and cannot be a name", col)
    check_identifier(name, col)
    return name


def _items(text: str):
    """(item, 1-based column) for each comma-separated item."""
    pos = 0
    for raw in text.split(","):
        yield raw, pos + 1
        pos += len(raw) + 1


@dataclass(frozen=True)
class ShapeSpec:
    """What --shape declares: sizes that may be letters (n, k), and symmetric names."""

    dims: dict[str, tuple[int | str, int | str]]
    symmetric: frozenset[str] = frozenset()

    @property
    def letters(self) -> list[str]:
        """The size letters, in order of first appearance."""
        out: list[str] = []
        for r, c in self.dims.values():
            for d in (r, c):
                if isinstance(d, str) and d not in out:
                    out.append(d)
        return out

    def at(self, sizes: dict[str, int]) -> dict[str, tuple[int, int]]:
        return {n: (sizes[r] if isinstance(r, str) else r, sizes[c] if isinstance(c, str) else c)
                for n, (r, c) in self.dims.items()}


def parse_shape_spec(text: str) -> ShapeSpec:
    """``"theta=nxk, x=n, S=3x3 symmetric"``: sizes are whole numbers or letters."""
    text = normalize(text, "--shape")
    if not text.strip():
        raise InputError("--shape is empty; declare every name, e.g. --shape \"theta=3x2, x=3x1\"")
    dims: dict[str, tuple[int | str, int | str]] = {}
    symmetric: set[str] = set()
    for raw, col in _items(text):
        if not raw.strip():
            continue
        m = _SHAPE_ITEM.match(raw)
        if not m:
            raise ParseError(
                f"--shape: cannot read '{raw.strip()}'; write name=ROWSxCOLS, e.g. theta=3x2 "
                "(sizes may be letters: theta=nxk; add 'symmetric' for S=3x3 symmetric)",
                col,
            )
        name = _check_new_name(m.group(1), col, "--shape")
        r = _dim(m.group(2))
        c = _dim(m.group(3)) if m.group(3) else 1
        if name in dims:
            raise ParseError(f"--shape: '{name}' is declared twice", col)
        for d in (r, c):
            if isinstance(d, int) and d < 1:
                raise InputError(f"--shape: {name} is {r}×{c}; both sizes must be at least 1",
                                 col)
        if isinstance(r, int) and isinstance(c, int) and (
                r > MAX_DIM or c > MAX_DIM or r * c > MAX_ENTRIES):
            raise LimitError(
                f"--shape: {name} is {r}×{c}; grad works entry by entry and allows at most "
                f"{MAX_DIM} rows or columns and {MAX_ENTRIES} entries per name",
                col,
            )
        if m.group(4):
            if r != c:
                raise InputError(f"--shape: {name} is {r}×{c}; only a square matrix can be "
                                 "symmetric", col)
            symmetric.add(name)
        dims[name] = (r, c)
    if not dims:
        raise InputError("--shape declares no names")
    return ShapeSpec(dims, frozenset(symmetric))


def _dim(text: str) -> int | str:
    return int(text) if text.isdigit() else text


MAX_INDEX_VALUES = 100  # values of one index variable
MAX_INDEX_COMBINATIONS = 256


def parse_index(text: str | None, sizes: Mapping[str, int] | None = None
                ) -> dict[str, tuple[int, int]]:
    """``"y=1..2"`` -> {"y": (1, 2)}: each variable takes every whole value in the range.

    A bound may be a size letter of --shape (``y=1..k``), given its value in ``sizes``.
    """
    sizes = sizes or {}
    if text is None or not text.strip():
        return {}
    text = normalize(text, "--index")
    out: dict[str, tuple[int, int]] = {}
    pos = 0
    for raw in text.split(","):
        col = pos + 1
        pos += len(raw) + 1
        if not raw.strip():
            continue
        m = _INDEX_ITEM.match(raw)
        if not m:
            raise ParseError(f"--index: cannot read '{raw.strip()}'; write name=FIRST..LAST, "
                             "e.g. y=1..3", col)
        bounds = []
        for b in (m.group(2), m.group(3)):
            if b.lstrip("-").isdigit():
                bounds.append(int(b))
            elif b in sizes:
                bounds.append(sizes[b])
            else:
                raise InputError(f"--index: '{b}' is not a size letter of --shape; a bound is a "
                                 "whole number or a size, e.g. y=1..k", col)
        lo, hi = bounds
        name = _check_new_name(m.group(1), col, "--index")
        if name in out:
            raise ParseError(f"--index: '{name}' is declared twice", col)
        if lo > hi:
            raise InputError(f"--index: {name}={lo}..{hi} is empty (the first value is larger)",
                             col)
        if hi - lo + 1 > MAX_INDEX_VALUES:
            raise LimitError(f"--index: {name} takes {hi - lo + 1} values; the limit is "
                             f"{MAX_INDEX_VALUES}", col)
        out[name] = (lo, hi)
    total = 1
    for lo, hi in out.values():
        total *= hi - lo + 1
    if total > MAX_INDEX_COMBINATIONS:
        raise LimitError(f"--index: {total} combinations of index values; the limit is "
                         f"{MAX_INDEX_COMBINATIONS}")
    return out


def parse_where(text: str) -> tuple[str, MatrixParser]:
    """``"h = theta.T @ x"`` -> ("h", a parser of the right-hand side)."""
    text = normalize(text, "--where").replace("\n", " ").replace("\t", " ")
    m = re.match(r"\s*([^\s=]+)\s*=(?!=)", text)
    if not m:
        raise ParseError(f"--where: cannot read '{text.strip()}'; write NAME = EXPRESSION, "
                         "e.g. \"h = theta.T @ x\"")
    name = m.group(1)
    name = _check_new_name(name, m.start(1) + 1, "--where")
    body = text[m.end():]
    return name, MatrixParser(body, offset=m.end(), what=f"definition of {name}")
