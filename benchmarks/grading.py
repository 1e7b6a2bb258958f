"""Grading throughput: `symjac check --answers-dir` against a plain sympy loop.

A cohort of STUDENTS answer PROBLEMS Jacobian problems (default 100 × 20).
Each answer is right (as sympy prints the key, or rewritten: expanded, with
trigonometric products expanded) or wrong (one entry changed, transposed,
negated), drawn from a fixed seed. Both graders see the same answers:

- symjac: `symjac check problems.toml --answers-dir answers/ --format json`,
  one process, its default workers (one per student, under the limits);
- sympy: one Python process that works each key once with
  `Matrix.jacobian`, then for every answer `sympify`s it and tests
  `simplify(a - b) == 0` entry by entry.

The two run interleaved, `--runs` times, as whole processes; the ratio is
taken run by run and its median reported (machine drift cancels out).
Reported: answers per second, CPU seconds per answer (user + system, of the
process and its children), the peak memory of the largest process, and
whether the two graders agree on every answer.

    python benchmarks/grading.py                      # 100 students × 20 problems
    python benchmarks/grading.py --students 20 --runs 1
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYMJAC = str(Path(sys.executable).parent / "symjac")

ATOMS = ["x", "y", "z"]
PARTS = ["sin({u})", "cos({u})", "exp({u})", "{u}**2", "{u}**3", "log(1 + {u}**2)",
         "sin({u})**2", "{u}*exp({v})", "cos({u}*{v})", "{u}**2*{v}"]


def make_problems(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        k = rng.choice([2, 3])
        funcs = []
        for _ in range(k):
            terms = []
            for _ in range(rng.choice([1, 2])):
                u, v = rng.sample(ATOMS, 2)
                terms.append(rng.choice(PARTS).format(u=u, v=v))
            funcs.append(" + ".join(terms))
        out.append({"id": f"p{i + 1}", "command": "jacobian",
                    "functions": ", ".join(funcs), "wrt": "x, y, z"})
    return out


def make_answers(problems: list[dict], students: int, rng: random.Random) -> list[dict]:
    import sympy

    syms = sympy.symbols("x y z")
    keys = []
    for p in problems:
        f = sympy.Matrix([sympy.sympify(t) for t in _split(p["functions"])])
        keys.append(f.jacobian(sympy.Matrix(syms)))
    cohort = []
    for _ in range(students):
        answers = {}
        for p, key in zip(problems, keys, strict=True):
            roll = rng.random()
            m = key
            if roll < 0.35:
                pass  # as printed
            elif roll < 0.6:
                m = key.applyfunc(lambda e: sympy.expand(sympy.expand_trig(e)))
            elif roll < 0.75:
                i, j = rng.randrange(m.rows), rng.randrange(m.cols)
                m = m.copy()
                m[i, j] = m[i, j] + rng.choice([1, syms[0], sympy.sin(syms[1])])
            elif roll < 0.85:
                m = key.T
            else:
                m = -key
            answers[p["id"]] = "[" + ", ".join(
                "[" + ", ".join(sympy.sstr(e) for e in m.row(r)) + "]" for r in range(m.rows)
            ) + "]"
        cohort.append(answers)
    return cohort


def _split(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch in "([" and 1 or (-1 if ch in ")]" else 0)
        cur += ch
    return [*out, cur]


SYMPY_LOOP = r'''
import json, sys, time
import sympy
problems = json.load(open(sys.argv[1]))
cohort = json.load(open(sys.argv[2]))
syms = sympy.symbols("x y z")
keys = {}
for p in problems:
    f = sympy.Matrix([sympy.sympify(t) for t in p["parts"]])
    keys[p["id"]] = f.jacobian(sympy.Matrix(syms))
verdicts = []
for answers in cohort:
    row = []
    for p in problems:
        key = keys[p["id"]]
        a = sympy.Matrix(sympy.sympify(answers[p["id"]]))
        ok = a.shape == key.shape and all(
            sympy.simplify(a[i] - key[i]) == 0 for i in range(len(key)))
        row.append(ok)
    verdicts.append(row)
json.dump(verdicts, open(sys.argv[3], "w"))
'''


def _toml_string(s: str) -> str:
    return json.dumps(s)  # a JSON string is a TOML basic string here (ASCII, no controls)


def write_inputs(folder: Path, problems: list[dict], cohort: list[dict]) -> None:
    lines = []
    for p in problems:
        lines += ["[[problem]]"] + [f"{k} = {_toml_string(v)}" for k, v in p.items()] + [""]
    (folder / "problems.toml").write_text("\n".join(lines))
    subs = folder / "answers"
    subs.mkdir()
    width = len(str(len(cohort)))
    for n, answers in enumerate(cohort, 1):
        (subs / f"s{n:0{width}d}.toml").write_text(
            "".join(f"{k} = {_toml_string(v)}\n" for k, v in answers.items()))
    (folder / "problems.json").write_text(json.dumps(
        [{"id": p["id"], "parts": _split(p["functions"])} for p in problems]))
    (folder / "cohort.json").write_text(json.dumps(cohort))
    (folder / "loop.py").write_text(SYMPY_LOOP)


# Runs a command and reports, for it and everything it started, the CPU time and
# the peak resident memory of the largest process (RUSAGE_CHILDREN of a fresh parent).
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:], stdout=open(sys.argv[1], 'w'))\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(r.ru_utime + r.ru_stime, r.ru_maxrss, file=sys.stderr)\n"
)


def timed(cmd: list[str], out: Path) -> tuple[float, float, float, str]:
    """wall seconds, CPU seconds (with children), peak RSS in MiB of the largest process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(out), *cmd],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu, rss = proc.stderr.strip().splitlines()[-1].split()
    return wall, float(cpu), int(rss) / 1024, out.read_text()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=100)
    ap.add_argument("--problems", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=188)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    problems = make_problems(args.problems, rng)
    cohort = make_answers(problems, args.students, rng)
    n = args.students * args.problems
    folder = Path(tempfile.mkdtemp(prefix="symjac-grading-"))
    try:
        write_inputs(folder, problems, cohort)
        symjac_cmd = [SYMJAC, "check", str(folder / "problems.toml"), "--answers-dir",
                      str(folder / "answers"), "--format", "json", "--timeout", "60"]
        loop_cmd = [sys.executable, str(folder / "loop.py"), str(folder / "problems.json"),
                    str(folder / "cohort.json"), str(folder / "verdicts.json")]
        rows = []
        for run in range(args.runs):
            order = [("symjac", symjac_cmd), ("sympy", loop_cmd)]
            if run % 2:
                order.reverse()
            got = {}
            for name, cmd in order:
                got[name] = timed(cmd, folder / f"{name}.out")
            rows.append(got)
            s, p = got["symjac"], got["sympy"]
            print(f"run {run + 1}: symjac {s[0]:.1f} s wall, {s[1]:.1f} s CPU; "
                  f"sympy loop {p[0]:.1f} s wall, {p[1]:.1f} s CPU", file=sys.stderr)
        last = rows[-1]
        report = json.loads(last["symjac"][3])
        ours = [[p["status"] == "passed" for p in sub["problems"]]
                for sub in report["submissions"]]
        theirs = json.loads((folder / "verdicts.json").read_text())
        agree = sum(a == b for ra, rb in zip(ours, theirs, strict=True)
                    for a, b in zip(ra, rb, strict=True))
        wall_ratio = statistics.median(r["sympy"][0] / r["symjac"][0] for r in rows)
        cpu_ratio = statistics.median(r["sympy"][1] / r["symjac"][1] for r in rows)
        med = {k: (statistics.median(r[k][0] for r in rows),
                   statistics.median(r[k][1] for r in rows),
                   max(r[k][2] for r in rows)) for k in ("symjac", "sympy")}
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print(f"{args.students} students × {args.problems} Jacobian problems = {n} answers; "
              f"{args.runs} interleaved runs on {cores} cores; Python "
              f"{sys.version.split()[0]}")
        print("| grader | answers/s | CPU ms per answer | peak memory (largest process) |")
        print("|---|---|---|---|")
        for k, label in (("symjac", "`symjac check --answers-dir`"),
                         ("sympy", "sympy loop (`simplify(a - b) == 0`)")):
            wall, cpu, rss = med[k]
            print(f"| {label} | {n / wall:.0f} | {1000 * cpu / n:.1f} | {rss:.0f} MiB |")
        print(f"\nsymjac is {wall_ratio:.1f}× faster in wall time and {cpu_ratio:.1f}× in CPU "
              f"(median of per-run ratios); the graders agree on {agree} of {n} answers.")
        wrong = [p for sub in report["submissions"] for p in sub["problems"]
                 if p["status"] != "passed"]
        tags = {}
        for p in wrong:
            for t in p["mistakes"]:
                tags[t] = tags.get(t, 0) + 1
        distinct = len({(k, v) for answers in cohort for k, v in answers.items()})
        print(f"{distinct} of the {n} answers are distinct.")
        print(f"symjac named a mistake in {sum(1 for p in wrong if p['mistakes'])} of "
              f"{len(wrong)} wrong answers: {tags}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
