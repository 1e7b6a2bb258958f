"""Hypothesis: any text gives an expression (or matrix) or a SymjacError, nothing else."""

from __future__ import annotations

import os

import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symjac.core.errors import SymjacError
from symjac.isolation import time_limit
from symjac.language.parser import parse_expression, parse_matrix
from symjac.language.printing import latex, sstr

# Pieces of the grammar and of what it refuses, so that generated text gets
# past the tokenizer often enough to reach the translation of the tree.
TOKENS = [
    "x", "y", "theta", "1", "2", "0", "10", "9", "1.5", "1e3", "0x1f", "pi", "E",
    "+", "-", "*", "/", "**", "^", "@", "%", "//", "(", ")", "[", "]", ",", ";", " ",
    "sin(", "exp(", "log(", "sqrt(", "max(", "floor(", "atan2(", "sigmoid(", "abs(",
    ".T", ".__class__", "[0]", "'s'", "lambda:", "eval(", "__import__(", "_", "=", ":=",
    "if", "else", "for", "in", "not", "<", "==", "\u200b", "ｅ", "\n", "\t", "*x", "**x",
    "{", "}", "1j", "True", "None", "...", "...", "0**-1", "1/0",
]
SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),  # more for a long local run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _parses_or_refuses(parse, text: str) -> None:
    try:
        with time_limit(5):
            value = parse(text)
    except SymjacError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(value, sympy.Basic | sympy.MatrixBase)
    sstr(value), latex(value)  # whatever parses also prints


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_expression(text):
    _parses_or_refuses(parse_expression, text)


@SETTINGS
@given(st.text(max_size=200))
def test_any_text_matrix(text):
    _parses_or_refuses(parse_matrix, text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_token_soup_expression(text):
    _parses_or_refuses(parse_expression, text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(lambda t: "[[" + "".join(t) + "]]"))
def test_token_soup_matrix(text):
    _parses_or_refuses(parse_matrix, text)


_leaf = st.sampled_from(["x", "y", "2", "3", "10", "1/2", "pi", "E", "0"])
_expr = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        ),
        st.tuples(st.sampled_from(["sin", "exp", "log", "sqrt", "floor", "abs"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
    ),
    max_leaves=12,
)


@SETTINGS
@given(_expr)
def test_well_formed_expressions(text):
    _parses_or_refuses(parse_expression, text)


_matrix_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=20).map(lambda t: "[[" + "".join(t) + "]]"),
    st.lists(st.sampled_from(["1", "x", "-2", "1/2", "y**2", ",", ";", " ", "[", "]"]),
             max_size=20).map("".join),
)


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(_matrix_text, max_size=4), st.sampled_from(["text", "json", "markdown"]))
def test_any_command_line_exits_0_to_3(texts, fmt):
    from click.testing import CliRunner

    from symjac.cli.commands import cli

    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, ["matmul", "-f", fmt, "--timeout", "5", "--", *texts])
    assert result.exit_code in (0, 1, 2, 3), (result.exit_code, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    if result.exit_code in (2, 3):
        assert len(result.stderr.splitlines()) == 1
