"""Reading untrusted files: regular files only, capped, UTF-8, no NUL, no duplicate keys."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symjac.batch import files, problems
from symjac.core.errors import FileError


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_utf8_with_and_without_bom_read_the_same(tmp_path):
    body = 'title = "Übung"\n'.encode()
    plain = files.load_data(write(tmp_path, "a.toml", body))
    bom = files.load_data(write(tmp_path, "b.toml", b"\xef\xbb\xbf" + body))
    assert plain == bom == {"title": "Übung"}


@pytest.mark.parametrize(
    "data, message",
    [
        (b'title = "a\x00b"\n', "NUL byte at offset 10"),
        (b'title = "\xff"\n', "not UTF-8 (byte 0xff on line 1)"),
        (b"\xff\xfet\x00i\x00", "UTF-16"),
        (b"title = \n", "not valid TOML"),
    ],
)
def test_unusable_bytes_are_one_line_errors(tmp_path, data, message):
    with pytest.raises(FileError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        files.load_data(write(tmp_path, "p.toml", data))
    assert "\n" not in str(e.value)


def test_missing_file_directory_and_fifo(tmp_path):
    with pytest.raises(FileError, match="no such file"):
        files.read_text(str(tmp_path / "nope.toml"))
    with pytest.raises(FileError, match="is a directory"):
        files.read_text(str(tmp_path))
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(FileError, match="not a regular file"):
        files.read_text(str(fifo))  # must not block waiting for a writer


def test_size_cap(tmp_path):
    path = write(tmp_path, "big.toml", b"#" * 101)
    assert files.read_text(path, max_bytes=101) == "#" * 101
    with pytest.raises(FileError, match="larger than the limit"):
        files.read_text(path, max_bytes=100)


def test_json_duplicate_keys_and_nan_refused(tmp_path):
    with pytest.raises(FileError, match="the key 'id' appears twice"):
        files.load_data(write(tmp_path, "d.json", b'{"problem": [{"id": "1", "id": "2"}]}'))
    with pytest.raises(FileError, match="NaN is not allowed"):
        files.load_data(write(tmp_path, "n.json", b'{"x": NaN}'))


def test_deep_nesting_refused_before_parsing(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(FileError, match="nested 100001 levels deep; the limit is 32"):
        files.load_data(write(tmp_path, "deep.json", b'{"a": ' + deep + b"}"))
    toml = b"a = " + b"[" * 50 + b"]" * 50 + b"\n"
    with pytest.raises(FileError, match="nested"):
        files.load_data(write(tmp_path, "deep.toml", toml))


def test_json_chosen_by_content_when_extension_is_unknown(tmp_path):
    assert files.load_data(write(tmp_path, "p.txt", b'{"title": "x"}')) == {"title": "x"}
    assert files.load_data(write(tmp_path, "q.txt", b'title = "y"')) == {"title": "y"}


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_problem_set_or_a_file_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "p.toml"
    path.write_bytes(data)
    try:
        ps = problems.load(str(path))
    except FileError as e:
        assert "\n" not in str(e)
    else:
        assert ps.problems
