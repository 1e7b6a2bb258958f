"""Worked derivations in general sizes, each verified at small concrete sizes.

The steps are written out as a worked solution writes them (n, k as
letters); the closed form they arrive at is then checked by the grad engine
(ops/grad.py) against entrywise differentiation at concrete sizes, for
every index value, before the derivation is reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from symjac.core.errors import InputError
from symjac.core.model import Check, Derivation, Step
from symjac.ops.grad import part
from symjac.ops.matexpr import name_latex, pretty, read_sizes

if TYPE_CHECKING:
    from symjac.core.schema import DeriveProblem

MAX_SIZE = 6  # each size letter when verifying; the engine works entry by entry


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    summary: str  # one line for --list
    sizes: dict[str, int]  # the default sizes for verification
    shape: str  # templates: "{n}" is a size
    loss: str
    where: tuple[str, ...]
    index: str | None
    closed_forms: tuple[tuple[str, str], ...]  # (wrt, expected gradient template)
    given: tuple[str, ...]  # sentences in LaTeX ($...$), for markdown and latex
    given_text: tuple[str, ...]  # the same sentences in plain Unicode
    steps: Callable[[], list[Step]] = field(repr=False, default=list)

    def instantiate(self, sizes: Mapping[str, int | str]) -> dict:
        fill = lambda t: t.format(**sizes)  # noqa: E731 - templates are ours, not user text
        return {
            "loss": self.loss,
            "shape": fill(self.shape),
            "where": [fill(w) for w in self.where],
            "index": None if self.index is None else fill(self.index),
            "closed_forms": [(w, fill(e)) for w, e in self.closed_forms],
        }


# -- step builders ------------------------------------------------------------------------------


def equation(text_lines: list[str], lines: list[tuple[str, str]], tex: str = "",
             text: str = "") -> Step:
    """Aligned equations: lines of (left side, right side); an empty left side continues."""
    # a right side may bring its own relation (":= ..."), as the update equation does
    rel = [("&" + rhs) if rhs.startswith(":=") else f"&= {rhs}" for _, rhs in lines]
    body = " \\\\ ".join(f"{lhs} {r}" for (lhs, _), r in zip(lines, rel, strict=True))
    latex = f"\\begin{{aligned}} {body} \\end{{aligned}}"
    if len(lines) == 1:
        latex = f"{lines[0][0]} {rel[0][1:]}"
    full = ((text + "\n") if text else "") + "\n".join(_aligned(text_lines))
    return Step(kind="equation", text=full, latex=latex,
                data={"tex": tex, "lines": [list(p) for p in lines]})


def _aligned(lines: list[str]) -> list[str]:
    """Continuation lines ("    = ...") with their '=' under the first line's '='."""
    out, col = [], None
    for line in lines:
        rest = line.lstrip()
        if rest.startswith("=") and col is not None:
            out.append(" " * col + rest)
            continue
        out.append(line)
        at = line.find(" = ")
        col = at + 1 if at >= 0 else None
    return out


def note(text: str, tex: str | None = None) -> Step:
    return Step(kind="note", text=text, data={"tex": tex if tex is not None else text})


def chain(text: str, latex: str, factors: list[tuple[str, str, str]], result: str) -> Step:
    return Step(kind="chain", text=text, latex=latex,
                data={"factors": [{"of": a, "wrt": b, "shape": s} for a, b, s in factors],
                      "shape": result})


D = "\\partial"
L = "\\ell"
TH = "\\theta"


def frac(a: str, b: str) -> str:
    return f"\\frac{{{D} {a}}}{{{D} {b}}}"


_COLUMNS_OF = (
    "\\begin{{bmatrix}} \\vdots & \\vdots & \\cdots & \\vdots \\\\ {a} & {b} & \\cdots & {c} "
    "\\\\ \\vdots & \\vdots & \\cdots & \\vdots \\end{{bmatrix}}"
)


def _columns(a: str, b: str, c: str) -> str:
    return _COLUMNS_OF.format(a=a, b=b, c=c)


