"""The one escaping layer: untrusted text made safe for the output it goes to.

Answers, ids, titles, file names, problem text and input echoed in error
messages come from other people. Before any of it reaches a terminal, a
rich console, LaTeX, Markdown, HTML, XML or JSON, it goes through one of
these functions, so a carriage return cannot overwrite a grader's row, an
escape sequence cannot recolour the terminal, `[link=...]` is not rich
markup, `$\\input{...}$` is not TeX and `<script>` is not HTML.

- ``visible(s)``: control characters (C0, C1, DEL, CR, ESC), format
  characters (bidi overrides and isolates, zero-width characters, BOM),
  line and paragraph separators and lone surrogates are written out
  visibly (``\\r``, ``\\x1b``, ``<U+202E>``); the base of every other one.
- ``cut(s)``: a long text is cut, with a marker that says how much.
- ``line(s)``: ``visible`` and ``cut`` for one line of a message or table.
- ``rich_text(s)``: a rich ``Text`` (never markup) of visible text.
- ``html(s)``, ``md_text(s)``, ``md_code(s)``: for Markdown and HTML.
- ``latex_text(s)``: words in a LaTeX paragraph; ``safe_math(s)``: whether
  a math span an author wrote may be kept, every command in it being a
  known, harmless math command (else it is escaped as text).
- ``json_safe(obj)`` / ``dumps(obj)``: strictly valid JSON (no NaN or
  infinity, no lone surrogates).
"""

from __future__ import annotations

import functools
import math
import os
import re
from typing import Any

MAX_SHOWN = 2000  # characters of one untrusted text in a message, a cell or a report line

_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\x1b": "\\x1b", "\x00": "\\x00"}
# C0 and C1 controls, DEL, lone surrogates, and the invisible format characters
# (category Cf: bidi embeddings, overrides and isolates, zero-width space and
# joiners, BOM, soft hyphen...), plus line and paragraph separators.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff"  # never text: U+FFFE is a byte-order mark reversed
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + _FORMAT + _NONCHARACTERS
_SURROGATE = "\ud800-\udfff"
_JSON_INVISIBLE = "\x7f-\x9f\u2028\u2029" + _FORMAT + _NONCHARACTERS  # json escapes C0 itself


def _chars(spec: str) -> frozenset[str]:
    """The characters of a character class such as _CONTROL (a-b is a range)."""
    out: set[str] = set()
    i = 0
    while i < len(spec):
        if spec[i + 1 : i + 2] == "-" and i + 2 < len(spec):
            out.update(map(chr, range(ord(spec[i]), ord(spec[i + 2]) + 1)))
            i += 3
        else:
            out.add(spec[i])
            i += 1
    return frozenset(out)


# Most text has none of these characters: a set tells so faster than a regular
# expression, and the expressions (slow to compile, for their astral ranges) are
# compiled only for text that needs them.
_INVISIBLE = _chars(_CONTROL)
_SURROGATES = _chars(_SURROGATE)


@functools.cache
def _class(spec: str) -> re.Pattern[str]:
    return re.compile(f"[{spec}]")


def _show(m: re.Match) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    c = ord(ch)
    if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8 (a file name, say)
        return f"\\x{c - 0xDC00:02x}"
    if c <= 0xFF:
        return f"\\x{c:02x}"
    return f"<U+{c:04X}>"


def visible(s: Any, newlines: bool = False) -> str:
    """s with every control or invisible character shown as an escape.

    newlines=True keeps new lines and tabs (multi-line text such as a
    problem's statement); by default they are shown too (one-line text).
    """
    if not isinstance(s, str):
        s = str(s)
    if _INVISIBLE.isdisjoint(s) and (newlines or ("\n" not in s and "\t" not in s)):
        return s
    return _class(_CONTROL if newlines else "\t\n" + _CONTROL).sub(_show, s)


def cut(s: str, limit: int = MAX_SHOWN) -> str:
    """s, or its first `limit` characters and a marker saying how many more there were."""
    if len(s) <= limit:
        return s
    return f"{s[:limit]}… [{len(s) - limit:,} more characters not shown]"


def line(s: Any, limit: int = MAX_SHOWN) -> str:
    """One line of untrusted text for a terminal, a log or a table cell."""
    if not isinstance(s, str):
        s = str(s)
    return visible(cut(s, limit))


def block(s: Any, limit: int = MAX_SHOWN * 10) -> str:
    """Multi-line untrusted text (a problem's statement): new lines kept, the rest visible."""
    if not isinstance(s, str):
        s = str(s)
    return visible(cut(s, limit), newlines=True)


