"""Writing Whoosh segments without Whoosh's per-posting machinery.

Whoosh's ``SegmentWriter`` turns every posting into a tuple, sorts the tuples
in a pool (spilling pickled runs to disk), and then walks them one by one,
reading each document's field length back from disk to keep block
statistics. On news articles of a few hundred words that is most of the
indexing time. :class:`FastSegmentWriter` keeps each field's postings in flat
arrays instead, sorts them once with NumPy at the end, and hands whole blocks
to Whoosh's own block writer, so the files it writes are the files Whoosh
writes and every Whoosh reader reads them.

:func:`write_parallel` runs one such writer per process, each writing its own
segments, and commits them together.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import operator
import os
import pickle
import queue
import secrets
import signal
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3Segment,
    W3TermInfo,
    _lenfield,
)
from whoosh.formats import Positions
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import NO_MERGE, SegmentWriter

from ..analysis.languages import analysis_language
from ..errors import IndexWriteFailed, SearchsvcError
from .checksums import record_segments, record_toc
from .errors import store_errors
from .postings import column_array

#: Field length for each stored length byte; 0 means "no length", as in Whoosh.
_LENGTH_OF_BYTE = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.int64)

#: Postings per block. Whoosh writes 128; its readers take any count from
#: the block header. Reading a term costs a fixed price per block (a header
#: to unpickle, a zlib call, arrays to join), and the terms a search spends
#: its time on are the frequent ones: at 100k documents, 1,024 per block made
#: the p50 of single frequent words half, the index 8 % smaller and phrase
#: searches no slower.
BLOCK_LIMIT = 1024
#: zlib level, as Whoosh's W3 codec writes blocks.
COMPRESSION = 3
#: Pickle protocol of posting blocks and inlined postings. Whoosh writes
#: protocol 2, which pickles every bytes value (a position list) as a call to
#: ``_codecs.encode``: protocol 4 pickles ten times faster, compresses four
#: times faster to a third of the size, and loads four times faster. Whoosh
#: reads either, with ``pickle.loads``.
PICKLE_PROTOCOL = 4
#: Terms with fewer postings than this are stored in the terms table itself:
#: most terms of a news collection occur in one or two documents, and a block
#: of their own costs a compressed pickle to write and to read.
INLINE_LIMIT = 8

#: Postings converted to Python lists at a time while writing blocks: bounds
#: the memory of the conversion on large segments.
_CHUNK_POSTINGS = 1 << 20

#: Encoded position lists of one position, by position: most postings of a
#: news article are words that occur once in it.
_ONE_POSITION: dict[int, bytes] = {}
_NO_POSITIONS = pack_uint(0) + pickle.dumps([], 2)


def encode_positions(positions: list[int]) -> bytes:
    """What :meth:`whoosh.formats.Positions.encode` gives for ``positions``."""
    if not positions:
        return _NO_POSITIONS
    if len(positions) == 1:
        first = positions[0]
        encoded = _ONE_POSITION.get(first)
        if encoded is None:
            encoded = _ONE_POSITION[first] = pack_uint(1) + pickle.dumps([first], 2)
        return encoded
    deltas = [positions[0]]
    deltas.extend(b - a for a, b in zip(positions, positions[1:], strict=False))
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


class _FieldPostings:
    """The postings of one field of a segment being written, in arrival order."""

    __slots__ = ("term_ids", "tids", "docs", "weights", "values")

    def __init__(self) -> None:
        self.term_ids: dict[str | bytes, int] = {}
        self.tids = array("I")
        self.docs = array("I")
        # Doubles, as Whoosh keeps them until a block is written: its block
        # statistics use the unrounded weight.
        self.weights = array("d")
        self.values: list[bytes] = []

    def __len__(self) -> int:
        return len(self.docs)

    def add(self, term: str | bytes, docnum: int, weight: float, value: bytes) -> None:
        term_ids = self.term_ids
        tid = term_ids.get(term)
        if tid is None:
            tid = term_ids[term] = len(term_ids)
        self.tids.append(tid)
        self.docs.append(docnum)
        self.weights.append(weight)
        self.values.append(value)


#: The characters of a segment's name, as Whoosh names them.
_SEGMENT_NAME_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


class _FreshlyNamed(W3Codec):  # type: ignore[misc]
    """Whoosh's codec, but new segments are named from the system's randomness.

    Whoosh names them with the ``random`` module, whose state belongs to the
    program: one that seeds it (as a test or a reproducible job does) would get the
    names of segments it wrote before, and every commit would fail on the clash.
    The segment keeps a plain W3 codec, so the table of contents pickles it as before.
    """

    def new_segment(self, storage: Any, indexname: str) -> W3Segment:
        name = "".join(secrets.choice(_SEGMENT_NAME_CHARS) for _ in range(16))
        return W3Segment(W3Codec(), indexname, segid=name)


class FastSegmentWriter(SegmentWriter):  # type: ignore[misc]
    """A ``SegmentWriter`` that writes the same segment files, faster.

    Documents are added with :meth:`add_document` as to Whoosh's writer.
    Postings that reach Whoosh's pool anyway (from segments merged into this
    one, or from documents with boost keywords, which take Whoosh's own path)
    are folded in when the segment is written.
    """

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        kwargs.setdefault("codec", _FreshlyNamed())
        super().__init__(ix, **kwargs)
        self._postings: dict[str, _FieldPostings] = {}
        # Whoosh's merge policies may hand back this very list, with the new segments appended.
        self._segments_before = {segment.segment_id() for segment in self.segments}

    def _commit_toc(self, segments: list[Any]) -> None:
        # The checksums of the segments this commit wrote go to disk before the
        # table of contents that makes them part of the index.
        new = [segment for segment in segments if segment.segment_id() not in self._segments_before]
        record_segments(self.storage, new)
        super()._commit_toc(segments)
        record_toc(self.storage, self.indexname, self.generation)

    def _field_postings(self, fieldname: str) -> _FieldPostings:
        postings = self._postings.get(fieldname)
        if postings is None:
            postings = self._postings[fieldname] = _FieldPostings()
        return postings

    def add_document(self, **fields: Any) -> None:
        if any(name.startswith("_") for name in fields):
            # Boosts and custom stored values: Whoosh's own path, rare.
            super().add_document(**fields)
            return
        self._check_state()
        schema = self.schema
        perdoc = self.perdocwriter
        docnum = self.docnum
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        language = analysis_language(fields.get("lang"))
        perdoc.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                length = self._index_value(fieldname, field, value, docnum, language)
            if field.vector:
                vitems = sorted(
                    (text, weight, vbytes)
                    for text, _, weight, vbytes in field.vector.word_values(
                        value, field.analyzer, mode="index"
                    )
                )
                perdoc.add_vector_items(fieldname, field, vitems)
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(fieldname, column, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_value(self, fieldname: str, field: Any, value: Any, docnum: int, language: str | None) -> int:
        """Add the postings of one field value, analysed in the document's ``language``;
        its length if the field is scorable."""
        postings = self._field_postings(fieldname)
        term_positions = getattr(field.analyzer, "term_positions", None)
        if term_positions is not None and isinstance(value, str) and isinstance(field.format, Positions):
            # The analyzer's fast path: the same terms and positions Whoosh's
            # token stream gives (see NewsPositions).
            boost = field.format.field_boost
            term_ids = postings.term_ids
            tids, docs, weights, values = postings.tids, postings.docs, postings.weights, postings.values
            length = 0
            for text, (positions, weight) in term_positions(value, written=True, language=language).items():
                tid = term_ids.get(text)
                if tid is None:
                    tid = term_ids[text] = len(term_ids)
                tids.append(tid)
                docs.append(docnum)
                weights.append(weight * boost)
                if positions:
                    length += len(positions)
                    values.append(encode_positions(positions))
                else:
                    values.append(_NO_POSITIONS)
            return length if field.scorable else 0
        length = 0
        scorable = field.scorable
        for tbytes, freq, weight, vbytes in field.index(value):
            if scorable:
                length += freq
            postings.add(tbytes, docnum, weight, vbytes)
        return length

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: Any) -> None:
        # Segments merged into this one: straight into the field postings.
        # Whoosh's pool would also reject the empty text value a term whose
        # postings are inlined gives for a field without values.
        for fieldname, btext, docnum, weight, value in self._process_posts(
            reader.iter_postings(), startdoc, docmap
        ):
            self._field_postings(fieldname).add(
                btext, docnum, weight, value if isinstance(value, bytes) else b""
            )

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            for fieldname, btext, docnum, weight, value in self.pool.iter_postings():
                if docnum != -1:  # Whoosh's marker for spelling words, not postings
                    self._field_postings(fieldname).add(btext, docnum, weight, value or b"")
            for fieldname in sorted(self._postings):
                postings = self._postings[fieldname]
                if len(postings):
                    self._write_field(fieldname, postings, lengths)
            self._postings = {}
            self.fieldwriter.close()
        finally:
            if lengths is not None:
                lengths.close()

    def _write_field(self, fieldname: str, postings: _FieldPostings, lengths: Any) -> None:
        field = self.schema[fieldname]
        terms = [t if isinstance(t, bytes) else t.encode("utf-8") for t in postings.term_ids]
        # The same bytes may have come as text and as bytes: one term.
        ordered = sorted(set(terms))
        rank_of = {b: i for i, b in enumerate(ordered)}
        rank = np.fromiter((rank_of[b] for b in terms), dtype=np.int64, count=len(terms))
        keys = rank[np.frombuffer(postings.tids, dtype=np.uint32)]
        docs = np.frombuffer(postings.docs, dtype=np.uint32).astype(np.int64)
        order = np.lexsort((docs, keys))
        keys = keys[order]
        docs = docs[order]
        weights = np.frombuffer(postings.weights, dtype=np.float64)[order]
        doc_lengths = self._doc_lengths(fieldname, field, lengths)
        field_lengths = doc_lengths[docs] if doc_lengths is not None else np.zeros(len(docs), np.int64)
        values = postings.values
        # Whoosh keeps a posting's value only when it is not empty.
        keep_values = any(values)
        del postings.tids, postings.docs, postings.weights

        bounds = np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1, [len(keys)]))
        # Block ids are stored as differences, each block starting from zero.
        deltas = np.diff(docs, prepend=0)
        term_start = np.repeat(bounds[:-1], np.diff(bounds))
        block_start = (np.arange(len(docs)) - term_start) % BLOCK_LIMIT == 0
        deltas[block_start] = docs[block_start]
        bounds = bounds.tolist()

        self.fieldwriter.start_field(fieldname, field)
        block = _BlockWriter(self.fieldwriter, field.format)
        term = 0
        nterms = len(bounds) - 1
        while term < nterms:
            # A chunk of whole terms, converted to lists in one go.
            first = bounds[term]
            last_term = term + 1
            while last_term < nterms and bounds[last_term + 1] - first <= _CHUNK_POSTINGS:
                last_term += 1
            last = bounds[last_term]
            block.load(
                docs[first:last].tolist(),
                deltas[first:last].tolist(),
                weights[first:last].tolist(),
                weights[first:last].astype(np.float32).tolist(),
                field_lengths[first:last].tolist(),
                _pick(values, order[first:last]) if keep_values else None,
            )
            for t in range(term, last_term):
                block.write_term(ordered[int(keys[bounds[t]])], bounds[t] - first, bounds[t + 1] - first)
            term = last_term
        self.fieldwriter.finish_field()

    def _doc_lengths(self, fieldname: str, field: Any, lengths: Any) -> np.ndarray | None:
        """Each document's length of the field, as Whoosh reads it back, or None."""
        if lengths is None or not field.scorable:
            return None
        column = lengths._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        stored = column_array(column, self.docnum)
        return _LENGTH_OF_BYTE[stored]


