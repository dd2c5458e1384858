"""Where an index lives: a folder of generations, one of them active, or memory.

Layout of an index folder::

    index/
      searchsvc.json    format version and the active generation (replaced atomically)
      gen-000001/       a Whoosh index
      gen-000002/       the next full rebuild, built beside the live one

An index split into shards is a folder of such folders (see :mod:`.layout`).

A rebuild writes a new generation, then replaces ``searchsvc.json`` with
``os.replace``: readers that have the old generation open keep answering from
it, and notice the new one on their next search.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.fields import Schema
from whoosh.index import EmptyIndexError

from ..errors import (
    IndexCorrupt,
    IndexLayoutMismatch,
    IndexLocked,
    IndexNotFound,
    IndexVersionMismatch,
    SearchIndexError,
)
from .checksums import toc_problem
from .errors import OPEN_FAILURES, store_errors
from .files import IndexFiles, MemoryFiles

#: Bumped whenever the schema or analysis changes what is in the index.
FORMAT_VERSION = 3
FORMAT_NAME = "searchsvc-index"
META_FILE = "searchsvc.json"
INDEX_NAME = "MAIN"
#: Held (flock) by the process rebuilding the index, as long as it does.
REBUILD_MARK = "rebuilding"
#: How long a rebuild waits for other processes' commits before it swaps.
SWAP_LOCK_SECONDS = 30.0


def fsync(path: Path) -> None:
    """Make a file durable, or a folder's list of names (a file created or deleted in it)."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_meta(folder: Path, generation: str) -> None:
    """Make ``generation`` the live one of the index folder ``folder``, atomically."""
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generation": generation,
        "activated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    tmp = folder / (META_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / META_FILE)


def _toc_problem(ix: Any) -> str | None:
    """What is wrong with what the table of contents of ``ix`` says of its segments, or None.

    Everything searchsvc and Whoosh later ask of a segment is asked here once,
    where a damaged table of contents (one without a checksum to tell) can
    still be refused with a clear error rather than fail a search.
    """
    segments = ix._read_toc().segments
    if not isinstance(segments, list):
        return "the table of contents has no list of segments"
    for number, segment in enumerate(segments, 1):
        segment.segment_id()
        segment.codec()
        segment.is_compound()
        count = segment.doc_count_all()
        # The W3 codec's segment keeps the total length of each field here, for scoring.
        lengths = segment._fieldlengths
        if (
            not isinstance(count, int)
            or count < 0
            or not isinstance(lengths, dict)
            or not all(isinstance(v, int) for v in lengths.values())
        ):
            return f"the table of contents' entry of segment {number} is damaged"
        if segment.has_deletions():
            deleted = list(segment.deleted_docs())
            if len(deleted) != segment.deleted_count() or not all(
                isinstance(d, int) and 0 <= d < count for d in deleted
            ):
                return f"the table of contents' deletions of segment {number} are damaged"
    return None


