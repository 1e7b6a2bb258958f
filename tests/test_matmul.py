"""matmul: symbolic entries, chains of products, hints, elision, --expect, every format.

Products are checked against hand computation; the Derivation is asserted on
directly, and the CLI for exit codes and what each format must contain.
"""

from __future__ import annotations

import json
import re

import pytest
from conftest import P1A, P1B, P1C

from symjac import api
from symjac.core.errors import InputError, ShapeError
from symjac.ops.matmul import DEFAULT_MAX_ENTRIES


def entries(d, product=None):
    return [
        s
        for s in d.steps
        if s.kind == "entry" and (product is None or s.data["product"] == product)
    ]


# -- symbolic entries ------------------------------------------------------------------------


def test_symbolic_entry_chain():
    d = api.matmul("[[a,b]]", "[[1],[3]]")
    (e,) = entries(d)
    assert e.chain == ("a*1 + b*3", "a + 3*b")
    assert d.result.matrix == (("a + 3*b",),)


def test_symbolic_by_symbolic():
    d = api.matmul("[[a, b], [c, d]]", "[[x], [y]]")
    assert d.result.matrix == (("a*x + b*y",), ("c*x + d*y",))
    assert entries(d)[0].chain[0] == "a*x + b*y"


def test_negative_and_fraction_factors_are_bracketed():
    d = api.matmul("[[-2, 1/2]]", "[[3], [x + 1]]")
    (e,) = entries(d)
    # (-2)*3 + (1/2)*(x + 1): brackets keep each product readable as written
    assert e.chain[0] == "(-2)*3 + (1/2)*(x + 1)"
    # -6 + x/2 + 1/2 = x/2 - 11/2
    assert d.result.matrix == (("x/2 - 11/2",),)


def test_exact_decimals_in_products():
    d = api.matmul("[[0.1, 0.2]]", "[[1],[1]]")
    assert d.result.matrix == (("3/10",),)


# -- three or more matrices ------------------------------------------------------------------


def test_three_matrices_left_to_right_with_intermediates():
    # A = [1 2] (1×2), B = [[3],[4]] (2×1), C = [5 6] (1×2)
    # A·B = 1*3 + 2*4 = 11, then (A·B)·C = [55, 66]
    d = api.matmul("[[1,2]]", "[[3],[4]]", "[[5,6]]")
    assert d.summary == "A (1×2) · B (2×1) · C (1×2) → 1×2"
    assert d.result.matrix == (("55", "66"),)
    assert d.label == "A·B·C"
    products = [s for s in d.steps if s.kind == "product"]
    assert [p.data["product"] for p in products] == ["A·B", "A·B·C"]
    (ab,) = entries(d, "A·B")
    assert ab.chain == ("1*3 + 2*4", "3 + 8", "11")
    abc = entries(d, "A·B·C")
    # The intermediate 11 is the left factor of every entry of the second product.
    assert [e.chain for e in abc] == [("11*5", "55"), ("11*6", "66")]


def test_three_matrices_order_matters():
    # (A·B)·C with A 2×1, B 1×2, C 2×1: 2×2 then 2×1; C·B·A would differ in shape
    d = api.matmul("[1, 2]", "[[3, 4]]", "[5, 6]")
    # A·B = [[3,4],[6,8]]; times [5,6] = [[15+24],[30+48]] = [[39],[78]]
    assert d.result.matrix == (("39",), ("78",))
    assert d.summary.endswith("→ 2×1")


def test_chain_undefined_in_the_middle_names_the_pair(invoke):
    r = invoke("matmul", "[[1,2]]", "[[3],[4]]", "[[1,2],[3,4]]", "-f", "text")
    assert r.exit_code == 1
    assert "B is 2×1 and C is 2×2" in r.stdout
    assert "B has 1 column but C has 2 rows" in r.stdout
    assert "A·B·C" in r.stdout


def test_one_matrix_is_bad_input():
    with pytest.raises(InputError):
        api.matmul("[[1]]")


# -- undefined products and hints -----------------------------------------------------------


