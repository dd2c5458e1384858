"""Normal forms of Russian and Ukrainian words, from pymorphy3's dictionaries.

A name in Russian or Ukrainian text changes its ending with its case ("в
Славянске", "у Києві", "під Покровськом"). The variants module joins names by
their nominative, and this module proposes nominatives for a word as written:

* every reading pymorphy3 gives, from the Ukrainian dictionary, the Russian
  one, or both, chosen by the letters only one of the two languages has;
* nominatives made by replacing a case ending (``strip_case_ending``), for
  words pymorphy3 reads wrongly or not at all (Покровском read as an
  adjective, Сирському as a feminine noun).

Which candidate is the name is decided by the caller, who knows the gazetteer:
this module only reads grammar. The dictionaries load on first use, once per
process; importing this module loads nothing.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

#: Letters only Ukrainian writes, and letters only Russian writes.
UKRAINIAN_LETTERS = frozenset("іїєґ")
RUSSIAN_LETTERS = frozenset("ыэъё")

#: Parts of speech that never name a place or a person, whatever the case.
FUNCTION_POS = frozenset(("PREP", "CONJ", "PRCL", "INTJ", "NPRO", "PRED", "NUMR", "COMP"))
#: Grammemes that mark a proper name in pymorphy3's dictionaries (the
#: Ukrainian dictionary has no Geox, so a town there is a plain noun).
NAME_GRAMMEMES = ("Geox", "Surn", "Name", "Patr", "Orgn")
PERSON_GRAMMEMES = ("Surn", "Name", "Patr")


@dataclass(frozen=True)
class Reading:
    """One grammatical reading of a word: its normal form and what it is."""

    lemma: str
    pos: str
    score: float
    #: Found in the dictionary, rather than guessed from the ending.
    known: bool
    #: Tagged as a place, surname, first name or patronymic.
    proper: bool
    #: Tagged as a surname, first name or patronymic.
    person: bool
    feminine: bool
    lang: str
    #: The case grammeme ("nomn", "gent", "loct", "voct"...), or "" where the word has none.
    case: str = ""
    #: "masc", "femn" or "neut" ("" for a plural, or a word without gender).
    gender: str = ""
    plural: bool = False
    #: A noun with no singular (Суми, Черкассы).
    plural_only: bool = False
    #: Tagged as an abbreviation (ОС, ГАИ).
    abbreviation: bool = False


def languages(word: str) -> tuple[str, ...]:
    """The dictionaries to read a lower-case Cyrillic word with."""
    letters = set(word)
    if letters & UKRAINIAN_LETTERS:
        return ("uk",)
    if letters & RUSSIAN_LETTERS:
        return ("ru",)
    return ("ru", "uk")


class Morphology:
    """pymorphy3's Russian and Ukrainian analyzers, loaded on first use."""

    def __init__(self, cachesize: int = 200_000) -> None:
        self._lock = threading.Lock()
        self._analyzers: dict[str, Any] = {}
        # Readings are cached per word: news repeats its words, and a parse
        # costs tens of microseconds.
        self._cache: dict[str, tuple[Reading, ...]] = {}
        self._cachesize = cachesize

    def _analyzer(self, lang: str) -> Any:
        found = self._analyzers.get(lang)
        if found is None:
            with self._lock:
                found = self._analyzers.get(lang)
                if found is None:
                    import pymorphy3

                    found = self._analyzers[lang] = pymorphy3.MorphAnalyzer(lang=lang)
        return found

    def knows(self, word: str, lang: str) -> bool:
        """Whether a language's dictionary has the lower-case word (a lookup, no parse)."""
        return bool(self._analyzer(lang).word_is_known(word))

    def lemma(self, word: str, lang: str) -> str:
        """The normal form of the likeliest reading in one language."""
        return str(self._analyzer(lang).parse(word)[0].normal_form)

    @property
    def loaded(self) -> tuple[str, ...]:
        return tuple(self._analyzers)

    def readings(self, word: str) -> tuple[Reading, ...]:
        """Every reading of a lower-case word, in the languages its letters allow."""
        found = self._cache.get(word)
        if found is None:
            found = self._parse(word)
            if len(self._cache) >= self._cachesize:
                self._cache.clear()
            self._cache[word] = found
        return found

    def _parse(self, word: str) -> tuple[Reading, ...]:
        out: list[Reading] = []
        for lang in languages(word):
            for parse in self._analyzer(lang).parse(word):
                tag = parse.tag
                grammemes = tag.grammemes
                out.append(
                    Reading(
                        # News writes е for ё; so do the gazetteer's spellings.
                        lemma=parse.normal_form.replace("ё", "е"),
                        pos=str(tag.POS or ""),
                        score=float(parse.score),
                        known=bool(parse.is_known),
                        proper=any(g in grammemes for g in NAME_GRAMMEMES),
                        person=any(g in grammemes for g in PERSON_GRAMMEMES),
                        feminine="femn" in grammemes,
                        lang=lang,
                        case=str(tag.case or ""),
                        gender=str(tag.gender or ""),
                        plural="plur" in grammemes,
                        plural_only="Pltm" in grammemes,
                        abbreviation="Abbr" in grammemes,
                    )
                )
        return tuple(out)


