"""How searchsvc's Whoosh indexes read their files: in place, one open file per segment.

Whoosh, left to itself, copies every file of a compound segment into a
``BytesIO`` for each reader, or maps it. Either way each searcher of a pool
held the index in RSS again: half a GiB per searcher at 100,000 articles, and
every page a day of searches touched stayed counted. Here:

- :class:`IndexFiles` (a folder) and :class:`MemoryFiles` (memory) are Whoosh
  storages whose files are read in place: by ``pread`` from one descriptor
  per segment file and process, or from the memory buffer itself.
- :class:`SearchIndex` is a Whoosh ``FileIndex`` whose readers share one
  reader of each segment's stored-documents column per process, and compare
  each segment file with the checksums its commit recorded the first time
  the process opens it (:func:`verify_segment`).

All of it is done with subclasses that searchsvc's own storages create. No
Whoosh class is changed, so Whoosh used elsewhere in the same process behaves
as it always does.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
import weakref
from collections import OrderedDict
from typing import Any

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.index import FileIndex
from whoosh.reading import EmptyReader, MultiReader, SegmentReader

from .checksums import DamagedRecord, checksum, compare, segment_record
from .errors import STORE_FAILURES, damaged_segment, in_segment

#: Whoosh's name ending of a compound segment file.
COMPOUND_EXT = ".seg"


class OpenSegment:
    """A compound segment file opened once per process, for every reader of it.

    A segment file never changes once written, so one descriptor serves every
    reader, read by ``pread`` (no seek, so threads share it). The file closes
    when the last window onto it is gone.
    """

    def __init__(self, path: str, key: tuple[Any, ...]) -> None:
        self.path = path
        #: What tells this file from another that comes to the same path.
        self.key = key
        self._file = open(path, "rb")  # noqa: SIM115 - closed with this object
        self.fd = self._file.fileno()
        self.size = os.fstat(self.fd).st_size
        #: Column readers by column file name, shared by every reader (see :class:`SharedColumnsReader`).
        self.column_readers: dict[str, Any] = {}
        #: Held while the file is compared with its checksums: threads opening it at once read it once.
        self.verifying = threading.Lock()


class _FileWindow:
    """Part of a file on disk, sliced like a buffer: each slice is one ``pread``.

    Not a memory map: every page of a mapping that a search touches stays
    counted in the server's RSS, and over a day of queries that is the whole
    index, once per worker. ``pread`` reads the same kernel page cache with no
    lasting mapping.
    """

    __slots__ = ("_owner", "_fd", "_base", "_length")

    def __init__(self, owner: OpenSegment, base: int, length: int) -> None:
        # The owner holds the descriptor open as long as any window reads it.
        self._owner = owner
        self._fd = owner.fd
        self._base = base
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> bytes:
        start, stop, _step = key.indices(self._length)
        if stop <= start:
            return b""
        return os.pread(self._fd, stop - start, self._base + start)

    def window(self, start: int, length: int) -> _FileWindow:
        return _FileWindow(self._owner, self._base + start, length)


class _Reader:
    """A read-only file object over a buffer or a :class:`_FileWindow`, read in place."""

    def __init__(self, buf: Any) -> None:
        self.buf = buf
        self.pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self.pos
        end = len(self.buf) if size is None or size < 0 else min(len(self.buf), start + size)
        self.pos = end
        return bytes(self.buf[start:end])

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self.pos
        limit = len(self.buf) if size is None or size < 0 else min(len(self.buf), start + size)
        newline = bytes(self.buf[start:limit]).find(b"\n")
        return self.read((newline + 1) if newline >= 0 else limit - start)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: len(self.buf)}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        self.closed = True

    def flush(self) -> None:
        pass


class WindowFile(BufferFile):  # type: ignore[misc]
    """Whoosh's ``BufferFile``, reading its buffer in place instead of copying it.

    ``buf`` is a ``memoryview`` (a file of a :class:`MemoryFiles`) or a
    :class:`_FileWindow` (part of a segment file on disk).
    """

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        # Not BufferFile.__init__: it copies the whole buffer into a BytesIO.
        self._buf = buf if isinstance(buf, (_FileWindow, memoryview)) else memoryview(buf)
        StructFile.__init__(self, _Reader(self._buf), name=name, onclose=onclose)

    def subset(self, position: int, length: int, name: str | None = None) -> WindowFile:
        buf = self._buf
        part = (
            buf.window(position, length)
            if isinstance(buf, _FileWindow)
            else buf[position : position + length]
        )
        return WindowFile(part, name=name or self._name)

    def read_pickle(self) -> Any:
        # Unpickling straight from a Python-level file costs a call per opcode
        # read; a small copied window read by the C unpickler does not.
        source = self.file
        start = source.pos
        remaining = len(source.buf) - start
        window = 1024
        while True:
            chunk = io.BytesIO(source.buf[start : start + window])
            try:
                value = pickle.load(chunk)
            except Exception:
                if window >= remaining:
                    raise
                window *= 16
                continue
            source.pos = start + chunk.tell()
            return value


class SegmentFile(WindowFile):
    """A whole compound segment file, over the process's one :class:`OpenSegment` of it."""

    def __init__(self, segment: OpenSegment, name: str) -> None:
        super().__init__(_FileWindow(segment, 0, segment.size), name=name)
        self.segment = segment