def test_hint_reverse_order():
    # A 2×3, B 1×2: A·B undefined (3 ≠ 1), B·A is 1×2 · 2×3 → 1×3
    with pytest.raises(ShapeError) as info:
        api.matmul("[[1,2,3],[4,5,6]]", "[[1,2]]")
    assert "B·A is defined: 1×2 · 2×3 → 1×3" in info.value.hints


def test_hint_transpose_of_right():
    # A 2×3, B 2×3: A·Bᵀ is 2×3 · 3×2 → 2×2 and Aᵀ·B is 3×2 · 2×3 → 3×3
    with pytest.raises(ShapeError) as info:
        api.matmul("[[1,2,3],[4,5,6]]", "[[1,2,3],[4,5,6]]")
    assert set(info.value.hints) == {
        "A·Bᵀ is defined: 2×3 · 3×2 → 2×2",
        "Aᵀ·B is defined: 3×2 · 2×3 → 3×3",
    }


def test_no_hint_for_worksheet_1a():
    with pytest.raises(ShapeError) as info:
        api.matmul(*P1A)
    assert info.value.hints == ()


def test_hints_are_shown_by_the_cli(invoke):
    r = invoke("matmul", "[[1,2,3]]", "[[1,2]]", "-f", "text")
    assert r.exit_code == 1
    assert "hint: Aᵀ·B is defined: 3×1 · 1×2 → 3×2" in r.stdout
    obj = json.loads(invoke("matmul", "[[1,2,3]]", "[[1,2]]", "-f", "json").stdout)
    assert obj["error"]["hints"] == ["Aᵀ·B is defined: 3×1 · 1×2 → 3×2"]


# -- --no-steps, elision and --all-steps -----------------------------------------------------


def test_no_steps(invoke):
    d = api.matmul(*P1B, steps=False)
    assert d.steps == ()
    assert d.result.matrix == (("29",), ("5",), ("26",))
    r = invoke("matmul", *P1B, "--no-steps", "-f", "text")
    assert r.exit_code == 0
    assert "4·2" not in r.stdout and "29" in r.stdout
    obj = json.loads(invoke("matmul", *P1B, "--no-steps", "-f", "json").stdout)
    assert obj["steps"] == [] and obj["result"]["matrix"] == [["29"], ["5"], ["26"]]


def _square(n: int) -> str:
    return "; ".join(" ".join(str(i * n + j) for j in range(n)) for i in range(n))


def test_large_product_is_elided_with_the_count(invoke):
    n = 9  # 81 entries, past the default cap
    assert n * n > DEFAULT_MAX_ENTRIES
    d = api.matmul(_square(n), _square(n))
    assert len(entries(d)) == DEFAULT_MAX_ENTRIES
    (note,) = [s for s in d.steps if s.kind == "note"]
    assert note.data["elided"] == n * n - DEFAULT_MAX_ENTRIES
    r = invoke("matmul", _square(n), _square(n), "-f", "text")
    assert f"{n * n - DEFAULT_MAX_ENTRIES} more entries of A·B are not worked here" in r.stdout
    assert "--all-steps" in r.stdout


def test_all_steps_works_every_entry(invoke):
    n = 9
    d = api.matmul(_square(n), _square(n), all_steps=True)
    assert len(entries(d)) == n * n
    assert not [s for s in d.steps if s.kind == "note"]
    r = invoke("matmul", _square(n), _square(n), "--all-steps", "-f", "text")
    assert len(re.findall(r"^  \(\d,\d\)", r.stdout, flags=re.M)) == n * n
    # the last entry, by hand: row 9 of M is 72..80, column 9 is 8, 17, ..., 80
    last = sum((72 + k) * (k * 9 + 8) for k in range(9))
    assert d.result.matrix[8][8] == str(last)


def test_small_product_is_not_elided():
    d = api.matmul(_square(8), _square(8))  # exactly 64 entries
    assert len(entries(d)) == 64
    assert not [s for s in d.steps if s.kind == "note"]


# -- --expect --------------------------------------------------------------------------------


def test_expect_pass(invoke):
    r = invoke("matmul", *P1B, "--expect", "[[29],[5],[26]]", "-f", "json")
    assert r.exit_code == 0
    obj = json.loads(r.stdout)
    assert obj["ok"] is True
    assert obj["check"]["passed"] is True and obj["check"]["mismatches"] == []


