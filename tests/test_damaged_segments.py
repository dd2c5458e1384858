"""A damaged segment met by a search or a get: an index error naming the segment and its file,
in the library, on the command line and over HTTP, never a wrong answer."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import falcon.testing
import pytest
from test_check import built, flip, run, segment_files
from test_security import error_of
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import StructFile

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.errors import IndexCorrupt
from searchsvc.store.checksums import CHECKSUMS_EXT

#: A word in many documents of every segment: its postings are stored apart from the terms.
WORD = "grain"


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(tmp_path_factory.mktemp("sound") / "ix")


def copy_of(sound: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sound index, and its largest segment file, to damage.

    A copy, not the index itself: the files a process has verified once are not read
    again, and this one has read the sound index's.
    """
    folder = tmp_path / "ix"
    shutil.copytree(sound, folder)
    return folder, max(segment_files(folder), key=lambda p: p.stat().st_size)


def flip_middle(path: Path) -> None:
    middle = path.stat().st_size // 2
    for offset in range(middle, middle + 16):
        flip(path, offset)


def zero(path: Path, start: int, length: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(start)
        fh.write(bytes(length))


def zero_middle(path: Path) -> None:
    size = path.stat().st_size
    zero(path, size // 3, size // 3)


DAMAGE: dict[str, Callable[[Path], None]] = {"flipped": flip_middle, "zeroed": zero_middle}


def engine_of(folder: Path) -> SearchEngine:
    return SearchEngine(folder, variants=None, settings=Settings(verify_on_start=False))


def names_segment(error: IndexCorrupt, damaged: Path) -> None:
    assert error.segment == damaged.stem and error.file == damaged.name
    assert f"segment {damaged.stem} is damaged" in error.message and damaged.name in error.message


@pytest.mark.parametrize("damage", DAMAGE)
def test_search_and_get_raise_an_error_naming_the_damaged_segment(sound, tmp_path, damage) -> None:
    with engine_of(sound) as engine:
        answers = engine.search(WORD, limit=100).total, engine.get("doc-1")
    assert answers[0] > 0
    folder, damaged = copy_of(sound, tmp_path)
    DAMAGE[damage](damaged)
    with engine_of(folder) as engine:
        for read in (lambda: engine.search(WORD, limit=100), lambda: engine.get("doc-1")):
            with pytest.raises(IndexCorrupt) as raised:
                read()
            names_segment(raised.value, damaged)
            assert "does not match its checksum" in raised.value.message


@pytest.mark.parametrize("damage", DAMAGE)
def test_the_command_line_names_the_damaged_segment_on_one_line(sound, tmp_path, damage) -> None:
    folder, damaged = copy_of(sound, tmp_path)
    DAMAGE[damage](damaged)
    for args in (("search", WORD), ("get", "doc-1")):
        done = run(folder, *args)
        assert done.exit_code == 1, done.output
        assert done.stdout == ""
        assert done.stderr.startswith(
            f"Error: cannot read the index: segment {damaged.stem} is damaged: file {damaged.name} "
            "does not match its checksum"
        )
        assert "searchsvc check" in done.stderr and done.stderr.count("\n") == 1


@pytest.mark.parametrize("damage", DAMAGE)
def test_http_answers_503_naming_the_damaged_segment(sound, tmp_path, damage) -> None:
    folder, damaged = copy_of(sound, tmp_path)
    DAMAGE[damage](damaged)
    with engine_of(folder) as engine:
        client = falcon.testing.TestClient(create_app(engine, Settings()))
        for answer in (
            client.simulate_get("/search", params={"q": WORD}),
            client.simulate_get("/documents/doc-1"),
        ):
            assert answer.status_code == 503, answer.text
            error = error_of(answer)
            assert error["code"] == "index_corrupt"
            assert error["message"] == (
                f"the index is damaged: segment {damaged.stem} (file {damaged.name}) cannot be read; "
                "the server log has the details"
            )
            assert str(tmp_path) not in answer.text and "Traceback" not in answer.text


def subfile(segment: Path, ending: str) -> tuple[int, int]:
    """Where the file of a compound segment ending with ``ending`` lies in it: start, length."""
    with open(segment, "rb") as fh:
        directory = CompoundStorage(StructFile(fh), use_mmap=False)._dir
        (info,) = [info for name, info in directory.items() if name.endswith(ending)]
    return info["offset"], info["length"]


def unrecorded(sound: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy whose largest segment has no checksums, as one written before they were kept."""
    folder, damaged = copy_of(sound, tmp_path)
    damaged.with_suffix(CHECKSUMS_EXT).unlink()
    return folder, damaged


def test_without_checksums_a_posting_list_that_cannot_be_read_names_its_segment(sound, tmp_path) -> None:
    folder, damaged = unrecorded(sound, tmp_path)
    zero(damaged, *subfile(damaged, ".pst"))
    with engine_of(folder) as engine, pytest.raises(IndexCorrupt) as raised:
        engine.search(WORD)
    names_segment(raised.value, damaged)
    assert "a posting list is damaged" in raised.value.message


def test_without_checksums_a_stored_document_that_cannot_be_read_names_its_segment(sound, tmp_path) -> None:
    folder, damaged = unrecorded(sound, tmp_path)
    start, length = subfile(damaged, "._stored.col")
    zero(damaged, start, length // 2)
    failed = 0
    with engine_of(folder) as engine:
        ids = [f"doc-{n}" for n in range(160) if n != 5]
        for doc_id in ids:
            try:
                assert engine.get(doc_id)["id"] == doc_id
            except IndexCorrupt as exc:
                names_segment(exc, damaged)
                failed += 1
    assert 0 < failed < len(ids)


def test_without_checksums_a_segment_that_cannot_be_opened_names_itself(sound, tmp_path) -> None:
    folder, damaged = unrecorded(sound, tmp_path)
    # The directory of a compound file is at its end.
    size = damaged.stat().st_size
    zero(damaged, size - 64, 64)
    with engine_of(folder) as engine:
        for read in (lambda: engine.search(WORD), lambda: engine.get("doc-1")):
            with pytest.raises(IndexCorrupt) as raised:
                read()
            names_segment(raised.value, damaged)


def test_the_damaged_segment_crosses_to_another_process() -> None:
    error = IndexCorrupt("the index is damaged", segment="MAIN_x", file="MAIN_x.seg")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.message, copy.segment, copy.file) == (
        IndexCorrupt,
        error.message,
        "MAIN_x",
        "MAIN_x.seg",
    )
