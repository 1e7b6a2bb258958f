"""Worked solutions for a problem file (`symjac solve`), in every format.

Each problem's Derivation is rendered by the format's own renderer; this
module adds the document around it: the title, each problem's text and
statement, and `**Solution:**`, like the worksheet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from symjac.model import SCHEMA
from symjac.problems import ProblemSet
from symjac.render import render
from symjac.render.safe import block, dumps, html, latex_text, line, md_text, rich_text, safe_math
from symjac.runner import Outcome


def render_document(ps: ProblemSet, outcomes: Sequence[Outcome], fmt: str,
                    steps: bool = True) -> Any:
    """A string, or for ``rich`` a renderable for a rich Console."""
    problems = {p.index: p for p in ps.problems}
    items = [(problems[o.index], o) for o in outcomes]
    if fmt == "markdown":
        return _markdown(ps, items, steps)
    if fmt == "latex":
        return _latex(ps, items, steps)
    if fmt == "json":
        return _json(ps, items, steps)
    if fmt == "rich":
        return _rich(ps, items, steps)
    return _text(ps, items, steps)


def _heading(p) -> str:
    return f"{p.id}. {p.title}" if p.title else p.id


def _not_solved(o: Outcome) -> str:
    what = "stopped at a limit" if o.status == "limit" else "error"
    return f"not available ({what}): {o.message}"


# -- markdown ----------------------------------------------------------------------------


def _markdown(ps: ProblemSet, items, steps: bool) -> str:
    from symjac.render.safe import md_code

    parts = [f"# {md_text(ps.title)}" if ps.title else ""]
    if ps.text:
        parts.append(markdown_text(ps.text))
    for p, o in items:
        parts.append(f"## {md_text(_heading(p))}")
        if p.text:
            parts.append(markdown_text(p.text))
        if o.statement:
            parts.append(f"$${o.statement}$$")
        elif p.error is None:
            parts.append(md_code(p.command_line()))
        if o.derivation is not None:
            parts.append(render(o.derivation, "markdown", steps=steps).strip())
        elif o.undefined:
            parts.append(f"**Solution:** {html(_sentence(o.message))}")
            parts += [f"*Hint:* {html(_sentence(h))}" for h in o.hints]
        else:
            parts.append(f"**Solution:** {html(_not_solved(o))}")
    return "\n\n".join(p for p in parts if p) + "\n"


def markdown_text(text: str) -> str:
    """A problem's text for a Markdown document: its Markdown kept, HTML escaped,
    and a math span kept only when it is harmless math (else escaped as text)."""
    out = []
    for k, piece in enumerate(_MATH.split(block(text).strip())):
        if k % 2 and safe_math(_math_body(piece)):
            out.append(piece)
        else:
            out.append(html(piece, multiline=True).replace("$", "\\$") if k % 2
                       else html(piece, multiline=True))
    return "".join(out)


def _sentence(s: str) -> str:
    s = s.strip()
    return s if s.endswith((".", "!", "?")) else s + "."


# -- LaTeX ---------------------------------------------------------------------------------

# lmodern: scalable Type 1 fonts in T1 (no bitmap Type 3 fonts in the PDF).
# listings: command lines that copy back exactly (straight quotes, "--" kept,
# long lines broken at any character). \symjacfit scales a display wider than
# the line down to the line's width, so no matrix runs into the margin.
PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{listings}
\lstset{basicstyle=\ttfamily\small, columns=fullflexible, keepspaces=true,
  upquote=true, breaklines=true, breakatwhitespace=false, showstringspaces=false,
  aboveskip=0.4em, belowskip=0.4em}
\newsavebox{\symjacbox}
\newcommand{\symjacfit}[1]{\sbox{\symjacbox}{$\displaystyle #1$}%
  \ifdim\wd\symjacbox>\linewidth\resizebox{\linewidth}{!}{\usebox{\symjacbox}}%
  \else\usebox{\symjacbox}\fi}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\setlength{\emergencystretch}{3em}
"""

_DISPLAY = re.compile(r"(?<!\\)\\\[(.*?)(?<!\\)\\\]", re.S)


def fit_displays(latex: str) -> str:
    """Every display ``\\[ ... \\]`` scaled down to the line's width when it is wider."""
    return _DISPLAY.sub(lambda m: f"\\[ \\symjacfit{{{m.group(1).strip()}}} \\]", latex)


COMMAND_WIDTH = 64  # characters of \small typewriter on the article's line


