"""Printing matrix nodes: the language --expect reads, LaTeX, and Unicode."""

from __future__ import annotations

import sympy

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
from symjac.ops.matexpr import name_latex, pretty


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
        if isinstance(n, Lit):
            return self.literal(n)
        if isinstance(n, EW):
            if n.expr.is_zero and not n.scalar:  # a zero matrix keeps its shape
                return {"lang": f"0*ones({self.dim(n.rows)}, {self.dim(n.cols)})",
                        "tex": "\\mathbf{0}", "uni": "𝟎"}[self.mode]
            return self.ew(n.expr, n.scalar)
        raise NoClosedForm("cannot print")

    def literal(self, n: Lit) -> str:
        """[[1, 2], [3, 4]] in the language (a column as [1, 2]), a bmatrix in LaTeX."""
        rows = [[self._expr(self.c.atoms.of(e), True, 0) for e in row] for row in n.entries]
        if self.mode == "tex":
            body = " \\\\ ".join(" & ".join(r) for r in rows)
            return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"
        if n.cols == 1:
            return "[" + ", ".join(r[0] for r in rows) + "]"
        return "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"

    def wrap(self, n: Node) -> str:
        s = self.node(n)
        if _atomic(n) or (isinstance(n, Kron) and self.mode == "lang"):
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
        if isinstance(n, Kron):  # kron(a, b) is a call; a ⊗ b binds as a product
            return self.node(n), 9 if self.mode == "lang" else 5
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
    if isinstance(n, (Leaf, Eye, Ones, OneHot, Call, T, Lit)):
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
        return name_latex(name)
    return pretty(name)


