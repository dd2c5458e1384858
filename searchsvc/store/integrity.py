"""searchsvc's CheckIndex: read a whole index, and compare it with its checksums and itself.

:func:`check_index` compares every file with the size and checksum its commit
recorded (see :mod:`.checksums`), then opens every segment and reads every
posting list (positions too), every stored document and every column, and
compares what it finds with what the table of contents says: document counts,
deletions, and one live document per id. With ``full=False`` it does the first
part only, which is quick enough for a server to do before it answers.

It only reads: it takes no lock and never writes, so it runs beside a server.
A commit that removes a segment while it is read makes it start again from
the new table of contents.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing
import os
import pickle
import struct
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Positions
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from ..errors import IndexCorrupt, IndexLocked, IndexNotFound, SearchIndexError
from .checksums import DamagedRecord, checksum, compare, segment_files, segment_record
from .errors import OPEN_FAILURES, store_errors
from .files import remember_verified
from .generations import INDEX_NAME, IndexStore
from .layout import recorded_shards, shard_folders
from .postings import postings_extent, read_lengths, read_whole
from .schema import STORED_DOCUMENT, reading_schema
from .writer import parallel_available

#: How often, in bytes of work, a check's progress is told.
_CHUNK = 1 << 20
#: How often a check starts again because commits removed what it was reading.
_ATTEMPTS = 5
#: A list of positions starts with its length, as Whoosh's ``pack_uint`` writes it.
_COUNT = struct.Struct("!I")
#: Problems listed one by one; beyond this, a segment's reading stops and they are counted.
MAX_PROBLEMS = 50


class _Progress:
    """Bytes of work done out of the total, told to a callback every mebibyte or so.

    Each segment's bytes count once for its checksums and, in a full check,
    once more for reading it whole, whether there was anything to verify or not.
    """

    def __init__(self, total: int, callback: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.done = 0
        self._told = 0
        self._callback = callback

    def advance(self, amount: int) -> None:
        self.done = min(self.total, self.done + max(0, amount))
        if self._callback is not None and (self.done - self._told >= _CHUNK or self.done == self.total):
            self._told = self.done
            self._callback(self.done, self.total)


# -- the report -----------------------------------------------------------------


@dataclass
class IndexCheck:
    """What a check of one index folder (or a folder of shards) read and found."""

    path: str
    #: Whether everything was read (False: only the checksums were verified).
    full: bool = True
    generation: str | None = None
    segments: int = 0
    documents: int = 0
    deleted: int = 0
    terms: int = 0
    postings: int = 0
    positions: int = 0
    stored: int = 0
    #: Files whose size and checksum were verified, and their bytes.
    files: int = 0
    bytes: int = 0
    #: Segments written before checksums were recorded: read, but not verified byte for byte.
    unrecorded: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    #: For a folder of shards: each shard's check, the counts above their sums.
    shards: list[IndexCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        fields = {
            name: getattr(self, name)
            for name in (
                "path", "full", "generation", "segments", "documents", "deleted", "terms",
                "postings", "positions", "stored", "files", "bytes", "unrecorded", "seconds",
            )
        }  # fmt: skip
        return {
            **fields,
            "ok": self.ok,
            "problems": list(self.problems),
            **({"shards": [s.to_dict() for s in self.shards]} if self.shards else {}),
        }

    def error(self) -> IndexCorrupt:
        """The error that names the first problem found, for whoever must refuse the index."""
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        return IndexCorrupt(
            f"the index is damaged: {self.problems[0]}{more}; run 'searchsvc check' for the whole "
            "report, then restore a snapshot or rebuild it with 'searchsvc reindex'"
        )

    def include(self, part: IndexCheck, prefix: str = "") -> None:
        """Count what ``part`` read and found as this check's too, its problems after ``prefix``."""
        for name in (
            "documents", "deleted", "terms", "postings", "positions", "stored", "files", "bytes",
            "unrecorded",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.problems.extend(prefix + problem for problem in part.problems)

    def _add(self, problem: str) -> None:
        self.problems.append(problem)


# -- checking --------------------------------------------------------------------


def check_index(
    path: str | os.PathLike[str],
    *,
    full: bool = True,
    schema: Any = None,
    progress: Callable[[int, int], None] | None = None,
    procs: int = 1,
) -> IndexCheck:
    """Check the index folder ``path``, or each shard of a folder of shards.

    With ``full``, every segment is read whole; without, only the checksums of
    its files are verified. Damage is reported in the result's ``problems``.
    ``progress`` is told ``(done, total)`` as the check goes, in bytes of work.
    With ``procs`` above 1, that many forked processes read segments at once
    (where the platform forks; a process with threads of its own should not).
    Raises an index error (:class:`~searchsvc.errors.IndexNotFound`, ...) when
    ``path`` holds no index to check.
    """
    started = time.perf_counter()
    folder = Path(path)
    if schema is None:
        schema = reading_schema()
    count = recorded_shards(folder)
    folders = [folder] if count is None else shard_folders(folder, count)
    tracker = _Progress(sum(_live_bytes(f, schema) for f in folders) * (2 if full else 1), progress)
    if count is None:
        report = _check_one(folder, full, schema, tracker, procs)
    else:
        report = IndexCheck(str(folder), full=full)
        for number, shard in enumerate(folders):
            try:
                part = _check_one(shard, full, schema, tracker, procs)
            except IndexNotFound:
                continue  # a shard no document has reached yet: nothing to check
            report.shards.append(part)
            report.include(part, f"shard {number}: ")
            report.segments += part.segments
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _live_bytes(folder: Path, schema: Any) -> int:
    """The size of the segment files of ``folder``'s live generation (0 where there is none)."""
    try:
        generation = IndexStore(folder, schema).current_generation()
    except SearchIndexError:
        return 0
    if generation is None:
        return 0
    total = 0
    for path in (folder / generation).glob(f"{INDEX_NAME}_*.seg"):
        with contextlib.suppress(FileNotFoundError):  # removed by a commit since it was listed
            total += path.stat().st_size
    return total


def _check_one(folder: Path, full: bool, schema: Any, progress: _Progress, procs: int) -> IndexCheck:
    store = IndexStore(folder, schema)
    for _attempt in range(_ATTEMPTS):
        report = IndexCheck(str(folder), full=full)
        before = _latest(store)
        try:
            # Opening compares the table of contents with its checksum.
            ix = store.open(create=False)
            report.generation = store.current_generation()
            with store_errors("read the table of contents", OPEN_FAILURES):
                toc = ix._read_toc()
        except IndexCorrupt as exc:
            if _latest(store) != before:
                continue  # a commit replaced what was being read
            report._add(exc.message)
            return report
        try:
            _check_segments(ix.storage, schema, toc, report, progress, procs)
        except _Moved as gone:
            if _latest(store) != before:
                continue
            # Nothing replaced the commit: the table of contents names files that are not there.
            report._add(f"segment {gone}: its files are missing")
            return report
        # What a commit removed meanwhile may look missing; all else was read from open files.
        if not (report.problems or report.unrecorded) or _latest(store) == before:
            return report
    raise IndexLocked(
        f"the index changed {_ATTEMPTS} times while it was checked; try again when writes pause"
    )


class _Moved(Exception):
    """A segment's files are gone: removed by a commit (the check starts again), or missing."""


def _latest(store: IndexStore) -> tuple[str | None, int | None]:
    """The live generation and its latest commit, or what of them can be read."""
    try:
        generation = store.current_generation()
    except SearchIndexError:
        return None, None
    if generation is None or store.path is None:
        return generation, None
    try:
        return generation, TOC._latest_generation(FileStorage(str(store.path / generation)), INDEX_NAME)
    except OSError:
        return generation, None


def _check_segments(
    storage: Any, schema: Any, toc: Any, report: IndexCheck, progress: _Progress, procs: int
) -> None:
    report.segments = len(toc.segments)
    numbered = list(enumerate(toc.segments))
    if procs > 1 and len(numbered) > 1 and report.full and parallel_available():
        parts = _in_processes(storage, schema, toc, numbered, progress, procs)
    else:
        parts = [
            _check_segment(storage, schema, toc, number, segment, report.full, progress)
            for number, segment in numbered
        ]
    live_in: dict[str, str] = {}
    twice = 0
    for part, segment_name, ids in parts:
        report.include(part)
        for doc_id in ids:
            where = live_in.setdefault(doc_id, segment_name)
            if where != segment_name and twice < MAX_PROBLEMS:
                twice += 1
                report._add(f"segment {segment_name}: id {doc_id!r} is live twice (also in segment {where})")


def _check_segment(
    storage: Any, schema: Any, toc: Any, number: int, segment: Any, full: bool, progress: _Progress
) -> tuple[IndexCheck, str, set[str]]:
    """One segment checked: what was read and found, its name, and the ids of its live documents."""
    report = IndexCheck("", full=full)
    ids: set[str] = set()
    try:
        name = segment.segment_id()
        doc_count = segment.doc_count_all()
        deleted = sorted(segment.deleted_docs()) if segment.has_deletions() else []
    except Exception as exc:  # noqa: BLE001 - a damaged table of contents, reported
        report._add(f"the table of contents' entry of segment {number + 1} is damaged ({_what(exc)})")
        return report, "", ids
    report.documents += doc_count - len(deleted)
    report.deleted += len(deleted)
    if deleted and (deleted[0] < 0 or deleted[-1] >= doc_count):
        report._add(f"segment {name}: deleted documents outside its {doc_count} documents")
    try:
        reader = SegmentReader(storage, schema, segment, generation=toc.generation)
    except FileNotFoundError:
        raise _Moved(name) from None
    except Exception as exc:  # noqa: BLE001 - damage, reported
        if not segment_files(storage, segment):
            raise _Moved(name) from None
        report._add(f"segment {name}: cannot be opened ({_what(exc)})")
        _verify_segment(storage, segment, None, report, progress)
        return report, name, ids
    try:
        _verify_segment(storage, segment, reader, report, progress)
        if report.full:
            size = _segment_bytes(storage, segment)
            check = _SegmentCheck(reader, segment, set(deleted), report, progress, size)
            check.run()
            ids = set(check.id_of.values())
    finally:
        reader.close()
    return report, name, ids


class SharedCount:
    """A count that forked processes add to and the process that forked them takes from.

    ``value`` is a :func:`multiprocessing.Value` (or anything with its ``value``
    and ``get_lock()``), created before the fork.
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        self._taken = 0

    def add(self, amount: int) -> None:
        with self.value.get_lock():
            self.value.value += amount

    def take(self) -> int:
        """What was added since the last take; every amount added is taken once."""
        # One read: another process may add between two, and a second read would
        # skip what it added without ever taking it.
        counted: int = self.value.value
        taken, self._taken = self._taken, counted
        return counted - taken


#: What forked checking processes inherit: the storage, schema and table of contents
#: being checked, and the shared count of their progress.
_FORKED: tuple[Any, Any, Any, SharedCount] | None = None


def _in_processes(
    storage: Any, schema: Any, toc: Any, numbered: list[tuple[int, Any]], progress: _Progress, procs: int
) -> list[tuple[IndexCheck, str, set[str]]]:
    """The segments checked by ``procs`` forked processes at once, in segment order."""
    global _FORKED
    context = multiprocessing.get_context("fork")
    shared = SharedCount(context.Value("q", 0))
    _FORKED = (storage, schema, toc, shared)
    try:
        with ProcessPoolExecutor(min(procs, len(numbered)), mp_context=context) as pool:
            futures = [pool.submit(_check_forked, number, progress.total) for number, _ in numbered]
            while not all(future.done() for future in futures):
                wait(futures, timeout=0.2)
                progress.advance(shared.take())
            progress.advance(shared.take())
            return [future.result() for future in futures]
    finally:
        _FORKED = None


def _check_forked(number: int, total: int) -> tuple[IndexCheck, str, set[str]]:
    # Only full checks read segments in processes (a quick one is mostly waiting on the disk).
    assert _FORKED is not None, "runs in a process forked by _in_processes"
    storage, schema, toc, shared = _FORKED
    told = 0

    def tell(own: int, _total: int) -> None:
        # This process's bytes of work, added to the count every process shares.
        nonlocal told
        shared.add(own - told)
        told = own

    progress = _Progress(total, tell)
    try:
        return _check_segment(storage, schema, toc, number, toc.segments[number], True, progress)
    finally:
        tell(progress.done, total)


def _segment_bytes(storage: Any, segment: Any) -> int:
    """The size of the segment's files, for the progress: a file a commit removed meanwhile
    (still read through the descriptor open on it) counts for nothing."""
    total = 0
    for name in segment_files(storage, segment):
        with contextlib.suppress(FileNotFoundError):
            total += storage.file_length(name)
    return total


def _what(exc: BaseException) -> str:
    if isinstance(exc, SearchIndexError):
        return exc.message
    text = str(exc)
    return f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def _verify_segment(storage: Any, segment: Any, reader: Any, report: IndexCheck, progress: _Progress) -> None:
    """Compare the segment's files with their recorded sizes and checksums."""
    name = segment.segment_id()
    try:
        recorded = segment_record(storage, segment)
    except DamagedRecord as exc:
        report._add(f"segment {name}: {exc}")
        progress.advance(_segment_bytes(storage, segment))
        return
    if recorded is None:
        report.unrecorded += 1
        progress.advance(_segment_bytes(storage, segment))
        return
    for filename, expected in sorted(recorded.items()):
        file = _open_for_checksum(storage, filename, reader)
        try:
            size, crc = checksum(file, progress.advance)
            problem = compare(filename, {"bytes": size, "crc32": crc}, expected)
            if problem is None:
                # A server verifies before it forks its workers: they need not read it again.
                remember_verified(file)
        finally:
            file.close()
        if problem is None:
            report.files += 1
            report.bytes += size
        else:
            report._add(f"segment {name}: {problem}")


def _open_for_checksum(storage: Any, filename: str, reader: Any) -> Any:
    """``filename`` opened for reading from its start: through the reader's own
    descriptor when it has the file open (it stays readable if a commit removes it)."""
    compound = getattr(getattr(reader, "_storage", None), "a", None)
    opened = getattr(compound, "_file", None)
    if opened is not None and getattr(opened, "_name", None) == filename:
        return opened.subset(0, len(opened._buf), name=filename)
    try:
        return storage.open_file(filename)
    except (FileNotFoundError, NameError):
        raise _Moved(filename.split(".")[0]) from None


class _TooMany(Exception):
    """A segment with so many problems that reading on would only repeat them."""


class _SegmentCheck:
    """Reads one segment whole, noting what does not agree with the rest."""

    def __init__(
        self,
        reader: Any,
        segment: Any,
        deleted: set[int],
        report: IndexCheck,
        progress: _Progress,
        size: int,
    ) -> None:
        self.reader = reader
        self.progress = progress
        #: Bytes of the segment's files not yet counted as read.
        self.unread = size
        self.name = segment.segment_id()
        self.doc_count = segment.doc_count_all()
        self.deleted = deleted
        self.report = report
        self.found = 0
        #: The id each live document has in the id field's postings.
        self.id_of: dict[int, str] = {}

    def problem(self, text: str) -> None:
        self.report._add(f"segment {self.name}: {text}")
        self.found += 1
        if self.found >= MAX_PROBLEMS:
            raise _TooMany

    def run(self) -> None:
        try:
            self._counts()
            self._lengths()
            self._terms()
            self._ids()
            self._stored()
        except _TooMany:
            self.report._add(f"segment {self.name}: too many problems; the rest of it was not read")
        self.read(self.unread)

    def read(self, amount: int) -> None:
        amount = min(amount, self.unread)
        self.unread -= amount
        self.progress.advance(amount)

    def guarded(self, what: str, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except (_TooMany, _Moved):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever damaged data makes Whoosh raise
            self.problem(f"{what} cannot be read ({_what(exc)})")
            return None

    def _counts(self) -> None:
        counted = self.guarded("its document count", self.reader.doc_count_all)
        if counted is not None and counted != self.doc_count:
            self.problem(f"holds {counted} documents, the table of contents says {self.doc_count}")

    def _lengths(self) -> None:
        reader = self.reader
        for fieldname, field_type in reader.schema.items():
            if not field_type.scorable:
                continue
            lengths = self.guarded(
                f"field {fieldname!r}'s lengths", partial(read_lengths, reader, fieldname, self.doc_count)
            )
            if lengths is not None and len(lengths) != self.doc_count:
                self.problem(f"field {fieldname!r} has {len(lengths)} lengths for {self.doc_count} documents")

    def _terms(self) -> None:
        """Every term of every field, from one pass over the segment's terms file."""
        terms = self.reader._terms
        schema = self.reader.schema
        entries = self.guarded("its terms", partial(iter, terms.items()))
        while entries is not None:
            entry = self.guarded("its terms", partial(next, entries, None))
            if entry is None:
                return
            (fieldname, tbytes), info = entry
            if fieldname not in schema:
                self.problem(f"field {fieldname!r} is not in the schema")
                continue
            try:
                self._term(terms, fieldname, tbytes, info, schema[fieldname].format)
            except (_TooMany, _Moved):
                raise
            except Exception as exc:  # noqa: BLE001 - whatever damaged data makes Whoosh raise
                self.problem(f"field {fieldname!r} term {tbytes[:40]!r} cannot be read ({_what(exc)})")

    def _term(self, terms: Any, fieldname: str, tbytes: bytes, info: Any, fmt: Any) -> None:
        ids, weights, values = read_whole(terms, info)
        if not info.is_inlined():
            self.read(postings_extent(info)[1])
        # Plain Python rather than NumPy: most terms have a posting or two.
        report = self.report
        report.terms += 1
        report.postings += len(ids)
        if len(ids) != info.doc_frequency():
            self.term_problem(
                fieldname, tbytes, f"has {len(ids)} postings, its entry says {info.doc_frequency()}"
            )
        if ids and (
            ids[0] < 0 or ids[-1] >= self.doc_count or any(a >= b for a, b in zip(ids, ids[1:], strict=False))
        ):
            self.term_problem(fieldname, tbytes, "its documents are out of order or outside the segment")
            return
        total = math.fsum(weights)
        if not math.isfinite(total) or (weights and min(weights) < 0):
            self.term_problem(fieldname, tbytes, "its weights are not finite positive numbers")
        elif not math.isclose(total, info.weight(), rel_tol=1e-3, abs_tol=1e-3):
            self.term_problem(
                fieldname, tbytes, f"its weights add up to {total:g}, its entry says {info.weight():g}"
            )
        if fmt.supports("positions"):
            self._positions(fieldname, tbytes, values, fmt)
        if fieldname == "id":
            self._id_postings(tbytes, ids)

    def term_problem(self, fieldname: str, tbytes: bytes, text: str) -> None:
        self.problem(f"field {fieldname!r} term {tbytes[:40]!r}: {text}")

    def _positions(self, fieldname: str, tbytes: bytes, values: list[bytes], fmt: Any) -> None:
        gaps = type(fmt).decode_positions is Positions.decode_positions
        count = 0
        for value in values:
            # Whoosh's Positions: the count, then the pickled gaps between positions.
            if gaps:
                listed = pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")
            else:
                listed = fmt.decode_positions(value)
            if len(listed) != _COUNT.unpack_from(value)[0] or (listed and min(listed) < 0):
                self.term_problem(fieldname, tbytes, "a list of positions does not hold what it says")
                return
            count += len(listed)
        self.report.positions += count

    def _id_postings(self, tbytes: bytes, ids: list[int]) -> None:
        doc_id = tbytes.decode("utf-8", "replace")
        for docnum in ids:
            if docnum in self.deleted:
                continue
            if docnum in self.id_of:
                self.problem(f"document {docnum} has two ids, {self.id_of[docnum]!r} and {doc_id!r}")
            self.id_of[docnum] = doc_id

    def _ids(self) -> None:
        live = self.doc_count - len(self.deleted)
        if len(self.id_of) != live:
            self.problem(f"{live} live documents, but {len(self.id_of)} of them have an id")
        for doc_id, count in Counter(self.id_of.values()).items():
            if count > 1:
                self.problem(f"id {doc_id!r} is live {count} times in it")

    def _stored(self) -> None:
        reader = self.reader
        # The rest of the segment is mostly its stored documents: a share for each.
        share = self.unread / max(1, self.doc_count)
        for docnum in range(self.doc_count):
            if docnum % 1000 == 999:
                self.read(int(share * 1000))
            stored = self.guarded(f"stored document {docnum}", partial(reader.stored_fields, docnum))
            if stored is None:
                continue
            self.report.stored += 1
            if docnum in self.deleted:
                continue
            try:
                doc = json.loads(stored[STORED_DOCUMENT])
                stored_id = doc["id"]
            except (ValueError, KeyError, TypeError):
                self.problem(f"stored document {docnum} is not a document")
                continue
            expected = self.id_of.get(docnum)
            if expected is not None and stored_id != expected:
                self.problem(f"stored document {docnum} has id {stored_id!r}, the index has {expected!r}")


def verify_snapshot(snapshot: Any) -> int:
    """Compare the files of every segment ``snapshot`` reads with their recorded sizes and
    checksums, before reading them for a copy that must not carry damage on (an export).

    Returns the bytes verified. Raises :class:`~searchsvc.errors.IndexCorrupt` naming the
    first damaged segment. Segments written before checksums were recorded are not verified.
    """
    storage = snapshot.storage
    if storage is None:
        return 0  # an index in memory keeps no files
    report = IndexCheck(path="", full=False)
    progress = _Progress(0, None)
    for part in snapshot.segments():
        if part.segment is None:
            continue
        try:
            _verify_segment(storage, part.segment, part.reader, report, progress)
        except _Moved:
            continue  # read through the descriptor the snapshot holds; removed by a later commit
        if report.problems:
            raise IndexCorrupt(
                f"the index is damaged: {report.problems[0]}; run 'searchsvc check' for the whole report"
            )
    return report.bytes
