"""The lexer of what people type: characters made plain (superscripts, confusable
signs, Greek letters) and cut into tokens, each with the column it came from.

``notation`` rewrites these tokens into the one grammar, and ``latex`` makes
the same tokens of LaTeX; neither builds an expression.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection
from typing import TYPE_CHECKING

from symjac.core.errors import ParseError

if TYPE_CHECKING:  # types only
    from typing import TypedDict

    class TokData(TypedDict, total=False):
        """What a token knows beyond its text."""

        latex_run: bool  # a run of letters in LaTeX (xy): a product, never a name
        indicator: bool  # \mathbb{1} before \{a = b\}: the indicator, one operand
        index: str  # a sum's index (\sum_{j=1}^{k}: "j")
        lower: str  # its first value ("1")
        upper: str  # its last value ("k"), "" when not written


# -- characters ------------------------------------------------------------------

_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱ", "0123456789+-()ni", strict=True))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₙ", "0123456789ijkn", strict=True))
_TRANSPOSE = "\u22a4"  # ⊤: what ᵀ, ^T (in matrix expressions) and \top become
_TRANSPOSE_MARKS = "ᵀ"  # MODIFIER LETTER CAPITAL T; NFKC would make it a plain T
_PRODUCT = {"·": "*", "⋅": "*", "×": "*", "∗": "*", "•": "*", "÷": "/", "⁄": "/", "∕": "/"}
_MINUS = {"−": "-", "–": "-", "﹣": "-", "－": "-"}

# Letters of other scripts that look like Latin ones, from Unicode's confusables
# (UTS #39, confusables.txt). Greek small letters used as math names (α, ν, ρ, ...)
# are not here: θ beside x is ordinary mathematics.
CONFUSABLES = {
    **dict(zip("аеорсухіјѕԁһԛԝӏ", "aeopcyxijsdhqwl", strict=True)),
    **dict(zip("АВЕКМНОРСТХУІЈЅԚԜ", "ABEKMHOPCTXYIJSQW", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧο", "ABEZHIKMNOPTYXo", strict=True)),
}

# Greek letters become their names, so θ, \theta and theta are one variable.
_GREEK_NAMES = {"lamda": "lambda", "final sigma": "varsigma"}


def greek_name(ch: str) -> str | None:
    """``θ`` -> ``theta``, ``Θ`` -> ``Theta``; None for any other character."""
    name = unicodedata.name(ch, "")
    for prefix, capital in (("GREEK SMALL LETTER ", False), ("GREEK CAPITAL LETTER ", True)):
        if name.startswith(prefix):
            word = name[len(prefix):].lower()
            if " " in word and word not in _GREEK_NAMES:
                return None  # letters with marks (tonos, dialytika)
            word = _GREEK_NAMES.get(word, word)
            return word.capitalize() if capital else word
    return None


def script(ch: str) -> str:
    """The script of a letter, from its Unicode name: 'Latin', 'Greek', 'Cyrillic', ..."""
    name = unicodedata.name(ch, "")
    return name.split(" ")[0].capitalize() if name else "Unknown"


_SUPER_LETTERS = dict(zip("ᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", "abcdefghjklmoprstuvwxyz", strict=True))


def prepare(text: str) -> str:
    """Before NFKC, which would make x² the name x2: superscripts become ^{…},
    subscripts _… (x₁x₂ is x_1 x_2), and ᵀ the transpose mark."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        fraction = unicodedata.normalize("NFKC", ch).replace("\u2044", "/")
        if unicodedata.category(ch) == "No" and "/" in fraction:  # ½: one number, (1/2)
            out.append(f"({fraction})")
            i += 1
            continue
        if ch == "‖":  # a norm's bar
            out.append("||")
            i += 1
            continue
        table = _SUPER_LETTERS if ch in _SUPER_LETTERS else _SUPER if ch in _SUPER else None
        if table is not None:  # x², eˣ: a run of one kind of superscript is one power
            j = i
            while j < len(text) and text[j] in table:
                j += 1
            out.append("^(" + "".join(table[c] for c in text[i:j]) + ")")
            i = j
            continue
        if ch in _SUB:
            j = i
            while j < len(text) and text[j] in _SUB:
                j += 1
            out.append("_" + "".join(_SUB[c] for c in text[i:j]))
            if j < len(text) and (text[j].isalpha() or text[j] in "(√"):
                out.append(" ")  # x₁x₂: the subscript ends the name
            i = j
            continue
        if ch in _TRANSPOSE_MARKS:
            out.append("^" + _TRANSPOSE)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


# -- tokens ------------------------------------------------------------------------


class Tok:
    # (Plain classes here, not dataclasses: a dataclass costs a millisecond to define,
    # on every start of the program.)
    __slots__ = ("kind", "text", "col", "space", "data")

    def __init__(self, kind: str, text: str, col: int, space: bool = False,
                 data: TokData | None = None) -> None:
        self.kind = kind  # num name func op open close bar sqrt sum T indicator
        self.text = text
        self.col = col  # 0-based index in the text as typed (after normalising)
        self.space = space  # whitespace before it
        self.data: TokData = {} if data is None else data

    def __repr__(self) -> str:
        return f"Tok({self.kind!r}, {self.text!r}, {self.col})"


