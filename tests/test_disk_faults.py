"""A disk that fills up or turns read-only: the write fails clearly, and nothing changes.

Faults are injected into the file layer (``os.write``/``os.fsync`` as the write
log calls them, and the commit's own writes), the way a full tmpfs fails.
"""

from __future__ import annotations

import errno
from pathlib import Path

import falcon.testing
import pytest

import searchsvc.wal
from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.errors import IndexNotWritable, StorageFull

DURABLE = Settings(durability="request")


def failing(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, "injected")

    return fail


@pytest.fixture
def engine(tmp_path: Path):
    with SearchEngine(tmp_path / "ix", settings=DURABLE, variants=None) as engine:
        engine.add({"id": "kept", "title": "Grain before the disk filled"})
        engine.commit()
        yield engine


def log_files(engine: SearchEngine) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (Path(engine.path) / "wal").glob("*.log")}


@pytest.mark.parametrize(("code", "error"), [(errno.ENOSPC, StorageFull), (errno.EROFS, IndexNotWritable)])
def test_a_write_that_cannot_be_logged_fails_and_changes_nothing(engine, monkeypatch, code, error):
    before = log_files(engine)
    monkeypatch.setattr(searchsvc.wal.os, "write", failing(code))
    with pytest.raises(error, match="nothing was written"):
        engine.add({"id": "new", "title": "Lost to a full disk"})
    with pytest.raises(error):
        engine.delete("kept")
    # Neither staged nor visible, and the log is as it was.
    assert engine.pending == 0
    assert engine.get("kept")["title"] == "Grain before the disk filled"
    assert log_files(engine) == before
    monkeypatch.undo()
    # Once there is room again, writes work.
    engine.add({"id": "later", "title": "Room again"})
    engine.commit()
    assert engine.search("room").total == 1 and engine.search("lost").total == 0


def test_a_commit_that_cannot_be_written_keeps_the_writes_logged_and_staged(engine, monkeypatch):
    engine.add({"id": "staged", "title": "Staged before the disk filled"})
    import searchsvc.store.writer as writer

    real = writer.FastSegmentWriter.commit
    monkeypatch.setattr(writer.FastSegmentWriter, "commit", failing(errno.ENOSPC))
    with pytest.raises(StorageFull):
        engine.commit()
    assert engine.pending == 1
    assert engine.get("staged")["title"] == "Staged before the disk filled"
    assert engine.search("staged").total == 0
    monkeypatch.setattr(writer.FastSegmentWriter, "commit", real)
    engine.commit()
    assert engine.search("staged").total == 1


def test_http_answers_507_and_keeps_serving_searches(engine, monkeypatch):
    client = falcon.testing.TestClient(create_app(engine, DURABLE))
    monkeypatch.setattr(searchsvc.wal.os, "write", failing(errno.ENOSPC))
    result = client.simulate_put("/documents/new", json={"title": "Lost"})
    assert result.status_code == 507
    assert result.json["error"]["code"] == "storage_full"
    assert client.simulate_get("/search", params={"q": "grain"}).json["total"] == 1
    assert client.simulate_get("/documents/new").status_code == 404
