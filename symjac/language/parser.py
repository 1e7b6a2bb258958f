"""Text -> expression objects, through Python's ast and an allow-list.

This module is the security boundary (DESIGN.md, Parsing): the one place
that reads user text. User text is never handed to sympify, parse_expr,
eval, exec or lambdify: it is parsed by ``ast.parse`` and every node is
translated by hand, so a name can only ever become a plain Symbol, one of
the listed functions or a constant. Sizes are capped before work is done,
and numbers before they are built.

What a node becomes is the builder's business (``symjac.language.builders``): sympy
objects by default, symengine objects for the fast engine, exact numbers
for matrix arithmetic. The grammar and every check on the text are here,
the same for all of them; this module itself never imports sympy.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar, cast

from symjac.core.errors import LimitError, ParseError, SymjacError
from symjac.language import lexer, notation
from symjac.language.builders import MAX_NUMBER_BITS as MAX_NUMBER_BITS  # the cap, re-exported
from symjac.language.builders import sympy_builder

if TYPE_CHECKING:
    from collections.abc import Iterator

    import sympy

    from symjac.language.builders import Builder

# What the parser builds is its builder's (symjac.language.builders): a sympy or a
# symengine expression, or an exact number; the first two have no types (so Any).
Value = Any
Symbols = dict[str, Any]  # name -> its symbol, shared by the inputs of one command
T = TypeVar("T")

MAX_LENGTH = 1_000_000  # characters of one input
MAX_DEPTH = 100  # nesting of calls, powers, brackets (chains of + and * do not count)
MAX_DIGITS = 1000  # digits of one numeric literal
MAX_EXPONENT = 1000  # |e| in a decimal literal such as 1e300
MAX_NAME = 64  # characters of one identifier
MAX_ENTRIES = 100_000  # entries of one matrix (a 316×316 matrix)
MAX_CHAIN = 20_000  # terms in one chain of + or * (Python's ast nests them)


# name -> (smallest, largest number of arguments): the functions of the grammar.
# What each one means, engine by engine, is written in symjac.language.builders.
ARITY: dict[str, tuple[int, int]] = {
    **{
        name: (1, 1)
        for name in (
            "sin cos tan cot sec csc asin acos atan acot asec acsc "
            "sinh cosh tanh coth sech csch asinh acosh atanh acoth asech acsch "
            "exp sqrt cbrt sign floor ceiling"
        ).split()
    },
    "atan2": (2, 2),
    "log": (1, 2),
    "ln": (1, 1),
    "log2": (1, 1),
    "log10": (1, 1),
    "abs": (1, 1),
    "Abs": (1, 1),
    "min": (2, 8),
    "max": (2, 8),
    "sigmoid": (1, 1),
    "softplus": (1, 1),
    "relu": (1, 1),
    # As symjac prints them (sympy's names), so every output types back in.
    "Max": (2, 8),
    "Min": (2, 8),
    "Heaviside": (1, 1),
    "heaviside": (1, 1),
    "DiracDelta": (1, 1),  # the derivative of heaviside (and of sign, times 2)
    "KroneckerDelta": (2, 2),
    # sympy writes |u|' with re() and im() when u may be complex for real x (|asech(x)|).
    "re": (1, 1),
    "im": (1, 1),
}


def _sympy_function(name: str) -> Callable[..., sympy.Expr]:
    def build(*args: sympy.Expr) -> sympy.Expr:
        return sympy_builder().functions[name](*args)

    build.__name__ = name
    return build


# name -> (sympy builder, smallest and largest number of arguments), for the
# matrix-expression language, which evaluates with sympy.
FUNCTIONS: dict[str, tuple[Callable[..., sympy.Expr], int, int]] = {
    name: (_sympy_function(name), lo, hi) for name, (lo, hi) in ARITY.items()
}


class _Constants(dict[str, str]):
    """`pi`, `E` and `e` (Euler's number: students write e**x, and a silent
    variable named e would give a wrong Jacobian without a word). The keys are
    the grammar; a value is sympy's, built on first use."""

    def __getitem__(self, name: str) -> sympy.Expr:  # the value, not the name
        return sympy_builder().constant(dict.__getitem__(self, name))


CONSTANTS = _Constants(pi="pi", E="E", e="E")

# Names that sympy reads as something else: a variable of that name would come back
# from the JSON as that thing.
RESERVED = {
    "oo": "infinity in sympy",
    "inf": "infinity in Python and numpy (oo in sympy)",
    "zoo": "complex infinity in sympy",
    "nan": "'not a number' in sympy",
}

_NODE_NAMES = {
    ast.Lambda: "lambda",
    ast.IfExp: "a conditional expression",
    ast.Compare: "a comparison",
    ast.BoolOp: "'and'/'or'",
    ast.Dict: "a dictionary",
    ast.Set: "a set",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Attribute: "attribute access",
    ast.Subscript: "indexing",
    ast.Starred: "'*' unpacking",
    ast.NamedExpr: "':='",
    ast.JoinedStr: "a string",
    ast.Slice: "a slice",
}

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_NUMBER_TOKEN = re.compile(r"(?<![\w.])\.?[0-9][0-9A-Za-z_.]*")
_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")
_ASCII_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # category C, but tab, LF, CR


