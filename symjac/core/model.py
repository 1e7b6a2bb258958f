"""What an operation returns: frozen values with a typed JSON form.

A step is data, not a string: every renderer reads the same Step objects,
and tests assert on the Derivation rather than on terminal text.
"""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False  # typing is slow to import: only mypy reads these annotations
if TYPE_CHECKING:
    from dataclasses import field
    from typing import Any

SCHEMA = "symjac/1"

_MISSING = object()  # no default


class _Field:
    """What ``dataclasses.field(...)`` says of a field, without importing dataclasses."""

    def __init__(self, default=_MISSING, default_factory=_MISSING, compare=True, repr=True):
        self.default, self.default_factory = default, default_factory
        self.compare, self.repr = compare, repr


if not TYPE_CHECKING:
    field = _Field


class _Frozen:
    """The methods a frozen dataclass would generate, written once for every value here.

    ``@dataclass(frozen=True)`` compiles an __init__, __repr__, __eq__, __hash__,
    __setattr__ and __delattr__ for each class at import, and importing
    dataclasses at all costs more than the rest of a small command's own work;
    these read the fields instead. The classes are still dataclasses
    (``dataclasses.fields``, ``replace`` and ``is_dataclass`` work): the module
    is imported the first time anything asks (see _Fields). They behave as
    frozen ones: equal by their compared fields, hashable when those are,
    FrozenInstanceError on assignment.
    """

    _spec: tuple = ()  # (name, default, default_factory, compare, repr), set by _value

    def __init__(self, *args, **kwargs):
        spec = self._spec
        name = type(self).__name__
        if len(args) > len(spec):
            raise TypeError(f"{name}() takes {len(spec)} arguments but {len(args)} were given")
        for i, (field_name, default, factory, _, _) in enumerate(spec):
            if i < len(args):
                if field_name in kwargs:
                    raise TypeError(f"{name}() got multiple values for argument '{field_name}'")
                value = args[i]
            elif field_name in kwargs:
                value = kwargs.pop(field_name)
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING:
                value = factory()
            else:
                raise TypeError(f"{name}() missing required argument: '{field_name}'")
            object.__setattr__(self, field_name, value)
        if kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kwargs))}'")
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _compared(self) -> tuple:
        return tuple(getattr(self, f[0]) for f in self._spec if f[3])

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._compared() == other._compared()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ", ".join(f"{f[0]}={getattr(self, f[0])!r}" for f in self._spec if f[4])
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        from dataclasses import FrozenInstanceError

        raise FrozenInstanceError(f"cannot delete field {name!r}")


class _Fields:
    """A value class's ``__dataclass_fields__``, made when first asked for.

    ``dataclasses`` finds a dataclass by this attribute (is_dataclass, fields,
    replace, asdict all ask for it): the first request imports dataclasses,
    makes the class one, and puts the real attribute in place of this one.
    """

    def __init__(self, owner: type):
        self.owner = owner  # the class it was made for, asked through a subclass too

    def __get__(self, obj, cls=None):
        cls = self.owner
        from dataclasses import dataclass
        from dataclasses import field as real_field

        for name, default, factory, compare, shown in cls._spec:
            kwargs = {"compare": compare, "repr": shown}
            if default is not _MISSING:
                kwargs["default"] = default
            if factory is not _MISSING:
                kwargs["default_factory"] = factory
            setattr(cls, name, real_field(**kwargs))
        delattr(cls, "__dataclass_fields__")
        dataclass(init=False, repr=False, eq=False)(cls)  # which puts plain defaults back
        return cls.__dict__["__dataclass_fields__"]


if TYPE_CHECKING:  # for mypy, what these classes behave as
    from dataclasses import dataclass as _value
else:

    def _value(cls):
        """A frozen value class: a dataclass (when asked) whose methods are _Frozen's."""
        spec = []
        for name in cls.__dict__.get("__annotations__", {}):
            given = cls.__dict__.get(name, _MISSING)
            if not isinstance(given, _Field):
                spec.append((name, given, _MISSING, True, True))
                continue
            spec.append((name, given.default, given.default_factory, given.compare,
                         given.repr))
            # as dataclass leaves the class: a plain default in place of field(...)
            if given.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, given.default)
        cls._spec = tuple(spec)
        cls.__match_args__ = tuple(name for name, *_ in spec)  # as dataclass would set
        cls.__dataclass_fields__ = _Fields(cls)
        return cls


@_value
class Step(_Frozen):
    """One step of working: its kind picks how renderers show it."""

    kind: str  # "product", "entry", "partial", "note", ...
    text: str  # the step in plain text (sympy syntax for expressions)
    latex: str = ""
    index: tuple[int, ...] | None = None  # 1-based, as in the worksheet
    chain: tuple[str, ...] = ()  # successive forms, first to last, in sympy syntax
    latex_chain: tuple[str, ...] = ()  # the same forms in LaTeX
    rules: tuple[str, ...] = ()  # the rules that justify the step
    data: Mapping[str, Any] = field(default_factory=dict)  # kind-specific, JSON-ready

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "index": None if self.index is None else list(self.index),
            "text": self.text,
            "latex": self.latex,
            "chain": list(self.chain),
            "latex_chain": list(self.latex_chain),
            "rules": list(self.rules),
        }
        d.update(self.data)
        return d

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
            data={k: v for k, v in d.items() if k not in known},
        )


