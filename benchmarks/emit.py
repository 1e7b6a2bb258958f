#!/usr/bin/env python3
"""Emitted NumPy (symjac --emit numpy, Solution.to_function) against sympy.lambdify(cse=True).

Usage:  python benchmarks/emit.py [--n 30] [--evals 10000]

The system is peers.py's polytrig:N (N functions of N variables). Both routes
start from the same exact Jacobian (symjac's, as a sympy Matrix) and time:
  generation   symjac: to_code("numpy") and exec of it;  sympy: lambdify(..., cse=True)
  evaluation   --evals calls at one point each (a fresh point per call)
Both return an N×N numpy array; their values are compared before timing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def polytrig(n: int) -> tuple[str, str]:
    rng = random.Random(0)
    funcs = []
    for _ in range(n):
        a, b, c = rng.sample(range(n), 3)
        funcs.append(f"x{a}**3*x{b} + cos(x{b})**2 + 5*x{c} + x{a}*exp(x{c})"
                     f" + sin(x{a}*x{b}**2*x{c})")
    return ", ".join(funcs), ", ".join(f"x{i}" for i in range(n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--evals", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    import numpy
    import sympy

    import symjac

    funcs, wrt = polytrig(args.n)
    d = symjac.jacobian(funcs, wrt=wrt, steps=False, timeout=None, max_memory=None)
    matrix = d.to_sympy()
    xs = [sympy.Symbol(n) for n in d.variables]
    rng = numpy.random.default_rng(0)
    points = rng.uniform(0.5, 2.0, size=(args.evals, args.n))

    gen = {"symjac to_function (to_code + exec)": [], "sympy lambdify(cse=True)": []}
    ev = {k: [] for k in gen}
    for _ in range(args.runs):
        t = time.perf_counter()
        ours = d.to_function()
        gen["symjac to_function (to_code + exec)"].append(time.perf_counter() - t)
        t = time.perf_counter()
        theirs = sympy.lambdify([xs], matrix, modules="numpy", cse=True)
        gen["sympy lambdify(cse=True)"].append(time.perf_counter() - t)
        assert numpy.allclose(ours(points[0]), theirs(points[0]), rtol=1e-12, atol=1e-12)
        for name, fn in (("symjac to_function (to_code + exec)", ours),
                         ("sympy lambdify(cse=True)", theirs)):
            t = time.perf_counter()
            for p in points:
                fn(p)
            ev[name].append(time.perf_counter() - t)
    base_gen = statistics.median(gen["sympy lambdify(cse=True)"])
    base_ev = statistics.median(ev["sympy lambdify(cse=True)"])
    nnz = sum(1 for e in matrix if e != 0)
    print(f"polytrig:{args.n} ({nnz} nonzeros of {args.n ** 2}); median of {args.runs} runs")
    for name in gen:
        g, e = statistics.median(gen[name]), statistics.median(ev[name])
        print(f"  {name:<38} generate {g * 1000:8.1f} ms (/ lambdify {g / base_gen:.2f})   "
              f"{args.evals} evaluations {e:6.2f} s (/ lambdify {e / base_ev:.2f})")


if __name__ == "__main__":
    main()
