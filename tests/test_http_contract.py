"""The real server keeps the README's HTTP promises and agrees with its OpenAPI document.

One server (``searchsvc serve`` on a loopback port, with an API key and small limits)
answers most tests here: what only waitress does (its own refusals, an absent body,
HEAD, the decoding of ids in paths) is tested through it, then schemathesis checks the
whole API against the spec. A second server, whose reads need a read key and which
allows one CORS origin, is checked by schemathesis too.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tomllib
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from test_server_e2e import DOCS, free_port, wait_until_up

from searchsvc import SearchEngine
from searchsvc.openapi import MAX_HEADER_BYTES

KEY = "contract-key"
READ_KEY = "contract-read-key"
ORIGIN = "https://news.example"
MAX_BODY = 4096
MAX_BATCH = 5
CONFIG = Path(__file__).with_name("schemathesis.toml")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGTERM")


@dataclass
class Server:
    host: str
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


def run_server(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[Server]:
    """A server on a loopback port with an API key, small limits and ``settings`` (SEARCHSVC_*)."""
    tmp_path = tmp_path_factory.mktemp("contract")
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    port = free_port()
    command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index_dir), "serve", "--port", str(port)]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SEARCHSVC_")},
        "SEARCHSVC_API_KEY": KEY,
        "SEARCHSVC_MAX_BODY_BYTES": str(MAX_BODY),
        "SEARCHSVC_MAX_BATCH_DOCUMENTS": str(MAX_BATCH),
        **{f"SEARCHSVC_{name.upper()}": value for name, value in settings.items()},
    }
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    live = Server("127.0.0.1", port, log)
    try:
        wait_until_up(live.base, process, log)
        yield live
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from run_server(tmp_path_factory)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose reads need the read key (or the API key), open to one CORS origin."""
    yield from run_server(tmp_path_factory, read_key=READ_KEY, cors_origins=ORIGIN)


def exchange(server: Server, raw: bytes) -> tuple[http.client.HTTPResponse, bytes]:
    """Send raw bytes and read one answer, to its Content-Length.

    The server may close with part of the request unread, which resets the
    connection: the answer must be read as it stands, not to the end of the stream.
    """
    sock = socket.create_connection((server.host, server.port), timeout=10)
    try:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response, response.read()
    finally:
        sock.close()


