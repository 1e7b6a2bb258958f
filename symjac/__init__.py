"""symjac: matrix products, Jacobians and gradients, derived step by step.

The command-line tool is ``symjac``; the library functions below return
``Derivation`` values that every renderer reads:

>>> import symjac
>>> symjac.matmul([[1, 2]], [[3], [4]]).result.matrix
(('11',),)

``symjac.matmul``, ``jacobian``, ``grad``, ``derive`` (and ``hessian``, where
it exists) take text, nested lists or sympy objects, and return an undefined
answer as a result (``.undefined``, ``.reason``); ``symjac.load(path)`` reads
a problem file. ``symjac.api`` holds the commands' text-only back end.
"""

__version__ = "0.1.0"

# Loaded on first use, so `import symjac` stays cheap (no sympy).
_API = ("matmul", "jacobian", "grad", "hessian", "derive")


def __getattr__(name: str):
    if name in ("api", "library"):
        import importlib

        return importlib.import_module(f"symjac.{name}")
    if name == "__all__":  # computed, so `import *` offers only the commands that exist
        from symjac import library

        return ["__version__", "load", *library.commands()]
    if name == "load":
        from symjac.library import load

        return load
    if name in _API:
        from symjac import library

        fn = library.function(name)
        if fn is not None:
            return fn
    raise AttributeError(f"module 'symjac' has no attribute {name!r}")


def __dir__() -> list[str]:
    from symjac import library

    return sorted({*globals(), *library.commands(), "load"})
