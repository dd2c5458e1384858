"""The write log: what a process logged is committed by the next one to open the index."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import searchsvc.engine
from searchsvc import SearchEngine, Settings
from searchsvc.errors import IndexNotWritable
from searchsvc.wal import WriteLog, encode, has_orphans, read_writes

DURABLE = Settings(durability="request")


def die_after_logging(index: Path, *docs: dict[str, str], deleted: str | None = None) -> None:
    """A process that logs ``docs`` (and a deletion) with durability 'request', then dies uncommitted."""
    script = (
        "import os, sys, json\n"
        "from searchsvc import SearchEngine, Settings\n"
        "engine = SearchEngine(sys.argv[1], settings=Settings(durability='request'), variants=None)\n"
        "engine.add(json.loads(sys.argv[2]))\n"
        "if sys.argv[3]: engine.delete(sys.argv[3])\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", script, str(index), json.dumps(docs), deleted or ""], check=True)


@pytest.fixture
def index(tmp_path: Path) -> Path:
    path = tmp_path / "ix"
    with SearchEngine(path, variants=None) as engine:
        engine.add([{"id": "old", "title": "Committed before"}, {"id": "gone", "title": "To be deleted"}])
    return path


def test_an_engine_without_a_log_still_commits_what_a_dead_process_logged(index: Path) -> None:
    die_after_logging(index, {"id": "late", "title": "Logged, never committed"}, deleted="gone")
    assert has_orphans(index / "wal")
    # The library's default engine keeps no log of its own, but a crash's writes are not left behind.
    with SearchEngine(index, variants=None) as engine:
        assert engine.recovered == 2
        assert engine.get("late")["title"] == "Logged, never committed"
        assert engine.search("logged").total == 1  # committed, not only staged
        assert [hit.id for hit in engine.search("*").hits] == ["late", "old"]  # undated: by id
    assert list((index / "wal").glob("*.log")) == []
    with SearchEngine(index, variants=None) as engine:
        assert engine.recovered == 0 and len(engine) == 2


def test_a_folder_that_cannot_be_written_leaves_the_orphan_for_later(
    index: Path, monkeypatch, caplog
) -> None:
    die_after_logging(index, {"id": "late", "title": "Logged, never committed"})

    def read_only(*args, **kwargs):
        raise IndexNotWritable("cannot open the write log: the folder is read-only; nothing was written")

    monkeypatch.setattr(searchsvc.engine, "WriteLog", read_only)
    with caplog.at_level(logging.WARNING), SearchEngine(index, variants=None) as engine:
        # Reads still work, on what was committed.
        assert engine.recovered == 0 and len(engine) == 2
    assert "cannot commit the writes a stopped process logged" in caplog.text
    monkeypatch.undo()
    with SearchEngine(index, variants=None) as engine:
        assert engine.recovered == 1 and engine.get("late")["title"] == "Logged, never committed"


def test_a_live_process_log_is_not_taken(index: Path) -> None:
    with SearchEngine(index, settings=DURABLE, variants=None) as writer:
        writer.add({"id": "pending", "title": "Still the writer's"})
        assert not has_orphans(index / "wal")
        with SearchEngine(index, settings=DURABLE, variants=None) as other:
            assert other.recovered == 0
            assert other.get("old")["title"] == "Committed before"
    with SearchEngine(index, variants=None) as engine:
        assert engine.get("pending")["title"] == "Still the writer's"


def test_a_record_cut_short_ends_the_file_and_the_records_before_it_count(index: Path) -> None:
    die_after_logging(index, {"id": "whole", "title": "A whole record"})
    [log] = list((index / "wal").glob("*.log"))
    # A second record torn by a crash mid-append: never acknowledged, so never applied.
    with log.open("ab") as fh:
        fh.write(b'\x00\x00\x00\x40\x12\x34\x56\x78{"t": 1, "w": [["torn"')
    assert [doc_id for doc_id, _doc in read_writes(log)] == ["whole"]
    with SearchEngine(index, variants=None) as engine:
        assert engine.recovered == 1
        assert engine.get("whole")["title"] == "A whole record"
        assert engine.search("id:torn").total == 0


def test_writes_that_arrive_together_share_fsyncs(tmp_path: Path, monkeypatch) -> None:
    log = WriteLog(tmp_path / "wal", durability="request")
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr("searchsvc.wal.os.fsync", counting_fsync)
    start = threading.Barrier(16)

    def write(n: int) -> None:
        start.wait()
        for m in range(20):
            log.wait(log.enqueue(encode([(f"d{n}-{m}", {"id": f"d{n}-{m}"})])))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    # Every record is on disk, in fewer fsyncs than records.
    [path] = list((tmp_path / "wal").glob("*.log"))
    assert len(list(read_writes(path))) == 16 * 20
    assert 0 < len(synced) < 16 * 20 // 2
