"""The README's console examples, run against the installed `symjac` script.

As sqlite-utils tests its documentation: every ```console block of README.md
is run, command by command (`$ ` lines, continued by a trailing backslash),
in a scratch directory holding a copy of examples/, and what it prints
(stdout and stderr together, as a terminal shows them) is compared with the
lines under it. The README is the specification: when the output changes, the
README changes with it. In the expected text, `...` stands for any text (a
line of its own: any lines), durations such as `0.01s` match any duration,
and a command with no output shown must succeed (exit 0).

It also checks that every command is documented in the README.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from symjac.cli.commands import cli

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCRIPT = Path(sys.executable).parent / "symjac"
_DURATION = re.compile(r"\b\d+(\.\d+)?s\b")


def console_examples(text: str) -> list[tuple[int, str, str]]:
    """(line number, command, expected output) for each `$ ` command of the console blocks."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        i += 1
        command = None
        start = 0
        out: list[str] = []
        while i < len(lines) and lines[i].strip() != "```":
            line = lines[i]
            if line.startswith("$ "):
                if command is not None:
                    found.append((start, command, "\n".join(out)))
                start, command, out = i + 1, line[2:], []
                while command.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command = command[:-1] + " " + lines[i].strip()
            elif command is not None:
                out.append(line)
            i += 1
        if command is not None:
            found.append((start, command, "\n".join(out)))
        i += 1
    return found


EXAMPLES = console_examples(README)


def test_the_readme_has_console_examples():
    commands = {c.split()[1] for _, c, _ in EXAMPLES}
    assert {"matmul", "jacobian", "grad", "solve", "check"} <= commands


def _matches(want: str, got: str) -> bool:
    want = _DURATION.sub("0.00s", "\n".join(x.rstrip() for x in want.strip("\n").splitlines()))
    got = _DURATION.sub("0.00s", "\n".join(x.rstrip() for x in got.strip("\n").splitlines()))
    return doctest.OutputChecker().check_output(want + "\n", got + "\n", doctest.ELLIPSIS)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the symjac script is not installed")
@pytest.mark.parametrize(("line", "command", "want"), EXAMPLES,
                         ids=[f"README.md:{n}" for n, _, _ in EXAMPLES])
def test_readme_console_example(tmp_path, line, command, want):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    env["PATH"] = f"{SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"
    r = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    got = r.stdout + r.stderr
    if r.returncode == 3 and "time limit" in got:  # the default 10 s, on a loaded machine
        pytest.skip(f"README.md:{line}: hit the time limit (is the machine loaded?)")
    if not want.strip():
        assert r.returncode == 0, f"README.md:{line}: `{command}` failed:\n{got}"
    else:
        assert _matches(want, got), (
            f"README.md:{line}: `{command}` printed\n{got}\nwhere the README shows\n{want}")


def _commands(group, prefix=""):
    import click

    for name, command in group.commands.items():
        if getattr(command, "hidden", False):
            continue
        yield f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize("name", sorted(_commands(cli)))
def test_every_command_is_documented(name):
    assert f"symjac {name}" in README, f"README.md does not document `symjac {name}`"
