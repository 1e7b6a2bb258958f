"""Large Jacobians fast: symengine differentiates, sympy's own printed forms come out.

`symjac jacobian --no-steps` of a 200-function system spent most of its time
importing sympy and in sympy.diff. This path parses the functions straight
into symengine (a C++ core of the sympy family), differentiates there, and
writes every entry exactly as ``sympy.sstr`` and ``sympy.latex`` would write
the same derivative, without importing sympy: the term order and the layout
rules of sympy's StrPrinter and LatexPrinter are re-implemented below for a
deliberately small class of expressions.

That class: integers and fractions, symbols named like ``x`` or ``x12``,
``+ - * /``, integer powers, and sin, cos, tan, exp, log, sinh, cosh, tanh
(and sigmoid, softplus, which parsing.py writes with exp and log).
A function outside it — in its text or in one of its derivatives — raises
`Decline`, and its row is worked by sympy instead (the project's parser,
sympy.diff, sympy's printers); an input that only the project's parser can
judge (a matrix, a syntax error, a bad name) sends the whole command down
the ordinary sympy path, which gives the answer or the error it always
gave. Where symengine's canonical form is known to differ from sympy's
(sympy distributes a number over a sum, ``2*(x + 1)`` → ``2*x + 2``,
depending on the order its product rule multiplied in; symengine merges
``exp(u)*exp(v)``), the row is declined too. tests/test_fastdiff.py checks,
on generated systems, that both engines print the same strings.

The parser here is an allow-list over Python's ast like parsing.py's, and
stricter: it never runs code, and it declines rather than explains.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

MAX_LENGTH = 1_000_000  # parsing.MAX_LENGTH (checked equal in the tests)
MAX_DEPTH = 100  # parsing.MAX_DEPTH
MAX_INT_DIGITS = 30  # larger literals take the sympy path and its limits
MAX_EXPONENT = 1000
MAX_NUMBER_BITS = 1000  # larger numbers in a result: that row is printed by sympy
_NAME = re.compile(r"[A-Za-z][0-9]*\Z")
_RESERVED = {"E", "I", "S", "N", "O", "Q"}  # constants or sympy-special single letters
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sinh", "cosh", "tanh")


class Decline(Exception):
    """Outside what this path reproduces exactly: use the sympy path."""


# -- text -> symengine ------------------------------------------------------------


def _engine():
    import symengine

    return symengine


class _Builder:
    def __init__(self, symbols: dict):
        self.se = _engine()
        self.symbols = symbols
        self.funcs = {name: getattr(self.se, name) for name in FUNCTIONS}
        se = self.se
        # As parsing.py builds them (_sigmoid, _softplus): the same expressions.
        self.funcs["sigmoid"] = lambda u: 1 / (1 + se.exp(-u))
        self.funcs["softplus"] = lambda u: se.log(1 + se.exp(u))

    def symbol(self, name: str):
        if not _NAME.match(name) or name in _RESERVED:
            raise Decline(name)
        s = self.symbols.get(name)
        if s is None:
            s = self.symbols[name] = self.se.Symbol(name)
        return s

    def build(self, node: ast.AST, depth: int = 0):
        e = self._build(node, depth)
        se = self.se
        terms = e.args if isinstance(e, se.Add) else (e,)
        for t in terms:
            if isinstance(t, se.Add):
                raise Decline("a sum inside a sum")  # symengine keeps 1 - (1 + x) nested
            if isinstance(t, se.Mul) and any(
                isinstance(a, se.Pow) and isinstance(a.args[0], se.Add) for a in t.args
            ) and any(a.is_Number for a in t.args):
                # -1/(x + 1): inverted later (log's u'/u), sympy distributes the -1.
                raise Decline("a number over a sum")
            if isinstance(t, se.Mul) and any(isinstance(a, se.Add) for a in t.args):
                # sympy distributes a number over the sum at this step, or keeps the
                # sign inside it (-x - 1); symengine does neither, and what follows
                # (a power, a quotient) would then differ.
                raise Decline("a sum as a factor")
        return e

    def _build(self, node: ast.AST, depth: int = 0):
        if depth > MAX_DEPTH:
            raise Decline("depth")
        se = self.se
        if isinstance(node, ast.Name):
            return self.symbol(node.id)
        if isinstance(node, ast.Constant):
            v = node.value
            if type(v) is not int or len(str(v)) > MAX_INT_DIGITS:
                raise Decline("number")
            return se.Integer(v)
        if isinstance(node, ast.UnaryOp):
            inner = self.build(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -inner
            if isinstance(node.op, ast.UAdd):
                return inner
            raise Decline("operator")
        if isinstance(node, ast.BinOp):
            op = type(node.op)
            if op is ast.Pow:
                base = self.build(node.left, depth + 1)
                exp = node.right
                sign = 1
                if isinstance(exp, ast.UnaryOp) and isinstance(exp.op, ast.USub):
                    sign, exp = -1, exp.operand
                if not (isinstance(exp, ast.Constant) and type(exp.value) is int):
                    raise Decline("exponent")
                if exp.value > MAX_EXPONENT or base.is_Number:
                    raise Decline("exponent")
                return base ** (sign * exp.value)
            chain: tuple[type[ast.operator], ...]
            if op in (ast.Add, ast.Sub):
                chain = (ast.Add, ast.Sub)
            elif op in (ast.Mult, ast.Div):
                chain = (ast.Mult, ast.Div)
            else:
                raise Decline("operator")
            # A long chain a + b - c + ... is walked without recursion, as parsing.py does.
            rights = []
            while isinstance(node, ast.BinOp) and type(node.op) in chain:
                rights.append((type(node.op), node.right))
                node = node.left
            value = self.build(node, depth + 1)
            for kind, operand in reversed(rights):
                right = self.build(operand, depth + 1)
                if kind is ast.Add:
                    value = value + right
                elif kind is ast.Sub:
                    value = value - right
                elif kind is ast.Mult:
                    value = value * right
                else:
                    if right == 0:
                        raise Decline("division")
                    value = value / right
            return value
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in self.funcs:
                raise Decline("function")
            if node.keywords or len(node.args) != 1:
                raise Decline("arguments")
            arg = self.build(node.args[0], depth + 1)
            if arg.is_Number:
                raise Decline("constant")
            return self.funcs[node.func.id](arg)
        raise Decline(type(node).__name__)


def _tree(text: str, what: str) -> ast.expr:
    if not isinstance(text, str) or len(text) > MAX_LENGTH or not text.isascii():
        raise Decline("text")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text) or "\x7f" in text:
        raise Decline("control")
    text = text.replace("\n", " ").replace("\r", " ").replace("\t", " ").strip()
    if not text or "^" in text:
        raise Decline("text")
    from symjac.forms import note_names

    note_names(text)  # for the warning about xy beside x and y
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        raise Decline("syntax") from None


def parse_function_list(text: str, symbols: dict) -> list[tuple[str, Any]]:
    """``"f1, f2"`` or ``"[f1, f2]"`` (not a matrix): [(source, symengine expression)].

    The expression is None where that one function is outside the class (the
    caller hands it to sympy); the list as a whole declines if its shape does.
    """
    node = _tree(text, "functions")
    line = text.replace("\n", " ").replace("\r", " ").replace("\t", " ").strip()
    if isinstance(node, ast.Tuple | ast.List):
        if not node.elts or any(isinstance(e, ast.List | ast.Tuple) for e in node.elts):
            raise Decline("shape")
        elts = node.elts
    else:
        elts = [node]
    b = _Builder(symbols)
    out: list[tuple[str, object]] = []
    for e in elts:
        # One ASCII line (checked in _tree), so ast's byte offsets index the string;
        # ast.get_source_segment would split the text again for every function.
        src = line[e.col_offset : e.end_col_offset]
        try:
            f = b.build(e)
            _check_squares(f, set())
        except Decline:
            f = None
        out.append((src, f))
    return out


def _check_squares(e, seen: set) -> None:
    if e in seen:
        return
    seen.add(e)
    se = _engine()
    if isinstance(e, se.Pow) and isinstance(e.args[0], se.Add) and e.args[1] == 2:
        # d/dx (u + v)**2 is 2*(u + v)*(u' + v'): sympy distributes the 2 at
        # once, symengine may cancel the sum later (log((x + 1)**2)).
        raise Decline("square of a sum")
    for a in e.args:
        _check_squares(a, seen)


def parse_functions(text: str, symbols: dict) -> list:
    """As parse_function_list, but every function must be in the class."""
    funcs = [f for _, f in parse_function_list(text, symbols)]
    if any(f is None for f in funcs):
        raise Decline("function")
    return funcs


def parse_variables(text: str, symbols: dict) -> list[str]:
    """``"x, y"`` or ``"[x, y]"``: distinct names (a matrix of names declines)."""
    if ";" in text:
        raise Decline("matrix")
    node = _tree(text, "variables")
    elts = node.elts if isinstance(node, ast.Tuple | ast.List) else [node]
    if not elts or not all(isinstance(e, ast.Name) for e in elts):
        raise Decline("variables")
    names = [e.id for e in elts if isinstance(e, ast.Name)]  # all are, as checked
    if len(set(names)) != len(names):
        raise Decline("duplicate")
    b = _Builder(symbols)
    for n in names:
        b.symbol(n)
    return names


# -- symengine -> a small tree ----------------------------------------------------------
# ("n", Fraction) number, ("s", name) symbol, ("a", terms) sum, ("m", factors) product
# (its number first, if any), ("p", base, int) power, ("f", name, arg) function.

ONE = ("n", Fraction(1))
NEG_ONE = ("n", Fraction(-1))


class _Converter:
    def __init__(self):
        se = self.se = _engine()
        self.cache: dict = {}
        self.printer = Printer()
        self.types = {
            se.Add: self._add,
            se.Mul: self._mul,
            se.Pow: self._pow,
            se.Symbol: self._symbol,
        }
        self.funcs = {type(getattr(se, f)(se.Symbol("t"))): f for f in FUNCTIONS if f != "exp"}

    def __call__(self, e):
        got = self.cache.get(e)
        if got is None:
            got = self.cache[e] = self._convert(e)
        return got

    def _convert(self, e):
        if e.is_Number:
            if not e.is_Rational:
                raise Decline("number")
            p, q = e.get_num_den()
            p, q = int(p), int(q)
            if max(abs(p).bit_length(), q.bit_length()) > MAX_NUMBER_BITS:
                raise Decline("a large number")  # printing.sstr abbreviates huge integers
            return ("n", Fraction(p, q))
        for cls in type(e).__mro__:
            handler = self.types.get(cls)
            if handler is not None:
                return handler(e)
        name = self.funcs.get(type(e))
        if name is None:
            raise Decline(type(e).__name__)
        (arg,) = e.args
        a = self(arg)
        if a[0] == "n":
            raise Decline("constant")
        if name == "log" and a[0] == "f" and a[1] == "exp":
            raise Decline("log(exp(...))")  # sympy simplifies it for real symbols
        if name != "log" and self.printer.minus(a):
            # sympy pulls the sign out of odd and even functions by its own rule
            # (cos(1 - x) -> cos(x - 1)); symengine's rule differs for sums.
            raise Decline("sign of a function argument")
        return ("f", name, a)

    def _symbol(self, e):
        name = e.name
        if not _NAME.match(name) or name in _RESERVED:
            raise Decline(name)
        return ("s", name)

    def _add(self, e):
        terms = tuple(self(a) for a in e.args)
        if any(t[0] == "a" for t in terms):
            raise Decline("a sum inside a sum")
        return ("a", terms)

    def _mul(self, e):
        factors = [self(a) for a in e.args]
        numbers = [f for f in factors if f[0] == "n"]
        rest = tuple(f for f in factors if f[0] != "n")
        if len(numbers) > 1:
            raise Decline("mul")
        if any(f[0] == "a" for f in rest):
            # A sum as a factor: sympy may have distributed a number over it, or kept
            # a -1 outside a negated sum (-(-tan(x)**2 - 1)/tan(x)**2), depending on
            # the order its product rule multiplied in; symengine's form is canonical.
            raise Decline("a sum as a factor")
        if any(f[0] == "m" for f in rest):
            raise Decline("nested mul")
        return ("m", tuple(numbers) + rest)

    def _pow(self, e):
        base, exp = e.args
        if base == self.se.E:
            a = self(exp)
            if a[0] == "n":
                raise Decline("constant")
            if a[0] == "a":
                # symengine merges exp(u)*exp(v) into exp(u + v); sympy keeps both.
                raise Decline("exp of a sum")
            if _is_log(a) or (a[0] == "m" and any(_is_log(f) for f in a[1])):
                raise Decline("exp of a log")  # sympy: exp(2*log(x)) is x**2
            return ("f", "exp", a)
        if not exp.is_Integer:
            raise Decline("power")
        b = self(base)
        if b[0] in ("n", "m") or (b[0] == "f" and b[1] == "exp"):
            raise Decline("power")
        return ("p", b, int(exp))


def _is_log(n) -> bool:
    return n[0] == "f" and n[1] == "log"


# -- sympy's sort keys ------------------------------------------------------------------

_NUMBER_CK = (1, 0, "Number")
_SYMBOL_CK = (2, 0, "Symbol")
_MUL_CK = (3, 0, "Mul")
_ADD_CK = (3, 1, "Add")
_FUNC_I = {"exp": 10, "log": 11, "sin": 20, "cos": 21, "tan": 22,
           "sinh": 30, "cosh": 31, "tanh": 32}


def _nkey(v: Fraction):
    return (_NUMBER_CK, (0, ()), (), v)


_ONE_KEY = _nkey(Fraction(1))


class _Keys:
    """Expr.sort_key, Add.as_ordered_terms and Mul.as_ordered_factors of sympy."""

    def __init__(self):
        self.cache: dict = {}
        self.terms_cache: dict = {}

    def key(self, n):
        got = self.cache.get(n)
        if got is None:
            got = self.cache[n] = self._key(n)
        return got

    def _key(self, n):
        t = n[0]
        if t == "n":
            return _nkey(n[1])
        if t == "s":
            return (_SYMBOL_CK, (1, (n[1],)), _ONE_KEY, Fraction(1))
        coeff, expr = as_coeff_mul(n)
        if expr[0] == "p":
            exp_key = _nkey(Fraction(expr[2]))
            expr = expr[1]
        else:
            exp_key = _ONE_KEY
        k = expr[0]
        if k == "s":
            args: tuple = (expr[1],)
            ck = _SYMBOL_CK
        elif k == "a":
            args = tuple(self.key(x) for x in self.ordered_terms(expr))
            ck = _ADD_CK
        elif k == "m":
            args = tuple(self.key(x) for x in self.ordered_factors(expr))
            ck = _MUL_CK
        elif k == "f":
            args = (self.key(expr[2]),)
            ck = (4, _FUNC_I[expr[1]], expr[1])
        else:  # pragma: no cover - numbers return above
            raise Decline("key")
        return (ck, (len(args), args), exp_key, coeff)

    def ordered_factors(self, m):
        return sorted(m[1], key=self.key)

    def ordered_terms(self, a):
        got = self.terms_cache.get(a)
        if got is None:
            got = self.terms_cache[a] = self._ordered_terms(a)
        return got

    def _ordered_terms(self, a):
        terms = a[1]
        # sympy's special case: Number + Number*expr with signs + and -, "1 - x".
        if len(terms) == 2:
            nums = [t for t in terms if t[0] == "n"]
            if len(nums) == 1:
                other = terms[1] if terms[0] is nums[0] else terms[0]
                if (
                    other[0] == "m"
                    and len(other[1]) == 2
                    and other[1][0][0] == "n"
                    and nums[0][1] > 0
                    and other[1][0][1] < 0
                ):
                    return [nums[0], other]
        decomposed = []
        gens: dict = {}
        for term in terms:
            coeff, rest = as_coeff_mul(term)
            cpart = {}
            if rest != ONE:
                factors = rest[1] if rest[0] == "m" else (rest,)
                for f in factors:
                    base, e = decompose_power(f)
                    cpart[base] = e
                    gens[base] = None
            decomposed.append((term, float(coeff), cpart))
        order = sorted(gens, key=self.key)
        index = {g: i for i, g in enumerate(order)}
        rows = []
        for term, coeff, cpart in decomposed:
            monom = [0] * len(order)
            for base, e in cpart.items():
                monom[index[base]] = -e
            rows.append((tuple(monom), coeff, term))
        rows.sort(key=lambda r: (r[0], (), ((False, 0.0), (r[1], 0.0))))
        return [r[2] for r in rows]


def as_coeff_mul(n):
    """(number, the rest) as sympy's as_coeff_Mul."""
    if n[0] == "n":
        return n[1], ONE
    if n[0] == "m" and n[1][0][0] == "n":
        rest = n[1][1:]
        return n[1][0][1], rest[0] if len(rest) == 1 else ("m", rest)
    return Fraction(1), n


