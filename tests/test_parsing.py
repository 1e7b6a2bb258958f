"""The parser: exact numbers, every matrix literal form, errors that name a column.

Expected values are worked by hand; exact numbers are compared with sympy
Rationals built from integers, never from the parser's own output.
"""

from __future__ import annotations

import pytest
import sympy
from sympy import Rational, Symbol

from symjac.core.errors import LimitError, ParseError, SymjacError
from symjac.language.parser import parse_expression, parse_matrix

x, y, a, b = (Symbol(n, real=True) for n in "xyab")

# -- exact numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.1", Rational(1, 10)),
        ("1/2", Rational(1, 2)),
        ("0.1 + 0.2", Rational(3, 10)),  # exactly, unlike floats
        ("1.5e-3", Rational(3, 2000)),
        ("2e3", 2000),
        (".5", Rational(1, 2)),
        ("3.", 3),
        ("1_000.5", Rational(2001, 2)),
        ("-7/14", Rational(-1, 2)),
        ("2**-2", Rational(1, 4)),
        ("(2/3)**2", Rational(4, 9)),
        ("0.333", Rational(333, 1000)),
        ("1e1000", 10**1000),
        ("123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_numbers_are_exact(text, value):
    got = parse_expression(text)
    assert got == value
    assert got.is_Rational  # never a Float


def test_decimal_point_one_is_one_tenth_not_a_float():
    v = parse_expression("0.1")
    assert v == Rational(1, 10)
    assert not isinstance(v, sympy.Float)
    assert v * 10 == 1


# -- expressions ---------------------------------------------------------------------------


def test_symbols_are_real_and_shared_by_name():
    e = parse_expression("x*y + x")
    syms = sorted(e.free_symbols, key=str)
    assert [s.name for s in syms] == ["x", "y"]
    assert all(s.is_real for s in syms)
    assert e == x * y + x  # the same real symbols a caller builds
    # conjugate is a no-op only for real symbols
    assert sympy.conjugate(parse_expression("x")) == x


def test_shared_symbol_table_across_inputs():
    table: dict = {}
    m1 = parse_matrix("[[a, b]]", "A", table)
    m2 = parse_matrix("[[a], [1]]", "B", table)
    assert (m1 * m2)[0, 0] == a**2 + b


@pytest.mark.parametrize(
    "text, value",
    [
        ("sin(x)**2 + cos(x)**2", sympy.sin(x) ** 2 + sympy.cos(x) ** 2),
        ("exp(x)*log(y)", sympy.exp(x) * sympy.log(y)),
        ("sqrt(4)", 2),
        ("pi", sympy.pi),
        ("E**x", sympy.exp(x)),
        ("-x**2", -(x**2)),
        ("abs(x)", sympy.Abs(x)),
        ("atan2(y, x)", sympy.atan2(y, x)),
        ("log(8, 2)", 3),
        ("x/2", x / 2),
    ],
)
def test_expressions(text, value):
    assert sympy.simplify(parse_expression(text) - value) == 0


# -- matrix literal forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, rows",
    [
        ("[[1,6],[7,5]]", [[1, 6], [7, 5]]),
        ("1 6; 7 5", [[1, 6], [7, 5]]),
        ("1, 6; 7, 5", [[1, 6], [7, 5]]),
        ("1 6\n7 5", [[1, 6], [7, 5]]),
        ("[1 6; 7 5]", [[1, 6], [7, 5]]),
        ("[3,0,2]", [[3], [0], [2]]),  # a flat list is a column, as in the worksheet
        ("[[3,0,2]]", [[3, 0, 2]]),  # a row vector
        ("3 0 2", [[3, 0, 2]]),  # unbracketed entries on one line: a row
        ("7", [[7]]),  # a scalar is 1×1
        ("[[1/2, 0.25]]", [[Rational(1, 2), Rational(1, 4)]]),
        ("  [[ 1 , 2 ]]  ", [[1, 2]]),
        ("1 6;\n7 5;", [[1, 6], [7, 5]]),  # trailing separators are harmless
    ],
)
def test_matrix_forms(text, rows):
    m = parse_matrix(text)
    assert m == sympy.Matrix(rows)


def test_flat_list_is_a_column_vector():
    assert parse_matrix("[3,0,2]").shape == (3, 1)
    assert parse_matrix("[[3,0,2]]").shape == (1, 3)
    assert parse_matrix("3 0 2").shape == (1, 3)
    assert parse_matrix("x**2 + 1").shape == (1, 1)


@pytest.mark.parametrize(
    "text, rows",
    [
        # Commas and spaces inside a call do not split the compact form.
        ("atan2(y, x)", [[sympy.atan2(y, x)]]),
        ("max(a, b) 2; 3 4", [[sympy.Max(a, b), 2], [3, 4]]),
        # Spaces next to an operator do not split, as in MATLAB; "1 -2" is two entries.
        ("x + 1", [[x + 1]]),
        ("x**2 + 1  3;", [[x**2 + 1, 3]]),  # without ';' it is one expression
        ("1 -2", [[1, -2]]),
        ("1 - 2", [[-1]]),
        ("(1 + 2) 3", [[3, 3]]),
    ],
)
def test_compact_form_splits_only_at_top_level(text, rows):
    assert parse_matrix(text) == sympy.Matrix(rows)


