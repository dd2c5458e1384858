"""Names in Russian and Ukrainian text: every case form, from any spelling.

Each sentence here was written for these tests. They pin the examples a new
user tried, both directions and both languages, and the traps around them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import falcon.testing
import pytest
from click.testing import CliRunner

from searchsvc import SearchEngine
from searchsvc.analysis.morphology import languages, strip_case_ending
from searchsvc.analysis.variants import Variants
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.settings import Settings

SENTENCES = {
    "ru-slav-nom": "Российские войска обстреляли Славянск",
    "ru-slav-loc": "В Славянске прогремели взрывы",
    "uk-slav-loc": "У Слов'янську пролунали вибухи",
    "ru-zel": "Зеленскому передали письмо",
    "uk-zel": "Зеленському передали листа",
    "ru-pokr": "Бои под Покровском",
    "uk-pokr": "Бої біля Покровська",
    "ru-kyiv": "Взрывы в Киеве",
    "uk-kyiv": "Вибухи в Києві",
    "ru-kost": "Жители Константиновки",
    "uk-kost": "Мешканців Костянтинівки",
    "ru-slavic": "Славянские языки изучают в университете",
    "ru-phrase": "Новый обстрел Славянска",
    "uk-phrase": "Новий обстріл Слов'янська",
    "en-caps": "EXPLOSIONS IN KIEV",
    "ru-caps": "ВЗРЫВЫ В КИЕВЕ",
}

SLOVIANSK = {"ru-slav-nom", "ru-slav-loc", "uk-slav-loc", "ru-phrase", "uk-phrase"}
EXPECTED = {
    "Sloviansk": SLOVIANSK,
    "Slavyansk": SLOVIANSK,
    "Славянск": SLOVIANSK,
    "Слов'янськ": SLOVIANSK,
    "Славянске": SLOVIANSK,
    "Zelensky": {"ru-zel", "uk-zel"},
    "Зеленский": {"ru-zel", "uk-zel"},
    "Зеленського": {"ru-zel", "uk-zel"},
    "Pokrovsk": {"ru-pokr", "uk-pokr"},
    "Покровськ": {"ru-pokr", "uk-pokr"},
    "Krasnoarmeysk": {"ru-pokr", "uk-pokr"},
    "Kyiv": {"ru-kyiv", "uk-kyiv", "en-caps", "ru-caps"},
    "Київ": {"ru-kyiv", "uk-kyiv", "en-caps", "ru-caps"},
    "Киев": {"ru-kyiv", "uk-kyiv", "en-caps", "ru-caps"},
    "Kostiantynivka": {"ru-kost", "uk-kost"},
    "Kostantinovka": {"ru-kost", "uk-kost"},
    "Константиновка": {"ru-kost", "uk-kost"},
    '"обстрел Славянска"': {"ru-phrase", "uk-phrase"},
    '"обстріл Slavyansk"': {"ru-phrase", "uk-phrase"},
}


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    engine = SearchEngine.in_memory()
    engine.add([{"id": key, "title": text} for key, text in SENTENCES.items()])
    engine.commit()
    yield engine
    engine.close()


def ids(engine: SearchEngine, query: str) -> set[str]:
    return {hit.id for hit in engine.search(query, limit=100).hits}


@pytest.mark.parametrize("query", sorted(EXPECTED))
def test_a_name_in_any_spelling_finds_every_case_form(engine: SearchEngine, query: str) -> None:
    assert ids(engine, query) == EXPECTED[query]


def test_a_name_does_not_find_the_adjective_of_its_stem(engine: SearchEngine) -> None:
    for query in ("Славянск", "Sloviansk", "славянск"):
        assert "ru-slavic" not in ids(engine, query)
    # The adjective is still an ordinary word.
    assert ids(engine, "славянские") == {"ru-slavic"}


def test_highlights_mark_the_form_as_written_and_explain_says_inflected(engine: SearchEngine) -> None:
    result = engine.search("Славянск", limit=20, explain=True)
    by_id = {hit.id: hit for hit in result.hits}
    assert by_id["ru-slav-loc"].highlights is not None
    assert by_id["ru-slav-loc"].highlights["title"] == "В <mark>Славянске</mark> прогремели взрывы"
    why = {m["word"]: m["why"] for hit in result.hits for m in (hit.matched or [])}
    assert why["Славянск"] == "exact"
    assert why["Славянске"] == "inflected"
    assert why["Слов'янську"] == "gazetteer"


def test_places_facet_counts_cyrillic_case_forms(engine: SearchEngine) -> None:
    facets = engine.search("", facets=["places"], limit=1).to_dict()["facets"]["places"]
    counts = {bucket["value"]: bucket["count"] for bucket in facets}
    assert counts == {"Sloviansk": 5, "Kyiv": 4, "Pokrovsk": 2, "Kostiantynivka": 2}
    assert ids(engine, "places:Kyiv") == EXPECTED["Kyiv"]


# -- traps -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def variants() -> Variants:
    return Variants.load()


def place_of(variants: Variants, text: str) -> list[str]:
    return variants.places(text)


def test_peskov_is_not_sand_and_not_the_village(variants: Variants) -> None:
    engine = SearchEngine.in_memory()
    engine.add(
        [
            {"id": "surname", "title": "Песков заявил журналистам"},
            {"id": "surname-gen", "title": "Слова Пескова"},
            {"id": "sand", "title": "Дорогу засыпали песком"},
            {"id": "village", "title": "Бои за Пески продолжаются"},
            {"id": "village-uk", "title": "Бої за Піски тривають"},
        ]
    )
    engine.commit()
    assert ids(engine, "Peskov") == {"surname", "surname-gen"}
    assert ids(engine, "Песков") == {"surname", "surname-gen"}
    assert ids(engine, "Pisky") == {"village", "village-uk"}
    assert ids(engine, "Пески") == {"village", "village-uk"}
    engine.close()


def test_pokrovsk_is_not_pokrovske(variants: Variants) -> None:
    assert variants.cyrillic_name("Покровское").places != variants.cyrillic_name("Покровска").places  # type: ignore[union-attr]
    assert place_of(variants, "Бои у Покровска") == ["Pokrovsk"]
    assert place_of(variants, "Бои у села Покровское") == ["Pokrovske"]


def test_zelenskaya_is_not_zelensky(variants: Variants) -> None:
    engine = SearchEngine.in_memory()
    engine.add([{"id": "wife", "title": "Зеленская посетила школу"}, {"id": "him", "title": "Зеленский"}])
    engine.commit()
    assert ids(engine, "Zelensky") == {"him"}
    engine.close()


@pytest.mark.parametrize(
    "text",
    [
        "Об этом сообщили в штабе",  # "about", not the town of Ob'
        "Новини дня: що відомо",  # "news"
        "Доброе утро, страна",  # "good"
        "Китай поддержал переговоры",  # China, not a village Kytai
        "Делегація Чехії прибула",  # Czechia
        "Победа в матче",  # "victory"
        "Бойцы полка Азов вышли",  # a unit, not the town
    ],
)
def test_common_words_countries_and_units_are_not_settlements(variants: Variants, text: str) -> None:
    assert place_of(variants, text) == []


def test_a_village_named_like_a_word_needs_context(variants: Variants) -> None:
    assert place_of(variants, "Бои у села Доброе") == ["Dobroye"]
    assert place_of(variants, "Жители Азова") == ["Azov"]


@pytest.mark.parametrize(
    "text",
    [
        "Обстрел в\u00a0Славянске",  # no-break space
        "Обстрел в Славя\u0301нске",  # stress mark
        "Обстрел в Славян\u00adске",  # soft hyphen
        "Обстріл у Слов’янську",  # typographic apostrophe
        "Обстріл у Словʼянську",  # modifier letter apostrophe
        "Обстріл у Слов`янську",  # backquote
        "Обстрел в Cлавянске",  # a Latin C
        "Вибухи у Слов'янськy",  # a Latin y for у
    ],
)
def test_text_as_it_really_comes_keeps_the_word_whole(text: str) -> None:
    engine = SearchEngine.in_memory()
    engine.add([{"id": "d", "title": text}])
    engine.commit()
    assert ids(engine, "Sloviansk") == {"d"}
    hit = engine.search("Sloviansk", explain=True).hits[0]
    assert hit.highlights is not None and hit.highlights["title"].count("<mark>") == 1
    engine.close()


def test_a_latin_i_inside_a_ukrainian_word() -> None:
    engine = SearchEngine.in_memory()
    engine.add([{"id": "d", "title": "Вибухи у Kиєвi"}])
    engine.commit()
    assert ids(engine, "Kyiv") == {"d"}
    engine.close()


# -- user variants file in any letter case -------------------------------------------


def test_user_variants_match_lower_case_all_caps_and_multi_word(tmp_path) -> None:
    path = tmp_path / "variants.txt"
    path.write_text("putin | ptn\nNATO | OTAN\nChasiv Yar | Часів Яр\n", encoding="utf-8")
    engine = SearchEngine.in_memory(settings=Settings(variants_file=str(path)))
    engine.add(
        [
            {"id": "ptn", "title": "ptn said nothing"},
            {"id": "otan", "title": "OTAN se réunit"},
            {"id": "yar", "title": "Бої за Часів Яр"},
        ]
    )
    engine.commit()
    assert ids(engine, "Putin") == {"ptn"}
    assert ids(engine, "NATO") == {"otan"}
    assert ids(engine, '"Chasiv Yar"') == {"yar"}
    engine.close()


# -- the parts ---------------------------------------------------------------------------


def test_language_by_letters() -> None:
    assert languages("києві") == ("uk",)
    assert languages("объявил") == ("ru",)
    assert languages("покровск") == ("ru", "uk")


def test_case_endings_propose_nominatives() -> None:
    assert "покровськ" in strip_case_ending("покровськом")
    assert "київ" in strip_case_ending("києва")
    assert "авдіївка" in strip_case_ending("авдіївці")


def test_the_dictionaries_load_with_the_first_cyrillic_word() -> None:
    # A fresh process: other tests here have loaded them already.
    script = (
        "from searchsvc import SearchEngine\n"
        "from searchsvc.analysis.morphology import shared_morphology\n"
        "engine = SearchEngine.in_memory()\n"
        "engine.add([{'id': 'a', 'title': 'Shelling in Kyiv'}]); engine.commit()\n"
        "print(shared_morphology().loaded)\n"
        "engine.add([{'id': 'b', 'title': 'Вибухи в Києві'}]); engine.commit()\n"
        "print(shared_morphology().loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    before, after = out.stdout.splitlines()[:2]
    assert before == "()"
    assert after != "()"


def test_ukrainian_words_match_their_inflected_forms() -> None:
    engine = SearchEngine.in_memory()
    engine.add(
        [
            {"id": "a", "title": "Пролунали вибухи"},
            {"id": "b", "title": "Кількість вибухів зросла"},
            {"id": "c", "title": "Обстріл з вибухами"},
            {"id": "d", "title": "Вибухнули склади"},
        ]
    )
    engine.commit()
    assert ids(engine, "вибух") == {"a", "b", "c"}
    engine.close()


# -- the same through HTTP and the CLI --------------------------------------------------


@pytest.mark.parametrize("query", sorted(EXPECTED))
def test_http_search_finds_case_forms(engine: SearchEngine, query: str) -> None:
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    result = client.simulate_get("/search", params={"q": query, "limit": "50"})
    assert result.status_code == 200
    assert {hit["id"] for hit in result.json["hits"]} == EXPECTED[query]


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("cli")
    corpus = folder / "ru.jsonl"
    corpus.write_text(
        "\n".join(json.dumps({"id": k, "title": v}, ensure_ascii=False) for k, v in SENTENCES.items()),
        encoding="utf-8",
    )
    base = ["--index-dir", str(folder / "ix")]
    assert CliRunner().invoke(cli, [*base, "index", str(corpus)]).exit_code == 0
    return base


@pytest.mark.parametrize("query", sorted(EXPECTED))
def test_cli_search_finds_case_forms(cli_index: list[str], query: str) -> None:
    result = CliRunner().invoke(cli, [*cli_index, "search", query, "--json", "-n", "50"])
    assert result.exit_code == 0, result.output
    assert {hit["id"] for hit in json.loads(result.output)["hits"]} == EXPECTED[query]


def test_cli_variants_shows_the_normal_form(cli_index: list[str]) -> None:
    shown = CliRunner().invoke(cli, [*cli_index, "variants", "Києві"])
    assert shown.exit_code == 0
    assert "normal form: київ (Києві is a case form of it)" in shown.output and "Kyiv" in shown.output


# -- found on the real Russian and Ukrainian news --------------------------------------


def test_surnames_ordinary_words_and_regions(variants: Variants) -> None:
    engine = SearchEngine.in_memory()
    engine.add(
        [
            {"id": "lavrov", "title": "Заява Лаврова"},
            {"id": "sums", "title": "Суммы выплат выросли"},
            {"id": "sumy", "title": "Обстріл Сум"},
            {"id": "donbas", "title": "Бої на Донбасі"},
            {"id": "yar-ru", "title": "Бои в Часовом Яре"},
            {"id": "yar-uk", "title": "Бої за Часів Яр"},
        ]
    )
    engine.commit()
    assert ids(engine, "Lavrov") == {"lavrov"}
    assert "sums" not in ids(engine, "Sumy")
    assert ids(engine, "Donbas") == {"donbas"}
    assert ids(engine, "Chasiv Yar") == {"yar-ru", "yar-uk"}
    assert ids(engine, '"Chasiv Yar"') == {"yar-ru", "yar-uk"}
    assert ids(engine, '"Часов Яр"') == {"yar-ru", "yar-uk"}
    engine.close()


def test_former_names_in_russian_text_and_surnames_that_were_names_of_towns() -> None:
    engine = SearchEngine.in_memory()
    engine.add(
        [
            {"id": "old-name", "title": "Бои за Красноармейск"},
            {"id": "old-name-loc", "title": "В Артемовске"},
            {"id": "person", "title": "Интервью Жданова"},
            {"id": "town", "title": "Обстрел Николаева"},
        ]
    )
    engine.commit()
    assert ids(engine, "Pokrovsk") == {"old-name"}
    assert ids(engine, "Bakhmut") == {"old-name-loc"}
    assert ids(engine, "Mariupol") == set()
    assert ids(engine, "Mykolaiv") == {"town"}
    engine.close()


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Житель Харькова Семен рассказал", ["Kharkiv"]),
        ("Совет пройдет в Санкт-Петербурге", ["Saint Petersburg"]),
        ("Рейс в Улан-Баторе задержан", []),
        ("Свет вернули в ЖК «Новое Внуково»", []),
        ("Новости рынка. [Подписаться на Москву](https://t.me/example)", []),
        ("Статья [о погоде в Москве](https://example.org/a)", ["Moscow"]),
        ("Турниры в Дубаи и Риме", []),  # Дубаи is no dictionary's word: only a guessed village
    ],
)
def test_places_in_context(variants: Variants, text: str, places: list[str]) -> None:
    assert place_of(variants, text) == places
