"""The options of the common commands, declared once, as data, and a strict reader of them.

cli.py builds its click options from these declarations (every command's
common options, and jacobian's and matmul's own). ``read`` parses the
common command lines of ``jacobian`` and ``matmul`` without click, so the
console script (symjac.cli.main) can answer them without importing it.

There is still one parser of the command line in spirit: ``read`` accepts
a strict subset of what click accepts and gives the same values click
would pass to the command; for anything else (help, a misspelt or
unknown option, a value it cannot convert, an option given twice, an
option before the command, ``-o``, ``--standalone``, ``--``, an argument
that starts with '-', a value that does, shell completion) it returns
None, and click reads the command line, with its own messages and exit
codes. tests/test_options.py compares the two on generated command lines.
"""

from __future__ import annotations

import math
from typing import Any

from symjac.core.caps import DEFAULT_TIMEOUT  # noqa: F401 (the one default, re-exported)
from symjac.core.commands import COMMANDS as COMMAND_LIST
from symjac.render import FORMATS

FORMAT_ALIASES = {"md": "markdown", "tex": "latex"}
LAYOUTS = ("numerator", "denominator")
ORDERS = ("row", "col")
EMIT = ("numpy", "jax", "c", "python")  # symjac.ops.emit.LANGUAGES (not loaded for --help)


class Option:
    """One option: its parameter name, how it is written and what it takes.

    kind: "value" (takes a value: ``--wrt VARS``), "flag" (``--check``) or
    "switch" (``--steps/--no-steps``, ``off`` names the second form). type:
    how a value is read, "text", "format", "seconds", "size", "choice"
    (one of ``choices``) or "path" (``-o``: left to click).
    """

    __slots__ = ("name", "flags", "help", "kind", "type", "default", "metavar", "choices",
                 "off", "show_default")

    def __init__(self, name: str, flags: tuple[str, ...], help: str, kind: str = "value",
                 type: str = "text", default: Any = None, metavar: str | None = None,
                 choices: tuple[str, ...] = (), off: str | None = None,
                 show_default: bool = False):
        self.name, self.flags, self.help, self.kind, self.type = name, flags, help, kind, type
        self.default, self.metavar, self.choices = default, metavar, choices
        self.off, self.show_default = off, show_default


# Every command's own options (cli.common_options), in the order --help lists them.
COMMON = (
    Option("fmt", ("-f", "--format"), "Output format; auto is rich on a terminal and text "
           "in a pipe.", type="format", default="auto", show_default=True),
    Option("steps", ("--steps",), "Show the working (default) or only the answer.",
           kind="switch", off="--no-steps", default=True),
    Option("timeout", ("--timeout",), "Stop with exit code 3 after this long, even inside "
           "a long computation (0: no limit).", type="seconds", default=DEFAULT_TIMEOUT,
           metavar="SECONDS", show_default=True),
    Option("max_memory", ("--max-memory",), "Stop with exit code 3 if the work needs more "
           "memory than this, e.g. 512M (0: no cap).  [default: $SYMJAC_MAX_MEMORY, else 4G]",
           type="size", metavar="SIZE"),
    Option("output", ("-o", "--output"), "Write the output to PATH ('-': stdout); with "
           "--format auto its extension picks the format (.md, .tex, .json, else text).",
           type="path", metavar="PATH"),
    Option("standalone", ("--standalone",), "A complete LaTeX document (preamble and all) "
           "rather than a fragment; implies --format latex.", kind="flag", default=False),
    Option("debug", ("--debug",), "Print the traceback of an internal error.", kind="flag",
           default=False),
)

# The options of every command whose result is a matrix of derivatives.
RESULT = (
    Option("emit", ("--emit",), "Write the result as code instead: a function of the "
           "variables, in their order (numpy, jax, c or python; a gradient's closed form: "
           "numpy or jax).", type="choice", choices=EMIT, metavar="LANG"),
    Option("sparse", ("--sparse",), "JSON: write the nonzero entries only, as [row, "
           "column, entry] (0-based); every JSON result gives its nnz.", kind="flag",
           default=False),
)

