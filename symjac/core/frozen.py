"""Frozen value classes made without loading ``dataclasses`` at start-up.

``@value`` is ``@dataclasses.dataclass(frozen=True)`` for the five values every
command makes (model's Step, Result, Check and Derivation, and caps' Limits),
written here once: defining them with the standard library's decorator costs
about 8 ms of every start of the program (it generates each class's methods
with ``exec`` and loads ``dataclasses``, ``inspect``, ``copy`` and ``weakref``),
about 14% of the worksheet's whole ``symjac jacobian`` command (55 ms). The
classes are still dataclasses: ``dataclasses.fields``, ``replace``,
``is_dataclass`` and ``asdict`` work, for the module is imported the first
time anything asks (see _Fields). They behave as frozen ones: equal by their
compared fields, hashable when those are, ``FrozenInstanceError`` on
assignment. tests/test_frozen.py holds them to a plain frozen dataclass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Frozen", "field", "value"]

_MISSING: Any = object()  # no default


class _Field:
    """What ``dataclasses.field(...)`` says of a field, without importing dataclasses."""

    def __init__(self, default: Any = _MISSING, default_factory: Any = _MISSING,
                 compare: bool = True, repr: bool = True) -> None:
        self.default, self.default_factory = default, default_factory
        self.compare, self.repr = compare, repr


class Frozen:
    """The methods a frozen dataclass would generate, written once for every value."""

    _spec: tuple[tuple[str, Any, Any, bool, bool], ...] = ()  # (name, default, factory,
    # compare, repr), set by value()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
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

    def _compared(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f[0]) for f in self._spec if f[3])

    def field_values(self) -> dict[str, Any]:
        """Each field's value, by name (shallow, unlike dataclasses.asdict)."""
        return {f[0]: getattr(self, f[0]) for f in self._spec}

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Frozen)
            return self._compared() == other._compared()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        shown = ", ".join(f"{f[0]}={getattr(self, f[0])!r}" for f in self._spec if f[4])
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
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

    def __init__(self, owner: type) -> None:
        self.owner = owner  # the class it was made for, asked through a subclass too

    def __get__(self, obj: object, cls: type | None = None) -> Any:
        owner: Any = self.owner
        from dataclasses import dataclass
        from dataclasses import field as real_field

        for name, default, factory, compare, shown in owner._spec:
            kwargs: dict[str, Any] = {"compare": compare, "repr": shown}
            if default is not _MISSING:
                kwargs["default"] = default
            if factory is not _MISSING:
                kwargs["default_factory"] = factory
            setattr(owner, name, real_field(**kwargs))
        delattr(owner, "__dataclass_fields__")
        dataclass(init=False, repr=False, eq=False)(owner)  # which puts plain defaults back
        return owner.__dict__["__dataclass_fields__"]


if TYPE_CHECKING:  # for mypy, what these are: a dataclass (frozen: Frozen) and its fields
    from dataclasses import dataclass as value
    from dataclasses import field
else:
    field = _Field

    def value(cls):
        """A frozen value class (a subclass of Frozen): a dataclass, when asked."""
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
