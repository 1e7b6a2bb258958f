"""The base of every renderer: steps dispatched by kind, as sympy's printers dispatch
``_print_<Class>``."""

from __future__ import annotations

from typing import Any

from symjac.core.model import Derivation


class Renderer:
    """Dispatches steps by kind; subclasses write ``_render_<kind>`` methods."""

    def render(self, d: Derivation, steps: bool = True) -> Any:
        raise NotImplementedError

    def render_steps(self, d: Derivation) -> list[Any]:
        out = []
        for step in d.steps:
            method = getattr(self, f"_render_{step.kind.replace('-', '_')}", self._render_default)
            rendered = method(step)
            if rendered is not None:
                out.append(rendered)
        return out

    def _render_default(self, step: Any) -> Any:
        return step.text