JACOBIAN = (
    Option("wrt", ("--wrt",), "The variables, 'x, y' or a matrix '[[p, q], [r, s]]' (a "
           "matrix input, flattened in --order). Default: every free symbol, in natural order "
           "(x1, x2, x10).", metavar="VARS"),
    Option("at", ("--at",), 'Evaluate at a point, e.g. "x=1, y=2" (exact; decimals where a '
           'value is not exact).', metavar="POINT"),
    Option("layout", ("--layout",), "numerator: outputs × inputs (the worksheet's); "
           "denominator: the transpose.", type="choice", choices=LAYOUTS,
           default="numerator", show_default=True),
    Option("order", ("--order",), "How a matrix of variables is flattened: row-major, or "
           "column-major (vec).", type="choice", choices=ORDERS, default="row",
           show_default=True),
    Option("expect", ("--expect",), "A hand-derived Jacobian to check (exit 1 if wrong).",
           metavar="MATRIX"),
    Option("check", ("--check",), "Compare with central finite differences at random points.",
           kind="flag", default=False),
    Option("simplify", ("--simplify",), "Simplify every entry.", kind="flag", default=False),
    Option("all_steps", ("--all-steps",), "Work every entry, even of a large Jacobian "
           "(default: 100) or of a function longer than 1,000 symbols, numbers and "
           "operations.", kind="flag", default=False),
    *RESULT,
)

MATMUL = (
    Option("all_steps", ("--all-steps",), "Work every entry, even of a large product.",
           kind="flag", default=False),
    Option("expect", ("--expect",), "A hand-derived product to check (exit 1 if wrong).",
           metavar="MATRIX"),
)

# command -> (its positional parameter, how many values it takes (-1: one or more), options)
# (the commands the console script reads itself, of symjac.core.commands)
COMMANDS: dict[str, tuple[str, int, tuple[Option, ...]]] = {
    name: (COMMAND_LIST[name].positional, -1 if COMMAND_LIST[name].many else 1, own + COMMON)
    for name, own in (("jacobian", JACOBIAN), ("matmul", MATMUL))
}


# -- values: one reading each, for click's types and for read ----------------------------


def format_name(text: str) -> str:
    """--format as typed: case and spaces ignored, md and tex for markdown and latex."""
    text = text.strip().lower()
    return FORMAT_ALIASES.get(text, text)


def seconds(value: Any) -> float:
    """A time limit: a finite number of seconds >= 0; ValueError (with the message) if not."""
    from_number = isinstance(value, int | float) and not isinstance(value, bool)
    try:
        number = float(value) if from_number else float(str(value).strip())
    except ValueError:
        raise ValueError(f"'{_shown(value)}' is not a number of seconds") from None
    if not math.isfinite(number) or number < 0:  # nan, inf, or negative
        raise ValueError(f"'{_shown(value)}' is not a finite number of seconds >= 0 "
                         "(0 means no limit)")
    return number


def _shown(value: Any) -> str:
    from symjac.render.safe import line

    return line(value, 40)


def _value(option: Option, text: str) -> Any:
    """The value click would pass for this option's text, or ValueError where click would
    refuse it (or where read leaves it to click)."""
    if option.type == "text":
        return text
    if option.type == "format":
        name = format_name(text)
        if name not in FORMATS:
            raise ValueError(name)
        return name
    if option.type == "choice":
        if text not in option.choices:
            raise ValueError(text)
        return text
    if option.type == "seconds":
        return seconds(text)
    if option.type == "size":
        from symjac.isolation import parse_size

        return parse_size(text)
    raise ValueError(option.type)  # a path: click's


def read(argv: list[str]) -> tuple[str, dict[str, Any]] | None:
    """(command, the parameters click would pass it) for a common command line, else None.

    argv is what follows the program's name. None means "let click read it":
    see the module's docstring for what is left to click.
    """
    if not argv or argv[0] not in COMMANDS:
        return None
    command = argv[0]
    positional_name, count, options = COMMANDS[command]
    by_flag: dict[str, Option] = {}
    for option in options:
        if option.type == "path" or option.name == "standalone":
            continue  # -o and --standalone: click's (files, and a usage error to word)
        for flag in (*option.flags, option.off):
            if flag is not None:
                by_flag[flag] = option
    params: dict[str, Any] = {}
    positional: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        if not arg.startswith("-"):
            positional.append(arg)
            continue
        flag, equals, text = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        found = by_flag.get(flag)
        if found is None or found.name in params:
            return None
        option = found
        if option.kind == "value":
            if not equals:
                following = next(rest, None)
                if following is None or following.startswith("-"):
                    return None
                text = following
            try:
                params[option.name] = _value(option, text)
            except ValueError:
                return None
        elif equals:
            return None  # --check=yes: click's error
        else:
            params[option.name] = flag != option.off
    if count == 1 and len(positional) != 1 or not positional:
        return None
    for option in options:
        params.setdefault(option.name, option.default)
    params[positional_name] = positional[0] if count == 1 else tuple(positional)
    return command, params
