"""The forgiving forms of input, translated into the one grammar.

Students type ``x^2``, ``2x``, ``(x+1)(x-1)``, ``sin x``, ``cos^2 y``,
``|x|``, ``√x``, ``x·y``, ``x²`` and paste LaTeX. This module turns such
text into tokens of the Python-like grammar that ``parsing.Parser`` reads
(``x**2``, ``2*x``, ``sin(x)``, ``cos(y)**2``) and nothing else: it builds
no expression, evaluates nothing, and is used only by ``language/parser.py``, which
stays the one security boundary. Every output character keeps the column
of the input character it came from, so errors point at what was typed.

Precedence, from tightest: ``^`` and superscripts (right to left: ``2^3^2``
is 2^9), then a function applied without parentheses to one token
(``sin x^2`` is sin(x²), ``cos^2 y`` is cos(y)²), then products, explicit
or implicit (``2x``, ``x y``, ``2(x+1)``), then ``+`` and ``-``.
What could be read two ways is refused with both readings named
(``sin x y``, ``sin 2x``); ``xy`` beside ``x`` and ``y`` is read as one
name, with a warning (see ``watch``).
"""

from __future__ import annotations

import contextlib
import functools
import keyword
import re
import string
from collections.abc import Collection, Iterator, Sequence
from contextvars import ContextVar

from symjac.core.errors import ParseError
from symjac.language.lexer import (  # noqa: F401 (spell, prepare: used through notation)
    _OPEN,
    Tok,
    _name,
    glue_names,
    glued_function,
    greek_name,
    greek_name_of,
    lex,
    script,
)

# -- ambiguity: xy beside x and y ------------------------------------------------------


class Watch:
    """One command's inputs as they are read: the names seen (to explain ``xy`` beside
    ``x`` and ``y``), the declared variables that decide how a run of letters splits,
    and every loose reading made (an inserted operator, a split name), so the
    output can state it before the result."""

    def __init__(self, declared: Collection[str] = ()) -> None:
        self.names: set[str] = set()
        self.words: dict[str, None] = {}  # multi-letter names, in order
        self.declared: frozenset[str] = frozenset(declared)
        self.readings: list[tuple[str, str]] = []  # (what, the input as read)
        self.notes: list[str] = []  # "2xy as 2·x·y": each name split, each function unglued

    def declare(self, names: Collection[str]) -> None:
        """The variables that decide how runs of letters split (--wrt, a problem's)."""
        self.declared = frozenset(names)

    def note(self, name: str, latex: bool = False) -> None:
        """A variable's name as read (in LaTeX each letter is a name: no words there)."""
        self.names.add(name)
        if not latex and len(name) > 1 and name.isalpha():
            self.words[name] = None

    def read(self, what: str, text: str, notes: Sequence[str]) -> None:
        """An input read loosely: ``text`` is it in the grammar."""
        what = what.removeprefix("list of ").removeprefix("matrix ")
        if (what, shown(text)) not in self.readings:  # an input may be read twice
            self.readings.append((what, shown(text)))
        for n in notes:
            if n not in self.notes:
                self.notes.append(n)

    def reading(self) -> str:
        """The inputs as read, one line: '' when everything was read as written."""
        if len(self.readings) == 1:
            return self.readings[0][1]
        return "; ".join(f"{what}: {text}" for what, text in self.readings)

    def warnings(self) -> list[str]:
        out = []
        for word in self.words:
            parts = _split(word, (self.names | {"e", "pi"}) - {word})
            if parts:
                out.append(f"'{word}' is read as one name; for the product of "
                           f"{', '.join(parts)} write {'*'.join(parts)}")
        return out


_WATCH: ContextVar[Watch | None] = ContextVar("symjac_watch", default=None)


@contextlib.contextmanager
def watch(declared: Collection[str] = ()) -> Iterator[Watch]:
    """Collect the names and readings of the inputs read while the block runs (one
    command's inputs, or one answer's)."""
    w = Watch(declared)
    token = _WATCH.set(w)
    try:
        yield w
    finally:
        _WATCH.reset(token)


def current_watch() -> Watch | None:
    return _WATCH.get()


_AS_TYPED: ContextVar[bool] = ContextVar("symjac_names_as_typed", default=False)


@contextlib.contextmanager
def names_as_typed() -> Iterator[None]:
    """Read every name as typed, never split (the declaration itself: --wrt cost)."""
    token = _AS_TYPED.set(True)
    try:
        yield
    finally:
        _AS_TYPED.reset(token)


def shown(text: str) -> str:
    """Text in the grammar as a person reads it: 2·x·y + y^2. It reads back the same."""
    text = text.replace(" ** ", "^").replace("**", "^")
    return text.replace(" * ", "·").replace("*", "·")


def _split(word: str, names: set[str]) -> list[str] | None:
    """word as a concatenation of at least two known names, or None."""
    best: dict[int, list[str]] = {0: []}
    for i in range(len(word)):
        if i not in best:
            continue
        for j in range(i + 1, len(word) + 1):
            if word[i:j] in names and j not in best:
                best[j] = [*best[i], word[i:j]]
    found = best.get(len(word))
    return found if found and len(found) > 1 else None


# -- the translation ---------------------------------------------------------------------


