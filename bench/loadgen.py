"""Closed-loop HTTP load generator, run in its own process.

``concurrency`` keep-alive connections each send a request, wait for the whole
response, and send the next, for ``duration`` seconds after a short warm-up.
Plain asyncio streams keep the client's own cost per request small (tens of
microseconds), so on a 2-core machine most of the CPU is left to the server.

    python -m bench.loadgen --port 8080 --concurrency 4 --duration 10 --paths paths.txt --out out.json
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .stats import summarize


class _Closed(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body, and whether the server keeps the connection open."""
    line = await reader.readline()
    if not line:
        raise _Closed
    parts = line.split(None, 2)
    status = int(parts[1])
    length: int | None = None
    chunked = False
    keep_alive = True
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.partition(b":")
        name = name.strip().lower()
        value = value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value:
            chunked = True
        elif name == b"connection" and value == b"close":
            keep_alive = False
    if chunked:
        body = bytearray()
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        return status, bytes(body), keep_alive
    if length is not None:
        return status, await reader.readexactly(length), keep_alive
    return status, await reader.read(), False


async def _client(
    host: str,
    port: int,
    paths: Iterator[tuple[str, bool]],
    record_from: float,
    stop_at: float,
    out: dict[str, Any],
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while time.perf_counter() < stop_at:
            path, repeated = next(paths)
            request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
            start = time.perf_counter()
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                await writer.drain()
                status, _body, keep = await _read_response(reader)
            except (_Closed, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                out["errors"] += 1
                out["error_kinds"][type(exc).__name__] += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                await asyncio.sleep(0.01)  # do not spin on a dead server
                continue
            end = time.perf_counter()
            if start >= record_from:
                out["latencies"].append((end - start) * 1000)
                out["status"][status] += 1
                out["repeats"] += repeated
                if status != 200:
                    out["errors"] += 1
            if not keep:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


def _cycle(paths: list[str]) -> Iterator[tuple[str, bool]]:
    for round_ in itertools.count():
        for p in paths:
            yield p, round_ > 0


async def run_load(
    host: str, port: int, paths: list[str], concurrency: int, duration: float, warmup: float
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "latencies": [],
        "status": Counter(),
        "errors": 0,
        "error_kinds": Counter(),
        "repeats": 0,
    }
    it = _cycle(paths)
    now = time.perf_counter()
    record_from = now + warmup
    stop_at = record_from + duration
    await asyncio.gather(*(_client(host, port, it, record_from, stop_at, out) for _ in range(concurrency)))
    window = max(time.perf_counter() - record_from, 1e-9)
    lat = out["latencies"]
    return {
        "concurrency": concurrency,
        "window_s": round(window, 3),
        "requests": len(lat),
        "qps": round(len(lat) / window, 1),
        "errors": out["errors"],
        "error_kinds": dict(out["error_kinds"]),
        "status": {str(k): v for k, v in out["status"].items()},
        "repeated_queries": out["repeats"],
        "latency_ms": summarize(lat),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--paths", type=Path, required=True, help="file of request paths, one per line")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    paths = [p for p in args.paths.read_text().splitlines() if p]
    result = asyncio.run(run_load(args.host, args.port, paths, args.concurrency, args.duration, args.warmup))
    args.out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