def test_expect_pass_with_equivalent_forms(invoke):
    # 29 written as 58/2 and 5 as 5.0: equal values pass.
    r = invoke("matmul", *P1B, "--expect", "58/2; 5.0; 26", "-f", "text")
    assert r.exit_code == 0
    assert "check: passed" in r.stdout


def test_expect_fail_lists_the_wrong_entry(invoke):
    r = invoke("matmul", *P1C, "--expect", "[[21,24],[14,30],[36,72]]", "-f", "json")
    assert r.exit_code == 1
    obj = json.loads(r.stdout)
    assert obj["ok"] is False
    assert obj["check"]["passed"] is False
    # the worksheet's (3, 2) is 73; the answer checked says 72
    assert obj["check"]["mismatches"] == [{"index": [3, 2], "answer": "72", "correct": "73",
                                           "expected": "73", "got": "72",
                                           "outcome": "different", "method": "exact",
                                           "message": "you wrote 72; entry (3, 2) of A·B is 73"}]
    assert obj["check"]["outcome"] == "different" and obj["check"]["method"] == "exact"
    # the answer itself is still reported
    assert obj["result"]["matrix"][2] == ["36", "73"]


def test_expect_wrong_shape_fails(invoke):
    r = invoke("matmul", *P1B, "--expect", "[[29, 5, 26]]", "-f", "text")
    assert r.exit_code == 1
    assert "FAILED" in r.stdout and "3×1" in r.stdout and "1×3" in r.stdout


def test_expect_symbolic(invoke):
    assert invoke("matmul", "[[a,b]]", "[[1],[3]]", "--expect", "3*b + a").exit_code == 0
    assert invoke("matmul", "[[a,b]]", "[[1],[3]]", "--expect", "3*a + b").exit_code == 1


def test_expect_bad_text_is_exit_2(invoke):
    r = invoke("matmul", *P1B, "--expect", "[[29],[5],[foo(1)]]")
    assert r.exit_code == 2
    assert r.stderr.startswith("symjac: error: unknown function 'foo'")


# -- all five formats --------------------------------------------------------------------------


def test_format_text(invoke):
    out = invoke("matmul", *P1C, "-f", "text").stdout
    assert "A (3×3) · B (3×2) → 3×2" in out
    assert "(3,2)  5·9 + 7·4 + 8·0 = 45 + 28 + 0 = 73" in out
    assert "⎡21  24⎤" in out and "⎣36  73⎦" in out
    assert "\x1b[" not in out  # no colour codes in a pipe


def test_format_markdown_like_the_worksheet(invoke):
    out = invoke("matmul", *P1B, "-f", "markdown").stdout
    assert out.startswith("**Solution:**")
    # The worksheet's display: three bmatrix stages joined by '='.
    stages = (
        r"$$\begin{bmatrix} 4 \cdot 2 + 3 \cdot 1 + 6 \cdot 3 \\ 2 \cdot 2 + 1 \cdot 1 + 0 \cdot 3"
        r" \\ 0 \cdot 2 + 5 \cdot 1 + 7 \cdot 3 \end{bmatrix} = \begin{bmatrix} 8 + 3 + 18 \\"
        r" 4 + 1 + 0 \\ 0 + 5 + 21 \end{bmatrix} = \begin{bmatrix} 29 \\ 5 \\ 26 \end{bmatrix}$$"
    )
    assert stages in out


def test_format_markdown_1c_matches_worksheet_stages(invoke):
    out = invoke("matmul", *P1C, "-f", "markdown").stdout
    assert (
        r"\begin{bmatrix} 0 + 6 + 15 & 0 + 24 + 0 \\ 2 + 3 + 9 & 18 + 12 + 0 \\"
        r" 5 + 7 + 24 & 45 + 28 + 0 \end{bmatrix}" in out
    )
    assert r"\begin{bmatrix} 21 & 24 \\ 14 & 30 \\ 36 & 73 \end{bmatrix}$$" in out


def test_format_markdown_no_steps_shows_the_result(invoke):
    out = invoke("matmul", *P1B, "-f", "markdown", "--no-steps").stdout
    assert r"$$A \cdot B = \begin{bmatrix} 29 \\ 5 \\ 26 \end{bmatrix}$$" in out
    assert r"4 \cdot 2" not in out


