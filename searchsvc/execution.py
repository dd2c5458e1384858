"""Executing a search over one snapshot of the index: filters, scoring, top-k, sorting, facets.

:class:`Executor` runs a :class:`~searchsvc.request.SearchRequest`: it has the
query built, evaluates it over the snapshot's postings, intersects the
filters' bitmaps, keeps the best hits (favouring recent ones and folding
near duplicates when asked) or sorts by a field, counts the facets, and reads
and highlights the page of hits it returns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from collections.abc import Callable

import numpy as np
from pyroaring import BitMap

from .analysis import NewsAnalyzer, VariantSource, iter_words
from .analysis.languages import analysis_language
from .duplicates import FingerprintCache, candidate_window, collapse
from .errors import InvalidParameter
from .facets import NO_DATE, SECONDS_PER_DAY, FacetCache, View, bitmap_from
from .feedback import DEFAULT_FEEDBACK, Feedback, expanded_query, relevance_model
from .highlight import Highlightable, explain_matches, highlight_document
from .querying import QueryBuilder
from .request import DATE_INTERVALS, SearchRequest
from .results import FacetBucket, Hit, SearchResult
from .scoring import BM25, DEFAULT_BM25, CollectionStatistics, Scored
from .store.evaluate import ArrayCache, Evaluator
from .store.query import Query, is_nothing, optional_of
from .store.snapshot import Snapshot


class Executor:
    """Runs search requests over snapshots of one index.

    It keeps what outlives one search: the facet bitmaps, the posting arrays
    and the near-duplicate fingerprints of each segment, and the parsed
    queries of each view.
    """

    def __init__(
        self,
        analyzer: NewsAnalyzer,
        variants: VariantSource | None,
        queries: QueryBuilder,
        ranking: BM25 = DEFAULT_BM25,
        feedback: Feedback = DEFAULT_FEEDBACK,
    ) -> None:
        self.analyzer = analyzer
        self.ranking = ranking
        self.feedback = feedback
        self.variants = variants
        self.queries = queries
        self.facets = FacetCache()
        self.arrays = ArrayCache()
        self.fingerprints = FingerprintCache()

    def run(
        self, snapshot: Snapshot, request: SearchRequest, collection: CollectionStatistics | None = None
    ) -> SearchResult:
        """The answer to ``request`` over ``snapshot``, scored with ``collection``'s statistics
        when given (this index is then one shard of that collection)."""
        started = time.perf_counter()
        if collection is not None and request.feedback:
            raise InvalidParameter("feedback cannot be scored with a collection's statistics yet")
        places = request.filters.get("places")
        if places and self.variants is not None:
            # Any spelling of a place filters by its canonical name.
            canonical = tuple(dict.fromkeys(self.variants.canonical_place(v) or v for v in places))
            request = dataclasses.replace(request, filters={**request.filters, "places": canonical})
        view = self.facets.view(snapshot)
        ids_of = functools.partial(view.ids_of, snapshot)
        q = self.queries.build(request.q, view, snapshot, mode=request.mode)
        filter_maps: dict[str, BitMap] = {
            name: view.value_bitmap(name, values) for name, values in request.filters.items()
        }
        if request.date_from is not None or request.date_to is not None:
            filter_maps["date"] = view.date_bitmap(request.date_from, request.date_to)
        allowed: BitMap | None = None
        for bm in filter_maps.values():
            allowed = bm if allowed is None else allowed & bm
        keep = request.offset + request.limit
        nothing = is_nothing(q)
        by_relevance = request.sort_field == "relevance" and q is not None
        total: int | None = None
        ranked: list[tuple[float | None, int]] = []
        duplicates: dict[int, list[str]] | None = None
        scored = Scored.empty()
        if q is None:
            matched = view.live
        elif nothing:
            matched = BitMap()
        else:
            evaluator = self.arrays.evaluator(snapshot, self.ranking, collection)
            scored = evaluator.run(q)
            if request.feedback and by_relevance:
                scored = self._with_feedback(snapshot, evaluator, request, q, scored, allowed, ids_of)
            if allowed is None and by_relevance and not request.facets:
                # Nothing to intersect or count: the matches need no bitmap.
                matched = BitMap()
                total = len(scored.ids)
            else:
                matched = bitmap_from(scored.ids)
        final = matched & allowed if allowed is not None else matched
        if by_relevance and not nothing:
            if request.recency:
                scored = favour_recent(view, scored, request.recency)
            # Within a filter: the matches it lets through.
            within = final if allowed is not None else None
            if request.collapse:
                best, duplicates = self._collapsed(snapshot, scored, within, keep, ids_of)
                ranked = list(best)
            else:
                ranked = list(top_scored(scored, within, keep, ids_of))
        if total is None:
            total = len(final)
        if not by_relevance:
            field_name = "date" if request.sort_field == "relevance" else request.sort_field
            order = sort_by_field(view, final, field_name, request.descending, keep, ids_of)
            ranked = [(None, d) for d in order]
        hits = self._hits(snapshot, view, request, q, ranked[request.offset : keep], duplicates)
        facets, truncated = count_facets(view, request, matched, filter_maps)
        took = round((time.perf_counter() - started) * 1000, 3)
        return SearchResult(request.q, total, request.limit, request.offset, took, hits, facets, truncated)

    def _hits(
        self,
        snapshot: Snapshot,
        view: View,
        request: SearchRequest,
        q: Query | None,
        page: list[tuple[float | None, int]],
        duplicates: dict[int, list[str]] | None,
    ) -> list[Hit]:
        marks = Highlightable.of(q) if request.highlight or request.explain else None
        hits = []
        for score, docnum in page:
            doc = snapshot.stored(docnum)
            highlights = None
            why = None
            if marks is not None:
                # The language it was indexed in: given, or detected then.
                language = analysis_language(view.value_of("lang", docnum))
                if request.highlight:
                    highlights = highlight_document(self.analyzer, doc, marks, request, language)
                if request.explain:
                    why = explain_matches(self.analyzer, doc, marks, language)
            rounded = round(score, 4) if score is not None else None
            folded = duplicates.get(docnum) if duplicates is not None else None
            hits.append(Hit(doc["id"], rounded, doc, highlights, why, folded, score))
        return hits

    def statistics(self, snapshot: Snapshot, request: SearchRequest) -> CollectionStatistics:
        """This index's share of the statistics that scoring ``request`` needs (see :meth:`run`)."""
        view = self.facets.view(snapshot)
        q = self.queries.build(request.q, view, snapshot, mode=request.mode)
        return self.arrays.evaluator(snapshot, self.ranking).gather(None if is_nothing(q) else q)

    def _with_feedback(
        self,
        snapshot: Snapshot,
        evaluator: Evaluator,
        request: SearchRequest,
        q: Query,
        scored: Scored,
        allowed: BitMap | None,
        ids_of: IdsOf,
    ) -> Scored:
        """The documents of a second search, with the words of the first one's best hits added (RM3).

        The hits are read, highlighted and explained by the query as typed: the
        words added are the engine's guess, not the user's.
        """
        within = bitmap_from(scored.ids) & allowed if allowed is not None else None
        first = top_scored(scored, within, self.feedback.docs, ids_of)
        hits = [(score, snapshot.stored(docnum)) for score, docnum in first]
        model = relevance_model(self.analyzer, hits, self.feedback.terms)
        if not model:
            return scored
        words = sum(
            1 for _s, _e, w, _j in iter_words(request.q, joined=False) if self.analyzer.word_terms(w, "query")
        )
        expanded = expanded_query(q, words, model, self.feedback)
        if request.mode != "any":
            # The query language's words stay required: the added ones only reorder.
            expanded = optional_of(q, expanded)
        return evaluator.run(expanded)

    def _collapsed(
        self, snapshot: Snapshot, scored: Scored, allowed: BitMap | None, keep: int, ids_of: IdsOf
    ) -> tuple[list[tuple[float, int]], dict[int, list[str]]]:
        """The best ``keep`` hits that are not near duplicates of better ones, and the ids
        of the duplicates folded into each (by docnum)."""
        window = candidate_window(keep)
        while True:
            candidates = top_scored(scored, allowed, window, ids_of)
            fingerprints = self.fingerprints.of(snapshot, [docnum for _, docnum in candidates])
            groups = collapse(fingerprints)
            # A candidate is kept or folded whatever comes after it, so a wider window
            # keeps the same hits first: pages neither overlap nor skip.
            if len(groups) >= keep or len(candidates) < window:
                break
            window *= 2
        best = [candidates[first] for first, _ in groups[:keep]]
        folded = {
            candidates[first][1]: [fingerprints[p].id for p in copies] for first, copies in groups[:keep]
        }
        return best, folded


