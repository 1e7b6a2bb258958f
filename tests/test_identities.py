"""A corpus of Matrix Cookbook and machine-learning identities, each checked three ways.

Every book form below is typed from The Matrix Cookbook (Petersen & Pedersen,
2012: traces 2.5, determinants 2.1, inverses 2.2, quadratic forms 2.4, norms,
Kronecker products 10.2) or from a textbook's ML loss (least squares, ridge,
logistic, softmax and cross-entropy), never from symjac's output. For each:

- the book's form, as --expect, agrees with the entrywise gradient;
- symjac's own closed form, when it finds one, agrees with central finite
  differences of the loss at a point of its domain (no derivative rule of
  symjac or sympy is used there): a found form is never wrong;
- at least 95% of the corpus gets a verified closed form.
"""

from __future__ import annotations

import functools
import random

import pytest
import sympy

from symjac import api
from symjac.ops import grad as grad_op
from symjac.ops.matexpr import Env, MatrixParser

# a literal matrix in --where: used by the loss, or not used at all
LIT = "M = [[1, 2], [3, 4]]"
CORPUS = [
    # linear and quadratic forms (Cookbook 2.4)
    ("x.T @ a", "x", "x=n, a=n", (), None, "a"),
    ("a.T @ x", "x", "x=n, a=n", (), None, "a"),
    ("a.T @ X @ b", "X", "a=n, X=nxm, b=m", (), None, "a @ b.T"),
    ("a.T @ X.T @ b", "X", "a=m, X=nxm, b=n", (), None, "b @ a.T"),
    ("a.T @ X @ a", "X", "a=n, X=nxn", (), None, "a @ a.T"),
    ("x.T @ A @ x", "x", "A=nxn, x=n", (), None, "(A + A.T) @ x"),
    ("x.T @ x", "x", "x=n", (), None, "2 * x"),
    ("b.T @ X.T @ X @ c", "X", "b=m, X=nxm, c=m", (), None, "X @ (b @ c.T + c @ b.T)"),
    ("(B @ x + b).T @ C @ (D @ x + d)", "x", "B=mxn, x=n, b=m, C=mxm, D=mxn, d=m", (), None,
     "B.T @ C @ (D @ x + d) + D.T @ C.T @ (B @ x + b)"),
    ("b.T @ X.T @ D @ X @ c", "X", "b=m, X=nxm, D=nxn, c=m", (), None,
     "D.T @ X @ b @ c.T + D @ X @ c @ b.T"),
    ("(X @ b + c).T @ D @ (X @ b + c)", "X", "X=nxm, b=m, c=n, D=nxn", (), None,
     "(D + D.T) @ (X @ b + c) @ b.T"),
    ("(x - s).T @ W @ (x - s)", "s", "x=n, s=n, W=nxn symmetric", (), None, "-2 * W @ (x - s)"),
    ("(x - A @ s).T @ W @ (x - A @ s)", "s", "x=n, s=m, A=nxm, W=nxn symmetric", (), None,
     "-2 * A.T @ W @ (x - A @ s)"),
    ("x.T @ S @ x", "x", "S=nxn symmetric, x=n", (), None, "2 * S @ x"),
    ("x.T @ S @ x", "S", "S=nxn symmetric, x=n", (), None, "2 * x @ x.T - x @ x.T * eye(n)"),
    # traces (Cookbook 2.5)
    ("trace(X)", "X", "X=nxn", (), None, "eye(n)"),
    ("trace(X @ A)", "X", "X=nxm, A=mxn", (), None, "A.T"),
    ("trace(A @ X @ B)", "X", "A=pxn, X=nxm, B=mxp", (), None, "A.T @ B.T"),
    ("trace(A @ X.T @ B)", "X", "A=pxm, X=nxm, B=nxp", (), None, "B @ A"),
    ("trace(X.T @ A)", "X", "X=nxm, A=nxm", (), None, "A"),
    ("trace(A @ X.T)", "X", "X=nxm, A=nxm", (), None, "A"),
    ("trace(X @ X)", "X", "X=nxn", (), None, "2 * X.T"),
    ("trace(X @ X @ B)", "X", "X=nxn, B=nxn", (), None, "(X @ B + B @ X).T"),
    ("trace(X.T @ B @ X)", "X", "X=nxm, B=nxn", (), None, "B @ X + B.T @ X"),
    ("trace(X @ B @ X.T)", "X", "X=nxm, B=mxm", (), None, "X @ B.T + X @ B"),
    ("trace(A @ X @ B @ X)", "X", "A=nxn, X=nxn, B=nxn", (), None,
     "A.T @ X.T @ B.T + B.T @ X.T @ A.T"),
    ("trace(B @ X @ X.T)", "X", "B=nxn, X=nxm", (), None, "(B + B.T) @ X"),
    ("trace(X.T @ B @ X @ C)", "X", "X=nxm, B=nxn, C=mxm", (), None,
     "B @ X @ C + B.T @ X @ C.T"),
    ("tr(X.T @ X)", "X", "X=nxm", (), None, "2 * X"),
    ("trace(X @ X @ X)", "X", "X=nxn", (), None, "3 * (X @ X).T"),
    ("trace(A @ X @ X.T @ B)", "X", "A=pxn, X=nxm, B=nxp", (), None,
     "A.T @ B.T @ X + B @ A @ X"),
    # determinants and inverses (Cookbook 2.1-2.2)
    ("det(X)", "X", "X=nxn", (), None, "det(X) * inv(X).T"),
    ("logdet(X)", "X", "X=nxn", (), None, "inv(X).T"),
    ("log(det(X))", "X", "X=nxn", (), None, "inv(X.T)"),
    ("det(A @ X @ B)", "X", "A=nxn, X=nxn, B=nxn", (), None, "det(A @ X @ B) * inv(X).T"),
    ("logdet(X.T @ X)", "X", "X=3x2", (), None, "2 * X @ inv(X.T @ X)"),
    ("det(X.T @ A @ X)", "X", "X=nxn, A=nxn", (), None,
     "det(X.T @ A @ X) * (A @ X @ inv(X.T @ A @ X) + A.T @ X @ inv(X.T @ A.T @ X))"),
    ("a.T @ inv(X) @ b", "X", "a=n, X=nxn, b=n", (), None, "-inv(X.T) @ a @ b.T @ inv(X.T)"),
    ("trace(A @ inv(X) @ B)", "X", "A=nxn, X=nxn, B=nxn", (), None,
     "-(inv(X) @ B @ A @ inv(X)).T"),
    ("trace(inv(X))", "X", "X=nxn", (), None, "-(inv(X) @ inv(X)).T"),
    ("x.T @ inv(A) @ x", "x", "A=nxn, x=n", (), None, "(inv(A) + inv(A).T) @ x"),
    ("logdet(S)", "S", "S=nxn symmetric", (), None, "2 * inv(S) - inv(S) * eye(n)"),
    # norms
    ("norm(x - a)", "x", "x=n, a=n", (), None, "(x - a) / norm(x - a)"),
    ("norm(x)**2", "x", "x=n", (), None, "2 * x"),
    ("norm(X)**2", "X", "X=nxm", (), None, "2 * X"),
    ("norm(A @ x - b)**2", "x", "A=mxn, x=n, b=m", (), None, "2 * A.T @ (A @ x - b)"),
    ("norm(X - A @ B)**2", "A", "X=nxm, A=nxk, B=kxm", (), None, "-2 * (X - A @ B) @ B.T"),
    ("norm(x)", "x", "x=n", (), None, "x / norm(x)"),
    # sums, Hadamard, diag
    ("sum(X)", "X", "X=nxm", (), None, "ones(n, m)"),
    ("sum(X * A)", "X", "X=nxm, A=nxm", (), None, "A"),
    ("sum(X * X)", "X", "X=nxm", (), None, "2 * X"),
    ("x.T @ (a * x)", "x", "x=n, a=n", (), None, "2 * a * x"),
    ("a.T @ diag(x) @ b", "x", "a=n, x=n, b=n", (), None, "a * b"),
    ("sum((A * X) @ b)", "X", "A=nxm, X=nxm, b=m", (), None, "A * (ones(n) @ b.T)"),
    ("trace(diag(x) @ A)", "x", "x=n, A=nxn", (), None, "diag(A)"),
    ("mean(X)", "X", "X=nxm", (), None, "ones(n, m) / (n * m)"),
    ("sum(exp(x))", "x", "x=n", (), None, "exp(x)"),
    ("sum(log(x))", "x", "x=n", (), None, "1 / x"),
    ("sum(x**3)", "x", "x=n", (), None, "3 * x**2"),
    ("sum(sin(X))", "X", "X=nxm", (), None, "cos(X)"),
    # Kronecker
    ("trace(kron(X, B))", "X", "X=nxn, B=mxm", (), None, "trace(B) * eye(n)"),
    ("sum(kron(X, B))", "X", "X=nxm, B=pxq", (), None, "sum(B) * ones(n, m)"),
    ("norm(kron(X, B))**2", "X", "X=nxm, B=pxq", (), None, "2 * norm(B)**2 * X"),
    ("x.T @ kron(A, B) @ x", "x", "A=2x2, B=2x2, x=4", (), None,
     "(kron(A, B) + kron(A, B).T) @ x"),
    ("kron(a, b).T @ kron(c, d)", "a", "a=n, b=m, c=n, d=m", (), None, "(b.T @ d) * c"),
    ("norm(kron(A, B) @ x - y)**2", "x", "A=2x2, B=2x2, x=4, y=4", (), None,
     "2 * kron(A, B).T @ (kron(A, B) @ x - y)"),
    ("trace(kron(A, X))", "X", "A=mxm, X=nxn", (), None, "trace(A) * eye(n)"),
    ("logdet(kron(X, B))", "X", "X=2x2, B=2x2", (), None, "2 * inv(X).T"),
    # literal matrices in --where
    ("x.T @ M @ x", "x", "x=2", (LIT,), None, "(M + M.T) @ x"),
    ("norm(x)**2", "x", "x=2", (LIT,), None, "2 * x"),
    ("sum((M @ x - b)**2)", "x", "x=2, b=2", (LIT,), None, "2 * M.T @ (M @ x - b)"),
    ("trace(M @ X)", "X", "X=2x2", (LIT,), None, "M.T"),
    ("a.T @ X @ b", "X", "a=2, X=2x2, b=2", ("c = [1, 2, 3]",), None, "a @ b.T"),
    ("x.T @ [[2, 1], [1, 3]] @ x", "x", "x=2", (), None, "2 * [[2, 1], [1, 3]] @ x"),
    ("sum((x - [1, 2])**2)", "x", "x=2", (), None, "2 * (x - [1, 2])"),
    ("w.T @ v", "w", "w=3", ("v = [[1], [0], [-1]]",), None, "v"),
    # ML losses
    ("sum((A @ x - b)**2)", "x", "A=mxn, x=n, b=m", (), None, "2 * A.T @ (A @ x - b)"),
    ("sum((X @ w - t)**2) / 2 + lam / 2 * sum(w**2)", "w", "X=mxn, w=n, t=m, lam=1", (), None,
     "X.T @ (X @ w - t) + lam * w"),
    ("mean((X @ w - t)**2)", "w", "X=mxn, w=n, t=m", (), None, "2 / m * X.T @ (X @ w - t)"),
    ("norm(X @ w - y)**2 + lam * norm(w)**2", "w", "X=mxn, w=n, y=m, lam=1", (), None,
     "2 * X.T @ (X @ w - y) + 2 * lam * w"),
    ("sum((X @ theta - y)**2) / 2", "theta", "X=mxn, theta=n, y=m", (), None,
     "X.T @ (X @ theta - y)"),
    ("-y*log(sigmoid(h)) - (1 - y)*log(1 - sigmoid(h))", "theta", "theta=n, x=n",
     ("h = theta.T @ x",), "y=0..1", "x * (sigmoid(theta.T @ x) - y)"),
    ("sum(softplus(X @ w)) - t.T @ X @ w", "w", "X=mxn, w=n, t=m", (), None,
     "X.T @ (sigmoid(X @ w) - t)"),
    ("sum(-t * log(sigmoid(X @ w)) - (1 - t) * log(1 - sigmoid(X @ w)))", "w",
     "X=mxn, w=n, t=m", (), None, "X.T @ (sigmoid(X @ w) - t)"),
    ("logsumexp(x)", "x", "x=n", (), None, "softmax(x)"),
    ("-h[y] + log(sum(exp(h)))", "theta", "theta=nxk, x=n", ("h = theta.T @ x",), "y=1..k",
     "x @ (softmax(theta.T @ x) - onehot(y, k)).T"),
    ("-h[y] + log(sum(exp(h)))", "h", "h=k", (), "y=1..k", "softmax(h) - onehot(y, k)"),
    ("-log(softmax(h)[y])", "h", "h=k", (), "y=1..k", "softmax(h) - onehot(y, k)"),
    ("-log(z[y])", "W", "W=kxn, x=n", ("h = W @ x", "z = softmax(h)"), "y=1..k",
     "(softmax(W @ x) - onehot(y, k)) @ x.T"),
    ("-t.T @ log(softmax(h))", "h", "h=k, t=k", (), None, "softmax(h) * sum(t) - t"),
    ("-h[y] + logsumexp(h)", "W", "W=kxn, x=n, b=k", ("h = W @ x + b",), "y=1..k",
     "(softmax(W @ x + b) - onehot(y, k)) @ x.T"),
    ("-h[y] + logsumexp(h)", "b", "W=kxn, x=n, b=k", ("h = W @ x + b",), "y=1..k",
     "softmax(W @ x + b) - onehot(y, k)"),
    ("sum(tanh(W @ x))", "W", "W=mxn, x=n", (), None, "(1 - tanh(W @ x)**2) @ x.T"),
    ("sum(sqrt(1 + (X @ w - t)**2))", "w", "X=mxn, w=n, t=m", (), None,
     "X.T @ ((X @ w - t) / sqrt(1 + (X @ w - t)**2))"),
    ("sum((y - sigmoid(X @ w))**2)", "w", "X=mxn, w=n, y=m", (), None,
     "-2 * X.T @ ((y - sigmoid(X @ w)) * sigmoid(X @ w) * (1 - sigmoid(X @ w)))"),
    ("sum(relu(W @ x))", "W", "W=mxn, x=n", (), None, "heaviside(W @ x) @ x.T"),
    ("0.5 * norm(W2 @ relu(W1 @ x) - y)**2", "W2", "W1=dxn, W2=kxd, x=n, y=k", (), None,
     "(W2 @ relu(W1 @ x) - y) @ relu(W1 @ x).T"),
    ("norm(W @ x - y)**2", "W", "W=mxn, x=n, y=m", (), None, "2 * (W @ x - y) @ x.T"),
    ("trace((X @ W - Y).T @ (X @ W - Y))", "W", "X=mxn, W=nxk, Y=mxk", (), None,
     "2 * X.T @ (X @ W - Y)"),
    ("norm(X - U @ V.T)**2", "V", "X=nxm, U=nxk, V=mxk", (), None, "-2 * (X - U @ V.T).T @ U"),
    ("sum(log(1 + exp(-y * (X @ w))))", "w", "X=mxn, w=n, y=m", (), None,
     "-X.T @ (y * sigmoid(-y * (X @ w)))"),
    ("norm(A @ x - b)**2 + lam * sum(x**2)", "x", "A=mxn, x=n, b=m, lam=1", (), None,
     "2 * A.T @ (A @ x - b) + 2 * lam * x"),
    ("(x - mu).T @ inv(S) @ (x - mu) / 2", "mu", "x=n, mu=n, S=nxn symmetric", (), None,
     "-inv(S) @ (x - mu)"),
    ("logdet(S) + (x - mu).T @ inv(S) @ (x - mu)", "S", "x=2, mu=2, S=2x2", (), None,
     "inv(S).T - inv(S).T @ (x - mu) @ (x - mu).T @ inv(S).T"),
    ("a.T @ exp(X @ b)", "X", "a=n, X=nxm, b=m", (), None, "(a * exp(X @ b)) @ b.T"),
    ("sum((X @ w - t)**2) / (2 * m)", "w", "X=mxn, w=n, t=m", (), None,
     "X.T @ (X @ w - t) / m"),
    ("sum(x)**2", "x", "x=n", (), None, "2 * sum(x) * ones(n)"),
    ("(a.T @ x)**2", "x", "a=n, x=n", (), None, "2 * (a.T @ x) * a"),
    ("exp(a.T @ x)", "x", "a=n, x=n", (), None, "exp(a.T @ x) * a"),
    ("log(x.T @ A @ x)", "x", "x=n, A=nxn", (), None, "(A + A.T) @ x / (x.T @ A @ x)"),
    ("(x.T @ a) / (x.T @ b)", "x", "x=n, a=n, b=n", (), None,
     "a / (x.T @ b) - (x.T @ a) * b / (x.T @ b)**2"),
    ("sum(sigmoid(X @ w))", "w", "X=mxn, w=n", (), None,
     "X.T @ (sigmoid(X @ w) * (1 - sigmoid(X @ w)))"),
    ("h.T @ h", "W", "W=mxn, x=n", ("h = tanh(W @ x)",), None,
     "(2 * h * (1 - h**2)) @ x.T"),
    # more Cookbook forms: Rayleigh quotient, Hadamard products, inverses of sums, powers of
    # determinants, entropy, Kronecker squares, sums written out entry by entry
    ("sum(abs(x))", "x", "x=n", (), None, "sign(x)"),
    ("x.T @ x / (x.T @ A @ x)", "x", "x=n, A=nxn", (), None,
     "2 * x / (x.T @ A @ x) - (x.T @ x) * (A + A.T) @ x / (x.T @ A @ x)**2"),
    ("a.T @ X @ X @ b", "X", "a=n, X=nxn, b=n", (), None, "a @ b.T @ X.T + X.T @ a @ b.T"),
    ("trace(X.T @ X @ X.T @ X)", "X", "X=nxm", (), None, "4 * X @ X.T @ X"),
    ("x.T @ diag(a) @ x", "x", "x=n, a=n", (), None, "2 * a * x"),
    ("sum(A * X * B)", "X", "A=nxm, X=nxm, B=nxm", (), None, "A * B"),
    ("trace(A @ (X * B))", "X", "A=mxn, X=nxm, B=nxm", (), None, "A.T * B"),
    ("a.T @ (X * B) @ c", "X", "a=n, X=nxm, B=nxm, c=m", (), None, "(a @ c.T) * B"),
    ("exp(trace(X))", "X", "X=nxn", (), None, "exp(trace(X)) * eye(n)"),
    ("log(sum(exp(X @ w)))", "w", "X=mxn, w=n", (), None, "X.T @ softmax(X @ w)"),
    ("(x - mu).T @ inv(S) @ (x - mu)", "S", "x=n, mu=n, S=nxn", (), None,
     "-inv(S).T @ (x - mu) @ (x - mu).T @ inv(S).T"),
    ("trace(kron(A, B) @ X)", "X", "A=2x2, B=2x2, X=4x4", (), None, "kron(A, B).T"),
    ("det(X)**2", "X", "X=nxn", (), None, "2 * det(X)**2 * inv(X).T"),
    ("1 / det(X)", "X", "X=nxn", (), None, "-inv(X).T / det(X)"),
    ("trace(X @ inv(A) @ X.T)", "X", "X=mxn, A=nxn", (), None, "X @ (inv(A) + inv(A).T)"),
    ("trace(A @ X)**2", "X", "A=nxn, X=nxn", (), None, "2 * trace(A @ X) * A.T"),
    ("norm(X @ Y - Z)**2", "Y", "X=nxk, Y=kxm, Z=nxm", (), None, "2 * X.T @ (X @ Y - Z)"),
    ("logdet(A + X)", "X", "A=nxn, X=nxn", (), None, "inv(A + X).T"),
    ("x.T @ inv(A + B) @ x", "A", "x=n, A=nxn, B=nxn", (), None,
     "-inv(A + B).T @ x @ x.T @ inv(A + B).T"),
    ("sum(x * log(x))", "x", "x=n", (), None, "log(x) + 1"),
    ("sum(softmax(h) * v)", "h", "h=k, v=k", (), None, "softmax(h) * (v - softmax(h).T @ v)"),
    ("det(A @ X)", "X", "A=nxn, X=nxn", (), None, "det(A @ X) * inv(X).T"),
    ("logsumexp(A @ x)", "x", "A=mxn, x=n", (), None, "A.T @ softmax(A @ x)"),
    ("trace(kron(X, X))", "X", "X=nxn", (), None, "2 * trace(X) * eye(n)"),
    ("kron(x, y).T @ kron(x, y)", "x", "x=n, y=m", (), None, "2 * (y.T @ y) * x"),
    ("sum(kron(a, x))", "x", "a=m, x=n", (), None, "sum(a) * ones(n)"),
    ("x[1]**2 + x[2]**2 + x[3]**2", "x", "x=3", (), None, "2 * x"),
    ("-h[1] + log(exp(h[1]) + exp(h[2]))", "h", "h=2", (), None, "softmax(h) - onehot(1, 2)"),
    ("sum(v**2)", "theta", "theta=2", ("v = [theta[1] + theta[2], theta[2]**2]",), None,
     "[2 * (theta[1] + theta[2]), 2 * (theta[1] + theta[2]) + 4 * theta[2]**3]"),
]


