"""Every printed form reads back, through symjac's own reader, to the value computed.

The LaTeX reader on the forms the printers write.
"""

from __future__ import annotations

import pytest
import sympy

from symjac import parsing
from symjac.errors import SymjacError

# -- the LaTeX reader takes what the printers write ---------------------------------------------


@pytest.mark.parametrize("tex, text", [
    # the bars' sides are said by \left and \right: |a - s|b| + c| is one absolute value
    (r"\left|a - s \left|b\right| + c\right|", "Abs(a - s*Abs(b) + c)"),
    (r"\left\lvert a - \left\lvert b \right\rvert \right\rvert", "Abs(a - Abs(b))"),
    (r"\left|{b w - e^{2 y}}\right|^{2}", "Abs(b*w - exp(2*y))**2"),
    (r"\left\lfloor{x}\right\rfloor + \lceil \frac{x}{2} \rceil^{z}",
     "floor(x) + ceiling(x/2)**z"),
    # the indicator is one operand, after a number and under a power
    (r"3 \mathbb{1}\{y = 1\}", "3*KroneckerDelta(1, y)"),
    (r"\mathbb{1}\{y + 1 = 2\}^{x} + 1", "KroneckerDelta(2, y + 1)**x + 1"),
    (r"\frac{x}{\mathbb{1}\{y = 1\}}", "x/KroneckerDelta(1, y)"),
    (r"\operatorname{Heaviside}\left(x - \frac{1}{2}\right)^2", "Heaviside(x - 1/2)**2"),
    (r"\max\left(x, y, 1\right) - \operatorname{atan2}\left(x, y\right)",
     "Max(x, y, 1) - atan2(x, y)"),
])
def test_the_latex_reader_takes_what_symjac_prints(tex, text):
    symbols = {n: sympy.Symbol(n, real=True) for n in "a b c s w x y z".split()}
    got = parsing.parse_expression(tex, dict(symbols))
    assert got == parsing.parse_expression(text, dict(symbols))


@pytest.mark.parametrize("tex, message", [
    (r"\lfloor x \rceil", r"\\rceil does not close the \\lfloor"),
    (r"x \rfloor", r"\\rfloor does not close a \\lfloor"),
    (r"\lceil x + 1", r"\\lceil is not closed"),
])
def test_the_latex_reader_refuses_unpaired_floor_and_ceiling(tex, message):
    with pytest.raises(SymjacError, match=message):
        parsing.parse_expression(tex)