def favour_recent(view: View, scored: Scored, half_life_days: int) -> Scored:
    """``scored`` with each score multiplied by 1 + 2^(-age / half-life), undated ones kept.

    Ages count from the newest dated document of ``view``, not from the clock,
    so that an archive's latest news gets the whole boost too.
    """
    if not len(scored.ids) or not view.day_list:
        return scored
    seconds = np.frombuffer(view.seconds, dtype=np.int64)
    newest = int(seconds[array_of(view.days[view.day_list[-1]])].max())
    dates = seconds[scored.ids]
    dated = dates != NO_DATE
    ages = np.maximum(newest - dates[dated], 0) / (SECONDS_PER_DAY * half_life_days)
    factors = np.ones(len(dates))
    factors[dated] += np.exp2(-ages)
    return Scored(scored.ids, scored.scores * factors)


def array_of(bitmap: BitMap) -> np.ndarray:
    return np.frombuffer(bitmap.to_array(), dtype=np.uint32).astype(np.int64)


def top_scored(scored: Scored, allowed: BitMap | None, keep: int, ids_of: IdsOf) -> list[tuple[float, int]]:
    """The best ``keep`` of ``scored`` within ``allowed``: highest score, then smallest id.

    ``allowed``, when given, holds only docnums of ``scored`` (the matches a
    filter lets through), so each is found in the sorted ids by binary search:
    the filter's own size, which can be most of the index, costs nothing here.
    """
    ids, scores = scored.ids, scored.scores
    if allowed is not None and len(ids):
        inside = np.searchsorted(ids, array_of(allowed))
        ids, scores = ids[inside], scores[inside]
    if not len(ids):
        return []
    if len(ids) > keep:
        # Every document scoring at least the keep-th best, so that ties at the cut go by id.
        threshold = kth_largest(scores, keep)
        candidates = scores >= threshold
        ids, scores = ids[candidates], scores[candidates]
    order = in_order(ids, -scores, ids_of)[:keep]
    return [(float(scores[i]), int(ids[i])) for i in order]