# -- softmax regression: the worksheet's problem 3 -----------------------------------------------


def _softmax_steps() -> list[Step]:
    sm = "\\frac{e^{h_y}}{\\sum_{j=1}^k e^{h_j}}"
    lse = "\\log \\sum_{j=1}^k e^{h_j}"
    return [
        equation(
            ["ℓ_ce(h, y) = −log z_y", "          = −log( e^{h_y} / Σ_j e^{h_j} )",
             "          = −(log e^{h_y} − log Σ_j e^{h_j})",
             "          = −h_y + log Σ_j e^{h_j}  =  f(θ)"],
            [(f"{L}_{{ce}}(h, y)", "-\\log z_y"), ("", f"-\\log {sm}"),
             ("", f"-\\left(\\log e^{{h_y}} - {lse}\\right)"), ("", f"-h_y + {lse}"),
             ("", "f(\\theta)")],
            tex="The cross-entropy loss is:",
            text="The cross-entropy loss:",
        ),
        chain(
            "∇θ f(θ) = ∂ℓ/∂θ = ∂ℓ/∂h · ∂h/∂θ   (1×k) · (k×nk) → 1×nk",
            f"\\begin{{aligned}} \\nabla_\\theta f(\\theta) &= {frac(L + '(h, y)', TH)}"
            f" \\\\ &= \\underbrace{{{frac(L + '(h, y)', 'h')}}}_{{1 \\times k}} \\cdot "
            f"\\underbrace{{{frac('h', TH)}}}_{{k \\times nk}} "
            "\\end{aligned}",
            [("loss", "h", "1×k"), ("h", "theta", "k×nk")],
            "1×nk",
        ),
        part("(a)", "Show that ∂ℓ/∂h = (z − e_y)ᵀ, where e_y is one-hot at y.",
             f"Show that ${frac(L + '(h, y)', 'h')} = (z - e_y)^T$, where $e_y$ is the one-hot "
             "vector with a 1 in coordinate $y$."),
        equation(
            ["∂ℓ/∂h_i = ∂/∂h_i (−h_y + log Σ_j e^{h_j})",
             "         = −1{i = y} + e^{h_i} / Σ_j e^{h_j}",
             "         = z_i − 1{i = y}"],
            [(frac(L + "(h, y)", "h_i"),
              f"\\frac{{{D}}}{{{D} h_i}} \\left(-h_y + {lse}\\right)"),
             ("", "-1\\{i = y\\} + \\frac{e^{h_i}}{\\sum_{j=1}^k e^{h_j}}"),
             ("", "z_i - 1\\{i = y\\}")],
            tex="Entry by entry, with $-1\\{i = y\\}$ equal to $-1$ when $i = y$ and 0 otherwise,"
            " and $\\frac{e^{h_i}}{\\sum_j e^{h_j}} = z_i$:",
            text="Entry by entry (−1{i = y} is −1 when i = y, else 0; e^{h_i}/Σ_j e^{h_j} = z_i):",
        ),
        equation(
            ["∂ℓ/∂h = (z − e_y)ᵀ   (1×k: a row, by the numerator convention)"],
            [(frac(L + "(h, y)", "h"), "(z - e_y)^T")],
            tex="In vector form (transposed: a $1 \\times k$ row, by the numerator convention):",
        ),
        part("(b)", "Compute ∂h_i/∂θ.", f"Compute ${frac('h_i', TH)}$."),
        equation(
            ["h_i = Σ_j θ_{j,i} x_j depends only on column i of θ (row i of θᵀ), so",
             "∂h_i/∂θ (1×nk, shown n×k) is zero except column i, which is x"],
            [(frac("h_i", "\\theta"), "\\begin{bmatrix} 0 & \\cdots & 0 & "
              "\\underset{\\text{column } i}{x} & 0 & \\cdots & 0 \\end{bmatrix}")],
            tex="Since $h = \\theta^T x$, $h_i = \\sum_j \\theta_{j,i} x_j$ depends only on the "
            "$i$-th column of $\\theta$, so $\\frac{\\partial h_i}{\\partial \\theta}$ is an "
            "$n \\times k$ matrix whose columns are all 0 except the $i$-th, which is $x$ "
            "(technically $1 \\times nk$, reshaped to $n \\times k$ for convenience):",
        ),
        part("(c)", "Assemble ∇θ f(θ) from (a) and (b), with c = ∂ℓ/∂h.",
             "Assemble $\\nabla_\\theta f(\\theta)$ from (a) and (b), with "
             f"$c = {frac(L, 'h')}$ and $c_i$ its $i$-th entry."),
        equation(
            ["∂ℓ/∂h · ∂h/∂θ = Σ_i (∂ℓ/∂h_i)(∂h_i/∂θ)",
             "             = [c_1 x  0 ⋯ 0] + [0  c_2 x ⋯ 0] + ⋯ + [0 ⋯ 0  c_k x]",
             "             = [c_1 x  c_2 x ⋯ c_k x]",
             "             = x c = x (z − e_y)ᵀ"],
            [(f"{frac(L + '(h, y)', 'h')} \\cdot {frac('h', TH)}",
              f"\\sum_{{i=1}}^k {frac(L + '(h, y)', 'h_i')} \\cdot {frac('h_i', TH)}"),
             ("", _columns("c_1 x", "0", "0") + " + " + _columns("0", "c_2 x", "0")
              + " + \\cdots + " + _columns("0", "0", "c_k x")),
             ("", _columns("c_1 x", "c_2 x", "c_k x")),
             ("", f"x \\, {frac(L, 'h')}"),
             ("", "x (z - e_y)^T")],
        ),
        note("In practice ∂h/∂θ (k×nk, all but n of each row zero) is never formed: it would "
             "take k·nk entries of time and memory, while x(z − e_y)ᵀ needs only x and z − e_y.",
             "In practice $\\frac{\\partial h}{\\partial \\theta}$ ($k \\times nk$, mostly zeros) "
             "is never formed: it would take $k \\cdot nk$ entries of time and memory, while "
             "$x (z - e_y)^T$ needs only $x$ and $z - e_y$."),
        equation(
            ["∇θ f(θ) = x (z − e_y)ᵀ   (n×k, like θ)",
             "update:  θ := θ − α x (z − e_y)ᵀ"],
            [("\\nabla_\\theta f(\\theta)", "x (z - e_y)^T"),
             ("\\theta", ":= \\theta - \\alpha \\, x (z - e_y)^T \\quad (\\text{the update})")],
            tex="So the gradient, $n \\times k$ like $\\theta$, and the update are:",
            text="So:",
        ),
    ]


