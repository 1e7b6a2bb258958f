"""The tree keeps the architecture of DESIGN.md: one list of commands, and imports
that go one way (lint-imports checks the layers; this scan counts cycles too,
imports inside functions included)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import click

import symjac
from symjac.batch import problems
from symjac.cli import options
from symjac.cli.commands import cli
from symjac.core.commands import COMMANDS

ROOT = Path(symjac.__file__).parent


def test_every_listed_command_is_a_click_command_a_problem_command_and_a_function():
    for name, command in COMMANDS.items():
        click_command = cli.commands[name]
        first = next(p for p in click_command.params if isinstance(p, click.Argument))
        assert first.name == command.positional
        assert (first.nargs == -1) == command.many
        assert first.required == (not command.optional)
        assert problems.api_function(name) is not None
        assert name in symjac.__all__ and callable(getattr(symjac, name))
    for name, (positional, count, _) in options.COMMANDS.items():
        assert positional == COMMANDS[name].positional and (count == -1) == COMMANDS[name].many
    # and nothing is a command that the list does not hold (besides the batch commands)
    assert set(cli.commands) - set(COMMANDS) == {"check", "solve", "gradescope"}


def test_library_functions_take_the_api_functions_parameters():
    from symjac import api

    for name in COMMANDS:
        shown = inspect.signature(getattr(symjac, name)).parameters
        assert set(inspect.signature(getattr(api, name)).parameters) <= set(shown), name


def _imports() -> dict[str, set[str]]:
    """module -> the symjac modules it imports, at the top or inside a function."""
    modules = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path

    def resolve(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package
                    for _ in range(node.level - 1):
                        up = up.rpartition(".")[0]
                    base = f"{up}.{base}" if base else up
                targets = [f"{base}.{a.name}" for a in node.names] or [base]
            else:
                continue
            for target in targets:
                if target.split(".")[0] == "symjac":
                    found = resolve(target)
                    if found and found != module:
                        edges[module].add(found)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_scan_finds_a_cycle_where_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_counting_imports_inside_functions():
    edges = _imports()
    assert "symjac.language.parser" in edges["symjac.language.notation"] or \
        "symjac.language.lexer" in edges["symjac.language.notation"]  # the scan sees imports
    assert _cycles(edges) == []