#: Reads the ids of some docnums of one snapshot, as UTF-8 (see :meth:`View.ids_of`).
IdsOf = Callable[[np.ndarray], list[bytes]]


def in_order(docnums: np.ndarray, keys: np.ndarray, ids_of: IdsOf) -> np.ndarray:
    """The positions of ``docnums`` by ascending ``keys``, equal keys by id.

    Ties go by id, not by docnum, so that an order never depends on where a
    document is stored: a rebuild, a merge or a split into shards changes
    docnums, never ids. Only the tied documents' ids are read.
    """
    order = np.argsort(keys, kind="stable")
    if len(order) < 2:
        return order
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return order
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] = same
    tied[:-1] |= same
    where = np.flatnonzero(tied)
    # Each run of equal keys keeps its place; only its members change places.
    runs = np.cumsum(np.concatenate(([True], ~same)))[where].tolist()
    members = order[where]
    ids = ids_of(docnums[members])
    order[where] = [p for _run, _id, p in sorted(zip(runs, ids, members.tolist(), strict=True))]
    return order


#: Scores per chunk whose maximum bounds the k-th best from below.
_CHUNK = 64


def kth_largest(scores: np.ndarray, k: int) -> float:
    """The ``k``-th largest of ``scores`` (1 <= k <= len(scores)).

    Partitioning tens of thousands of scores costs more than the rest of a
    search. The k largest maxima of chunks are k distinct scores, so the k-th
    of them is at most the k-th best overall: only the scores from there up,
    usually a few dozen, are partitioned.
    """
    chunks = len(scores) // _CHUNK
    if chunks >= 4 * k:
        maxima = scores[: chunks * _CHUNK].reshape(chunks, _CHUNK).max(axis=1)
        floor = np.partition(maxima, chunks - k)[chunks - k]
        scores = scores[scores >= floor]
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def sort_by_field(
    view: View, docnums: BitMap, field_name: str, descending: bool, keep: int, ids_of: IdsOf
) -> list[int]:
    """The first ``keep`` of ``docnums`` in the order of a date or keyword field.

    Ties go by id; documents without a value come last, by id.
    """
    if keep <= 0:
        return []
    ids = array_of(docnums)
    if field_name == "date":
        values = np.frombuffer(view.seconds, dtype=np.int64)[ids]
        present = values != NO_DATE
    else:
        values = view.sort_ranks(field_name)[ids]
        present = values >= 0
    keys = values[present]
    best = _first_by(ids[present], -keys if descending else keys, keep, ids_of)
    if len(best) < keep:
        missing = ids[~present]
        by_id = missing[in_order(missing, np.zeros(len(missing), dtype=np.int64), ids_of)]
        best = np.concatenate([best, by_id[: keep - len(best)]])
    return [int(d) for d in best]