def normalize(text: str, what: str = "input") -> str:
    """NFKC-normalise, refuse invisible and control characters, cap the length."""
    if not isinstance(text, str):
        raise ParseError(f"the {what} must be text")
    if len(text) > MAX_LENGTH:
        raise LimitError(
            f"the {what} is {len(text):,} characters long; the limit is {MAX_LENGTH:,}"
        )
    if text.isascii():
        # NFKC and prepare leave ASCII as it is; its only invisible characters are controls.
        bad = _ASCII_CONTROL.search(text)
        if bad is not None:
            raise ParseError(
                f"invisible or control character U+{ord(bad.group()):04X} in the {what}",
                bad.start() + 1,
            )
        return text
    # NFKC would quietly turn x² into the name x2, not a power.
    text = unicodedata.normalize("NFKC", lexer.prepare(text))
    if len(text) > MAX_LENGTH:  # NFKC can lengthen text: U+FDFA alone becomes 18 characters
        raise LimitError(
            f"the {what} is {len(text):,} characters long once normalised; "
            f"the limit is {MAX_LENGTH:,}"
        )
    for i, ch in enumerate(text):
        if ch in "\t\n\r":
            continue
        cat = unicodedata.category(ch)
        if cat[0] == "C" or cat in ("Zl", "Zp"):
            raise ParseError(f"invisible or control character U+{ord(ch):04X} in the {what}", i + 1)
    return text


def _check_number_tokens(text: str, offset: int = 0) -> None:
    for m in _NUMBER_TOKEN.finditer(text):
        token = m.group()
        # Hex digits count too: 0xfff... builds as large a number as 999...
        digits = sum(c.isalnum() for c in token)
        if digits > MAX_DIGITS:
            raise LimitError(
                f"a number with {digits:,} digits is longer than the limit of {MAX_DIGITS:,}",
                offset + m.start() + 1,
            )
        thousands = re.fullmatch(r"\d{1,3}(?:_\d{3})+(?:\.\d+)?", token)  # 1_000.5
        if ("_" in token and not thousands) or token[:2].lower() in ("0x", "0b", "0o"):
            # 2_1 is 21 to Python, x^2_1 a subscript to a reader: neither is guessed
            raise ParseError(f"'{token}' is not a number symjac reads: write digits only "
                             "(21), and a subscript on a name (x_1)", offset + m.start() + 1)
        lead = re.match(r"\d*", token).group()  # type: ignore[union-attr]
        if len(lead) > 1 and lead[0] == "0" and token[len(lead):][:1] not in (".", "e", "E"):
            raise ParseError(f"'{lead}': a whole number does not start with 0; write "
                             f"{lead.lstrip('0') or '0'}", offset + m.start() + 1)


