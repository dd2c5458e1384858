"""The write log: acknowledged writes kept on disk until a commit holds them.

Each process that writes to an index appends to files of its own in the
index folder's ``wal/`` folder, and holds an exclusive ``flock`` on each for
as long as it lives. A commit starts a new file first (:meth:`WriteLog.rotate`),
so the file before it holds exactly the writes that commit covers; once the
commit is on disk, that file is deleted (:meth:`WriteLog.release`). A file whose
lock can be taken belongs to a process that is gone: :meth:`WriteLog.orphans`
reads it back, so that the next process to open the index commits its writes.

A record is a 4-byte length, a 4-byte CRC-32 and the JSON of the writes. A
record cut short by a crash, or damaged, ends the file: its writes were never
acknowledged, because a write is acknowledged only once its record is whole.

Writes that arrive together share one ``fsync`` (group commit): the first
writer to find the log idle writes and syncs every record queued so far, and
the others wait for it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SearchIndexError
from .jsonvalues import dumps, loads
from .store.errors import write_failure
from .store.generations import fsync

LOG = logging.getLogger("searchsvc.wal")

#: The log's folder, inside the index folder.
FOLDER = "wal"
SUFFIX = ".log"
_HEADER = struct.Struct(">II")

#: One write: the id, and the document, or None for a deletion.
Write = tuple[str, "dict[str, Any] | None"]


@dataclass
class LogFile:
    """One file of the log, locked by this process as long as it is open."""

    path: Path
    fd: int
    #: Bytes of whole records: a failed append is cut back to here.
    size: int = 0

    @classmethod
    def create(cls, folder: Path) -> LogFile:
        name = f"{time.time_ns():020d}-{os.getpid()}-{threading.get_ident() % 100000}{SUFFIX}"
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        fsync(folder)
        return cls(path, fd)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


class WriteLog:
    """The write log of one index folder, for this process.

    :param durability: ``request`` (each append returns once its record is
        fsynced) or ``interval`` (appends return once written; a thread fsyncs
        every ``interval`` seconds).
    """

    def __init__(self, folder: Path, *, durability: str = "request", interval: float = 0.2) -> None:
        if durability not in ("request", "interval"):
            raise ValueError(f"no write log for durability {durability!r}")
        self.folder = folder
        self.durability = durability
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._active = LogFile.create(folder)
        except OSError as exc:
            raise write_failure(exc, "open the write log") from None
        self._retained: list[LogFile] = []
        self._cond = threading.Condition()
        self._queue: list[bytes] = []
        self._enqueued = 0
        self._done = 0
        #: Sequence numbers that failed, with their error: their writers are told.
        self._failed: dict[int, SearchIndexError] = {}
        self._flushing = False
        self._dirty = False
        self._closed = False
        self._syncer: threading.Thread | None = None
        if durability == "interval":
            self._syncer = threading.Thread(
                target=self._sync_every, args=(interval,), name="searchsvc-wal-sync", daemon=True
            )
            self._syncer.start()

    # -- appending -------------------------------------------------------------

    def enqueue(self, record: bytes) -> int:
        """Queue a record made by :func:`encode`; returns its number, for :meth:`wait`."""
        with self._cond:
            self._enqueued += 1
            self._queue.append(record)
            return self._enqueued

    def wait(self, number: int) -> None:
        """Return once record ``number`` is as durable as the log promises; raise if it failed."""
        with self._cond:
            while self._done < number and number not in self._failed:
                if self._flushing:
                    self._cond.wait()
                    continue
                self._flush_locked()
            # Left in _failed until the writer has undone its writes (clear_failure):
            # a commit meanwhile must not take them.
            error = self._failed.get(number)
        if error is not None:
            raise error

    def _flush_locked(self) -> SearchIndexError | None:
        """Write (and sync) every queued record; the caller holds ``_cond``, released meanwhile.

        Returns the error that failed them, if any: their writers are told too.
        """
        batch, self._queue = self._queue, []
        last = self._enqueued
        first = last - len(batch) + 1
        if not batch:
            return None
        self._flushing = True
        active = self._active
        self._cond.release()
        error: SearchIndexError | None = None
        try:
            _write_all(active.fd, b"".join(batch))
            if self.durability == "request":
                os.fsync(active.fd)
        except OSError as exc:
            error = write_failure(exc, "log the write")
            # Cut a partly written record off, so that records after it can still be read.
            with contextlib.suppress(OSError):
                os.ftruncate(active.fd, active.size)
        finally:
            self._cond.acquire()
            self._flushing = False
        if error is None:
            active.size += sum(len(r) for r in batch)
            self._dirty = self.durability == "interval"
        else:
            for number in range(first, last + 1):
                self._failed[number] = error
        self._done = last
        self._cond.notify_all()
        return error

    def _sync_every(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            with self._cond:
                if self._closed:
                    return
                dirty, self._dirty = self._dirty, False
                fd = self._active.fd
            if dirty:
                try:
                    os.fsync(fd)
                except OSError:
                    LOG.exception("cannot fsync the write log")

    # -- commits -----------------------------------------------------------------

    def rotate(self) -> LogFile:
        """Start a new file and return the one before it, which holds every write so far.

        Called by a commit before it writes: what the commit covers is then
        exactly the returned file (and files retained by failed commits).
        """
        with self._cond:
            while self._flushing:
                self._cond.wait()
            error = self._flush_locked()
            if error is not None:
                raise error
            if self._active.size == 0:
                # Nothing logged since the last commit: keep the file.
                return LogFile(self._active.path, -1)
            try:
                if self.durability == "interval":
                    os.fsync(self._active.fd)
                fresh = LogFile.create(self.folder)
            except OSError as exc:
                raise write_failure(exc, "start a new write log file") from None
            old, self._active = self._active, fresh
            return old

    def release(self, done: LogFile) -> None:
        """Delete ``done`` and every file retained before it: a commit holds their writes."""
        with self._cond:
            files = [*self._retained, done] if done.fd >= 0 else list(self._retained)
            self._retained = []
        for file in files:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(file.path)
            file.close()
        if files:
            with contextlib.suppress(OSError):
                fsync(self.folder)

    def forget(self, file: LogFile) -> None:
        """Delete an orphan's file once its writes are logged again as this process's."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(file.path)
        file.close()
        with contextlib.suppress(OSError):
            fsync(self.folder)

    def clear_failure(self, number: int) -> None:
        """Forget a failed record, once its writes are undone."""
        with self._cond:
            self._failed.pop(number, None)

    def failed(self) -> list[int]:
        """Records whose logging failed and whose writers have not yet been told."""
        with self._cond:
            return list(self._failed)

    def retain(self, file: LogFile) -> None:
        """Keep ``file``: the commit that was to hold its writes failed."""
        if file.fd >= 0:
            with self._cond:
                self._retained.append(file)

    # -- recovery ------------------------------------------------------------------

    def orphans(self) -> Iterator[tuple[LogFile, list[Write]]]:
        """The files of processes that are gone, oldest first, each with its writes in order.

        The caller logs the writes again as its own, then hands each file to
        :meth:`release`; until then this process holds its lock.
        """
        mine = {self._active.path, *(f.path for f in self._retained)}
        for path in sorted(self.folder.glob("*" + SUFFIX)):
            if path in mine:
                continue
            fd = _orphan_lock(path, fcntl.LOCK_EX)
            if fd is not None:
                yield LogFile(path, fd), list(read_writes(path))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            while self._flushing:
                self._cond.wait()
            self._flush_locked()
            if self.durability == "interval":
                with contextlib.suppress(OSError):
                    os.fsync(self._active.fd)
            files = [self._active, *self._retained]
        for file in files:
            if file.size == 0 and file is self._active and not self._retained:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(file.path)
            file.close()


