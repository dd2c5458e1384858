"""Staging and committing writes: documents and deletions wait here until a commit.

:class:`Staging` checks each document as it is added, keeps the latest
version of each id, and writes them all in one commit. With a write log
(:mod:`searchsvc.wal`), a write returns only once it is logged: a crash
before the commit loses nothing acknowledged, because the next process to
open the index commits what the log holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .analysis import VariantSource
from .analysis.languages import analysis_language, detect_language
from .documents import TEXT_FIELDS, normalize_document
from .errors import IndexLocked, InvalidInput
from .pool import SearcherPool
from .results import Rejection, WriteSummary
from .settings import Settings
from .store.generations import IndexStore
from .store.schema import to_index_fields
from .store.writer import writing
from .wal import FOLDER as WAL_FOLDER
from .wal import JOURNAL, Write, WriteLog, encode, journal

#: What a write replaced in ``pending``, to put back if it cannot be logged:
#: the id, whether it was pending, and its pending value.
_Undo = list[tuple[str, bool, "dict[str, Any] | None"]]


class Staging:
    """Writes accepted and not yet committed, by id: a document, or None for a deletion."""

    def __init__(
        self,
        pool: SearcherPool,
        store: IndexStore,
        settings: Settings,
        variants: VariantSource | None,
        log: WriteLog | None = None,
    ) -> None:
        self._pool = pool
        self._store = store
        self._settings = settings
        self._variants = variants
        self._log = log
        self._pending: dict[str, dict[str, Any] | None] = {}
        #: The writes of the commit under way: a real-time get still finds them here.
        self._committing: dict[str, dict[str, Any] | None] = {}
        #: Writes not yet known to be logged, by record number: what to undo if logging fails.
        self._unlogged: dict[int, _Undo] = {}
        #: The record that last wrote each pending id: an undo touches only its own writes.
        self._writer_of: dict[str, int] = {}
        self._lock = threading.Lock()
        #: One commit at a time; writes and gets go on meanwhile under ``_lock``.
        self._commit_lock = threading.Lock()
        #: The number of the last record staged.
        self._last_number = 0
        #: When this process last committed, as ``time.time()``.
        self.last_commit: float | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def accept(self, raw: Any, summary: WriteSummary, strict: bool) -> dict[str, Any] | None:
        """``raw`` in canonical form, or None with the rejection counted in ``summary``."""
        try:
            return normalize_document(raw, max_field_length=self._settings.max_field_length)
        except InvalidInput as exc:
            if strict:
                raise
            raw_id = raw.get("id") if isinstance(raw, Mapping) else None
            summary.rejected += 1
            summary.rejections.append(Rejection(exc.message, str(raw_id) if raw_id is not None else None))
            return None

    def add(self, docs: Iterable[Any], *, strict: bool = False) -> WriteSummary:
        summary = WriteSummary()
        staged = [doc for doc in (self.accept(raw, summary, strict) for raw in docs) if doc is not None]
        if not staged:
            return summary
        existing = self._existing([d["id"] for d in staged])
        with self._lock:
            seen: set[str] = set()
            for doc in staged:
                doc_id = doc["id"]
                if doc_id in seen or self._is_live(doc_id, existing):
                    summary.updated += 1
                else:
                    summary.added += 1
                seen.add(doc_id)
        self._stage([(doc["id"], doc) for doc in staged])
        return summary

    def delete(self, ids: list[str]) -> int:
        existing = self._existing(ids)
        with self._lock:
            found = sum(1 for doc_id in dict.fromkeys(ids) if self._is_live(doc_id, existing))
        self._stage([(doc_id, None) for doc_id in ids])
        return found

    def _is_live(self, doc_id: str, committed: set[str]) -> bool:
        """Whether a real-time get finds ``doc_id``: its latest write, pending or being
        committed, decides; else whether ``committed`` holds it. The caller holds the lock."""
        for staged in (self._pending, self._committing):
            if doc_id in staged:
                return staged[doc_id] is not None
        return doc_id in committed

    def _stage(self, writes: list[Write]) -> None:
        """Make ``writes`` pending, and return once they are logged (when there is a log)."""
        # Encoded before anything changes: a write that cannot be logged leaves no trace.
        record = encode(writes) if self._log is not None else b""
        with self._lock:
            undo: _Undo = [(i, i in self._pending, self._pending.get(i)) for i, _doc in writes]
            for doc_id, doc in writes:
                self._pending[doc_id] = doc
            if self._log is None:
                return
            # Logged in the order they become pending, under the same lock: the
            # log replays writes to one id in the order they were answered.
            number = self._log.enqueue(record)
            self._last_number = number
            self._unlogged[number] = undo
            for doc_id, _doc in writes:
                self._writer_of[doc_id] = number
        try:
            self._log.wait(number)
        except BaseException:
            with self._lock:
                self._undo(number)
                self._log.clear_failure(number)
            raise
        with self._lock:
            self._unlogged.pop(number, None)

    def _undo(self, number: int) -> None:
        """Take back the writes of a record that could not be logged. The caller holds the lock."""
        undo = self._unlogged.pop(number, None)
        for doc_id, was_pending, value in reversed(undo or []):
            if self._writer_of.get(doc_id) != number:
                continue  # a later write to this id stands
            del self._writer_of[doc_id]
            if was_pending:
                self._pending[doc_id] = value
            else:
                self._pending.pop(doc_id, None)

    def get(self, doc_id: str) -> tuple[bool, dict[str, Any] | None]:
        """Whether ``doc_id`` has a pending write, and its document (None: deleted)."""
        with self._lock:
            for staged in (self._pending, self._committing):
                if doc_id in staged:
                    return True, staged[doc_id]
            return False, None

    def _existing(self, ids: list[str]) -> set[str]:
        with self._pool.snapshot() as snapshot:
            return snapshot.existing(ids)

    def commit(self) -> None:
        """Write every staged document and deletion in one commit.

        Writes keep coming meanwhile: they are staged for the next commit.
        """
        with self._commit_lock:
            with self._lock:
                log = self._log
                if log is not None:
                    # Writes whose logging failed are undone before anything is committed.
                    for number in log.failed():
                        self._undo(number)
                        log.clear_failure(number)
                if not self._pending:
                    return
                # Out of `pending` before the writer commits: a search may see the
                # commit the moment it lands, and must not see it still pending.
                pending, self._pending = self._pending, {}
                self._committing = pending
                last = self._last_number
                try:
                    # The log file before this point holds exactly these writes.
                    written = log.rotate() if log is not None else None
                except BaseException:
                    self._restore(pending)
                    raise
            try:
                self._write(pending)
                if log is not None:
                    # The commit must be on disk before the log that held it goes.
                    self._store.sync()
            except BaseException:
                # Nothing was written: the writes stay staged (and logged) for the next commit.
                with self._lock:
                    self._restore(pending)
                if written is not None and log is not None:
                    log.retain(written)
                raise
            with self._lock:
                self._committing = {}
                for doc_id in [i for i, n in self._writer_of.items() if n <= last]:
                    del self._writer_of[doc_id]
            if written is not None and log is not None:
                log.release(written)
            self.last_commit = time.time()
        self._pool.committed()

    def discard(self) -> int:
        """Drop every staged write (and, with a log, its records): after a commit that could
        not be made, for a writer that gives up rather than let a later commit apply what it
        reported as failed. Returns how many writes were dropped."""
        with self._commit_lock, self._lock:
            dropped = len(self._pending)
            self._pending = {}
            self._writer_of.clear()
            if self._log is not None:
                for number in self._log.failed():
                    self._log.clear_failure(number)
                self._unlogged.clear()
                # Every file so far holds only writes now dropped.
                self._log.release(self._log.rotate())
        return dropped

    def _write(self, pending: dict[str, dict[str, Any] | None]) -> None:
        """Commit ``pending`` to the active generation, whichever process swapped it in."""
        for _attempt in range(3):
            ix = self._pool.current_index()
            with writing(ix, "write to the index", timeout=self._settings.lock_timeout) as writes:
                if not self._pool.is_current(ix):
                    # A rebuild swapped generations while this waited for the lock.
                    writes.cancel()
                    continue
                writes.apply(pending, self.index_fields)
                if self._store.rebuild_in_progress() and self._store.path is not None:
                    # Still under the index's lock: the rebuild reads the journal
                    # only once it holds that lock itself.
                    journal(self._store.path / WAL_FOLDER / JOURNAL, pending)
            return
        raise IndexLocked("cannot commit: the index was swapped again and again meanwhile; try again")

    def _restore(self, pending: dict[str, dict[str, Any] | None]) -> None:
        """Stage again the writes of a commit that failed; newer writes win. The caller holds the lock."""
        self._pending = {**pending, **self._pending}
        self._committing = {}

    def stop_logging(self) -> None:
        """Stage later writes without a log (after a recovery by an engine that keeps none)."""
        with self._lock:
            self._log = None

    def recover(self) -> int:
        """Stage the logged writes of processes that are gone, and commit them; how many."""
        log = self._log
        if log is None:
            return 0
        count = 0
        for orphan, writes in log.orphans():
            if writes:
                # Logged again as this process's before the orphan's file goes.
                self._stage(writes)
                count += len(writes)
            log.forget(orphan)
        if count:
            self.commit()
        return count

    def index_fields(self, doc: dict[str, Any]) -> dict[str, Any]:
        """A canonical document as index fields, with the places its text names and, when
        it does not say its language, the one detected from its text."""
        text = text_of(doc)
        detected = None if doc.get("lang") else detect_language(text)
        language = analysis_language(doc.get("lang") or detected)
        places: list[str] = []
        if self._variants is not None:
            # A language's own spellings and case forms count when the source reads them.
            read_in = getattr(self._variants, "places_in", None)
            places = read_in(text, language) if read_in is not None else self._variants.places(text)
        return to_index_fields(doc, places, detected)


def text_of(doc: Mapping[str, Any]) -> str:
    """The text fields of ``doc`` as one text, in which places are looked for."""
    return "\n".join(str(doc.get(name) or "") for name in TEXT_FIELDS)