def _first_by(ids: np.ndarray, keys: np.ndarray, keep: int, ids_of: IdsOf) -> np.ndarray:
    """The ``keep`` of ``ids`` with the smallest ``keys``, in order; ties by the documents' ids."""
    if len(keys) > keep:
        cut = np.partition(keys, keep - 1)[keep - 1]
        inside = keys <= cut
        ids, keys = ids[inside], keys[inside]
    return ids[in_order(ids, keys, ids_of)[:keep]]


def count_facets(
    view: View,
    request: SearchRequest,
    matched: BitMap,
    filter_maps: dict[str, BitMap],
) -> tuple[dict[str, list[FacetBucket]], dict[str, bool]]:
    """Disjunctive facet counts: each facet ignores its own filter, not the others.

    Also, for each facet, whether it has more values than ``facet_size`` showed.
    """
    facets: dict[str, list[FacetBucket]] = {}
    truncated: dict[str, bool] = {}
    for name in request.facets:
        base = matched
        for other, bm in filter_maps.items():
            if other != name:
                base = base & bm
        if name == "date":
            facets[name], truncated[name] = _date_buckets(view, request, base)
            continue
        selected = {v.casefold() for v in request.filters.get(name, ())}
        buckets = []
        for value, bm in view.values.get(name, {}).items():
            count = base.intersection_cardinality(bm)
            if count or value.casefold() in selected:
                buckets.append(FacetBucket(value, count, value.casefold() in selected))
        buckets.sort(key=lambda b: (-b.count, b.value))
        shown = buckets[: request.facet_size]
        # A selected value stays visible even when its count is small.
        shown += [b for b in buckets[request.facet_size :] if b.selected]
        facets[name] = shown
        truncated[name] = sum(1 for b in buckets if b.count) > request.facet_size
    return facets, truncated


def _date_buckets(view: View, request: SearchRequest, base: BitMap) -> tuple[list[FacetBucket], bool]:
    codes, labels = view.date_codes(DATE_INTERVALS[request.date_interval])
    of_matches = codes[array_of(base)]
    tally = np.bincount(of_matches[of_matches >= 0], minlength=len(labels))
    counts = {labels[i]: int(c) for i, c in enumerate(tally) if c}
    start = request.date_from
    end = request.date_to
    truncated = len(counts) > request.facet_size
    if truncated:
        # The busiest periods, as other facets show their commonest values; in date order.
        busiest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: request.facet_size]
        counts = dict(busiest)
    buckets = []
    for label, count in sorted(counts.items()):
        selected = False
        if start is not None or end is not None:
            first = int(dt.datetime.fromisoformat(_pad(label)).replace(tzinfo=dt.UTC).timestamp())
            selected = (start is None or first >= start - _span(label)) and (end is None or first <= end)
        buckets.append(FacetBucket(label, count, selected))
    return buckets, truncated


def _pad(label: str) -> str:
    return label + {4: "-01-01", 7: "-01", 10: ""}[len(label)]


def _span(label: str) -> int:
    # How far a bucket reaches past its first day, so a range inside it selects it.
    return {4: 365, 7: 30, 10: 0}[len(label)] * SECONDS_PER_DAY