def _keep_coeff(c: Fraction, n):
    if c == 1:
        return n
    if n[0] == "m":
        if n[1][0][0] == "n":
            return ("m", (("n", n[1][0][1] * c),) + n[1][1:])
        return ("m", (("n", c),) + n[1])
    return ("m", (("n", c), n))


def decompose_power(f):
    """sympy.core.exprtools.decompose_power for the tree's factors."""
    if f[0] == "p":
        return f[1], f[2]
    if f[0] == "f" and f[1] == "exp":
        c, tail = as_coeff_mul(f[2])
        if c == -1:
            return ("f", "exp", tail), -1
        if c != 1:
            return ("f", "exp", _keep_coeff(Fraction(1, c.denominator), tail)), c.numerator
    return f, 1


def negate(n):
    t = n[0]
    if t == "n":
        return ("n", -n[1])
    if t == "a":
        return ("a", tuple(negate(x) for x in n[1]))
    if t == "m" and n[1][0][0] == "n":
        c = -n[1][0][1]
        rest = n[1][1:]
        if c == 1:
            return rest[0] if len(rest) == 1 else ("m", rest)
        return ("m", (("n", c),) + rest)
    if t == "m":
        return ("m", (NEG_ONE,) + n[1])
    return ("m", (NEG_ONE, n))


