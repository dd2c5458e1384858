"""The HTTP API: falcon resources over :class:`~searchsvc.engine.SearchEngine`.

Each responder parses its input, calls the engine and writes JSON; nothing
else happens here. Errors of the core hierarchy carry their HTTP status and
code and are turned into answers by one handler; falcon's own errors (unknown
route, wrong method), anything unexpected and the requests waitress refuses
before the app sees them (:func:`refusal`) get the same shape::

    {"error": {"status": 404, "code": "not_found", "message": "..."}}

:func:`create_app` builds the app and starts nothing: :mod:`searchsvc.server`
runs it under waitress with the background committer.
"""

from __future__ import annotations

import hmac
import http
import inspect
import ipaddress
import itertools
import logging
import re
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import falcon
import orjson

from .documents import normalize_document
from .engine import Engine
from .errors import (
    HostNotAllowed,
    IndexCorrupt,
    InvalidDocument,
    InvalidInput,
    InvalidJSON,
    InvalidParameter,
    LimitExceeded,
    NotFound,
    OriginNotAllowed,
    SearchIndexError,
    SearchsvcError,
    Unauthorized,
    UnsupportedMediaType,
)
from .ingest import decode_json, read_body
from .ingest.records import one_line
from .jsonvalues import ValueProblem, check_body, dumps
from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from .metrics import Metrics
from .openapi import BULK_MEDIA_TYPES, DOCUMENT_MEDIA_TYPES, EXPORT_COUNT_HEADER, build_spec
from .parameters import HTTP_PARAMETERS, SearchParameter
from .request import SearchRequest
from .results import Rejection, WriteSummary
from .settings import Settings, parse_origins
from .web import Pages
from .web.view import DOCUMENT_PATH as PAGE_DOCUMENT_PREFIX

ACCESS_LOG = logging.getLogger("searchsvc.access")
LOG = logging.getLogger("searchsvc.api")

JSON = "application/json"
NDJSON = "application/x-ndjson"


# -- the service: what every resource needs ----------------------------------------


def _keys(*keys: str | None) -> tuple[bytes, ...]:
    return tuple(key.encode("utf-8") for key in keys if key)


class Service:
    """The engine, the settings and the helpers the resources share."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        on_write: Callable[[], None] | None,
        metrics: Metrics,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.on_write = on_write
        self.metrics = metrics
        self._write_keys = _keys(settings.api_key)
        # Reads are open unless there is a read key; the write key grants reads too.
        self._read_keys = _keys(settings.read_key, settings.api_key) if settings.read_key else ()

    def authorize(self, req: falcon.Request) -> None:
        """Refuse a write without the API key, when the server has one."""
        _check_key(req, self._write_keys, "the API key")

    def authorize_read(self, req: falcon.Request) -> None:
        """Refuse a read without the read key (or the API key), when the server has a read key."""
        _check_key(req, self._read_keys, "the read key")

    def may_read(self, req: falcon.Request) -> bool:
        """Whether ``req`` may read: there is no read key, or it carries that key or the API key."""
        try:
            self.authorize_read(req)
        except Unauthorized:
            return False
        return True

    def body(self, req: falcon.Request, media_types: tuple[str, ...]) -> tuple[bytes, str]:
        """The request body and its media type, within the size limit."""
        media = _media_type(req, media_types)
        return self.read(req), media

    def read(self, req: falcon.Request) -> bytes:
        """The request body, whatever its type, within the size limit."""
        limit = self.settings.max_body_bytes
        length = req.content_length
        if length is not None and length > limit:
            raise LimitExceeded(f"the body is {length} bytes; the limit is {limit} bytes")
        if length is None:
            # Without Content-Length falcon reads nothing, unless the server says the
            # stream ends by itself (a dechunked body).
            data = req.stream.read(limit + 1) if req.env.get("wsgi.input_terminated") else b""
        else:
            data = req.bounded_stream.read(limit + 1)
        # The header may lie or be absent: the bytes read are what count.
        if len(data) > limit:
            raise LimitExceeded(f"the body is larger than the limit of {limit} bytes")
        return _decoded(req.get_header("Content-Encoding"), data, limit)

    def write_answer(self, req: falcon.Request, resp: falcon.Response, summary: WriteSummary) -> None:
        """Commit now if asked, else hand the write to the committer; answer with the summary."""
        commit = _flag(req, "commit")
        answer = summary.to_dict()
        committed = False
        if commit:
            try:
                self.metrics.commit("request")
                committed = True
            except SearchIndexError as exc:
                # The write is logged and stays staged: it is accepted, and the answer says
                # so, with why it is not visible yet. An error here would be a write both
                # refused and applied.
                LOG.warning("a write's commit failed; it is committed later: %s", exc.message)
                answer["commit_error"] = {"code": exc.code, "message": one_line(exc.message)}
        if not committed:
            self.metrics.wrote()
            if self.on_write is not None:
                self.on_write()
        answer["committed"] = committed
        send(resp, answer)


def _decoded(encoding: str | None, data: bytes, limit: int) -> bytes:
    """The body once its Content-Encoding is undone, refused past ``limit`` bytes decoded:
    a small compressed body may stand for a huge one."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip"):
            raise UnsupportedMediaType(
                f"cannot read a body with Content-Encoding {coding!r}; send it as is or gzip"
            )
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(data, limit + 1)
        except zlib.error as exc:
            raise InvalidInput(f"the body is not valid gzip: {exc}") from None
        if len(data) > limit or inflater.unconsumed_tail:
            raise LimitExceeded(f"the body is larger than the limit of {limit} bytes once decompressed")
        if not inflater.eof:
            raise InvalidInput("the body is not valid gzip: it ends in the middle of the stream")
    return data


