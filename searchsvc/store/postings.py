"""Reading Whoosh's W3 codec: postings, positions and numeric columns as NumPy arrays.

Whoosh's matchers read a posting at a time in Python; here a term's postings
are read block by block into arrays, and the position lists that a phrase
needs are decoded only for the documents still in the running.
"""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from collections.abc import Iterator, Sequence
from itertools import accumulate, chain
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermsReader, _lenfield
from whoosh.formats import Positions
from whoosh.matching import ListMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from ..errors import IndexCorrupt
from ..scoring import EMPTY_IDS, EMPTY_SCORES, PostingsCache
from .errors import reads_index

#: A word occurrence as one int64: its docnum in the high bits, its position in the low ones.
POSITION_BITS = 32
_LENGTHS = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)


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

    # Only what is read from the files is wrapped in reads_index: these run for
    # every segment of every search, and mostly find what they need in memory.

    def lengths(self, reader: Any, fieldname: str) -> np.ndarray:
        found = self._lengths.get(fieldname)
        if found is None:
            found = self._lengths[fieldname] = read_lengths(reader, fieldname, self.doc_count_all)
        return found

    def deleted(self, segment: Any) -> np.ndarray | None:
        """A mask of the segment's deleted documents, or None when it has none."""
        count = segment.deleted_count() if segment.has_deletions() else 0
        known_count, known = self._deleted
        if count == known_count:
            # A segment's deletions only grow, so their count tells which set it is.
            return known
        mask = np.zeros(self.doc_count_all, dtype=bool)
        mask[read_deleted(segment)] = True
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


@reads_index
def read_lengths(reader: Any, fieldname: str, doc_count: int) -> np.ndarray:
    """Each document's length of ``fieldname`` in one segment, as BM25F reads it."""
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(doc_count, dtype=np.float64)
    lengths: np.ndarray = _LENGTHS[column_array(column, doc_count)]
    return lengths


@reads_index
def read_deleted(segment: Any) -> np.ndarray:
    """The local docnums of a segment's deleted documents."""
    return np.fromiter(segment.deleted_docs(), dtype=np.int64)


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
        if len(values) > doc_count:
            # The table of contents counts fewer documents than the segment holds.
            raise IndexCorrupt(
                "cannot read the index: a column holds more documents than its segment",
                problem="a column holds more documents than its segment",
            )
        if len(values) < doc_count:
            values = np.concatenate(
                [values, np.full(doc_count - len(values), column._default, dtype=values.dtype)]
            )
        return values
    except AttributeError:
        # Another kind of column: read it the slow way.
        return np.fromiter((column[i] for i in range(doc_count)), dtype=np.int64, count=doc_count)


def column_bytes(column: Any, doc_count: int) -> list[bytes]:
    """A Whoosh column of byte strings of one segment as a list, its data read in one piece.

    Documents without a value (written before the column existed, in a merged
    segment) are ``b""``.
    """
    try:
        lengths, offsets = column._lengths, column._offsets
        raw = column._dbfile.get(column._basepos, (offsets[-1] + lengths[-1]) if len(lengths) else 0)
        values = [raw[start : start + length] for start, length in zip(offsets, lengths, strict=True)]
    except AttributeError:
        # Another kind of column: read it the slow way.
        values = [column[i] for i in range(doc_count)]
    if len(values) > doc_count:
        raise IndexCorrupt("cannot read the index: a column holds more documents than its segment")
    return values + [b""] * (doc_count - len(values))


def postings_extent(info: Any) -> tuple[int, int]:
    """Where the postings of a term that are not inlined lie in the postings file: offset, length."""
    offset, length = info.extent()
    # Whoosh 2.7.4 reads the length back as a 1-tuple (unpack without [0]).
    return offset, length[0] if isinstance(length, tuple) else length


def _postings_bytes(terms: W3TermsReader, info: Any) -> bytes:
    offset, length = postings_extent(info)
    data: bytes = terms._postfile.get(offset, length)
    return data


