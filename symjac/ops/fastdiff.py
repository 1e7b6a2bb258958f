"""Jacobians on the fast engine (symengine), and the words every Jacobian shares.

The functions and variables come from ``language/parser.py`` (built by
``builders.SymengineBuilder``), so they mean exactly what they mean on the
reference path; ``engines.fast`` differentiates and writes the entries. The
result is a Derivation of strings: nothing here imports sympy.

The headline, the notes and the warnings of a Jacobian are written here for
both engines (``ops/jacobian.py`` uses them too), so the two cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from symjac.core.model import Derivation, Result, Step

if TYPE_CHECKING:
    import symengine as se

MAX_LISTED_VARIABLES = 12  # in the headline; JSON always has every variable
DEFAULT_MAX_ENTRIES = 100  # partials worked before the rest are only computed
# A function larger than this (symbols, numbers and operations, counted as printed) is
# differentiated without worked steps: the 4-link pendulum's functions have 7,600 to
# 79,000, and working them took longer than its whole Jacobian.
DEFAULT_MAX_WORKED_SIZE = 1000
LAYOUTS = ("numerator", "denominator")
ORDERS = ("row", "col")
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_DIGITS = r"(\d+)"  # compiled by re on first use


def natural_key(name: object) -> tuple[tuple[str | int, ...], str]:
    """x1 < x2 < x10, and a total order: x1 and x01 tie on numbers, then the name decides.

    Digit runs compare as numbers (the parts alternate text, number, text);
    the name itself breaks ties, so the order never depends on a hash seed.
    Takes a name or anything with ``.name`` (a Symbol of either engine).
    """
    name = str(getattr(name, "name", name))
    parts = tuple(int(p) if i % 2 else p for i, p in enumerate(re.split(_DIGITS, name)))
    return parts, name


def statement(k: int, n: int, names: Sequence[str], layout: str) -> str:
    """The worksheet's sentence: the map, the variables and the size of ∇f."""
    listed = names if n <= MAX_LISTED_VARIABLES else [*names[:3], "…", *names[-2:]]
    where = ", ".join(listed)
    head = f"f : {_space(n)} → {_space(k)} in ({where}), so ∇f is "
    if layout == "numerator":
        return head + f"{k}×{n} (numerator convention: outputs × inputs)"
    return head + (
        f"{n}×{k} (denominator convention: inputs × outputs, "
        "the transpose of the numerator form)"
    )


def _space(n: int) -> str:
    return "ℝ" if n == 1 else "ℝ" + str(n).translate(_SUPERSCRIPT)


def jacobian_notes(k: int, names: Sequence[str], order: str,
                   input_shape: tuple[int, int] | None,
                   output_shape: tuple[int, int] | None) -> list[str]:
    """The sentences under the headline: long variable lists, flattened shapes."""
    n = len(names)
    notes: list[str] = []
    if n > MAX_LISTED_VARIABLES:
        # The headline abbreviates; the order of the columns is still always said.
        notes.append(f"The {n} variables, in order: {', '.join(names)}.")
    if output_shape is not None and min(output_shape) > 1:
        notes.append(
            f"The {output_shape[0]}×{output_shape[1]} matrix-valued function is flattened "
            f"row-major to (f{_sub(1)}, …, f{_sub(k)})."
        )
    if input_shape is not None and min(input_shape) > 1:
        how = "row-major" if order == "row" else "column-major (vec)"
        notes.append(
            f"The {input_shape[0]}×{input_shape[1]} input "
            f"{_input_matrix(names, input_shape, order)} is flattened {how} "
            f"to ({', '.join(names)})."
        )
    return notes


def unused_warnings(names: Sequence[str], used: set[str], layout: str) -> list[str]:
    """A warning per variable that does not occur; past three, one warning for them all
    (a large system should not bury its output under a screen of warnings)."""
    missing = [x for x in names if x not in used]
    part = "column" if layout == "numerator" else "row"
    if len(missing) <= 3:
        return [f"the variable {x} does not occur in the functions, so its {part} of ∇f "
                "is zero" for x in missing]
    shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
    return [f"{len(missing)} variables do not occur in the functions ({shown}), so their "
            f"{part}s of ∇f are zero"]


