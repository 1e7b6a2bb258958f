"""The worksheet's problem 1 through the library API (more in test_matmul)."""

import pytest

from symjac import api
from symjac.core.errors import ShapeError


def test_worksheet_1b_chain_and_result():
    d = api.matmul("[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]")
    assert d.result.matrix == (("29",), ("5",), ("26",))
    first = [s for s in d.steps if s.kind == "entry"][0]
    assert first.chain == ("4*2 + 3*1 + 6*3", "8 + 3 + 18", "29")


def test_worksheet_1a_undefined_names_both_counts():
    with pytest.raises(ShapeError, match="2 columns but B has 3 rows"):
        api.matmul("[[1,6],[7,5]]", "[[3],[0],[2]]")


def test_worksheet_1c():
    d = api.matmul("[[0,6,5],[2,3,3],[5,7,8]]", "[[1,9],[1,4],[3,0]]")
    assert d.result.matrix == (("21", "24"), ("14", "30"), ("36", "73"))
