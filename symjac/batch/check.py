"""`symjac check`'s orchestration: the problem files and answer files read, the jobs
made (one per problem, per answer file), run, and every report written.

The click command (symjac.cli.commands.check) only parses options and hands
them here as a ``Checking``; what reaches the terminal goes through the
callbacks it passes (``warn`` for one-line warnings, ``write`` for an output
file or '-', ``progress`` for a bar), so this layer never imports the CLI.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from symjac.core.caps import Limits
from symjac.core.errors import FileError, InputError


@dataclass(frozen=True)
class Checking:
    """What `symjac check` was asked to do, its options parsed."""

    files: tuple[str, ...]
    answer_files: tuple[str, ...] = ()
    answers_dir: str | None = None
    shard: tuple[int, int] | None = None
    jobs: int | None = None
    limits: Limits | None = None  # resolved once by the caller (None: the defaults)
    budget: float | None = None
    junit: str | None = None
    gradescope: str | None = None
    visibility: str = "visible"
    report_path: str | None = None
    output: str | None = None
    reveal: bool = False
    fmt: str = "text"  # resolved: text, rich, markdown, latex or json
    standalone: bool = False
    student: str | None = None  # --student: whose variant (one answer file, or none)
    roster: str | None = None  # --roster: without answers, check every student's variant
    metadata: str | None = None  # Gradescope's submission_metadata.json: the student id
    gradebook: str | None = None  # --gradebook: a CSV, one row per student


@dataclass(frozen=True)
class Checked:
    """What check found: the outcomes, the report (text, or a rich renderable), and how
    many answer files could not be read."""

    outcomes: list
    report: Any
    bad_files: int = 0


class Progress(Protocol):
    """A progress display: started, advanced once per outcome, refreshed, stopped."""

    def start(self, total: int) -> None: ...
    def advance(self) -> None: ...
    def refresh(self) -> None: ...
    def stop(self) -> None: ...


def check(c: Checking, *, warn: Callable[[str], None], write: Callable[[str, str], None],
          progress: Progress | None = None) -> Checked:
    """Run the check; every output file but the report itself is written here."""
    from symjac.batch import problems, report, runner
    from symjac.batch.files import check_outputs

    # --gradescope may name a folder: one results.json per submission inside it
    check_outputs({"-o": c.output, "--junit": c.junit, "--gradescope": c.gradescope,
                   "--report": c.report_path, "--gradebook": c.gradebook},
                  [i for i in (*c.files, *c.answer_files) if i != "-"],
                  folders=("--gradescope",))
    sets = [problems.load(f) for f in c.files]
    paths = answer_files(c.answer_files, c.answers_dir)
    told = c.student
    if c.metadata is not None:
        from symjac.batch.variants import gradescope_student

        try:
            told = gradescope_student(c.metadata)
        except FileError as e:
            if any(ps.has_params for ps in sets):
                raise  # whose variant to grade cannot be known
            warn(f"{e} (no problem has parameters: graded all the same)")
    if (c.student is not None or c.metadata is not None) and len(paths) > 1:
        raise InputError("--student and --metadata name the student of one answer file; "
                         f"{len(paths)} were given")
    if c.roster is not None and paths:
        raise InputError("--roster checks each student's variant without answers; with answer "
                         "files, each file's student is its own")
    if c.answers_dir and not paths and not c.answer_files:
        raise FileError(f"{c.answers_dir}: no answer files (.toml or .json) in it")
    if c.gradescope and len(paths) > 1:
        if (c.gradescope == "-" or os.path.isfile(c.gradescope)
                or c.gradescope.lower().endswith(".json")):
            raise InputError(f"--gradescope {c.gradescope}: with several answer files, give "
                             "a directory (each file gets DIR/NAME/results.json)")
    if c.shard is not None and paths:
        paths = [p for k, p in enumerate(paths) if k % c.shard[1] == c.shard[0] - 1]
    jobs_list: list = []
    early: list = []  # answer files that cannot be read: one outcome each
    bad_files = 0
    if c.answers_dir or c.answer_files:
        ids = {p.id for ps in sets for p in ps.problems}
        for path in paths:
            try:
                answers, own = problems.load_submission(path)
            except FileError as e:
                bad_files += 1
                early.append((len(jobs_list), runner.unreadable(path, str(e), sets)))
                continue
            stray = sorted(set(answers) - ids)
            if stray:
                warn(f"{path}: no problem has the id {', '.join(map(repr, stray[:5]))}")
            student = _student(path, own, told, sets, warn)
            mine = [problems.for_student(ps, student) for ps in sets]
            jobs_list += [runner.Job(p, ps.path, answer=answers.get(p.id), answers=path)
                          for ps in mine for p in ps.problems]
    else:
        if c.roster is not None:
            from symjac.batch.variants import read_roster

            students = read_roster(c.roster)
        else:
            students = [told or ""]
            if told is None and any(ps.has_params for ps in sets):
                warn("the problems have parameters: checking the variant for no student id "
                     "(give --student ID, or --roster FILE for every student's)")
        jobs_list = [runner.Job(p, ps.path) for student in students for ps in sets
                     for p in problems.for_student(ps, student).problems]
        if c.shard is not None:
            jobs_list = [j for k, j in enumerate(jobs_list)
                         if k % c.shard[1] == c.shard[0] - 1]
    start = time.monotonic()
    if progress is not None:
        progress.start(len(jobs_list))
    try:
        outcomes = runner.run(
            jobs_list, n_jobs=c.jobs, limits=c.limits, budget=c.budget,
            on_done=None if progress is None else (lambda _o: progress.advance()),
            tick=None if progress is None else progress.refresh)
    finally:
        if progress is not None:
            progress.stop()
    for at, outcome in reversed(early):  # in the order of the answer files
        outcomes.insert(at, outcome)
    outcomes = in_file_order(outcomes, paths)
    elapsed = time.monotonic() - start
    if c.junit:
        write(c.junit, report.junit_xml(outcomes))
    if c.gradescope:
        write_gradescope(c.gradescope, outcomes, elapsed, c.reveal, c.visibility, write)
    if c.report_path:
        html = c.report_path.lower().endswith((".html", ".htm"))
        write(c.report_path, (report.html_report if html else report.cohort_report)(outcomes))
    if c.gradebook:
        write(c.gradebook, report.gradebook_csv(outcomes))
    return Checked(outcomes, render_report(outcomes, c.fmt, c.standalone), bad_files)


def _student(path: str, own: str | None, told: str | None, sets: Sequence,
             warn: Callable[[str], None]) -> str:
    """Whose answer file: --student or Gradescope's metadata, else its `student` key, else
    its name. A file that says otherwise than the metadata is said (the metadata wins: a
    student cannot choose someone else's variant)."""
    from symjac.batch.variants import student_of

    if told is not None:
        if own is not None and own != told and any(ps.has_params for ps in sets):
            warn(f"{path}: its student key says {own!r}; graded as {told!r}")
        return told
    return student_of(path, own)


def render_report(outcomes: Sequence, fmt: str, standalone: bool = False) -> Any:
    """The report in its format: a string, or a rich renderable for "rich"."""
    from symjac.batch import report

    if fmt == "json":
        return report.json_report(outcomes)
    if fmt == "markdown":
        return report.markdown_report(outcomes)
    if fmt == "latex":
        text = report.latex_report(outcomes)
        if standalone:
            from symjac.render.document import standalone as document

            text = document(text)
        return text
    if fmt == "rich":
        return report.rich_report(outcomes)
    return report.text_report(outcomes)


def all_passed(outcomes: Sequence) -> bool:
    """Every problem passed, or was solved (no expect: computed, not checked)."""
    from symjac.batch.runner import OK_STATUSES

    return all(o.status in OK_STATUSES for o in outcomes)


def in_file_order(outcomes: list, paths: list[str]) -> list:
    """Outcomes grouped by answer file, in the order the files were given."""
    if not paths:
        return outcomes
    rank = {p: i for i, p in enumerate(paths)}
    return sorted(outcomes, key=lambda o: rank.get(o.answers, len(rank)))


def write_gradescope(path: str, outcomes: list, elapsed: float, reveal: bool,
                     visibility: str, write: Callable[[str, str], None]) -> None:
    """One results.json; with several answer files, PATH/NAME/results.json for each."""
    from symjac.batch import report

    groups: dict = {}
    for o in outcomes:
        groups.setdefault(o.answers, []).append(o)
    if len(groups) <= 1 and not os.path.isdir(path):
        write(path, report.gradescope_json(outcomes, elapsed, reveal, visibility))
        return
    used: set[str] = set()
    for answers, group in groups.items():
        stem = os.path.splitext(os.path.basename(answers or "problems"))[0] or "answers"
        name, n = stem, 1
        while name in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        os.makedirs(os.path.join(path, name), exist_ok=True)
        seconds = sum(o.seconds for o in group)
        write(os.path.join(path, name, "results.json"),
              report.gradescope_json(group, seconds, reveal, visibility))


def answer_files(given: Sequence[str], answers_dir: str | None) -> list[str]:
    """The answer files of --answers, then of --answers-dir (its .toml and .json, sorted)."""
    paths = list(dict.fromkeys(given))  # a file given twice is graded once
    if answers_dir:
        try:
            names = os.listdir(answers_dir)
        except OSError as e:
            raise FileError(f"{answers_dir}: cannot list ({e.strerror or e})") from None

        def key(n: str) -> list:
            return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", n)]

        for name in sorted(names, key=key):
            path = os.path.join(answers_dir, name)
            if (name.lower().endswith((".toml", ".json")) and not name.startswith(".")
                    and path not in paths):
                paths.append(path)
    return paths