CASES = {f"{i:03d} {c[0][:40]} / {c[1]}": c for i, c in enumerate(CORPUS)}


@functools.cache
def solved(key: str):
    loss, wrt, shape, where, index, book = CASES[key]
    # symjac.api runs in this process, with no limit: this tests the forms, not the limits
    return api.grad(loss, wrt, shape, where=list(where), index=index, expect=book, steps=False)


STEP = sympy.Rational(1, 10**6)


def _point(p, rng: random.Random) -> dict:
    """Every declared entry at a positive rational; a square matrix diagonally dominant, so
    logs, determinants, inverses and square roots are defined there."""
    point = {}
    for m in p.declared.values():
        for i in range(m.rows):
            for j in range(m.cols):
                v = sympy.Rational(rng.randint(1, 8), rng.randint(2, 5))
                if m.rows == m.cols > 1 and i == j:
                    v += m.rows
                point.setdefault(m[i, j], v)
    return point


def _loss_at(p, at, point) -> sympy.Expr:
    values = {n: m.xreplace(point) for n, m in p.declared.items()}
    for name, parser in p.where:
        values[name] = parser.evaluate(Env(values, at, p.sizes))
    return p.loss.evaluate(Env(values, at, p.sizes))[0, 0]


def finite_differences_agree(key: str) -> bool:
    """symjac's closed form against central differences of the loss, every index value."""
    loss, wrt, shape, where, index, _ = CASES[key]
    d = solved(key)
    sizes = ", ".join(f"{k}={v}" for k, v in d.extra["verified"]["sizes"].items()) or None
    p = grad_op.prepare(loss, wrt, shape, where=list(where), index=index, sizes=sizes)
    return agrees(p, d.extra["closed_form"]["at_sizes"], random.Random(key))


