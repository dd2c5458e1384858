"""Rebuilds: a whole new generation of the index, built beside the live one and swapped in.

Searches keep answering from the old generation until the swap, which is
atomic. With more than one process, each analyses and writes its own
segments, and the parent commits them together.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import EmptyRebuild
from .pool import SearcherPool
from .results import WriteSummary
from .staging import Staging
from .store.generations import IndexStore
from .store.writer import parallel_available, write_parallel, writing
from .wal import FOLDER as WAL_FOLDER
from .wal import JOURNAL, journaled

#: Memory each writer may use before it writes a segment, in MiB.
WRITER_MEMORY_MB = 256


class Rebuilder:
    """Builds new generations of one store with ``procs`` processes."""

    def __init__(self, store: IndexStore, pool: SearcherPool, staging: Staging, *, procs: int = 1) -> None:
        self._store = store
        self._pool = pool
        self._staging = staging
        self.procs = max(1, procs)

    def rebuild(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        procs: int | None = None,
        strict: bool = False,
        allow_empty: bool = False,
    ) -> WriteSummary:
        """Index ``docs`` into a new generation and make it the live one.

        When an id comes again, its last version wins. If anything fails, the
        new generation is removed and the live one stays as it was. A rebuild
        that would leave no documents is refused unless ``allow_empty``: it
        would replace the whole index with nothing.
        """
        procs = self.procs if procs is None else max(1, procs)
        with self._store.rebuilding():
            journal_folder = self._journal_folder()
            if journal_folder is not None:
                # What an earlier rebuild that died left behind is not for this one.
                shutil.rmtree(journal_folder, ignore_errors=True)
            summary = self._build(docs, procs, strict, allow_empty, journal_folder)
        self._staging.last_commit = time.time()
        return summary

    def _journal_folder(self) -> Path | None:
        return self._store.path / WAL_FOLDER / JOURNAL if self._store.path is not None else None

    def _build(
        self,
        docs: Iterable[Mapping[str, Any]],
        procs: int,
        strict: bool,
        allow_empty: bool,
        journal_folder: Path | None,
    ) -> WriteSummary:
        summary = WriteSummary()
        name, ix = self._store.create_generation()
        again: dict[str, dict[str, Any] | None] = {}
        staging = self._staging

        def accepted() -> Iterator[dict[str, Any]]:
            seen: set[str] = set()
            for raw in docs:
                doc = staging.accept(raw, summary, strict)
                if doc is None:
                    continue
                doc_id = doc["id"]
                if doc_id in seen:
                    summary.updated += 1
                    again[doc_id] = doc
                    continue
                seen.add(doc_id)
                summary.added += 1
                yield doc

        try:
            # Worker processes write segment files their parent then commits:
            # an index in memory cannot be shared so.
            if procs > 1 and parallel_available() and self._store.path is not None:
                write_parallel(ix, accepted(), staging.index_fields, procs=procs, limitmb=WRITER_MEMORY_MB)
            else:
                with writing(ix, "write the new index", limitmb=WRITER_MEMORY_MB) as writes:
                    for doc in accepted():
                        writes.add(staging.index_fields(doc))
            if again:
                # Whoosh cannot replace what one writer has not committed:
                # replace the first versions of repeated ids now.
                with writing(ix, "write the new index") as writes:
                    writes.apply(again, staging.index_fields)
            if not summary.accepted and not allow_empty:
                raise EmptyRebuild.with_rejected(summary.rejected)
        except BaseException:
            # Whatever failed (the index, or the documents' own source), the
            # live generation stays, and the new one goes.
            self._store.discard(name)
            raise
        # Writes other processes committed to the old generation meanwhile
        # (journaled under its lock, see staging) go into the new one; the
        # old one takes no commit from here to the swap.
        try:
            with self._store.writes_held(self._pool.current_index()):
                if journal_folder is not None and journal_folder.exists():
                    late = journaled(journal_folder)
                    if late:
                        with writing(ix, "write the new index") as writes:
                            writes.apply(late, staging.index_fields)
                self._pool.replace(name, ix)
        except BaseException:
            self._store.discard(name)
            raise
        if journal_folder is not None:
            shutil.rmtree(journal_folder, ignore_errors=True)
        return summary