#: The open segment files by identity; weak, so unused ones close.
_OPEN_SEGMENTS: weakref.WeakValueDictionary[tuple[Any, ...], OpenSegment] = weakref.WeakValueDictionary()
_OPEN_LOCK = threading.Lock()


def _open_segment(path: str) -> OpenSegment:
    st = os.stat(path)
    # The inode, size and time too: a new file may come to the same path (or
    # a deleted file's inode to a new one) while the old one is still read.
    key = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    with _OPEN_LOCK:
        found = _OPEN_SEGMENTS.get(key)
        if found is None:
            found = _OPEN_SEGMENTS[key] = OpenSegment(path, key)
    return found


def open_segment_files() -> list[str]:
    """The segment files this process has open and some reader still uses."""
    with _OPEN_LOCK:
        return sorted({key[0] for key in list(_OPEN_SEGMENTS)})


#: The segment files this process found to match their checksums (or to have none), by
#: identity, the latest last; a file never changes once written, so once is enough.
_VERIFIED: OrderedDict[tuple[Any, ...], None] = OrderedDict()
#: How many are remembered: a long-running server's merges replace files for months.
_VERIFIED_MOST = 4096


def _remember_verified(key: tuple[Any, ...]) -> None:
    with _OPEN_LOCK:
        _VERIFIED[key] = None
        while len(_VERIFIED) > _VERIFIED_MOST:
            _VERIFIED.popitem(last=False)


def _is_verified(key: tuple[Any, ...]) -> bool:
    with _OPEN_LOCK:
        return key in _VERIFIED


def compound_name(segment: Any) -> str | None:
    """The name of the one file holding ``segment``, or None when its files are apart."""
    return segment.make_filename(COMPOUND_EXT) if segment.is_compound() else None


def verify_segment(storage: Any, segment: Any) -> None:
    """Compare the compound file of ``segment`` with the size and checksum its commit
    recorded, unless this process already has (see :func:`remember_verified`).

    A flipped or zeroed byte in a segment decodes silently more often than not, as other
    postings or other text: a search would answer wrongly rather than fail. Raises
    :class:`~searchsvc.errors.IndexCorrupt` naming the segment and its file. A segment
    in memory, or without a record (written before they were kept), is not verified.
    """
    filename = compound_name(segment)
    if filename is None or not isinstance(storage, IndexFiles):
        return  # memory does not rot unseen, and searchsvc writes every segment compound
    file = storage.open_file(filename)
    try:
        if not isinstance(file, SegmentFile) or _is_verified(file.segment.key):
            return
        opened = file.segment
        with opened.verifying:
            if _is_verified(opened.key):
                return  # another thread verified it meanwhile
            name = segment.segment_id()
            try:
                recorded = segment_record(storage, segment)
            except DamagedRecord as exc:
                raise damaged_segment(name, str(exc), file=filename) from None
            expected = (recorded or {}).get(filename)
            if expected is not None:
                size, crc = checksum(file)
                problem = compare(filename, {"bytes": size, "crc32": crc}, expected)
                if problem is not None:
                    raise damaged_segment(name, problem, file=filename)
            _remember_verified(opened.key)
    finally:
        file.close()


def remember_verified(file: Any) -> None:
    """Remember that the whole compound file read through ``file`` (one :meth:`IndexFiles.open_file`
    gave, or a reader's, from its start) matched its checksums: this process's readers
    need not read it again to verify it, nor processes forked from it later."""
    window = getattr(file, "_buf", None)
    if isinstance(window, _FileWindow) and window._base == 0 and window._length == window._owner.size:
        _remember_verified(window._owner.key)


