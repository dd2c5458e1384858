"""Each analysis piece on plain strings."""

from __future__ import annotations

import pickle

from whoosh.analysis import LowercaseFilter

from searchsvc.analysis import (
    FoldAccentsFilter,
    NewsAnalyzer,
    StemFilter,
    VariantFilter,
    WordTokenizer,
    all_stopwords,
    build_chain,
    english_stem,
    fold_accents,
    russian_stem,
    stopwords,
)


def texts(stream):
    return [t.text for t in stream]


def test_tokenizer_keeps_apostrophes_inside_words():
    assert texts(WordTokenizer()("Slov'yansk and Slov’yansk, rock 'n' roll")) == [
        "Slov'yansk",
        "and",
        "Slov'yansk",
        "rock",
        "n",
        "roll",
    ]


def test_tokenizer_splits_hyphenated_words_and_adds_the_joined_form_at_index_time():
    tokens = [(t.text, t.pos) for t in WordTokenizer()("Ivano-Frankivsk today", positions=True)]
    assert tokens == [("IvanoFrankivsk", 0), ("Ivano", 0), ("Frankivsk", 1), ("today", 2)]
    assert texts(WordTokenizer()("Ivano-Frankivsk", mode="query")) == ["Ivano", "Frankivsk"]


def test_tokenizer_keeps_character_offsets_and_unicode_letters():
    tokens = [(t.text, t.startchar, t.endchar) for t in WordTokenizer()("Київ — 2024_x", chars=True)]
    assert tokens == [("Київ", 0, 4), ("2024", 7, 11), ("x", 12, 13)]


def test_fold_accents_folds_latin_only():
    assert fold_accents("Café Zürich Łódź") == "Cafe Zurich Lodz"
    # й and ї are letters of their own in Ukrainian and Russian.
    assert fold_accents("Київ Йосипівка") == "Київ Йосипівка"
    assert texts(FoldAccentsFilter()(WordTokenizer()("naïve résumé"))) == ["naive", "resume"]


def test_stop_words_ship_for_three_languages():
    assert {"the", "and", "of"} <= stopwords("en")
    assert {"и", "в", "что"} <= stopwords("ru")
    assert {"і", "що", "це"} <= stopwords("uk")
    assert "us" not in stopwords("en") and "may" not in stopwords("en")
    assert all_stopwords() == stopwords("en") | stopwords("ru") | stopwords("uk")


def test_stem_filter_uses_the_script_of_each_word():
    stem = StemFilter(english_stem, russian_stem)
    assert texts(stem(LowercaseFilter()(WordTokenizer()("fighting forces городами")))) == [
        "fight",
        "forc",
        "город",
    ]
    assert stem.stem("~g:kyiv") == "~g:kyiv"


def test_stem_filter_caches_and_pickles_without_its_cache():
    stem = StemFilter(english_stem, russian_stem)
    stem.stem("running")
    assert stem._cache == {"running": "run"}
    assert pickle.loads(pickle.dumps(stem))._cache == {}


def test_variant_filter_adds_terms_at_the_same_position_and_offsets():
    def variants(word):
        return ("~g:sloviansk",) if word == "Slavyansk" else ()

    chain = WordTokenizer() | LowercaseFilter() | VariantFilter(variants)
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar) for t in chain("near Slavyansk", positions=True, chars=True)
    ]
    assert tokens == [
        ("near", 0, 0, 4),
        ("slavyansk", 1, 5, 14),
        ("~g:sloviansk", 1, 5, 14),
    ]
    assert texts(chain("near Slavyansk", mode="query")) == ["near", "slavyansk"]


def test_the_chain_composes_with_pipes():
    assert texts(build_chain()("The Russian forces were fighting in Кремле")) == [
        "russian",
        "forc",
        "fight",
        "кремл",
    ]


def test_news_analyzer_matches_the_chain_and_stop_words_keep_their_places():
    analyzer = NewsAnalyzer()
    text = "The fighting in Ivano-Frankivsk, and the shelling of Kharkiv"
    assert texts(analyzer(text)) == texts(build_chain()(text))
    positions = [(t.text, t.pos) for t in analyzer(text, positions=True)]
    # Stop words are not indexed, but "the shelling of Kharkiv" is not "shelling Kharkiv".
    assert positions == [
        ("fight", 1),
        ("ivanofrankivsk", 3),
        ("ivano", 3),
        ("frankivsk", 4),
        ("shell", 7),
        ("kharkiv", 9),
    ]


def test_news_analyzer_pickles_small():
    # Whoosh pickles the schema into every commit.
    analyzer = NewsAnalyzer()
    analyzer.word_terms("fighting")
    restored = pickle.loads(pickle.dumps(analyzer))
    assert len(pickle.dumps(analyzer)) < 500
    assert texts(restored("fighting")) == ["fight"]


def test_term_positions_equal_the_token_path():
    analyzer = NewsAnalyzer()
    text = "The fighting in Ivano-Frankivsk, and the fighting of Kharkiv: fights"
    expected: dict[str, list[int]] = {}
    for token in analyzer(text, positions=True):
        expected.setdefault(token.text, []).append(token.pos)
    fast = analyzer.term_positions(text)
    assert {term: positions for term, (positions, _w) in fast.items()} == expected
    assert fast["fight"] == ([1, 7, 10], 3.0)


def _token_path(analyzer: NewsAnalyzer, text: str) -> dict[str, tuple[list[int], float]]:
    """What Whoosh's Positions format collects from the analyzer's token stream."""
    expected: dict[str, tuple[list[int], float]] = {}
    for token in analyzer(text, positions=True):
        positions, weight = expected.get(token.text, ([], 0.0))
        expected[token.text] = ([*positions, token.pos], weight + token.boost)
    return expected


def test_term_positions_equal_the_token_path_with_variants_to_the_last_bit():
    from searchsvc.analysis.variants import Variants

    analyzer = NewsAnalyzer(Variants.load())
    text = (
        "Shelling of Slavyansk and Slov’yansk; the Sloviansk mayor said Kostantinovka "
        "(Kostiantynivka) and Ivano-Frankivsk were hit. Славянск, Славянска: обстрелы. "
        "Zelensky's aides and Zelenskyy met in Kyiv-based offices in Kyiv and Kiev, Kyiv"
    )
    fast = analyzer.term_positions(text)
    expected = _token_path(analyzer, text)
    assert fast == expected
    # Terms that repeat, from one word or from several, exercise the merging.
    assert fast["~g:slovansk"][0][:3] == [2, 4, 6]
    assert any(len(positions) > 1 for positions, _weight in fast.values())


def test_term_positions_sum_boosts_other_than_one_in_text_order():
    analyzer = NewsAnalyzer()
    # Boosts as a variants source could give them: fractions whose sum depends on the order.
    analyzer._index_cache.update(
        {"kyiv": (("kyiv", 1.0), ("~g:kyiv", 0.1)), "kiev": (("kiev", 1.0), ("~g:kyiv", 0.7))}
    )
    text = "kyiv kiev kyiv kiev kiev kyiv"
    fast = analyzer.term_positions(text)
    assert fast == _token_path(analyzer, text)
    assert fast["~g:kyiv"][0] == [0, 1, 2, 3, 4, 5]
    assert fast["~g:kyiv"][1] == 0.1 + 0.7 + 0.1 + 0.7 + 0.7 + 0.1