def agrees(p, closed_text: str, rng: random.Random) -> bool:
    closed = MatrixParser(closed_text, what="closed form")
    for at in p.combos():
        point = _point(p, rng)
        values = {n: m.xreplace(point) for n, m in p.declared.items()}
        for name, parser in p.where:
            values[name] = parser.evaluate(Env(values, at, p.sizes))
        got = closed.evaluate(Env(values, at, p.sizes))
        if got.shape != p.params.shape:
            return False
        seen = set()
        for k, s in enumerate(p.params):
            if s in seen:
                continue
            seen.add(s)
            up = _loss_at(p, at, {**point, s: point[s] + STEP})
            down = _loss_at(p, at, {**point, s: point[s] - STEP})
            fd = sympy.N((up - down) / (2 * STEP), 30)
            # a symmetric S: S_ij and S_ji are one variable, and the gradient's entry
            # (i, j) is the derivative by it (the Cookbook's G + Gᵀ − G ⊙ I)
            value = sympy.N(got[k], 30)
            if abs(fd - value) > 1e-6 * (1 + abs(value)):
                return False
    return True


@pytest.mark.parametrize(("loss", "shape", "wrong"), [
    ("x.T @ A @ x", "A=3x3, x=3", "2 * A @ x"),  # right only for a symmetric A
    ("logdet(X)", "X=3x3", "inv(X)"),  # the transpose lost
    ("norm(A @ x - b)**2", "A=3x2, x=2, b=3", "A.T @ (A @ x - b)"),  # the 2 lost
])
def test_the_finite_difference_check_catches_a_wrong_form(loss, shape, wrong):
    wrt = "X" if "X" in shape else "x"
    p = grad_op.prepare(loss, wrt, shape)
    assert not agrees(p, wrong, random.Random(0))


