"""The report of `symjac check`: a summary table, JSON, JUnit XML, Gradescope JSON."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from symjac.model import SCHEMA
from symjac.runner import Outcome

STATUSES = ("passed", "failed", "error", "limit")
STYLES = {"passed": "green", "failed": "red", "error": "yellow", "limit": "magenta"}


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    c = Counter(o.status for o in outcomes)
    return {s: c.get(s, 0) for s in STATUSES}


def tally(outcomes: Sequence[Outcome]) -> str:
    """`5 passed, 1 failed, 0 errors, 0 limits (6 problems)`."""
    c = counts(outcomes)
    n = len(outcomes)
    return (f"{c['passed']} passed, {c['failed']} failed, {c['error']} "
            f"{'error' if c['error'] == 1 else 'errors'}, {c['limit']} "
            f"{'limit' if c['limit'] == 1 else 'limits'} "
            f"({n} {'problem' if n == 1 else 'problems'})")


def _row_name(o: Outcome, many_files: bool) -> str:
    name = o.id or f"#{o.index}"
    return f"{o.file}: {name}" if many_files else name


def _detail(o: Outcome) -> list[str]:
    lines = [o.message] if o.message else []
    for m in o.mismatches:
        where = m.get("index")
        at = f"entry ({', '.join(map(str, where))})" if where else "answer"
        if o.answers is None:
            lines.append(f"{at}: expected {m.get('expected')}, got {m.get('got')}")
        else:  # the answer file's entry is what was "expected" of the computation
            lines.append(f"{at}: answered {m.get('expected')}, but it is {m.get('got')}")
    return lines


def _groups(outcomes: Sequence[Outcome]) -> list[tuple[str | None, list[Outcome]]]:
    groups: dict[str | None, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.answers, []).append(o)
    return list(groups.items())


def text_report(outcomes: Sequence[Outcome]) -> str:
    many_files = len({o.file for o in outcomes}) > 1
    out: list[str] = []
    for answers, group in _groups(outcomes):
        if answers is not None:
            out.append(f"answers: {answers}")
        names = [_row_name(o, many_files) for o in group]
        width = max(len(n) for n in names)
        for name, o in zip(names, group, strict=True):
            detail = _detail(o)
            first = detail[0] if detail else ""
            out.append(f"{name.ljust(width)}  {o.status.ljust(6)}  {o.seconds:5.2f}s  {first}")
            pad = " " * (width + 18)
            out += [pad + d for d in detail[1:]]
        if answers is not None:
            out.append(f"score: {_score(group)}")
        out.append("")
    out.append(tally(outcomes))
    return "\n".join(out)


def _score(group: Sequence[Outcome]) -> str:
    got = sum(o.score for o in group)
    total = sum(o.points for o in group)
    return f"{got:g} / {total:g}"


def rich_report(outcomes: Sequence[Outcome]):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    many_files = len({o.file for o in outcomes}) > 1
    parts: list[Any] = []
    for answers, group in _groups(outcomes):
        table = Table(title=None if answers is None else f"answers: {answers}",
                      title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("problem", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("time", justify="right", no_wrap=True)
        table.add_column("details")
        for o in group:
            table.add_row(_row_name(o, many_files), Text(o.status, style=STYLES[o.status]),
                          f"{o.seconds:.2f}s", "\n".join(_detail(o)))
        parts.append(table)
        if answers is not None:
            parts.append(Text(f"score: {_score(group)}", style="bold"))
        parts.append(Text(""))
    c = counts(outcomes)
    style = "bold green" if c["passed"] == len(outcomes) else "bold red"
    parts.append(Text(tally(outcomes), style=style))
    return Group(*parts)


def markdown_report(outcomes: Sequence[Outcome]) -> str:
    many_files = len({o.file for o in outcomes}) > 1
    with_answers = any(o.answers is not None for o in outcomes)
    head = ["answers"] if with_answers else []
    lines = ["| " + " | ".join([*head, "problem", "status", "details"]) + " |",
             "|" + "---|" * (len(head) + 3)]
    for o in outcomes:
        cells = [o.answers or ""] if with_answers else []
        cells += [_row_name(o, many_files), f"**{o.status}**", "<br>".join(_detail(o))]
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n\n" + tally(outcomes) + "\n"


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def latex_report(outcomes: Sequence[Outcome]) -> str:
    from symjac.render.math import latex_text

    many_files = len({o.file for o in outcomes}) > 1
    rows = [
        " & ".join(latex_text(c) for c in (
            o.answers or "", _row_name(o, many_files), o.status,
            "; ".join(_detail(o)))) + " \\\\"
        for o in outcomes
    ]
    return ("\\begin{tabular}{llll}\n answers & problem & status & details \\\\ \\hline\n"
            + "\n".join(rows) + "\n\\end{tabular}\n\n" + latex_text(tally(outcomes)) + "\n")


def json_report(outcomes: Sequence[Outcome]) -> str:
    c = counts(outcomes)
    ok = c["passed"] == len(outcomes)
    obj = {
        "schema": SCHEMA,
        "command": "check",
        "ok": ok,
        "result": None,
        "variables": None,
        "steps": [],
        "check": {"passed": ok, "mismatches": [], "message": tally(outcomes)},
        "error": None,
        "counts": c,
        "problems": [o.to_dict() for o in outcomes],
    }
    return json.dumps(obj, ensure_ascii=False, indent=2)


# XML 1.0 cannot hold most control characters, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(s: str) -> str:
    return _NOT_XML.sub("\ufffd", s)


def junit_xml(outcomes: Sequence[Outcome]) -> str:
    """JUnit XML: one testsuite per problem file (and answer file), one testcase per problem."""
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="symjac check")
    suites: dict[tuple[str, str | None], list[Outcome]] = {}
    for o in outcomes:
        suites.setdefault((o.file, o.answers), []).append(o)
    for (file, answers), group in suites.items():
        c = counts(group)
        name = file if answers is None else f"{answers} ({file})"
        suite = ET.SubElement(
            root, "testsuite", name=_xml_text(name), tests=str(len(group)),
            failures=str(c["failed"]), errors=str(c["error"] + c["limit"]), skipped="0",
            time=f"{sum(o.seconds for o in group):.3f}",
        )
        for o in group:
            case = ET.SubElement(
                suite, "testcase", name=_xml_text(o.id or f"#{o.index}"),
                classname=_xml_text(name), time=f"{o.seconds:.3f}",
            )
            if o.status == "passed":
                continue
            tag = "failure" if o.status == "failed" else "error"
            detail = _xml_text("\n".join(_detail(o)))
            el = ET.SubElement(case, tag, message=_xml_text(o.message), type=o.status)
            el.text = detail
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _hidden_detail(o: Outcome) -> list[str]:
    """What a student may see without being told the answer: which entries are wrong."""
    if o.status != "failed":
        return _detail(o)  # passed, or why the answer could not be graded
    lines = []
    for m in o.mismatches:
        where = m.get("index")
        lines.append(f"entry ({', '.join(map(str, where))}) is not right" if where
                     else "the answer is not right")
    return lines or ["the answer is not right"]


def gradescope_json(outcomes: Sequence[Outcome], seconds: float, reveal: bool = False) -> str:
    """A Gradescope autograder results.json: one test per problem (and answer file).

    Students see each test's output, so the right answers appear only with reveal.
    """
    detail = _detail if reveal else _hidden_detail
    many_answers = len({o.answers for o in outcomes}) > 1
    many_files = len({o.file for o in outcomes}) > 1
    tests = []
    for o in outcomes:
        name = _row_name(o, many_files)
        if o.title:
            name += f": {o.title}"
        if many_answers and o.answers:
            name = f"{o.answers}: {name}"
        tests.append({
            "name": name,
            "score": o.score,
            "max_score": o.points,
            "status": "passed" if o.status == "passed" else "failed",
            "output": "\n".join([o.status, *detail(o)]),
        })
    obj = {
        "score": sum(o.score for o in outcomes),
        "execution_time": round(seconds, 3),
        "output": tally(outcomes),
        "tests": tests,
    }
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"
