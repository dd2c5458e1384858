"""The OpenAPI 3.1 description of the HTTP API, as plain Python data.

Nothing here is declared twice: the search parameters come from the table of
:mod:`searchsvc.parameters` (which the API parses with too), the error answers
from the classes of :mod:`searchsvc.errors` (each operation only says which it can
raise), and the limits from the :class:`Settings` the app runs with. The paths are
checked against the app's routes by a test. This module imports nothing from
falcon, so the document can be built without a web framework.
"""

from __future__ import annotations

import functools
import inspect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import errors
from .documents import ID_FORBIDDEN_CATEGORIES, MAX_DATE, MAX_ID_LENGTH, MIN_DATE, format_date
from .errors import (
    EngineClosed,
    HostNotAllowed,
    IndexLocked,
    InvalidDocument,
    InvalidInput,
    InvalidParameter,
    LimitExceeded,
    NotFound,
    OriginNotAllowed,
    SearchIndexError,
    SearchsvcError,
    StorageFull,
    Unauthorized,
    UnsupportedMediaType,
)
from .highlight import MATCH_KINDS
from .parameters import FACETABLE, FILTER_FIELDS, HTTP_PARAMETERS, SearchParameter
from .settings import Settings, parse_origins

OPENAPI_VERSION = "3.1.0"

#: How the write endpoints' bodies may be sent; the API accepts exactly these.
DOCUMENT_MEDIA_TYPES = ("application/json",)
BULK_MEDIA_TYPES = ("application/json", "application/x-ndjson")
#: The header of ``GET /export`` giving how many documents (lines) the answer holds.
EXPORT_COUNT_HEADER = "Export-Documents"
#: The request line and headers together; the server answers a larger one with 431.
MAX_HEADER_BYTES = 256 * 1024

