"""bench/places_eval.py: the labels files parse, and the scoring counts what it says.

No figure on real data is asserted: the labels are there to measure the extractor, not to pin it.
The tests that read ../shared/data are skipped when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.places_eval import (
    CYRILLIC,
    DEFAULT_DATA,
    ENGLISH,
    EUROPEAN,
    EUROPEAN_LANGUAGES,
    WAR_WORDS,
    Corpus,
    Scores,
    SetResult,
    about_war,
    draw,
    engine_language,
    evaluate,
    has_inner_capital,
    main,
    parse_labels,
    predict,
    read_all_labels,
    read_labels,
    read_records,
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


@pytest.mark.parametrize("corpus", [CYRILLIC, ENGLISH, EUROPEAN], ids=lambda c: c.name)
def test_off_topic_labels_fill_their_sets_and_no_id_is_labelled_twice(corpus: Corpus) -> None:
    by_file = read_all_labels(corpus)  # raises on an id labelled in two files
    off_topic = [s for s in corpus.sets if s.off_topic]
    assert off_topic and all(s.labels in by_file for s in off_topic)
    labelled = {i for s in off_topic for i in by_file[s.labels]}
    assert len(labelled) == sum(s.size for s in off_topic)


@pytest.mark.parametrize("corpus", [CYRILLIC, ENGLISH, EUROPEAN], ids=lambda c: c.name)
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


# ------------------------------------------------------------------ European corpus


def test_european_corpus_has_a_war_and_an_off_topic_set_per_language() -> None:
    war = [s for s in EUROPEAN.sets if not s.off_topic]
    off = [s for s in EUROPEAN.sets if s.off_topic]
    assert [s.language for s in war] == [s.language for s in off] == list(EUROPEAN_LANGUAGES)
    assert all(s.war is True and s.size == 40 and s.labels == EUROPEAN.labels for s in war)
    assert all(s.war is False and s.size == 15 and s.labels != EUROPEAN.labels for s in off)
    assert all(s.path == f"european_news/{s.language}.jsonl" for s in EUROPEAN.sets)
    assert set(WAR_WORDS) == set(EUROPEAN_LANGUAGES)
    # The older samples keep the rule they were drawn by.
    assert EUROPEAN.accented_capitals and not ENGLISH.accented_capitals and not CYRILLIC.accented_capitals


def test_european_labels_cover_the_sample() -> None:
    by_file = read_all_labels(EUROPEAN)
    # Spanish has 35 records about the war, fewer than the 40 asked: all are labelled.
    assert len(by_file[EUROPEAN.labels]) == 6 * 40 + 35
    assert sum(len(rows) for path, rows in by_file.items() if path != EUROPEAN.labels) == 7 * 15


@pytest.mark.parametrize(
    ("language", "text"),
    [
        # Invented sentences, not text of the data.
        ("de", "Selenskyj spricht in Brüssel"),
        ("de", "Russlands Angriffe gehen weiter"),  # Russia and war
        ("de", "Neue Lage im Ukrainekrieg"),  # a compound
        ("fr", "Le président Zelensky reçu à Paris"),
        ("fr", "La Russie annonce une offensive"),
        ("it", "Nuovi aiuti all'Ucraina"),
        ("nl", "Oekraïense piloten in opleiding"),  # the adjective has no n after the ï
        ("pl", "Spotkanie z Zełenskim w Brukseli"),  # a declined Zelensky
        ("pl", "Rosja szykuje nową ofensywę"),
        ("cs", "Ruská vojska se stahují"),
        ("cs", "Pomoc pro Ukrajince"),
        ("es", "El Kremlin prepara una ofensiva"),
    ],
)
def test_war_rule_takes_a_word_of_ukraine_or_russia_with_war(language: str, text: str) -> None:
    assert about_war(text, language)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "Krieg in Gaza: Israel greift an"),  # a war, not this one
        ("de", "Russland will mehr Geld kriegen"),  # kriegen (to get) is not Krieg
        ("de", "Putin besucht Peking"),  # Russia without war
        ("fr", "Guerre au Proche-Orient : la trêve tient"),
        ("it", "Il derby finisce in parità"),
        ("nl", "De kampioen van de Eerste Divisie"),
        ("pl", "Fabryka mebli zwalnia pracowników"),
        ("pl", "Zieliński strzelił gola"),  # a footballer, not Zelensky
        ("cs", "Hokejista odchází do zámoří"),
        ("es", "El Real Madrid gana la Liga"),
    ],
)
def test_war_rule_leaves_other_news_out(language: str, text: str) -> None:
    assert not about_war(text, language)


def test_inner_capital_counts_accented_capitals_only_when_asked() -> None:
    assert has_inner_capital("fabryka w Łodzi", cyrillic=False, accented=True)
    assert not has_inner_capital("fabryka w Łodzi", cyrillic=False)
    assert not has_inner_capital("Łódź ma nowy dworzec", cyrillic=False, accented=True)


def _write_jsonl(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_records_keep_their_language_and_the_war_filter(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "pl.jsonl",
        [
            {
                "id": "w",
                "title": "Biden w Kijowie",
                "body": "Wizyta w czasie wojny na Ukrainie.",
                "lang": "pl",
            },
            {"id": "o", "title": "Fabryka zwalnia", "body": "Zwolnienia w fabryce mebli.", "lang": "pl"},
            {"id": "x", "title": "Wizyta w Charkowie", "body": "Ukraina.", "lang": "it"},
        ],
    )
    texts, languages = read_records(path, war=True, war_language="pl")
    assert sorted(texts) == ["w", "x"]
    assert languages == {"w": "pl", "x": "it"}
    off, _ = read_records(path, war=False, war_language="pl")
    assert sorted(off) == ["o"]
    every, _ = read_records(path)
    assert sorted(every) == ["o", "w", "x"]
    # The engine's language: the lang field read as an analysed language, else the detected one.
    assert engine_language({"lang": "pl"}, "") == "pl"
    assert engine_language({"lang": "en"}, "") is None  # the default analysis
    assert (
        engine_language({}, "Wojska rosyjskie zaatakowały w nocy miasto, a mieszkańcy schronili się.") == "pl"
    )


def test_predictions_read_each_document_in_its_language() -> None:
    # The same text: a Polish document's case forms count, an Italian one is read with the default analysis.
    variants = Variants.load()
    text = "Wizyta w Charkowie"
    assert predict(variants, text, "pl") == ["Kharkiv"]
    assert predict(variants, text, "it") == predict(variants, text, None) == []
    texts = {"pl": {"a": text}}
    corpus = Corpus("t", tuple(s for s in EUROPEAN.sets if s.name == "pl"), cyrillic=False)
    gold = {EUROPEAN.labels: {"a": frozenset({"Kharkiv"})}}
    (result,), predicted = evaluate(corpus, texts, gold, variants, {"a": "pl"})
    assert predicted == {"a": ["Kharkiv"]} and result.scores.tp == 1
    (result,), _ = evaluate(corpus, texts, gold, variants, {"a": "it"})
    assert (result.scores.tp, result.scores.fn) == (0, 1)
    # The draw reads the language too: a record with no inner capital is eligible by its place.
    assert draw({"a": text}, 1, False, variants, {"a": "pl"}) == ["a"]


def test_european_run_skips_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--european", "--data", str(tmp_path)]) == 0
    assert "skipped, no european evaluation data" in capsys.readouterr().out


@pytest.mark.skipif(
    not (DEFAULT_DATA / "european_news").is_dir(), reason="../shared/data/european_news is not present"
)
def test_european_labels_are_records_of_their_sets() -> None:
    # Each labelled id is a record of its set's file, on its side of the war rule, in its language.
    by_file = read_all_labels(EUROPEAN)
    for spec in EUROPEAN.sets:
        texts, languages = read_records(DEFAULT_DATA / spec.path, spec.topics, spec.war, spec.language)
        assert set(languages.values()) == {spec.language}
        labelled = [i for i in by_file[spec.labels] if i in texts]
        assert len(labelled) == min(spec.size, len(texts)), spec.name
    labelled_ids = {i for rows in by_file.values() for i in rows}
    assert len(labelled_ids) == 6 * 40 + 35 + 7 * 15