@pytest.mark.parametrize("key", list(CASES))
def test_identity(key):
    d = solved(key)
    assert d.check.passed, (key, d.check.message)  # the book's form: a test of the corpus
    if d.result.extra["closed_form"] is not None:
        assert d.extra["verified"]["passed"]
        assert finite_differences_agree(key), (key, d.result.extra["closed_form"])


def test_at_least_95_percent_get_a_verified_closed_form():
    found = [k for k in CASES if solved(k).result.extra["closed_form"] is not None]
    missed = sorted(set(CASES) - set(found))
    rate = len(found) / len(CASES)
    print(f"closed forms: {len(found)}/{len(CASES)} = {rate:.1%}; missed: {missed}")
    assert len(CASES) >= 100
    assert rate >= 0.95, missed


# -- a general-size form fed back at concrete sizes --------------------------------------------


def test_a_general_form_at_concrete_sizes_binds_its_size_letters():
    kw = dict(loss="-h[y] + log(sum(exp(h)))", wrt="theta", shape="theta=3x2, x=3",
              where=["h = theta.T @ x"], index="y=1..2", steps=False)
    d = api.grad(expect="x @ (softmax(h) - onehot(y, k)).T", **kw)
    assert d.check.passed, d.check.message
    assert "read k = 2 from the shapes (a size letter the answer uses)" in d.warnings
    # bound from the shapes, not chosen to pass: a wrong answer still fails
    assert not api.grad(expect="x @ (softmax(h) + onehot(y, k)).T", **kw).check.passed
    # the Hessian's --expect too
    h = api.hessian("sum(exp(x))", "x", "x=3", expect="diag(exp(x)) + 0 * eye(n)",
                    steps=False)
    assert h.check.passed


