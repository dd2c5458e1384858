"""Every id that can be stored is reachable at ``/documents/{id}``; every other id is refused.

Ids are stored exactly as sent, never stripped. The rules live in the document model
(:func:`searchsvc.documents.document_id`), so every write path (PUT, bulk, the library,
the readers of the CLI) applies the same ones.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.documents import MAX_ID_LENGTH, document_id, normalize_document
from searchsvc.errors import InvalidDocument
from searchsvc.ingest import read_records
from searchsvc.ingest.records import one_line

KEY = "ids-key"
AUTH = {"Authorization": f"Bearer {KEY}"}

#: Ids a URL only carries when encoded: slashes (also at the ends and doubled), the
#: characters that end a path (?, #), the escape character, blanks inside, Unicode.
REACHABLE = [
    "a/b",
    "trail/",
    "trail2/",
    "/lead",
    "a//b",
    "/",
    "//",
    "100%",
    "%2F",
    "%20padded%20",
    "what?",
    "#hash",
    "a?b#c%d&e=f",
    "a b",
    "a\u00a0b",
    "київ/новини",
    "日本語",
    "emoji 😀",
    "a+b;c,d",
    "back\\slash",
    "...",
    ".hidden",
    "a/./b",
    "a/../b",
    "news/2024/a.txt",
    "x" * MAX_ID_LENGTH,
    "é" * MAX_ID_LENGTH,
    "42",
]

#: Ids refused, and what the refusal quotes of what was sent.
REFUSED: list[tuple[Any, str]] = [
    ("", "field 'id' must not be empty"),
    ("   ", "field 'id' must not be empty, got '   '"),
    (" padded ", "field 'id' ' padded ' starts or ends with a blank, which ids may not"),
    ("trail ", "field 'id' 'trail ' starts or ends with a blank, which ids may not"),
    ("\tx", "field 'id' '\\tx' starts or ends with a blank, which ids may not"),
    ("x\n", "field 'id' 'x\\n' starts or ends with a blank, which ids may not"),
    ("\u3000x", "field 'id' '\\u3000x' starts or ends with a blank, which ids may not"),
    ("a\x00b", "field 'id' 'a\\x00b' holds the character U+0000, which ids may not"),
    ("a\nb", "field 'id' 'a\\nb' holds the character U+000A, which ids may not"),
    ("a\x7fb", "field 'id' 'a\\x7fb' holds the character U+007F, which ids may not"),
    ("a\x85b", "field 'id' 'a\\x85b' holds the character U+0085, which ids may not"),
    ("a\ud800b", "field 'id' 'a\\ud800b' holds the character U+D800, which ids may not"),
    (".", "field 'id' cannot be '.': URLs read it as a step of the path, not a name"),
    ("..", "field 'id' cannot be '..': URLs read it as a step of the path, not a name"),
    ("x" * (MAX_ID_LENGTH + 1), f"field 'id' is longer than {MAX_ID_LENGTH} characters (513: 'xxxx"),
    (True, "field 'id' must be a string, got bool"),
    (1.5, "field 'id' must be a string, got float"),
    (["a"], "field 'id' must be a string, got list"),
    (None, "missing required field 'id'"),
]


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        yield engine


@pytest.fixture
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, Settings(api_key=KEY, max_batch_documents=100)))


def url(doc_id: str) -> str:
    """The path of a document, its id URL-encoded as a client encodes one path segment."""
    return "/documents/" + urllib.parse.quote(doc_id, safe="")


def error_of(result: falcon.testing.Result) -> dict[str, Any]:
    assert result.headers["content-type"] == "application/json"
    assert set(result.json) == {"error"} and set(result.json["error"]) == {"status", "code", "message"}
    assert result.json["error"]["status"] == result.status_code
    error: dict[str, Any] = result.json["error"]
    return error


# -- the model ------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", REACHABLE)
def test_an_id_is_kept_exactly_as_sent(doc_id: str) -> None:
    assert document_id(doc_id) == doc_id
    assert normalize_document({"id": doc_id})["id"] == doc_id


def test_an_integer_id_is_stored_as_its_text() -> None:
    assert normalize_document({"id": 42}) == {"id": "42"}


@pytest.mark.parametrize("field", ["id", "title"])
def test_an_integer_python_cannot_write_is_refused(field: str) -> None:
    # str() refuses integers of more than 4300 digits: a refusal, not a ValueError.
    with pytest.raises(InvalidDocument, match=f"field '{field}' is a number too long to store as text"):
        normalize_document({"id": "a", field: 10**5000})


@pytest.mark.parametrize(("doc_id", "message"), REFUSED)
def test_a_bad_id_is_refused_quoting_what_was_sent(doc_id: Any, message: str) -> None:
    with pytest.raises(InvalidDocument) as raised:
        normalize_document({"id": doc_id, "title": "x"})
    assert raised.value.message.startswith(message)
    assert raised.value.details == {"field": "id"}


# -- the library and the readers of the CLI --------------------------------------------------


def test_the_library_refuses_bad_ids_and_stages_nothing(engine: SearchEngine) -> None:
    with pytest.raises(InvalidDocument, match="starts or ends with a blank"):
        engine.add({"id": "a ", "title": "x"}, strict=True)
    summary = engine.add([{"id": " a"}, {"id": "a\x00"}, {"id": "."}, {"id": "ok/"}])
    assert (summary.added, summary.rejected) == (1, 3)
    assert [r.id for r in summary.rejections] == [" a", "a\x00", "."]
    assert engine.pending == 1
    engine.commit()
    assert engine.get("ok/") == {"id": "ok/"}


def test_a_file_name_that_is_not_an_id_is_a_rejection(tmp_path: Path) -> None:
    (tmp_path / "fine name.txt").write_text("Title\n\nBody text.\n")
    (tmp_path / " leading.txt").write_text("Title\n\nBody text.\n")
    records = list(read_records([tmp_path]))
    assert [(r.document or {}).get("id") for r in records] == [None, "fine name.txt"]
    assert records[0].error == "field 'id' ' leading.txt' starts or ends with a blank, which ids may not"


# -- HTTP --------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc_id", REACHABLE)
def test_put_get_delete_round_trip(client: falcon.testing.TestClient, doc_id: str) -> None:
    put = client.simulate_put(
        url(doc_id), json={"title": "Round trip"}, headers=AUTH, params={"commit": "true"}
    )
    assert put.status_code == 200, put.text
    got = client.simulate_get(url(doc_id))
    assert (got.status_code, got.json) == (200, {"id": doc_id, "title": "Round trip"})
    [hit] = client.simulate_get("/search", params={"q": "round"}).json["hits"]
    assert hit["id"] == doc_id
    deleted = client.simulate_delete(url(doc_id), headers=AUTH, params={"commit": "true"})
    assert (deleted.status_code, deleted.json["deleted"]) == (200, 1)
    assert client.simulate_get(url(doc_id)).status_code == 404


def test_a_trailing_slash_is_part_of_the_id(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    # It used to be stripped: PUT /documents/trail%2F stored "trail".
    assert client.simulate_put("/documents/trail%2F", json={}, headers=AUTH).status_code == 200
    engine.commit()
    assert client.simulate_get("/documents/trail%2F").json == {"id": "trail/"}
    assert client.simulate_get("/documents/trail/").json == {"id": "trail/"}
    assert client.simulate_get("/documents/trail").status_code == 404


def test_a_padded_id_is_refused_not_stripped(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    # It used to be stored as "padded", which GET /documents/%20padded%20 then did not find.
    result = client.simulate_put("/documents/%20padded%20", json={"title": "x"}, headers=AUTH)
    assert result.status_code == 422
    assert error_of(result) == {
        "status": 422,
        "code": "invalid_document",
        "message": "field 'id' ' padded ' starts or ends with a blank, which ids may not",
    }
    assert engine.pending == 0
    # An id in the body is compared as sent, not stripped.
    result = client.simulate_put("/documents/padded", json={"id": "padded "}, headers=AUTH)
    assert error_of(result)["message"] == "the id in the body is not the id in the path"


@pytest.mark.parametrize(
    ("doc_id", "message"), [(i, m) for i, m in REFUSED if isinstance(i, str) and i and "\ud800" not in i]
)
def test_put_refuses_bad_ids_with_the_error_shape(
    client: falcon.testing.TestClient, engine: SearchEngine, doc_id: str, message: str
) -> None:
    result = client.simulate_put(url(doc_id), json={"title": "x"}, headers=AUTH)
    assert result.status_code == 422, result.text
    error = error_of(result)
    assert error["code"] == "invalid_document"
    # Error messages are one line, their blanks collapsed.
    assert error["message"].startswith(one_line(message))
    assert engine.pending == 0
    assert client.simulate_get(url(doc_id)).status_code == 404


def test_bulk_added_ids_are_reachable(client: falcon.testing.TestClient) -> None:
    docs = [{"id": doc_id, "title": "Bulk"} for doc_id in REACHABLE]
    result = client.simulate_post("/documents", json=docs, headers=AUTH, params={"commit": "true"})
    assert (result.json["added"], result.json["rejected"]) == (len(REACHABLE), 0)
    for doc_id in REACHABLE:
        assert client.simulate_get(url(doc_id)).json["id"] == doc_id
    for doc_id in REACHABLE:
        assert client.simulate_delete(url(doc_id), headers=AUTH).status_code == 200


def test_bulk_reports_each_bad_id_as_sent(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    docs = [{"id": "good/"}, {"id": " padded"}, {"id": "a\x00b"}, {"id": ".."}, {"id": "x" * 513}, {"id": 7}]
    result = client.simulate_post("/documents", json=docs, headers=AUTH)
    assert (result.status_code, result.json["added"], result.json["rejected"]) == (200, 2, 4)
    rejections = result.json["rejections"]
    assert [(r["index"], r["id"]) for r in rejections] == [
        (1, " padded"),
        (2, "a\x00b"),
        (3, ".."),
        (4, "x" * 513),
    ]
    assert all(r["reason"].startswith("field 'id'") for r in rejections)
    engine.commit()
    assert client.simulate_get(url("good/")).status_code == 200
    assert client.simulate_get(url("7")).status_code == 200


def test_ids_written_by_the_library_and_the_cli_are_reachable(engine: SearchEngine) -> None:
    # The CLI's `index` rebuilds an empty index from its readers' documents.
    engine.rebuild([{"id": doc_id, "title": "Indexed"} for doc_id in REACHABLE], procs=1)
    client = falcon.testing.TestClient(create_app(engine, Settings(api_key=KEY)))
    for doc_id in REACHABLE:
        assert client.simulate_get(url(doc_id)).json["id"] == doc_id
        assert client.simulate_delete(url(doc_id), headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/search/", 200),
        ("POST", "/search/", 200),
        ("GET", "/health/", 200),
        ("GET", "/stats/", 200),
        ("GET", "/openapi.json/", 200),
        ("GET", "/documents/", 405),
        ("PUT", "/documents/", 405),
    ],
)
def test_other_paths_take_a_trailing_slash(
    client: falcon.testing.TestClient, method: str, path: str, status: int
) -> None:
    assert client.simulate_request(method, path, headers=AUTH, json={}).status_code == status


def test_bulk_write_takes_a_trailing_slash(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/documents/", json=[{"id": "slashed"}], headers=AUTH)
    assert (result.status_code, result.json["added"]) == (200, 1)
