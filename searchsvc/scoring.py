"""Exact BM25F scoring of every match, with NumPy instead of Whoosh's matchers.

Whoosh walks postings one document at a time in Python, a few microseconds
each; a word in half of 100,000 articles then costs a quarter of a second. Here
a term's postings are read block by block into arrays, and a query tree is
evaluated with array operations: the same BM25F formula, parameters and
inverse document frequencies as Whoosh's default weighting, over every
matching document (no block-quality shortcut, so the top documents are exact).

Phrases are evaluated the same way: the documents holding every word are
found with arrays first, and only their positions are decoded. Queries this
module does not know (numeric ranges, phrases in fields without positions...) fall back to
Whoosh's own matcher for the documents, scored one by one as Whoosh scores them.
"""

from __future__ import annotations

import copy
import io
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from math import log
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermsReader, _lenfield
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

#: Memory for posting arrays kept between searches, for all segments of an engine.
POSTINGS_CACHE_BYTES = 128 * 1024 * 1024

#: A word occurrence as one int64: its docnum in the high bits, its position in the low ones.
_POSITION_BITS = 32

K1 = 1.2
B = 0.75
_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
_EMPTY_IDS = np.empty(0, dtype=np.int64)
_EMPTY_SCORES = np.empty(0, dtype=np.float64)


