"""Hypothesis properties: worked entries add up, JSON round-trips, the parser is total.

The product is recomputed independently with Python's Fractions; the worked
stages are read back with Fraction too, never with sympy or symjac.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symjac import api
from symjac.core.errors import SymjacError
from symjac.core.model import Check, Derivation, Result, Step
from symjac.language.parser import parse_expression, parse_matrix

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- the worked entries add up to A @ B ---------------------------------------------------------

numbers = st.one_of(
    st.integers(-20, 20),
    st.fractions(min_value=-10, max_value=10, max_denominator=12),
).map(Fraction)


@st.composite
def chains(draw):
    """Two or three matrices whose neighbours fit: shapes (m×n)(n×p)(p×q)."""
    k = draw(st.integers(2, 3))
    dims = draw(st.lists(st.integers(1, 4), min_size=k + 1, max_size=k + 1))
    return [[[draw(numbers) for _ in range(dims[i + 1])] for _ in range(dims[i])] for i in range(k)]


def text_of(m) -> str:
    return "[" + ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in m) + "]"


def matmul_fractions(a, b):
    return [
        [sum((a[i][t] * b[t][j] for t in range(len(b))), Fraction(0)) for j in range(len(b[0]))]
        for i in range(len(a))
    ]


def read_factor(s: str) -> Fraction:
    return Fraction(s.strip().removeprefix("(").removesuffix(")"))


def read_sum(s: str) -> Fraction:
    """'8 + 3 + 18' or '-1/2 - 3 + 4' -> their sum, read as Fractions."""
    parts = re.split(r" ([+-]) ", s)
    total = Fraction(parts[0])
    for sign, term in zip(parts[1::2], parts[2::2], strict=True):
        total += Fraction(term) if sign == "+" else -Fraction(term)
    return total


@FAST
@given(chains())
def test_worked_entries_add_up_to_the_product(mats):
    d = api.matmul(*(text_of(m) for m in mats), all_steps=True)
    left = mats[0]
    heads = [s for s in d.steps if s.kind == "product"]
    assert len(heads) == len(mats) - 1
    for right, head in zip(mats[1:], heads, strict=True):
        expected = matmul_fractions(left, right)
        product = head.data["product"]
        worked = [s for s in d.steps if s.kind == "entry" and s.data["product"] == product]
        assert len(worked) == len(expected) * len(expected[0])
        for e in worked:
            i, j = e.index[0] - 1, e.index[1] - 1
            # stage 1: the products of row i and column j, in order
            pairs = [term.split("*") for term in e.chain[0].split(" + ")]
            assert [(read_factor(x), read_factor(y)) for x, y in pairs] == [
                (left[i][t], right[t][j]) for t in range(len(right))
            ]
            # stage 2 (when it differs from the last): each product's value, adding up
            values = e.chain[1] if len(e.chain) == 3 else e.chain[-1]
            assert read_sum(values) == expected[i][j]
            # stage 3: the entry itself
            assert Fraction(e.chain[-1]) == expected[i][j]
        left = expected
    assert [[Fraction(v) for v in row] for row in d.result.matrix] == left


# -- from_dict(to_dict(d)) == d -----------------------------------------------------------------

STEP_KEYS = {"kind", "index", "text", "latex", "chain", "latex_chain", "rules"}
DERIVATION_KEYS = {
    "schema",
    "command",
    "ok",
    "summary",
    "label",
    "notes",
    "warnings",
    "result",
    "variables",
    "steps",
    "check",
    "error",
    # fields of their own, written only when set: an extra key of that name cannot round-trip
    "reading",
    "undefined",
    "reason",
}
words = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=6,
)
key = st.text(st.characters(codec="ascii", categories=["Ll"]), min_size=1, max_size=8)

steps = st.builds(
    Step,
    kind=st.sampled_from(["product", "entry", "note", "partial"]),
    text=words,
    latex=words,
    index=st.none() | st.tuples(st.integers(1, 9), st.integers(1, 9)),
    chain=st.lists(words, max_size=3).map(tuple),
    latex_chain=st.lists(words, max_size=3).map(tuple),
    rules=st.lists(words, max_size=2).map(tuple),
    data=st.dictionaries(key.filter(lambda k: k not in STEP_KEYS), json_values, max_size=3),
)


@st.composite
def results(draw):
    rows, cols = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    matrix = tuple(tuple(draw(words) for _ in range(cols)) for _ in range(rows))
    return Result(shape=(rows, cols), matrix=matrix, latex=draw(words))


mismatch = st.fixed_dictionaries(
    {"index": st.lists(st.integers(1, 9), min_size=2, max_size=2), "expected": words, "got": words}
)
checks = st.builds(
    Check, passed=st.booleans(), mismatches=st.lists(mismatch, max_size=2).map(tuple), message=words
)
derivations = st.builds(
    Derivation,
    command=st.sampled_from(["matmul", "jacobian", "grad"]),
    summary=words,
    result=st.none() | results(),
    steps=st.lists(steps, max_size=4).map(tuple),
    label=words,
    variables=st.none() | st.lists(words, max_size=3).map(tuple),
    check=st.none() | checks,
    notes=st.lists(words, max_size=2).map(tuple),
    warnings=st.lists(words, max_size=2).map(tuple),
    extra=st.dictionaries(key.filter(lambda k: k not in DERIVATION_KEYS), json_values, max_size=2),
)


@settings(max_examples=150, deadline=None)
@given(derivations)
def test_derivation_round_trips_through_json(d):
    wire = json.loads(json.dumps(d.to_dict()))  # through real JSON text, as a consumer sees it
    back = Derivation.from_dict(wire)
    assert back == d
    assert back.to_dict() == d.to_dict()


@FAST
@given(chains())
def test_matmul_derivations_round_trip(mats):
    d = api.matmul(*(text_of(m) for m in mats))
    assert Derivation.from_dict(json.loads(json.dumps(d.to_dict()))) == d


# -- any text: a value or a SymjacError, never another exception -----------------------------

TOKENS = [
    "x",
    "y",
    "a1",
    "1",
    "0",
    "2",
    "9",
    "0.5",
    ".5",
    "1e5",
    "1e-3",
    "1_0",
    "12345678901234567890",
    "+",
    "-",
    "*",
    "/",
    "**",
    "^",
    "%",
    "@",
    "//",
    "~",
    "(",
    ")",
    "[",
    "]",
    "[[",
    "]]",
    ",",
    ";",
    " ",
    "  ",
    "\n",
    "\t",
    "sin",
    "log",
    "atan2",
    "max",
    "sqrt",
    "exp",
    "pi",
    "E",
    "e",
    "j",
    "=",
    ":",
    ":=",
    ".",
    ".T",
    "_",
    "__class__",
    "__import__",
    "'",
    '"',
    "lambda",
    "for",
    "in",
    "if",
    "else",
    "not",
    "and",
    "None",
    "True",
    "ｘ",
    "²",
    "\u200b",
    "\u202e",
    "é",
    "∞",
    "0x1F",
    "1j",
    "...",
    "{",
    "}",
    "*" * 3,
    "9**9**9",
]
token_text = st.lists(st.sampled_from(TOKENS), max_size=25).map("".join)
any_text = st.text(max_size=60) | token_text


def total(fn, text):
    try:
        fn(text)
    except SymjacError as e:
        message = str(e)
        assert message and "\n" not in message  # one line, always
        assert "Traceback" not in message
        assert e.position is None or e.position >= 1  # columns count from 1


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_parse_expression_is_total(text):
    total(parse_expression, text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text)
def test_parse_matrix_is_total(text):
    total(parse_matrix, text)
