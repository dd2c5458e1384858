"""The real server in a subprocess: start, search, write with the key, SIGTERM, nothing lost."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from searchsvc import SearchEngine

KEY = "e2e-key"

DOCS = [
    {"id": "kharkiv-1", "title": "Shelling in Kharkiv", "source": "BBC", "date": "2024-03-01"},
    {"id": "kharkiv-2", "title": "Power restored in Kharkiv", "source": "Reuters", "date": "2024-03-20"},
    {"id": "kharkiv-3", "title": "Kharkiv metro reopens", "source": "Reuters", "date": "2024-04-02"},
    {"id": "kyiv-1", "title": "Kyiv metro extends its hours", "source": "Reuters", "date": "2024-04-10"},
]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGTERM")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Message, Any]:
    data = json.dumps(body).encode() if body is not None else None
    all_headers = (
        {"Content-Type": "application/json", **(headers or {})} if data is not None else headers or {}
    )
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if request(base + "/health")[0] == 200:
                return
        except (OSError, ValueError):
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"the server did not answer /health:\n{log.read_text()}")


def start_serve(
    index_dir: Path, log: Path, *options: str, wait: bool = True, **env: str
) -> tuple[subprocess.Popen[bytes], int]:
    """``searchsvc serve`` over ``index_dir`` on a free loopback port: the process and its port.

    ``env`` sets SEARCHSVC_* variables (``COMMIT_INTERVAL="3600"``); no API key
    comes from the environment. The server runs in a session of its own, so that
    ``os.killpg`` reaches its workers; with ``wait``, it is answering on return.
    """
    port = free_port()
    command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index_dir), "serve"]
    command += ["--port", str(port), *options]
    environ = {k: v for k, v in os.environ.items() if k != "SEARCHSVC_API_KEY"}
    environ.update({f"SEARCHSVC_{name}": value for name, value in env.items()})
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=log.parent,
            start_new_session=True,
        )
    if wait:
        wait_until_up(f"http://127.0.0.1:{port}", process, log)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to a server started by :func:`start_serve`, killed if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_search_write_and_stop(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    log = tmp_path / "server.log"
    # A long commit interval: the uncommitted write below must be saved by the shutdown.
    process, port = start_serve(index_dir, log, "--api-key", KEY, COMMIT_INTERVAL="3600")
    base = f"http://127.0.0.1:{port}"
    try:
        status, headers, result = request(base + "/search?q=kharkiv&facets=source")
        assert status == 200
        assert result["total"] == 3
        assert result["facets"]["source"] == [
            {"value": "Reuters", "count": 2, "selected": False},
            {"value": "BBC", "count": 1, "selected": False},
        ]
        assert len(headers["X-Request-Id"] or "") == 32

        doc = {"title": "Odesa port is busy", "source": "BBC"}
        status, headers, error = request(base + "/documents/odesa-1", "PUT", doc)
        assert status == 401
        assert (headers["WWW-Authenticate"] or "").startswith("Bearer")
        assert error["error"]["code"] == "unauthorized"

        auth = {"Authorization": f"Bearer {KEY}"}
        status, _, answer = request(base + "/documents/odesa-1?commit=true", "PUT", doc, auth)
        assert (status, answer["added"], answer["committed"]) == (200, 1, True)
        status, _, stored = request(base + "/documents/odesa-1")
        assert (status, stored["title"]) == (200, "Odesa port is busy")

        # Acknowledged but not committed: only the shutdown can save it.
        late = {"title": "Late edition", "source": "Reuters"}
        status, _, answer = request(base + "/documents/late-1", "PUT", late, auth)
        assert (status, answer["committed"]) == (200, False)
        # A real-time get sees it already, before any commit.
        assert request(base + "/documents/late-1")[0] == 200

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    output = log.read_text()
    assert f"http://127.0.0.1:{port}/" in output
    assert "searchsvc.access" in output and "PUT /documents/late-1 200" in output
    assert KEY not in output
    assert "Traceback" not in output
    with SearchEngine(index_dir, create=False) as reopened:
        assert reopened.get("late-1")["title"] == "Late edition"
        assert reopened.get("odesa-1")["source"] == "BBC"


def start_two_workers(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    """``serve --workers 2`` over an index of DOCS: the process, its port and its log."""
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    log = tmp_path / "server.log"
    options = ("--workers", "2", "--threads", "2", *options)
    process, port = start_serve(index_dir, log, *options, COMMIT_INTERVAL="3600")
    return process, port, log


def test_workers_share_the_port_and_see_each_others_writes(tmp_path: Path) -> None:
    process, port, log = start_two_workers(tmp_path, "--api-key", KEY)
    base = f"http://127.0.0.1:{port}"
    try:
        auth = {"Authorization": f"Bearer {KEY}"}
        for n in range(6):
            doc = {"title": f"Odesa report {n}", "source": "BBC"}
            status, _, answer = request(base + f"/documents/odesa-{n}?commit=true", "PUT", doc, auth)
            assert (status, answer["committed"]) == (200, True)
            # Whichever worker answers, a committed write is visible at once.
            for _ in range(4):
                assert request(base + f"/documents/odesa-{n}")[0] == 200
                assert request(base + "/search?q=odesa")[2]["total"] == n + 1
        late = {"title": "Late edition", "source": "Reuters"}
        assert request(base + "/documents/late-1", "PUT", late, auth)[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text()
    assert "2 worker processes share" in output
    assert "Traceback" not in output
    with SearchEngine(tmp_path / "index", create=False) as reopened:
        assert len(reopened) == len(DOCS) + 7
        assert reopened.get("late-1")["title"] == "Late edition"


def _worker_of_connections(parent: int, server_port: int, client_ports: list[int]) -> list[int | None]:
    """The worker process holding the server end of each client connection (Linux /proc)."""
    inodes: dict[int, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            for line in list(fh)[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if local_port == server_port and remote_port in client_ports:
                    inodes[remote_port] = fields[9]
    with open(f"/proc/{parent}/task/{parent}/children") as fh:
        children = [int(pid) for pid in fh.read().split()]
    owner: dict[str, int] = {}
    for pid in children:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    owner[link[8:-1]] = pid
    return [owner.get(inodes.get(p, "")) for p in client_ports]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_take_an_even_share_of_keep_alive_connections(tmp_path: Path) -> None:
    # Four keep-alive clients on two workers must use both: without balancing,
    # whichever worker wakes first tends to accept all of them.
    process, port, log = start_two_workers(tmp_path)
    connections: list[http.client.HTTPConnection] = []
    try:
        time.sleep(0.3)  # let the workers see the probe connections close
        for _ in range(4):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/search?q=kharkiv")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["total"] == 3
            connections.append(conn)
        client_ports = [conn.sock.getsockname()[1] for conn in connections]
        owners = _worker_of_connections(process.pid, port, client_ports)
        assert None not in owners, owners
        assert sorted(Counter(owners).values()) == [2, 2], owners
        # Every connection stays usable after the shares are settled.
        for conn in connections:
            conn.request("GET", "/search?q=kyiv")
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["total"] == 1
    finally:
        for conn in connections:
            conn.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_while_the_workers_start_stops_them_cleanly(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    process, _port = start_serve(index_dir, tmp_path / "server.log", "--workers", "2", wait=False)
    log = tmp_path / "server.log"
    try:
        # The workers exist, but are still opening the index (loading the gazetteer).
        deadline = time.monotonic() + 30
        while len(Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text()
