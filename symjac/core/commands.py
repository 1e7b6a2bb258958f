"""The one list of symjac's calculus commands.

The click commands, the console script's fast reader, problem files (a
problem's ``command`` and the key holding its positional argument) and the
library's functions (``symjac.matmul`` ...) are all made from this list.
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    name: str
    positional: str  # its first argument, and the problem-file key that holds it
    many: bool = False  # one or more values (matmul's matrices), else exactly one
    optional: bool = False  # may be left out (derive --list)


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("matmul", "matrices", many=True),
    Command("jacobian", "functions"),
    Command("grad", "loss"),
    Command("hessian", "loss"),
    Command("derive", "name", optional=True),
)}
