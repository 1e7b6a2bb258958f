"""The cost of a hard limit: call_limited against a bare fork, per call.

Run: python benchmarks/isolation.py [--calls N] [--runs N]

Every command's work runs in a forked child (symjac.isolation.call_limited),
under a deadline and a memory cap, and its answer comes back through a
pipe. The least any such isolation can cost is a fork, the child's exit and
the parent's wait; this reports how many times that call_limited costs for
a trivial answer (41 + 1), so the figure holds on any machine. The two are
measured interleaved, `--calls` each per run, and the median of the
per-run ratios is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from symjac.isolation import call_limited


def _bare_fork() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ratios, bare, limited = [], [], []
    call_limited(lambda: 41 + 1)  # warm-up: what the first call imports
    for _ in range(args.runs):
        start = time.perf_counter()
        for _ in range(args.calls):
            _bare_fork()
        bare.append((time.perf_counter() - start) / args.calls)
        start = time.perf_counter()
        for _ in range(args.calls):
            assert call_limited(lambda: 41 + 1) == 42
        limited.append((time.perf_counter() - start) / args.calls)
        ratios.append(limited[-1] / bare[-1])
    print(f"call_limited / bare fork, per call: {statistics.median(ratios):.2f} "
          f"(median of {args.runs} runs of {args.calls} calls; bare fork "
          f"{statistics.median(bare) * 1000:.2f} ms, call_limited "
          f"{statistics.median(limited) * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
