"""What searches and writes answer, as the library, the HTTP API and ``--json`` share it.

A search::

    {"query", "total", "limit", "offset", "took_ms",
     "hits": [{"id", "score", "document", "highlights": {"title", "body"},
               "matched" (with explain), "duplicates" (with collapse)}],
     "facets": {"source": [{"value", "count", "selected"}, ...], ...},
     "facets_truncated": {"source": false, ...},
     "suggestion": {"q", "total"} or null,
     "shards": {"total", "successful", "failed"}}

A write: :class:`WriteSummary`, with a :class:`Rejection` for each document refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FacetBucket:
    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass
class Hit:
    id: str
    score: float | None
    document: dict[str, Any]
    highlights: dict[str, Any] | None = None
    matched: list[dict[str, str]] | None = None
    #: With ``collapse``: the ids of the near-duplicate copies folded into this hit.
    duplicates: list[str] | None = None
    #: The score before rounding, which merging the pages of shards orders by
    #: (two scores that round alike still rank as in one index); not shown.
    exact_score: float | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "score": self.score,
            "document": self.document,
            "highlights": self.highlights,
        }
        if self.matched is not None:
            data["matched"] = self.matched
        if self.duplicates is not None:
            data["duplicates"] = self.duplicates
        return data


@dataclass
class Suggestion:
    """A corrected query, offered when a query finds few or no documents: its text and how many it finds."""

    q: str
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"q": self.q, "total": self.total}


@dataclass
class ShardCounts:
    """How many shards a search asked, and how many answered: fewer than all makes a partial answer."""

    total: int = 1
    successful: int = 1
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "successful": self.successful, "failed": self.failed}


@dataclass
class SearchResult:
    query: str
    total: int
    limit: int
    offset: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]]
    #: For each facet asked for: whether it has more values than were returned.
    facets_truncated: dict[str, bool] = field(default_factory=dict)
    #: "Did you mean": a correction of the query that finds more, when it found few.
    suggestion: Suggestion | None = None
    #: The shards asked and those that answered; one index is one shard.
    shards: ShardCounts = field(default_factory=ShardCounts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "took_ms": self.took_ms,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [b.to_dict() for b in buckets] for name, buckets in self.facets.items()},
            "facets_truncated": self.facets_truncated,
            "suggestion": self.suggestion.to_dict() if self.suggestion is not None else None,
            "shards": self.shards.to_dict(),
        }


@dataclass
class Rejection:
    """A document that was not accepted, and why."""

    reason: str
    id: str | None = None
    source: str | None = None
    line: int | None = None
    #: Position in a JSON array, counted from 0.
    index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "source": self.source,
            "line": self.line,
            "index": self.index,
        }


@dataclass
class WriteSummary:
    """What a write did: counts, and the reason for each rejection."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.added + self.updated

    def merge(self, other: WriteSummary) -> None:
        self.added += other.added
        self.updated += other.updated
        self.deleted += other.deleted
        self.rejected += other.rejected
        self.rejections.extend(other.rejections)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "rejected": self.rejected,
            "rejections": [r.to_dict() for r in self.rejections],
        }


class Export(Iterator[dict[str, Any]]):
    """The documents of an export, in the order of their ids, and how many there are.

    ``count`` is known before the first document when the export reads one commit
    (one index, or shards in this process): a reader compares it with what it got.
    It is None when the documents come in pages that may span commits (shards on Ray).
    """

    def __init__(self, docs: Iterator[dict[str, Any]], count: int | None) -> None:
        self._docs = docs
        self.count = count

    def __next__(self) -> dict[str, Any]:
        return next(self._docs)

    def close(self) -> None:
        """Let go of the commit being read, before the end is reached."""
        close = getattr(self._docs, "close", None)
        if close is not None:
            close()