# -- linear regression ---------------------------------------------------------------------------


def _linear_steps() -> list[Step]:
    return [
        equation(["ℓ(θ) = ½ ‖Xθ − y‖² = ½ Σ_i r_i²,   r = Xθ − y (m×1)"],
                 [("\\ell(\\theta)", "\\tfrac{1}{2} \\lVert X\\theta - y \\rVert^2 = "
                   "\\tfrac{1}{2} \\sum_{i=1}^m r_i^2, \\quad r = X\\theta - y")],
                 tex="The least-squares loss, with residual $r = X\\theta - y$:"),
        chain("∇θ ℓ = ∂ℓ/∂r · ∂r/∂θ   (1×m) · (m×n) → 1×n",
              f"{frac(L, TH)} = \\underbrace{{{frac(L, 'r')}}}_{{1 \\times m}} "
              f"\\cdot \\underbrace{{{frac('r', TH)}}}_{{m \\times n}}",
              [("loss", "r", "1×m"), ("r", "theta", "m×n")], "1×n"),
        part("(a)", "∂ℓ/∂r.", f"Compute ${frac(L, 'r')}$."),
        equation(["∂ℓ/∂r_i = r_i,  so  ∂ℓ/∂r = rᵀ  (1×m)"],
                 [(frac(L, "r_i"), "r_i \\quad \\Rightarrow \\quad "
                   f"{frac(L, 'r')} = r^T")]),
        part("(b)", "∂r/∂θ.", f"Compute ${frac('r', TH)}$."),
        equation(["r_i = Σ_j X_{i,j} θ_j − y_i,  so  ∂r_i/∂θ_j = X_{i,j}:  ∂r/∂θ = X  (m×n)"],
                 [(frac("r_i", "\\theta_j"), "X_{i,j} \\quad \\Rightarrow \\quad "
                   f"{frac('r', TH)} = X")],
                 tex="Since $r_i = \\sum_j X_{i,j} \\theta_j - y_i$:"),
        part("(c)", "Assemble.", "Assemble, and transpose to the shape of $\\theta$:"),
        equation(["∂ℓ/∂θ = rᵀ X  (1×n);  as n×1, like θ:",
                  "∇θ ℓ = Xᵀ r = Xᵀ (Xθ − y)"],
                 [(frac(L, "\\theta"), "r^T X \\quad (1 \\times n)"),
                  ("\\nabla_\\theta \\ell", "X^T r = X^T (X\\theta - y) \\quad (n \\times 1)")]),
    ]


