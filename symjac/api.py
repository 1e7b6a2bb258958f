"""The library API: one function per command, taking the command's options.

Each function takes text, exactly as the command line does (and as problem
files do: a problem's keys are these keyword arguments), and returns a
Derivation. They raise SymjacError subclasses; they never print or exit.
"""

from __future__ import annotations

from symjac.model import Derivation


def matmul(
    *matrices: str, steps: bool = True, all_steps: bool = False, expect: str | None = None
) -> Derivation:
    """The product of matrices given as text, e.g. matmul("[[1,2]]", "[[3],[4]]")."""
    if not steps:
        # Integer/fraction literals: an exact product without importing sympy.
        from symjac.ops.fastmat import fast_matmul

        fast = fast_matmul(matrices)
        if fast is not None:
            return _check_product(fast, expect, {}) if expect is not None else fast
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
        d = _check_product(d, expect, symbols)
    return d


def _check_product(d: Derivation, expect: str, symbols: dict) -> Derivation:
    from dataclasses import replace

    from symjac.ops.compare import compare_matrices
    from symjac.parsing import parse_matrix

    expected = parse_matrix(expect, "expected", symbols)
    return replace(d, check=compare_matrices(d.result.value, expected))