def _in_main_thread() -> bool:
    # A program that never imported threading has only its main thread; a command
    # need not load the module to learn that.
    threading = sys.modules.get("threading")
    return threading is None or threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _room_for_chains() -> Iterator[None]:
    """Python's ast nests a + b + c ... one level per term, and its conversion
    recurses: past ~3,000 terms it fails at the default recursion limit. Give
    it room for MAX_CHAIN terms (measured safe on an 8 MiB stack up to 100,000)."""
    old = sys.getrecursionlimit()
    if _in_main_thread() and old < MAX_CHAIN + 1000:
        sys.setrecursionlimit(MAX_CHAIN + 1000)
        try:
            yield
        finally:
            sys.setrecursionlimit(old)
    else:
        yield


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector walks every live object each time it runs; a parse makes
    only objects that stay alive (the tree, then the expressions), and no cycles. For a
    system of 400 kB the collector took three times as long as the parse itself."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Parser:
    """Translates one ast tree, node by node, from an allow-list, into its builder's objects.

    The text is first put into the grammar by ``notation.translate`` (``x^2``,
    ``2x``, ``sin x``, Unicode, LaTeX); the tree is of the translated text,
    and columns are mapped back to what was typed. What each node becomes is
    the builder's business (``symjac.language.builders``).
    """

    matrix = False  # a matrix expression (grad's language): implicit products are @, ^T is .T

    def __init__(self, text: str, offset: int = 0, symbols: Symbols | None = None,
                 builder: Builder | None = None) -> None:
        self.text = text
        self.offset = offset  # columns before `text` in what the user typed
        self._bytes = text.encode()
        self._cols: Sequence[int] | None = None
        self.implicit: set[int] = set()
        self.symbols: Symbols = {} if symbols is None else symbols
        self.b: Builder = sympy_builder() if builder is None else builder

    def built(self, node: ast.AST, make: Callable[..., Value], *args: Any) -> Value:
        """make(*args) by the builder, its errors placed at the node's column."""
        try:
            return make(*args)
        except SymjacError as e:
            if e.position is not None:
                raise
            raise type(e)(e.message, self.col(node)) from None

    def function_names(self) -> Collection[str]:
        return FUNCTIONS

    # -- entry points -------------------------------------------------------
    def parse(self, what: str = "expression") -> ast.expr:
        """The ast of the whole text, or a ParseError saying where it goes wrong."""
        if not self.text.strip():
            raise ParseError(f"the {what} is empty")
        _check_number_tokens(self.text, self.offset)
        tr = self._translate(what, verbatim=True)
        try:
            return self._read(tr, what)
        except SymjacError:
            if not tr.verbatim:
                raise
        # Text passed on as typed that Python does not read: the error is the translation's.
        return self._read(self._translate(what, verbatim=False), what)

    def _read(self, tr: notation.Translation, what: str) -> ast.expr:
        """The tree of a translation; a loose reading is recorded, to be stated."""
        tree = self._tree(tr, what)
        watch = notation.current_watch()
        if tr.loose and watch is not None:
            items = tree.elts if isinstance(tree, ast.Tuple) else [tree]
            read = ", ".join(ast.unparse(e) for e in items)
            if self.matrix:  # a product side by side reads back as @ or a scalar's product
                read = read.replace(" @ ", " ")
            watch.read(what, read, tr.notes)
        return tree

    def _translate(self, what: str, verbatim: bool) -> notation.Translation:
        try:
            return notation.translate(self.text, self.function_names(), matrix=self.matrix,
                                   verbatim=verbatim)
        except ParseError as e:
            raise ParseError(e.message, None if e.position is None else self.offset + e.position)\
                from None
        except RecursionError:
            raise LimitError(f"the {what} is nested too deeply") from None

    def _tree(self, tr: notation.Translation, what: str) -> ast.expr:
        source = tr.text
        lead = len(source) - len(source.lstrip())
        self._cols = tr.cols[lead:]
        self.implicit = {k - lead for k in tr.implicit}
        try:
            # Python warns about text such as "1if" on stderr; make it one clean error.
            with _room_for_chains(), _collector_paused(), warnings.catch_warnings():
                warnings.simplefilter("error", SyntaxWarning)
                warnings.simplefilter("error", DeprecationWarning)
                tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as e:
            col = None if e.offset is None else self._col_at(max(e.offset, 1) - 1)
            msg = (e.msg or "invalid syntax").split(" (")[0]
            if "too many nested" in msg:
                raise LimitError(f"the {what} is nested too deeply", col) from None
            if msg.startswith("invalid syntax"):
                msg = f"invalid syntax in the {what}"
                if re.search(r"(?<![=<>!])=(?!=)", source):
                    msg += ": an equation is not an expression; give its right-hand side " \
                           "(x^2, not y = x^2)"
                elif "!" in source:
                    msg += ": '!' (a factorial) is not supported"
            raise ParseError(msg, col) from None
        except (MemoryError, RecursionError):
            raise LimitError(
                f"the {what} is nested too deeply, or has more than {MAX_CHAIN:,} terms "
                "in one chain of + or *"
            ) from None
        # Columns in the tree count from the stripped, translated text.
        self._bytes = source.strip().encode()
        return tree.body

    def expression(self, what: str = "expression") -> Value:
        return self.scalar(self.parse(what))

    # -- helpers --------------------------------------------------------------
    def _col_at(self, chars: int) -> int:
        """The column, as typed, of character `chars` of the translated text."""
        cols = self._cols or [0]
        return self.offset + cols[min(max(chars, 0), len(cols) - 1)] + 1

    def _char(self, byte_offset: int) -> int:
        return len(self._bytes[:byte_offset].decode(errors="ignore"))

    def col(self, node: ast.AST) -> int | None:
        off = getattr(node, "col_offset", None)
        if off is None:
            return None
        return self._col_at(self._char(off))

    def is_implicit(self, node: ast.BinOp) -> bool:
        """Was this product written by juxtaposition (2x, theta^T x), not with an operator?"""
        # Parsed expressions carry their end positions (ast.parse always sets them).
        assert node.left.end_col_offset is not None
        lo = self._char(node.left.end_col_offset)
        hi = self._char(node.right.col_offset)
        return any(lo <= k < hi for k in self.implicit)

    def source(self, node: ast.AST) -> str:
        assert isinstance(node, ast.expr)  # only expressions are quoted
        return self._bytes[node.col_offset : node.end_col_offset].decode()

    def error(self, message: str, node: ast.AST) -> ParseError:
        return ParseError(message, self.col(node))

    def _not_allowed(self, node: ast.AST) -> ParseError:
        name = _NODE_NAMES.get(type(node))
        if name is None:
            name = type(node).__name__
        return self.error(f"{name} is not allowed here", node)

    # -- scalars ----------------------------------------------------------------
    def scalar(self, node: ast.AST, depth: int = 0) -> Value:
        if depth > MAX_DEPTH:
            raise LimitError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        kind = type(node)  # ast.parse makes no subclasses; the commonest first
        if kind is ast.Name:
            return self.name(cast(ast.Name, node))
        if kind is ast.BinOp:
            return self.binop(cast(ast.BinOp, node), depth)
        if kind is ast.Call:
            return self.call(cast(ast.Call, node), depth)
        if kind is ast.Constant:
            return self.number(cast(ast.Constant, node))
        if kind is ast.UnaryOp:
            return self.unary(cast(ast.UnaryOp, node), depth)
        if isinstance(node, (ast.List, ast.Tuple)):
            raise self.error("a list is not allowed inside an expression", node)
        raise self._not_allowed(node)

    def number(self, node: ast.Constant) -> Value:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.error(f"'{value}' is not a number", node)
        if isinstance(value, str | bytes):
            raise self.error("strings are not allowed", node)
        if isinstance(value, complex):
            raise self.error("imaginary numbers are not supported", node)
        if isinstance(value, int):
            return self.b.integer(value)
        # A decimal is exact: 0.1 is 1/10. Read it from the source, not the float.
        src = self.source(node).replace("_", "")
        m = re.search(r"[eE]([+-]?\d+)$", src)
        if m and abs(int(m.group(1))) > MAX_EXPONENT:
            raise LimitError(
                f"the exponent of {src} is beyond the limit of {MAX_EXPONENT}", self.col(node)
            )
        from fractions import Fraction  # only for decimals: start-up need not load it

        frac = Fraction(src)
        return self.built(node, self.b.rational, frac.numerator, frac.denominator)

    def name(self, node: ast.Name) -> Value:
        ident = node.id
        if ident in CONSTANTS:
            return self.b.constant(dict.__getitem__(CONSTANTS, ident))
        if ident in ARITY:
            raise self.error(f"'{ident}' is a function; write {ident}(...)", node)
        sym = self.symbols.get(ident)
        return self.symbol(ident, node) if sym is None else sym

    def symbol(self, ident: str, node: ast.AST | None = None) -> Value:
        sym = self.symbols.get(ident)
        if sym is None:
            # A name is checked once; its column (a scan) is found only for an error.
            try:
                check_identifier(ident)
            except ParseError as e:
                raise ParseError(e.message, None if node is None else self.col(node)) from None
            sym = self.symbols[ident] = self.b.symbol(ident)
        return sym

    def unary(self, node: ast.UnaryOp, depth: int) -> Value:
        if isinstance(node.op, ast.USub):
            return self.built(node, self.b.neg, self.scalar(node.operand, depth + 1))
        if isinstance(node.op, ast.UAdd):
            return self.scalar(node.operand, depth + 1)
        raise self.error(f"the operator '{_op_text(node.op)}' is not allowed", node)

    def binop(self, top: ast.BinOp, depth: int) -> Value:
        node: ast.expr = top
        op = type(top.op)
        if op not in _BINOPS:
            raise self.error(f"the operator '{_op_text(top.op)}' is not allowed", top)
        if op in (ast.Add, ast.Sub):
            # Walk a long chain a + b - c + ... without recursion.
            terms = []
            while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
                term = self.scalar(node.right, depth + 1)
                terms.append(self.b.neg(term) if isinstance(node.op, ast.Sub) else term)
                node = node.left
            terms.append(self.scalar(node, depth + 1))
            return self.built(node, self.b.add, terms[::-1])
        if op in (ast.Mult, ast.Div):
            factors = []
            while isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
                factor = self.scalar(node.right, depth + 1)
                if isinstance(node.op, ast.Div):
                    if self.b.is_zero(factor):
                        raise self.error("division by zero", node.right)
                    factor = self.power(factor, self.b.integer(-1), node)
                factors.append(factor)
                node = node.left
            factors.append(self.scalar(node, depth + 1))
            return self.built(node, self.b.mul, factors[::-1])
        base = self.scalar(top.left, depth + 1)
        exponent = self.scalar(top.right, depth + 1)
        return self.power(base, exponent, top)

    def power(self, base: Value, exponent: Value, node: ast.AST) -> Value:
        return self.built(node, self.b.pow, base, exponent)

    def checked(self, value: Value, node: ast.AST) -> Value:
        """Refuse numbers past the size cap and infinities as soon as they appear."""
        return self.built(node, self.b.check, value)

    def call(self, node: ast.Call, depth: int) -> Value:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, (ast.Constant, ast.Call, ast.BinOp, ast.UnaryOp)):
                left = self.source(node.func)
                if isinstance(node.func, (ast.BinOp, ast.UnaryOp)):
                    left = f"({left})"
                raise self.error(
                    f"implicit multiplication is not supported: write {left}*(...)", node
                )
            raise self.error("only calls of named functions are allowed, such as sin(x)", node)
        fname = node.func.id
        if fname not in ARITY:
            hint = ""
            if len(fname) == 1 or fname in self.symbols:
                hint = f"; for a product write {fname}*(...) or {fname} (...)"
            raise self.error(f"unknown function '{fname}'{hint}", node)
        if node.keywords:
            raise self.error(f"{fname}() takes no keyword arguments", node)
        lo, hi = ARITY[fname]
        n = len(node.args)
        if not lo <= n <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            plural = "" if want == "1" else "s"
            raise self.error(f"{fname}() takes {want} argument{plural}, not {n}", node)
        args = [self.scalar(a, depth + 1) for a in node.args]
        return self.built(node, self.b.call, fname, args)


