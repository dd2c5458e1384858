"""The places facet and name search where a town's name stands for something else.

Each text here was written for these tests: a town's name used for a person, a unit, a club, a
ship, a region, a word or an acronym, beside the same name used for the town. Facet values are
read from the engine, and searches go through it, as a user meets them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from searchsvc import SearchEngine
from searchsvc.analysis.context import parse_sections, place_context
from searchsvc.analysis.variants import Variants


def test_context_lists_parse_sections_and_comments() -> None:
    assert parse_sections("# head\n[a]\nx Y  # note\nz\n\n[b]\nw\n") == {
        "a": frozenset({"x", "y", "z"}),
        "b": frozenset({"w"}),
    }
    with pytest.raises(ValueError, match="line 1"):
        parse_sections("x\n[a]\n")


def test_shipped_context_lists_are_lower_case_words() -> None:
    lists = place_context()
    assert "полк" in lists.unit and "село" in lists.settlement and "region" in lists.en_next
    for name, words in vars(lists).items():
        assert words and all(w == w.lower() and " " not in w for w in words), name


def test_region_capitals_are_towns_of_the_gazetteer() -> None:
    variants = Variants.load()
    for name in place_context().en_region_capitals:
        gi = variants._best_place(variants._lookup_key(name))
        assert gi is not None and not variants._g.groups[gi].minor, name


def places_of(engine: SearchEngine, doc_id: str) -> set[str]:
    """The values the places facet lists for one document."""
    result = engine.search(f"id:{doc_id}", facets=["places"], limit=1)
    assert [hit.id for hit in result.hits] == [doc_id]
    return {bucket["value"] for bucket in result.to_dict()["facets"]["places"]}


def ids(engine: SearchEngine, query: str) -> set[str]:
    return {hit.id for hit in engine.search(query, limit=100).hits}


def engine_with(texts: dict[str, str], languages: dict[str, str] | None = None) -> Iterator[SearchEngine]:
    """An engine of one document per text, titled with it, in ``languages``' language if given."""
    engine = SearchEngine.in_memory()
    lang = languages or {}
    engine.add(
        [
            {"id": key, "title": text, **({"lang": lang[key]} if key in lang else {})}
            for key, text in texts.items()
        ]
    )
    engine.commit()
    yield engine
    engine.close()


# -- a word, an acronym or a foreign city spelled like a town ------------------------------

WORDS = {
    "os": "Вышла новая версия ОС для смартфонов",
    "osa-town": "В городе Оса открыли новую школу",
    "tarot": "Гороскоп на неделю по картам Таро",
    "tara-town": "В городе Тара открыли музей",
    "traffic-police": "Сотрудники ГАИ проверили документы у водителя",
    "novel": "Роман «Заставь меня» вышел в переводе",
    "abroad": "Переговоры в Женеве и Каире завершились, делегация прилетела в Токио",
    "soledar": "Бои в Соледаре и под Соледаром",
    "cherkasy": "Повітряна тривога у Черкасах",
}


@pytest.fixture(scope="module")
def words_engine() -> Iterator[SearchEngine]:
    yield from engine_with(WORDS)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("os", set()),  # the operating system, not Osa: the dictionary's abbreviation
        ("osa-town", {"Osa"}),
        ("tarot", set()),  # Таро is Ukrainian "O crate!" only as a vocative of тара
        ("tara-town", {"Tara"}),
        ("traffic-police", set()),
        ("novel", set()),  # "Заставь" is only a verb: no guessed form of Заставна
        ("abroad", set()),  # the dictionary knows Geneva, Cairo and Tokyo: no villages guessed
        ("soledar", {"Soledar"}),  # a Russian locative is no Ukrainian vocative
        ("cherkasy", {"Cherkasy"}),
    ],
)
def test_words_and_acronyms_are_not_towns(words_engine: SearchEngine, doc_id: str, places: set[str]) -> None:
    assert places_of(words_engine, doc_id) == places


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Osa", {"osa-town"}),
        ("Оса", {"osa-town"}),
        ("Tara", {"tara-town"}),
        ("Тара", {"tara-town"}),
        ("Soledar", {"soledar"}),
        ("Cherkasy", {"cherkasy"}),
    ],
)
def test_searching_a_town_skips_its_namesake_words(
    words_engine: SearchEngine, query: str, found: set[str]
) -> None:
    assert ids(words_engine, query) == found


