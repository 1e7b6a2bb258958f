"""check --gradebook (CSV) and --report PATH.html (a page, looked at in a real browser)."""

from __future__ import annotations

import csv
import html.parser
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from symjac.cli.commands import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "discussion01.toml"
CORRECT = ROOT / "examples" / "answers-correct.toml"
MISTAKES = ROOT / "examples" / "answers-mistakes.toml"


def _cohort(tmp_path: Path) -> list[str]:
    """Two example answer files, and one whose name and answers try to be markup."""
    evil = tmp_path / "=cmd<script>.toml"
    evil.write_text('1b = "<b>x</b>"\n1c = "[[21, 24], [14, 30], [36, 72]]"\n')
    return ["--answers", str(CORRECT), "--answers", str(MISTAKES), "--answers", str(evil)]


def test_gradebook_reads_back_to_the_json_scores(tmp_path):
    book = tmp_path / "grades.csv"
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), *_cohort(tmp_path), "-f", "json",
                                 "--gradebook", str(book)])
    subs = json.loads(r.stdout)["submissions"]
    with book.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(subs) == 3
    for row, sub in zip(rows, subs, strict=True):
        assert row["answers"] == sub["answers"]
        assert float(row["total"]) == sub["score"] and float(row["max"]) == sub["max_score"]
        for p in sub["problems"]:
            assert float(row[p["id"]]) == p["score"], (row["student"], p["id"])
        tags = sorted(f"{p['id']}: {t}" for p in sub["problems"] for t in p["mistakes"])
        assert sorted(t for t in row["mistakes"].split("; ") if t) == tags
    assert rows[0]["student"] == "answers-correct"
    # a formula-looking id is quoted, so a spreadsheet shows it rather than running it
    assert rows[2]["student"].startswith("'=")


def test_gradebook_without_answers_has_one_row(tmp_path):
    book = tmp_path / "g.csv"
    CliRunner().invoke(cli, ["check", str(EXAMPLE), "--gradebook", str(book)])
    with book.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["student", "answers", "1a"] and len(rows) == 2


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def _report(tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    r = CliRunner().invoke(cli, ["check", str(EXAMPLE), *_cohort(tmp_path),
                                 "--report", str(page)])
    assert r.exit_code == 1 and page.exists()
    return page


def test_html_report_is_self_contained_and_escaped(tmp_path):
    page = _report(tmp_path)
    text = page.read_text(encoding="utf-8")
    p = _Page()
    p.feed(text)
    assert "script" not in p.tags and "link" not in p.tags and "iframe" not in p.tags
    assert not any(k in ("src", "href") or k.startswith("on") for k, _ in p.attrs)
    assert "<b>x</b>" not in text and "=cmd&lt;script&gt;" in text
    labels = [v for k, v in p.attrs if k == "aria-label"]
    # a histogram per problem; a mistakes bar for the 4 problems with a named mistake
    assert sum(1 for v in labels if v and v.startswith("scores of ")) == 8
    assert labels.count("named mistakes") == 4 == p.tags.count("svg") - 8
    words = " ".join(p.text)
    for tag in ("sign", "transpose", "column-major"):
        assert f"{tag}: 1" in words


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="no chromium here (.ci/run installs it)")
def test_html_report_in_headless_chromium(tmp_path):
    page = _report(tmp_path)
    shot = tmp_path / "report.png"
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"]
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,1600",
                    page.as_uri()], capture_output=True, timeout=120, env=env, check=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120, env=env, check=False).stdout
    p = _Page()
    p.feed(dom)
    words = " ".join(" ".join(p.text).split())
    assert "symjac check: cohort report" in words and "3 submissions, 8 problems" in words
    assert "transpose: 1" in words and "answers-correct" in words
    assert "=cmd<script>" in words  # shown as text, not run
    assert "script" not in p.tags and p.tags.count("svg") == 12
