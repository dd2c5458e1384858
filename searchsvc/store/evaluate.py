"""Evaluating a Whoosh query tree over every matching document, with arrays.

Whoosh walks postings one document at a time in Python, a few microseconds
each; a word in half of 100,000 articles then costs a quarter of a second. Here
a query tree is evaluated with array operations over the postings of
:mod:`searchsvc.store.postings`: the same BM25F formula, parameters and
inverse document frequencies as Whoosh's default weighting, over every
matching document (no block-quality shortcut, so the top documents are exact).

Phrases are evaluated the same way: the documents holding every word are
found with arrays first, and only their positions are decoded. Queries this
module does not know (numeric ranges, phrases in fields without positions...)
fall back to Whoosh's own matcher for the documents, scored one by one as
Whoosh scores them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import log
from typing import Any

import numpy as np
from whoosh import query as wq

from ..errors import QueryError, StatisticsMismatch
from ..scoring import (
    BM25,
    DEFAULT_BM25,
    EMPTY_IDS,
    POSTINGS_CACHE_BYTES,
    CollectionStatistics,
    PostingsCache,
    Scored,
    bm25,
    intersect,
    maybe,
    minus,
    scaled,
    union,
)
from .errors import reads_index
from .postings import POSITION_BITS, SegmentArrays, read_positions
from .query import CombinedFields, TermSet, VariantPhrase, scored_terms
from .snapshot import SegmentPart, Snapshot


@dataclass
class Segment:
    reader: Any
    arrays: SegmentArrays


@dataclass
class Statistics:
    """What BM25F needs of a set of segments besides postings: inverse document
    frequencies and average field lengths.

    Whoosh counts deleted documents in both, so they only change when the
    set of segments does, and are kept across searches for each set.
    """

    idf: dict[tuple[str, str], float] = field(default_factory=dict)
    avg: dict[str, float] = field(default_factory=dict)


class Evaluator:
    """Evaluates a Whoosh query over one searcher's segments with arrays.

    Scores use the statistics of these segments, or ``collection``'s when
    given: those of a whole collection this index is one shard of. A failure
    to read a segment is an index error naming it.
    """

    def __init__(
        self,
        searcher: Any,
        segments: Sequence[tuple[SegmentPart, SegmentArrays, np.ndarray | None]],
        stats: Statistics | None = None,
        params: BM25 = DEFAULT_BM25,
        collection: CollectionStatistics | None = None,
    ) -> None:
        self.searcher = searcher
        self.params = params
        self.segments = segments
        self.collection = collection
        self.doc_count_all = collection.documents if collection is not None else searcher.doc_count_all()
        stats = stats or Statistics()
        self._idf = stats.idf
        self._avg = stats.avg

    def run(self, q: wq.Query) -> Scored:
        parts = []
        for part, arrays, deleted in self.segments:
            with part.reading():
                found = self._eval(q, Segment(part.reader, arrays), part.offset, deleted)
            if len(found.ids):
                parts.append(found)
        if not parts:
            return Scored.empty()
        if len(parts) == 1:
            return parts[0]
        return Scored(np.concatenate([p.ids for p in parts]), np.concatenate([p.scores for p in parts]))

    def _eval(self, q: wq.Query, seg: Segment, offset: int, deleted: np.ndarray | None) -> Scored:
        local = self._node(q, seg)
        ids = local.ids
        scores = local.scores
        if deleted is not None and len(ids):
            keep = ~deleted[ids]
            ids, scores = ids[keep], scores[keep]
        return Scored(ids + offset, scores)

    # -- statistics, as Whoosh's BM25F computes them ----------------------------

    def idf(self, fieldname: str, text: Any) -> float:
        key = (fieldname, text)
        value = self._idf.get(key)
        if value is None:
            if self.collection is None:
                df = self._doc_frequency(fieldname, text)
            else:
                try:
                    df = self.collection.doc_frequencies[key]
                except KeyError:
                    raise StatisticsMismatch(
                        f"the collection statistics given hold no document frequency of {fieldname}:{text}; "
                        "gather them for the same request"
                    ) from None
            value = self._idf[key] = log(self.doc_count_all / (df + 1)) + 1
        return value

    def avg_length(self, fieldname: str) -> float:
        value = self._avg.get(fieldname)
        if value is None:
            if self.collection is None:
                value = _avg_field_length(self.searcher, fieldname) or 1.0
            else:
                length = self.collection.field_lengths.get(fieldname, 0)
                value = length / (self.doc_count_all or 1) or 1.0
            self._avg[fieldname] = value
        return value

    def gather(self, q: wq.Query | None) -> CollectionStatistics:
        """This index's share of the statistics that scoring ``q`` needs, to add up over shards."""
        terms = set(scored_terms(q))
        frequencies = {(name, text): self._doc_frequency(name, text) for name, text in terms}
        lengths = {name: _field_length(self.searcher, name) for name in {name for name, _text in terms}}
        return CollectionStatistics(self.searcher.doc_count_all(), lengths, frequencies)

    def _doc_frequency(self, fieldname: str, text: Any) -> int:
        """Documents of every segment holding the term, deleted ones included, as Whoosh counts them."""
        total = 0
        for part, _arrays, _deleted in self.segments:
            with part.reading():
                total += int(part.reader.doc_frequency(fieldname, text))
        return total

    # -- the query tree ---------------------------------------------------------

    def _node(self, q: wq.Query, seg: Segment) -> Scored:
        if isinstance(q, wq.Term):
            return self._term(q, seg)
        if isinstance(q, wq.And):
            return self._and([self._node(c, seg) for c in q.subqueries if not isinstance(c, wq.Not)], q, seg)
        if isinstance(q, CombinedFields):
            return self._combined(q, seg)
        if isinstance(q, wq.Or):
            return scaled(
                union([self._node(c, seg) for c in q.subqueries], seg.arrays.doc_count_all), q.boost
            )
        if isinstance(q, wq.AndNot):
            return minus(self._node(q.a, seg), self._node(q.b, seg).ids, seg.arrays.doc_count_all)
        if isinstance(q, wq.AndMaybe):
            return maybe(self._node(q.a, seg), self._node(q.b, seg), seg.arrays.doc_count_all)
        if isinstance(q, wq.Not):
            everything = self._every(seg)
            return minus(
                Scored(everything.ids, np.zeros(len(everything.ids))),
                self._node(q.query, seg).ids,
                seg.arrays.doc_count_all,
            )
        if isinstance(q, wq.Every):
            return self._every(seg)
        if isinstance(q, wq.qcore._NullQuery):
            return Scored.empty()
        if isinstance(q, TermSet):
            return self._term_set(q, seg)
        if isinstance(q, (wq.Prefix, wq.Wildcard)) and q.constantscore:
            return self._constant_terms(q, seg)
        if isinstance(q, wq.Phrase):
            return self._phrase(q, seg)
        return self._fallback(q, seg)

    def _postings(self, fieldname: str, text: Any, seg: Segment) -> tuple[np.ndarray, np.ndarray]:
        """The docnums holding a term in ``seg``, and the term's weight in each."""
        tbytes = self.searcher.schema[fieldname].to_bytes(text)
        ids, weights = seg.arrays.postings(seg.reader, fieldname, tbytes)
        return ids.astype(np.int64), weights.astype(np.float64)

    def _term(self, q: wq.Term, seg: Segment) -> Scored:
        field = self.searcher.schema[q.fieldname]
        ids, weights = self._postings(q.fieldname, q.text, seg)
        if not len(ids):
            return Scored.empty()
        if not field.scorable:
            return Scored(ids, np.full(len(ids), q.boost))
        lengths = seg.arrays.lengths(seg.reader, q.fieldname)[ids]
        idf = self.idf(q.fieldname, q.text)
        scores = bm25(weights, lengths, idf, self.avg_length(q.fieldname), self.params)
        if q.boost != 1.0:
            scores = scores * q.boost
        return Scored(ids, scores)

    def _combined(self, q: CombinedFields, seg: Segment) -> Scored:
        """BM25F over the fields of :class:`CombinedFields`: one saturation of the summed, normalised frequencies.

        The inverse document frequency is the field's with the most documents
        holding the term, as Lucene's ``CombinedFieldQuery`` takes it: a word
        common in bodies is not made rare by being rare in titles.
        """
        k1, b = self.params.k1, self.params.b
        parts = []
        terms = [t for t in q.subqueries if isinstance(t, wq.Term)]
        for t in terms:
            ids, weights = self._postings(t.fieldname, t.text, seg)
            if not len(ids):
                continue
            lengths = seg.arrays.lengths(seg.reader, t.fieldname)[ids]
            norm = (1 - b) + b * lengths / self.avg_length(t.fieldname)
            parts.append(Scored(ids, weights * self.params.weight_of(t.fieldname) / norm))
        if not parts:
            return Scored.empty()
        tf = union(parts, seg.arrays.doc_count_all)
        idf = min(self.idf(t.fieldname, t.text) for t in terms)
        return Scored(tf.ids, idf * q.boost * tf.scores * (k1 + 1) / (tf.scores + k1))

    def _and(self, children: list[Scored], q: wq.And, seg: Segment) -> Scored:
        negated = [c for c in q.subqueries if isinstance(c, wq.Not)]
        if not children:
            result = Scored(self._every(seg).ids, np.zeros(0))
            result = Scored(result.ids, np.zeros(len(result.ids)))
        else:
            children.sort(key=lambda s: len(s.ids))
            result = children[0]
            for child in children[1:]:
                if not len(result.ids):
                    break
                result = intersect(result, child, seg.arrays.doc_count_all)
        for negation in negated:
            result = minus(result, self._node(negation.query, seg).ids, seg.arrays.doc_count_all)
        return scaled(result, q.boost)

    def _phrase(self, q: wq.Phrase, seg: Segment) -> Scored:
        """Whoosh's phrase semantics and score, with arrays.

        Whoosh matches a phrase as an ordered ``SpanNear2`` of its words: each
        word at a distance from 1 to ``slop`` after the previous one; the
        score is the sum of the words' BM25F scores (times the boost). A
        :class:`VariantPhrase` word may be any of its alternatives. Here
        the documents with every word are intersected first, then the
        occurrences of each word are kept where one of the previous word
        ends within reach.
        """
        try:
            field = self.searcher.schema[q.fieldname]
        except KeyError:
            return Scored.empty()  # what Whoosh's phrase matcher gives for an unknown field
        if not field.format or not field.format.supports("positions") or len(q.words) < 2 or q.slop < 1:
            return self._fallback(q, seg)
        alternatives: Sequence[Sequence[tuple[str, float]]] = (
            q.alternatives if isinstance(q, VariantPhrase) else [[(word, 1.0)] for word in q.words]
        )
        try:
            tbytes = [[field.to_bytes(text) for text, _boost in alts] for alts in alternatives]
        except ValueError:
            return Scored.empty()
        n = seg.arrays.doc_count_all
        # A slop past any document's length means the same; capped, a gap
        # can never reach into another document's occurrences.
        slop = min(q.slop, (1 << (POSITION_BITS - 1)) - 1)
        both: Scored | None = None
        for alts in alternatives:
            if both is not None and not len(both.ids):
                return Scored.empty()
            parts = [scaled(self._term(wq.Term(q.fieldname, text), seg), boost) for text, boost in alts]
            word = parts[0] if len(parts) == 1 else union(parts, n)
            both = word if both is None else intersect(both, word, n)
        assert both is not None
        candidates = both.ids
        ends = EMPTY_IDS
        gaps = q.gaps if isinstance(q, VariantPhrase) else (1,) * (len(tbytes) - 1)
        for i, terms in enumerate(tbytes):
            if not len(candidates):
                return Scored.empty()
            spellings = [read_positions(seg.reader, q.fieldname, term, candidates) for term in terms]
            found = spellings[0] if len(spellings) == 1 else np.unique(np.concatenate(spellings))
            if i == 0:
                ends = found
            else:
                # The nearest end at least the query's gap before each occurrence
                # decides: within slop of that gap, or none is.
                least = gaps[i - 1]
                before = np.searchsorted(ends, found - least, side="right") - 1
                gap = found - ends[np.maximum(before, 0)]
                ends = found[(before >= 0) & (gap >= least) & (gap <= least + slop - 1)]
            # Later words need only be looked up in documents still in the running.
            candidates = np.unique(ends >> POSITION_BITS)
        keep = np.isin(both.ids, candidates, assume_unique=True)
        return scaled(Scored(both.ids[keep], both.scores[keep]), q.boost)

    def _every(self, seg: Segment) -> Scored:
        ids = np.arange(seg.arrays.doc_count_all, dtype=np.int64)
        return Scored(ids, np.ones(len(ids)))

    @reads_index
    def _constant_terms(self, q: wq.Query, seg: Segment) -> Scored:
        return self._any_term(q.field(), q._btexts(seg.reader), q.boost, seg)

    def _term_set(self, q: TermSet, seg: Segment) -> Scored:
        return self._any_term(q.fieldname, q.terms, q.boost, seg)

    def _any_term(self, fieldname: str, terms: Iterable[bytes], boost: float, seg: Segment) -> Scored:
        """The documents holding any of ``terms``, each scored ``boost`` (a constant-score pattern)."""
        reader = seg.reader
        parts = []
        for tbytes in terms:
            ids, _weights = seg.arrays.postings(reader, fieldname, tbytes)
            if len(ids):
                parts.append(ids)
        if not parts:
            return Scored.empty()
        if len(parts) == 1:
            ids = parts[0].astype(np.int64)
        else:
            every = np.concatenate(parts)
            n = seg.arrays.doc_count_all
            if len(every) * 8 > n:
                # Many postings: marking them costs less than sorting them.
                present = np.zeros(n, dtype=bool)
                present[every] = True
                ids = np.flatnonzero(present).astype(np.int64)
            else:
                ids = np.unique(every).astype(np.int64)
        return Scored(ids, np.full(len(ids), float(boost)))

    @reads_index
    def _fallback(self, q: wq.Query, seg: Segment) -> Scored:
        # Whoosh's matcher over this segment alone, scored with the top-level
        # statistics, as Whoosh's own leaf searchers do.
        if self.collection is not None and not getattr(q, "constantscore", False):
            # Whoosh would score it with this index's statistics, not the collection's.
            raise QueryError(f"{q} cannot be scored with a collection's statistics")
        sub = _leaf_searcher(self.searcher, seg.reader)
        matcher = q.matcher(sub, sub.context())
        ids: list[int] = []
        scores: list[float] = []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if not ids:
            return Scored.empty()
        order = np.argsort(ids, kind="stable")
        return Scored(np.asarray(ids, dtype=np.int64)[order], np.asarray(scores, dtype=np.float64)[order])