def command_block(command_line: str) -> str:
    """A command line as a listing that copies back as typed, into a shell too.

    A long line is wrapped between words with a trailing backslash, as a
    shell continues it (an option stays beside its value); a single word
    longer than the line is broken by listings. Non-ASCII text, which
    listings cannot set, is shown with \\texttt instead.
    """
    import shlex

    from symjac.render.math import latex_text

    line = command_line.strip()
    if not line.isascii() or "\\end{lstlisting}" in line:
        return f"\\texttt{{{latex_text(line)}}}"
    try:
        words = [shlex.quote(w) for w in shlex.split(line)]
    except ValueError:  # unbalanced quotes: keep the line as it is
        words = [" ".join(line.split())]
    groups: list[str] = []
    for w in words:
        if groups and groups[-1].startswith("-") and " " not in groups[-1] \
                and not w.startswith("-"):
            groups[-1] += " " + w  # an option and its value
        else:
            groups.append(w)
    lines = [""]
    for g in groups:
        if lines[-1] and len(lines[-1]) + 1 + len(g) + 2 > COMMAND_WIDTH:
            lines[-1] += " \\"
            lines.append("    " + g)
        else:
            lines[-1] = f"{lines[-1]} {g}" if lines[-1] else g
    text = "\n".join(lines)
    return f"\\begin{{lstlisting}}\n{text}\n\\end{{lstlisting}}"


def standalone(body: str, title: str = "") -> str:
    """A complete LaTeX document around a rendered fragment (``--standalone``)."""
    from symjac.render.math import latex_text

    head = f"\\title{{{latex_text(title)}}}\n" if title else ""
    return _document(head, [body])


def _document(head: str, parts: Sequence[str]) -> str:
    """The preamble, then the parts: Unicode made safe and wide displays fitted,
    except in listings, which must keep every character as typed."""
    out = []
    for part in parts:
        if part.startswith("\\begin{lstlisting}"):
            out.append(part)
        else:
            out.append(fit_displays(ascii_latex(part)))
    return (PREAMBLE + ascii_latex(head) + "\\begin{document}\n\n" + "\n\n".join(out)
            + "\n\n\\end{document}\n")


def _latex(ps: ProblemSet, items, steps: bool) -> str:
    body = []
    if ps.title:
        body.append(f"\\section*{{{latex_text(ps.title)}}}")
    if ps.text:
        body.append(markdown_to_latex(ps.text))
    for p, o in items:
        body.append(f"\\subsection*{{{latex_text(_heading(p))}}}")
        if p.text:
            body.append(markdown_to_latex(p.text))
        if o.statement:
            body.append(f"\\[ {o.statement} \\]")
        elif p.error is None:
            body.append(command_block(p.command_line()))
        if o.derivation is not None:
            body.append(render(o.derivation, "latex", steps=steps).strip())
        elif o.undefined:
            body.append(f"\\textbf{{Solution:}} {latex_text(_sentence(o.message))}")
            body += [f"\\emph{{Hint:}} {latex_text(_sentence(h))}" for h in o.hints]
        else:
            body.append(f"\\textbf{{Solution:}} {latex_text(_not_solved(o))}")
    title = f"\\title{{{latex_text(ps.title)}}}\n" if ps.title else ""
    return _document(title, body)


_MATH = re.compile(r"(\$\$.+?\$\$|\$.+?\$|\\\[.+?\\\]|\\\(.+?\\\))", re.S)


def _math_body(piece: str) -> str:
    """The TeX inside a math span: $..$, $$..$$, \\[..\\] or \\(..\\)."""
    cut = 2 if piece.startswith(("$$", "\\[", "\\(")) else 1
    return piece[cut:-cut]


def markdown_to_latex(text: str) -> str:
    """A problem's text (Markdown with $math$) as LaTeX: the rest escaped as text.

    A math span is kept only when every command in it is a harmless math
    command (render.safe.safe_math); anything else, `$\\input{/etc/passwd}$`
    or `\\immediate\\write`, is escaped and printed as the text it is.
    """
    out = []
    for k, piece in enumerate(_MATH.split(text.strip())):
        if k % 2:  # a math segment, written by the author in LaTeX
            body = _math_body(piece)
            if not safe_math(body):
                out.append(latex_text(piece, multiline=True))
            elif piece.startswith(("$$", "\\[")):
                out.append(f"\\[ {body.strip()} \\]")
            else:
                out.append(piece)
            continue
        s = latex_text(piece, multiline=True)
        s = re.sub(r"\*\*(.+?)\*\*", r"\\textbf{\1}", s)
        s = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\\emph{\1}", s)
        s = re.sub(r"`([^`]+)`", r"\\texttt{\1}", s)
        out.append(s)
    return "".join(out)