def _op_text(op: ast.AST) -> str:
    return {
        ast.MatMult: "@",
        ast.Mod: "%",
        ast.FloorDiv: "//",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.Invert: "~",
        ast.Not: "not",
    }.get(type(op), type(op).__name__)


def check_identifier(ident: str, col: int | None = None) -> None:
    """A variable name: a letter first, then letters, digits or '_'; not a function."""
    if ident.startswith("_"):
        raise ParseError(f"names may not start with '_': '{ident}'", col)
    if not _IDENTIFIER.match(ident):
        raise ParseError(f"'{ident}' is not a valid name", col)
    if len(ident) > MAX_NAME:
        raise ParseError(f"the name '{ident[:20]}...' is longer than {MAX_NAME} characters", col)
    if ident in FUNCTIONS:
        raise ParseError(f"'{ident}' is a function and cannot be a variable", col)
    if ident in CONSTANTS:
        raise ParseError(f"'{ident}' is a constant and cannot be a variable", col)
    if ident in RESERVED:
        raise ParseError(f"'{ident}' is {RESERVED[ident]} and cannot be a variable", col)


# -- public entry points ----------------------------------------------------------


spell_name = lexer.spell  # a name given by an option (θ -> theta), checked as in expressions
watch_names = notation.watch  # with watch_names() as w: ...; w.warnings() names what was ambiguous