# -- logistic regression -------------------------------------------------------------------------


def _logistic_steps() -> list[Step]:
    s = "\\sigma(h)"
    return [
        equation(["ℓ = −y log σ(h) − (1 − y) log(1 − σ(h)),   h = θᵀx (a scalar), "
                  "σ(h) = 1/(1 + e^{−h})"],
                 [(L, f"-y \\log {s} - (1 - y) \\log(1 - {s}), \\quad h = \\theta^T x, "
                   "\\quad \\sigma(h) = \\frac{1}{1 + e^{-h}}")],
                 tex="The binary cross-entropy loss, for $y \\in \\{0, 1\\}$:"),
        chain("∇θ ℓ = ∂ℓ/∂h · ∂h/∂θ   (1×1) · (1×n) → 1×n",
              f"{frac(L, TH)} = \\underbrace{{{frac(L, 'h')}}}_{{1 \\times 1}} "
              f"\\cdot \\underbrace{{{frac('h', TH)}}}_{{1 \\times n}}",
              [("loss", "h", "1×1"), ("h", "theta", "1×n")], "1×n"),
        part("(a)", "∂ℓ/∂h, using σ'(h) = σ(h)(1 − σ(h)).",
             f"Compute ${frac(L, 'h')}$, using $\\sigma'(h) = \\sigma(h)(1 - \\sigma(h))$."),
        equation(["∂ℓ/∂h = −y (1 − σ(h)) + (1 − y) σ(h)", "      = σ(h) − y"],
                 [(frac(L, "h"), f"-y \\frac{{{s}(1 - {s})}}{{{s}}} + (1 - y) "
                   f"\\frac{{{s}(1 - {s})}}{{1 - {s}}}"),
                  ("", f"-y (1 - {s}) + (1 - y) {s}"), ("", f"{s} - y")]),
        part("(b)", "∂h/∂θ.", f"Compute ${frac('h', TH)}$."),
        equation(["h = Σ_j θ_j x_j,  so  ∂h/∂θ = xᵀ  (1×n)"],
                 [(frac("h", "\\theta"), "x^T")]),
        part("(c)", "Assemble.", "Assemble, and transpose to the shape of $\\theta$:"),
        equation(["∂ℓ/∂θ = (σ(h) − y) xᵀ  (1×n);  as n×1, like θ:",
                  "∇θ ℓ = x (σ(θᵀx) − y)"],
                 [(frac(L, "\\theta"), f"({s} - y) \\, x^T"),
                  ("\\nabla_\\theta \\ell", "x \\left(\\sigma(\\theta^T x) - y\\right)")]),
    ]


# -- two-layer MLP ---------------------------------------------------------------------------------


