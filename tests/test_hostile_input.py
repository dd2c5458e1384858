"""Hostile documents and requests: refused at the door, leaving no trace, never blocking a commit.

Every serializer and parser a document meets (orjson in requests, the write log,
the stored document and exports; Python's ``json`` in files) takes the same
documents, because :mod:`searchsvc.jsonvalues` checks each against the limits
they share before anything changes.
"""

from __future__ import annotations

import gzip
import http.client
import json
import signal
import subprocess
import time
import tracemalloc
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_server_e2e import request, start_serve

from searchsvc import SearchEngine, Settings
from searchsvc.api import EXPORT_COUNT_HEADER, create_app
from searchsvc.documents import FIELDS
from searchsvc.errors import InvalidDocument, InvalidParameter
from searchsvc.jsonvalues import MAX_BODY_CONTAINERS, MAX_DEPTH, MAX_INTEGER, MIN_INTEGER, dumps

DURABLE = Settings(durability="request")


def nested(depth: int, leaf: Any = "x") -> Any:
    """A value of ``depth`` levels of lists around ``leaf``."""
    value: Any = leaf
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture
def durable(tmp_path: Path) -> Iterator[SearchEngine]:
    with SearchEngine(tmp_path / "ix", settings=DURABLE, variants=None) as engine:
        yield engine


@pytest.fixture
def client(durable: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(durable, durable.settings))


def put_raw(client: falcon.testing.TestClient, doc_id: str, body: bytes, **headers: str) -> Any:
    return client.simulate_put(
        f"/documents/{doc_id}", body=body, headers={"Content-Type": "application/json", **headers}
    )


# -- the library: refused before anything changes -------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        nested(MAX_DEPTH),  # the document is a level: this is one too many
        nested(300),
        nested(1010),
        nested(100_000),  # deeper than Python's recursion limit
        MAX_INTEGER + 1,
        MIN_INTEGER - 1,
        10**30,
        float("nan"),
        float("inf"),
        "half a pair \ud800",
        {"key \udc80": 1},
        {1: "a key that is not a string"},
        {"when": time},  # not a JSON type at all
        b"bytes",
        [{"x": []}] * 6000,  # too many containers
    ],
    ids=lambda value: type(value).__name__,
)
def test_a_value_no_serializer_takes_is_refused_and_leaves_no_trace(
    durable: SearchEngine, value: Any
) -> None:
    durable.add({"id": "good", "title": "kept"})
    with pytest.raises(InvalidDocument) as raised:
        durable.add({"id": "bad", "title": "t", "extra": value}, strict=True)
    assert raised.value.details.get("field") == "extra"
    assert durable.pending == 1
    # The one good write commits; nothing of the bad one was logged or staged.
    durable.commit()
    assert durable.get("good")["title"] == "kept"
    with pytest.raises(Exception, match="no document"):
        durable.get("bad")


def test_values_at_every_limit_are_stored_and_read_back_identical(durable: SearchEngine) -> None:
    extra = {
        "deep": nested(MAX_DEPTH - 3, {"k": [MAX_INTEGER, MIN_INTEGER, 1.5e-300, -0.0, None, True]}),
        "tuple": (1, "two"),
    }
    durable.add({"id": "edge", **extra}, strict=True)
    durable.commit()
    stored = durable.get("edge")
    assert stored["deep"] == extra["deep"]
    assert stored["tuple"] == [1, "two"]
    assert list(durable.export()) == [stored]


def test_a_bad_document_in_a_batch_is_rejected_alone(durable: SearchEngine) -> None:
    docs = [{"id": f"d{n}", "title": "t"} for n in range(3)] + [{"id": "deep", "extra": nested(300)}]
    summary = durable.add(docs)
    assert (summary.added, summary.rejected) == (3, 1)
    assert "nested more than" in summary.rejections[0].reason
    durable.commit()
    assert len(durable) == 3


def test_tags_may_not_hold_the_value_separator(durable: SearchEngine) -> None:
    with pytest.raises(InvalidDocument, match="U\\+001F"):
        durable.add({"id": "t", "tags": ["a\x1fb"]}, strict=True)
    assert durable.pending == 0


def test_places_are_derived_and_cannot_be_given(durable: SearchEngine) -> None:
    with pytest.raises(InvalidDocument, match="derived"):
        durable.add({"id": "p", "title": "News", "places": ["Kyiv"]}, strict=True)


@pytest.mark.parametrize("char", ["\u200b", "\u200f", "\u202e", "\u2028", "\u2029", "\ufeff", "\u00ad"])
def test_ids_may_not_hold_format_or_separator_characters(durable: SearchEngine, char: str) -> None:
    with pytest.raises(InvalidDocument, match=f"U\\+{ord(char):04X}"):
        durable.add({"id": f"a{char}b"}, strict=True)