#: The characters Python's ``str.strip()`` removes, as a regular-expression class body
#: (ECMA 262, Python and Rust read it alike). The server strips ids, filter values, facet
#: names and queries with ``strip()``, so the patterns below say "blank" the same way;
#: ``\s`` would not (engines disagree on U+001C to U+001F, U+0085 and U+FEFF).
BLANK_CHARS = (
    "\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)
_BLANK = f"[{BLANK_CHARS}]"
_NONBLANK = f"[^{BLANK_CHARS}]"


def _stripped_text(max_length: int, *, padded: bool) -> str:
    """A pattern for text of 1 to ``max_length`` characters once stripped.

    ``padded``: blanks around the text are allowed (the server strips them) and so is
    blank text; otherwise the text must neither be blank nor start or end with a blank.
    """
    core = _NONBLANK if max_length < 2 else f"{_NONBLANK}(?:[\\s\\S]{{0,{max_length - 2}}}{_NONBLANK})?"
    if padded:
        return f"^{_BLANK}*(?:{core})?{_BLANK}*$"
    return f"^{core}$"


@functools.cache
def _id_forbidden_chars() -> str:
    """The characters no id may hold, as a regular-expression class body: those of
    :data:`~searchsvc.documents.ID_FORBIDDEN_CATEGORIES` in this Python's Unicode, but
    surrogates, which no JSON string of a request can hold alone."""
    ranges: list[list[int]] = []
    for point in range(0x110000):
        category = unicodedata.category(chr(point))
        if category == "Cs" or category not in ID_FORBIDDEN_CATEGORIES:
            continue
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "".join(_escaped(a) if a == b else f"{_escaped(a)}-{_escaped(b)}" for a, b in ranges)


def _escaped(point: int) -> str:
    # Beyond the BMP engines disagree on escapes (\U, \u{}); the character itself reads alike.
    return f"\\u{point:04x}" if point <= 0xFFFF else chr(point)


def _id_pattern(max_length: int) -> str:
    """A pattern for the ids :func:`searchsvc.documents.document_id` takes.

    1 to ``max_length`` characters, no control, format or separator character, no
    blank at either end, and neither ``.`` nor ``..``; said without look-around,
    which not every regular expression engine reads.
    """
    forbidden = _id_forbidden_chars()
    char = f"[^{forbidden}]"
    end = f"[^{BLANK_CHARS}{forbidden}]"
    end_not_dot = f"[^.{BLANK_CHARS}{forbidden}]"
    longer = f"|{end}{char}{{1,{max_length - 2}}}{end}" if max_length > 2 else ""
    return f"^(?:{end_not_dot}|{end_not_dot}{end}|\\.{end_not_dot}{longer})$"


#: A ``field:value`` filter: a filter field, then a value that is not blank.
_FILTER_PATTERN = f"^{_BLANK}*(?:{'|'.join(FILTER_FIELDS)}){_BLANK}*:[\\s\\S]*{_NONBLANK}"
#: One facet name; blank names are skipped.
_FACET_NAME = f"{_BLANK}*(?:{'|'.join(FACETABLE)})?{_BLANK}*"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    # In a JSON body, null means "not given" (the default).
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    return {"oneOf": [*schema["oneOf"], {"type": "null"}]} if "oneOf" in schema else schema


def _parameter_schema(param: SearchParameter, settings: Settings, *, in_body: bool) -> dict[str, Any]:
    schema: dict[str, Any]
    if param.kind == "integer":
        schema = {"type": "integer"}
    elif param.kind == "boolean":
        schema = {"type": "boolean"}
    elif param.kind == "filter":
        item = {"type": "string", "pattern": _FILTER_PATTERN}
        if not in_body:
            schema = {"type": "array", "items": item}
        else:
            value = {"type": "string", "pattern": _NONBLANK}
            schema = {
                "oneOf": [
                    {"type": "array", "items": item},
                    item,
                    {
                        "type": "object",
                        "propertyNames": {"enum": list(FILTER_FIELDS)},
                        "additionalProperties": {"oneOf": [value, {"type": "array", "items": value}]},
                    },
                ]
            }
    elif param.kind == "facets":
        text: dict[str, Any] = {"type": "string", "pattern": f"^{_FACET_NAME}(?:,{_FACET_NAME})*$"}
        names = {"type": "array", "items": {"type": "string", "pattern": f"^{_FACET_NAME}$"}}
        schema = {"oneOf": [names, text]} if in_body else text
    elif param.max_length_setting is not None:
        max_length = param.max_length_in(settings) or 0
        schema = {"type": "string", "pattern": _stripped_text(max_length, padded=True)}
    else:
        schema = {"type": "string"}
    default = param.default_in(settings)
    if default is not None:
        schema["default"] = default
    if param.enum is not None:
        schema["enum"] = list(param.enum)
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    if in_body:
        schema = _nullable(schema)
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def _query_parameter(param: SearchParameter, settings: Settings) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.help,
        "schema": _parameter_schema(param, settings, in_body=False),
    }
    if param.kind == "filter":
        data["style"] = "form"
        data["explode"] = True
    return data


def _ref(name: str, kind: str = "schemas") -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


@dataclass(frozen=True)
class Refusal:
    """An error answer of the HTTP layer itself, which no class of :mod:`searchsvc.errors` raises."""

    name: str
    status: int
    code: str
    description: str


NOT_HTTP = Refusal("BadRequest", 400, "bad_request", "The request is not valid HTTP.")
METHOD_NOT_ALLOWED = Refusal(
    "MethodNotAllowed",
    405,
    "method_not_allowed",
    "The path does not take this method: an empty id (`/documents/`) is the path `/documents`, which "
    "takes only POST. The answer carries `Allow`.",
)
HEADERS_TOO_LARGE = Refusal(
    "RequestHeaderFieldsTooLarge",
    431,
    "request_header_fields_too_large",
    f"The request line and headers together are larger than {MAX_HEADER_BYTES} bytes (a URL that long).",
)
INTERNAL_ERROR = Refusal(
    "InternalError",
    500,
    "internal_error",
    "An internal error; the message has no details, the server log has them.",
)
NOT_IMPLEMENTED = Refusal(
    "NotImplemented", 501, "not_implemented", "A `Transfer-Encoding` other than `chunked`."
)
REQUEST_TIMEOUT = Refusal(
    "RequestTimeout",
    408,
    "request_timeout",
    "The request line and headers, or the body, did not arrive in time (the `header_timeout` and "
    "`body_timeout` settings); the connection is closed.",
)
HTTP_REFUSALS = (
    NOT_HTTP,
    REQUEST_TIMEOUT,
    METHOD_NOT_ALLOWED,
    HEADERS_TOO_LARGE,
    INTERNAL_ERROR,
    NOT_IMPLEMENTED,
)

