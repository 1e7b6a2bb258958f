"""Hardening: untrusted text in every output, limits on every path, signals, files, odd input.

Each class of attack is tried through the installed `symjac` script (a real
process, real stdout and stderr), and the pieces (the escaping layer, the
output paths, the exact values at a point) are tested directly. Expected
values come from elsewhere: Python's integers, the definition of a
derivative, the bytes of the file before and after.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from symjac import api, isolation
from symjac.batch import files
from symjac.cli.commands import cli
from symjac.core.errors import FileError, UndefinedError
from symjac.render import safe

SCRIPT = Path(sys.executable).parent / "symjac"
EXAMPLES = Path(__file__).parent.parent / "examples"


def run(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120,
        **kw) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([str(SCRIPT), *args], capture_output=True, timeout=timeout,
                          cwd=cwd, env=full_env, **kw)


def clean(proc: subprocess.CompletedProcess, code: int, lines: int | None = 1) -> str:
    """Assert the exit code, no traceback, and at most `lines` lines on stderr."""
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, (proc.returncode, err, proc.stdout[:500])
    assert "Traceback" not in err and "internal error" not in err
    if lines is not None:
        assert len(err.splitlines()) <= lines, err
    return err


HOSTILE_TOML = r'''
title = "T [bold red]x[/] \u001b[31mred"
text = """See $\\input{/etc/hostname}$, $x^2 + \\frac{1}{2}$, \\
$\\immediate\\openout5=pwned.tex\\immediate\\write5{x}\\immediate\\closeout5$ \\
and <script>alert(1)</script>"""

[[problem]]
id = "p1\u001b[2J\r"
command = "matmul"
matrices = ["[[1, 2]]", "[[3], [4]]"]
text = """**bold** <img src=x onerror=alert(1)> $$\\def\\x{1}\\x$$ \\
$^^5cinput{/etc/hostname}$ \\input{/etc/hostname}"""

[[problem]]
id = "[link=http://evil.example]PASSED[/link]"
title = "\u202egnp.exe"
command = "matmul"
matrices = ["[[1, 2]]", "[[3], [4]]"]
'''

HOSTILE_ANSWERS = {
    "p1\u001b[2J\r": '(1+"[/x]")(x)',
    "[link=http://evil.example]PASSED[/link]": "[[12]]\r1b  passed  <script>x</script>",
}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    (tmp_path / "hostile.toml").write_text(HOSTILE_TOML, encoding="utf-8")
    (tmp_path / "answers.json").write_text(json.dumps(HOSTILE_ANSWERS), encoding="utf-8")
    return tmp_path


# -- the escaping layer ---------------------------------------------------------------


@pytest.mark.parametrize(("char", "shown"), [
    ("\r", "\\r"), ("\n", "\\n"), ("\x1b", "\\x1b"), ("\x00", "\\x00"), ("\x7f", "\\x7f"),
    ("\x9b", "\\x9b"), ("\u202e", "<U+202E>"), ("\u2066", "<U+2066>"), ("\u200b", "<U+200B>"),
    ("\ufeff", "<U+FEFF>"), ("\u2028", "<U+2028>"), ("\udcff", "\\xff"), ("\ud800", "<U+D800>"),
    ("\ufffe", "<U+FFFE>"), ("\uffff", "<U+FFFF>"), ("\ufdd0", "<U+FDD0>"),
])
def test_control_characters_are_shown_visibly(char, shown):
    assert safe.visible(f"a{char}b") == f"a{shown}b"
    assert safe.line(f"a{char}b").encode("utf-8")  # always encodable


def test_new_lines_are_kept_only_in_blocks():
    assert safe.block("a\nb\tc\rd") == "a\nb\tc\\rd"
    assert safe.line("a\nb") == "a\\nb"


def test_long_text_is_cut_with_a_marker():
    text = "x" * 900_000
    out = safe.cut(text, 100)
    assert out.startswith("x" * 100) and len(out) < 200
    assert "899,900 more characters" in out


def test_rich_text_is_never_markup():
    from rich.console import Console

    console = Console(force_terminal=True, width=200, color_system="truecolor")
    with console.capture() as cap:
        console.print(safe.rich_text("[link=http://evil]PASSED[/link] [/x] \x1b[2J"))
    out = cap.get()
    assert "[link=http://evil]PASSED[/link] [/x]" in out
    assert "\x1b]8;" not in out and "\x1b[2J" not in out


def test_html_and_markdown_escape():
    assert safe.html("<script>&</script>") == "&lt;script&gt;&amp;&lt;/script&gt;"
    md = safe.md_text("[click](javascript:x) <img onerror=1> *a* `b` | c")
    assert "<" not in md and "[click](" not in md and "\\*a\\*" in md and "\\|" in md
    assert safe.md_code("a`b") == "``a`b``"


@pytest.mark.parametrize("tex", [
    r"\input{/etc/hostname}", r"\include{x}", r"\immediate\write18{ls}", r"\openout5=x",
    r"\def\x{1}", r"\catcode`\^=7", r"^^5cinput{/etc/passwd}", r"\csname input\endcsname",
    r"\begin{filecontents}{x}", r"\usepackage{x}", r"x % \input", r"\let\a\input",
    r"\expandafter\x", r"\newcommand{\x}{1}", r"#1", r"a}\input{b", r"\verb|x|",
])
def test_dangerous_math_is_not_kept(tex):
    assert not safe.safe_math(tex)


@pytest.mark.parametrize("tex", [
    r"x^2 + \frac{1}{2}", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", r"\theta^T x",
    r"\sum_{j} e^{h_j}", r"\nabla_\theta \ell = x (z - e_y)^\top", r"\left( a \right)",
    r"\mathbb{R}^{n \times k}", r"\text{if } y = i",
])
def test_plain_math_is_kept(tex):
    assert safe.safe_math(tex)


def test_latex_text_escapes_every_special():
    out = safe.latex_text(r"\input{x} $ & % # _ ^ ~ \x1b")
    assert "\\input" not in out and "\\textbackslash{}input\\{x\\}" in out
    for special in ("$", "&", "%", "#", "_"):
        assert f"\\{special}" in out


def test_json_is_strictly_valid():
    out = safe.dumps({"a": float("nan"), "b": [float("inf"), -float("inf")], "c": "x\ud800"})
    assert json.loads(out) == {"a": None, "b": [None, None], "c": "x<U+D800>"}
    out.encode("utf-8")


_json_text = st.text(alphabet=st.sampled_from(
    ["a", "x", "\\", '"', "\n", "\x7f", "\x85", "\u2028", "\u202e", "\ufeff", "\ud800", "θ",
     "∇", "\U000e0041", "\x1b"]), max_size=6)
_json_leaf = st.one_of(_json_text, st.integers(), st.floats(), st.none(), st.booleans())
_json_value = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_json_text, inner, max_size=3)),
    max_leaves=10,
)


def _reference_json(obj, indent=2):
    """The slow route, written out: walk, serialise everything at once, escape the text."""
    text = json.dumps(safe.json_safe(obj), ensure_ascii=False, indent=indent, allow_nan=False)
    invisible = re.compile("[\x7f-\x9f\u2028\u2029" + safe._FORMAT + "]")
    return invisible.sub(lambda m: json.dumps(m.group())[1:-1], text)


@settings(max_examples=300, deadline=None)
@given(_json_value, st.sampled_from([2, None]))
def test_json_fast_route_is_the_slow_one(obj, indent):
    """dumps serialises first and walks the object only for a surrogate or a NaN."""
    assert safe.dumps(obj, indent=indent) == _reference_json(obj, indent)


@settings(max_examples=60, deadline=None)
@given(st.lists(_json_text, min_size=11, max_size=11), st.integers(8, 10))
def test_json_large_matrices_are_valid_and_visible(row, n):
    """A matrix past ROWS_ON_ONE_LINE is laid out a row per line; the value is the same."""
    obj = {"label": "∇f", "matrix": [row] * n, "float": float("nan")}
    out = safe.dumps(obj)
    assert json.loads(out) == safe.json_safe(obj)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + safe._FORMAT + "]",
                         out.replace("\n", ""))
    assert (out.count("\n") < n * 11) == (n * 11 > safe.ROWS_ON_ONE_LINE)


def test_json_large_matrix_layout():
    """A row per line, each row as the json module writes it on one line; at the top too."""
    rows = [[f"x{i}*y{j}" for j in range(11)] for i in range(10)]
    body = ",\n    ".join(json.dumps(r, ensure_ascii=False) for r in rows)
    assert safe.dumps({"label": "∇f", "matrix": rows}) == (
        '{\n  "label": "∇f",\n  "matrix": [\n    ' + body + "\n  ]\n}")
    assert safe.dumps(rows) == "[\n  " + body.replace("\n    ", "\n  ") + "\n]"
    assert safe.dumps(rows, indent=None) == json.dumps(rows)


# -- terminal and report injection, through the script ----------------------------------


def test_answers_are_not_markup_nor_escape_sequences(hostile):
    proc = run("check", "hostile.toml", "--answers", "answers.json", "-f", "rich",
               cwd=hostile, env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    clean(proc, 1, lines=None)  # a forced terminal shows the progress bar on stderr
    out = proc.stdout.decode()
    assert "\x1b]8;" not in out  # no hyperlink
    assert "\x1b[2J" not in out and "\r" not in out.replace("\r\n", "\n")
    assert "\\x1b[2J\\r" in out  # the id, shown as what it is
    assert "[link=http://evil.example]PASSED[/link]" in out


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json"])
def test_every_report_format_is_escaped(hostile, fmt):
    proc = run("check", "hostile.toml", "--answers", "answers.json", "-f", fmt, cwd=hostile)
    clean(proc, 1)
    out = proc.stdout.decode()
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    if fmt == "json":
        json.loads(out)
    if fmt == "markdown":
        assert "<script>" not in out and "<img" not in out


def test_gradescope_and_junit_are_escaped_and_valid(hostile):
    proc = run("check", "hostile.toml", "--answers", "answers.json", "--gradescope", "g.json",
               "--junit", "j.xml", "--reveal", cwd=hostile)
    clean(proc, 1)
    text = (hostile / "g.json").read_text(encoding="utf-8")
    results = json.loads(text)
    for test in results["tests"]:
        assert "<script>" not in test["output"] and "<img" not in test["output"]
        assert "\x1b" not in test["name"] and "\r" not in test["name"]
    import xml.etree.ElementTree as ET

    ET.parse(hostile / "j.xml")


def test_a_900_kb_answer_is_not_echoed_in_junit(tmp_path):
    shutil.copy(EXAMPLES / "discussion01.toml", tmp_path)
    (tmp_path / "big.toml").write_text('"1b" = "[[' + "1, " * 300_000 + '1]]"\n')
    proc = run("check", "discussion01.toml", "--answers", "big.toml", "--junit", "j.xml",
               cwd=tmp_path)
    clean(proc, 1)
    assert (tmp_path / "j.xml").stat().st_size < 100_000


def test_nan_points_are_refused_and_json_stays_valid(tmp_path):
    text = (EXAMPLES / "discussion01.toml").read_text()
    (tmp_path / "p.toml").write_text(text.replace('id = "1b"', 'id = "1b"\npoints = nan', 1))
    proc = run("check", "p.toml", "-f", "json", "--gradescope", "g.json", cwd=tmp_path)
    clean(proc, 1)
    report = json.loads(proc.stdout)
    (bad,) = [p for p in report["problems"] if p["id"] == "1b"]
    assert bad["status"] == "error" and "finite" in bad["message"]
    json.loads((tmp_path / "g.json").read_text())


# -- LaTeX injection ----------------------------------------------------------------------


def test_solve_latex_keeps_no_dangerous_command(hostile):
    proc = run("solve", "hostile.toml", "-o", "out.tex", cwd=hostile)
    clean(proc, 0)
    tex = (hostile / "out.tex").read_text()
    for bad in (r"\input{", r"\openout", r"\write", r"\def", "^^5c", "\x1b"):
        assert bad not in tex, bad
    assert r"x^2 + \frac{1}{2}" in tex  # plain math is kept as math


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_hostile_document_compiles_and_reads_and_writes_nothing(hostile):
    proc = run("solve", "hostile.toml", "-o", "out.tex", cwd=hostile)
    clean(proc, 0)
    before = set(os.listdir(hostile))
    tex = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
         "out.tex"], cwd=hostile, capture_output=True, timeout=120,
    )
    assert tex.returncode == 0, tex.stdout[-2000:]
    made = set(os.listdir(hostile)) - before
    assert made <= {"out.pdf", "out.log", "out.aux"}, made  # no pwned.tex
    log = (hostile / "out.log").read_text(errors="replace")
    # TeX logs each file it opens as "(path"; the text "\input{...}" is only typeset
    assert "(/etc/hostname" not in log.replace("\n", "")


# -- exit 4 -> a clean exit ----------------------------------------------------------------


def test_huge_integer_prints_abbreviated():
    proc = run("jacobian", "10**5000*x")
    clean(proc, 0, lines=0)
    assert "integer of about 5,001 digits" in proc.stdout.decode()


@pytest.mark.parametrize(("function", "at"), [
    ("relu(asin(x))", "x=2"), ("relu(log(x))", "x=-1"), ("max(x, log(x))", "x=-1"),
])
def test_values_off_the_real_line_are_not_real(function, at):
    proc = run("jacobian", function, "--at", at)
    clean(proc, 1, lines=0)
    assert "not a real number" in proc.stdout.decode()


def test_file_names_that_are_not_utf8_with_junit(tmp_path):
    shutil.copy(EXAMPLES / "discussion01.toml", tmp_path)
    name = b"ans\xff\xfe.toml"
    (tmp_path / os.fsdecode(name)).write_bytes(b'"1b" = "[[29],[5],[26]]"\n')
    proc = run("check", "discussion01.toml", "--answers", os.fsdecode(name), "--junit", "j.xml",
               "--gradescope", "g.json", cwd=tmp_path)
    clean(proc, 1)
    assert b"ans\\xff\\xfe.toml" in proc.stdout
    import xml.etree.ElementTree as ET

    ET.parse(tmp_path / "j.xml")
    json.loads((tmp_path / "g.json").read_text())


@pytest.mark.parametrize("command", ["check", "solve"])
def test_lone_surrogate_ids(tmp_path, command):
    (tmp_path / "p.json").write_text(
        '{"title": "t\\ud800", "problem": [{"id": "a\\ud800", "command": "matmul",'
        ' "matrices": ["[[1]]", "[[2]]"], "expect": "[[2]]"}]}')
    for fmt in ("text", "json", "markdown", "latex"):
        proc = run(command, "p.json", "-f", fmt, cwd=tmp_path)
        clean(proc, 0, lines=0)
        if fmt == "json":
            json.loads(proc.stdout)


def test_output_to_dev_full():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        for args in (["check", str(EXAMPLES / "discussion01.toml")],
                     ["matmul", "[[1]]", "[[2]]"]):
            proc = subprocess.run([str(SCRIPT), *args], stdout=full, stderr=subprocess.PIPE,
                                  timeout=120)
            assert proc.returncode == 2, proc.stderr
            assert b"cannot write the output" in proc.stderr
            assert b"Traceback" not in proc.stderr


def test_stdout_closed():
    proc = subprocess.run(f"'{SCRIPT}' matmul '[[1]]' '[[2]]' >&-", shell=True,
                          capture_output=True, timeout=60)
    clean(proc, 2)
    assert b"standard output is closed" in proc.stderr


# -- exact values at a point --------------------------------------------------------------


def test_exp_at_710_is_a_real_number():
    d = api.jacobian("exp(x)", at="x=710", steps=False)
    value = d.extra["at"]["decimal"][0][0]
    from decimal import Decimal

    expected = f"{Decimal(710).exp():.10e}"  # Python's decimal module, not sympy or mpmath
    assert value.startswith(expected[:11]) and value.endswith("e+308"), (value, expected)


def test_x_squared_at_1e400_is_exact():
    d = api.jacobian("x**2", at="x=1e400", steps=False)
    assert d.result.value[0, 0] == 2 * 10**400  # Python's integers, not the code under test


@pytest.mark.parametrize(("function", "at", "slope"), [
    ("sqrt(relu(x))", "x=-1", 0),  # 0 all around x=-1
    ("abs(x)**2", "x=0", 0),  # smooth through the kink of |x|
    ("abs(x)", "x=2", 1),
    ("abs(x)", "x=-3", -1),
    ("relu(x)", "x=5", 1),
    ("max(x, 2*x)", "x=1", 2),
    ("max(x, 2*x)", "x=-1", 1),
])
def test_piecewise_slopes_match_a_difference_quotient(function, at, slope):
    d = api.jacobian(function, at=at, steps=False)
    assert d.result.value[0, 0] == slope
    # and by another route: the difference quotient of the function itself
    import sympy

    from symjac.language.parser import parse_expression

    f = parse_expression(function)
    x = sympy.Symbol("x", real=True)
    x = next(iter(f.free_symbols))
    x0 = sympy.Rational(at.split("=")[1])
    h = sympy.Rational(1, 10**6)
    quotient = (f.subs(x, x0 + h) - f.subs(x, x0 - h)) / (2 * h)
    assert abs(float(quotient) - slope) < 1e-5


@pytest.mark.parametrize(("function", "at", "why"), [
    ("relu(x)", "x=0", "kink"), ("abs(x)", "x=0", "kink"), ("max(x, y)", "x=1, y=1", "kink"),
    ("sign(x)", "x=0", "jumps"), ("heaviside(x)", "x=0", "jumps"),
])
def test_kinks_and_jumps_are_undefined(function, at, why):
    try:
        api.jacobian(function, at=at, steps=False)
    except UndefinedError as e:
        assert why in str(e)
    except Exception as e:  # a language that does not know the function refuses it
        assert "heaviside" in function, e
    else:
        raise AssertionError("expected undefined")


# -- limits on every path ------------------------------------------------------------------


def test_toml_dotted_keys_are_refused_before_parsing(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a" + ".a" * 20_000 + " = 1\n")
    with pytest.raises(FileError, match="dotted key"):
        files.load_data(str(path))
    proc = run("check", str(path))
    clean(proc, 2)


def test_dots_in_strings_and_numbers_are_not_key_parts(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text('a.b.c = "1.2.3.4.5.6.7.8.9"\nv = [' + ", ".join(["1.5"] * 100) + "]\n"
                    "w = '''\n" + "." * 100 + "\n'''\n# " + "." * 100 + "\n")
    assert files.load_data(str(path))["a"]["b"]["c"] == "1.2.3.4.5.6.7.8.9"


# -- options and environment ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "-inf", "1e400"])
def test_timeout_must_be_finite(value):
    for args in (["matmul", "[[1]]", "[[2]]"], ["check", str(EXAMPLES / "discussion01.toml")]):
        r = CliRunner().invoke(cli, [*args, "--timeout", value])
        assert r.exit_code == 2, r.output


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1e400G", "4X"])
def test_max_memory_must_be_a_size(value):
    r = CliRunner().invoke(cli, ["matmul", "[[1]]", "[[2]]", "--max-memory", value])
    assert r.exit_code == 2


def test_jobs_is_capped_at_the_cores():
    proc = run("check", str(EXAMPLES / "discussion01.toml"), "--jobs", "200")  # at most 256
    err = clean(proc, 0)
    assert f"using {isolation.cpu_count()}" in err


def test_bad_memory_variable_warns_and_falls_back():
    proc = run("matmul", "[[1]]", "[[2]]", env={"SYMJAC_MAX_MEMORY": "bogus"})
    err = clean(proc, 0)
    assert "SYMJAC_MAX_MEMORY" in err and "default" in err
    assert "2" in proc.stdout.decode()


@pytest.mark.parametrize("columns", ["0", "1", "100000000", "-5", "x"])
def test_columns_is_clamped(columns):
    proc = run("jacobian", "x**2*y, sin(x)", "-f", "rich", env={"COLUMNS": columns}, timeout=60)
    clean(proc, 0, lines=0)
    assert "∇f" in proc.stdout.decode()


# -- output paths ----------------------------------------------------------------------------


def test_output_onto_the_input_is_refused(tmp_path):
    path = tmp_path / "p.toml"
    shutil.copy(EXAMPLES / "discussion01.toml", path)
    before = path.read_bytes()
    proc = run("solve", "p.toml", "-o", "p.toml", cwd=tmp_path)
    clean(proc, 2)
    proc = run("check", "p.toml", "--junit", "./p.toml", cwd=tmp_path)
    clean(proc, 2)
    assert path.read_bytes() == before


def test_two_outputs_at_one_path_are_refused(tmp_path):
    shutil.copy(EXAMPLES / "discussion01.toml", tmp_path)
    proc = run("check", "discussion01.toml", "--junit", "r.out", "--gradescope", "r.out",
               cwd=tmp_path)
    clean(proc, 2)
    assert not (tmp_path / "r.out").exists()


def test_a_fifo_is_refused_at_once(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    shutil.copy(EXAMPLES / "discussion01.toml", tmp_path)
    os.mkfifo(tmp_path / "pipe")
    proc = run("solve", "discussion01.toml", "-o", "pipe", cwd=tmp_path, timeout=30)
    assert "FIFO" in clean(proc, 2)


def test_a_symlink_is_followed_and_said(tmp_path):
    shutil.copy(EXAMPLES / "discussion01.toml", tmp_path)
    (tmp_path / "link.md").symlink_to("real.md")
    proc = run("solve", "discussion01.toml", "-o", "link.md", cwd=tmp_path)
    assert "symbolic link" in clean(proc, 0)
    assert (tmp_path / "link.md").is_symlink() and (tmp_path / "real.md").stat().st_size > 0


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    path.write_text("old, whole")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(FileError, match="No space left"):
        files.write_output(str(path), "new" * 1000)
    assert path.read_text() == "old, whole"
    assert os.listdir(tmp_path) == ["results.json"]  # no temporary file left behind


def test_written_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "out.md"
    path.write_text("x")
    path.chmod(0o640)
    files.write_output(str(path), "y")
    assert path.read_text() == "y" and (path.stat().st_mode & 0o777) == 0o640


# -- signals and workers -----------------------------------------------------------------------

# Problems that run for minutes (sympy's simplify of every entry of a large
# Jacobian), so the workers are still computing when the parent is signalled.
_SYSTEM = ", ".join(f"sin(x{i})**2*cos(x{(i + 1) % 60})*exp(x{(i + 2) % 60})/(1 + x{i}**2)"
                    for i in range(60))
SLOW = f"""
[[problem]]
id = "s1"
command = "jacobian"
functions = "{_SYSTEM}"
simplify = true

