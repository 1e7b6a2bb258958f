"""Hessians: the Jacobian of the gradient, in the numerator layout.

For a scalar f of plain variables, ∇²f is the Jacobian of the gradient
(worked entry by entry, with the jacobian command's steps). For a loss of a
matrix parameter θ (n×k), θ is flattened row-major to nk entries and the
Hessian is nk×nk: H[(i,j),(p,q)] = ∂²ℓ/∂θ_ij ∂θ_pq. Its closed form comes
from the Hessian-vector product: with V a direction shaped like θ,
∇θ ⟨V, ∇θ ℓ⟩ = H[V], derived on the matrix expressions (ops/matcalc.py) and
read off as a matrix: row-major, vec(A V B) = (A ⊗ Bᵀ) vec(V). Every closed
form is verified against the entrywise Hessian before it is shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import sympy

from symjac.core.errors import InputError
from symjac.core.model import Derivation, Result, Step
from symjac.language.printing import latex, sstr
from symjac.ops import matcalc
from symjac.ops.grad import (
    Problem,
    bind_sizes,
    closed_form,
    entrywise_gradient,
    explicit,
    sizes_text,
    verify_points,
)
from symjac.ops.matexpr import Env, dim_mul, name_latex, pretty

if TYPE_CHECKING:
    from symjac.core.schema import Headline

DIRECTION = "V_"  # the direction of the Hessian-vector product: never a user's name


# -- a scalar function of plain variables -------------------------------------------------


def plain_hessian(functions: str, wrt: str | None, expect: str | None, steps: bool
                  ) -> Derivation:
    from symjac.language.parser import declare, parse_functions, parse_matrix, parse_variables
    from symjac.ops.jacobian import default_variables
    from symjac.ops.jacobian import jacobian as jac
    from symjac.ops.mistakes import assess

    symbols: dict = {}
    if wrt is not None:  # declared variables decide how a run of letters splits
        variables, input_shape = parse_variables(wrt, symbols, "row")
        if input_shape is not None and min(input_shape) > 1:
            raise InputError("--wrt: give the variables as a list, x, y")
        declare(variables)
    funcs, _ = parse_functions(functions, symbols)
    if len(funcs) != 1:
        raise InputError(f"a Hessian needs one scalar function, not {len(funcs)}; for a "
                         "loss of matrices give --shape")
    if wrt is None:
        variables = default_variables(funcs)
        declare(variables)  # for the expected answer
    if not variables:
        raise InputError("the function has no variables to differentiate by")
    first = jac(funcs, variables, steps=False)
    assert first.result is not None
    grad = list(first.result.value)
    d = jac(grad, variables, steps=steps, offers_all_steps=False)
    assert d.result is not None
    H = d.result.value
    n = len(variables)
    names = ", ".join(str(v) for v in variables)
    symmetric = all(sympy.simplify(H[i, j] - H[j, i]) == 0 for i in range(n)
                    for j in range(i + 1, n))
    gstep = Step(
        kind="equation",
        text="∇f = (" + ", ".join(sstr(g) for g in grad) + ")   (first derivatives)",
        latex="\\nabla f = " + "\\begin{bmatrix} " + " & ".join(latex(g) for g in grad)
        + " \\end{bmatrix}",
        data={"tex": "The gradient (first derivatives), one entry per variable:"},
    )
    notes = [f"The Hessian ∇²f is the Jacobian of ∇f: row i holds ∂(∂f/∂{variables[0]}ᵢ)/∂ each "
             f"variable, {n}×{n} in ({names})"
             + ("; it is symmetric (mixed partials agree)." if symmetric else ".")]
    check = None
    if expect is not None:
        check = assess("hessian", H, parse_matrix(expect, "expected", symbols), "∇²f")
    return replace(
        d,
        command="hessian",
        summary=f"f = {functions.strip()} in ({names}): ∇²f is {n}×{n}, the Jacobian of ∇f",
        label="∇²f",
        steps=(gstep, *d.steps) if steps else (),
        notes=tuple(notes),
        check=check,
        extra={**d.extra, "label_latex": "\\nabla^2 f", "symmetric": symmetric,
               "summary_tex": f"The Hessian $\\nabla^2 f$ is ${n} \\times {n}$: the Jacobian "
               "of the gradient $\\nabla f$."},
    )


# -- a loss of a matrix parameter ------------------------------------------------------------


def entrywise_hessians(p: Problem) -> list:
    """[(index values, values, H)] with H the N×N Hessian in declared entry symbols."""
    params = list(p.params)
    runs = []
    for at in p.combos():
        values, loss = explicit(p, at)
        g = list(entrywise_gradient(loss, p.params))
        H = sympy.Matrix([[sympy.diff(gi, q) for q in params] for gi in g])
        runs.append((at, values, H))
    return runs


def hessian_closed_form(p: Problem, cf: matcalc.ClosedForm
                        ) -> tuple[str, str, str, list[str], str]:
    """(language, LaTeX, Unicode, rules, language at the sizes worked at) of H."""
    calc = cf.calc
    r, c = p.spec.dims[p.wrt]
    V = matcalc.Leaf(DIRECTION, r, c)
    # ⟨V, G⟩ = VᵀG for a column, tr(VᵀG) for a matrix
    vg = calc.mm(calc.t(V), cf.gradient)
    s = vg if c == 1 else calc.number(calc.trace_of(vg))
    back = matcalc.Backward(calc, matcalc.depends_on(calc, p.wrt, cf.defs))
    back.run(s, calc.number(1))
    refs = {link.name for link in cf.links}
    # the intermediates stand for their definitions: push the adjoint through them
    for name in [n for n, _ in reversed(p.where) if n in refs or n in back.acc]:
        g = back.acc.pop(name, None)
        if g is not None:
            back.run(cf.defs[name], g)
    hv = back.acc.get(p.wrt)
    if hv is None:
        H = calc.zero(dim_mul(r, c), dim_mul(r, c))
    else:
        H = linear_map(calc, hv, V)
    rules = ["Hessian-vector product: H[V] = ∇θ ⟨V, ∇θ ℓ⟩",
             "row-major flattening: vec(A V B) = (A ⊗ Bᵀ) vec(V)", *back.rules]
    pr = matcalc.Printer
    return (pr(calc, "lang")(H), pr(calc, "tex")(H), pr(calc, "uni")(H), rules,
            pr(calc, "lang", p.sizes)(H))


def _has(calc, n, V) -> bool:
    if n == V:
        return True
    if isinstance(n, matcalc.EW):
        return any(_has(calc, calc.atoms.node[s], V) for s in n.expr.free_symbols
                   if s in calc.atoms.node)
    if isinstance(n, matcalc.T):
        return _has(calc, n.arg, V)
    if isinstance(n, matcalc.MatMul):
        return any(_has(calc, a, V) for a in n.args)
    if isinstance(n, matcalc.Call):
        return _has(calc, n.arg, V)
    return False


def _diagonalised(calc, n, V):
    """d ⊙ w with w depending on V becomes diag(d) @ w, so the map is a product."""
    if isinstance(n, matcalc.T):
        return calc.t(_diagonalised(calc, n.arg, V))
    if isinstance(n, matcalc.MatMul):
        return calc.mm(*[_diagonalised(calc, a, V) for a in n.args])
    if isinstance(n, matcalc.EW) and not n.scalar and n.cols == 1:
        terms = []
        for term in sympy.Add.make_args(sympy.expand(n.expr)):
            coef, mats = sympy.Integer(1), []
            for f in sympy.Mul.make_args(term):
                node = calc.atoms.node.get(f) if f.is_Symbol else None
                if node is not None and not node.scalar:
                    mats.append(node)
                elif f.free_symbols & {s for s, m in calc.atoms.node.items() if not m.scalar}:
                    raise matcalc.NoClosedForm("an entrywise function of the direction")
                else:
                    coef *= f
            with_v = [m for m in mats if _has(calc, m, V)]
            if not mats:
                terms.append((coef, matcalc.Ones(n.rows, 1)))
                continue
            if not with_v and len(mats) == 1:  # V only in the scalar coefficient
                terms.append((coef, mats[0]))
                continue
            if len(with_v) != 1:
                raise matcalc.NoClosedForm("a product of two directions")
            w = _diagonalised(calc, with_v[0], V)
            others = [m for m in mats if m is not with_v[0]]
            node = w
            for d in others:
                node = calc.mm(matcalc.Call("diag", d, n.rows, n.rows), node)
            terms.append((coef, node))
        return calc.from_terms(terms, n.rows, n.cols)
    return n


def linear_map(calc: matcalc.Calc, hv, V) -> matcalc.Node:
    """The matrix M with vec(hv) = M vec(V), row-major; hv is linear in V."""
    hv = _diagonalised(calc, hv, V)
    r, c = V.shape
    terms = calc.linear_terms(hv)
    if terms is None:
        raise matcalc.NoClosedForm("the Hessian-vector product is not linear in V")
    out = []
    for coef, node in terms:
        factors = list(node.args) if isinstance(node, matcalc.MatMul) else [node]
        vs = [k for k, f in enumerate(factors) if _has(calc, f, V)]
        scal = [s for s in coef.free_symbols if s in calc.atoms.node
                and _has(calc, calc.atoms.node[s], V)]
        if len(vs) == 1 and not scal and factors[vs[0]] == V:
            k = vs[0]
            A = calc.mm(*factors[:k]) if k else matcalc.Eye(r)
            B = calc.mm(*factors[k + 1:]) if k + 1 < len(factors) else matcalc.Eye(c)
            out.append((coef, _kron(calc, A, calc.t(B), r, c)))
        elif not vs and len(scal) == 1:
            s = scal[0]
            rest = coef / s
            if rest.has(s):
                raise matcalc.NoClosedForm("a nonlinear use of the direction")
            sn = calc.atoms.node[s]  # a 1×1 product P V Q
            f = list(sn.args) if isinstance(sn, matcalc.MatMul) else [sn]
            if V not in f and matcalc.T(V) in f:  # P Vᵀ Q is the scalar Qᵀ V Pᵀ
                f = [calc.t(a) for a in reversed(f)]
            if f.count(V) != 1:
                raise matcalc.NoClosedForm("the direction inside a scalar")
            k = f.index(V)
            P = calc.mm(*f[:k]) if k else None
            Q = calc.mm(*f[k + 1:]) if k + 1 < len(f) else None
            if P is None or Q is None:
                row = P if Q is None else calc.t(Q)
            else:
                row = matcalc.Kron(P, calc.t(Q))
            if row is None:
                raise matcalc.NoClosedForm("a scalar without the direction")
            out.append((rest, calc.mm(_vec(calc, node), row)))
        else:
            raise matcalc.NoClosedForm("the direction appears transposed or inside a function")
    n = dim_mul(r, c)
    return _collect_kron(calc, out, n)


def _kron(calc, A, B, r, c):
    if c == 1 or B == matcalc.Eye(1):
        return A
    if r == 1 or A == matcalc.Eye(1):
        return B
    return matcalc.Kron(A, B)


def _vec(calc, node):
    """vec(M) row-major, for a column or for a bᵀ-shaped product u vᵀ."""
    if node.cols == 1:
        return node
    if isinstance(node, matcalc.MatMul) and len(node.args) == 2 and node.args[0].cols == 1:
        u, vt = node.args
        return matcalc.Kron(u, calc.t(vt))
    raise matcalc.NoClosedForm("vec of a general matrix")


def _collect_kron(calc, terms, n):
    """Σ c kron(A, Bᵢ) = kron(A, Σ c Bᵢ): one Kronecker product where the left factors agree."""
    krons = [t for t in terms if isinstance(t[1], matcalc.Kron)]
    if krons and len(krons) == len(terms) and all(t[1].a == krons[0][1].a for t in krons):
        A = krons[0][1].a
        inner = calc.from_terms([(k, t.b) for k, t in terms], krons[0][1].b.rows,
                                krons[0][1].b.cols)
        return matcalc.Kron(A, inner)
    return calc.from_terms(terms, n, n)


def hessian(p: Problem, steps: bool = True) -> Derivation:
    runs = entrywise_hessians(p)
    grad_runs = []
    for at, values, _ in runs:
        _, loss = explicit(p, at)
        grad_runs.append((at, values, entrywise_gradient(loss, p.params)))
    r, c = p.params.shape
    N = r * c
    W, Wt = pretty(p.wrt), name_latex(p.wrt)
    found = closed_form(p, grad_runs)
    H_text = H_tex = H_uni = None
    reason = found.reason
    rules: list[str] = []
    if found.found:
        try:
            H_text, H_tex, H_uni, rules, at_sizes = hessian_closed_form(p, found.form)
            verdict = verify_points(p, at_sizes, runs)
            if verdict is not True:
                reason = "a closed form was derived but not verified, so it is not shown"
                H_text = H_tex = H_uni = None
        except matcalc.NoClosedForm as e:
            reason = f"no closed-form rule for {e}"
    H = runs[0][2] if len(runs) == 1 else runs[0][2]
    check = None
    if p.expect is not None:
        check = _expect(p, runs, f"∇²{W} ℓ")
    dims = p.spec.dims[p.wrt]
    Nl = dim_mul(*dims)
    flat = ("row-major: " + ", ".join(str(s) for s in list(p.params)[:4])
            + (", …" if N > 4 else ""))
    at = f" at {sizes_text(p)}" if p.sizes else ""
    notes = [f"∇²{W} ℓ is the Jacobian of ∇{W} ℓ: {Nl}×{Nl}, with {W} flattened {flat} "
             "(numerator layout: row i is ∂(∂ℓ/∂θᵢ)/∂θ)."]
    if H_uni and "⊗" in H_uni:
        notes.append(f"Kronecker order: with {W} flattened row-major, vec(A V B) = "
                     f"(A ⊗ Bᵀ) vec(V); column-major (vec) order swaps the factors.")
    step_list: list[Step] = []
    if steps and found.found:
        step_list.append(Step(kind="closed-link", text=f"∇{W} ℓ = {found.text}   "
                              f"({dims[0]}×{dims[1]}, like {W})",
                              latex=f"\\nabla_{{{Wt}}} \\ell = {found.latex}",
                              data={"tex": "The gradient, in closed form:"}))
    if steps and H_uni:
        step_list.append(Step(kind="closed-link",
                              text=f"∇²{W} ℓ = {H_uni}   [{'; '.join(rules)}]",
                              latex=f"\\nabla^2_{{{Wt}}} \\ell = {H_tex}", rules=tuple(rules),
                              data={"rules_text": "Rules: " + "; ".join(rules) + "."}))
    head: Headline
    if H_uni:
        head = {"text": f"∇²{W} ℓ = {H_uni}",
                "latex": f"\\nabla^2_{{{Wt}}} \\ell = {H_tex}",
                "note": f"✓ closed form verified entry by entry{at or ' at the declared sizes'}"
                + (f", for every {', '.join(p.index)}" if p.index else "")
                + " (random exact points)",
                "entries_label": f"∇²{W} ℓ entry by entry{at} (the check)"}
    else:
        head = {"text": f"No closed form for ∇²{W} ℓ: {reason}; the entries below are the "
                "entrywise result.", "latex": "", "note": "", "entries_label": f"∇²{W} ℓ"}
    shown = H if not p.index else runs[0][2]
    if p.index and len(runs) > 1:
        notes.append("The entries are shown at " + ", ".join(
            f"{k} = {v}" for k, v in runs[0][0].items()) + ".")
    return Derivation(
        command="hessian",
        summary=f"ℓ = {p.loss_text} is a scalar of {W} ({dims[0]}×{dims[1]}); "
        f"∇²{W} ℓ is {Nl}×{Nl}",
        result=Result(
            shape=(N, N),
            matrix=tuple(tuple(sstr(shown[i, j]) for j in range(N)) for i in range(N)),
            latex=p.latex(shown),
            value=shown,
            latex_entries=tuple(tuple(p.latex(shown[i, j]) for j in range(N))
                                for i in range(N)),
            extra={"closed_form": H_text, "closed_form_latex": H_tex,
                   "closed_form_text": H_uni},
        ),
        steps=tuple(step_list),
        label=f"∇²{W} ℓ",
        variables=tuple(str(s) for s in p.params),
        check=check,
        notes=tuple(notes),
        extra={
            "headline": head,
            "label_latex": f"\\nabla^2_{{{Wt}}} \\ell",
            "wrt": p.wrt,
            "flattened": "row-major",
            "closed_form": {"found": H_text is not None, "reason": None if H_text else reason,
                            "rules": rules, "gradient": found.expression},
            "verified": {"passed": H_text is not None, "sizes": dict(p.sizes),
                         "shapes": {k: list(v) for k, v in p.shapes.items()}},
        },
    )


def _expect(p: Problem, runs, label: str):
    """The answer against the Hessian at every index value, through the one grading."""
    from symjac.core.model import Check
    from symjac.ops.compare import mismatch_text
    from symjac.ops.mistakes import assess

    assert p.expect is not None
    want = runs[0][2].shape
    sizes = {**p.sizes, **bind_sizes(p, runs, lambda s: s == want)}
    for at, values, H in runs:
        e = p.expect.evaluate(Env(values, at, sizes))
        found = assess("hessian", H, e, label)
        if not found.passed:
            if not at:
                return found
            marked = [{**m, "at": dict(at)} for m in found.mismatches]
            return replace(found, mismatches=tuple(
                {**m, "message": mismatch_text(m, label)} for m in marked))
    return Check(True, (), f"all {runs[0][2].rows * runs[0][2].cols} entries match"
                 + (" at every index value" if p.index else ""))