# -- sympy's printers -------------------------------------------------------------------


class Printer:
    """sympy.sstr and sympy.latex for the tree, rule for rule."""

    def __init__(self, keys: _Keys | None = None):
        self.keys = keys or _Keys()
        self.minus_cache: dict = {}

    # shared
    def minus(self, n) -> bool:
        """could_extract_minus_sign()."""
        t = n[0]
        if t == "n":
            return n[1] < 0
        if t == "m":
            return n[1][0][0] == "n" and n[1][0][1] < 0
        if t == "a":
            got = self.minus_cache.get(n)
            if got is None:
                neg = sum(1 for x in n[1] if self.minus(x))
                pos = len(n[1]) - neg
                if pos != neg:
                    got = neg > pos
                else:
                    got = self.keys.key(n) < self.keys.key(negate(n))
                self.minus_cache[n] = got
            return got
        return False

    def prec(self, n) -> int:
        t = n[0]
        if t == "n":
            v = n[1]
            if v < 0:
                return 40
            return 1000 if v.denominator == 1 else 50
        if t == "s":
            return 1000
        if t == "a":
            return 40
        if t == "m":
            return 40 if self.minus(n) else 50
        if t == "p":
            return 60
        return 70

    # str
    def sstr(self, n) -> str:
        t = n[0]
        if t == "n":
            return str(n[1])
        if t == "s":
            return n[1]
        if t == "f":
            return f"{n[1]}({self.sstr(n[2])})"
        if t == "p":
            return self._str_pow(n)
        if t == "a":
            return self._str_add(n)
        return self._str_mul(n)

    def _paren(self, n, level: int) -> str:
        s = self.sstr(n)
        return f"({s})" if self.prec(n) <= level else s

    def _str_pow(self, n) -> str:
        base, e = n[1], n[2]
        if e == -1:
            return "1/" + self._paren(base, 60)
        es = str(e) if e >= 0 else f"({e})"
        return f"{self._paren(base, 60)}**{es}"

    def _str_add(self, n) -> str:
        out = []
        for term in self.keys.ordered_terms(n):
            s = self.sstr(term)
            if s.startswith("-"):
                out += ["-", s[1:]]
            else:
                out += ["+", s]
        sign = out.pop(0)
        return ("" if sign == "+" else sign) + " ".join(out)

    def _str_mul(self, n) -> str:
        level = self.prec(n)
        c, rest = as_coeff_mul(n)
        sign = ""
        if c < 0:
            n = _keep_coeff(-c, rest)
            sign = "-"
        args = self.keys.ordered_factors(n) if n[0] == "m" else [n]
        a, b = [], []
        for item in args:
            if item[0] == "p" and item[2] < 0:
                b.append(item[1] if item[2] == -1 else ("p", item[1], -item[2]))
            elif item[0] == "n":
                v = item[1]
                if v.numerator != 1:
                    a.append(("n", Fraction(v.numerator)))
                if v.denominator != 1:
                    b.append(("n", Fraction(v.denominator)))
            else:
                a.append(item)
        a = a or [ONE]
        a_str = [self._paren(x, level) for x in a]
        b_str = [self._paren(x, level) for x in b]
        if not b:
            return sign + "*".join(a_str)
        if len(b) == 1:
            return sign + "*".join(a_str) + "/" + b_str[0]
        return sign + "*".join(a_str) + "/(" + "*".join(b_str) + ")"

    # LaTeX
    def latex(self, n) -> str:
        t = n[0]
        if t == "n":
            v = n[1]
            if v.denominator == 1:
                return str(v.numerator)
            sign = "- " if v < 0 else ""
            return f"{sign}\\frac{{{abs(v.numerator)}}}{{{v.denominator}}}"
        if t == "s":
            return _latex_symbol(n[1])
        if t == "f":
            return self._latex_func(n)
        if t == "p":
            return self._latex_pow(n)
        if t == "a":
            return self._latex_add(n)
        return self._latex_mul(n)

    def _latex_func(self, n, exp: str | None = None) -> str:
        name, arg = n[1], self.latex(n[2])
        if name == "exp":
            tex = f"e^{{{arg}}}"
            return tex if exp is None else f"\\left({tex}\\right)^{{{exp}}}"
        if name == "log":
            tex = f"\\log{{\\left({arg} \\right)}}"
            return tex if exp is None else f"{tex}^{{{exp}}}"
        head = f"\\{name}" if exp is None else f"\\{name}^{{{exp}}}"
        return head + f"{{\\left({arg} \\right)}}"

    def _latex_paren(self, n, level: int) -> str:
        s = self.latex(n)
        return f"\\left({s}\\right)" if self.prec(n) <= level else s

    def _latex_pow(self, n) -> str:
        base, e = n[1], n[2]
        if e < 0:
            return self._latex_mul(n)
        if base[0] == "f":
            return self._latex_func(base, str(e))
        b = self._latex_paren(base, 60)
        if base[0] == "s" and "^" in b:
            b = "{" + b + "}"
        return f"{b}^{{{e}}}"

    def _latex_add(self, n) -> str:
        tex = ""
        for i, term in enumerate(self.keys.ordered_terms(n)):
            if i == 0:
                pass
            elif self.minus(term):
                tex += " - "
                term = negate(term)
            else:
                tex += " + "
            tex += self.latex(term)
        return tex

    def _latex_convert(self, factors: list) -> str:
        """convert()/convert_args() of LatexPrinter._print_Mul."""
        if len(factors) == 1:
            return self.latex(factors[0])
        out, last = "", ""
        ordered = sorted(factors, key=self.keys.key)
        for i, term in enumerate(ordered):
            s = self.latex(term)
            if self.prec(term) < 50 and not (term[0] == "m" and i == 0):
                s = f"\\left({s}\\right)"
            if _BETWEEN_NUMBERS[0].search(last) and _BETWEEN_NUMBERS[1].match(s):
                out += " \\cdot "
            elif out:
                out += " "
            out += s
            last = s
        return out

    def _latex_mul(self, n) -> str:
        tex = ""
        if self.minus(n):
            n = negate(n)
            tex = "- "
        factors = list(n[1]) if n[0] == "m" else [n]
        numer, denom = [], []
        for f in factors:
            if f[0] == "p" and f[2] < 0:
                denom.append(f[1] if f[2] == -1 else ("p", f[1], -f[2]))
            elif f[0] == "n" and f[1].denominator != 1:
                if f[1].numerator != 1:
                    numer.append(("n", Fraction(f[1].numerator)))
                denom.append(("n", Fraction(f[1].denominator)))
            else:
                numer.append(f)
        if not denom:
            return tex + self._latex_convert(factors)
        snumer = self._latex_convert(numer) if numer else "1"
        return tex + f"\\frac{{{snumer}}}{{{self._latex_convert(denom)}}}"


