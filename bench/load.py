"""A bounded load test of the real server: writers and readers together, through a reindex.

Writer threads upsert (``POST /documents``) and delete (``DELETE
/documents/{id}``), reader threads search the whole time, the server commits
and merges segments underneath, and half way through ``searchsvc reindex``
rebuilds the index from a file and swaps it in. Afterwards:

- no answer was a 5xx and no request failed to connect;
- every acknowledged write is there and every acknowledged delete is gone,
  except what the reindex replaced: a write acknowledged before the rebuild
  began may give way to the file's version;
- requests per second and p95 latency, for reads and for writes.

Run the full form with::

    python bench/load.py --seconds 60

The test suite runs a shorter form (tests/test_load.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.crash import Server, call, free_port  # noqa: E402,F401

WORDS = ["grain", "power", "Odesa", "Kharkiv", "Sloviansk", "drone", "talks", "harvest", "port", "energy"]


@dataclass
class Stats:
    read_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    errors_5xx: int = 0
    connection_errors: int = 0
    other: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class History:
    """Per id: acknowledged writes, each (time answered, document or None for a delete)."""

    acked: dict[str, list[tuple[float, dict[str, Any] | None]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _request(
    base: tuple[str, int], method: str, path: str, body: Any, stats: Stats, kind: str
) -> tuple[int, Any]:
    started = time.perf_counter()
    try:
        status, answer = call(base, method, path, body)
    except OSError as exc:
        with stats.lock:
            stats.connection_errors += 1
            stats.other.append(f"{method} {path}: {exc}")
        return 0, None
    elapsed = (time.perf_counter() - started) * 1000
    with stats.lock:
        (stats.read_ms if kind == "read" else stats.write_ms).append(elapsed)
        if status >= 500:
            stats.errors_5xx += 1
            stats.other.append(f"{method} {path}: {status} {answer}")
        elif kind == "read" and status != 200:
            stats.other.append(f"{method} {path}: {status} {answer}")
    return status, answer


def writer(base, ids, rng, stop, stats: Stats, history: History) -> None:
    while not stop.is_set():
        doc_id = rng.choice(ids)
        if rng.random() < 0.25:
            status, _ = _request(base, "DELETE", f"/documents/{doc_id}", None, stats, "write")
            doc = None
            ok = status in (200, 404)
        else:
            n = rng.randrange(1_000_000)
            doc = {
                "id": doc_id,
                "title": f"{rng.choice(WORDS)} report {n}",
                "source": rng.choice(["BBC", "Reuters"]),
            }
            status, _ = _request(base, "POST", "/documents", [doc], stats, "write")
            ok = status == 200
        if ok:
            with history.lock:
                history.acked.setdefault(doc_id, []).append((time.monotonic(), doc))


def reader(base, rng, stop, stats: Stats) -> None:
    while not stop.is_set():
        q = " ".join(rng.sample(WORDS, rng.randrange(1, 3)))
        path = f"/search?q={q.replace(' ', '+')}&facets=source,date&limit=10"
        _request(base, "GET", path, None, stats, "read")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else float("nan")


def run(
    seconds: float, folder: Path, *, seed: int = 3, writers: int = 3, readers: int = 3, log=print
) -> dict[str, Any]:
    rng = random.Random(seed)
    env = {**os.environ, "SEARCHSVC_COMMIT_INTERVAL": "0.2", "SEARCHSVC_COMMIT_BATCH": "50"}
    index_dir = folder / "index"
    server = Server(index_dir, folder / "server.log", env)
    server.wait_up()
    rebuilt = {f"file-{n}": {"id": f"file-{n}", "title": f"grain from the file {n}"} for n in range(300)}
    source = folder / "rebuild.jsonl"
    source.write_text("".join(json.dumps(doc) + "\n" for doc in rebuilt.values()))
    ids = [f"doc-{n}" for n in range(120)] + list(rebuilt)[:40]
    stats, history = Stats(), History()
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=writer,
            args=(server.base, ids[w::writers], random.Random(rng.random()), stop, stats, history),
        )
        for w in range(writers)
    ] + [
        threading.Thread(target=reader, args=(server.base, random.Random(rng.random()), stop, stats))
        for _ in range(readers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds / 2)
    # The rebuild begins when it takes its mark in the index folder, a little after it starts.
    marks: list[float] = []

    def watch() -> None:
        while not marks and not stop.is_set():
            if (index_dir / "rebuilding").exists():
                marks.append(time.monotonic())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch)
    watcher.start()
    rebuild = subprocess.run(
        [sys.executable, "-m", "searchsvc", "--index-dir", str(index_dir), "reindex", "-q", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=max(60.0, seconds * 4),
    )
    if rebuild.returncode != 0:
        stats.other.append(f"reindex failed: {rebuild.stderr.strip()}")
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for thread in [*threads, watcher]:
        thread.join()
    began = marks[0] if marks else time.monotonic()
    elapsed = time.monotonic() - started
    time.sleep(0.6)  # the last commit
    lost = []
    for doc_id in ids:
        writes = history.acked.get(doc_id, [])
        status, found = call(server.base, "GET", f"/documents/{doc_id}")
        found_doc = found if status == 200 else None
        allowed = [w for t, w in writes if t >= began] or []
        last_before = [w for t, w in writes if t < began][-1:]
        if writes and writes[-1][0] >= began:
            expected = [writes[-1][1]]  # written once the rebuild had begun: it must win
        else:
            # Acknowledged before the rebuild began: the file's version may have replaced it.
            expected = [*last_before, rebuilt.get(doc_id), *allowed[-1:]]
            if not writes:
                expected = [rebuilt.get(doc_id)]
        if not any(_same(found_doc, e) for e in expected):
            lost.append(
                f"{doc_id}: found {found_doc and found_doc.get('title')!r}, expected one of {[e and e['title'] for e in expected]}"
            )
    if server.stop() != 0:
        stats.other.append("the server did not stop cleanly")
    result = {
        "seconds": round(elapsed, 1),
        "reads": len(stats.read_ms),
        "writes": len(stats.write_ms),
        "reads_per_s": round(len(stats.read_ms) / elapsed, 1),
        "writes_per_s": round(len(stats.write_ms) / elapsed, 1),
        "read_p95_ms": round(p95(stats.read_ms), 1),
        "write_p95_ms": round(p95(stats.write_ms), 1),
        "errors_5xx": stats.errors_5xx,
        "connection_errors": stats.connection_errors,
        "lost": lost,
        "other": stats.other[:20],
    }
    log(json.dumps(result, indent=2))
    return result


def _same(found: dict[str, Any] | None, expected: dict[str, Any] | None) -> bool:
    if found is None or expected is None:
        return found is expected
    return found.get("title") == expected["title"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="searchsvc-load-"))
    result = run(args.seconds, folder)
    bad = result["errors_5xx"] or result["connection_errors"] or result["lost"] or result["other"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
