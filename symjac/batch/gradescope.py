"""A Gradescope autograder for a problem file: setup.sh, run_autograder, the problems.

Gradescope unzips the autograder into ``/autograder/source``, runs
``setup.sh`` once when the image is built, copies ``run_autograder`` to
``/autograder/run_autograder`` and runs it for each submission, with the
student's files in ``/autograder/submission``; it reads
``/autograder/results/results.json``. ``$AUTOGRADER_ROOT`` replaces
``/autograder`` (for a local run against a fake root).
"""

from __future__ import annotations

import io
import os
import re
import shlex
import time
import zipfile
from collections.abc import Sequence

from symjac.batch.files import write_output
from symjac.core import __version__
from symjac.core.errors import FileError, InputError

MIN_PYTHON = (3, 11)

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder's image: it installs
# Python >= {py} where the image lacks it, then symjac in its own virtualenv.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
new_enough() {{
  "$1" -c 'import sys; sys.exit(sys.version_info < ({major}, {minor}))' 2>/dev/null
}}
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && new_enough "$(command -v "$candidate")"; then
    PY="$(command -v "$candidate")"
    break
  fi
done
if [ -z "$PY" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  if ! apt-get install -y python{py} python{py}-venv; then
    apt-get install -y software-properties-common
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update
    apt-get install -y python{py} python{py}-venv
  fi
  PY="$(command -v python{py})"
fi
"$PY" -m venv "$ROOT/symjac-venv"
VPY="$ROOT/symjac-venv/bin/python"
{install}
"$ROOT/symjac-venv/bin/symjac" --version
"""

# symjac from the wheel in the zip, never from the index: with --no-index when every
# dependency's wheel is in wheels/ too, else the dependencies (only) from the index.
INSTALL_BUNDLED = """WHEELS="$SOURCE/wheels"
if ! "$VPY" -m pip install --no-index --find-links "$WHEELS" "$WHEELS/{wheel}"; then
  echo "setup.sh: not every dependency is in wheels/; fetching them from the package index" >&2
  "$VPY" -m pip install --find-links "$WHEELS" "$WHEELS/{wheel}"
fi"""
INSTALL_PACKAGE = """"$VPY" -m pip install --upgrade pip || true
"$VPY" -m pip install {package}"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission: it grades the student's answer file
# (the first .toml or .json in the submission) against {problems}.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
PROBLEMS="$ROOT/source/{problems}"
[ -f "$PROBLEMS" ] || PROBLEMS="$HERE/{problems}"
SYMJAC="$ROOT/symjac-venv/bin/symjac"
[ -x "$SYMJAC" ] || SYMJAC="$(command -v symjac)"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
fallback() {{
  # symjac could not grade: still give Gradescope a valid results.json.
  printf '{{"score": 0, "output": "%s", "output_format": "md", "visibility": "visible", '\\
'"stdout_visibility": "hidden", "tests": []}}\\n' "$1" > "$RESULTS"
}}
SUBMISSION="$(find "$ROOT/submission" -maxdepth 3 -type f \\
  \\( -iname '*.toml' -o -iname '*.json' \\) 2>/dev/null | LC_ALL=C sort | head -n 1)"
if [ -z "$SUBMISSION" ]; then
  fallback "No answer file was submitted: upload a .toml or .json file of answers (id = answer)."
  exit 0
fi
if [ -z "$SYMJAC" ]; then
  fallback "The autograder could not find symjac; please tell the course staff."
  exit 0
fi
rm -f "$RESULTS"
METADATA="$ROOT/submission_metadata.json"
STUDENT=()
[ -f "$METADATA" ] && STUDENT=(--metadata "$METADATA")
"$SYMJAC" check "$PROBLEMS" --answers "$SUBMISSION" --gradescope "$RESULTS" \\
  --visibility {visibility} --format text{options} "${{STUDENT[@]}}"
code=$?
# 0: all passed; 1: some did not (a grade, not a failure); 2: the answer file could
# not be read (results.json says so); anything else, or no results: the fallback.
if [ "$code" -gt 2 ] || [ ! -s "$RESULTS" ]; then
  fallback "The autograder could not grade this submission (symjac exit code $code); \\
