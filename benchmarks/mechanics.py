#!/usr/bin/env python3
"""symjac against its peers on a real-world system from sympy.physics.mechanics.

Usage:  python benchmarks/mechanics.py [--links 3] [--runs 3] [--peers ../shared/bench/peers.py]
                                       [--python .venv/bin/python] [--symjac .venv/bin/symjac]

The system: an n-link pendulum on a cart (a classic of sympy.physics.mechanics),
its equations of motion by Kane's method, solved for the state derivatives
(M \\ F), with the generalized coordinates q0..qn and speeds u0..un as plain
symbols. Its Jacobian with respect to the 2(n+1) states is the linearisation a
controls course computes. With 3 links: 8 functions, about 44 kB of text.

The timing is peers.py's own (whole processes, interleaved, median of the
per-run ratios), with this system as the case; peers.py is imported from
--peers, so the method stays the one the other cases use.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys


def system(links: int) -> tuple[list[str], list[str]]:
    """(the state derivatives as text, the state names) of an n-link pendulum on a cart."""
    import sympy as sm
    import sympy.physics.mechanics as me

    n = links
    q = me.dynamicsymbols(f"q:{n + 1}")
    u = me.dynamicsymbols(f"u:{n + 1}")
    f = me.dynamicsymbols("f")
    m = sm.symbols(f"m:{n + 1}")
    length = sm.symbols(f"l:{n}")
    g, t = sm.symbols("g t")
    frame = me.ReferenceFrame("I")
    origin = me.Point("O")
    origin.set_vel(frame, 0)
    cart = me.Point("P0")
    cart.set_pos(origin, q[0] * frame.x)
    cart.set_vel(frame, u[0] * frame.x)
    points = [cart]
    particles = [me.Particle("Pa0", cart, m[0])]
    forces = [(cart, f * frame.x - m[0] * g * frame.y)]
    kindiffs = [q[0].diff(t) - u[0]]
    for i in range(n):
        link = frame.orientnew(f"B{i}", "Axis", [q[i + 1], frame.z])
        link.set_ang_vel(frame, u[i + 1] * frame.z)
        point = points[-1].locatenew(f"P{i + 1}", length[i] * link.x)
        point.v2pt_theory(points[-1], frame, link)
        points.append(point)
        particles.append(me.Particle(f"Pa{i + 1}", point, m[i + 1]))
        forces.append((point, -m[i + 1] * g * frame.y))
        kindiffs.append(q[i + 1].diff(t) - u[i + 1])
    kane = me.KanesMethod(frame, q_ind=q, u_ind=u, kd_eqs=kindiffs)
    kane.kanes_equations(particles, forces)
    rhs = kane.mass_matrix_full.LUsolve(kane.forcing_full)
    plain = {s: sm.Symbol(f"q{i}") for i, s in enumerate(q)}
    plain.update({s: sm.Symbol(f"u{i}") for i, s in enumerate(u)})
    plain[f] = sm.Symbol("F")
    funcs = [str(e.subs(plain)) for e in rhs]
    return [s for s in funcs if s != "0"], [f"q{i}" for i in range(n + 1)] + [
        f"u{i}" for i in range(n + 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--links", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modes", default="text,json")
    ap.add_argument("--peers", default=os.path.join("..", "shared", "bench", "peers.py"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--symjac", default="symjac")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("peers", args.peers)
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {args.peers}")
    peers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peers)
    funcs, states = system(args.links)
    case = f"mechanics:{args.links}"
    print(f"{case}: {len(funcs)} functions, {sum(map(len, funcs)):,} characters, "
          f"{len(states)} states", flush=True)
    own = peers.system
    peers.system = lambda c: (funcs, states, ", ".join(states)) if c == case else own(c)
    sys.argv = ["peers.py", "--cases", case, "--runs", str(args.runs), "--modes", args.modes,
                "--python", args.python, "--symjac", args.symjac]
    peers.main()


if __name__ == "__main__":
    main()
