"""A listed person's name reaches its spellings in every language and its misspellings by
key, but never another family's name through a consonant skeleton."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from samples import found

from searchsvc import SearchEngine

DOCS = [
    {"id": "en", "title": "Zelensky meets Scholz"},
    {"id": "de", "title": "Selenskyj trifft Scholz in Berlin", "lang": "de"},
    {"id": "pl", "title": "Zełenski rozmawiał z prezydentem", "lang": "pl"},
    {"id": "ru", "title": "Зеленскому передали письмо"},
    {"id": "typo", "title": "Zelenskky spoke to reporters"},
    {"id": "footballer", "title": "Piotr Zieliński strzelił gola", "lang": "pl"},
    {"id": "footballer-en", "title": "Zielinski scores again for Inter"},
]
ZELENSKY = {"en", "de", "pl", "ru", "typo"}


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


@pytest.mark.parametrize("q", ["Zelensky", "Selenskyj", "Zełenski", "Зеленский", "Зеленський"])
def test_every_spelling_of_a_listed_person_finds_every_other(engine, q) -> None:
    assert found(engine, q) == ZELENSKY


@pytest.mark.parametrize("q", ["Zieliński", "Zielinski"])
def test_another_familys_name_is_not_the_person(engine, q) -> None:
    assert found(engine, q) == {"footballer", "footballer-en"}