class Translation:
    """Text in the one grammar; cols[i] is where text[i] was typed (0-based)."""

    def __init__(self, text: str, cols: Sequence[int], implicit: set[int],
                 verbatim: bool = False, loose: bool = False, notes: Sequence[str] = ()) -> None:
        self.text = text
        self.cols = cols
        self.implicit = implicit  # indices in text of products written by juxtaposition
        # Did the reading insert an operator or split a name? Then it is stated.
        self.loose = loose
        self.notes = notes  # the names split and functions unglued: "2xy as 2·x·y"
        # The text was already in the grammar and is passed on as typed (see _verbatim).
        # Its tree is the translation's; for an error, the caller asks again with
        # verbatim=False, so the message and column are the translation's.
        self.verbatim = verbatim


_ENDS_OPERAND = {"num", "name", "close"}
_CONSTANT_NAMES = {"e", "E", "pi"}  # parsing.CONSTANTS
_E_NOTE = "E as e (Euler's number)"
MAX_WORD = 64  # a longer name is refused as a name (parsing.MAX_NAME), never split
# Python keywords that are ordinary math names (lambda: a regularisation weight).
NAMED_KEYWORDS = {"lambda"}
_FUNCTION_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
                     "arccosh": "acosh", "arctanh": "atanh", "sgn": "sign", "lg": "log10"}


def _word_char(c: str) -> bool:
    return c.isalnum() or c in "_."


def is_latex(text: str) -> bool:
    """LaTeX is recognised by a backslash, a $, or braces after ^ or _ (x_{1})."""
    return "\\" in text or "$" in text or "_{" in text or "^{" in text


def translate(text: str, functions: Collection[str], matrix: bool = False,
              verbatim: bool = True) -> Translation:
    """text (already normalised) -> the same expression in the one grammar.

    With ``verbatim``, text that is already in the grammar comes back as it is
    (the common case of a large system: ``x0**3*x1 + cos(x1)**2``).
    """
    if verbatim and not matrix and _verbatim(text, functions):
        return Translation(text, range(len(text) + 1), set(), verbatim=True)
    latex = is_latex(text)
    if latex:
        from symjac.language.latex import tokens

        toks = tokens(text, matrix=matrix, functions=functions)
    else:
        toks = lex(text)
    return _Rewriter(toks, text, functions, matrix, latex).run()


# -- text already in the grammar ----------------------------------------------------------

# A conservative test that the rewriter would give the text back unchanged but for
# spaces, so that Python reads the same expression in it: ASCII characters of the
# grammar only (no ^, |, braces, #, LaTeX or Unicode), ...
_GRAMMAR_CHARS = frozenset(string.ascii_letters + string.digits + "_ +-*/(),[].")
# ... and nothing the rewriter reads differently: operands side by side (x (y), (x)(y),
# 2(x); x y and sin x are not Python), ** after an opening bracket or a comma (f(**x)),
# an empty item ([1,]), a number Python reads as one but the rewriter as two (1e1_0),
# a name after a dot (x.y), Python's Ellipsis (...), or numbers other than decimals
# (0x1f, 2j) ...
_REWRITTEN = re.compile(
    r"[\w.)\]] +[\w.(\[]|[)\]][\w.(\[]|[(,] *\*\*|\A *\*\*|, *(?:[)\]]|\Z)|[eE][+-]?\d+_"
    r"|\.[A-Za-z_]|\.\.|0[xXoObB]|\d[jJ]"
)
_DIGIT_BRACKET = re.compile(r"[\d.][(\[]")  # 2(x), or a call such as log10(x)
# ... nor a keyword (lambda), another spelling of a function (arcsin) anywhere, or a
# function without its bracket (sin + 1).
_NOT_NAMES = frozenset({*keyword.kwlist, *NAMED_KEYWORDS, *_FUNCTION_ALIASES})
_PLAIN_NAME = re.compile(r"\b[A-Za-z_]\w*\(?")  # a name, with the bracket of a call


def _verbatim(text: str, functions: Collection[str]) -> bool:
    """Is text already in the grammar? Then its names are noted as the rewriter notes them."""
    if not text.isascii() or not _GRAMMAR_CHARS.issuperset(text) or _REWRITTEN.search(text):
        return False
    for m in _DIGIT_BRACKET.finditer(text):
        start = m.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_."):
            start -= 1
        if not (text[start].isalpha() or text[start] == "_"):
            return False  # a number before the bracket: a product
    found = dict.fromkeys(_PLAIN_NAME.findall(text))  # in order
    names = []
    watch = _WATCH.get()
    declared = watch.declared if watch is not None else frozenset()
    for word in found:
        name = word.rstrip("(")
        if name in _NOT_NAMES or (name == word and name in functions):
            return False
        if name == "E" or _may_split(name, declared, functions) or (
                name != word and name not in functions):  # x(x + 1): the rewriter decides
            return False  # the rewriter decides how it reads, and states it
        names.append(name)
    pieces = {*names, *declared, *glue_names(functions)}
    if any(not n.isalpha() and _made_of(n, pieces - {n}) for n in names):
        return False  # x1x2 beside x1 and x2: the rewriter decides
    if watch is not None:
        for name in names:
            if name not in functions:
                watch.note(name)
    return True


# -- runs of letters: one name, a product, or a function glued to its argument -------------