def _pick(items: list[bytes], indices: np.ndarray) -> list[bytes]:
    if len(indices) == 0:
        return []
    if len(indices) == 1:
        return [items[int(indices[0])]]
    return list(operator.itemgetter(*indices.tolist())(items))


class _TermInfo(W3TermInfo):  # type: ignore[misc]
    """W3's term info, with inlined postings pickled at :data:`PICKLE_PROTOCOL`."""

    def to_bytes(self) -> bytes:
        inlined: Any = self._inlined
        if inlined is None:
            return bytes(super().to_bytes())
        self._inlined: Any = ()
        try:
            head = super().to_bytes()
        finally:
            self._inlined = inlined
        # Whoosh's bytes are the packed statistics and then the pickle.
        return bytes(head[: self._struct.size]) + pickle.dumps(inlined, PICKLE_PROTOCOL)


class _BlockWriter:
    """Writes one field's terms as Whoosh's W3 codec does, a chunk of postings at a time.

    Terms with fewer than :data:`INLINE_LIMIT` postings go into the terms
    table itself (W3's inlined postings, which Whoosh 2.7.4 can read but not
    write), the others into the postings file in blocks of
    :data:`BLOCK_LIMIT`, pickled and compressed as Whoosh does.
    """

    def __init__(self, fieldwriter: Any, fmt: Any) -> None:
        self.terms = fieldwriter._tindex
        self.postfile = fieldwriter._postfile
        self.prefix = pack_ushort(fieldwriter._fieldid)
        fixed = fmt.fixed_value_size()
        self.values_as = "tuple" if fixed is None or fixed < 0 else ("none" if fixed == 0 else "joined")

    def load(
        self,
        docs: list[int],
        deltas: list[int],
        weights: list[float],
        weights32: list[float],
        lengths: list[int],
        values: list[bytes] | None,
    ) -> None:
        self.docs, self.deltas, self.weights, self.weights32 = docs, deltas, weights, weights32
        self.lengths, self.values = lengths, values

    def _values(self, a: int, b: int) -> Any:
        values = self.values[a:b] if self.values is not None else []
        if self.values_as == "tuple":
            return tuple(values)
        if self.values_as == "none":
            return None
        return b"".join(values)

    def write_term(self, btext: bytes, start: int, end: int) -> None:
        info = _TermInfo()
        info._df = end - start
        info._minid = self.docs[start]
        info._maxid = self.docs[end - 1]
        weights32 = self.weights32[start:end]
        info._weight = sum(weights32)
        present = [n for n in self.lengths[start:end] if n]
        info._minlength = min(present) if present else None
        info._maxlength = max(present) if present else 0
        heaviest = max(self.weights[start:end])
        info._maxweight = heaviest if heaviest > 0 else 0
        if end - start < INLINE_LIMIT:
            values = self.values[start:end] if self.values is not None else []
            info._inlined = (tuple(self.docs[start:end]), tuple(weights32), tuple(values))
        else:
            postfile = self.postfile
            offset = postfile.tell()
            postfile.write(WHOOSH3_HEADER_MAGIC)
            for a in range(start, end, BLOCK_LIMIT):
                self._write_block(a, min(a + BLOCK_LIMIT, end), end)
            info._offset = offset
            info._length = postfile.tell() - offset
        self.terms.add(self.prefix + btext, info.to_bytes())

    def _write_block(self, a: int, b: int, end: int) -> None:
        weights32 = self.weights32[a:b]
        first = weights32[0]
        if weights32.count(first) == len(weights32):
            mini_weights: Any = None if first == 1.0 else first
        else:
            mini_weights = tuple(weights32)
        data = zlib.compress(
            pickle.dumps((tuple(self.deltas[a:b]), mini_weights, self._values(a, b)), PICKLE_PROTOCOL),
            COMPRESSION,
        )
        heaviest = max(self.weights[a:b])
        present = [n for n in self.lengths[a:b] if n]
        head = pickle.dumps(
            (
                b - a,
                self.docs[b - 1],
                heaviest if heaviest > 0 else 0,
                COMPRESSION,
                length_to_byte(min(present) if present else None),
                length_to_byte(max(present) if present else 0),
            ),
            2,
        )
        size = len(head) + len(data)
        # A negative size marks a term's last block.
        self.postfile.write(pack_int(-size if b >= end else size) + head + data)


