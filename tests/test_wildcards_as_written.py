"""Wildcards match the words as written, in any case, and reach a name's spellings.

The index holds stems ("electricity" is ``electr``), so a pattern run on the
stems misses ordinary words. Each word is also indexed as written, lowercase
and without accents, under a hidden prefix that only patterns reach.
"""

from __future__ import annotations

from collections.abc import Iterator

import falcon.testing
import pytest
from samples import found

from searchsvc import SearchEngine
from searchsvc.analysis import NewsAnalyzer
from searchsvc.api import create_app
from searchsvc.errors import QueryTooExpensive
from searchsvc.settings import Settings

DOCS = [
    {"id": "power", "title": "Electricity cut in Kharkiv", "body": "Fighting near Slavyansk overnight."},
    {"id": "cars", "title": "Electric cars sell", "body": "Dealers in Lviv report more buyers."},
    {"id": "kyiv", "title": "Talks in Kyiv", "body": "Diplomats met in the capital."},
    {"id": "ru", "title": "Обстрелы Харькова", "body": "Электричество отключили."},
    {"id": "zurich", "title": "Zürich hosts a conference", "body": "Delegates from Żytomierz came."},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("electricit*", {"power"}),
        ("*tricity", {"power"}),
        ("electri?ity", {"power"}),
        ("ELECTRICIT*", {"power"}),
        ("fighting*", {"power"}),
        ("electr*", {"power", "cars"}),
        ("electric", {"power", "cars"}),  # a word still matches by its stem
        ("*kiv", {"power"}),  # Kharkiv as written; never Kyiv through a hidden key
        ("title:*ity", {"power"}),
        ("обстрел*", {"ru"}),
        ("Харьков*", {"ru", "power"}),  # a name: every spelling, as Харьков alone
        ("электричеств?", {"ru"}),
        ("zurich*", {"zurich"}),  # accents are folded, as in every word
        ("Zür*", {"zurich"}),
        ("*omierz", {"zurich"}),
    ],
)
def test_a_wildcard_matches_the_words_as_written(engine, q, expected) -> None:
    assert found(engine, q) == expected


def test_a_prefix_that_is_a_name_reaches_its_other_spellings(engine) -> None:
    # "Sloviansk" is in no document; the name is, as Slavyansk.
    assert found(engine, "Sloviansk") == {"power"}
    assert found(engine, "Sloviansk*") == {"power"}
    # A prefix shorter than a name reaches no name, only words as written.
    assert found(engine, "Slovian*") == set()


def test_wildcard_hits_are_highlighted_and_explained(engine) -> None:
    result = engine.search("*tricity OR fighting*", explain=True)
    (hit,) = result.hits
    assert hit.highlights["title"] == "<mark>Electricity</mark> cut in Kharkiv"
    assert "<mark>Fighting</mark>" in hit.highlights["body"][0]
    assert {(m["word"], m["why"]) for m in hit.matched} == {("Electricity", "prefix"), ("Fighting", "prefix")}
    result = engine.search("Sloviansk*", explain=True)
    assert "<mark>Slavyansk</mark>" in result.hits[0].highlights["body"][0]


def test_wildcards_never_reach_hidden_terms(engine) -> None:
    # Variant keys (~k:kiv), groups and the words as written themselves (~a:kyiv).
    for q in ("~a*", "*~*", "~k*", "~*kiv"):
        assert found(engine, q) == set(), q
    assert engine.search("*kiv", explain=True).hits[0].matched == [
        {"word": "Kharkiv", "why": "prefix", "field": "title"}
    ]


def test_words_as_written_add_nothing_to_scores() -> None:
    docs = [{"id": "x", "title": "Electricity cut", "body": "Fighting near the river near Lviv."}]
    with SearchEngine.in_memory() as engine:
        engine.add(docs)
        engine.commit()
        with engine.pool.snapshot() as snapshot:
            # Field lengths count the analysis's terms, not the words as written beside them.
            for name in ("title", "body"):
                terms = engine.analyzer.term_positions(docs[0][name])
                assert snapshot.searcher.reader().doc_field_length(0, name) == sum(
                    len(positions) for positions, _weight in terms.values()
                )
        # A phrase cannot run through them: they have no positions.
        assert found(engine, '"fighting near"') == {"x"}
        assert found(engine, '"near near"') == set()


def test_a_wildcard_over_an_http_search(engine) -> None:
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    answer = client.simulate_get("/search", params={"q": "electricit*", "explain": "true"})
    assert answer.status_code == 200
    assert [hit["id"] for hit in answer.json["hits"]] == ["power"]
    assert answer.json["hits"][0]["matched"] == [{"word": "Electricity", "why": "prefix", "field": "title"}]


def test_a_wildcard_looking_through_too_many_words_is_refused_naming_it() -> None:
    with SearchEngine.in_memory(variants=None, settings=Settings(max_scanned_terms=3)) as small:
        small.add([{"id": "a", "title": "alpha beta gamma delta epsilon"}])
        small.commit()
        with pytest.raises(QueryTooExpensive) as caught:
            small.search("*a")
        assert "*a has no letters before its first * or ?" in caught.value.message
        assert "~" not in caught.value.message


def test_documents_indexed_before_words_as_written_match_by_their_stems(monkeypatch) -> None:
    only_stems = NewsAnalyzer.term_positions
    with SearchEngine.in_memory(variants=None) as engine:
        with monkeypatch.context() as older:
            # As versions indexed before words as written were.
            older.setattr(
                NewsAnalyzer,
                "term_positions",
                lambda self, value, written=False, language=None: only_stems(self, value, language=language),
            )
            engine.add([{"id": "old", "title": "Fighting and electricity"}])
            engine.commit()
        engine.add([{"id": "new", "title": "Fighting and electricity"}])
        engine.commit()
        assert found(engine, "fight*") == {"old", "new"}
        assert found(engine, "electri*") == {"old", "new"}
        # Only the new document has its words as written.
        assert found(engine, "electricit*") == {"new"}
        assert found(engine, "*tricity") == {"new"}


def test_a_parallel_rebuild_indexes_the_words_as_written_too(tmp_path) -> None:
    with SearchEngine(tmp_path / "ix") as engine:
        engine.rebuild(DOCS, procs=2)
        assert found(engine, "electricit*") == {"power"}
        assert found(engine, "*tricity") == {"power"}
