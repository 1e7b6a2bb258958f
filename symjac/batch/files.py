"""Reading files a user names: problem files and answer files.

Numbers with a fraction or an exponent are read as decimal.Decimal, exactly
as written, never as floats.

Every file is untrusted: it must be a regular file under a size cap, UTF-8
(a BOM is allowed), without NUL bytes; JSON may not repeat a key or nest
deeply; a TOML dotted key may not have more parts than MAX_NESTING (Python's
TOML reader is quadratic in them). Anything else is a FileError, one line
naming the file. Lone surrogates in JSON strings ("\\ud800") are not text:
they become U+FFFD.

Files symjac writes go through ``write_output``: refused onto a directory, a
FIFO or a socket, written atomically (a temporary file renamed into place,
so a full disk or an interrupt leaves the old file or the whole new one);
``check_outputs`` refuses an output that is one of the inputs, or two
outputs at one path, before any work is done.
"""

from __future__ import annotations

import contextlib
import decimal
import json
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from symjac.core.errors import FileError

MAX_FILE_BYTES = 8 * 1024 * 1024  # a problem set or a class's answers fit in far less
MAX_NESTING = 32  # tables and arrays inside each other; problem files need about 4
MAX_KEY_PARTS = MAX_NESTING  # parts of one dotted key (a.b.c is 3): deeper is refused anyway
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


# TOML strings and comments, which may hold any dots; replaced before keys are measured.
_TOML_SKIP = re.compile(
    r'''"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''''  # multi-line strings
    r'''|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|#[^\n]*'''  # strings on one line, comments
)
_TOML_BREAK = re.compile(r"[=,\[\]{}\n]")


def _toml_key_parts(text: str) -> int:
    """The most parts of any dotted key (dots between =, commas, brackets and new lines)."""
    bare = _TOML_SKIP.sub("s", text)
    return max((piece.count(".") + 1 for piece in _TOML_BREAK.split(bare)), default=0)


def _load_toml(name: str, text: str) -> Any:
    parts = _toml_key_parts(text)
    if parts > MAX_KEY_PARTS:
        raise FileError(f"{name}: a dotted key has {parts} parts; the limit is {MAX_KEY_PARTS}")
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
        return _no_surrogates(json.loads(text, object_pairs_hook=_duplicate_free,
                                         parse_constant=_refuse_constant,
                                         parse_float=decimal.Decimal))
    except _DuplicateKey as e:
        raise FileError(f"{name}: the key {str(e)!r} appears twice in one object") from None
    except json.JSONDecodeError as e:
        raise FileError(f"{name}: not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
                        ) from None
    except (ValueError, RecursionError) as e:
        raise FileError(f"{name}: not valid JSON: {' '.join(str(e).split())}") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value: Any) -> Any:
    """JSON's "\\ud800" is no character: every lone surrogate becomes U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    return value


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


# -- files symjac writes ----------------------------------------------------------------


def _identity(path: str) -> tuple | None:
    """(device, inode) of an existing file, following links; None if there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def check_outputs(outputs: Mapping[str, str | None], inputs: Sequence[str] = (),
                  folders: Sequence[str] = ()) -> None:
    """Refuse, before any work, outputs onto an input, onto each other, or onto a directory.

    outputs maps an option (`-o`, `--junit`) to its path (None: not given;
    `-` is stdout); an option in `folders` may name a directory (it writes
    files inside). FileError names both options or the input.
    """
    seen: dict[Any, str] = {}
    ins: dict[Any, str] = {}
    for name in inputs:
        if name and name != "-":
            ident = _identity(name)
            if ident is not None:
                ins[ident] = name
            ins[os.path.realpath(name)] = name
    for option, path in outputs.items():
        if not path or path == "-":
            continue
        keys: list[Any] = [os.path.realpath(path)]
        ident = _identity(path)
        if ident is not None:
            keys.append(ident)
        for key in keys:
            if key in ins:
                raise FileError(f"{option} {path}: is the input file {ins[key]}; "
                                "symjac will not write over its input")
            if key in seen and seen[key] != option:
                raise FileError(f"{option} {path}: {seen[key]} writes to the same file; "
                                "give each output its own path")
        for key in keys:
            seen[key] = option
        if not (option in folders and os.path.isdir(path)):
            _writable_kind(path)


def _writable_kind(path: str) -> str:
    """'regular' (or absent), 'device' (a character device such as /dev/null), else FileError."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "regular"
    except (OSError, ValueError) as e:
        raise FileError(f"{path}: cannot write ({getattr(e, 'strerror', None) or e})") from None
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        raise FileError(f"{path}: is a directory; give a file name")
    if stat.S_ISFIFO(mode):
        raise FileError(f"{path}: is a FIFO (a named pipe); symjac writes only files")
    if stat.S_ISCHR(mode):
        return "device"
    raise FileError(f"{path}: is not a regular file")


def write_output(path: str, text: str | bytes,
                 warn: Callable[[str], None] | None = None) -> None:
    """Write text (or bytes) to path atomically: the old file or all of the new one, never a part.

    A symbolic link is followed (its target is written, and warn says so); a
    character device such as /dev/null is written directly.
    """
    target = path
    if os.path.islink(path):
        target = os.path.realpath(path)
        if warn is not None:
            warn(f"{path} is a symbolic link; writing to {target}")
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    if _writable_kind(target) == "device":
        try:
            with open(target, "wb") as f:
                f.write(data)
        except OSError as e:
            raise FileError(f"{path}: cannot write ({e.strerror or e})") from None
        return
    folder = os.path.dirname(os.path.abspath(target))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp",
                                   dir=folder)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):
            if os.path.exists(target):  # keep the old file's permissions
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
        tmp = None
    except OSError as e:
        raise FileError(f"{path}: cannot write ({e.strerror or e})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
