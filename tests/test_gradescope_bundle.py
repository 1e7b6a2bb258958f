"""gradescope build: the installed symjac bundled as a wheel, installed with no network,
and the zip run in a fake $AUTOGRADER_ROOT."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from symjac.cli.commands import cli

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ROOT / "examples" / "discussion01-variants.toml"


def _build(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "autograder.zip"
    r = CliRunner().invoke(cli, ["gradescope", "build", str(VARIANTS), "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    return out


def _installed(tmp_path: Path, zip_path: Path) -> tuple[Path, Path]:
    """The zip unpacked, and its wheel installed offline (pip --no-index) into a folder."""
    src = tmp_path / "root" / "source"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(src)
    wheels = list((src / "wheels").glob("symjac-*-py3-none-any.whl"))
    assert len(wheels) == 1
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                    "--no-deps", "--target", str(target), str(wheels[0])],
                   check=True, capture_output=True, timeout=300)
    return src, target


def test_build_bundles_a_wheel_that_installs_offline(tmp_path):
    src, target = _installed(tmp_path, _build(tmp_path))
    setup = (src / "setup.sh").read_text()
    assert "--no-index --find-links" in setup and "symjac==" not in setup
    # the installed copy is a whole symjac: it runs, from its own files
    code = ("import symjac, symjac.batch.variants, symjac.cli.main; print(symjac.__file__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(target)}, check=True,
                         cwd=tmp_path).stdout  # not the checkout's own symjac
    assert out.startswith(str(target))
    assert (target / "symjac" / "py.typed").exists()
    meta = next(target.glob("symjac-*.dist-info"))
    assert "symjac = symjac.cli.main:main" in (meta / "entry_points.txt").read_text()


def test_the_zip_grades_in_a_fake_autograder_root(tmp_path):
    src, target = _installed(tmp_path, _build(tmp_path))
    root = src.parent
    # setup.sh's venv, made here from the bundled wheel (its dependencies are this
    # interpreter's): a symjac that runs the installed copy
    venv_bin = root / "symjac-venv" / "bin"
    venv_bin.mkdir(parents=True)
    shim = venv_bin / "symjac"
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{target}" exec "{sys.executable}" -m symjac "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    # carol's right answers, in a file named as any student names it
    r = CliRunner().invoke(cli, ["solve", str(VARIANTS), "--student", "carol", "-f", "json"])
    answers = {}
    for p in json.loads(r.stdout)["problems"]:
        if p["command"] == "matmul":
            answers[p["id"]] = ("undefined" if p["undefined"] else
                                json.dumps(p["derivation"]["result"]["matrix"]).replace('"',
                                                                                        ""))
    (root / "submission").mkdir()
    (root / "submission" / "answers.toml").write_text(
        "\n".join(f'"{k}" = "{v}"' for k, v in answers.items()) + "\n")
    (root / "submission_metadata.json").write_text(
        json.dumps({"users": [{"name": "Carol", "sid": "carol", "email": "c@x.edu"}]}))
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    subprocess.run(["bash", str(src / "run_autograder")], env=env, timeout=300, check=True,
                   cwd=tmp_path)
    results = json.loads((root / "results" / "results.json").read_text())
    tests = {t["number"]: t for t in results["tests"]}
    for pid in ("1a", "1b", "1c"):
        assert tests[pid]["score"] == tests[pid]["max_score"] == 1, tests[pid]
    # the same answers as someone else's: graded against that student's variant
    (root / "submission_metadata.json").write_text(
        json.dumps({"users": [{"name": "Alice", "sid": "alice", "email": "a@x.edu"}]}))
    subprocess.run(["bash", str(src / "run_autograder")], env=env, timeout=300, check=True,
                   cwd=tmp_path)
    results = json.loads((root / "results" / "results.json").read_text())
    assert any(t["score"] == 0 for t in results["tests"] if t["number"] in ("1b", "1c"))


def test_gradescope_timeout_is_refused_as_checks_is(tmp_path):
    a = CliRunner().invoke(cli, ["gradescope", "build", str(VARIANTS), "-o",
                                 str(tmp_path / "z.zip"), "--timeout", "inf"])
    b = CliRunner().invoke(cli, ["check", str(VARIANTS), "--timeout", "inf"])
    assert a.exit_code == b.exit_code == 2

    def said(output: str) -> str:
        return next(line for line in output.splitlines() if "inf" in line).split("(see")[0]

    assert said(a.output) == said(b.output)
    assert not (tmp_path / "z.zip").exists()


def test_package_and_wheel_are_one_or_the_other(tmp_path):
    wheel = tmp_path / "symjac-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    r = CliRunner().invoke(cli, ["gradescope", "build", str(VARIANTS), "-o",
                                 str(tmp_path / "z.zip"), "--package", "symjac",
                                 "--wheel", str(wheel)])
    assert r.exit_code == 2 and "give one" in r.output
    _build(tmp_path, "--package", "symjac==0.1.0")
    with zipfile.ZipFile(tmp_path / "autograder.zip") as z:
        assert "pip install symjac==0.1.0" in z.read("setup.sh").decode()
        assert not any(n.startswith("wheels/") for n in z.namelist())


def _dependency_wheels(dest: Path) -> list[Path]:
    """Wheels of symjac's dependencies at the installed versions, from the configured
    package index (a local mirror in CI); skip where there is none."""
    import importlib.metadata as md
    import re

    names = [re.split(r"[ ;<>=!~\[]", r, maxsplit=1)[0]
             for r in md.requires("symjac") or () if "extra ==" not in r]
    pins = [f"{n}=={md.version(n)}" for n in names]
    r = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                        "--dest", str(dest), *pins], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.skip(f"cannot download the dependencies' wheels here: {r.stderr[-300:]}")
    return sorted(dest.glob("*.whl"))


def test_setup_installs_with_no_network_in_a_fake_root(tmp_path):
    """setup.sh, as Gradescope runs it, with every index unreachable: symjac and its
    dependencies come from the zip's wheels/ alone; then run_autograder grades."""
    deps = _dependency_wheels(tmp_path / "deps")
    out = tmp_path / "autograder.zip"
    r = CliRunner().invoke(cli, ["gradescope", "build", str(VARIANTS), "-o", str(out),
                                 *[a for w in deps for a in ("--wheel", str(w))]])
    assert r.exit_code == 0, r.output
    root = tmp_path / "root"
    with zipfile.ZipFile(out) as z:
        z.extractall(root / "source")
    offline = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    offline.update(AUTOGRADER_ROOT=str(root), PIP_CONFIG_FILE=os.devnull,
                   PIP_INDEX_URL="http://127.0.0.1:9/simple", PIP_FIND_LINKS="",
                   PIP_RETRIES="0", PIP_TIMEOUT="2")
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=offline,
                           capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert setup.returncode == 0, setup.stderr[-2000:]
    assert "package index" not in setup.stderr
    assert (root / "symjac-venv" / "bin" / "symjac").exists()
    (root / "submission").mkdir()
    (root / "submission" / "alice.toml").write_text('"1a" = "undefined"\n')
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=offline,
                   timeout=300, check=True, cwd=tmp_path)
    results = json.loads((root / "results" / "results.json").read_text())
    assert {t["number"]: t["score"] for t in results["tests"]}["1a"] == 1
