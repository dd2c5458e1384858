"""A point-in-time view of one index generation, handed out as plain Python and arrays.

A :class:`Snapshot` wraps one Whoosh searcher. Everything a search or a write
needs to read goes through it: documents by id, stored documents, and for
each segment its facet values, dates and deleted documents, as NumPy arrays.
Whatever it reads, a failure of the files becomes an index error here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.base import Automata

from .errors import reads_index, store_errors
from .postings import column_array, column_bytes, read_lengths, read_postings
from .schema import STORED_DOCUMENT

#: Whoosh stores datetimes as microseconds since 0001-01-01.
_EPOCH_TICKS = (dt.datetime(1970, 1, 1) - dt.datetime(1, 1, 1)) // dt.timedelta(microseconds=1)
#: The value Whoosh writes in the date column of a document without a date.
_NO_DATE_TICKS = 2**64 - 1
#: Stand-in for "no date" in arrays of seconds; it sorts after every date.
NO_DATE = 2**62


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

    @reads_index
    def deleted_docs(self) -> np.ndarray:
        """Local docnums of the deleted documents, sorted."""
        if self.segment is None or not self.segment.has_deletions():
            return np.empty(0, dtype=np.int64)
        return np.fromiter(sorted(self.segment.deleted_docs()), dtype=np.int64)

    @reads_index
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

    @reads_index
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

    @reads_index
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

    @reads_index
    def has_term(self, fieldname: str, text: str) -> bool:
        return (fieldname, text) in self._searcher.reader()

    @reads_index
    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the term, deleted ones not yet merged away included."""
        return int(self._searcher.reader().doc_frequency(fieldname, text))

    @reads_index
    def every_value_holds(self, fieldname: str, text: str) -> bool:
        """Whether every document with words in ``fieldname`` holds the term ``text`` there
        (deleted documents counted: cheaper, and only ever on the safe side)."""
        for part in self.segments():
            if not part.doc_count_all:
                continue
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
            if (fieldname, text) not in reader:
                continue
            postings = reader.postings(fieldname, text)
            while postings.is_active() and len(found) < most:
                found.append(part.offset + int(postings.id()))
                postings.next()
            if len(found) >= most:
                break
        return found

    @reads_index
    def existing(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are live documents."""
        searcher = self._searcher
        reader = searcher.reader()
        return {
            i for i in ids if reader.doc_frequency("id", i) and searcher.document_number(id=i) is not None
        }

    @reads_index
    def document_number(self, doc_id: str) -> int | None:
        found = self._searcher.document_number(id=doc_id)
        return None if found is None else int(found)

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
                docnum = searcher.document_number(id=doc_id)
                if docnum is not None:  # else every document with it was deleted
                    yield self.stored(int(docnum))

    @reads_index
    def stored(self, docnum: int) -> dict[str, Any]:
        """The document stored with ``docnum``, as it was given."""
        doc: dict[str, Any] = json.loads(self._searcher.stored_fields(docnum)[STORED_DOCUMENT])
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
            parts.append(SegmentPart(seg_id, offset, reader.doc_count_all(), deleted, reader, segment))
        self._parts = parts
        return parts
