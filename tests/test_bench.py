"""The benchmark harness end to end on a tiny corpus (quick mode, in-process).

Timings are never asserted: only that the run completes, that the results
file has the documented shape, and that the engines answer the same question
where they have no excuse to differ (single words that Porter and Snowball
stem alike).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import main
from bench.peers.base import BenchQuery
from bench.queries import CLASSES
from bench.synth import NewsGenerator

BASE_ENGINES = ["naive_whoosh", "fts5"] + (["tantivy"] if importlib.util.find_spec("tantivy") else [])
TERM_CLASSES = {"term_low", "term_mid", "term_high"}


def _run(out: Path, engines: list[str], *extra: str) -> dict[str, Any]:
    argv = [
        "--quick",
        "--sizes",
        "300",
        "--queries-per-class",
        "3",
        "--warmup",
        "1",
        "--engines",
        ",".join(engines),
        "--in-process",
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]
    assert main(argv) == 0
    return dict(json.loads((out / "results.json").read_text()))


def _queries(out: Path, label: str) -> dict[str, BenchQuery]:
    data = json.loads((out / "runs" / label / "queries.json").read_text())
    return {q["qid"]: BenchQuery.from_json(q) for q in data["queries"]}


def _totals(out: Path, label: str, engine: str) -> dict[str, dict[str, Any]]:
    data = json.loads((out / "runs" / label / f"{engine}.queries.json").read_text())
    return {r["qid"]: r for r in data["uncached"] if "error" not in r}


def _check_structure(results: dict[str, Any], engines: list[str]) -> dict[str, Any]:
    meta = results["meta"]
    assert meta["mode"] == "quick"
    assert meta["command"].startswith("python -m bench ")
    assert {"cores", "memory_bytes", "python"} <= set(meta["machine"])
    (run,) = results["runs"]
    assert run["corpus"] == "synth" and run["size"] == 300 and run["docs"] == 300
    assert run["queries"]["count"] > 0
    assert set(run["queries"]["per_class"]) == set(CLASSES)
    for engine in engines:
        entry = run["engines"][engine]
        assert entry["status"] == "ok", entry
        build = entry["build"]
        assert build["docs"] == 300
        assert build["docs_per_s"] > 0 and build["size_bytes"] > 0
        search = entry["search"]
        assert search["queries_run"] == run["queries"]["count"]
        assert search["errors"] == 0, search["first_errors"]
        assert search["rss_bytes"] > 0
        for kind in ("uncached", "cached"):
            table = entry["latency"][kind]
            assert set(table) == {*CLASSES, "plain", "all"}
            assert {"n", "p50", "p95", "p99"} <= set(table["all"])
            assert table["all"]["n"] == run["queries"]["count"]
    pairs = run["agreement"]["pairs"]
    assert set(pairs) == {f"{a}~{b}" for a, b in itertools.combinations(engines, 2)}
    return dict(run)


def test_quick_run_in_process_peers(tmp_path: Path) -> None:
    results = _run(tmp_path, BASE_ENGINES)
    run = _check_structure(results, BASE_ENGINES)
    assert (tmp_path / "results.md").read_text().startswith("# searchsvc benchmark")
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "bench.png").stat().st_size > 0

    queries = _queries(tmp_path, run["label"])
    records = {e: _totals(tmp_path, run["label"], e) for e in BASE_ENGINES}
    checked = 0
    for qid, q in queries.items():
        if q.qclass in TERM_CLASSES and q.stem_safe:
            totals = {e: records[e][qid]["total"] for e in BASE_ENGINES}
            assert len(set(totals.values())) == 1, (q.text(), totals)
            assert next(iter(totals.values())) > 0, q.text()  # drawn from the corpus, so it matches
            checked += 1
        if q.qclass == "faceted" and q.stem_safe:
            facets = [records[e][qid]["facets"] for e in BASE_ENGINES]
            assert all(f == facets[0] for f in facets), q.text()
            assert set(facets[0]) == {"source", "category", "month"}
    assert checked >= 5


def test_quick_run_with_searchsvc(tmp_path: Path) -> None:
    pytest.importorskip("searchsvc.engine")
    engines = ["searchsvc", "fts5"]
    results = _run(tmp_path, engines, "--no-chart")
    run = _check_structure(results, engines)
    assert set(run["ratios"]) == {"fts5"}
    assert run["ratios"]["fts5"]["indexing_speed"] > 0

    queries = _queries(tmp_path, run["label"])
    records = {e: _totals(tmp_path, run["label"], e) for e in engines}
    for qid, q in queries.items():
        if q.qclass in TERM_CLASSES and q.stem_safe:
            totals = {e: records[e][qid]["total"] for e in engines}
            assert totals["searchsvc"] == totals["fts5"], (q.text(), totals)


def test_synthetic_stream_is_deterministic_and_prefix_stable() -> None:
    gen = NewsGenerator(7)
    first = list(gen.documents(30))
    assert first == list(NewsGenerator(7).documents(30))
    assert list(gen.documents(5, start=25)) == first[25:]
    assert first != list(NewsGenerator(8).documents(30))
    doc = first[0]
    assert set(doc) == {"id", "title", "body", "date", "source", "category", "tags", "lang"}
    assert doc["lang"] == "en" and doc["date"].endswith("Z")
    assert 80 <= len(doc["body"].split()) <= 700


def test_http_request_path() -> None:
    from urllib.parse import parse_qs, urlsplit

    from bench.http_bench import http_path

    q = BenchQuery("pool-00001", "http", ("drone", "kyiv"), filters=(("source", ("bbc.co.uk",)),))
    parts = urlsplit(http_path(q))
    params = parse_qs(parts.query)
    assert parts.path == "/search"
    assert params == {
        "q": ["drone kyiv"],
        "facets": ["source,category,date"],
        "highlight": ["true"],
        "limit": ["10"],
        "filter": ["source:bbc.co.uk"],
    }


def test_bench_query_round_trip() -> None:
    q = BenchQuery(
        "faceted-001",
        "faceted",
        ("drone", "kyiv"),
        filters=(("source", ("bbc.co.uk",)),),
        facets=True,
        highlight=True,
        stem_safe=True,
    )
    assert BenchQuery.from_json(json.loads(json.dumps(q.to_json()))) == q


def _synth_run(size: int, *, build_s: float, faceted_p95: float, server_rss: int) -> dict[str, Any]:
    return {
        "kind": "synth",
        "size": size,
        "engines": {
            "searchsvc": {
                "status": "ok",
                "build": {"seconds": build_s, "docs_per_s": size / build_s},
                "search": {"rss_bytes": 100 * 2**20},
                "latency": {"uncached": {"faceted": {"p50": 5.0, "p95": faceted_p95}}},
            }
        },
        "http": {"status": "ok", "rss_bytes": server_rss, "levels": {}},
    }


def test_targets_report_the_large_index_rows_from_the_1m_run() -> None:
    from bench.report import targets

    runs = [
        _synth_run(100_000, build_s=80.0, faceted_p95=20.0, server_rss=900 * 2**20),
        _synth_run(1_000_000, build_s=1500.0, faceted_p95=150.0, server_rss=5 * 2**30),
    ]
    run, rows = targets({"runs": runs})
    assert run is runs[0]
    by_name = {r["target"]: r for r in rows}
    assert by_name["RSS ≤ 1 GiB"]["value"] == 900.0 and by_name["RSS ≤ 1 GiB"]["pass"]
    assert by_name["1M: index built in ≤ 20 min"]["value"] == 25.0
    assert by_name["1M: index built in ≤ 20 min"]["pass"] is False
    assert by_name["1M: faceted+highlighted p95 ≤ 200 ms"]["pass"] is True
    assert by_name["1M: RSS ≤ 4 GiB"]["value"] == 5120.0 and by_name["1M: RSS ≤ 4 GiB"]["pass"] is False
    # Without a 1M run there are no 1M rows, rather than rows that cannot fail.
    _run_only, small_rows = targets({"runs": runs[:1]})
    assert not any(r["target"].startswith("1M") for r in small_rows)


def test_targets_compare_every_class_with_tantivy() -> None:
    from bench.report import targets

    run = _synth_run(100_000, build_s=80.0, faceted_p95=20.0, server_rss=900 * 2**20)
    latency = {"term_low": {"p50": 1.5, "p95": 1.9}, "phrase": {"p50": 30.0, "p95": 1.5}}
    run["ratios"] = {"tantivy": {"latency": latency, "indexing_speed": 0.25}}
    large = _synth_run(1_000_000, build_s=1500.0, faceted_p95=150.0, server_rss=2**30)
    large["ratios"] = {"tantivy": {"latency": {"and2": {"p50": 9.0, "p95": 2.5}}}}
    _run, rows = targets({"runs": [run, large]})
    by_name = {r["target"]: r for r in rows}
    assert by_name["vs tantivy: p50 within 2×, every class (worst: phrase)"] == {
        "target": "vs tantivy: p50 within 2×, every class (worst: phrase)",
        "value": 30.0,
        "unit": "ratio",
        "pass": False,
    }
    assert by_name["vs tantivy: p95 within 2×, every class (worst: term_low)"]["pass"] is True
    assert by_name["vs tantivy: indexing within 3× (tantivy's rate / ours)"]["value"] == 4.0
    assert by_name["vs tantivy: indexing within 3× (tantivy's rate / ours)"]["pass"] is False
    assert by_name["1M: vs tantivy: p95 within 3×, every class (worst: and2)"]["pass"] is True
    # Without tantivy measured, the rows say so rather than pass.
    _run, bare = targets({"runs": [_synth_run(100_000, build_s=80.0, faceted_p95=20.0, server_rss=1)]})
    unmeasured = {r["target"]: r["pass"] for r in bare if "2×" in r["target"]}
    assert unmeasured == {
        "vs tantivy: p50 within 2×, every class": None,
        "vs tantivy: p95 within 2×, every class": None,
    }