def test_format_latex(invoke):
    out = invoke("matmul", *P1B, "-f", "latex").stdout
    assert out.startswith(r"\textbf{Solution:}")
    assert r"\begin{bmatrix}" in out and r"\end{bmatrix}" in out
    assert r"\[ " in out and r" \]" in out
    assert "$$" not in out  # LaTeX display math, not Markdown's
    assert "×" not in out and "·" not in out  # Unicode symbols made into math
    assert r"3$\times$3" in out


def test_format_latex_check_line(invoke):
    out = invoke("matmul", *P1B, "-f", "latex", "--expect", "[[29],[5],[26]]").stdout
    assert "Check: passed. all 3 entries match" in out


def test_undefined_in_markdown_is_a_worksheet_solution(invoke):
    # The worksheet's 1(a): "**Solution:** The first matrix is 2×2 and the second is 3×1 ..."
    r = invoke("matmul", *P1A, "-f", "markdown")
    assert r.exit_code == 1
    assert r.stdout.startswith("**Solution:** A is 2×2 and B is 3×1: A has 2 columns")
    assert r.stdout.rstrip().endswith("undefined.")


def test_undefined_in_latex_has_no_raw_unicode(invoke):
    # pdflatex cannot typeset × · ᵀ → from the text: they must become math.
    r = invoke("matmul", "[[1,2,3]]", "[[1,2]]", "-f", "latex")
    assert r.exit_code == 1
    assert r.stdout.startswith(r"\textbf{Solution:} A is 1$\times$3 and B is 1$\times$2")
    assert "Hint: A$^T$$\\cdot$B is defined" in r.stdout
    assert not set(r.stdout) & set("×·ᵀ→")


def test_format_json_schema(invoke):
    obj = json.loads(invoke("matmul", *P1B, "-f", "json").stdout)
    for key in ("schema", "command", "ok", "result", "variables", "steps", "check", "error"):
        assert key in obj
    assert obj["schema"] == "symjac/1" and obj["command"] == "matmul"
    assert obj["variables"] is None
    assert obj["result"]["latex"].count("29") == 1
    step = obj["steps"][1]
    assert step["kind"] == "entry" and step["index"] == [1, 1]
    assert step["latex"] == r"4 \cdot 2 + 3 \cdot 1 + 6 \cdot 3 = 8 + 3 + 18 = 29"
    assert "text" in step


def test_format_json_scalar_is_nested(invoke):
    obj = json.loads(invoke("matmul", "[[4, 4]]", "[[4],[4]]", "-f", "json").stdout)
    assert obj["result"]["matrix"] == [["32"]]


def test_format_rich(invoke):
    r = invoke("matmul", *P1B, "-f", "rich")
    assert r.exit_code == 0
    out = r.stdout
    assert "A (3×3) · B (3×1) → 3×1" in out
    assert "4·2 + 3·1 + 6·3 = 8 + 3 + 18 = 29" in out
    assert "row i of A" in out and "column j of B" in out


def test_rich_colours_row_and_column_factors():
    # The rich view styles the row factor and the column factor differently.
    from symjac.render import render
    from symjac.render.terminal import COL, ROW

    d = api.matmul(*P1B)
    group = render(d, "rich")
    entry = [t for t in group.renderables if "4·2" in getattr(t, "plain", "")][0]
    styled = {entry.plain[s.start : s.end]: str(s.style) for s in entry.spans}
    assert styled.get("4") == ROW and styled.get("2") == COL
    assert styled.get("6") == ROW and styled.get("3") == COL


def test_expect_undefined_passes_only_when_the_product_is_undefined():
    ok = api.matmul("[[1,6],[7,5]]", "[[3],[0],[2]]", expect="undefined")
    assert ok.check.passed and ok.result is None
    assert "2 columns but B has 3 rows" in ok.summary
    wrong = api.matmul("[[1,2],[3,4]]", "[[5],[6]]", expect=" Undefined ")
    assert not wrong.check.passed
    assert wrong.result.matrix == (("17",), ("39",))  # 1*5 + 2*6, 3*5 + 4*6