# -- HTTP: one parser for documents, refusals before any state ------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH, 300, 1010, 5000])
def test_http_refuses_a_deep_document_and_applies_nothing(
    client: falcon.testing.TestClient, durable: SearchEngine, depth: int
) -> None:
    body = ('{"title": "t", "extra": ' + "[" * depth + "]" * depth + "}").encode()
    answer = put_raw(client, "deep", body)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json["error"]["code"] in ("invalid_document", "invalid_json")
    assert durable.pending == 0
    assert client.simulate_get("/documents/deep").status_code == 404


def test_http_batch_with_one_unloggable_document_stores_only_the_others(
    client: falcon.testing.TestClient, durable: SearchEngine
) -> None:
    docs = [{"id": f"d{n}", "title": "t"} for n in range(3)] + [{"id": "deep", "extra": nested(300)}]
    answer = client.simulate_post("/documents", json=docs, params={"commit": "true"})
    assert answer.status_code == 200
    assert (answer.json["added"], answer.json["rejected"]) == (3, 1)
    assert client.simulate_get("/documents/deep").status_code == 404
    assert len(durable) == 3


@pytest.mark.parametrize("number", ["123456789012345678901234567890", str(MAX_INTEGER + 1), "-1e400"])
@pytest.mark.parametrize("media", ["application/json", "application/x-ndjson"])
def test_numbers_are_read_alike_whichever_way_a_document_comes(
    client: falcon.testing.TestClient, number: str, media: str
) -> None:
    line = f'{{"id": "n", "title": "t", "count": {number}}}'.encode()
    put = put_raw(client, "n", line)
    assert put.status_code in (400, 422), put.text
    bulk = client.simulate_post("/documents", body=line, headers={"Content-Type": media})
    if bulk.status_code == 200:
        assert bulk.json["rejected"] == 1
    else:
        assert bulk.status_code in (400, 422)
    assert client.simulate_get("/documents/n").status_code == 404


def test_a_body_of_many_tiny_arrays_is_refused_before_it_is_parsed(client: falcon.testing.TestClient) -> None:
    body = b"[" + b"[]," * (MAX_BODY_CONTAINERS + 10) + b"[]]"
    for path, method in (("/documents", "POST"), ("/search", "POST"), ("/documents/x", "PUT")):
        tracemalloc.start()
        try:
            answer = client.simulate_request(
                method, path, body=body, headers={"Content-Type": "application/json"}
            )
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert answer.status_code == 413, answer.text
        assert "objects and arrays" in answer.json["error"]["message"]
        # Parsing it would make a list object per "[]" (tens of bytes each): far more than this.
        assert peak < 4 * len(body)


