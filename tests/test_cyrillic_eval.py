"""The Cyrillic part of bench/variants_eval.py: the truth rule, the group list, and a tiny run.

Every sentence here was written for these tests. No figures are asserted on
real data: those are the evaluation's job, not a test's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.cyrillic_groups import GROUPS, CyrillicGroup
from bench.variants_eval import compare_lines, cyrillic_truths, judge, main, normalise

BY_NAME = {g.name: g for g in GROUPS}


def verdict(name: str, text: str) -> str:
    return judge(BY_NAME[name], text).kind


# -- the group list


def test_at_least_30_groups_of_places_and_people_in_both_languages() -> None:
    assert len(GROUPS) >= 30
    assert {g.kind for g in GROUPS} == {"place", "person"}
    for group in GROUPS:
        assert group.latin and group.ru and group.uk, group.name
    # Case forms written out in both languages (Shoigu and Russian surnames in -ко do not decline).
    assert sum(1 for g in GROUPS if g.ru_cases) >= 30
    assert sum(1 for g in GROUPS if g.uk_cases) >= 30


def test_group_fields_are_consistent() -> None:
    names = [g.name for g in GROUPS]
    assert len(names) == len(set(names))
    for group in GROUPS:
        listed = {f.lower() for f in group.listed}
        assert {a.lower() for a in group.ambiguous} <= listed, group.name
        assert all(s == s.lower() for s in group.stems + group.others), group.name
        for pattern in group.homonyms:
            re.compile(pattern)
        # The others are words under the stems, never one of the forms.
        assert not any(f.startswith(group.others) for f in listed if group.others), group.name
        assert len(group.queries) == len(set(group.queries))


# -- the truth rule


@pytest.mark.parametrize(
    "text",
    [
        "В Славянске объявили тревогу.",
        "У Слов'янську тихо.",
        "У Слов’янську тихо.",  # a typographic apostrophe
        "Жители в\u00a0Славянске ждут.",  # a no-break space after a short word
        "В Сла\u00adвянске дождь.",  # a soft hyphen inside the word
        "В Славя\u0301нске дождь.",  # a stress mark
        "Дорога до Славянска закрыта.",
    ],
)
def test_case_forms_of_sloviansk_are_relevant(text: str) -> None:
    assert verdict("Sloviansk", text) == "relevant"


def test_words_of_the_same_stem_are_neutral() -> None:
    assert verdict("Sloviansk", "Славянские языки изучают в университете.") == "neutral"
    assert verdict("Kyiv", "На Київщині відновили світло.") == "neutral"
    assert verdict("Kharkiv", "Харківщина готується до зими.") == "neutral"
    # A listed form wins over a neutral word in the same text.
    assert verdict("Kharkiv", "Харківщина і Харків готуються до зими.") == "relevant"


def test_another_place_or_word_is_negative() -> None:
    assert verdict("Pokrovsk", "В селе Покровское открыли школу.") == "negative"
    assert verdict("Pokrovsk", "Под Покровском идут бои.") == "neutral"  # ambiguous form
    assert verdict("Pokrovsk", "Жители Покровска уехали.") == "relevant"
    assert verdict("Peskov", "Дети играли с песком.") == "negative"
    assert verdict("Peskov", "Темы брифинга Пескова.") == "relevant"
    assert verdict("Zelensky", "Зеленська відвідала школу.") == "negative"
    assert verdict("Zelensky", "Звернення Зеленського.") == "relevant"
    assert verdict("Chasiv Yar", "Прошло несколько часов.") == "negative"


def test_multi_word_names_match_in_any_case_form() -> None:
    assert verdict("Chasiv Yar", "Бои идут в Часовом Яре.") == "relevant"
    assert verdict("Chasiv Yar", "Ситуація біля Часового-Яру.") == "relevant"
    assert verdict("Chasiv Yar", "Часовоярское направление.") == "neutral"


def test_homonyms_ambiguous_forms_and_latin_spellings_are_neutral() -> None:
    assert verdict("Budanov", "Суд по делу Юрия Буданова.") == "neutral"
    assert verdict("Budanov", "Слова Буданова о войне.") == "relevant"
    assert verdict("Donetsk", "Обстріляли Донецьку область.") == "neutral"
    assert verdict("Donetsk", "В окупованому Донецьку вибухи.") == "relevant"
    assert verdict("Lviv", "В парке живут семь львов.") == "neutral"
    assert verdict("Moscow", "Подписаться: t.me/moskva_news") == "neutral"


def test_truth_sets_of_a_small_corpus() -> None:
    texts = {
        "a": "Новости\nВ Славянске открыли школу.",
        "b": "Лекция\nСлавянские языки.",
        "c": "Село\nПокровское.",
        "d": "Погода\nДождь.",
    }
    truths = cyrillic_truths([BY_NAME["Sloviansk"], BY_NAME["Pokrovsk"]], texts)
    assert set(truths["Sloviansk"].relevant) == {"a"}
    assert set(truths["Sloviansk"].neutral) == {"b"}
    assert truths["Sloviansk"].relevant["a"] == ["Славянске"]
    assert not truths["Pokrovsk"].relevant and not truths["Pokrovsk"].neutral


def test_normalise_folds_apostrophes_and_drops_invisible_marks() -> None:
    assert normalise("Слов’янськ Слов`янськ Словʼянськ") == "Слов'янськ Слов'янськ Слов'янськ"
    assert normalise("a\u00a0b\u00adc\u0301") == "a bc"


# -- the command line


def test_missing_data_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--part", "cyrillic", "--data", str(tmp_path / "nowhere")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_a_tiny_run_and_its_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cyrillic_news" / "tsn_tg"
    folder.mkdir(parents=True)
    lines = [
        {"id": "t-1", "title": "У Слов'янську тихо", "body": "", "lang": "uk"},
        {"id": "t-2", "title": "Славянские языки", "body": "", "lang": "ru"},
        {"id": "t-3", "title": "В Славянске дождь", "body": "", "lang": "ru"},
        {"id": "t-4", "title": "Село Покровское", "body": "", "lang": "ru"},
    ]
    (folder / "articles.jsonl").write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    first = tmp_path / "first.json"
    argv = ["--part", "cyrillic", "--data", str(tmp_path), "--workdir", str(tmp_path / "work")]
    assert main([*argv, "--json", str(first)]) == 0
    report = json.loads(first.read_text(encoding="utf-8"))
    assert report["part"] == "cyrillic"
    assert report["meta"]["documents"] == 4
    assert report["meta"]["groups_scored"] == 1  # only Sloviansk has a relevant document
    assert set(report["summary"]) == {"all", "latin", "cyrillic"}
    queries = {row["query"] for row in report["rows"]}
    assert queries == set(BY_NAME["Sloviansk"].queries)
    assert (tmp_path / "first.md").is_file()

    second = tmp_path / "second.json"
    assert main([*argv, "--json", str(second), "--compare", str(first), "--limit-docs", "4"]) == 0
    assert f"Compared with {first}" in capsys.readouterr().out
    assert "Compared with" in (tmp_path / "second.md").read_text(encoding="utf-8")


def test_compare_lines_show_both_runs() -> None:
    def report(recall: float) -> dict[str, object]:
        summary = {
            "queries": 1,
            "mean_recall": recall,
            "mean_precision": 1.0,
            "min_recall": recall,
            "min_precision": 1.0,
        }
        return {
            "part": "cyrillic",
            "meta": {},
            "summary": {"all": summary, "latin": summary, "cyrillic": summary},
            "rows": [{"group": "Kyiv", "query": "Kyiv", "recall": recall, "precision": 1.0}],
        }

    text = "\n".join(compare_lines(report(0.9), report(0.5), "old.json"))
    assert "| Kyiv | Kyiv | 0.900 | 0.500 | +0.400 |" in text


def test_groups_are_frozen_dataclasses() -> None:
    group = BY_NAME["Kyiv"]
    assert isinstance(group, CyrillicGroup)
    assert "Києві" in group.forms and "Kyiv" in group.queries and "Київ" in group.queries