def test_a_size_letter_the_shapes_do_not_decide_is_refused_with_its_values():
    from symjac.core.errors import InputError

    # n is an inner size: every n makes the shapes fit, and the value depends on it
    with pytest.raises(InputError, match=r"n could be 2 or 3"):
        api.grad("3 * sum(x) + sum(y)", "x", "x=3, y=2",
                 expect="(ones(1, n) @ ones(n, 1)) * ones(3, 1)", steps=False)
    # a name used only as a number is no size: it stays unknown, never bound
    with pytest.raises(InputError, match=r"unknown name 'm'"):
        api.grad("mean((X @ w - t)**2)", "w", "X=4x3, w=3, t=4",
                 expect="2 / m * X.T @ (X @ w - t)", steps=False)


def test_a_zero_gradient_or_hessian_is_a_zero_matrix_of_the_right_shape():
    g = api.grad("sum(x)", "X", "X=2x3, x=2", steps=False)
    assert g.result.extra["closed_form"] == "0*ones(2, 3)" and g.extra["verified"]["passed"]
    h = api.hessian("trace(X)", "X", "X=2x2", steps=False)
    assert h.result.extra["closed_form"] == "0*ones(4, 4)"
    assert api.hessian("trace(X)", "X", "X=2x2", expect="0*ones(4, 4)", steps=False
                       ).check.passed


def test_a_sum_over_every_entry_written_out_is_the_sum_of_the_vector():
    # the worksheet's file writes log(exp(h[1]) + exp(h[2])): its closed form is the
    # worksheet's x (z - e_1)ᵀ, z = softmax(h), not a sum of exponentials over e_1 and e_2
    d = api.grad("-h[1] + log(exp(h[1]) + exp(h[2]))", "theta", "theta=3x2, x=3",
                 where=["h = theta.T @ x"], steps=False)
    assert d.result.extra["closed_form"] == "x @ (softmax(h) - onehot(1, 2)).T"
    assert api.grad("x[1]**2 + x[2]**2 + x[3]**2", "x", "x=3", steps=False
                    ).result.extra["closed_form"] == "2*x"
    # not every entry: no sum of the vector
    part = api.grad("x[1]**2 + x[2]**2", "x", "x=3", steps=False).result.extra["closed_form"]
    assert "sum" not in part and part is not None
