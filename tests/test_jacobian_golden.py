"""Golden files: the worksheet's problem 2 in rich, text and markdown.

After a deliberate change to the output, run tests/regen_golden_jacobian.py
and read every changed file by eye before committing it.
"""

from __future__ import annotations

import pytest

# pytest puts this directory on sys.path (rootdir-less test modules, "prepend" mode).
import regen_golden_jacobian as regen


@pytest.mark.parametrize("fmt", regen.FORMATS)
@pytest.mark.parametrize("case", list(regen.CASES))
def test_golden(case, fmt):
    expected = regen.path(case, fmt).read_text(encoding="utf-8")
    assert regen.rendered(case, fmt) == expected


def test_every_jacobian_golden_file_has_a_case():
    names = {p.name for p in regen.GOLDEN.glob("jacobian_*.txt")}
    assert names == {regen.path(c, f).name for c in regen.CASES for f in regen.FORMATS}
