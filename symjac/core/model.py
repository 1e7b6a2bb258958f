"""What an operation returns: frozen values with a typed JSON form.

A step is data, not a string: every renderer reads the same Step objects,
and tests assert on the Derivation rather than on terminal text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from symjac.core.frozen import Frozen, field, value

if TYPE_CHECKING:  # the JSON's types; nothing of them is needed to run
    from symjac.core.schema import (
        CheckJSON,
        DerivationExtra,
        DerivationJSON,
        ErrorJSON,
        Mismatch,
        ResultExtra,
        ResultJSON,
        StepData,
        StepJSON,
    )

SCHEMA = "symjac/1"


# The defaults of data and extra: no keys (every key of theirs is optional).
def _no_data() -> StepData:
    return {}


def _no_result_extra() -> ResultExtra:
    return {}


def _no_extra() -> DerivationExtra:
    return {}


@value
class Step(Frozen):
    """One step of working: its kind picks how renderers show it."""

    kind: str  # "product", "entry", "partial", "note", ...
    text: str  # the step in plain text (sympy syntax for expressions)
    latex: str = ""
    index: tuple[int, ...] | None = None  # 1-based, as in the worksheet
    chain: tuple[str, ...] = ()  # successive forms, first to last, in sympy syntax
    latex_chain: tuple[str, ...] = ()  # the same forms in LaTeX
    rules: tuple[str, ...] = ()  # the rules that justify the step
    data: StepData = field(default_factory=_no_data)  # kind-specific, JSON-ready

    def to_dict(self) -> StepJSON:
        return {
            "kind": self.kind,
            "index": None if self.index is None else list(self.index),
            "text": self.text,
            "latex": self.latex,
            "chain": list(self.chain),
            "latex_chain": list(self.latex_chain),
            "rules": list(self.rules),
            **self.data,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Step:
        known = {"kind", "index", "text", "latex", "chain", "latex_chain", "rules"}
        return cls(
            kind=d["kind"],
            text=d["text"],
            latex=d.get("latex", ""),
            index=None if d.get("index") is None else tuple(d["index"]),
            chain=tuple(d.get("chain", ())),
            latex_chain=tuple(d.get("latex_chain", ())),
            rules=tuple(d.get("rules", ())),
            data=cast("StepData", {k: v for k, v in d.items() if k not in known}),
        )


@value
class Result(Frozen):
    """A matrix answer; entries are strings in sympy's syntax, row-major."""

    shape: tuple[int, int]
    matrix: tuple[tuple[str, ...], ...]
    latex: str
    # The engine's own matrix, when the operation had one (a sympy Matrix), for
    # library users; no renderer reads it, and it is not part of equality or JSON.
    # Solution.to_sympy() (symjac.api) gives sympy objects in every case.
    value: Any = field(default=None, compare=False, repr=False)
    # Each entry in LaTeX, row-major like ``matrix``: renderers read these, never a
    # computer-algebra object.
    latex_entries: tuple[tuple[str, ...], ...] = ()
    extra: ResultExtra = field(default_factory=_no_result_extra)  # e.g. grad's closed_form

    def to_dict(self) -> ResultJSON:
        d: ResultJSON = {
            "shape": list(self.shape),
            "matrix": [list(row) for row in self.matrix],
            "latex": self.latex,
        }
        if self.latex_entries:
            d["latex_entries"] = [list(row) for row in self.latex_entries]
        return {**d, **self.extra}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        return cls(
            shape=tuple(d["shape"]),
            matrix=tuple(tuple(row) for row in d["matrix"]),
            latex=d["latex"],
            latex_entries=tuple(tuple(row) for row in d.get("latex_entries", ())),
            extra=cast("ResultExtra", {k: v for k, v in d.items()
                                     if k not in ("shape", "matrix", "latex", "latex_entries")}),
        )


