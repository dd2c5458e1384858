"""Hostile clients against a real ``serve``: idle connections, trickled headers and bodies, big bodies.

The server must keep answering ``/health`` within a second, cut requests that
arrive too slowly with a 408 in the error shape, and stay within a bound of memory.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from test_server_e2e import DOCS, start_serve, stop

from searchsvc import SearchEngine

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGTERM")

#: Short deadlines, so that trickling clients are cut within the test.
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
IDLE = 100
TRICKLING = 100
BIG_BODY_SENDERS = 2
#: The server's resident memory, in MiB, stays below this while under attack.
RSS_BOUND_MIB = 400
#: /health, asked from a client of its own, must answer within this many seconds.
HEALTH_DEADLINE = 1.0


class Server:
    def __init__(self, process: Any, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    def connect(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hostile")
    with SearchEngine(folder / "index", variants=None) as engine:
        engine.add(DOCS)
    log = folder / "server.log"
    process, port = start_serve(
        folder / "index", log, HEADER_TIMEOUT=str(HEADER_TIMEOUT), BODY_TIMEOUT=str(BODY_TIMEOUT)
    )
    try:
        yield Server(process, port, log)
    finally:
        stop(process)
    assert "Traceback" not in log.read_text()


def read_answer(sock: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection (or the deadline passes)."""
    data = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            break
        except ConnectionError:
            break
        if not chunk:
            break
        data += chunk
    return data


def trickle(sock: socket.socket, piece: bytes, seconds: float) -> bytes:
    """Send ``piece`` again and again until the server answers (or ``seconds`` pass); its answer."""
    cut = time.monotonic() + seconds
    data = b""
    while time.monotonic() < cut and not data:
        with contextlib.suppress(OSError):
            sock.sendall(piece)
        sock.settimeout(0.3)
        with contextlib.suppress(TimeoutError):
            data = sock.recv(65536)
    return data + read_answer(sock, time.monotonic() + 5)


def parse_answer(data: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def test_a_request_trickling_its_headers_is_answered_408_and_closed(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(b"GET /search?q=kharkiv HTTP/1.1\r\nHost: localhost\r\n")
        # One header line at a time, each well within any idle timeout, never the last one.
        data = trickle(sock, b"X-Slow: 1\r\n", HEADER_TIMEOUT + 5)
    status, body = parse_answer(data)
    assert status == 408
    assert body["error"]["code"] == "request_timeout"
    assert body["error"]["message"] == (
        f"the request line and headers did not arrive within {HEADER_TIMEOUT:g} seconds "
        "(the header_timeout setting)"
    )


def test_a_body_that_trickles_is_answered_408_and_closed(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(
            b"POST /search HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
        data = trickle(sock, b" ", BODY_TIMEOUT + 5)
    status, body = parse_answer(data)
    assert status == 408
    assert "the body did not arrive within" in body["error"]["message"]


def test_a_slow_but_timely_request_is_answered(server: Server) -> None:
    with server.connect() as sock:
        for line in (b"GET /health HTTP/1.1\r\n", b"Host: localhost\r\n", b"\r\n"):
            sock.sendall(line)
            time.sleep(HEADER_TIMEOUT / 4)  # pacing the client, not waiting for the server
        sock.settimeout(10)
        status, body = parse_answer(sock.recv(65536))
    assert (status, body["status"]) == (200, "ok")


def big_filter_body() -> bytes:
    # About 1 MB of filter values: the server must refuse or answer it, not stall on it.
    filters = [f"source:agency-{n:07d}" for n in range(40_000)]
    return json.dumps({"q": "kharkiv", "filter": filters}).encode()


def test_health_stays_fast_under_idle_trickling_and_big_clients(server: Server) -> None:
    stop = threading.Event()
    failures: list[str] = []
    body = big_filter_body()
    big_answers: list[int] = []

    def send_big_bodies() -> None:
        while not stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            try:
                conn.request("POST", "/search", body=body, headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                big_answers.append(response.status)
            except OSError as exc:
                failures.append(f"big body: {exc!r}")
            finally:
                conn.close()

    trickling: list[socket.socket] = []

    def trickle() -> None:
        # One header line every HEADER_TIMEOUT / 2 on each connection, until the server cuts it.
        sending = list(trickling)
        while not stop.is_set() and sending:
            for sock in list(sending):
                try:
                    # Once answered, sending more would make the server's end reset the
                    # connection, and the answer could be lost before it is read.
                    if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
                        sending.remove(sock)
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    sending.remove(sock)
                    continue
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    sending.remove(sock)
            stop.wait(HEADER_TIMEOUT / 2)

    process = psutil.Process(server.process.pid)
    idle = [server.connect() for _ in range(IDLE)]
    for _ in range(TRICKLING):
        sock = server.connect()
        sock.sendall(b"GET /search HTTP/1.1\r\nHost: localhost\r\n")
        trickling.append(sock)
    threads = [threading.Thread(target=send_big_bodies) for _ in range(BIG_BODY_SENDERS)]
    threads.append(threading.Thread(target=trickle))
    for thread in threads:
        thread.start()
    latencies: list[float] = []
    rss: list[int] = []
    try:
        # Long enough for every trickling connection to be cut, and for the big bodies to be read.
        until = time.monotonic() + HEADER_TIMEOUT * 4
        while time.monotonic() < until:
            started = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=HEALTH_DEADLINE)
            try:
                conn.request("GET", "/health")
                answer = conn.getresponse()
                assert answer.status == 200 and json.loads(answer.read())["status"] == "ok"
            except OSError as exc:
                failures.append(f"/health: {exc!r}")
            finally:
                conn.close()
            latencies.append(time.monotonic() - started)
            rss.append(process.memory_info().rss)
            stop.wait(0.1)
        # Every trickling connection was answered 408 by the header deadline, and closed.
        answers = [read_answer(sock, time.monotonic() + HEADER_TIMEOUT * 2) for sock in trickling]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=150)
        for sock in idle + trickling:
            sock.close()
    print(
        f"\n/health: {len(latencies)} probes, slowest {max(latencies) * 1000:.0f} ms; "
        f"server RSS at most {max(rss) / 2**20:.0f} MiB; big bodies answered {big_answers}"
    )
    assert not failures, failures[:5]
    assert max(latencies) < HEALTH_DEADLINE, latencies
    assert max(rss) < RSS_BOUND_MIB * 2**20, rss
    assert [answer.split(b" ", 2)[1] for answer in answers] == [b"408"] * TRICKLING
    assert big_answers and set(big_answers) <= {200, 400, 413}