@functools.cache
def shared_morphology() -> Morphology:
    """One Morphology per process: the dictionaries take tens of MiB."""
    return Morphology()


def is_function_word(readings: tuple[Reading, ...]) -> bool:
    """Whether the likeliest known reading in some language is a preposition, conjunction...

    "Об" opening a sentence is "about", not the town of Ob'.
    """
    best: dict[str, Reading] = {}
    for r in readings:
        if r.known and (r.lang not in best or r.score > best[r.lang].score):
            best[r.lang] = r
    return any(r.pos in FUNCTION_POS and r.score >= 0.5 for r in best.values())


def is_dictionary_word(readings: tuple[Reading, ...]) -> bool:
    """Whether the dictionary knows the word as an ordinary (not a proper) word."""
    return any(r.known and not r.proper for r in readings)


# Case endings of nouns that name places and people, longest first, each with
# the nominative endings it may come from. Used only to propose candidates:
# a candidate counts only if the gazetteer or a names list knows it.
_CASE_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # -ськ / -цьк / -ск towns, and -ов / -ев / -ин surnames (masculine)
    ("ом", ("",)),
    ("ем", ("", "ь", "й")),
    ("ым", ("",)),
    ("им", ("",)),
    ("ові", ("", "о")),
    ("еві", ("", "ь", "й")),
    ("ою", ("а", "я")),
    ("ею", ("я", "ь")),
    ("ой", ("а",)),
    ("ей", ("я", "ь")),
    ("ах", ("и", "ы", "а")),
    ("ях", ("і", "и", "я")),
    ("ам", ("и", "ы", "а")),
    ("ами", ("и", "ы", "а")),
    # -ський / -ский surnames and -ське / -ское places decline as adjectives
    ("ого", ("ий", "ій", "ой", "ое", "е")),
    ("ому", ("ий", "ій", "ой", "ое", "е")),
    ("ім", ("ий", "е")),
    ("ої", ("а",)),
    ("ій", ("а", "я")),
    ("ую", ("ая",)),
    ("у", ("", "а", "о")),
    ("ю", ("ь", "я", "й")),
    ("а", ("", "о", "е")),
    ("я", ("ь", "й", "е")),
    ("е", ("", "а", "о")),
    ("і", ("", "а", "ь", "я", "ка")),
    ("и", ("а", "")),
    ("ы", ("а",)),
    ("ці", ("ка",)),
    ("ке", ("ка",)),
)

# Ukrainian alternates і in the nominative with е/о in the other cases
# (Київ / Києва, Харків / Харкова).
_UK_ALTERNATION = (("є", "ї"), ("е", "і"), ("о", "і"))


def strip_case_ending(word: str, min_stem: int = 3) -> list[str]:
    """Possible nominatives of a lower-case Cyrillic word, guessed from its ending."""
    out: dict[str, None] = {}
    for ending, nominatives in _CASE_ENDINGS:
        if not word.endswith(ending) or len(word) - len(ending) < min_stem:
            continue
        stem = word[: len(word) - len(ending)]
        for nominative in nominatives:
            out.setdefault(stem + nominative, None)
            # Києва -> Київ: the last vowel of the stem goes back to і/ї.
            for oblique, nominative_vowel in _UK_ALTERNATION:
                at = stem.rfind(oblique)
                if at >= 1 and at >= len(stem) - 2:
                    out.setdefault(stem[:at] + nominative_vowel + stem[at + 1 :] + nominative, None)
    out.pop(word, None)
    return list(out)


_CLOSED_SYLLABLE = re.compile("([ео])([^аеёиоуыэюяіїє]+[иыа]?)$")


def ukrainian_vowels(word: str) -> list[str]:
    """The word with the е or о of its last syllable as і, as Ukrainian writes it (Пески, Піски)."""
    m = _CLOSED_SYLLABLE.search(word)
    if m is None or m.start() < 1:
        return []
    return [word[: m.start()] + "і" + m.group(2)]