def test_symbolic_matrix_entries():
    assert parse_matrix("[[a, b]]") == sympy.Matrix([[a, b]])
    assert parse_matrix("a b; 1 sin(x)") == sympy.Matrix([[a, b], [1, sympy.sin(x)]])


# -- errors: one line, the problem and its column ----------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("foo(x)", "unknown function 'foo' (column 1)"),
        ("x + foo(1)", "unknown function 'foo' (column 5)"),
        ("x^", "'^' needs a power after it (column 2)"),
        ("1/0", "division by zero (column 3)"),
        ("sin", "'sin' is a function; write sin(...) (column 1)"),
        ("sin(x, y)", "sin() takes 1 argument, not 2 (column 1)"),
        ("x.real", "attribute access is not allowed here (column 1)"),
        ("'x'", "strings are not allowed (column 1)"),
        ("_x", "names may not start with '_': '_x' (column 1)"),
        ("1 + x[0]", "indexing is not allowed here (column 5)"),
        ("x # y", "'#' is not allowed: symjac reads no comments"),
    ],
)
def test_expression_errors_name_the_column(text, message):
    with pytest.raises(ParseError) as info:
        parse_expression(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[1, foo(2)]]", "unknown function 'foo' (column 6)"),
        ("1 2; 3 bar(1)", "unknown function 'bar' (column 8)"),
        ("[[1,2],[3]]", "matrix A is ragged: row 2 has 1 entry but row 1 has 2 entries (column 8)"),
        ("1 2; 3", "matrix A is ragged: row 2 has 1 entry but row 1 has 2 entries (column 5)"),
        ("[[1,2]", "'[' was never closed (column 1)"),
        ("[[1,2]]]", "unmatched ']' (column 8)"),
        ("[]", "matrix A is empty"),
        ("[[]]", "row 1 of matrix A is empty"),
        ("", "matrix A is empty"),
        ("[1,[2]]", "mixes rows and single entries"),
        ("[[[1]]]", "nested too deeply"),
    ],
)
def test_matrix_errors_name_the_column(text, message):
    with pytest.raises(ParseError) as info:
        parse_matrix(text)
    assert message in str(info.value)


def test_error_columns_count_characters_not_bytes():
    # 'é' is two bytes in UTF-8; the column must still count it as one character.
    # "éé + foo(1)": foo is the 6th character but starts at byte 8.
    with pytest.raises(ParseError, match=r"unknown function 'foo' \(column 6\)"):
        parse_expression("éé + foo(1)")


def test_matrix_name_appears_in_messages():
    with pytest.raises(ParseError, match="matrix B is ragged"):
        parse_matrix("1 2; 3", "B")


@pytest.mark.parametrize(
    "text",
    ["9**9**9**9", "2**100000", "10**10**10", "1" * 1001, "1e99999", "(-9)**(9**9)"],
)
def test_limits_are_limit_errors(text):
    with pytest.raises(LimitError):  # no time limit holds here: refused, never computed
        parse_expression(text)


def test_non_text_input_is_a_symjac_error():
    with pytest.raises(SymjacError):
        parse_expression(123)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["lambda: 1", "+", "x +", "not x", "await x"])
def test_syntax_error_columns_count_from_one(text):
    with pytest.raises(ParseError) as info:
        parse_matrix(text)
    assert info.value.position is not None and info.value.position >= 1
    assert "(column 0)" not in str(info.value)


def test_python_syntax_warnings_become_one_parse_error():
    # "1if" makes Python print a SyntaxWarning to stderr; symjac must say one thing only.
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # as on the command line, not pytest's "error"
        with pytest.raises(ParseError, match="invalid syntax"):
            parse_matrix("[[1if 2 else 3]]")
    assert caught == []


@pytest.mark.parametrize(
    "text, code, column",
    [("x\u200b", "U+200B", 2), ("a\u202eb", "U+202E", 2), ("\ufeffx", "U+FEFF", 1)],
)
def test_invisible_characters_are_named_by_code_point(text, code, column):
    # Refused by symjac itself with the code point, before Python's tokenizer sees them.
    with pytest.raises(ParseError) as info:
        parse_expression(text)
    assert code in str(info.value) and info.value.position == column


def test_nfkc_makes_fullwidth_text_ordinary():
    # Fullwidth letters and digits are the same characters after NFKC (DESIGN.md).
    assert parse_expression("ｘ + １/２") == x + Rational(1, 2)


def test_e_is_eulers_number_not_a_variable():
    # e**x must differentiate like exp(x); a variable named e would give a wrong Jacobian.
    expr = parse_expression("e**x")
    x = sympy.Symbol("x", real=True)
    assert expr == sympy.exp(x)
    assert expr.free_symbols == {x}


@pytest.mark.parametrize(
    "text, same_as",
    [
        ("2x", "2*x"),
        ("3.5y + 1", "7/2*y + 1"),
        ("x y", "x*y"),
        ("sin x", "sin(x)"),
        ("2(x+1)", "2*(x+1)"),
        ("(x+1)(x-1)", "(x+1)*(x-1)"),
    ],
)
def test_implicit_multiplication_is_a_product(text, same_as):
    # Once refused with advice (write 2*x); now read as the product (tests/test_forms.py).
    assert parse_expression(text) == parse_expression(same_as)


def test_bracketed_row_with_spaces_gets_advice():
    with pytest.raises(ParseError, match=r"separate entries with commas"):
        parse_matrix("[1 2 3]")
