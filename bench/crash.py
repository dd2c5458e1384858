"""Kill the server mid-write, again and again, and check that no acknowledged write is lost.

Each round starts ``searchsvc serve`` on one index folder, has client threads
put, replace and delete documents over HTTP (with commits and segment merges
going on underneath), and SIGKILLs the server at a random moment. The next
round's server must then hold every write the clients were answered 200 for,
by id and content, and every acknowledged deletion must be gone. A write in
flight at the kill may have landed or not; either is fine.

Run the full form with::

    python bench/crash.py --rounds 50

The test suite runs a shorter form (tests/test_crash.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Outcomes of one id: the acknowledged state, and the states in flight at the kill.
Absent = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Ledger:
    """What the clients were told: per id, the last acknowledged document (None: deleted)."""

    acked: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    #: Writes sent and not answered when the server died: they may or may not have landed.
    in_flight: dict[str, list[dict[str, Any] | None]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: int = 0


@dataclass
class Report:
    rounds: int = 0
    kills: int = 0
    acknowledged_writes: int = 0
    lost: list[str] = field(default_factory=list)
    errors_5xx: int = 0
    #: What each 5xx answer said.
    server_errors: list[str] = field(default_factory=list)
    slowest_restart_s: float = 0.0


class Server:
    def __init__(self, index_dir: Path, log: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = ("127.0.0.1", self.port)
        self.log = log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "searchsvc",
                    "--index-dir",
                    str(index_dir),
                    "serve",
                    "--port",
                    str(self.port),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def wait_up(self, timeout: float = 60.0) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}: {self.log.read_text()[-2000:]}"
                )
            try:
                status, _ = call(self.base, "GET", "/health")
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not come up")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def call(base: tuple[str, int], method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(*base, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def writer(
    base: tuple[str, int],
    ledger: Ledger,
    rng: random.Random,
    ids: list[str],
    stop: threading.Event,
    report: Report,
) -> None:
    while not stop.is_set():
        doc_id = rng.choice(ids)
        n = rng.randrange(1_000_000)
        if rng.random() < 0.2:
            op: dict[str, Any] | None = None
            method, body = "DELETE", None
        else:
            op = {
                "id": doc_id,
                "title": f"Grain shipment {n} from Odesa",
                "body": f"version {n} " * rng.randrange(1, 40),
            }
            method, body = "PUT", {k: v for k, v in op.items() if k != "id"}
        with ledger.lock:
            ledger.in_flight.setdefault(doc_id, []).append(op)
        try:
            status, answer = call(base, method, f"/documents/{doc_id}", body)
        except (OSError, http.client.HTTPException, ValueError):
            return  # the server is gone (mid-answer, maybe): this write stays in flight
        with ledger.lock:
            ledger.in_flight[doc_id].remove(op)
            if status == 200:
                ledger.acked[doc_id] = op
                ledger.acknowledged += 1
            elif status == 404 and method == "DELETE":
                ledger.acked[doc_id] = None  # already absent, which a delete promises too
            elif status >= 500:
                report.errors_5xx += 1
                report.server_errors.append(f"{method} {doc_id}: {status} {answer}")


def check(base: tuple[str, int], ledger: Ledger, report: Report) -> None:
    """Every acknowledged write is there, unless a later write in flight replaced it."""
    for doc_id, expected in sorted(ledger.acked.items()):
        status, answer = call(base, "GET", f"/documents/{doc_id}")
        found = answer if status == 200 else None
        if status not in (200, 404):
            report.errors_5xx += status >= 500
            report.lost.append(f"{doc_id}: GET answered {status}")
            continue
        allowed = [expected, *ledger.in_flight.get(doc_id, [])]
        if not any(_same(found, option) for option in allowed):
            report.lost.append(f"{doc_id}: expected {_brief(expected)}, found {_brief(found)}")
        else:
            ledger.acked[doc_id] = (
                found if found is None else {"id": doc_id, "title": found["title"], "body": found.get("body")}
            )
    ledger.in_flight.clear()


def _same(found: dict[str, Any] | None, expected: dict[str, Any] | None) -> bool:
    if found is None or expected is None:
        return found is expected
    return found.get("title") == expected["title"] and found.get("body") == expected["body"].strip()


def _brief(doc: dict[str, Any] | None) -> str:
    return "absent" if doc is None else repr(doc.get("title"))


def run(rounds: int, folder: Path, *, seed: int = 7, writers: int = 4, ids: int = 60, log=print) -> Report:
    rng = random.Random(seed)
    env = {
        **os.environ,
        # Commits and merges often, so that kills land in them too.
        "SEARCHSVC_COMMIT_INTERVAL": "0.05",
        "SEARCHSVC_COMMIT_BATCH": "20",
    }
    index_dir = folder / "index"
    ledger = Ledger()
    report = Report()
    id_list = [f"doc-{i}" + ("/part" if i % 7 == 0 else "") for i in range(ids)]
    for number in range(rounds):
        server = Server(index_dir, folder / "server.log", env)
        report.slowest_restart_s = max(report.slowest_restart_s, server.wait_up())
        check(server.base, ledger, report)
        stop = threading.Event()
        # Each client writes its own ids: two writes to one id at once would leave
        # the order they were applied in, and so the expected version, unknown.
        threads = [
            threading.Thread(
                target=writer,
                args=(server.base, ledger, random.Random(rng.random()), id_list[w::writers], stop, report),
            )
            for w in range(writers)
        ]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.1, 1.2))
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()
        report.rounds += 1
        report.kills += 1
        log(f"round {number + 1}: {ledger.acknowledged} writes acknowledged so far, {len(report.lost)} lost")
    server = Server(index_dir, folder / "server.log", env)
    server.wait_up()
    check(server.base, ledger, report)
    status, _ = call(server.base, "PUT", "/documents/after-the-kills", {"title": "the next write"})
    if status != 200:
        report.lost.append(f"the write after the last kill answered {status}")
    if server.stop() != 0:
        report.lost.append("the last server did not stop cleanly")
    report.acknowledged_writes = ledger.acknowledged
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--folder", type=Path, default=None, help="where the index goes (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="searchsvc-crash-"))
    report = run(args.rounds, folder, seed=args.seed)
    print(
        f"kills: {report.kills}, acknowledged writes: {report.acknowledged_writes}, "
        f"lost: {len(report.lost)}, 5xx: {report.errors_5xx}, slowest restart: {report.slowest_restart_s:.2f} s"
    )
    for line in report.lost:
        print("  lost:", line)
    return 1 if report.lost or report.errors_5xx else 0


if __name__ == "__main__":
    sys.exit(main())
