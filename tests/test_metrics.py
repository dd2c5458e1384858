"""GET /metrics: requests, searches, commits and the index for Prometheus, over every worker; JSON logs."""

from __future__ import annotations

import functools
import http.client
import json
import logging
import os
import signal
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from prometheus_client.parser import text_string_to_metric_families
from test_server_e2e import DOCS, _worker_of_connections, request, start_serve, stop, wait_until_up

from searchsvc import SearchEngine, Settings
from searchsvc.api import ACCESS_FIELDS, ROUTES, create_app, openapi_path
from searchsvc.metrics import QUERY_KINDS, Metrics, query_kind
from searchsvc.server import RESTART_AFTER_SECONDS, Committer, JSONFormatter

KEY = "metrics-key"
READ_KEY = "metrics-read-key"

Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Ticks:
    """A clock that moves on ``step`` seconds each time it is read, so that durations are exact."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def parse(text: str) -> Figures:
    """Every sample of a Prometheus answer, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(figures: Figures, name: str, **labels: str) -> float | None:
    return figures.get((name, frozenset(labels.items())))


def labels_of(figures: Figures, name: str, label: str) -> set[str]:
    return {dict(labels)[label] for sample, labels in figures if sample == name}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[SearchEngine]:
    # On disk, with the server's durability: writes go through the write log first.
    with SearchEngine(tmp_path / "index", settings=Settings(durability="request"), variants=None) as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


def client_of(
    engine: SearchEngine, metrics: Metrics | None = None, **settings: Any
) -> falcon.testing.TestClient:
    app = create_app(engine, Settings(**settings), clock=Ticks(0.25), metrics=metrics)
    return falcon.testing.TestClient(app)


def scrape(client: falcon.testing.TestClient, **headers: str) -> Figures:
    answer = client.simulate_get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(answer.text)


def test_requests_searches_writes_and_commits_are_counted(engine: SearchEngine, tmp_path: Path) -> None:
    metrics = Metrics(engine, index_dir=tmp_path / "index", clock=Ticks(0.5))
    client = client_of(engine, metrics)
    for params in ({"q": "kharkiv"}, {"q": '"metro reopens"'}, {"q": "metro OR power"}, {}):
        assert client.simulate_get("/search", params=params).status_code == 200
    assert client.simulate_post("/search", json={"q": "kyiv", "mode": "any"}).status_code == 200
    assert client.simulate_get("/search", params={"q": "grain AND"}).status_code == 400
    for doc_id in ("kharkiv-1", "kyiv-1", "no-such-id"):
        client.simulate_get(f"/documents/{doc_id}")
    assert client.simulate_get("/no/such/path").status_code == 404
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the test client's WSGI checker does not know WebDAV's methods
        assert client.simulate_request("PROPFIND", "/search").status_code == 405
    assert client.simulate_put("/documents/new-1", json={"title": "Odesa port"}).status_code == 200

    figures = scrape(client)
    requests = "searchsvc_http_requests_total"
    assert value(figures, requests, route="/search", method="GET", status="200") == 4
    assert value(figures, requests, route="/search", method="POST", status="200") == 1
    assert value(figures, requests, route="/search", method="GET", status="400") == 1
    assert value(figures, requests, route="/documents/{id}", method="GET", status="200") == 2
    assert value(figures, requests, route="/documents/{id}", method="GET", status="404") == 1
    assert value(figures, requests, route="/documents/{id}", method="PUT", status="200") == 1
    assert value(figures, requests, route="unmatched", method="GET", status="404") == 1
    # Neither a path nor a method a client made up becomes a label value.
    assert value(figures, requests, route="/search", method="other", status="405") == 1
    templates = {openapi_path(template) for template, _ in ROUTES}
    assert labels_of(figures, requests, "route") <= templates | {"unmatched"}
    # Every request took one tick of the app's clock: 0.25 s.
    latency = "searchsvc_http_request_duration_seconds"
    assert value(figures, latency + "_count", route="/search", method="GET") == 5
    assert value(figures, latency + "_sum", route="/search", method="GET") == 5 * 0.25
    assert value(figures, latency + "_bucket", route="/search", method="GET", le="0.1") == 0
    assert value(figures, latency + "_bucket", route="/search", method="GET", le="0.25") == 5

    # Searches answered, by kind of query; the refused one is not among them.
    searches = "searchsvc_search_duration_seconds"
    counts = {kind: value(figures, searches + "_count", kind=kind) for kind in QUERY_KINDS}
    assert counts == {"all": 1, "any": 1, "boolean": 1, "phrase": 1, "prefix": None, "terms": 1}
    assert value(figures, searches + "_sum", kind="terms") == 0.5

    # The write waits for a commit, in the write log meanwhile.
    assert value(figures, "searchsvc_pending_writes") == 1
    assert value(figures, "searchsvc_documents") == len(DOCS)
    assert (value(figures, "searchsvc_index_size_bytes") or 0) > 0
    assert (value(figures, "searchsvc_index_segments") or 0) >= 1
    assert (value(figures, "searchsvc_wal_size_bytes") or 0) > 0
    assert (value(figures, "searchsvc_uptime_seconds") or 0) > 0
    assert value(figures, "searchsvc_commits_total", trigger="request") is None

    assert client.simulate_delete("/documents/kyiv-1", params={"commit": "true"}).status_code == 200
    figures = scrape(client)
    assert value(figures, "searchsvc_commits_total", trigger="request") == 1
    assert value(figures, "searchsvc_commit_duration_seconds_sum", trigger="request") == 0.5
    assert value(figures, "searchsvc_pending_writes") == 0
    assert value(figures, "searchsvc_documents") == len(DOCS)  # one added, one deleted
    assert value(figures, "searchsvc_wal_size_bytes") == 0
    # The first scrape is counted too, once it was answered.
    assert value(figures, requests, route="/metrics", method="GET", status="200") == 1