# -- people named like towns --------------------------------------------------------------

PEOPLE = {
    "monument": "Памятник Пушкину открыли в сквере",
    "poems": "Стихи А. С. Пушкина читали вслух",
    "pushkino": "Новая школа открылась в Пушкино",
    "house": "Жильцы дома Павлова встретились во дворе",
    "street": "На улице Академика Павлова прорвало трубу",
    "pavlovo": "Жители Павлова пожаловались на дороги",
    "theatre": "Премьера в МХТ имени Чехова",
    "chekhov": "Бабушка из Чехова получила письмо",
    "mykolaiv": "Обстрел Николаева продолжается",
    "nikolaev": "Олег Николаев провёл совещание",
    "hetman": "Памятник Хмельницкому отреставрировали",
    "khmelnytskyi": "Обстрел Хмельницкого ночью",
    "manager": "Президент компании Максим Соколов заявил о росте цен",
    "svatove": "Бої за Сватове тривають",
}


@pytest.fixture(scope="module")
def people_engine() -> Iterator[SearchEngine]:
    yield from engine_with(PEOPLE)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("monument", set()),  # the poet's dative, not the (undeclined) Пушкино
        ("poems", set()),
        ("pushkino", {"Pushkyno"}),
        ("house", set()),
        ("street", set()),
        ("pavlovo", {"Pavlovo"}),  # "жители" locates it: the town
        ("theatre", set()),
        ("chekhov", {"Chekhov"}),
        ("mykolaiv", {"Mykolaiv"}),
        ("nikolaev", set()),  # a first name before it, even one a village is named
        ("hetman", set()),
        ("khmelnytskyi", {"Khmelnytskyi"}),
        ("manager", set()),
        ("svatove", {"Svatove"}),  # a Ukrainian nominative is no Russian surname's locative
    ],
)
def test_people_named_like_towns_are_people(
    people_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(people_engine, doc_id) == places


def test_searching_pushkino_skips_the_poet(people_engine: SearchEngine) -> None:
    assert ids(people_engine, "Pushkino") == {"pushkino"}
    assert ids(people_engine, "Пушкино") == {"pushkino"}
    assert {"monument", "poems"} <= ids(people_engine, "Pushkin")


# -- things named after a town -----------------------------------------------------------

NAMED_AFTER = {
    "unit": "Бойцы «Азова» отбили атаку, слава «Азову»!",
    "regiment": "Он служил в полку «Азов»",
    "azov": "В Азове открыли новый порт",
    "club": 'Тренер работал в ФК "Львов", "Александрии" и "Оболони"',
    "airport": "В аэропортах «Внуково» и «Домодедово» ввели ограничения",
    "ship": "The landing ship ‘Saratov’ was hit in the port",
    "kyiv": "Повітряна тривога у «Києві» та в Києві",
}


@pytest.fixture(scope="module")
def named_after_engine() -> Iterator[SearchEngine]:
    yield from engine_with(NAMED_AFTER)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("unit", set()),
        ("regiment", set()),
        ("azov", {"Azov"}),
        ("club", set()),
        ("airport", set()),
        ("ship", set()),
        ("kyiv", {"Kyiv"}),  # the name out of quotes still counts
    ],
)
def test_a_name_alone_in_quotes_is_named_after_the_town(
    named_after_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(named_after_engine, doc_id) == places


# -- English: regions, rivers, ships and words named like towns ------------------------------

ENGLISH = {
    "regions-after": "Shelling hit the Kharkiv, Zaporizhzhia and Mykolaiv regions overnight",
    "regions-of": "He recognised the regions of Luhansk and Donetsk as independent",
    "regions-dash": "He annexed four regions of Ukraine -- Donetsk, Luhansk, Kherson and Zaporizhzhia",
    "governor": "Luhansk's governor said the city was encircled; the governor of Kherson agreed",
    "kind-of": "Fighting raged in the Donetsk town of Bakhmut",
    "river": "Troops crossed the Dnipro in the south",
    "ship": "Missiles hit the Moskva, the fleet's flagship",
    "agreement": "The Minsk agreements were never implemented",
    "university": "She studied at Mariupol State University",
    "longer-name": "Students of the Kyiv-Mohyla Academy marched",
    "film": "Critics tipped Million Dollar Baby for the prize",
    "directions": "Battles continue in the Bakhmut and Avdiivka directions",
    "based": "Defenders of the Mariupol-based Azovstal plant held out",
    "pro": "Pro-Moscow leaders met in Moscow",
    "cities": "Kyiv, Kharkiv and Odesa were shelled, and the sea of Azov and Mariupol stayed quiet",
    "plants": "Inspectors left the Chornobyl and Zaporizhzhia nuclear power plants",
    "republics": "Moscow recognised the Donetsk and Luhansk People's Republics",
    "village-in-region": "In Vasylivka, Zaporizhzhia region, cars wait at the checkpoint",
    "city-and-region": "Shelling of the city of Mykolaiv and Mykolaiv Region went on",
    "regions-apposed": "Strikes hit the regions of Chernihiv, north of Kyiv, and Zhytomyr and Lviv west of it",
    "cities-apposed": "Trains ran to Chernihiv, north of Kyiv, and to Lviv",
    "region-names": "Children were taken to Tyumen, Irkutsk, Kemerovo and Altai",
    "city-names": "Flights left Tyumen, Irkutsk and Kemerovo on time",
    "region-apposition": "Fighting goes on in Luhansk, one of the two regions of the Donbas",
    "city-apposition": "Fighting goes on in Kherson, the only regional capital taken",
    "agreement-town": "The Minsk agreements were signed in Minsk",
    "pair-again": "Shelling hit the Donetsk and Luhansk regions. He backs republics in Luhansk and Donetsk",
    "pair-city": "Shelling hit the Donetsk and Luhansk regions. In Donetsk a market burned",
    "towns-and-region": "Russia's army left Mariupol, Melitopol, Crimea and Sevastopol",
    "village-region": "Partisans blew up rails near Poshtove, Crimea",
    "foreign-phrase": 'Fans in Kyiv sang about Russia: "Ruska kurwa!"',
    "village-phrase": "Russian shells hit Ruska village in Ukraine",
    "city-alias": "Drones attacked Voronezh, a city in Russia",
    "name-pair": "The hosts were Malin Akerman and Petra Mede, far from Ukraine",
    "possessive-pair": "Invaders shelled houses in Kyiv's Podilsky district",
}


@pytest.fixture(scope="module")
def english_engine() -> Iterator[SearchEngine]:
    yield from engine_with(ENGLISH)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("regions-after", set()),
        ("regions-of", set()),
        ("regions-dash", set()),
        ("governor", set()),
        ("kind-of", {"Bakhmut"}),
        ("river", set()),
        ("ship", set()),
        ("agreement", set()),
        ("university", set()),
        ("longer-name", set()),
        ("film", set()),
        ("directions", {"Bakhmut", "Avdiivka"}),  # a front named after a town counts as the town
        ("based", {"Mariupol"}),
        ("pro", {"Moscow"}),
        ("cities", {"Kyiv", "Kharkiv", "Odesa", "Mariupol"}),
        ("plants", set()),
        ("republics", {"Moscow"}),
        ("village-in-region", {"Vasylivka"}),
        ("city-and-region", {"Mykolaiv"}),
        ("regions-apposed", {"Kyiv"}),
        ("cities-apposed", {"Chernihiv", "Kyiv", "Lviv"}),
        ("region-names", set()),
        ("city-names", {"Tumen", "Irkutsk", "Kemerovo"}),
        ("region-apposition", set()),
        ("city-apposition", {"Kherson"}),
        ("agreement-town", {"Minsk"}),
        # One sense per text: the pair named as regions is the regions again; a name alone
        # ("In Donetsk") is the town.
        ("pair-again", set()),
        ("pair-city", {"Donetsk"}),
        ("towns-and-region", {"Mariupol", "Melitopol", "Sevastopol"}),
        ("village-region", {"Poshtove"}),
        # Words of another language after a village's name: a phrase, not the village.
        ("foreign-phrase", {"Kyiv"}),
        ("village-phrase", {"Ruska"}),
        # A city's main name that is only a village's alias (Воронеж in Ukraine) is the city.
        ("city-alias", {"Voronezh"}),
        # Two places side by side are a person's first name and surname (Malyn, Akkerman).
        ("name-pair", set()),
        ("possessive-pair", {"Kyiv"}),
    ],
)
def test_english_names_of_regions_and_things_are_not_towns(
    english_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(english_engine, doc_id) == places


# -- adjectives with their nouns --------------------------------------------------------------

ADJECTIVES = {
    "avenue": "Крыша загорелась на Ленинском проспекте",
    "district": "Пожар в Раменском районе потушили",
    "ramenskoye": "В Раменском пожар",
    "front": "Бої на Покровському напрямку",
    "krai": "Морозы в Хабаровском крае",
    "kramatorsk": "У Краматорську ракету збили над містом",
    "oblast": "Росія обстріляла Донецьку область",
}


@pytest.fixture(scope="module")
def adjectives_engine() -> Iterator[SearchEngine]:
    yield from engine_with(ADJECTIVES)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("avenue", set()),
        ("district", set()),
        ("ramenskoye", {"Ramenskoye"}),
        ("front", set()),
        ("krai", set()),
        ("kramatorsk", {"Kramatorsk"}),  # after "у" it is the town's locative, not "into ... the missile"
        ("oblast", set()),
    ],
)
def test_an_adjective_with_its_noun_is_no_town(
    adjectives_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(adjectives_engine, doc_id) == places


# -- links and Latin names in Cyrillic text ----------------------------------------------------

LINKS = {
    "brand": "Администратора канала Moscow Calling отправили под домашний арест",
    "link": "Погода в Москве: подробности на https://t.me/Kharkiv_weather",
    "english-link": "Fighting in Kyiv, see https://t.me/Kharkiv_news for more",
    "english": "Heavy fighting near Kharkiv, the regional governor said",
}


@pytest.fixture(scope="module")
def links_engine() -> Iterator[SearchEngine]:
    yield from engine_with(LINKS)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [("brand", set()), ("link", {"Moscow"}), ("english-link", {"Kyiv"}), ("english", {"Kharkiv"})],
)
def test_links_and_latin_brands_in_cyrillic_text_name_no_place(
    links_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(links_engine, doc_id) == places


# -- English people and words named like villages ----------------------------------------------

OFF_TOPIC = {
    "minister": "Ms Hutt said the health budget would grow",
    "seed": "Eighth seed Max Mirnyi lost in three sets",
    "sim": "Back up the contacts on your Sim card",
    "village": "Shelling of Bar near Vinnytsia killed two",
    "ukraine": "Russian shelling hit Bilohorivka, Ukraine's military said",
}


@pytest.fixture(scope="module")
def off_topic_engine() -> Iterator[SearchEngine]:
    yield from engine_with(OFF_TOPIC)


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("minister", set()),  # a title before the name, and no text about the region
        ("seed", set()),
        ("sim", set()),
        ("village", {"Bar", "Vinnytsia"}),
        ("ukraine", {"Bilohorivka"}),
    ],
)
def test_english_villages_need_a_text_about_the_region(
    off_topic_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(off_topic_engine, doc_id) == places


# -- other languages: the words around a name, in the document's language ----------------------

FOREIGN = {
    "de-person": ("de", "Präsident Wladimir Putin sprach in Moskau."),
    "de-noun-before": ("de", "Schwere Kämpfe um die ostukrainische Stadt Awdijiwka."),
    "de-region-plant": ("de", "Angriffe in der Region Charkiw und auf das AKW Saporischschja."),
    "de-noun-village": ("de", "Nach der Wahl nahm er seinen Hut und ging."),
    "de-compound": ("de", "Die Bachmut-Eroberung kostete viele Leben."),
    "de-compound-dam": ("de", "Der Kachowka-Staudamm brach in der Nacht."),
    "fr-river": ("fr", "Les combats se poursuivent le long du Dniepr, près de Kherson."),
    "fr-region": ("fr", "Frappes russes dans la région de Soumy, selon Moscou."),
    "it-dam": ("it", "La diga di Kakhovka è crollata, e si combatte a Bakhmut."),
    "it-article": ("it", "Attacchi russi nel Donetsk ogni mezz'ora."),
    "nl-plant": ("nl", "De kerncentrale Zaporizja ligt stil, meldt Kyiv."),
    "es-region": ("es", "Combates en la región de Luhansk, cerca de Járkov."),
    "pl-river-longer-name": ("pl", "Rosjanie wysadzili zaporę na Dnieprze w Nowej Kachowce."),
    "pl-aim": ("pl", "Nocny atak dronów na Moskwę i na Kijów."),
    "pl-region-town": ("pl", "Rosjanie bronią się na Zaporożu, a w Doniecku jest spokój."),
    "pl-first-name": ("pl", "Prezydent Wołodymyr Zełenski przyjechał do Lwowa."),
    "pl-people": ("pl", "Według sztabu Ukraińcy odbili kolejne pozycje."),
    "cs-adjective": ("cs", "V Doněcké oblasti se bojuje, píše se v Kyjevě."),
    "cs-country": ("cs", "Mnozí pracují z Rumunska nebo Ruska."),
    "de-name-pair": ("de", "Die Schauspielerin Malin Åkerman moderiert den Abend."),
    "nl-club": ("nl", "Feyenoord won van Shakhtar Donetsk in Rotterdam."),
}


@pytest.fixture(scope="module")
def foreign_engine() -> Iterator[SearchEngine]:
    texts = {key: text for key, (_lang, text) in FOREIGN.items()}
    yield from engine_with(texts, {key: lang for key, (lang, _text) in FOREIGN.items()})


@pytest.mark.parametrize(
    ("doc_id", "places"),
    [
        ("de-person", {"Moscow"}),
        ("de-noun-before", {"Avdiivka"}),
        ("de-region-plant", set()),
        ("de-noun-village", set()),
        ("de-compound", {"Bakhmut"}),
        ("de-compound-dam", set()),
        ("fr-river", {"Kherson"}),
        ("fr-region", {"Moscow"}),
        ("it-dam", {"Bakhmut"}),
        ("it-article", set()),
        ("nl-plant", {"Kyiv"}),
        ("es-region", {"Kharkiv"}),
        ("pl-river-longer-name", set()),
        ("pl-aim", {"Moscow", "Kyiv"}),
        ("pl-region-town", {"Donetsk"}),
        ("pl-first-name", {"Lviv"}),
        ("pl-people", set()),
        ("cs-adjective", {"Kyiv"}),
        ("cs-country", set()),
        ("de-name-pair", set()),
        ("nl-club", set()),
    ],
)
def test_other_languages_words_around_a_name_decide_it(
    foreign_engine: SearchEngine, doc_id: str, places: set[str]
) -> None:
    assert places_of(foreign_engine, doc_id) == places


def test_listed_european_names_of_moscow_and_lviv_find_them() -> None:
    engine = SearchEngine.in_memory()
    engine.add(
        [
            {"id": "it", "title": "Droni su Mosca nella notte", "lang": "it"},
            {"id": "fr", "title": "Moscou dément les frappes", "lang": "fr"},
            {"id": "es", "title": "Moscú responde a Kiev", "lang": "es"},
            {"id": "it-lviv", "title": "Esplosioni a Leopoli", "lang": "it"},
        ]
    )
    engine.commit()
    assert ids(engine, "Moscow") == {"it", "fr", "es"}
    assert ids(engine, "Lviv") == {"it-lviv"}
    assert places_of(engine, "it-lviv") == {"Lviv"}
    engine.close()
