"""Markdown (the worksheet's style) and LaTeX (ready to paste into a document)."""

from __future__ import annotations

import re
from typing import Any

from symjac.core.model import Derivation, Step
from symjac.render.base import Renderer
from symjac.render.safe import html, latex_text, latex_unicode, md_code
from symjac.render.text import counterexample

__all__ = ["LatexRenderer", "MarkdownRenderer", "bmatrix", "latex_text", "undefined"]


def bmatrix(rows: list[list[str]]) -> str:
    body = " \\\\ ".join(" & ".join(row) for row in rows)
    return f"\\begin{{bmatrix}} {body} \\end{{bmatrix}}"


_MATRIX_EDGE = re.compile(r"\\(begin|end)\{[bpvBV]?matrix\}")
_ROW_BREAK = re.compile(r"(?<!\\)\\\\(?!\[)")
FRACTION_ROW_GAP = "6pt"


def spaced_fractions(tex: str) -> str:
    """Rows of a matrix holding fractions get room to breathe (\\\\[6pt]): the template
    ∂fᵢ/∂xⱼ would otherwise touch the row below. Every matrix of the output, wherever
    it was written (ops' steps, the renderers), is laid out by this one rule.

    A row break is spaced when the outermost matrix around it holds a fraction
    anywhere (nested matrices included). One pass over the text: the pendulum's
    42 MB of LaTeX took 3 s with a search for innermost matrices, repeated.
    """
    if "frac" not in tex or "matrix}" not in tex:
        return tex
    out: list[str] = []
    done = depth = 0  # tex[:done] is written; depth: matrices open
    start = 0
    for m in _MATRIX_EDGE.finditer(tex):
        if m.group(1) == "begin":
            if depth == 0:
                start = m.start()
            depth += 1
        elif depth:  # an \end without its \begin is text
            depth -= 1
            if depth == 0:
                body = tex[start:m.end()]
                if "\\frac" in body or "\\dfrac" in body:
                    out += [tex[done:start],
                            _ROW_BREAK.sub(lambda _: f"\\\\[{FRACTION_ROW_GAP}]", body)]
                    done = m.end()
    out.append(tex[done:])
    return "".join(out)