_BETWEEN_NUMBERS = (re.compile(r"[0-9][} ]*$"), re.compile(r"(\d|\\frac{\d+}{\d+})"))


def _latex_symbol(name: str) -> str:
    # Names are a letter and digits (checked on the way in): x12 -> x_{12}.
    return name if len(name) == 1 else f"{name[0]}_{{{name[1:]}}}"


# -- the Jacobian -----------------------------------------------------------------------


def jacobian_entries(funcs: Sequence, variables: Sequence) -> list[list]:
    """Every ∂f_i/∂x_j as a tree (symengine does the calculus)."""
    se = _engine()
    convert = _Converter()
    zero = ("n", Fraction(0))
    rows = []
    for f in funcs:
        free = f.free_symbols
        row = []
        for x in variables:
            row.append(convert(se.diff(f, x)) if x in free else zero)
        rows.append(row)
    return rows


def fast_jacobian(exprs: Sequence, variables: Sequence) -> list[list[str]]:
    """The Jacobian of symengine ``exprs`` in ``variables``, entries as sympy.sstr writes them.

    Raises Decline where an entry would leave the class this module reproduces.
    """
    printer = Printer()
    return [[printer.sstr(e) for e in row] for row in jacobian_entries(exprs, variables)]


def latex_matrix(cells: list[list[str]]) -> str:
    cols = len(cells[0])
    body = "\\\\".join(" & ".join(row) for row in cells)
    if cols <= 10:
        return f"\\left[\\begin{{matrix}}{body}\\end{{matrix}}\\right]"
    return f"\\left[\\begin{{array}}{{{'c' * cols}}}{body}\\end{{array}}\\right]"


