"""Files that cannot be read, through the command line: each is reported by name and the rest indexed.

Binary data, a bad encoding, a JSON Lines file cut off mid-record, a missing
path and a file that disappears while a folder is read. With --strict the
first one stops the run with one line and a non-zero exit.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import searchsvc.ingest
from searchsvc.cli import cli
from searchsvc.ingest import read_records

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4
# Without a NUL byte, so that the detector itself has to see that this is no text.
RANDOM = bytes(b or 1 for b in random.Random(7).randbytes(6000))


def jsonl(*ids: str) -> str:
    return "".join(json.dumps({"id": i, "title": f"report {i}"}) + "\n" for i in ids)


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("SEARCHSVC_INDEX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--index-dir", "ix", *args])

    return invoke


def indexed_ids(run) -> list[str]:
    result = run("search", "", "--json", "-n", "100")
    assert result.exit_code == 0, result.output
    return sorted(hit["id"] for hit in json.loads(result.stdout)["hits"])


def rejected_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("rejected ")]


def error_line(result: Result) -> str:
    """The one line the real entry point prints for an error (click's runner adds usage to exit 2)."""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    if result.exit_code == 2:
        lines = lines[lines.index("") + 1 :] if "" in lines else lines
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def assert_one_line_error(result: Result, *, code: int, names: str) -> None:
    assert result.exit_code == code, result.output
    assert names in error_line(result)


# Binary files


def test_binary_files_are_rejected_whole_by_name_and_the_rest_indexed(run, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.jsonl").write_text(jsonl("a1", "a2"))
    (folder / "b.jsonl").write_bytes(RANDOM)  # random bytes under a JSON Lines name
    (folder / "c.txt").write_bytes(PNG)  # an image under a text name
    (folder / "d.csv").write_bytes(PNG)
    (folder / "e.png").write_bytes(PNG)  # not a type searchsvc reads: skipped, and said so
    (folder / "f.jsonl").write_text(jsonl("f1"))
    result = run("index", "-q", "news")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == [
        "rejected news/b.jsonl: binary data, not text",
        "rejected news/c.txt: binary data, not text (byte 0x89 at line 1 is not UTF-8)",
        "rejected news/d.csv: binary data, not text (it holds NUL bytes)",
    ]
    assert "note: skipped 1 file not named .txt, .jsonl, .ndjson, .json or .csv: news/e.png" in result.stderr
    assert "indexed: 3 added, 0 updated, 3 rejected" in result.stdout
    assert indexed_ids(run) == ["a1", "a2", "f1"]


def test_a_named_binary_file_is_rejected_and_the_other_paths_indexed(run, tmp_path):
    (tmp_path / "a.jsonl").write_text(jsonl("a1"))
    (tmp_path / "photo.txt").write_bytes(PNG)
    result = run("index", "-q", "photo.txt", "a.jsonl")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == [
        "rejected photo.txt: binary data, not text (byte 0x89 at line 1 is not UTF-8)"
    ]
    assert indexed_ids(run) == ["a1"]


def test_a_named_file_of_unknown_type_is_an_error_after_the_others_are_indexed(run, tmp_path):
    (tmp_path / "a.jsonl").write_text(jsonl("a1"))
    (tmp_path / "photo.png").write_bytes(PNG)
    result = run("index", "-q", "a.jsonl", "photo.png")
    assert result.exit_code == 2
    assert "indexed: 1 added, 0 updated, 0 rejected" in result.stdout
    error = error_line(result)
    assert error.startswith("Error: Invalid value for 'PATHS...': photo.png: unknown file type")
    assert error.endswith("; the other paths were indexed")
    assert indexed_ids(run) == ["a1"]


def test_strict_stops_at_a_binary_file_with_one_line(run, tmp_path):
    (tmp_path / "a.jsonl").write_text(jsonl("a1"))
    (tmp_path / "b.jsonl").write_bytes(PNG)
    result = run("index", "-q", "--strict", "a.jsonl", "b.jsonl")
    assert_one_line_error(result, code=1, names="b.jsonl: binary data, not text")


# Encodings


def test_bad_encodings_are_reported_with_file_and_line(run, tmp_path):
    (tmp_path / "latin1.jsonl").write_bytes(
        b'{"id": "l1", "title": "cafe"}\n{"id": "l2", "title": "caf\xe9"}\n{"id": "l3"}\n'
    )
    (tmp_path / "utf16.jsonl").write_text(jsonl("u1"), encoding="utf-16")
    (tmp_path / "legacy.txt").write_bytes("Prices\nA ticket cost £5 in Kyiv.\n".encode("cp1252"))
    result = run("index", "-q", "latin1.jsonl", "utf16.jsonl", "legacy.txt")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == [
        "rejected latin1.jsonl:2: not valid UTF-8: byte 0xe9 at column 27",
        "rejected utf16.jsonl: UTF-16 text (it starts with a byte-order mark), not UTF-8;"
        " JSON Lines files must be UTF-8",
    ]
    assert "note: legacy.txt: not UTF-8: decoded as cp1252" in result.stderr
    assert indexed_ids(run) == ["l1", "l3", "legacy.txt"]


def test_strict_stops_at_a_bad_encoding_with_one_line(run, tmp_path):
    (tmp_path / "utf16.jsonl").write_text(jsonl("u1"), encoding="utf-16")
    result = run("index", "-q", "--strict", "utf16.jsonl")
    assert_one_line_error(result, code=1, names="utf16.jsonl: UTF-16 text")


# Files cut off


def test_a_jsonl_file_cut_off_mid_record_keeps_its_complete_lines(run, tmp_path):
    (tmp_path / "cut.jsonl").write_text(jsonl("c1", "c2") + '{"id": "c3", "title": "rep')
    (tmp_path / "after.jsonl").write_text(jsonl("x1"))
    result = run("index", "-q", "cut.jsonl", "after.jsonl")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == [
        "rejected cut.jsonl:3: invalid JSON: the file ends in the middle of this record; was it cut off?"
    ]
    assert indexed_ids(run) == ["c1", "c2", "x1"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "cut.json",
            '[{"id": "c1"},\n{"id": "c2", "title": "rep',
            "cut.json:2 (index 1): invalid JSON at line 2: the file ends in the middle of a value",
        ),
        (
            "cut.csv",
            'id,title\nc1,one\nc2,"rep',
            "cut.csv:3: invalid CSV: the file ends inside a quoted field; was it cut off?",
        ),
    ],
)
def test_json_and_csv_files_cut_off_are_said_to_be(run, tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    result = run("index", "-q", name)
    assert result.exit_code == 0, result.output
    [line] = rejected_lines(result)
    assert line.startswith("rejected " + message)
    assert indexed_ids(run) == ["c1"]


def test_strict_stops_at_a_cut_off_record_with_one_line(run, tmp_path):
    (tmp_path / "cut.jsonl").write_text(jsonl("c1") + '{"id": "c2", "ti')
    result = run("index", "-q", "--strict", "cut.jsonl")
    assert_one_line_error(result, code=1, names="cut.jsonl:2: invalid JSON: the file ends in the middle")


# Missing paths


def test_a_missing_path_is_an_error_after_the_others_are_indexed(run, tmp_path):
    (tmp_path / "a.jsonl").write_text(jsonl("a1"))
    (tmp_path / "b.jsonl").write_text(jsonl("b1"))
    result = run("index", "-q", "a.jsonl", "typo.jsonl", "b.jsonl")
    assert result.exit_code == 2
    assert "indexed: 2 added, 0 updated, 0 rejected" in result.stdout
    assert error_line(result) == (
        "Error: Invalid value for 'PATHS...': typo.jsonl: no such file or folder;"
        " the other paths were indexed"
    )
    assert indexed_ids(run) == ["a1", "b1"]


@pytest.mark.parametrize("args", [("--strict", "a.jsonl", "typo.jsonl"), ("typo.jsonl",)])
def test_a_missing_path_under_strict_or_alone_stops_before_anything(run, tmp_path, args):
    (tmp_path / "a.jsonl").write_text(jsonl("a1"))
    result = run("index", "-q", *args)
    assert_one_line_error(result, code=2, names="typo.jsonl: no such file or folder")
    assert not (tmp_path / "ix").exists()


def test_a_broken_link_in_a_folder_is_reported(run, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.jsonl").write_text(jsonl("a1"))
    (folder / "gone.jsonl").symlink_to(tmp_path / "moved-away.jsonl")
    (folder / "gone.png").symlink_to(tmp_path / "moved-away.png")  # a type not read: no loss
    result = run("index", "-q", "news")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == [
        "rejected news/gone.jsonl: a symbolic link to a file that does not exist"
    ]
    assert indexed_ids(run) == ["a1"]


# Files that disappear


@pytest.fixture
def deletes_after_first_file(monkeypatch):
    """Reading a JSON Lines file deletes the given path once the file is read, as another program might."""
    doomed: list[Path] = []
    real = searchsvc.ingest.read_jsonl

    def reading_then_deleting(stream, **kwargs):
        yield from real(stream, **kwargs)
        for path in doomed:
            path.unlink(missing_ok=True)

    monkeypatch.setattr(searchsvc.ingest, "read_jsonl", reading_then_deleting)
    return doomed


def test_a_file_deleted_while_its_folder_is_read_is_reported(run, tmp_path, deletes_after_first_file):
    folder = tmp_path / "news"
    folder.mkdir()
    for name in "abc":
        (folder / f"{name}.jsonl").write_text(jsonl(f"{name}1", f"{name}2"))
    deletes_after_first_file.append(folder / "b.jsonl")
    result = run("index", "-q", "news")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == [
        "rejected news/b.jsonl: no such file any more: it was moved or deleted while the files were being read"
    ]
    assert "indexed: 4 added, 0 updated, 1 rejected" in result.stdout
    assert indexed_ids(run) == ["a1", "a2", "c1", "c2"]


def test_a_named_file_deleted_before_it_is_reached_is_reported(run, tmp_path, deletes_after_first_file):
    for name in "abc":
        (tmp_path / f"{name}.jsonl").write_text(jsonl(f"{name}1"))
    deletes_after_first_file.append(tmp_path / "b.jsonl")
    result = run("index", "-q", "a.jsonl", "b.jsonl", "c.jsonl")
    assert result.exit_code == 0, result.output
    assert rejected_lines(result) == ["rejected b.jsonl: no such file or folder"]
    assert indexed_ids(run) == ["a1", "c1"]


def test_strict_stops_at_a_file_that_disappeared(run, tmp_path, deletes_after_first_file):
    folder = tmp_path / "news"
    folder.mkdir()
    for name in "ab":
        (folder / f"{name}.jsonl").write_text(jsonl(f"{name}1"))
    deletes_after_first_file.append(folder / "b.jsonl")
    result = run("index", "-q", "--strict", "news")
    assert_one_line_error(result, code=1, names="news/b.jsonl: no such file any more")


def test_the_library_reads_on_past_a_file_that_disappeared(tmp_path):
    for name in "abc":
        (tmp_path / f"{name}.jsonl").write_text(jsonl(f"{name}1"))
    records = read_records([tmp_path])
    first = next(records)  # the folder is listed, and a.jsonl open
    (tmp_path / "b.jsonl").unlink()
    rest = list(records)
    assert first.document == {"id": "a1", "title": "report a1"}
    assert [(r.source, r.error) for r in rest if not r.ok] == [
        (
            str(tmp_path / "b.jsonl"),
            "no such file any more: it was moved or deleted while the files were being read",
        )
    ]
    assert [r.document["id"] for r in rest if r.document] == ["c1"]


def test_the_library_rejects_bad_paths_in_place_when_asked(tmp_path):
    (tmp_path / "a.jsonl").write_text(jsonl("a1"))
    (tmp_path / "x.dat").write_text("?")
    records = list(
        read_records(["missing.jsonl", tmp_path / "x.dat", tmp_path / "a.jsonl"], reject_bad_paths=True)
    )
    assert [(r.source, r.error) for r in records] == [
        ("missing.jsonl", "no such file or folder"),
        (
            str(tmp_path / "x.dat"),
            "unknown file type: name it .txt, .jsonl, .ndjson, .json or .csv (gzipped: add .gz), or give a format"
            " (text, jsonl, json, csv)",
        ),
        (str(tmp_path / "a.jsonl"), None),
    ]
