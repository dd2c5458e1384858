"""Column data for filters, facets and date sorting, held as bitmaps.

Whoosh's ``groupedby`` walks every match in Python. Instead, each segment's
postings of the facet fields are read once into one ``pyroaring.BitMap`` per
value, and dates into an array and per-day bitmaps. A segment never changes
once written, so its data is cached by segment id and only new segments cost
anything after a commit. Counting a facet is then a C-level intersection per
value, whatever the number of matches.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyroaring import BitMap

from .documents import FACET_FIELDS
from .store.snapshot import NO_DATE, SegmentPart, Snapshot

SECONDS_PER_DAY = 86400
_EPOCH_DATE = dt.date(1970, 1, 1)


@dataclass
class SegmentData:
    doc_count_all: int
    values: dict[str, dict[str, BitMap]]
    seconds: array  # seconds since the Unix epoch per local docnum, NO_DATE when missing
    days: dict[int, BitMap]
    #: Each local docnum's id as UTF-8, read the first time a ranking has ties to break.
    ids: list[bytes] | None = None


def read_segment(part: SegmentPart) -> SegmentData:
    """Read one segment's facet fields and dates."""
    values: dict[str, dict[str, BitMap]] = {}
    for name in FACET_FIELDS:
        # Raw postings include deleted documents; they are removed later
        # by intersecting with the live or matching documents.
        values[name] = {value: bitmap_from(ids) for value, ids in part.values(name)}
    count = part.doc_count_all
    seconds = part.seconds("date")
    days: dict[int, BitMap] = {}
    dated_docs = np.flatnonzero(seconds != NO_DATE)
    if len(dated_docs):
        day_of = seconds[dated_docs] // SECONDS_PER_DAY
        order = np.argsort(day_of, kind="stable")
        sorted_days = day_of[order]
        bounds = np.flatnonzero(np.diff(sorted_days)) + 1
        for chunk_days, chunk_docs in zip(
            np.split(sorted_days, bounds), np.split(dated_docs[order], bounds), strict=True
        ):
            days[int(chunk_days[0])] = bitmap_from(np.sort(chunk_docs))
    return SegmentData(count, values, array("q", seconds.tobytes()), days)


def bitmap_from(ids: np.ndarray) -> BitMap:
    """A BitMap from an array of docnums, through the buffer protocol."""
    buffer = array("I")
    buffer.frombytes(np.asarray(ids, dtype=np.uint32).tobytes())
    return BitMap(buffer)


