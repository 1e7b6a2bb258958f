"""One renderer per format, all reading the same Derivation, and the one decision of
which format a command writes (``resolve_format``).

Each renderer dispatches a step to ``_render_<kind>`` and falls back to
``_render_default``, as sympy's printers do with ``_print_<Class>``
(symjac.render.base). The command line reads FORMATS and resolve_format
before any work, so this module loads nothing more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from symjac.core.errors import InputError

if TYPE_CHECKING:  # the values load with the first renderer, not with the format names
    from symjac.core.model import Derivation
    from symjac.render.base import Renderer

__all__ = ["FORMATS", "render", "renderer", "resolve_format"]

FORMATS = ("auto", "rich", "text", "markdown", "latex", "json")
_BY_EXTENSION = {"md": "markdown", "markdown": "markdown", "tex": "latex", "json": "json"}


def resolve_format(fmt: str, output: str | None = None, standalone: bool = False,
                   terminal: bool = False) -> str:
    """The format a command writes: --format, else --standalone's LaTeX, else by -o's
    extension, else rich on a terminal (``terminal``) and text in a pipe. Rich output
    going to a file is text: a file gets no terminal escapes.

    --standalone with a format other than latex is an InputError (a usage error).
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    if standalone and fmt not in ("auto", "latex"):
        raise InputError(
            f"--standalone writes a LaTeX document; it cannot be used with --format {fmt}")
    to_file = output not in (None, "-")
    if standalone:
        return "latex"
    if fmt == "auto":
        if to_file:
            assert output is not None
            ext = output.rsplit(".", 1)[-1].lower() if "." in output else ""
            return _BY_EXTENSION.get(ext, "text")
        fmt = "rich" if terminal else "text"
    return "text" if fmt == "rich" and to_file else fmt


def renderer(fmt: str, sparse: bool = False) -> Renderer:
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

        return JsonRenderer(sparse=sparse)
    raise ValueError(f"unknown format {fmt!r}")


def render(derivation: Derivation, fmt: str, steps: bool = True, sparse: bool = False) -> Any:
    """A string, or for ``rich`` a renderable for a rich Console. ``sparse``: JSON holds
    the nonzero entries only (render.data)."""
    return renderer(fmt, sparse).render(derivation, steps=steps)
