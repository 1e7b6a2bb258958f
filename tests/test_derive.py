"""symjac derive: every closed form against entrywise differentiation, at two sizes."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from symjac import api
from symjac.cli.commands import cli
from symjac.core.errors import InputError
from symjac.ops.derive import RECIPES, verify
from symjac.render import render

SECOND_SIZES = {
    "softmax-regression": {"n": 2, "k": 3},
    "linear-regression": {"m": 4, "n": 3},
    "logistic-regression": {"n": 2},
    "two-layer-mlp": {"n": 2, "d": 3, "k": 3},
}

# closed forms a student might write: a sign, a missing factor, a transpose, zero
WRONG = {
    "softmax-regression": [
        {"theta": "x @ (softmax(h) + onehot(y, {k})).T"},
        {"theta": "x @ softmax(h).T"},
        {"theta": "0 * theta"},
    ],
    "linear-regression": [
        {"theta": "X.T @ (X @ theta + y)"},
        {"theta": "X.T @ X @ theta"},
        {"theta": "0 * theta"},
    ],
    "logistic-regression": [
        {"theta": "x * (y - sigmoid(h))"},
        {"theta": "x * sigmoid(h)"},
    ],
    "two-layer-mlp": [
        {"W2": "r @ softmax(h).T"},
        {"W1": "x @ (W2 @ (softmax(h) - onehot(y, {k}))).T"},  # ReLU's derivative left out
        {"W1": "0 * W1"},
    ],
}


def test_the_catalogue_is_the_issue_s_four():
    assert set(RECIPES) == {
        "softmax-regression",
        "linear-regression",
        "logistic-regression",
        "two-layer-mlp",
    }
    assert set(SECOND_SIZES) == set(RECIPES) == set(WRONG)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_closed_form_matches_entrywise_differentiation_at_two_sizes(name):
    recipe = RECIPES[name]
    for sizes in (recipe.sizes, SECOND_SIZES[name]):
        assert sizes.keys() == recipe.sizes.keys()
        results = verify(recipe, sizes)
        assert len(results) == len(recipe.closed_forms)
        for wrt, check in results:
            assert check.passed, (name, sizes, wrt, check.message)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_wrong_closed_forms_fail(name):
    recipe = RECIPES[name]
    for wrong in WRONG[name]:
        forms = {w: e.format(**recipe.sizes) for w, e in wrong.items()}
        checks = dict(verify(recipe, recipe.sizes, forms))
        for wrt in forms:
            assert not checks[wrt].passed, (name, forms)
            assert checks[wrt].mismatches


def test_softmax_regression_reproduces_the_worksheet():
    d = api.derive("softmax-regression")
    assert d.ok
    assert d.extra["verified"] == {**d.extra["verified"], "passed": True, "sizes": {"n": 3, "k": 2}}
    parts = [s.data["label"] for s in d.steps if s.kind == "part"]
    assert parts == ["(a)", "(b)", "(c)"]
    chain = next(s for s in d.steps if s.kind == "chain")
    assert [f["shape"] for f in chain.data["factors"]] == ["1×k", "k×nk"]
    md = render(d, "markdown")
    for piece in (
        "**(a)**",
        "(z - e_y)^T",
        "z_i - 1\\{i = y\\}",
        "\\begin{aligned}",
        "x (z - e_y)^T",
        "never formed",
        "Verified at $n = 3, k = 2$",
    ):
        assert piece in md, piece
    latex = render(d, "latex")
    assert "\\textbf{(c)}" in latex and "\\[ \\begin{aligned}" in latex
    assert "✓ Verified at n = 3, k = 2" in render(d, "text")


def test_cli_json_reports_verified_sizes():
    for name, sizes in (
        ("softmax-regression", {"n": 3, "k": 2}),
        ("linear-regression", {"m": 3, "n": 2}),
    ):
        r = CliRunner().invoke(cli, ["derive", name, "-f", "json"])
        assert r.exit_code == 0, r.output
        data = json.loads(r.output)
        assert data["verified"]["passed"] is True
        assert data["verified"]["sizes"] == sizes


def test_cli_sizes_list_and_unknown_names():
    r = CliRunner().invoke(cli, ["derive", "two-layer-mlp", "--sizes", "d=3", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["verified"]["sizes"] == {"n": 3, "d": 3, "k": 2}
    r = CliRunner().invoke(cli, ["derive", "--list", "-f", "json"])
    assert r.exit_code == 0
    assert [x["name"] for x in json.loads(r.output)["derivations"]] == list(RECIPES)
    r = CliRunner().invoke(cli, ["derive", "softmax"])
    assert r.exit_code == 2
    assert "softmax-regression, linear-regression" in r.output
    assert CliRunner().invoke(cli, ["derive"]).exit_code == 2
    r = CliRunner().invoke(cli, ["derive", "softmax-regression", "--sizes", "n=40"])
    assert r.exit_code == 3 and "limit" in r.output
    r = CliRunner().invoke(cli, ["derive", "softmax-regression", "--sizes", "q=2"])
    assert r.exit_code == 2 and "its sizes are n, k" in r.output


def test_api_unknown_name_lists_known():
    with pytest.raises(InputError, match="two-layer-mlp"):
        api.derive("nope")


# each derivation's title and the sizes it is verified at, as every format states them
SHOWN = {
    "linear-regression": ("Linear regression (least squares)", "m = 3, n = 2"),
    "logistic-regression": ("Logistic regression (binary cross-entropy)", "n = 3"),
    "softmax-regression": ("Linear softmax regression", "n = 3, k = 2"),
    "two-layer-mlp": ("A two-layer ReLU network", "n = 3, d = 2, k = 2"),
}


def _rich_text(renderable) -> str:
    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_derivation_renders_in_every_format(name):
    title, sizes = SHOWN[name]
    d = api.derive(name)
    for text in (render(d, "text"), _rich_text(render(d, "rich"))):
        assert text.startswith(title)
        assert f"✓ Verified at {sizes} against entrywise differentiation (passed)" in text
    for fmt, bold in (("markdown", "**Solution:**"), ("latex", "\\textbf{Solution:}")):
        text = render(d, fmt)
        assert text.startswith(f"{bold} {title}"), fmt
        assert f"Verified at ${sizes}$ by differentiating the loss entry by entry (passed" in text
    obj = json.loads(render(d, "json"))
    assert obj["summary"].startswith(title) and obj["verified"]["passed"] is True
    assert ", ".join(f"{k} = {v}" for k, v in obj["verified"]["sizes"].items()) == sizes


@pytest.mark.parametrize(
    "name, answer",
    [
        ("softmax-regression", "x (z − e_y)ᵀ"),
        ("linear-regression", "Xᵀ (Xθ − y)"),
        ("logistic-regression", "x (σ(θᵀx) − y)"),
        ("two-layer-mlp", "∇W₂ ℓ = r (z − e_y)ᵀ"),
    ],
)
def test_no_steps_still_states_the_answer_and_verification(name, answer):
    r = CliRunner().invoke(cli, ["derive", name, "--no-steps", "-f", "text"])
    assert r.exit_code == 0, r.output
    assert answer in r.output
    assert "Verified at" in r.output and "(passed)" in r.output


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("softmax", "softmax-regression"),
        ("mlp", "two-layer-mlp"),
        ("linear-regresion", "linear-regression"),
    ],
)
def test_unknown_name_suggests_the_close_one(typed, meant):
    r = CliRunner().invoke(cli, ["derive", typed])
    assert r.exit_code == 2
    assert f"did you mean '{meant}'?" in r.output


def test_str_of_a_derivation_is_its_text_view():
    d = api.matmul("[[1,2]]", "[[3],[4]]")
    assert str(d) == render(d, "text")
    assert "1*3 + 2*4" in d.steps[1].chain[0] and "= 11" in str(d)


def test_continued_equations_line_up_under_the_first_equals():
    text = render(api.derive("softmax-regression"), "text")
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if "ℓ_ce(h, y) = " in line)
    col = lines[head].index(" = ") + 1
    continued = lines[head + 1 : head + 4]
    assert all(line.index("=") == col and not line[:col].strip() for line in continued)
