"""Worked solutions for a problem file (`symjac solve`), in every format.

Each problem's Derivation is rendered by the format's own renderer; this
module adds the document around it: the title, each problem's text and
statement, and `**Solution:**`, like the worksheet. It reads the runner's
outcomes, so it sits above the runner (symjac.render.document has the parts
every command's documents share).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from symjac.batch.problems import ProblemSet
from symjac.batch.runner import Outcome
from symjac.core.caps import Limits
from symjac.core.model import SCHEMA
from symjac.render import render
from symjac.render.document import command_block, latex_document, markdown_text, markdown_to_latex
from symjac.render.safe import block, dumps, html, latex_text, line, md_text, rich_text


def render_document(ps: ProblemSet, outcomes: Sequence[Outcome], fmt: str,
                    steps: bool = True, solutions: bool = True) -> Any:
    """A string, or for ``rich`` a renderable for a rich Console.

    ``solutions=False``: a problem sheet (each problem's text and statement only).
    A set made for one student (problems.for_student) names the student.
    """
    problems = {p.index: p for p in ps.problems}
    items = [(problems[o.index], o) for o in outcomes]
    if fmt == "markdown":
        return _markdown(ps, items, steps, solutions)
    if fmt == "latex":
        return _latex(ps, items, steps, solutions)
    if fmt == "json":
        return _json(ps, items, steps, solutions)
    if fmt == "rich":
        return _rich(ps, items, steps, solutions)
    return _text(ps, items, steps, solutions)


def sheet(ps: ProblemSet) -> list[Outcome]:
    """The outcomes a problem sheet needs (no solution): each problem's statement."""
    from symjac.batch.runner import Job, _outcome

    out = []
    for p in ps.problems:
        statement = None
        if p.error is None:
            try:
                statement = p.statement()
            except Exception:  # the statement only decorates; the command line stands in
                statement = None
        status = "error" if p.error is not None else "solved"
        out.append(replace(_outcome(Job(p, ps.path), status, p.error or ""),
                           statement=statement))
    return out


def _for_whom(ps: ProblemSet) -> str:
    return f"Student: {ps.student}" if ps.student else ""


def _heading(p) -> str:
    return f"{p.id}. {p.title}" if p.title else p.id


def _not_solved(o: Outcome) -> str:
    what = "stopped at a limit" if o.status == "limit" else "error"
    return f"not available ({what}): {o.message}"


def _markdown(ps: ProblemSet, items, steps: bool, solutions: bool = True) -> str:
    from symjac.render.safe import md_code

    parts = [f"# {md_text(ps.title)}" if ps.title else "", md_text(_for_whom(ps))]
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
        if not solutions:
            continue
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


def _latex(ps: ProblemSet, items, steps: bool, solutions: bool = True) -> str:
    body = []
    if ps.title:
        body.append(f"\\section*{{{latex_text(ps.title)}}}")
    if ps.student:
        body.append(latex_text(_for_whom(ps)))
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
        if not solutions:
            continue
        if o.derivation is not None:
            body.append(render(o.derivation, "latex", steps=steps).strip())
        elif o.undefined:
            body.append(f"\\textbf{{Solution:}} {latex_text(_sentence(o.message))}")
            body += [f"\\emph{{Hint:}} {latex_text(_sentence(h))}" for h in o.hints]
        else:
            body.append(f"\\textbf{{Solution:}} {latex_text(_not_solved(o))}")
    title = f"\\title{{{latex_text(ps.title)}}}\n" if ps.title else ""
    return latex_document(title, body)


def _json(ps: ProblemSet, items, steps: bool, solutions: bool = True) -> str:
    problems = []
    for p, o in items:
        d = None
        if o.derivation is not None and solutions:
            d = o.derivation.to_dict()
            if not steps:
                d["steps"] = []
        problems.append({
            "id": p.id, "title": p.title, "text": p.text, "command": p.command,
            "status": o.status, "message": o.message, "undefined": o.undefined,
            "hints": list(o.hints), "statement": o.statement, "derivation": d,
            "variant": dict(p.variant) or None,
        })
    ok = all(o.status == "solved" for _, o in items)
    obj = {"schema": SCHEMA, "command": "solve", "ok": ok, "title": ps.title,
           "text": ps.text, "student": ps.student, "solutions": solutions,
           "problems": problems, "error": None}
    return dumps(obj)


def _text(ps: ProblemSet, items, steps: bool, solutions: bool = True) -> str:
    out = []
    if ps.title:
        title = line(ps.title)
        out += [title, "=" * len(title), ""]
    if ps.student:
        out += [line(_for_whom(ps)), ""]
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
        if not solutions:
            continue
        if o.derivation is not None:
            out += ["Solution:", render(o.derivation, "text", steps=steps)]
        elif o.undefined:
            out.append(f"Solution: {line(_sentence(o.message))}")
            out += [f"hint: {line(h)}" for h in o.hints]
        else:
            out.append(f"Solution: {line(_not_solved(o))}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _rich(ps: ProblemSet, items, steps: bool, solutions: bool = True):
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    parts: list[Any] = []
    if ps.title:
        parts.append(Rule(rich_text(ps.title, style="bold")))
    if ps.student:
        parts += [rich_text(_for_whom(ps)), Text("")]
    if ps.text:
        parts += [rich_text(ps.text.strip(), multiline=True), Text("")]
    for p, o in items:
        parts.append(Rule(rich_text(_heading(p), style="bold cyan"), align="left"))
        if p.text:
            parts.append(rich_text(p.text.strip(), multiline=True))
        if p.error is None:
            parts.append(rich_text(f"$ {p.command_line()}", style="dim"))
        parts.append(Text(""))
        if not solutions:
            continue
        if o.derivation is not None:
            parts += [Text("Solution:", style="bold"), render(o.derivation, "rich", steps=steps)]
        elif o.undefined:
            parts.append(Text.assemble(("Solution: ", "bold"), line(_sentence(o.message))))
            parts += [rich_text(f"hint: {h}", style="dim") for h in o.hints]
        else:
            parts.append(Text.assemble(("Solution: ", "bold"), (line(_not_solved(o)), "red")))
        parts.append(Text(""))
    return Group(*parts)


# -- `symjac solve`: one document, or one per student of a roster ---------------------

EXTENSIONS = {"markdown": ".md", "latex": ".tex", "json": ".json", "text": ".txt"}


def solve(path: str, *, fmt: str, steps: bool = True, solutions: bool = True,
          student: str | None = None, roster: str | None = None, jobs: int | None = None,
          limits: Limits | None = None,
          warn: Any = None) -> list[tuple[ProblemSet, list[Outcome], Any]]:
    """Each document to write: its problem set (for one student), outcomes and text.

    Without a roster, one document (the variant of `student`, else of no student id,
    said through ``warn`` when the file has parameters); with one, one per student.
    """
    from symjac.batch import problems, runner
    from symjac.batch.variants import read_roster

    ps = problems.load(path)
    if roster is not None:
        students = read_roster(roster)
    else:
        if student is None and ps.has_params and warn is not None:
            warn(f"{path} has parameters: this is the variant for no student id "
                 "(give --student ID, or --roster FILE -o DIR for every student's)")
        students = [student or ""]
    sets = [problems.for_student(ps, s) for s in students]
    if not solutions:
        return [(mine, sheet(mine), None) for mine in sets]
    all_jobs = [runner.Job(p, path, mode="solve") for mine in sets for p in mine.problems]
    outcomes = runner.run(all_jobs, n_jobs=jobs, limits=limits)
    out, at = [], 0
    for mine in sets:
        n = len(mine.problems)
        out.append((mine, outcomes[at:at + n], None))
        at += n
    return out


def file_names(students: Sequence[str], fmt: str) -> list[str]:
    """A file name per student: the id with anything but letters, digits, '.', '_', '-' and
    '@' made '_', and a number added where two ids come to one name."""
    import re

    ext = EXTENSIONS.get(fmt, ".txt")
    used: set[str] = set()
    names = []
    for s in students:
        stem = re.sub(r"[^A-Za-z0-9._@-]", "_", s).lstrip(".") or "student"
        name, n = stem, 1
        while name.lower() in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name.lower())
        names.append(name + ext)
    return names
