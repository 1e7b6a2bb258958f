"""The cost of showing the work: the stepper against sympy.diff on 200 functions.

Run: python benchmarks/steps.py [--runs N]

The system is 200 functions of x and y of the kind a worksheet differentiates
(products, quotients and compositions of sin, exp, log and cos). Each run
empties sympy's cache, differentiates every function with sympy.diff, then
with symjac's stepper (symjac.ops.diffsteps.differentiate, which records
every rule it applies); the stepper then finds sympy's derivatives cached,
so the ratio stepper/sympy.diff is its own overhead over the bare
derivative. The ratio is taken run by run and its median reported, so
machine drift cancels out. A simplify() on the main path would make it two
orders of magnitude larger.
"""

from __future__ import annotations

import argparse
import statistics
import time

import sympy
from sympy import cos, exp, log, sin
from sympy.core.cache import clear_cache

from symjac.ops.diffsteps import differentiate

x, y = sympy.symbols("x y")
SYSTEM = [sin(k * x * y) * exp(x / (k + 1)) / (x**2 + k) + log(x**2 + k) * cos(y) ** 2
          for k in range(1, 201)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ratios, diff_times, step_times = [], [], []
    for _ in range(args.runs):
        clear_cache()
        start = time.perf_counter()
        for e in SYSTEM:
            sympy.diff(e, x)
        diff_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        results = [differentiate(e, x) for e in SYSTEM]
        step_times.append(time.perf_counter() - start)
        assert all("differentiate" not in r.rules for r in results)  # no fallback
        ratios.append(step_times[-1] / diff_times[-1])
    print(f"stepper / sympy.diff on {len(SYSTEM)} functions: {statistics.median(ratios):.2f} "
          f"(median of {args.runs} runs; sympy.diff {statistics.median(diff_times):.3f} s, "
          f"stepper {statistics.median(step_times):.3f} s)")


if __name__ == "__main__":
    main()
