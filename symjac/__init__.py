"""symjac: matrix products, Jacobians and gradients, derived step by step.

The command-line tool is ``symjac``; the library functions below return
``Derivation`` values that every renderer reads.
"""

__version__ = "0.1.0"