@value
class Check(Frozen):
    """The outcome of comparing an answer with an expected one.

    ``outcome`` is "equal", "different" or "undecided" and ``method`` how it was
    reached ("exact", "symbolic" or "numeric"); ``passed`` is True only for
    "equal". Left out, the outcome follows ``passed`` and the method is "exact".
    ``mistakes`` are the named mistakes that explain a wrong answer, each
    {"tag", "message"} (JSON: ``mistakes``, the tags, and ``mistake_messages``).
    """

    passed: bool
    mismatches: tuple[Mismatch, ...] = ()
    message: str = ""
    outcome: str = ""
    method: str = "exact"
    mistakes: tuple[Mapping[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.outcome:
            object.__setattr__(self, "outcome", "equal" if self.passed else "different")
        if self.outcome not in ("equal", "different", "undecided"):
            raise ValueError(f"unknown outcome {self.outcome!r}")
        if self.method not in ("exact", "symbolic", "numeric"):
            raise ValueError(f"unknown method {self.method!r}")
        if self.passed != (self.outcome == "equal"):
            raise ValueError(f"passed={self.passed} contradicts the outcome {self.outcome!r}")

    def to_dict(self) -> CheckJSON:
        return {
            "passed": self.passed,
            "outcome": self.outcome,
            "method": self.method,
            "mismatches": [{**m} for m in self.mismatches],
            "message": self.message,
            "mistakes": [m["tag"] for m in self.mistakes],
            "mistake_messages": [dict(m) for m in self.mistakes],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Check:
        return cls(
            passed=d["passed"],
            mismatches=tuple(d.get("mismatches", ())),
            message=d.get("message", ""),
            outcome=d.get("outcome", ""),
            method=d.get("method", "exact"),
            mistakes=tuple(d.get("mistake_messages")
                           or ({"tag": t, "message": ""} for t in d.get("mistakes", ()))),
        )


@value
class Derivation(Frozen):
    """A worked answer: a summary, the steps, the result and any check."""

    command: str
    summary: str  # the headline, e.g. "A (3×3) · B (3×1) → 3×1"
    result: Result | None = None
    steps: tuple[Step, ...] = ()
    label: str = ""  # how the result is named when shown: "A·B", "∇f"
    variables: tuple[str, ...] | None = None
    check: Check | None = None
    notes: tuple[str, ...] = ()  # sentences shown under the summary
    warnings: tuple[str, ...] = ()  # said on stderr, not part of the answer
    extra: DerivationExtra = field(default_factory=_no_extra)  # command-specific keys
    # The input as read, when symjac inserted an operator or split a name ("2·x·y + y^2"):
    # stated before the result.
    reading: str = ""

    # The answer does not exist (a product of mismatched shapes), and why. Only the
    # library (``symjac.matmul`` ...) returns such a result; the command line and
    # ``symjac.api`` report it as an error with exit code 1.
    undefined: bool = False
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.undefined and (self.check is None or self.check.passed)

    def to_dict(self) -> DerivationJSON:
        d: DerivationJSON = {
            "schema": SCHEMA,
            "command": self.command,
            "ok": self.ok,
            "summary": self.summary,
            "label": self.label,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "result": None if self.result is None else self.result.to_dict(),
            "variables": None if self.variables is None else list(self.variables),
            "steps": [s.to_dict() for s in self.steps],
            "check": None if self.check is None else self.check.to_dict(),
            "error": None,
        }
        if self.reading:
            d["reading"] = self.reading
        if self.undefined:
            d["undefined"], d["reason"] = True, self.reason
        return {**d, **self.extra}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Derivation:
        known = {
            "schema", "command", "ok", "summary", "label", "notes", "warnings", "result",
            "variables", "steps", "check", "error", "reading", "undefined", "reason",
        }
        return cls(
            command=d["command"],
            summary=d["summary"],
            result=None if d.get("result") is None else Result.from_dict(d["result"]),
            steps=tuple(Step.from_dict(s) for s in d.get("steps", ())),
            label=d.get("label", ""),
            variables=None if d.get("variables") is None else tuple(d["variables"]),
            check=None if d.get("check") is None else Check.from_dict(d["check"]),
            notes=tuple(d.get("notes", ())),
            warnings=tuple(d.get("warnings", ())),
            reading=d.get("reading", ""),
            undefined=bool(d.get("undefined", False)),
            reason=str(d.get("reason", "")),
            extra=cast("DerivationExtra", {k: v for k, v in d.items() if k not in known}),
        )


def error_dict(command: str, error: Exception) -> ErrorJSON:
    """The JSON object for a command that failed (DESIGN.md)."""
    return {
        "schema": SCHEMA,
        "command": command,
        "ok": False,
        "result": None,
        "variables": None,
        "steps": [],
        "check": None,
        "error": {
            "type": type(error).__name__,
            "message": getattr(error, "message", str(error)),
            "position": getattr(error, "position", None),
            "hints": list(getattr(error, "hints", ())),
        },
    }