@pytest.mark.parametrize(
    ("q", "mode", "kind"),
    [
        ("", "all", "all"),
        ("   ", "all", "all"),
        ("grain OR oil", "any", "any"),
        ("shelling Kharkiv", "all", "terms"),
        ("title:grain source:bbc", "all", "terms"),
        ("Kharkiv-based grain", "all", "terms"),
        ("date:[2024-01-01 TO *]", "all", "terms"),
        ('"power grid"', "all", "phrase"),
        ("«power grid» Kyiv", "all", "phrase"),
        ("electri*", "all", "prefix"),
        ("gr?in", "all", "prefix"),
        ("grain OR oil", "all", "boolean"),
        ("grain NOT oil", "all", "boolean"),
        ("grain -oil", "all", "boolean"),
        ("(-oil grain)", "all", "boolean"),
        ('"power grid" OR electri*', "all", "boolean"),
    ],
)
def test_the_kind_of_a_search(q: str, mode: str, kind: str) -> None:
    assert query_kind(q, mode) == kind


def test_background_commits_are_counted(engine: SearchEngine) -> None:
    metrics = Metrics(engine)
    committer = Committer(engine, interval=0, batch=1, commit=functools.partial(metrics.commit, "background"))
    app = create_app(engine, Settings(), on_write=committer.notify, metrics=metrics)
    client = falcon.testing.TestClient(app)
    committer.start()
    try:
        assert client.simulate_put("/documents/new-1", json={"title": "Odesa"}).status_code == 200
        deadline = time.monotonic() + 30
        while engine.pending and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        committer.stop()
    figures = scrape(client)
    assert (value(figures, "searchsvc_commits_total", trigger="background") or 0) >= 1
    assert value(figures, "searchsvc_commits_total", trigger="request") is None
    assert value(figures, "searchsvc_pending_writes") == 0
    assert value(figures, "searchsvc_documents") == len(DOCS) + 1


