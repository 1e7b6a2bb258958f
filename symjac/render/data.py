"""JSON: one object on stdout, as DESIGN.md specifies."""

from __future__ import annotations

import json

from symjac.model import Derivation
from symjac.render import Renderer

ROWS_ON_ONE_LINE = 100  # a matrix with more entries is written one row per line


def dumps(obj) -> str:
    """Indented JSON; a large matrix one row per line, by the C encoder.

    ``indent`` makes json use its pure-Python encoder, which for a 200×200
    Jacobian takes longer than computing it; the rows of a large matrix are
    encoded compactly and put in place, so the text stays readable.
    """
    rows: list[list] = []

    def swap(o):
        if isinstance(o, dict):
            return {k: swap(v) for k, v in o.items()}
        if isinstance(o, list):
            if o and all(isinstance(r, list) for r in o) and sum(map(len, o)) > ROWS_ON_ONE_LINE:
                rows.append(o)
                return f"\0{len(rows) - 1}\0"
            return [swap(v) for v in o]
        return o

    text = json.dumps(swap(obj), ensure_ascii=False, indent=2)
    for k, matrix in enumerate(rows):
        token = json.dumps(f"\0{k}\0")
        at = text.index(token)
        line = text[text.rindex("\n", 0, at) + 1 : at]
        pad = " " * (len(line) - len(line.lstrip()) + 2)
        body = (",\n" + pad).join(json.dumps(r, ensure_ascii=False) for r in matrix)
        text = text[:at] + "[\n" + pad + body + "\n" + pad[:-2] + "]" + text[at + len(token):]
    return text


class JsonRenderer(Renderer):
    def render(self, d: Derivation, steps: bool = True) -> str:
        obj = d.to_dict()
        if not steps:
            obj["steps"] = []
        return dumps(obj)
