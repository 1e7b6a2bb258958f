"""Golden files of the worksheet's problem 1, and the renderers' dispatch.

The golden files were read line by line against the worksheet
(seed/000_a2a5434e9771d97d.txt) when they were made; the markdown ones also
contain the worksheet's own display lines verbatim, checked below. To
regenerate after an intended change: `python tests/regen_golden.py`, then
read the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from regen_golden import CASES, GOLDEN, produce

from symjac import api
from symjac.core.model import Derivation, Result, Step
from symjac.render import render

# The worksheet's solution displays for 1(b) and 1(c), copied from the seed file.
WORKSHEET_1B = (
    r"$$\begin{bmatrix} 4 \cdot 2 + 3 \cdot 1 + 6 \cdot 3 \\ 2 \cdot 2 + 1 \cdot 1 + 0 \cdot 3 \\ "
    r"0 \cdot 2 + 5 \cdot 1 + 7 \cdot 3 \end{bmatrix} = \begin{bmatrix} 8 + 3 + 18 \\ 4 + 1 + 0 "
    r"\\ 0 + 5 + 21 \end{bmatrix} = \begin{bmatrix} 29 \\ 5 \\ 26 \end{bmatrix}$$"
)
WORKSHEET_1C = (
    r"$$\begin{bmatrix} 0 \cdot 1 + 6 \cdot 1 + 5 \cdot 3 & 0 \cdot 9 + 6 \cdot 4 + 5 \cdot 0 \\ "
    r"2 \cdot 1 + 3 \cdot 1 + 3 \cdot 3 & 2 \cdot 9 + 3 \cdot 4 + 3 \cdot 0 \\ 5 \cdot 1 + 7 "
    r"\cdot 1 + 8 \cdot 3 & 5 \cdot 9 + 7 \cdot 4 + 8 \cdot 0 \end{bmatrix} = \begin{bmatrix} "
    r"0 + 6 + 15 & 0 + 24 + 0 \\ 2 + 3 + 9 & 18 + 12 + 0 \\ 5 + 7 + 24 & 45 + 28 + 0 "
    r"\end{bmatrix} = \begin{bmatrix} 21 & 24 \\ 14 & 30 \\ 36 & 73 \end{bmatrix}$$"
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    path = GOLDEN / f"{name}.txt"
    assert path.exists(), f"missing {path}; run python tests/regen_golden.py"
    expected = path.read_text(encoding="utf-8")
    assert produce(name) == expected, f"{name} changed; if intended, regenerate and read the diff"


def test_every_golden_file_has_a_case():
    # jacobian_*.txt have their own script and test (tests/test_jacobian_golden.py).
    names = {p.stem for p in GOLDEN.glob("*.txt") if not p.stem.startswith("jacobian_")}
    assert names == set(CASES)


@pytest.mark.parametrize(
    "name, line", [("matmul_1b_markdown", WORKSHEET_1B), ("matmul_1c_markdown", WORKSHEET_1C)]
)
def test_golden_markdown_contains_the_worksheet_display(name, line):
    text = (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    assert line in text.splitlines()
    assert text.startswith("**Solution:**")


def test_golden_latex_is_the_markdown_in_latex_dress():
    md = (GOLDEN / "matmul_1b_markdown.txt").read_text(encoding="utf-8")
    tex = (GOLDEN / "matmul_1b_latex.txt").read_text(encoding="utf-8")
    assert tex.startswith(r"\textbf{Solution:}")
    inner = WORKSHEET_1B.removeprefix("$$").removesuffix("$$")
    assert f"\\[ {inner} \\]" in tex.splitlines()
    assert inner in md


def test_golden_text_and_rich_show_the_same_numbers():
    text = (GOLDEN / "matmul_1b_text.txt").read_text(encoding="utf-8")
    rich = (GOLDEN / "matmul_1b_rich.txt").read_text(encoding="utf-8")
    for line in (
        "  (1,1)  4·2 + 3·1 + 6·3 = 8 + 3 + 18 = 29",
        "  (2,1)  2·2 + 1·1 + 0·3 = 4 + 1 + 0 = 5",
        "  (3,1)  0·2 + 5·1 + 7·3 = 0 + 5 + 21 = 26",
        "A·B = ⎢ 5⎥",
    ):
        assert line in text.splitlines()
        assert line in rich.splitlines()
    assert max(len(s) for s in rich.splitlines()) <= 80


# -- dispatch by step kind, with a fallback ----------------------------------------------------


def _custom() -> Derivation:
    import sympy

    m = sympy.Matrix([[1]])
    return Derivation(
        command="demo",
        summary="a demo",
        result=Result(shape=(1, 1), matrix=(("1",),), latex="1", value=m),
        steps=(Step(kind="mystery-kind", text="a step no renderer knows", latex="x = 1"),),
        label="r",
        notes=("a note",),
    )


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_unknown_step_kind_falls_back(fmt):
    out = render(_custom(), fmt)
    assert "a step no renderer knows" in out or "x = 1" in out
    assert "a note" in out


def test_unknown_step_kind_falls_back_rich():
    group = render(_custom(), "rich")
    assert any("a step no renderer knows" in t.plain for t in group.renderables)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        render(_custom(), "yaml")


def test_json_render_is_to_dict():
    d = api.matmul("[[a,b]]", "[[1],[3]]")
    want = json.loads(json.dumps(d.to_dict()))
    want["result"]["nnz"] = 1  # the JSON adds the count of entries that are not 0
    assert json.loads(render(d, "json")) == want
    assert json.loads(render(d, "json", steps=False))["steps"] == []


def test_golden_dir_is_next_to_the_tests():
    assert GOLDEN == Path(__file__).resolve().parent / "golden"


def test_rich_result_too_wide_for_the_console_is_listed_entry_by_entry():
    import io

    from rich.console import Console

    from symjac import api
    from symjac.render import render

    d = api.matmul("[[a_long_name, b_long_name]]", "[[1, 2, 3], [4, 5, 6]]")
    narrow, wide = io.StringIO(), io.StringIO()
    Console(file=narrow, width=40, color_system=None).print(render(d, "rich", steps=False))
    Console(file=wide, width=200, color_system=None).print(render(d, "rich", steps=False))
    # (1,3) = 3*a_long_name + 6*b_long_name by hand
    assert "(1,3) = 3·a_long_name + 6·b_long_name" in narrow.getvalue()
    assert "A·B = [" in wide.getvalue() and "(1,3) =" not in wide.getvalue()
    assert all(len(line) <= 40 for line in narrow.getvalue().splitlines())


def test_a_check_refuses_what_contradicts_itself():
    from symjac.core.model import Check

    assert Check(False).outcome == "different" and Check(True).outcome == "equal"
    for bad in ({"passed": True, "outcome": "different"}, {"passed": False, "outcome": "maybe"},
                {"passed": True, "method": "guess"}):
        with pytest.raises(ValueError):
            Check(**bad)
