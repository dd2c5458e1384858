"""A point-in-time view of one index generation, handed out as plain Python and arrays.

A :class:`Snapshot` wraps one Whoosh searcher. Everything a search or a write
needs to read goes through it: documents by id, stored documents, and for
each segment its facet values, dates and deleted documents, as NumPy arrays.
Whatever it reads, a failure of the files becomes an index error here, naming
the segment wherever what was read is one segment's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from whoosh.codec.base import Automata
from whoosh.reading import TermNotFound

from .errors import damaged_segment, reading_segment, reads_index, store_errors
from .files import compound_name
from .postings import column_array, column_bytes, read_lengths, read_postings
from .schema import STORED_DOCUMENT

#: Whoosh stores datetimes as microseconds since 0001-01-01.
_EPOCH_TICKS = (dt.datetime(1970, 1, 1) - dt.datetime(1, 1, 1)) // dt.timedelta(microseconds=1)
#: The value Whoosh writes in the date column of a document without a date.
_NO_DATE_TICKS = 2**64 - 1
#: Stand-in for "no date" in arrays of seconds; it sorts after every date.
NO_DATE = 2**62

F = TypeVar("F", bound=Callable[..., Any])


def _reads_segment(method: F) -> F:
    """Mark a method of :class:`SegmentPart` that reads its files: a failure names the segment."""

    @functools.wraps(method)
    def wrapper(self: SegmentPart, *args: Any, **kwargs: Any) -> Any:
        with reading_segment(self.id, self.file):
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class SegmentPart:
    """One segment of a snapshot: its documents are the snapshot's ``offset`` to
    ``offset + doc_count_all``, deleted ones included."""

    id: str
    offset: int
    doc_count_all: int
    deleted_count: int
    reader: Any
    segment: Any
    #: The one file holding the segment (a compound segment's), without its folder.
    file: str | None = None

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """A block that reads this segment: a failure of its files is an index error naming it."""
        return reading_segment(self.id, self.file)

    @_reads_segment
    def deleted_docs(self) -> np.ndarray:
        """Local docnums of the deleted documents, sorted."""
        if self.segment is None or not self.segment.has_deletions():
            return np.empty(0, dtype=np.int64)
        return np.fromiter(sorted(self.segment.deleted_docs()), dtype=np.int64)

    @_reads_segment
    def values(self, fieldname: str) -> Iterator[tuple[str, np.ndarray]]:
        """Each value of a keyword field and the local docnums holding it, deleted ones included."""
        reader = self.reader
        if fieldname not in reader.schema:
            return iter(())
        found = []
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8") if isinstance(term, bytes) else term
            ids, _weights = read_postings(reader, fieldname, term)
            found.append((value, ids))
        return iter(found)

    @_reads_segment
    def ids(self) -> list[bytes]:
        """Each document's id as UTF-8, deleted ones included."""
        count = self.doc_count_all
        reader = self.reader
        if reader.has_column("id"):
            ids = column_bytes(reader.column_reader("id", translate=False), count)
        else:
            ids = [b""] * count
        for docnum, value in enumerate(ids):
            if not value:
                # Written before ids had a column: the stored document knows its id.
                stored = json.loads(reader.stored_fields(docnum)[STORED_DOCUMENT])
                ids[docnum] = str(stored["id"]).encode("utf-8")
        return ids

    @_reads_segment
    def seconds(self, fieldname: str = "date") -> np.ndarray:
        """Each document's date as Unix seconds, :data:`NO_DATE` where it has none."""
        count = self.doc_count_all
        seconds = np.full(count, NO_DATE, dtype=np.int64)
        if self.reader.has_column(fieldname):
            ticks = column_array(self.reader.column_reader(fieldname, translate=False), count)
            dated = ticks != np.uint64(_NO_DATE_TICKS)
            seconds[dated] = ((ticks[dated].astype(np.int64) - _EPOCH_TICKS) // 1_000_000).astype(np.int64)
        return seconds


class Snapshot:
    """What one searcher of the index sees, until it is refreshed."""

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher
        self._parts: list[SegmentPart] | None = None
        self._offsets: list[int] = []

    @classmethod
    def open(cls, ix: Any) -> Snapshot:
        """A snapshot of the latest commit of the Whoosh index ``ix``."""
        with store_errors("search the index"):
            return cls(ix.searcher())

    @property
    def searcher(self) -> Any:
        """The Whoosh searcher: for :mod:`searchsvc.store` only."""
        return self._searcher

    @property
    def storage(self) -> Any:
        """The files the snapshot reads (Whoosh's storage), or None for an index in memory:
        for :mod:`searchsvc.store` only."""
        storage = getattr(self._searcher._ix, "storage", None)
        return None if storage is None or not hasattr(storage, "folder") else storage

    def close(self) -> None:
        self._searcher.close()

    def of_index(self, ix: Any) -> bool:
        """Whether this snapshot reads the index object ``ix``."""
        return self._searcher._ix is ix

    @reads_index
    def refreshed(self) -> Snapshot:
        """This snapshot if the index has not changed, else a new one of its latest commit."""
        if self._searcher.up_to_date():
            return self
        return Snapshot(self._searcher.refresh())

    @reads_index
    def doc_count(self) -> int:
        """Live documents."""
        return int(self._searcher.doc_count())

    def has_term(self, fieldname: str, text: str) -> bool:
        for part in self.segments():
            with part.reading():
                if (fieldname, text) in part.reader:
                    return True
        return False

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the term, deleted ones not yet merged away included."""
        total = 0
        for part in self.segments():
            with part.reading():
                total += int(part.reader.doc_frequency(fieldname, text))
        return total

    @reads_index
    def every_value_holds(self, fieldname: str, text: str) -> bool:
        """Whether every document with words in ``fieldname`` holds the term ``text`` there
        (deleted documents counted: cheaper, and only ever on the safe side)."""
        for part in self.segments():
            if not part.doc_count_all:
                continue
            with part.reading():
                reader = part.reader
                with_words = int(np.count_nonzero(read_lengths(reader, fieldname, part.doc_count_all)))
                if with_words and reader.doc_frequency(fieldname, text) < with_words:
                    return False
        return True

    @reads_index
    def terms_near(
        self, fieldnames: Sequence[str], text: str, maxdist: int, *, prefix: int = 0, most: int = 64
    ) -> set[str]:
        """Up to ``most`` terms of the fields within ``maxdist`` edits of ``text`` that
        share its first ``prefix`` characters.

        Edits are Levenshtein's: insert, delete, replace. One automaton, built
        once, walks the sorted terms of each field of each segment, seeking from
        one possible match to the next; the reader of several segments would
        compare ``text`` with every term instead.
        """
        found: set[str] = set()
        automaton = Automata.levenshtein_dfa(text, maxdist, prefix)
        for part in self.segments():
            reader = part.reader
            for fieldname in fieldnames:
                if not part.doc_count_all or fieldname not in reader.schema:
                    continue
                with part.reading():
                    for term in Automata.find_matches(automaton, reader.cursor(fieldname)):
                        found.add(term)
                        if len(found) >= most:
                            return found
        return found

    @reads_index
    def documents_with(self, fieldname: str, text: str, most: int) -> list[int]:
        """Up to ``most`` live documents holding the term, in docnum order."""
        found: list[int] = []
        for part in self.segments():
            reader = part.reader
            with part.reading():
                if (fieldname, text) not in reader:
                    continue
                postings = reader.postings(fieldname, text)
                while postings.is_active() and len(found) < most:
                    found.append(part.offset + int(postings.id()))
                    postings.next()
            if len(found) >= most:
                break
        return found

    def existing(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are live documents."""
        return {i for i in ids if self.document_number(i) is not None}

    def document_number(self, doc_id: str) -> int | None:
        """The live document with id ``doc_id``: the first segment's to hold one, as Whoosh finds it."""
        for part in self.segments():
            with part.reading():
                try:
                    # Whoosh's postings leave deleted documents out.
                    found = part.reader.first_id("id", doc_id)
                except TermNotFound:
                    continue
            return part.offset + int(found)
        return None

    def documents_by_id(self, after: str | None = None) -> Iterator[dict[str, Any]]:
        """The live documents in the order of their ids (that of their UTF-8 bytes, which is
        that of their characters), from the first id after ``after``."""
        searcher = self._searcher
        with store_errors("read the index"):
            for fieldname, text in searcher.reader().terms_from("id", after or ""):
                if fieldname != "id":
                    return
                doc_id = text.decode("utf-8") if isinstance(text, bytes) else text
                if after is not None and doc_id <= after:
                    continue
                docnum = self.document_number(doc_id)
                if docnum is not None:  # else every document with it was deleted
                    yield self.stored(docnum)

    def stored(self, docnum: int) -> dict[str, Any]:
        """The document stored with ``docnum``, as it was given."""
        parts = self.segments()
        part = parts[max(0, bisect_right(self._offsets, docnum) - 1)]
        local = docnum - part.offset
        with part.reading():
            fields = part.reader.stored_fields(local)
        try:
            doc: dict[str, Any] = json.loads(fields[STORED_DOCUMENT])
        except (ValueError, KeyError, TypeError):
            # What the segment holds there is no document: its files are damaged.
            raise damaged_segment(
                part.id, f"stored document {local} is not a document", file=part.file
            ) from None
        return doc

    @reads_index
    def segments(self) -> list[SegmentPart]:
        """The snapshot's segments; a searcher's segments never change, so they are read once."""
        if self._parts is not None:
            return self._parts
        parts = []
        for sub, offset in self._searcher.leaf_searchers():
            reader = sub.reader()
            segment = reader.segment() if hasattr(reader, "segment") else None
            seg_id = segment.segment_id() if segment is not None else f"anon-{id(reader)}"
            deleted = segment.deleted_count() if segment is not None and segment.has_deletions() else 0
            file = compound_name(segment) if segment is not None else None
            parts.append(SegmentPart(seg_id, offset, reader.doc_count_all(), deleted, reader, segment, file))
        self._offsets = [part.offset for part in parts]
        self._parts = parts
        return parts