# Functions whose names are looked for inside a run of letters (cosx, xsinx, lnx): the
# lower-case ones of three letters or more, and ln. Two-letter names (re, im) are
# too common inside words to count.
def _greek_apart(t: Tok) -> list[Tok]:
    """πx, αx, μσ: a Greek letter is a name of its own (its digits stay with it, θ1)."""
    if t.kind != "name" or t.text.isascii() or not any(script(c) == "Greek" for c in t.text):
        return [t]
    runs: list[str] = []
    for p in re.findall(r"[^\W\d_][\d_]*", t.text):
        if runs and script(p[0]) != "Greek" and script(runs[-1][0]) != "Greek" \
                and not runs[-1][-1].isdigit():
            runs[-1] += p  # Latin letters together, as typed
        else:
            runs.append(p)
    if len(runs) == 1 or "".join(runs) != t.text:
        return [t]
    out, col = [], t.col
    for k, r in enumerate(runs):
        out.append(Tok("name", r, col, t.space and k == 0))
        col += len(r)
    return out


@functools.cache
def _greek_names() -> tuple[str, ...]:
    """alpha, beta, ..., Omega: the names Greek letters are spelled as."""
    found = {greek_name(chr(c)) for c in range(0x391, 0x3CA)}
    return tuple(sorted((n for n in found if n), key=len, reverse=True))


def _greek_word(word: str) -> bool:
    return greek_name_of(word) is not None or greek_name_of(word.lower()) is not None


class _Word:
    """How one run of letters may be read: as one name, or as the pieces of a product
    (names and at most one function applied to the last piece)."""

    def __init__(self, pieces: list[tuple[str, str]]) -> None:
        self.pieces = pieces  # (kind, text): kind is name or func

    def shown(self) -> str:
        out: list[str] = []
        k = 0
        while k < len(self.pieces):
            kind, text = self.pieces[k]
            if kind == "func":
                arg = self.pieces[k + 1][1] if k + 1 < len(self.pieces) else "..."
                out.append(f"{text}({arg})")
                k += 2
                continue
            out.append(text)
            k += 1
        return "·".join(out)

    def key(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.pieces)

    def applies(self) -> bool:
        """Does it end with a function applied to the last piece (cosx)?"""
        return len(self.pieces) > 1 and self.pieces[-2][0] == "func"


def _may_split(name: str, declared: frozenset[str], functions: Collection[str]) -> bool:
    """Could this name be a product, or a function glued to its argument (see _Rewriter.word)?
    Names with digits or '_' (x1, theta_0) are names, but for a function's name then
    digits (sin2x)."""
    if (len(name) < 2 or len(name) > MAX_WORD or _AS_TYPED.get() or name in declared
            or name in functions or name in _CONSTANT_NAMES):
        return False
    if name.isalpha():
        return not (name in NAMED_KEYWORDS or keyword.iskeyword(name) or _greek_word(name))
    glue = glue_names({*functions, *_FUNCTION_ALIASES})
    return any(name.startswith(f) and name[len(f):][:1].isdigit() for f in glue)


def _made_of(name: str, pieces: set[str]) -> bool:
    """Is name a run of two or more of these pieces (x1x2 of x1 and x2)? x_1x_2 counts
    always: a subscript then letters."""
    return bool(re.search(r"_\d+[^\W\d_]", name)) or _split(name, pieces) is not None