class IndexFiles(FileStorage):  # type: ignore[misc]
    """A folder of index files; compound segment files are read in place, shared."""

    def __init__(self, path: str) -> None:
        # No memory maps: Whoosh then opens compound files through open_file, below.
        super().__init__(path, supports_mmap=False)

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if name.endswith(COMPOUND_EXT) and hasattr(os, "pread") and not kwargs:
            return SegmentFile(_open_segment(self._fpath(name)), name)
        return super().open_file(name, **kwargs)

    def open_index(self, indexname: str, schema: Any = None, indexclass: Any = None) -> Any:
        return super().open_index(indexname, schema=schema, indexclass=indexclass or SearchIndex)

    def create_index(self, schema: Any, indexname: str, indexclass: Any = None) -> Any:
        return super().create_index(schema, indexname=indexname, indexclass=indexclass or SearchIndex)


class MemoryFiles(RamStorage):  # type: ignore[misc]
    """Index files in memory, read in place rather than copied for each reader."""

    def open_file(self, name: str, **kwargs: Any) -> Any:
        if name not in self.files:
            raise NameError(name)
        return WindowFile(memoryview(self.files[name]), name=name, **kwargs)

    def temp_storage(self, name: str | None = None) -> Any:
        # Whoosh's RamStorage puts a writer's scratch files in a folder of the system's
        # temporary directory named after the index ("MAIN.tmp"), which every
        # in-memory index of every process shares: one writer's cleanup removed the
        # files of another's commit. Scratch files of an index in memory stay in memory.
        return RamStorage()

    def open_index(self, indexname: str, schema: Any = None, indexclass: Any = None) -> Any:
        return super().open_index(indexname, schema=schema, indexclass=indexclass or SearchIndex)

    def create_index(self, schema: Any, indexname: str, indexclass: Any = None) -> Any:
        return super().create_index(schema, indexname=indexname, indexclass=indexclass or SearchIndex)


class SharedColumnsReader(W3PerDocReader):  # type: ignore[misc]
    """W3's per-document reader, sharing column readers with every reader of the segment.

    Whoosh's reader of the stored-documents column loads an offset and a
    length per document when it opens, and each searcher opened its own:
    megabytes per searcher at a million articles, again after every commit.
    A column reader over a shared file only reads with ``pread``, so every
    reader of the segment can use one.
    """

    def _cached_reader(self, fieldname: str, column: Any) -> Any:
        found = self._readers.get(fieldname)
        if found is not None:
            return found
        # A compound segment is read through an overlay whose first storage is
        # the compound file (see SegmentReader).
        compound: Any = getattr(self._storage, "a", None)
        segment = getattr(getattr(compound, "_file", None), "segment", None)
        filename = W3Codec.column_filename(self._segment, fieldname)
        if not isinstance(segment, OpenSegment) or not compound.file_exists(filename):
            return super()._cached_reader(fieldname, column)
        found = segment.column_readers.get(filename)
        if found is None:
            # Opened apart from this reader's own files: closing it must not close this one.
            opened = column.reader(
                compound.open_file(filename), 0, compound.file_length(filename), self._doccount
            )
            found = segment.column_readers.setdefault(filename, opened)
        self._readers[fieldname] = found
        return found


class _SharedColumnsCodec(W3Codec):  # type: ignore[misc]
    """A segment's own W3 codec, but with :class:`SharedColumnsReader` for its documents."""

    @classmethod
    def like(cls, codec: Any) -> Any:
        if type(codec) is not W3Codec:
            return codec
        shared = cls.__new__(cls)
        shared.__dict__.update(codec.__dict__)
        return shared

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return SharedColumnsReader(storage, segment)


class SearchIndex(FileIndex):  # type: ignore[misc]
    """Whoosh's index, whose segment readers share their stored-document columns."""

    @classmethod
    def _reader(cls, storage: Any, schema: Any, segments: Any, generation: Any, reuse: Any = None) -> Any:
        readers: list[Any] = []
        try:
            for segment in segments:
                codec = _SharedColumnsCodec.like(segment.codec())
                try:
                    verify_segment(storage, segment)
                    readers.append(
                        SegmentReader(storage, schema, segment, generation=generation, codec=codec)
                    )
                except OSError:
                    raise  # Whoosh opens the commit again: a later one may have removed the segment
                except STORE_FAILURES as exc:
                    raise in_segment(exc, segment.segment_id(), compound_name(segment)) from None
        except BaseException:
            for reader in readers:
                reader.close()
            raise
        finally:
            # Whoosh closes the readers it was given to reuse and does not reuse
            # (2.7.4 reuses none); the caller expects the same.
            if reuse is not None:
                for leaf, _offset in reuse.leaf_readers():
                    leaf.close()
        if not readers:
            return EmptyReader(schema)
        if len(readers) == 1:
            return readers[0]
        return MultiReader(readers, generation=generation)