def declare(variables: Iterable[object]) -> None:
    """The variables (names or symbols) that decide how a run of letters splits in the
    inputs read next (DESIGN.md, Reading): --wrt, or a problem's variables."""
    watch = notation.current_watch()
    if watch is not None:
        watch.declare([str(v) for v in variables])


def parse_expression(text: str, symbols: Symbols | None = None, what: str = "expression",
                     builder: Builder | None = None) -> Value:
    """One scalar expression, e.g. ``"x**3*y"`` (a sympy expression unless ``builder``)."""
    text = normalize(text, what).replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return Parser(text, symbols=symbols, builder=builder).expression(what)


def parse_matrix(text: str, name: str = "A", symbols: Symbols | None = None,
                 builder: Builder | None = None) -> Any:
    """A matrix literal: ``[[1,6],[7,5]]``, ``"1 6; 7 5"``, or ``[3,0,2]`` (a column).

    A single expression is a 1×1 matrix; ``"3 0 2"`` (no brackets) is a row.
    A sympy Matrix, or what ``builder.matrix(rows)`` makes of the rows (the
    symengine and exact builders: the list of rows itself).
    """
    what = f"matrix {name}"
    text = normalize(text, what)
    stripped = text.strip()
    if not stripped:
        raise ParseError(f"{what} is empty")
    if notation.is_latex(stripped) or (stripped.startswith("[") and ";" not in stripped) or \
            _one_expression(stripped):
        one_line = text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        parser = Parser(one_line, symbols=symbols, builder=builder)
        node = parser.parse(what)
        return parser.b.matrix(_matrix_from_node(parser, node, what))
    return _matrix_from_rows(text, what, symbols, builder)


def _one_expression(text: str) -> bool:
    """Is a matrix given without brackets or ';' one expression? "3 0 2" is a row of
    numbers, but "2 abs(x)" and "x + 2 y" are products, as everywhere else (a row of
    expressions is written [[2, abs(x)]], "2, abs(x)" or "2 abs(x);")."""
    if ";" in text or "\n" in text or "," in text:
        return False
    pieces = _split_row(text)
    if len(pieces) < 2 or not any(c.isalpha() for _, p in pieces for c in p):
        return False
    signed = [p for _, p in pieces[1:] if p[:1] in "+-"]
    if signed:  # x -y: the row [x, -y], as 1 -2 is, or x - y?
        row = ", ".join(p for _, p in pieces)
        raise ParseError(f"'{text}' can be read as the row [{row}] or as one expression: "
                         f"write [[{row}]] for a row, or put a space after the sign")
    return True


def _entries(n: int) -> str:
    return f"{n} entry" if n == 1 else f"{n} entries"


def _check_entries(n: int, what: str) -> None:
    if n > MAX_ENTRIES:
        raise LimitError(f"{what} has {n:,} entries or more; the limit is {MAX_ENTRIES:,}")


