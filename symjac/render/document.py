"""Documents around rendered work: LaTeX and Markdown, for every command.

The preamble and a standalone LaTeX document around a fragment
(``--standalone``), a problem's text in Markdown or LaTeX with only harmless
math kept, command lines as listings, and Unicode made safe for pdflatex.
The documents of a problem file (``symjac solve``) are built on these in
symjac.batch.solutions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from symjac.render.safe import block, html, latex_text, latex_unicode, safe_math

# -- markdown ----------------------------------------------------------------------------


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
    head = f"\\title{{{latex_text(title)}}}\n" if title else ""
    return latex_document(head, [body])


def latex_document(head: str, parts: Sequence[str]) -> str:
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


def ascii_latex(doc: str) -> str:
    """Every Unicode character of a LaTeX document made safe for pdflatex, in text and in
    math alike (render.safe.latex_unicode, the one mapping)."""
    return latex_unicode(doc)