[[problem]]
id = "s2"
command = "jacobian"
functions = "{_SYSTEM}"
simplify = true
"""


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL])
def test_workers_die_with_the_parent(tmp_path, sig):
    work = tmp_path / "work"
    work.mkdir()
    (work / "slow.toml").write_text(SLOW)
    err = tmp_path / "stderr"
    with open(err, "wb") as stderr:
        proc = subprocess.Popen([str(SCRIPT), "check", "slow.toml", "--timeout", "0", "--junit",
                                 "j.xml"], cwd=work, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 1:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert workers, "no worker started"
        proc.send_signal(sig)
        proc.wait(timeout=120)
        deadline = time.monotonic() + 120  # a bound on waiting, not on how fast they go
        while [w for w in workers if _running(w)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _running(w)]
        if sig != signal.SIGKILL:
            assert proc.returncode == 128 + sig
            assert f"stopped by {signal.Signals(sig).name}" in err.read_text()
        # an interrupted batch leaves no partial output and no temporary file
        assert [p.name for p in work.iterdir()] == ["slow.toml"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- JUnit: every file a real XML parser reads --------------------------------------------

# The characters XML 1.0's Char production leaves out: no parser reads them, escaped or not.
_FORBIDDEN_IN_XML = ([chr(c) for c in range(0x20) if c not in (0x9, 0xA, 0xD)]
                     + ["\ufffe", "\uffff", "\ud800", "\udbff", "\udc00", "\udfff"])


def _xml_allows(s: str) -> bool:
    return not any(ch in _FORBIDDEN_IN_XML for ch in s)


def _outcome(**fields):
    from symjac.batch.runner import Outcome

    base = dict(file="p.toml", id="1", index=1, command="matmul", title="", status="failed")
    return Outcome(**{**base, **fields})


def test_junit_ids_with_characters_xml_forbids_are_read_by_a_parser(tmp_path):
    import xml.etree.ElementTree as ET

    ids = ["a\ufffeb", "c\uffffd", "e\x00f", "g\x1bh", "k]]>&<'\"l", "m\x0bn\x0c", "o\ud800p"]
    problems = {"title": "T\ufffe", "problem": [
        {"id": i, "command": "matmul", "matrices": ["[[1, 2]]", "[[3], [4]]"],
         "expect": "[[12]]" if n % 2 else "[[11]]",
         "feedback": [{"answer": "[[12]]", "message": "wrong\ufffe\x1b <&> ]]>"}]}
        for n, i in enumerate(ids)]}
    (tmp_path / "p\ufffe.json").write_text(json.dumps(problems), encoding="utf-8")
    proc = run("check", "p\ufffe.json", "--junit", "j.xml", cwd=tmp_path)
    clean(proc, 1, lines=None)
    root = ET.parse(tmp_path / "j.xml").getroot()
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(ids)
    names = [c.get("name") for c in cases]
    assert names[0] == "a<U+FFFE>b" and names[1] == "c<U+FFFF>d"
    assert names[4] == "k]]>&<'\"l"  # escaped on the way in, the same text on the way out
    assert all(_xml_allows(n) for n in names)


# any text, with the characters XML refuses (and those it must escape) drawn often
_XML_HOSTILE = st.lists(st.one_of(
    st.sampled_from([*_FORBIDDEN_IN_XML, "&", "<", ">", "]]>", "'", '"', "\r", "\x85"]),
    st.characters())).map("".join)  # not st.text: its alphabet drops U+FFFE and surrogates


@settings(max_examples=200, deadline=None)
@given(_XML_HOSTILE, _XML_HOSTILE, _XML_HOSTILE, st.lists(_XML_HOSTILE, max_size=2))
def test_junit_of_any_text_is_read_by_a_parser(ident, message, file, tags):
    import xml.etree.ElementTree as ET

    from symjac.batch.report import junit_xml

    outcomes = [
        _outcome(id=ident, message=message, file=file,
                 mistakes=tuple({"tag": t, "message": t} for t in tags),
                 mismatches=({"index": [1, 1], "correct": message, "answer": ident,
                              "point": {ident: message}, "answer_value": "1",
                              "correct_value": message},)),
        _outcome(id=message, message=ident, file=file, status="error", index=2),
        _outcome(id=ident, message=message, file=file, status="ungraded", index=3,
                 answers=message),
    ]
    text = junit_xml(outcomes)
    root = ET.fromstring(text.encode("utf-8"))
    first = root.find("testsuite/testcase")
    # text XML allows comes back exactly, as ElementTree escaped it
    if _xml_allows(ident) and ident and "\r" not in ident:
        assert first.get("name") == ident
    for el in root.iter():
        for value in [el.text or "", *el.attrib.values()]:
            assert _xml_allows(value)
