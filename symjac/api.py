"""The library API: one function per command, taking the command's options.

Each function takes text, exactly as the command line does (and as problem
files do: a problem's keys are these keyword arguments), and returns a
Derivation. They raise SymjacError subclasses; they never print or exit.
"""

from __future__ import annotations

from collections.abc import Sequence

from symjac.model import Derivation


def matmul(
    *matrices: str, steps: bool = True, all_steps: bool = False, expect: str | None = None
) -> Derivation:
    """The product of matrices given as text, e.g. matmul("[[1,2]]", "[[3],[4]]")."""
    from symjac.errors import InputError
    from symjac.ops.matmul import DEFAULT_MAX_ENTRIES, NAMES
    from symjac.ops.matmul import matmul as op
    from symjac.parsing import parse_matrix

    if len(matrices) < 2:
        raise InputError("matmul needs at least two matrices, e.g. symjac matmul A B")
    if len(matrices) > len(NAMES):
        raise InputError(f"matmul takes at most {len(NAMES)} matrices")
    symbols: dict = {}
    parsed = [parse_matrix(t, n, symbols) for t, n in zip(matrices, NAMES, strict=False)]
    d = op(parsed, steps=steps, max_entries=None if all_steps else DEFAULT_MAX_ENTRIES)
    if expect is not None:
        from dataclasses import replace

        from symjac.ops.compare import compare_matrices

        expected = parse_matrix(expect, "expected", symbols)
        d = replace(d, check=compare_matrices(d.result.value, expected))
    return d


def grad(
    loss: str,
    wrt: str,
    shape: str,
    where: str | Sequence[str] = (),
    index: str | None = None,
    expect: str | None = None,
    steps: bool = True,
) -> Derivation:
    """The gradient of a scalar loss of matrix parameters, entry by entry.

    grad("-h[y] + log(sum(exp(h)))", "theta", "theta=3x2, x=3x1",
    where=["h = theta.T @ x"], index="y=1..2") is the worksheet's problem 3.
    """
    from symjac.ops.grad import grad as op
    from symjac.ops.grad import prepare

    if isinstance(where, str):
        where = [where]
    problem = prepare(loss, wrt, shape, where=list(where), index=index, expect=expect)
    return op(problem, steps=steps)


def derive(
    name: str | None = None,
    sizes: str | None = None,
    steps: bool = True,
    list_all: bool = False,
) -> Derivation:
    """A verified step-by-step derivation, e.g. derive("softmax-regression")."""
    from symjac.ops import derive as op

    if list_all:
        return op.listing()
    return op.derive(name, sizes=sizes, steps=steps)
