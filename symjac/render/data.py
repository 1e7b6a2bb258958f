"""JSON: one object on stdout, as DESIGN.md specifies."""

from __future__ import annotations

import json

from symjac.model import Derivation
from symjac.render import Renderer


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2)


class JsonRenderer(Renderer):
    def render(self, d: Derivation, steps: bool = True) -> str:
        obj = d.to_dict()
        if not steps:
            obj["steps"] = []
        return dumps(obj)
