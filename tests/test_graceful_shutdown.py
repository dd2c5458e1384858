"""SIGTERM under load: requests in flight are answered, acknowledged writes kept, exit 0."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from test_server_e2e import DOCS, KEY, start_serve

from searchsvc import SearchEngine

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGTERM")

AUTH = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
#: Big enough that committing it takes a good while on any machine.
BULK = [
    {"id": f"bulk-{n}", "title": f"Bulk report {n} from Kharkiv", "body": "grain " * 300} for n in range(6000)
]


class Writer(threading.Thread):
    """Puts documents one by one over a keep-alive connection until the server goes."""

    def __init__(self, port: int, name: str) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.prefix = name
        self.acknowledged: dict[str, str] = {}
        self.statuses: list[int] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for n in range(100_000):
            doc_id = f"{self.prefix}-{n}"
            title = f"Report {n} by {self.prefix}"
            try:
                conn.request("PUT", f"/documents/{doc_id}", json.dumps({"title": title}), AUTH)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                return  # the server closed the connection, or refuses new ones
            self.statuses.append(response.status)
            if response.status == 200:
                self.acknowledged[doc_id] = title
            if response.getheader("Connection", "").lower() == "close":
                conn.close()


def wait_until_in_flight(port: int, bulk: dict[str, object]) -> None:
    """Until the bulk write is in flight: its documents staged (a real-time get finds the
    last one) and its commit not yet ended (``bulk`` holds no status)."""
    probe = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while True:
        probe.request("GET", f"/documents/{BULK[-1]['id']}")
        response = probe.getresponse()
        response.read()
        if response.status == 200:
            break
        assert "status" not in bulk, "the bulk write was answered before it could be seen in flight"
        time.sleep(0.01)
    probe.close()
    assert "status" not in bulk, "the bulk write was answered before it could be seen in flight"


def test_sigterm_answers_requests_in_flight_and_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with SearchEngine(index_dir) as engine:
        engine.add(DOCS)
    log = tmp_path / "server.log"
    # No background commit: the shutdown alone must save what the writers were answered 200 for.
    process, port = start_serve(
        index_dir,
        log,
        "--api-key",
        KEY,
        "--threads",
        "4",
        COMMIT_INTERVAL="3600",
        COMMIT_BATCH="1000000",
        MAX_BATCH_DOCUMENTS=str(len(BULK)),
        MAX_BODY_BYTES=str(64 << 20),
        # What is tested is that the bulk write is answered, not how fast: on a loaded
        # machine its commit has taken longer than the default deadline.
        SHUTDOWN_TIMEOUT="600",
    )
    bulk: dict[str, object] = {}

    def send_bulk() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/documents?commit=true", json.dumps(BULK), AUTH)
        response = conn.getresponse()
        body = json.loads(response.read())
        bulk.update(status=response.status, body=body, answered=time.monotonic())

    try:
        writers = [Writer(port, f"w{n}") for n in range(3)]
        for writer in writers:
            writer.start()
        while sum(len(w.acknowledged) for w in writers) < 30:
            time.sleep(0.01)
        bulk_thread = threading.Thread(target=send_bulk, daemon=True)
        bulk_thread.start()
        wait_until_in_flight(port, bulk)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        # Stopping: new connections are refused while the requests in flight finish.
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        assert process.wait(timeout=120) == 0
        bulk_thread.join(timeout=10)
        for writer in writers:
            writer.join(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    output = log.read_text()
    assert "Traceback" not in output
    # The bulk write was in flight when the signal came, and was answered all the same.
    assert bulk["status"] == 200, bulk
    assert bulk["body"]["accepted"] == len(BULK)  # type: ignore[index]
    assert bulk["answered"] > signalled  # type: ignore[operator]
    for writer in writers:
        assert set(writer.statuses) == {200}, writer.statuses
    acknowledged = {k: v for w in writers for k, v in w.acknowledged.items()}
    with SearchEngine(index_dir, create=False) as reopened:
        assert len(reopened) == len(DOCS) + len(BULK) + len(acknowledged)
        for doc_id, title in acknowledged.items():
            assert reopened.get(doc_id)["title"] == title
        assert reopened.get("bulk-5999")["title"] == "Bulk report 5999 from Kharkiv"


def test_a_request_still_running_at_the_shutdown_deadline_is_cut_off_and_said(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    log = tmp_path / "server.log"
    process, port = start_serve(
        index_dir,
        log,
        "--api-key",
        KEY,
        COMMIT_INTERVAL="3600",
        MAX_BATCH_DOCUMENTS=str(len(BULK)),
        MAX_BODY_BYTES=str(64 << 20),
        SHUTDOWN_TIMEOUT="0",
    )
    bulk: dict[str, object] = {}

    def send_bulk() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/documents?commit=true", json.dumps(BULK), AUTH)
        try:
            bulk["status"] = conn.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            bulk["error"] = exc

    try:
        sender = threading.Thread(target=send_bulk, daemon=True)
        sender.start()
        wait_until_in_flight(port, bulk)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=120) == 0
        sender.join(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # Never answered 200, so nothing was promised; the log says what was cut off.
    assert isinstance(bulk.get("error"), http.client.RemoteDisconnected), bulk
    output = log.read_text()
    assert "the shutdown_timeout passed with 1 requests unanswered" in output, output[-2000:]
    assert "Traceback" not in output