def call(
    server: Server, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def json_error(response: http.client.HTTPResponse, data: bytes) -> dict[str, Any]:
    """The error object of an answer, after checking what every answer of the server carries."""
    assert response.getheader("Content-Type") == "application/json"
    assert len(response.getheader("X-Request-Id") or "") == 32
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    body = json.loads(data)
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == response.status
    error: dict[str, Any] = body["error"]
    return error


# -- what waitress refuses itself ---------------------------------------------------------------


def test_waitress_refusals_have_the_error_shape(server: Server) -> None:
    cases = [
        # Far over the body limit: refused from the headers, before the body is buffered.
        (b"PUT /documents/x HTTP/1.1\r\nHost: h\r\nContent-Length: 20000000\r\n\r\n{", 413, "limit_exceeded"),
        # A URL over the header limit (256 KiB).
        (b"GET /search?q=" + b"x" * 300_000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 431,
         "request_header_fields_too_large"),
        (b"NOT-HTTP\r\n\r\n", 400, "bad_request"),
        (b"POST /search HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "bad_request"),
        (b"GET /health HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "not_implemented"),
    ]  # fmt: skip
    for raw, status, code in cases:
        response, data = exchange(server, raw)
        assert response.status == status, raw[:40]
        assert json_error(response, data)["code"] == code
    log = server.log.read_text()
    assert " - - 431 " in log and "PUT /documents/x 413 " in log


def test_request_headers_over_the_limit_are_431(server: Server) -> None:
    # The request line and headers together: a header just under the limit is served.
    for size, status in ((MAX_HEADER_BYTES - 1024, 200), (MAX_HEADER_BYTES + 1, 431)):
        raw = b"GET /health HTTP/1.1\r\nHost: h\r\nX-Pad: " + b"p" * size + b"\r\n\r\n"
        response, data = exchange(server, raw)
        assert response.status == status
        if status != 200:
            message = json_error(response, data)["message"]
            assert (
                message
                == f"the request line and headers are larger than the limit of {MAX_HEADER_BYTES} bytes"
            )


def test_a_body_just_over_the_limit_is_refused_by_the_app(server: Server) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    body = json.dumps({"title": "x" * MAX_BODY}).encode()
    message = f"the body is {len(body)} bytes; the limit is {MAX_BODY} bytes"
    response, data = call(server, "PUT", "/documents/x", body, headers)
    assert (response.status, json_error(response, data)["message"]) == (413, message)
    # Chunked: waitress joins the chunks and gives the app their length.
    response, data = call(server, "PUT", "/documents/x", iter([body]), headers)
    assert (response.status, json_error(response, data)["message"]) == (413, message)


# -- what only a real server shows ---------------------------------------------------------------


def test_post_search_without_a_body_searches_everything(server: Server) -> None:
    for headers in ({}, {"Content-Length": "0"}, {"Content-Type": "text/plain", "Content-Length": "0"}):
        response, data = call(server, "POST", "/search", None, headers)
        assert response.status == 200, data
        assert json.loads(data)["total"] == len(DOCS)
    # An empty chunked body too.
    response, data = call(server, "POST", "/search", iter([b""]), {"Content-Type": "application/json"})
    assert (response.status, json.loads(data)["total"]) == (200, len(DOCS))


def test_head_health_answers_like_get_without_the_body(server: Server) -> None:
    got, body = call(server, "GET", "/health")
    head, nothing = call(server, "HEAD", "/health")
    assert (got.status, head.status, nothing) == (200, 200, b"")
    assert head.getheader("Content-Length") == got.getheader("Content-Length") == str(len(body))
    assert head.getheader("Content-Type") == "application/json"
    assert len(head.getheader("X-Request-Id") or "") == 32
    assert "HEAD /health 200 " in server.log.read_text()


#: Ids whose characters a URL only carries encoded, each stored exactly as sent.
TRICKY_IDS = [
    "trail/",
    "/",
    "a//b",
    "100%",
    "%2F",
    "what?",
    "#hash",
    "a b",
    "київ/новини",
    "a+b",
    "a/../b",
    "...",
]


def test_ids_round_trip_through_the_server(server: Server) -> None:
    auth = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    for doc_id in TRICKY_IDS:
        path = "/documents/" + urllib.parse.quote(doc_id, safe="")
        response, data = call(server, "PUT", path + "?commit=true", b'{"title": "Tricky"}', auth)
        assert response.status == 200, (doc_id, data)
        response, data = call(server, "GET", path)
        assert (response.status, json.loads(data)["id"]) == (200, doc_id)
        response, data = call(server, "DELETE", path + "?commit=true", None, auth)
        assert response.status == 200, (doc_id, data)
    # A padded id is refused rather than stored stripped, where this path would not find it.
    response, data = call(server, "PUT", "/documents/%20padded%20", b"{}", auth)
    message = "field 'id' ' padded ' starts or ends with a blank, which ids may not"
    assert (response.status, json_error(response, data)["message"]) == (422, message)


def test_a_guarded_server_needs_the_read_key_and_answers_its_origin(guarded: Server) -> None:
    response, data = call(guarded, "GET", "/search", None, {"Origin": ORIGIN})
    assert (response.status, json_error(response, data)["code"]) == (401, "unauthorized")
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    for key in (READ_KEY, KEY):
        response, data = call(guarded, "GET", "/search", None, {"Authorization": f"Bearer {key}"})
        assert response.status == 200
    response, _ = call(guarded, "GET", "/health", None, {"Origin": "https://other.example"})
    assert response.status == 200 and response.getheader("Access-Control-Allow-Origin") is None
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"}
    response, _ = call(guarded, "OPTIONS", "/documents/x", None, preflight)
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") == ORIGIN
    assert "PUT" in (response.getheader("Access-Control-Allow-Methods") or "")
    log = guarded.log.read_text()
    assert READ_KEY not in log and KEY not in log


# -- schemathesis ------------------------------------------------------------------------------------

#: Examples per operation and phase: about 1,100 cases in 10 s. The full run is in the docstring below.
MAX_EXAMPLES = 200


@pytest.mark.parametrize("which", ["server", "guarded"])
def test_schemathesis_finds_no_disagreement(
    which: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every operation, fed generated valid and invalid input, answers as the spec says.

    All of schemathesis's checks run (no 5xx; status codes, content types, headers and
    bodies as declared; valid input accepted, invalid input refused; writes refused
    without the key), in its coverage, fuzzing and stateful phases, but for the checks
    and rejections tests/schemathesis.toml allows. It runs schemathesis's own engine,
    as its command line does; schemathesis's pytest plugin cannot load a schema from
    a fixture under pytest 9. The full run, against a server started with
    ``SEARCHSVC_API_KEY=KEY SEARCHSVC_MAX_BATCH_DOCUMENTS=5 searchsvc serve`` on an
    index of a few documents::

        SEARCHSVC_API_KEY=KEY st --config-file tests/schemathesis.toml run \\
            --continue-on-failure -n 1000 http://127.0.0.1:8080/openapi.json
    """
    from schemathesis.engine import Status, events, from_schema

    server: Server = request.getfixturevalue(which)
    monkeypatch.setenv("SEARCHSVC_API_KEY", KEY)  # tests/schemathesis.toml reads it
    with CONFIG.open("rb") as fh:
        data = tomllib.load(fh)
    # The same cases on every run: a failure here is never by chance.
    data.update({"seed": 1, "continue-on-failure": True})
    data["generation"] = {"max-examples": MAX_EXAMPLES, "database": "none"}
    config = schemathesis.Config.from_dict(data, base_dir=str(CONFIG.parent))
    api = schemathesis.openapi.from_url(f"{server.base}/openapi.json", config=config)

    cases = 0
    problems: list[str] = []
    finished: events.EngineFinished | None = None
    for event in from_schema(api).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE:
                        info = check.failure_info
                        what = f"{info.failure.title}\n{info.code_sample}" if info else check.name
                        problems.append(f"{event.recorder.label}: {what}")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"{event.label}: error {event.value!r}")
        elif isinstance(event, events.FatalError):
            problems.append(f"fatal error {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            finished = event
    assert not problems, "\n\n".join(dict.fromkeys(problems))
    assert finished is not None and finished.stop_reason == "completed"
    assert cases > 9 * MAX_EXAMPLES  # every operation ran
