"""Did you mean: corrections of queries that find few documents, through the engine, HTTP and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest
from click.testing import CliRunner

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.results import Suggestion
from searchsvc.suggest import FEW_HITS, Speller, edit_distance, styled

DOCS: list[dict[str, Any]] = [
    {
        "id": "znpp-power",
        "title": "Zaporizhzhia nuclear plant loses power",
        "body": "The nuclear power plant in Zaporizhzhia lost its last power line after shelling overnight.",
        "source": "Reuters",
    },
    {
        "id": "znpp-iaea",
        "title": "IAEA inspectors visit the nuclear plant",
        "body": "Inspectors reached the Zaporizhzhia nuclear plant despite shelling nearby.",
        "source": "BBC",
    },
    {
        "id": "enerhodar",
        "title": "Shelling near the nuclear plant",
        "body": "Heavy shelling was reported near Enerhodar and the nuclear station.",
        "source": "BBC",
    },
    {
        "id": "kostiantynivka",
        "title": "Strikes on Kostiantynivka",
        "body": "Russian strikes hit Kostiantynivka in Donetsk region.",
    },
    {"id": "sloviansk", "title": "Sloviansk under fire", "body": "Missiles struck the centre of Sloviansk."},
    {
        "id": "kharkiv-ru",
        "title": "Обстрел Харькова",
        "body": "Ночью продолжался обстрел города, пострадала энергетическая инфраструктура.",
    },
    {"id": "grain", "title": "Grain exports resume", "body": "Ships carrying grain left Odesa."},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as eng:
        eng.add(DOCS)
        eng.commit()
        yield eng


def ids(result: Any) -> list[str]:
    return sorted(hit.id for hit in result.hits)


@pytest.mark.parametrize(
    "query, suggested",
    [
        ("nuclar", Suggestion("nuclear", 3)),
        ("shellling", Suggestion("shelling", 3)),
        ("Shellling", Suggestion("Shelling", 3)),
        ("NUCLAR PLANT", Suggestion("NUCLEAR PLANT", 3)),
        ("Zaporizzhia", Suggestion("Zaporizhzhia", 2)),
        ("zaporizzhia nuclar", Suggestion("zaporizhzhia nuclear", 2)),
    ],
)
def test_a_misspelt_word_gets_the_word_the_documents_write(engine, query, suggested):
    result = engine.search(query)
    assert result.total == 0
    assert result.suggestion == suggested
    assert engine.search(suggested.q).total == suggested.total


def test_the_suggestion_keeps_the_other_words_and_the_syntax(engine):
    cases = {
        "nuclar plant": "nuclear plant",
        '"nuclar plant"': '"nuclear plant"',
        "title:nuclar": "title:nuclear",
        "nuclar source:BBC": "nuclear source:BBC",
        "(nuclar OR graiin) AND shelling": "(nuclear OR grain) AND shelling",
        "the nuclar-plant": "the nuclear-plant",
        "nuclar^2": "nuclear^2",
    }
    assert {q: engine.search(q).suggestion.q for q in cases} == cases


def test_syntax_stop_words_numbers_and_places_stay_as_typed(engine):
    # Corrections as such, whether or not they find more.
    speller = Speller(engine.analyzer, engine.variants, engine.executor)
    cases = {
        "source:nuclar": "source:nuclar",
        "id:nuclar url:shellling": "id:nuclar url:shellling",
        "nuclar*": "nuclar*",
        "shellling date:[2030-01-01 TO 2030-12-31]": "shelling date:[2030-01-01 TO 2030-12-31]",
        "nuclar ANDMAYBE plnt": "nuclear ANDMAYBE plant",
        "nulcear palnt": "nuclear plant",
        "nuclar 2024": "nuclear 2024",
        "of thee nuclar": "of thee nuclear",
        "Krasnoarmeysk nuclar": "Krasnoarmeysk nuclear",
        "nuclar " * 12: "nuclear " * 12,
    }
    with engine.pool.snapshot() as snapshot:
        assert {q: speller.correct(snapshot, q) for q in cases} == cases
        assert speller.correct(snapshot, "source:nuclar nuclar*", syntax=False) == "source:nuclear nuclear*"


def test_variant_spellings_are_not_typos(engine):
    for spelling, found in [
        ("Kostantinovka", "kostiantynivka"),
        ("Slavyansk", "sloviansk"),
        ("Славянск", "sloviansk"),
    ]:
        result = engine.search(spelling)
        assert ids(result) == [found]
        assert result.suggestion is None
    # A known place is no typo even where no article names it.
    assert engine.search("Krasnoarmeysk").total == 0
    assert engine.search("Krasnoarmeysk").suggestion is None


def test_enough_hits_get_no_suggestion(engine):
    result = engine.search("nuclear")
    assert result.total >= FEW_HITS
    assert result.suggestion is None
    assert result.to_dict()["suggestion"] is None


def test_a_correction_that_finds_no_more_is_not_offered(engine):
    # "nuclear grain" and "nuclear 2024" find nothing either.
    assert engine.search("nuclar grain").suggestion is None
    assert engine.search("nuclar 2024").suggestion is None
    # Nothing in the index is near it.
    assert engine.search("xqzwvyk").suggestion is None
    # Within a filter that excludes every correction's document.
    assert engine.search("nuclar", filters={"source": "nobody"}).suggestion is None


def test_the_suggestion_counts_within_the_filters(engine):
    assert engine.search("nuclar", filters={"source": "bbc"}).suggestion == Suggestion("nuclear", 2)


def test_cyrillic_typos_are_corrected_in_cyrillic(engine):
    assert engine.search("энергетичская").suggestion == Suggestion("энергетическая", 1)
    assert engine.search("инфраструктуа").suggestion == Suggestion("инфраструктура", 1)
    assert engine.search("ьшссоа").suggestion is None


def test_any_mode_corrects_every_word(engine):
    result = engine.search("nuclar shellling?", mode="any")
    assert result.total == 0
    assert result.suggestion == Suggestion("nuclear shelling?", 3)


def test_a_search_without_a_query_gets_no_suggestion():
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add(DOCS[:1])
        eng.commit()
        assert eng.search("").suggestion is None
        assert eng.search("*").suggestion is None


def test_styled_and_edit_distance():
    assert [styled("nuclear", w) for w in ("nuclar", "Nuclar", "NUCLAR", "N")] == [
        "nuclear",
        "Nuclear",
        "NUCLEAR",
        "Nuclear",
    ]
    assert [edit_distance("nuclear", w) for w in ("nuclear", "nuclar", "nucleAr", "nulcear", "")] == [
        0,
        1,
        1,
        1,
        7,
    ]


def test_http_returns_the_suggestion(engine):
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    result = client.simulate_get("/search", params={"q": "shellling"})
    assert result.status_code == 200
    assert result.json["total"] == 0
    assert result.json["suggestion"] == {"q": "shelling", "total": 3}
    assert client.simulate_get("/search", params={"q": "shelling"}).json["suggestion"] is None


def test_cli_prints_the_suggestion(tmp_path, monkeypatch):
    monkeypatch.delenv("SEARCHSVC_INDEX_DIR", raising=False)
    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("\n".join(json.dumps(doc) for doc in DOCS) + "\n", encoding="utf-8")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--index-dir", str(tmp_path / "ix"), *args])

    assert run("index", str(corpus), "-q").exit_code == 0
    result = run("search", "nuclar plant")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == "Did you mean 'nuclear plant'? (3 hits)"
    as_json = json.loads(run("search", "nuclar plant", "--json").output)
    assert as_json["suggestion"] == {"q": "nuclear plant", "total": 3}
    assert "Did you mean" not in run("search", "nuclear plant").output


def test_corrections_come_from_live_documents_of_every_segment():
    with SearchEngine.in_memory(variants=None) as eng:
        eng.add({"id": "old", "title": "Nuclear plant", "body": "Nuclears."})
        eng.commit()
        eng.add({"id": "new", "title": "The plant", "body": "A nuclear station."})
        eng.commit()
        eng.delete("old")
        eng.commit()
        assert eng.search("nuclars").suggestion == Suggestion("nuclear", 1)
        eng.delete("new")
        eng.commit()
        assert eng.search("nuclars").suggestion is None


def test_a_word_is_looked_up_once_per_version_of_the_index() -> None:
    with SearchEngine.in_memory() as engine:
        engine.add([{"id": "1", "title": "Nuclear plant", "body": "The nuclear plant lost power."}])
        engine.commit()
        looked_up = []
        speller = engine._speller
        plain = speller.correct_word

        def counting(snapshot, word):
            looked_up.append(word)
            return plain(snapshot, word)

        speller.correct_word = counting  # this engine's speller only
        for _ in range(3):
            assert engine.search("nuclar").suggestion == Suggestion("nuclear", 1)
        assert looked_up == ["nuclar"]
        # A commit may bring the word: it is looked up again.
        engine.add([{"id": "2", "title": "Nuclar", "body": "A name."}])
        engine.commit()
        assert engine.search("nuclar").suggestion is None and looked_up == ["nuclar"]
        assert engine.search("nucleer").suggestion == Suggestion("nuclear", 1)
        assert looked_up == ["nuclar", "nucleer"]
