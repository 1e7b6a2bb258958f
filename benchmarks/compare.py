"""CPU per graded answer: compare_matrices on typical 3×2 answers of elementary entries.

Run: python benchmarks/compare.py [--rounds N]

The answers are what a class hands in for the worksheet's kind of Jacobian
(polynomials, trigonometric, exponential and logarithmic entries): right in
the reference's form, right in another form (2·sin·cos for sin(2y), expanded
products, exp(x)·exp(y) for exp(x + y)), and wrong (a sign, a factor, a
missing term). Each answer is parsed once, outside the timing, as a batch of
answer files is, and each round uses fresh variable names, so sympy's caches
do not make later rounds cheaper; the figure is the mean process CPU time of
one compare_matrices call (the assertion of each verdict is outside the
timing), after a warm-up round.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from symjac.language.parser import parse_matrix
from symjac.ops.compare import compare_matrices

REFERENCE = (
    "[[3*x**2*y, x**3], [5, -2*sin(y)*cos(y)], [y*exp(x), exp(x)]]",
    "[[2*x*log(y) + 1, x**2/y], [exp(x + y), exp(x + y)], [cos(x)*cos(y), -sin(x)*sin(y)]]",
    "[[x/sqrt(x**2 + y**2), y/sqrt(x**2 + y**2)], [1/(1 + x**2), 0], [tanh(y), x/cosh(y)**2]]",
)

ANSWERS = (
    # right, in the reference's own form
    (0, "[[3*x**2*y, x**3], [5, -2*sin(y)*cos(y)], [y*exp(x), exp(x)]]", True),
    # right, in other forms
    (0, "[[3*y*x**2, x*x*x], [5, -sin(2*y)], [exp(x)*y, exp(x)]]", True),
    (1, "[[1 + log(y**2)*x, x*x/y], [exp(x)*exp(y), exp(y)*exp(x)], "
        "[(cos(x - y) + cos(x + y))/2, (cos(x + y) - cos(x - y))/2]]", True),
    (2, "[[x*(x**2 + y**2)**(-1/2), y/sqrt(y**2 + x**2)], [1/(x**2 + 1), 0], "
        "[sinh(y)/cosh(y), x*(1 - tanh(y)**2)]]", True),
    # wrong
    (0, "[[3*x**2*y, x**3], [5, 2*sin(y)*cos(y)], [exp(x), exp(x)]]", False),
    (1, "[[2*x*log(y), x**2/y], [exp(x + y), exp(x)], [cos(x)*cos(y), sin(x)*sin(y)]]", False),
    (2, "[[x/sqrt(x**2 + y**2), x/sqrt(x**2 + y**2)], [1/(1 + x**2), 0], "
        "[tanh(y), x/cosh(y)]]", False),
)


def _renamed(text: str, r: int) -> str:
    """The same answer in fresh variables (x -> x7), so no cache from an earlier round helps."""
    return re.sub(r"\b([xy])\b", lambda m: f"{m.group(1)}{r}", text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    rounds = []
    for r in range(args.rounds + 1):
        symbols: dict = {}
        refs = [parse_matrix(_renamed(t, r), "reference", symbols) for t in REFERENCE]
        rounds.append([(refs[i], parse_matrix(_renamed(t, r), "answer", symbols), right)
                       for i, t, right in ANSWERS])
    for ref, ans, right in rounds.pop(0):  # warm-up, and the verdicts themselves are checked
        got = compare_matrices(ref, ans)
        assert got.passed == right, (got, right)
    per_round = []
    per_kind: dict[bool, list[float]] = {True: [], False: []}
    for cases in rounds:
        start = time.process_time()
        for ref, ans, right in cases:
            t = time.process_time()
            got = compare_matrices(ref, ans)
            per_kind[right].append(time.process_time() - t)
            assert got.passed == right, (got, right)
        per_round.append((time.process_time() - start) / len(cases))
    mean = statistics.fmean(per_round) * 1000
    print(f"compare_matrices on a 3×2 answer of elementary entries: mean {mean:.1f} ms CPU "
          f"(median of rounds {statistics.median(per_round) * 1000:.1f} ms; "
          f"{len(ANSWERS)} answers × {args.rounds} rounds, fresh symbols each round)")
    for right, times in per_kind.items():
        label = "right answers" if right else "wrong answers"
        print(f"  {label}: mean {statistics.fmean(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
