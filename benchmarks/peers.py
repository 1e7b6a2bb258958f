#!/usr/bin/env python3
"""Time symjac against the tools a user would pick instead, on the same work.

Usage:  python benchmarks/peers.py [--runs 5] [--cases help,jac3,jac3steps,jac200,matmul200]

Adapted from ../shared/bench/peers.py, with the same method: every command
runs as a whole process, the commands of a case run interleaved run by run
(after one warm-up each), and each ratio symjac/peer is the median of the
per-run ratios, so drift of the machine cancels out. Peak memory is each
process's maximum resident set size.

Cases:
  help        symjac --help                        vs  python -c "import click"
  version     symjac --version                     vs  python -c "import click"
  jac3        the worksheet's Jacobian (3 functions), --format json --no-steps
  jac3steps   the same with its steps (--format json)
  jac200      200 functions of 200 variables, --format json --no-steps
  matmul200   two 200×200 integer matrices, matmul --format json --no-steps
Peers: a plain sympy script, the same script on symengine, and Maxima
(apt-get install -y maxima); one that is not installed is skipped, and said so.
The last lines time, in one process, symjac's exact product against sympy's
Matrix.__mul__ on the same two 200×200 matrices.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CASES = ("help", "version", "jac3", "jac3steps", "jac200", "matmul200")


def system(n):
    """The benchmark system: n functions of x0..x{n-1} (n=3: the worksheet's)."""
    if n == 3:
        return ["x0**3*x1", "cos(x1)**2 + 5*x0", "x1*exp(x0)"], ["x0", "x1"]
    rng = random.Random(0)
    funcs = []
    for _ in range(n):
        a, b, c = rng.sample(range(n), 3)
        funcs.append(
            f"x{a}**3*x{b} + cos(x{b})**2 + 5*x{c} + x{a}*exp(x{c}) + sin(x{a}*x{b}**2*x{c})"
        )
    return funcs, [f"x{i}" for i in range(n)]


def matrices(n=200):
    """Two n×n matrices of integers 0..99 (200×200 stays under Linux's 128 KiB per argument)."""
    rng = random.Random(1)
    return [[[rng.randint(0, 99) for _ in range(n)] for _ in range(n)] for _ in range(2)]


def literal(rows) -> str:
    return "[" + ",".join("[" + ",".join(map(str, r)) + "]" for r in rows) + "]"


JAC_PY = """import sys
import {mod} as S
xs = S.symbols({vars!r})
ns = {{str(v): v for v in xs}}
ns.update(sin=S.sin, cos=S.cos, exp=S.exp)
F = S.Matrix([eval(f, ns) for f in {funcs!r}])
print(str(F.jacobian(S.Matrix(xs))))
"""

MATMUL_PY = """import json, sys
import {mod} as S
a, b = json.load(open({path!r}))
print(str(S.Matrix(a) * S.Matrix(b)))
"""


def symjac_exe() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "symjac")
    return here if os.path.exists(here) else shutil.which("symjac")


def have(mod: str) -> bool:
    done = subprocess.run([sys.executable, "-c", f"import {mod}"], capture_output=True)
    return done.returncode == 0