def _mlp_steps() -> list[Step]:
    g = "g"
    return [
        equation(["a = W₁ᵀx (d×1),  r = ReLU(a),  h = W₂ᵀr (k×1),  z = softmax(h)",
                  "ℓ = −h_y + log Σ_j e^{h_j}"],
                 [("a", "W_1^T x, \\quad r = \\operatorname{ReLU}(a), \\quad h = W_2^T r, "
                   "\\quad z = \\operatorname{softmax}(h)"),
                  (L, "-h_y + \\log \\sum_{j=1}^k e^{h_j}")],
                 tex="The network and its softmax cross-entropy loss:"),
        part("(a)", "∂ℓ/∂h, as in softmax regression.",
             f"${frac(L, 'h')}$, exactly as in softmax regression (a):"),
        equation(["∂ℓ/∂h = (z − e_y)ᵀ   (1×k)"], [(frac(L, "h"), "(z - e_y)^T")]),
        part("(b)", "∇W₂ ℓ: h = W₂ᵀr is softmax regression with input r.",
             "$\\nabla_{W_2} \\ell$: $h = W_2^T r$ is softmax regression with input $r$."),
        chain("∂ℓ/∂W₂ = ∂ℓ/∂h · ∂h/∂W₂   (1×k) · (k×dk) → 1×dk",
              f"{frac(L, 'W_2')} = \\underbrace{{{frac(L, 'h')}}}_{{1 \\times k}} \\cdot "
              f"\\underbrace{{{frac('h', 'W_2')}}}_{{k \\times dk}}",
              [("loss", "h", "1×k"), ("h", "W2", "k×dk")], "1×dk"),
        equation(["∇W₂ ℓ = r (z − e_y)ᵀ   (d×k, like W₂)"],
                 [("\\nabla_{W_2} \\ell", "r (z - e_y)^T")]),
        part("(c)", "∇W₁ ℓ: backpropagate through h = W₂ᵀr and r = ReLU(a).",
             "$\\nabla_{W_1} \\ell$: backpropagate through $h = W_2^T r$ and "
             "$r = \\operatorname{ReLU}(a)$."),
        chain("∂ℓ/∂W₁ = ∂ℓ/∂h · ∂h/∂r · ∂r/∂a · ∂a/∂W₁   (1×k)(k×d)(d×d)(d×nd) → 1×nd",
              f"{frac(L, 'W_1')} = \\underbrace{{{frac(L, 'h')}}}_{{1 \\times k}} "
              f"\\underbrace{{{frac('h', 'r')}}}_{{k \\times d}} "
              f"\\underbrace{{{frac('r', 'a')}}}_{{d \\times d}} "
              f"\\underbrace{{{frac('a', 'W_1')}}}_{{d \\times nd}}",
              [("loss", "h", "1×k"), ("h", "r", "k×d"), ("r", "a", "d×d"), ("a", "W1", "d×nd")],
              "1×nd"),
        equation(["∂h/∂r = W₂ᵀ,   ∂r/∂a = diag(1{a > 0})   (ReLU′; at a_i = 0 we take 0)",
                  "g = ∂ℓ/∂a = (z − e_y)ᵀ W₂ᵀ diag(1{a > 0}) = ((W₂(z − e_y)) ⊙ 1{a > 0})ᵀ"],
                 [(frac("h", "r"), "W_2^T, \\quad " + frac("r", "a")
                   + " = \\operatorname{diag}(1\\{a > 0\\})"),
                  (f"{g} = {frac(L, 'a')}", "(z - e_y)^T W_2^T \\operatorname{diag}(1\\{a > 0\\})"
                   " = \\left( (W_2 (z - e_y)) \\odot 1\\{a > 0\\} \\right)^T")],
                 tex="The row vector $g$ is carried backwards one Jacobian at a time "
                 "(ReLU has no derivative at 0; we take 0 there):"),
        equation(["a = W₁ᵀx is softmax regression's h = θᵀx again: ∂a_i/∂W₁ is zero except "
                  "column i, which is x, so",
                  "∇W₁ ℓ = x g = x ((W₂(z − e_y)) ⊙ 1{a > 0})ᵀ   (n×d, like W₁)"],
                 [("\\nabla_{W_1} \\ell", "x \\, g = x \\left( (W_2 (z - e_y)) \\odot "
                   "1\\{a > 0\\} \\right)^T \\quad (n \\times d)")],
                 tex="$a = W_1^T x$ has the structure of $h = \\theta^T x$ in softmax regression "
                 "(b), so as there:"),
        note("Neither ∂a/∂W₁ (d×nd) nor any other large Jacobian is formed: backpropagation "
             "multiplies the row vector by one small Jacobian at a time.",
             "Neither $\\frac{\\partial a}{\\partial W_1}$ ($d \\times nd$) nor any other large "
             "Jacobian is formed: backpropagation multiplies a row vector by one small "
             "Jacobian at a time."),
    ]


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            name="softmax-regression",
            title="Linear softmax regression: the gradient update equations "
            "(the worksheet's problem 3)",
            summary="∇θ of −h_y + log Σ e^{h_j}, h = θᵀx: x (z − e_y)ᵀ",
            sizes={"n": 3, "k": 2},
            shape="theta={n}x{k}, x={n}x1",
            loss="-h[y] + log(sum(exp(h)))",
            where=("h = theta.T @ x",),
            index="y=1..{k}",
            closed_forms=(("theta", "x @ (softmax(h) - onehot(y, {k})).T"),),
            given=("$\\theta \\in \\mathbb{R}^{n \\times k}$, $x \\in \\mathbb{R}^n$, "
                   "$y \\in \\{1, \\dots, k\\}$; $h = \\theta^T x$ and $z = "
                   "\\operatorname{softmax}(h)$, $z_i = \\frac{e^{h_i}}{\\sum_{j=1}^k e^{h_j}}$.",),
            given_text=("θ ∈ ℝ^(n×k), x ∈ ℝⁿ, y ∈ {1, …, k}; h = θᵀx and z = softmax(h), "
                        "z_i = e^{h_i} / Σ_j e^{h_j}.",),
            steps=_softmax_steps,
        ),
        Recipe(
            name="linear-regression",
            title="Linear regression (least squares)",
            summary="∇θ of ½‖Xθ − y‖²: Xᵀ(Xθ − y)",
            sizes={"m": 3, "n": 2},
            shape="X={m}x{n}, theta={n}x1, y={m}x1",
            loss="sum(r**2) / 2",
            where=("r = X @ theta - y",),
            index=None,
            closed_forms=(("theta", "X.T @ (X @ theta - y)"),),
            given=("$X \\in \\mathbb{R}^{m \\times n}$ ($m$ examples), "
                   "$y \\in \\mathbb{R}^m$, $\\theta \\in \\mathbb{R}^n$.",),
            given_text=("X ∈ ℝ^(m×n) (m examples), y ∈ ℝᵐ, θ ∈ ℝⁿ.",),
            steps=_linear_steps,
        ),
        Recipe(
            name="logistic-regression",
            title="Logistic regression (binary cross-entropy)",
            summary="∇θ of −y log σ(θᵀx) − (1 − y) log(1 − σ(θᵀx)): x (σ(θᵀx) − y)",
            sizes={"n": 3},
            shape="theta={n}x1, x={n}x1",
            loss="-y*log(sigmoid(h)) - (1 - y)*log(1 - sigmoid(h))",
            where=("h = theta.T @ x",),
            index="y=0..1",
            closed_forms=(("theta", "x * (sigmoid(h) - y)"),),
            given=("$\\theta, x \\in \\mathbb{R}^n$, $y \\in \\{0, 1\\}$, "
                   "$\\sigma(h) = \\frac{1}{1 + e^{-h}}$.",),
            given_text=("θ, x ∈ ℝⁿ, y ∈ {0, 1}, σ(h) = 1 / (1 + e^{−h}).",),
            steps=_logistic_steps,
        ),
        Recipe(
            name="two-layer-mlp",
            title="A two-layer ReLU network: backpropagation to both weight matrices",
            summary="∇W₂ = r (z − e_y)ᵀ, ∇W₁ = x ((W₂(z − e_y)) ⊙ 1{a > 0})ᵀ",
            sizes={"n": 3, "d": 2, "k": 2},
            shape="W1={n}x{d}, W2={d}x{k}, x={n}x1",
            loss="-h[y] + log(sum(exp(h)))",
            where=("a = W1.T @ x", "r = relu(a)", "h = W2.T @ r"),
            index="y=1..{k}",
            closed_forms=(
                ("W2", "r @ (softmax(h) - onehot(y, {k})).T"),
                ("W1", "x @ ((W2 @ (softmax(h) - onehot(y, {k}))) * heaviside(a)).T"),
            ),
            given=("$x \\in \\mathbb{R}^n$, $W_1 \\in \\mathbb{R}^{n \\times d}$, "
                   "$W_2 \\in \\mathbb{R}^{d \\times k}$, $y \\in \\{1, \\dots, k\\}$.",),
            given_text=("x ∈ ℝⁿ, W₁ ∈ ℝ^(n×d), W₂ ∈ ℝ^(d×k), y ∈ {1, …, k}.",),
            steps=_mlp_steps,
        ),
    )
}