@reads_index
def _field_length(searcher: Any, fieldname: str) -> int:
    return int(searcher.field_length(fieldname)) if searcher.schema[fieldname].scorable else 0


@reads_index
def _avg_field_length(searcher: Any, fieldname: str) -> float:
    return float(searcher.avg_field_length(fieldname))


def _leaf_searcher(searcher: Any, reader: Any) -> Any:
    for sub, _offset in searcher.leaf_searchers():
        if sub.reader() is reader:
            return sub
    raise LookupError("segment reader not in searcher")


class ArrayCache:
    """Per-segment arrays and statistics, shared by every searcher of an engine."""

    def __init__(self, postings_budget: int = POSTINGS_CACHE_BYTES) -> None:
        self._segments: dict[str, SegmentArrays] = {}
        self._postings = PostingsCache(postings_budget)
        self._stats: OrderedDict[tuple[str, ...], Statistics] = OrderedDict()
        self._lock = threading.Lock()

    def evaluator(
        self, snapshot: Snapshot, params: BM25 = DEFAULT_BM25, collection: CollectionStatistics | None = None
    ) -> Evaluator:
        """An evaluator of queries over ``snapshot``, with the arrays its segments already have.

        With ``collection``, scores use those statistics (see :class:`Evaluator`).
        """
        parts = []
        seg_ids = []
        anonymous = False
        for part in snapshot.segments():
            anonymous = anonymous or part.segment is None
            seg_ids.append(part.id)
            with self._lock:
                arrays = self._segments.get(part.id)
                if arrays is None:
                    arrays = self._segments[part.id] = SegmentArrays(
                        part.id, part.doc_count_all, self._postings
                    )
            deleted = arrays.deleted(part.segment) if part.segment is not None else None
            parts.append((part, arrays, deleted))
        key = tuple(seg_ids)
        # Statistics kept for these segments are their own, not a collection's.
        anonymous = anonymous or collection is not None
        with self._lock:
            stats = None if anonymous else self._stats.get(key)
            if stats is None:
                stats = Statistics()
                if not anonymous:
                    self._stats[key] = stats
                    # A few sets at once: searchers of the last commits may still run.
                    while len(self._stats) > 4:
                        self._stats.popitem(last=False)
            stale = set(self._segments) - {i for ids in self._stats for i in ids} - set(seg_ids)
            for seg_id in stale:
                del self._segments[seg_id]
        if stale:
            self._postings.forget(stale)
        return Evaluator(snapshot.searcher, parts, stats, params, collection)