def commands(case: str, tmp: str) -> dict[str, list[str]]:
    exe = symjac_exe()
    cmds: dict[str, list[str]] = {}
    if case in ("help", "version"):
        if exe:
            cmds["symjac"] = [exe, f"--{case}"]
        cmds["python+click"] = [sys.executable, "-c", "import click"]
        return cmds
    if case.startswith("jac"):
        n = 200 if case == "jac200" else 3
        funcs, vars_ = system(n)
        if exe:
            cmds["symjac"] = [exe, "jacobian", ", ".join(funcs), "--wrt", ", ".join(vars_),
                              "--format", "json"]
            if case != "jac3steps":
                cmds["symjac"].append("--no-steps")
        for mod in ("sympy", "symengine"):
            if have(mod):
                path = os.path.join(tmp, f"{mod}_{case}.py")
                with open(path, "w") as f:
                    f.write(JAC_PY.format(mod=mod, vars=" ".join(vars_), funcs=funcs))
                cmds[mod] = [sys.executable, path]
        if shutil.which("maxima"):
            path = os.path.join(tmp, f"{case}.mac")
            mfuncs = ", ".join(f.replace("**", "^") for f in funcs)
            with open(path, "w") as f:
                f.write(f"display2d:false$\nJ: jacobian([{mfuncs}], [{', '.join(vars_)}])$\n"
                        "print(string(J))$\n")
            cmds["maxima"] = ["maxima", "--very-quiet", f"--batch={path}"]
        return cmds
    if case == "matmul200":
        import json

        a, b = matrices()
        data = os.path.join(tmp, "ab.json")
        with open(data, "w") as f:
            json.dump([a, b], f)
        if exe:
            cmds["symjac"] = [exe, "matmul", literal(a), literal(b), "--format", "json",
                              "--no-steps"]
        for mod in ("sympy", "symengine"):
            if have(mod):
                path = os.path.join(tmp, f"{mod}_{case}.py")
                with open(path, "w") as f:
                    f.write(MATMUL_PY.format(mod=mod, path=data))
                cmds[mod] = [sys.executable, path]
        if shutil.which("maxima"):
            path = os.path.join(tmp, "matmul.mac")

            def mx(rows):
                return "matrix(" + ",".join("[" + ",".join(map(str, r)) + "]" for r in rows) + ")"

            with open(path, "w") as f:
                f.write(f"display2d:false$\nA: {mx(a)}$\nB: {mx(b)}$\nprint(string(A . B))$\n")
            cmds["maxima"] = ["maxima", "--very-quiet", f"--batch={path}"]
        return cmds
    raise SystemExit(f"unknown case {case!r}; the cases: {', '.join(CASES)}")


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (KiB) of one whole process."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode()
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)[:120]}...\n{err[-500:]}")
    return wall, usage.ru_maxrss


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def in_process_matmul() -> str:
    import sympy

    from symjac.ops.fastmat import product

    a, b = matrices()
    sa, sb = sympy.Matrix(a), sympy.Matrix(b)
    fast, slow = [], []
    for _ in range(3):
        t = time.perf_counter()
        got = product(a, b)
        fast.append(time.perf_counter() - t)
        t = time.perf_counter()
        want = sa * sb
        slow.append(time.perf_counter() - t)
    assert got == want.tolist(), "the exact products differ"
    f, s = statistics.median(fast), statistics.median(slow)
    return (f"matmul 200×200 in one process: symjac's exact product / sympy Matrix.__mul__ "
            f"= {f / s:.3f} ({s / f:.0f}× faster), same exact result")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cases", default=",".join(CASES),
                    help="comma-separated, of: " + ", ".join(CASES))
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"method: whole processes, {args.runs} interleaved runs after a warm-up; "
          "ratio = median of per-run ratios symjac/peer")
    print()
    print("| work | command | median wall (s) | peak RSS (MiB) | symjac/peer |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            cmds = commands(case, tmp)
            if "symjac" not in cmds:
                print(f"| {case} | symjac not installed, skipped | | | |")
                continue
            for name in ("sympy", "symengine", "maxima"):
                if case not in ("help", "version") and name not in cmds:
                    print(f"| {case} | {name} not installed, skipped | | | |")
            for cmd in cmds.values():  # warm-up
                run(cmd)
            times: dict[str, list[float]] = {k: [] for k in cmds}
            mem: dict[str, list[int]] = {k: [] for k in cmds}
            for _ in range(args.runs):
                for name, cmd in cmds.items():
                    w, m = run(cmd)
                    times[name].append(w)
                    mem[name].append(m)
            for name, ts in times.items():
                ratio = ""
                if name != "symjac":
                    pairs = zip(times["symjac"], ts, strict=True)
                    ratio = f"{statistics.median(a / b for a, b in pairs):.2f}"
                rss = max(mem[name]) / 1024
                print(f"| {case} | {name} | {statistics.median(ts):.3f} | {rss:.0f} | {ratio} |",
                      flush=True)
    if "matmul200" in args.cases:
        print()
        print(in_process_matmul())


if __name__ == "__main__":
    main()
