"""Reading documents from files, folders and request bodies.

Every reader streams: it yields one :class:`Record` at a time, a normalized
document or a rejection saying where and why, and holds one document in memory,
not a file. A bad record never stops the good ones (unless ``strict``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from ..errors import InputFormatError, InvalidDocument
from .csvfile import read_csv
from .encoding import utf8_problem
from .folder import FORMATS, detect_format, walk_folder
from .jsonfiles import decode_json, read_json, read_jsonl
from .records import Record, position, rejected
from .text import read_text

__all__ = [
    "FORMATS",
    "STDIN",
    "Record",
    "decode_json",
    "detect_format",
    "input_size",
    "path_problem",
    "position",
    "read_body",
    "read_records",
]

PathArg = str | os.PathLike[str]

_ALIASES = {"txt": "text", "ndjson": "jsonl"}

_BODY_FORMATS = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/jsonlines": "jsonl",
    "text/csv": "csv",
}

BODY_SOURCE = "<request>"
#: The path that means standard input, read as JSON Lines unless a format is given.
STDIN = "-"
STDIN_SOURCE = "<stdin>"
#: The start of the id of a plain text read from standard input; its content's hash follows.
STDIN_TEXT_PREFIX = "stdin-"

#: Bytes of a JSON, JSON Lines or CSV file looked at to tell binary data from text.
SNIFF_BYTES = 8192

_KINDS = {"jsonl": "JSON Lines", "json": "JSON", "csv": "CSV"}


def read_records(
    paths: Iterable[PathArg] | PathArg,
    *,
    format: str | None = None,
    strict: bool = False,
    max_field_length: int | None = None,
    on_skip: Callable[[str], None] | None = None,
    on_empty: Callable[[str], None] | None = None,
    root: PathArg | None = None,
    reject_bad_paths: bool = False,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[Record]:
    """The records of files and folders (recursively), in order.

    ``format`` forces one reader for every file, folder contents included;
    otherwise the extension decides, and a folder's files of other extensions are
    skipped (``on_skip`` is called with each one's path). A file or standard input
    that holds no record at all, in any format, is no error: ``on_empty`` is called
    with its name. A path that does not
    exist, or a named file of unknown extension, raises :class:`InputFormatError`:
    at once when ``paths`` is a list or tuple, else when the walk reaches it.
    With ``strict`` the first bad record raises :class:`InvalidDocument`.

    A text file's id is its path from ``root``, with ``/`` between folders, so
    that reading a folder and later one of its subfolders gives a file the same
    id; every path must then lie inside ``root``. Without ``root`` the id is the
    path from the folder given (a named file's id is its name), as ids have always
    been: an index built so keeps its ids.

    With ``reject_bad_paths``, the paths are not checked first: one that is
    missing or cannot be read, or a named file of unknown type, becomes a
    rejected record (its source the path) when the walk reaches it, and the
    rest is read. A file that disappears while the files are being read is a
    rejected record either way, as is a file of binary data.

    The path ``-`` is standard input (JSON Lines unless ``format`` says
    otherwise). ``on_read`` is called with the number of bytes each read took
    from a file or standard input, for a progress bar (see :func:`input_size`).
    """
    fmt = _check_format(format)
    base = _check_root(root)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, (list, tuple)):
        for path in paths:
            if os.fspath(path) == STDIN:
                continue
            if not reject_bad_paths:
                _check_path(path, fmt)
            _id_prefix(os.fspath(path), base)
    records = _read_paths(paths, fmt, max_field_length, on_skip, on_empty, base, reject_bad_paths, on_read)
    return _raise_on_bad(records) if strict else records


def read_body(
    data: bytes,
    content_type_or_format: str,
    *,
    strict: bool = False,
    max_field_length: int | None = None,
) -> Iterator[Record]:
    """The records of an in-memory body: a JSON array or object, NDJSON, or CSV.

    ``content_type_or_format`` is a Content-Type header (parameters allowed, only a
    UTF-8 charset) or a format name. Records have source ``"<request>"``.
    """
    media, _, params = content_type_or_format.partition(";")
    media = media.strip().lower()
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise InputFormatError(f"unsupported charset {value.strip()!r}: bodies must be UTF-8")
    fmt = _BODY_FORMATS.get(media) or _ALIASES.get(media, media)
    if fmt not in ("json", "jsonl", "csv"):
        raise InputFormatError(
            f"unsupported content type {media!r}: use application/json, application/x-ndjson or text/csv"
        )
    records = _read_stream(io.BytesIO(data), fmt, BODY_SOURCE, BODY_SOURCE, max_field_length)
    return _raise_on_bad(records) if strict else records


def _check_format(format: str | None) -> str | None:
    if format is None:
        return None
    name = _ALIASES.get(format.lower(), format.lower())
    if name not in FORMATS:
        raise InputFormatError(f"unknown format {format!r}: expected one of {', '.join(FORMATS)}")
    return name


def path_problem(path: PathArg, format: str | None = None) -> str | None:
    """Why ``path`` cannot be read as asked (missing, unreadable, of unknown type), or None.

    The reason does not name the path: ``"no such file or folder"``.
    """
    if os.fspath(path) == STDIN:
        return None
    try:
        is_dir = os.path.isdir(path)
        if not is_dir:
            os.stat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as exc:
        return str(exc.strerror or exc)
    if not is_dir and format is None and detect_format(path) is None:
        return (
            "unknown file type: name it .txt, .jsonl, .ndjson, .json or .csv (gzipped: add .gz),"
            f" or give a format ({', '.join(FORMATS)})"
        )
    return None


def _check_path(path: PathArg, fmt: str | None) -> bool:
    """Whether ``path`` is a folder; raises if it cannot be read as asked."""
    problem = path_problem(path, fmt)
    if problem is not None:
        raise InputFormatError(f"{os.fspath(path)}: {problem}")
    return os.path.isdir(path)


def _check_root(root: PathArg | None) -> str | None:
    """``root`` as an absolute path, after checking that it is a folder."""
    if root is None:
        return None
    if not os.path.isdir(root):
        raise InputFormatError(f"{os.fspath(root)}: the root is not a folder")
    return os.path.abspath(root)


def _id_prefix(given: str, base: str | None) -> str:
    """What goes before a path found under ``given`` to make its id: its path from ``base``."""
    if base is None:
        return ""
    # Lexically, like the ids themselves: a file is named by the path it was reached by.
    relative = os.path.relpath(os.path.abspath(given), base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise InputFormatError(f"{given}: not inside the root folder {base}")
    return "" if relative == os.curdir else relative.replace(os.sep, "/")


def _read_paths(
    paths: Iterable[PathArg],
    fmt: str | None,
    max_field_length: int | None,
    on_skip: Callable[[str], None] | None,
    on_empty: Callable[[str], None] | None,
    base: str | None,
    reject_bad_paths: bool,
    on_read: Callable[[int], None] | None,
) -> Iterator[Record]:
    for path in paths:
        given = os.fspath(path)
        if given == STDIN:
            yield from _noting_empty(_read_stdin(fmt, on_read, max_field_length), STDIN_SOURCE, on_empty)
            continue
        if reject_bad_paths:
            problem = path_problem(given, fmt)
            if problem is not None:
                yield rejected(given, None, problem)
                continue
        if not _check_path(given, fmt):
            detected = fmt or detect_format(given)
            assert detected is not None  # _check_path raised otherwise
            doc_id = os.path.basename(given) if base is None else _id_prefix(given, base)
            yield from _noting_empty(
                _read_file(given, detected, doc_id, max_field_length, on_read), given, on_empty
            )
            continue
        prefix = _id_prefix(given, base)
        prefix += "/" if prefix else ""
        for entry in walk_folder(given):
            file_format = fmt or detect_format(entry.path)
            if entry.error is not None:
                # A broken link to a file of a type not read is no loss.
                if entry.folder or file_format is not None:
                    yield rejected(entry.path, None, entry.error)
                continue
            if file_format is None:
                if on_skip is not None:
                    on_skip(entry.path)
                continue
            records = _read_file(entry.path, file_format, prefix + entry.relative, max_field_length, on_read)
            yield from _noting_empty(records, entry.path, on_empty)


def _noting_empty(
    records: Iterator[Record], source: str, on_empty: Callable[[str], None] | None
) -> Iterator[Record]:
    """``records``; when there are none, ``on_empty`` is told the source's name. Every format
    is treated alike: an empty input holds no documents, and is no bad record."""
    empty = True
    for record in records:
        empty = False
        yield record
    if empty and on_empty is not None:
        on_empty(source)


def _read_stdin(
    fmt: str | None, on_read: Callable[[int], None] | None, max_field_length: int | None
) -> Iterator[Record]:
    """The records of standard input, gzipped or not: JSON Lines unless ``fmt`` says otherwise."""
    try:
        stream = _uncompressed(_counted(sys.stdin.buffer, on_read))
        if fmt == "text":
            # A text is one document, read whole: named by its content, so that each
            # text piped in is a document of its own, and piping one again replaces it.
            data = stream.read()
            doc_id = f"{STDIN_TEXT_PREFIX}{hashlib.sha256(data).hexdigest()[:16]}"
            yield from _read_stream(io.BytesIO(data), fmt, STDIN_SOURCE, doc_id, max_field_length)
            return
        yield from _read_stream(stream, fmt or "jsonl", STDIN_SOURCE, "stdin", max_field_length)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield rejected(STDIN_SOURCE, None, f"{_GZIP_FAULT}: {exc}")


def input_size(paths: Iterable[PathArg], format: str | None = None) -> int | None:
    """The bytes :func:`read_records` reads from ``paths``, folders walked as it walks them,
    or None when one of them is standard input, whose size is not known beforehand."""
    total = 0
    for path in paths:
        given = os.fspath(path)
        if given == STDIN:
            return None
        if os.path.isdir(given):
            total += sum(
                _size(entry.path)
                for entry in walk_folder(given)
                if entry.error is None and (format or detect_format(entry.path))
            )
        else:
            total += _size(given)
    return total


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reported as a rejection when it is read


class _Counting(io.RawIOBase):
    """A binary file that tells how many bytes each read took from it."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        if data:
            self._on_read(len(data))
        return len(data)

    def close(self) -> None:
        if self._raw is not sys.stdin.buffer:
            self._raw.close()
        super().close()


def _counted(stream: IO[bytes], on_read: Callable[[int], None] | None) -> io.BufferedReader:
    """``stream`` buffered, counting what is read from it when ``on_read`` is given."""
    if on_read is None:
        return stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)  # type: ignore[arg-type]
    return io.BufferedReader(_Counting(stream, on_read))


def _read_file(
    path: str, fmt: str, doc_id: str, max_field_length: int | None, on_read: Callable[[int], None] | None
) -> Iterator[Record]:
    try:
        # Unbuffered: what is read from the disk is counted once, then buffered.
        stream = _counted(open(path, "rb", buffering=0), on_read)  # noqa: SIM115  (closed below)
    except FileNotFoundError:
        # Listed (or checked) a moment ago: moved or deleted since.
        yield rejected(
            path, None, "no such file any more: it was moved or deleted while the files were being read"
        )
        return
    except OSError as exc:
        yield rejected(path, None, f"cannot open file: {exc.strerror or exc}")
        return
    with stream:
        try:
            data = _uncompressed(stream)
            if fmt in _KINDS:
                # A whole file of binary data would otherwise be rejected line by line.
                problem = utf8_problem(data.peek(SNIFF_BYTES)[:SNIFF_BYTES], _KINDS[fmt])
                if problem is not None:
                    yield rejected(path, None, problem)
                    return
            yield from _read_stream(data, fmt, path, doc_id, max_field_length)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            yield rejected(path, None, f"{_GZIP_FAULT}: {exc}")
        except OSError as exc:
            yield rejected(path, None, f"cannot read file: {exc.strerror or exc}")


#: How a gzipped input that cannot be decompressed is reported.
_GZIP_FAULT = "cannot decompress the gzipped input (cut off or damaged)"
_GZIP_MAGIC = b"\x1f\x8b"


def _uncompressed(stream: io.BufferedReader) -> io.BufferedReader:
    """``stream``, decompressed when it is gzip (whatever its name): the bytes tell."""
    if stream.peek(2)[:2] != _GZIP_MAGIC:
        return stream
    return io.BufferedReader(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type]


def _read_stream(
    stream: IO[bytes], fmt: str, source: str, doc_id: str, max_field_length: int | None
) -> Iterator[Record]:
    if fmt == "jsonl":
        return read_jsonl(stream, source=source, max_field_length=max_field_length)
    if fmt == "json":
        return read_json(stream, source=source, max_field_length=max_field_length)
    if fmt == "csv":
        return read_csv(stream, source=source, max_field_length=max_field_length)
    return read_text(stream, source=source, doc_id=doc_id, max_field_length=max_field_length)


def _raise_on_bad(records: Iterator[Record]) -> Iterator[Record]:
    for record in records:
        if record.error is not None:
            # InvalidDocument prints source and line only: an array index goes in the message.
            message = record.error if record.index is None else f"index {record.index}: {record.error}"
            raise InvalidDocument(message, source=record.source, line=record.line, index=record.index)
        yield record