#: How long a worker waits for a job before it checks that its parent is still there.
_POLL_SECONDS = 1.0
#: How long stopping the workers waits for them to exit after SIGTERM, before SIGKILL.
_STOP_SECONDS = 2.0


#: prctl(2)'s option that sends the caller a signal when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this worker when ``parent`` dies, even in the middle of a batch.

    A worker shares its parent's locks on the index (the rebuild mark is one):
    one that outlived a killed parent would keep the next run out until it
    noticed. Elsewhere than Linux, the worker notices at its next batch.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _parallel_worker(
    ix: Any,
    jobs: Any,
    results: Any,
    make_fields: Callable[[Any], dict[str, Any]],
    options: dict[str, Any],
    segment_docs: int,
    parent: int,
) -> None:
    _die_with(parent)
    # Ctrl-C in a terminal reaches the whole process group: the parent alone
    # handles it, and stops the workers. The worker was forked with SIGINT
    # blocked (see _sigint_blocked), so none can arrive before this line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    writer: FastSegmentWriter | None = None
    segments: list[Any] = []
    try:
        while True:
            batch = _next_job(jobs, parent)
            if batch is None:
                break
            for doc in batch:
                if writer is None:
                    writer = FastSegmentWriter(ix, _lk=False, **options)
                writer.add_document(**make_fields(doc))
                if writer.doc_count() >= segment_docs:
                    # Not _finish(): that would remove the temporary folder
                    # every writer of this index shares.
                    segments.append(writer._finalize_segment())
                    writer = None
        if writer is not None:
            segments.append(writer._finalize_segment())
            writer = None
        results.put(("ok", segments))
    except BaseException as exc:  # reported to the parent, which raises it
        if writer is not None:
            writer.cancel()
        error: BaseException = exc
        try:
            # searchsvc's own errors cross to the parent as they are.
            if not isinstance(exc, SearchsvcError):
                raise TypeError
            pickle.dumps(exc)
        except Exception:
            error = IndexWriteFailed(f"an indexing process failed: {type(exc).__name__}: {exc}")
        results.put(("error", error))