class _Rewriter:
    def __init__(self, toks: list[Tok], text: str, functions: Collection[str], matrix: bool,
                 latex: bool) -> None:
        self.src = text
        self.functions = set(functions) | set(_FUNCTION_ALIASES)
        self.matrix = matrix
        self.latex = latex
        self.out: list[tuple[str, int]] = []
        self.implicit: set[int] = set()
        self.watch = _WATCH.get()
        self.loose = False  # an operator was inserted or a name split
        self.e_power_end = -1  # the token after e^2 (e^2x reads two ways)
        self.e_power_col = 0
        self.notes: list[str] = []
        toks = [piece for t in toks for piece in _greek_apart(t)]
        for t in toks:
            if t.kind == "name":
                t.text = _name(t, text)
                if t.text == "E":  # sympy's spelling of e: an engineer's E is Young's modulus
                    self.stated(_E_NOTE)
                if t.text in self.functions:
                    t.kind = "func"
                    t.text = _FUNCTION_ALIASES.get(t.text, t.text)
        if not _AS_TYPED.get() and (not latex or any(t.data.get("latex_run") for t in toks)):
            toks = self.words(toks)
        self.toks = toks
        if self.watch is not None:
            for t in toks:
                if t.kind == "name":
                    self.watch.note(t.text, latex)

    def stated(self, note: str) -> None:
        """A loose reading, said once: "2xy as 2·x·y"."""
        self.loose = True
        if note not in self.notes:
            self.notes.append(note)

    # -- runs of letters ----------------------------------------------------------------
    def words(self, toks: list[Tok]) -> list[Tok]:
        """Each name that is really a product (2xy, ye^x) or a function glued to its
        argument (cosx, xsinx) becomes its pieces, when that is the only sensible
        reading; when it is not, the name is refused with its readings."""
        if any(t.kind == "op" and t.text in ("'", '"') or t.kind == "name" and
               t.text.startswith("_") for t in toks):
            return toks  # strings and dunders: the grammar refuses them as they are
        declared = self.watch.declared if self.watch is not None else frozenset()
        # Names that stand on their own in this input (or another of the command's):
        # with no declared variables, they are what a run of letters may be made of.
        known = {t.text for t in toks if t.kind == "name"}
        if self.watch is not None:
            known |= self.watch.names
        out: list[Tok] = []
        for k, t in enumerate(toks):
            if t.kind != "name":
                out.append(t)
                continue
            if self.latex and not t.data.get("latex_run"):
                out.append(t)
                continue
            prev = toks[k - 1] if k else None
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            pieces = self.word(t, prev, nxt, declared, known - {t.text})
            if pieces is None and t.data.get("latex_run"):
                found = glued_function(t.text, self.functions) or ""
                glued = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}.get(found, found)
                raise ParseError(
                    f"'{t.text}' holds the function {glued}: in LaTeX write \\{glued} "
                    f"followed by its argument (\\{glued} x, \\{glued}(x)), or put "
                    "spaces or * between the letters of a product", t.col + 1)
            if pieces is None:
                out.append(t)
                continue
            col = t.col
            for n, (kind, text) in enumerate(pieces.pieces):
                out.append(Tok(kind, text, col, t.space and n == 0))
                col += len(text)
            if any(text == "E" for _, text in pieces.pieces):
                self.stated(_E_NOTE)
            lead = prev.text if prev is not None and prev.kind == "num" and not t.space else ""
            self.stated(f"{lead}{t.text} as {lead + '·' if lead else ''}{pieces.shown()}")
        return out

    def word(self, t: Tok, prev: Tok | None, nxt: Tok | None, declared: frozenset[str],
             known: set[str]) -> _Word | None:
        """The pieces a name is read as, None to keep it one name; or a ParseError."""
        w = t.text
        if (len(w) < 2 or len(w) > MAX_WORD or w in declared or w in self.functions
                or w in _CONSTANT_NAMES or w in NAMED_KEYWORDS or keyword.iskeyword(w)
                or w in ("oo", "inf", "nan", "zoo")
                or _greek_word(w) or not w.isascii()):
            return None
        col = t.col + 1
        # A function glued to digits (sin2x, log2x, sqrt2) reads two ways at least.
        for f in glue_names(self.functions):
            if w.startswith(f) and w[len(f):][:1].isdigit():
                rest = w[len(f):]
                digits = rest.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
                more = rest[len(digits):]
                if more:
                    raise ParseError(f"'{w}' can be read two ways: write {f}({digits}*{more}) "
                                     f"or {f}({digits})*{more}", col)
                raise ParseError(f"'{w}' reads as {f} applied to {digits}: write "
                                 f"{f}({digits}), or {f}_{digits} for a name", col)
        supported = {n for n in (declared or known) if n and n != w}
        if not w.isalpha():
            # x1, theta_0, q2dot are names; x1x2 beside x1 and x2 (or declared) is a product
            whole = list({r.key(): r for r, ok in self.readings(w, supported, nxt, False, False)
                          if ok}.values())
            if len(whole) == 1:
                return whole[0]
            if len(whole) > 1 or re.search(r"_\d+[^\W\d_]", w):
                raise ParseError(f"'{w}' can be read as one name or as a product (x_1x_2 is "
                                 "x_1·x_2?): write the product with *, or declare the "
                                 "variables with --wrt", col)
            return None
        if self.matrix and prev is not None and prev.text in ("^", "**") and w[0] == "T" \
                and "T" not in supported and w[1:] in supported:
            return _Word([("name", "T"), ("name", w[1:])])  # w^Tx: a transpose, then x
        power_after = nxt is not None and nxt.kind == "op" and nxt.text in ("^", "**")
        glued_number = prev is not None and prev.kind == "num" and not t.space
        readings = self.readings(w, supported, nxt, power_after)
        if power_after and any(r.applies() for r, _ in readings):
            r = next(r for r, _ in readings if r.applies())
            f, arg = r.pieces[-2][1], r.pieces[-1][1]
            raise ParseError(f"'{w}^' can be read two ways: {f}({arg}^...) or {f}({arg})^...; "
                             f"write {f}({arg}^2) or {f}({arg})^2", col)
        full = list({r.key(): r for r, ok in readings if ok}.values())
        if len(full) == 1:
            if prev is not None and prev.kind == "op" and prev.text in ("^", "**"):
                raise ParseError(f"'^{w}' can be read as ^({full[0].shown()}) or with only "
                                 f"its first factor in the power: write the power in "
                                 "brackets, or * after it", col)
            return full[0]
        if len(full) > 1:
            raise ParseError(f"'{w}' can be read as {' or '.join(r.shown() for r in full)}; "
                             "write it with * between the factors", col)
        partial = list({r.key(): r for r, _ in readings}.values())
        if declared and len(partial) == 1 and not any(k == "func" for k, _ in partial[0].pieces):
            return partial[0]  # kx, ax^2 with --wrt x: a letter beside a declared variable
        if not partial and not glued_number and not (not declared and len(w) == 2
                                                     and w.islower()):
            return None  # one name: mass, velocity, Kp
        candidate = partial[0] if partial else _Word([("name", c) for c in w])
        lead = prev.text if glued_number and prev is not None else ""
        product = f"{lead}·{candidate.shown()}" if lead else candidate.shown()
        as_name = f"{lead}·{w}, with one name {w}" if lead else f"the name {w}"
        hint = "write it with *" if declared else "declare the variables with --wrt"
        raise ParseError(f"'{lead}{w}' can be read as {product} or as {as_name}: "
                         f"{hint}", col)

    def readings(self, w: str, supported: set[str], nxt: Tok | None,
                 power_after: bool, letters: bool = True) -> list[tuple[_Word, bool]]:
        """Plausible ways to read w as a product of names and of functions applied to one
        name each (2xy, xsinx, sinxcosx): (pieces, is every name supported?). A name that
        is not supported is a single letter, and one distinct letter at most is allowed:
        nobody means velocity as v·e·l·o·c·i·t·y."""
        takes_argument = nxt is not None and self.starts_operand(nxt) and (
            nxt.kind != "open" or nxt.text == "(")
        glue = glue_names(self.functions)
        last_e = power_after and w.endswith("e")  # ye^x: Euler's number before a power
        found: list[tuple[list[tuple[str, str]], frozenset[str]]] = []

        def walk(i: int, acc: list[tuple[str, str]], loose: frozenset[str]) -> None:
            if len(found) > 16 or len(loose) > 1:
                return
            if i == len(w):
                found.append((acc, loose))
                return
            for n in supported:
                if w.startswith(n, i):
                    walk(i + len(n), [*acc, ("name", n)], loose)
            if not letters:
                pass  # only the supported names (a name with digits: x1x2)
            elif last_e and i == len(w) - 1:
                walk(i + 1, [*acc, ("name", "e")], loose)
            elif w[i] not in supported:
                walk(i + 1, [*acc, ("name", w[i])], loose | {w[i]})
                for g in _greek_names():  # etax, omegat: a Greek letter's name, then more
                    if g not in supported and w.startswith(g, i) and len(g) < len(w):
                        walk(i + len(g), [*acc, ("name", g)], loose | {g})
            for f in glue:
                if not w.startswith(f, i):
                    continue
                j = i + len(f)
                if j == len(w):
                    if takes_argument:
                        walk(j, [*acc, ("func", f)], loose)
                    continue
                for n in supported:  # its argument: one name
                    if w.startswith(n, j):
                        walk(j + len(n), [*acc, ("func", f), ("name", n)], loose)
                if letters and w[j] not in supported:
                    walk(j + 1, [*acc, ("func", f), ("name", w[j])], loose | {w[j]})

        walk(0, [], frozenset())
        out: list[tuple[_Word, bool]] = []
        for pieces, loose in found:
            applies = any(kind == "func" for kind, _ in pieces)
            backed = [n for kind, n in pieces if kind == "name" and (n in supported or (
                last_e and n == "e"))]
            if len(pieces) > 1 and (applies or backed):
                out.append((_Word(pieces), not loose))
        return out

    def run(self) -> Translation:
        i = self.level(0, None)
        while i < len(self.toks):  # a stray closing bracket: the grammar reports it
            self.emit(self.toks[i].text, self.toks[i].col)
            i = self.level(i + 1, None)
        parts: list[str] = []
        cols: list[int] = []
        implicit: set[int] = set()
        last = ""
        for n, (s, c) in enumerate(self.out):
            if last and _word_char(last) and _word_char(s[:1]):
                parts.append(" ")  # keep neighbours such as 'lambda x' apart
                cols.append(c)
            if n in self.implicit:
                implicit.add(len(cols))
            parts.append(s)
            cols.extend([c] * len(s))
            last = s[-1:]
        text = "".join(parts)
        cols.append(self.toks[-1].col + len(self.toks[-1].text) if self.toks else 0)
        return Translation(text, cols, implicit, loose=self.loose or bool(implicit),
                           notes=self.notes)

    # -- output -----------------------------------------------------------------------
    def emit(self, s: str, col: int) -> None:
        self.out.append((s, col))

    # -- levels and atoms -------------------------------------------------------------------
    def level(self, i: int, closer: str | None) -> int:
        """Items up to the closing bracket (not consumed), with implicit products."""
        ends = False  # did the last thing emitted end an operand?
        after_function = None  # a function applied without parentheses, just before
        start = i
        operand_col = 0  # where the last operand began, as typed
        slash: tuple[int, int] | None = None  # (numerator's column, the '/' column) before it
        denominator = False  # is the last operand the right side of a '/'?
        while i < len(self.toks):
            t = self.toks[i]
            if t.kind == "close" or (t.kind == "bar" and closer == "|" and ends):
                return i
            if t.kind == "op" and t.text == ",":
                prev = self.toks[i - 1] if i > start else None
                nxt = self.toks[i + 1] if i + 1 < len(self.toks) else None
                if prev is None or (prev.kind == "op" and prev.text == ",") or nxt is None or (
                    nxt.kind == "close"
                ):
                    raise ParseError("an empty item: nothing between two commas, or before "
                                     "or after one", t.col + 1)
            if self.starts_operand(t):
                if ends:
                    if after_function is not None and t.kind not in ("func", "sqrt"):
                        self.ambiguous_argument(after_function, t)
                    if denominator and slash is not None:
                        self.ambiguous_division(slash, operand_col, t)
                    if i == self.e_power_end and not t.space:
                        self.ambiguous_power(t)
                    self.product(t)
                else:
                    denominator = slash is not None and self.toks[i - 1].text == "/"
                operand_col = t.col
                i, after_function = self.atom(i)
                ends = True
                continue
            if t.kind == "op" and t.text in ("^", "**") or t.kind == "T":
                raise ParseError(f"'{t.text}' needs something before it", t.col + 1)
            if self.matrix and t.kind == "op" and t.text == "*" and ends and \
                    self.src[t.col:t.col + 1] in "·⋅×∗•":
                # W·W in a matrix expression: the product the dot means, as W W is
                self.implicit.add(len(self.out))
                self.emit("@", t.col)
                self.loose = True
                slash, ends, after_function = None, False, None
                i += 1
                continue
            slash = (operand_col, t.col) if t.kind == "op" and t.text == "/" and ends else None
            self.emit(t.text, t.col)
            ends, after_function = False, None
            i += 1
        return i

    def ambiguous_division(self, slash: tuple[int, int], den: int, t: Tok) -> None:
        """x/2y: (x/2)·y by the rules of precedence, x/(2y) to most readers."""
        num = self.src[slash[0]:slash[1]].strip()
        d = self.src[den:t.col].strip()
        nxt = "(...)" if t.kind == "open" else t.text
        typed = self.src[slash[0]:t.col + len(t.text)].strip()
        raise ParseError(f"'{typed}' can be read as ({num}/{d})*{nxt} or as "
                         f"{num}/({d}*{nxt}): write one of them", t.col + 1)

    def ambiguous_power(self, t: Tok) -> None:
        """e^2x: e^(2x) to most readers, e^2·x by the rules of precedence."""
        exponent = self.src[self.e_power_col:t.col].strip()
        nxt = "(...)" if t.kind == "open" else t.text
        raise ParseError(f"'e^{exponent}{nxt}' can be read as e^({exponent}*{nxt}) or as "
                         f"e^{exponent}*{nxt}: write one of them", t.col + 1)

    def starts_operand(self, t: Tok) -> bool:
        return t.kind in ("num", "name", "func", "open", "bar", "sqrt", "sum") and not (
            t.kind == "open" and t.text == "{"
        )

    def product(self, t: Tok) -> None:
        prev = self.out[-1] if self.out else None
        if t.kind == "num" and prev is not None and prev[0][:1].isdigit():
            inside = "separate entries with commas, [1, 2, 3], or drop the brackets: " \
                     "\"1 2 3\"" if self.src.lstrip().startswith("[") else \
                     f"write {prev[0]}*{t.text} for a product"
            raise ParseError(f"two numbers side by side: {inside}", t.col + 1)
        self.implicit.add(len(self.out))
        self.emit("@" if self.matrix else "*", t.col)

    def ambiguous_argument(self, fn: tuple[str, str], t: Tok) -> None:
        name, arg = fn
        nxt = t.text if t.kind != "open" else "(...)"
        raise ParseError(f"'{name} {arg} {nxt}' can be read two ways: write {name}({arg} {nxt}) "
                         f"or {name}({arg})*{nxt}", t.col + 1)

    def atom(self, i: int) -> tuple[int, tuple[str, str] | None]:
        """One operand with its powers; returns the next index and, for a function
        applied without parentheses, (function, argument) to guard what follows."""
        t = self.toks[i]
        if t.kind == "num":
            self.emit(t.text, t.col)
            i += 1
            nxt = self.peek(i)
            if t.text == "1" and nxt and nxt.kind == "open" and nxt.text == "{":
                self.out.pop()
                return self.indicator(i), None
        elif t.kind == "name" and t.text == "sigma" and "sigmoid" in self.functions and (
                (nxt := self.peek(i + 1)) is not None and nxt.kind == "open"
                and nxt.text == "(" and not nxt.space):
            # σ(z), \sigma(z): the sigmoid, as in the textbook (σ z is a product).
            self.stated("σ(...) as sigmoid(...)")
            t.kind, t.text = "func", "sigmoid"
            return self.function(i)
        elif t.kind == "name":
            self.emit(self.spelled(t), t.col)
            i += 1
            nxt = self.peek(i)
            if nxt and nxt.kind == "open" and nxt.text == "(" and not nxt.space and not self.latex:
                if self.is_variable(t.text):
                    # x(x + 1), with x a variable (declared, or a letter standing alone
                    # elsewhere): a product, stated.
                    self.product(nxt)
                # f(x) in plain text: a call of an unknown name, which the grammar refuses
                # with advice; in LaTeX letters are variables, so x(x + 1) is a product.
                i = self.group(i)
        elif t.kind == "func":
            return self.function(i)
        elif t.kind == "sqrt":
            self.emit(t.text, t.col)
            nxt = self.peek(i + 1)
            if nxt is not None and nxt.kind == "open" and nxt.text == "(":
                i = self.group(i + 1)  # √(x + 1)^2 is sqrt(x + 1)^2, as a function's call
            else:
                self.emit("(", t.col)
                i = self.operand(i + 1, t)
                self.emit(")", t.col)
                self.loose = True  # √x²: its argument is one token, stated
        elif t.kind == "sum":
            i = self.sum(i)
        elif t.kind == "bar":
            nxt = self.peek(i + 1)
            if self.matrix and nxt is not None and nxt.kind == "bar" and nxt.col <= t.col + 1:
                return self.postfix(self.norm(i)), None
            self.emit("abs", t.col)
            self.emit("(", t.col)
            j = self.level(i + 1, "|")
            if j >= len(self.toks) or self.toks[j].kind != "bar":
                raise ParseError("'|' is not closed: write |x| for an absolute value", t.col + 1)
            self.emit(")", self.toks[j].col)
            i = j + 1
        else:  # an opening bracket
            i = self.group(i)
        return self.postfix(i), None

    def norm(self, i: int) -> int:
        """||v|| (\\|v\\|) in a matrix expression: the Euclidean norm."""
        t = self.toks[i]
        self.emit("norm", t.col)
        self.emit("(", t.col)
        j = self.level(i + 2, "|")
        if j + 1 >= len(self.toks) or self.toks[j].kind != "bar" or self.toks[j + 1].kind != "bar":
            raise ParseError("'||' is not closed: write ||v|| for a norm", t.col + 1)
        self.emit(")", self.toks[j + 1].col)
        return j + 2

    def is_variable(self, name: str) -> bool:
        """Is this name a variable for sure: declared, or one letter that stands alone
        elsewhere in the input?"""
        if self.watch is not None and name in self.watch.declared:
            return True
        return len(name) == 1 and sum(t.kind == "name" and t.text == name
                                      for t in self.toks) > 1

    def spelled(self, t: Tok) -> str:
        word = t.text
        if word in NAMED_KEYWORDS:
            # The grammar's parser NFKC-normalises names: a fullwidth first letter
            # reads back as the plain word, and is no longer a keyword.
            return chr(ord(word[0]) + 0xFEE0) + word[1:]
        return word

    def peek(self, i: int) -> Tok | None:
        return self.toks[i] if i < len(self.toks) else None

    def group(self, i: int) -> int:
        t = self.toks[i]
        closer = _OPEN[t.text]
        self.emit("(" if t.text == "{" else t.text, t.col)
        j = self.level(i + 1, closer)
        if j < len(self.toks) and self.toks[j].text == closer:
            self.emit(")" if closer == "}" else closer, self.toks[j].col)
            return j + 1
        return j  # unclosed or mismatched: the grammar reports it

    def operand(self, i: int, after: Tok) -> int:
        """The single-token argument of a function written without parentheses, or of √."""
        t = self.peek(i)
        if t is None or not self.starts_operand(t):
            if after.kind == "sqrt":
                raise ParseError("'√' needs an argument: write √x or √(x + 1)", after.col + 1)
            raise ParseError(f"'{after.text}' is a function; write {after.text}(...)",
                             after.col + 1)
        j, _ = self.atom(i)
        nxt = self.peek(j)
        if t.kind == "num" and nxt and not nxt.space and nxt.kind in ("name", "open", "func"):
            what = "√" if after.kind == "sqrt" else after.text + " "
            raise ParseError(f"'{what}{t.text}{nxt.text}' can be read two ways: write "
                             f"{after.text}({t.text}{nxt.text}) or {after.text}({t.text})*"
                             f"{nxt.text}", nxt.col + 1)
        return j

    def function(self, i: int) -> tuple[int, tuple[str, str] | None]:
        f = self.toks[i]
        self.emit(f.text, f.col)
        i += 1
        power: list[tuple[str, int]] | None = None
        nxt = self.peek(i)
        if nxt and nxt.kind == "op" and nxt.text in ("^", "**"):
            # cos^2 y is cos(y)**2; the power is kept aside until the argument is read.
            mark = len(self.out)
            i = self.power_operand(i + 1, nxt)
            power = self.out[mark:]
            del self.out[mark:]
            if [s for s, _ in power] in (["-", "1"], ["(", "-", "1", ")"]):
                raise ParseError(f"{f.text}^-1 could mean 1/{f.text} or the inverse function: "
                                 f"write 1/{f.text}(x) or a{f.text}(x)", nxt.col + 1)
        nxt = self.peek(i)
        applied = None
        if nxt and nxt.kind == "open" and nxt.text == "(":
            i = self.group(i)
        else:
            self.emit("(", f.col)
            start = len(self.out)
            i = self.operand(i, f)
            arg = "".join(s for s, _ in self.out[start:])
            self.emit(")", f.col)
            applied = (f.text, arg)
            self.loose = True
        if power is not None:
            self.emit("**", power[0][1])
            self.emit("(", power[0][1])
            self.out.extend(power)
            self.emit(")", power[-1][1])
        return self.postfix(i), applied

    def power_operand(self, i: int, op: Tok) -> int:
        t = self.peek(i)
        if t is not None and t.kind == "op" and t.text in ("-", "+"):
            self.emit("(", t.col)
            self.emit(t.text, t.col)
            j = self.power_operand(i + 1, op)
            self.emit(")", t.col)
            return j
        if t is None or not self.starts_operand(t) and not (t.kind == "open" and t.text == "{"):
            raise ParseError(f"'{op.text}' needs a power after it", op.col + 1)
        if t.kind == "open":
            return self.postfix(self.group(i))
        j, _ = self.atom(i)
        return j

    def postfix(self, i: int) -> int:
        """Powers (x^2, x**2, x²), transposes (Xᵀ, X^T) and subscripts (h[1])."""
        while i < len(self.toks):
            t = self.toks[i]
            if t.kind == "op" and t.text in ("^", "**"):
                nxt = self.peek(i + 1)
                if nxt is not None and (nxt.kind == "T" or (
                    self.matrix and nxt.kind == "name" and nxt.text == "T"
                )):
                    self.transpose(nxt)
                    i += 2
                    continue
                self.emit("**", t.col)
                base = self.toks[i - 1] if i else None
                start = i + 1
                i = self.power_operand(i + 1, t)
                if base is not None and base.kind == "name" and base.text in ("e", "E") \
                        and not (nxt is not None and nxt.kind == "open"):
                    self.e_power_end, self.e_power_col = i, nxt.col if nxt else 0
                after, power = self.toks[i:i + 2], self.toks[start:i]
                # (only ^1/n and ^-1/n: nobody writes x^1 for x, while x^2/2 is x²/2)
                if ("".join(u.text for u in power) in ("1", "-1", "+1") and len(after) == 2
                        and after[0].text == "/" and after[1].kind == "num"
                        and not after[0].space and not after[1].space):
                    # x^1/2: x^(1/2) to most readers, (x^1)/2 by the rules of precedence
                    a, b = "".join(u.text for u in power), after[1].text
                    raise ParseError(f"'^{a}/{b}' can be read as ^({a}/{b}) or as (...^{a})/{b}:"
                                     f" write the power in brackets, ^({a}/{b}), or a space "
                                     "before the /", after[0].col + 1)
                continue
            if t.kind == "T":
                self.transpose(t)
                i += 1
                continue
            if t.kind == "open" and t.text == "[" and not t.space:
                i = self.group(i)
                continue
            if t.kind == "op" and t.text == "." and self.matrix:
                nxt = self.peek(i + 1)
                if nxt is not None and nxt.kind == "name" and not nxt.space:
                    self.emit(".", t.col)
                    self.emit(nxt.text, nxt.col)
                    i += 2
                    continue
            break
        return i

    def transpose(self, t: Tok) -> None:
        if not self.matrix:
            raise ParseError("a transpose (ᵀ, ^T) is only for matrix expressions, as in grad",
                             t.col + 1)
        self.emit(".T", t.col)

    def indicator(self, i: int) -> int:
        """1{a = b}: 1 when a = b, else 0 (what symjac prints for KroneckerDelta)."""
        t = self.toks[i]
        depth, j = 0, i
        eq = None
        while j < len(self.toks):
            u = self.toks[j]
            if u.kind == "open":
                depth += 1
            elif u.kind == "close":
                depth -= 1
                if depth == 0:
                    break
            elif u.kind == "op" and u.text in ("=", "==") and depth == 1:
                eq = j
            j += 1
        if j >= len(self.toks) or eq is None:
            raise ParseError("write the indicator as 1{a = b}", t.col + 1)
        self.emit("KroneckerDelta", t.col)
        self.emit("(", t.col)
        self.sub_level(i + 1, eq, "the indicator's left side")
        self.emit(",", self.toks[eq].col)
        self.sub_level(eq + 1, j, "the indicator's right side")
        self.emit(")", self.toks[j].col)
        return j + 1

    def sub_level(self, i: int, j: int, what: str) -> None:
        if i >= j:
            raise ParseError(f"{what} is empty", self.toks[min(i, len(self.toks) - 1)].col + 1)
        saved = self.toks
        self.toks = saved[:j]
        try:
            end = self.level(i, None)
            if end < j:
                raise ParseError(f"cannot read {what}", saved[end].col + 1)
        finally:
            self.toks = saved

    def sum(self, i: int) -> int:
        """\\sum_{j=1}^{k} e^{h_j} -> sum(exp(h)): a sum over every entry of a vector
        (matrix expressions), or written out when the bounds are numbers."""
        t = self.toks[i]
        var = t.data["index"]
        # The summand: products up to the next + or - at this level.
        j = i + 1
        depth = 0
        while j < len(self.toks):
            u = self.toks[j]
            if u.kind == "open" or (u.kind == "bar"):
                depth += 1 if u.kind == "open" else 0
            elif u.kind == "close":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and u.kind == "op" and u.text in ("+", "-", ",", "=") and j > i + 1:
                break
            j += 1
        body = self.toks[i + 1 : j]
        if not body:
            raise ParseError("the sum has nothing to add up", t.col + 1)
        lo, hi = t.data["lower"], t.data["upper"]
        if self.matrix:
            if lo != "1":
                raise ParseError(f"a sum over {var} must run over the whole vector, from "
                                 f"{var}=1", t.col + 1)
            kept = []
            k = 0
            while k < len(body):
                u = body[k]
                if (u.kind == "open" and u.text == "[" and k + 2 < len(body)
                        and body[k + 1].kind == "name" and body[k + 1].text == var
                        and body[k + 2].text == "]"):
                    k += 3  # h[j] -> h: the sum runs over h's entries
                    continue
                if u.kind == "name" and u.text == var:
                    raise ParseError(f"the sum's index {var} may appear only as a subscript "
                                     f"(h_{var}) in a matrix expression", u.col + 1)
                kept.append(u)
                k += 1
            self.emit("sum", t.col)
            self.emit("(", t.col)
            self.sub_tokens(kept)
            self.emit(")", t.col)
            return j
        if not (lo.isdigit() and hi.isdigit()):
            raise ParseError("a sum needs whole-number bounds here, such as "
                             "\\sum_{i=1}^{3}", t.col + 1)
        a, b = int(lo), int(hi)
        if not 0 <= b - a < 1000:
            raise ParseError(f"a sum of {b - a + 1} terms: at most 1000 are written out",
                             t.col + 1)
        self.emit("(", t.col)
        for n in range(a, b + 1):
            if n > a:
                self.emit("+", t.col)
            terms = []
            for u in body:
                if u.kind == "name" and (u.text == var or u.text.endswith("_" + var)):
                    text = str(n) if u.text == var else u.text[: -len(var)] + str(n)
                    terms.append(Tok(u.kind if u.text != var else "num", text, u.col,
                                     u.space))
                else:
                    terms.append(Tok(u.kind, u.text, u.col, u.space, u.data))
            self.emit("(", t.col)
            self.sub_tokens(terms)
            self.emit(")", t.col)
        self.emit(")", t.col)
        return j

    def sub_tokens(self, toks: list[Tok]) -> None:
        saved = self.toks
        self.toks = toks
        try:
            end = self.level(0, None)
            if end < len(toks):
                raise ParseError("cannot read the sum's terms", toks[end].col + 1)
        finally:
            self.toks = saved