def _matrix_from_node(parser: Parser, node: ast.AST, what: str) -> list[list[Value]]:
    """The rows of a bracketed matrix literal."""
    if not isinstance(node, ast.List):
        return [[parser.scalar(node)]]
    if not node.elts:
        raise parser.error(f"{what} is empty", node)
    _check_entries(sum(len(e.elts) if isinstance(e, ast.List) else 1 for e in node.elts), what)
    if all(isinstance(e, ast.List) for e in node.elts):
        rows = []
        for i, row in enumerate(cast("list[ast.List]", node.elts), 1):
            if not row.elts:
                raise parser.error(f"row {i} of {what} is empty", row)
            if any(isinstance(e, ast.List) for e in row.elts):
                raise parser.error(
                    f"{what} is nested too deeply: entries must be numbers or expressions", row
                )
            rows.append([parser.scalar(e) for e in row.elts])
            if len(rows[-1]) != len(rows[0]):
                raise parser.error(
                    f"{what} is ragged: row {i} has {_entries(len(rows[-1]))} but row 1 has "
                    f"{_entries(len(rows[0]))}",
                    row,
                )
        return rows
    if any(isinstance(e, ast.List) for e in node.elts):
        raise parser.error(
            f"{what} mixes rows and single entries; write [[1,2],[3,4]] or [1,2,3]", node
        )
    # A flat list is a column vector, as in the worksheet.
    return [[parser.scalar(e)] for e in node.elts]


def _matrix_from_rows(text: str, what: str, symbols: Symbols | None,
                      builder: Builder | None = None) -> Any:
    """The compact form: rows separated by ';' or new lines, entries by spaces or commas."""
    builder = sympy_builder() if builder is None else builder

    def entry(token: str, col: int) -> Value:
        return Parser(token, offset=col, symbols=symbols, builder=builder).expression(what)

    return builder.matrix(_compact_rows(text, what, entry))


def _compact_rows(text: str, what: str, entry: Callable[[str, int], T]) -> list[list[T]]:
    """Rows of ``"1 6; 7 5"`` (optionally in brackets), each token read by entry(token, col)."""
    body, shift = text, 0
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):
        shift = text.index("[") + 1
        body = text[shift : text.rindex("]")]
    rows: list[list[T]] = []
    pos = shift
    for raw in re.split(r"[;\n]", body):
        row_start, pos = pos, pos + len(raw) + 1
        entries = [entry(token, row_start + start) for start, token in _split_row(raw)]
        if not entries:
            continue  # a blank line or a trailing ';'
        _check_entries(len(entries) * (len(rows) + 1), what)
        if rows and len(entries) != len(rows[0]):
            raise ParseError(
                f"{what} is ragged: row {len(rows) + 1} has {_entries(len(entries))} but row 1 "
                f"has {_entries(len(rows[0]))}",
                row_start + 1,
            )
        rows.append(entries)
    if not rows:
        raise ParseError(f"{what} is empty")
    return rows


def _split_row(raw: str) -> list[tuple[int, str]]:
    """The entries of one compact row, with their offsets in it.

    Commas and spaces inside brackets never split, so atan2(y, x) stays one
    entry. Without a top-level comma, spaces split entries except next to an
    operator, as in MATLAB: "x + 1" is one entry, "1 -2" two.
    """
    depth, commas, spaces = 0, [], set()
    for i, ch in enumerate(raw):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(depth - 1, 0)  # an unmatched bracket is the parser's to report
        elif depth == 0 and ch == ",":
            commas.append(i)
        elif depth == 0 and ch.isspace():
            spaces.add(i)
    if commas:
        cuts = [-1, *commas, len(raw)]
        pieces = [(a + 1, raw[a + 1 : b]) for a, b in zip(cuts, cuts[1:], strict=False)]
        return [(a + len(t) - len(t.lstrip()), t.strip()) for a, t in pieces if t.strip()]
    tokens: list[tuple[int, str]] = []
    start = None
    for i in range(len(raw) + 1):
        at_space = i == len(raw) or i in spaces
        if at_space and start is not None:
            tokens.append((start, raw[start:i]))
            start = None
        elif not at_space and start is None:
            start = i
    merged: list[tuple[int, str]] = []
    for start, token in tokens:
        if merged and (
            token in ("+", "-") or token[0] in "*/" or merged[-1][1][-1] in "+-*/"
        ):
            first = merged[-1][0]
            merged[-1] = (first, raw[first : start + len(token)])
        else:
            merged.append((start, token))
    return merged


# -- jacobian inputs: functions, variables, a point ---------------------------------


def _one_line(text: str) -> str:
    return text.replace("\n", " ").replace("\r", " ").replace("\t", " ")


def _lines_as_items(text: str) -> str:
    """A newline at the top level separates items as a comma does (a system written one
    function per line); inside brackets, and in a LaTeX environment, it is a space."""
    if "\n" not in text and "\r" not in text:
        return _one_line(text)
    if "\\" not in text:  # no LaTeX: line by line (a system of 10,000 lines)
        return _plain_lines_as_items(text)
    out: list[str] = []
    depth = 0
    pending = False  # a newline at the top level, since the last item's text
    last = ""  # the last character written that is not a space (no rejoin: linear in lines)
    for m in re.finditer(r"\\begin\b|\\end\b|\\left\b|\\right\b|\\.|[\r\n]|[^\\\r\n]", text):
        s = m.group()
        if s in ("\r", "\n"):
            if depth == 0:
                pending = True
            out.append(" ")
            continue
        if s in ("\\begin", "\\left") or s in "([{":
            depth += 1
        elif s in ("\\end", "\\right") or s in ")]}":
            depth -= 1
        if pending and not s.isspace():
            if last and last != "," and s != ",":
                if last in "+-*/^·×" or s in "+*/^·×":
                    raise ParseError("a line ends or begins with an operator, so it is not clear "
                                     "whether it continues a function: a newline separates "
                                     "functions; write one function per line, or the whole "
                                     "function in brackets", m.start() + 1)
                out.append(",")
                last = ","
            pending = False
        out.append(s.replace("\t", " "))
        if not s.isspace():
            last = s[-1]
    return "".join(out)


