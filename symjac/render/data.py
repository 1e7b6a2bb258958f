"""JSON: one object on stdout, as DESIGN.md specifies."""

from __future__ import annotations

from symjac.core.model import Derivation
from symjac.render.base import Renderer
from symjac.render.safe import dumps

__all__ = ["JsonRenderer", "dumps"]


class JsonRenderer(Renderer):
    def render(self, d: Derivation, steps: bool = True) -> str:
        obj = d.to_dict()
        if not steps:
            obj["steps"] = []
        return dumps(obj)
