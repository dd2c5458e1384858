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
    SetResult,
    has_inner_capital,
    parse_labels,
    read_all_labels,
    read_labels,
    score,
    subtotals,
    topic_of,
)
from searchsvc.analysis.variants import Variants


def test_cyrillic_labels_cover_the_sample() -> None:
    gold = read_labels(CYRILLIC.labels)
    assert len(gold) == 200
    for spec in CYRILLIC.sets:
        if spec.labels == CYRILLIC.labels:
            assert sum(1 for doc_id in gold if doc_id.startswith(spec.name + "-")) == spec.size


def test_english_labels_parse() -> None:
    gold = read_labels(ENGLISH.labels)
    assert len(gold) >= 100
    assert all(doc_id.split("-", 1)[0] in {s.name for s in ENGLISH.sets} for doc_id in gold)


@pytest.mark.parametrize("corpus", [CYRILLIC, ENGLISH], ids=lambda c: c.name)
def test_off_topic_labels_fill_their_sets_and_no_id_is_labelled_twice(corpus: Corpus) -> None:
    by_file = read_all_labels(corpus)  # raises on an id labelled in two files
    off_topic = [s for s in corpus.sets if s.off_topic]
    assert off_topic and all(s.labels in by_file for s in off_topic)
    labelled = {i for s in off_topic for i in by_file[s.labels]}
    assert len(labelled) == sum(s.size for s in off_topic)


@pytest.mark.parametrize("corpus", [CYRILLIC, ENGLISH], ids=lambda c: c.name)
def test_gold_names_are_gazetteer_display_names(corpus: Corpus) -> None:
    # A typo in a label would count as a miss forever; every name must be one the facet can show.
    displays = {g.display for g in Variants.load().groups()}
    for path in corpus.label_files:
        unknown = {p for places in read_labels(path).values() for p in places} - displays
        assert not unknown, path.name


def test_topic_is_the_category_or_the_first_segment_of_the_url() -> None:
    assert topic_of({"category": "tech", "url": "https://example.org/sport/1"}) == "tech"
    assert topic_of({"url": "https://www.example.org/sport/some-match-1"}) == "sport"
    assert topic_of({"category": None}) == ""


def test_subtotals_split_war_and_off_topic_sets() -> None:
    results = [
        SetResult("a", 2, Scores(tp=3, fp=1, fn=0)),
        SetResult("b", 1, Scores(tp=0, fp=1, fn=1), off_topic=True),
    ]
    war, off, total = subtotals(results)
    assert (war.name, war.scores.tp, war.scores.fp) == ("war", 3, 1)
    assert (off.name, off.labelled, off.scores.fp) == ("off-topic", 1, 1)
    assert (total.name, total.labelled) == ("all", 3)
    assert (total.scores.tp, total.scores.fp, total.scores.fn) == (3, 2, 1)
    assert [r.name for r in subtotals(results[:1])] == ["all"]


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
