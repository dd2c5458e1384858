"""One index split into shards, searched as one: routing, scatter and gather, merging.

:class:`ShardedEngine` has :class:`~searchsvc.engine.SearchEngine`'s methods over
several shards, each anything with those methods: an engine of its own folder
here, a remote actor holding one elsewhere. A document lives on the shard its
id hashes to, so writes and gets go to that shard alone. A search scatters to
every shard and gathers:

- scores: each shard scores with the statistics of all of them added up
  (:meth:`SearchEngine.statistics`), so a document scores as in one index;
- totals and facet counts: each shard counts all its values, and the counts
  are added, so both are exact;
- hits: each shard returns its best ``offset + limit`` and the merge keeps the
  best of those, ties going by id, so the order does not depend on the number
  of shards. Each shard highlights its own hits.

A shard that does not answer leaves the others' answer, which says so in
``shards`` (its ``failed`` count), unless the ``partial_results`` setting is
off; then, as when no shard answers, the search is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import os
import queue
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .analysis import VariantSource
from .documents import normalize_document
from .errors import (
    EmptyRebuild,
    EngineClosed,
    IndexLayoutMismatch,
    IndexNotFound,
    InvalidInput,
    InvalidParameter,
    ShardUnavailable,
    StatisticsMismatch,
)
from .request import SearchRequest
from .results import Export, FacetBucket, Hit, SearchResult, ShardCounts, WriteSummary
from .scoring import CollectionStatistics
from .settings import Settings
from .store.backup import SnapshotReport, snapshot_shards
from .store.layout import FolderUse, NewSet, holds_one_index, recorded_shards, shard_folders

T = TypeVar("T")
R = TypeVar("R")

#: What a shard is asked for per facet: every value, so that the sums are exact.
ALL_VALUES = 1 << 30
#: Times a search gathers statistics and runs again when a shard's index changed in between.
SEARCH_ATTEMPTS = 3


class Documents(Protocol):
    """The documents of an index, written and read: what one engine, a sharded engine
    and each of its shards all have (see :class:`~searchsvc.engine.Engine` and :class:`Shard`)."""

    def add(
        self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any], *, strict: bool = False
    ) -> WriteSummary: ...
    def delete(self, ids: Iterable[str] | str) -> int: ...
    def commit(self) -> None: ...
    def discard(self) -> int: ...
    def locked(self) -> bool: ...
    def bulk_index(
        self, docs: Iterable[Mapping[str, Any]], *, batch: int = 5000, strict: bool = False
    ) -> WriteSummary: ...
    @property
    def pending(self) -> int: ...
    def get(self, doc_id: str) -> dict[str, Any]: ...
    def export(self) -> Export: ...
    def __len__(self) -> int: ...
    def stats(self) -> dict[str, Any]: ...


class Shard(Documents, Protocol):
    """What the sharded engine needs of each shard: its documents, and searches scored
    with the statistics of all the shards.

    A shard that cannot answer raises :class:`~searchsvc.errors.ShardUnavailable`;
    a search then answers from the others, or refuses, as the settings say.
    """

    def statistics(self, request: SearchRequest) -> CollectionStatistics: ...
    def run(self, request: SearchRequest, statistics: CollectionStatistics | None = None) -> SearchResult: ...


def shard_of(doc_id: str, shards: int) -> int:
    """The shard a document id belongs to: the same on every machine and Python run."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards


class ShardedEngine:
    """A search engine whose documents are spread over ``shards`` by id.

    :param on_close: called by :meth:`close`, by whoever made the shards and
        must stop them (:func:`searchsvc.cluster.start` does).
    """

    def __init__(
        self,
        shards: Sequence[Shard],
        settings: Settings | None = None,
        *,
        on_close: Callable[[], None] | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        if not shards:
            raise ValueError("a sharded engine needs at least one shard")
        self.shards = list(shards)
        #: The folder of shards, where this process can read it: what snapshots copy.
        self.path = path
        self.settings = settings or Settings()
        self._on_close = on_close
        self._closed = False
        self._variants: VariantSource | None | bool = False  # loaded when first asked for
        self._pool = ThreadPoolExecutor(max_workers=len(self.shards), thread_name_prefix="searchsvc-shard")

    # -- writing and reading documents ---------------------------------------

    def add(
        self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any], *, strict: bool = False
    ) -> WriteSummary:
        """Add or replace documents, each on the shard its id belongs to; the shards write at once.

        With ``strict``, an invalid document raises :class:`~searchsvc.errors.InvalidDocument`
        before any shard is written to.
        """
        batch = [docs] if isinstance(docs, Mapping) else list(docs)
        if strict:
            for doc in batch:
                normalize_document(doc, max_field_length=self.settings.max_field_length)
        summary = WriteSummary()
        groups = self._by_shard(batch, lambda doc: doc.get("id") if isinstance(doc, Mapping) else None)
        for part in self._together(groups, lambda shard, part: shard.add(part)):
            summary.merge(part)
        return summary

    def delete(self, ids: Iterable[str] | str) -> int:
        wanted = [ids] if isinstance(ids, str) else list(ids)
        groups = self._by_shard(wanted, lambda doc_id: doc_id)
        return sum(self._together(groups, lambda shard, part: shard.delete(part)))

    def _by_shard(self, items: list[T], id_of: Callable[[T], Any]) -> list[tuple[Shard, list[T]]]:
        """``items`` grouped by the shard their id belongs to, for the shards that get any.

        An item without a string id goes to the first shard, which refuses it with its reason.
        """
        parts: list[list[T]] = [[] for _ in self.shards]
        for item in items:
            doc_id = id_of(item)
            parts[shard_of(doc_id, len(self.shards)) if isinstance(doc_id, str) else 0].append(item)
        return [(shard, part) for shard, part in zip(self.shards, parts, strict=True) if part]

    def _together(self, groups: list[tuple[Shard, list[T]]], call: Callable[[Shard, list[T]], R]) -> list[R]:
        self._check_open()
        if len(groups) == 1:
            return [call(*groups[0])]
        return list(self._pool.map(lambda group: call(*group), groups))

    def commit(self) -> None:
        self._each(lambda shard: shard.commit())

    def discard(self) -> int:
        """Drop every shard's staged writes; how many there were."""
        return sum(self._each(lambda shard: shard.discard()))

    def locked(self) -> bool:
        """Whether another writer holds any shard's write lock now."""
        return any(self._each(lambda shard: shard.locked()))

    def bulk_index(
        self, docs: Iterable[Mapping[str, Any]], *, batch: int = 5000, strict: bool = False
    ) -> WriteSummary:
        """Add many documents, each shard loading its share at the same time, as its own
        ``bulk_index`` does (into an empty shard: analysed and written by processes of its own).

        With ``strict``, the first invalid document stops every shard: a shard that was
        empty stays empty, and one that was not keeps the batches it committed.
        """
        self._check_open()
        feeds = [_Feed() for _ in self.shards]

        def load(number: int) -> WriteSummary:
            return self.shards[number].bulk_index(feeds[number].documents(), batch=batch, strict=strict)

        loading = [self._pool.submit(load, number) for number in range(len(self.shards))]
        try:
            for doc in docs:
                if strict:
                    normalize_document(doc, max_field_length=self.settings.max_field_length)
                doc_id = doc.get("id") if isinstance(doc, Mapping) else None
                number = shard_of(doc_id, len(self.shards)) if isinstance(doc_id, str) else 0
                feeds[number].put(doc, loading[number])
            for feed, future in zip(feeds, loading, strict=True):
                feed.close(future)
        except BaseException:
            for feed in feeds:
                feed.abort()
            for future in loading:
                future.exception()  # wait until each shard has dropped its unfinished load
            raise
        summary = WriteSummary()
        for future in loading:
            summary.merge(future.result())
        return summary

    @property
    def pending(self) -> int:
        """Writes accepted by the shards and not yet committed."""
        return sum(self._each(lambda shard: shard.pending))

    def get(self, doc_id: str) -> dict[str, Any]:
        self._check_open()
        return self.shards[shard_of(doc_id, len(self.shards))].get(doc_id)

    def __len__(self) -> int:
        return sum(self._each(len))

    def export(self) -> Export:
        """Every committed document of every shard, in the order of their ids; counted when
        every shard's count is known."""
        self._check_open()
        exports = [shard.export() for shard in self.shards]
        counts = [export.count for export in exports]
        total = None if None in counts else sum(c for c in counts if c is not None)
        return Export(heapq.merge(*exports, key=lambda doc: str(doc["id"])), total)

    def snapshot(self, dest: str | os.PathLike[str]) -> SnapshotReport:
        """Copy every shard's latest commit into the new folder ``dest``, which then opens as a
        folder of as many shards. Every shard's commits wait while the files are linked (or,
        on another file system, opened), so the copy holds them all as at one moment."""
        self._check_open()
        if self.path is None:
            raise InvalidInput("these shards have no folder here to take a snapshot of")
        return snapshot_shards(self.path, dest)

    def stats(self) -> dict[str, Any]:
        """As :meth:`SearchEngine.stats <searchsvc.engine.SearchEngine.stats>` for the whole index,
        with each shard's own under ``shards``."""
        parts = self._each(lambda shard: shard.stats())
        commits = [part["last_commit"] for part in parts if part.get("last_commit")]
        # Where a shard's processes run, when they run elsewhere (searchsvc.cluster says).
        nodes = {
            process["node"]
            for part in parts
            for process in [part.get("writer"), *part.get("replicas", [])]
            if process and process.get("node")
        }
        return {
            "documents": sum(part["documents"] for part in parts),
            "segments": sum(part["segments"] for part in parts),
            "pending_writes": sum(part["pending_writes"] for part in parts),
            "size_bytes": sum(part["size_bytes"] for part in parts),
            "last_commit": max(commits) if commits else None,
            "format_version": parts[0]["format_version"],
            "generation": None,
            "shards": [{"shard": number, **part} for number, part in enumerate(parts)],
            **({"nodes": len(nodes)} if nodes else {}),
        }

    @property
    def variants(self) -> VariantSource | None:
        """The variant spellings the shards match, for callers that name places (the search page)."""
        if self._variants is False:
            from .analysis.variants import load_variants

            self._variants = load_variants(self.settings.variants_file)
        assert not isinstance(self._variants, bool)
        return self._variants

    # -- searching -----------------------------------------------------------

    def _each(self, call: Callable[[Shard], T]) -> list[T]:
        """``call`` on every shard at once, the answers in shard order.

        A remote shard's call mostly waits on the network, so the shards are
        asked together: a search waits for the slowest shard, not for all in turn.
        """
        self._check_open()
        if len(self.shards) == 1:
            return [call(self.shards[0])]
        return list(self._pool.map(call, self.shards))

    def _each_that_answers(self, call: Callable[[Shard], T], asked: list[int]) -> dict[int, T]:
        """``call`` on the shards numbered ``asked``, at once: the answers of those that gave one."""

        def answer(number: int) -> T | ShardUnavailable:
            try:
                return call(self.shards[number])
            except ShardUnavailable as exc:
                return exc

        self._check_open()
        answers = dict(zip(asked, self._pool.map(answer, asked), strict=True))
        found = {n: a for n, a in answers.items() if not isinstance(a, ShardUnavailable)}
        failed = [a for a in answers.values() if isinstance(a, ShardUnavailable)]
        if failed and (not found or not self.settings.partial_results):
            raise ShardUnavailable(
                f"{len(self.shards) - len(found)} of {len(self.shards)} shards did not answer: "
                f"{failed[0].message}"
            )
        return found

    def _scored_with_all_statistics(
        self, request: SearchRequest, page: SearchRequest
    ) -> dict[int, SearchResult]:
        """``page`` run by every shard that answers, scored with the statistics of them all."""
        gathered = self._each_that_answers(
            lambda shard: shard.statistics(request), list(range(len(self.shards)))
        )
        statistics = sum(gathered.values(), CollectionStatistics())
        return self._each_that_answers(lambda shard: shard.run(page, statistics), sorted(gathered))

    def _check_open(self) -> None:
        if self._closed:
            raise EngineClosed("the engine is closed")

    def close(self) -> None:
        """Stop asking the shards; shards made by someone else are theirs to close, through ``on_close``."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=False)
        if self._on_close is not None:
            self._on_close()

    def __enter__(self) -> ShardedEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(self, q: str | None = "", **params: Any) -> SearchResult:
        """As :meth:`SearchEngine.search <searchsvc.engine.SearchEngine.search>`, over every shard."""
        return self.run(SearchRequest.create(q, settings=self.settings, **params))

    def run(self, request: SearchRequest) -> SearchResult:
        for name in ("feedback", "recency", "collapse"):
            if getattr(request, name):
                # Each needs the collection as a whole (its best hits, its newest
                # article, its copies), which no one shard has.
                raise InvalidParameter(f"{name} is not available across shards yet")
        # Each shard's best hits up to the end of the page, and all its facet values.
        page = dataclasses.replace(
            request, offset=0, limit=request.offset + request.limit, facet_size=ALL_VALUES
        )
        for attempt in range(SEARCH_ATTEMPTS):
            try:
                answered = self._scored_with_all_statistics(request, page)
                break
            except StatisticsMismatch:
                # A commit between the two calls (or a replica a commit behind another)
                # made the query reach a term the statistics lack: gather them again.
                if attempt + 1 == SEARCH_ATTEMPTS:
                    raise
        results = list(answered.values())
        hits = sorted((hit for result in results for hit in result.hits), key=_order(request))
        facets: dict[str, list[FacetBucket]] = {}
        truncated: dict[str, bool] = {}
        for name in request.facets:
            facets[name], truncated[name] = _merged_facet(
                name, [r.facets.get(name, []) for r in results], request
            )
        return SearchResult(
            request.q,
            sum(result.total for result in results),
            request.limit,
            request.offset,
            round(max(result.took_ms for result in results), 3),
            hits[request.offset : request.offset + request.limit],
            facets,
            truncated,
            shards=ShardCounts(len(self.shards), len(results), len(self.shards) - len(results)),
        )


class _Feed:
    """Documents handed from the thread that reads them to the thread that loads one shard."""

    CHUNK = 500

    def __init__(self) -> None:
        self._chunks: queue.Queue[list[Any] | BaseException | None] = queue.Queue(maxsize=8)
        self._chunk: list[Any] = []

    def put(self, doc: Any, loading: Future[Any]) -> None:
        self._chunk.append(doc)
        if len(self._chunk) >= self.CHUNK:
            self._send(self._chunk, loading)
            self._chunk = []

    def close(self, loading: Future[Any]) -> None:
        """No more documents: the shard's load ends once it has the last ones."""
        if self._chunk:
            self._send(self._chunk, loading)
        self._send(None, loading)

    def abort(self) -> None:
        """Make the shard's load fail, so that it keeps nothing unfinished."""
        while True:
            try:
                self._chunks.put(_Aborted("the documents' reader failed"), timeout=0.1)
                return
            except queue.Full:
                # The loader is gone or slow: chunks it has not read yet no longer matter.
                with contextlib.suppress(queue.Empty):
                    self._chunks.get_nowait()

    def _send(self, item: list[Any] | None, loading: Future[Any]) -> None:
        while True:
            if loading.done():
                loading.result()  # the shard's load failed: its error is the reason
                raise RuntimeError("a shard stopped loading before its documents ended")
            try:
                self._chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def documents(self) -> Iterator[Any]:
        while True:
            item = self._chunks.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield from item