def _unknown(name: str | None) -> InputError:
    known = ", ".join(RECIPES)
    if not name:
        return InputError(f"derive needs a NAME; known derivations: {known} (or use --list)")
    close = [n for n in RECIPES if name.lower() in n] or difflib.get_close_matches(
        name.lower(), list(RECIPES), n=1, cutoff=0.5
    )
    guess = f"did you mean '{close[0]}'? " if close else ""
    return InputError(f"unknown derivation '{name}'; {guess}known derivations: {known}")


def parse_sizes(text: str | None, recipe: Recipe) -> dict[str, int]:
    if text is None or not text.strip():
        return dict(recipe.sizes)
    known = ", ".join(recipe.sizes)
    return read_sizes(text, dict(recipe.sizes), lambda key: f"{recipe.name} has no size "
                      f"'{key}'; its sizes are {known}", limit=MAX_SIZE)


def verify(recipe: Recipe, sizes: dict[str, int],
           closed_forms: dict[str, str] | None = None,
           derived: dict[str, str | None] | None = None) -> list[tuple[str, Check]]:
    """Each closed form against entrywise differentiation at these sizes (every index value).

    The recipe is a grad problem in letter sizes (theta=nxk), run through grad
    at ``sizes``: grad derives its own closed form (put in ``derived``) and
    checks the recipe's. ``closed_forms`` replaces the recipe's own (by wrt),
    to test that wrong ones fail.
    """
    from symjac.ops.grad import grad, prepare

    inst = recipe.instantiate({k: k for k in recipe.sizes})
    at = ", ".join(f"{k}={v}" for k, v in sizes.items())
    out = []
    for wrt, expect in inst["closed_forms"]:
        if closed_forms and wrt in closed_forms:
            expect = closed_forms[wrt]
        p = prepare(inst["loss"], wrt, inst["shape"], where=inst["where"],
                    index=inst["index"], expect=expect, sizes=at)
        d = grad(p, steps=False)
        if derived is not None and d.result is not None:
            derived[wrt] = d.result.extra.get("closed_form")
        assert d.check is not None  # grad with an expect always checks
        out.append((wrt, d.check))
    return out


