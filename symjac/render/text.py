"""Plain text for pipes and files: Unicode, no colour, no markup."""

from __future__ import annotations

import textwrap

from symjac.core.model import Derivation, Result, Step
from symjac.language.printing import grid, sub, uni
from symjac.render.base import Renderer

MAX_SHOWN_ENTRIES = 400  # a larger result is summarised; JSON has every entry


def labelled_matrix(label: str, result: Result) -> str:
    """`A·B = ⎡29⎤ ...`, the label on the middle line of the bracketed matrix."""
    rows, cols = result.shape
    if rows * cols > MAX_SHOWN_ENTRIES:
        return (
            f"{label} is {rows}×{cols} ({rows * cols:,} entries): too large to show here; "
            "use --format json for every entry"
        )
    if rows * cols == 1:
        return f"{label} = {uni(result.matrix[0][0])}"
    lines = grid(result.matrix).splitlines()
    head = f"{label} = "
    mid = (len(lines) - 1) // 2  # the upper middle: a 2-row matrix is labelled on its top row
    pad = " " * len(head)
    return "\n".join((head if i == mid else pad) + line for i, line in enumerate(lines))


def at_values(mismatch) -> str:
    """' at y = 2' for a mismatch found at one value of the index variables."""
    at = mismatch.get("at")
    return " at " + ", ".join(f"{k} = {v}" for k, v in at.items()) if at else ""


def counterexample(mismatch, expected: str = "expected", got: str = "got") -> str:
    """'; at x = 1/2: yours is 2.5, it is 1.5' for a difference found at a point (at most
    4 significant digits and 3 variables). ``expected``/``got`` are no longer used."""
    from symjac.ops.compare import counterexample_text

    if mismatch.get("point") is None:
        return f" ({mismatch['note']})" if mismatch.get("outcome") == "undecided" and \
            mismatch.get("note") else ""
    return "; " + counterexample_text(mismatch)


def tags(mistakes) -> str:
    """'  [transpose]': the named mistakes' tags, as `check` shows them."""
    return "  [" + ", ".join(m["tag"] for m in mistakes) + "]" if mistakes else ""


MAX_SHOWN_MISMATCHES = 3  # wrong entries said in text; JSON has them all


def mismatch_lines(mismatches, mistakes=()) -> list[str]:
    """What is said of each wrong entry ("you wrote 72; entry (3, 2) of A·B is 73"), the
    first three and how many more; none when a named mistake already explains the
    answer (the JSON keeps every entry)."""
    if mistakes:
        return []
    from symjac.ops.compare import mismatch_text

    said = [m.get("message") or mismatch_text(m) for m in mismatches]
    if len(said) > MAX_SHOWN_MISMATCHES + 1:
        more = len(said) - MAX_SHOWN_MISMATCHES
        said = [*said[:MAX_SHOWN_MISMATCHES], f"... and {more} more entries"]
    return said


def string_grid(rows) -> list[str]:
    """A bracketed matrix from entries already written as strings (steps keep no sympy)."""
    cells = [[uni(c) for c in row] for row in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(cells[0]))]
    out = []
    for i, row in enumerate(cells):
        body = "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True))
        if len(cells) == 1:
            left, right = "[", "]"
        else:
            left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == len(cells) - 1 else "⎢⎥"
        out.append(f"{left}{body}{right}")
    return out


def entry_list(label: str, result: Result) -> str:
    """The result entry by entry, for a matrix too wide to draw."""
    rows, cols = result.shape
    lines = [f"{label} is {rows}×{cols}; entry by entry:"]
    lines += [
        f"  ({i + 1},{j + 1}) = {uni(result.matrix[i][j])}"
        for i in range(rows)
        for j in range(cols)
    ]
    return "\n".join(lines)


