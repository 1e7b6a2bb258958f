"""LaTeX, as pasted from a worksheet, turned into tokens of the one grammar.

pylatexenc's latexwalker is the tokenizer; it only splits the text into
macros, groups, environments and characters (it runs nothing: ``\\input``
and ``\\def`` are names like any other, and refused here as unknown). Each
node becomes tokens that ``forms`` rewrites into the grammar, so LaTeX and
plain text meet the same rules: ``\\frac{a}{b}`` is ``((a)/(b))``,
``\\cos^2 y`` is ``cos^2 y``, ``e^{x}`` is ``e^(x)``, a ``bmatrix`` is
``[[...], [...]]``, ``h_j`` is the name ``h_j`` (or ``h[j]`` in a matrix
expression), ``\\theta^T x`` is ``theta.T x``, and ``\\sum_{j=1}^{k} e^{h_j}``
is ``sum(exp(h))`` in a matrix expression. What symjac prints reads back:
``\\left| ... \\right|`` is one absolute value whatever bars are inside,
``\\lfloor x \\rfloor`` is ``floor(x)``, and ``\\mathbb{1}\\{a = b\\}`` is the
indicator ``1{a = b}``, one operand (``3 \\mathbb{1}\\{y = 1\\}``). Used only
through ``forms``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from symjac.core.errors import LimitError, ParseError
from symjac.language.lexer import Tok, greek_name, lex

if TYPE_CHECKING:
    from typing import Unpack

    from pylatexenc.latexwalker import LatexNode
    from pylatexenc.macrospec import LatexContextDb

    from symjac.language.lexer import TokData

MAX_NESTING = 100  # braces and environments inside one another (parsing.MAX_DEPTH)

_FUNCTIONS = {
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "coth", "exp", "log", "ln", "max", "min", "sgn", "det",
}
_PRODUCTS = {"cdot": "*", "times": "*", "ast": "*", "div": "/"}
_SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "left", "right", "big", "Big", "bigg",
           "Bigg", "bigl", "bigr", "Bigl", "Bigr", "displaystyle", "textstyle", "limits"}
_BARS = {"lvert", "rvert", "vert", "mid", "lVert", "rVert"}
_NAMED = {"operatorname", "mathrm", "text", "mathit", "mathbf", "boldsymbol", "bm", "mathsf",
          "textrm", "textit", "mathbb"}
_ROUNDING = {"lfloor": "floor", "lceil": "ceiling"}
_MATRICES = {"bmatrix", "pmatrix", "matrix", "Bmatrix", "smallmatrix", "bmatrix*", "pmatrix*"}
_VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
             "varpi": "pi", "varsigma": "sigma", "varkappa": "kappa"}
_GREEK = {
    n for n in (greek_name(chr(c)) for c in range(0x391, 0x3CA)) if n
} - {"Alpha", "Beta", "Epsilon", "Zeta", "Eta", "Iota", "Kappa", "Mu", "Nu", "Omicron",
     "Rho", "Tau", "Chi", "omicron"}


def _context() -> LatexContextDb:
    from pylatexenc import macrospec as ms

    db = ms.LatexContextDb()
    db.add_context_category(
        "symjac",
        macros=[ms.MacroSpec(m, "{{") for m in ("frac", "dfrac", "tfrac")]
        + [ms.MacroSpec("sqrt", "[{")]
        + [ms.MacroSpec(m, "{") for m in sorted(_NAMED)],
        environments=[ms.EnvironmentSpec(e, "") for e in sorted(_MATRICES)],
        specials=[ms.SpecialsSpec("&")],
    )
    db.set_unknown_macro_spec(ms.MacroSpec(""))
    db.set_unknown_environment_spec(ms.EnvironmentSpec(""))
    return db


def _check_nesting(text: str) -> None:
    depth = 0
    for m in re.finditer(r"\\begin\b|\\end\b|\\left\b|\\right\b|(?<!\\)[{}]", text):
        s = m.group()
        depth += 1 if s in ("{", "\\begin", "\\left") else -1
        if depth > MAX_NESTING:
            raise LimitError(f"the LaTeX is nested more than {MAX_NESTING} levels deep",
                             m.start() + 1)


def _bracketed_matrices(text: str) -> str:
    """sympy's \\left[\\begin{matrix} ... \\end{matrix}\\right] is a bmatrix (and with
    parentheses a pmatrix); rewritten in place, padded with spaces so columns stay."""
    def pad(new: str, old: str) -> str:
        return new + " " * (len(old) - len(new))

    for left, right, env in (("[", "]", "bmatrix"), ("(", ")", "pmatrix")):
        opening = r"\\left" + re.escape(left) + r"\s*\\begin\{matrix\}"
        closing = r"\\end\{matrix\}\s*\\right" + re.escape(right)
        begin, end = "\\begin{" + env + "}", "\\end{" + env + "}"
        text = re.sub(opening, lambda m: pad(begin, m.group()), text)  # noqa: B023 (used now)
        text = re.sub(closing, lambda m: pad(end, m.group()), text)  # noqa: B023
    return text


def tokens(text: str, matrix: bool = False, functions: Iterable[str] = ()) -> list[Tok]:
    """The tokens of a LaTeX text, for forms' rewriter."""
    from pylatexenc import latexwalker

    _check_nesting(text)
    text = _bracketed_matrices(text)
    walker = latexwalker.LatexWalker(text, tolerant_parsing=False, latex_context=_context())
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except latexwalker.LatexWalkerParseError as e:
        pos = getattr(e, "pos", None)
        msg = str(getattr(e, "msg", "") or e).splitlines()[0].rstrip(".")
        raise ParseError(f"cannot read the LaTeX: {msg}", None if pos is None else pos + 1) \
            from None
    except RecursionError:
        raise LimitError("the LaTeX is nested too deeply") from None
    walk = _Walk(text, matrix, set(functions))
    walk.nodes(nodes)
    return walk.finish()


