"""Scores and the set operations of query evaluation, on sorted arrays of docnums.

BM25F as Whoosh's default weighting computes it (:func:`bm25`), the result of
evaluating a query (:class:`Scored`), and the union, intersection and
difference of such results. :mod:`searchsvc.store.evaluate` walks a query over
the index's postings with these.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

#: Memory for posting arrays kept between searches, for all segments of an engine.
POSTINGS_CACHE_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class BM25:
    """BM25's parameters: ``k1``, how fast repeated words stop adding to a score,
    and ``b``, how much a longer field counts against its matches (0 not at all,
    1 fully).

    ``field_weights`` multiply, for BM25F over several fields, the weights the
    index gives each field, as ``(field, factor)`` pairs; a field not named
    keeps its weight.
    """

    k1: float = 1.2
    b: float = 0.75
    field_weights: tuple[tuple[str, float], ...] = ()

    def weight_of(self, fieldname: str) -> float:
        return dict(self.field_weights).get(fieldname, 1.0)


@dataclass(frozen=True)
class CollectionStatistics:
    """What a BM25F score depends on besides the document's own postings, counted over a collection.

    ``documents`` counts every document slot (deleted ones too, as Whoosh
    counts them), ``field_lengths`` the words of each field over all of them,
    and ``doc_frequencies`` the documents holding each ``(field, term)``. An
    index split into shards scores each document exactly as one index would
    when every shard scores with the sum of the shards' statistics.
    """

    documents: int = 0
    field_lengths: Mapping[str, int] = field(default_factory=dict)
    doc_frequencies: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __add__(self, other: CollectionStatistics) -> CollectionStatistics:
        lengths = dict(self.field_lengths)
        for name, length in other.field_lengths.items():
            lengths[name] = lengths.get(name, 0) + length
        frequencies = dict(self.doc_frequencies)
        for key, count in other.doc_frequencies.items():
            frequencies[key] = frequencies.get(key, 0) + count
        return CollectionStatistics(self.documents + other.documents, lengths, frequencies)


#: Whoosh's defaults, which the settings ``bm25_k1`` and ``bm25_b`` also default to.
DEFAULT_BM25 = BM25()

EMPTY_IDS = np.empty(0, dtype=np.int64)
EMPTY_SCORES = np.empty(0, dtype=np.float64)


@dataclass
class Scored:
    """Sorted, unique global docnums and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Scored:
        return cls(EMPTY_IDS, EMPTY_SCORES)


class PostingsCache:
    """Posting arrays of recently searched terms, bounded in bytes for a whole engine.

    One budget for all segments: a budget per segment would let memory grow
    with the number of segments (hundreds of MiB per process at a million
    articles).
    """

    def __init__(self, budget: int = POSTINGS_CACHE_BYTES) -> None:
        self.budget = budget
        self._arrays: OrderedDict[tuple[str, str, bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bytes]) -> tuple[np.ndarray, np.ndarray] | None:
        with self._lock:
            found = self._arrays.get(key)
            if found is not None:
                self._arrays.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, bytes], value: tuple[np.ndarray, np.ndarray]) -> None:
        size = value[0].nbytes + value[1].nbytes
        with self._lock:
            if key in self._arrays:
                return
            self._arrays[key] = value
            self._bytes += size
            # Bounded by bytes, not terms: one common word of a million
            # documents weighs as much as thousands of rare ones.
            while self._bytes > self.budget and len(self._arrays) > 1:
                _key, (ids, weights) = self._arrays.popitem(last=False)
                self._bytes -= ids.nbytes + weights.nbytes

    def forget(self, seg_ids: set[str]) -> None:
        """Drop the arrays of segments that are gone."""
        with self._lock:
            for key in [k for k in self._arrays if k[0] in seg_ids]:
                ids, weights = self._arrays.pop(key)
                self._bytes -= ids.nbytes + weights.nbytes


def bm25(
    weights: np.ndarray, lengths: np.ndarray, idf: float, avg_length: float, params: BM25 = DEFAULT_BM25
) -> np.ndarray:
    """BM25F's score of term frequencies ``weights`` in fields of ``lengths``."""
    k1, b = params.k1, params.b
    norm = k1 * ((1 - b) + b * lengths / avg_length)
    result: np.ndarray = idf * (weights * (k1 + 1)) / (weights + norm)
    return result


# Set operations on sorted docnum arrays. Past a small size, a dense pass over
# the segment's docnum space (bincount, boolean masks) beats sorting: it is
# linear, where np.unique and np.intersect1d sort everything again.


def _is_dense(total: int, n: int) -> bool:
    return total * 16 > n


def union(children: list[Scored], n: int) -> Scored:
    children = [c for c in children if len(c.ids)]
    if not children:
        return Scored.empty()
    if len(children) == 1:
        return children[0]
    ids = np.concatenate([c.ids for c in children])
    scores = np.concatenate([c.scores for c in children])
    if _is_dense(len(ids), n):
        # A boolean mask finds the ids present several times faster than counts do.
        present = np.zeros(n, dtype=bool)
        present[ids] = True
        unique = np.flatnonzero(present)
        return Scored(unique, np.bincount(ids, weights=scores, minlength=n)[unique])
    unique, inverse = np.unique(ids, return_inverse=True)
    return Scored(unique, np.bincount(inverse, weights=scores, minlength=len(unique)))


def _lookup(small: np.ndarray, large: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each id of ``small``: whether it is in ``large``, and where."""
    where = np.searchsorted(large, small)
    where[where == len(large)] = 0
    return large[where] == small, where


def intersect(a: Scored, b: Scored, n: int) -> Scored:
    small, large = (a, b) if len(a.ids) <= len(b.ids) else (b, a)
    if not len(small.ids):
        return Scored.empty()
    if len(small.ids) * 16 < len(large.ids) or not _is_dense(len(large.ids), n):
        found, where = _lookup(small.ids, large.ids)
        return Scored(small.ids[found], small.scores[found] + large.scores[where[found]])
    dense = np.zeros(n, dtype=np.float64)
    mask = np.zeros(n, dtype=bool)
    dense[large.ids] = large.scores
    mask[large.ids] = True
    found = mask[small.ids]
    ids = small.ids[found]
    return Scored(ids, small.scores[found] + dense[ids])


def minus(positive: Scored, excluded: np.ndarray, n: int) -> Scored:
    if not len(excluded) or not len(positive.ids):
        return positive
    if _is_dense(len(excluded) + len(positive.ids), n):
        mask = np.zeros(n, dtype=bool)
        mask[excluded] = True
        keep = ~mask[positive.ids]
    else:
        found, _where = _lookup(positive.ids, excluded)
        keep = ~found
    return Scored(positive.ids[keep], positive.scores[keep])


def maybe(required: Scored, optional: Scored, n: int) -> Scored:
    if not len(optional.ids) or not len(required.ids):
        return required
    found, where = _lookup(required.ids, optional.ids)
    scores = required.scores.copy()
    scores[found] += optional.scores[where[found]]
    return Scored(required.ids, scores)


def scaled(result: Scored, boost: float) -> Scored:
    return result if boost == 1.0 else Scored(result.ids, result.scores * boost)