class _Aborted(Exception):
    """The documents' reader failed: a shard's load stops without keeping what it had."""


def open_shards(
    path: str | os.PathLike[str],
    shards: int,
    *,
    settings: Settings | None = None,
    create: bool = True,
) -> ShardedEngine:
    """The shards of the folder ``path``, each an engine in this process (no cluster): for
    commands that index, search or count a folder of shards in one process.

    Without ``create``, a folder that is not split into shards raises
    :class:`~searchsvc.errors.IndexNotFound`, and nothing is made.
    """
    if not create and recorded_shards(Path(path)) is None:
        if holds_one_index(Path(path)):
            raise IndexLayoutMismatch(
                f"the folder {Path(path).name!r} holds one index, not {shards} shards: open it without "
                "--shards (or SEARCHSVC_SHARDS)"
            )
        raise IndexNotFound(f"no index split into shards in {os.fspath(path)!r}")
    use = FolderUse(path)
    try:
        engines = _engines(shard_folders(path, shards), settings or Settings(), create=create)
    except BaseException:
        use.close()
        raise

    def close() -> None:
        try:
            for engine in engines:
                engine.close()
        finally:
            use.close()

    return ShardedEngine(engines, settings, on_close=close, path=path)


def _engines(folders: list[Path], settings: Settings, *, create: bool = True) -> list[Any]:
    """An engine over each of ``folders``, sharing one copy of the gazetteer."""
    from .engine import SearchEngine  # the engine names this module's class in its own API

    # Each shard loads its share with its own processes: together, one per core.
    procs = max(1, (os.cpu_count() or 1) // len(folders))
    engines = [SearchEngine(folders[0], settings=settings, create=create, procs=procs)]
    try:
        for folder in folders[1:]:
            engines.append(
                SearchEngine(
                    folder, settings=settings, variants=engines[0].variants, create=create, procs=procs
                )
            )
    except BaseException:
        for engine in engines:
            engine.close()
        raise
    return engines


def rebuild_shards(
    path: str | os.PathLike[str],
    shards: int,
    docs: Iterable[Mapping[str, Any]],
    *,
    settings: Settings | None = None,
    strict: bool = False,
    allow_empty: bool = False,
) -> WriteSummary:
    """Replace every shard of the folder ``path`` with ``docs``, split into ``shards`` (which may
    differ from the folder's number until now), in one swap.

    The new shards are built beside the live ones, each loading its share at the
    same time, and become live together; if anything fails, the live ones stay as
    they were. The folder must not be in use: a server or command using it would
    keep answering from, or writing to, the shards replaced.
    """
    settings = settings or Settings()
    with contextlib.closing(FolderUse(path, alone=True)):
        built = NewSet(path, shards)
        try:
            engines = _engines(built.folders, settings)
            try:
                with ShardedEngine(engines, settings) as new:
                    summary = new.bulk_index(docs, strict=strict)
            finally:
                for engine in engines:
                    engine.close()
            if not summary.accepted and not allow_empty:
                raise EmptyRebuild.with_rejected(summary.rejected)
            built.swap()
        except BaseException:
            built.discard()
            raise
    return summary


def _order(request: SearchRequest) -> Any:
    """The merge's sort key: the request's order, then the id, so ties never depend on the shards."""
    if request.sort_field == "relevance" and request.q not in ("", "*"):
        return lambda hit: (-(hit.exact_score if hit.exact_score is not None else hit.score or 0.0), hit.id)
    field = "date" if request.sort_field == "relevance" else request.sort_field

    def key(hit: Hit) -> tuple[bool, Any, str]:
        value = hit.document.get(field)
        if value is None:
            return (True, "", hit.id)  # documents without a value come last
        text = value.casefold() if isinstance(value, str) and field != "date" else str(value)
        return (False, _Reversed(text) if request.descending else text, hit.id)

    return key


class _Reversed:
    """A value that sorts in the opposite order, for descending sorts on strings."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value


def _merged_facet(
    name: str, parts: list[list[FacetBucket]], request: SearchRequest
) -> tuple[list[FacetBucket], bool]:
    counts: dict[str, int] = {}
    selected: dict[str, bool] = {}
    for buckets in parts:
        for bucket in buckets:
            counts[bucket.value] = counts.get(bucket.value, 0) + bucket.count
            selected[bucket.value] = selected.get(bucket.value, False) or bucket.selected
    buckets = [FacetBucket(value, count, selected[value]) for value, count in counts.items()]
    shown_count = sum(1 for b in buckets if b.count)
    if name == "date":
        busiest = sorted(buckets, key=lambda b: (-b.count, b.value))[: request.facet_size]
        return sorted(busiest, key=lambda b: b.value), shown_count > request.facet_size
    buckets.sort(key=lambda b: (-b.count, b.value))
    shown = buckets[: request.facet_size] + [b for b in buckets[request.facet_size :] if b.selected]
    return shown, shown_count > request.facet_size
