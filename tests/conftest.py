"""Shared helpers: the worksheet's problem 1 and a one-call CLI runner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

# Discussion 01, problem 1 (seed/000_a2a5434e9771d97d.txt), as typed by a student.
P1A = ("[[1,6],[7,5]]", "[[3],[0],[2]]")
P1B = ("[[4,3,6],[2,1,0],[0,5,7]]", "[[2],[1],[3]]")
P1C = ("[[0,6,5],[2,3,3],[5,7,8]]", "[[1,9],[1,4],[3,0]]")


@pytest.fixture
def invoke():
    """invoke("matmul", A, B, "-f", "json") -> click's Result (stdout and stderr apart)."""
    from symjac.cli.commands import cli

    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return _invoke


# Commands run their work in a forked child; with sympy already loaded here the
# children inherit it, as they do in a real one-shot run, instead of each
# importing it afresh (which made in-process CLI tests several times slower).
import sympy  # noqa: E402, F401