_SUP = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿᵀ", "0123456789-+nT", strict=True))  # ¹²³ too: text-only
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₋₊ᵢⱼₖ", "0123456789-+ijk", strict=True))
_GREEK = dict(zip(
    "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ",
    ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
     "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
     "Omega").split(),
    strict=True,
))
_SYMBOLS = {
    "×": r"\times", "·": r"\cdot", "→": r"\to", "←": r"\leftarrow", "∇": r"\nabla",
    "ℝ": r"\mathbb{R}", "∂": r"\partial", "∑": r"\sum", "∏": r"\prod", "≤": r"\leq",
    "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "−": "-", "∈": r"\in", "∞": r"\infty",
    "⊙": r"\odot", "⊗": r"\otimes", "…": r"\ldots", "⋯": r"\cdots", "√": r"\surd",
    "✓": r"\checkmark", "ℓ": r"\ell", "±": r"\pm", "¬": r"\neg", "÷": r"\div",
}


def ascii_latex(doc: str) -> str:
    """Make any Unicode symbol safe for pdflatex, in text and in math alike.

    ``\\ensuremath`` works in both modes, so a symbol is replaced the same way
    wherever a renderer put it; Latin-1 letters are left to inputenc.
    """
    out = []
    for ch in doc:
        if ch in _SUP:
            out.append(f"\\ensuremath{{^{{{_SUP[ch]}}}}}")
        elif ch in _SUB:
            out.append(f"\\ensuremath{{_{{{_SUB[ch]}}}}}")
        elif ch in _GREEK:
            out.append(f"\\ensuremath{{\\{_GREEK[ch]}}}")
        elif ch in _SYMBOLS:
            sym = _SYMBOLS[ch]
            out.append(sym if not sym.startswith("\\") else f"\\ensuremath{{{sym}}}")
        elif ch in "“”":
            out.append("``" if ch == "“" else "''")
        elif ch in "‘’":
            out.append("`" if ch == "‘" else "'")
        elif ch in "–—":
            out.append("--" if ch == "–" else "---")
        elif ord(ch) < 0x100:  # Latin-1 letters: inputenc knows them
            out.append(ch)
        else:
            out.append(f"[U+{ord(ch):04X}]")
    return "".join(out)


# -- JSON ----------------------------------------------------------------------------------


def _json(ps: ProblemSet, items, steps: bool) -> str:
    problems = []
    for p, o in items:
        d = None
        if o.derivation is not None:
            d = o.derivation.to_dict()
            if not steps:
                d["steps"] = []
        problems.append({
            "id": p.id, "title": p.title, "text": p.text, "command": p.command,
            "status": o.status, "message": o.message, "undefined": o.undefined,
            "hints": list(o.hints), "statement": o.statement, "derivation": d,
        })
    ok = all(o.status == "solved" for _, o in items)
    obj = {"schema": SCHEMA, "command": "solve", "ok": ok, "title": ps.title,
           "text": ps.text, "problems": problems, "error": None}
    return dumps(obj)


# -- plain text and rich -----------------------------------------------------------------


def _text(ps: ProblemSet, items, steps: bool) -> str:
    out = []
    if ps.title:
        title = line(ps.title)
        out += [title, "=" * len(title), ""]
    if ps.text:
        out += [block(ps.text).strip(), ""]
    for p, o in items:
        head = line(_heading(p))
        out += [head, "-" * len(head)]
        if p.text:
            out.append(block(p.text).strip())
        if p.error is None:
            out.append(f"  $ {line(p.command_line())}")
        out.append("")
        if o.derivation is not None:
            out += ["Solution:", render(o.derivation, "text", steps=steps)]
        elif o.undefined:
            out.append(f"Solution: {line(_sentence(o.message))}")
            out += [f"hint: {line(h)}" for h in o.hints]
        else:
            out.append(f"Solution: {line(_not_solved(o))}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _rich(ps: ProblemSet, items, steps: bool):
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    parts: list[Any] = []
    if ps.title:
        parts.append(Rule(rich_text(ps.title, style="bold")))
    if ps.text:
        parts += [rich_text(ps.text.strip(), multiline=True), Text("")]
    for p, o in items:
        parts.append(Rule(rich_text(_heading(p), style="bold cyan"), align="left"))
        if p.text:
            parts.append(rich_text(p.text.strip(), multiline=True))
        if p.error is None:
            parts.append(rich_text(f"$ {p.command_line()}", style="dim"))
        parts.append(Text(""))
        if o.derivation is not None:
            parts += [Text("Solution:", style="bold"), render(o.derivation, "rich", steps=steps)]
        elif o.undefined:
            parts.append(Text.assemble(("Solution: ", "bold"), line(_sentence(o.message))))
            parts += [rich_text(f"hint: {h}", style="dim") for h in o.hints]
        else:
            parts.append(Text.assemble(("Solution: ", "bold"), (line(_not_solved(o)), "red")))
        parts.append(Text(""))
    return Group(*parts)
