"""The search page's falcon resources: the page, its results part, documents, static files.

The HTTP API (:func:`searchsvc.api.create_app`) adds these routes and hands in
what they share with it: the engine, the settings, the read-key check and the
query-string parser of ``GET /search``, so that the page and the API read a
search alike and refuse the same mistakes with the same message. An error
raised here reaches the API's one error handler, which asks the page (through
``req.context.render_error``) to show the message instead of answering JSON.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

import falcon
import jinja2

from ..documents import TEXT_FIELDS
from ..engine import Engine
from ..parameters import SEARCH_PARAMETERS
from ..request import SearchRequest
from ..results import FacetBucket, SearchResult
from ..settings import Settings
from . import histogram
from .view import (
    DOCUMENT_PATH,
    FACETS,
    PageQuery,
    facet_views,
    hit_view,
    language_tag,
    pagination,
    period_href,
    place_spellings,
    safe_link,
    short_date,
    without_dates,
)

#: Where the page's own files are served from.
STATIC_PATH = "/page/static/"
#: The results part of the page alone, which the page's script swaps in.
RESULTS_PATH = "/page/results"

#: The page runs only its own script and styles, loads nothing from elsewhere, and
#: cannot be framed or post its form anywhere else.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HTML = "text/html; charset=utf-8"

#: Enough for every period of the date facet and every value a facet lists.
FACET_SIZE = 1000

_CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}

Authorize = Callable[[falcon.Request], None]
ParseQuery = Callable[[Mapping[str, Any]], dict[str, Any]]
RenderError = Callable[[falcon.Response, int, str, str], None]


def environment() -> jinja2.Environment:
    """The templates, with every value escaped unless it is marked as HTML."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("searchsvc.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


class StaticFiles:
    """The page's CSS and script, read once from the package; each URL carries a hash
    of its file, so that a browser may keep it until the file changes."""

    def __init__(self) -> None:
        folder = resources.files("searchsvc.web").joinpath("static")
        self.files: dict[str, tuple[bytes, str, str]] = {}
        for entry in folder.iterdir():
            suffix = "." + entry.name.rpartition(".")[2]
            if entry.is_file() and suffix in _CONTENT_TYPES:
                data = entry.read_bytes()
                self.files[entry.name] = (data, _CONTENT_TYPES[suffix], hashlib.sha256(data).hexdigest()[:16])

    def url(self, name: str) -> str:
        return f"{STATIC_PATH}{name}?v={self.files[name][2]}"

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        found = self.files.get(name)
        if found is None:
            raise falcon.HTTPNotFound(description=f"no file {name!r} here")
        data, content_type, tag = found
        etag = f'"{tag}"'
        resp.set_header("ETag", etag)
        # A URL with the file's hash never changes what it names; any other is checked.
        current = req.get_param("v") == tag
        resp.set_header("Cache-Control", "public, max-age=31536000, immutable" if current else "no-cache")
        if req.get_header("If-None-Match") == etag:
            resp.status = falcon.HTTP_304
            return
        resp.content_type = content_type
        resp.data = data

    on_head = on_get


