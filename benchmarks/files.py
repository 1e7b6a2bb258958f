#!/usr/bin/env python3
"""Large systems from files: time and peak memory against the symengine script and Maxima.

Usage:  python benchmarks/files.py [--cases polytrig:1000,pendulum:4] [--runs 3]
                                   [--peers ../shared/bench/peers.py] [--symjac symjac]

Each case is written one function per line to a file, and its variables to
another; symjac reads them as ``symjac jacobian @system.txt --wrt @vars.txt``.
The peers are peers.py's own scripts (sympy is left out: minutes per run at
this size): the symengine script, and Maxima where it is installed. The
pendulum is benchmarks/mechanics.py's n-link pendulum on a cart (4 links:
about 400 kB of text), cached in --cache; tall:N is N polytrig functions of
only 10 variables (tall:10000 is a 10,000-line file).

symjac runs as the default command (worked steps, text, as in a pipe), and
with --no-steps as JSON, dense and --sparse.

Time: peers.py's method (whole processes, interleaved, median of per-run
ratios). Memory: the peak resident set of one process, from /usr/bin/time
(%M). symjac's work runs in a forked child under the default limits, which
/usr/bin/time does not always count, so its peak is measured with the work in
the measured process (--timeout 0 --max-memory 0); its time is measured with
the default limits.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pendulum(links: int, cache: str) -> tuple[list[str], list[str]]:
    path = os.path.join(cache, f"pendulum{links}.txt")
    if os.path.exists(path):
        with open(path) as f:
            funcs, names = f.read().split("\n---\n")
        return funcs.splitlines(), names.split()
    funcs, names = load(os.path.join(HERE, "mechanics.py"), "mechanics").system(links)
    os.makedirs(cache, exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(funcs) + "\n---\n" + " ".join(names))
    return funcs, names


def failed(cmd: list[str]) -> str | None:
    """Why a peer's command does not compute the Jacobian, or None. Maxima reports an
    error (a package it cannot find: Debian's maxima without maxima-share) and still
    exits 0, after about the time it takes to start."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return f"exit {r.returncode}: {(r.stderr or r.stdout).strip().splitlines()[-1:]}"
    if "-- an error." in r.stdout or "file_search1:" in r.stdout:
        return next(line for line in r.stdout.splitlines()
                    if "error" in line or "file_search1" in line)
    return None


def tall(n: int) -> tuple[list[str], list[str]]:
    """n polytrig-like functions of only 10 variables: a long, narrow system."""
    import random

    rng = random.Random(1)
    funcs = []
    for _ in range(n):
        a, b, c = rng.sample(range(10), 3)
        funcs.append(f"x{a}**3*x{b} + cos(x{b})**2 + 5*x{c} + x{a}*exp(x{c})"
                     f" + sin(x{a}*x{b}**2*x{c})")
    return funcs, [f"x{i}" for i in range(10)]


def peak_mib(cmd: list[str], env: dict | None = None) -> float:
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {cmd[:3]}...\n{done.stderr[-500:]}")
    return int(done.stderr.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="polytrig:1000,pendulum:4")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers", default=os.path.join(HERE, "..", "..", "shared", "bench",
                                                     "peers.py"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--symjac", default="symjac")
    ap.add_argument("--timeout", default=None,
                    help="symjac's --timeout for the timed runs (default: its default)")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "symjac-bench"))
    args = ap.parse_args()
    peers = load(args.peers, "peers")
    exe = shutil.which(args.symjac) or sys.exit(f"{args.symjac}: not found")
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases.split(","):
            name, _, size = case.partition(":")
            if name in ("pendulum", "tall"):
                funcs, names = (pendulum(int(size or 4), args.cache) if name == "pendulum"
                                 else tall(int(size or 10_000)))
                own = peers.system
                peers.system = lambda c, f=funcs, n=names, own=own, case=case: (
                    (f, n, ", ".join(n)) if c == case else own(c))
            else:
                funcs, names, _ = peers.system(case)
            system = os.path.join(tmp, "system.txt")
            variables = os.path.join(tmp, "vars.txt")
            with open(system, "w") as f:
                f.write("\n".join(funcs) + "\n")
            with open(variables, "w") as f:
                f.write("\n".join(names) + "\n")
            cmds = {k: v for k, v in peers.commands(case, tmp, args.symjac, (), args.python)
                    .items() if k in ("symengine", "maxima")}
            if "maxima" not in cmds:
                print(f"{case}: maxima not installed, skipped")
            for label in list(cmds):  # a peer that fails would be timed failing
                failure = failed(cmds[label])
                if failure:
                    print(f"{case}: {label} failed ({failure}), skipped")
                    del cmds[label]
            ours = {
                "symjac[default]": [exe, "jacobian", f"@{system}", "--wrt", f"@{variables}"],
                "symjac[json]": [exe, "jacobian", f"@{system}", "--wrt", f"@{variables}",
                                 "--no-steps", "-f", "json"],
                "symjac[json --sparse]": [exe, "jacobian", f"@{system}", "--wrt",
                                          f"@{variables}", "--no-steps", "-f", "json",
                                          "--sparse"],
            }
            if args.timeout is not None:
                for cmd in ours.values():
                    cmd += ["--timeout", args.timeout]
            size_kb = sum(len(f) + 1 for f in funcs) / 1000
            print(f"{case}: {len(funcs)} functions of {len(names)} variables, "
                  f"{size_kb:,.0f} kB of text", flush=True)
            times = peers.measure({**ours, **cmds}, args.runs)
            for label in times:
                line = f"  {label:<22} median wall {peers.statistics.median(times[label]):7.2f} s"
                if label in cmds:
                    line += "   " + "  ".join(f"{k}/{label} = {peers.ratio(times, k, label):.2f}"
                                             for k in ours)
                print(line, flush=True)
            peaks = {label: peak_mib([*cmd, "--timeout", "0", "--max-memory", "0"]
                                     if args.timeout is None else [*cmd, "--max-memory", "0"])
                     for label, cmd in ours.items()}
            peaks.update({label: peak_mib(cmd) for label, cmd in cmds.items()})
            for label, mib in peaks.items():
                line = f"  {label:<22} peak RSS {mib:7.1f} MiB"
                if label in cmds:
                    line += "   " + "  ".join(f"{k}/{label} = {peaks[k] / mib:.2f}"
                                             for k in ours)
                print(line, flush=True)


if __name__ == "__main__":
    main()
