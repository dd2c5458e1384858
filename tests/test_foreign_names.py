"""A name written or declined the way a document's language does finds, and is found by, every
spelling: Polish "w Kijowie", "Zełenskiego"; Czech "v Charkově"; German "Kiews", "Selenskyjs".

A form counts only when the name it leads to is a town of the gazetteer or a listed person,
so a guessed nominative never invents a match.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from samples import found

from searchsvc import SearchEngine
from searchsvc.cli import cli

DOCS = [
    {"id": "pl-kyiv", "title": "Wybuchy w Kijowie w nocy", "lang": "pl"},
    {"id": "pl-kyiv2", "title": "Delegacja wróciła do Kijowa", "lang": "pl"},
    {"id": "pl-bakhmut", "title": "Walki pod Bachmutem trwają", "lang": "pl"},
    {"id": "pl-zelensky", "title": "Wywiad Zełenskiego dla telewizji", "lang": "pl"},
    {"id": "pl-sticks", "title": "Sklep sprzedał sto kijów baseballowych", "lang": "pl"},
    {"id": "pl-poland", "title": "Polsce grozi susza, mówią eksperci", "lang": "pl"},
    {"id": "cs-kharkiv", "title": "Výbuchy v Charkově a v Kyjevě", "lang": "cs"},
    {"id": "de-kyiv", "title": "Kiews Bürgermeister warnt vor Angriffen", "lang": "de"},
    {"id": "de-zelensky", "title": "Selenskyjs Berater sprach mit Journalisten", "lang": "de"},
    {"id": "de-kharkiv", "title": "Angriffe auf Charkiw in der Nacht", "lang": "de"},
    {"id": "en", "title": "Blasts in Kyiv and Kharkiv"},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


KYIV = {"pl-kyiv", "pl-kyiv2", "cs-kharkiv", "de-kyiv", "en"}


@pytest.mark.parametrize("q", ["Kyiv", "Київ", "Kijowie", "Kyjev", "Kiew"])
def test_every_form_of_a_town_finds_every_other(engine, q) -> None:
    assert found(engine, q) == KYIV


def test_case_forms_of_towns_and_people_in_each_language(engine) -> None:
    assert found(engine, "Kharkiv") == {"cs-kharkiv", "de-kharkiv", "en"}
    assert found(engine, "Bakhmut") == {"pl-bakhmut"}
    assert found(engine, "Zelensky") == {"pl-zelensky", "de-zelensky"}


def test_a_guessed_nominative_invents_nothing(engine) -> None:
    # Lower-case "kijów" (of sticks) is no name; "Polsce" leads to no town of the gazetteer.
    assert "pl-sticks" not in found(engine, "Kyiv")
    assert found(engine, "Polsce") == {"pl-poland"}


def test_hits_in_other_languages_are_marked_where_the_name_is_written(engine) -> None:
    (hit,) = [h for h in engine.search("Kyiv", limit=50).hits if h.id == "pl-kyiv"]
    assert hit.highlights["title"] == "Wybuchy w <mark>Kijowie</mark> w nocy"


def test_the_places_facet_counts_the_forms_under_the_canonical_name(engine) -> None:
    facet = {
        b.value: b.count for b in engine.search("", facets=["places"], filter=["lang:pl"]).facets["places"]
    }
    assert facet == {"Kyiv": 2, "Bakhmut": 1}
    facet = {
        b.value: b.count for b in engine.search("", facets=["places"], filter=["lang:cs"]).facets["places"]
    }
    assert facet == {"Kharkiv": 1, "Kyiv": 1}


def test_variants_says_which_language_reads_a_form_and_how() -> None:
    done = CliRunner().invoke(cli, ["variants", "Kijowie"])
    assert done.exit_code == 0, done.output
    assert "case form (pl): Kyiv, in a document in that language" in done.output
    done = CliRunner().invoke(cli, ["variants", "Zełenskiego", "--json"])
    entries = [e for e in json.loads(done.output) if e["source"] == "language"]
    assert {(e["language"], e["how"]) for e in entries} >= {("pl", "case form")}


def test_explain_says_which_language_wrote_or_declined_the_name(engine) -> None:
    matched = {hit.id: hit.matched for hit in engine.search("Kharkiv OR Kyiv", explain=True, limit=50).hits}
    assert {"word": "Kijowie", "why": "inflected", "field": "title", "language": "pl"} in matched["pl-kyiv"]
    assert {"word": "Charkiw", "why": "exonym", "field": "title", "language": "de"} in matched["de-kharkiv"]
    # An English document's spellings are no other language's.
    assert all("language" not in m for m in matched["en"])


def test_variants_calls_another_language_s_name_an_exonym() -> None:
    done = CliRunner().invoke(cli, ["variants", "Charkiw"])
    assert done.exit_code == 0, done.output
    assert "exonym (de): Kharkiv, in a document in that language" in done.output