class MarkdownRenderer(Renderer):
    solution = "**Solution:** "

    def display(self, math: str) -> str:
        return f"$${math}$$"

    def para(self, text: str) -> str:
        return html(text, multiline=True)

    def code(self, text: Any) -> str:
        return md_code(text)

    def render(self, d: Derivation, steps: bool = True) -> str:
        parts = [self.para(f"Read as: {d.reading}")] if d.reading else []
        parts.append(self.solution_line(d))
        if d.extra.get("notes_tex") is not None:
            parts += list(d.extra["notes_tex"])  # written by symjac in LaTeX, not user text
        else:
            parts += [self.para(n) for n in d.notes]
        if steps:
            parts += self.render_steps(d)
        head = d.extra.get("headline")
        shown = {s.latex for s in d.steps} if steps else set()
        if head and head.get("latex"):
            if head["latex"] not in shown:  # a step may have shown it already: once only
                parts.append(self.display(head["latex"]))
            parts.append(self.para(head["note"].lstrip("✓ ")))
        elif head:
            parts.append(self.para(head["text"]))
        if head and d.result is not None:
            parts.append(self.para(head["entries_label"] + ":"))
        if d.result is not None and not (steps and self._shown_as_stages(d)):
            rows = [list(r) for r in _latex_rows(d)]
            parts.append(self.display(f"{self.label(d)} = {bmatrix(rows)}"))
        if d.check is not None:
            verdict = "passed" if d.check.passed else (
                "undecided" if d.check.outcome == "undecided" else "failed")
            parts.append(self.para(f"Check: {verdict}. {d.check.message}".strip()))
            for m in d.check.mismatches:
                parts.append(
                    self.para(f"- entry {m.get('index')}{_at(m)}: expected ")
                    + self.code(m.get("expected")) + self.para(", got ") + self.code(m.get("got"))
                    + self.para(counterexample(m))
                )
        return self.finish("\n\n".join(p for p in parts if p) + "\n")

    def finish(self, out: str) -> str:
        """The whole output, as this format's readers need it."""
        return spaced_fractions(out)

    def solution_line(self, d: Derivation) -> str:
        if d.extra.get("summary_tex"):
            return self.solution + d.extra["summary_tex"]
        return self.solution + d.summary + ("" if d.summary.endswith(".") else ".")

    def label(self, d: Derivation) -> str:
        if d.extra.get("label_latex"):
            return d.extra["label_latex"]
        return (d.label or "").replace("·", " \\cdot ").replace("∇", "\\nabla ")

    # matmul: the worksheet's matrix of products = matrix of values = result
    def render_steps(self, d: Derivation) -> list:
        if any(s.kind == "partial" for s in d.steps):
            return self._jacobian_steps(d)
        out = []
        groups = _group_products(d.steps)
        for head, entries, rest in groups:
            if head is None:
                out += [r for s in rest if (r := self._dispatch(s)) is not None]
                continue
            out.append(self.para(self._product_sentence(head)))
            if _complete(head, entries):
                out.append(self.display(_stage_matrices(head, entries)))
            else:
                out += [self.display(f"({e.index[0]},{e.index[1]}):\\; {e.latex}") for e in entries]
            out += [r for s in rest if (r := self._dispatch(s)) is not None]
        return out

    def _dispatch(self, step: Step):
        method = getattr(self, f"_render_{step.kind.replace('-', '_')}", self._render_default)
        return method(step)

    def _product_sentence(self, head: Step) -> str:
        d = head.data
        return (
            f"Each entry of {d['product']} is a row of {d['left']} times a column of {d['right']}."
        )

    def _shown_as_stages(self, d: Derivation) -> bool:
        if any(s.kind == "partial" for s in d.steps):
            # At a point the result (a value) differs from the last stage shown.
            return _partials_complete(d) and not d.extra.get("at")
        groups = [g for g in _group_products(d.steps) if g[0] is not None]
        return len(groups) == 1 and _complete(groups[0][0], groups[0][1])

    # jacobian: the worksheet's matrix of ∂f_i/∂x_j = the worked forms = the result
    def _jacobian_steps(self, d: Derivation) -> list:
        out = []
        shape_in = d.extra.get("input_shape")
        if shape_in and min(shape_in) > 1 and d.variables:
            # The worksheet shows the flattened input as a column.
            out.append(self.display(bmatrix([[_var_latex(v)] for v in d.variables])))
        partials = [s for s in d.steps if s.kind == "partial"]
        if _partials_complete(d) and d.result is not None:
            rows, cols = d.result.shape
            depth = max(len(s.latex_chain) for s in partials)
            symbols = [["" for _ in range(cols)] for _ in range(rows)]
            grids = [[["" for _ in range(cols)] for _ in range(rows)] for _ in range(depth)]
            for s in partials:
                assert s.index is not None  # a partial has its (i, j)
                i, j = s.index[0] - 1, s.index[1] - 1
                symbols[i][j] = _partial_latex(s.data["output"], s.data["wrt"])
                for k in range(depth):
                    grids[k][i][j] = s.latex_chain[min(k, len(s.latex_chain) - 1)]
            lines = [f"\\nabla \\mathbf{{f}} &= {bmatrix(symbols)}"]
            lines += [f"&= {bmatrix(g)}" for g in grids]
            out.append(self.display("\\begin{aligned} " + " \\\\ ".join(lines) + " \\end{aligned}"))
            out.append(
                "Rules: "
                + "; ".join(
                    f"${_partial_latex(s.data['output'], s.data['wrt'], inline=True)}$: "
                    + _shown_rules(s)
                    for s in partials
                )
                + "."
            )
        else:
            out += [self._render_partial(s) for s in partials]
        out += [r for s in d.steps if s.kind != "partial" and (r := self._dispatch(s)) is not None]
        return out

    def _render_partial(self, step: Step):
        return self.display(f"{step.latex} \\quad \\text{{({_shown_rules(step)})}}")

    def _render_default(self, step: Step):
        if step.latex:
            return self.display(step.latex)
        return self.para(step.text)


    # grad and derive: sentences come with LaTeX written by symjac (data["tex"])
    def tex_para(self, step: Step) -> str:
        tex = step.data.get("tex")
        return tex if tex else self.para(step.text)

    def bold(self, s: str) -> str:
        return f"**{s}**"

    def _with_display(self, step: Step) -> str:
        parts = [self.tex_para(step)] if step.data.get("tex") else []
        if step.latex:
            parts.append(self.display(step.latex))
        return "\n\n".join(parts)

    def _render_where(self, step: Step) -> str:
        return self.display(step.latex)

    def _render_chain(self, step: Step) -> str:
        tex = step.data.get("tex") or "By the chain rule, with the shape of each factor:"
        return tex + "\n\n" + self.display(step.latex)

    _render_local_jacobian = _with_display
    def _render_closed_link(self, step: Step) -> str:
        # the rules are plain words (Unicode), written as a paragraph of this format
        parts = [self.tex_para(step)] if step.data.get("tex") else []
        if step.data.get("rules_text"):
            parts.append(self.para(step.data["rules_text"]))
        parts.append(self.display(step.latex))
        return "\n\n".join(parts)
    _render_jacobian_row = _with_display
    _render_assemble = _with_display
    _render_equation = _with_display

    def _render_part(self, step: Step) -> str:
        label = step.data.get("label", "")
        return f"{self.bold(label) if label else ''} {step.data.get('tex', '')}".strip()

    def _render_note(self, step: Step) -> str:
        return self.tex_para(step)

    def _render_verify(self, step: Step) -> str:
        return self.tex_para(step)