#: What an operation can answer besides 200: an error class (its own status: a subclass
#: with another status is listed apart) or one of the HTTP layer's refusals.
ErrorSource = type[SearchsvcError] | Refusal

#: What any request can be answered: the HTTP server's refusals (not HTTP, too slow, a body or
#: headers over the limits, a Transfer-Encoding it does not know), a host it does not answer
#: to, and an internal error.
_ANY_REQUEST: tuple[ErrorSource, ...] = (
    NOT_HTTP,
    REQUEST_TIMEOUT,
    HostNotAllowed,
    LimitExceeded,
    HEADERS_TOO_LARGE,
    INTERNAL_ERROR,
    NOT_IMPLEMENTED,
)
#: What every operation that opens the index can answer.
_INDEX: tuple[ErrorSource, ...] = (SearchIndexError, EngineClosed)


def _error_classes() -> list[type[SearchsvcError]]:
    # The root is a catch-all, not an answer: an unexpected error is INTERNAL_ERROR.
    classes = (getattr(errors, name) for name in errors.__all__)
    return [
        c for c in classes if inspect.isclass(c) and issubclass(c, SearchsvcError) and c is not SearchsvcError
    ]


def _error_codes(sources: Iterable[ErrorSource]) -> dict[int, dict[str, tuple[str, str]]]:
    """Each status, and the name and description of each code answered with it."""
    codes: dict[int, dict[str, tuple[str, str]]] = {}
    for source in sources:
        if isinstance(source, Refusal):
            name, description = source.name, source.description
        else:
            name, description = source.__name__, inspect.getdoc(source) or source.__name__
        # The first source of a code describes it: a class before the HTTP layer's refusal.
        codes.setdefault(source.status, {}).setdefault(source.code, (name, description.split("\n\n")[0]))
    return codes


def _error_responses() -> dict[str, tuple[str, str]]:
    responses: dict[str, tuple[str, str]] = {}
    for status, codes in sorted(_error_codes([*_error_classes(), *HTTP_REFUSALS]).items()):
        first_name = next(iter(codes.values()))[0]
        lines = [f"`{code}`: {description}" for code, (_, description) in codes.items()]
        text = lines[0] if len(lines) == 1 else "The error's `code` is one of:\n\n- " + "\n- ".join(lines)
        responses[str(status)] = (first_name, text)
    return responses


#: Every error status: the name of its response (that of its first error class or
#: refusal) and a description listing its codes, all read off errors.py and
#: :data:`HTTP_REFUSALS`.
ERROR_RESPONSES: dict[str, tuple[str, str]] = _error_responses()

_RESPONSE_HEADERS: dict[str, dict[str, str]] = {
    "401": {"WWW-Authenticate": "WWWAuthenticate"},
    "405": {"Allow": "Allow"},
}


def _headers(status: str) -> dict[str, Any]:
    names = {"X-Request-Id": "RequestId", **_RESPONSE_HEADERS.get(status, {})}
    return {name: _ref(ref, "headers") for name, ref in names.items()}


