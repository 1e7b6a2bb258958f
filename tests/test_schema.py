"""The JSON the commands write holds to its TypedDicts (symjac.core.schema).

Each object written is checked against the schema: every required key is
there, no key is undeclared, and every value has its declared type. The
inputs cover each command's kinds of steps and extra keys (matmul's entries,
jacobian's partials at a point and with finite differences, grad's chain and
closed form, hessian's two kinds, derive and its list, a failed check, an
error), and every key of the merged TypedDicts must turn up at least once, so
the schema cannot keep a key no command writes.
"""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
from click.testing import CliRunner

from symjac import api
from symjac.cli.commands import cli
from symjac.core.errors import ShapeError
from symjac.core.model import Derivation, error_dict
from symjac.core.schema import (
    DerivationExtra,
    DerivationJSON,
    ErrorJSON,
    ResultExtra,
    ResultJSON,
    SparseResultJSON,
    StepData,
    StepJSON,
)
from symjac.render import render

SOFTMAX = dict(loss="-h[y] + log(sum(exp(h)))", wrt="theta", shape="theta=3x2, x=3x1",
               where=["h = theta.T @ x"], index="y=1..2")


def problems(value: Any, tp: Any, path: str = "$", seen: dict | None = None) -> list[str]:
    """Where ``value`` (JSON, as read back) does not conform to the type ``tp``.

    ``seen`` collects, per TypedDict, the keys that were present.
    """
    if tp is Any:
        return []
    if tp is None or tp is type(None):
        return [] if value is None else [f"{path}: {value!r} is not null"]
    if is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        hints = get_type_hints(tp)
        out = [f"{path}: no key {k!r}" for k in sorted(tp.__required_keys__ - value.keys())]
        out += [f"{path}: undeclared key {k!r}" for k in sorted(value.keys() - hints.keys())]
        if seen is not None:
            seen.setdefault(tp, set()).update(value.keys())
        for k in sorted(value.keys() & hints.keys()):
            out += problems(value[k], hints[k], f"{path}.{k}", seen)
        return out
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        found = [problems(value, t, path, None) for t in get_args(tp)]
        if any(not f for f in found):
            for t in get_args(tp):  # record the keys of the variant that fits
                if not problems(value, t, path, None):
                    return problems(value, t, path, seen)
        return [f"{path}: {value!r} is none of {tp}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {value!r} is not a list"]
        (item,) = get_args(tp)
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{path}[{i}]", seen)]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: {value!r} is not an object"]
        _, item = get_args(tp)
        return [p for k, v in value.items() for p in problems(v, item, f"{path}.{k}", seen)]
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp)
    return [] if ok else [f"{path}: {value!r} is not {tp.__name__}"]


def _written(d: Derivation) -> Any:
    """The object --format json writes, read back."""
    return json.loads(render(d, "json"))