_NUMBER = r"0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?"
# A regular expression used on some paths only is kept as text, and compiled (and
# kept) by re on first use.
_LATEX_PARTS = r"[^\W\d_]|\d+|_"
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = set(_OPEN.values())
_TWO_CHAR = ("**", "//", "==", "!=", "<=", ">=", "<<", ">>", ":=")




@functools.cache
def _token() -> re.Pattern[str]:
    # Compiled on first use: text already in the grammar never needs it (see _verbatim).
    return re.compile(
        r"(?P<ws>\s+)|(?P<num>" + _NUMBER + r")|(?P<name>[^\W\d]\w*)"
        r"|(?P<two>\*\*|//|==|!=|<=|>=|<<|>>|:=)|(?P<one>.)",
        re.S,
    )


_SINGLE = {"√": ("sqrt", "sqrt"), "∛": ("sqrt", "cbrt"), "π": ("name", "pi"),
           _TRANSPOSE: ("T", ".T"), "|": ("bar", "|"),
           **{c: ("open", c) for c in _OPEN}, **{c: ("close", c) for c in _CLOSE},
           **{c: ("op", v) for c, v in {**_PRODUCT, **_MINUS}.items()}}


def lex(text: str, start: int = 0, end: int | None = None, latex: bool = False,
        words: Collection[str] = ()) -> list[Tok]:
    """Tokens of plain text (also the character runs inside LaTeX, where each letter is
    a name unless the run is one of `words`, the function names)."""
    end = len(text) if end is None else end
    toks: list[Tok] = []
    space = False
    for m in _token().finditer(text, start, end):
        kind, tok, i = m.lastgroup, m.group(), m.start()
        if kind == "ws":
            space = True
            continue
        if kind == "name":
            if latex and tok not in words:
                # In LaTeX each letter is a variable (ye^x is y·e^x); digits and '_'
                # are their own tokens there. A run that holds a function's name
                # (sinx, cos) is not a product of letters anyone means.
                if glued_function(tok, words) is not None:
                    # xcosx: read as plain text reads it (the rewriter's words), or refused
                    toks.append(Tok("name", tok, i, space, {"latex_run": True}))
                    space = False
                    continue
                for p in re.finditer(_LATEX_PARTS, tok):
                    part = p.group()
                    toks.append(Tok("num" if part.isdigit() else "op" if part == "_"
                                    else "name", part, i + p.start(), space and not p.start()))
                space = False
                continue
            toks.append(Tok("name", tok, i, space))
        elif kind == "num":
            toks.append(Tok("num", tok, i, space))
        elif kind == "two":
            toks.append(Tok("op", tok, i, space))
        elif tok == "#":
            raise ParseError("'#' is not allowed: symjac reads no comments, so nothing after "
                             "it would count; remove it", i + 1)
        elif tok == "∞":
            raise ParseError("'∞' is not a number symjac can work with", i + 1)
        elif tok in _SINGLE:
            k, t = _SINGLE[tok]
            toks.append(Tok(k, t, i, space))
        else:
            toks.append(Tok("op", tok, i, space))
        space = False
    return toks


# -- names -------------------------------------------------------------------------


def _name(tok: Tok, text: str) -> str:
    """The name a word stands for: Greek letters spelled out, lookalikes refused."""
    word = tok.text
    if word.isascii():
        return word
    scripts = {script(c) for c in word if c.isalpha()}
    lookalike = all(c in CONFUSABLES for c in word if c.isalpha())  # х alone reads as x
    for k, c in enumerate(word):
        if c in CONFUSABLES and ("Latin" in scripts or lookalike or _has_latin(text)):
            raise ParseError(
                f"{c} is {script(c)}; did you mean {CONFUSABLES[c]}? (a letter of another "
                "alphabet that looks the same is a different variable)", tok.col + k + 1
            )
    if len(scripts - {"Greek"}) > 1:
        raise ParseError(f"'{word}' mixes letters of {' and '.join(sorted(scripts))}; "
                         "write a name in one alphabet", tok.col + 1)
    if "Greek" in scripts:
        word = "".join(greek_name(c) or c for c in word)
    return word


def spell(word: str, col: int = 0, context: str = "") -> str:
    """A name as an option gives it (--shape "θ=3x2"): spelled as expressions spell it."""
    word = word.strip()
    greek = greek_name_of(word[1:]) if word.startswith("\\") else None
    if greek:
        return greek
    return _name(Tok("name", word, col), context or word)


def greek_name_of(macro: str) -> str | None:
    """\\theta's name, theta; None when the macro is not a Greek letter."""
    for c in range(0x391, 0x3CA):
        if greek_name(chr(c)) == macro:
            return macro
    return None


def _has_latin(text: str) -> bool:
    return any(c.isalpha() and c.isascii() for c in text)




def glue_names(functions: Collection[str]) -> list[str]:
    names = {f for f in functions if f.isalpha() and f.islower() and (len(f) >= 3 or f == "ln")}
    return sorted(names, key=len, reverse=True)


def glued_function(word: str, functions: Collection[str]) -> str | None:
    """The first function whose name stands inside word (a LaTeX run of letters)."""
    for f in glue_names(functions):
        if f in word:
            return f
    return None
