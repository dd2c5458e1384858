"""Indexing speed and faceted, highlighted search latency on the RUWA set, through the library.

    python bench/ruwa_library.py [--data ../shared/data] [--index /tmp/ruwa-ix]

Prints docs/s for indexing (batches of 5,000 with a commit each) and the
median and p95 of searches with 3 facets (source, category, date by month)
and the top 10 highlighted, over a fixed list of queries, each run 3 times.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

from searchsvc import SearchEngine
from searchsvc.ingest import read_records

QUERIES = [
    "Kyiv",
    "Zaporizhzhia nuclear",
    "Russian forces",
    "Bakhmut",
    "grain export",
    "Mariupol Azovstal",
    "missile strike",
    "Kharkiv",
    "president Zelensky",
    "war",
    "Sloviansk",
    "Kherson counteroffensive",
    "sanctions",
    "humanitarian corridor",
    "drone attack",
]


def p50_p95(times: list[float]) -> str:
    """The median and 95th percentile of millisecond timings, as printed by these scripts."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--index", default="/tmp/searchsvc-ruwa-ix")
    parser.add_argument(
        "--no-variants", action="store_true", help="Plain stemming, no transliteration variants."
    )
    args = parser.parse_args()
    source = Path(args.data) / "ruwa_ukraine_war_news" / "ruwa.jsonl"
    docs = [r.document for r in read_records([source]) if r.document is not None]
    shutil.rmtree(args.index, ignore_errors=True)
    kwargs = {"variants": None} if args.no_variants else {}
    with SearchEngine(args.index, **kwargs) as engine:
        started = time.perf_counter()
        for i in range(0, len(docs), 5000):
            engine.add(docs[i : i + 5000])
            engine.commit()
        elapsed = time.perf_counter() - started
        print(f"indexed {len(docs)} documents in {elapsed:.1f} s: {len(docs) / elapsed:.0f} docs/s")
        engine.search("warm up", facets=["source", "category", "date"])
        times = []
        for _round in range(3):
            for q in QUERIES:
                t0 = time.perf_counter()
                engine.search(q, facets=["source", "category", "date"], highlight=True, limit=10)
                times.append((time.perf_counter() - t0) * 1000)
        print(f"search, 3 facets + top 10 highlighted, {len(times)} runs: {p50_p95(times)}")


if __name__ == "__main__":
    main()
