"""Spelling variants: transliteration keys, the shipped gazetteer, user groups."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from searchsvc.analysis.translit import (
    is_name_like,
    skeleton,
    skeleton_deletions,
    split_words,
    translit_key,
)
from searchsvc.analysis.variants import GAZETTEER_PATH, Variants


@pytest.fixture(scope="module")
def v() -> Variants:
    return Variants.load()


def _meets(v: Variants, doc_word: str, query_word: str) -> set[str]:
    """Terms by which a query word finds a document word (besides equal stems)."""
    return set(v.index_terms(doc_word)) & {t for t, _ in v.query_terms(query_word)}


# ---------------------------------------------------------------- the key

KEYS = [
    # romanizations of one name converge
    ("Slavyansk", "slavansk"),
    ("Slaviansk", "slavansk"),
    ("Славянск", "slavansk"),
    ("Sloviansk", "slovansk"),
    ("Slovyansk", "slovansk"),
    ("Slov'yans'k", "slovansk"),
    ("Слов'янськ", "slovansk"),
    ("Kostiantynivka", "kostantinivka"),
    ("Kostyantynivka", "kostantinivka"),
    ("Костянтинівка", "kostantinivka"),
    ("Kyiv", "kiv"),
    ("Київ", "kiv"),
    ("Kyiv's", "kiv"),
    ("Kiev", "kev"),
    ("Киев", "kev"),
    ("Luhansk", "luhansk"),
    ("Lugansk", "luhansk"),
    ("Луганськ", "luhansk"),
    ("Odesa", "odesa"),
    ("Odessa", "odesa"),
    ("Donbas", "donbas"),
    ("Donbass", "donbas"),
    ("Zaporizhzhia", "zaporija"),
    ("Zaporizhia", "zaporija"),
    ("Запоріжжя", "zaporija"),
    ("Zaporozhye", "zaporoje"),
    ("Запорожье", "zaporoje"),
    ("Sievierodonetsk", "severodonetsk"),
    ("Severodonetsk", "severodonetsk"),
    ("Сєвєродонецьк", "severodonetsk"),
    ("Zelensky", "zelenski"),
    ("Zelenskyy", "zelenski"),
    ("Zelenskiy", "zelenski"),
    ("Zelenskyi", "zelenski"),
    ("Зеленский", "zelenski"),
    ("Зеленський", "zelenski"),
    ("Klitschko", "klicko"),
    ("Klychko", "klicko"),
    ("Shchastia", "qasta"),
    ("Щастя", "qasta"),
    ("Artyomovsk", "artomovsk"),
    ("Артёмовск", "artomovsk"),
    ("Yevgeny", "evheni"),
    ("Evgeny", "evheni"),
    ("Mykolayiv", "mikolaiv"),
    ("Mykolaiv", "mikolaiv"),
    ("Kharkiv", "harkiv"),
    ("Харків", "harkiv"),
    # stays apart
    ("slavic", "slavik"),
    ("Kyivstar", "kivstar"),
    ("Uman", "uman"),
    ("Human", "human"),
    ("Luck", "luk"),
    ("Lutsk", "lutsk"),
    ("", ""),
    ("2022", ""),
]


@pytest.mark.parametrize(("word", "key"), KEYS)
def test_translit_key(word: str, key: str) -> None:
    assert translit_key(word) == key


def test_translit_key_multiword_and_hyphen() -> None:
    assert translit_key("Chasiv Yar") == "casiv iar"
    assert translit_key("Slavyansk-na-Kubani") == "slavansk na kubani"
    assert split_words("Slov'yans'k, Kyiv's-") == ["Slov'yans'k", "Kyiv's"]


SKELETONS = [
    ("kostantinovka", "k_stant_n_vka"),  # Kostantinovka (misspelt, Russian form)
    ("kostantinivka", "k_stant_n_vka"),  # Kostiantynivka
    ("harkivska", "hark_vska"),  # Kharkivska and Kharkovska oblast
    ("harkovska", "hark_vska"),
    ("cernihiv", "c_rn_h_v"),  # Chernihiv
    ("cernihov", "c_rn_h_v"),  # Chernigov
    ("cernahiv", "c_rnah_v"),  # Cherniakhiv: another town, a stays a
    ("zelenski", "z_l_nsk_"),
    ("zelenska", "z_l_nska"),  # his wife, not him
    ("kiv", None),  # too short to be fuzzy
    ("kivstar", "k_vstar"),  # Kyivstar: nothing like Kyiv's (none)
    ("slavik", None),
    ("casiv iar", None),  # words only
]


@pytest.mark.parametrize(("key", "skel"), SKELETONS)
def test_skeleton(key: str, skel: str | None) -> None:
    assert skeleton(key) == skel


def test_skeleton_deletions_only_for_long_names() -> None:
    # Konstantinovka with the n dropped is the misspelling Kostantinovka.
    assert skeleton(translit_key("Kostantinovka")) in skeleton_deletions(translit_key("Konstantinovka"))
    assert skeleton_deletions(translit_key("Horlivka")) == []  # minus l it is Huryivka


def test_name_like() -> None:
    assert is_name_like("Slavyansk")
    assert is_name_like("KYIV")
    assert is_name_like("славянск")  # Cyrillic in an English text is a name
    assert not is_name_like("slavic")
    assert not is_name_like("human")
    assert not is_name_like("2022")


# ------------------------------------------------- variants meet both ways

GROUPS = {
    "Sloviansk": [
        "Slavyansk",
        "Sloviansk",
        "Slovyansk",
        "Slaviansk",
        "Slov'yans'k",
        "Славянск",
        "Слов'янськ",
    ],
    "Kostiantynivka": [
        "Kostantinovka",
        "Konstantinovka",
        "Kostiantynivka",
        "Kostyantynivka",
        "Костянтинівка",
    ],
    "Pokrovsk": ["Pokrovsk", "Krasnoarmeysk", "Krasnoarmiisk", "Покровськ"],
    "Bakhmut": ["Bakhmut", "Artemovsk", "Artemivsk", "Бахмут", "Артемовск"],
    "Dnipro": ["Dnipro", "Dnepr", "Dnipropetrovsk", "Дніпро"],
    "Kyiv": ["Kyiv", "Kiev", "Київ", "Киев"],
    "Kharkiv": ["Kharkiv", "Kharkov", "Харків", "Харьков"],
    "Zaporizhzhia": ["Zaporizhzhia", "Zaporizhia", "Zaporozhye", "Запоріжжя", "Запорожье"],
    "Siverskodonetsk": ["Sievierodonetsk", "Severodonetsk", "Северодонецк"],
    "Mykolaiv": ["Mykolaiv", "Nikolaev", "Миколаїв", "Николаев"],
    "Luhansk": ["Luhansk", "Lugansk", "Луганск"],
    "Odesa": ["Odesa", "Odessa", "Одеса", "Одесса"],
    "Donbas": ["Donbas", "Donbass", "Донбас"],
    "Zelensky": ["Zelensky", "Zelenskyy", "Zelenskiy", "Zelenskyi", "Зеленский", "Зеленський"],
}


@pytest.mark.parametrize(
    ("doc_word", "query_word"),
    [(a, b) for spellings in GROUPS.values() for a, b in itertools.permutations(spellings, 2)],
)
def test_variants_meet(v: Variants, doc_word: str, query_word: str) -> None:
    assert _meets(v, doc_word, query_word), (doc_word, query_word)
    # users type lower case too
    assert _meets(v, doc_word, query_word.lower()), (doc_word, query_word.lower())


def test_unknown_names_meet_by_rule(v: Variants) -> None:
    # Not places: only the rule key can join these.
    assert "~k:podolak" in _meets(v, "Podolyak", "Podoliak")
    assert _meets(v, "Зеленський", "zelenskyy")
    assert _meets(v, "Arestovich", "Arestovych")
    # vowel shifts between romanizations meet through the skeleton
    assert any(t.startswith("~s:") for t in _meets(v, "Avdiyivka", "Avdeevka"))


def test_hyphenated_tokens(v: Variants) -> None:
    # The analyzer keeps hyphenated words whole.
    assert _meets(v, "Kyiv-based", "Kiev")
    assert _meets(v, "pro-Kyiv", "Київ")
    assert not _meets(v, "Slavyansk-na-Kubani", "Sloviansk")  # another town, in Russia
    assert _meets(v, "Slavyansk-na-Kubani", "Slavjansk-na-Kubani")
    assert v.index_terms("so-called") == ()


def test_query_boosts_rank_exact_variant_fuzzy(v: Variants) -> None:
    boosts = dict(v.query_terms("Sloviansk"))
    assert boosts["~g:slovansk"] > boosts["~k:slovansk"] > boosts["~s:sl_vansk"]
    assert max(boosts.values()) < 1.0  # the exact word (added by the analyzer) ranks first


# ------------------------------------------------------------ precision


def test_lowercase_words_are_not_names(v: Variants) -> None:
    for word in ("slavic", "human", "luck", "bar", "nice", "reading", "bath", "split", "of", "kyivstar"):
        assert v.index_terms(word) == (), word


def test_slavic_is_not_slavyansk(v: Variants) -> None:
    assert not _meets(v, "Slavic", "Slavyansk")
    assert not _meets(v, "Slavyansk", "slavic")
    assert not _meets(v, "Slavic", "Sloviansk")


def test_kyivstar_is_not_kyiv(v: Variants) -> None:
    assert not _meets(v, "Kyivstar", "Kyiv")
    assert not _meets(v, "Kyiv", "Kyivstar")
    assert not _meets(v, "Kyivstar", "kiev")


def test_english_words_get_no_place_terms(v: Variants) -> None:
    # Typed in lower case an English word means the word, even when it is
    # also a place (Bar, Sad) or an alias GeoNames files (Human: Uman, Luck: Lutsk).
    for word in ("human", "luck", "bar", "sad", "nice", "smile", "hat", "lazy", "buy"):
        assert not [t for t, _ in v.query_terms(word) if t.startswith("~g:")], word
    assert v.query_terms("bar") == []
    assert not _meets(v, "Human", "Uman")
    assert not _meets(v, "Uman", "human")
    assert not _meets(v, "Luck", "Lutsk")
    assert not _meets(v, "Lutsk", "luck")
    # capitalized, the Ukrainian town Bar is a place
    assert "~g:bar" in {t for t, _ in v.query_terms("Bar")}
    assert _meets(v, "Бар", "Bar")
    # ordinary English words get no fuzzy terms that would meet other words
    assert not _meets(v, "Exports", "Experts")
    assert v.query_terms("experts") == []


def test_misfiled_aliases_are_dropped(v: Variants) -> None:
    # GeoNames files Pokrovsk under Engels and Slov'iansk/Слов'янськ under Nikopol.
    assert not _meets(v, "Pokrovsk", "Engels")
    assert not _meets(v, "Engels", "Pokrovsk")
    assert not _meets(v, "Sloviansk", "Nikopol")
    assert not _meets(v, "Слов'янськ", "Nikopol")
    assert not _meets(v, "Nikopol", "Slov'iansk")
    assert v.canonical_place("Slov'iansk") == "Sloviansk"
    assert v.canonical_place("Pokrovsk") == "Pokrovsk"
    # airport codes and two-letter aliases of Kyiv
    assert not _meets(v, "IEV", "Kyiv")
    assert v.canonical_place("Ko") is None


def test_acronyms_match_only_main_names(v: Variants) -> None:
    assert _meets(v, "KYIV", "Kyiv")
    assert not _meets(v, "CJEU", "Kyiv")  # keys like the Belarusian Кіеў


def test_zelenska_is_not_zelensky(v: Variants) -> None:
    assert not _meets(v, "Zelenska", "Zelensky")


# ------------------------------------------------------------------ places


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shelling hit Slavyansk and Kostantinovka overnight.", ["Sloviansk", "Kostiantynivka"]),
        ("Troops left Krasnoarmeysk (now Pokrovsk) and Artemovsk.", ["Pokrovsk", "Bakhmut"]),
        (
            "From Kiev to Kharkov, Zaporozhye, Odessa and Nikolaev.",
            ["Kyiv", "Kharkiv", "Zaporizhzhia", "Odesa", "Mykolaiv"],
        ),
        (
            "Fighting near Chasiv Yar and in Krivoy Rog, Nova Kakhovka.",
            ["Chasiv Yar", "Kryvyi Rih", "Nova Kakhovka"],
        ),
        ("Робота у Слов'янську? Ні: Славянск и Київ.", ["Sloviansk", "Kyiv"]),
        ("Robotyne and Klishchiivka were retaken.", ["Robotyne", "Klishchiivka"]),
        ("Dnepropetrovsk, Dnepr, Dnipro: one city.", ["Dnipro"]),
        ("Kyiv said. Kiev said. KYIV said.", ["Kyiv"]),
        ("Human rights groups praised the bar and said it was a nice smile.", []),
        ("Bar owners said business was sad.", []),  # sentence-initial Bar is the word
        ("Taras Shevchenko wrote poems.", []),  # a village named Shevchenko, but a person here
        ("slavic languages and kyivstar", []),
        ("President Volodymyr Zelensky visited the Zaporizhzhia NPP.", []),
        ("The Azov Regiment left the Sea of Azov coast, crossing the Dnipro River.", []),
        ("Talks in Berlin, not in the village of Berlyn.", []),
        ("", []),
    ],
)
def test_places(v: Variants, text: str, expected: list[str]) -> None:
    assert v.places(text) == expected


def test_places_english_named_town_mid_sentence(v: Variants) -> None:
    # "Vinnytsia oblast" is the region named after the town, not the town.
    assert v.places("The shelling of Bar in Vinnytsia oblast") == ["Bar"]
    assert v.places("The shelling of Bar near Vinnytsia") == ["Bar", "Vinnytsia"]


@pytest.mark.parametrize(
    "text",
    [
        "Shelling in the Donetsk region overnight",
        "the Zaporizhzhia nuclear power plant",
        "ships in the Kerch Strait",
        "the Kakhovka reservoir drained",
        "across the Kharkiv and Kherson regions",
    ],
)
def test_a_region_a_plant_or_water_named_after_a_town_is_not_the_town(v: Variants, text: str) -> None:
    assert "Donetsk" not in v.places(text) and "Zaporizhzhia" not in v.places(text)
    assert v.places(text) in ([], ["Kharkiv"])


def test_canonical_place(v: Variants) -> None:
    assert v.canonical_place("slavyansk") == "Sloviansk"
    assert v.canonical_place("KOSTANTINOVKA") == "Kostiantynivka"
    assert v.canonical_place("Krasnoarmiisk") == "Pokrovsk"
    assert v.canonical_place("Dnepropetrovsk") == "Dnipro"
    assert v.canonical_place("krivoy rog") == "Kryvyi Rih"
    assert v.canonical_place("Engels") == "Engels"
    assert v.canonical_place("Kyivstar") is None
    assert v.canonical_place("") is None


# ---------------------------------------------------------------- user file


@pytest.fixture()
def user_file(tmp_path: Path) -> Path:
    p = tmp_path / "variants.txt"
    p.write_text(
        "# spellings that no rule joins\n"
        "Zelensky | Szelenszkij | Zelenski  # Hungarian, which people.txt does not list\n"
        "\n"
        "Bakhmut, Bachmutstadt  # a name of the user's own\n"
        "Olena Zelenska | Elena Zelenskaya\n"
        "lonely\n",
        encoding="utf-8",
    )
    return p


def test_user_groups_match(user_file: Path) -> None:
    v = Variants.load(user_file)
    assert not _meets(Variants.load(), "Szelenszkij", "Zelensky")  # no rule joins s/z
    hit = _meets(v, "Szelenszkij", "Zelensky")
    assert hit and all(t.startswith("~g:u.") for t in hit)
    assert _meets(v, "Zelensky", "szelenszkij")
    # multi-word groups are matched word by word
    assert _meets(v, "Elena", "Olena")
    assert _meets(v, "Zelenskaya", "Zelenska")
    # a user group that names a place is that place
    assert Variants.load().places("Fighting in Bachmutstadt") == []
    assert v.places("Fighting in Bachmutstadt") == ["Bakhmut"]


def test_user_file_single_spelling_lines_are_ignored(user_file: Path) -> None:
    v = Variants.load(user_file)
    assert v.stats["user_groups"] == 3
    # an index built with other variants must be rebuilt: the version tells
    assert v.version != Variants.load().version == Variants.load().version


# ------------------------------------------------------------------ explain


def test_explain_sources(user_file: Path) -> None:
    v = Variants.load(user_file)
    ex = v.explain("Slavyansk")
    gaz = [e for e in ex if e["source"] == "gazetteer"]
    assert gaz[0]["group"] == "Sloviansk" and gaz[0]["country"] == "UA" and gaz[0]["best"]
    assert "Sloviansk" in gaz[0]["spellings"]
    rule = [e for e in ex if e["source"] == "rule"]
    assert rule == [
        {
            "source": "rule",
            "key": "slavansk",
            "id": "~k:slavansk",
            "skeleton": "slavansk",
            "skeleton_id": "~s:slavansk",
            "name_like": True,
        }
    ]
    user = [e for e in v.explain("Szelenszkij") if e["source"] == "user"]
    assert user and user[0]["group"] == "Zelensky" and user[0]["line"] == 2
    # a main name is marked as such; an alias is not
    assert [e["main_name"] for e in v.explain("Pokrovsk") if e["source"] == "gazetteer"][0] is True
    kr = [e for e in v.explain("Krasnoarmeysk") if e["source"] == "gazetteer"]
    assert {e["group"] for e in kr} >= {"Pokrovsk", "Krasnoarmeysk"}
    assert kr[0]["group"] == "Pokrovsk"  # Ukraine's place outranks a Russian namesake
    bar = [e for e in v.explain("Bar") if e["source"] == "gazetteer"]
    assert bar[0]["english_word"] is True


# ------------------------------------------------------------------ general


def test_terms_are_prefixed_and_deterministic(v: Variants) -> None:
    words = ["Slavyansk", "Славянск", "Krivoy", "Zelenskyy", "Bar", "Kyivstar"]
    for w in words:
        terms = v.index_terms(w)
        assert terms and all(t.startswith("~") for t in terms)
        assert terms == v.index_terms(w) == Variants.load().index_terms(w)
    assert v.index_terms("the") == v.index_terms("The") == ()


def test_shipped_file_and_notice() -> None:
    assert GAZETTEER_PATH.is_file()
    assert 100_000 < GAZETTEER_PATH.stat().st_size < 1_000_000
    notice = (GAZETTEER_PATH.parent / "NOTICE").read_text(encoding="utf-8")
    assert "GeoNames" in notice and "CC BY 4.0" in notice


def test_the_gazetteer_is_parsed_once_per_process() -> None:
    first, second = Variants.load(), Variants.load()
    # The same group objects: the second load parsed nothing.
    assert next(iter(first.groups())) is next(iter(second.groups()))


def test_each_name_of_a_pair_before_a_plural_region_is_a_region(v: Variants) -> None:
    assert v.places("fighting across the Kharkiv and Kherson regions") == []
    assert v.places("fighting in Kharkiv and Kherson overnight") == ["Kharkiv", "Kherson"]


def test_a_place_named_like_a_word_that_opens_a_name_is_the_word(v: Variants) -> None:
    # Sokal keys like "social": in "the Social Democrats" the word opens a party's name.
    assert v.places("the Social Democrats won") == []
    assert "Bar" in v.places("The shelling of Bar near Vinnytsia")
