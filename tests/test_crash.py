"""SIGKILL at random moments: the server keeps every acknowledged write, the indexer its commits.

The server part is bench/crash.py's harness, run here in its CI form; run
``python bench/crash.py --rounds 50`` for a longer one.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import crash  # noqa: E402
from searchsvc import SearchEngine  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")

JSON = {"Content-Type": "application/json"}

#: Kills in the CI form; SEARCHSVC_CRASH_ROUNDS asks for more.
ROUNDS = int(os.environ.get("SEARCHSVC_CRASH_ROUNDS", "20"))


def test_no_acknowledged_write_is_lost_across_kills(tmp_path: Path) -> None:
    report = crash.run(ROUNDS, tmp_path, seed=11, log=lambda line: None)
    assert report.kills == ROUNDS
    assert report.acknowledged_writes > ROUNDS * 20  # the kills landed among real writes
    assert report.lost == []
    assert report.errors_5xx == 0, report.server_errors


def many_documents(path: Path, count: int) -> Path:
    """A JSON Lines file of ``count`` documents, long enough to index that a kill lands mid-way."""
    with path.open("w") as out:
        for n in range(count):
            out.write(
                json.dumps({"id": f"n{n}", "title": f"Grain shipment {n}", "body": "ships " * 30}) + "\n"
            )
    return path


def test_a_killed_indexer_leaves_an_index_that_opens_and_takes_writes(tmp_path: Path) -> None:
    source = many_documents(tmp_path / "many.jsonl", 20_000)
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "after", "title": "After the kill"}) + "\n")
    index = tmp_path / "index"
    rng = random.Random(5)
    command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index)]
    for _round in range(3):
        process = subprocess.Popen([*command, "index", "-q", str(source)], stderr=subprocess.PIPE)
        time.sleep(rng.uniform(1.0, 4.0))
        # The indexer alone, as an OOM kill would: its parallel writers must die with it.
        process.send_signal(signal.SIGKILL)
        process.wait()
        with SearchEngine(index, variants=None) as engine:
            # What the indexer committed, in whole batches (the first load of an
            # empty index is one commit), besides the small file of earlier rounds.
            count = len(engine) - (1 if engine.search("id:after").total else 0)
        assert count % 5000 == 0, count
        done = subprocess.run(
            [*command, "index", "-q", str(small)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    with SearchEngine(index, variants=None) as engine:
        assert engine.get("after")["title"] == "After the kill"


def test_a_killed_reindex_leaves_the_old_generation_serving(tmp_path: Path) -> None:
    from test_server_e2e import request, start_serve

    index = tmp_path / "index"
    old = [{"id": f"old-{n}", "title": f"Old report {n} from Kharkiv"} for n in range(3)]
    with SearchEngine(index, variants=None) as engine:
        engine.add(old)
    source = many_documents(tmp_path / "many.jsonl", 40_000)
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "after", "title": "After the kills"}) + "\n")
    command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index)]
    log = tmp_path / "server.log"
    server, port = start_serve(index, log)
    base = f"http://127.0.0.1:{port}"
    try:
        rng = random.Random(7)
        for _round in range(3):
            rebuild = subprocess.Popen([*command, "reindex", "-q", str(source)], stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.5, 3.0))
            assert rebuild.poll() is None, "the reindex finished before it could be killed"
            rebuild.send_signal(signal.SIGKILL)
            rebuild.wait()
            # The server never noticed: it still serves the old generation, whole.
            status, _, result = request(base + "/search?q=kharkiv&limit=10")
            assert (status, sorted(hit["id"] for hit in result["hits"])) == (200, [d["id"] for d in old])
            with SearchEngine(index, variants=None, create=False) as engine:
                assert len(engine) == len(old)
                assert engine.get("old-2")["title"] == "Old report 2 from Kharkiv"
        # What the dead rebuilds left behind does not get in the next one's way.
        done = subprocess.run(
            [*command, "reindex", "-q", str(small)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        status, _, result = request(base + "/search?q=*")
        assert (status, [hit["id"] for hit in result["hits"]]) == (200, ["after"])
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    # Only the live generation and the one it replaced remain.
    assert len(list(index.glob("gen-*"))) <= 2
    assert "Traceback" not in log.read_text()


def wait_until_dead(pid: int) -> None:
    """Wait for every thread of ``pid`` to have exited: only then are its locks released."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            states = [
                (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
                for task in Path(f"/proc/{pid}/task").iterdir()
            ]
        except FileNotFoundError:
            return
        if all(state in ("Z", "X") for state in states):
            return
        time.sleep(0.01)
    pytest.fail(f"process {pid} outlived SIGKILL")