def underived_warning(what: str, r: int, c: int) -> str:
    return (f"symjac cannot differentiate {what}, so entry ({r},{c}) "
            "of ∇f is left unevaluated")


def zero_note(count: int) -> Step:
    return Step(kind="note", text=f"{count} entries are 0 (the function does not contain the "
                "variable) and are not listed", data={"zeros": count})


def elided_note(count: int, offers_all_steps: bool = True) -> Step:
    """``offers_all_steps``: whether the command has --all-steps (hessian has not)."""
    return Step(kind="note", text=f"{count} more partial derivatives are not worked here"
                + ("; use --all-steps to see every entry" if offers_all_steps else ""),
                data={"elided": count})


def larger_than(e: Any, size: int) -> bool:
    """Whether expression ``e`` (either engine's) has more than ``size`` nodes, counted
    as printed (a shared part once per use); it stops counting there, so it is cheap.
    The constant e is not counted, so both engines count alike: symengine holds
    exp(x) as E**x, sympy as exp(x)."""
    count, stack = 0, [e]
    while stack:
        node = stack.pop()
        args = node.args
        if args:
            stack.extend(args)
        elif str(node) == "E":
            continue
        count += 1
        if count > size:
            return True
    return False


class Plan:
    """Which partials of a Jacobian are worked, and the notes on the rest (both engines).

    At most ``max_entries`` partials are worked (None: every one); when not all
    can be, the entries plainly 0 are left out rather than spent on. A function
    larger than ``max_size`` is differentiated without worked steps.
    """

    def __init__(self, cells: int, steps: bool, max_entries: int | None,
                 max_size: int | None, offers_all_steps: bool = True) -> None:
        self.steps, self.max_size, self.offers_all_steps = steps, max_size, offers_all_steps
        self.limit = 0 if not steps else cells if max_entries is None \
            else min(cells, max_entries)
        self.skip_zeros = self.limit < cells
        self.worked = self.zeros = self.not_worked = 0
        self.long: dict[int, int] = {}  # row (from 1) -> its partials, not worked

    def short(self, f: Any) -> bool:
        """Short enough to work (always, when nothing is worked: then it is not measured)."""
        return not self.steps or self.max_size is None or not larger_than(f, self.max_size)

    def choose(self, row: int, contains: bool, short: bool) -> str:
        """"work" (a worked step), "compute" (the derivative alone) or "zero" (0, as
        the function does not contain the variable)."""
        work = self.steps and self.worked < self.limit
        if not contains and (self.skip_zeros or not work):
            self.zeros += self.steps and self.skip_zeros
            return "zero"
        if work and not short:
            self.long[row] = self.long.get(row, 0) + 1
            return "compute" if contains else "zero"
        if not work:
            self.not_worked += self.steps
            return "compute"
        self.worked += 1
        return "work"

    def notes(self) -> list[Step]:
        out = []
        if self.zeros:
            out.append(zero_note(self.zeros))
        if self.long:
            count, rows = sum(self.long.values()), sorted(self.long)
            which = ", ".join(f"f{_sub(i)}" for i in rows[:6]) + (", …" if len(rows) > 6 else "")
            out.append(Step(
                kind="note",
                text=(f"{count} partial derivatives of {len(rows)} long "
                      f"function{'s' if len(rows) > 1 else ''} ({which}; more than "
                      f"{self.max_size:,} symbols, numbers and operations) are computed but "
                      "not worked"
                      + ("; use --all-steps to work them" if self.offers_all_steps else "")),
                data={"long": count, "long_functions": rows}))
        if self.not_worked:
            out.append(elided_note(self.not_worked, self.offers_all_steps))
        return out


def _sub(n: int) -> str:
    return str(n).translate(_SUBSCRIPT)


def _input_matrix(names: Sequence[str], input_shape: tuple[int, int], order: str) -> str:
    rows, cols = input_shape
    if order == "row":
        grid = [names[i * cols : (i + 1) * cols] for i in range(rows)]
    else:
        grid = [[names[j * rows + i] for j in range(cols)] for i in range(rows)]
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in grid) + "]"


