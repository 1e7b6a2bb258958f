"""SECURITY.md states the grammar and the limits the code enforces: keep them in step."""

from __future__ import annotations

import math
import re
from pathlib import Path

from symjac import limits, parsing, sizes

DOC = (Path(__file__).parent.parent / "SECURITY.md").read_text(encoding="utf-8")


def _row(constant: str) -> str:
    (line,) = [ln for ln in DOC.splitlines() if f"`{constant}`" in ln and ln.startswith("|")]
    return line


def test_every_function_is_listed():
    words = set(re.findall(r"[A-Za-z0-9_]+", DOC))
    for name in [*parsing.FUNCTIONS, *parsing.CONSTANTS]:
        assert name in words, name


def test_limits_match_the_code():
    assert f"{parsing.MAX_LENGTH:,} characters" in _row("MAX_LENGTH")
    assert f"{parsing.MAX_DEPTH} levels" in _row("MAX_DEPTH")
    assert f"| {parsing.MAX_DIGITS} |" in _row("MAX_DIGITS")
    assert f"| {parsing.MAX_EXPONENT} |" in _row("MAX_EXPONENT")
    bits = parsing.MAX_NUMBER_BITS
    assert f"{bits:,} bits (about {bits * math.log10(2):,.0f} digits)" in _row("MAX_NUMBER_BITS")
    assert f"{parsing.MAX_NAME} characters" in _row("MAX_NAME")
    assert f"{parsing.MAX_ENTRIES:,}" in _row("MAX_ENTRIES")
    assert f"about {parsing.MAX_CHAIN:,}" in _row("MAX_CHAIN")
    assert f"about {sizes._FLOOR_BITS * math.log10(2):,.0f} digits" in _row("_FLOOR_BITS")
    assert f"{limits.DEFAULT_TIMEOUT:g} s" in _row("DEFAULT_TIMEOUT")
    assert f"{limits.format_size(limits.DEFAULT_MEMORY).replace(' ', '')}" in _row(
        "DEFAULT_MEMORY"
    ).replace(" ", "")


def test_file_and_output_limits_match_the_code():
    from symjac import files
    from symjac.render import safe

    assert f"{files.MAX_FILE_BYTES // 1024**2} MiB" in _row("MAX_FILE_BYTES")
    assert f"{files.MAX_NESTING} levels" in _row("MAX_NESTING")
    assert f"| {files.MAX_KEY_PARTS} |" in _row("MAX_KEY_PARTS")
    assert f"{safe.MAX_SHOWN:,} characters" in _row("MAX_SHOWN")


def test_the_debugging_switch_is_documented():
    assert f"{limits.NO_FORK_ENV}=1" in DOC and "debugging switch" in DOC
