"""The one list of symjac's calculus commands.

The click commands, the console script's fast reader, problem files (a
problem's ``command`` and the key holding its positional argument) and the
library's functions (``symjac.matmul`` ...) are all made from this list.
"""

from __future__ import annotations


class Command:
    """One command. (A plain class: a NamedTuple or a dataclass costs a millisecond or
    more to define, on every start of the program, for four read-only attributes.)"""

    __slots__ = ("name", "positional", "many", "optional")

    def __init__(self, name: str, positional: str, many: bool = False,
                 optional: bool = False) -> None:
        self.name = name
        self.positional = positional  # its first argument, and the problem-file key for it
        self.many = many  # one or more values (matmul's matrices), else exactly one
        self.optional = optional  # may be left out (derive --list)

    def __repr__(self) -> str:
        return f"Command({self.name!r}, {self.positional!r})"


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("matmul", "matrices", many=True),
    Command("jacobian", "functions"),
    Command("grad", "loss"),
    Command("hessian", "loss"),
    Command("derive", "name", optional=True),
)}
