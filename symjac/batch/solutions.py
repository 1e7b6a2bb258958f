"""Worked solutions for a problem file (`symjac solve`), in every format.

Each problem's Derivation is rendered by the format's own renderer; this
module adds the document around it: the title, each problem's text and
statement, and `**Solution:**`, like the worksheet. It reads the runner's
outcomes, so it sits above the runner (symjac.render.document has the parts
every command's documents share).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symjac.batch.problems import ProblemSet
from symjac.batch.runner import Outcome
from symjac.core.model import SCHEMA
from symjac.render import render
from symjac.render.document import command_block, latex_document, markdown_text, markdown_to_latex
from symjac.render.safe import block, dumps, html, latex_text, line, md_text, rich_text


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


def _sentence(s: str) -> str:
    s = s.strip()
    return s if s.endswith((".", "!", "?")) else s + "."


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
    return latex_document(title, body)


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
