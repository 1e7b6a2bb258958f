"""Reading files a user names: problem files and answer files.

Numbers with a fraction or an exponent are read as decimal.Decimal, exactly
as written, never as floats.

Every file is untrusted: it must be a regular file under a size cap, UTF-8
(a BOM is allowed), without NUL bytes; JSON may not repeat a key or nest
deeply. Anything else is a FileError, one line naming the file.
"""

from __future__ import annotations

import decimal
import json
import os
import stat
import tomllib
from typing import Any

from symjac.errors import FileError

MAX_FILE_BYTES = 8 * 1024 * 1024  # a problem set or a class's answers fit in far less
MAX_NESTING = 32  # tables and arrays inside each other; problem files need about 4
_BOM = b"\xef\xbb\xbf"


def read_text(path: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file, decoded as UTF-8 with or without a BOM; '-' is stdin."""
    name = os.fspath(path)
    if name == "-":
        return _decode("-", _read_stdin(max_bytes), max_bytes)
    try:
        # O_NONBLOCK: opening a FIFO must not hang before we can refuse it.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise FileError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise FileError(f"{name}: permission denied") from None
    except OSError as e:
        raise FileError(f"{name}: cannot open ({e.strerror or e})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise FileError(f"{name}: is a directory, not a file")
        raise FileError(f"{name}: not a regular file")
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise FileError(f"{name}: cannot read ({e.strerror or e})") from None
    return _decode(name, data, max_bytes)


def _read_stdin(max_bytes: int) -> bytes:
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream (a test runner's): encode what it holds
        return (sys.stdin.read(max_bytes + 1) if sys.stdin else "").encode("utf-8")
    try:
        return stream.read(max_bytes + 1)
    except OSError as e:
        raise FileError(f"-: cannot read standard input ({e.strerror or e})") from None


def _decode(name: str, data: bytes, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise FileError(f"{name}: larger than the limit of {max_bytes // (1024 * 1024)} MB")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FileError(f"{name}: is UTF-16; save it as UTF-8")
    nul = data.find(b"\0")
    if nul >= 0:
        raise FileError(f"{name}: contains a NUL byte at offset {nul}; is it a text file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileError(f"{name}: not UTF-8 (byte 0x{data[e.start]:02x} on line {line})") from None


def load_data(path: str, max_bytes: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """A TOML or JSON file as a dict: by extension, else by its first character."""
    name = os.fspath(path)
    text = read_text(name, max_bytes)
    ext = os.path.splitext(name)[1].lower()
    if ext == ".json" or (ext != ".toml" and text.lstrip().startswith(("{", "["))):
        data = _load_json(name, text)
    else:
        data = _load_toml(name, text)
    if not isinstance(data, dict):
        raise FileError(f"{name}: the top level must be a table (an object), "
                        f"not {type_name(data)}")
    depth = _depth(data)
    if depth > MAX_NESTING:
        raise FileError(f"{name}: nested {depth} levels deep; the limit is {MAX_NESTING}")
    return data


def _load_toml(name: str, text: str) -> Any:
    try:
        # Numbers stay exact: 28.999999999999999999 is not 29 (a float would say it is).
        return tomllib.loads(text, parse_float=decimal.Decimal)
    except tomllib.TOMLDecodeError as e:
        # tomllib says "... (at line 3, column 7)": keep it on one line.
        msg = " ".join(str(e).split())
        raise FileError(f"{name}: not valid TOML: {msg}") from None
    except RecursionError:
        raise FileError(f"{name}: nested too deeply") from None
    except ValueError as e:  # e.g. an integer too long to convert
        raise FileError(f"{name}: not valid TOML: {' '.join(str(e).split())}") from None


def _duplicate_free(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


class _DuplicateKey(ValueError):
    pass


def _refuse_constant(word: str) -> Any:
    raise ValueError(f"{word} is not allowed")


def _load_json(name: str, text: str) -> Any:
    depth = _json_depth(text)
    if depth > MAX_NESTING:
        raise FileError(f"{name}: nested {depth} levels deep; the limit is {MAX_NESTING}")
    try:
        return json.loads(text, object_pairs_hook=_duplicate_free,
                          parse_constant=_refuse_constant, parse_float=decimal.Decimal)
    except _DuplicateKey as e:
        raise FileError(f"{name}: the key {str(e)!r} appears twice in one object") from None
    except json.JSONDecodeError as e:
        raise FileError(f"{name}: not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
                        ) from None
    except (ValueError, RecursionError) as e:
        raise FileError(f"{name}: not valid JSON: {' '.join(str(e).split())}") from None


def _json_depth(text: str) -> int:
    """How deeply brackets nest, outside strings: checked before json builds anything."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest; iterative, so a deep file cannot overflow it."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d)
            if d <= MAX_NESTING:
                stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def type_name(value: Any) -> str:
    """How a TOML/JSON value is called in a message."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float | decimal.Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if value is None:
        return "null"
    return type(value).__name__
