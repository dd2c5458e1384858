"""Keys, exposure, CORS and what answers and logs may show.

- Writes need the API key whenever one is set; with a read key, reads need it (or the
  API key). Keys are compared in constant time and never logged.
- ``serve`` refuses an address beyond loopback without an API key, unless allowed.
- CORS is off unless origins are configured, and then only for those origins.
- No answer shows a file-system path or a traceback; the access log holds no keys
  and no document bodies.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from click.testing import CliRunner
from test_cli_contract import searchsvc

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.errors import (
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexNotWritable,
    InvalidParameter,
    SearchIndexError,
)
from searchsvc.server import check_serving, is_loopback, serve, serve_workers

WRITE_KEY = "write-key-0123456789"
READ_KEY = "read-key-9876543210"
DOCS = [{"id": "kyiv", "title": "Kyiv metro", "body": "Trains run late."}]

READS = [("GET", "/search"), ("POST", "/search"), ("GET", "/documents/kyiv"), ("GET", "/stats")]
OPEN = [("GET", "/health"), ("HEAD", "/health"), ("GET", "/openapi.json")]
WRITES: list[tuple[str, str, Any]] = [
    ("PUT", "/documents/new", {"title": "New"}),
    ("POST", "/documents", [{"id": "new"}]),
    ("DELETE", "/documents/kyiv", None),
]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


def client_of(engine: SearchEngine, **settings: Any) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, Settings(**settings)))


def error_of(result: falcon.testing.Result) -> dict[str, Any]:
    assert result.headers["content-type"] == "application/json"
    assert set(result.json) == {"error"} and result.json["error"]["status"] == result.status_code
    error: dict[str, Any] = result.json["error"]
    return error


# -- keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("key", [None, READ_KEY, "wrong"])
def test_writes_need_the_api_key_and_no_other(
    engine: SearchEngine, method: str, path: str, body: Any, key: str | None
) -> None:
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY)
    result = client.simulate_request(method, path, json=body, headers=bearer(key) if key else {})
    assert (result.status_code, error_of(result)["code"]) == (401, "unauthorized")
    assert result.headers["www-authenticate"].startswith('Bearer realm="searchsvc"')
    assert engine.pending == 0
    ok = client.simulate_request(method, path, json=body, headers=bearer(WRITE_KEY))
    assert ok.status_code == 200


@pytest.mark.parametrize(("method", "path"), READS)
def test_with_a_read_key_reads_need_it_or_the_api_key(engine: SearchEngine, method: str, path: str) -> None:
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY)
    missing = client.simulate_request(method, path)
    assert (missing.status_code, error_of(missing)["code"]) == (401, "unauthorized")
    assert (
        error_of(missing)["message"] == "this endpoint needs the read key: send 'Authorization: Bearer KEY'"
    )
    assert missing.headers["www-authenticate"] == 'Bearer realm="searchsvc"'
    wrong = client.simulate_request(method, path, headers=bearer("wrong"))
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == 'Bearer realm="searchsvc", error="invalid_token"'
    assert (
        client.simulate_request(method, path, headers={"Authorization": f"Basic {READ_KEY}"}).status_code
        == 401
    )
    for key in (READ_KEY, WRITE_KEY):
        assert client.simulate_request(method, path, headers=bearer(key)).status_code == 200


@pytest.mark.parametrize(("method", "path"), OPEN)
def test_health_and_the_api_description_stay_open(engine: SearchEngine, method: str, path: str) -> None:
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY)
    assert client.simulate_request(method, path).status_code == 200


@pytest.mark.parametrize(("method", "path"), READS)
def test_without_a_read_key_reads_are_open(engine: SearchEngine, method: str, path: str) -> None:
    client = client_of(engine, api_key=WRITE_KEY)
    assert client.simulate_request(method, path).status_code == 200


def test_a_read_key_alone_guards_reads_and_leaves_writes_open(engine: SearchEngine) -> None:
    client = client_of(engine, read_key=READ_KEY)
    assert client.simulate_get("/search").status_code == 401
    assert client.simulate_put("/documents/new", json={}).status_code == 200


def test_keys_are_compared_in_constant_time(engine: SearchEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(given: bytes, key: bytes) -> bool:
        compared.append((given, key))
        return real(given, key)

    monkeypatch.setattr("searchsvc.api.hmac.compare_digest", spy)
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY)
    client.simulate_get("/search", headers=bearer("guess"))
    # A read is compared with both keys, whichever matches: the time does not tell which.
    assert compared == [(b"guess", READ_KEY.encode()), (b"guess", WRITE_KEY.encode())]
    compared.clear()
    client.simulate_put("/documents/x", json={}, headers=bearer(READ_KEY))
    assert compared == [(READ_KEY.encode(), WRITE_KEY.encode())]


def test_keys_are_not_in_the_settings_repr() -> None:
    text = repr(Settings(api_key=WRITE_KEY, read_key=READ_KEY))
    assert WRITE_KEY not in text and READ_KEY not in text
    assert "api_key" not in text and "read_key" not in text


def test_the_openapi_document_says_which_reads_need_a_key(engine: SearchEngine) -> None:
    spec = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY).simulate_get("/openapi.json").json
    assert set(spec["components"]["securitySchemes"]) == {"bearerAuth", "readKey"}
    for method, path in READS:
        operation = spec["paths"][path.replace("kyiv", "{id}")][method.lower()]
        assert operation["security"] == [{"readKey": []}, {"bearerAuth": []}]
        assert "401" in operation["responses"]
    for method, path in OPEN:
        operation = spec["paths"][path][method.lower()]
        assert "security" not in operation and "401" not in operation["responses"]
    assert "read key" in spec["info"]["description"]
    open_spec = client_of(engine, api_key=WRITE_KEY).simulate_get("/openapi.json").json
    assert set(open_spec["components"]["securitySchemes"]) == {"bearerAuth"}
    assert "security" not in open_spec["paths"]["/search"]["get"]
    assert "401" not in open_spec["paths"]["/search"]["get"]["responses"]


# -- serving beyond loopback ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("10.0.0.5", False),
        ("192.168.1.2", False),
        ("fe80::1", False),
        ("example.com", False),
        ("localhost.example.com", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_server_beyond_loopback_needs_a_key_or_a_waiver() -> None:
    with pytest.raises(InvalidParameter, match="^refusing to serve on '0.0.0.0' without an API key"):
        check_serving(Settings(host="0.0.0.0"))
    check_serving(Settings(host="0.0.0.0", api_key=WRITE_KEY))
    check_serving(Settings(host="0.0.0.0", allow_unauthenticated_writes=True))
    check_serving(Settings(host="127.0.0.1"))


def test_the_library_server_refuses_before_it_binds(engine: SearchEngine) -> None:
    settings = Settings(host="0.0.0.0", port=1)
    with pytest.raises(InvalidParameter, match="refusing to serve"):
        serve(engine, settings, log=lambda line: None)
    with pytest.raises(InvalidParameter, match="refusing to serve"):
        serve_workers(lambda: engine, settings.replace(workers=2), log=lambda line: None)


def test_the_waiver_is_a_setting_read_from_the_environment() -> None:
    env = "SEARCHSVC_ALLOW_UNAUTHENTICATED_WRITES"
    assert Settings.from_env({env: "true"}).allow_unauthenticated_writes is True
    assert Settings.from_env({env: "0"}).allow_unauthenticated_writes is False
    assert Settings().allow_unauthenticated_writes is False
    with pytest.raises(InvalidParameter, match=f"{env}='maybe' is not a valid bool"):
        Settings.from_env({env: "maybe"})
    with pytest.raises(InvalidParameter, match="must be true or false, got 1"):
        Settings(allow_unauthenticated_writes=1)  # type: ignore[arg-type]


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    with SearchEngine(tmp_path / "index", variants=None) as engine:
        engine.add(DOCS)
    return tmp_path / "index"


def test_serve_refuses_in_one_line(index_dir: Path) -> None:
    result = searchsvc(
        "--index-dir", str(index_dir), "serve", "--host", "0.0.0.0", "--port", "1", cwd=index_dir
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: refusing to serve on '0.0.0.0' without an API key")


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--allow-unauthenticated-writes"], {}),
        ([], {"SEARCHSVC_ALLOW_UNAUTHENTICATED_WRITES": "yes"}),
        (["--api-key", WRITE_KEY], {}),
    ],
)
def test_serve_starts_with_a_key_or_the_waiver(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str]
) -> None:
    started: list[Settings] = []
    monkeypatch.setattr(
        "searchsvc.server.serve_workers", lambda open_engine, settings: started.append(settings)
    )
    for name in [n for n in os.environ if n.startswith("SEARCHSVC_")]:
        monkeypatch.delenv(name)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--index-dir", str(index_dir), "serve", "--host", "0.0.0.0", *args],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    [settings] = started
    assert settings.host == "0.0.0.0"


def test_serve_takes_a_read_key_and_origins(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Settings] = []
    monkeypatch.setattr(
        "searchsvc.server.serve_workers", lambda open_engine, settings: started.append(settings)
    )
    args = [
        "--index-dir",
        str(index_dir),
        "serve",
        "--read-key",
        READ_KEY,
        "--cors-origins",
        "https://a.example",
    ]
    result = CliRunner().invoke(cli, args, env={"SEARCHSVC_API_KEY": WRITE_KEY}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [settings] = started
    assert (settings.read_key, settings.api_key, settings.cors_origins) == (
        READ_KEY,
        WRITE_KEY,
        "https://a.example",
    )
    assert WRITE_KEY not in result.output and READ_KEY not in result.output


def test_serve_refuses_origins_that_are_not_origins(index_dir: Path) -> None:
    result = searchsvc(
        "--index-dir", str(index_dir), "serve", "--cors-origins", "https://a.example/", cwd=index_dir
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "cors_origins: 'https://a.example/' is not an origin" in result.stderr
    assert "without the trailing '/'" in result.stderr


# -- CORS ----------------------------------------------------------------------------------------

ORIGIN_A = "https://a.example"
ORIGIN_B = "http://b.example:8080"
PREFLIGHT = {
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization,content-type",
}


def test_cors_is_off_unless_configured(engine: SearchEngine) -> None:
    client = client_of(engine)
    result = client.simulate_get("/search", headers={"Origin": ORIGIN_A})
    assert result.status_code == 200
    assert not [name for name in result.headers if name.lower().startswith("access-control-")]
    preflight = client.simulate_options("/documents/x", headers={"Origin": ORIGIN_A, **PREFLIGHT})
    assert not [name for name in preflight.headers if name.lower().startswith("access-control-")]


def test_cors_answers_listed_origins_only(engine: SearchEngine) -> None:
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY, cors_origins=f"{ORIGIN_A}, {ORIGIN_B}")
    for origin in (ORIGIN_A, ORIGIN_B):
        result = client.simulate_get("/search", headers={"Origin": origin, **bearer(READ_KEY)})
        assert result.headers["access-control-allow-origin"] == origin
        assert "Origin" in result.headers["vary"]
        assert "X-Request-Id" in result.headers["access-control-expose-headers"]
        assert "access-control-allow-credentials" not in result.headers
    # Errors carry it too, so that a browser can read why it was refused.
    refused = client.simulate_get("/search", headers={"Origin": ORIGIN_A})
    assert (refused.status_code, refused.headers["access-control-allow-origin"]) == (401, ORIGIN_A)
    other = client.simulate_get("/search", headers={"Origin": "https://evil.example", **bearer(READ_KEY)})
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    assert "Origin" in other.headers["vary"]


def test_cors_preflight_for_listed_origins(engine: SearchEngine) -> None:
    # A preflight carries no credentials: it is answered even when reads and writes need keys.
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY, cors_origins=ORIGIN_A)
    result = client.simulate_options("/documents/x%2F", headers={"Origin": ORIGIN_A, **PREFLIGHT})
    assert result.status_code == 200
    assert result.headers["access-control-allow-origin"] == ORIGIN_A
    assert set(result.headers["access-control-allow-methods"].split(", ")) >= {"GET", "PUT", "DELETE"}
    assert result.headers["access-control-allow-headers"] == "authorization,content-type"
    assert int(result.headers["access-control-max-age"]) > 0
    other = client.simulate_options("/documents/x", headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert not [name for name in other.headers if name.lower().startswith("access-control-")]
    search = client.simulate_options(
        "/search", headers={"Origin": ORIGIN_A, **PREFLIGHT, "Access-Control-Request-Method": "POST"}
    )
    assert "POST" in search.headers["access-control-allow-methods"]


def test_cors_any_origin(engine: SearchEngine) -> None:
    client = client_of(engine, cors_origins="*")
    result = client.simulate_get("/health", headers={"Origin": "https://anyone.example"})
    assert result.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("https://a.example/", "cors_origins: 'https://a.example/' is not an origin"),
        ("a.example", "cors_origins: 'a.example' is not an origin"),
        ("https://a.example/path", "is not an origin"),
        ("*, https://a.example", "cors_origins: '*' allows every origin; give it alone"),
    ],
)
def test_origins_that_are_not_origins_are_refused(engine: SearchEngine, value: str, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message.replace("*", r"\*")):
        create_app(engine, Settings(cors_origins=value))


# -- no paths, no tracebacks ----------------------------------------------------------------------


def test_a_missing_index_folder_shows_no_path(tmp_path: Path, caplog: Any) -> None:
    folder = tmp_path / "private-folder-name"
    engine = SearchEngine(folder / "index", variants=None)
    try:
        engine.add(DOCS)
        engine.commit()
        client = client_of(engine)
        shutil.rmtree(folder)
        with caplog.at_level(logging.ERROR, logger="searchsvc.api"):
            answers = [
                client.simulate_put("/documents/b", json={"title": "b"}, params={"commit": "true"}),
                client.simulate_get("/search", params={"q": "kyiv"}),
                client.simulate_get("/documents/kyiv"),
                client.simulate_get("/stats"),
                client.simulate_get("/health"),
            ]
    finally:
        # The write staged above cannot be committed anywhere.
        with contextlib.suppress(SearchIndexError):
            engine.close()
    for result in answers:
        assert result.status_code == 503, result.text
        error = error_of(result)
        assert error["code"].startswith("index_")
        assert error["message"] == "the service cannot answer now; the server log has the details"
        assert "private-folder-name" not in result.text and "Traceback" not in result.text
    assert caplog.text.count("failed (request ") == len(answers)  # the operator has the details


ERRORS_WITH_PATHS: list[Exception] = [
    IndexCorrupt("cannot read '/srv/private/index/gen-000007/MAIN_x.seg'"),
    IndexNotFound("no index in '/srv/private/index'"),
    IndexNotWritable("cannot write '/srv/private/index': Permission denied"),
    IndexLocked("'/srv/private/index/WRITELOCK' is held by another process"),
    SearchIndexError("cannot open '/srv/private/index'"),
    FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/private/index/x.seg"),
    PermissionError(errno.EACCES, "Permission denied", "/srv/private/index"),
    RuntimeError("boom at /srv/private/searchsvc/engine.py line 12"),
]


@pytest.mark.parametrize("failure", ERRORS_WITH_PATHS, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize(
    ("method", "path", "attribute"),
    [
        ("GET", "/search", "run"),
        ("GET", "/documents/kyiv", "get"),
        ("GET", "/stats", "stats"),
        ("PUT", "/documents/kyiv", "add"),
        ("DELETE", "/documents/kyiv", "delete"),
    ],
)
def test_index_errors_show_no_path_and_no_traceback(
    engine: SearchEngine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: Any,
    failure: Exception,
    method: str,
    path: str,
    attribute: str,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(engine, attribute, broken)
    with caplog.at_level(logging.ERROR, logger="searchsvc.api"):
        result = client_of(engine).simulate_request(method, path, json={"title": "x"})
    assert result.status_code in (409, 500, 503)
    error = error_of(result)
    assert "/srv" not in result.text and "private" not in result.text and "Traceback" not in result.text
    assert ".py" not in result.text and "Errno" not in result.text
    if isinstance(failure, IndexLocked):
        assert (result.status_code, error["message"]) == (409, "Another writer holds the index lock.")
    assert "/srv/private" in caplog.text  # in the server's log, not the answer


# -- the access log --------------------------------------------------------------------------------


def test_no_log_holds_a_key_or_a_document_body(engine: SearchEngine, caplog: Any) -> None:
    secret_title = "Confidential title words"
    secret_body = "the body nobody may log"
    client = client_of(engine, api_key=WRITE_KEY, read_key=READ_KEY)
    doc = {"title": secret_title, "body": secret_body}
    with caplog.at_level(logging.DEBUG):
        client.simulate_put("/documents/s", json=doc, headers=bearer(WRITE_KEY), params={"commit": "true"})
        client.simulate_put("/documents/s", json=doc, headers=bearer(READ_KEY))
        client.simulate_put("/documents/s", json={**doc, "tags": 5}, headers=bearer(WRITE_KEY))
        client.simulate_post(
            "/documents", json=[{"id": "t", **doc}, {"id": 5.5, **doc}], headers=bearer(WRITE_KEY)
        )
        client.simulate_post(
            "/documents",
            body=f'{{"id": "u", "body": "{secret_body}"}}\n{{"id": '.encode(),
            headers={**bearer(WRITE_KEY), "Content-Type": "application/x-ndjson"},
        )
        client.simulate_post("/search", json={"q": "confidential"}, headers=bearer(READ_KEY))
        client.simulate_get("/documents/s", headers=bearer(READ_KEY))
        client.simulate_get("/search", headers=bearer(WRITE_KEY + "x"))
        client.simulate_get("/search", headers={"Authorization": READ_KEY})
    access = [r for r in caplog.records if r.name == "searchsvc.access"]
    assert len(access) == 9
    for secret in (WRITE_KEY, READ_KEY, secret_title, secret_body, "Confidential", "nobody"):
        assert secret not in caplog.text


# -- hosts and origins (DNS rebinding) -------------------------------------------------------------

FOREIGN_HOST = {"Host": "attacker.example:8082"}


def served_client(engine: SearchEngine, **settings: Any) -> falcon.testing.TestClient:
    """A client of the app as ``serve`` makes it, checking hosts."""
    app = create_app(engine, Settings(**settings), check_host=True)
    return falcon.testing.TestClient(app, headers={"Host": "127.0.0.1:8080"})


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST:8080", "127.0.0.1", "127.3.4.5:1", "[::1]:8080", "[::1]", "10.0.0.5:80"],
)
def test_without_a_key_loopback_hosts_and_addresses_are_answered(engine: SearchEngine, host: str) -> None:
    client = served_client(engine)
    assert client.simulate_get("/search", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/search", None),
        ("GET", "/export", None),
        *WRITES,
        ("GET", "/health", None),
        ("GET", "/", None),
    ],
)
def test_without_a_key_a_foreign_host_is_refused(
    engine: SearchEngine, method: str, path: str, body: Any
) -> None:
    client = served_client(engine)
    result = client.simulate_request(method, path, json=body, headers=FOREIGN_HOST)
    assert (result.status_code, error_of(result)["code"]) == (421, "host_not_allowed")
    assert "'attacker.example:8082'" in error_of(result)["message"]
    assert engine.pending == 0


def test_allowed_hosts_lists_more_names_and_applies_with_a_key(engine: SearchEngine) -> None:
    client = served_client(engine, allowed_hosts="news.example, search.news.example.")
    for host in ("news.example:8080", "SEARCH.news.example", "localhost"):
        assert client.simulate_get("/search", headers={"Host": host}).status_code == 200
    assert client.simulate_get("/search", headers={"Host": "other.example"}).status_code == 421
    keyed = served_client(engine, api_key=WRITE_KEY)
    assert keyed.simulate_get("/search", headers=FOREIGN_HOST).status_code == 200
    keyed = served_client(engine, api_key=WRITE_KEY, allowed_hosts="news.example")
    assert keyed.simulate_get("/search", headers=FOREIGN_HOST).status_code == 421
    anyone = served_client(engine, allowed_hosts="*")
    assert anyone.simulate_get("/search", headers=FOREIGN_HOST).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_browser_write_from_a_foreign_origin_is_refused(
    engine: SearchEngine, method: str, path: str, body: Any
) -> None:
    client = served_client(engine, cors_origins=ORIGIN_A)
    for origin in ("https://evil.example", "null", "http://127.0.0.1:9999", "http://localhost:8080"):
        result = client.simulate_request(method, path, json=body, headers={"Origin": origin})
        assert (result.status_code, error_of(result)["code"]) == (403, "origin_not_allowed"), origin
    assert engine.pending == 0
    # The server's own page, a listed origin, and clients that are not browsers may write.
    for headers in ({"Origin": "http://127.0.0.1:8080"}, {"Origin": ORIGIN_A}, {}):
        if method == "DELETE":
            # Deletes are real-time: each allowed one needs a document to delete.
            engine.add({"id": path.rsplit("/", 1)[-1], "title": "again"})
        result = client.simulate_request(method, path, json=body, headers=headers)
        assert result.status_code == 200, headers


def test_a_browser_read_from_a_foreign_origin_is_answered_without_cors(engine: SearchEngine) -> None:
    result = served_client(engine).simulate_get("/search", headers={"Origin": "https://evil.example"})
    assert result.status_code == 200
    assert "access-control-allow-origin" not in result.headers


def test_serve_refuses_a_rebound_host_and_a_foreign_origin(index_dir: Path) -> None:
    import http.client

    from test_server_e2e import start_serve

    process, port = start_serve(index_dir, index_dir.parent / "server.log")
    try:

        def ask(method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request(
                    method,
                    path,
                    body=b'{"title": "x"}' if method == "PUT" else None,
                    headers={"Content-Type": "application/json", **headers},
                )
                answer = conn.getresponse()
                return answer.status, answer.read().decode()
            finally:
                conn.close()

        for method, path in (("PUT", "/documents/x"), ("DELETE", "/documents/kyiv"), ("GET", "/export")):
            status, text = ask(method, path, FOREIGN_HOST)
            assert (status, '"host_not_allowed"' in text) == (421, True), text
            status, text = ask(method, path, {"Host": f"localhost:{port}", "Origin": "https://evil.example"})
            if method != "GET":
                assert (status, '"origin_not_allowed"' in text) == (403, True), text
        assert ask("GET", "/export", {"Host": f"localhost:{port}"})[0] == 200
        assert ask("PUT", "/documents/x", {"Origin": f"http://127.0.0.1:{port}"})[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- the CLI as a client ---------------------------------------------------------------------------


class Recorder:
    """A local HTTP server that records each request's path and Authorization, and may redirect."""

    def __init__(self, redirect_to: str | None = None) -> None:
        import http.server
        import threading

        self.seen: list[tuple[str, str | None]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.seen.append((self.path, self.headers.get("Authorization")))
                if redirect_to is not None and self.path == "/stats":
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b'{"documents": 1}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


KEYS_ENV = {"SEARCHSVC_API_KEY": WRITE_KEY, "SEARCHSVC_READ_KEY": READ_KEY}


def test_stats_server_sends_the_read_key_only_and_not_to_another_host() -> None:
    other = Recorder()
    same_port = Recorder(redirect_to="/elsewhere")
    first = Recorder(redirect_to=other.url + "/stats")
    try:
        result = CliRunner().invoke(cli, ["stats", "--server", first.url], env=KEYS_ENV)
        assert result.exit_code == 0, result.output
        assert first.seen == [("/stats", f"Bearer {READ_KEY}")]
        # Another port is another host: the key is not carried there.
        assert other.seen == [("/stats", None)]
        result = CliRunner().invoke(cli, ["stats", "--server", same_port.url], env=KEYS_ENV)
        assert result.exit_code == 0, result.output
        assert same_port.seen == [("/stats", f"Bearer {READ_KEY}"), ("/elsewhere", f"Bearer {READ_KEY}")]
        alone = Recorder()
        try:
            result = CliRunner().invoke(
                cli, ["stats", "--server", alone.url], env={"SEARCHSVC_API_KEY": WRITE_KEY}
            )
            assert result.exit_code == 0 and alone.seen == [("/stats", None)]
        finally:
            alone.close()
    finally:
        for server in (first, same_port, other):
            server.close()


# -- what logs and /health show --------------------------------------------------------------------


def test_serve_logs_no_line_separator_and_no_key_from_the_query_and_health_hides_counts(
    index_dir: Path,
) -> None:
    import http.client

    from test_server_e2e import start_serve

    log = index_dir.parent / "server.log"
    process, port = start_serve(index_dir, log, "--api-key", WRITE_KEY, "--read-key", READ_KEY)
    try:

        def ask(path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", path, headers=headers or {})
                answer = conn.getresponse()
                return answer.status, json.loads(answer.read())
            finally:
                conn.close()

        assert ask("/health") == (200, {"status": "ok"})
        assert ask("/health", bearer("wrong")) == (200, {"status": "ok"})
        for key in (READ_KEY, WRITE_KEY):
            assert ask("/health", bearer(key)) == (200, {"status": "ok", "documents": 1})
        assert ask("/documents/a%E2%80%A8b%C2%85c", bearer(READ_KEY))[0] == 404
        status, _ = ask(f"/search?q=kyiv&api_key={READ_KEY}&Access_Token=tok-secret&x=1")
        assert status == 401  # a key in the query string is not a key, and is not logged either
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    assert "GET /documents/a%E2%80%A8b%C2%85c 404" in text
    assert "\u2028" not in text and "\x85" not in text
    assert READ_KEY not in text and "tok-secret" not in text
    assert "api_key=REDACTED&Access_Token=REDACTED&x=1" in text


def test_error_lines_escape_the_path(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IndexCorrupt("cannot read\u2028segment")

    monkeypatch.setattr(engine, "get", broken)
    with caplog.at_level(logging.ERROR, logger="searchsvc.api"):
        assert client_of(engine).simulate_get("/documents/a%E2%80%A8b").status_code == 503
    [record] = [r for r in caplog.records if r.name == "searchsvc.api"]
    line = record.getMessage()
    assert "\u2028" not in line
    assert "GET /documents/a%E2%80%A8b failed" in line and "cannot read%E2%80%A8segment" in line