def _natural_key(name: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


class LazyMatrix:
    """Stands in for the sympy Matrix of a result until a renderer asks for it.

    JSON needs only the strings; text, rich and LaTeX renderers index the
    matrix, and then the reference (sympy) computation runs once.
    """

    def __init__(self, compute):
        self._compute = compute
        self._value = None

    def _get(self):
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __getitem__(self, index):
        return self._get()[index]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._get(), name)

    # Special methods bypass __getattr__: forward the ones a Matrix user reaches for.
    def __eq__(self, other):
        return self._get() == (other._get() if isinstance(other, LazyMatrix) else other)

    __hash__ = None  # type: ignore[assignment]  # like a mutable sympy Matrix

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return repr(self._get())

    def __str__(self) -> str:
        return str(self._get())


def fast_jacobian_derivation(
    functions: str,
    wrt: str | None,
    layout: str = "numerator",
    order: str = "row",
    value=None,
):
    """api.jacobian(..., steps=False) for the class above, or None for the sympy path.

    A function outside the class has its row worked by sympy (imported only
    then), so one odd function does not send a large system down the slow path.
    An input sympy's parser rejects gives None: the sympy path reports the error
    with its columns. ``value`` becomes Result.value (e.g. a LazyMatrix).
    """
    if layout not in ("numerator", "denominator") or order not in ("row", "col"):
        return None
    try:
        _engine()
    except ImportError:  # pragma: no cover - symengine is a dependency
        return None
    try:
        symbols: dict = {}
        items = parse_function_list(functions, symbols)
        given = None if wrt is None else parse_variables(wrt, symbols)
    except Decline:
        return None
    reference = _Reference()
    free: list[set[str]] = []
    for src, f in items:
        if f is None:
            if not reference.parse(src):
                return None
            free.append(reference.free(src))
        else:
            free.append({str(x) for x in f.free_symbols})
    used = set().union(*free)
    names = sorted(used, key=_natural_key) if given is None else given
    if not items or not names:
        return None  # the sympy path says what is missing
    se = _engine()
    convert, printer = _Converter(), Printer()
    zero = ("0", "0")
    rows: list[list[tuple[str, str]]] = []
    for (src, f), fs in zip(items, free, strict=True):
        row = None
        if f is not None:
            try:
                row = [
                    _both(printer, convert(se.diff(f, symbols[x]))) if x in fs else zero
                    for x in names
                ]
            except Decline:
                if not reference.parse(src):
                    return None
        if row is None:
            row = [reference.entry(src, x) if x in fs else zero for x in names]
        rows.append(row)
    if layout == "denominator":
        rows = [list(col) for col in zip(*rows, strict=True)]
    matrix = tuple(tuple(s for s, _ in row) for row in rows)
    tex = latex_matrix([[t for _, t in row] for row in rows])
    return _derivation(len(items), names, used, layout, order, matrix, tex, value)


