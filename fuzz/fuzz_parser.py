"""Coverage-guided fuzzing of the parser with atheris (not run in CI).

    pip install atheris
    python fuzz/fuzz_parser.py -max_total_time=600 -max_len=300 fuzz/corpus

Any exception other than a SymjacError is a finding; so is a parse that
takes longer than the alarm below (atheris reports it as a crash).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from symjac.core.errors import SymjacError
    from symjac.isolation import time_limit
    from symjac.language.parser import parse_expression, parse_matrix
    from symjac.language.printing import latex, sstr


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    as_matrix = fdp.ConsumeBool()
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
    try:
        with time_limit(5, "one parse"):
            value = parse_matrix(text) if as_matrix else parse_expression(text)
            sstr(value)
            latex(value)
    except SymjacError as e:
        if "\n" in str(e):
            raise AssertionError(f"a message of more than one line: {e!r}") from None


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
