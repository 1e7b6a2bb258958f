"""The report of `symjac check`: a summary table, JSON, JUnit XML, Gradescope JSON."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from symjac.batch.runner import STATUSES, Outcome
from symjac.core.model import SCHEMA
from symjac.render.safe import cut, dumps, latex_text, line, md_text, rich_text
from symjac.render.text import mismatch_lines

STYLES = {"passed": "green", "failed": "red", "invalid": "dark_orange", "undecided": "cyan",
          "error": "yellow", "limit": "magenta", "ungraded": "dim"}


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    c = Counter(o.status for o in outcomes)
    return {s: c.get(s, 0) for s in STATUSES}


def tally(outcomes: Sequence[Outcome]) -> str:
    """`5 passed, 1 failed, 0 errors, 0 limits (6 problems)`; invalid, undecided and
    ungraded if any (invalid apart from failed: unreadable is not wrong)."""
    c = counts(outcomes)
    n = len(outcomes)
    extra = "".join(f", {c[s]} {s}" for s in ("invalid", "undecided", "ungraded") if c[s])
    return (f"{c['passed']} passed, {c['failed']} failed{extra}, {c['error']} "
            f"{'error' if c['error'] == 1 else 'errors'}, {c['limit']} "
            f"{'limit' if c['limit'] == 1 else 'limits'} "
            f"({n} {'problem' if n == 1 else 'problems'})")


def mistake_counts(outcomes: Sequence[Outcome]) -> Counter:
    return Counter(t for o in outcomes for t in o.tags)


def _mistakes_line(outcomes: Sequence[Outcome]) -> str:
    c = mistake_counts(outcomes)
    return ", ".join(f"{tag} {n}" for tag, n in c.most_common())


def _row_name(o: Outcome, many_files: bool) -> str:
    name = o.id or f"#{o.index}"
    return f"{o.file}: {name}" if many_files else name


def _reading(o: Outcome) -> list[str]:
    """How the answer's loosely typed parts were read, as one line (none if read as typed)."""
    return ["read " + ", ".join(o.readings)] if o.readings else []


def _detail(o: Outcome) -> list[str]:
    lines = [o.message] if o.message else []
    if o.tags:
        lines[-1:] = [(lines[-1] + "  " if lines else "") + "[" + ", ".join(o.tags) + "]"]
    lines += _reading(o)
    lines += mismatch_lines(o.mismatches, o.mistakes)
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
            out.append(f"answers: {line(answers)}")
        names = [line(_row_name(o, many_files), 200) for o in group]
        width = max(len(n) for n in names)
        status_width = max(6, *(len(o.status) for o in group))
        for name, o in zip(names, group, strict=True):
            detail = [line(d) for d in _detail(o)]
            first = detail[0] if detail else ""
            out.append(f"{name.ljust(width)}  {o.status.ljust(status_width)}  "
                       f"{o.seconds:5.2f}s  {first}")
            pad = " " * (width + status_width + 12)
            out += [pad + d for d in detail[1:]]
        if answers is not None:
            out.append(f"score: {_score(group)}")
        out.append("")
    out.append(tally(outcomes))
    return "\n".join(out)


def _score(group: Sequence[Outcome]) -> str:
    got = sum(o.score for o in group)
    total = sum(o.max_score for o in group)
    line = f"{got:g} / {total:g}"
    mistakes = _mistakes_line(group)
    return line + (f"   ·   mistakes: {mistakes}" if mistakes else "")