please tell the course staff."
fi
exit 0
"""


def build(problem_file: str, out: str, *, reveal: bool = False, package: str | None = None,
          wheel: str | Sequence[str] | None = None, timeout: float | None = None,
          visibility: str = "visible") -> list[str]:
    """Write the autograder zip to `out` (atomically); the names it holds."""
    from symjac.batch.problems import load

    load(problem_file)  # a file that cannot be used fails here, not on Gradescope
    name = os.path.basename(problem_file)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise InputError(f"{problem_file}: name the problem file with letters, digits, "
                         "'.', '_' and '-' only (it is written into a shell script)")
    options = ""
    if reveal:
        options += " --reveal"
    if timeout is not None:
        options += f" --timeout {timeout:g}"
    members: dict[str, tuple[bytes, int]] = {}
    given = [wheel] if isinstance(wheel, str) else list(wheel or ())
    if package is not None and given:
        raise InputError("--package and --wheel: give one (by default the installed symjac "
                         "is bundled as a wheel)")
    if package is not None:
        install = INSTALL_PACKAGE.format(package=shlex.quote(package))
    else:
        # --wheel: symjac's own wheel or sdist, and any of its dependencies' wheels (all of
        # them: setup.sh then installs with no network at all)
        ours = None
        for path in given:
            wheel_name = os.path.basename(path)
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*\.(whl|tar\.gz|zip)", wheel_name):
                raise InputError(f"{path}: not a wheel or sdist name (it is written into a "
                                 "shell script)")
            try:
                with open(path, "rb") as f:
                    members["wheels/" + wheel_name] = (f.read(), 0o644)
            except OSError as e:
                raise FileError(f"{path}: cannot read ({e.strerror or e})") from None
            if re.match(r"symjac-\d", wheel_name):
                if ours is not None:
                    raise InputError(f"--wheel: two of symjac's own ({ours} and {wheel_name})")
                ours = wheel_name
        if ours is None:
            ours, data = installed_wheel()
            members["wheels/" + ours] = (data, 0o644)
        install = INSTALL_BUNDLED.format(wheel=ours)
    py = f"{MIN_PYTHON[0]}.{MIN_PYTHON[1]}"
    setup = SETUP.format(py=py, major=MIN_PYTHON[0], minor=MIN_PYTHON[1], install=install)
    run = RUN.format(problems=name, options=options, visibility=shlex.quote(visibility))
    try:
        with open(problem_file, "rb") as f:
            problems = f.read()
    except OSError as e:
        raise FileError(f"{problem_file}: cannot read ({e.strerror or e})") from None
    members = {"setup.sh": (setup.encode(), 0o755), "run_autograder": (run.encode(), 0o755),
               name: (problems, 0o644), **members}
    _write_zip(out, members)
    return list(members)


def _write_zip(out: str, members: dict[str, tuple[bytes, int]]) -> None:
    """The zip built in memory, then written atomically like every output."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        stamp = time.localtime()[:6]
        for arcname, (data, mode) in members.items():
            info = zipfile.ZipInfo(arcname, date_time=stamp)
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    write_output(out, buffer.getvalue())


def installed_wheel() -> tuple[str, bytes]:
    """This installed symjac as a wheel (name, bytes), made from its own files: it works
    from a checkout, an editable install or a wheel, with no build tool and no network."""
    import base64
    import hashlib
    import importlib.metadata

    # the package's folder: symjac/batch/gradescope.py is two levels below it
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for n in sorted(names):
            if n.endswith((".py", ".typed")):
                path = os.path.join(folder, n)
                rel = os.path.relpath(path, os.path.dirname(root)).replace(os.sep, "/")
                with open(path, "rb") as f:
                    files[rel] = f.read()
    try:
        dist = importlib.metadata.distribution("symjac")
        meta = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
        entry = dist.read_text("entry_points.txt")
    except importlib.metadata.PackageNotFoundError:
        meta = entry = None
    if not meta:
        raise FileError("the installed symjac has no package metadata to build a wheel from; "
                        "give --wheel PATH (python -m build --wheel)")
    info = f"symjac-{__version__}.dist-info"
    files[f"{info}/METADATA"] = meta.encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: symjac gradescope build\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = (
        entry or "[console_scripts]\nsymjac = symjac.cli.main:main\n").encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            zi = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return f"symjac-{__version__}-py3-none-any.whl", buffer.getvalue()
