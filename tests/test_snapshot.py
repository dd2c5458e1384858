"""Snapshots: a copy of one commit of an index in use, that opens as an index of its own."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_global_statistics import corpus

from searchsvc import SearchEngine, check_index
from searchsvc.cli import cli
from searchsvc.errors import InvalidInput
from searchsvc.shards import open_shards
from searchsvc.store.layout import recorded_shards

BATCH = 10


def run(folder: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--index-dir", str(folder), *args])


def test_a_snapshot_opens_with_the_same_documents(tmp_path) -> None:
    live = tmp_path / "live"
    with SearchEngine(live) as engine:
        engine.add(corpus(200))
        engine.commit()
        engine.delete(["doc-1"])
        engine.commit()
    done = run(live, "snapshot", str(tmp_path / "copy"))
    assert done.exit_code == 0, done.output
    assert "snapshot of 199 documents" in done.stderr and "hard links" in done.stderr
    with SearchEngine(live) as one, SearchEngine(tmp_path / "copy", create=False) as copy:
        assert list(copy.export()) == list(one.export())
        assert copy.search("grain", limit=100).total == one.search("grain", limit=100).total > 0
        # The copy is an index of its own: writing to it leaves the live one as it was.
        copy.add({"id": "only-in-the-copy", "title": "Copy"})
        copy.commit()
        assert len(copy) == 200 and len(one) == 199


class BatchWriter(threading.Thread):
    """Adds and commits batches of ``size`` documents (ids ``b{batch}-{k}``) for as long as
    the ``with`` block it is used in runs; a failure of its own is kept in ``failures``."""

    def __init__(self, engine: SearchEngine, size: int) -> None:
        super().__init__()
        self.engine = engine
        self.size = size
        self.committed: list[int] = []
        self.failures: list[BaseException] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 0
        try:
            while not self.stopping.is_set():
                self.engine.add(
                    [{"id": f"b{number}-{k}", "title": f"batch {number}"} for k in range(self.size)]
                )
                self.engine.commit()
                self.committed.append(number)
                number += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.failures.append(exc)

    def __enter__(self) -> BatchWriter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.join(timeout=60)


def test_snapshots_taken_during_writes_each_hold_exactly_one_commit(tmp_path) -> None:
    live = tmp_path / "live"
    with SearchEngine(live) as engine, BatchWriter(engine, BATCH) as writer:
        sizes = []
        for n in range(6):
            # Three more commits since the last copy, however fast the writer ran before it.
            wanted = len(writer.committed) + 3
            while len(writer.committed) < wanted and not writer.failures:
                writer.stopping.wait(0.01)
            engine.snapshot(tmp_path / f"snap-{n}")
            with SearchEngine(tmp_path / f"snap-{n}", create=False) as copy:
                ids = {doc["id"] for doc in copy.export()}
            batches = len(ids) // BATCH
            # Whole batches, the first ones, and nothing else: one commit's documents.
            assert ids == {f"b{b}-{k}" for b in range(batches) for k in range(BATCH)}
            sizes.append(batches)
    assert writer.failures == []
    assert sizes == sorted(set(sizes)) and sizes[0] > 0


def test_a_folder_of_shards_is_copied_whole(tmp_path) -> None:
    live = tmp_path / "live"
    with open_shards(live, 3, create=True) as engine:
        engine.add(corpus(90))
        engine.commit()
        engine.delete(["doc-1"])
        engine.commit()
        before = list(engine.export())
    done = run(live, "snapshot", str(tmp_path / "copy"))
    assert done.exit_code == 0, done.output
    assert "snapshot of 89 documents" in done.stderr and "hard links" in done.stderr
    assert recorded_shards(tmp_path / "copy") == 3
    assert check_index(tmp_path / "copy").ok
    with open_shards(tmp_path / "copy", 3, create=False) as copy:
        assert list(copy.export()) == before
        copy.add({"id": "only-in-the-copy", "title": "Copy"})
        copy.commit()
        assert len(copy) == 90
    with open_shards(live, 3, create=False) as engine:
        assert len(engine) == 89
        # The library's way, from an open engine, into a folder that must be new.
        report = engine.snapshot(tmp_path / "second")
        assert (report.documents, report.linked) == (89, True)
        with pytest.raises(InvalidInput, match="not empty"):
            engine.snapshot(tmp_path / "copy")


def test_without_hard_links_the_files_are_copied(tmp_path, monkeypatch) -> None:
    live = tmp_path / "live"
    with SearchEngine(live) as engine:
        engine.add(corpus(50))
        engine.commit()

        def no_links(source: Any, target: Any) -> None:
            raise OSError(errno.EXDEV, "Invalid cross-device link")

        monkeypatch.setattr(os, "link", no_links)
        report = engine.snapshot(tmp_path / "copy")
    assert report.linked is False and report.files > 0 and report.bytes > 0
    with SearchEngine(tmp_path / "copy", create=False) as copy:
        assert len(copy) == 50


def test_a_snapshot_goes_into_a_new_folder(tmp_path) -> None:
    live = tmp_path / "live"
    with SearchEngine(live) as engine:
        engine.add(corpus(5))
        engine.commit()
        (tmp_path / "taken").mkdir()
        (tmp_path / "taken" / "something").write_text("x")
        with pytest.raises(InvalidInput, match="not empty"):
            engine.snapshot(tmp_path / "taken")
        with SearchEngine.in_memory() as memory, pytest.raises(InvalidInput, match="in memory"):
            memory.snapshot(tmp_path / "memory")
    done = run(live, "snapshot", str(tmp_path / "taken"))
    assert done.exit_code == 1 and "not empty" in done.output
    missing = run(tmp_path / "nothing", "snapshot", str(tmp_path / "copy"))
    assert missing.exit_code == 1 and "the index is missing" in missing.output
    assert not (tmp_path / "copy").exists() and not (tmp_path / "copy.partial").exists()
