"""One renderer per format, all reading the same Derivation.

Each renderer dispatches a step to ``_render_<kind>`` and falls back to
``_render_default``, as sympy's printers do with ``_print_<Class>``.
"""

from __future__ import annotations

from symjac.core.model import Derivation

TYPE_CHECKING = False  # typing is slow to import: only mypy reads these annotations
if TYPE_CHECKING:
    from typing import Any

FORMATS = ("auto", "rich", "text", "markdown", "latex", "json")


def renderer(fmt: str):
    if fmt == "text":
        from symjac.render.text import TextRenderer

        return TextRenderer()
    if fmt == "rich":
        from symjac.render.terminal import RichRenderer

        return RichRenderer()
    if fmt in ("markdown", "latex"):
        from symjac.render.math import LatexRenderer, MarkdownRenderer

        return MarkdownRenderer() if fmt == "markdown" else LatexRenderer()
    if fmt == "json":
        from symjac.render.data import JsonRenderer

        return JsonRenderer()
    raise ValueError(f"unknown format {fmt!r}")


def render(derivation: Derivation, fmt: str, steps: bool = True) -> Any:
    """A string, or for ``rich`` a renderable for a rich Console."""
    return renderer(fmt).render(derivation, steps=steps)


class Renderer:
    """Dispatches steps by kind; subclasses write ``_render_<kind>`` methods."""

    def render(self, d: Derivation, steps: bool = True) -> Any:
        raise NotImplementedError

    def render_steps(self, d: Derivation) -> list:
        out = []
        for step in d.steps:
            method = getattr(self, f"_render_{step.kind.replace('-', '_')}", self._render_default)
            rendered = method(step)
            if rendered is not None:
                out.append(rendered)
        return out

    def _render_default(self, step):
        return step.text
