"""bench/places_eval.py: the labels files parse, and the scoring counts what it says.

No figure on real data is asserted: the labels are there to measure the extractor, not to pin it.
"""

from __future__ import annotations

import pytest

from bench.places_eval import (
    CYRILLIC,
    ENGLISH,
    Corpus,
    Scores,
    has_inner_capital,
    parse_labels,
    read_labels,
    score,
)
from searchsvc.analysis.variants import Variants


def test_cyrillic_labels_cover_the_sample() -> None:
    gold = read_labels(CYRILLIC.labels)
    assert len(gold) == 200
    for set_name, _, size in CYRILLIC.sets:
        assert sum(1 for doc_id in gold if doc_id.startswith(set_name + "-")) == size


def test_english_labels_parse() -> None:
    gold = read_labels(ENGLISH.labels)
    assert len(gold) >= 100
    assert all(doc_id.split("-", 1)[0] in {s for s, _, _ in ENGLISH.sets} for doc_id in gold)


@pytest.mark.parametrize("corpus", [CYRILLIC, ENGLISH], ids=lambda c: c.name)
def test_gold_names_are_gazetteer_display_names(corpus: Corpus) -> None:
    # A typo in a label would count as a miss forever; every name must be one the facet can show.
    displays = {g.display for g in Variants.load().groups()}
    unknown = {p for places in read_labels(corpus.labels).values() for p in places} - displays
    assert not unknown


def test_parse_labels_reads_comments_empty_rows_and_lists() -> None:
    gold = parse_labels(["# header", "", "a\tKyiv|Lviv", "b\t", "c", "d\t Odesa | \n"])
    assert gold == {
        "a": frozenset({"Kyiv", "Lviv"}),
        "b": frozenset(),
        "c": frozenset(),
        "d": frozenset({"Odesa"}),
    }


def test_parse_labels_rejects_a_repeated_id() -> None:
    with pytest.raises(ValueError, match="twice"):
        parse_labels(["a\tKyiv", "a\tLviv"])


def test_score_micro_precision_and_recall() -> None:
    gold = {"d1": {"Kyiv", "Lviv"}, "d2": set(), "d3": {"Odesa"}, "d4": {"Sumy"}}
    predicted = {
        "d1": ["Kyiv", "Ob’"],  # one right, one wrong, Lviv missed
        "d2": ["Kytai"],  # wrong
        "d3": ["Odesa"],  # right
        # d4 predicted nothing: Sumy missed
        "d5": ["Dnipro"],  # not labelled: not counted
    }
    s = score(predicted, gold)
    assert (s.tp, s.fp, s.fn) == (2, 2, 2)
    assert s.precision == pytest.approx(2 / 4)
    assert s.recall == pytest.approx(2 / 4)


def test_empty_sides_score_one() -> None:
    assert Scores().precision == 1.0
    assert Scores().recall == 1.0
    assert Scores(tp=0, fp=3).precision == 0.0
    assert Scores(tp=0, fn=2).recall == 0.0


def test_inner_capital_ignores_sentence_starts() -> None:
    assert not has_inner_capital("Об этом сообщили. Новини дня", cyrillic=True)
    assert has_inner_capital("Об этом сообщили в Киеве", cyrillic=True)
    # A capitalized Latin word does not make a Cyrillic text eligible, and the other way round.
    assert not has_inner_capital("новости от Reuters", cyrillic=True)
    assert has_inner_capital("news from Reuters", cyrillic=False)