@dataclass
class Scored:
    """Sorted, unique global docnums and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    @classmethod
    def empty(cls) -> Scored:
        return cls(_EMPTY_IDS, _EMPTY_SCORES)


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


class SegmentArrays:
    """Per-segment arrays read once: field lengths and deleted documents."""

    def __init__(self, seg_id: str, doc_count_all: int, postings: PostingsCache) -> None:
        # Only arrays are kept: a Whoosh reader reads its files by seeking and
        # must stay with the one searcher (and thread) that owns it.
        self.seg_id = seg_id
        self.doc_count_all = doc_count_all
        self._lengths: dict[str, np.ndarray] = {}
        self._postings = postings
        self._deleted: tuple[int, np.ndarray | None] = (0, None)

    def lengths(self, reader: Any, fieldname: str) -> np.ndarray:
        found = self._lengths.get(fieldname)
        if found is None:
            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                found = np.zeros(self.doc_count_all, dtype=np.float64)
            else:
                found = _LENGTHS[column_array(column, self.doc_count_all)]
            self._lengths[fieldname] = found
        return found

    def deleted(self, segment: Any) -> np.ndarray | None:
        """A mask of the segment's deleted documents, or None when it has none."""
        count = segment.deleted_count() if segment.has_deletions() else 0
        known_count, known = self._deleted
        if count == known_count:
            # A segment's deletions only grow, so their count tells which set it is.
            return known
        mask = np.zeros(self.doc_count_all, dtype=bool)
        mask[np.fromiter(segment.deleted_docs(), dtype=np.int64)] = True
        self._deleted = (count, mask)
        return mask

    def postings(self, reader: Any, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Local docnums and weights of one term, deleted documents included."""
        key = (self.seg_id, fieldname, tbytes)
        found = self._postings.get(key)
        if found is None:
            found = read_postings(reader, fieldname, tbytes)
            self._postings.put(key, found)
        return found


def column_array(column: Any, doc_count: int) -> np.ndarray:
    """A Whoosh numeric column of one segment as an array, read in one piece.

    Whoosh stores such a column as fixed-size big-endian numbers, one per
    document, the trailing defaults left out; reading it item by item costs a
    Python call per document.
    """
    try:
        size = column._fixedlen
        raw = column._dbfile.get(column._basepos, column._count * size)
        values = np.frombuffer(raw, dtype=np.dtype(">" + column._typecode)).astype(
            np.uint64 if size == 8 else np.int64
        )
        if len(values) < doc_count:
            values = np.concatenate(
                [values, np.full(doc_count - len(values), column._default, dtype=values.dtype)]
            )
        return values
    except AttributeError:
        # Another kind of column: read it the slow way.
        return np.fromiter((column[i] for i in range(doc_count)), dtype=np.int64, count=doc_count)


def read_postings(reader: Any, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Local docnums and weights of one term of one segment, deleted documents included."""
    terms = getattr(reader, "_terms", None)
    if isinstance(terms, W3TermsReader):
        try:
            info = terms.term_info(fieldname, tbytes)
        except (KeyError, TermNotFound):
            return _EMPTY_IDS, _EMPTY_SCORES
        if not info.is_inlined():
            offset, length = info.extent()
            # Whoosh 2.7.4 reads the length back as a 1-tuple (unpack without [0]).
            length = length[0] if isinstance(length, tuple) else length
            return read_blocks(terms._postfile.get(offset, length))
    try:
        matcher = reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    except (KeyError, TermNotFound):
        return _EMPTY_IDS, _EMPTY_SCORES
    if isinstance(matcher, ListMatcher):
        ids = np.asarray(matcher._ids, dtype=np.int64)
        weights = np.asarray(
            matcher._weights if matcher._weights is not None else [1.0] * len(ids), dtype=np.float64
        )
        return ids, weights
    if not isinstance(matcher, W3LeafMatcher):
        collected = []
        while matcher.is_active():
            collected.append((matcher.id(), matcher.weight()))
            matcher.next()
        if not collected:
            return _EMPTY_IDS, _EMPTY_SCORES
        arr = np.array(collected, dtype=np.float64)
        return arr[:, 0].astype(np.int32), arr[:, 1].astype(np.float32)
    id_parts: list[Any] = []
    weight_parts: list[Any] = []
    while not matcher._atend:
        matcher._read_ids()
        matcher._read_weights()
        id_parts.append(matcher._ids)
        weight_parts.append(matcher._weights)
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if not id_parts:
        return _EMPTY_IDS, _EMPTY_SCORES
    ids = np.concatenate([np.asarray(p, dtype=np.int32) for p in id_parts])
    weights = np.concatenate([np.asarray(p, dtype=np.float32) for p in weight_parts])
    return ids, weights


_BLOCK_SIZE = struct.Struct(">i")
_DOUBLE = struct.Struct(">d")


def _w3_blocks(postings: bytes) -> Iterator[tuple[tuple[Any, ...], int, int]]:
    """The blocks of one term's postings as Whoosh's W3 codec writes them.

    For each: its header (count, last docnum, highest weight, compression,
    shortest and longest length) and where its pickled data starts and ends.
    """
    if postings[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("postings without the W3 block tag")
    stream = io.BytesIO(postings)
    pos = 4
    while True:
        (size,) = _BLOCK_SIZE.unpack_from(postings, pos)
        end = pos + 4 + abs(size)
        stream.seek(pos + 4)
        header = pickle.load(stream)
        yield header, stream.tell(), end
        # A negative size marks the term's last block.
        if size < 0 or end >= len(postings):
            return
        pos = end


def _block_data(postings: bytes, header: tuple[Any, ...], start: int, end: int) -> bytes:
    data = postings[start:end]
    return zlib.decompress(data) if header[3] else data


def read_blocks(postings: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Docnums and weights from a term's postings as Whoosh's W3 codec writes them.

    The same values Whoosh's ``W3LeafMatcher`` reads, with less work: the
    postings are read in one piece, and each block's pickle is only parsed
    as far as the docnums and weights. The positions after them, most of
    the pickle, are never unpickled (see :func:`_block_ids_weights`).
    """
    id_parts: list[np.ndarray] = []
    weight_parts: list[np.ndarray] = []
    for header, start, end in _w3_blocks(postings):
        deltas, weights = _block_ids_weights(_block_data(postings, header, start, end), header[0])
        id_parts.append(np.cumsum(deltas, dtype=np.int64).astype(np.int32))
        weight_parts.append(weights)
    if len(id_parts) == 1:
        return id_parts[0], weight_parts[0]
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def read_positions(reader: Any, fieldname: str, tbytes: bytes, docs: np.ndarray) -> np.ndarray:
    """Where one term occurs in the given local ``docs`` (sorted) of one segment.

    Each occurrence is ``docnum << 32 | position``, sorted. Blocks of postings
    that hold none of ``docs`` are skipped unread, and only the position lists
    of ``docs`` are decoded.
    """
    fmt = reader.schema[fieldname].format
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        return _positions_by_matcher(reader, fieldname, tbytes, docs)
    try:
        info = terms.term_info(fieldname, tbytes)
    except (KeyError, TermNotFound):
        return _EMPTY_IDS
    if info.is_inlined():
        ids, _weights, values = info.inlined_postings()
        return _occurrences(np.asarray(ids, dtype=np.int64), values, docs, fmt)
    offset, length = info.extent()
    length = length[0] if isinstance(length, tuple) else length
    postings = terms._postfile.get(offset, length)
    parts: list[np.ndarray] = []
    first_possible = 0
    for header, start, end in _w3_blocks(postings):
        last_id = header[1]
        lo = int(np.searchsorted(docs, first_possible))
        if lo < len(docs) and docs[lo] <= last_id:
            deltas, _weights, values = pickle.loads(_block_data(postings, header, start, end))
            ids = np.cumsum(np.asarray(deltas, dtype=np.int64))
            parts.append(_occurrences(ids, values, docs, fmt))
        first_possible = last_id + 1
        if first_possible > docs[-1]:
            break
    parts = [p for p in parts if len(p)]
    if not parts:
        return _EMPTY_IDS
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _occurrences(ids: np.ndarray, values: Sequence[bytes], docs: np.ndarray, fmt: Any) -> np.ndarray:
    """Occurrence keys of the postings (``ids``, ``values``) whose docnum is in ``docs``."""
    wanted = np.flatnonzero(np.isin(ids, docs, assume_unique=True))
    if not len(wanted):
        return _EMPTY_IDS
    # Whoosh's Positions values are a count, then the pickled list of gaps
    # between positions: unpickled here, and the gaps summed with one cumsum
    # for all the lists. Other formats decode their own.
    as_gaps = type(fmt).decode_positions is Positions.decode_positions
    if as_gaps:
        loads = pickle.loads
        lists = [loads(values[i][4:]) for i in wanted.tolist()]
    else:
        decode = fmt.decode_positions
        lists = [decode(values[i]) for i in wanted.tolist()]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    positions = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    if as_gaps:
        running = np.cumsum(positions)
        starts = np.cumsum(counts) - counts
        before = np.where(starts > 0, running[starts - 1], 0)
        positions = running - np.repeat(before, counts)
    return (np.repeat(ids[wanted], counts) << _POSITION_BITS) | positions


def _positions_by_matcher(reader: Any, fieldname: str, tbytes: bytes, docs: np.ndarray) -> np.ndarray:
    # Readers of other codecs: Whoosh's matcher, one wanted document at a time.
    try:
        matcher = reader.postings(fieldname, tbytes)
    except (KeyError, TermNotFound):
        return _EMPTY_IDS
    keys: list[int] = []
    for doc in docs.tolist():
        if not matcher.is_active():
            break
        matcher.skip_to(doc)
        if matcher.is_active() and matcher.id() == doc:
            keys.extend((doc << _POSITION_BITS) | p for p in matcher.value_as("positions"))
    return np.asarray(keys, dtype=np.int64)


#: Sizes of the pickle opcodes of an int with their argument: BININT1, BININT2, BININT.
_INT_SIZES = {0x4B: 2, 0x4D: 3, 0x4A: 5}


def _fast_block(data: bytes, start: int, count: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Deltas and weights of a block pickled in the common shape, or None.

    ``start`` is where the pickle's first opcode after its header, the mark
    of the outer tuple, is. The shape: a tuple of ``count`` ints, then ``N``
    (all weights 1.0), one float, or a tuple of ``count`` floats. Deltas under
    256 (one ``K`` opcode and byte each, as in any dense term) are read as a
    strided array; others are found by walking the opcodes and unpickled on
    their own.
    """
    first = start + 1
    rest = first + _INT_SIZES.get(data[first], 0)
    ids_end = rest + 2 * (count - 1)
    deltas: np.ndarray
    if rest > first and data[rest:ids_end:2] == b"K" * (count - 1) and data[ids_end : ids_end + 1] == b"t":
        deltas = np.empty(count, dtype=np.int64)
        deltas[0] = pickle.loads(b"\x80\x02" + data[first:rest] + b".")
        deltas[1:] = np.frombuffer(data, dtype=np.uint8, count=2 * (count - 1), offset=rest)[1::2]
    else:
        ids_end = first
        for _ in range(count):
            size = _INT_SIZES.get(data[ids_end], 0)
            if not size:
                return None
            ids_end += size
        if data[ids_end : ids_end + 1] != b"t":
            return None
        deltas = np.asarray(pickle.loads(b"\x80\x02" + data[first - 1 : ids_end + 1] + b"."), dtype=np.int64)
    pos = ids_end + 1 + _MEMO_SIZES.get(data[ids_end + 1], 0)  # the tuple's memo entry
    kind = data[pos : pos + 1]
    if kind == b"N":
        return deltas, np.ones(count, dtype=np.float32)
    if kind == b"G":
        return deltas, np.full(count, _DOUBLE.unpack_from(data, pos + 1)[0], dtype=np.float32)
    floats_end = pos + 1 + 9 * count
    if (
        kind == b"("
        and data[pos + 1 : floats_end : 9] == b"G" * count
        and data[floats_end : floats_end + 1] == b"t"
    ):
        floats = np.ndarray((count,), dtype=">f8", buffer=data, offset=pos + 2, strides=(9,))
        return deltas, floats.astype(np.float32)
    return None


#: Sizes of the memo opcodes with their argument: BINPUT (protocol 2), MEMOIZE (4).
_MEMO_SIZES = {0x71: 2, 0x94: 1}
#: Headers of the pickle protocols blocks are written with, and where the first opcode after them is:
#: protocol 2 (Whoosh's writer), and protocol 4 with its frame (searchsvc's writer).
_HEADERS = ((b"\x80\x02(", 2), (b"\x80\x04\x95", 11))


def _block_ids_weights(data: bytes, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The docnum deltas and the float32 weights of one block's pickled data.

    The data is ``pickle.dumps((deltas, weights, positions), protocol)``. The
    positions, a pickled string per posting, cost most of unpickling it and
    are not needed here: in the common shape the deltas and weights are read
    straight from the bytes (see :func:`_fast_block`), any other is unpickled whole.
    """
    if count >= 4:
        for header, start in _HEADERS:
            if data.startswith(header) and data[start : start + 1] == b"(":
                parsed = _fast_block(data, start, count)
                if parsed is not None:
                    return parsed
                break
    deltas_any, weights_any, _values = pickle.loads(data)
    if weights_any is None:
        weights_any = [1.0] * count
    elif isinstance(weights_any, float):
        weights_any = [weights_any] * count
    return np.asarray(deltas_any, dtype=np.int64), np.asarray(weights_any, dtype=np.float32)


class QueryTerm(wq.Term):  # type: ignore[misc]
    """A Whoosh ``Term`` whose boost changes on a shallow copy.

    Whoosh deep-copies a query to change its boost, and its parser does it to
    every term of every nested OR and AND it flattens. A term holds only
    strings and numbers, so a shallow copy is the same query. A subclass of
    our own, so that Whoosh's ``Term`` stays as it is for everyone else.
    """

    def with_boost(self, boost: float) -> wq.Query:
        q = copy.copy(self)
        q.boost = boost
        return q


class VariantPhrase(wq.Phrase):  # type: ignore[misc]
    """A phrase whose words also match their variant spellings.

    ``alternatives[i]`` lists the terms word ``i`` may be indexed as, each with
    its boost: the word's own term at 1.0 first, then its variants, as a
    single variant word's query has them. A position's score is the sum of its
    matching alternatives' scores, as for that word's query. Whoosh's own
    matcher, used only for fields without positions, sees the words alone.
    """

    def __init__(
        self,
        fieldname: str,
        words: list[str],
        alternatives: Sequence[Sequence[tuple[str, float]]],
        slop: int = 1,
        boost: float = 1.0,
        char_ranges: list[tuple[int, int]] | None = None,
        gaps: Sequence[int] | None = None,
    ) -> None:
        super().__init__(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)
        self.alternatives = tuple(tuple(a) for a in alternatives)
        #: Positions from each word to the next as the query has them: more
        #: than 1 where stop words stand between ("power of the grid").
        self.gaps = tuple(gaps) if gaps is not None else (1,) * max(len(words) - 1, 0)

    def __eq__(self, other: object) -> bool:
        return (
            bool(super().__eq__(other))
            and self.alternatives == getattr(other, "alternatives", None)
            and self.gaps == getattr(other, "gaps", None)
        )

    def __hash__(self) -> int:
        return int(super().__hash__()) ^ hash(self.alternatives) ^ hash(self.gaps)

    def __repr__(self) -> str:
        return (
            f"VariantPhrase({self.fieldname!r}, {self.alternatives!r}, slop={self.slop}, boost={self.boost})"
        )

    def normalize(self) -> wq.Query:
        kept = [(w, a) for w, a in zip(self.words, self.alternatives, strict=True) if w is not None]
        # A word dropped from the phrase leaves its place to the gap after the previous one.
        gaps: list[int] = []
        since: int | None = None
        for i, word in enumerate(self.words):
            if since is not None:
                since += self.gaps[i - 1]
            if word is not None:
                if since is not None:
                    gaps.append(since)
                since = 0
        if not kept:
            return wq.NullQuery
        if len(kept) == 1:
            # One word left: its word query, variants and all.
            terms = [QueryTerm(self.fieldname, t, boost=self.boost * b) for t, b in kept[0][1]]
            return terms[0] if len(terms) == 1 else wq.Or(terms)
        return VariantPhrase(
            self.fieldname,
            [w for w, _a in kept],
            [a for _w, a in kept],
            slop=self.slop,
            boost=self.boost,
            char_ranges=self.char_ranges,
            gaps=gaps,
        )


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
    """Evaluates a Whoosh query over one searcher's segments with arrays."""

    def __init__(
        self,
        searcher: Any,
        segments: Sequence[tuple[int, Any, SegmentArrays, np.ndarray | None]],
        stats: Statistics | None = None,
    ) -> None:
        self.searcher = searcher
        self.segments = segments
        self.doc_count_all = searcher.doc_count_all()
        stats = stats or Statistics()
        self._idf = stats.idf
        self._avg = stats.avg

    def run(self, q: wq.Query) -> Scored:
        parts = [
            self._eval(q, Segment(reader, seg), offset, deleted)
            for offset, reader, seg, deleted in self.segments
        ]
        parts = [p for p in parts if len(p.ids)]
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
            df = self.searcher.doc_frequency(fieldname, text)
            value = self._idf[key] = log(self.doc_count_all / (df + 1)) + 1
        return value

    def avg_length(self, fieldname: str) -> float:
        value = self._avg.get(fieldname)
        if value is None:
            value = self._avg[fieldname] = self.searcher.avg_field_length(fieldname) or 1.0
        return value

    # -- the query tree ---------------------------------------------------------

    def _node(self, q: wq.Query, seg: Segment) -> Scored:
        if isinstance(q, wq.Term):
            return self._term(q, seg)
        if isinstance(q, wq.And):
            return self._and([self._node(c, seg) for c in q.subqueries if not isinstance(c, wq.Not)], q, seg)
        if isinstance(q, wq.Or):
            return _scaled(
                _union([self._node(c, seg) for c in q.subqueries], seg.arrays.doc_count_all), q.boost
            )
        if isinstance(q, wq.AndNot):
            return _minus(self._node(q.a, seg), self._node(q.b, seg).ids, seg.arrays.doc_count_all)
        if isinstance(q, wq.AndMaybe):
            return _maybe(self._node(q.a, seg), self._node(q.b, seg), seg.arrays.doc_count_all)
        if isinstance(q, wq.Not):
            everything = self._every(seg)
            return _minus(
                Scored(everything.ids, np.zeros(len(everything.ids))),
                self._node(q.query, seg).ids,
                seg.arrays.doc_count_all,
            )
        if isinstance(q, wq.Every):
            return self._every(seg)
        if isinstance(q, wq.qcore._NullQuery):
            return Scored.empty()
        if isinstance(q, (wq.Prefix, wq.Wildcard)) and q.constantscore:
            return self._constant_terms(q, seg)
        if isinstance(q, wq.Phrase):
            return self._phrase(q, seg)
        return self._fallback(q, seg)

    def _term(self, q: wq.Term, seg: Segment) -> Scored:
        field = self.searcher.schema[q.fieldname]
        tbytes = field.to_bytes(q.text)
        small_ids, small_weights = seg.arrays.postings(seg.reader, q.fieldname, tbytes)
        if not len(small_ids):
            return Scored.empty()
        ids = small_ids.astype(np.int64)
        weights = small_weights.astype(np.float64)
        if not field.scorable:
            return Scored(ids, np.full(len(ids), q.boost))
        lengths = seg.arrays.lengths(seg.reader, q.fieldname)[ids]
        idf = self.idf(q.fieldname, q.text)
        norm = K1 * ((1 - B) + B * lengths / self.avg_length(q.fieldname))
        scores = idf * (weights * (K1 + 1)) / (weights + norm)
        if q.boost != 1.0:
            scores = scores * q.boost
        return Scored(ids, scores)

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
                result = _intersect(result, child, seg.arrays.doc_count_all)
        for negation in negated:
            result = _minus(result, self._node(negation.query, seg).ids, seg.arrays.doc_count_all)
        return _scaled(result, q.boost)

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
        slop = min(q.slop, (1 << (_POSITION_BITS - 1)) - 1)
        both: Scored | None = None
        for alts in alternatives:
            if both is not None and not len(both.ids):
                return Scored.empty()
            parts = [_scaled(self._term(wq.Term(q.fieldname, text), seg), boost) for text, boost in alts]
            word = parts[0] if len(parts) == 1 else _union(parts, n)
            both = word if both is None else _intersect(both, word, n)
        assert both is not None
        candidates = both.ids
        ends = _EMPTY_IDS
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
            candidates = np.unique(ends >> _POSITION_BITS)
        keep = np.isin(both.ids, candidates, assume_unique=True)
        return _scaled(Scored(both.ids[keep], both.scores[keep]), q.boost)

    def _every(self, seg: Segment) -> Scored:
        ids = np.arange(seg.arrays.doc_count_all, dtype=np.int64)
        return Scored(ids, np.ones(len(ids)))

    def _constant_terms(self, q: wq.Query, seg: Segment) -> Scored:
        reader = seg.reader
        parts = []
        for tbytes in q._btexts(reader):
            ids, _weights = seg.arrays.postings(reader, q.field(), tbytes)
            if len(ids):
                parts.append(ids.astype(np.int64))
        if not parts:
            return Scored.empty()
        ids = np.unique(np.concatenate(parts)) if len(parts) > 1 else parts[0]
        return Scored(ids, np.full(len(ids), float(q.boost)))

    def _fallback(self, q: wq.Query, seg: Segment) -> Scored:
        # Whoosh's matcher over this segment alone, scored with the top-level
        # statistics, as Whoosh's own leaf searchers do.
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


def _leaf_searcher(searcher: Any, reader: Any) -> Any:
    for sub, _offset in searcher.leaf_searchers():
        if sub.reader() is reader:
            return sub
    raise LookupError("segment reader not in searcher")


# Set operations on sorted docnum arrays. Past a small size, a dense pass over
# the segment's docnum space (bincount, boolean masks) beats sorting: it is
# linear, where np.unique and np.intersect1d sort everything again.


def _dense(total: int, n: int) -> bool:
    return total * 16 > n


def _union(children: list[Scored], n: int) -> Scored:
    children = [c for c in children if len(c.ids)]
    if not children:
        return Scored.empty()
    if len(children) == 1:
        return children[0]
    ids = np.concatenate([c.ids for c in children])
    scores = np.concatenate([c.scores for c in children])
    if _dense(len(ids), n):
        # A boolean mask finds the ids present several times faster than counts do.
        present = np.zeros(n, dtype=bool)
        present[ids] = True
        unique = np.flatnonzero(present)
        return Scored(unique, np.bincount(ids, weights=scores, minlength=n)[unique])
    unique, inverse = np.unique(ids, return_inverse=True)
    return Scored(unique, np.bincount(inverse, weights=scores, minlength=len(unique)))


def _positions(small: np.ndarray, large: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each id of ``small``: whether it is in ``large``, and where."""
    where = np.searchsorted(large, small)
    where[where == len(large)] = 0
    return large[where] == small, where


def _intersect(a: Scored, b: Scored, n: int) -> Scored:
    small, large = (a, b) if len(a.ids) <= len(b.ids) else (b, a)
    if not len(small.ids):
        return Scored.empty()
    if len(small.ids) * 16 < len(large.ids) or not _dense(len(large.ids), n):
        found, where = _positions(small.ids, large.ids)
        return Scored(small.ids[found], small.scores[found] + large.scores[where[found]])
    dense = np.zeros(n, dtype=np.float64)
    mask = np.zeros(n, dtype=bool)
    dense[large.ids] = large.scores
    mask[large.ids] = True
    found = mask[small.ids]
    ids = small.ids[found]
    return Scored(ids, small.scores[found] + dense[ids])


def _minus(positive: Scored, excluded: np.ndarray, n: int) -> Scored:
    if not len(excluded) or not len(positive.ids):
        return positive
    if _dense(len(excluded) + len(positive.ids), n):
        mask = np.zeros(n, dtype=bool)
        mask[excluded] = True
        keep = ~mask[positive.ids]
    else:
        found, _where = _positions(positive.ids, excluded)
        keep = ~found
    return Scored(positive.ids[keep], positive.scores[keep])


def _maybe(required: Scored, optional: Scored, n: int) -> Scored:
    if not len(optional.ids) or not len(required.ids):
        return required
    found, where = _positions(required.ids, optional.ids)
    scores = required.scores.copy()
    scores[found] += optional.scores[where[found]]
    return Scored(required.ids, scores)


def _scaled(result: Scored, boost: float) -> Scored:
    return result if boost == 1.0 else Scored(result.ids, result.scores * boost)


class ArrayCache:
    """Per-segment arrays and statistics, shared by every searcher of an engine."""

    def __init__(self, postings_budget: int = POSTINGS_CACHE_BYTES) -> None:
        self._segments: dict[str, SegmentArrays] = {}
        self._postings = PostingsCache(postings_budget)
        self._stats: OrderedDict[tuple[str, ...], Statistics] = OrderedDict()
        self._lock = threading.Lock()

    def evaluator(self, searcher: Any) -> Evaluator:
        parts = []
        seg_ids = []
        anonymous = False
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            anonymous = anonymous or segment is None
            seg_id = segment.segment_id() if segment is not None else f"anon-{id(reader)}"
            seg_ids.append(seg_id)
            with self._lock:
                arrays = self._segments.get(seg_id)
                if arrays is None:
                    arrays = self._segments[seg_id] = SegmentArrays(
                        seg_id, reader.doc_count_all(), self._postings
                    )
            deleted = arrays.deleted(segment) if segment is not None else None
            parts.append((offset, reader, arrays, deleted))
        key = tuple(seg_ids)
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
        return Evaluator(searcher, parts, stats)
