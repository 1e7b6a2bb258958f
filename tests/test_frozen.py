"""The values made by core.frozen behave as the frozen dataclasses they stand for (compared
on generated values with plain dataclasses of the same fields)."""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symjac.core.model import Check, Derivation, Result, Step


def _reference(cls):
    """The same fields as a plain @dataclass(frozen=True): the general path."""
    spec = [(f.name, f.type, dataclasses.field(default=f.default, default_factory=f.default_factory,
                                               compare=f.compare, repr=f.repr))
            for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True)


REFERENCE = {cls: _reference(cls) for cls in (Step, Result, Check, Derivation)}
TEXT = st.text(max_size=4)
TUPLES = st.lists(TEXT, max_size=2).map(tuple)


def _steps():
    return st.builds(lambda *a: a, st.sampled_from(["entry", "note"]), TEXT, TEXT,
                     st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)), TUPLES)


def _step_kwargs(a):
    return dict(zip(("kind", "text", "latex", "index", "chain"), a, strict=True))


def _both(cls, kwargs):
    return cls(**kwargs), REFERENCE[cls](**kwargs)


def _same_repr(ours, ref):
    return repr(ours) == repr(ref)


@settings(max_examples=200, deadline=None)
@given(_steps(), _steps(), st.sampled_from(["latex", "rules", "kind"]), TEXT)
def test_steps_behave_as_frozen_dataclasses(a, b, name, text):
    ours_a, ref_a = _both(Step, _step_kwargs(a))
    ours_b, ref_b = _both(Step, _step_kwargs(b))
    assert _same_repr(ours_a, ref_a)
    assert (ours_a == ours_b) == (ref_a == ref_b)
    value = (text,) if name == "rules" else text
    assert _same_repr(dataclasses.replace(ours_a, **{name: value}),
                      dataclasses.replace(ref_a, **{name: value}))
    assert pickle.loads(pickle.dumps(ours_a)) == ours_a
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours_a.text = "x"  # type: ignore[misc]


@settings(max_examples=100, deadline=None)
@given(st.booleans(), st.sampled_from(["", "equal", "different", "undecided", "bogus"]),
       st.sampled_from(["exact", "numeric", "guess"]), TEXT, st.integers())
def test_checks_and_results_behave_as_frozen_dataclasses(passed, outcome, method, text, value):
    kwargs = {"passed": passed, "outcome": outcome, "method": method, "message": text}
    try:
        ours = Check(**kwargs)
    except ValueError:  # Check's own rules (its __post_init__), not the dataclass's
        ours = None
    if ours is not None:
        # the reference has no __post_init__: give it the outcome Check settled on
        ref = REFERENCE[Check](**{**kwargs, "outcome": ours.outcome})
        assert _same_repr(ours, ref) and hash(ours) == hash(Check(**kwargs))
    r1 = Result((1, 1), (("1",),), text, value=value)
    r2 = REFERENCE[Result]((1, 1), (("1",),), text, value=value)
    assert _same_repr(r1, r2)
    assert r1 == Result((1, 1), (("1",),), text, value=value + 1)  # value is not compared


def test_wrong_arguments_are_refused_as_a_dataclass_refuses_them():
    for call in (lambda cls: cls("a"), lambda cls: cls("a", "b", kind="c"),
                 lambda cls: cls("a", "b", bogus=1), lambda cls: cls(*"abcdefghij")):
        for cls in (Step, REFERENCE[Step]):
            with pytest.raises(TypeError):
                call(cls)
    d = Derivation("jacobian", "s")
    assert d.steps == () and d.extra == {} and d.extra is not Derivation("j", "s").extra


def test_the_values_become_dataclasses_when_first_asked():
    """model does not import dataclasses (start-up); the first question to dataclasses
    makes each class a real one, with the fields of a plain @dataclass(frozen=True)."""
    code = (
        "import sys\n"
        "from symjac.core.model import Result, Step\n"
        "s = Step('note', 'hi')\n"
        "assert 'dataclasses' not in sys.modules, 'imported at start-up'\n"
        "import dataclasses\n"
        "assert dataclasses.is_dataclass(s) and dataclasses.is_dataclass(Result)\n"
        "assert dataclasses.replace(s, text='yo') == Step('note', 'yo')\n"
        "M = dataclasses.MISSING\n"
        "print([(f.name, 'M' if f.default is M else f.default,\n"
        "        'M' if f.default_factory is M else f.default_factory.__name__,\n"
        "        f.compare, f.repr) for f in dataclasses.fields(Result)])\n"
    )
    # as Result declares them (model.py)
    want = [("shape", "M", "M", True, True), ("matrix", "M", "M", True, True),
            ("latex", "M", "M", True, True), ("value", None, "M", False, False),
            ("latex_entries", (), "M", True, True),
            ("extra", "M", "_no_result_extra", True, True)]
    assert _fresh(code) == repr(want)


def test_subclasses_and_patterns_work_before_dataclasses_is_asked():
    code = (
        "from symjac.core.model import Step\n"
        "match Step('note', 'hi'):\n"
        "    case Step(kind, text):\n"
        "        assert (kind, text) == ('note', 'hi')\n"
        "class Mine(Step):\n"
        "    pass\n"
        "import dataclasses\n"
        "assert [f.name for f in dataclasses.fields(Mine)][:3] == ['kind', 'text', 'latex']\n"
        "assert dataclasses.is_dataclass(Step) and Mine.latex == ''\n"
    )
    _fresh(code)


def _fresh(code: str) -> str:
    """What code prints in a new interpreter, which must end without an error."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