def _both(printer: Printer, tree) -> tuple[str, str]:
    return printer.sstr(tree), printer.latex(tree)


class _Reference:
    """sympy for the functions outside the class: the project's parser, sympy.diff, its printers."""

    def __init__(self):
        self.symbols: dict = {}
        self.parsed: dict = {}

    def parse(self, src: str) -> bool:
        if src in self.parsed:
            return True
        from symjac.errors import SymjacError
        from symjac.parsing import parse_expression

        try:
            self.parsed[src] = parse_expression(src, self.symbols, "list of functions")
        except SymjacError:
            return False
        return True

    def free(self, src: str) -> set[str]:
        return {s.name for s in self.parsed[src].free_symbols}

    def entry(self, src: str, name: str) -> tuple[str, str]:
        import sympy

        from symjac.printing import latex, sstr

        x = self.symbols.get(name) or sympy.Symbol(name, real=True)
        d = sympy.diff(self.parsed[src], x)
        return sstr(d), latex(d)


def _derivation(k, names, used, layout, order, matrix, tex, value):
    from symjac.model import Derivation, Result

    n = len(names)
    warnings = tuple(
        f"the variable {x} does not occur in the functions, so its "
        f"{'column' if layout == 'numerator' else 'row'} of ∇f is zero"
        for x in names
        if x not in used
    )
    rows, cols = (k, n) if layout == "numerator" else (n, k)
    return Derivation(
        command="jacobian",
        summary=statement(k, n, names, layout),
        result=Result(shape=(rows, cols), matrix=matrix, latex=tex, value=value),
        steps=(),
        label="∇f",
        variables=tuple(names),
        # As ops.jacobian: the headline abbreviates a long list, so say it in full.
        notes=(f"The {n} variables, in order: {', '.join(names)}.",)
        if n > MAX_LISTED_VARIABLES
        else (),
        warnings=warnings,
        extra={"layout": layout, "order": order, "input_shape": None, "output_shape": None},
    )


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MAX_LISTED_VARIABLES = 12  # in the headline; JSON always has every variable


def statement(k: int, n: int, names: Sequence[str], layout: str) -> str:
    """The worksheet's sentence: the map, the variables and the size of ∇f.

    It lives here, where nothing imports sympy, so the fast path can say it too.
    """
    listed = names if n <= MAX_LISTED_VARIABLES else [*names[:3], "…", *names[-2:]]
    where = ", ".join(listed)
    head = f"f : {_space(n)} → {_space(k)} in ({where}), so ∇f is "
    if layout == "numerator":
        return head + f"{k}×{n} (numerator convention: outputs × inputs)"
    return head + (
        f"{n}×{k} (denominator convention: inputs × outputs, "
        "the transpose of the numerator form)"
    )


def _space(n: int) -> str:
    return "ℝ" if n == 1 else "ℝ" + str(n).translate(_SUPERSCRIPT)
