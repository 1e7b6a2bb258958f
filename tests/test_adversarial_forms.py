"""The adversarial suite, on the LaTeX and forgiving-form paths (tests/test_adversarial.py
covers the Python-like grammar): hostile input is a clean exit 2 or 3, never a traceback,
and nothing runs."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from symjac.cli.commands import cli

BAD, LIMIT = {2}, {2, 3}

CASES = [
    (r"\input{/etc/passwd}", BAD),
    (r"\include{x}", BAD),
    (r"\def\x{1} \x", BAD),
    (r"\newcommand{\x}{1}", BAD),
    (r"\write18{touch /tmp/symjac-canary}", BAD),
    (r"\immediate\write18{ls}", BAD),
    (r"\catcode`\^=12", BAD),
    (r"\csname foo\endcsname", BAD),
    (r"\begin{verbatim}x\end{verbatim}", BAD),
    (r"\begin{bmatrix} 1 & 2", BAD),
    (r"\end{bmatrix}", BAD),
    (r"\frac{1}", BAD),
    (r"\frac{1}{0}", BAD),
    (r"\sqrt", BAD),
    (r"\left( x", BAD),
    (r"x^", BAD),
    (r"\sin x_", BAD),
    (r"\sum x", BAD),
    (r"\sum_{j=1}^{k}", BAD),
    (r"{{{", BAD),
    (r"}}}", BAD),
    ("\\", BAD),
    ("\\\\", BAD),
    ("$", BAD),
    ("%", BAD),
    (r"\frac{" * 200 + "1" + "}{2}" * 200, LIMIT),
    ("{" * 5000 + "x" + "}" * 5000, LIMIT),
    (r"\left(" * 300 + "x" + r"\right)" * 300, LIMIT),
    (r"\sqrt{" * 150 + "x" + "}" * 150, LIMIT),
    (r"9^{9^{9^{9}}}", {3}),
    (r"\begin{bmatrix}" * 200 + "1" + r"\end{bmatrix}" * 200, LIMIT),
    # the forgiving forms
    ("2" + "x" * 5000, LIMIT),
    ("|" * 301 + "x", LIMIT),
    ("√" * 300 + "x", LIMIT),
    ("x" + "²" * 2000, {2, 3}),
    ("sin " * 300 + "x", LIMIT),
    ("x^" * 300 + "2", LIMIT),
    ("9^9^9^9", {3}),
    ("1{" * 200 + "x = 1" + "}" * 200, LIMIT),
    ("x # rm -rf /", BAD),
    ("х + x", BAD),
    ("oo", BAD),
    ("__import__ x", BAD),
    ("[x,, y]", BAD),
]


def _runner():
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


@pytest.mark.parametrize(("text", "codes"), CASES, ids=[repr(t[:30]) for t, _ in CASES])
@pytest.mark.parametrize("command", ["matmul", "jacobian"])
def test_hostile_forms_are_refused_cleanly(command, text, codes, tmp_path):
    args = ["matmul", "[[1]]", text] if command == "matmul" else ["jacobian", text]
    result = _runner().invoke(cli, [*args, "-f", "text", "--timeout", "20"])
    assert result.exit_code in codes, (result.exit_code, result.output[:300])
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr[:500]


def test_a_long_legal_latex_product_finishes_or_hits_a_limit_cleanly():
    # (1/2)^20000 is legal: by the machine's speed it is computed (shown abbreviated)
    # or it meets the time limit; either way one clean outcome.
    result = _runner().invoke(cli, ["matmul", "[[1]]", r"\frac{1}{2}" * 20000, "-f", "text",
                                    "--timeout", "20"])
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert "1/<integer of about 6,021 digits>" in result.stdout
    else:
        assert result.exit_code == 3 and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("text", [r"h = \input{x}", r"h = \theta^{" * 120 + "T" + "}" * 120])
def test_hostile_latex_in_grad_is_refused(text):
    result = _runner().invoke(cli, ["grad", "sum(h)", "--where", text, "--wrt", "theta",
                                    "--shape", "theta=2x2, x=2x1", "-f", "text"])
    assert result.exit_code in (2, 3), result.output
    assert "Traceback" not in result.output
