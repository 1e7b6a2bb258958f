"""Matrix calculus on the expression language itself: closed forms, not entries.

The loss (and each --where definition) is lifted from the parsed tree into a
small tree of matrix nodes whose sizes may be letters (n, k). Reverse mode
then carries the adjoint G = ∂ℓ/∂node, shaped like the node, down each node
(C = A @ B: G_A += G Bᵀ, G_B += Aᵀ G; log det X: G_X += g X⁻ᵀ; ...), one
--where link at a time, and the result is printed back in the language that
--expect reads, in LaTeX and in Unicode.

Entrywise work (+, −, scalar ×, ⊙, /, exp, log, ...) is a sympy expression
whose symbols stand for whole matrices ("atoms") of one shape, or for
scalars spread over it; sympy then collects and cancels (2X, σ(h) − y), and
the derivative of an entrywise function is sympy's own. Matrix products are
never handed to sympy: they stay nodes, kept expanded (sums of products) and
factored only when printed (Aᵀ(Ax − b), (A + Aᵀ)x).

Nothing here is trusted: ops/grad.py verifies every closed form against the
entrywise engine before reporting it.

The package, by job: ``nodes`` (matrix nodes, their sympy atoms and the
calculator that normalises them), ``lift`` (the parsed language into nodes),
``reverse`` (reverse mode and the derivation) and ``printer`` (the language,
LaTeX and Unicode).
"""

from symjac.ops.matcalc.nodes import (
    EW,
    Atoms,
    Calc,
    Call,
    Dim,
    Eye,
    Kron,
    Leaf,
    Lit,
    MatMul,
    NoClosedForm,
    Node,
    OneHot,
    Ones,
    T,
)
from symjac.ops.matcalc.printer import Printer
from symjac.ops.matcalc.reverse import Backward, ClosedForm, Link, depends_on, derive_gradient

__all__ = ["EW", "Atoms", "Backward", "Call", "Calc", "ClosedForm", "Dim", "Eye", "Kron",
           "Leaf", "Link", "Lit", "MatMul", "NoClosedForm", "Node", "OneHot", "Ones", "Printer",
           "T", "depends_on", "derive_gradient"]