def _check_structure(data: bytes) -> None:
    """Refuse a JSON body of more objects and arrays than parsing it should cost."""
    try:
        check_body(data)
    except ValueProblem as exc:
        raise LimitExceeded(exc.problem) from None


def _check_key(req: falcon.Request, keys: tuple[bytes, ...], what: str) -> None:
    if not keys:
        return
    header = req.get_header("Authorization")
    if not header:
        raise Unauthorized(f"this endpoint needs {what}: send 'Authorization: Bearer KEY'")
    scheme, _, token = header.strip().partition(" ")
    try:
        # WSGI headers are latin-1 decoded bytes; compare the bytes the client sent.
        given = token.strip().encode("latin-1")
    except UnicodeEncodeError:
        given = b""
    # compare_digest, with every key: the time taken must tell neither how much of a
    # key was right nor which key it was.
    matches = [hmac.compare_digest(given, key) for key in keys]
    if scheme.lower() != "bearer" or not any(matches):
        raise Unauthorized("the API key is not valid", invalid_token=True)


def send(resp: falcon.Response, data: Any, status: int = 200) -> None:
    resp.status = status
    resp.content_type = JSON
    resp.data = dumps(data)


def _media_type(req: falcon.Request, allowed: tuple[str, ...]) -> str:
    header = req.content_type
    wanted = " or ".join(allowed)
    if not header:
        raise UnsupportedMediaType(f"the body needs a Content-Type: {wanted}")
    media, params = falcon.parse_header(header)
    media = media.strip().lower()
    if media not in allowed:
        raise UnsupportedMediaType(f"cannot read a body of type {media!r}; send {wanted}")
    charset = params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"cannot read charset {charset!r}; bodies must be UTF-8")
    return media


