"""The OpenAPI 3.1 description of the HTTP API, as plain Python data.

The search parameters are declared here once (:data:`SEARCH_PARAMETERS`): the
API parses ``GET /search`` and ``POST /search`` from these declarations and the
document describes them from the same ones, so the two cannot disagree. The
paths are checked against the app's routes by a test. This module imports
nothing from falcon, so the document can be built without a web framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .search import (
    DATE_INTERVALS,
    FACETABLE,
    FILTER_FIELDS,
    MATCH_KINDS,
    MAX_FACET_SIZE,
    MAX_LIMIT,
    MAX_OFFSET,
    SORT_FIELDS,
)
from .settings import Settings

OPENAPI_VERSION = "3.1.0"

#: How the write endpoints' bodies may be sent; the API accepts exactly these.
DOCUMENT_MEDIA_TYPES = ("application/json",)
BULK_MEDIA_TYPES = ("application/json", "application/x-ndjson")


@dataclass(frozen=True)
class SearchParameter:
    """One search parameter, as the query string and the JSON body of a search take it.

    ``kind`` says how a value is read: ``string``, ``integer`` and ``boolean``
    are single values; ``filter`` repeats (``field:value``) in a query string and
    is a list or an object in a body; ``facets`` is comma-separated or a list.
    """

    name: str
    kind: str
    description: str
    argument: str  # the keyword of SearchRequest.create it feeds
    default: Any = None
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None


SEARCH_PARAMETERS: dict[str, SearchParameter] = {
    p.name: p
    for p in (
        SearchParameter(
            "q",
            "string",
            'The query: words are AND-ed; `OR`, `NOT`/`-`, "phrases", `field:value`, `prefix*` and '
            "`date:[2024-01-01 TO 2024-03-31]` are understood. Empty or `*` matches every document.",
            "q",
            default="",
        ),
        SearchParameter(
            "filter",
            "filter",
            "Keep hits whose field has this value, as `field:value` (repeatable). Values of one field are "
            f"OR-ed, different fields AND-ed. Fields: {', '.join(FILTER_FIELDS)}.",
            "filters",
        ),
        SearchParameter(
            "date_from", "string", "Keep hits dated on or after this ISO 8601 date.", "date_from"
        ),
        SearchParameter(
            "date_to",
            "string",
            "Keep hits dated on or before this ISO 8601 date (a bare date includes that whole day).",
            "date_to",
        ),
        SearchParameter(
            "facets",
            "facets",
            f"Fields whose values to count, comma-separated: {', '.join(FACETABLE)}. A facet's counts "
            "ignore the filter on that same field.",
            "facets",
        ),
        SearchParameter(
            "sort",
            "string",
            f"`relevance` (default), `date` (newest first), `date:asc`, or `field`, `field:asc`, `-field` "
            f"for one of {', '.join(SORT_FIELDS)}.",
            "sort",
        ),
        SearchParameter(
            "limit", "integer", "Hits per page.", "limit", default=10, minimum=1, maximum=MAX_LIMIT
        ),
        SearchParameter(
            "offset",
            "integer",
            "Hits to skip, for paging.",
            "offset",
            default=0,
            minimum=0,
            maximum=MAX_OFFSET,
        ),
        SearchParameter(
            "highlight",
            "boolean",
            "Return highlighted HTML of the title and body fragments, matches in `<mark>`, all text escaped.",
            "highlight",
            default=True,
        ),
        SearchParameter(
            "date_interval",
            "string",
            "Bucket size of the `date` facet.",
            "date_interval",
            default="month",
            enum=tuple(DATE_INTERVALS),
        ),
        SearchParameter(
            "facet_size",
            "integer",
            "Most values returned per facet.",
            "facet_size",
            default=20,
            minimum=1,
            maximum=MAX_FACET_SIZE,
        ),
        SearchParameter(
            "explain",
            "boolean",
            "Say which spellings matched each hit (`matched`).",
            "explain",
            default=False,
        ),
    )
}


def _parameter_schema(param: SearchParameter, *, in_body: bool) -> dict[str, Any]:
    schema: dict[str, Any]
    if param.kind == "integer":
        schema = {"type": "integer"}
    elif param.kind == "boolean":
        schema = {"type": "boolean"}
    elif param.kind == "filter":
        item = {"type": "string", "pattern": "^[a-z_]+:.+$"}
        if not in_body:
            schema = {"type": "array", "items": item}
        else:
            schema = {
                "oneOf": [
                    {"type": "array", "items": item},
                    item,
                    {
                        "type": "object",
                        "propertyNames": {"enum": list(FILTER_FIELDS)},
                        "additionalProperties": {
                            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
                        },
                    },
                ]
            }
    elif param.kind == "facets":
        names = {"type": "string", "enum": list(FACETABLE)}
        schema = (
            {"oneOf": [{"type": "array", "items": names}, {"type": "string"}]}
            if in_body
            else {"type": "string"}
        )
    else:
        schema = {"type": "string"}
    if param.default is not None:
        schema["default"] = param.default
    if param.enum is not None:
        schema["enum"] = list(param.enum)
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    return schema


def _query_parameter(param: SearchParameter) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.description,
        "schema": _parameter_schema(param, in_body=False),
    }
    if param.kind == "filter":
        data["style"] = "form"
        data["explode"] = True
    return data


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json_content(_ref("Error"))}


def _responses(ok: str, ok_schema: str, *errors: str) -> dict[str, Any]:
    data: dict[str, Any] = {"200": {"description": ok, "content": _json_content(_ref(ok_schema))}}
    for status in errors:
        data[status] = {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status][0]}"}
    # 405, 500 and 503 can answer any request; they share the error shape.
    data["default"] = {"$ref": "#/components/responses/Error"}
    return data


_ERROR_RESPONSES: dict[str, tuple[str, str]] = {
    "400": (
        "BadRequest",
        "Malformed input: invalid JSON, a bad query, an unknown field, an out-of-range value.",
    ),
    "401": (
        "Unauthorized",
        "The server has an API key and the request did not send it as `Authorization: Bearer KEY`. "
        "The answer carries `WWW-Authenticate: Bearer`.",
    ),
    "404": ("NotFound", "No document with this id (or no such endpoint)."),
    "413": ("PayloadTooLarge", "The body is larger than the server's limit, or holds too many documents."),
    "415": ("UnsupportedMediaType", "The body's Content-Type is not one this endpoint reads (or not UTF-8)."),
    "422": (
        "UnprocessableEntity",
        "The document breaks the document model (missing id, wrong field type...).",
    ),
}


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
        "description": "The document id (it may contain `/`).",
        "schema": {"type": "string"},
    }


def _schemas() -> dict[str, Any]:
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
            "description": "A news document. Fields not listed are stored and returned, not searched.",
            "required": ["id"],
            "additionalProperties": True,
            "properties": {
                "id": {"type": "string", "maxLength": 512},
                "title": {"type": "string"},
                "lead": {"type": "string"},
                "body": {"type": "string"},
                "date": {"type": "string", "description": "ISO 8601; stored as `YYYY-MM-DDTHH:MM:SSZ`."},
                "source": {"type": "string"},
                "url": {"type": "string"},
                "category": {"type": "string"},
                "lang": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
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
                            "word": {"type": "string"},
                            "why": {"type": "string", "enum": list(MATCH_KINDS)},
                            "field": {"type": "string"},
                        },
                    },
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
            },
        },
        "SearchBody": {
            "type": "object",
            "description": "The parameters of `GET /search` as a JSON object; all optional.",
            "additionalProperties": False,
            "properties": {name: _parameter_schema(p, in_body=True) for name, p in SEARCH_PARAMETERS.items()},
        },
        "Rejection": {
            "type": "object",
            "required": ["id", "reason", "source", "line"],
            "properties": {
                "id": nullable_string,
                "reason": {"type": "string"},
                "source": nullable_string,
                "line": {
                    "type": ["integer", "null"],
                    "description": "Line of the body where the document starts.",
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
            },
        },
        "Stats": {
            "type": "object",
            "properties": {
                "documents": {"type": "integer"},
                "pending_writes": {"type": "integer"},
                "size_bytes": {"type": "integer"},
                "last_commit": nullable_string,
                "format_version": {"type": "integer"},
                "generation": nullable_string,
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "documents"],
            "properties": {"status": {"const": "ok"}, "documents": {"type": "integer"}},
        },
    }


def build_spec(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document of an app built with ``settings`` (limits and security as configured)."""
    # With a key, writes need it; without one the empty requirement says they are open.
    write_security: list[dict[str, list[str]]] = [{"bearerAuth": []}] if settings.api_key else [{}]
    query_params = [_query_parameter(p) for p in SEARCH_PARAMETERS.values()]
    limits = (
        f"Bodies are limited to {settings.max_body_bytes} bytes and bulk writes to "
        f"{settings.max_batch_documents} documents."
    )
    write_note = (
        "Writes are staged and committed in batches by a background committer, every "
        f"{settings.commit_interval:g} s or as soon as {settings.commit_batch} writes are pending; "
        "add `commit=true` to make a write visible before the answer. "
    )
    paths: dict[str, Any] = {
        "/search": {
            "get": {
                "operationId": "search",
                "summary": "Search the documents",
                "parameters": query_params,
                "responses": _responses("The hits of the page and the facet counts.", "SearchResult", "400"),
            },
            "post": {
                "operationId": "searchPost",
                "summary": "Search with the parameters in a JSON body",
                "description": "The same search as `GET /search`; a read, open without an API key. "
                "An empty body searches every document.",
                "requestBody": {"required": False, "content": _json_content(_ref("SearchBody"))},
                "responses": _responses(
                    "The hits of the page and the facet counts.", "SearchResult", "400", "413", "415"
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
                "An `application/json` body that is not valid JSON as a whole is refused (400); in NDJSON "
                "each line is judged on its own. " + limits,
                "security": write_security,
                "parameters": [_commit_parameter()],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [{"type": "array", "items": _ref("Document")}, _ref("Document")]
                            }
                        },
                        "application/x-ndjson": {
                            "schema": {"type": "string", "description": "One JSON document per line."}
                        },
                    },
                },
                "responses": _responses(
                    "How many documents were accepted and rejected, and why.",
                    "WriteResult",
                    "400",
                    "401",
                    "413",
                    "415",
                ),
            },
        },
        "/documents/{id}": {
            "parameters": [_id_parameter()],
            "get": {
                "operationId": "getDocument",
                "summary": "One stored document",
                "description": "Committed documents only: a write is seen here once it is committed.",
                "responses": _responses("The document.", "Document", "404"),
            },
            "put": {
                "operationId": "putDocument",
                "summary": "Add or replace one document",
                "description": write_note
                + "The id in the path is the document's id; an `id` in the body must be the same. "
                + limits,
                "security": write_security,
                "parameters": [_commit_parameter()],
                "requestBody": {"required": True, "content": _json_content(_ref("Document"))},
                "responses": _responses(
                    "The write was accepted.", "WriteResult", "400", "401", "413", "415", "422"
                ),
            },
            "delete": {
                "operationId": "deleteDocument",
                "summary": "Delete one document",
                "description": write_note,
                "security": write_security,
                "parameters": [_commit_parameter()],
                "responses": _responses("The deletion was accepted.", "WriteResult", "401", "404"),
            },
        },
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Whether the service answers and can read its index",
                "responses": _responses("The service is up.", "Health"),
            }
        },
        "/stats": {
            "get": {
                "operationId": "stats",
                "summary": "Document count, pending writes, size on disk, last commit, format version",
                "responses": _responses("Index statistics.", "Stats"),
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 description of the API.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "default": {"$ref": "#/components/responses/Error"},
                },
            }
        },
    }
    responses = {name: _error_response(text) for name, text in _ERROR_RESPONSES.values()}
    responses["Error"] = _error_response(
        "Any other error: 405 (method not allowed, with `Allow`), 409 (index locked), 500 (an internal "
        "error, without details), 503 (the index cannot be used)."
    )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "searchsvc",
            "version": _version(),
            "description": "Full-text search of news documents, with facets and highlighting. Every answer "
            'is JSON; every error has the shape `{"error": {"status", "code", "message"}}`. Every '
            "answer carries an `X-Request-Id` header. Reads are open; writes need "
            "`Authorization: Bearer KEY` when the server has an API key.",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": responses,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The server's API key (`--api-key` or SEARCHSVC_API_KEY).",
                }
            },
        },
    }


def _version() -> str:
    from . import __version__

    return __version__
