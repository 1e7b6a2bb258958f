"""Regenerate the golden files of `symjac jacobian` (the worksheet's problem 2).

Run from the repository root after a deliberate change to the output, then
read every file by eye before committing:

    python tests/regen_golden_jacobian.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
WIDTH = 120  # a fixed console, so the files do not depend on the terminal

# name -> the api.jacobian keyword arguments of each case
CASES = {
    "2a": {"functions": "x**3*y, cos(y)**2 + 5*x, y*exp(x)"},
    "2b": {"functions": "p + 4*q, sin(r**2*s)", "wrt": "[[p, q], [r, s]]"},
}
FORMATS = ("rich", "text", "markdown")


def rendered(case: str, fmt: str) -> str:
    """The output of one case in one format, exactly as a golden file holds it."""
    from rich.console import Console

    from symjac import api
    from symjac.render import render

    out = render(api.jacobian(**CASES[case]), fmt)
    if fmt != "rich":
        return out if out.endswith("\n") else out + "\n"
    # No colour codes, as in tests/regen_golden.py, so the files can be read by eye.
    buf = io.StringIO()
    Console(file=buf, width=WIDTH, color_system=None).print(out)
    return buf.getvalue()


def path(case: str, fmt: str) -> Path:
    return GOLDEN / f"jacobian_{case}_{fmt}.txt"


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for case in CASES:
        for fmt in FORMATS:
            path(case, fmt).write_text(rendered(case, fmt), encoding="utf-8")
            print(f"wrote {path(case, fmt)}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