_CONTINUES = "+-*/^·×"  # a line ending in one of these may continue on the next
_OPENS = "+*/^·×"  # a line starting with one of these may continue the previous one


def _plain_lines_as_items(text: str) -> str:
    """_lines_as_items for text without LaTeX, a line at a time: a newline at the top
    level (brackets counted per line) separates items, as a comma does."""
    parts: list[str] = []
    depth = 0
    pending = False
    last = ""  # the last character that is not a space, so far
    offset = 0
    for k, line in enumerate(re.split(r"(?:\r\n|\r|\n)", text)):
        if k:
            if depth == 0:
                pending = True
            parts.append(" ")
            offset += 1
        content = line.strip()
        if content:
            first = content[0]
            if pending and last and last != "," and first != ",":
                if last in _CONTINUES or first in _OPENS:
                    raise ParseError("a line ends or begins with an operator, so it is not clear "
                                     "whether it continues a function: a newline separates "
                                     "functions; write one function per line, or the whole "
                                     "function in brackets", offset + line.index(first) + 1)
                parts.append(",")
            pending = False
            last = content[-1]
        parts.append(line.replace("\t", " "))
        offset += len(line)
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
    return "".join(parts)


def _is_matrix_node(node: ast.AST) -> TypeGuard[ast.List]:
    return (
        isinstance(node, ast.List)
        and bool(node.elts)
        and all(isinstance(e, ast.List) for e in node.elts)
    )


def parse_functions(
    text: str, symbols: Symbols | None = None, builder: Builder | None = None
) -> tuple[list[Value], tuple[int, int] | None]:
    """The FUNCTIONS of ``symjac jacobian``, in order, and the shape of a matrix literal.

    ``"x**3*y, cos(y)**2"`` (commas at the top level, so ``atan2(y, x)`` keeps
    its comma), ``"[x*y, x + y]"``, or ``"[[x, y], [x*y, 1]]"``: a
    matrix-valued function, flattened row-major; its shape is returned so the
    caller can say so (None for a list).
    """
    what = "list of functions"
    text = _lines_as_items(normalize(text, what))
    parser = Parser(text, symbols=symbols, builder=builder)
    with _collector_paused():
        node = parser.parse(what)
        shape = None
        if _is_matrix_node(node):
            rows = _matrix_from_node(parser, node, "the matrix of functions")
            functions = [f for row in rows for f in row]  # row-major
            shape = (len(rows), len(rows[0]))
        elif isinstance(node, ast.Tuple | ast.List):
            if not node.elts:
                raise parser.error(f"the {what} is empty", node)
            functions = [parser.scalar(e) for e in node.elts]
        else:
            functions = [parser.scalar(node)]
        del node  # the tree goes before the collector is back, or it would walk all of it
    return functions, shape


def parse_variables(
    text: str, symbols: Symbols | None = None, order: str = "row", builder: Builder | None = None
) -> tuple[list[Value], tuple[int, int] | None]:
    """The VARS of ``symjac jacobian``: names, flattened, and the shape of a matrix input.

    ``"x, y"``, ``"[x, y]"``, or a matrix ``"[[p, q], [r, s]]"`` (also
    ``"p q; r s"``), flattened row-major, or column-major (``vec``) when
    ``order == "col"``. Every entry must be a new name: not a number, an
    expression, a function or a constant, and not listed twice.
    """
    what = "list of variables"
    text = _one_line(normalize(text, what))
    if not text.strip():
        raise ParseError(f"the {what} is empty")
    with notation.names_as_typed():  # the declaration: its names are never split
        return _parse_variables(text, what, symbols, order, builder)


def _parse_variables(text: str, what: str, symbols: Symbols | None, order: str,
                     builder: Builder | None) -> tuple[list[Value], tuple[int, int] | None]:
    if ";" in text and not notation.is_latex(text):
        rows = _variable_rows(text, what, symbols, builder)
    else:
        parser = Parser(text, symbols=symbols, builder=builder)
        node = parser.parse(what)
        if _is_matrix_node(node):
            rows = []
            for i, row in enumerate(cast("list[ast.List]", node.elts), 1):
                if not row.elts:
                    raise parser.error(f"row {i} of the matrix of variables is empty", row)
                rows.append([_variable(parser, e) for e in row.elts])
                if len(rows[-1]) != len(rows[0]):
                    raise parser.error(
                        f"the matrix of variables is ragged: row {i} has "
                        f"{_entries(len(rows[-1]))} but row 1 has {_entries(len(rows[0]))}",
                        row,
                    )
        elif isinstance(node, ast.Tuple | ast.List):
            if not node.elts:
                raise parser.error(f"the {what} is empty", node)
            return _distinct([_variable(parser, e) for e in node.elts]), None
        else:
            return [_variable(parser, node)[0]], None
    shape = (len(rows), len(rows[0]))
    if order == "col":
        flat = [rows[i][j] for j in range(shape[1]) for i in range(shape[0])]
    else:
        flat = [v for row in rows for v in row]
    return _distinct(flat), shape