def _parse_json(data: bytes, *, documents: bool = False) -> Any:
    """The body's JSON value. Documents are read as files are, so that a number is the
    same whichever way a document comes (orjson rounds long integers to floats)."""
    if not data.strip():
        raise InvalidJSON("the body is empty")
    _check_structure(data)
    if documents:
        return decode_json(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSON(f"the body is not valid JSON: {exc}") from None


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


def _parse_bool(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidParameter(f"{name} must be true or false, got {text!r}")


def _flag(req: falcon.Request, name: str) -> bool:
    raw = req.params.get(name)
    if raw is None:
        return False
    if isinstance(raw, list):
        raise InvalidParameter(f"{name} is given more than once")
    return _parse_bool(name, raw)


def _only_params(req: falcon.Request, allowed: frozenset[str]) -> None:
    # A misspelt parameter would otherwise be ignored without a word.
    for name in req.params:
        if name not in allowed:
            takes = ", ".join(sorted(allowed)) if allowed else "no query parameters"
            raise InvalidParameter(f"unknown parameter {name!r}; this endpoint takes {takes}")


def _id_text(value: Any) -> str | None:
    # As sent: ids are never stripped (see documents.document_id).
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value)


# -- search parameters -----------------------------------------------------------------


def _search_parameter(name: str) -> SearchParameter:
    param = HTTP_PARAMETERS.get(name)
    if param is None:
        raise InvalidParameter(
            f"unknown search parameter {name!r}; parameters are {', '.join(HTTP_PARAMETERS)}"
        )
    return param


def search_args_from_query(params: Mapping[str, str | list[str]]) -> dict[str, Any]:
    """Keyword arguments of :meth:`SearchRequest.create` from a query string."""
    args: dict[str, Any] = {}
    for name, raw in params.items():
        param = _search_parameter(name)
        values = raw if isinstance(raw, list) else [raw]
        if param.kind == "filter":
            args[param.argument] = values
        elif param.kind == "facets":
            args[param.argument] = [item for value in values for item in value.split(",")]
        elif len(values) > 1:
            raise InvalidParameter(f"{name} is given more than once")
        elif param.kind == "integer":
            if not _INTEGER.fullmatch(values[0].strip()):
                raise InvalidParameter(f"{name} must be an integer, got {values[0]!r}")
            args[param.argument] = int(values[0])
        elif param.kind == "boolean":
            args[param.argument] = _parse_bool(name, values[0])
        else:
            args[param.argument] = values[0]
    return args


def search_args_from_body(body: Any) -> dict[str, Any]:
    """Keyword arguments of :meth:`SearchRequest.create` from a JSON body; null means "not given"."""
    if not isinstance(body, dict):
        raise InvalidParameter("the search body must be a JSON object of search parameters")
    args: dict[str, Any] = {}
    for name, value in body.items():
        param = _search_parameter(name)
        if value is not None:
            args[param.argument] = _json_value(param, value)
    return args


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _json_value(param: SearchParameter, value: Any) -> Any:
    # SearchRequest checks ranges and names; the types are checked here because a
    # JSON body can hold any type where the query string only has strings.
    name, kind = param.name, param.kind
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidParameter(f"{name} must be an integer")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise InvalidParameter(f"{name} must be true or false")
        return value
    if kind == "filter":
        if isinstance(value, str):
            return [value]
        if _is_strings(value):
            return value
        if isinstance(value, dict) and all(isinstance(v, str) or _is_strings(v) for v in value.values()):
            return value
        raise InvalidParameter(
            'filter must be a list of "field:value" strings or an object of field to value or list of values'
        )
    if kind == "facets":
        if isinstance(value, str) or _is_strings(value):
            return value
        raise InvalidParameter("facets must be a list of field names or a comma-separated string")
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a string")
    return value


# -- resources ------------------------------------------------------------------------------


class _Resource:
    def __init__(self, service: Service) -> None:
        self.service = service


class SearchResource(_Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.service.authorize_read(req)
        self._search(resp, search_args_from_query(req.params))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.service.authorize_read(req)
        _only_params(req, frozenset())
        # No body (of any type) is the default search; anything else must be JSON, which
        # blanks alone are not. The body is read first: waitress marks every body, even an
        # absent one, as ending by itself, so only the bytes tell whether there is one.
        data = self.service.read(req)
        if not data:
            self._search(resp, {})
            return
        _media_type(req, (JSON,))
        self._search(resp, search_args_from_body(_parse_json(data)))

    def _search(self, resp: falcon.Response, args: dict[str, Any]) -> None:
        settings = self.service.settings
        request = SearchRequest.create(**args, settings=settings)
        with self.service.metrics.searching(request.q, request.mode):
            result = self.service.engine.run(request)
        send(resp, result.to_dict())


_WRITE_PARAMS = frozenset({"commit"})


class DocumentsResource(_Resource):
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Bulk write: a JSON array (or one object), or NDJSON."""
        service = self.service
        service.authorize(req)
        _only_params(req, _WRITE_PARAMS)
        data, media = service.body(req, BULK_MEDIA_TYPES)
        limit = service.settings.max_batch_documents
        too_many = f"the body holds more than {limit} documents; send them in several requests"
        ids: list[Any] | None = None
        if media == JSON:
            # Valid JSON as a whole, or nothing: past a syntax error no element can be trusted.
            parsed = _parse_json(data, documents=True)
            if not isinstance(parsed, (list, dict)):
                raise InvalidDocument("the body must be a JSON array of documents or one document, an object")
            items = parsed if isinstance(parsed, list) else [parsed]
            if len(items) > limit:
                raise LimitExceeded(too_many)
            ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        elif not data.strip():
            raise InvalidJSON("the body is empty")
        else:
            _check_structure(data)
        records = []
        for record in read_body(data, media, max_field_length=service.settings.max_field_length):
            records.append(record)
            if len(records) > limit:
                raise LimitExceeded(too_many)
        summary = WriteSummary()
        docs = []
        # The reader yields one record per array element, so the ids line up with the records.
        aligned = ids is not None and len(ids) == len(records)
        for number, record in enumerate(records):
            if record.document is not None:
                docs.append(record.document)
                continue
            raw_id = _id_text(ids[number]) if aligned and ids is not None else None
            summary.rejected += 1
            summary.rejections.append(
                Rejection(record.error or "invalid document", raw_id, None, record.line, record.index)
            )
        summary.merge(service.engine.add(docs))
        service.write_answer(req, resp, summary)


class DocumentResource(_Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.service.authorize_read(req)
        send(resp, self.service.engine.get(id))

    def on_put(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        service = self.service
        service.authorize(req)
        _only_params(req, _WRITE_PARAMS)
        data, _ = service.body(req, DOCUMENT_MEDIA_TYPES)
        raw = _parse_json(data, documents=True)
        if not isinstance(raw, dict):
            raise InvalidDocument("the body must be one document, a JSON object")
        if raw.get("id") is not None and _id_text(raw["id"]) != id:
            raise InvalidDocument("the id in the body is not the id in the path")
        doc = normalize_document({**raw, "id": id}, max_field_length=service.settings.max_field_length)
        service.write_answer(req, resp, service.engine.add(doc, strict=True))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        service = self.service
        service.authorize(req)
        _only_params(req, _WRITE_PARAMS)
        if not service.engine.delete(id):
            raise NotFound(f"no document with id {id!r}")
        service.write_answer(req, resp, WriteSummary(deleted=1))


class HealthResource(_Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # Counting documents opens a searcher: a broken index answers 503, not "ok".
        documents = len(self.service.engine)
        # Open to probes, but with a read key the count is for those who hold it.
        if self.service.may_read(req):
            send(resp, {"status": "ok", "documents": documents})
        else:
            send(resp, {"status": "ok"})

    # falcon sends a HEAD answer's headers, Content-Length included, without the body.
    on_head = on_get


class StatsResource(_Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.service.authorize_read(req)
        send(resp, self.service.engine.stats())


class ExportResource(_Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        # Every document at once: a backup needs the API key, and the read key, where they are set.
        self.service.authorize(req)
        self.service.authorize_read(req)
        export = self.service.engine.export()
        # The first document is read before the answer starts: an index that cannot be
        # read is still answered with an error, not with a cut stream.
        first = next(export, None)
        resp.content_type = NDJSON
        if export.count is not None:
            # A client checks that it got them all: chunked framing alone is easy to ignore.
            resp.set_header(EXPORT_COUNT_HEADER, str(export.count))
        resp.stream = _export_lines(itertools.chain([first] if first else [], export))


def _export_lines(docs: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    try:
        for doc in docs:
            yield dumps(doc) + b"\n"
    except Exception:
        # Too late for an error answer: the connection is cut, without the chunked
        # ending, and the lines fall short of the count the header promised.
        LOG.exception("the export stopped before its end")
        raise


class MetricsResource(_Resource):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self.service.authorize_read(req)
        resp.content_type = METRICS_CONTENT_TYPE
        resp.data = self.service.metrics.exposition()


class OpenAPIResource(_Resource):
    def __init__(self, service: Service) -> None:
        super().__init__(service)
        self.data = orjson.dumps(build_spec(service.settings))

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = JSON
        resp.data = self.data


#: The path of a document, before its id.
DOCUMENT_PREFIX = "/documents/"

#: Every route of the API: ``create_app`` adds exactly these, and the search page's
#: (:mod:`searchsvc.web`); the OpenAPI test compares the document with the API's routes.
ROUTES: tuple[tuple[str, type[_Resource]], ...] = (
    ("/search", SearchResource),
    ("/documents", DocumentsResource),
    # ``path``: ids made from file names may contain "/", and may end with it (TrailingSlash).
    (DOCUMENT_PREFIX + "{id:path}", DocumentResource),
    ("/health", HealthResource),
    ("/stats", StatsResource),
    ("/export", ExportResource),
    ("/metrics", MetricsResource),
    ("/openapi.json", OpenAPIResource),
)


def openapi_path(template: str) -> str:
    """A falcon URI template as an OpenAPI path: ``/documents/{id:path}`` -> ``/documents/{id}``."""
    return re.sub(r"\{(\w+):[^}]*\}", r"{\1}", template)


# -- errors ---------------------------------------------------------------------------------


def _error_document(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": one_line(message)}}


def _send_error(resp: falcon.Response, status: int, code: str, message: str) -> None:
    send(resp, _error_document(status, code, message), status)


def _answer_error(req: falcon.Request, resp: falcon.Response, status: int, code: str, message: str) -> None:
    """The error as JSON, or as the search page shows it when the page asked for the request."""
    render = getattr(req.context, "render_error", None)
    if render is not None:
        try:
            render(resp, status, code, message)
            return
        except Exception:
            LOG.exception("the page could not show an error (request %s)", _request_id(req))
    _send_error(resp, status, code, message)


def _request_id(req: falcon.Request) -> str:
    return str(getattr(req.context, "request_id", "-"))


def _searchsvc_error(req: falcon.Request, resp: falcon.Response, ex: SearchsvcError, params: Any) -> None:
    message = ex.message
    if ex.status >= 500 or isinstance(ex, SearchIndexError):
        # Server-side trouble (a broken index...): the operator reads the log; the
        # client gets the code without internals such as folder names.
        LOG.error(
            "%s %s failed (request %s): %s",
            _loggable(req.method),
            _loggable(req.path),
            _request_id(req),
            _loggable(ex.message, spaces=True),
        )
        if isinstance(ex, IndexCorrupt) and ex.segment is not None:
            # A segment's name and its file's hold no folder: what the client can pass on.
            where = f"segment {ex.segment}" + (f" (file {ex.file})" if ex.file else "")
            message = f"the index is damaged: {where} cannot be read; the server log has the details"
        elif ex.status >= 500:
            message = "the service cannot answer now; the server log has the details"
        else:
            # An index error the client can act on (409: the index is locked): what its class says.
            message = (inspect.getdoc(type(ex)) or ex.code).split("\n")[0]
    if isinstance(ex, Unauthorized):
        challenge = 'Bearer realm="searchsvc"'
        if ex.details.get("invalid_token"):
            challenge += ', error="invalid_token"'
        resp.set_header("WWW-Authenticate", challenge)
    _answer_error(req, resp, ex.status, ex.code, message)


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "limit_exceeded",
    415: "unsupported_media_type",
    500: "internal_error",
}


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _http_code(status: int) -> str:
    return _HTTP_CODES.get(status) or re.sub(r"\W+", "_", _phrase(status).lower()).strip("_")


def _http_error(req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError, params: Any) -> None:
    status = falcon.http_status_to_code(ex.status)
    phrase = _phrase(status)
    code = _http_code(status)
    headers = dict(ex.headers or {})
    if isinstance(ex, falcon.HTTPRouteNotFound):
        message = "there is no such endpoint; GET /openapi.json lists them"
    elif isinstance(ex, falcon.HTTPMethodNotAllowed):
        allowed = headers.get("Allow", "")
        message = f"{req.method} is not allowed here; allowed: {allowed}"
    else:
        message = ex.description or phrase
    for name, value in headers.items():
        resp.set_header(name, value)
    _answer_error(req, resp, status, code, message)


_INTERNAL_ERROR = "an internal error occurred; the server log has the details"


def _unexpected_error(req: falcon.Request, resp: falcon.Response, ex: Exception, params: Any) -> None:
    # The traceback goes to the log only: it may show paths and internals.
    LOG.error(
        "unexpected error in %s %s (request %s)",
        _loggable(req.method),
        _loggable(req.path),
        _request_id(req),
        exc_info=ex,
    )
    _answer_error(req, resp, 500, "internal_error", _INTERNAL_ERROR)


def refusal(
    status: int, message: str, *, client: str = "-", method: str = "-", target: str = "-", query: str = ""
) -> tuple[list[tuple[str, str]], bytes]:
    """Headers and body of an error the HTTP server answers before the app sees the request.

    Waitress refuses a body or header over its limits, or bytes that are not HTTP,
    itself; :mod:`searchsvc.server` answers those with this, so that they have the
    error shape, a request id and an access log line like every other answer.
    """
    request_id = uuid.uuid4().hex
    if status == 500:
        message = _INTERNAL_ERROR
    body = orjson.dumps(_error_document(status, _http_code(status), message))
    _log_access(client, method, target, query, status, 0.0, request_id)
    return [("Content-Type", JSON), ("X-Request-Id", request_id), *_ANSWER_HEADERS], body


# -- access log -------------------------------------------------------------------------------


#: Answers are JSON: no browser may sniff one as HTML or frame it. The search page's
#: answers set their own policy, which lets the page load its own script and styles.
_ANSWER_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
)


def _escape(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))


def _loggable(text: str, *, spaces: bool = False) -> str:
    """``text`` with every character that is not printable (controls, U+2028 and the other line
    and paragraph separators, format characters) percent-encoded, and spaces too unless ``spaces``.

    A client chooses paths and ids: none may fake or split a log line, also for a reader
    that splits lines on Unicode's separators.
    """
    return "".join(char if char.isprintable() and (spaces or char != " ") else _escape(char) for char in text)


#: Query parameters whose values are secrets: a key sent in the URL is not logged.
_SECRET_PARAMETER = re.compile(r"key|token|secret|pass|auth|sig|session|cookie|credential", re.IGNORECASE)


def _redacted(query: str) -> str:
    """The query string with the value of every parameter named like a secret replaced."""
    parts = []
    for part in query.split("&"):
        name, sep, _value = part.partition("=")
        if sep and _SECRET_PARAMETER.search(urllib.parse.unquote_plus(name)):
            part = f"{name}=REDACTED"
        parts.append(part)
    return "&".join(parts)


#: The fields of an access log line, also set on its log record (``--log-format json`` writes them).
ACCESS_FIELDS = ("client", "method", "target", "status", "latency_ms", "request_id")


def _log_access(
    client: str, method: str, path: str, query: str, status: int, latency_ms: float, request_id: str
) -> None:
    method = _loggable(method)
    target = _loggable(path) + ("?" + _loggable(_redacted(query)) if query else "")
    fields = (client, method, target, status, round(latency_ms, 3), request_id)
    ACCESS_LOG.info(
        "%s %s %s %d %.1fms %s",
        client,
        method,
        target,
        status,
        latency_ms,
        request_id,
        extra=dict(zip(ACCESS_FIELDS, fields, strict=True)),
    )


class TrailingSlash:
    """Takes ``/search/`` for ``/search``, as falcon's ``strip_url_path_trailing_slash``
    does, but keeps the path of a document whole.

    The id ``a/`` is sent as ``/documents/a%2F``, which the app sees decoded as
    ``/documents/a/``: stripping the slash would read, write or delete ``a``.
    ``/documents/`` itself, with no id, is still ``/documents``. The search page's
    document paths are kept whole alike.
    """

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        path = req.path
        names_a_document = any(
            path.startswith(prefix) and len(path) > len(prefix)
            for prefix in (DOCUMENT_PREFIX, PAGE_DOCUMENT_PREFIX)
        )
        if len(path) > 1 and path.endswith("/") and not names_a_document:
            req.path = path[:-1]


class Utf8Only:
    """Refuses a path or query string whose percent-encoded bytes are not UTF-8.

    Decoded leniently, ``bad%FF`` and ``bad%EF%BF%BD`` would both be ``bad\ufffd``:
    two ids, or two queries, read as one.
    """

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        raw_path = req.env.get("PATH_INFO", "")
        try:
            # WSGI gives the path's bytes as latin-1 characters.
            raw_path.encode("latin-1").decode("utf-8")
        except UnicodeEncodeError:
            pass  # already text (a test client): nothing was replaced
        except UnicodeDecodeError:
            raise InvalidInput("the path is not UTF-8 once percent-decoded") from None
        query = req.query_string
        if "%" in query:
            try:
                urllib.parse.unquote_to_bytes(query).decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput("the query string is not UTF-8 once percent-decoded") from None


class CORS(falcon.CORSMiddleware):
    """falcon's CORS policy for the origins of ``cors_origins``; answers say they vary by Origin.

    A listed origin gets ``Access-Control-Allow-Origin`` and its preflight (``OPTIONS``)
    is answered; any other origin gets no CORS header, so browsers keep it out.
    """

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        super().process_response(req, resp, resource, req_succeeded)
        # The answer depends on the Origin header: a cache must not hand one origin's to another.
        resp.append_header("Vary", "Origin")


#: Methods a browser sends from any page without asking first, and that change nothing here.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host_and_port(authority: str) -> tuple[str, str]:
    """``("::1", "8080")`` for ``[::1]:8080``; the name lower-cased, without a final dot."""
    value = authority.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":")
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
    else:
        name, port = value, ""
    return name.rstrip("."), port


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostCheck:
    """Refuses requests for hosts this server does not answer to, and browsers' writes from
    pages of other origins.

    A web page can have its own name resolve to this server's address (DNS
    rebinding): the browser then sends its requests here, with the page's name in
    ``Host``, and lets the page read the answers. Without an API key (when
    ``check_host``), or when ``allowed_hosts`` is set, a request is answered only when its ``Host`` is a
    loopback name, an IP address (an address cannot be rebound) or one of
    ``allowed_hosts``. A write (any method but GET, HEAD and OPTIONS) that carries
    an ``Origin`` must come from this server's own origin or one of ``cors_origins``.
    """

    def __init__(self, settings: Settings, *, check_host: bool = True) -> None:
        names = [name.strip() for name in (settings.allowed_hosts or "").split(",") if name.strip()]
        self.check_host = bool(names) or (check_host and not settings.api_key)
        self.any_host = "*" in names
        self.hosts = frozenset(_host_and_port(name)[0] for name in names)
        origins = parse_origins(settings.cors_origins)
        self.any_origin = origins == ("*",)
        self.origins = frozenset(origin.lower() for origin in origins)

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        host = req.get_header("Host")
        if self.check_host and not self.any_host and host is not None:
            name, _ = _host_and_port(host)
            if not (name == "localhost" or _is_address(name) or name in self.hosts):
                raise HostNotAllowed(
                    f"this server does not answer to the host {one_line(host)!r}; "
                    "the allowed_hosts setting lists the names it answers to besides loopback"
                )
        origin = req.get_header("Origin")
        if req.method in _SAFE_METHODS or origin is None or self.any_origin:
            return
        if origin.strip().lower() in self.origins or self._own(origin, host):
            return
        raise OriginNotAllowed(
            f"a browser may not write from the page of {one_line(origin)!r}; "
            "the cors_origins setting lists the origins allowed"
        )

    @staticmethod
    def _own(origin: str, host: str | None) -> bool:
        scheme, sep, authority = origin.strip().lower().partition("://")
        if not sep or host is None:
            return False
        default = _DEFAULT_PORTS.get(scheme, "")

        def where(value: str) -> tuple[str, str]:
            name, port = _host_and_port(value)
            return name, port or default

        return where(authority) == where(host)


class RequestLog:
    """Gives each request an id (``X-Request-Id``), logs one line when it is answered, and counts it.

    The line has the client, method, path and query string, status, latency and
    request id: never a header (so never the API key) and never a body. The
    count goes under the route's template (``/documents/{id}``), never the path.
    """

    def __init__(self, clock: Callable[[], float], metrics: Metrics | None = None) -> None:
        self.clock = clock
        self.metrics = metrics

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.request_id = uuid.uuid4().hex
        req.context.started = self.clock()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: object, req_succeeded: bool
    ) -> None:
        request_id = getattr(req.context, "request_id", None) or uuid.uuid4().hex
        started = getattr(req.context, "started", None)
        latency_ms = (self.clock() - started) * 1000 if started is not None else 0.0
        resp.set_header("X-Request-Id", request_id)
        for name, value in _ANSWER_HEADERS:
            if resp.get_header(name) is None:
                resp.set_header(name, value)
        _log_access(
            req.remote_addr or "-",
            req.method,
            req.path,
            req.query_string,
            resp.status_code,
            latency_ms,
            request_id,
        )
        if self.metrics is not None:
            route = openapi_path(req.uri_template) if req.uri_template else None
            self.metrics.request(route, req.method, resp.status_code, latency_ms / 1000)


# -- the app ------------------------------------------------------------------------------------


def create_app(
    engine: Engine,
    settings: Settings,
    *,
    clock: Callable[[], float] | None = None,
    on_write: Callable[[], None] | None = None,
    metrics: Metrics | None = None,
    check_host: bool = False,
) -> falcon.App:
    """The WSGI app serving ``engine``.

    :param clock: seconds for request latency (``time.perf_counter`` by default).
    :param on_write: called after each write that was not committed at once, so
        that a committer can batch it (see :class:`searchsvc.server.Committer`).
        Without it, writes become visible at the next commit (``?commit=true``,
        or ``engine.commit()``).
    :param metrics: what ``GET /metrics`` answers and requests, searches and
        ``?commit=true`` commits are counted in (default: figures of this app alone).
    :param check_host: without an API key, answer only requests whose ``Host`` is
        loopback, an IP address or in ``allowed_hosts`` (see :class:`HostCheck`);
        ``serve`` turns it on, and an application serving the app itself decides.
        With ``allowed_hosts`` set, hosts are checked either way.
    """
    if metrics is None:
        metrics = Metrics(engine)
    middleware: list[Any] = [
        RequestLog(clock or time.perf_counter, metrics),
        Utf8Only(),
        TrailingSlash(),
        HostCheck(settings, check_host=check_host),
    ]
    origins = parse_origins(settings.cors_origins)
    if origins:
        middleware.append(
            CORS(
                allow_origins="*" if origins == ("*",) else origins,
                expose_headers=["X-Request-Id", "WWW-Authenticate", EXPORT_COUNT_HEADER],
            )
        )
    app = falcon.App(middleware=middleware)
    service = Service(engine, settings, on_write, metrics)
    for template, resource in ROUTES:
        app.add_route(template, resource(service))
    # The search page reads a search and the read key as GET /search does.
    pages = Pages(engine, settings, authorize=service.authorize_read, parse=search_args_from_query)
    for template, page in pages.routes():
        app.add_route(template, page)
    # Falcon picks the most specific handler for an exception, whatever the order.
    app.add_error_handler(Exception, _unexpected_error)
    app.add_error_handler(falcon.HTTPError, _http_error)
    app.add_error_handler(SearchsvcError, _searchsvc_error)
    return app


__all__ = [
    "ACCESS_FIELDS",
    "DOCUMENT_PREFIX",
    "EXPORT_COUNT_HEADER",
    "ROUTES",
    "Service",
    "create_app",
    "openapi_path",
    "refusal",
    "send",
]