class _Walk:
    def __init__(self, text: str, matrix: bool, functions: set[str]) -> None:
        self.text = text
        self.functions = functions
        self.matrix = matrix
        self.toks: list[Tok] = []
        self.rounding: list[str] = []  # the \lfloor and \lceil not yet closed
        self.sized: str | None = None  # "left" or "right" just before: \left| is |(

    def add(self, kind: str, text: str, pos: int, **data: Unpack[TokData]) -> None:
        self.toks.append(Tok(kind, text, pos, True, data))

    def nodes(self, nodes: Iterable[LatexNode | None], in_matrix: bool = False) -> None:
        for n in nodes:
            self.node(n, in_matrix)

    def node(self, n: LatexNode | None, in_matrix: bool) -> None:
        from pylatexenc import latexwalker as lw

        if n is None:
            return
        sized, self.sized = self.sized, None
        if isinstance(n, lw.LatexCharsNode):
            start = n.pos
            if sized and n.chars.startswith("|"):
                self.sized_bar(sized, start)
                start += 1
            self.toks.extend(lex(self.text, start, n.pos + n.len, latex=True, words=self.functions))
        elif isinstance(n, lw.LatexGroupNode):
            self.group(n.nodelist, n.pos, n.pos + n.len - 1)
        elif isinstance(n, lw.LatexMathNode):
            self.nodes(n.nodelist)
        elif isinstance(n, lw.LatexCommentNode):
            raise ParseError("a LaTeX comment ('%') is not allowed", n.pos + 1)
        elif isinstance(n, lw.LatexSpecialsNode):
            if n.specials_chars == "&":
                raise ParseError("'&' is only for separating a matrix's entries", n.pos + 1)
            self.toks.extend(lex(self.text, n.pos, n.pos + n.len, latex=True, words=self.functions))
        elif isinstance(n, lw.LatexEnvironmentNode):
            self.environment(n)
        elif isinstance(n, lw.LatexMacroNode):
            self.macro(n, sized)
        else:
            raise ParseError("this LaTeX is not supported", n.pos + 1)

    def sized_bar(self, side: str, pos: int, double: bool = False) -> None:
        """\\left| opens an absolute value and \\right| closes it: |a - s|b| + c| has
        bars whose sides only these say; \\left\\lVert ... \\right\\rVert is a norm (of a
        scalar, its absolute value)."""
        if side == "left":
            self.add("func", "norm" if double and self.matrix else "abs", pos)
            self.add("open", "(", pos)
        else:
            self.add("close", ")", pos)

    def group(self, nodelist: Iterable[LatexNode | None], start: int, end: int) -> None:
        self.add("open", "(", start)
        self.nodes(nodelist)
        self.add("close", ")", end)

    def arg(self, n: LatexNode, k: int) -> LatexNode | None:
        args = n.nodeargd.argnlist if n.nodeargd else []
        a = args[k] if k < len(args) else None
        return a

    def arg_group(self, a: LatexNode | None, pos: int, what: str) -> None:
        if a is None:
            raise ParseError(f"{what} is missing", pos + 1)
        from pylatexenc import latexwalker as lw

        nodelist = a.nodelist if isinstance(a, lw.LatexGroupNode) else [a]
        self.group(nodelist, a.pos, a.pos + a.len - 1)

    def macro(self, n: LatexNode, sized: str | None = None) -> None:
        name, pos = n.macroname, n.pos
        if name in ("left", "right"):
            self.sized = name
        elif name in (*_BARS, "|", "Vert") and sized:
            self.sized_bar(sized, pos, double=name in ("|", "Vert", "lVert", "rVert"))
        elif name in ("frac", "dfrac", "tfrac"):
            self.add("open", "(", pos)
            self.arg_group(self.arg(n, 0), pos, "the numerator of \\frac")
            self.add("op", "/", pos)
            self.arg_group(self.arg(n, 1), pos, "the denominator of \\frac")
            self.add("close", ")", pos + n.len - 1)
        elif name == "sqrt":
            index = self.arg(n, 0)
            if index is None:
                self.add("func", "sqrt", pos)
                self.arg_group(self.arg(n, 1), pos, "the argument of \\sqrt")
            else:
                self.add("open", "(", pos)
                self.arg_group(self.arg(n, 1), pos, "the argument of \\sqrt")
                self.add("op", "**", pos)
                self.add("open", "(", pos)
                self.add("num", "1", pos)
                self.add("op", "/", pos)
                self.arg_group(index, index.pos, "the index of \\sqrt")
                self.add("close", ")", pos)
                self.add("close", ")", pos + n.len - 1)
        elif name in _NAMED:
            a = self.arg(n, 0)
            word = "" if a is None else a.latex_verbatim().strip("{} ").replace("\\_", "_")
            word = re.sub(r"\s+", "", word)
            if re.fullmatch(r"\d+", word):
                # \mathbb{1}\{a = b\} is the indicator: one operand (finish brackets it).
                self.add("num", word, pos, indicator=name == "mathbb" and word == "1")
            elif re.fullmatch(r"[^\W\d]\w*", word):
                self.add("name", word, pos)
            else:
                raise ParseError(f"\\{name}{{...}} must hold a single name", pos + 1)
        elif name in _FUNCTIONS:
            self.add("name", {"det": "det"}.get(name, name), pos)
        elif name in _PRODUCTS:
            self.add("op", _PRODUCTS[name], pos)
        elif name in _SPACES:
            pass
        elif name in ("|", "Vert", "lVert", "rVert"):  # a norm: ||v||
            self.add("bar", "|", pos)
            self.add("bar", "|", pos)
        elif name in _BARS:
            self.add("bar", "|", pos)
        elif name in ("{", "}"):
            self.add("open" if name == "{" else "close", name, pos)
        elif name in _ROUNDING:  # \lfloor x \rfloor is floor(x), \lceil x \rceil ceiling(x)
            self.add("func", _ROUNDING[name], pos)
            self.add("open", "(", pos)
            self.rounding.append(name)
        elif name in ("rfloor", "rceil"):
            opened = self.rounding.pop() if self.rounding else None
            if opened != "l" + name[1:]:
                what = f"the \\{opened}" if opened else f"a \\l{name[1:]}"
                raise ParseError(f"\\{name} does not close {what}", pos + 1)
            self.add("close", ")", pos)
        elif name in ("top", "intercal"):
            self.add("T", ".T", pos)
        elif name == "sum":
            self.add("sum", "sum", pos)
        elif name in _VARIANTS:
            self.add("name", _VARIANTS[name], pos)
        elif name in _GREEK or name == "pi":
            self.add("name", name, pos)
        elif name == "infty":
            raise ParseError("\\infty is not a number symjac can work with", pos + 1)
        elif name == "\\":
            raise ParseError("'\\\\' (a new row) is only for a matrix's rows", pos + 1)
        else:
            word = name if len(name) < 30 else name[:27] + "..."
            raise ParseError(f"the LaTeX command \\{word} is not supported", pos + 1)

    def environment(self, n: LatexNode) -> None:
        from pylatexenc import latexwalker as lw

        if n.environmentname not in _MATRICES:
            raise ParseError(f"the LaTeX environment {n.environmentname} is not supported; "
                             "use bmatrix or pmatrix for a matrix", n.pos + 1)
        rows: list[list[list[LatexNode]]] = [[[]]]
        for c in n.nodelist:
            if isinstance(c, lw.LatexSpecialsNode) and c.specials_chars == "&":
                rows[-1].append([])
            elif isinstance(c, lw.LatexMacroNode) and c.macroname == "\\":
                rows.append([[]])
            else:
                rows[-1][-1].append(c)

        def blank(cell: list[LatexNode]) -> bool:
            return all(isinstance(c, lw.LatexCharsNode) and not c.chars.strip() for c in cell)

        if len(rows) > 1 and all(blank(c) for c in rows[-1]):
            rows.pop()  # a \\ before \end
        self.add("open", "[", n.pos)
        for r, row in enumerate(rows):
            if r:
                self.add("op", ",", n.pos)
            self.add("open", "[", n.pos)
            for k, cell in enumerate(row):
                if blank(cell):
                    raise ParseError(f"row {r + 1} of the matrix has an empty entry", n.pos + 1)
                if k:
                    self.add("op", ",", n.pos)
                self.nodes(cell)
            self.add("close", "]", n.pos)
        self.add("close", "]", n.pos + n.len - 1)

    # -- subscripts, sums and single-token scripts --------------------------------------
    def finish(self) -> list[Tok]:
        toks = self.toks
        out: list[Tok] = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.data.get("indicator") and i + 1 < len(toks) and toks[i + 1].text == "{":
                # 3 \mathbb{1}\{y = 1\} and \mathbb{1}\{y = 1\}^2: bracketed, so that the
                # indicator is one operand, as a name is.
                j = self._group_end(toks, i + 1)
                toks.insert(j, Tok("close", ")", toks[j - 1].col))
                out.append(Tok("open", "(", t.col, t.space))
                t.data["indicator"] = False
                continue
            if t.kind == "op" and t.text in ("^", "_") and i + 1 < len(toks):
                nxt = toks[i + 1]
                if nxt.kind == "num" and len(nxt.text) > 1 and nxt.text.isdigit():
                    # x^23 in LaTeX is x²·3, a script taking one character: nobody means it.
                    raise ParseError(
                        f"'{t.text}{nxt.text}' in LaTeX is {t.text}{nxt.text[0]} times "
                        f"{nxt.text[1:]} (a script takes one character): write "
                        f"{t.text}{{{nxt.text}}}, or {t.text}{nxt.text[0]} \\cdot {nxt.text[1:]}",
                        nxt.col + 1)
            if t.kind == "op" and t.text == "^" and self._transpose_group(toks, i + 1):
                j = self._group_end(toks, i + 1)
                out.append(Tok("T", ".T", t.col, t.space))
                i = j
                continue
            if t.kind == "op" and t.text == "_":
                if not out:
                    raise ParseError("'_' needs a name before it", t.col + 1)
                base = out[-1]
                sub, i = self._script(toks, i + 1, t)
                if base.kind == "sum":
                    base.data.update(self._sum_range(sub, t))
                    continue
                if base.kind == "name" and base.text == "log" and sub in ("2", "10"):
                    base.text = "log" + sub
                    continue
                if base.kind not in ("name",):
                    raise ParseError("a subscript '_' goes on a name, such as x_1", t.col + 1)
                parts = [p for p in re.split(r"[,\s]+", sub) if p]
                if not parts or not all(re.fullmatch(r"\w+", p) for p in parts):
                    raise ParseError("a subscript must be letters or digits, such as x_1 or "
                                     "h_{j}", t.col + 1)
                if self.matrix:
                    if len(parts) == 1 and not parts[0].isdigit() and len(parts[0]) == 2:
                        parts = list(parts[0])  # M_{ij}
                    out.append(Tok("open", "[", t.col, False))
                    for k, p in enumerate(parts):
                        if k:
                            out.append(Tok("op", ",", t.col))
                        out.append(Tok("num" if p.isdigit() else "name", p, t.col))
                    out.append(Tok("close", "]", t.col))
                else:
                    base.text = f"{base.text}_{'_'.join(parts)}"
                continue
            if t.kind == "op" and t.text == "^" and out and out[-1].kind == "sum":
                sup, i = self._script(toks, i + 1, t)
                out[-1].data["upper"] = sup
                continue
            out.append(t)
            i += 1
        if self.rounding:
            raise ParseError(f"\\{self.rounding[-1]} is not closed", len(self.text))
        for t in out:
            if t.kind == "sum" and "index" not in t.data:
                raise ParseError("write the sum with its index, as \\sum_{j=1}^{k}", t.col + 1)
            if t.kind == "sum" and "upper" not in t.data:
                t.data["upper"] = ""
        return out

    def _group_end(self, toks: list[Tok], i: int) -> int:
        if toks[i].kind != "open":
            return i + 1
        depth = 0
        for j in range(i, len(toks)):
            if toks[j].kind == "open":
                depth += 1
            elif toks[j].kind == "close":
                depth -= 1
                if depth == 0:
                    return j + 1
        return len(toks)

    def _transpose_group(self, toks: list[Tok], i: int) -> bool:
        if i >= len(toks):
            return False
        t = toks[i]
        if t.kind == "T":
            return True
        if t.kind == "open" and t.text == "(" and i + 2 < len(toks):
            inner = toks[i + 1]
            close = toks[i + 2]
            return close.kind == "close" and (
                inner.kind == "T" or (self.matrix and inner.kind == "name" and inner.text == "T")
            )
        return False

    def _script(self, toks: list[Tok], i: int, op: Tok) -> tuple[str, int]:
        """The text of a sub- or superscript (one token or a group) and the index after it."""
        if i >= len(toks):
            raise ParseError(f"'{op.text}' needs something after it", op.col + 1)
        j = self._group_end(toks, i)
        inner = toks[i + 1 : j - 1] if toks[i].kind == "open" else toks[i:j]
        return " ".join(u.text for u in inner), j

    def _sum_range(self, sub: str, t: Tok) -> TokData:
        m = re.fullmatch(r"\s*([^\W\d]\w*)\s*=\s*(\w+)\s*", sub)
        if not m:
            raise ParseError("write the sum's range as \\sum_{j=1}^{k}", t.col + 1)
        return {"index": m.group(1), "lower": m.group(2)}