def test_brackets_inside_strings_are_text_not_structure(client: falcon.testing.TestClient) -> None:
    title = "[{" * (MAX_BODY_CONTAINERS // 2 + 10)
    answer = put_raw(client, "brackets", json.dumps({"title": title}).encode())
    assert answer.status_code == 200, answer.text


def test_gzip_bodies_are_read_within_the_limits(durable: SearchEngine) -> None:
    settings = Settings(durability="request", max_body_bytes=100_000)
    client = falcon.testing.TestClient(create_app(durable, settings))
    doc = json.dumps({"title": "gzipped"}).encode()
    answer = put_raw(client, "g", gzip.compress(doc), **{"Content-Encoding": "gzip"})
    assert answer.status_code == 200, answer.text
    assert client.simulate_get("/documents/g").json["title"] == "gzipped"
    bomb = gzip.compress(json.dumps({"title": "x" * 1_000_000}).encode())
    assert len(bomb) < 100_000
    answer = put_raw(client, "bomb", bomb, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    answer = put_raw(client, "br", doc, **{"Content-Encoding": "br"})
    assert answer.status_code == 415
    answer = put_raw(client, "bad", b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert answer.status_code == 400
    assert client.simulate_get("/documents/bomb").status_code == 404


# -- exports: always whole, and verifiably so -----------------------------------------------------


def test_an_export_says_how_many_documents_it_holds(
    client: falcon.testing.TestClient, durable: SearchEngine
) -> None:
    durable.add([{"id": f"e{n}", "title": "t", "n": n} for n in range(25)])
    durable.commit()
    durable.delete("e3")
    durable.commit()
    answer = client.simulate_get("/export")
    lines = answer.content.splitlines()
    assert answer.headers[EXPORT_COUNT_HEADER] == "24"
    assert len(lines) == 24
    assert durable.export().count == 24


def test_stored_values_of_older_versions_still_export() -> None:
    # What older versions stored with json.dumps: integers beyond 64 bits, NaN.
    assert json.loads(dumps({"big": 10**30, "nan": float("nan")})) == {"big": 10**30, "nan": None}


# -- search parameters: bounded lists, linear work ------------------------------------------------


def test_list_parameters_are_capped(durable: SearchEngine, client: falcon.testing.TestClient) -> None:
    many = [f"source:s{n}" for n in range(durable.settings.max_list_values + 1)]
    with pytest.raises(InvalidParameter, match="more than"):
        durable.search("x", filters=many)
    with pytest.raises(InvalidParameter, match="characters"):
        durable.search("x", filters=["source:" + "s" * durable.settings.max_list_length])
    with pytest.raises(InvalidParameter, match="more than"):
        durable.search("x", facets=",".join(["source"] * (durable.settings.max_list_values + 1)))
    # 40,000 values (the size that took 12.7 s) are refused at once.
    answer = client.simulate_post("/search", json={"filter": [f"source:s{n}" for n in range(40_000)]})
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_parameter"
    assert client.simulate_get("/search", params={"filter": many}).status_code == 400


def test_repeated_filter_values_count_once(durable: SearchEngine) -> None:
    durable.add([{"id": "a", "title": "t", "source": "bbc"}, {"id": "b", "title": "t", "source": "dw"}])
    durable.commit()
    result = durable.search("t", filters=["source:bbc", "source:bbc ", "source:dw", "source:bbc"])
    assert {hit.id for hit in result.hits} == {"a", "b"}


# -- any JSON shape: refused without a trace, or stored, committed and read back identical --------

_KNOWN = {field.name for field in FIELDS}
_json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_json_values = st.recursive(
    _json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
_extras = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda name: name not in _KNOWN),
    _json_values | st.integers(min_value=1, max_value=40).map(nested) | st.sampled_from([nested(1010)]),
    max_size=3,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extras=_extras, title=st.text(max_size=20), number=st.integers(min_value=0, max_value=10**6))
def test_any_json_shape_is_refused_without_trace_or_stored_whole(
    client: falcon.testing.TestClient, durable: SearchEngine, extras: dict[str, Any], title: str, number: int
) -> None:
    doc_id = f"doc-{number}"
    body = json.dumps({"title": title, **extras}).encode()
    before = list(durable.export())
    answer = put_raw(client, doc_id, body)
    # No shape may make a commit fail.
    durable.commit()
    after = list(durable.export())
    if answer.status_code != 200:
        assert 400 <= answer.status_code < 500, answer.text
        assert after == before
        return
    stored = client.simulate_get(f"/documents/{doc_id}").json
    expected = {"id": doc_id, **({"title": title.strip()} if title.strip() else {}), **extras}
    assert stored == expected
    assert [doc for doc in after if doc["id"] == doc_id] == [expected]
    exported = client.simulate_get("/export")
    # NDJSON lines end at "\n" alone: a string may hold U+2028 or U+0085 as they are.
    lines = exported.content.split(b"\n")
    assert json.loads(lines[[d["id"] for d in after].index(doc_id)]) == expected


# -- the real server ------------------------------------------------------------------------------


def raw_request(port: int, method: str, target: str, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # putrequest sends the target's bytes as given: %FF stays %FF.
        connection.putrequest(method, target, skip_accept_encoding=True)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def test_serve_keeps_committing_after_a_document_no_serializer_takes(tmp_path: Path) -> None:
    process, port = start_serve(tmp_path / "ix", tmp_path / "serve.log", COMMIT_INTERVAL="0.2")
    base = f"http://127.0.0.1:{port}"
    try:
        deep = ('{"title": "t", "extra": ' + "[" * 1010 + "]" * 1010 + "}").encode()
        status, _answer = raw_request(port, "PUT", "/documents/deep", deep)
        assert 400 <= status < 500
        status, answer = raw_request(port, "PUT", "/documents/bad%FFutf8", b'{"title": "t"}')
        assert (status, answer["error"]["code"]) == (400, "invalid_input")
        status, answer = raw_request(port, "GET", "/search?q=%C0%AF")
        assert status == 400
        assert request(base + "/documents/later", "PUT", {"title": "Written after"})[0] == 200
        # The background committer makes it searchable: it is not stuck on the refused one.
        deadline = time.monotonic() + 30
        while request(base + "/search?q=written")[2]["total"] != 1:
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.05)
        assert request(base + "/documents/deep")[0] == 404
        # The export says how many lines it holds: a cut answer can be told from a whole one.
        with urllib.request.urlopen(base + "/export", timeout=30) as exported:
            lines = exported.read().splitlines()
            assert int(exported.headers[EXPORT_COUNT_HEADER]) == len(lines) >= 2
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=60) == 0
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log
