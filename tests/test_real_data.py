"""Index real public news sets and check counts computed independently from their files.

The sets live in ../shared/data and are never copied into the repository; the
tests skip when that folder is absent.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from searchsvc import SearchEngine
from searchsvc.ingest import read_records

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
RUWA = DATA / "ruwa_ukraine_war_news" / "ruwa.jsonl"
BBC = DATA / "bbc_news" / "bbc_news.jsonl"

pytestmark = pytest.mark.skipif(not (RUWA.exists() and BBC.exists()), reason="../shared/data is not present")


def raw_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    with SearchEngine(tmp_path_factory.mktemp("real") / "ix", variants=None) as eng:
        docs = (r.document for r in read_records([RUWA, BBC]) if r.document is not None)
        batch: list[dict] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == 5000:
                eng.add(batch)
                eng.commit()
                batch = []
        eng.add(batch)
        eng.commit()
        yield eng


def test_every_record_is_indexed(engine):
    assert len(engine) == len(raw_records(RUWA)) + len(raw_records(BBC))


def test_source_and_category_facets_match_the_files(engine):
    records = raw_records(RUWA) + raw_records(BBC)
    sources = Counter(r["source"] for r in records if r.get("source"))
    categories = Counter(r["category"] for r in records if r.get("category"))
    result = engine.search("", facets=["source", "category"], facet_size=100)
    assert {b.value: b.count for b in result.facets["source"]} == dict(sources)
    assert {b.value: b.count for b in result.facets["category"]} == dict(categories)


def test_date_facet_matches_the_files(engine):
    months = Counter(r["date"][:7] for r in raw_records(RUWA) if r.get("date"))
    result = engine.search("", facets=["date"], filters={"source": "ukrinform.net"})
    ukrinform = Counter(
        r["date"][:7] for r in raw_records(RUWA) if r.get("date") and r["source"] == "ukrinform.net"
    )
    assert {b.value: b.count for b in result.facets["date"]} == dict(ukrinform)
    everything = engine.search("", facets=["date"])
    assert {b.value: b.count for b in everything.facets["date"]} == dict(months)


def test_filtered_facets_match_the_files(engine):
    ruwa = raw_records(RUWA)
    expected = Counter(r["source"] for r in ruwa if r.get("category") == "nuclear")
    result = engine.search("", filters={"category": "nuclear"}, facets=["source", "category"], facet_size=100)
    assert result.total == sum(expected.values())
    assert {b.value: b.count for b in result.facets["source"]} == dict(expected)


def test_a_known_document_comes_back_whole(engine):
    bbc = raw_records(BBC)
    first = bbc[0]
    stored = engine.get(first["id"])
    assert stored["title"] == first["title"]
    assert stored["body"] == first["body"].strip()
    assert stored["category"] == first["category"]
    result = engine.search(f'"{first["title"]}"', filters={"source": first["source"]})
    assert first["id"] in [h.id for h in result.hits]


def test_a_word_count_matches_the_files(engine):
    # "Azovstal" is a rare proper name that no stemmer rewrites; count whole words.
    word = re.compile(r"(?<![^\W_])azovstal(?![^\W_])", re.IGNORECASE)
    expected = sum(
        1
        for r in raw_records(RUWA) + raw_records(BBC)
        if word.search(f"{r.get('title') or ''} {r.get('body') or ''}")
    )
    assert expected > 100
    assert engine.search("azovstal").total == expected
