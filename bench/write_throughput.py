"""Acknowledged writes per second against a running ``searchsvc serve``.

For 1 and 8 concurrent clients, each sending single ``PUT /documents/{id}``
requests or bulk ``POST /documents`` requests of 500 documents, for a fixed
time: documents acknowledged (answered 200) per second, and the p95 latency
of a request. The server runs with the durability given (``request`` logs and
fsyncs each write before answering; ``none`` answers from memory)::

    python bench/write_throughput.py --durability request
    python bench/write_throughput.py --durability none

``--python`` and ``--pythonpath`` run another checkout's server, to compare
before and after a change.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def client(
    port: int, bulk: int, prefix: str, stop: threading.Event, counts: list[int], latencies: list[float]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    while not stop.is_set():
        if bulk == 1:
            path, method = f"/documents/{prefix}-{n}", "PUT"
            body: Any = {"title": f"Grain shipment {n} leaves Odesa", "body": "Ships left the port. " * 20}
        else:
            path, method = "/documents", "POST"
            body = [
                {
                    "id": f"{prefix}-{n}-{i}",
                    "title": f"Grain shipment {i}",
                    "body": "Ships left the port. " * 20,
                }
                for i in range(bulk)
            ]
        started = time.perf_counter()
        connection.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status == 200:
            counts.append(bulk)
        n += 1
    connection.close()


def measure(port: int, clients: int, bulk: int, seconds: float, label: str) -> dict[str, Any]:
    stop = threading.Event()
    counts: list[int] = []
    latencies: list[float] = []
    threads = [
        threading.Thread(target=client, args=(port, bulk, f"{label}-{c}", stop, counts, latencies))
        for c in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan")
    return {"clients": clients, "bulk": bulk, "docs_per_s": sum(counts) / elapsed, "p95_ms": p95 * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--durability", default="request", choices=("request", "interval", "none"))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--pythonpath", default=None, help="PYTHONPATH for the server (another checkout)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="searchsvc-writes-"))
    port = free_port()
    env = {**os.environ, "SEARCHSVC_DURABILITY": args.durability}
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed at the end
    server = subprocess.Popen(
        [args.python, "-m", "searchsvc", "--index-dir", str(folder / "index"), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((folder / "server.log").read_text()) from None
                time.sleep(0.1)
        print(f"durability {args.durability}: docs acknowledged per second, p95 per request")
        print("| clients | request | docs/s | p95 ms |")
        print("|---|---|---|---|")
        for clients in (1, 8):
            for bulk in (1, 500):
                row = measure(port, clients, bulk, args.seconds, f"c{clients}b{bulk}")
                kind = "single PUT" if bulk == 1 else f"bulk of {bulk}"
                print(f"| {clients} | {kind} | {row['docs_per_s']:.0f} | {row['p95_ms']:.1f} |", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
