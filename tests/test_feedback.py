"""Feedback a student can act on: one grading path for --expect and check.

Expected values are the worksheet's (seed/000_a2a5434e9771d97d.txt) or worked by
hand here; wrong answers are made from them by a stated mistake, or generated.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import sympy
from click.testing import CliRunner
from conftest import P1B, P1C

from symjac import api
from symjac.cli.commands import cli
from symjac.language.parser import parse_expression
from symjac.render import render

ROOT = Path(__file__).resolve().parent.parent
FREE: dict = {}  # symjac.api runs in this process, without limits (the library adds them)

# The worksheet's 1c: [[21, 24], [14, 30], [36, 73]]; 2a: its Jacobian, numerator layout.
P1C_PRODUCT = [[21, 24], [14, 30], [36, 73]]
P2A = "x**3*y, cos(y)**2 + 5*x, y*exp(x)"
P2A_JACOBIAN = [["3*x**2*y", "x**3"], ["5", "-2*sin(y)*cos(y)"], ["y*exp(x)", "exp(x)"]]
P2B = "p + 4*q, sin(r**2*s)"
P2B_JACOBIAN = [["1", "4", "0", "0"], ["0", "0", "2*r*s*cos(r**2*s)", "r**2*cos(r**2*s)"]]
LEAST_SQUARES = ("sum((X @ theta - y)**2)", "theta", "X=4x3, theta=3x1, y=4x1")
SOFTMAX = ("-h[y] + log(sum(exp(h)))", "theta", "theta=3x2, x=3x1")
SOFTMAX_WHERE = {"where": ["h = theta.T @ x"], "index": "y=1..2"}


def _matrix(rows) -> str:
    return "[" + ", ".join("[" + ", ".join(str(e) for e in row) + "]" for row in rows) + "]"


def _transposed(rows) -> list:
    return [list(col) for col in zip(*rows, strict=True)]


# -- the student is spoken to, with the roles right --------------------------------------


def test_the_issues_matmul_line_names_the_students_72_and_the_right_73(invoke):
    wrong = [row[:] for row in P1C_PRODUCT]
    wrong[2][1] = 72
    r = invoke("matmul", *P1C, "--expect", _matrix(wrong), "-f", "text", "--no-steps")
    assert r.exit_code == 1
    assert "you wrote 72; entry (3, 2) of A·B is 73" in r.stdout
    data = json.loads(invoke("matmul", *P1C, "--expect", _matrix(wrong), "-f", "json").stdout)
    (m,) = data["check"]["mismatches"]
    assert (m["index"], m["answer"], m["correct"]) == ([3, 2], "72", "73")


def test_a_transposed_product_says_transpose_as_check_does(invoke, tmp_path):
    answer = _matrix(_transposed(P1C_PRODUCT))  # 2×3, the product is 3×2
    r = invoke("matmul", *P1C, "--expect", answer, "--no-steps", "-f", "text")
    assert r.exit_code == 1
    assert "[transpose]" in r.stdout and "(A·B)ᵀ" in r.stdout
    data = json.loads(invoke("matmul", *P1C, "--expect", answer, "-f", "json").stdout)
    assert data["check"]["mistakes"] == ["transpose"]
    # the same answer in an answer file: the same tag and the same sentence
    problems = tmp_path / "p.toml"
    problems.write_text('[[problem]]\nid = "1c"\ncommand = "matmul"\n'
                        f'matrices = ["{P1C[0]}", "{P1C[1]}"]\n')
    answers = tmp_path / "a.toml"
    answers.write_text(f'1c = "{answer}"\n')
    out = CliRunner().invoke(cli, ["check", str(problems), "--answers", str(answers),
                                   "-f", "json"])
    (row,) = json.loads(out.stdout)["problems"]
    assert row["mistakes"] == ["transpose"]
    assert row["message"] == data["check"]["message"]


def test_a_jacobians_transpose_and_wrong_entry_in_json_roles():
    answer = _matrix(_transposed(P2A_JACOBIAN))
    d = api.jacobian(P2A, expect=answer, steps=False, **FREE)
    assert d.check.to_dict()["mistakes"] == ["transpose"]
    assert "∇fᵀ (2×3)" in d.check.message and "∇f is 3×2" in d.check.message
    # one entry wrong: 5 where the worksheet has 5 ... and 6 typed for it
    wrong = [row[:] for row in P2A_JACOBIAN]
    wrong[1][0] = "6"
    d = api.jacobian(P2A, expect=_matrix(wrong), steps=False, **FREE)
    (m,) = d.check.to_dict()["mismatches"]
    assert (m["answer"], m["correct"]) == ("6", "5")
    assert m["message"] == "you wrote 6; entry (2, 1) of ∇f is 5"


def test_a_missing_factor_of_2_is_named_in_one_short_line():
    # the Hessian of x**2*y, by hand: [[2y, 2x], [2x, 0]]; the answer forgot the 2
    d = api.hessian("x**2*y", "x, y", expect="[[y, x], [x, 0]]", steps=False, **FREE)
    assert d.check.outcome == "different"
    assert [m["tag"] for m in d.check.mistakes] == ["factor"]
    assert "a factor of 2 is missing" in d.check.message
    text = render(d, "text")
    said = text[text.index("check:"):].splitlines()
    assert len(said) == 1 and len(said[0]) < 100, said
    # least squares: ∇θ = 2Xᵀ(Xθ − y) by hand; Xᵀ(Xθ − y) is half of it
    d = api.grad(*LEAST_SQUARES, expect="X.T @ (X @ theta - y)", steps=False, **FREE)
    assert [m["tag"] for m in d.check.mistakes] == ["factor"]
    assert "a factor of 2 is missing" in d.check.message


def test_an_extra_factor_is_named_too():
    d = api.grad(*LEAST_SQUARES, expect="4*X.T @ (X @ theta - y)", steps=False, **FREE)
    assert [m["tag"] for m in d.check.mistakes] == ["factor"]
    assert "an extra factor of 2" in d.check.message


# -- a note only where it applies --------------------------------------------------------


def test_the_softmax_note_only_on_a_loss_with_a_softmax():
    soft = api.grad(*SOFTMAX, **SOFTMAX_WHERE, expect="x @ (onehot(y, 2) - softmax(h)).T",
                    steps=False, **FREE)
    assert [m["tag"] for m in soft.check.mistakes] == ["sign"]
    assert "e_y − z" in soft.check.message
    squares = api.grad(*LEAST_SQUARES, expect="-2*X.T @ (X @ theta - y)", steps=False, **FREE)
    assert [m["tag"] for m in squares.check.mistakes] == ["sign"]
    assert "softmax" not in squares.check.message and "e_y" not in squares.check.message
    product = api.matmul(*P1B, expect="[[-29], [-5], [-26]]", steps=False, **FREE)
    assert [m["tag"] for m in product.check.mistakes] == ["sign"]
    assert "softmax" not in product.check.message


def test_the_derive_answer_with_e_y_and_z_exchanged_is_named():
    d = api.derive("softmax-regression", expect="x @ (onehot(y, k) - softmax(h)).T",
                   steps=False, **FREE)
    assert d.check.outcome == "different"
    assert [m["tag"] for m in d.check.mistakes] == ["sign"] and "e_y − z" in d.check.message


# -- shape = like-wrt ----------------------------------------------------------------------


JACOBIAN_LAYOUT = "2*(X @ theta - y).T @ X"  # 1×3: ∂ℓ/∂θ as a row, θ is 3×1


def test_the_jacobians_layout_passes_with_a_note_by_default():
    d = api.grad(*LEAST_SQUARES, expect=JACOBIAN_LAYOUT, steps=False, **FREE)
    assert d.check.passed
    assert "read as the Jacobian" in d.check.message and "3×1" in d.check.message


def test_like_wrt_asks_for_the_parameters_shape():
    d = api.grad(*LEAST_SQUARES, expect=JACOBIAN_LAYOUT, answer_shape="like-wrt",
                 steps=False, **FREE)
    assert d.check.outcome == "different"
    assert [m["tag"] for m in d.check.mistakes] == ["transpose"]
    assert "1×3" in d.check.message and "3×1" in d.check.message
    right = api.grad(*LEAST_SQUARES, expect="2*X.T @ (X @ theta - y)",
                     answer_shape="like-wrt", steps=False, **FREE)
    assert right.check.passed


def test_like_wrt_in_a_problem_file(tmp_path):
    body = ('command = "grad"\nloss = "sum((X @ theta - y)**2)"\nwrt = "theta"\n'
            'shape = "X=4x3, theta=3x1, y=4x1"\n')
    problems = tmp_path / "p.toml"
    problems.write_text(f'[[problem]]\nid = "strict"\n{body}answer_shape = "like-wrt"\n'
                        f'[[problem]]\nid = "loose"\n{body}'
                        f'[[problem]]\nid = "typo"\n{body}answer_shape = "like-theta"\n')
    answers = tmp_path / "a.toml"
    answers.write_text("".join(f'{pid} = "{JACOBIAN_LAYOUT}"\n'
                               for pid in ("strict", "loose", "typo")))
    r = CliRunner().invoke(cli, ["check", str(problems), "--answers", str(answers),
                                 "-f", "json"])
    rows = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert rows["strict"]["status"] == "failed" and rows["strict"]["mistakes"] == ["transpose"]
    assert rows["loose"]["status"] == "passed" and "Jacobian" in rows["loose"]["message"]
    assert rows["typo"]["status"] == "error" and "like-wrt" in rows["typo"]["message"]


# -- counterexamples: the simplest point, 4 digits, 3 variables ---------------------------


def test_the_simplest_point_is_a_small_integer():
    # x**2 and x agree at x = 1 (the simplest value) and differ at x = -1, the next one
    d = api.jacobian("x**3/3", "x", expect="[[x]]", steps=False, **FREE)
    (m,) = d.check.mismatches
    assert m["point"] == {"x": "-1"}
    assert (m["answer_value"], m["correct_value"]) in (("-1", "1"), ("-1.0", "1.0"))


def _mutations(text: str, names: list[str]) -> list[str]:
    """Wrong versions of one right entry, generated: plus or times each name, sign, +1."""
    symbols: dict = {}
    e = parse_expression(text, symbols)
    variables = [symbols.get(n) or sympy.Symbol(n, real=True) for n in names]
    out = [e + 1, -e, 2 * e] + [e + v for v in variables] + [e * v for v in variables]
    return [sympy.sstr(w) for w in out if sympy.simplify(w - e) != 0]


def _generated_wrong_answers():
    """(call, text) for wrong answers to the worksheet, least squares and softmax."""
    cases = []
    for functions, key, names in ((P2A, P2A_JACOBIAN, ["x", "y"]),
                                  (P2B, P2B_JACOBIAN, ["p", "q", "r", "s"])):
        wrt = None if names == ["x", "y"] else "[[p, q], [r, s]]"
        for i, j in itertools.product(range(len(key)), range(len(key[0]))):
            for wrong in _mutations(key[i][j], names):
                rows = [row[:] for row in key]
                rows[i][j] = wrong
                cases.append((("jacobian", functions, wrt), _matrix(rows)))
    for c, d in itertools.product((1, 2, 3, -2), (0, 1, 2, -1)):
        if (c, d) != (2, 1):
            cases.append((("least squares",), f"{c}*X.T @ (X @ theta - {d}*y)"))
    for a, b in itertools.product((1, 2, -1), (0, 1, 2, -1)):
        if (a, b) != (1, 1):
            cases.append((("softmax",), f"x @ ({a}*softmax(h) - {b}*onehot(y, 2)).T"))
    cases.append((("softmax",), "x @ (exp(h) - onehot(y, 2)).T"))
    return cases


def _run(call, text):
    if call[0] == "jacobian":
        return api.jacobian(call[1], call[2], expect=text, steps=False, **FREE)
    if call[0] == "least squares":
        return api.grad(*LEAST_SQUARES, expect=text, steps=False, **FREE)
    return api.grad(*SOFTMAX, **SOFTMAX_WHERE, expect=text, steps=False, **FREE)


_NUMBER = re.compile(r"-?(\d+(?:\.\d*)?)(?:e[-+]?\d+)?")


def _significant(token: str) -> int:
    digits = token.replace(".", "").lstrip("0")
    if "." in token:
        return len(digits) or 1
    return len(digits.rstrip("0")) or 1


def test_no_printed_counterexample_has_more_than_4_digits_or_3_variables():
    cases = _generated_wrong_answers()
    assert len(cases) > 60
    shown = 0
    for call, text in cases:
        d = _run(call, text)
        assert d.check is not None and not d.check.passed, (call, text)
        printed = render(d, "text")
        lines = [line for line in printed.splitlines() if "yours is" in line]
        for m in d.check.mismatches:
            if m.get("point") is not None:
                lines.append(m["message"])
        for line in lines:
            part = line[line.index("; at ") + 5:] if "; at " in line else \
                line[line.index("yours is"):]
            shown += 1
            values, _, _ = part.partition(" (all ")
            for token in _NUMBER.findall(values.replace("yours is", "").replace("it is", "")):
                assert _significant(token) <= 4, (call, text, line)
            head = part.split(": yours is")[0]
            assert len(re.findall(r"\S+ [=≈] ", head)) <= 3, (call, text, line)
    assert shown > 40  # most wrong entries are shown with a point


def test_the_issues_least_squares_counterexample_is_short():
    d = api.grad(*LEAST_SQUARES, expect="2*X.T @ (X @ theta + y)", steps=False, **FREE)
    m = d.check.mismatches[0]
    assert len(m["point"]) == 19  # every entry of X, θ and y
    assert "…" in m["message"] and len(m["message"]) < 160, m["message"]
    # at the point shown (every variable 1): ∇θ = 2Xᵀ(Xθ − y) = 2·4·(3 − 1) = 16 by hand,
    # and the answer is 2·4·(3 + 1) = 32
    assert set(m["point"].values()) == {"1"}
    assert "yours is 32, it is 16" in m["message"]


def test_the_readme_documents_answer_and_correct():
    text = (ROOT / "README.md").read_text()
    assert '"answer": "72", "correct": "73"' in text
    assert "answer_shape" in text and "like-wrt" in text


def test_values_are_rounded_to_4_significant_digits_by_hand():
    from symjac.ops.compare import point_text, short_number

    # rounded by hand: 2.967|03..., -5617|6.85 → -56180, 1.000|04 → 1
    assert short_number("2.96703917210822") == "2.967"
    assert short_number("-56176.85") == "-56180"
    assert short_number("1.00004") == "1"
    assert short_number("2.17e-3967497466299") == "2.17e-3967497466299"
    assert short_number("1.23456 - 0.000123456*I") == "1.235 - 0.0001235*I"
    shown = point_text({"a": "1", "b": "-1/2", "c": "2", "d": "3"})
    assert shown == "a = 1, b = -1/2, c = 2, …"
    assert point_text({"x": "-56176.8512"}) == "x ≈ -56180"


def test_like_wrt_as_an_item_of_the_shape_key(tmp_path):
    # DESIGN.md's form: shape = "like-wrt", beside the shapes in the same key
    problems = tmp_path / "p.toml"
    problems.write_text('[[problem]]\nid = "strict"\ncommand = "grad"\n'
                        'loss = "sum((X @ theta - y)**2)"\nwrt = "theta"\n'
                        'shape = "X=4x3, theta=3x1, y=4x1, like-wrt"\n'
                        '[[problem]]\nid = "twice"\ncommand = "grad"\n'
                        'loss = "sum((X @ theta - y)**2)"\nwrt = "theta"\n'
                        'shape = "X=4x3, theta=3x1, y=4x1, like-wrt"\nanswer_shape = "either"\n')
    answers = tmp_path / "a.toml"
    answers.write_text(f'strict = "{JACOBIAN_LAYOUT}"\ntwice = "{JACOBIAN_LAYOUT}"\n')
    r = CliRunner().invoke(cli, ["check", str(problems), "--answers", str(answers),
                                 "-f", "json"])
    rows = {p["id"]: p for p in json.loads(r.stdout)["problems"]}
    assert rows["strict"]["status"] == "failed" and rows["strict"]["mistakes"] == ["transpose"]
    assert rows["twice"]["status"] == "error" and "twice" in rows["twice"]["message"]
