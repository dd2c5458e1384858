"""The embedding API: :class:`SearchEngine`, the one object everything else adapts.

``SearchEngine(path)`` works on an index folder; ``SearchEngine.in_memory()``
keeps everything in memory. Writes are staged and become visible at
:meth:`SearchEngine.commit`. Many threads may search while one writes.

The engine is a façade over collaborators that each have one job: the
searcher pool (:mod:`~searchsvc.pool`), staging and committing writes
(:mod:`~searchsvc.staging`), rebuilds (:mod:`~searchsvc.rebuild`), query
building (:mod:`~searchsvc.querying`) and execution
(:mod:`~searchsvc.execution`). The index itself is :mod:`searchsvc.store`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from .analysis import NewsAnalyzer, VariantSource
from .errors import (
    EngineClosed,
    IndexNotWritable,
    InvalidDocument,
    InvalidInput,
    NotFound,
    SearchsvcError,
    StorageFull,
)
from .execution import Executor
from .feedback import Feedback
from .pool import SearcherPool
from .querying import QueryBuilder
from .rebuild import Rebuilder
from .request import SearchRequest
from .results import Export, Rejection, SearchResult, WriteSummary
from .scoring import BM25, CollectionStatistics
from .settings import Settings
from .shards import Documents, ShardedEngine
from .staging import Staging
from .store.backup import SnapshotReport, take_snapshot
from .store.generations import FORMAT_VERSION, IndexStore
from .store.integrity import IndexCheck, check_index, verify_snapshot
from .store.schema import build_schema
from .suggest import FEW_HITS, Speller
from .wal import FOLDER as WAL_FOLDER
from .wal import WriteLog, has_orphans

LOG = logging.getLogger("searchsvc.engine")

#: ``variants="default"``: load the shipped gazetteer (and the settings' variants file).
DEFAULT_VARIANTS = "default"


class Engine(Documents, Protocol):
    """What the command line and the HTTP server need of an engine: one index
    (:class:`SearchEngine`) or an index split into shards
    (:class:`~searchsvc.shards.ShardedEngine`) alike."""

    settings: Settings

    @property
    def variants(self) -> VariantSource | None: ...
    def snapshot(self, dest: str | os.PathLike[str]) -> SnapshotReport: ...
    def search(self, q: str | None = "", **params: Any) -> SearchResult: ...
    def run(self, request: SearchRequest) -> SearchResult: ...
    def close(self) -> None: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, *exc: object) -> None: ...


class SearchEngine:
    """A search index of news documents, with writing and searching.

    :param path: the index folder (created when missing and ``create`` is true),
        or None for an index in memory.
    :param settings: limits and highlighting defaults; see :mod:`searchsvc.settings`.
    :param variants: a :class:`~searchsvc.analysis.VariantSource` giving variant
        spellings; ``"default"`` loads the shipped gazetteer, None turns variant
        matching off.
    :param procs: processes that analyse and write a rebuild, and the first
        bulk load of an empty index (default: one per CPU).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        variants: VariantSource | str | None = DEFAULT_VARIANTS,
        create: bool = True,
        procs: int | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.path = path
        if isinstance(variants, str):
            if variants != DEFAULT_VARIANTS:
                raise InvalidInput(f"variants must be a variant source, None or {DEFAULT_VARIANTS!r}")
            variants = _load_variants(self.settings.variants_file)
        self.variants: VariantSource | None = variants
        self.analyzer = NewsAnalyzer(variants, variants_file=self.settings.variants_file)
        self.schema = build_schema(self.analyzer)
        self._store = IndexStore(path, self.schema)
        self._pool = SearcherPool(self._store, create=create)
        durability = self.settings.durability or "none"
        self._log = None
        recovery_only = False
        if path is not None:
            log_folder = Path(path) / WAL_FOLDER
            if durability != "none":
                self._log = WriteLog(
                    log_folder, durability=durability, interval=self.settings.durability_interval
                )
            elif has_orphans(log_folder):
                # A process that logged its writes died before committing them: this one
                # commits them, logging them as its own until then, whatever its durability.
                try:
                    self._log = WriteLog(log_folder, durability="request")
                    recovery_only = True
                except (IndexNotWritable, StorageFull) as exc:
                    LOG.warning("cannot commit the writes a stopped process logged: %s", exc.message)
        self._staging = Staging(self._pool, self._store, self.settings, variants, self._log)
        self._staging.last_commit = self._store.last_commit_time()
        self._rebuilder = Rebuilder(
            self._store, self._pool, self._staging, procs=procs or os.cpu_count() or 1
        )
        self._executor = Executor(
            self.analyzer,
            variants,
            QueryBuilder(self.analyzer, variants, self.schema, self.settings),
            BM25(k1=self.settings.bm25_k1, b=self.settings.bm25_b),
            Feedback(
                self.settings.feedback_docs, self.settings.feedback_terms, self.settings.feedback_weight
            ),
        )
        self._speller = Speller(self.analyzer, variants, self._executor)
        self._closed = False
        #: Writes found in the log of a process that stopped without committing them.
        self.recovered = self._staging.recover()
        if recovery_only and self._log is not None:
            self._staging.stop_logging()
            self._log.close()
            self._log = None

    @property
    def pool(self) -> SearcherPool:
        """The snapshots searches read: for tools and tests that look below the engine."""
        return self._pool

    @property
    def executor(self) -> Executor:
        """What runs searches, with its caches: for tools and tests that look below the engine."""
        return self._executor

    @classmethod
    def in_memory(
        cls, *, settings: Settings | None = None, variants: VariantSource | str | None = DEFAULT_VARIANTS
    ) -> SearchEngine:
        """An engine whose index lives in memory: for tests and embedding."""
        return cls(None, settings=settings, variants=variants)

    @staticmethod
    def cluster(
        path: str | os.PathLike[str],
        *,
        shards: int,
        replicas: int = 1,
        settings: Settings | None = None,
    ) -> ShardedEngine:
        """An index split into ``shards`` on a Ray cluster, each shard with ``replicas`` searchers.

        It has this class's methods for writing, getting and searching (see
        :func:`searchsvc.cluster.start`, and the README's "Shards and replicas"),
        and needs ``pip install 'searchsvc[cluster]'``. Close it to commit and
        stop the shards' processes.
        """
        from .cluster import start

        return start(path, shards, replicas, settings)

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit pending writes and release the index."""
        if self._closed:
            return
        try:
            self.commit()
        finally:
            self._closed = True
            self._pool.close()
            if self._log is not None:
                self._log.close()

    def _check_open(self) -> None:
        if self._closed:
            raise EngineClosed("the search engine is closed")

    # -- writing -----------------------------------------------------------

    def add(
        self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any], *, strict: bool = False
    ) -> WriteSummary:
        """Stage documents; a document whose id exists replaces it at commit.

        Invalid documents are counted and described in the summary (or raise
        :class:`~searchsvc.errors.InvalidDocument` with ``strict``).
        """
        self._check_open()
        return self._staging.add([docs] if isinstance(docs, Mapping) else docs, strict=strict)

    def delete(self, ids: Iterable[str] | str) -> int:
        """Stage deletions by id; returns how many of the ids exist."""
        self._check_open()
        return self._staging.delete([ids] if isinstance(ids, str) else [str(i) for i in ids])

    @property
    def pending(self) -> int:
        """Writes staged and not yet committed."""
        return len(self._staging)

    def commit(self) -> None:
        """Write staged documents and deletions; they are visible to searches after this."""
        self._check_open()
        self._staging.commit()

    def locked(self) -> bool:
        """Whether another writer holds the index's write lock now: a commit would wait for it
        (up to the ``lock_timeout`` setting)."""
        self._check_open()
        return self._store.write_locked(self._pool.current_index())

    def discard(self) -> int:
        """Drop the writes staged since the last commit, logged ones included: for a writer
        that gives up after a commit failed, so that nothing it reported as failed is
        committed later (at :meth:`close`, say). Returns how many were dropped."""
        self._check_open()
        return self._staging.discard()

    def bulk_index(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        procs: int | None = None,
        batch: int = 5000,
        strict: bool = False,
    ) -> WriteSummary:
        """Add many documents, committing every ``batch``.

        Into an empty index the documents are analysed and written by ``procs``
        processes (default: the engine's), as by :meth:`rebuild`.
        """
        self._check_open()
        if len(self) == 0 and not self.pending:
            return self.rebuild(docs, procs=procs, strict=strict, allow_empty=True)
        summary = WriteSummary()
        chunk: list[Mapping[str, Any]] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) >= batch:
                summary.merge(self.add(chunk, strict=strict))
                self.commit()
                chunk = []
        summary.merge(self.add(chunk, strict=strict))
        self.commit()
        return summary

    def rebuild(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        procs: int | None = None,
        strict: bool = False,
        allow_empty: bool = False,
    ) -> WriteSummary:
        """Build a new index from ``docs`` beside the live one, then swap it in atomically.

        Searches keep answering from the old index until the swap. With
        ``procs`` > 1, analysis and writing run in that many processes. When an
        id comes again, its last version wins. With no document accepted it raises
        :class:`~searchsvc.errors.EmptyRebuild` and leaves the index as it was,
        unless ``allow_empty``.
        """
        self._check_open()
        return self._rebuilder.rebuild(docs, procs=procs, strict=strict, allow_empty=allow_empty)

    # -- reading -----------------------------------------------------------

    def get(self, doc_id: str) -> dict[str, Any]:
        """The latest version of document ``doc_id`` written through this engine, pending
        or committed (a real-time get); a pending deletion is not found."""
        self._check_open()
        staged, doc = self._staging.get(doc_id)
        if staged:
            if doc is None:
                raise NotFound(f"no document with id {doc_id!r}")
            return doc
        with self._pool.snapshot() as snapshot:
            docnum = snapshot.document_number(doc_id)
            if docnum is None:
                raise NotFound(f"no document with id {doc_id!r}")
            return snapshot.stored(docnum)

    def __len__(self) -> int:
        self._check_open()
        with self._pool.snapshot() as snapshot:
            return snapshot.doc_count()

    def snapshot(self, dest: str | os.PathLike[str]) -> SnapshotReport:
        """Copy the index's latest commit into the new folder ``dest``, which then opens as an
        index of its own. Commits wait meanwhile, from any process, for as long as it takes to
        hard-link the files (or, on another file system, to open them for copying)."""
        self._check_open()
        if self.path is None:
            raise InvalidInput("an index in memory has no files to take a snapshot of")
        return take_snapshot(self._store, self._pool.current_index(), dest)

    def check(self, *, full: bool = True) -> IndexCheck:
        """Check the index's files, changing nothing (see :func:`searchsvc.check_index`): their
        checksums, and with ``full`` every segment read whole. Damage is listed in ``problems``."""
        self._check_open()
        if self.path is None:
            raise InvalidInput("an index in memory has no files to check")
        return check_index(self.path, full=full, schema=self.schema)

    def export(self, after: str | None = None) -> Export:
        """Every committed document as stored, in the order of their ids (from the first after
        ``after``), all from one commit: what ``add`` takes back to rebuild the index.

        Without ``after``, its ``count`` says how many documents it holds."""
        self._check_open()
        docs = self._export(after)
        # Started here: the commit it reads is taken now, and counted.
        count = next(docs)
        return Export(docs, count)  # type: ignore[arg-type]

    def _export(self, after: str | None) -> Iterator[Any]:
        """The document count of the commit read (None with ``after``), then its documents."""
        with self._pool.snapshot() as snapshot:
            # A backup must not copy silent damage: the files are compared with their
            # checksums before a document is read.
            if after is None:
                verify_snapshot(snapshot)
            yield snapshot.doc_count() if after is None else None
            yield from snapshot.documents_by_id(after)

    def stats(self) -> dict[str, Any]:
        """Document count, segments, size on disk, last commit time and format version."""
        self._check_open()
        with self._pool.snapshot() as snapshot:
            count = snapshot.doc_count()
            # An index that never had a commit reads as one segment that is none.
            segments = sum(1 for part in snapshot.segments() if part.segment is not None)
        last = self._staging.last_commit
        return {
            "documents": count,
            "segments": segments,
            "pending_writes": self.pending,
            "size_bytes": self._store.size_bytes(),
            "last_commit": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last)) if last else None,
            "format_version": FORMAT_VERSION,
            "generation": self._store.current_generation(),
        }

    # -- searching -----------------------------------------------------------

    def search(self, q: str | None = "", **params: Any) -> SearchResult:
        """Search the committed documents.

        ``q`` uses the query language (words AND-ed, ``OR``, ``NOT``/``-``,
        "phrases", ``field:value``, ``prefix*``, ``date:[2024-01-01 TO 2024-02-01]``).
        The other parameters are those of :data:`searchsvc.parameters.SEARCH_PARAMETERS`
        (``filters``, ``facets``, ``sort``, ``limit``, ``offset``, ...), with the
        settings' defaults. Raises a :class:`~searchsvc.errors.InvalidInput` for
        any bad value.
        """
        return self.run(SearchRequest.create(q, settings=self.settings, **params))

    def statistics(self, request: SearchRequest) -> CollectionStatistics:
        """This index's statistics for scoring ``request``: document count, field lengths, and
        the document frequency of each term the request's query scores.

        For an index split into shards: the sum of every shard's statistics,
        given to each shard's :meth:`run`, scores each document as one index
        holding them all would.
        """
        self._check_open()
        with self._pool.snapshot() as snapshot:
            return self._executor.statistics(snapshot, request)

    def run(self, request: SearchRequest, statistics: CollectionStatistics | None = None) -> SearchResult:
        """Run a prepared :class:`SearchRequest`, scored with ``statistics`` when given
        (see :meth:`statistics`).

        A query that finds fewer than :data:`~searchsvc.suggest.FEW_HITS` documents
        gets a ``suggestion`` when a correction of its spelling finds more, unless
        ``statistics`` are given: a shard's few hits say nothing of the whole index's.
        """
        self._check_open()
        with self._pool.snapshot() as snapshot:
            result = self._executor.run(snapshot, request, statistics)
            if result.total >= FEW_HITS or statistics is not None:
                return result
            started = time.perf_counter()
            suggestion = self._speller.suggest(snapshot, request, result.total)
        # The time it took counts: the caller waited for it.
        took = round(result.took_ms + (time.perf_counter() - started) * 1000, 3)
        return dataclasses.replace(result, suggestion=suggestion, took_ms=took)


def _load_variants(user_file: str | None) -> VariantSource | None:
    # Imported here: the gazetteer's module is only needed when variants are on.
    from .analysis.variants import load_variants

    return load_variants(user_file)


__all__ = ["SearchEngine", "WriteSummary", "Rejection", "SearchsvcError", "InvalidDocument"]
