"""Each document is analysed in its language: given as ``lang``, or detected from its text.

English, Russian and Ukrainian keep the default analysis. Other languages
stem with their own stemmer and stop words, under a prefix of their own, so a
query word finds its inflections in each language the index holds and an
English document matches exactly what it matched before.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from samples import found

from searchsvc import SearchEngine
from searchsvc.analysis import NewsAnalyzer
from searchsvc.analysis.languages import analysis_language, detect_language

GERMAN = (
    "Die russische Armee hat in der Nacht erneut die Stadt mit Drohnen angegriffen. "
    "Nach den Angriffen waren viele Häuser ohne Strom, sagte der Bürgermeister."
)
FRENCH = (
    "L'armée russe a de nouveau attaqué la ville pendant la nuit avec des drones. "
    "Après les attaques, de nombreuses maisons étaient privées d'électricité."
)
ENGLISH = "The war went on. Die Hard is a film the soldiers watched during the attacks."

DOCS = [
    {"id": "de", "title": "Neue Angriffe in der Nacht", "body": GERMAN},
    {"id": "fr", "title": "Nouvelles attaques", "body": FRENCH},
    {"id": "en", "title": "A film at the front", "body": ENGLISH, "lang": "en"},
    {"id": "at", "title": "Angriff auf das Kraftwerk", "body": "Ein kurzer Text.", "lang": "de-AT"},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


def test_a_document_without_a_language_is_analysed_in_the_one_detected(engine) -> None:
    assert detect_language(GERMAN) == "de" and detect_language(FRENCH) == "fr"
    facet = {b.value: b.count for b in engine.search("", facets=["lang"]).facets["lang"]}
    assert facet == {"de": 1, "fr": 1, "en": 1, "de-at": 1}
    assert found(engine, "", filter="lang:de") == {"de"}
    # Detected, not written into the document: it comes back as it was given.
    assert "lang" not in engine.get("de")


def test_a_query_word_finds_its_inflections_in_each_language(engine) -> None:
    assert found(engine, "Angriff") == {"de", "at"}
    assert found(engine, "Angriffen") == {"de", "at"}
    assert found(engine, "attaque") == {"fr"}
    assert found(engine, "attacks") == {"en"}  # English: the English stem only
    assert found(engine, '"russische Armee"') == {"de"}


def test_stop_words_of_one_language_stay_words_of_another(engine) -> None:
    # German "die" and "war" are stop words in German documents, words in English ones.
    assert found(engine, "die") == {"en"}
    assert found(engine, "war") == {"en"}


def test_hits_are_highlighted_and_explained_in_their_language(engine) -> None:
    (hit,) = engine.search("Angriff", filter="lang:de", explain=True).hits
    assert hit.highlights["title"] == "Neue <mark>Angriffe</mark> in der Nacht"
    assert "<mark>Angriffen</mark>" in hit.highlights["body"][0]
    assert {"word": "Angriffen", "why": "exact", "field": "body"} in hit.matched


def test_an_english_document_is_indexed_as_before() -> None:
    analyzer = NewsAnalyzer()
    assert analyzer.term_positions(ENGLISH) == analyzer.term_positions(ENGLISH, language=None)
    assert not any(term.startswith("~de:") for term in analyzer.term_positions(ENGLISH))
    german = analyzer.term_positions(GERMAN, language="de")
    assert "~de:angriff" in german and "angriffen" not in german


@pytest.mark.parametrize(
    ("value", "language"),
    [
        ("de", "de"),
        ("DE", "de"),
        ("de-AT", "de"),
        ("pt_BR", "pt"),
        ("en", None),
        ("ru", None),
        ("xx", None),
        (5, None),
    ],
)
def test_lang_values_name_an_analysis(value, language) -> None:
    assert analysis_language(value) == language


def test_a_short_text_is_not_guessed() -> None:
    assert detect_language("Kyiv") is None
    assert detect_language("") is None


def test_detecting_changes_nothing_for_other_users_of_the_detector() -> None:
    import py3langid.langid as shared

    before = None if shared.IDENTIFIER is None else list(shared.IDENTIFIER.nb_classes)
    detect_language(GERMAN)
    after = None if shared.IDENTIFIER is None else list(shared.IDENTIFIER.nb_classes)
    assert before == after


def test_a_parallel_rebuild_detects_and_analyses_alike(tmp_path, engine) -> None:
    with SearchEngine(tmp_path / "ix", variants=None) as rebuilt:
        rebuilt.rebuild(DOCS, procs=2)
        for q in ("Angriff", "attaque", "die", "war"):
            assert found(rebuilt, q) == found(engine, q), q