@_value
class Result(_Frozen):
    """A matrix answer; entries are strings in sympy's syntax, row-major."""

    shape: tuple[int, int]
    matrix: tuple[tuple[str, ...], ...]
    latex: str
    # The engine's own matrix, when the operation had one (a sympy Matrix), for
    # library users; no renderer reads it, and it is not part of equality or JSON.
    # Derivation.to_sympy() gives sympy objects in every case.
    value: Any = field(default=None, compare=False, repr=False)
    # Each entry in LaTeX, row-major like ``matrix``: renderers read these, never a
    # computer-algebra object.
    latex_entries: tuple[tuple[str, ...], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. grad's closed_form

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "shape": list(self.shape),
            "matrix": [list(row) for row in self.matrix],
            "latex": self.latex,
        }
        if self.latex_entries:
            d["latex_entries"] = [list(row) for row in self.latex_entries]
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        return cls(
            shape=tuple(d["shape"]),
            matrix=tuple(tuple(row) for row in d["matrix"]),
            latex=d["latex"],
            latex_entries=tuple(tuple(row) for row in d.get("latex_entries", ())),
            extra={k: v for k, v in d.items()
                   if k not in ("shape", "matrix", "latex", "latex_entries")},
        )


@_value
class Check(_Frozen):
    """The outcome of comparing an answer with an expected one.

    ``outcome`` is "equal", "different" or "undecided" and ``method`` how it was
    reached ("exact", "symbolic" or "numeric"); ``passed`` is True only for
    "equal". Left out, the outcome follows ``passed`` and the method is "exact".
    ``mistakes`` are the named mistakes that explain a wrong answer, each
    {"tag", "message"} (JSON: ``mistakes``, the tags, and ``mistake_messages``).
    """

    passed: bool
    mismatches: tuple[Mapping[str, Any], ...] = ()
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "outcome": self.outcome,
            "method": self.method,
            "mismatches": [dict(m) for m in self.mismatches],
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


@_value
class Derivation(_Frozen):
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
    extra: Mapping[str, Any] = field(default_factory=dict)  # command-specific JSON keys
    # The input as read, when symjac inserted an operator or split a name ("2·x·y + y^2"):
    # stated before the result.
    reading: str = ""

    @property
    def ok(self) -> bool:
        return not self.undefined and (self.check is None or self.check.passed)

    @property
    def undefined(self) -> bool:
        """The answer does not exist (a product of mismatched shapes); ``reason`` says why.

        Only the library (``symjac.matmul`` ...) returns such a result; the command
        line and ``symjac.api`` report it as an error with exit code 1."""
        return bool(self.extra.get("undefined"))

    @property
    def reason(self) -> str:
        """Why the answer is undefined ("" when it is defined)."""
        return str(self.extra.get("reason", ""))

    def to_sympy(self, real: bool = False, symbols: dict | None = None) -> Any:
        """The result as a sympy Matrix: the one computed, or else its entry strings
        read back by symjac's parser (the fast engine and ``from_dict`` keep only those).

        Its symbols are plain ``sympy.Symbol(name)``, equal to the user's own
        ``sympy.symbols(...)``; ``real=True`` keeps symjac's real symbols, which
        it uses to simplify ``sqrt(x**2)`` to ``Abs(x)``, and ``symbols`` (name ->
        real Symbol, filled as it goes) shares them with other parsed input.
        ``Derivative(...)`` entries (of floor or ceiling) stay unevaluated
        derivatives. None without a result.
        """
        if self.result is None:
            return None
        import sympy

        m = self.result.value
        if not isinstance(m, sympy.MatrixBase):
            from symjac.language.parser import parse_entries

            m = parse_entries(self.result.matrix, {} if symbols is None else symbols)
        if not real and symbols is None:
            m = m.xreplace({s: sympy.Symbol(s.name) for s in m.free_symbols})
        return m

    def __str__(self) -> str:
        """The plain-text worked solution, as `symjac ... -f text` prints it."""
        from symjac.render import render

        return render(self, "text")

    # Jupyter shows a Derivation as its worked solution (the renderers load lazily).
    def _repr_markdown_(self) -> str:
        from symjac.render import render

        return render(self, "markdown")

    def _repr_latex_(self) -> str:
        from symjac.render import render
        from symjac.render.document import ascii_latex

        return ascii_latex(render(self, "latex"))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
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
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Derivation:
        known = {
            "schema", "command", "ok", "summary", "label", "notes", "warnings", "result",
            "variables", "steps", "check", "error", "reading",
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
            extra={k: v for k, v in d.items() if k not in known},
        )


def error_dict(command: str, error: Exception) -> dict[str, Any]:
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
