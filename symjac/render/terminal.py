"""The rich view for a terminal: colour shows which row and column make an entry."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from symjac.core.model import Derivation, Step
from symjac.language.printing import uni
from symjac.render.base import Renderer
from symjac.render.text import (
    entry_list,
    labelled_matrix,
    mismatch_lines,
    partial_columns,
    partial_parts,
    string_grid,
    tags,
)

ROW, COL = "bold cyan", "bold magenta"


class RichRenderer(Renderer):
    def render(self, d: Derivation, steps: bool = True) -> Group:
        parts: list = [Text(f"read as: {d.reading}", style="yellow")] if d.reading else []
        parts.append(Text(d.summary, style="bold"))
        parts += [Text(n) for n in d.notes]
        if steps and d.steps:
            parts.append(Text(""))
            parts += self.render_steps(d)
        head = d.extra.get("headline")
        if head:
            parts += [Text(""), Text(head["text"], style="bold")]
            if head.get("note"):
                parts.append(Text(head["note"], style="green"))
        if d.result is not None:
            label = head["entries_label"] if head else (d.label or "result")
            parts += [Text(""), _Fitted(label, d.result)]
        if d.check is not None:
            parts += [Text(""), self.render_check(d)]
        return Group(*parts)

    def render_check(self, d: Derivation) -> Text:
        check = d.check
        assert check is not None  # called only when there is one
        if check.passed:
            return Text("✓ check passed" + (f": {check.message}" if check.message else ""),
                        style="bold green")
        verdict = "undecided" if check.outcome == "undecided" else "failed"
        t = Text(f"✗ check {verdict}" + (f": {check.message}" if check.message else "")
                 + tags(check.mistakes), style="bold red")
        for text in mismatch_lines(check.mismatches, check.mistakes):
            t.append(f"\n  {text}")
        return t

    def _render_product(self, step: Step) -> Text:
        left, right = step.data["left"], step.data["right"]
        t = Text(f"{step.data['product']}: entry (i,j) is ")
        t.append(f"row i of {left}", style=ROW)
        t.append(" · ")
        t.append(f"column j of {right}", style=COL)
        return t

    def _render_entry(self, step: Step) -> Text:
        assert step.index is not None  # an entry step has its index
        i, j = step.index
        t = Text()
        t.append(f"  ({i},{j})  ", style="dim")
        for k, (a, b) in enumerate(step.data.get("pairs", ())):
            if k:
                t.append(" + ")
            t.append(uni(a), style=ROW)
            t.append("·")
            t.append(uni(b), style=COL)
        for stage in step.chain[1:-1]:
            t.append(" = " + uni(stage))
        t.append(" = ")
        t.append(uni(step.chain[-1]), style="bold")
        return t

    def render_steps(self, d: Derivation) -> list:
        self._columns = partial_columns(d)
        return super().render_steps(d)

    def _render_partial(self, step: Step) -> Text:
        head, stages = partial_parts(step)
        head_w, form_w = getattr(self, "_columns", (0, 0))
        head = head.ljust(head_w)
        name, _, rest = head.partition(" = ")
        t = Text("  ")
        t.append(name, style=ROW)
        t.append(f" = {rest}")
        pad = " " * (2 + len(head))
        for k, (form, rule) in enumerate(stages):
            if k:
                t.append(f"\n{pad}")
            t.append(" = ")
            t.append(form, style="bold" if k == len(stages) - 1 else "")
            t.append(" " * (form_w - len(form)) + f"  {rule}", style="dim italic")
        return t

    def _render_note(self, step: Step) -> Text:
        return Text("  " + step.text, style="yellow")

    def _render_default(self, step: Step) -> Text:
        return Text("  " + step.text)

    # grad and derive
    def _grid(self, step: Step) -> str:
        return "\n".join("    " + line for line in string_grid(step.data["matrix"]))

    def _render_where(self, step: Step) -> Text:
        return Text("  " + step.text, style="dim")

    def _render_chain(self, step: Step) -> Text:
        return Text("\n  " + step.text.replace("\n", "\n  "), style="bold cyan")

    def _render_local_jacobian(self, step: Step) -> Text:
        head, _, rest = step.text.partition("\n")
        t = Text("  " + head, style=COL)
        if rest:
            t.append("\n  " + rest.replace("\n", "\n  "))
        elif "matrix" in step.data:
            t.append("\n" + self._grid(step))
        return t

    def _render_jacobian_row(self, step: Step) -> Text:
        t = Text("  " + step.text, style=ROW)
        t.append("\n" + self._grid(step))
        return t

    def _render_assemble(self, step: Step) -> Text:
        return Text("  " + step.text, style="bold")

    def _render_part(self, step: Step) -> Text:
        label = step.data.get("label", "")
        t = Text("\n" + label, style="bold")
        t.append(step.text[len(label):])
        return t

    def _render_equation(self, step: Step) -> Text:
        return Text("  " + step.text.replace("\n", "\n  "))

    def _render_entry_partial(self, step: Step) -> Text:
        head, _, value = step.text.partition(" = ")
        t = Text("  " + head + " = ", style=COL)
        t.append(uni(value))
        return t

    def _render_verify(self, step: Step) -> Text:
        ok = step.data.get("passed")
        return Text("\n" + ("✓ " if ok else "✗ ") + step.text,
                    style="bold green" if ok else "bold red")


class _Fitted:
    """The bracketed result when it fits the console; else its entries, one per line.

    A wrapped matrix loses its columns, so it is never wrapped.
    """

    def __init__(self, label: str, result):
        self.label, self.result = label, result

    def __rich_console__(self, console, options):
        from rich.cells import cell_len

        block = labelled_matrix(self.label, self.result)
        if max(cell_len(line) for line in block.splitlines()) <= options.max_width:
            yield Text(block, style="bold", no_wrap=True, overflow="ignore")
        else:
            yield Text(entry_list(self.label, self.result), style="bold")
