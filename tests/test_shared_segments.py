"""Every searcher of a process reads a segment file through one shared open file, unmapped."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

import pytest
from samples import ARTICLES
from whoosh.codec.whoosh3 import STORED_COLUMN

from searchsvc import SearchEngine
from searchsvc.store.files import open_segment_files


def ids(result):
    return sorted(hit.id for hit in result.hits)


def compound_storages(searcher):
    """The open segment file under each segment reader of ``searcher``."""
    return [reader.storage().a._file.segment for reader, _offset in searcher.reader().leaf_readers()]


def mine(engine) -> set[str]:
    """The shared segment files of ``engine``'s index (other tests' may be open too)."""
    return {f for f in open_segment_files() if f.startswith(str(engine.path))}


def open_in_proc(folder: Path) -> list[str]:
    """Files under ``folder`` that the kernel shows open in this process."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def mapped_in_proc(folder: Path) -> set[str]:
    """Files under ``folder`` that the kernel shows mapped into this process."""
    with open("/proc/self/maps") as fh:
        return {line.split()[-1] for line in fh if str(folder) in line}


@pytest.fixture
def disk_engine(tmp_path):
    with SearchEngine(tmp_path / "ix", variants=None) as eng:
        eng.add(ARTICLES)
        eng.commit()
        yield eng


def test_pooled_searchers_share_one_open_file_per_segment(disk_engine):
    first = disk_engine.pool.acquire()
    second = disk_engine.pool.acquire()
    try:
        assert first.snapshot.searcher is not second.snapshot.searcher
        assert first.snapshot.searcher.reader() is not second.snapshot.searcher.reader()
        shared = compound_storages(first.snapshot.searcher)
        assert shared and shared == compound_storages(second.snapshot.searcher)
        assert all(a is b for a, b in zip(shared, compound_storages(second.snapshot.searcher), strict=True))
        assert len(mine(disk_engine)) == len(shared)
    finally:
        disk_engine.pool.release(first)
        disk_engine.pool.release(second)
    assert disk_engine.search("grain").total == 1


def test_commits_map_new_segments_and_results_stay_right(disk_engine):
    held = disk_engine.pool.acquire()
    before = mine(disk_engine)
    disk_engine.add([{"id": "late", "title": "Late grain"}])
    disk_engine.delete("grain-deal")
    disk_engine.commit()
    try:
        # The searcher held over the commit still answers from its snapshot...
        assert held.snapshot.searcher.doc_count() == len(ARTICLES)
        # ...while a fresh search sees the new segment and the deletion.
        assert ids(disk_engine.search("grain")) == ["late"]
        assert len(disk_engine) == len(ARTICLES)
        assert mine(disk_engine) > before
    finally:
        disk_engine.pool.release(held)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_a_replaced_generation_is_closed_once_its_searchers_are_gone(tmp_path):
    path = tmp_path / "ix"
    with SearchEngine(path, variants=None) as writer:
        writer.add(ARTICLES)
    reader = SearchEngine(path, variants=None)
    try:
        # Several searchers at once, as server threads hold them.
        held = [reader.pool.acquire() for _ in range(3)]
        for pooled in held:
            reader.pool.release(pooled)
        del held, pooled
        # A search too: nothing it leaves behind (the reused query parser) may hold its searcher.
        assert reader.search("grain").total == 1
        old = path / "gen-000001"
        assert len(open_in_proc(old)) == 1
        # Read, not mapped: mapped pages would count in RSS for as long as they stay.
        assert mapped_in_proc(path) == set()
        with SearchEngine(path, variants=None) as rebuilder:
            rebuilder.rebuild(iter([{"id": "only", "title": "Only grain now"}]))
        # The next search switches generations (searchsvc.json changed) and
        # drops the pooled searchers of the old one.
        assert ids(reader.search("grain")) == ["only"]
        gc.collect()
        assert not any(f.startswith(str(old)) for f in open_segment_files())
        assert open_in_proc(old) == []
        assert len(open_in_proc(path / "gen-000002")) == 1
    finally:
        reader.close()


def test_searchers_share_the_stored_documents_column_and_survive_each_other(disk_engine):
    first = disk_engine.pool.acquire()
    second = disk_engine.pool.acquire()
    try:
        readers = [
            [reader for reader, _offset in pooled.snapshot.searcher.reader().leaf_readers()]
            for pooled in (first, second)
        ]
        for a, b in zip(*readers, strict=True):
            column = a._perdoc._cached_reader("_stored", STORED_COLUMN)
            assert column is not None and column is b._perdoc._cached_reader("_stored", STORED_COLUMN)
        # One searcher closing must leave the shared column readable by the other.
        first.snapshot.searcher.close()
        docnum = second.snapshot.searcher.document_number(id="grain-deal")
        assert json.loads(second.snapshot.searcher.stored_fields(docnum)["doc"])["id"] == "grain-deal"
    finally:
        disk_engine.pool.release(second)
    assert disk_engine.get("grain-deal")["id"] == "grain-deal"