def check_answer(name: str | None, expect: str, sizes: str | None = None) -> Check:
    """A closed form given as an answer (``x @ (softmax(h) - onehot(y, k)).T``), checked
    like ``grad --expect`` against entrywise differentiation at the recipe's sizes.

    Size letters (n, k, ...) in the answer stand for those sizes. A recipe with
    several gradients takes them as ``"W2 = ...; W1 = ..."``.
    """
    recipe = RECIPES.get((name or "").strip())
    if recipe is None:
        raise _unknown(name)
    at = parse_sizes(sizes, recipe)
    wrts = [w for w, _ in recipe.closed_forms]
    if len(wrts) == 1:
        given = {wrts[0]: expect}
    else:
        given = {}
        for piece in expect.split(";"):
            wrt, eq, form = piece.partition("=")
            if not eq or wrt.strip() not in wrts:
                raise InputError(f"{recipe.name} has {len(wrts)} gradients: answer as "
                                 + "; ".join(f"{w} = ..." for w in wrts))
            given[wrt.strip()] = form
        missing = [w for w in wrts if w not in given]
        if missing:
            raise InputError(f"the answer gives no gradient for {', '.join(missing)}")
    for wrt, form in given.items():
        for letter, value in at.items():  # a size letter is a whole word, never part of one
            form = re.sub(rf"(?<![\w.]){re.escape(letter)}(?![\w\[(])", str(value), form)
        given[wrt] = form
    results = verify(recipe, at, closed_forms=given)
    from dataclasses import replace

    from symjac.ops.compare import merge

    merged = merge(c for _, c in results)  # the verdict, the mismatches, the mistakes
    message = "; ".join(f"∇{pretty(w)}: {c.message}" for w, c in results)
    return replace(merged, message=f"{message} (at {_size_text(at)})")


