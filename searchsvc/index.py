"""The Whoosh index: schema, on-disk layout, opening, writing, atomic rebuilds.

Layout of an index folder::

    index/
      searchsvc.json    format version and the active generation (replaced atomically)
      gen-000001/       a Whoosh index
      gen-000002/       the next full rebuild, built beside the live one

A rebuild writes a new generation, then replaces ``searchsvc.json`` with
``os.replace``: readers that have the old generation open keep answering from
it, and notice the new one on their next search. Whoosh exceptions are mapped
to :mod:`searchsvc.errors` here, where Whoosh is called.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import pickle
import shutil
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import whoosh.index
from whoosh.analysis import RegexTokenizer
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.formats import Positions

from .analysis import NewsAnalyzer
from .errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexVersionMismatch,
    SearchIndexError,
)
from .writer import FastSegmentWriter


class _FileWindow:
    """Part of a file on disk, sliced like a buffer: each slice is one ``pread``.

    Segment files are read this way rather than through a memory map: every
    page of a mapping that a search touches stays counted in the server's RSS,
    and over a day of queries that is the whole index (twice with two
    workers, ten times over at a million articles). ``pread`` reads the same
    kernel page cache with no lasting mapping, and needs no seek, so threads
    share one descriptor.
    """

    __slots__ = ("_fd", "_base", "_length", "_owner")

    def __init__(self, owner: Any, fd: int, base: int, length: int) -> None:
        # The owner holds the descriptor open as long as any window reads it.
        self._owner = owner
        self._fd = fd
        self._base = base
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> bytes:
        start, stop, _step = key.indices(self._length)
        if stop <= start:
            return b""
        return os.pread(self._fd, stop - start, self._base + start)


class _WindowFile:
    """A read-only file over a buffer or a :class:`_FileWindow`, read in place.

    Whoosh wraps each file of a compound segment in ``BytesIO``, which copies
    it whole: every searcher then held a private copy of the postings, stored
    documents and terms (half a GiB per searcher at 100,000 articles).
    """

    def __init__(self, buf: Any) -> None:
        self._buf = buf if isinstance(buf, _FileWindow) else memoryview(buf)
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        self._pos = end
        return bytes(self._buf[start:end])

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        limit = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        newline = bytes(self._buf[start:limit]).find(b"\n")
        return self.read((newline + 1) if newline >= 0 else limit - start)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True
        if isinstance(self._buf, memoryview):
            self._buf.release()

    def flush(self) -> None:
        pass


def _buffer_file_init(self: Any, buf: Any, name: str | None = None, onclose: Any = None) -> None:
    self._buf = buf
    self._name = name
    self.file = _WindowFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _buffer_file_read_pickle(self: Any) -> Any:
    # Unpickling straight from a Python-level file costs a call per opcode
    # read; a small copied window read by the C unpickler does not.
    source = self.file
    start = source._pos
    remaining = len(source._buf) - start
    window = 1024
    while True:
        chunk = io.BytesIO(source._buf[start : start + window])
        try:
            value = pickle.load(chunk)
        except Exception:
            if window >= remaining:
                raise
            window *= 16
            continue
        source._pos = start + chunk.tell()
        return value


BufferFile.__init__ = _buffer_file_init
BufferFile.read_pickle = _buffer_file_read_pickle


class _SharedCompoundStorage(CompoundStorage):  # type: ignore[misc]
    """A compound segment file opened once per process, for every reader of it.

    Whoosh opens (and maps) a segment's compound file anew for each reader;
    with a pool of searchers per server process that was the index counted in
    RSS once per searcher. A segment file never changes once written, so one
    open file and one parsed directory serve every reader, read by ``pread``
    (see :class:`_FileWindow`). The file is closed when the last reader using
    it, and every file opened from it, is gone (see :func:`open_segment_files`).
    """

    def __init__(self, dbfile: Any) -> None:
        # Whoosh reads the directory through dbfile and keeps it open, unmapped.
        super().__init__(dbfile, use_mmap=False)
        self._fd = self._file.fileno()
        #: Column readers by column file name (see :func:`_cached_column_reader`).
        self.column_readers: dict[str, Any] = {}

    def open_file(self, name: str, *args: Any, **kwargs: Any) -> BufferFile:
        offset, length = self.range(name)
        return BufferFile(_FileWindow(self, self._fd, offset, length), name=name)

    def close(self) -> None:
        # Other readers share this file: it is closed with the last of them, not here.
        pass


#: The shared segment files by identity; weak, so unused ones are closed.
_SHARED_SEGMENTS: weakref.WeakValueDictionary[tuple[Any, ...], _SharedCompoundStorage] = (
    weakref.WeakValueDictionary()
)
_SHARED_LOCK = threading.Lock()
_whoosh_open_compound_file = Segment.open_compound_file


def _open_compound_file(self: Any, storage: Any) -> Any:
    if not isinstance(storage, FileStorage) or not hasattr(os, "pread"):
        return _whoosh_open_compound_file(self, storage)
    name = self.make_filename(self.COMPOUND_EXT)
    path = os.path.abspath(os.path.join(storage.folder, name))
    st = os.stat(path)
    # The inode, size and time too: a new file may come to the same path (or
    # a deleted file's inode to a new one) while the old one is still read.
    key = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    with _SHARED_LOCK:
        shared = _SHARED_SEGMENTS.get(key)
        if shared is None:
            shared = _SHARED_SEGMENTS[key] = _SharedCompoundStorage(storage.open_file(name))
    return shared


Segment.open_compound_file = _open_compound_file
_whoosh_cached_reader = W3PerDocReader._cached_reader


def _cached_column_reader(self: Any, fieldname: str, column: Any) -> Any:
    # Whoosh's reader of the stored-documents column loads an offset and a
    # length per document when it opens, and each searcher opened its own:
    # megabytes per searcher at a million articles, again after every commit.
    # A column reader over a shared file only reads with pread, so every
    # reader of the segment can use one.
    found = self._readers.get(fieldname)
    if found is not None:
        return found
    shared = getattr(self._storage, "a", None)
    filename = W3Codec.column_filename(self._segment, fieldname)
    if not isinstance(shared, _SharedCompoundStorage) or not shared.file_exists(filename):
        return _whoosh_cached_reader(self, fieldname, column)
    found = shared.column_readers.get(filename)
    if found is None:
        # Opened apart from this reader's own files: closing it must not close this one.
        opened = column.reader(shared.open_file(filename), 0, shared.file_length(filename), self._doccount)
        found = shared.column_readers.setdefault(filename, opened)
    self._readers[fieldname] = found
    return found


W3PerDocReader._cached_reader = _cached_column_reader


def open_segment_files() -> list[str]:
    """The segment files this process has open and some reader still uses."""
    with _SHARED_LOCK:
        return sorted({key[0] for key in list(_SHARED_SEGMENTS)})


#: Bumped whenever the schema or analysis changes what is in the index.
FORMAT_VERSION = 3
FORMAT_NAME = "searchsvc-index"
META_FILE = "searchsvc.json"
INDEX_NAME = "MAIN"

#: Fields with one value per document: filters, facets and sort keys.
SINGLE_VALUE_FACETS = ("source", "category", "lang")
#: Fields with several values per document.
MULTI_VALUE_FACETS = ("tags", "places")
FACET_FIELDS = SINGLE_VALUE_FACETS + MULTI_VALUE_FACETS
#: Searched text fields and their weight in scoring.
TEXT_FIELD_BOOSTS = {"title": 3.0, "lead": 1.5, "body": 1.0}
#: Separates the values of a multi-value field as handed to Whoosh.
VALUE_SEPARATOR = "\x1f"


class NewsPositions(Positions):  # type: ignore[misc]
    """Whoosh's positions format, filled from :meth:`NewsAnalyzer.term_positions`.

    It writes exactly what :class:`~whoosh.formats.Positions` writes; only the
    way there skips Whoosh's token-by-token path.
    """

    def word_values(
        self, value: Any, analyzer: Any, **kwargs: Any
    ) -> Iterator[tuple[str, int, float, bytes]]:
        fast = getattr(analyzer, "term_positions", None)
        if fast is None or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        field_boost = self.field_boost
        encode = self.encode
        for text, (positions, weight) in fast(value).items():
            yield text, len(positions), weight * field_boost, encode(positions)


def _text_field(analyzer: NewsAnalyzer, boost: float) -> TEXT:
    field = TEXT(analyzer=analyzer, field_boost=boost)
    field.format = NewsPositions(field_boost=boost)
    return field


def build_schema(analyzer: NewsAnalyzer) -> Schema:
    """The Whoosh schema for ``analyzer``; the whole document is one stored field."""
    values = RegexTokenizer(r"[^\x1f]+")
    return Schema(
        id=ID(unique=True),
        title=_text_field(analyzer, TEXT_FIELD_BOOSTS["title"]),
        lead=_text_field(analyzer, TEXT_FIELD_BOOSTS["lead"]),
        body=_text_field(analyzer, TEXT_FIELD_BOOSTS["body"]),
        date=DATETIME(sortable=True),
        source=ID(),
        category=ID(),
        lang=ID(),
        tags=KEYWORD(analyzer=values),
        places=KEYWORD(analyzer=values),
        url=ID(),
        doc=STORED(),
    )


def to_index_fields(doc: dict[str, Any], places: list[str]) -> dict[str, Any]:
    """The Whoosh fields of one normalized document."""
    fields: dict[str, Any] = {"id": doc["id"], "doc": json.dumps(doc, ensure_ascii=False)}
    for name in ("title", "lead", "body", "source", "category", "lang", "url"):
        value = doc.get(name)
        if value:
            fields[name] = value
    if doc.get("date"):
        fields["date"] = dt.datetime.strptime(doc["date"], "%Y-%m-%dT%H:%M:%SZ")
    if doc.get("tags"):
        fields["tags"] = VALUE_SEPARATOR.join(doc["tags"])
    if places:
        fields["places"] = VALUE_SEPARATOR.join(places)
    return fields


@contextlib.contextmanager
def whoosh_errors(action: str) -> Iterator[None]:
    """Translate Whoosh and file-system exceptions into searchsvc errors."""
    try:
        yield
    except SearchIndexError:
        raise
    except whoosh.index.LockError:
        raise IndexLocked(
            f"cannot {action}: another process is writing to the index; try again when it is done"
        ) from None
    except whoosh.index.EmptyIndexError:
        raise IndexNotFound(f"cannot {action}: there is no index here; run 'searchsvc index PATH'") from None
    except whoosh.index.IndexVersionError:
        raise IndexVersionMismatch(
            f"cannot {action}: the index was written by another Whoosh version; run 'searchsvc reindex'"
        ) from None
    except (whoosh.index.IndexError, OSError, EOFError, ValueError, KeyError) as exc:
        raise IndexCorrupt(
            f"cannot {action}: the index files cannot be read ({type(exc).__name__})"
        ) from None


@contextlib.contextmanager
def writing(ix: whoosh.index.Index, action: str, **options: Any) -> Iterator[Any]:
    """A Whoosh writer that commits when the block ends and cancels if it fails."""
    with whoosh_errors(action):
        writer = FastSegmentWriter(ix, **options)
        try:
            yield writer
            writer.commit()
        except BaseException:
            writer.cancel()
            raise


class IndexStore:
    """Where an index lives: a folder of generations, or memory.

    It knows which generation is active and hands out Whoosh ``Index``
    objects opened with the schema of the running code.
    """

    def __init__(self, path: str | os.PathLike[str] | None, schema: Schema) -> None:
        self.path = Path(path) if path is not None else None
        self.schema = schema
        self._ram: dict[str, RamStorage] = {}
        self._ram_current: str | None = None
        self._meta_stamp: tuple[int, int] | None = None

    # -- the meta file -------------------------------------------------

    @property
    def meta_path(self) -> Path:
        assert self.path is not None
        return self.path / META_FILE

    def _read_meta(self) -> dict[str, Any] | None:
        assert self.path is not None
        try:
            raw = self.meta_path.read_text("utf-8")
        except FileNotFoundError:
            if self.path.is_dir() and any(not p.name.startswith(".") for p in self.path.iterdir()):
                raise IndexVersionMismatch(
                    f"the folder {self.path.name!r} is not a searchsvc index; "
                    "give an empty or new folder, or run 'searchsvc reindex' there"
                ) from None
            return None
        except OSError:
            raise IndexCorrupt("the index folder cannot be read") from None
        try:
            meta = json.loads(raw)
        except ValueError:
            raise IndexCorrupt("the index metadata file is damaged; run 'searchsvc reindex'") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise IndexVersionMismatch("the folder is not a searchsvc index; run 'searchsvc reindex'")
        if meta.get("version") != FORMAT_VERSION:
            raise IndexVersionMismatch(
                f"the index has format version {meta.get('version')}, this searchsvc needs "
                f"{FORMAT_VERSION}; run 'searchsvc reindex' to rebuild it"
            )
        return meta

    def _write_meta(self, generation: str) -> None:
        meta = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "generation": generation,
            "activated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        tmp = self.meta_path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(meta, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.meta_path)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.meta_path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    # -- generations -----------------------------------------------------

    def current_generation(self) -> str | None:
        if self.path is None:
            return self._ram_current
        meta = self._read_meta()
        return None if meta is None else str(meta["generation"])

    def exists(self) -> bool:
        return self.current_generation() is not None

    def swapped(self) -> bool:
        """Whether another process activated a new generation since we last looked."""
        if self.path is None:
            return False
        return self._stamp() != self._meta_stamp

    def _storage(self, generation: str) -> FileStorage | RamStorage:
        if self.path is None:
            return self._ram.setdefault(generation, RamStorage())
        return FileStorage(str(self.path / generation))

    def open(self, create: bool = True) -> whoosh.index.Index:
        """The active generation's index, created empty if there is none and ``create``."""
        with whoosh_errors("open the index"):
            generation = self.current_generation()
            if generation is None:
                if not create:
                    where = self.path.name if self.path is not None else "memory"
                    raise IndexNotFound(f"no index in {where!r}; run 'searchsvc index PATH' first")
                generation, ix = self.create_generation()
                self.activate(generation)
                return ix
            if self.path is not None:
                self._meta_stamp = self._stamp()
            storage = self._storage(generation)
            if not storage.index_exists(INDEX_NAME):
                raise IndexCorrupt(
                    f"the active index generation {generation!r} is missing; run 'searchsvc reindex'"
                )
            return storage.open_index(INDEX_NAME, schema=self.schema)

    def create_generation(self) -> tuple[str, whoosh.index.Index]:
        """A new, empty generation beside the active one (not yet active)."""
        with whoosh_errors("create an index"):
            if self.path is None:
                name = f"gen-{len(self._ram) + 1:06d}"
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                numbers = [int(p.name[4:]) for p in self.path.glob("gen-*") if p.name[4:].isdigit()]
                name = f"gen-{max(numbers, default=0) + 1:06d}"
                (self.path / name).mkdir()
            storage = self._storage(name)
            return name, storage.create_index(self.schema, indexname=INDEX_NAME)

    def activate(self, generation: str) -> None:
        """Make ``generation`` the live index, atomically, and prune old ones."""
        if self.path is None:
            previous = self._ram_current
            self._ram_current = generation
            if previous is not None and previous != generation:
                self._ram.pop(previous, None)
            return
        previous = None
        with contextlib.suppress(SearchIndexError):
            previous = self.current_generation()
        self._write_meta(generation)
        self._meta_stamp = self._stamp()
        # Keep the generation just replaced: readers may still have it open.
        keep = {generation, previous}
        for old in self.path.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def discard(self, generation: str) -> None:
        """Remove a generation that was never activated (a failed rebuild)."""
        if self.path is None:
            self._ram.pop(generation, None)
        else:
            shutil.rmtree(self.path / generation, ignore_errors=True)

    def size_bytes(self) -> int:
        if self.path is None:
            generation = self._ram_current
            storage = self._ram.get(generation or "")
            return sum(storage.file_length(n) for n in storage.list()) if storage else 0
        generation = self.current_generation()
        if generation is None:
            return 0
        folder = self.path / generation
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
