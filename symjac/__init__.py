"""symjac: matrix products, Jacobians and gradients, derived step by step.

The command-line tool is ``symjac``; the library functions below return
``Derivation`` values that every renderer reads:

>>> import symjac
>>> symjac.matmul([[1, 2]], [[3], [4]]).result.matrix
(('11',),)

``symjac.matmul``, ``jacobian``, ``grad``, ``hessian`` and ``derive`` take
text, nested lists or sympy objects, and return an undefined answer as a
result (``.undefined``, ``.reason``); ``symjac.load(path)`` reads a problem
file. ``symjac.api`` holds the commands' text-only back end.
"""

from symjac.core import __version__
from symjac.core.commands import COMMANDS

# Loaded on first use, so `import symjac` stays cheap (no sympy).
_API = tuple(COMMANDS)
__all__ = ["__version__", "load", *_API]


def __getattr__(name: str):
    if name in ("api", "library"):
        import importlib

        return importlib.import_module(f"symjac.{name}")
    if name == "load":
        from symjac.library import load

        return load
    if name in _API:
        from symjac import library

        return library.function(name)
    raise AttributeError(f"module 'symjac' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API, "load"})
