"""An answer is read with the problem's own names: unreadable is `invalid`, never `failed`.

A problem in x and y has the names x and y (and the parameters of its
texts); an answer with another name, or that cannot be read at all, is
counted apart from wrong ones in every report, gives no credit and blames no
mistake. Each expected value below is worked by hand.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from symjac.runner import Outcome


def outcome(status: str, answers: str, **kw) -> Outcome:
    return Outcome(file="p.toml", id="2a", index=1, command="jacobian", title="",
                   status=status, answers=answers, **kw)


COHORT = [
    outcome("passed", "a.toml"),
    outcome("failed", "b.toml", message="1 of 2 entries differ"),
    outcome("invalid", "c.toml", message="y2 is not a variable of this problem (x, y)",
            unknown=("y2",)),
    outcome("invalid", "d.toml", message="y2 is not a variable of this problem (x, y)",
            unknown=("y2",)),
    outcome("invalid", "e.toml", message="your answer cannot be read: invalid syntax"),
]


def test_the_cohort_report_counts_invalid_apart_and_blames_no_mistake():
    from symjac.report import cohort_report

    text = cohort_report(COHORT)
    assert "| problem | passed | failed | invalid | other | mean score | mistakes |" in text
    assert "| 2a | 1 / 5 | 1 | 3 | 0 | 0.20 / 1 | — |" in text
    assert "- 2a: 1 wrong answer with no named mistake" in text  # b only
    assert ("- 2a: 3 invalid answers (names the problem does not have: y2 2; "
            "1 that cannot be read)") in text


def test_junit_and_gradescope_say_invalid_with_no_credit():
    from symjac.report import gradescope_json, junit_xml

    root = ET.fromstring(junit_xml(COHORT[2:3]).split("\n", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "1" and suite.get("errors") == "0"
    failure = root.find(".//failure")
    assert failure is not None and failure.get("type") == "invalid"
    assert "y2" in (failure.get("message") or "")
    (test,) = json.loads(gradescope_json(COHORT[2:3], 1.0))["tests"]
    assert test["score"] == 0 and test["status"] == "failed" and test["tags"] == []
    assert test["output"].startswith("**invalid**") and "y2 is not a variable" in test["output"]