def _size_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sizes.items())


def derive(name: str | None, sizes: str | None = None, steps: bool = True) -> Derivation:
    name = (name or "").strip()
    recipe = RECIPES.get(name)
    if recipe is None:
        raise _unknown(name)
    at = parse_sizes(sizes, recipe)
    derived: dict[str, str | None] = {}
    results = verify(recipe, at, derived=derived)
    passed = all(c.passed for _, c in results)
    inst = recipe.instantiate(at)
    lines = [f"∇{pretty(w)}: {c.message}" + (f" (grad derives {derived[w]})"
                                              if derived.get(w) else "")
             for w, c in results]
    verify_step = Step(
        kind="verify",
        text=f"Verified at {_size_text(at)} against entrywise differentiation "
        f"({'passed' if passed else 'FAILED'}): " + "; ".join(lines),
        data={
            "passed": passed,
            "sizes": dict(at),
            "tex": f"Verified at ${_size_text(at)}$ by differentiating the loss entry by entry "
            f"({'passed' if passed else 'failed'}: " + "; ".join(
                f"$\\nabla_{{{_tex_name(w)}}}$: {c.message}" for w, c in results) + ").",
        },
    )
    worked = recipe.steps()
    if not steps:  # the answer still shows: the equations that state a gradient
        worked = [s for s in worked if s.kind == "equation" and any(
            left.startswith("\\nabla") for left, _ in s.data.get("lines", ()))]
    all_steps = worked + [verify_step]
    check = None
    if not passed:
        from dataclasses import replace

        from symjac.ops.compare import merge

        merged = merge(c for _, c in results)
        check = replace(merged, message="the closed form does not match entrywise "
                        "differentiation" if merged.outcome == "different" else
                        "the closed form could not be confirmed by entrywise differentiation")
    return Derivation(
        command="derive",
        summary=recipe.title,
        steps=tuple(all_steps),
        notes=recipe.given_text,
        check=check,
        extra={
            "name": recipe.name,
            "notes_tex": list(recipe.given),
            "closed_forms": [{"wrt": w, "expression": e, "derived_by_grad": derived.get(w)}
                             for w, e in inst["closed_forms"]],
            "verified": {
                "passed": passed,
                "sizes": dict(at),
                "checks": [{"wrt": w, "passed": c.passed, "outcome": c.outcome,
                            "method": c.method, "message": c.message} for w, c in results],
                "problem": cast("DeriveProblem",
                                {k: v for k, v in inst.items() if k != "closed_forms"}),
            },
        },
    )


def _tex_name(name: str) -> str:
    return name_latex(name)


def listing() -> Derivation:
    return Derivation(
        command="derive",
        summary=f"{len(RECIPES)} derivations (symjac derive NAME):",
        notes=tuple(f"{r.name:<22}{r.summary}" for r in RECIPES.values()),
        extra={"derivations": [{"name": r.name, "title": r.title, "summary": r.summary,
                                "sizes": dict(r.sizes)} for r in RECIPES.values()]},
    )