class TwoWorkers:
    """``serve --workers 2`` with no background commit, and four keep-alive clients, two per worker."""

    def __init__(self, tmp_path: Path) -> None:
        from test_server_e2e import DOCS, start_serve

        self.index = tmp_path / "index"
        with SearchEngine(self.index, variants=None) as engine:
            engine.add(DOCS)
        self.initial = len(DOCS)
        self.log = tmp_path / "server.log"
        # No background commit: only the write log can bring these writes back.
        self.server, self.port = start_serve(
            self.index, self.log, "--workers", "2", COMMIT_INTERVAL="3600", COMMIT_BATCH="1000000"
        )
        self.connections: list[http.client.HTTPConnection] = []
        for _ in range(4):
            self.connections.append(http.client.HTTPConnection("127.0.0.1", self.port, timeout=10))
            self.call(len(self.connections) - 1, "GET", "/health")

    def workers(self) -> list[str]:
        return Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()

    def call(self, n: int, method: str, path: str, body: object = None) -> tuple[int, dict]:
        conn = self.connections[n % len(self.connections)]
        conn.request(method, path, json.dumps(body) if body is not None else None, JSON)
        response = conn.getresponse()
        return response.status, json.loads(response.read())

    def write(self, written: dict[str, str]) -> None:
        """PUT each document through the connections in turn: each worker takes half."""
        for n, (doc_id, title) in enumerate(written.items()):
            status, answer = self.call(n, "PUT", f"/documents/{doc_id}", {"title": title})
            assert (status, answer["committed"]) == (200, False)

    def logged_by(self) -> set[str]:
        """The processes whose log files hold writes."""
        return {p.name.split("-")[1] for p in (self.index / "wal").glob("*.log") if p.stat().st_size}

    def close(self) -> None:
        for conn in self.connections:
            conn.close()
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait()


def test_writes_taken_by_either_worker_survive_killing_them_all(tmp_path: Path) -> None:
    servers = TwoWorkers(tmp_path)
    written = {f"w-{n}": f"Report {n} from Odesa" for n in range(60)}
    try:
        workers = servers.workers()
        servers.write(written)
        assert servers.call(0, "DELETE", "/documents/kyiv-1")[0] == 200
        assert servers.logged_by() == set(workers)
    finally:
        servers.close()
    for pid in workers:
        wait_until_dead(int(pid))
    with SearchEngine(servers.index, variants=None, create=False) as engine:
        assert {doc_id: engine.get(doc_id)["title"] for doc_id in written} == written
        assert "kyiv-1" not in {hit.id for hit in engine.search("*", limit=100).hits}
        assert len(engine) == servers.initial - 1 + len(written)


def test_a_killed_worker_is_replaced_and_its_writes_committed(tmp_path: Path) -> None:
    servers = TwoWorkers(tmp_path)
    written = {f"w-{n}": f"Report {n} from Odesa" for n in range(40)}
    try:
        workers = servers.workers()
        servers.write(written)
        assert servers.logged_by() == set(workers)
        time.sleep(2.5)  # older than RESTART_AFTER_SECONDS: a worker that crash-loops is not replaced
        victim = workers[0]
        os.kill(int(victim), signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(replaced := servers.workers()) < 2 or victim in replaced:
            assert time.monotonic() < deadline, "no worker replaced the killed one"
            time.sleep(0.05)
        for conn in servers.connections:
            conn.close()  # the next request opens it again, to whichever worker takes it
        # The newcomer commits what the dead worker had logged (half of the writes;
        # the survivor's half waits for its own commit).
        deadline = time.monotonic() + 60
        while servers.call(0, "GET", "/search?q=odesa&limit=1")[1]["total"] < len(written) // 2:
            assert time.monotonic() < deadline, "the dead worker's writes were not committed"
            time.sleep(0.05)
        assert victim not in servers.logged_by()
        servers.server.send_signal(signal.SIGTERM)
        assert servers.server.wait(timeout=30) == 0
    finally:
        servers.close()
    output = servers.log.read_text()
    assert "starting another" in output and "Traceback" not in output
    with SearchEngine(servers.index, variants=None, create=False) as engine:
        assert engine.recovered == 0  # the survivor committed its own at SIGTERM
        assert {doc_id: engine.get(doc_id)["title"] for doc_id in written} == written
        assert len(engine) == servers.initial + len(written)
