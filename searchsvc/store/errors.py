"""Failures of the store, as searchsvc's index errors.

Only what the store itself can fail at is translated: files and locks, and
Whoosh's own exceptions while it opens, reads or writes an index. A bug
elsewhere in searchsvc stays what it is, so the HTTP layer answers it as an
internal error and logs it, instead of blaming a healthy index.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import pickle
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import whoosh.index
from whoosh.filedb.filestore import StorageError

from ..errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexNotWritable,
    IndexVersionMismatch,
    SearchIndexError,
    StorageFull,
)

#: Exceptions that mean the index's files cannot be read or written as they are.
STORE_FAILURES: tuple[type[BaseException], ...] = (
    whoosh.index.IndexError,
    whoosh.index.LockError,
    StorageError,
    OSError,
    EOFError,
    pickle.UnpicklingError,
    zlib.error,
    struct.error,
)
#: Opening an index only runs Whoosh's code on the index's files: anything it
#: raises while decoding them means they are damaged. A damaged pickle can name a
#: module or class that does not exist (ImportError, AttributeError), or a length
#: too large to allocate (MemoryError); Whoosh asserts what it expects (AssertionError).
OPEN_FAILURES = (
    *STORE_FAILURES,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    ImportError,
    AttributeError,
    ArithmeticError,
    AssertionError,
    MemoryError,
)


#: What a failed write's errno says: the disk is full, or the folder cannot be written.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def write_failure(exc: OSError, action: str) -> SearchIndexError:
    """The index error for a file-system failure while doing ``action``."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFull(f"cannot {action}: the disk is full; nothing was written")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return IndexNotWritable(
            f"cannot {action}: the index folder cannot be written to; nothing was written"
        )
    return IndexNotWritable(f"cannot {action}: {exc.strerror or type(exc).__name__}; nothing was written")


def translated(exc: BaseException, action: str, failures: tuple[type[BaseException], ...]) -> BaseException:
    """The searchsvc error for the store's failure ``exc`` while doing ``action``, or ``exc`` itself."""
    if isinstance(exc, SearchIndexError):
        return exc
    if isinstance(exc, whoosh.index.LockError):
        return IndexLocked(
            f"cannot {action}: another process is writing to the index; try again when it is done"
        )
    if isinstance(exc, whoosh.index.EmptyIndexError):
        return IndexNotFound(f"cannot {action}: there is no index here; run 'searchsvc index PATH'")
    if isinstance(exc, whoosh.index.IndexVersionError):
        return IndexVersionMismatch(
            f"cannot {action}: the index was written by another Whoosh version; rebuild it with 'searchsvc reindex PATH...'"
        )
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        return write_failure(exc, action)
    if isinstance(exc, failures):
        return IndexCorrupt(
            f"cannot {action}: the index files cannot be read ({type(exc).__name__})",
            problem=type(exc).__name__,
        )
    return exc


def damaged_segment(segment: str, problem: str, *, file: str | None = None) -> IndexCorrupt:
    """The error for segment ``segment`` (held in ``file``) found damaged as ``problem`` says."""
    return IndexCorrupt(
        f"cannot read the index: segment {segment} is damaged: {problem}; run 'searchsvc check' "
        "for the whole report, then restore a snapshot or rebuild the index with 'searchsvc reindex'",
        segment=segment,
        file=file,
    )


def in_segment(exc: BaseException, segment: str, file: str | None) -> BaseException:
    """The index error for failure ``exc`` while reading segment ``segment``, naming it."""
    error = translated(exc, "read the index", STORE_FAILURES)
    if not isinstance(error, IndexCorrupt) or error.segment is not None:
        return error
    what = error.details.get("problem") or error.message
    where = f"file {file}" if file is not None else "its files"
    return damaged_segment(segment, f"{where} cannot be read ({what})", file=file)


#: What reading one segment can fail with: the store's failures, and the index errors raised for them below.
_SEGMENT_FAILURES: tuple[type[BaseException], ...] = (*STORE_FAILURES, IndexCorrupt)


@contextlib.contextmanager
def reading_segment(segment: str, file: str | None) -> Iterator[None]:
    """Name segment ``segment`` (held in ``file``) in the index error of a failure to read it."""
    try:
        yield
    except _SEGMENT_FAILURES as exc:
        error = in_segment(exc, segment, file)
        if error is exc:
            raise
        raise error from None


@contextlib.contextmanager
def store_errors(action: str, failures: tuple[type[BaseException], ...] = STORE_FAILURES) -> Iterator[None]:
    """Translate the store's failures while doing ``action`` into searchsvc's index errors."""
    try:
        yield
    except failures as exc:
        error = translated(exc, action, failures)
        if error is exc:
            raise
        raise error from None


F = TypeVar("F", bound=Callable[..., Any])


def reads_index(func: F) -> F:
    """Mark a function that reads the index's files: its store failures become index errors.

    A plain ``try`` rather than :func:`store_errors`: it costs nothing unless
    something fails, and some of these run for every segment of every search.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except STORE_FAILURES as exc:
            error = translated(exc, "read the index", STORE_FAILURES)
            if error is exc:
                raise
            raise error from None

    return wrapper  # type: ignore[return-value]