@dataclass
class View:
    """Filters and facets over one generation of the index (global docnums)."""

    live: BitMap
    values: dict[str, dict[str, BitMap]]
    seconds: array
    days: dict[int, BitMap]
    day_list: list[int]
    folded: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: The segments' data in snapshot order, and the global docnum each starts at.
    segments: list[SegmentData] = field(default_factory=list)
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _sort_ranks: dict[str, np.ndarray] = field(default_factory=dict)
    _date_codes: dict[int, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    #: Parsed queries by text: parsing costs a fifth of a simple search, and a
    #: query's expansion depends only on the segments this view covers.
    queries: dict[str | tuple[str, str], Any] = field(default_factory=dict)
    #: "Did you mean" corrections by word (None: none), which depend only on the same segments.
    corrections: dict[str, str | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(self, name: str, value: str) -> list[str]:
        """The stored values of facet field ``name`` equal to ``value`` ignoring case."""
        return self.folded.get(name, {}).get(value.casefold(), [])

    def value_bitmap(self, name: str, values: Iterable[str]) -> BitMap:
        """Documents with any of ``values`` (matched ignoring case) in field ``name``."""
        result = BitMap()
        per_value = self.values.get(name, {})
        for value in values:
            for exact in self.resolve(name, value):
                result |= per_value[exact]
        return result

    def value_of(self, name: str, docnum: int) -> str | None:
        """The value of the one-value facet field ``name`` that ``docnum`` holds, or None."""
        for value, bm in self.values.get(name, {}).items():
            if docnum in bm:
                return value
        return None

    def date_bitmap(self, start: int | None, end: int | None) -> BitMap:
        """Documents dated from ``start`` to ``end`` inclusive (Unix seconds; None = open)."""
        first_day = start // SECONDS_PER_DAY if start is not None else None
        last_day = end // SECONDS_PER_DAY if end is not None else None
        lo = 0 if first_day is None else bisect.bisect_left(self.day_list, first_day)
        hi = len(self.day_list) if last_day is None else bisect.bisect_right(self.day_list, last_day)
        days = self.day_list[lo:hi]
        result = BitMap.union(*(self.days[d] for d in days)) if days else BitMap()
        # Whole days come from bitmaps; only the first and last day need a look at the times.
        seconds = self.seconds
        edges = {d for d in (first_day, last_day) if d is not None} & set(days)
        for edge in edges:
            for docnum in self.days[edge]:
                secs = seconds[docnum]
                if (start is not None and secs < start) or (end is not None and secs > end):
                    result.discard(docnum)
        return result & self.live

    def date_codes(self, width: int) -> tuple[np.ndarray, list[str]]:
        """Per docnum, the index of its date bucket (-1 for none), and the bucket labels.

        ``width`` is the length of the label: 4 for years, 7 for months, 10 for days.
        """
        found = self._date_codes.get(width)
        if found is None:
            with self._lock:
                labels: list[str] = []
                code_of_label: dict[str, int] = {}
                code_of_day = {}
                for day in self.day_list:
                    label = (_EPOCH_DATE + dt.timedelta(days=day)).isoformat()[:width]
                    code_of_day[day] = code_of_label.setdefault(label, len(code_of_label))
                    if len(labels) < len(code_of_label):
                        labels.append(label)
                codes = np.full(len(self.seconds), -1, dtype=np.int64)
                for day, bm in self.days.items():
                    codes[np.frombuffer(bm.to_array(), dtype=np.uint32)] = code_of_day[day]
                found = (codes, labels)
                self._date_codes[width] = found
        return found

    def ids_of(self, snapshot: Snapshot, docnums: np.ndarray) -> list[bytes]:
        """The ids of ``docnums`` as UTF-8 (``snapshot`` is one this view was built for)."""
        which = np.searchsorted(self.starts, docnums, side="right") - 1
        needed = {int(s) for s in np.unique(which)} if len(which) else set()
        if any(self.segments[s].ids is None for s in needed):
            with self._lock:
                parts = snapshot.segments()
                for s in needed:
                    if self.segments[s].ids is None:
                        self.segments[s].ids = parts[s].ids()
        segments, starts = self.segments, self.starts.tolist()
        return [
            segments[s].ids[d - starts[s]]  # type: ignore[index]
            for d, s in zip(docnums.tolist(), which.tolist(), strict=True)
        ]

    def sort_ranks(self, name: str) -> np.ndarray:
        """Per docnum, the rank of its smallest value of facet field ``name``
        among the field's values in sorted order, or -1 when it has none."""
        ranks = self._sort_ranks.get(name)
        if ranks is None:
            with self._lock:
                ranks = np.full(len(self.seconds), -1, dtype=np.int64)
                values = self.values.get(name, {})
                # Letter case does not order text: "aljazeera.com" before "The Guardian".
                ordered = sorted(values, key=lambda v: (v.casefold(), v))
                # From the largest down, so a document's smallest value is written last.
                for rank in range(len(ordered) - 1, -1, -1):
                    bm = values[ordered[rank]]
                    ranks[np.frombuffer(bm.to_array(), dtype=np.uint32)] = rank
                self._sort_ranks[name] = ranks
        return ranks


class FacetCache:
    """Per-segment data keyed by segment id, and the view of the latest generation."""

    def __init__(self) -> None:
        self._segments: dict[str, SegmentData] = {}
        self._views: dict[tuple[Any, ...], View] = {}
        self._lock = threading.Lock()

    def view(self, snapshot: Snapshot) -> View:
        parts = snapshot.segments()
        key = tuple((p.id, p.offset, p.deleted_count) for p in parts)
        view = self._views.get(key)
        if view is not None:
            return view
        with self._lock:
            view = self._views.get(key)
            if view is None:
                view = self._build(parts)
                if len(self._views) >= 4:
                    self._views.clear()
                self._views[key] = view
                live_ids = {p.id for p in parts}
                for stale in set(self._segments) - live_ids:
                    del self._segments[stale]
        return view

    def _build(self, parts: list[SegmentPart]) -> View:
        live = BitMap()
        values: dict[str, dict[str, list[BitMap]]] = {name: {} for name in FACET_FIELDS}
        days: dict[int, list[BitMap]] = {}
        seconds = array("q")
        segments = []
        for part in parts:
            offset = part.offset
            data = self._segments.get(part.id)
            if data is None:
                data = self._segments[part.id] = read_segment(part)
            segments.append(data)
            seg_live = BitMap(range(data.doc_count_all))
            if part.deleted_count:
                seg_live -= bitmap_from(part.deleted_docs())
            live |= seg_live.shift(offset) if offset else seg_live
            for name, per_value in data.values.items():
                bucket = values[name]
                for value, bm in per_value.items():
                    bucket.setdefault(value, []).append(bm.shift(offset) if offset else bm)
            for day, bm in data.days.items():
                days.setdefault(day, []).append(bm.shift(offset) if offset else bm)
            seconds.extend(data.seconds)
        merged: dict[str, dict[str, BitMap]] = {}
        folded: dict[str, dict[str, list[str]]] = {}
        for name, lists in values.items():
            merged[name] = {}
            folded[name] = {}
            for value, bms in lists.items():
                union: BitMap = (BitMap.union(*bms) if len(bms) > 1 else bms[0]) & live
                if union:
                    merged[name][value] = union
                    folded[name].setdefault(value.casefold(), []).append(value)
        merged_days = {
            day: (BitMap.union(*bms) if len(bms) > 1 else bms[0]) & live for day, bms in days.items()
        }
        merged_days = {day: bm for day, bm in merged_days.items() if bm}
        starts = np.array([p.offset for p in parts], dtype=np.int64)
        return View(live, merged, seconds, merged_days, sorted(merged_days), folded, segments, starts)
