"""The one exception hierarchy of searchsvc.

Every error a caller can cause is a :class:`SearchsvcError`. Each class carries
an HTTP ``status`` and a stable machine-readable ``code`` so that the HTTP layer
maps them in one place and the CLI prints ``message`` on one line. Exceptions of
third-party libraries (Whoosh above all) are translated where they are called
and never reach a caller.
"""

from __future__ import annotations

from typing import Any


class SearchsvcError(Exception):
    """Base of every error searchsvc raises on purpose."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message


# Input errors: the caller sent something that cannot be used.


class InvalidInput(SearchsvcError):
    """The request is well formed, but a value in it cannot be used."""

    status = 400
    code = "invalid_input"


class QueryError(InvalidInput):
    """A query string that cannot be parsed, or uses an unknown field."""

    code = "invalid_query"


class StatisticsMismatch(QueryError):
    """The collection statistics given to a search lack a term it scores: they were
    gathered for another query, or before a commit changed what the query reaches."""

    code = "statistics_mismatch"


class InvalidParameter(InvalidInput):
    """A search or request parameter out of range or of the wrong kind."""

    code = "invalid_parameter"


class UnknownField(InvalidInput):
    """A filter, facet or sort on a field that does not support it."""

    code = "unknown_field"


class InvalidDate(InvalidInput):
    """A date that is not ISO 8601."""

    code = "invalid_date"


class InvalidDocument(InvalidInput):
    """A document that breaks the document model (missing id, wrong type...)."""

    status = 422
    code = "invalid_document"

    def __init__(
        self, message: str, *, source: str | None = None, line: int | None = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        self.source = source
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source + (f":{self.line}" if self.line is not None else "") + ": "
        return where + self.message


class EmptyRebuild(InvalidInput):
    """A rebuild with no documents to build from, which would empty the index."""

    code = "empty_rebuild"

    @classmethod
    def with_rejected(cls, rejected: int) -> EmptyRebuild:
        """The refusal of a rebuild that accepted no document, ``rejected`` of them refused."""
        return cls(
            "there are no documents to rebuild the index from"
            + (f" ({rejected} rejected)" if rejected else "")
            + "; the index is left as it was (allow an empty index to replace it)"
        )


class InputFormatError(InvalidInput):
    """A file or body that cannot be read at all (unknown format, bad encoding)."""

    code = "invalid_format"


class UnsupportedMediaType(InputFormatError):
    """A body whose Content-Type the endpoint does not read."""

    status = 415
    code = "unsupported_media_type"


class InvalidJSON(InputFormatError):
    """A body that is not JSON at all (as opposed to JSON that is not a valid document)."""

    code = "invalid_json"


class LimitExceeded(InvalidInput):
    """An input beyond a declared limit (body size, batch size, field length)."""

    status = 413
    code = "limit_exceeded"


class QueryTooExpensive(InvalidInput):
    """A query that would read more of the index than a setting allows; the message names it."""

    code = "query_too_expensive"


class Unauthorized(SearchsvcError):
    """A request without the key it needs: the API key for a write, the read key (or the API key) for a read."""

    status = 401
    code = "unauthorized"


class HostNotAllowed(SearchsvcError):
    """A request naming a host this server does not answer to, as a web page whose name was
    rebound to this server's address would send."""

    status = 421
    code = "host_not_allowed"


class OriginNotAllowed(SearchsvcError):
    """A write a browser sent from a web page of another origin than this server or the allowed ones."""

    status = 403
    code = "origin_not_allowed"


class NotFound(SearchsvcError):
    """A document id that is not in the index."""

    status = 404
    code = "not_found"


# Index errors: the index on disk cannot be used as asked.


class SearchIndexError(SearchsvcError):
    """The index cannot be used as asked."""

    status = 503
    code = "index_error"


class IndexNotFound(SearchIndexError):
    """No index at the given location."""

    code = "index_not_found"


class IndexVersionMismatch(SearchIndexError):
    """An index written by another format version, or a folder that is not an index."""

    code = "index_version_mismatch"


class IndexLocked(SearchIndexError):
    """Another writer holds the index lock."""

    status = 409
    code = "index_locked"


class IndexCorrupt(SearchIndexError):
    """The index files cannot be read: they are damaged or incomplete."""

    code = "index_corrupt"

    def __init__(
        self, message: str, *, segment: str | None = None, file: str | None = None, **details: Any
    ) -> None:
        super().__init__(message, **details)
        #: The segment found damaged, when the damage was found reading one, and its file
        #: (a compound segment's one file, named without its folder).
        self.segment = segment
        self.file = file

    def __reduce__(self) -> tuple[Any, ...]:
        # An exception pickles as its class and message only; the segment must cross
        # to the process that answers (a shard's caller) too.
        return type(self), (self.message,), self.__dict__


class IndexWriteFailed(SearchIndexError):
    """Writing the index failed for a reason of its own (a writer process died)."""

    code = "index_write_failed"


class StorageFull(SearchIndexError):
    """The disk holding the index is full: the write was not logged or committed."""

    status = 507
    code = "storage_full"


class IndexNotWritable(SearchIndexError):
    """The index folder cannot be written to (read-only, no permission): nothing was written."""

    code = "index_not_writable"


class IndexLayoutMismatch(SearchIndexError):
    """The folder is split into a different number of shards than asked (or not split at all)."""

    status = 409
    code = "index_layout_mismatch"


class ShardUnavailable(SearchIndexError):
    """A shard of a sharded index did not answer: every replica of it, or its writer, is down."""

    code = "shard_unavailable"


class EngineClosed(SearchsvcError):
    """The engine was used after close()."""

    status = 503
    code = "engine_closed"


__all__ = [
    "SearchsvcError",
    "InvalidInput",
    "QueryError",
    "StatisticsMismatch",
    "InvalidParameter",
    "UnknownField",
    "InvalidDate",
    "InvalidDocument",
    "EmptyRebuild",
    "InputFormatError",
    "UnsupportedMediaType",
    "InvalidJSON",
    "LimitExceeded",
    "QueryTooExpensive",
    "Unauthorized",
    "HostNotAllowed",
    "OriginNotAllowed",
    "NotFound",
    "SearchIndexError",
    "IndexNotFound",
    "IndexVersionMismatch",
    "IndexLocked",
    "IndexCorrupt",
    "IndexWriteFailed",
    "StorageFull",
    "IndexNotWritable",
    "IndexLayoutMismatch",
    "ShardUnavailable",
    "EngineClosed",
]