def jacobian(
    functions: Sequence[se.Basic],
    variables: Sequence[se.Symbol],
    *,
    layout: str = "numerator",
    order: str = "row",
    input_shape: tuple[int, int] | None = None,
    output_shape: tuple[int, int] | None = None,
    steps: bool = True,
    max_entries: int | None = None,
    max_size: int | None = None,
) -> Derivation:
    """The Jacobian of symengine ``functions`` in symengine ``variables`` (flattened).

    The same Derivation as ``ops.jacobian.jacobian`` gives for the same input
    (entries equal as expressions, the same variable order, notes, warnings);
    with ``steps`` each partial derivative is worked by ``ops.faststeps``, as far as
    ``Plan(max_entries, max_size)`` says.
    """
    from symjac.engines.fast import Differentiator, LatexPrinter, TextPrinter, latex_matrix

    k, n = len(functions), len(variables)
    names = [v.name for v in variables]
    diff, text = Differentiator(), TextPrinter()
    tex = LatexPrinter()
    plan = Plan(k * n, steps, max_entries, max_size)
    stepper = None
    if steps:
        from symjac.ops.faststeps import Stepper

        stepper = Stepper(diff, text, tex)
    text_rows: list[tuple[str, ...]] = []
    latex_rows: list[tuple[str, ...]] = []
    partials: list[Step] = []
    used: set[str] = set()
    underived: list[tuple[str, int, int]] = []
    column = {x: j for j, x in enumerate(variables)}
    for i, f in enumerate(functions):
        free = f.free_symbols
        used |= {s.name for s in free}
        if stepper is None:
            # No steps: only the variables f contains are differentiated (a large
            # system is sparse), and the rest of the row is 0.
            row, latex_row = ["0"] * n, ["0"] * n
            for j in sorted(column[x] for x in free if x in column):
                d = diff(f, variables[j])
                row[j], latex_row[j] = text(d), tex(d)
                if "Derivative(" in row[j]:
                    from symjac.engines.fast import underived as underived_names

                    pos = (i + 1, j + 1) if layout == "numerator" else (j + 1, i + 1)
                    underived.extend((nm, *pos) for nm in underived_names(d))
            # Tuples at once: a 1000×1000 system holds no second copy of its rows.
            text_rows.append(tuple(row))
            latex_rows.append(tuple(latex_row))
            continue
        row, latex_row = [], []
        short = plan.short(f)
        for j, x in enumerate(variables):
            pos = (i + 1, j + 1) if layout == "numerator" else (j + 1, i + 1)
            how = plan.choose(i + 1, x in free, short)
            if how == "zero":
                row.append("0")
                latex_row.append("0")
                continue
            if how == "work":
                step = stepper.partial(f, x, i + 1, j + 1, pos)
                partials.append(step)
                row.append(step.chain[-1])
                latex_row.append(step.latex_chain[-1])
                d = None
            else:
                d = diff(f, x)
                row.append(text(d))
                latex_row.append(tex(d))
            if "Derivative(" in row[-1]:
                from symjac.engines.fast import underived as underived_names

                d = diff(f, x) if d is None else d
                underived.extend((nm, *pos) for nm in underived_names(d))
        text_rows.append(tuple(row))
        latex_rows.append(tuple(latex_row))
    if layout == "denominator":
        text_rows = list(zip(*text_rows, strict=True))
        latex_rows = list(zip(*latex_rows, strict=True))
    all_steps = [*partials, *plan.notes()]
    rows, cols = (k, n) if layout == "numerator" else (n, k)
    warnings = unused_warnings(names, used, layout)
    warnings += [underived_warning(nm, r, c) for nm, r, c in sorted(underived, key=_pos)[:5]]
    return Derivation(
        command="jacobian",
        summary=statement(k, n, names, layout),
        result=Result(
            shape=(rows, cols),
            matrix=tuple(text_rows),
            latex=latex_matrix(latex_rows),
            latex_entries=tuple(latex_rows),
        ),
        steps=tuple(all_steps),
        label="∇f",
        variables=tuple(names),
        notes=tuple(jacobian_notes(k, names, order, input_shape, output_shape)),
        warnings=tuple(warnings),
        extra={"layout": layout, "order": order,
               "input_shape": None if input_shape is None else list(input_shape),
               "output_shape": None if output_shape is None else list(output_shape)},
    )


def _pos(item: tuple[object, int, int]) -> tuple[int, int]:
    return item[1], item[2]
