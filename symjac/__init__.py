"""symjac: matrix products, Jacobians and gradients, derived step by step.

The command-line tool is ``symjac``; the library functions below return
``Derivation`` values that every renderer reads.
"""

__version__ = "0.1.0"

# The library API, loaded on first use so `import symjac` stays cheap (no sympy):
# symjac.matmul("[[1,2]]", "[[3],[4]]") returns a Derivation, shown worked in Jupyter.
_API = ("matmul", "jacobian", "grad", "derive")
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        from symjac import api

        fn = getattr(api, name, None)
        if fn is not None:
            return fn
    raise AttributeError(f"module 'symjac' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