class LatexRenderer(MarkdownRenderer):
    solution = "\\textbf{Solution:} "

    def bold(self, s: str) -> str:
        return f"\\textbf{{{s}}}"

    def display(self, math: str) -> str:
        return f"\\[ {math} \\]"

    def para(self, text: str) -> str:
        return latex_text(text, multiline=True)

    def code(self, text: Any) -> str:
        return f"\\texttt{{{latex_text(text)}}}"

    def solution_line(self, d: Derivation) -> str:
        if d.extra.get("summary_tex"):
            return self.solution + d.extra["summary_tex"]
        return self.solution + latex_text(d.summary) + ("" if d.summary.endswith(".") else ".")

    def finish(self, out: str) -> str:
        """Matrices of fractions spaced, and no character the fonts lack (pdflatex sets
        ASCII macros only: every Unicode character through render.safe.latex_unicode)."""
        return latex_unicode(spaced_fractions(out))


def undefined(error, fmt: str) -> str:
    """An undefined answer as the worksheet words 1(a): a Solution line, then any hints."""
    r = MarkdownRenderer() if fmt == "markdown" else LatexRenderer()
    message = str(error)
    parts = [r.solution + r.para(message + ("" if message.endswith(".") else "."))]
    parts += [r.para(f"Hint: {h}.") for h in getattr(error, "hints", ())]
    return r.finish("\n\n".join(parts) + "\n")


def _at(m) -> str:
    at = m.get("at")
    return " at " + ", ".join(f"{k} = {v}" for k, v in at.items()) if at else ""


def _latex_rows(d: Derivation) -> list[list[str]]:
    assert d.result is not None  # only a result's rows are asked for
    if d.result.latex_entries:
        return [list(r) for r in d.result.latex_entries]
    return [list(r) for r in d.result.matrix]


def _group_products(steps):
    """[(product step or None, its entry steps, the other steps after it)]."""
    groups: list = []
    for s in steps:
        if s.kind == "product":
            groups.append((s, [], []))
        elif s.kind == "entry" and groups and groups[-1][0] is not None:
            groups[-1][1].append(s)
        else:
            if not groups:
                groups.append((None, [], []))
            groups[-1][2].append(s)
    return groups


def _product_shape(head: Step) -> tuple[int, int]:
    """A matmul "product" step's [rows, cols] (a derive "chain" step's shape is text)."""
    shape = head.data["shape"]
    assert not isinstance(shape, str)
    return shape[0], shape[1]


def _complete(head: Step, entries: list[Step]) -> bool:
    rows, cols = _product_shape(head)
    return len(entries) == rows * cols


def _stage_matrices(head: Step, entries: list[Step]) -> str:
    rows, cols = _product_shape(head)
    depth = max(len(e.latex_chain) for e in entries)
    mats = []
    for k in range(depth):
        grid = [["" for _ in range(cols)] for _ in range(rows)]
        for e in entries:
            assert e.index is not None  # an entry step has its (i, j)
            chain = e.latex_chain
            grid[e.index[0] - 1][e.index[1] - 1] = chain[min(k, len(chain) - 1)]
        mats.append(bmatrix(grid))
    return " = ".join(mats)


def _partials_complete(d: Derivation) -> bool:
    if d.result is None:
        return False
    rows, cols = d.result.shape
    return sum(s.kind == "partial" for s in d.steps) == rows * cols


def _var_latex(name: str) -> str:
    from symjac.language.printing import latex_name

    return latex_name(name)


def _partial_latex(i: int, wrt: str, inline: bool = False) -> str:
    if inline:
        return f"\\partial f_{{{i}}} / \\partial {_var_latex(wrt)}"
    return f"\\frac{{\\partial f_{{{i}}}}}{{\\partial {_var_latex(wrt)}}}"


def _shown_rules(step: Step) -> str:
    from symjac.render.text import shown_rules

    return shown_rules(", ".join(step.rules))
