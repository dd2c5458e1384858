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


def test_a_killed_indexer_leaves_an_index_that_opens_and_takes_writes(tmp_path: Path) -> None:
    source = tmp_path / "many.jsonl"
    with source.open("w") as out:
        for n in range(20_000):
            out.write(
                json.dumps({"id": f"n{n}", "title": f"Grain shipment {n}", "body": "ships " * 30}) + "\n"
            )
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
    from test_server_e2e import free_port, request, wait_until_up

    index = tmp_path / "index"
    old = [{"id": f"old-{n}", "title": f"Old report {n} from Kharkiv"} for n in range(3)]
    with SearchEngine(index, variants=None) as engine:
        engine.add(old)
    source = tmp_path / "many.jsonl"
    with source.open("w") as out:
        for n in range(40_000):
            out.write(
                json.dumps({"id": f"n{n}", "title": f"Grain shipment {n}", "body": "ships " * 30}) + "\n"
            )
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "after", "title": "After the kills"}) + "\n")
    command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index)]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [*command, "serve", "--port", str(port)], stdout=log_file, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(base, server, log)
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


def test_writes_taken_by_either_worker_survive_killing_them_all(tmp_path: Path) -> None:
    from test_server_e2e import DOCS, free_port, wait_until_up

    index = tmp_path / "index"
    with SearchEngine(index, variants=None) as engine:
        engine.add(DOCS)
    command = [sys.executable, "-m", "searchsvc", "--index-dir", str(index), "serve"]
    # No background commit: only the write log can bring these writes back.
    env = {**os.environ, "SEARCHSVC_COMMIT_INTERVAL": "3600", "SEARCHSVC_COMMIT_BATCH": "1000000"}
    env.pop("SEARCHSVC_API_KEY", None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "2"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    written = {f"w-{n}": f"Report {n} from Odesa" for n in range(60)}
    connections: list[http.client.HTTPConnection] = []
    try:
        wait_until_up(base, server, log)
        workers = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        # Four keep-alive connections open at once: the two workers take two each.
        for _ in range(4):
            connections.append(http.client.HTTPConnection("127.0.0.1", port, timeout=10))
            connections[-1].request("GET", "/health")
            connections[-1].getresponse().read()
        for n, (doc_id, title) in enumerate(written.items()):
            conn = connections[n % len(connections)]
            conn.request("PUT", f"/documents/{doc_id}", json.dumps({"title": title}), JSON)
            response = conn.getresponse()
            assert (response.status, json.loads(response.read())["committed"]) == (200, False)
        connections[0].request("DELETE", "/documents/kyiv-1")
        assert connections[0].getresponse().status == 200
        # Both workers logged some of them.
        logged_by = {p.name.split("-")[1] for p in (index / "wal").glob("*.log") if p.stat().st_size}
        assert logged_by == set(workers), (logged_by, workers)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        for conn in connections:
            conn.close()
    for pid in workers:
        wait_until_dead(int(pid))
    with SearchEngine(index, variants=None, create=False) as engine:
        assert {doc_id: engine.get(doc_id)["title"] for doc_id in written} == written
        assert "kyiv-1" not in {hit.id for hit in engine.search("*", limit=100).hits}
        assert len(engine) == len(DOCS) - 1 + len(written)
