"""The HTTP API through falcon's test client: every endpoint, every error status, the shapes."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import falcon
import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings, errors
from searchsvc.api import ROUTES, create_app, openapi_path
from searchsvc.errors import IndexCorrupt
from searchsvc.openapi import BLANK_CHARS, ERROR_RESPONSES, build_spec
from searchsvc.parameters import HTTP_PARAMETERS
from searchsvc.server import Committer
from searchsvc.web import is_page_path

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}

DOCS: list[dict[str, Any]] = [
    {
        "id": "kharkiv-shelling",
        "title": "Shelling in Kharkiv",
        "body": "Artillery hit the north of Kharkiv overnight. Rescuers worked until morning.",
        "source": "BBC",
        "category": "war",
        "tags": ["kharkiv", "shelling"],
        "date": "2024-03-01",
        "lang": "en",
    },
    {
        "id": "kharkiv-power",
        "title": "Power restored in Kharkiv",
        "body": "Engineers restored power to most districts of Kharkiv.",
        "source": "Reuters",
        "category": "energy",
        "date": "2024-03-20",
        "lang": "en",
    },
    {
        "id": "kharkiv-metro",
        "title": "Kharkiv metro reopens",
        "body": "The metro of Kharkiv carries passengers again.",
        "source": "Reuters",
        "category": "city",
        "date": "2024-04-02",
        "lang": "en",
    },
    {
        "id": "kyiv-metro",
        "title": "Kyiv metro extends its hours",
        "body": "Trains in Kyiv now run until midnight.",
        "source": "Reuters",
        "category": "city",
        "date": "2024-04-10",
        "lang": "en",
    },
    {
        "id": "xss",
        "title": "Beware <script>alert('title')</script> tricks",
        "body": "A <b>bold</b> beware <img src=x onerror=alert(1)> in the body.",
        "source": "Blog",
        "date": "2024-05-01",
    },
]

SETTINGS = Settings(api_key=KEY, max_body_bytes=4096, max_batch_documents=5, commit_interval=60.0)


class FakeClock:
    """Advances 12.5 ms on every reading, so that latencies are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.0125
        return self.now


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    engine = SearchEngine.in_memory(variants=None)
    engine.add(DOCS)
    engine.commit()
    yield engine
    engine.close()


@pytest.fixture
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, SETTINGS, clock=FakeClock()))


def error_of(result: falcon.testing.Result) -> dict[str, Any]:
    """The error object of an answer, after checking the shape every error has."""
    assert result.headers["content-type"] == "application/json"
    body = result.json
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == result.status_code
    assert "Traceback" not in result.text and "/work" not in result.text and ".py" not in result.text
    error: dict[str, Any] = body["error"]
    return error


def call_app(app: falcon.App, environ: dict[str, Any]) -> tuple[int, Any]:
    """Call the WSGI app with an environ the test client would refuse to build."""
    start = falcon.testing.StartResponseMock()
    body = b"".join(app(environ, start))
    return int((start.status or "0").split()[0]), json.loads(body)


def put(client: falcon.testing.TestClient, doc_id: str, doc: Any, **kwargs: Any) -> falcon.testing.Result:
    kwargs.setdefault("headers", AUTH)
    return client.simulate_put(f"/documents/{doc_id}", json=doc, **kwargs)


# -- searching ---------------------------------------------------------------------------