def _responses(
    ok: str,
    ok_schema: str | None,
    *raised: ErrorSource,
    ok_content: dict[str, Any] | None = None,
    ok_headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The answers of one operation: 200 with ``ok_schema`` (no body when None), and errors.

    ``raised`` says what the operation can raise besides what any request can be answered.
    ``ok_content`` is the content of an answer that is not JSON, in place of ``ok_schema``.
    """
    ok_answer: dict[str, Any] = {"description": ok, "headers": _headers("200")}
    for name, ref in (ok_headers or {}).items():
        ok_answer["headers"][name] = _ref(ref, "headers")
    if ok_content is not None:
        ok_answer["content"] = ok_content
    elif ok_schema is not None:
        ok_answer["content"] = _json_content(_ref(ok_schema))
    data: dict[str, Any] = {"200": ok_answer}
    for status in sorted({str(source.status) for source in (*raised, *_ANY_REQUEST)}):
        if ok_schema is None and ok_content is None:
            # HEAD: the same statuses and headers as GET, without a body.
            data[status] = {"description": ERROR_RESPONSES[status][1], "headers": _headers(status)}
        else:
            data[status] = _ref(ERROR_RESPONSES[status][0], "responses")
    return data


def _commit_parameter() -> dict[str, Any]:
    return {
        "name": "commit",
        "in": "query",
        "required": False,
        "description": "Commit before answering, so that the write is visible to searches when the answer "
        "arrives. Otherwise the background committer makes it visible within the commit interval.",
        "schema": {"type": "boolean", "default": False},
    }


def _id_parameter() -> dict[str, Any]:
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "The document id, URL-encoded: it may hold `/` (at its end too), `?`, `#`, `%` "
        f"and any other character but control characters. 1 to {MAX_ID_LENGTH} characters, not starting "
        "or ending with a blank, and neither `.` nor `..`. Ids are stored exactly as sent, never "
        "stripped: `PUT` refuses any other id (422).",
        "schema": {"type": "string", "pattern": _id_pattern(MAX_ID_LENGTH)},
    }


def _document_input(settings: Settings) -> dict[str, Any]:
    text = {"type": ["string", "number", "null"]}
    properties: dict[str, Any] = {
        "id": {
            "type": ["string", "integer", "null"],
            "description": "Required in a bulk write, where it must be an id as the path's `id` describes "
            "(or the document is rejected). In `PUT` it may be left out or null; else it must be the "
            "path's id (or 422).",
        },
        **{name: text for name in ("title", "lead", "body", "source", "url", "category", "lang")},
        "date": {
            "type": ["string", "null"],
            "description": "ISO 8601 date or date-time (a time without zone is UTC) from "
            f"{format_date(MIN_DATE)} to {format_date(MAX_DATE)} in UTC; anything else is refused (422). "
            "Empty or null: no date.",
        },
        "tags": {
            "type": ["array", "string", "null"],
            "items": {"type": "string"},
            "description": "A list of strings, or one comma-separated string, without control characters.",
        },
    }
    return {
        "type": "object",
        "description": "A document to write. Text fields are stripped; a number is stored as its text, and "
        "null or blank text as no value. Each text field holds at most "
        f"{settings.max_field_length} characters (else 422). Fields not listed are stored and returned "
        "as sent, not searched; their names must not be empty or start with `_`.",
        "additionalProperties": True,
        # `places` is derived from the text and cannot be given.
        "propertyNames": {"pattern": "^[^_]", "not": {"const": "places"}},
        "properties": properties,
    }


def _schemas(settings: Settings) -> dict[str, Any]:
    nullable_string = {"type": ["string", "null"]}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "code", "message"],
                    "additionalProperties": False,
                    "properties": {
                        "status": {"type": "integer", "description": "The HTTP status, repeated."},
                        "code": {
                            "type": "string",
                            "description": "Stable machine-readable code, e.g. `invalid_query`.",
                        },
                        "message": {"type": "string", "description": "One line for humans."},
                    },
                }
            },
        },
        "Document": {
            "type": "object",
            "description": "A stored news document. Fields not listed are stored and returned as sent, not "
            "searched.",
            "required": ["id"],
            "additionalProperties": True,
            "properties": {
                "id": {"type": "string", "maxLength": MAX_ID_LENGTH},
                "title": {"type": "string"},
                "lead": {"type": "string"},
                "body": {"type": "string"},
                "date": {"type": "string", "description": "Stored as `YYYY-MM-DDTHH:MM:SSZ`."},
                "source": {"type": "string"},
                "url": {"type": "string"},
                "category": {"type": "string"},
                "lang": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
        "DocumentInput": _document_input(settings),
        "Highlights": {
            "type": ["object", "null"],
            "description": "HTML: every character of the document is escaped; matches are in `<mark>`.",
            "properties": {
                "title": nullable_string,
                "body": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Hit": {
            "type": "object",
            "required": ["id", "score", "document", "highlights"],
            "properties": {
                "id": {"type": "string"},
                "score": {"type": ["number", "null"], "description": "Null when sorted by a field."},
                "document": _ref("Document"),
                "highlights": _ref("Highlights"),
                "matched": {
                    "type": "array",
                    "description": "With `explain`: each word of the document that matched, as written, and how.",
                    "items": {
                        "type": "object",
                        "required": ["word", "why", "field"],
                        "properties": {
                            "word": {
                                "type": "string",
                                "description": "The word as the document wrote it (letters, digits, "
                                "apostrophes): plain text, not HTML like `highlights`.",
                            },
                            "why": {"type": "string", "enum": list(MATCH_KINDS)},
                            "field": {"type": "string"},
                            "language": {
                                "type": "string",
                                "description": "Where the document's language wrote the name (`exonym`, "
                                "Charkiw) or declined it (`inflected`, Kijowie): that language's code.",
                            },
                        },
                    },
                },
                "duplicates": {
                    "type": "array",
                    "description": "With `collapse`: the ids of the near-duplicate copies folded into this "
                    "hit, best-ranked first; `GET /documents/{id}` returns each.",
                    "items": {"type": "string"},
                },
            },
        },
        "FacetBucket": {
            "type": "object",
            "required": ["value", "count", "selected"],
            "properties": {
                "value": {"type": "string"},
                "count": {"type": "integer"},
                "selected": {"type": "boolean", "description": "Whether a filter selects this value."},
            },
        },
        "SearchResult": {
            "type": "object",
            "required": ["query", "total", "limit", "offset", "took_ms", "hits", "facets"],
            "properties": {
                "query": {"type": "string"},
                "total": {"type": "integer"},
                "limit": {"type": "integer"},
                "offset": {"type": "integer"},
                "took_ms": {"type": "number"},
                "hits": {"type": "array", "items": _ref("Hit")},
                "facets": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": _ref("FacetBucket")},
                },
                "facets_truncated": {
                    "type": "object",
                    "description": "For each facet asked for: whether it has more values than `facet_size` "
                    "returned.",
                    "additionalProperties": {"type": "boolean"},
                },
                "suggestion": {
                    "type": ["object", "null"],
                    "description": "Did you mean: when the query found few documents, a correction of its "
                    "misspelled words that finds more, built from the index's own words. Names in any known "
                    "spelling are never corrected.",
                    "required": ["q", "total"],
                    "properties": {"q": {"type": "string"}, "total": {"type": "integer"}},
                },
                "shards": {
                    "type": "object",
                    "description": "The shards the search asked, and how many answered. With fewer "
                    "`successful` than `total`, the answer is partial: it holds none of the documents of the "
                    "shards that failed. One index counts as one shard.",
                    "required": ["total", "successful", "failed"],
                    "properties": {
                        "total": {"type": "integer"},
                        "successful": {"type": "integer"},
                        "failed": {"type": "integer"},
                    },
                },
            },
        },
        "SearchBody": {
            "type": "object",
            "description": "The parameters of `GET /search` as a JSON object; all optional.",
            "additionalProperties": False,
            "properties": {
                name: _parameter_schema(p, settings, in_body=True) for name, p in HTTP_PARAMETERS.items()
            },
        },
        "Rejection": {
            "type": "object",
            "required": ["id", "reason", "source", "line", "index"],
            "properties": {
                "id": nullable_string,
                "reason": {"type": "string"},
                "source": nullable_string,
                "line": {
                    "type": ["integer", "null"],
                    "description": "Line of the body where the document starts.",
                },
                "index": {
                    "type": ["integer", "null"],
                    "description": "Position of the document in a JSON array body, counted from 0.",
                },
            },
        },
        "WriteResult": {
            "type": "object",
            "required": ["accepted", "added", "updated", "deleted", "rejected", "rejections", "committed"],
            "properties": {
                "accepted": {"type": "integer", "description": "added + updated."},
                "added": {"type": "integer"},
                "updated": {"type": "integer"},
                "deleted": {"type": "integer"},
                "rejected": {"type": "integer"},
                "rejections": {"type": "array", "items": _ref("Rejection")},
                "committed": {
                    "type": "boolean",
                    "description": "True when the write is already visible (`commit=true`); otherwise it "
                    "becomes visible within the commit interval.",
                },
                "commit_error": {
                    "type": "object",
                    "description": "With `commit=true`, why the commit could not be made (another "
                    "process holding the index's lock past `lock_timeout`, a full disk): the write "
                    "is accepted and logged all the same, and is committed in the background.",
                    "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
        "Stats": {
            "type": "object",
            "properties": {
                "documents": {"type": "integer"},
                "segments": {"type": "integer", "description": "Segments of the latest commit."},
                "pending_writes": {"type": "integer"},
                "size_bytes": {"type": "integer"},
                "last_commit": nullable_string,
                "format_version": {"type": "integer"},
                "generation": nullable_string,
                "shards": {
                    "type": "array",
                    "description": "For an index split into shards: each shard's own figures, and on a "
                    "Ray cluster where its writer and replicas run.",
                    "items": {"$ref": "#/components/schemas/ShardStats"},
                },
                "nodes": {
                    "type": "integer",
                    "description": "For shards on a Ray cluster: the nodes their processes run on.",
                },
            },
        },
        "ShardStats": {
            "type": "object",
            "required": ["shard", "documents"],
            "properties": {
                "shard": {"type": "integer", "minimum": 0},
                "documents": {"type": "integer"},
                "segments": {"type": "integer"},
                "pending_writes": {"type": "integer"},
                "size_bytes": {"type": "integer"},
                "last_commit": nullable_string,
                "format_version": {"type": "integer"},
                "generation": nullable_string,
                "writer": {"$ref": "#/components/schemas/ShardProcess"},
                "replicas": {"type": "array", "items": {"$ref": "#/components/schemas/ShardProcess"}},
            },
        },
        "ShardProcess": {
            "type": "object",
            "properties": {
                "node": nullable_string,
                "pid": {"type": ["integer", "null"]},
                "up": {"type": "boolean"},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"const": "ok"},
                "documents": {
                    "type": "integer",
                    "description": "Left out, when there is a read key, for a request without it.",
                },
            },
        },
    }


def build_spec(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document of an app built with ``settings`` (limits and security as configured)."""
    # With a key, writes need it; without one the empty requirement says they are open.
    write_security: list[dict[str, list[str]]] = [{"bearerAuth": []}] if settings.api_key else [{}]
    # With a read key, reads need it or the API key; without one they are open (no requirement).
    read: dict[str, Any] = {}
    read_errors: tuple[ErrorSource, ...] = ()
    if settings.read_key:
        read = {"security": [{"readKey": []}, {"bearerAuth": []}]}
        read_errors = (Unauthorized,)
    query_params = [_query_parameter(p, settings) for p in HTTP_PARAMETERS.values()]
    limits = (
        f"Bodies are limited to {settings.max_body_bytes} bytes and bulk writes to "
        f"{settings.max_batch_documents} documents."
    )
    write_note = (
        "Writes are staged and committed in batches by a background committer, every "
        f"{settings.commit_interval:g} s or as soon as {settings.commit_batch} writes are pending; "
        "add `commit=true` to make a write visible before the answer. "
    )
    found = "The hits of the page and the facet counts."
    bulk_item = {
        "description": "A document (`DocumentInput`, with `id`). An element that is not a valid document is "
        "rejected alone, with its reason in `rejections`; the others are written."
    }
    health = "The service is up."
    paths: dict[str, Any] = {
        "/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the documents",
                "description": "A query the query language cannot parse, a date that is not ISO 8601, a "
                "`date_from` after `date_to` or an unknown `sort` is refused (400).",
                "parameters": query_params,
                **read,
                "responses": _responses(found, "SearchResult", *read_errors, InvalidInput, *_INDEX),
            },
            "post": {
                "operationId": "searchPost",
                "summary": "Search with the parameters in a JSON body",
                "description": "The same search as `GET /search`, and a read like it. "
                "An empty body, of any Content-Type or none, searches every document; any other body "
                "must be JSON. " + f"Bodies are limited to {settings.max_body_bytes} bytes.",
                **read,
                "requestBody": {"required": False, "content": _json_content(_ref("SearchBody"))},
                "responses": _responses(
                    found,
                    "SearchResult",
                    *read_errors,
                    InvalidInput,
                    UnsupportedMediaType,
                    OriginNotAllowed,
                    *_INDEX,
                ),
            },
        },
        "/documents": {
            "post": {
                "operationId": "writeDocuments",
                "summary": "Add or replace many documents",
                "description": write_note
                + "The body is a JSON array of documents (or one document), or NDJSON, one document a line. "
                "A document that fails validation is rejected with its reason; the others are written. "
                "An `application/json` body that is not valid JSON as a whole is refused (400), and so is "
                "one that is neither an array nor an object (422); in NDJSON each line is judged on its "
                "own. " + limits,
                "security": write_security,
                "parameters": [_commit_parameter()],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    {
                                        "type": "array",
                                        "maxItems": settings.max_batch_documents,
                                        "items": bulk_item,
                                    },
                                    {"type": "object", **bulk_item},
                                ]
                            }
                        },
                        "application/x-ndjson": {
                            "schema": {
                                "type": "string",
                                "description": "One JSON document per line; each line is judged alone. "
                                "A body of only spaces and line breaks is refused (400).",
                                # What bytes.strip() leaves: the server reads the body as bytes.
                                "pattern": "[^ \\t\\n\\r\\u000b\\u000c]",
                            }
                        },
                    },
                },
                "responses": _responses(
                    "How many documents were accepted and rejected, and why.",
                    "WriteResult",
                    Unauthorized,
                    OriginNotAllowed,
                    InvalidInput,
                    UnsupportedMediaType,
                    InvalidDocument,
                    IndexLocked,
                    StorageFull,
                    *_INDEX,
                ),
            },
        },
        "/documents/{id}": {
            "parameters": [_id_parameter()],
            "get": {
                "operationId": "getDocument",
                "summary": "One stored document",
                "description": "The latest acknowledged version, committed or not (a real-time get): "
                "a write is seen here as soon as it is answered, and a deleted id answers 404 at once. "
                "Searches see a write after its commit.",
                **read,
                "responses": _responses(
                    "The document.", "Document", *read_errors, NotFound, METHOD_NOT_ALLOWED, *_INDEX
                ),
            },
            "put": {
                "operationId": "putDocument",
                "summary": "Add or replace one document",
                "description": write_note
                + "The id in the path is the document's id; an `id` in the body must be the same. "
                + limits,
                "security": write_security,
                "parameters": [_commit_parameter()],
                "requestBody": {"required": True, "content": _json_content(_ref("DocumentInput"))},
                "responses": _responses(
                    "The write was accepted.",
                    "WriteResult",
                    Unauthorized,
                    OriginNotAllowed,
                    METHOD_NOT_ALLOWED,
                    InvalidInput,
                    UnsupportedMediaType,
                    InvalidDocument,
                    IndexLocked,
                    StorageFull,
                    *_INDEX,
                ),
            },
            "delete": {
                "operationId": "deleteDocument",
                "summary": "Delete one document",
                "description": write_note,
                "security": write_security,
                "parameters": [_commit_parameter()],
                "responses": _responses(
                    "The deletion was accepted.",
                    "WriteResult",
                    Unauthorized,
                    OriginNotAllowed,
                    InvalidParameter,
                    NotFound,
                    METHOD_NOT_ALLOWED,
                    IndexLocked,
                    StorageFull,
                    *_INDEX,
                ),
            },
        },
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Whether the service answers and can read its index",
                "responses": _responses(health, "Health", *_INDEX),
            },
            "head": {
                "operationId": "healthHead",
                "summary": "The status and headers of `GET /health`, without the body",
                "responses": _responses(health, None, *_INDEX),
            },
        },
        "/stats": {
            "get": {
                "operationId": "stats",
                "summary": "Document count, pending writes, size on disk, last commit, format version",
                **read,
                "responses": _responses("Index statistics.", "Stats", *read_errors, *_INDEX),
            }
        },
        "/export": {
            "get": {
                "operationId": "export",
                "summary": "Every committed document, as JSON Lines in the order of their ids",
                "description": "A backup of a running server: one stored document per line, as "
                "`GET /documents/{id}` returns it, all from one commit, streamed. `POST /documents` "
                "with `Content-Type: application/x-ndjson`, or `searchsvc index FILE`, reads it back. "
                "It needs the API key when the server has one, and the read key when it has one.",
                "security": write_security if settings.api_key else read.get("security", [{}]),
                "responses": _responses(
                    "The documents.",
                    None,
                    *((Unauthorized,) if settings.api_key or settings.read_key else ()),
                    *_INDEX,
                    ok_content={"application/x-ndjson": {"schema": {"type": "string"}}},
                    ok_headers={EXPORT_COUNT_HEADER: "ExportDocuments"},
                ),
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Figures for Prometheus: requests, searches, commits, pending writes, the index",
                "description": "Prometheus text format: requests by route template, method and status, "
                "their latency by route and method, search latency by kind of query, commits and their "
                "duration, pending writes, documents, the index's size, the write log's size and uptime. "
                "With several worker processes, the counts cover them all. Metric names start with "
                "`searchsvc_`.",
                **read,
                "responses": _responses(
                    "The figures.",
                    None,
                    *read_errors,
                    ok_content={"text/plain": {"schema": {"type": "string"}}},
                ),
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": _responses("The OpenAPI 3.1 description of the API.", "OpenAPI"),
            }
        },
    }
    responses = {
        name: {
            "description": text,
            "headers": _headers(status),
            "content": _json_content(_ref("Error")),
        }
        for status, (name, text) in ERROR_RESPONSES.items()
    }
    headers = {
        "RequestId": {
            "description": "The request's id, also in the server's access log line.",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        },
        "WWWAuthenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer "}},
        "ExportDocuments": {
            "description": "How many documents (lines) the export holds, all from one commit: a client "
            "that counts fewer lines got a cut answer. Absent for shards on a Ray cluster, whose "
            "export is read in pages that may span commits.",
            "required": False,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        },
        "Allow": {
            "description": "The methods the path takes.",
            "required": True,
            "schema": {"type": "string"},
        },
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "searchsvc",
            "version": _version(),
            "description": "Full-text search of news documents, with facets and highlighting. Every answer "
            'but `/metrics` (Prometheus text) is JSON; every error has the shape `{"error": {"status", "code", "message"}}`. Every '
            "answer carries an `X-Request-Id` header. " + _access_note(settings),
        },
        "paths": paths,
        "components": {
            "schemas": {**_schemas(settings), "OpenAPI": {"type": "object"}},
            "responses": responses,
            "headers": headers,
            "securitySchemes": _security_schemes(settings),
        },
    }