def test_the_read_key_guards_metrics(engine: SearchEngine) -> None:
    guarded = client_of(engine, api_key=KEY, read_key=READ_KEY)
    refused = guarded.simulate_get("/metrics")
    assert refused.status_code == 401 and refused.json["error"]["code"] == "unauthorized"
    for key in (READ_KEY, KEY):
        scrape(guarded, Authorization=f"Bearer {key}")
    assert guarded.simulate_get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    # Without a read key, figures are open like searches.
    scrape(client_of(engine, api_key=KEY))
    spec = guarded.simulate_get("/openapi.json").json
    operation = spec["paths"]["/metrics"]["get"]
    assert operation["security"] == [{"readKey": []}, {"bearerAuth": []}]
    assert "text/plain" in operation["responses"]["200"]["content"]


def test_an_index_that_cannot_be_read_leaves_the_request_counts(engine: SearchEngine) -> None:
    client = client_of(engine)
    client.simulate_get("/search", params={"q": "kharkiv"})
    engine.close()
    figures = scrape(client)
    assert value(figures, "searchsvc_http_requests_total", route="/search", method="GET", status="200") == 1
    assert value(figures, "searchsvc_documents") is None
    assert (value(figures, "searchsvc_uptime_seconds") or 0) > 0


def test_importing_searchsvc_and_its_app_leaves_prometheus_client_alone() -> None:
    import subprocess

    code = (
        "import sys, searchsvc, searchsvc.api, searchsvc.server, searchsvc.metrics\n"
        "print('prometheus_client' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# -- the real server ------------------------------------------------------------------------------


def connect(port: int, count: int) -> list[http.client.HTTPConnection]:
    connections = []
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.connect()
        connections.append(conn)
    return connections


def call(conn: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_count_each_others_requests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    # The server's temporary folders go here, to see that it removes its metrics folder.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    log = tmp_path / "server.log"
    process, port = start_serve(index_dir, log, "--workers", "2", "--threads", "2", COMMIT_INTERVAL="3600")
    up = time.monotonic()
    search = {"route": "/search", "method": "GET", "status": "200"}
    puts = {"route": "/documents/{id}", "method": "PUT", "status": "200"}
    connections: list[http.client.HTTPConnection] = []
    try:
        assert any(p.name.startswith("searchsvc-metrics-") for p in scratch.iterdir())
        time.sleep(0.3)  # let the workers see the probe connections close
        # Keep-alive connections are shared evenly between the workers (test_server_e2e checks it).
        connections = connect(port, 4)
        for conn in connections:
            assert call(conn, "GET", "/health")[0] == 200
        owners = _worker_of_connections(process.pid, port, [c.sock.getsockname()[1] for c in connections])
        assert None not in owners and len(set(owners)) == 2, owners
        by_worker = {owner: conn for owner, conn in zip(owners, connections, strict=True)}

        searches = 0
        for number, conn in enumerate(connections):
            for _ in range(number + 1):
                assert call(conn, "GET", "/search?q=kharkiv")[0] == 200
                searches += 1
        for n, conn in enumerate(by_worker.values()):
            assert call(conn, "PUT", f"/documents/now-{n}?commit=true", {"title": "Now"})[0] == 200
            assert call(conn, "PUT", f"/documents/later-{n}", {"title": "Later"})[0] == 200

        # Whichever worker answers the scrape, it counts what both served.
        for conn in by_worker.values():
            status, body = call(conn, "GET", "/metrics")
            assert status == 200
            figures = parse(body.decode())
            assert value(figures, "searchsvc_http_requests_total", **search) == searches
            assert value(figures, "searchsvc_search_duration_seconds_count", kind="terms") == searches
            assert value(figures, "searchsvc_http_requests_total", **puts) == 4
            assert value(figures, "searchsvc_commits_total", trigger="request") == 2
            assert value(figures, "searchsvc_commit_duration_seconds_count", trigger="request") == 2
            # Each worker holds one write for its background commit, an hour away.
            assert value(figures, "searchsvc_pending_writes") == 2
            assert value(figures, "searchsvc_documents") == len(DOCS) + 2
            assert (value(figures, "searchsvc_wal_size_bytes") or 0) > 0
            assert (value(figures, "searchsvc_uptime_seconds") or 0) > 0

        # A worker that dies takes its pending writes with it (its replacement commits them),
        # but not the requests it counted.
        for conn in connections:
            conn.close()
        connections = []
        gone = owners[0]
        assert gone is not None
        # A worker that dies sooner after it started is not replaced.
        time.sleep(max(0.0, up + RESTART_AFTER_SECONDS - time.monotonic()))
        os.kill(gone, signal.SIGKILL)
        deadline = time.monotonic() + 60
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        while True:
            pids = {int(pid) for pid in children.read_text().split()}
            if len(pids) == 2 and gone not in pids:
                break
            assert time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, process, log)
        # The replacement opens the index first, which commits what the dead worker had logged.
        deadline = time.monotonic() + 60
        while request(base + "/search?q=later")[2]["total"] < 1:
            assert time.monotonic() < deadline, "the dead worker's write was not committed"
            time.sleep(0.1)
        for _ in range(4):  # new connections, answered by either worker
            figures = parse(_get_text(base + "/metrics"))
            assert value(figures, "searchsvc_pending_writes") == 1
            assert (value(figures, "searchsvc_http_requests_total", **search) or 0) >= searches
            assert value(figures, "searchsvc_commits_total", trigger="request") == 2
    finally:
        for conn in connections:
            conn.close()
        stop(process)
    assert process.returncode == 0
    assert not any(p.name.startswith("searchsvc-metrics-") for p in scratch.iterdir())
    assert "Traceback" not in log.read_text()


def _get_text(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        text: str = response.read().decode()
        return text


# -- JSON logs ---------------------------------------------------------------------------------------


def test_log_format_json_writes_access_lines_as_json(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    log = tmp_path / "server.log"
    process, port = start_serve(index_dir, log, "--log-format", "json", "--api-key", KEY)
    base = f"http://127.0.0.1:{port}"
    try:
        status, headers, _ = request(base + "/search?q=kharkiv&facets=source")
        assert status == 200
        request_id = headers["X-Request-Id"]
        assert request(base + "/documents/x%0Ay", "PUT", {"title": "x"})[0] == 401
    finally:
        stop(process)
    assert process.returncode == 0
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    # Every line the server writes is one JSON object, the startup lines too.
    entries = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    assert any("serving 4 documents" in entry["message"] for entry in entries)
    access = [entry for entry in entries if entry["logger"] == "searchsvc.access"]
    [search] = [entry for entry in access if entry["request_id"] == request_id]
    assert {key: search[key] for key in ("client", "method", "target", "status", "level")} == {
        "client": "127.0.0.1",
        "method": "GET",
        "target": "/search?q=kharkiv&facets=source",
        "status": 200,
        "level": "INFO",
    }
    assert isinstance(search["latency_ms"], float) and search["latency_ms"] >= 0
    assert datetime.fromisoformat(search["time"]).tzinfo is not None
    [refused] = [entry for entry in access if entry["method"] == "PUT"]
    assert set(ACCESS_FIELDS) <= set(refused)
    # The id's line break is escaped as in the text log, and cannot split the line.
    assert (refused["target"], refused["status"]) == ("/documents/x%0Ay", 401)
    assert KEY not in log.read_text()


def test_the_json_formatter_keeps_a_traceback_in_its_line() -> None:
    formatter = JSONFormatter(ACCESS_FIELDS)
    try:
        raise ValueError("broken\nindex")
    except ValueError:
        record = logging.LogRecord(
            "searchsvc.api", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    record.status = 500
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"], entry["status"]) == (
        "ERROR",
        "searchsvc.api",
        "failed x",
        500,
    )
    assert "ValueError: broken\nindex" in entry["exception"]
    assert "client" not in entry
