"""One engine, one phase: build an index, or open it and time the queries.

The runner starts each phase in a fresh process (``python -m bench.worker
PHASE PARAMS.json OUT.json``) so every engine is measured alone: its RSS is its
own, no other engine's objects sit in the same heap, and building does not
leave garbage behind for the query phase. ``--in-process`` calls the same
functions directly (the tests do, to stay fast).
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .corpus import CorpusSpec, iter_docs
from .peers import BenchQuery, PeerUnavailable, load_peer
from .stats import children_peak_rss, dir_size, proc_status


def build_phase(engine: str, spec: CorpusSpec, index_dir: Path) -> dict[str, Any]:
    peer = load_peer(engine)
    if index_dir.exists():
        shutil.rmtree(index_dir)
    fed = 0

    def docs() -> Iterator[dict[str, Any]]:
        nonlocal fed
        for doc in iter_docs(spec):
            fed += 1
            yield doc

    start = time.perf_counter()
    stats = peer.build(docs(), index_dir)
    seconds = time.perf_counter() - start
    status = proc_status()
    return {
        "status": "ok",
        "docs": fed,
        "indexed": stats.docs,
        "seconds": round(seconds, 3),
        "docs_per_s": round(fed / seconds, 1) if seconds > 0 else None,
        "size_bytes": dir_size(index_dir),
        "peak_rss_bytes": status.get("VmHWM"),
        "children_peak_rss_bytes": children_peak_rss() or None,
        "extra": stats.extra,
        "engine": peer.describe(),
    }


def _run_one(peer: Any, q: BenchQuery) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    try:
        res = peer.search(q)
    except Exception as exc:  # one failing query must not hide the others' figures
        ms = (time.perf_counter() - start) * 1000
        return ms, {"qid": q.qid, "error": f"{type(exc).__name__}: {exc}"}
    ms = (time.perf_counter() - start) * 1000
    rec: dict[str, Any] = {"qid": q.qid, "total": res.total, "top_ids": res.top_ids}
    if q.facets:
        rec["facets"] = res.facets
    if q.highlight:
        rec["snippets_nonempty"] = sum(1 for s in res.snippets if s)
        if res.snippets:
            rec["snippet"] = res.snippets[0][:300]
    return ms, rec


def _timed_pass(peer: Any, queries: Sequence[BenchQuery], budget_s: float) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    deadline = time.perf_counter() + budget_s
    for q in queries:
        if time.perf_counter() > deadline:
            break
        ms, rec = _run_one(peer, q)
        rec["ms"] = round(ms, 4)
        records.append(rec)
    return records


def search_phase(
    engine: str,
    index_dir: Path,
    queries: Sequence[BenchQuery],
    warmup: Sequence[BenchQuery],
    budget_s: float,
    cached_pass: bool = True,
) -> dict[str, Any]:
    """Time every query once with caches off, then (optionally) a repeat pass.

    ``queries`` should already be interleaved by class: when the budget runs out
    every class keeps a similar number of samples.
    """
    peer = load_peer(engine)
    start = time.perf_counter()
    peer.open(index_dir, cache=False)
    open_s = time.perf_counter() - start
    first_s = None
    if warmup:
        peer.search(warmup[0])
        first_s = time.perf_counter() - start
        for q in warmup[1:]:
            peer.search(q)
    uncached = _timed_pass(peer, queries, budget_s)
    rss = proc_status()
    peer.close()

    cached: list[dict[str, Any]] = []
    if cached_pass and uncached:
        done = {r["qid"] for r in uncached}
        again = [q for q in queries if q.qid in done]
        peer.open(index_dir, cache=True)
        # First run fills whatever caches the engine has (result caches, OS
        # page cache); the second is the timed "cached" figure. Half the
        # budget each, so a slow engine at 1M docs does not take three budgets.
        _timed_pass(peer, again, budget_s / 2)
        cached = _timed_pass(peer, again, budget_s / 2)
        peer.close()
    return {
        "status": "ok",
        "open_s": round(open_s, 4),
        "open_to_first_answer_s": round(first_s, 4) if first_s is not None else None,
        "rss_bytes": rss.get("VmRSS"),
        "peak_rss_bytes": rss.get("VmHWM"),
        "uncached": uncached,
        "cached": [{"qid": r["qid"], "ms": r["ms"]} for r in cached],
        "engine": peer.describe(),
    }


def run_phase(phase: str, params: dict[str, Any]) -> dict[str, Any]:
    """Dispatch one phase from JSON-able parameters (shared by both modes)."""
    try:
        if phase == "build":
            return build_phase(
                params["engine"], CorpusSpec.from_json(params["corpus"]), Path(params["index_dir"])
            )
        if phase == "search":
            return search_phase(
                params["engine"],
                Path(params["index_dir"]),
                [BenchQuery.from_json(q) for q in params["queries"]],
                [BenchQuery.from_json(q) for q in params["warmup"]],
                float(params["budget_s"]),
                bool(params.get("cached_pass", True)),
            )
        raise ValueError(f"unknown phase {phase!r}")
    except PeerUnavailable as exc:
        return {"status": "skipped", "reason": str(exc)}
    except Exception as exc:
        return {
            "status": "error",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m bench.worker build|search PARAMS.json OUT.json", file=sys.stderr)
        return 2
    phase, params_path, out_path = args
    params = json.loads(Path(params_path).read_text())
    result = run_phase(phase, params)
    Path(out_path).write_text(json.dumps(result))
    return 0 if result.get("status") in ("ok", "skipped") else 1


if __name__ == "__main__":
    raise SystemExit(main())
