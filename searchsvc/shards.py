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
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from .errors import InvalidParameter
from .request import SearchRequest
from .results import FacetBucket, Hit, SearchResult, WriteSummary
from .scoring import CollectionStatistics
from .settings import Settings

T = TypeVar("T")

#: What a shard is asked for per facet: every value, so that the sums are exact.
ALL_VALUES = 1 << 30


class Shard(Protocol):
    """What the sharded engine needs of each shard: a search engine's methods."""

    def add(self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> WriteSummary: ...
    def delete(self, ids: Iterable[str] | str) -> int: ...
    def commit(self) -> None: ...
    def get(self, doc_id: str) -> dict[str, Any]: ...
    def __len__(self) -> int: ...
    def statistics(self, request: SearchRequest) -> CollectionStatistics: ...
    def run(self, request: SearchRequest, statistics: CollectionStatistics | None = None) -> SearchResult: ...


def shard_of(doc_id: str, shards: int) -> int:
    """The shard a document id belongs to: the same on every machine and Python run."""
    return zlib.crc32(doc_id.encode("utf-8")) % shards


class ShardedEngine:
    """A search engine whose documents are spread over ``shards`` by id."""

    def __init__(self, shards: Sequence[Shard], settings: Settings | None = None) -> None:
        if not shards:
            raise ValueError("a sharded engine needs at least one shard")
        self.shards = list(shards)
        self.settings = settings or Settings()
        self._pool = ThreadPoolExecutor(max_workers=len(self.shards), thread_name_prefix="searchsvc-shard")

    # -- writing and reading documents ---------------------------------------

    def add(self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> WriteSummary:
        """Add or replace documents, each on the shard its id belongs to."""
        batch = [docs] if isinstance(docs, Mapping) else list(docs)
        summary = WriteSummary()
        for shard, part in self._by_shard(
            batch, lambda doc: doc.get("id") if isinstance(doc, Mapping) else None
        ):
            summary.merge(shard.add(part))
        return summary

    def delete(self, ids: Iterable[str] | str) -> int:
        wanted = [ids] if isinstance(ids, str) else list(ids)
        return sum(shard.delete(part) for shard, part in self._by_shard(wanted, lambda doc_id: doc_id))

    def _by_shard(self, items: list[T], id_of: Callable[[T], Any]) -> list[tuple[Shard, list[T]]]:
        """``items`` grouped by the shard their id belongs to, for the shards that get any.

        An item without a string id goes to the first shard, which refuses it with its reason.
        """
        parts: list[list[T]] = [[] for _ in self.shards]
        for item in items:
            doc_id = id_of(item)
            parts[shard_of(doc_id, len(self.shards)) if isinstance(doc_id, str) else 0].append(item)
        return [(shard, part) for shard, part in zip(self.shards, parts, strict=True) if part]

    def commit(self) -> None:
        for shard in self.shards:
            shard.commit()

    def get(self, doc_id: str) -> dict[str, Any]:
        return self.shards[shard_of(doc_id, len(self.shards))].get(doc_id)

    def __len__(self) -> int:
        return sum(len(shard) for shard in self.shards)

    # -- searching -----------------------------------------------------------

    def _each(self, call: Callable[[Shard], T]) -> list[T]:
        """``call`` on every shard at once, the answers in shard order.

        A remote shard's call mostly waits on the network, so the shards are
        asked together: a search waits for the slowest shard, not for all in turn.
        """
        if len(self.shards) == 1:
            return [call(self.shards[0])]
        return list(self._pool.map(call, self.shards))

    def close(self) -> None:
        """Stop the threads that ask the shards; the shards themselves are their owner's to close."""
        self._pool.shutdown(wait=False)

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
        statistics = sum(self._each(lambda shard: shard.statistics(request)), CollectionStatistics())
        # Each shard's best hits up to the end of the page, and all its facet values.
        page = dataclasses.replace(
            request, offset=0, limit=request.offset + request.limit, facet_size=ALL_VALUES
        )
        results = self._each(lambda shard: shard.run(page, statistics))
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
        )


def _order(request: SearchRequest) -> Any:
    """The merge's sort key: the request's order, then the id, so ties never depend on the shards."""
    if request.sort_field == "relevance" and request.q not in ("", "*"):
        return lambda hit: (-(hit.score or 0.0), hit.id)
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
