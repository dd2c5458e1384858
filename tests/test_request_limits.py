"""Every limit of a request, at its edge: one under is taken, one over is refused in the error shape.

The limits: body size, batch size, field length, query length, id length, limit,
offset and facet_size here; the size of the request line and headers, which waitress
enforces, in tests/test_http_contract.py against the real server. Then what a body
that cannot be used gets: invalid JSON 400, a wrong content type 415, a wrong field
type 422 naming the field, and a bulk write that writes its good documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.documents import MAX_ID_LENGTH
from searchsvc.parameters import HTTP_PARAMETERS

KEY = "limits-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
JSON_TYPE = {"Content-Type": "application/json"}
NDJSON_TYPE = {"Content-Type": "application/x-ndjson"}

SETTINGS = Settings(
    api_key=KEY, max_body_bytes=2000, max_batch_documents=4, max_field_length=300, max_query_length=50
)


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add([{"id": f"d{i}", "title": f"news {i}", "source": f"s{i}"} for i in range(3)])
        engine.commit()
        yield engine


@pytest.fixture
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, SETTINGS))


def error_of(result: falcon.testing.Result, status: int, code: str) -> str:
    """The message of an error answer, after checking its status, code and shape."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"] == "application/json"
    body = result.json
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert (body["error"]["status"], body["error"]["code"]) == (status, code)
    message: str = body["error"]["message"]
    return message


def raw(
    client: falcon.testing.TestClient, method: str, path: str, body: bytes, headers: dict[str, str]
) -> Any:
    return client.simulate_request(method, path, body=body, headers={**AUTH, **headers})


# -- body size ---------------------------------------------------------------------------------


def padded_json(size: int) -> bytes:
    """A JSON document of exactly ``size`` bytes."""
    body = json.dumps({"title": ""}).encode()
    return json.dumps({"title": "x" * (size - len(body))}).encode()


@pytest.mark.parametrize(("method", "path"), [("PUT", "/documents/big"), ("POST", "/documents")])
def test_body_size_limit(
    client: falcon.testing.TestClient, engine: SearchEngine, method: str, path: str
) -> None:
    limit = SETTINGS.max_body_bytes
    over = raw(client, method, path, b" " * (limit - 1) + b"{}\n", JSON_TYPE)
    assert (
        error_of(over, 413, "limit_exceeded") == f"the body is {limit + 2} bytes; the limit is {limit} bytes"
    )
    assert engine.pending == 0
    at_limit = raw(client, method, path, b" " * (limit - 2) + b"{}", JSON_TYPE)
    # Under the size limit, the body is read: (an empty object has no id for a bulk write).
    assert at_limit.status_code == 200, at_limit.text


def test_search_body_size_limit(client: falcon.testing.TestClient) -> None:
    limit = SETTINGS.max_body_bytes
    body = json.dumps({"q": "news"}).encode()
    assert raw(client, "POST", "/search", body + b" " * (limit - len(body)), JSON_TYPE).status_code == 200
    over = raw(client, "POST", "/search", body + b" " * (limit - len(body) + 1), JSON_TYPE)
    error_of(over, 413, "limit_exceeded")


# -- batch size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("media", ["json", "ndjson"])
def test_batch_size_limit(client: falcon.testing.TestClient, engine: SearchEngine, media: str) -> None:
    limit = SETTINGS.max_batch_documents

    def body(count: int) -> tuple[bytes, dict[str, str]]:
        docs = [{"id": f"b{i}"} for i in range(count)]
        if media == "json":
            return json.dumps(docs).encode(), JSON_TYPE
        return "\n".join(json.dumps(d) for d in docs).encode(), NDJSON_TYPE

    over = raw(client, "POST", "/documents", *body(limit + 1))
    message = error_of(over, 413, "limit_exceeded")
    assert message == f"the body holds more than {limit} documents; send them in several requests"
    assert engine.pending == 0
    assert raw(client, "POST", "/documents", *body(limit)).json["added"] == limit


# -- field length ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "body", "source", "custom"])
def test_field_length_limit(client: falcon.testing.TestClient, engine: SearchEngine, field: str) -> None:
    limit = SETTINGS.max_field_length
    ok = client.simulate_put("/documents/f", json={field: "x" * limit}, headers=AUTH)
    assert ok.status_code == 200
    over = client.simulate_put("/documents/f", json={field: "x" * (limit + 1)}, headers=AUTH)
    message = error_of(over, 422, "invalid_document")
    assert message == f"field {field!r} is longer than the limit of {limit} characters"
    bulk = client.simulate_post("/documents", json=[{"id": "g", field: "x" * (limit + 1)}], headers=AUTH)
    assert [r["reason"] for r in bulk.json["rejections"]] == [message]