def _next_job(jobs: Any, parent: int) -> Any:
    while True:
        try:
            return jobs.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            # Every worker holds the queue's write end too, so a parent that was
            # killed never shows as the end of the queue: orphans would wait forever.
            if os.getppid() != parent:
                raise IndexWriteFailed("the indexing process that started this one is gone") from None


def write_parallel(
    ix: Any,
    docs: Iterable[Mapping[str, Any]],
    make_fields: Callable[[Any], dict[str, Any]],
    *,
    procs: int,
    batch: int = 200,
    segment_docs: int = 250_000,
    timeout: float = 5.0,
    **options: Any,
) -> int:
    """Add ``docs`` to ``ix`` in ``procs`` worker processes and commit them.

    ``make_fields`` turns one document into Whoosh field values; it runs in the
    workers, so the costly part of preparing a document is parallel too. Each
    worker writes a segment per ``segment_docs`` documents. Existing segments
    are kept as they are. Returns the number of documents written.

    If anything stops it (an error, or KeyboardInterrupt: the workers ignore
    SIGINT and leave it to this process), the workers are stopped, the writes
    are cancelled and the index lock is released before the exception goes on.
    """
    context = multiprocessing.get_context("fork")
    with store_errors("write the new index"):
        parent = FastSegmentWriter(ix, timeout=timeout, **options)
    jobs = context.Queue(procs * 4)
    results = context.Queue()
    workers = [
        context.Process(
            target=_parallel_worker,
            args=(ix, jobs, results, make_fields, options, segment_docs, os.getpid()),
            daemon=True,
        )
        for _ in range(procs)
    ]
    count = 0
    try:
        with _sigint_blocked():
            for worker in workers:
                worker.start()
        pending: list[Mapping[str, Any]] = []
        for doc in docs:
            pending.append(doc)
            count += 1
            if len(pending) >= batch:
                _put(jobs, pending, workers)
                pending = []
        if pending:
            _put(jobs, pending, workers)
        for _ in workers:
            _put(jobs, None, workers)
        with store_errors("write the new index"):
            segments = list(parent._merge_segments(NO_MERGE, False, False))
        for _ in workers:
            status, payload = _get(results, workers)
            if status != "ok":
                raise payload
            segments.extend(payload)
        for worker in workers:
            worker.join()
        with store_errors("write the new index"):
            parent._close_segment()
            parent._commit_toc(segments)
            parent._finish()
    except BaseException:
        _stop_workers(workers, (jobs, results))
        with contextlib.suppress(Exception):
            # The index is being abandoned: cleaning up is best effort.
            parent.cancel()
        raise
    return count


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """SIGINT held back in this thread for the block: processes forked in it start so.

    A SIGINT that comes meanwhile is delivered when the block ends, to this
    process only: a forked child's pending signals are cleared.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_workers(workers: list[Any], queues: tuple[Any, ...]) -> None:
    """Stop the workers now, and let this process exit without flushing the queues.

    A queue's feeder thread may be blocked on a pipe no worker reads any more;
    multiprocessing joins it at exit unless told not to, and the process hangs
    (Ctrl-C printed "Aborted." and never returned). It goes first: a second
    Ctrl-C may cut the rest short, and the workers are daemons, which
    multiprocessing terminates at exit anyway.
    """
    for jobs_or_results in queues:
        jobs_or_results.cancel_join_thread()
    started = [worker for worker in workers if worker.pid is not None]
    for worker in started:
        if worker.is_alive():
            worker.terminate()
    deadline = time.monotonic() + _STOP_SECONDS
    for worker in started:
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            worker.kill()
            worker.join(_STOP_SECONDS)
    for jobs_or_results in queues:
        jobs_or_results.close()


def _alive_or_raise(workers: list[Any]) -> None:
    for worker in workers:
        if worker.exitcode not in (None, 0):
            raise IndexWriteFailed(f"an indexing process stopped (exit code {worker.exitcode})")


def _put(jobs: Any, item: Any, workers: list[Any]) -> None:
    while True:
        try:
            jobs.put(item, timeout=1.0)
            return
        except queue.Full:
            _alive_or_raise(workers)


def _get(results: Any, workers: list[Any]) -> Any:
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            _alive_or_raise(workers)


def parallel_available() -> bool:
    """Whether :func:`write_parallel` can run here (it forks the process)."""
    return "fork" in multiprocessing.get_all_start_methods() and os.name == "posix"


@contextlib.contextmanager
def writing(ix: Any, action: str, **options: Any) -> Iterator[SegmentWrites]:
    """Writes to ``ix`` that commit when the block ends, and are cancelled if it fails.

    Only the store's own failures become index errors: an exception of the
    block itself (the documents' source failing, say) goes through as it is.
    """
    with store_errors(action):
        writer = FastSegmentWriter(ix, **options)
    writes = SegmentWrites(writer, action)
    try:
        yield writes
        if writes.cancelled:
            writer.cancel()
            return
    except BaseException:
        with contextlib.suppress(Exception):
            # The writes are abandoned: cleaning up is best effort.
            writer.cancel()
        raise
    try:
        with store_errors(action):
            writer.commit()
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


class SegmentWrites:
    """Adds and replaces documents through one writer, its failures as index errors."""

    def __init__(self, writer: FastSegmentWriter, action: str) -> None:
        self._writer = writer
        self._action = action
        self.cancelled = False

    def cancel(self) -> None:
        """Write nothing: the block's writes are dropped, and the lock released."""
        self.cancelled = True

    def add(self, fields: Mapping[str, Any]) -> None:
        """Add one document's index fields (see :func:`~searchsvc.store.schema.to_index_fields`)."""
        with store_errors(self._action):
            self._writer.add_document(**fields)

    def apply(self, pending: Mapping[str, Any], make_fields: Callable[[Any], Mapping[str, Any]]) -> None:
        """Replace or delete by id: ``pending`` maps an id to its document, or None to delete it."""
        writer = self._writer
        with store_errors(self._action):
            # Whoosh's update_document opens a searcher per call; deleting the
            # replaced ids through one searcher and adding is many times faster.
            searcher = writer.searcher()
            try:
                reader = searcher.reader()
                for doc_id, doc in pending.items():
                    if reader.doc_frequency("id", doc_id):
                        writer.delete_by_term("id", doc_id, searcher=searcher)
                    if doc is not None:
                        writer.add_document(**make_fields(doc))
            finally:
                searcher.close()
