#!/usr/bin/env python3
"""The library's cost per call: symjac.jacobian against sympy's Matrix.jacobian.

Usage:  python benchmarks/library.py [--calls 200]

200 different 3×3 systems (the same ones for every route), in one process:
  symjac.jacobian          default limits: one reused worker process (steps, made when
                           first read, so also with them read; and steps=False)
  symjac.jacobian (off)    timeout=None, max_memory=None: in this process
  sympy Matrix.jacobian    the functions built with sympy beforehand, then .jacobian
                           (the ratio the acceptance names), and with sympify timed too
The first call of each route (which starts the worker, or imports) is left out
of the median and reported on its own. Read the ratios, not the times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def systems(count: int) -> list[list[str]]:
    rng = random.Random(0)
    out = []
    for _ in range(count):
        a, b, c = (rng.randint(2, 9) for _ in range(3))
        out.append([f"x**{a}*y + {b}*z", f"cos(y)**2 + {c}*x*z", f"y*exp(x) - sin({a}*z)"])
    return out


def timed(fn, items) -> tuple[float, list[float]]:
    first = time.perf_counter()
    fn(items[0])
    first = time.perf_counter() - first
    times = []
    for item in items[1:]:
        t = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t)
    return first, times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    import sympy

    import symjac

    texts = systems(args.calls + 1)
    xs = sympy.symbols("x y z")
    names = dict(zip(("x", "y", "z"), xs, strict=True))
    # The functions as sympy objects, built here from the benchmark's own text.
    built = [sympy.Matrix([sympy.sympify(f, locals=names) for f in funcs]) for funcs in texts]
    work = list(zip(texts, built, strict=True))

    def with_sympify(item):
        return sympy.Matrix([sympy.sympify(f, locals=names) for f in item[0]]).jacobian(xs)

    routes = {
        "symjac.jacobian (default limits, steps)": lambda i: symjac.jacobian(", ".join(i[0])),
        "symjac.jacobian (default limits, steps read)":
            lambda i: symjac.jacobian(", ".join(i[0])).steps,
        "symjac.jacobian (default limits, steps=False)":
            lambda i: symjac.jacobian(", ".join(i[0]), steps=False),
        "symjac.jacobian (limits off, steps)":
            lambda i: symjac.jacobian(", ".join(i[0]), timeout=None, max_memory=None),
        "sympy Matrix.jacobian": lambda i: i[1].jacobian(xs),
        "sympy sympify + Matrix.jacobian": with_sympify,
    }
    results = {name: timed(fn, work) for name, fn in routes.items()}
    base = statistics.median(results["sympy Matrix.jacobian"][1])
    print(f"{args.calls} calls of 3x3 Jacobians, one process; median per call "
          "(the first call apart)")
    for name, (first, times) in results.items():
        med = statistics.median(times)
        print(f"  {name:<48} {med * 1000:7.2f} ms   first {first * 1000:8.1f} ms   "
              f"/ sympy = {med / base:.2f}")


if __name__ == "__main__":
    main()