def test_search_facets_counts_and_highlight(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/search", params={"q": "kharkiv", "facets": "source,category"})
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/json"
    body = result.json
    # Every field the OpenAPI document declares, and no other.
    assert set(body) == set(build_spec(Settings())["components"]["schemas"]["SearchResult"]["properties"])
    assert body["query"] == "kharkiv"
    assert body["total"] == 3
    assert {hit["id"] for hit in body["hits"]} == {"kharkiv-shelling", "kharkiv-power", "kharkiv-metro"}
    assert body["facets"]["source"] == [
        {"value": "Reuters", "count": 2, "selected": False},
        {"value": "BBC", "count": 1, "selected": False},
    ]
    assert {b["value"]: b["count"] for b in body["facets"]["category"]} == {"war": 1, "energy": 1, "city": 1}
    shelling = next(hit for hit in body["hits"] if hit["id"] == "kharkiv-shelling")
    assert set(shelling) == {"id", "score", "document", "highlights"}
    assert shelling["document"]["tags"] == ["kharkiv", "shelling"]
    assert shelling["highlights"]["title"] == "Shelling in <mark>Kharkiv</mark>"
    assert any("<mark>Kharkiv</mark>" in fragment for fragment in shelling["highlights"]["body"])


def test_search_filter_keeps_other_sources_in_facet(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/search", query_string="q=kharkiv&filter=source:BBC&facets=source")
    body = result.json
    assert [hit["id"] for hit in body["hits"]] == ["kharkiv-shelling"]
    # Facets are disjunctive: the source facet still offers Reuters, with BBC selected.
    assert body["facets"]["source"] == [
        {"value": "Reuters", "count": 2, "selected": False},
        {"value": "BBC", "count": 1, "selected": True},
    ]


def test_search_repeated_filters_sort_paging_and_dates(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get(
        "/search",
        query_string="filter=category:city&filter=category:energy&sort=date:asc&limit=2&offset=1"
        "&date_from=2024-03-01&date_to=2024-04-30&highlight=false",
    )
    body = result.json
    assert body["total"] == 3
    assert (body["limit"], body["offset"]) == (2, 1)
    assert [hit["id"] for hit in body["hits"]] == ["kharkiv-metro", "kyiv-metro"]
    assert all(hit["highlights"] is None and hit["score"] is None for hit in body["hits"])


def test_search_date_facet(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get(
        "/search", params={"facets": "date", "date_interval": "month", "facet_size": "10"}
    )
    counts = {b["value"]: b["count"] for b in result.json["facets"]["date"]}
    assert counts == {"2024-03": 2, "2024-04": 2, "2024-05": 1}


def test_search_trailing_slash(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/search/", params={"q": "kyiv"}).json["total"] == 1


def test_post_search_matches_get(client: falcon.testing.TestClient) -> None:
    by_get = client.simulate_get(
        "/search", query_string="q=kharkiv&filter=source:Reuters&facets=source&limit=5"
    )
    by_list = client.simulate_post(
        "/search", json={"q": "kharkiv", "filter": ["source:Reuters"], "facets": ["source"], "limit": 5}
    )
    by_object = client.simulate_post(
        "/search", json={"q": "kharkiv", "filter": {"source": ["Reuters"]}, "facets": "source", "limit": 5}
    )
    for result in (by_list, by_object):
        assert result.status_code == 200
        for key in ("total", "hits", "facets"):
            assert result.json[key] == by_get.json[key]


def test_post_search_empty_body_and_nulls(client: falcon.testing.TestClient) -> None:
    assert client.simulate_post("/search").json["total"] == len(DOCS)
    assert client.simulate_post("/search", json={"q": None, "limit": None}).json["total"] == len(DOCS)


def test_search_is_open_without_key(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/search", params={"q": "kyiv"}).status_code == 200
    assert client.simulate_post("/search", json={"q": "kyiv"}).status_code == 200


def test_html_in_documents_is_escaped_in_highlights(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/search", params={"q": "beware"})
    assert result.headers["content-type"] == "application/json"
    assert result.headers["x-content-type-options"] == "nosniff"
    [hit] = result.json["hits"]
    title = hit["highlights"]["title"]
    body = " ".join(hit["highlights"]["body"])
    assert title == "<mark>Beware</mark> &lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; tricks"
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    # The only tag in highlights is <mark>.
    assert set(re.findall(r"</?(\w+)", title + body)) == {"mark"}
    # The document itself is data (JSON), returned as stored.
    assert hit["document"]["title"] == DOCS[-1]["title"]


ERROR_QUERIES = [
    ("q=(x", "invalid_query", "the query has a '(' without a matching ')'"),
    ("q=nosuchfield:x", "unknown_field", None),
    ("limit=0", "invalid_parameter", "limit must be an integer from 1 to 100, got 0"),
    ("limit=ten", "invalid_parameter", "limit must be an integer, got 'ten'"),
    ("limit=", "invalid_parameter", None),
    ("limit=1&limit=2", "invalid_parameter", "limit is given more than once"),
    ("offset=-1", "invalid_parameter", None),
    ("facet_size=0", "invalid_parameter", None),
    ("filter=foo:bar", "unknown_field", None),
    ("filter=source", "invalid_parameter", None),
    ("facets=nope", "unknown_field", None),
    ("sort=nope", "unknown_field", None),
    ("date_from=2024-13-01", "invalid_date", None),
    ("date_to=yesterday", "invalid_date", None),
    ("date_from=2024-05-01&date_to=2024-01-01", "invalid_parameter", "date_from is after date_to"),
    ("date_interval=week", "invalid_parameter", None),
    ("highlight=maybe", "invalid_parameter", "highlight must be true or false, got 'maybe'"),
    ("qq=kyiv", "invalid_parameter", None),
    ("q=" + "x" * 1001, "invalid_parameter", "the query is longer than 1000 characters"),
]


@pytest.mark.parametrize(("query_string", "code", "message"), ERROR_QUERIES)
def test_search_errors_are_400(
    client: falcon.testing.TestClient, query_string: str, code: str | None, message: str | None
) -> None:
    result = client.simulate_get("/search", query_string=query_string)
    assert result.status_code == 400, result.text
    error = error_of(result)
    if code is not None:
        assert error["code"] == code
    if message is not None:
        assert error["message"] == message


def test_error_shape_is_pinned(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/search", query_string="q=(x")
    assert result.status_code == 400
    assert result.headers["content-type"] == "application/json"
    assert result.json == {
        "error": {
            "status": 400,
            "code": "invalid_query",
            "message": "the query has a '(' without a matching ')'",
        }
    }


@pytest.mark.parametrize(
    "query",
    ['"', "a AND", "OR", "NOT", "(((", "a:b:c", "date:[x TO y]", "date:[2024-01-01 TO", "a^x", "a~x", "*:*",
     "title:(a OR", "\\", "date:2024-01-01T25:00", "x" * 1000, "😀*", "\x00"],
)  # fmt: skip
def test_nasty_queries_never_answer_500(client: falcon.testing.TestClient, query: str) -> None:
    result = client.simulate_get("/search", params={"q": query, "facets": "source,date", "sort": "date"})
    assert result.status_code in (200, 400), result.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": "5"}, "limit must be an integer"),
        ({"limit": True}, "limit must be an integer"),
        ({"highlight": "yes"}, "highlight must be true or false"),
        ({"q": 5}, "q must be a string"),
        ({"date_interval": ["month"]}, "date_interval must be a string"),
        ({"filter": 5}, None),
        ({"filter": {"source": 5}}, None),
        ({"filter": [5]}, None),
        ({"facets": [1]}, None),
        ({"qq": "x"}, None),
        ([1, 2], "the search body must be a JSON object of search parameters"),
    ],
)
def test_post_search_bad_bodies(client: falcon.testing.TestClient, body: Any, message: str | None) -> None:
    result = client.simulate_post("/search", json=body)
    assert result.status_code == 400
    error = error_of(result)
    assert error["code"] == "invalid_parameter"
    if message is not None:
        assert error["message"] == message


def test_post_search_invalid_json_and_media_type(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/search", body=b'{"q": ', headers={"Content-Type": "application/json"})
    assert result.status_code == 400
    assert error_of(result)["code"] == "invalid_json"
    result = client.simulate_post("/search", body=b"q=kyiv", headers={"Content-Type": "text/plain"})
    assert result.status_code == 415
    assert error_of(result)["code"] == "unsupported_media_type"


# -- reading documents ---------------------------------------------------------------------


def test_get_document(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/documents/kyiv-metro")
    assert result.status_code == 200
    assert result.json == {**DOCS[3], "date": "2024-04-10T00:00:00Z"}


def test_get_missing_document_is_404(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/documents/no-such-doc")
    assert result.status_code == 404
    assert error_of(result) == {
        "status": 404,
        "code": "not_found",
        "message": "no document with id 'no-such-doc'",
    }


def test_health_and_stats(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/health").json == {"status": "ok", "documents": len(DOCS)}
    stats = client.simulate_get("/stats").json
    assert stats["documents"] == len(DOCS)
    assert stats["pending_writes"] == 0
    assert set(stats) >= {"size_bytes", "last_commit", "format_version", "generation"}


# -- writing ---------------------------------------------------------------------------------


def test_put_then_commit_makes_visible(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    result = put(client, "odesa-port", {"title": "Odesa port busy", "source": "BBC"})
    assert result.status_code == 200
    assert result.json == {
        "accepted": 1,
        "added": 1,
        "updated": 0,
        "deleted": 0,
        "rejected": 0,
        "rejections": [],
        "committed": False,
    }
    # A real-time get finds it at once; searches see it after the commit
    # (the committer, absent here, would make it).
    assert client.simulate_get("/documents/odesa-port").json["title"] == "Odesa port busy"
    assert client.simulate_get("/search", params={"q": "odesa"}).json["total"] == 0
    assert client.simulate_get("/stats").json["pending_writes"] == 1
    engine.commit()
    assert client.simulate_get("/search", params={"q": "odesa"}).json["total"] == 1


def test_put_commit_true_is_visible_at_once(client: falcon.testing.TestClient) -> None:
    result = put(client, "lviv-rain", {"title": "Rain in Lviv"}, params={"commit": "true"})
    assert result.json["committed"] is True
    assert client.simulate_get("/documents/lviv-rain").json == {"id": "lviv-rain", "title": "Rain in Lviv"}
    assert client.simulate_get("/search", params={"q": "lviv"}).json["total"] == 1


def test_put_replaces_and_body_id_must_match(client: falcon.testing.TestClient) -> None:
    result = put(client, "kyiv-metro", {"id": "kyiv-metro", "title": "Kyiv metro closes early"})
    assert (result.json["added"], result.json["updated"]) == (0, 1)
    result = put(client, "kyiv-metro", {"id": "other", "title": "x"})
    assert result.status_code == 422
    assert error_of(result) == {
        "status": 422,
        "code": "invalid_document",
        "message": "the id in the body is not the id in the path",
    }


def test_put_id_with_slash(client: falcon.testing.TestClient) -> None:
    assert put(client, "news/2024/a.txt", {"title": "Nested"}, params={"commit": "true"}).status_code == 200
    assert client.simulate_get("/documents/news/2024/a.txt").json["id"] == "news/2024/a.txt"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"tags": 5}, "field 'tags' must be a list of strings, got int"),
        ({"title": {"nested": True}}, "field 'title' must be a string, got dict"),
        ({"date": "last week"}, None),
        ({"_private": 1}, "invalid field name '_private'"),
        ([{"title": "x"}], "the body must be one document, a JSON object"),
        ({"title": "x" * 5000}, None),
    ],
)
def test_put_invalid_document_is_422(
    client: falcon.testing.TestClient, doc: Any, message: str | None
) -> None:
    settings = SETTINGS.replace(max_body_bytes=100_000, max_field_length=1000)
    engine = SearchEngine.in_memory(variants=None)
    local = falcon.testing.TestClient(create_app(engine, settings))
    result = put(local, "doc-1", doc)
    assert result.status_code == 422, result.text
    error = error_of(result)
    assert error["code"] == "invalid_document"
    if message is not None:
        assert error["message"] == message
    assert engine.pending == 0


def test_put_bad_bodies(client: falcon.testing.TestClient) -> None:
    result = client.simulate_put(
        "/documents/a", body=b'{"title": ', headers={**AUTH, "Content-Type": "application/json"}
    )
    assert (result.status_code, error_of(result)["code"]) == (400, "invalid_json")
    result = client.simulate_put(
        "/documents/a", body=b"", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert error_of(result) == {"status": 400, "code": "invalid_json", "message": "the body is empty"}
    result = client.simulate_put(
        "/documents/a", body=b"title=x", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert (result.status_code, error_of(result)["code"]) == (415, "unsupported_media_type")
    result = client.simulate_put("/documents/a", body=b"{}", headers=AUTH)
    assert result.status_code == 415
    latin1 = {**AUTH, "Content-Type": "application/json; charset=latin-1"}
    assert client.simulate_put("/documents/a", body=b"{}", headers=latin1).status_code == 415
    result = put(client, "a", {"title": "x"}, params={"commit": "maybe"})
    assert error_of(result)["message"] == "commit must be true or false, got 'maybe'"
    result = put(client, "a", {"title": "x"}, params={"comit": "true"})
    assert (result.status_code, error_of(result)["code"]) == (400, "invalid_parameter")


def test_body_over_limit_is_413(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    result = put(client, "big", {"title": "x" * 5000})
    assert result.status_code == 413
    assert error_of(result)["code"] == "limit_exceeded"
    result = client.simulate_post(
        "/documents", body=b"[" + b" " * 5000 + b"]", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert result.status_code == 413
    assert engine.pending == 0


def test_body_without_length_is_still_limited(engine: SearchEngine) -> None:
    # A server may pass a dechunked body without Content-Length: the bytes read count.
    app = create_app(engine, SETTINGS)
    environ = falcon.testing.create_environ(
        path="/documents/big", method="PUT", headers={**AUTH, "Content-Type": "application/json"}
    )
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BytesIO(json.dumps({"title": "x" * 10_000}).encode())
    environ["wsgi.input_terminated"] = True
    status, body = call_app(app, environ)
    assert (status, body["error"]["code"]) == (413, "limit_exceeded")


def test_delete(client: falcon.testing.TestClient) -> None:
    result = client.simulate_delete("/documents/kyiv-metro", headers=AUTH, params={"commit": "true"})
    assert result.status_code == 200
    assert result.json == {
        "accepted": 0,
        "added": 0,
        "updated": 0,
        "deleted": 1,
        "rejected": 0,
        "rejections": [],
        "committed": True,
    }
    assert client.simulate_get("/documents/kyiv-metro").status_code == 404
    result = client.simulate_delete("/documents/kyiv-metro", headers=AUTH)
    assert result.status_code == 404
    assert error_of(result)["code"] == "not_found"


def test_bulk_json_array_with_a_bad_document(client: falcon.testing.TestClient) -> None:
    docs = [
        {"id": "a1", "title": "Dnipro bridge"},
        {"id": "a2", "title": "Bad tags", "tags": 7},
        {"id": "kyiv-metro", "title": "Kyiv metro, again"},
    ]
    result = client.simulate_post("/documents", json=docs, headers=AUTH, params={"commit": "true"})
    assert result.status_code == 200
    assert result.json == {
        "accepted": 2,
        "added": 1,
        "updated": 1,
        "deleted": 0,
        "rejected": 1,
        "rejections": [
            {
                "id": "a2",
                "reason": "field 'tags' must be a list of strings, got int",
                "source": None,
                "line": 1,
                "index": 1,
            }
        ],
        "committed": True,
    }
    assert client.simulate_get("/search", params={"q": "dnipro"}).json["total"] == 1


def test_bulk_ndjson_reports_lines(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    body = b'{"id": "n1", "title": "One"}\n{"id": "n2", "title": \n\n{"title": "no id"}\n{"id": "n3"}\n'
    headers = {**AUTH, "Content-Type": "application/x-ndjson"}
    result = client.simulate_post("/documents", body=body, headers=headers)
    assert result.status_code == 200
    answer = result.json
    assert (answer["accepted"], answer["rejected"], answer["committed"]) == (2, 2, False)
    assert [(r["line"], r["reason"].split(":")[0]) for r in answer["rejections"]] == [
        (2, "invalid JSON"),
        (4, "missing required field 'id'"),
    ]
    assert engine.pending == 2


def test_bulk_single_object(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/documents", json={"id": "solo", "title": "Alone"}, headers=AUTH)
    assert result.json["added"] == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'[{"id": "a"}, ', "application/json", 400, "invalid_json"),
        (b"", "application/json", 400, "invalid_json"),
        (b"  \n", "application/x-ndjson", 400, "invalid_json"),
        (b"id,title\na,b\n", "text/csv", 415, "unsupported_media_type"),
        (b"[]", None, 415, "unsupported_media_type"),
        (json.dumps([{"id": str(i)} for i in range(6)]).encode(), "application/json", 413, "limit_exceeded"),
        (
            "".join(f'{{"id": "{i}"}}\n' for i in range(6)).encode(),
            "application/x-ndjson",
            413,
            "limit_exceeded",
        ),
    ],
)
def test_bulk_errors(
    client: falcon.testing.TestClient,
    engine: SearchEngine,
    body: bytes,
    content_type: str | None,
    status: int,
    code: str,
) -> None:
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    result = client.simulate_post("/documents", body=body, headers=headers)
    assert result.status_code == status
    assert error_of(result)["code"] == code
    assert engine.pending == 0


def test_bulk_empty_array_is_a_no_op(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/documents", json=[], headers=AUTH)
    assert (result.status_code, result.json["accepted"], result.json["rejected"]) == (200, 0, 0)


# -- authentication ----------------------------------------------------------------------------

WRITES = [
    ("PUT", "/documents/x", {"id": "x"}),
    ("POST", "/documents", [{"id": "x"}]),
    ("DELETE", "/documents/kyiv-metro", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {KEY}", "Bearer", f"Bearer {KEY}x"])
def test_writes_need_the_key(
    client: falcon.testing.TestClient,
    engine: SearchEngine,
    method: str,
    path: str,
    body: Any,
    authorization: str | None,
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    result = client.simulate_request(method, path, json=body, headers=headers)
    assert result.status_code == 401
    assert error_of(result)["code"] == "unauthorized"
    assert result.headers["www-authenticate"].startswith("Bearer")
    assert engine.pending == 0


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_pass_with_the_key(
    client: falcon.testing.TestClient, method: str, path: str, body: Any
) -> None:
    result = client.simulate_request(method, path, json=body, headers={"Authorization": f"bearer  {KEY} "})
    assert result.status_code == 200


def test_unauthorized_comes_before_body_checks(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/documents", body=b"x" * 10_000, headers={"Content-Type": "text/csv"})
    assert result.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/search"), ("POST", "/search"), ("GET", "/documents/kyiv-metro"), ("GET", "/health"),
     ("GET", "/stats"), ("GET", "/openapi.json")],
)  # fmt: skip
def test_reads_are_open(client: falcon.testing.TestClient, method: str, path: str) -> None:
    assert client.simulate_request(method, path).status_code == 200


def test_without_a_key_writes_are_open(engine: SearchEngine) -> None:
    open_client = falcon.testing.TestClient(create_app(engine, Settings()))
    assert open_client.simulate_put("/documents/x", json={"title": "x"}).status_code == 200


# -- falcon's own errors and the unexpected ------------------------------------------------------


def test_unknown_route_is_404(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/nope")
    assert result.status_code == 404
    assert error_of(result) == {
        "status": 404,
        "code": "not_found",
        "message": "there is no such endpoint; GET /openapi.json lists them",
    }


def test_wrong_method_is_405(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/health")
    assert result.status_code == 405
    assert error_of(result)["code"] == "method_not_allowed"
    assert result.headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.simulate_request("PATCH", "/documents/x", headers=AUTH).status_code == 405


def test_bad_content_length_is_400(engine: SearchEngine) -> None:
    environ = falcon.testing.create_environ(
        path="/documents/x", method="PUT", headers={**AUTH, "Content-Type": "application/json"}
    )
    environ["CONTENT_LENGTH"] = "-3"
    status, body = call_app(create_app(engine, SETTINGS), environ)
    assert (status, body["error"]["code"]) == (400, "bad_request")


def test_unexpected_error_is_500_without_details(
    client: falcon.testing.TestClient, engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("boom in /srv/secret/path.py")

    monkeypatch.setattr(engine, "stats", broken)
    with caplog.at_level(logging.ERROR, logger="searchsvc.api"):
        result = client.simulate_get("/stats")
    assert result.status_code == 500
    assert error_of(result) == {
        "status": 500,
        "code": "internal_error",
        "message": "an internal error occurred; the server log has the details",
    }
    assert "secret" not in result.text
    assert "RuntimeError: boom" in caplog.text  # the traceback is in the log


def test_server_side_searchsvc_error_hides_its_message(
    client: falcon.testing.TestClient, engine: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> int:
        raise IndexCorrupt("the index in '/var/lib/searchsvc/index' cannot be read")

    monkeypatch.setattr(type(engine), "__len__", lambda self: broken())
    result = client.simulate_get("/health")
    assert result.status_code == 503
    error = error_of(result)
    assert error["code"] == "index_corrupt"
    assert "/var" not in error["message"]


# -- access log and request ids ----------------------------------------------------------------


def test_access_log_and_request_id(client: falcon.testing.TestClient, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="searchsvc.access"):
        search = client.simulate_get("/search", query_string="q=kyiv&limit=5")
        write = put(client, "secret-doc", {"title": "Top secret body text"})
        missing = client.simulate_get("/nope")
    records = [r for r in caplog.records if r.name == "searchsvc.access"]
    assert len(records) == 3
    ids = [result.headers["x-request-id"] for result in (search, write, missing)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids) and len(set(ids)) == 3
    lines = [r.getMessage() for r in records]
    assert lines[0] == f"127.0.0.1 GET /search?q=kyiv&limit=5 200 12.5ms {ids[0]}"
    assert lines[1] == f"127.0.0.1 PUT /documents/secret-doc 200 12.5ms {ids[1]}"
    assert lines[2] == f"127.0.0.1 GET /nope 404 12.5ms {ids[2]}"
    assert records[1].request_id == ids[1]  # type: ignore[attr-defined]
    assert KEY not in caplog.text and "Top secret" not in caplog.text


def test_access_log_cannot_be_forged(client: falcon.testing.TestClient, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="searchsvc.access"):
        client.simulate_get("/documents/a\nfake 200 line")
    [record] = [r for r in caplog.records if r.name == "searchsvc.access"]
    assert "\n" not in record.getMessage()
    assert "/documents/a%0Afake%20200%20line 404" in record.getMessage()


def test_error_answers_carry_request_id(client: falcon.testing.TestClient) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", client.simulate_get("/nope").headers["x-request-id"])


# -- OpenAPI ------------------------------------------------------------------------------------

HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")


def routed_operations(app: falcon.App) -> dict[str, set[str]]:
    """Every (path, method) the app really answers, from falcon's router."""
    found: dict[str, set[str]] = {}

    def walk(nodes: list[Any]) -> None:
        for node in nodes:
            if node.resource is not None:
                methods = {m.lower() for m in HTTP_METHODS if hasattr(node.resource, f"on_{m.lower()}")}
                found[openapi_path(node.uri_template)] = methods
            walk(node.children)

    walk(app._router._roots)
    return found


def test_openapi_matches_routes(client: falcon.testing.TestClient) -> None:
    spec = client.simulate_get("/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    documented = {
        path: {method for method in item if method in {m.lower() for m in HTTP_METHODS}}
        for path, item in spec["paths"].items()
    }
    # The document describes the API; the search page's HTML routes are not part of it.
    api_routes = {
        path: methods for path, methods in routed_operations(client.app).items() if not is_page_path(path)
    }
    assert documented == api_routes
    assert set(documented) == {openapi_path(template) for template, _ in ROUTES}


def test_openapi_operations_are_complete(client: falcon.testing.TestClient) -> None:
    spec = client.simulate_get("/openapi.json").json

    def resolve(ref: str) -> Any:
        node: Any = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(spec):
        assert resolve(ref) is not None, ref
    writes = {("post", "/documents"), ("put", "/documents/{id}"), ("delete", "/documents/{id}")}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["operationId"] and operation["summary"]
            # Every status is declared: none hides behind "default".
            assert "200" in operation["responses"] and "default" not in operation["responses"]
            assert set(operation["responses"]) >= {"400", "413", "431", "500", "501"}
            if (method, path) in writes:
                assert operation["security"] == [{"bearerAuth": []}]
                assert "401" in operation["responses"]
                assert [p["name"] for p in operation["parameters"]] == ["commit"]
            elif (method, path) == ("get", "/export"):
                # A backup of every document needs the API key, as writes do.
                assert operation["security"] == [{"bearerAuth": []}]
                assert "401" in operation["responses"]
            else:
                assert "security" not in operation
    get_params = [p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]]
    assert get_params == list(HTTP_PARAMETERS)
    assert list(spec["components"]["schemas"]["SearchBody"]["properties"]) == list(HTTP_PARAMETERS)
    assert set(spec["paths"]["/documents"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/x-ndjson",
    }
    assert set(spec["paths"]["/documents/{id}"]["put"]["responses"]) >= {"400", "401", "413", "415", "422"}


def test_openapi_without_key_marks_writes_open(engine: SearchEngine) -> None:
    spec = falcon.testing.TestClient(create_app(engine, Settings())).simulate_get("/openapi.json").json
    assert spec["paths"]["/documents"]["post"]["security"] == [{}]


# -- the OpenAPI document says what the server does ------------------------------------------

#: What each operation can answer besides 200. Every operation can also get the HTTP
#: server's refusals (400 not HTTP, 413 a body over the limit, 431, 501) and a 500.
DECLARED_ERRORS = {
    ("get", "/search"): {"503"},
    ("post", "/search"): {"403", "415", "503"},
    ("post", "/documents"): {"401", "403", "409", "415", "422", "503", "507"},
    ("get", "/documents/{id}"): {"404", "405", "503"},
    ("put", "/documents/{id}"): {"401", "403", "405", "409", "415", "422", "503", "507"},
    ("delete", "/documents/{id}"): {"401", "403", "404", "405", "409", "503", "507"},
    ("get", "/health"): {"503"},
    ("head", "/health"): {"503"},
    ("get", "/stats"): {"503"},
    ("get", "/export"): {"401", "503"},
    # An index that cannot be read leaves its figures out of the answer (see test_metrics.py).
    ("get", "/metrics"): set(),
    ("get", "/openapi.json"): set(),
}


def spec_of(client: falcon.testing.TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.simulate_get("/openapi.json").json
    return spec


def test_openapi_declares_every_status_each_operation_can_answer(client: falcon.testing.TestClient) -> None:
    spec = spec_of(client)
    declared = {
        (method, path): set(operation["responses"]) - {"200"}
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    }
    assert declared == {
        operation: statuses | {"400", "408", "413", "421", "431", "500", "501"}
        for operation, statuses in DECLARED_ERRORS.items()
    }
    # Every status of errors.py is declared, and nothing else.
    raised = {str(getattr(errors, name).status) for name in errors.__all__}
    assert raised <= set(ERROR_RESPONSES) == set().union(*declared.values())
    # Every answer carries its request id; errors have the one error shape.
    for operation in (op for item in spec["paths"].values() for op in item.values() if "responses" in op):
        for status, response in operation["responses"].items():
            response = (
                spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                if "$ref" in response
                else response
            )
            assert "X-Request-Id" in response["headers"], status
            if status != "200" and "content" in response:
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                }
    unauthorized = spec["components"]["responses"]["Unauthorized"]["headers"]
    assert "WWW-Authenticate" in unauthorized


def test_blank_chars_are_what_strip_removes() -> None:
    blank = re.compile(f"[{BLANK_CHARS}]")
    assert [chr(c) for c in range(0x110000) if blank.fullmatch(chr(c))] == [
        chr(c) for c in range(0x110000) if chr(c).isspace()
    ]


def accepts(pattern: str, value: str) -> bool:
    # JSON Schema patterns are searched for, not matched whole.
    return re.search(pattern, value) is not None


@pytest.mark.parametrize(
    "value",
    ["source:BBC", " tags : x ", "places:Kyiv:UA", "lang:\u3000en", "source:", "source: \u3000\x1c", "title:x",
     "_:0", "Source:BBC", "sources:x", "date:2024", "source\x85:x", ":x", "source"],
)  # fmt: skip
def test_filter_pattern_agrees_with_the_server(client: falcon.testing.TestClient, value: str) -> None:
    spec = spec_of(client)
    [param] = [p for p in spec["paths"]["/search"]["get"]["parameters"] if p["name"] == "filter"]
    status = client.simulate_get("/search", params={"filter": value}).status_code
    assert (status == 200) == accepts(param["schema"]["items"]["pattern"], value)
    as_list = spec["components"]["schemas"]["SearchBody"]["properties"]["filter"]["oneOf"][0]
    status = client.simulate_post("/search", json={"filter": [value]}).status_code
    assert (status == 200) == accepts(as_list["items"]["pattern"], value)


@pytest.mark.parametrize(
    "value",
    ["source", "source,date", " source , ,date ", "", ",", "\u3000tags", "title", "source,nope", "Source"],
)
def test_facets_pattern_agrees_with_the_server(client: falcon.testing.TestClient, value: str) -> None:
    spec = spec_of(client)
    [param] = [p for p in spec["paths"]["/search"]["get"]["parameters"] if p["name"] == "facets"]
    status = client.simulate_get("/search", params={"facets": value}).status_code
    assert (status == 200) == accepts(param["schema"]["pattern"], value)
    as_list = spec["components"]["schemas"]["SearchBody"]["properties"]["facets"]["oneOf"][0]
    names = value.split(",")
    status = client.simulate_post("/search", json={"facets": names}).status_code
    assert (status == 200) == all(accepts(as_list["items"]["pattern"], name) for name in names)


@pytest.mark.parametrize("value", ["x" * 1000, " " + "x" * 1000 + "\u3000", "x" * 1001, " " * 1500, ""])
def test_query_length_pattern_agrees_with_the_server(client: falcon.testing.TestClient, value: str) -> None:
    [param] = [p for p in spec_of(client)["paths"]["/search"]["get"]["parameters"] if p["name"] == "q"]
    status = client.simulate_get("/search", params={"q": value}).status_code
    assert (status == 200) == accepts(param["schema"]["pattern"], value)


@pytest.mark.parametrize(
    "doc_id",
    ["a", "a b", "x" * 512, "x" * 513, " a", "a ", "\u3000a", "a\x1c", "a/", "/", "//", ".", "..", "...",
     ".a", "a.", "a\x7fb", "a\x85b", "a\u2028b", "é", "?#%"],
)  # fmt: skip
def test_id_pattern_agrees_with_the_server(client: falcon.testing.TestClient, doc_id: str) -> None:
    [param] = spec_of(client)["paths"]["/documents/{id}"]["parameters"]
    status = put(client, urllib.parse.quote(doc_id, safe=""), {"title": "x"}).status_code
    assert status in (200, 422)
    assert (status == 200) == accepts(param["schema"]["pattern"], doc_id)


def test_put_refuses_an_id_with_blanks_around_it(client: falcon.testing.TestClient) -> None:
    # Ids are never stripped: stored under "a", it could not be read back at "/documents/ a".
    result = put(client, " a", {"title": "x"})
    assert (result.status_code, error_of(result)["message"]) == (
        422,
        "field 'id' ' a' starts or ends with a blank, which ids may not",
    )


def test_empty_id_is_the_collection_path_as_declared(client: falcon.testing.TestClient) -> None:
    spec = spec_of(client)
    for method in ("GET", "PUT", "DELETE"):
        result = client.simulate_request(method, "/documents/", headers=AUTH, json={"title": "x"})
        assert (result.status_code, result.headers["allow"]) == (405, "POST, OPTIONS")
        assert error_of(result)["code"] == "method_not_allowed"
        assert "405" in spec["paths"]["/documents/{id}"][method.lower()]["responses"]
    [param] = spec["paths"]["/documents/{id}"]["parameters"]
    assert not accepts(param["schema"]["pattern"], "")


def test_head_health(client: falcon.testing.TestClient) -> None:
    got = client.simulate_get("/health")
    head = client.simulate_head("/health")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(got.content))
    assert re.fullmatch(r"[0-9a-f]{32}", head.headers["x-request-id"])
    assert "content" not in spec_of(client)["paths"]["/health"]["head"]["responses"]["200"]


def test_search_body_nulls_are_declared(client: falcon.testing.TestClient) -> None:
    # null means "not given", for every parameter: the spec allows it, the server takes it.
    body = {name: None for name in HTTP_PARAMETERS}
    assert client.simulate_post("/search", json=body).json["total"] == len(DOCS)
    properties = spec_of(client)["components"]["schemas"]["SearchBody"]["properties"]
    for name, schema in properties.items():
        types = schema.get("type") or [option.get("type") for option in schema["oneOf"]]
        assert "null" in types, name


def test_post_search_body_of_blanks_is_not_json(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/search", body=b"  ", headers={"Content-Type": "application/json"})
    assert error_of(result) == {"status": 400, "code": "invalid_json", "message": "the body is empty"}
    result = client.simulate_post("/search", body=b"", headers={"Content-Type": "text/plain"})
    assert result.json["total"] == len(DOCS)


def test_document_input_is_what_put_takes(client: falcon.testing.TestClient) -> None:
    schema = spec_of(client)["components"]["schemas"]["DocumentInput"]
    # Other fields are stored and returned: allowed, as long as the name is not private.
    assert schema["additionalProperties"] is True
    extra = {"title": 5, "tags": "a, b", "lead": None, "id": None, "meta": {"votes": [1, 2]}}
    assert put(client, "extra", extra, params={"commit": "true"}).status_code == 200
    stored = client.simulate_get("/documents/extra").json
    assert stored == {"id": "extra", "title": "5", "tags": ["a", "b"], "meta": {"votes": [1, 2]}}
    assert not accepts(schema["propertyNames"]["pattern"], "_private")
    # Tags are strings: a list of objects is refused.
    assert schema["properties"]["tags"]["items"] == {"type": "string"}
    assert put(client, "bad-tags", {"tags": [{}]}).status_code == 422


def test_bulk_body_must_be_an_array_or_an_object(client: falcon.testing.TestClient) -> None:
    for body in (b"5", b'"x"', b"null", b"true"):
        result = client.simulate_post(
            "/documents", body=body, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert (result.status_code, error_of(result)["code"]) == (422, "invalid_document")
    # Elements are judged one by one: a bad element is a rejection, not a refusal.
    result = client.simulate_post("/documents", json=[{"id": "t", "tags": [{}]}, 5], headers=AUTH)
    assert (result.status_code, result.json["rejected"]) == (200, 2)


# -- the committer and the import boundary --------------------------------------------------------


def wait_for(condition: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_committer_commits_after_the_interval(engine: SearchEngine) -> None:
    committer = Committer(engine, interval=0.05, batch=100)
    committer.start()
    try:
        client = falcon.testing.TestClient(create_app(engine, SETTINGS, on_write=committer.notify))
        assert put(client, "late", {"title": "Late news"}).json["committed"] is False
        assert wait_for(lambda: client.simulate_get("/search", params={"q": "late"}).json["total"] == 1)
        assert engine.pending == 0
    finally:
        committer.stop()


def test_committer_commits_a_full_batch_at_once(engine: SearchEngine) -> None:
    committer = Committer(engine, interval=3600, batch=2)
    committer.start()
    try:
        client = falcon.testing.TestClient(create_app(engine, SETTINGS, on_write=committer.notify))
        put(client, "b1", {"title": "One"})
        put(client, "b2", {"title": "Two"})
        assert wait_for(lambda: engine.pending == 0)
        assert client.simulate_get("/documents/b2").status_code == 200
    finally:
        committer.stop()


def test_committer_plans_a_commit_at_the_interval_or_the_batch(engine: SearchEngine) -> None:
    committer = Committer(engine, interval=10.0, batch=3)
    # Nothing pending: wait idle, nothing due.
    assert committer.plan(0, 100.0, None) == (None, 10.0)
    # The first write makes a commit due one interval later; below the batch, wait for it.
    assert committer.plan(1, 100.0, None) == (110.0, 10.0)
    assert committer.plan(2, 104.0, 110.0) == (110.0, 6.0)
    # Due, or a full batch: commit now.
    assert committer.plan(2, 110.0, 110.0) == (110.0, None)
    assert committer.plan(3, 101.0, 110.0) == (110.0, None)


def test_importing_searchsvc_does_not_import_the_web_stack() -> None:
    code = "import sys, searchsvc; print(sorted(m for m in ('falcon', 'waitress') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
