"""JSON: one object on stdout, as DESIGN.md specifies.

Every result states its sparsity: ``result.nnz``, the number of entries that
are not 0. With ``sparse`` (``--sparse``) the result holds only those
entries, as ``result.entries``: ``[row, column, entry]`` with 0-based row and
column, in row-major order (the nonzero pattern is their first two items);
``matrix``, ``latex`` and ``latex_entries`` are left out, so a large sparse
Jacobian is written, and held, at the size of its nonzeros.
"""

from __future__ import annotations

from typing import Any

from symjac.core.model import Derivation, Result
from symjac.render.base import Renderer
from symjac.render.safe import dumps

__all__ = ["JsonRenderer", "dumps", "nonzeros"]


def nonzeros(result: Result) -> list[list[Any]]:
    """[row, column, entry] of every entry that is not 0, row-major, 0-based."""
    return [[i, j, entry] for i, row in enumerate(result.matrix)
            for j, entry in enumerate(row) if entry != "0"]


class JsonRenderer(Renderer):
    def __init__(self, sparse: bool = False):
        self.sparse = sparse

    def render(self, d: Derivation, steps: bool = True) -> str:
        result = d.result
        if result is None:
            obj = d.to_dict()
        elif self.sparse:
            from dataclasses import replace  # loaded for --sparse alone: 1.2 ms of a start

            # The result's dict is built from its nonzeros alone, never whole.
            obj = replace(d, result=None).to_dict()
            entries = nonzeros(result)
            obj["result"] = {"shape": list(result.shape), "nnz": len(entries),
                             "entries": entries, **result.extra}
        else:
            obj = d.to_dict()
            written = obj["result"]
            assert written is not None  # d.result is not None
            written["nnz"] = sum(entry != "0" for row in result.matrix for entry in row)
        if not steps:
            obj["steps"] = []
        return dumps(obj)
