"""Regenerate the golden files: `python tests/regen_golden.py`.

Each golden file is what a user sees for one worksheet problem in one
format. After regenerating, read every changed file against the worksheet
(seed/000_a2a5434e9771d97d.txt) before keeping it: test_render.py only
proves the output has not changed, not that it is right.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
sys.path.insert(0, str(HERE))

from conftest import P1A, P1B, P1C  # noqa: E402

# name -> (matrices, format)
CASES = {
    "matmul_1b_text": (P1B, "text"),
    "matmul_1b_markdown": (P1B, "markdown"),
    "matmul_1b_latex": (P1B, "latex"),
    "matmul_1b_rich": (P1B, "rich"),
    "matmul_1a_markdown": (P1A, "markdown"),
    "matmul_1c_markdown": (P1C, "markdown"),
}


def produce(name: str) -> str:
    """The output for one case: the CLI's stdout, or rich on a fixed 80-column console."""
    matrices, fmt = CASES[name]
    if fmt == "rich":
        from rich.console import Console

        from symjac import api
        from symjac.render import render

        console = Console(file=io.StringIO(), width=80, color_system=None)
        console.print(render(api.matmul(*matrices), "rich"))
        return console.file.getvalue()
    from click.testing import CliRunner

    from symjac.cli.commands import cli

    return CliRunner().invoke(cli, ["matmul", *matrices, "-f", fmt]).stdout


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in CASES:
        path = GOLDEN / f"{name}.txt"
        new = produce(name)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(new, encoding="utf-8")
        print(f"{'unchanged' if old == new else 'WROTE'}  {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
