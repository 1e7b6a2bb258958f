"""Inputs given as files: FUNCTIONS (or a LOSS) and --wrt as ``-`` (stdin) or ``@path``.

A system too long for a command line (Linux limits one argument to 128 kB)
is written one function per line; ``#`` starts a comment, to the end of its
line, and blank lines are skipped. The text is read by symjac.batch.files
(a regular file, UTF-8, under its size cap) and then by the one parser, as
the same text typed on the command line would be: the lines of FUNCTIONS
are separated by newlines, which the parser reads as it reads commas at the
top level, and the lines of a --wrt file are joined by commas (a matrix of
variables, starting with '[', is kept whole).
"""

from __future__ import annotations

STDIN = "-"


def is_source(text: str | None) -> bool:
    """Is this argument a file to read ('-' or '@path') rather than the text itself?"""
    return text is not None and (text == STDIN or text.startswith("@"))


def read_source(text: str | None, kind: str) -> str | None:
    """The text of an argument: itself, or the file it names with comments and blank
    lines removed. kind: "functions", "loss" or "variables" (for --wrt)."""
    if text is None or not is_source(text):
        return text
    from symjac.batch.files import read_text
    from symjac.core.errors import InputError

    path = STDIN if text == STDIN else text[1:]
    if not path:
        raise InputError(f"'@' must be followed by a file's name, e.g. @{kind}.txt")
    raw = read_text(path)
    name = "standard input" if path == STDIN else path
    lines = [line.split("#", 1)[0].strip() for line in raw.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise InputError(f"{name}: no {kind} in it (only blank lines and comments)")
    if kind == "variables" and not lines[0].startswith(("[", "\\")):
        return ", ".join(lines)
    return "\n".join(lines)


def one_stdin(*texts: str | None) -> None:
    """Standard input can be read once: refuse two arguments that both name it."""
    if sum(1 for t in texts if t == STDIN) > 1:
        from symjac.core.errors import InputError

        raise InputError("standard input ('-') can be read only once")
