"""bench/relevance.py end to end: on a tiny collection written here, and in its quick form on Cranfield.

Only that the harness works is asserted (every system reported, measures in
[0, 1], the queries counted, the RESULTS.md section written, replaced and kept
by ``python -m bench``), never which system ranks better.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from bench import report
from bench.relevance import BM25S_MISSING, MEASURES, QUICK_DOCS, QUICK_QUERIES, main

CRANFIELD = Path(__file__).resolve().parents[2] / "shared" / "data" / "cranfield"
SYSTEMS = {"searchsvc", "searchsvc feedback", "whoosh-defaults", "bm25s"}

DOCS = [
    {
        "id": "d1",
        "title": "Keeping bees in a small garden",
        "body": "Bees visit flowers for nectar and pollen.",
    },
    {
        "id": "d2",
        "title": "Tomatoes on the balcony",
        "body": "Tomatoes want sun, loose soil and steady watering.",
    },
    {"id": "d3", "title": "Compost for beginners", "body": "Kitchen scraps and leaves turn into rich soil."},
    {
        "id": "d4",
        "title": "How bees find their way home",
        "body": "Honey bees remember landmarks and the sun.",
    },
    {"id": "d5", "title": "", "body": ""},
    {
        "id": "d6",
        "title": "Watering in dry summers",
        "body": "Water early in the morning; mulch keeps the soil damp.",
    },
]
QUERIES = [
    {"id": "1", "text": "how do bees find flowers?"},
    {"id": "2", "text": "what's the best soil (for tomatoes)?"},
    {"id": "3", "text": "watering - when, and how much?"},
    {"id": "4", "text": "bicycle repair"},
    {"id": "5", "text": "unjudged question"},
    {"id": "6", "text": "navigation of pollinators"},
]
# Query 4 has only a judgment of no relevance and query 5 none: neither is measured.
# No document holds a word of query 6: every system finds nothing, and it counts as 0.
QRELS = [
    ("1", "d1", 3, 2),
    ("1", "d4", 4, 1),
    ("2", "d2", 4, 1),
    ("2", "d3", 1, 4),
    ("3", "d6", 2, 3),
    ("3", "d1", 0, -1),
    ("4", "d2", 0, -1),
    ("6", "d4", 2, 3),
]
JUDGED = {"1", "2", "3", "6"}


def _write_collection(folder: Path) -> Path:
    folder.mkdir()
    with (folder / "docs.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({**d, "author": "", "bib": ""}) + "\n" for d in DOCS)
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(q) + "\n" for q in QUERIES)
    with (folder / "qrels.tsv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["query_id", "doc_id", "relevance", "cranfield_code"])
        writer.writerows(QRELS)
    return folder


def _check_report(data: dict[str, Any], queries: set[str]) -> None:
    assert set(data["systems"]) == SYSTEMS
    assert data["queries"] == len(queries)
    for name, system in data["systems"].items():
        if name == "bm25s" and system["status"] != "ok":
            assert system["note"] == BM25S_MISSING
            continue
        assert system["status"] == "ok"
        assert system["queries"] == len(queries)
        assert set(system["measures"]) == set(MEASURES)
        for value in system["measures"].values():
            assert isinstance(value, float) and 0.0 <= value <= 1.0
        for per_query in system["per_query"].values():
            assert set(per_query) == queries
            assert all(0.0 <= v <= 1.0 for v in per_query.values())
        assert system["index_s"] >= 0 and system["query_s"] >= 0


def _section_count(text: str) -> int:
    return text.count(report.RELEVANCE_START) + text.count(report.RELEVANCE_END)


def test_tiny_collection_and_the_results_md_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _write_collection(tmp_path / "tiny")
    results_md = tmp_path / "RESULTS.md"
    results_md.write_text("# Benchmark results\n\nFigures of the speed run.\n", encoding="utf-8")
    out = tmp_path / "relevance.json"
    args = ["--collection", str(folder), "--json", str(out), "--write", "--results-md", str(results_md)]

    assert main(args) == 0
    table = capsys.readouterr().out
    assert all(f"| {name} |" in table for name in SYSTEMS)
    _check_report(json.loads(out.read_text()), JUDGED)
    first = results_md.read_text(encoding="utf-8")
    assert first.startswith("# Benchmark results\n\nFigures of the speed run.\n\n" + report.RELEVANCE_START)
    assert _section_count(first) == 2
    assert all(f"| {name} |" in first for name in SYSTEMS)

    # A second run replaces the section where it stands and leaves the text around it.
    results_md.write_text(first + "\nWritten after the section.\n", encoding="utf-8")
    assert main(args) == 0
    second = results_md.read_text(encoding="utf-8")
    assert _section_count(second) == 2
    assert second.startswith("# Benchmark results\n\nFigures of the speed run.\n\n" + report.RELEVANCE_START)
    assert second.endswith(report.RELEVANCE_END + "\n\nWritten after the section.\n")

    # `python -m bench` regenerates RESULTS.md and carries the section over verbatim.
    section = report.relevance_section(second)
    assert section is not None
    meta = {"command": "python -m bench", "machine": {}, "started": "now", "seconds": 1.0}
    regenerated = report.markdown({"meta": meta, "runs": []}, for_results_md=True, previous=results_md)
    assert regenerated.startswith("# Benchmark results")
    assert regenerated.endswith(section + "\n")
    assert report.relevance_section(regenerated) == section
    no_section = tmp_path / "plain.md"
    no_section.write_text("# Benchmark results\n", encoding="utf-8")
    plain = report.markdown({"meta": meta, "runs": []}, for_results_md=True, previous=no_section)
    assert report.RELEVANCE_START not in plain


def test_a_missing_collection_is_one_line_and_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--collection", str(tmp_path / "absent")]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert str(tmp_path / "absent") in captured.err


def _expected_quick_queries() -> set[str]:
    with (CRANFIELD / "docs.jsonl").open(encoding="utf-8") as fh:
        first_docs = {json.loads(line)["id"] for line in list(fh)[:QUICK_DOCS]}
    with (CRANFIELD / "qrels.tsv").open(encoding="utf-8", newline="") as fh:
        relevant = {
            r["query_id"]
            for r in csv.DictReader(fh, delimiter="\t")
            if int(r["relevance"]) >= 1 and r["doc_id"] in first_docs
        }
    with (CRANFIELD / "queries.jsonl").open(encoding="utf-8") as fh:
        order = [json.loads(line)["id"] for line in fh]
    return set([q for q in order if q in relevant][:QUICK_QUERIES])


@pytest.mark.skipif(not CRANFIELD.is_dir(), reason="../shared/data/cranfield is not present")
def test_quick_form_on_cranfield(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The default collection is found from the repository, wherever the command runs.
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "relevance.json"
    assert main(["--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert all(f"| {name} |" in printed for name in SYSTEMS), printed
    data = json.loads(out.read_text())
    assert data["docs"] == QUICK_DOCS
    _check_report(data, _expected_quick_queries())