class TextRenderer(Renderer):
    indent = "  "

    def render(self, d: Derivation, steps: bool = True) -> str:
        parts = [f"read as: {d.reading}"] if d.reading else []
        parts += [d.summary]
        parts += list(d.notes)
        if steps and d.steps:
            parts.append("")
            parts += self.render_steps(d)
        head = d.extra.get("headline")
        if head:
            parts += ["", head["text"]] + ([head["note"]] if head.get("note") else [])
        if d.result is not None:
            label = head["entries_label"] if head else (d.label or "result")
            parts += ["", labelled_matrix(label, d.result)]
        if d.check is not None:
            parts += ["", self.render_check(d)]
        return "\n".join(parts)

    def render_check(self, d: Derivation) -> str:
        check = d.check
        assert check is not None  # called only when there is one
        if check.passed:
            return "check: passed" + (f" ({check.message})" if check.message else "")
        verdict = "UNDECIDED" if check.outcome == "undecided" else "FAILED"
        lines = [f"check: {verdict}" + (f" ({check.message})" if check.message else "")
                 + tags(check.mistakes)]
        lines += [self.indent + text for text in mismatch_lines(check.mismatches, check.mistakes)]
        return "\n".join(lines)

    def _render_product(self, step: Step) -> str:
        left, right = step.data["left"], step.data["right"]
        return f"{step.data['product']}: entry (i,j) is row i of {left} · column j of {right}"

    def _render_entry(self, step: Step) -> str:
        assert step.index is not None  # an entry step has its index
        i, j = step.index
        return f"{self.indent}({i},{j})  " + " = ".join(uni(s) for s in step.chain)

    def _render_note(self, step: Step) -> str:
        return self.indent + step.text

    def render_steps(self, d: Derivation) -> list:
        self._columns = partial_columns(d)
        return super().render_steps(d)

    def _render_partial(self, step: Step) -> str:
        """∂f₂/∂y = ∂/∂y (5·x + cos(y)²) = 2·cos(y)·(-sin(y))  [rules]; later forms below.

        Heads, forms and rules line up in columns across the entries, as in
        a worked solution.
        """
        head, stages = partial_parts(step)
        head_w, form_w = getattr(self, "_columns", (0, 0))
        head = head.ljust(head_w)
        lines = []
        pad = " " * (len(self.indent) + len(head) + 1)
        for k, (form, rule) in enumerate(stages):
            lead = f"{self.indent}{head} = " if k == 0 else f"{pad}= "
            lines.append(f"{lead}{form.ljust(form_w)}  [{rule}]")
        return "\n".join(lines)

    def _render_default(self, step: Step) -> str:
        return textwrap.indent(step.text, self.indent)

    # grad and derive
    def _grid(self, step: Step, depth: int = 2) -> str:
        pad = self.indent * depth
        return "\n".join(pad + line for line in string_grid(step.data["matrix"]))

    def _render_where(self, step: Step) -> str:
        return self.indent + step.text

    def _render_chain(self, step: Step) -> str:
        return textwrap.indent(step.text, self.indent)

    def _render_local_jacobian(self, step: Step) -> str:
        text = textwrap.indent(step.text, self.indent)
        if "\n" in step.text or "matrix" not in step.data:
            return text  # a row written entry by entry
        return text + "\n" + self._grid(step)

    def _render_jacobian_row(self, step: Step) -> str:
        return self.indent + step.text + "\n" + self._grid(step)

    def _render_assemble(self, step: Step) -> str:
        return self.indent + step.text

    def _render_part(self, step: Step) -> str:
        return "\n" + step.text

    def _render_closed_link(self, step: Step) -> str:
        return self.indent + step.text

    def _render_equation(self, step: Step) -> str:
        return textwrap.indent(step.text, self.indent)

    def _render_entry_partial(self, step: Step) -> str:
        return self.indent + uni(step.text)

    def _render_verify(self, step: Step) -> str:
        return "\n" + ("✓ " if step.data.get("passed") else "✗ ") + step.text


def partial_parts(step: Step) -> tuple[str, list[tuple[str, str]]]:
    """A partial step as its head `∂f₁/∂x = ∂/∂x (x³·y)` and [(form, rule)] per stage."""
    d = step.data
    head = f"∂f{sub(d['output'])}/∂{d['wrt']} = ∂/∂{d['wrt']} ({uni(d['of'])})"
    rules = d.get("stage_rules") or [", ".join(step.rules)] * len(step.chain)
    return head, [
        (uni(form), shown_rules(rule)) for form, rule in zip(step.chain, rules, strict=False)
    ]


def shown_rules(rules: str) -> str:
    """Rules as shown: 'constant' and 'identity' only when nothing else applies.

    JSON keeps every rule; on screen they are noise beside the rule that matters
    (∂/∂y x³·y is 'constant multiple', not 'constant multiple, identity').
    """
    names = rules.split(", ")
    kept = [r for r in names if r not in ("constant", "identity")]
    return ", ".join(kept or names)


MAX_FORM_COLUMN = 40  # a longer worked form pushes its own rules right, not everyone's
MAX_HEAD_COLUMN = 48  # likewise for a long function in ∂/∂x (...)


def partial_columns(d: Derivation) -> tuple[int, int]:
    """Widths of the head and form columns of a Jacobian's partial steps."""
    heads, forms = [0], [0]
    for step in d.steps:
        if step.kind == "partial":
            head, stages = partial_parts(step)
            if len(head) <= MAX_HEAD_COLUMN:
                heads.append(len(head))
            forms += [len(f) for f, _ in stages if len(f) <= MAX_FORM_COLUMN]
    return max(heads), max(forms)
