"""Which engine does a command's work: the one place that decides.

``symengine`` is the fast engine of a Jacobian (``engines.fast``,
``ops.fastdiff``, ``ops.faststeps``); ``exact`` is matmul's without steps (exact
integer and fraction arithmetic, ``ops.fastmat``); ``sympy`` is the reference
engine of everything (``ops.jacobian``, ``ops.diffsteps``, ``ops.matmul``, ...).
Each reads the input through the same parser and gives equal entries, the same
variable order and the same kind of Derivation (tests/test_engines.py checks
that on generated systems).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from symjac.language.builders import Unsupported

T = TypeVar("T")

ENGINES = ("auto", "sympy", "symengine")

# What only the reference engine does: --simplify (sympy.simplify), --at (exact
# values and decimals at a point) and --check (finite differences in mpmath).
_REFERENCE_ONLY = ("simplify", "at", "check")


def choose(command: str, options: Mapping[str, object]) -> str:
    """'symengine', 'exact' or 'sympy' for ``command`` with these options (the api's
    keywords).

    ``options["engine"]`` may force one ("sympy", "symengine"); "auto" (the
    default) takes the fast engine wherever it does all that was asked.
    """
    asked = options.get("engine") or "auto"
    if not isinstance(asked, str) or asked not in ENGINES:
        from symjac.core.errors import InputError

        raise InputError(f"the engine must be one of {', '.join(ENGINES)}, not '{asked}'")
    if command == "matmul":
        return "sympy" if options.get("steps", True) else "exact"
    if command != "jacobian":
        return "sympy"
    needs = [k for k in _REFERENCE_ONLY if options.get(k) not in (None, False)]
    if asked == "symengine" and needs:
        from symjac.core.errors import InputError

        raise InputError(f"--{needs[0]} needs the sympy engine (--engine sympy or auto)")
    if asked != "auto":
        return asked
    return "sympy" if needs else "symengine"


def run(command: str, options: Mapping[str, object], fast: Callable[[], T],
        reference: Callable[[], T]) -> T:
    """The command's work on the engine ``choose`` names, and the one fallback.

    ``fast`` is the fast engine's work and ``reference`` the reference engine's.
    Where the fast engine cannot build the input exactly (``Unsupported``: a
    constant such as exp(10**10*log(2)), which needs sympy's size rules, or for
    matmul a matrix that is not all numbers), the reference engine does it,
    unless the fast one was asked for by name.
    """
    if choose(command, options) != "sympy":
        try:
            return fast()
        except Unsupported:
            if options.get("engine") == "symengine":
                from symjac.core.errors import InputError

                raise InputError("the symengine engine cannot build this input exactly; "
                                 "use --engine sympy") from None
    return reference()