@reads_index
def read_postings(reader: Any, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Local docnums and weights of one term of one segment, deleted documents included."""
    terms = getattr(reader, "_terms", None)
    if terms is None:
        # An index that never had a segment reads through Whoosh's EmptyReader.
        return EMPTY_IDS, EMPTY_SCORES
    if isinstance(terms, W3TermsReader):
        try:
            info = terms.term_info(fieldname, tbytes)
        except (KeyError, TermNotFound):
            return EMPTY_IDS, EMPTY_SCORES
        if not info.is_inlined():
            return read_blocks(_postings_bytes(terms, info))
    try:
        matcher = reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    except (KeyError, TermNotFound):
        return EMPTY_IDS, EMPTY_SCORES
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
            return EMPTY_IDS, EMPTY_SCORES
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
        return EMPTY_IDS, EMPTY_SCORES
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
        raise IndexCorrupt(
            "cannot read the index: a posting list is damaged; run 'searchsvc reindex'",
            problem="a posting list is damaged",
        )
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


@reads_index
def read_whole(terms: W3TermsReader, info: Any) -> tuple[list[int], list[float], list[bytes]]:
    """Every docnum, weight and value of one term, each block unpickled in full.

    For the index check, which must read everything: searches read only what
    they need (:func:`read_blocks`, :func:`read_positions`).
    """
    if info.is_inlined():
        ids_any, weights_any, values_any = info.inlined_postings()
        return list(ids_any), _weights(weights_any, len(ids_any)), _values(values_any, len(ids_any))
    postings = _postings_bytes(terms, info)
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    for header, start, end in _w3_blocks(postings):
        deltas, weights_any, values_any = pickle.loads(_block_data(postings, header, start, end))
        count = header[0]
        if len(deltas) != count:
            raise IndexCorrupt(
                "cannot read the index: a block of postings holds fewer than it says",
                problem="a block of postings holds fewer than it says",
            )
        # A block holds the gaps between its docnums, the first from 0.
        ids.extend(accumulate(deltas))
        weights.extend(_weights(weights_any, count))
        values.extend(_values(values_any, count))
    return ids, weights, values


def _weights(weights: Any, count: int) -> list[float]:
    # A block whose weights are all one value stores that value (None for 1.0).
    if weights is None or isinstance(weights, float):
        return [1.0 if weights is None else weights] * count
    return list(weights)


def _values(values: Any, count: int) -> list[bytes]:
    return list(values) if values is not None else [b""] * count


@reads_index
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
        return EMPTY_IDS
    if info.is_inlined():
        ids, _weights, values = info.inlined_postings()
        return _occurrences(np.asarray(ids, dtype=np.int64), values, docs, fmt)
    postings = _postings_bytes(terms, info)
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
        return EMPTY_IDS
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _occurrences(ids: np.ndarray, values: Sequence[bytes], docs: np.ndarray, fmt: Any) -> np.ndarray:
    """Occurrence keys of the postings (``ids``, ``values``) whose docnum is in ``docs``."""
    wanted = np.flatnonzero(np.isin(ids, docs, assume_unique=True))
    if not len(wanted):
        return EMPTY_IDS
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
    return (np.repeat(ids[wanted], counts) << POSITION_BITS) | positions


def _positions_by_matcher(reader: Any, fieldname: str, tbytes: bytes, docs: np.ndarray) -> np.ndarray:
    # Readers of other codecs: Whoosh's matcher, one wanted document at a time.
    try:
        matcher = reader.postings(fieldname, tbytes)
    except (KeyError, TermNotFound):
        return EMPTY_IDS
    keys: list[int] = []
    for doc in docs.tolist():
        if not matcher.is_active():
            break
        matcher.skip_to(doc)
        if matcher.is_active() and matcher.id() == doc:
            keys.extend((doc << POSITION_BITS) | p for p in matcher.value_as("positions"))
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
