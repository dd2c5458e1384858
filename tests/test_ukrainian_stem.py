"""The Ukrainian light stemmer on hand-written words."""

from __future__ import annotations

import pytest

from searchsvc.analysis.ukrainian import MIN_STEM, light_stem

# Inflected forms of one word that a search for any of them should find.
FAMILIES = [
    "вибух вибухи вибуху вибухів вибухами вибухах вибухом",
    "обстріл обстріли обстрілу обстрілів обстрілами обстрілом обстрілі",
    "ракета ракети ракету ракеті ракетою ракет ракетам ракетами ракетах",
    "область області областей областю областям областями областях",
    "окупант окупанта окупанту окупантом окупанти окупантів окупантам окупантами",
    "операція операції операцію операцією операцій операціям операціях",
    "кількість кількості кількістю",
    "будинок будинку будинки будинків будинками",
    "біженець біженця біженці біженців біженцями",
    "схід сходу сході",
    "україна україни україні україну україною",
    "український українська українське українські українського української українському українським",
    "зеленський зеленського зеленському зеленським",
    "байрактар байрактари байрактарів байрактаром",
    "знищити знищив знищила знищили знищило знищать знищено",
    "обстріляти обстріляв обстріляла обстріляли обстріляно",
    "обстрілювати обстрілював обстрілювала обстрілювали",
    "зупинився зупинилася зупинилися зупинитися",
    "сім'я сім'ї сім'ю сім'єю",
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.split()[0])
def test_inflected_forms_share_one_stem(family):
    stems = {word: light_stem(word) for word in family.split()}
    assert len(set(stems.values())) == 1, stems


def test_stems_of_common_words():
    assert [light_stem(w) for w in ["вибухами", "ракетою", "області", "окупантів", "знищили"]] == [
        "вибух",
        "ракет",
        "област",
        "окупант",
        "знищ",
    ]


def test_short_words_are_not_over_stemmed():
    for word in ["сил", "мир", "рік", "дім", "ніч", "але", "так", "зсу", "сбу"]:
        assert light_stem(word) == word
    assert light_stem("сили") == light_stem("сила") == "сил"
    assert light_stem("миру") == "мир"
    assert light_stem("діти") == "діт"
    assert all(len(light_stem(w)) >= MIN_STEM for w in ["вода", "води", "дали", "дати", "мера"])


def test_plural_nouns_in_t_are_not_infinitives():
    # -ти after а/е/о is a plural ending here, not the infinitive.
    for word, stem in [("окупанти", "окупант"), ("ракети", "ракет"), ("результати", "результат")]:
        assert light_stem(word) == stem


def test_unrelated_words_stay_apart():
    pairs = [
        ("ракета", "ракетний"),  # noun / adjective: derivation is kept
        ("окупант", "окупантка"),
        ("обстріл", "обстріляли"),  # noun / verb
        ("школа", "шкода"),
        ("мир", "міра"),
        ("удар", "ударний"),
        ("сила", "силос"),
        ("війна", "військо"),
    ]
    for a, b in pairs:
        assert light_stem(a) != light_stem(b), (a, b)


def test_spelling_variants_meet():
    assert light_stem("ґрунту") == light_stem("грунт")
    assert light_stem("об'єкта") == light_stem("обєкт") == light_stem("об’єкт")
    assert light_stem("") == ""