def test_a_tag_list_longer_than_the_body_limit_is_refused_by_size(client: falcon.testing.TestClient) -> None:
    result = client.simulate_put("/documents/t", json={"tags": ["tag"] * 1000}, headers=AUTH)
    error_of(result, 413, "limit_exceeded")


# -- query length ---------------------------------------------------------------------------------


def test_query_length_limit(client: falcon.testing.TestClient) -> None:
    limit = SETTINGS.max_query_length
    assert client.simulate_get("/search", params={"q": "n" * limit}).status_code == 200
    assert client.simulate_post("/search", json={"q": "n" * limit}).status_code == 200
    message = f"the query is longer than {limit} characters"
    assert error_of(
        client.simulate_get("/search", params={"q": "n" * (limit + 1)}), 400, "invalid_parameter"
    ) == (message)
    assert error_of(
        client.simulate_post("/search", json={"q": "n" * (limit + 1)}), 400, "invalid_parameter"
    ) == (message)


# -- id length -------------------------------------------------------------------------------------


def test_id_length_limit(engine: SearchEngine) -> None:
    # An id is a field too: here max_field_length must not be what refuses it.
    client = falcon.testing.TestClient(create_app(engine, SETTINGS.replace(max_field_length=1000)))
    longest = "i" * MAX_ID_LENGTH
    assert client.simulate_put(f"/documents/{longest}", json={}, headers=AUTH).status_code == 200
    over = client.simulate_put(f"/documents/{longest}i", json={}, headers=AUTH)
    message = error_of(over, 422, "invalid_document")
    assert message.startswith(f"field 'id' is longer than {MAX_ID_LENGTH} characters (513: 'iii")
    bulk = client.simulate_post("/documents", json=[{"id": longest + "i"}, {"id": longest}], headers=AUTH)
    assert (bulk.json["updated"], bulk.json["rejected"]) == (1, 1)


# -- limit, offset, facet_size -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["limit", "offset", "facet_size"])
def test_paging_and_facet_limits(client: falcon.testing.TestClient, name: str) -> None:
    param = HTTP_PARAMETERS[name]
    assert param.minimum is not None and param.maximum is not None
    extra = {"facets": "source"} if name == "facet_size" else {}
    for value in (param.minimum, param.maximum):
        assert client.simulate_get("/search", params={name: str(value), **extra}).status_code == 200
        assert client.simulate_post("/search", json={name: value, **extra}).status_code == 200
    expected = f"{name} must be an integer from {param.minimum} to {param.maximum}"
    for value in (param.minimum - 1, param.maximum + 1):
        message = error_of(
            client.simulate_get("/search", params={name: str(value)}), 400, "invalid_parameter"
        )
        assert message == f"{expected}, got {value}"
        message = error_of(client.simulate_post("/search", json={name: value}), 400, "invalid_parameter")
        assert message == f"{expected}, got {value}"


def test_facet_size_cuts_the_buckets(client: falcon.testing.TestClient) -> None:
    body = client.simulate_get("/search", params={"facets": "source", "facet_size": "2"}).json
    assert (len(body["facets"]["source"]), body["facets_truncated"]["source"]) == (2, True)


def test_offset_past_the_hits_is_an_empty_page(client: falcon.testing.TestClient) -> None:
    body = client.simulate_get("/search", params={"offset": "10000"}).json
    assert (body["total"], body["hits"]) == (3, [])


# -- bodies that cannot be used --------------------------------------------------------------------

WRITES_AND_SEARCH = [("PUT", "/documents/x"), ("POST", "/documents"), ("POST", "/search")]


@pytest.mark.parametrize(("method", "path"), WRITES_AND_SEARCH)
@pytest.mark.parametrize("body", [b"{", b"[1,", b'{"title": "x",}', b"nul", b"{'a': 1}", b"\xff\xfe"])
def test_invalid_json_is_400(
    client: falcon.testing.TestClient, engine: SearchEngine, method: str, path: str, body: bytes
) -> None:
    message = error_of(raw(client, method, path, body, JSON_TYPE), 400, "invalid_json")
    assert message.startswith("the body is not valid JSON")
    assert engine.pending == 0


@pytest.mark.parametrize(("method", "path"), WRITES_AND_SEARCH)
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded", "text/csv",
     "application/json; charset=latin-1"],
)  # fmt: skip
def test_a_wrong_content_type_is_415(
    client: falcon.testing.TestClient, engine: SearchEngine, method: str, path: str, content_type: str
) -> None:
    result = raw(client, method, path, b'{"id": "x"}', {"Content-Type": content_type})
    error_of(result, 415, "unsupported_media_type")
    assert engine.pending == 0