def rich_text(s: Any, style: str = "", multiline: bool = False):
    """A rich Text of untrusted text: never parsed as markup, nothing invisible."""
    from rich.text import Text

    return Text(block(s) if multiline else line(s), style=style)


def markup(s: Any) -> str:
    """Untrusted text inside a rich markup string (prefer rich_text)."""
    from rich.markup import escape

    return escape(line(s))


# -- HTML and Markdown ----------------------------------------------------------------


def html(s: Any, multiline: bool = False) -> str:
    """Untrusted text for HTML (and for outputs that render HTML, such as Gradescope's)."""
    import html as _html  # only here: a JSON or text command need not load it

    return _html.escape(block(s) if multiline else line(s), quote=False)


# Regular expressions as text: re compiles (and keeps) each on first use, so the
# paths that need none do not pay for them at start-up.
_MD_SPECIAL = r"([\\`*_\[\]#|~])"  # [ and ] escaped: no link can form


def md_text(s: Any) -> str:
    """Untrusted text in a Markdown paragraph or table cell: no HTML, links or emphasis."""
    return re.sub(_MD_SPECIAL, r"\\\1", html(s))


def md_code(s: Any) -> str:
    """Untrusted text as an inline Markdown code span, whatever backticks it holds."""
    text = line(s)
    run = max((len(r) for r in re.findall("`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# -- LaTeX ------------------------------------------------------------------------------

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUB = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_LATEX_SPECIAL = {
    "\\": "\\textbackslash{}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "{": "\\{",
    "}": "\\}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
}
_LATEX_SPECIAL_RE = "[" + re.escape("".join(_LATEX_SPECIAL)) + "]"


def latex_text(s: Any, multiline: bool = False) -> str:
    """Plain words for a LaTeX paragraph: every special escaped, ×, ·, ᵀ kept readable.

    The one escaping function for text that goes into LaTeX: nothing in s
    can start a command, a group, math or a comment.
    """
    s = block(s) if multiline else line(s)
    s = re.sub(_LATEX_SPECIAL_RE, lambda m: _LATEX_SPECIAL[m.group()], s)
    # ℝ⁴ (jacobian's headline) -> $\mathbb{R}^{4}$; other super/subscript digits in text mode.
    s = re.sub("ℝ([⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: f"$\\mathbb{{R}}^{{{m.group(1).translate(_SUP)}}}$", s)
    s = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: f"\\textsuperscript{{{m.group().translate(_SUP)}}}", s)
    s = re.sub("[₀₁₂₃₄₅₆₇₈₉]+", lambda m: f"\\textsubscript{{{m.group().translate(_SUB)}}}", s)
    for a, b in (
        ("≈", "$\\approx$"),
        ("…", "\\ldots{}"),
        ("×", "$\\times$"),
        ("·", "$\\cdot$"),
        ("→", "$\\to$"),
        ("ᵀ", "$^T$"),
        ("∇", "$\\nabla$"),
        ("ℝ", "$\\mathbb{R}$"),
        ("∂", "$\\partial$"),
    ):
        s = s.replace(a, b)
    return latex_unicode(s)


# Every character symjac itself writes, and the common ones of people's text, in a
# form that works in text and in math alike (\ensuremath, \mbox), with the fonts of
# render.document's preamble (lmodern in T1, amssymb).
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁼⁽⁾ⁿⁱᵀᵗ", "0123456789-+=()niTt", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₋₊₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ",
                       "0123456789-+=()aeoxhklmnpstijruv", strict=True))
_GREEK_LETTERS = dict(zip(
    "αβγδεζηθικλμνξπρστυφχψωϵϑϕϱςΓΔΘΛΞΠΣΥΦΨΩ",
    ("alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
     "sigma tau upsilon varphi chi psi omega epsilon vartheta phi varrho varsigma Gamma Delta "
     "Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split(),
    strict=True,
))
_MATH_SYMBOLS = {
    "×": r"\times", "·": r"\cdot", "⋅": r"\cdot", "∙": r"\cdot", "→": r"\to",
    "←": r"\leftarrow", "↦": r"\mapsto", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow",
    "↔": r"\leftrightarrow", "∇": r"\nabla", "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}",
    "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}", "∂": r"\partial",
    "∑": r"\sum", "∏": r"\prod", "∫": r"\int", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "∝": r"\propto", "−": "-",
    "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq", "∪": r"\cup", "∩": r"\cap",
    "∞": r"\infty", "⊙": r"\odot", "⊗": r"\otimes", "⊕": r"\oplus", "∘": r"\circ",
    "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots", "√": r"\surd", "✓": r"\checkmark",
    "ℓ": r"\ell", "±": r"\pm", "∓": r"\mp", "¬": r"\neg", "÷": r"\div", "‖": r"\Vert",
    "∥": r"\Vert", "⟨": r"\langle", "⟩": r"\rangle", "⌊": r"\lfloor", "⌋": r"\rfloor",
    "⌈": r"\lceil", "⌉": r"\rceil", "′": r"{}^{\prime}", "″": r"{}^{\prime\prime}",
    "⊤": r"\top", "∀": r"\forall", "∃": r"\exists", "∅": r"\emptyset", "∧": r"\wedge",
    "∨": r"\vee", "✗": r"\times", "≔": r":=", "𝟏": r"\mathbf{1}", "𝟙": r"\mathbf{1}",
    "ϵ": r"\epsilon",
}
_TEXT_SYMBOLS = {
    "“": "``", "”": "''", "‘": "`", "’": "'", "–": "--", "—": "---", "…": r"\ldots{}",
    "\u00a0": "~", "•": r"\textbullet{}", "°": r"\textdegree{}", "§": r"\S{}",
    "¶": r"\P{}", "©": r"\copyright{}", "«": r"\guillemotleft{}",
    "»": r"\guillemotright{}",
}


def latex_unicode(s: str) -> str:
    """Every non-ASCII character of s as ASCII LaTeX, in text and in math alike.

    The one mapping for all LaTeX output: symbols and Greek letters become math
    macros (\\ensuremath, so a renderer need not know the mode), accented letters
    and the text symbols pylatexenc knows become text macros in an \\mbox, and a
    character no font of the document has is shown by its code point
    (``[U+4E2D]``), never passed to pdflatex raw.
    """
    if s.isascii():
        return s
    import unicodedata

    s = unicodedata.normalize("NFC", s)
    return "".join(ch if ch.isascii() else _latex_char(ch) for ch in s)


@functools.cache
def _latex_char(ch: str) -> str:
    if ch in _SUPERSCRIPTS:
        return f"\\ensuremath{{^{{{_SUPERSCRIPTS[ch]}}}}}"
    if ch in _SUBSCRIPTS:
        return f"\\ensuremath{{_{{{_SUBSCRIPTS[ch]}}}}}"
    if ch in _GREEK_LETTERS:
        return f"\\ensuremath{{\\{_GREEK_LETTERS[ch]}}}"
    if ch in _MATH_SYMBOLS:
        sym = _MATH_SYMBOLS[ch]
        return f"\\ensuremath{{{sym}}}" if sym != ":=" else sym  # − is a minus sign in text too
    if ch in _TEXT_SYMBOLS:
        return f"\\mbox{{{_TEXT_SYMBOLS[ch]}}}" if ch not in "“”‘’–—\u00a0" \
            else _TEXT_SYMBOLS[ch]
    return (_pylatexenc(ch) or _compatible(ch)
            or f"\\mbox{{\\texttt{{[U+{ord(ch):04X}]}}}}")


_COMPAT_FORMS = {"<super>": "^{%s}", "<sub>": "_{%s}"}
_SPECIAL_FORMS = {"#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_", "{": r"\{",
                  "}": r"\}", "\\": r"\ensuremath{\backslash}",
                  "~": r"\mbox{\textasciitilde}", "^": r"\mbox{\textasciicircum}"}


def _compatible(ch: str) -> str | None:
    """A character by what it is a form of: ʰ is a superscript h, 𝐀 a bold A, － a minus,
    and a capital Greek letter that has no macro (Α) is the Latin letter it looks like."""
    import unicodedata

    name = unicodedata.name(ch, "")
    if name.startswith("GREEK CAPITAL LETTER"):
        latin = {"ALPHA": "A", "BETA": "B", "EPSILON": "E", "ZETA": "Z", "ETA": "H", "IOTA": "I",
                 "KAPPA": "K", "MU": "M", "NU": "N", "OMICRON": "O", "RHO": "P", "TAU": "T",
                 "CHI": "X"}.get(name.removeprefix("GREEK CAPITAL LETTER "))
        if latin:
            return f"\\ensuremath{{\\mathrm{{{latin}}}}}"
    if name == "GREEK SMALL LETTER OMICRON":
        return "\\ensuremath{o}"
    tag, _, _ = unicodedata.decomposition(ch).partition(" ")
    if not tag.startswith("<"):
        return None
    base = unicodedata.normalize("NFKC", ch)
    if not base or base == ch or not all(c.isascii() or c in _GREEK_LETTERS for c in base):
        return None
    if base in _SPECIAL_FORMS:  # ＼, ＃: a form of a character LaTeX treats specially
        return _SPECIAL_FORMS[base]
    if base.isascii() and not all(c.isalnum() or c in "+-=()[]<>.,;:!?/*'|@\"`" for c in base):
        return None
    inner = latex_unicode(base) if not base.isascii() else base.replace("-", "{-}")
    if tag in _COMPAT_FORMS:
        return "\\ensuremath{" + _COMPAT_FORMS[tag] % inner + "}"
    return inner


# pylatexenc's macros that pdflatex with the preamble cannot set (from mathrsfs, wasysym,
# stmaryrd..., or math macros it writes as text); found by compiling every character of
# Latin, Greek, punctuation, letterlike, arrows, mathematical operators and symbols.
_UNSET = frozenset(
    "\u0195\u019e\u03d2\u210b\u2110\u2112\u211b\u212c\u2130\u2131\u2133\u219c\u219d"
    "\u21c5\u21f5\u221f\u222f\u2230\u2231\u223b\u223e\u2246\u224b\u224c\u2259\u225b"
    "\u2278\u2279\u22a7\u22a8\u22ab\u22b6\u22b7\u22b9\u22be\u22d8\u22d9\u22e8\u22f0"
    "\u2306\u2315\u2669\u266d\u266e\u266f\u2a0f\u2a16\u025b"
)
# macros of packages or font encodings the preamble does not load: mathrsfs (\mathscr),
# T2A (Cyrillic), tipa (IPA); amssymb's blackboard bold has capitals only
_NOT_LOADED = (r"\\mathscr|\\mathbb\{[^A-Z]|\\(cyr|CYR)|\\text(schwa|phi|glotstop|turn|"
               r"schwa|epsilon|ipa|esh|yogh|ltailn|rtail|scr|barred|hooktop|crtail)")
_KNOWN_TEXT = re.compile(r"\{?(\\[a-zA-Z]+\{?[a-zA-Z]?\}?|\\['`^\"~=.][a-zA-Z]|"
                         r"\\[a-zA-Z]+\{[a-zA-Z]\}|\\[a-zA-Z]+ [a-zA-Z])\}?")


@functools.cache
def _encoder():
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(non_ascii_only=True, unknown_char_policy="keep",
                                 replacement_latex_protection="braces-all",
                                 unknown_char_warning=False)


def _pylatexenc(ch: str) -> str | None:
    """A letter or text symbol through pylatexenc's table, if it has one that our fonts set."""
    import unicodedata

    if unicodedata.category(ch)[0] not in "LNPS":  # marks, spaces, controls: never set
        return None
    out = _encoder().unicode_to_latex(ch)
    if not out.isascii() or ch in _UNSET or re.search(_NOT_LOADED, out):
        return None
    if out.startswith("{\\ensuremath{") and out.endswith("}}"):
        return out[1:-1]  # math: either mode
    if not _KNOWN_TEXT.fullmatch(out):
        return None
    return f"\\mbox{{{out}}}"


# Commands that only typeset mathematics: none reads or writes a file, defines
# anything, changes category codes or expands to something that could.
_MATH_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta
Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
frac dfrac tfrac sqrt cdot times div pm mp sum prod int oint partial nabla infty ell
left right big Big bigg Bigg middle
mathbf mathbb mathrm mathcal mathit mathsf boldsymbol bm operatorname text textrm textbf
textit mbox
hat bar tilde vec dot ddot widehat widetilde overline underline top intercal
ldots cdots vdots ddots dots
exp log ln sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh max min argmax
argmin det tr lim sup inf
quad qquad
leq le geq ge neq ne approx equiv sim simeq propto in notin subset subseteq supset cup cap
to mapsto rightarrow leftarrow Rightarrow Leftarrow implies iff gets
odot otimes oplus circ ast star bullet langle rangle lVert rVert Vert vert lvert rvert
lfloor rfloor lceil rceil forall exists neg land lor setminus emptyset
begin end
""".split())
_MATH_ENVIRONMENTS = frozenset(
    "bmatrix pmatrix vmatrix Bmatrix Vmatrix matrix smallmatrix aligned cases array".split()
)
_COMMAND = r"(?s)\\([A-Za-z]+|.)"
_ENV = r"\\(?:begin|end)\s*\{([^{}]*)\}"
MAX_MATH = 4000  # characters of one math span from a problem's text


def safe_math(tex: str) -> bool:
    """Is this TeX math made only of harmless math commands (nothing TeX could run)?"""
    if len(tex) > MAX_MATH or "^^" in tex or not _INVISIBLE.isdisjoint(tex) or "#" in tex:
        return False
    if "%" in tex.replace("\\%", ""):
        return False  # a comment could hide the end of the span
    for m in re.finditer(_COMMAND, tex):
        name = m.group(1)
        if len(name) == 1 and not name.isalpha():
            if name in "\\,;:!{}|% &_$#^ " or name == "\n":
                continue
            return False
        if name not in _MATH_COMMANDS:
            return False
        if name in ("begin", "end"):
            env = re.compile(_ENV).match(tex, m.start())
            if env is None or env.group(1).strip().rstrip("*") not in _MATH_ENVIRONMENTS:
                return False
    depth = 0
    for ch in re.sub(_COMMAND, "", tex):  # braces balance, so the span cannot close a group
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


# -- JSON --------------------------------------------------------------------------------


def json_safe(obj: Any) -> Any:
    """obj with every non-finite float made null and every lone surrogate made visible."""
    if isinstance(obj, str):
        return obj if _SURROGATES.isdisjoint(obj) else _class(_SURROGATE).sub(_show, obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {json_safe(k) if isinstance(k, str) else k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    return obj



ROWS_ON_ONE_LINE = 100  # a JSON matrix with more entries is written one row per line


def dumps(obj: Any, indent: int | None = 2) -> str:
    """Strictly valid JSON: never NaN or Infinity, never a lone surrogate.

    As ``json.dumps(obj, ensure_ascii=False, indent=indent, allow_nan=False)``
    writes it, with two differences: strings keep their exact value, but
    invisible characters (bidi overrides, C1 controls) are written as \\uXXXX
    escapes, as json writes C0 ones, so the JSON itself is safe to show in a
    terminal; and a matrix of more than ROWS_ON_ONE_LINE entries is written a
    row per line (json would put each entry on a line of its own).
    """
    # Serialise first; walk the object with json_safe only when that meets a lone
    # surrogate or a non-finite float (a large Jacobian has neither).
    try:
        return _dumps(obj, indent)
    except _Unsafe:
        return _dumps(json_safe(obj), indent)


class _Unsafe(Exception):
    """What only json_safe handles: a lone surrogate, NaN or an infinity."""


def _json(obj: Any, indent: int | None = None) -> str:
    import json

    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=indent)
    except ValueError:  # NaN or an infinity
        raise _Unsafe from None
    return _visible_json(text)


def _dumps(obj: Any, indent: int | None) -> str:
    if indent is None:
        return _json(obj)
    rows: list[str] = []
    mark = os.urandom(8).hex()  # a placeholder no string of the input can forge
    text = _json(_rows_apart(obj, rows, mark), indent)
    if rows:  # each row of a large matrix, on one line where its placeholder stands
        text = re.sub(f'"row {mark} (\\d+)"', lambda m: rows[int(m.group(1))], text)
    return text


def _rows_apart(o: Any, rows: list[str], mark: str) -> Any:
    """o with each row of a large matrix (a list of lists) replaced by a placeholder
    string, the row's one-line JSON kept in rows."""
    if isinstance(o, dict):
        return {k: _rows_apart(v, rows, mark) for k, v in o.items()}
    if isinstance(o, list | tuple):
        if (isinstance(o, list) and o and all(isinstance(r, list) for r in o)
                and sum(map(len, o)) > ROWS_ON_ONE_LINE):
            out = []
            for r in o:
                out.append(f"row {mark} {len(rows)}")
                rows.append(_json(r))
            return out
        return [_rows_apart(v, rows, mark) for v in o]
    return o


def _visible_json(text: str) -> str:
    """JSON text with its invisible characters escaped; _Unsafe at a lone surrogate.

    Outside its strings JSON is ASCII, so what is invisible stands in a string;
    most text is ASCII, which needs no search."""
    if text.isascii():  # the only invisible ASCII character json leaves as it is: DEL
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text
    if _INVISIBLE.isdisjoint(text):
        return text
    if not _SURROGATES.isdisjoint(text):
        raise _Unsafe
    import json

    return _class(_JSON_INVISIBLE).sub(lambda m: json.dumps(m.group())[1:-1], text)