def _variable(parser: Parser, node: ast.AST) -> tuple[Value, int | None]:
    col = parser.col(node)
    if isinstance(node, ast.Name):
        check_identifier(node.id, col)
        return parser.symbol(node.id, node), col
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        raise ParseError(f"a variable must be a name, not the number {parser.source(node)}", col)
    if isinstance(node, ast.List | ast.Tuple):
        raise ParseError("the variables are nested too deeply; write x, y or [[p, q], [r, s]]",
                         col)
    text = parser.source(node)
    text = text if len(text) <= 40 else text[:37] + "..."
    raise ParseError(f"a variable must be a name, not '{text}'", col)


def _variable_rows(text: str, what: str, symbols: Symbols | None, builder: Builder | None = None
                   ) -> list[list[tuple[Value, int | None]]]:
    """``"p q; r s"``: rows split by ';', names by spaces or commas."""

    def entry(token: str, col: int) -> tuple[Value, int | None]:
        parser = Parser(token, offset=col, symbols=symbols, builder=builder)
        return _variable(parser, parser.parse(what))

    return _compact_rows(text, "the matrix of variables", entry)


def _distinct(found: list[tuple[Value, int | None]]) -> list[Value]:
    seen: set[Value] = set()
    for sym, col in found:
        if sym in seen:
            raise ParseError(f"the variable '{sym}' is listed twice", col)
        seen.add(sym)
    return [sym for sym, _ in found]


def _top_level_pieces(text: str, sep: str) -> list[tuple[int, str]]:
    """Split at `sep` outside brackets: [(start column, piece)]."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            pieces.append((start, text[start:i]))
            start = i + 1
    pieces.append((start, text[start:]))
    return pieces


def parse_point(text: str, symbols: Symbols | None = None) -> list[tuple[str, sympy.Expr, int]]:
    """``--at "x=1, y=2"``: [(name, exact value, column)]; values are numbers.

    Values may be any constant expression (``1/2``, ``pi/4``, ``sqrt(2)``,
    ``atan2(1, 2)``); commas inside brackets do not split.
    """
    what = "point"
    text = _one_line(normalize(text, what))
    if not text.strip():
        raise ParseError(f"the {what} is empty; write it as x=1, y=2")
    out: list[tuple[str, sympy.Expr, int]] = []
    seen: set[str] = set()
    for start, piece in _top_level_pieces(text, ","):
        if not piece.strip():
            raise ParseError("an empty assignment in the point; write it as x=1, y=2", start + 1)
        if "=" not in piece:
            col = start + len(piece) - len(piece.lstrip()) + 1
            raise ParseError(
                f"'{piece.strip()}' is not an assignment; write the point as x=1, y=2", col
            )
        name_part, value_part = piece.split("=", 1)
        name = name_part.strip()
        name_col = start + len(name_part) - len(name_part.lstrip()) + 1
        if not name:
            raise ParseError("a variable name is missing before '='", name_col)
        check_identifier(name, name_col)
        if name in seen:
            raise ParseError(f"the point gives '{name}' twice", name_col)
        seen.add(name)
        value_col = start + len(name_part) + 1
        parser = Parser(value_part, offset=value_col, symbols={})
        value = parser.expression(f"value of {name}")
        if value.free_symbols:
            raise ParseError(
                f"the value of {name} must be a number, not '{value_part.strip()}'",
                value_col + len(value_part) - len(value_part.lstrip()) + 1,
            )
        out.append((name, value, name_col))
    return out


class _EntryParser(Parser):
    """Entries symjac itself wrote: the grammar, plus ``Derivative(f, x)`` (of floor)."""

    def call(self, node: ast.Call, depth: int) -> Value:
        if isinstance(node.func, ast.Name) and node.func.id == "Derivative":
            if len(node.args) != 2 or not isinstance(node.args[1], ast.Name) or node.keywords:
                raise self.error("Derivative() takes an expression and a name", node)
            import sympy

            inner = self.scalar(node.args[0], depth + 1)
            return sympy.Derivative(inner, self.name(node.args[1]))
        return super().call(node, depth)


def parse_entries(rows: Iterable[Iterable[str]], symbols: Symbols | None = None
                  ) -> sympy.Matrix:
    """A sympy Matrix from entry strings in sympy's syntax (a Derivation's result).

    symjac wrote them: a name is whole (np is the name np, never n·p)."""
    symbols = {} if symbols is None else symbols
    built = []
    with notation.names_as_typed():
        for row in rows:
            out = []
            for text in row:
                parser = _EntryParser(_one_line(normalize(text, "entry")), symbols=symbols)
                out.append(parser.expression("entry"))
            built.append(out)
    return sympy_builder().matrix(built)
