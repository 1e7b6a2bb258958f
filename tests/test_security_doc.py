"""SECURITY.md states the grammar and the limits the code enforces: keep them in step."""

from __future__ import annotations

import math
import re
from pathlib import Path

from symjac import isolation
from symjac.language import parser, sizes

DOC = (Path(__file__).parent.parent / "SECURITY.md").read_text(encoding="utf-8")


def _row(constant: str) -> str:
    (line,) = [ln for ln in DOC.splitlines() if f"`{constant}`" in ln and ln.startswith("|")]
    return line


def test_every_function_is_listed():
    words = set(re.findall(r"[A-Za-z0-9_]+", DOC))
    for name in [*parser.FUNCTIONS, *parser.CONSTANTS]:
        assert name in words, name


def test_limits_match_the_code():
    assert f"{parser.MAX_LENGTH:,} characters" in _row("MAX_LENGTH")
    assert f"{parser.MAX_DEPTH} levels" in _row("MAX_DEPTH")
    assert f"| {parser.MAX_DIGITS} |" in _row("MAX_DIGITS")
    assert f"| {parser.MAX_EXPONENT} |" in _row("MAX_EXPONENT")
    bits = parser.MAX_NUMBER_BITS
    assert f"{bits:,} bits (about {bits * math.log10(2):,.0f} digits)" in _row("MAX_NUMBER_BITS")
    assert f"{parser.MAX_NAME} characters" in _row("MAX_NAME")
    assert f"{parser.MAX_ENTRIES:,}" in _row("MAX_ENTRIES")
    assert f"about {parser.MAX_CHAIN:,}" in _row("MAX_CHAIN")
    assert f"about {sizes._FLOOR_BITS * math.log10(2):,.0f} digits" in _row("_FLOOR_BITS")
    assert f"{isolation.DEFAULT_TIMEOUT:g} s" in _row("DEFAULT_TIMEOUT")
    assert f"{isolation.format_size(isolation.DEFAULT_MEMORY).replace(' ', '')}" in _row(
        "DEFAULT_MEMORY"
    ).replace(" ", "")


def test_file_and_output_limits_match_the_code():
    from symjac.batch import files
    from symjac.render import safe

    assert f"{files.MAX_FILE_BYTES // 1024**2} MiB" in _row("MAX_FILE_BYTES")
    assert f"{files.MAX_NESTING} levels" in _row("MAX_NESTING")
    assert f"| {files.MAX_KEY_PARTS} |" in _row("MAX_KEY_PARTS")
    assert f"{safe.MAX_SHOWN:,} characters" in _row("MAX_SHOWN")


def test_the_debugging_switch_is_documented():
    assert f"{isolation.NO_FORK_ENV}=1" in DOC and "debugging switch" in DOC
