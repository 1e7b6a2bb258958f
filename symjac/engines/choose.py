"""Which engine does a command's work: the one place that decides.

``symengine`` is the fast engine (``engines.fast``, ``ops.fastdiff``,
``ops.faststeps``); ``sympy`` is the reference engine (``ops.jacobian``,
``ops.diffsteps``). Both read the input through the same parser, give equal
entries, the same variable order and the same kind of Derivation
(tests/test_engines.py checks that on generated systems).
"""

from __future__ import annotations

from collections.abc import Mapping

ENGINES = ("auto", "sympy", "symengine")

# What only the reference engine does: --simplify (sympy.simplify), --at (exact
# values and decimals at a point) and --check (finite differences in mpmath).
_REFERENCE_ONLY = ("simplify", "at", "check")


def choose(command: str, options: Mapping) -> str:
    """'symengine' or 'sympy' for ``command`` with these options (the api's keywords).

    ``options["engine"]`` may force one ("sympy", "symengine"); "auto" (the
    default) takes the fast engine wherever it does all that was asked.
    """
    asked = options.get("engine") or "auto"
    if asked not in ENGINES:
        from symjac.core.errors import InputError

        raise InputError(f"the engine must be one of {', '.join(ENGINES)}, not '{asked}'")
    if command != "jacobian":
        return "sympy"
    needs = [k for k in _REFERENCE_ONLY if options.get(k) not in (None, False)]
    if asked == "symengine" and needs:
        from symjac.core.errors import InputError

        raise InputError(f"--{needs[0]} needs the sympy engine (--engine sympy or auto)")
    if asked != "auto":
        return asked
    return "sympy" if needs else "symengine"