def _access_note(settings: Settings) -> str:
    """Who may read and write, and from which browser origins, as configured."""
    if settings.read_key:
        reads = (
            "Searches, documents, stats and metrics need `Authorization: Bearer KEY` with the read key or "
            "the API key; `/health` and `/openapi.json` are open. "
        )
    else:
        reads = "Reads are open. "
    writes = (
        "Writes need `Authorization: Bearer KEY` with the API key."
        if settings.api_key
        else "Writes are open: the server has no API key."
    )
    origins = parse_origins(settings.cors_origins)
    if origins == ("*",):
        cors = " Browsers may call the API from any origin (CORS)."
    elif origins:
        cors = f" Browsers may call the API from {', '.join(origins)} (CORS); from no other origin."
    else:
        cors = " Browsers may not call the API from other origins: no CORS header is sent."
    return reads + writes + cors


def _security_schemes(settings: Settings) -> dict[str, Any]:
    schemes: dict[str, Any] = {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "The server's API key (`--api-key` or SEARCHSVC_API_KEY): it grants writes, "
            "and reads too.",
        }
    }
    if settings.read_key:
        schemes["readKey"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "The server's read key (`--read-key` or SEARCHSVC_READ_KEY): it grants "
            "searches, documents, stats and metrics.",
        }
    return schemes


def _version() -> str:
    from . import __version__

    return __version__