class Pages:
    """What the page's resources share: the engine, templates and the API's checks."""

    def __init__(
        self, engine: Engine, settings: Settings, *, authorize: Authorize, parse: ParseQuery
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.authorize = authorize
        self.parse = parse
        self.env = environment()
        self.static = StaticFiles()

    def routes(self) -> list[tuple[str, object]]:
        """The page's URI templates and their resources."""
        return [
            ("/", SearchPage(self)),
            (RESULTS_PATH, SearchPage(self, part=True)),
            (DOCUMENT_PATH + "{id:path}", DocumentPage(self)),
            (STATIC_PATH + "{name}", self.static),
        ]

    def render(self, resp: falcon.Response, template: str, status: int = 200, **context: Any) -> None:
        resp.status = status
        resp.content_type = HTML
        resp.set_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("Referrer-Policy", "same-origin")
        resp.set_header("Cache-Control", "no-cache")
        resp.text = self.env.get_template(template).render(static=self.static.url, **context)

    def search(self, query: PageQuery, params: Mapping[str, Any]) -> dict[str, Any]:
        """Run the search the query string asks for, as ``GET /search`` would with the
        page's facets, highlights and explanations; the templates' context."""
        args = self.parse(params)
        args.update(
            facets=[*FACETS, "date"],
            highlight=True,
            explain=True,
            facet_size=FACET_SIZE,
            date_interval=histogram.INTERVALS[0],
        )
        request = SearchRequest.create(**args, settings=self.settings)
        result = self.engine.run(request)
        hits = [hit_view(hit, query, self._canonical_place) for hit in result.hits]
        return {
            "result": result,
            "hits": hits,
            "facets": facet_views(result.facets, result.facets_truncated, place_spellings(hits)),
            "histogram": self._histogram(request, result, query),
            "all_dates": (
                without_dates(query) if request.date_from is not None or request.date_to is not None else None
            ),
            "pages": pagination(
                query,
                total=result.total,
                offset=request.offset,
                limit=request.limit,
                max_offset=SEARCH_PARAMETERS["offset"].maximum or 0,
            ),
            "suggestion": (
                query.changed(drop=("q", "offset"), add=[("q", result.suggestion.q)]).href()
                if result.suggestion
                else None
            ),
        }

    def _canonical_place(self, word: str) -> str | None:
        variants = self.engine.variants
        return variants.canonical_place(word) if variants is not None else None

    def _histogram(
        self, request: SearchRequest, result: SearchResult, query: PageQuery
    ) -> histogram.Histogram | None:
        buckets: list[FacetBucket] = result.facets.get("date", [])
        interval = request.date_interval
        truncated = result.facets_truncated.get("date", False)
        # More periods than a facet lists: count again by a coarser period, the date facet only.
        while truncated and interval != histogram.INTERVALS[-1]:
            interval = histogram.INTERVALS[histogram.INTERVALS.index(interval) + 1]
            coarser = dataclasses.replace(
                request,
                facets=("date",),
                date_interval=interval,
                offset=0,
                limit=1,
                highlight=False,
                explain=False,
            )
            again = self.engine.run(coarser)
            buckets = again.facets.get("date", [])
            truncated = again.facets_truncated.get("date", False)
        return histogram.build(
            buckets,
            interval,
            date_from=request.date_from,
            date_to=request.date_to,
            href=lambda period: period_href(query, period.first.isoformat(), period.last.isoformat()),
        )


def _form(query: PageQuery) -> dict[str, Any]:
    """What the form shows, as the query string gave it (also when it was refused)."""
    return {
        "q": query.get("q"),
        "sort": query.get("sort"),
        "mode": query.get("mode"),
        "date_from": query.get("date_from"),
        "date_to": query.get("date_to"),
        "limit": query.get("limit"),
        "filters": query.getall("filter"),
    }


class SearchPage:
    """``GET /``: the search page; with ``part``, only its results (for the page's script)."""

    def __init__(self, pages: Pages, *, part: bool = False) -> None:
        self.pages = pages
        self.template = "results.html" if part else "search.html"

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        pages = self.pages
        query = PageQuery.of(req.params)
        context: dict[str, Any] = {"form": _form(query), "query": query}

        def render_error(resp: falcon.Response, status: int, code: str, message: str) -> None:
            pages.render(resp, self.template, status, error={"code": code, "message": message}, **context)

        req.context.render_error = render_error
        pages.authorize(req)
        pages.render(resp, self.template, error=None, **context, **pages.search(query, req.params))

    # falcon answers HEAD with GET's headers, without the body.
    on_head = on_get


class DocumentPage:
    """``GET /page/documents/{id}``: a document's stored fields, and the way back to the search."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        pages = self.pages
        back = PageQuery.of(req.params).href()

        def render_error(resp: falcon.Response, status: int, code: str, message: str) -> None:
            pages.render(resp, "document.html", status, error={"code": code, "message": message}, back=back)

        req.context.render_error = render_error
        pages.authorize(req)
        doc = pages.engine.get(id)
        pages.render(resp, "document.html", error=None, back=back, doc=document_view(doc))

    on_head = on_get


#: Fields the document page shows in its header or text, not in the list of other fields.
_SHOWN_APART = frozenset({"id", "title", "url", *TEXT_FIELDS})


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def document_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A stored document as the document page shows it: text as paragraphs, the rest as fields."""
    title = doc.get("title")
    fields = [
        (name, short_date(value) if name == "date" else _as_text(value))
        for name, value in doc.items()
        if name not in _SHOWN_APART and value not in (None, "", [])
    ]
    return {
        "id": str(doc.get("id", "")),
        "title": title if isinstance(title, str) and title else "(no title)",
        "url": safe_link(doc.get("url")),
        "url_text": _as_text(doc["url"]) if doc.get("url") else None,
        "lang": language_tag(doc.get("lang")),
        "texts": [
            (name, [part for part in _as_text(doc[name]).split("\n") if part.strip()])
            for name in TEXT_FIELDS
            if name != "title" and doc.get(name)
        ],
        "fields": fields,
    }


__all__ = ["CONTENT_SECURITY_POLICY", "Pages", "RESULTS_PATH", "STATIC_PATH", "document_view", "environment"]
