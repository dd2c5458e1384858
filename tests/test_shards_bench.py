"""bench/shards.py end to end on a tiny corpus, with in-process shards (no Ray).

Speed is never asserted: only that every configuration is built, searched and
measured, and that the results file says so.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.queries import CLASSES
from bench.shards import main


def test_the_harness_measures_every_configuration(tmp_path: Path) -> None:
    argv = [
        "--backend",
        "local",
        "--sizes",
        "300",
        "--shards",
        "1,2",
        "--queries-per-class",
        "3",
        "--warmup",
        "2",
        "--out",
        str(tmp_path / "out"),
        "--corpus-cache",
        str(tmp_path / "corpus"),
        "--quiet",
    ]
    assert main(argv) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    entries = results["configurations"]
    assert [(e["backend"], e["shards"]) for e in entries] == [("single", 1), ("local", 2)]
    for entry in entries:
        assert entry["status"] == "ok", entry.get("error")
        assert entry["size"] == 300
        assert entry["indexing"]["documents"] == 300
        assert entry["indexing"]["docs_per_s"] > 0
        assert entry["memory"]["rss_bytes"] > 0
        for qclass in CLASSES:
            latency = entry["latency"][qclass]
            assert latency["n"] > 0, qclass
            assert latency["p50"] > 0 and latency["p95"] > 0, qclass
    # The shards hold the same documents as the one index: every query finds as many.
    agreement = entries[1]["agreement"]
    assert agreement["same_total"] == agreement["queries"] > 0
    assert (tmp_path / "out" / "results.md").read_text().count("| 2 shards (local) |") == 2