@pytest.mark.parametrize(("method", "path"), [("PUT", "/documents/x"), ("POST", "/documents")])
def test_a_body_without_content_type_is_415(
    client: falcon.testing.TestClient, method: str, path: str
) -> None:
    message = error_of(raw(client, method, path, b'{"id": "x"}', {}), 415, "unsupported_media_type")
    assert message.startswith("the body needs a Content-Type")


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"title": {"a": 1}}, "title", "field 'title' must be a string, got dict"),
        ({"body": ["x"]}, "body", "field 'body' must be a string, got list"),
        ({"lead": True}, "lead", "field 'lead' must be a string, got bool"),
        ({"source": 1e400}, "source", None),
        ({"tags": 5}, "tags", "field 'tags' must be a list of strings, got int"),
        ({"tags": ["a", 1]}, "tags", "field 'tags' must be a list of strings, got an item of type int"),
        ({"date": 20240101}, "date", "date: expected an ISO 8601 string, got int"),
        ({"date": "yesterday"}, "date", None),
        ({"id": True}, "id", "the id in the body is not the id in the path"),
    ],
)
def test_a_wrong_field_type_is_422_naming_the_field(
    client: falcon.testing.TestClient,
    engine: SearchEngine,
    doc: dict[str, Any],
    field: str,
    message: str | None,
) -> None:
    body = json.dumps(doc).encode() if field != "source" else b'{"source": 1e400}'
    result = raw(client, "PUT", "/documents/x", body, JSON_TYPE)
    if result.status_code == 400:
        # 1e400 is not a JSON number orjson reads: it is refused as JSON.
        error_of(result, 400, "invalid_json")
        return
    text = error_of(result, 422, "invalid_document")
    assert field in text
    if message is not None:
        assert text == message
    assert engine.pending == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": "5"}, "limit must be an integer"),
        ({"highlight": "yes"}, "highlight must be true or false"),
        ({"q": ["a"]}, "q must be a string"),
        ({"facets": 5}, "facets must be a list of field names or a comma-separated string"),
    ],
)
def test_a_wrong_search_parameter_type_is_400_naming_it(
    client: falcon.testing.TestClient, body: dict[str, Any], message: str
) -> None:
    assert error_of(client.simulate_post("/search", json=body), 400, "invalid_parameter") == message


# -- a bulk write with some bad documents ------------------------------------------------------------


def test_bulk_writes_the_good_documents_and_reports_each_bad_one(
    client: falcon.testing.TestClient, engine: SearchEngine
) -> None:
    docs: list[Any] = [
        {"id": "good-1", "title": "Good one"},
        {"id": "bad-tags", "tags": 7},
        "not an object",
        {"id": "good-2", "title": "Good two", "date": "2024-01-01"},
    ]
    result = client.simulate_post("/documents", json=docs, headers=AUTH, params={"commit": "true"})
    assert result.status_code == 200
    answer = result.json
    assert (answer["accepted"], answer["rejected"], answer["committed"]) == (2, 2, True)
    assert [(r["index"], r["id"], r["reason"]) for r in answer["rejections"]] == [
        (1, "bad-tags", "field 'tags' must be a list of strings, got int"),
        (2, None, "a document must be a JSON object, got string"),
    ]
    for doc_id in ("good-1", "good-2"):
        assert client.simulate_get(f"/documents/{doc_id}").status_code == 200
    assert client.simulate_get("/documents/bad-tags").status_code == 404
    assert client.simulate_get("/search", params={"q": "good"}).json["total"] == 2


def test_bulk_ndjson_writes_the_good_lines_and_reports_each_bad_one(
    client: falcon.testing.TestClient, engine: SearchEngine
) -> None:
    lines = [
        '{"id": "n-1", "title": "Line one"}',
        '{"id": "n-2", "title": ',
        '{"id": " n-3"}',
        '{"id": "n-4", "title": "Line four"}',
    ]
    assert len(lines) == SETTINGS.max_batch_documents
    result = raw(client, "POST", "/documents", "\n".join(lines).encode(), NDJSON_TYPE)
    answer = result.json
    assert (answer["accepted"], answer["rejected"]) == (2, 2)
    assert [(r["line"], r["reason"]) for r in answer["rejections"]] == [
        (2, "invalid JSON: Expecting value at column 24"),
        (3, "field 'id' ' n-3' starts or ends with a blank, which ids may not"),
    ]
    engine.commit()
    statuses = [client.simulate_get(f"/documents/n-{i}").status_code for i in range(1, 5)]
    assert statuses == [200, 404, 404, 200]


def test_a_number_of_thousands_of_digits_is_a_bad_line_not_a_crash(engine: SearchEngine) -> None:
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    huge = b'{"id": "a", "n": ' + b"9" * 5000 + b"}"
    body = huge + b'\n{"id": "b", "title": "ok"}\n'
    result = client.simulate_post("/documents", body=body, headers={"Content-Type": "application/x-ndjson"})
    assert result.status_code == 200
    assert result.json["accepted"] == 1
    assert result.json["rejections"][0]["reason"] == "invalid JSON: a number with too many digits"
