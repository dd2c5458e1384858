"""Word lists that say what a town's name stands for where it stands: the town, or something else.

The lists live in ``data/place-context.txt``, one section per rule; the rules that read them are in
``variants``. Runtime needs the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class LanguageContext:
    """One language's words around a town's name, lower case (sections ``[xx-...]``)."""

    #: Articles, plain or joined to a preposition: a name after one takes an article, as a
    #: river or a region does and a town does not (le long du Dniepr, nel Donetsk).
    article: frozenset[str] = frozenset()
    #: Before a name, or before a linking word and it: a region, a plant, a dam or a river
    #: named after the town (l'oblast de Soumy, diga di Kakhovka, kerncentrale Zaporizja).
    before: frozenset[str] = frozenset()
    #: Words linking those to the name (de, di, van).
    link: frozenset[str] = frozenset()
    #: After a name: the region (Doněcké oblasti).
    after: frozenset[str] = frozenset()
    #: Before a declined name: a region or a river, where a town takes another preposition
    #: (Polish "na Zaporożu", "na Dnieprze", but "w Zaporożu").
    declined_before: frozenset[str] = frozenset()
    #: Before a village's name: it is a village (wsi Andrijiwka); elsewhere a village's name
    #: is taken for a word of the language (Hut, Delen).
    settlement: frozenset[str] = frozenset()
    #: Endings of a case form after ``declined_before`` that aim at the town (atak na Moskwę).
    accusative_endings: tuple[str, ...] = ()
    #: Endings of adjectives made from names, capitalized in official names (Doněcké oblasti).
    adjective_endings: tuple[str, ...] = ()
    #: Whether the language capitalizes every noun (German): a capitalized word after an article
    #: or an adjective, before a name, is then a noun, not a first name (die Stadt Bachmut); a
    #: hyphen joins a noun to the town's name (Bachmut-Eroberung); a village's name may be a
    #: noun (Hut).
    capitalized_nouns: bool = False


@dataclass(frozen=True)
class PlaceContext:
    """The shipped lists, lower case, by what a neighbouring word says of a name."""

    #: Before or after a Cyrillic name: a unit or a club named after the town (полк Азов).
    unit: frozenset[str]
    #: Before a Cyrillic name: a settlement, even one named like a word (село Доброе).
    settlement: frozenset[str]
    #: Before a Cyrillic name: it is where something is or comes from (из Павлова, жители
    #: Павлова), so a case form a surname shares with a town is the town's.
    located: frozenset[str]
    #: Before a Cyrillic name the dictionary also reads as a person's: the person
    #: (памятник Пушкину, улица Академика Павлова, имени Чехова).
    person_before: frozenset[str]
    #: After a Latin name: something named after the town (the Donetsk region).
    en_next: frozenset[str]
    #: Before "of" and a Latin name: the water, the region or the battle (the Sea of Azov).
    en_of: frozenset[str]
    #: After a list of Latin names, or before "of" and one: each is the region (the Kharkiv
    #: and Kherson regions, the regions of Luhansk and Donetsk).
    en_plural: frozenset[str]
    #: After a Latin name and before "of": the name is the region the place lies in (the
    #: Donetsk town of Bakhmut).
    en_kind_of: frozenset[str]
    #: Before a Latin name, or before a first name and it: the name is a person's (Mr
    #: Makarov, seed Max Mirnyi).
    en_person_before: frozenset[str]
    #: After a Latin name, a comma and "a", "the" or "one of": the name is the region
    #: ("Luhansk, one of the two regions").
    en_region: frozenset[str]
    #: Names of regions: a list holding one, and otherwise only towns of
    #: ``en_region_capitals``, is a list of regions ("Tyumen, Irkutsk, Kemerovo and Altai").
    en_region_names: frozenset[str]
    #: Towns that a region around them is named after (Donetsk, Belgorod, Tyumen).
    en_region_capitals: frozenset[str]
    #: Other languages' words, by language code.
    languages: dict[str, LanguageContext]
    #: Beginnings of the words for Ukraine, Russia and Belarus and their people in the
    #: languages of ``languages`` (Ukraińcy, Ruska): such a word is no town.
    country_prefixes: tuple[str, ...]
    #: Words that make an English text one about the region: only there does a village, an
    #: English word or a spelling of the romanization rule name a place.
    en_regional: frozenset[str]


def parse_sections(text: str) -> dict[str, frozenset[str]]:
    """``[name]`` sections of blank-separated words; ``#`` starts a comment."""
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), set())
            continue
        if current is None:
            raise ValueError(f"line {number}: words before the first [section]")
        current.update(word.lower() for word in line.split())
    return {name: frozenset(words) for name, words in sections.items()}


_LANGUAGE_FIELDS = {
    "article": "article",
    "before": "before",
    "link": "link",
    "after": "after",
    "declined-before": "declined_before",
    "settlement": "settlement",
    "accusative-endings": "accusative_endings",
    "adjective-endings": "adjective_endings",
    "capitalized-nouns": "capitalized_nouns",
}


def language_contexts(sections: dict[str, frozenset[str]]) -> dict[str, LanguageContext]:
    """The ``[xx-field]`` sections, by language ``xx``."""
    fields: dict[str, dict[str, object]] = {}
    for name, words in sections.items():
        language, _, kind = name.partition("-")
        if len(language) == 2 and kind in _LANGUAGE_FIELDS:
            value: object = words
            if kind.endswith("-endings"):
                value = tuple(sorted(words))
            elif kind == "capitalized-nouns":
                value = words == {"yes"}
            fields.setdefault(language, {})[_LANGUAGE_FIELDS[kind]] = value
    return {language: LanguageContext(**values) for language, values in fields.items()}  # type: ignore[arg-type]


@cache
def place_context() -> PlaceContext:
    """The shipped lists, read once per process."""
    text = resources.files(__package__).joinpath("data", "place-context.txt").read_text("utf-8")
    sections = parse_sections(text)
    return PlaceContext(
        unit=sections["unit"],
        settlement=sections["settlement"],
        located=sections["located"],
        person_before=sections["person-before"],
        en_next=sections["en-next"],
        en_of=sections["en-of"],
        en_plural=sections["en-plural"],
        en_kind_of=sections["en-kind-of"],
        en_person_before=sections["en-person-before"],
        en_region=sections["en-region"],
        en_region_names=sections["en-region-names"],
        en_region_capitals=sections["en-region-capitals"],
        languages=language_contexts(sections),
        country_prefixes=tuple(sorted(sections["country-prefixes"])),
        en_regional=sections["en-regional"],
    )
