"""symjac: matrix products, Jacobians and gradients, derived step by step.

The command-line tool is ``symjac``; the library functions below return
``Derivation`` values that every renderer reads.
"""

__version__ = "0.1.0"

# The library API, loaded on first use so `import symjac` stays cheap (no sympy):
# symjac.matmul("[[1,2]]", "[[3],[4]]") returns a Derivation, shown worked in Jupyter.
_API = ("matmul", "jacobian", "grad", "derive")


def __getattr__(name: str):
    if name == "api":
        import importlib

        return importlib.import_module("symjac.api")
    if name == "__all__":  # computed, so `import *` offers only the commands that exist
        from symjac import api

        return ["__version__", *(n for n in _API if hasattr(api, n))]
    if name in _API:
        from symjac import api

        fn = getattr(api, name, None)
        if fn is not None:
            return fn
    raise AttributeError(f"module 'symjac' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