class IndexStore:
    """Where an index lives: a folder of generations, or memory.

    It knows which generation is active and hands out Whoosh ``Index``
    objects opened with the schema of the running code.
    """

    def __init__(self, path: str | os.PathLike[str] | None, schema: Schema) -> None:
        self.path = Path(path) if path is not None else None
        self.schema = schema
        self._ram: dict[str, MemoryFiles] = {}
        self._ram_current: str | None = None
        self._meta_stamp: tuple[int, int] | None = None
        #: Files of the active generation already fsynced, by inode, size and time.
        self._synced: set[tuple[int, int, int]] = set()

    # -- the meta file -------------------------------------------------

    @property
    def meta_path(self) -> Path:
        assert self.path is not None
        return self.path / META_FILE

    def _read_meta(self) -> dict[str, Any] | None:
        assert self.path is not None
        try:
            raw = self.meta_path.read_text("utf-8")
        except FileNotFoundError:
            from .layout import recorded_shards  # the layout of shards builds on this module's

            count = recorded_shards(self.path)
            if count is not None:
                raise IndexLayoutMismatch(
                    f"the folder {self.path.name!r} holds an index split into {count} shards: "
                    f"open it with --shards {count} (SearchEngine.cluster in the library)"
                ) from None
            if self.path.is_dir() and any(not p.name.startswith(".") for p in self.path.iterdir()):
                raise IndexVersionMismatch(
                    f"the folder {self.path.name!r} is not a searchsvc index; "
                    "give an empty or new folder, or rebuild it with 'searchsvc reindex PATH...' there"
                ) from None
            return None
        except OSError:
            raise IndexCorrupt("the index folder cannot be read") from None
        try:
            meta = json.loads(raw)
        except ValueError:
            raise IndexCorrupt(
                "the index metadata file is damaged; rebuild it with 'searchsvc reindex PATH...'"
            ) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise IndexVersionMismatch(
                "the folder is not a searchsvc index; rebuild it with 'searchsvc reindex PATH...'"
            )
        if meta.get("version") != FORMAT_VERSION:
            raise IndexVersionMismatch(
                f"the index has format version {meta.get('version')}, this searchsvc needs "
                f"{FORMAT_VERSION}; rebuild it with 'searchsvc reindex PATH...'"
            )
        return meta

    def _write_meta(self, generation: str) -> None:
        assert self.path is not None
        write_meta(self.path, generation)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.meta_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    # -- generations -----------------------------------------------------

    def current_generation(self) -> str | None:
        if self.path is None:
            return self._ram_current
        meta = self._read_meta()
        return None if meta is None else str(meta["generation"])

    def exists(self) -> bool:
        return self.current_generation() is not None

    def swapped(self) -> bool:
        """Whether another process activated a new generation since we last looked."""
        if self.path is None:
            return False
        return self._stamp() != self._meta_stamp

    def _storage(self, generation: str) -> IndexFiles | MemoryFiles:
        if self.path is None:
            return self._ram.setdefault(generation, MemoryFiles())
        return IndexFiles(str(self.path / generation))

    def open(self, create: bool = True) -> Any:
        """The active generation's index, created empty if there is none and ``create``."""
        with store_errors("open the index", OPEN_FAILURES):
            generation = self.current_generation()
            if generation is None:
                if not create:
                    where = self.path.name if self.path is not None else "memory"
                    raise IndexNotFound(f"no index in {where!r}; run 'searchsvc index PATH' first")
                generation, ix = self.create_generation()
                self.activate(generation)
                return ix
            if self.path is not None:
                self._meta_stamp = self._stamp()
            storage = self._storage(generation)
            try:
                # Always with the running code's schema: Whoosh would otherwise unpickle
                # the one saved in the index, naming the modules of the code that wrote it.
                ix = storage.open_index(INDEX_NAME, schema=self.schema)
            except EmptyIndexError:
                raise IndexCorrupt(
                    f"the active index generation {generation!r} is missing; rebuild it with 'searchsvc reindex PATH...'"
                ) from None
            problem = toc_problem(storage, INDEX_NAME, ix.latest_generation()) or _toc_problem(ix)
            if problem is not None:
                raise IndexCorrupt(
                    f"the index is damaged: {problem}; restore a snapshot or rebuild it with 'searchsvc reindex'"
                )
            return ix

    def create_generation(self) -> tuple[str, Any]:
        """A new, empty generation beside the active one (not yet active)."""
        with store_errors("create an index"):
            if self.path is None:
                name = f"gen-{len(self._ram) + 1:06d}"
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                numbers = [int(p.name[4:]) for p in self.path.glob("gen-*") if p.name[4:].isdigit()]
                name = f"gen-{max(numbers, default=0) + 1:06d}"
                (self.path / name).mkdir()
            storage = self._storage(name)
            return name, storage.create_index(self.schema, indexname=INDEX_NAME)

    def activate(self, generation: str) -> None:
        """Make ``generation`` the live index, atomically, and prune old ones."""
        if self.path is None:
            previous = self._ram_current
            self._ram_current = generation
            if previous is not None and previous != generation:
                self._ram.pop(previous, None)
            return
        previous = None
        with contextlib.suppress(SearchIndexError):
            previous = self.current_generation()
        self._write_meta(generation)
        self._meta_stamp = self._stamp()
        # Keep the generation just replaced: readers may still have it open.
        keep = {generation, previous}
        for old in self.path.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    @contextlib.contextmanager
    def rebuilding(self) -> Iterator[None]:
        """Say, for as long as the block runs, that this process is rebuilding the index.

        Other processes' commits meanwhile journal what they write (see
        :mod:`searchsvc.staging`), for the rebuild to apply before it swaps.
        The mark is a lock: a rebuild that died leaves a file no one holds.
        """
        if self.path is None:
            yield
            return
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / REBUILD_MARK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexLocked(
                    "another process is rebuilding this index; try again when it is done"
                ) from None
            try:
                yield
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path / REBUILD_MARK)
        finally:
            os.close(fd)

    def rebuild_in_progress(self) -> bool:
        """Whether some process is rebuilding the index now."""
        if self.path is None:
            return False
        try:
            fd = os.open(self.path / REBUILD_MARK, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def write_locked(self, ix: Any) -> bool:
        """Whether another writer (any process) holds ``ix``'s write lock now."""
        lock = ix.lock("WRITELOCK")
        with store_errors("look at the index's lock"):
            if not lock.acquire(blocking=False):
                return True
            lock.release()
        return False

    @contextlib.contextmanager
    def writes_held(self, ix: Any) -> Iterator[None]:
        """No commit to ``ix`` (from any process) for the length of the block."""
        lock = ix.lock("WRITELOCK")
        deadline = time.monotonic() + SWAP_LOCK_SECONDS
        with store_errors("hold the index's writes"):
            while not lock.acquire(blocking=False):
                if time.monotonic() > deadline:
                    raise IndexLocked("cannot swap in the new index: a commit holds the old one's lock")
                time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    def discard(self, generation: str) -> None:
        """Remove a generation that was never activated (a failed rebuild)."""
        if self.path is None:
            self._ram.pop(generation, None)
        else:
            shutil.rmtree(self.path / generation, ignore_errors=True)

    def sync(self) -> None:
        """Make the active generation's files durable (Whoosh writes them without fsync)."""
        if self.path is None:
            return
        generation = self.current_generation()
        if generation is None:
            return
        folder = self.path / generation
        with store_errors("make the commit durable"):
            synced = set()
            for file in folder.iterdir():
                if not file.is_file():
                    continue
                st = file.stat()
                # A segment file never changes once written: synced once is enough.
                key = (st.st_ino, st.st_size, st.st_mtime_ns)
                if key not in self._synced:
                    fsync(file)
                synced.add(key)
            fsync(folder)
            self._synced = synced

    def last_commit_time(self) -> float | None:
        """When the active generation was last committed, as ``time.time()``; None in memory."""
        if self.path is None:
            return None
        generation = self.current_generation()
        if generation is None:
            return None
        tocs = list((self.path / generation).glob(f"_{INDEX_NAME}_*.toc"))
        return max(t.stat().st_mtime for t in tocs) if tocs else None

    def size_bytes(self) -> int:
        if self.path is None:
            generation = self._ram_current
            storage = self._ram.get(generation or "")
            return sum(storage.file_length(n) for n in storage.list()) if storage else 0
        generation = self.current_generation()
        if generation is None:
            return 0
        folder = self.path / generation
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