def rich_report(outcomes: Sequence[Outcome]):
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    many_files = len({o.file for o in outcomes}) > 1
    parts: list[Any] = []
    for answers, group in _groups(outcomes):
        table = Table(title=None if answers is None else rich_text(f"answers: {answers}"),
                      title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("problem", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("time", justify="right", no_wrap=True)
        table.add_column("details")
        for o in group:
            # Text, never markup: an answer or a file name may hold "[link=...]".
            table.add_row(rich_text(_row_name(o, many_files)),
                          Text(o.status, style=STYLES[o.status]), Text(f"{o.seconds:.2f}s"),
                          Text("\n").join(rich_text(d) for d in _detail(o)))
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
        cells = [md_text(o.answers or "")] if with_answers else []
        cells += [md_text(_row_name(o, many_files)), f"**{o.status}**",
                  "<br>".join(md_text(d) for d in _detail(o))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + tally(outcomes) + "\n"


def latex_report(outcomes: Sequence[Outcome]) -> str:
    many_files = len({o.file for o in outcomes}) > 1
    rows = [
        " & ".join(latex_text(c) for c in (
            o.answers or "", _row_name(o, many_files), o.status,
            "; ".join(_detail(o)))) + " \\\\"
        for o in outcomes
    ]
    return ("\\begin{tabular}{llll}\n answers & problem & status & details \\\\ \\hline\n"
            + "\n".join(rows) + "\n\\end{tabular}\n\n" + latex_text(tally(outcomes)) + "\n")


def _weakest(methods) -> str:
    """The method of a batch: numeric if any verdict was, then symbolic, else exact."""
    found = set(methods)
    return next((m for m in ("numeric", "symbolic") if m in found), "exact")


def _submission(answers: str | None, group: Sequence[Outcome]) -> dict[str, Any]:
    return {
        "answers": answers,
        "score": sum(o.score for o in group),
        "max_score": sum(o.max_score for o in group),
        "counts": counts(group),
        "mistakes": dict(mistake_counts(group)),
        "problems": [o.to_dict() for o in group],
    }


def json_report(outcomes: Sequence[Outcome]) -> str:
    c = counts(outcomes)
    ok = c["passed"] == len(outcomes)
    groups = _groups(outcomes)
    obj = {
        "schema": SCHEMA,
        "command": "check",
        "ok": ok,
        "result": None,
        "variables": None,
        "steps": [],
        "check": {"passed": ok, "outcome": "equal" if ok else (
            "different" if c["failed"] or c["invalid"] or c["error"] or c["limit"]
            else "undecided"),
            "method": _weakest(o.method for o in outcomes),
            "mismatches": [], "message": tally(outcomes)},
        "error": None,
        "counts": c,
        "score": sum(o.score for o in outcomes),
        "max_score": sum(o.max_score for o in outcomes),
        "problems": [o.to_dict() for o in outcomes],
    }
    if any(a is not None for a, _ in groups):
        obj["submissions"] = [_submission(a, g) for a, g in groups]
    return dumps(obj)


# Every character outside XML 1.0's Char production: most C0 controls, lone surrogates,
# U+FFFE and U+FFFF. Not even a character reference (&#xFFFE;) may name them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_XML_TEXT = 20_000  # characters of one message or detail: a 900 KB answer is cut


def _xml_char(m: re.Match) -> str:
    """A character XML forbids, shown as an escape (\\x1b, <U+FFFE>) made of ones it allows."""
    shown = line(m.group())
    return f"<U+{ord(m.group()):04X}>" if _NOT_XML.search(shown) else shown


def _xml_text(s: str, limit: int = MAX_XML_TEXT) -> str:
    """Any text for a JUnit attribute or element: ElementTree escapes &, < and quotes."""
    return _NOT_XML.sub(_xml_char, cut(s, limit))


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
            # an invalid answer is the student's (a failure of the test), not the harness's
            failures=str(c["failed"] + c["invalid"] + c["undecided"]),
            errors=str(c["error"] + c["limit"]),
            skipped=str(c["ungraded"]), time=f"{sum(o.seconds for o in group):.3f}",
        )
        for o in group:
            case = ET.SubElement(
                suite, "testcase", name=_xml_text(o.id or f"#{o.index}"),
                classname=_xml_text(name), time=f"{o.seconds:.3f}",
            )
            props = [("status", o.status), ("score", f"{o.score:g}"),
                     ("max_score", f"{o.max_score:g}")] + [("mistake", t) for t in o.tags]
            props += [("reading", r) for r in o.readings]
            props += [("unknown_name", n) for n in o.unknown]
            el_props = ET.SubElement(case, "properties")
            for k, v in props:
                ET.SubElement(el_props, "property", name=k, value=_xml_text(v))
            if o.status == "passed":
                continue
            if o.status == "ungraded":
                ET.SubElement(case, "skipped", message=_xml_text(o.message))
                continue
            tag = "failure" if o.status in ("failed", "invalid", "undecided") else "error"
            detail = _xml_text("\n".join(_detail(o)))
            el = ET.SubElement(case, tag, message=_xml_text(o.message, 500), type=o.status)
            el.text = detail
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _hidden_detail(o: Outcome) -> list[str]:
    """What a student may see without being told the answer: which entries are wrong.

    The message says why in the student's terms (a named mistake, the author's
    feedback, "no answer given"); the right values stay out.
    """
    if o.status not in ("failed", "undecided"):
        return _detail(o)  # passed, invalid, or why the answer could not be graded
    lines = [o.message] if o.message else []
    if o.tags:
        lines.append("mistake: " + ", ".join(o.tags))
    lines += _reading(o)
    for m in o.mismatches:
        where = m.get("index")
        if where:
            lines.append(f"entry ({', '.join(map(str, where))}) is not right")
    return lines or ["the answer is not right"]


def _md_block(lines: list[str]) -> str:
    """Lines as Markdown paragraphs, with characters Markdown would act on escaped."""
    return "\n\n".join(md_text(cut(text)) for text in lines)  # no HTML, links or emphasis


def gradescope_json(outcomes: Sequence[Outcome], seconds: float, reveal: bool = False,
                    visibility: str = "visible") -> str:
    """A Gradescope autograder results.json: one test per problem (and answer file).

    Students see each test's output, so the right answers appear only with reveal.
    Outputs are Markdown (output_format "md"); a named mistake is a test's tag.
    """
    detail = _detail if reveal else _hidden_detail
    many_answers = len({o.answers for o in outcomes}) > 1
    many_files = len({o.file for o in outcomes}) > 1
    tests = []
    for n, o in enumerate(outcomes, 1):
        name = _row_name(o, many_files)
        if o.title:
            name += f": {o.title}"
        if many_answers and o.answers:
            name = f"{o.answers}: {name}"
        # Gradescope shows names and output as HTML: nothing in them may be markup.
        tests.append({
            "name": line(name),
            "number": o.id or str(n),
            "score": o.score,
            "max_score": o.max_score,
            "status": "passed" if o.status in ("passed", "ungraded") else "failed",
            "output": "\n\n".join([f"**{o.status}**", _md_block(detail(o))]).strip(),
            "output_format": "md",
            "tags": o.tags,
            "visibility": visibility,
        })
    obj = {
        "score": sum(o.score for o in outcomes),
        "execution_time": round(seconds, 3),
        "output": _md_block([tally(outcomes)]),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return dumps(obj) + "\n"


def _invalid_note(group: Sequence[Outcome]) -> str:
    """`3 invalid answers (names the problem does not have: y2 2; 1 that cannot be read)`."""
    invalid = [o for o in group if o.status == "invalid"]
    names = Counter(n for o in invalid for n in dict.fromkeys(o.unknown))
    unreadable = sum(1 for o in invalid if not o.unknown)
    out = f"{len(invalid)} invalid {'answer' if len(invalid) == 1 else 'answers'}"
    parts = []
    if names:
        shown = ", ".join(f"{md_text(n)} {k}" for n, k in names.most_common(8))
        more = f" and {len(names) - 8} more" if len(names) > 8 else ""
        parts.append(f"names the problem does not have: {shown}{more}")
    if unreadable:
        parts.append(f"{unreadable} that cannot be read")
    return out + (" (" + "; ".join(parts) + ")" if parts else "")


def cohort_report(outcomes: Sequence[Outcome]) -> str:
    """Markdown: per problem, how many students passed, and how many made each mistake."""
    from symjac.ops.mistakes import TAGS

    students = sorted({o.answers for o in outcomes if o.answers is not None})
    problems: dict[tuple[str, str], list[Outcome]] = {}
    for o in outcomes:
        if o.index == 0:  # an answer file that could not be read
            continue
        problems.setdefault((o.file, o.id or f"#{o.index}"), []).append(o)
    lines = ["# Cohort report", "",
             f"{len(students)} {'submission' if len(students) == 1 else 'submissions'}, "
             f"{len(problems)} {'problem' if len(problems) == 1 else 'problems'}.", ""]
    unread = [o for o in outcomes if o.index == 0]
    if unread:
        lines += [f"{len(unread)} answer {'file' if len(unread) == 1 else 'files'} could not "
                  "be read (scored 0).", ""]
    lines += ["| problem | passed | failed | invalid | other | mean score | mistakes |",
              "|---|---|---|---|---|---|---|"]
    notes: list[str] = []
    invalid: list[str] = []
    for (_file, pid), group in problems.items():
        c = counts(group)
        n = max(len(group), len(students))  # an unreadable file counts, as a 0
        other = n - c["passed"] - c["failed"] - c["invalid"]
        top = max((o.max_score for o in group), default=0) or 0
        mean = sum(o.score for o in group) / n if n else 0
        mist = mistake_counts(group)
        order = sorted(mist, key=lambda t: (-mist[t], TAGS.index(t) if t in TAGS else 99))
        cell = ", ".join(f"{t} {mist[t]}" for t in order) or "—"
        lines.append(f"| {md_text(pid)} | {c['passed']} / {n} | {c['failed']} | "
                     f"{c['invalid']} | {other} | {mean:.2f} / {top:g} | {cell} |")
        unnamed = sum(1 for o in group if o.status == "failed" and not o.tags)
        if unnamed:
            notes.append(f"- {md_text(pid)}: {unnamed} wrong "
                         f"{'answer' if unnamed == 1 else 'answers'} with no named mistake")
        if c["invalid"]:
            invalid.append(f"- {md_text(pid)}: {_invalid_note(group)}")
    if notes:
        lines += ["", "## Wrong answers no mistake explains", "", *notes]
    if invalid:
        lines += ["", "## Answers that could not be graded (invalid, scored 0)", "",
                  "Not wrong: unread. Each uses a name the problem does not have, or cannot "
                  "be read at all.", "", *invalid]
    scores = [sum(o.score for o in outcomes if o.answers == s) for s in students]
    if scores:
        total = sum(o.max_score for o in outcomes if o.answers == students[0])
        lines += ["", f"Mean score {sum(scores) / len(scores):.2f} / {total:g}; "
                  f"full marks: {sum(1 for x in scores if x == total)} of {len(scores)}."]
    return "\n".join(lines) + "\n"