def _corpus() -> list[tuple[str, Derivation]]:
    return [
        ("matmul", api.matmul("[[1, 2], [3, 4]]", "[[5], [6]]")),
        ("matmul wrong", api.matmul("[[1, 2], [3, 4]]", "[[5], [6]]", expect="[[17], [1]]")),
        ("matmul long", api.matmul("[[1, 2, 3, 4, 5, 6]]", "[[1], [2], [3], [4], [5], [6]]")),
        ("matmul elided", api.matmul("[" + ", ".join(["[1, 2]"] * 12) + "]",  # 144 entries
                                      f"[{list(range(12))}, {list(range(12))}]")),
        ("jacobian", api.jacobian("x**2*y, sin(x*y)", "x, y")),
        ("jacobian fast", api.jacobian("x**2*y, x*z", "[[x, y], [z, w]]", engine="symengine")),
        ("jacobian large", api.jacobian(", ".join(f"x{i}**2" for i in range(11)),  # 121 entries
                                        ", ".join(f"x{i}" for i in range(11)))),
        ("jacobian long", api.jacobian(  # a function too long to work (2,300 nodes)
            "x*y, " + " + ".join(f"sin({k}*x)*y**{k % 5 + 1}" for k in range(1, 160)), "x, y")),
        ("jacobian reference", api.jacobian("x**2*y, exp(x)", "x, y", engine="sympy",
                                            simplify=True)),
        ("jacobian at", api.jacobian("x**2*y, sin(y)", "x, y", at="x=1, y=2")),
        ("jacobian check", api.jacobian("x**2*y, sin(y)", "x, y", check=True)),
        ("jacobian wrong", api.jacobian("x**2*y", "x, y", expect="[[2*x, x]]")),
        ("grad", api.grad(**SOFTMAX)),
        ("grad wrong", api.grad(**SOFTMAX, expect="x @ (softmax(h) + onehot(y, 2)).T")),
        ("grad entries", api.grad("sum(x**2)", "x", "x=3x1")),
        ("grad chain", api.grad("-h[y] + log(sum(exp(h)))", "W2", "W1=3x2, W2=2x2, x=3x1",
                                where=["a = W1.T @ x", "r = relu(a)", "h = W2.T @ r"],
                                index="y=1..2")),
        ("hessian", api.hessian("x**2*y + sin(y)")),
        ("hessian matrix", api.hessian("sum((A @ x - b)**2)", "x", "A=3x2, x=2, b=3")),
        ("derive", api.derive("softmax-regression")),
        ("derive list", api.derive(list_all=True)),
    ]


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, Any]]:
    return [(name, _written(d)) for name, d in _corpus()]


def test_every_object_written_conforms(corpus):
    seen: dict = {}
    for name, obj in corpus:
        assert problems(obj, DerivationJSON, name, seen) == []
    # Every merged key is written by some command: the schema keeps no key of its own.
    for merged, td in ((StepData, StepJSON), (ResultExtra, ResultJSON),
                       (DerivationExtra, DerivationJSON)):
        unused = set(get_type_hints(merged)) - seen[td]
        assert unused == set(), f"{merged.__name__}: no command writes {sorted(unused)}"


def test_the_sparse_result_conforms():
    from symjac.render.data import JsonRenderer

    names = ", ".join(f"x{i}" for i in range(11))
    d = api.jacobian(", ".join(f"x{i}**2" for i in range(11)), names)
    obj = json.loads(JsonRenderer(sparse=True).render(d))
    assert problems(obj, DerivationJSON) == []
    assert problems(obj["result"], SparseResultJSON) == []  # not read as a whole matrix
    assert obj["result"]["nnz"] == 11 == len(obj["result"]["entries"])


def test_a_failure_conforms():
    obj = json.loads(json.dumps(error_dict("matmul", ShapeError("shapes do not fit"))))
    assert problems(obj, ErrorJSON) == []
    assert obj["error"]["type"] == "ShapeError"
    result = CliRunner().invoke(cli, ["matmul", "[[1, 2]]", "[[1, 2]]", "--format", "json"])
    assert result.exit_code == 1
    assert problems(json.loads(result.stdout), ErrorJSON) == []
    usage = CliRunner().invoke(cli, ["matmul", "--nope", "--format", "json"])
    assert usage.exit_code == 2
    assert problems(json.loads(usage.stdout), ErrorJSON) == []


def test_the_checker_finds_what_does_not_conform():
    # The checker itself, on objects that break the schema in each way it knows.
    good = _written(api.matmul("[[1, 2]]", "[[3], [4]]"))
    assert problems(good, DerivationJSON) == []
    assert problems({**good, "extra_key": 1}, DerivationJSON) == ["$: undeclared key 'extra_key'"]
    missing = dict(good)
    del missing["steps"]
    assert problems(missing, DerivationJSON) == ["$: no key 'steps'"]
    bad_step = {**good, "steps": [{**good["steps"][0], "left": 3}]}
    assert problems(bad_step, DerivationJSON) == ["$.steps[0].left: 3 is not str"]
    bad_bool = {**good, "ok": 1}
    assert problems(bad_bool, DerivationJSON) == ["$.ok: 1 is not bool"]