def has_orphans(folder: Path) -> bool:
    """Whether ``folder`` holds a log file of a process that is gone (one no process locks)."""
    for path in folder.glob("*" + SUFFIX):
        fd = _orphan_lock(path, fcntl.LOCK_SH)
        if fd is not None:
            os.close(fd)
            return True
    return False


def _orphan_lock(path: Path, kind: int) -> int | None:
    """A descriptor of ``path`` holding a ``kind`` lock on it, or None if a live process
    holds the file (another worker's) or it is gone (its owner committed it meanwhile)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    if not path.exists():
        os.close(fd)
        return None
    return fd


#: Inside the log's folder: writes committed while another process rebuilds the
#: index, which the rebuild applies to its new generation before it swaps.
JOURNAL = "journal"


def encode(writes: list[Write]) -> bytes:
    """One record of the log holding ``writes``, with its length and checksum.

    The documents were checked against :mod:`searchsvc.jsonvalues`'s limits, so this
    does not fail; it is still done before a write changes anything.
    """
    payload = dumps({"t": time.time_ns(), "w": writes})
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def journal(folder: Path, writes: Mapping[str, dict[str, Any] | None]) -> None:
    """Keep ``writes``, just committed, for the rebuild under way (see :mod:`searchsvc.rebuild`)."""
    folder.mkdir(parents=True, exist_ok=True)
    record = encode(list(writes.items()))
    path = folder / f"{time.time_ns():020d}-{os.getpid()}{SUFFIX}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    try:
        _write_all(fd, record)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync(folder)


def journaled(folder: Path) -> dict[str, dict[str, Any] | None]:
    """The journal's writes, the last of each id winning."""
    writes: dict[str, dict[str, Any] | None] = {}
    for path in sorted(folder.glob("*" + SUFFIX)):
        for doc_id, doc in read_writes(path):
            writes.pop(doc_id, None)
            writes[doc_id] = doc
    return writes


def read_writes(path: Path) -> Iterator[Write]:
    """The writes of one log file in order, up to the first record that is not whole."""
    data = path.read_bytes()
    pos = 0
    while pos + _HEADER.size <= len(data):
        length, crc = _HEADER.unpack_from(data, pos)
        payload = data[pos + _HEADER.size : pos + _HEADER.size + length]
        if len(payload) < length or zlib.crc32(payload) != crc:
            LOG.warning("%s: a record cut short at byte %d is ignored (never acknowledged)", path.name, pos)
            return
        yield from ((doc_id, doc) for doc_id, doc in loads(payload)["w"])
        pos += _HEADER.size + length


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
