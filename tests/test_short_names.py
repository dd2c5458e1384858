"""A word of a few letters names a place or person only as a list spells it.

A transliteration key, a skeleton or a near spelling joins too much at that
length: Civ keys like Kyiv, and Kev like Киев. So a Latin word of four letters
or fewer joins a place only when the gazetteer lists it (Kyiv, Kiev, Kiew,
Lvov), or a person or a user's group only when the list spells it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from samples import found

from searchsvc import SearchEngine
from searchsvc.analysis.variants import Variants

DOCS = [
    {"id": "civ", "title": "Sid Meier's Civ VI review"},
    {"id": "icom", "title": "The Icom CI-V cable, tested"},
    {"id": "kev", "title": "Kev Adams joue au théâtre ce soir", "lang": "fr"},
    {"id": "kyiv", "title": "Shelling in Kyiv overnight"},
    {"id": "kiev", "title": "Shelling in Kiev overnight"},
    {"id": "kiew", "title": "Angriff auf Kiew in der Nacht", "lang": "de"},
    {"id": "caps", "title": "KYIV UNDER FIRE AGAIN"},
    {"id": "ru", "title": "Обстрел Киева ночью"},
    {"id": "lvov", "title": "Blackout in Lvov and Lwów"},
]
KYIV = {"kyiv", "kiev", "kiew", "caps", "ru"}


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


@pytest.mark.parametrize("q", ["Kyiv", "Kiev", "Kiew", "KYIV", "kyiv", "Киев", "Київ"])
def test_every_listed_spelling_finds_every_other(engine, q) -> None:
    assert found(engine, q) == KYIV


@pytest.mark.parametrize(("q", "expected"), [("Civ", {"civ", "icom"}), ("Kev", {"kev"})])
def test_a_short_word_the_gazetteer_does_not_list_is_only_itself(engine, q, expected) -> None:
    # "Civ" finds the game and CI-V (joined as civ), never Kyiv; "Kev" never Киев.
    assert found(engine, q) == expected


def test_the_places_facet_takes_no_short_word_for_a_place(engine) -> None:
    facet = {b.value: b.count for b in engine.search("", facets=["places"]).facets["places"]}
    assert facet == {"Kyiv": len(KYIV), "Lviv": 1}
    for doc in ("civ", "icom", "kev"):
        assert engine.search(f"id:{doc}", facets=["places"]).facets["places"] == []


def test_a_short_spelling_joins_a_users_group_only_as_spelled(tmp_path: Path) -> None:
    path = tmp_path / "variants.txt"
    path.write_text("Ukraine Armed Forces | ZSU | ЗСУ\n", encoding="utf-8")
    variants = Variants.load(path)
    zsu = set(variants.query_terms("ZSU"))
    assert zsu and zsu <= set(variants.query_terms("zsu"))
    # ZSV keys like ZSU, but the list does not spell it.
    assert not {t for t, _b in variants.query_terms("ZSV")} & {t for t, _b in zsu}
