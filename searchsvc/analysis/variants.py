"""Spelling variants of place and person names, for indexing and querying.

Three sources make two spellings of one name match:

* the shipped gazetteer (``data/gazetteer.tsv.gz``, built by
  ``gazetteer_build``): known variants of settlements, historical names
  included (Artemovsk = Bakhmut, Krasnoarmeysk = Pokrovsk);
* the rule key of ``translit``: romanization differences (Zelensky/Zelenskyy,
  Slov'yans'k/Sloviansk, Cyrillic/Latin), and a vowel-blind skeleton for
  misspellings and Russian/Ukrainian vowel shifts;
* an optional user file of variant groups, one group per line.

Matching in the index is by equal strings, so every source becomes extra terms
with a prefix no ordinary (stemmed, lower-case) word can have:

``~g:<gid>``   gazetteer place group (gid = key of its display name) or
               ``~g:u.<id>`` a user group
``~w:<wid>``   one word of a multi-word name (Krivoy Rog ~ Kryvyi Rih, word by word)
``~k:<key>``   rule key
``~s:<skel>``  skeleton

Only words written as proper names get terms: capitalized Latin or Cyrillic.
``slavic`` or ``human`` in running text stay ordinary words. Runtime needs the
standard library only.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .context import LanguageContext, place_context
from .filters import written_form
from .morphology import (
    Reading,
    is_dictionary_word,
    is_function_word,
    shared_morphology,
    strip_case_ending,
    ukrainian_vowels,
)
from .orthography import CASE_ENDINGS, LANGUAGE_ORTHOGRAPHIES, nominatives, readings
from .translit import (
    KEY_VERSION,
    SKELETON_VERSION,
    fix_mixed_script,
    has_cyrillic,
    is_capitalized,
    is_name_like,
    is_short_latin,
    iter_words,
    skeleton,
    skeleton_deletions,
    split_words,
    translit_key,
)

GAZETTEER_PATH = Path(__file__).parent / "data" / "gazetteer.tsv.gz"

GROUP_PREFIX = "~g:"
#: The languages whose spellings and case forms of names :meth:`Variants.foreign_terms` reads.
FOREIGN_LANGUAGES = frozenset(LANGUAGE_ORTHOGRAPHIES) | frozenset(CASE_ENDINGS)
WORD_PREFIX = "~w:"
KEY_PREFIX = "~k:"
SKELETON_PREFIX = "~s:"
#: A Cyrillic name as written (lower case), and its nominative: a case form
#: ("Славянске") matches the same spelling in any case through the latter.
FORM_PREFIX = "~f:"
NORMAL_PREFIX = "~n:"
USER_ID_PREFIX = "u."
CURATED_ID_PREFIX = "c."
#: Groups shipped with searchsvc, read like a user file.
CURATED_PATH = Path(__file__).resolve().parent / "data" / "curated.txt"
#: People often named in war news, read like curated groups but never places.
PEOPLE_PATH = Path(__file__).resolve().parent / "data" / "people.txt"
#: Countries and regions in Russian and Ukrainian: never a settlement, even
#: where a village shares the name (Китай, Чехія).
NOT_SETTLEMENTS_PATH = Path(__file__).resolve().parent / "data" / "not-settlements.txt"

# Query boosts: the exact (stemmed) word the lead adds itself counts 1.0.
BOOST_INFLECTED = 0.9
BOOST_GROUP = 0.8
BOOST_KEY = 0.6
BOOST_SKELETON = 0.3
BOOST_SKELETON_TYPO = 0.2

_MAX_NAME_WORDS = 4
_COUNTRY_TIER = {"UA": 0, "RU": 1, "BY": 1}

# Capitalized only because they open a sentence; never names. Keeps the index
# free of "~k:the" and stops "As" (a village key) from turning into a place.
_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "nor",
        "if",
        "then",
        "than",
        "so",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "off",
        "on",
        "onto",
        "out",
        "over",
        "to",
        "up",
        "upon",
        "with",
        "without",
        "within",
        "about",
        "above",
        "after",
        "against",
        "along",
        "among",
        "around",
        "before",
        "behind",
        "below",
        "beneath",
        "beside",
        "between",
        "beyond",
        "during",
        "except",
        "inside",
        "near",
        "since",
        "through",
        "throughout",
        "till",
        "toward",
        "towards",
        "under",
        "until",
        "via",
        "i",
        "me",
        "my",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "not",
        "only",
        "own",
        "same",
        "too",
        "very",
        "can",
        "will",
        "just",
        "should",
        "now",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "also",
        "yet",
        "however",
        "meanwhile",
    ]
)


@dataclass(frozen=True)
class Group:
    """A gazetteer place group: every spelling of one display name."""

    gid: str
    display: str
    countries: tuple[str, ...]
    importance: int
    minor: bool
    raw_entries: str = field(repr=False, compare=False)

    @property
    def tier(self) -> int:
        return min(_COUNTRY_TIER.get(c, 2) for c in self.countries)

    def entries(self) -> list[tuple[str, str, bool]]:
        """(key, spelling, is_main) triples, parsed on demand (for explain)."""
        out = []
        for item in self.raw_entries.split("|"):
            is_main = item.startswith("!")
            key, _, spelling = item.lstrip("!").partition("=")
            out.append((key, spelling or key, is_main))
        return out


@dataclass
class _Shipped:
    groups: list[Group]
    # key (single word, or words joined by spaces) -> group indices, best first
    by_key: dict[str, tuple[int, ...]]
    # keys whose spelling is also an English word (Bar, Sad, Rih ~ rig)
    english: frozenset[str]
    # word key -> word ids (display-word keys) for words of multi-word names
    words: dict[str, tuple[str, ...]]
    # longest multi-word name, in words
    max_words: int
    # first word key -> multi-word lengths starting with it (for scanning text)
    multi_first: dict[str, tuple[int, ...]]
    # lower-case English words: ordinary vocabulary gets no fuzzy terms
    dictionary: frozenset[str] = frozenset()
    # keys that are some group's main name (official or current spelling)
    main_keys: frozenset[str] = frozenset()
    # village keys that mostly mean something else (Berlin, Ivan)
    famous: frozenset[str] = frozenset()
    # crc32 of the file, for Variants.version
    checksum: int = 0
    # a short Latin spelling as written (lowercase, accents folded) -> group
    # indices: a word of a few letters names only the places that list it
    short: dict[str, tuple[int, ...]] = field(default_factory=dict)


_LOCK = threading.Lock()
_SHIPPED: dict[str, _Shipped] = {}


def _load_shipped(path: Path = GAZETTEER_PATH) -> _Shipped:
    """Parse the shipped file once per process (module-level cache)."""
    cache_key = str(path)
    with _LOCK:
        cached = _SHIPPED.get(cache_key)
        if cached is None:
            cached = _SHIPPED[cache_key] = _parse_gazetteer(path)
        return cached


def _parse_gazetteer(path: Path) -> _Shipped:
    raw_bytes = path.read_bytes()
    text = gzip.decompress(raw_bytes).decode("utf-8")
    lines = text.split("\n")
    header = lines[0].split("\t")
    meta = dict(part.split("=", 1) for part in header[1:] if "=" in part)
    # Keys made by another version of translit_key are recomputed from the
    # spellings: slower, but a stale file never silently stops matching.
    rekey = meta.get("key_version") != str(KEY_VERSION)

    groups: list[Group] = []
    pairs: dict[str, list[tuple[int, bool]]] = {}
    short: dict[str, list[int]] = {}
    english: frozenset[str] = frozenset()
    dictionary: frozenset[str] = frozenset()
    famous: frozenset[str] = frozenset()
    words: dict[str, tuple[str, ...]] = {}
    for line in lines[1:]:
        if not line:
            continue
        tag = line[0]
        if tag == "G":
            _, gid, display, countries, importance, flags, raw = line.split("\t")
            if rekey:
                raw = _rekey_entries(raw)
                gid = translit_key(display).replace(" ", "_")
            gi = len(groups)
            groups.append(
                Group(gid, display, tuple(countries.split(",")), int(importance), "m" in flags, raw)
            )
            for item in raw.split("|"):
                is_main = item.startswith("!")
                key, _, spelling = item[1 if is_main else 0 :].partition("=")
                listed = pairs.setdefault(key, [])
                if (gi, is_main) not in listed:
                    listed.append((gi, is_main))
                spelling = spelling or key
                if is_short_latin(spelling):
                    found = short.setdefault(written_form(spelling), [])
                    if gi not in found:
                        found.append(gi)
        elif tag == "E":
            english = frozenset(x for x in line[2:].split("|") if x)
        elif tag == "W":
            _, key, wids = line.split("\t")
            words[key] = tuple(wids.split())
        elif tag == "F":
            famous = frozenset(x for x in line[2:].split("|") if x)
        elif tag == "D":
            dictionary = frozenset(_front_decode(line[2:].split(" ")))
    if rekey:
        english = frozenset(translit_key(k) for k in english)

    def rank(item: tuple[int, bool]) -> tuple[int, int, int, str]:
        g = groups[item[0]]
        # Most relevant country first; there a main name beats an alias
        # whatever the populations; then importance.
        return (g.tier, 0 if item[1] else 1, -g.importance, g.gid)

    def rank_among(
        items: list[tuple[int, bool]],
    ) -> Callable[[tuple[int, bool]], tuple[bool, int, int, int, str]]:
        # A village that only an alias names comes after a city that the key names by its
        # main name and that far outweighs it: Воронеж is a village's Russian name in Ukraine,
        # but Voronezh the city's. A Russian town of a Ukrainian village's Russian name
        # (Nikolskoye, Ivanovskoye) does not outweigh it so, and war news means the village.
        city = max((groups[gi].importance for gi, main in items if main and not groups[gi].minor), default=0)

        def key(item: tuple[int, bool]) -> tuple[bool, int, int, int, str]:
            g = groups[item[0]]
            outweighed = g.minor and not item[1] and city >= _CITY_OVER_VILLAGE * max(g.importance, 1)
            return (outweighed, *rank(item))

        return key

    by_key: dict[str, tuple[int, ...]] = {}
    multi_first: dict[str, set[int]] = {}
    max_words = 1
    for key, items in pairs.items():
        if len(items) > 1:
            items.sort(key=rank_among(items))
            seen: dict[int, None] = dict.fromkeys(i for i, _ in items)
            by_key[key] = tuple(seen)
        else:
            by_key[key] = (items[0][0],)
        if " " in key:
            parts = key.split(" ")
            multi_first.setdefault(parts[0], set()).add(len(parts))
            max_words = max(max_words, len(parts))
    return _Shipped(
        groups=groups,
        by_key=by_key,
        english=english,
        words=words,
        max_words=min(max_words, _MAX_NAME_WORDS),
        multi_first={k: tuple(sorted(v, reverse=True)) for k, v in multi_first.items()},
        dictionary=dictionary,
        main_keys=frozenset(k for k, items in pairs.items() if any(m for _, m in items)),
        famous=famous,
        checksum=zlib.crc32(raw_bytes),
        short={w: tuple(sorted(gis, key=lambda gi: rank((gi, False)))) for w, gis in short.items()},
    )


#: How many times a village's importance a city must have for the city to take a spelling that
#: is the city's main name and only the village's alias.
_CITY_OVER_VILLAGE = 100


def _front_decode(items: list[str]) -> list[str]:
    out: list[str] = []
    prev = ""
    for item in items:
        if not item:
            continue
        n = int(item[0])
        prev = prev[:n] + item[1:]
        out.append(prev)
    return out


def _rekey_entries(raw: str) -> str:
    out = []
    for item in raw.split("|"):
        is_main = item.startswith("!")
        key, _, spelling = item.lstrip("!").partition("=")
        new = translit_key(spelling or key)
        out.append(("!" if is_main else "") + new + "=" + (spelling or key))
    return "|".join(out)


@lru_cache(maxsize=200_000)
def _key(word: str) -> str:
    return translit_key(word)


# ------------------------------------------------------------------ user file


@dataclass(frozen=True)
class UserGroup:
    gid: str
    spellings: tuple[str, ...]
    keys: tuple[str, ...]
    line: int
    source: str = "user"
    #: Whether the group may name a place (people's groups never do).
    place: bool = True


def _parse_user_file(
    path: str | os.PathLike[str], source: str = "user", place: bool = True
) -> list[UserGroup]:
    """One group per line, spellings separated by ``|`` (or ``,``); ``#`` comments."""
    groups: list[UserGroup] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            sep = "|" if "|" in line else ","
            spellings = tuple(s.strip() for s in line.split(sep) if s.strip())
            keys = tuple(dict.fromkeys(k for k in (translit_key(s) for s in spellings) if k))
            if len(spellings) < 2 or not keys:
                continue
            prefix = USER_ID_PREFIX if source == "user" else CURATED_ID_PREFIX
            gid = prefix + keys[0].replace(" ", "_")
            groups.append(UserGroup(gid, spellings, keys, lineno, source, place))
    return groups


@functools.cache
def _curated_groups() -> tuple[UserGroup, ...]:
    groups: list[UserGroup] = []
    if CURATED_PATH.is_file():
        groups.extend(_parse_user_file(CURATED_PATH, source="curated"))
    if PEOPLE_PATH.is_file():
        groups.extend(_parse_user_file(PEOPLE_PATH, source="curated", place=False))
    return tuple(groups)


@functools.cache
def _not_settlements() -> frozenset[str]:
    """Lower-case Cyrillic names of countries and regions."""
    if not NOT_SETTLEMENTS_PATH.is_file():
        return frozenset()
    words: set[str] = set()
    for raw in NOT_SETTLEMENTS_PATH.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0]
        words.update(w.strip().lower().translate(_APOSTROPHE_TABLE) for w in line.split("|") if w.strip())
    return frozenset(words)


_APOSTROPHE_TABLE = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})


@dataclass(frozen=True)
class CyrillicName:
    """What a Cyrillic word as written names: its nominative and that spelling's key."""

    #: The nominative, lower case (``славянск`` for "Славянске").
    lemma: str
    #: ``translit_key`` of the nominative.
    key: str
    #: The group indices of the gazetteer it names, best first (may be empty).
    places: tuple[int, ...]
    #: The dictionary also reads the word as an ordinary word (Победа, Суми).
    ordinary: bool
    #: A country or region named like a village (Китай): no place groups.
    not_settlement: bool
    #: The dictionary reads the word as a person's name (Александр) or as
    #: an adjective (Московский), and not as a place.
    not_a_place: bool = False
    #: No dictionary knows the word: the nominative was guessed from its ending.
    guessed: bool = False
    #: Places the word is a case form of, taken for a surname's form instead
    #: (Пушкину, Павлова): the place only after a word that locates it
    #: ("из Павлова", "жители Павлова").
    surname_form_of: tuple[int, ...] = ()


def _curated() -> list[UserGroup]:
    return list(_curated_groups())


# -------------------------------------------------------------------- Variants


class Variants:
    """Variant lookup for the analyzer: index terms, query terms, places, explain."""

    def __init__(self, shipped: _Shipped, user_groups: Sequence[UserGroup] = ()) -> None:
        self._g = shipped
        self._user_groups = list(user_groups)
        self._user_by_key: dict[str, tuple[str, ...]] = {}
        self._user_words: dict[str, tuple[str, ...]] = {}
        # user gid -> shipped group index the user group names (for places())
        self._user_place: dict[str, int] = {}
        by_key: dict[str, list[str]] = {}
        words: dict[str, list[str]] = {}
        for ug in self._user_groups:
            for k in ug.keys:
                lst = by_key.setdefault(k, [])
                if ug.gid not in lst:
                    lst.append(ug.gid)
            self._align_user_words(ug, words)
            for k in ug.keys if ug.place else ():
                hit = shipped.by_key.get(k)
                if hit:
                    self._user_place.setdefault(ug.gid, hit[0])
        self._user_by_key = {k: tuple(v) for k, v in by_key.items()}
        # The terms of people's groups: a person's name reaches its misspellings
        # by key only, never by skeleton, which would join it to another family's
        # name (Zelensky, Zieliński).
        self._person_terms = frozenset(GROUP_PREFIX + ug.gid for ug in self._user_groups if not ug.place)
        self._user_words = {k: tuple(v) for k, v in words.items()}
        # Spellings of user and curated groups as written, lower case: a group
        # matches its own spellings in any letter case (ptn, NATO, OTAN).
        spelled: dict[str, list[str]] = {}
        for ug in self._user_groups:
            for spelling in ug.spellings:
                if " " in spelling.strip():
                    continue
                lst = spelled.setdefault(spelling.lower().translate(_APOSTROPHE_TABLE), [])
                if ug.gid not in lst:
                    lst.append(ug.gid)
        self._user_spelled = {k: tuple(v) for k, v in spelled.items()}
        self._index_cache: dict[str, tuple[str, ...]] = {}
        self._foreign_cache: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {}
        self._gid_index: dict[str, int] | None = None
        self._spellings: dict[int, frozenset[str]] = {}
        self._capitals: frozenset[int] | None = None
        self.morphology = shared_morphology()
        self._names: dict[str, CyrillicName | None] = {}

    @staticmethod
    def _align_user_words(ug: UserGroup, words: dict[str, list[str]]) -> None:
        # Multi-word user spellings are matched word by word like gazetteer
        # names: word i of each spelling joins word i of the first spelling.
        head = ug.keys[0].split()
        if len(head) < 2:
            return
        for k in ug.keys:
            parts = k.split()
            if len(parts) != len(head):
                continue
            for a, b in zip(parts, head, strict=True):
                if a != b:
                    for w, target in ((a, b), (b, b)):
                        lst = words.setdefault(w, [])
                        if target not in lst:
                            lst.append(target)

    @classmethod
    def load(cls, user_file: str | os.PathLike[str] | None = None) -> Variants:
        """Shipped gazetteer (parsed once per process) plus an optional user file."""
        shipped = _load_shipped()
        user = _curated() + (_parse_user_file(user_file) if user_file is not None else [])
        return cls(shipped, user)

    # ----------------------------------------------------------- term helpers

    def _group_ids(self, key: str, word: str = "", places: bool = True) -> list[str]:
        out: list[str] = []
        if word and is_short_latin(word):
            # A few letters join a group only as it lists them: a key would join
            # Kev to Kyiv (through Киев) and Civ to it.
            if places:
                out.extend(
                    GROUP_PREFIX + self._g.groups[i].gid for i in self._g.short.get(written_form(word), ())
                )
            out.extend(GROUP_PREFIX + gid for gid in self._user_spelled.get(word.lower(), ()))
            return list(dict.fromkeys(out))
        if places:
            groups = self._g.by_key.get(key, ())
            if word and _is_acronym(word) and key not in self._g.main_keys:
                # An all-capitals short word may be an acronym that keys like
                # some village's alias: it names a village only by its main
                # name, a town by any (KIEV, LVOV).
                groups = tuple(i for i in groups if not self._g.groups[i].minor)
            out.extend(GROUP_PREFIX + self._g.groups[i].gid for i in groups)
        out.extend(GROUP_PREFIX + gid for gid in self._user_by_key.get(key, ()))
        out.extend(GROUP_PREFIX + gid for gid in self._user_spelled.get(word.lower(), ()))
        return list(dict.fromkeys(out))

    # ------------------------------------------------------- Cyrillic names

    def cyrillic_name(self, word: str) -> CyrillicName | None:
        """The name a Cyrillic word in any case form stands for, or None.

        Candidates for the nominative are every reading of the word in
        pymorphy3's dictionaries, the word itself, and, for words the
        dictionaries do not know, nominatives guessed from its ending. A
        candidate counts when the gazetteer, the curated lists or the user's
        file know its spelling, or when the dictionary itself knows it as a
        name; a guess never invents a match. A surname never names a village,
        and a word the Russian dictionary knows only as an ordinary noun names
        nothing. The best is a known name reached through a dictionary
        reading, a noun before an adjective, then the likeliest reading, then
        the most important place.
        """
        low = word.lower()
        if low in self._names:
            return self._names[low]
        name = self._resolve(low)
        if len(self._names) >= 500_000:
            self._names.clear()
        self._names[low] = name
        return name

    def _resolve(self, low: str) -> CyrillicName | None:
        readings = self.morphology.readings(low)
        if is_function_word(readings):
            return None
        options: list[tuple[tuple[float, ...], str, str, tuple[int, ...]]] = []
        geographic = any(r.known and r.proper and not r.person and r.pos == "NOUN" for r in readings)
        # The Russian dictionary tags towns (Geox): a word it knows only as an
        # ordinary noun (Игра, суммы) is that noun. The Ukrainian one tags no towns.
        russian_word = any(r.known and r.lang == "ru" and r.pos == "NOUN" for r in readings) and all(
            r.lang == "ru" for r in readings if r.known
        )
        personal = any(r.known and r.person and r.score >= 0.1 for r in readings)
        # The Russian dictionary's likelihood of the word as a person's name,
        # and of each other lemma it may be a form of. A person's locative is
        # left out: it follows "о" only, and "Сватове" is a Ukrainian town.
        weights: dict[str, float] = {}
        surnames: set[str] = set()
        for r in readings:
            if r.known and r.lang == "ru" and not (r.person and r.case in ("loct", "loc2")):
                lemma = PERSON if r.person else r.lemma
                weights[lemma] = weights.get(lemma, 0.0) + r.score
                if r.person:
                    surnames.add(r.lemma)
        surname_forms: list[int] = []

        def consider(lemma: str, reading: Reading | None, ukrainian: bool = False) -> None:
            key = _key(lemma)
            if not key:
                return
            # A surname (Лаврова) names a person, not the village it shares a
            # key with; a Russian word that is only an ordinary noun names nothing.
            ordinary = russian_word and not geographic and not ukrainian
            person = reading is not None and reading.person
            if not person and _surname_form(lemma, reading, low, weights):
                found = self._g.by_key.get(key, ())
                # A town with the surname's own name keeps the form (Николаева
                # is Mykolaiv's) unless it is a Russian one: the gazetteer has
                # Russia's big towns only, and Russian news declines a person's
                # name far more often than a town's (Пушкина, Королева).
                if lemma not in surnames or all(self._g.groups[g].tier > 0 for g in found):
                    person = True
                    surname_forms.extend(found)
            places = () if person or ordinary else self._g.by_key.get(key, ())
            if (
                places
                and personal
                and not geographic
                and (key not in self._g.main_keys or all(self._g.groups[g].minor for g in places))
            ):
                # A surname that is also a village's case form (Денисова,
                # Денисів) or a town's former name (Жданов, Mariupol until
                # 1989) is the person, unless the dictionary also knows the
                # place (Николаев).
                places = ()
            if places or (key in self._user_by_key and not ordinary):
                first = self._g.groups[places[0]] if places else None
                importance = (first.tier, -first.importance) if first is not None else (3, 0)
                rank = (
                    0,
                    0 if reading is not None else 1,
                    0 if reading is not None and reading.pos == "NOUN" else 1,
                    0 if reading is not None and reading.proper else 1,
                    -(reading.score if reading is not None else 0.0),
                    *importance,
                )
                options.append((rank, lemma, key, places))
            elif reading is not None and reading.known and reading.proper and reading.pos == "NOUN":
                options.append(((1, 0, 0, 0, -reading.score, 3, 0), lemma, key, ()))

        adjective = False
        # A vocative does not count as knowing the word: Russian "Соледаре" is
        # a Ukrainian vocative.
        known = any(r.known and r.case != "voct" for r in readings)
        for r in readings:
            if r.pos not in ("NOUN", "ADJF", "UNKN", ""):
                continue
            if r.pos == "ADJF":
                adjective = adjective or r.known
            if known and not r.known and r.lemma != low:
                # Where a dictionary knows the word, another's guess may read it
                # as a nominative (Никольское) but not as a case form of some
                # other name: "Заставь" is a verb, not a form of Заставна.
                continue
            if r.known and not r.proper and (r.case == "voct" or (r.plural and not r.plural_only)):
                # Nobody calls to a town, and a town is one: the vocative or the
                # plural of an ordinary noun (Таро "O crate", ос "of wasps") is
                # no case form of the town named like that noun.
                continue
            if r.feminine and not r.lemma.endswith(("а", "я", "ь")):
                # A feminine form of a surname whose lemma the dictionary
                # gives as the man's: Денисовой is Денисова, and Зеленской
                # (his wife) is not Зеленский.
                feminine = _feminine_surname(r.lemma) if r.person or r.pos == "ADJF" else None
                if feminine is not None:
                    consider(feminine, r)
                continue
            consider(r.lemma, r)
        consider(low, None)
        if not known:
            # Endings are guessed only for words the dictionaries do not know.
            for guess in strip_case_ending(low):
                consider(guess, None)
        if not options and not any(r.known and r.lemma == low for r in readings):
            # A Russian form of a Ukrainian village the gazetteer has only in
            # Ukrainian: Пески for Піски (but Леди is a word of its own).
            for lemma in dict.fromkeys([low, *(r.lemma for r in readings if r.pos == "NOUN")]):
                for alternative in ukrainian_vowels(lemma):
                    consider(alternative, None, ukrainian=True)
        if not options:
            return None
        _rank, lemma, key, places = min(options, key=lambda o: o[0])
        places = self._main_place(key, places)
        known_nouns = [r for r in readings if r.known and r.pos == "NOUN" and r.lemma == lemma]
        not_a_place = not geographic and (
            any(r.known and r.person for r in readings if r.lemma == lemma)
            or (adjective and not known_nouns)
            or russian_word
        )
        countries = _not_settlements()
        not_settlement = (
            lemma in countries or low in countries or any(r.known and r.lemma in countries for r in readings)
        )
        guessed = not any(r.known for r in readings) and lemma != low
        return CyrillicName(
            lemma,
            key,
            places,
            is_dictionary_word(readings),
            not_settlement,
            not_a_place,
            guessed,
            tuple(dict.fromkeys(surname_forms)),
        )

    def _main_place(self, key: str, places: tuple[int, ...]) -> tuple[int, ...]:
        """Only the place a spelling is the current name of, when that place is the biggest.

        Дзержинск is a Russian city of a quarter of a million and was
        Toretsk's name until 2016: in Russian text it is the city. But
        Красноармейск, a small Russian town's name, is still what Russian
        news calls Pokrovsk.
        """
        if len(places) < 2:
            return places
        groups = self._g.groups
        main = [gi for gi in places if any(k == key and m for k, _s, m in groups[gi].entries())]
        others = [gi for gi in places if gi not in main]
        if main and others and groups[main[0]].importance > max(groups[gi].importance for gi in others):
            return tuple(main)
        return places

    def _cyrillic_index_terms(self, surface: str) -> tuple[str, ...]:
        low = surface.lower()
        if not is_capitalized(surface):
            # Lower-case Cyrillic is ordinary vocabulary: it names no group
            # (but for spellings a user listed), while its key and skeleton
            # still join Russian and Ukrainian forms of one word (обстрел,
            # обстріл).
            user = [GROUP_PREFIX + gid for gid in self._user_spelled.get(low, ())]
            sk = skeleton(self._surface_key(surface))
            return tuple(user) + ((SKELETON_PREFIX + sk,) if sk is not None else ())
        name = None if self._abbreviation(surface) else self.cyrillic_name(surface)
        readings = self.morphology.readings(low)
        # Words of multi-word names in any case form: Яре, Часовом (Часів Яр).
        words = self._word_ids(_key(low)) + [
            w
            for r in readings
            if r.known and r.pos in ("NOUN", "ADJF")
            for w in self._word_ids(_key(_short_adjective(r.lemma) if r.pos == "ADJF" else r.lemma))
        ]
        if name is None:
            if is_function_word(readings):
                return ()
            # A word the dictionary knows is keyed by its nominative (Донбасі
            # as Донбас), so that a rule key joins its case forms.
            nominative = next((r.lemma for r in readings if r.known and r.pos == "NOUN"), low)
            # It names no group: any group its key reaches was refused above.
            return tuple(dict.fromkeys([*words, *self._name_terms(_key(nominative), surface, places=False)]))
        terms = [NORMAL_PREFIX + name.lemma, *words, *self._name_terms(name.key, surface, name)]
        return tuple(dict.fromkeys(terms + self._as_written(low)))

    def _as_written(self, low: str) -> list[str]:
        """The rule key of a surname as written, for Latin spellings of that form.

        Денисова is both "of Денисов" and the woman Денисова (Denisova), so a
        surname keeps the key of its written form beside its nominative's.
        """
        if not any(r.known and r.person for r in self.morphology.readings(low)):
            return []
        key = self._surface_key(low)
        return [KEY_PREFIX + key.replace(" ", "_")] if key else []

    def _name_terms(
        self, key: str, surface: str, name: CyrillicName | None = None, places: bool = True
    ) -> tuple[str, ...]:
        if not key:
            return ()
        terms = []
        if places and name is not None:
            # A resolved name claims the places it was resolved to, or none.
            terms = self._group_ids(key, name.lemma if _is_acronym(surface) else surface, places=False)
            if not name.not_settlement:
                terms[:0] = [GROUP_PREFIX + self._g.groups[gi].gid for gi in name.places]
        elif places:
            terms = self._group_ids(key, surface)
        if " " not in key:
            terms.extend(self._word_ids(key))
        terms.append(KEY_PREFIX + key.replace(" ", "_"))
        sk = skeleton(key)
        if sk is not None and not self._person_terms.intersection(terms):
            terms.append(SKELETON_PREFIX + sk)
        return tuple(dict.fromkeys(terms))

    def _word_ids(self, key: str) -> list[str]:
        ids = list(self._g.words.get(key, ()))
        for w in self._user_words.get(key, ()):
            if w not in ids:
                ids.append(w)
        return [WORD_PREFIX + w for w in ids]

    def _surface_key(self, word: str) -> str:
        parts = split_words(word)
        if len(parts) == 1:
            return _key(parts[0])
        return " ".join(k for k in (_key(p) for p in parts) if k)

    # ------------------------------------------------------------- index side

    def index_terms(self, surface: str) -> tuple[str, ...]:
        """Extra index terms for one word as written in a document, or ()."""
        cached = self._index_cache.get(surface)
        if cached is not None:
            return cached
        terms = self._compute_index_terms(surface)
        if len(self._index_cache) < 500_000:
            self._index_cache[surface] = terms
        return terms

    def index_terms_in(self, surface: str, language: str) -> tuple[str, ...]:
        """:meth:`index_terms` of a word of a document in ``language``: also the name
        its spelling or case form in that language leads to (see :meth:`foreign_terms`)."""
        terms = self.index_terms(surface)
        if any(t.startswith(GROUP_PREFIX) for t in terms):
            return terms
        extra = self.foreign_terms(surface, language)
        return tuple(dict.fromkeys(terms + extra)) if extra else terms

    def foreign_terms(self, word: str, language: str) -> tuple[str, ...]:
        """The group of the name a capitalized word of ``language`` spells or declines,
        when the word as written is no known spelling: Polish "Kijowie" and "Zełenskiego",
        Czech "Kyjevě", German "Kiews" (see :mod:`.orthography`).

        Only a town (no village) or a listed person or group counts, and only one:
        the rewrites and endings are guesses, so they never invent a match.
        """
        if has_cyrillic(word) or not is_capitalized(word) or language not in FOREIGN_LANGUAGES:
            return ()
        return self._foreign_reading(word, language)[0]

    def _foreign_reading(self, word: str, language: str) -> tuple[tuple[str, ...], str]:
        """:meth:`_foreign_match` of a word as written, remembered per word and language."""
        cache_key = (word, language)
        found = self._foreign_cache.get(cache_key)
        if found is None:
            found = self._foreign_match(word.lower().translate(_APOSTROPHE_TABLE), language)
            if len(self._foreign_cache) < 200_000:
                self._foreign_cache[cache_key] = found
        return found

    def _foreign_match(self, low: str, language: str) -> tuple[tuple[str, ...], str]:
        """The terms :meth:`foreign_terms` gives, and whether the language's name for them
        (an ``exonym``) or a ``case form`` of it led to them."""
        for candidate in (low, *nominatives(low, language)):
            how = "exonym" if candidate == low else "case form"
            for spelled in (candidate, *readings(candidate, language)):
                if spelled == low:
                    continue  # the word as written: index_terms' own business
                key = _key(spelled)
                if not key or " " in key:
                    continue
                short = is_short_latin(spelled)
                places = (
                    self._g.short.get(written_form(spelled), ()) if short else self._g.by_key.get(key, ())
                )
                towns = [
                    GROUP_PREFIX + self._g.groups[gi].gid for gi in places if not self._g.groups[gi].minor
                ]
                listed = self._user_spelled.get(spelled, ()) if short else self._user_by_key.get(key, ())
                terms = towns[:1] + [GROUP_PREFIX + gid for gid in listed]
                if terms:
                    return tuple(dict.fromkeys(terms)), how
        return (), ""

    def unstemmed(self, word: str, query: bool = False) -> str | None:
        """The form of a place name that stemming must leave as it is, or None.

        English stemming would make the village Pokrovske ``pokrovsk``, the
        town Pokrovsk. Latin place names keep their form (without a
        possessive); names that are also English words (Bar) are stemmed as
        words. A Cyrillic name is indexed as written (``~f:славянске``) and
        by its nominative, never by its stem, which it shares with adjectives
        ("славянские языки"). A query word that is also an ordinary word
        (Суми, Победа) keeps its stem, so it finds the word too.
        """
        if has_cyrillic(word):
            if not (query or is_capitalized(word)):
                return None
            name = self.cyrillic_name(word)
            if name is None or (query and name.ordinary and not is_capitalized(word)):
                return None
            return FORM_PREFIX + word.lower()
        if not word[:1].isalpha():
            return None
        low = _POSSESSIVE_RE.sub("", word).lower()
        if low in _FUNCTION_WORDS or low in self._g.dictionary:
            return None
        return low if _key(low) in self._g.by_key else None

    def _is_english(self, word: str) -> bool:
        """A Latin word whose lower-case form is ordinary English vocabulary."""
        if has_cyrillic(word):
            return False
        low = _POSSESSIVE_RE.sub("", word).lower()
        return low in _FUNCTION_WORDS or low in self._g.dictionary

    def _compute_index_terms(self, surface: str) -> tuple[str, ...]:
        parts = split_words(surface)
        if len(parts) > 1:
            if not any(is_name_like(p) for p in parts):
                return ()
            return self._compound_index_terms(surface, parts)
        if has_cyrillic(surface):
            return self._cyrillic_index_terms(surface)
        if not is_name_like(surface):
            return tuple(GROUP_PREFIX + gid for gid in self._user_spelled.get(surface.lower(), ()))
        key = self._surface_key(surface)
        if not key:
            return ()
        if is_short_latin(surface):
            # Listed spellings, and the word's place in listed names of several words (Rog, Rih).
            return tuple(dict.fromkeys(self._group_ids(key, surface) + self._word_ids(key)))
        if self._is_english(surface):
            # Capitalized only because it opens a sentence or a headline
            # ("Experts", "Strikes"), or a place that is a word (Bar): only
            # known groups, no rule key or skeleton that could meet another
            # word (Exports, Strokes).
            if surface.lower() in _FUNCTION_WORDS:
                return ()
            return tuple(
                dict.fromkeys(self._group_ids(key, surface) + (self._word_ids(key) if " " not in key else []))
            )
        terms = self._group_ids(key, surface)
        if " " not in key:
            terms.extend(self._word_ids(key))
        terms.append(KEY_PREFIX + key.replace(" ", "_"))
        sk = skeleton(key)
        if sk is not None and not self._person_terms.intersection(terms):
            terms.append(SKELETON_PREFIX + sk)
        return tuple(dict.fromkeys(terms))

    def _compound_index_terms(self, surface: str, parts: list[str]) -> tuple[str, ...]:
        # A hyphenated token: a name as a whole (Slavyansk-na-Kubani, which
        # must not become Sloviansk), else its name-like parts (Kyiv-based,
        # pro-Kyiv, Donetsk-Luhansk).
        key = " ".join(k for k in (_key(p) for p in parts) if k)
        whole = self._group_ids(key, surface)
        if whole:
            return tuple(dict.fromkeys([*whole, KEY_PREFIX + key.replace(" ", "_")]))
        terms: list[str] = []
        for p in parts:
            terms.extend(self.index_terms(p))
        return tuple(dict.fromkeys(terms))

    # ------------------------------------------------------------- query side

    def query_terms(self, word: str) -> list[tuple[str, float]]:
        """Terms with boosts for one query word (users type lower case too).

        A lower-case word that is an English word and also a place's spelling
        (bar, sad, rig) gets nothing: typed in lower case it means the word.
        """
        if not any(ch.isalpha() for ch in word):
            return []
        parts = split_words(word)
        if len(parts) > 1:
            return self._compound_query_terms(word, parts)
        if has_cyrillic(word):
            if self._abbreviation(word):
                return self._abbreviation_query_terms(word)
            name = self.cyrillic_name(word)
            if name is not None:
                return self._cyrillic_query_terms(word, name)
        key = self._surface_key(word)
        if not key:
            return []
        latin = not has_cyrillic(word)
        if latin and word.lower() in _FUNCTION_WORDS:
            return []
        english = self._is_english(word)
        if latin and not is_capitalized(word) and (english or key in self._g.english):
            # Typed in lower case, an English word means the word: bar, human.
            return []
        if latin and is_short_latin(word):
            return [(t, BOOST_GROUP) for t in dict.fromkeys(self._group_ids(key, word) + self._word_ids(key))]
        out: dict[str, float] = {}
        for t in self._group_ids(key, word):
            out.setdefault(t, BOOST_GROUP)
        if " " not in key:
            for t in self._word_ids(key):
                out.setdefault(t, BOOST_GROUP)
        if english:
            # Same terms as the index side gives such words: groups only.
            return list(out.items())
        out.setdefault(KEY_PREFIX + key.replace(" ", "_"), BOOST_KEY)
        sk = skeleton(key)
        if sk is not None and not self._person_terms.intersection(out):
            out.setdefault(SKELETON_PREFIX + sk, BOOST_SKELETON)
            for d in skeleton_deletions(key):
                out.setdefault(SKELETON_PREFIX + d, BOOST_SKELETON_TYPO)
        return list(out.items())

    def _cyrillic_query_terms(self, word: str, name: CyrillicName) -> list[tuple[str, float]]:
        out: dict[str, float] = {FORM_PREFIX + word.lower(): 1.0, NORMAL_PREFIX + name.lemma: BOOST_INFLECTED}
        terms = self._name_terms(name.key, word, name)
        person = bool(self._person_terms.intersection(terms))
        for t in terms:
            if t.startswith(SKELETON_PREFIX):
                if not person:
                    out.setdefault(t, BOOST_SKELETON)
            elif t.startswith(KEY_PREFIX):
                out.setdefault(t, BOOST_KEY)
            else:
                out.setdefault(t, BOOST_GROUP)
        for d in () if person else skeleton_deletions(name.key):
            out.setdefault(SKELETON_PREFIX + d, BOOST_SKELETON_TYPO)
        for t in self._as_written(word.lower()):
            out.setdefault(t, BOOST_KEY)
        return list(out.items())

    def _abbreviation_query_terms(self, word: str) -> list[tuple[str, float]]:
        """The rule key and skeleton of an abbreviation, as the index gives them: no group."""
        readings = self.morphology.readings(word.lower())
        nominative = next((r.lemma for r in readings if r.known and r.pos == "NOUN"), word.lower())
        return [
            (t, BOOST_SKELETON if t.startswith(SKELETON_PREFIX) else BOOST_KEY)
            for t in self._name_terms(_key(nominative), word, places=False)
            if t.startswith((KEY_PREFIX, SKELETON_PREFIX))
        ]

    def _abbreviation(self, word: str) -> bool:
        """An all-capitals Cyrillic word the dictionary knows as an abbreviation (ОС, ГАИ):
        that abbreviation, never a town whose name it spells or declines into."""
        return _is_acronym(word) and any(
            r.known and r.abbreviation for r in self.morphology.readings(word.lower())
        )

    def _compound_query_terms(self, word: str, parts: list[str]) -> list[tuple[str, float]]:
        key = " ".join(k for k in (_key(p) for p in parts) if k)
        whole = self._group_ids(key, word)
        if whole:
            return [(t, BOOST_GROUP) for t in whole] + [(KEY_PREFIX + key.replace(" ", "_"), BOOST_KEY)]
        out: dict[str, float] = {}
        for p in parts:
            for t, b in self.query_terms(p):
                out.setdefault(t, b)
        return list(out.items())

    # ----------------------------------------------------------------- places

    def _best_place(self, key: str) -> int | None:
        hit = self._g.by_key.get(key)
        if hit:
            return hit[0]
        for gid in self._user_by_key.get(key, ()):
            gi = self._user_place.get(gid)
            if gi is not None:
                return gi
        return None

    def places(self, text: str, language: str | None = None) -> list[str]:
        """Display names of the places a text (in ``language``) mentions, first mention first."""
        found: dict[str, None] = {}
        for gi, _start, _end in self.place_mentions(text, language):
            found.setdefault(self._g.groups[gi].display, None)
        return list(found)

    def places_in(self, text: str, language: str | None) -> list[str]:
        """:meth:`places` of a text in ``language`` (one of the analysed languages, or None)."""
        known = language in FOREIGN_LANGUAGES or language in _CONTEXT.languages
        return self.places(text, language if known else None)

    def place_mentions(self, text: str, language: str | None = None) -> Iterator[tuple[int, int, int]]:
        """Each mention of a place: its group index, and where it starts and ends in the text
        as ``places`` reads it (soft hyphens and stress marks dropped, which keeps offsets).

        Words of a link's address are not read, nor Latin words in a text mostly
        in Cyrillic: there they are names of brands, bands and titles ("Kalush
        Orchestra", "Heart of Chornobyl"), and the text writes its places in Cyrillic.
        A Latin word that names a village in a spelling the gazetteer does not
        have (Hutt for Hut, Toure for Turie), or a town named like an English
        word (Sim, Marks), counts only in a text about the region: one that
        names a town of the gazetteer, or Ukraine, Russia or Belarus.
        """
        if not text:
            return
        text = text.translate(_PLACES_TEXT)
        toks = list(iter_words(text))
        n = len(toks)
        links = [m.span() for m in _LINK_RE.finditer(text)]
        cyrillic_text = _mostly_cyrillic(text, links)
        # Keys are computed only for the words a candidate looks at: most
        # words of a text are lower-case and never looked at.
        keys = _LazyKeys(toks)
        around = _CONTEXT.languages.get(language) if language is not None else None
        found: list[tuple[int, int, int, bool]] = []
        senses = _TextSenses()
        regional = False
        # Most texts hold none of the words that make a text regional: one search of the
        # whole text spares looking at each word.
        lowered = text.lower()
        regional_words = any(word in lowered for word in _REGIONAL_HINTS)
        i = 0
        while i < n:
            tok = toks[i].group(0)
            first = tok[0]
            if not (first.isupper() or "\u0400" <= first <= "\u04ff" or first.isdigit()):
                if regional_words and not regional and _fold_spelling(tok) in _CONTEXT.en_regional:
                    regional = True
                i += 1
                continue
            if not (is_capitalized(tok) and is_name_like(tok)):
                i += 1
                continue
            if (cyrillic_text and not has_cyrillic(tok)) or _inside(links, toks[i].start()):
                i += 1
                continue
            latin = not has_cyrillic(tok)
            if latin and not regional:
                regional = (
                    regional_words and _fold_spelling(tok) in _CONTEXT.en_regional
                ) or self._names_a_town(tok, keys[i])
            gi, used = self._match_at(text, toks, keys, i, senses, language)
            opens = language is not None and latin and _sentence_start(text, toks[i].start())
            if gi is not None and opens and used == 1 and not self._spelled(gi, tok):
                # In another language's text a word may be capitalized only for opening a
                # sentence: there it names a place only as the gazetteer spells it ("Walki",
                # fights, keys like Valky).
                gi = None
            case_form = False
            if (
                gi is None
                and latin
                and language is not None
                and keys[i] not in self._g.by_key
                and not self._is_english(tok)
                and not self._beside_a_person(text, toks, i, language)
            ):
                # A town as the text's language writes or declines it (w Kijowie, v Charkově),
                # unless its spelling names a place the rules above refused (Władimir Putin),
                # it is an English word (Cinema City) or it names a listed person's first name
                # beside the person (Wołodymyra Zełenskiego). Opening a sentence, only the
                # language's spelling of the name counts (Kijów), not a case form.
                gi, how = self._foreign_town(tok, language, spelling_only=opens)
                used, case_form = 1, how == "case form"
            if (
                gi is not None
                and latin
                and around is not None
                and self._other_than_town(text, toks, i, used, gi, around, case_form)
            ):
                gi = None
            if gi is not None:
                end = toks[i + used - 1].end()
                weak = latin and self._weak_latin(
                    gi, text[toks[i].start() : end], keys[i] if used == 1 else ""
                )
                found.append((gi, i, end, weak))
                i += used
            else:
                i += 1
        again = _regions_again(text, toks, found, senses.as_regions) if senses.as_regions else set()
        for gi, i, end, weak in found:
            if toks[i].group(0).lower() in senses.people:
                # One sense per text: "Boiko Borisov ... Borisov said" is the person both times.
                continue
            if (regional or not weak) and i not in again:
                yield gi, toks[i].start(), end

    def _foreign_town(self, word: str, language: str, spelling_only: bool = False) -> tuple[int | None, str]:
        """The town a word of ``language`` names by :meth:`foreign_terms`, and whether the
        language's name for it (``exonym``) or a ``case form`` of that led there; with
        ``spelling_only``, no case form counts."""
        terms, how = self._foreign_reading(word, language)
        if spelling_only and how != "exonym":
            return None, how
        for term in terms:
            gi = self._group_index(term.removeprefix(GROUP_PREFIX))
            if gi is not None:
                return gi, how
        return None, how

    @staticmethod
    def _after_a_name(text: str, toks: list[re.Match[str]], i: int) -> bool:
        """Whether a capitalized word that opens no sentence goes before token ``i`` in the same
        phrase: a declined form there ends a longer name (Nowej Kachowce, Nova Kakhovka's)."""
        return (
            i > 0
            and _joined(text, toks[i - 1], toks[i], hyphen=False)
            and is_capitalized(toks[i - 1].group(0))
            and not _sentence_start(text, toks[i - 1].start())
        )

    def _beside_a_person(self, text: str, toks: list[re.Match[str]], i: int, language: str) -> bool:
        """Whether a word next to token ``i`` in the same phrase names a listed person, in any
        spelling or case form of ``language`` (Zełenskiego, Putina)."""
        for j in (i - 1, i + 1):
            if not 0 <= j < len(toks) or not _joined(text, toks[min(i, j)], toks[max(i, j)], hyphen=False):
                continue
            word = toks[j].group(0)
            if is_capitalized(word) and any(
                term in self._person_terms
                for term in (*self.index_terms(word), *self.foreign_terms(word, language))
            ):
                return True
        return False

    def _other_than_town(
        self,
        text: str,
        toks: list[re.Match[str]],
        i: int,
        used: int,
        gi: int,
        around: LanguageContext,
        case_form: bool,
    ) -> bool:
        """Whether a town's name in a text of another language names something else there, by
        that language's words around it (see ``data/place-context.txt``): a river or a region
        with an article (du Dniepr, nel Donetsk), a region, a plant or a river named after the
        town (l'oblast de Soumy, diga di Kakhovka, Kachowka-Staudamm), a region after "na"
        (na Zaporożu, but "atak na Moskwę" aims at the town), the end of a longer name (Nowej
        Kachowce), an adjective (Doněcké), the word for a country or its people (Ukraińcy), or
        a village's name where the language may mean a word by it (German "Hut", a sentence's
        first word "Delen") with no word before it to call it a village."""
        word = toks[i].group(0).lower()
        if word.startswith(_CONTEXT.country_prefixes):
            return True
        before = _word_before(text, toks, i)

        def called(words: frozenset[str]) -> bool:
            # The word before the name, or before a linking word and the name (région de).
            return before in words or (before in around.link and _word_before(text, toks, i - 1) in words)

        last = i + used - 1
        compound = _hyphen_after(text, toks, last)
        # In a compound the article is the last part's: die Bachmut-Eroberung is the town's.
        if (before in around.article and not compound) or called(around.before):
            return True
        if _word_after(text, toks, last) in around.after or compound in around.before:
            return True
        if case_form and before in around.declined_before and not word.endswith(around.accusative_endings):
            return True
        if case_form and not around.capitalized_nouns and self._after_a_name(text, toks, i):
            return True
        if word.endswith(around.adjective_endings) and not self._spelled(gi, word):
            return True
        if self._g.groups[gi].minor and (
            around.capitalized_nouns or _sentence_start(text, toks[i].start()) or not self._spelled(gi, word)
        ):
            return not called(around.settlement)
        return False

    def _group_index(self, gid: str) -> int | None:
        """The index of the gazetteer's group ``gid``, or None (a listed group, or none)."""
        if self._gid_index is None:
            self._gid_index = {g.gid: gi for gi, g in enumerate(self._g.groups)}
        return self._gid_index.get(gid)

    def _names_a_town(self, word: str, key: str) -> bool:
        """Whether a Latin word that is no English word reaches a town (not a village)."""
        if key in self._g.english or self._is_english(word):
            return False
        return any(not self._g.groups[gi].minor for gi in self._g.by_key.get(key, ()))

    def _weak_latin(self, gi: int, surface: str, key: str) -> bool:
        """A village named otherwise than the gazetteer spells it (Hutt, Hut), or a town
        named like an English word."""
        return (self._g.groups[gi].minor and not self._spelled(gi, surface)) or key in self._g.english

    def _spelled(self, gi: int, surface: str) -> bool:
        """Whether the gazetteer, or a listed group naming the place, spells group ``gi`` as
        ``surface`` (letter case and an English possessive aside)."""
        spellings = self._spellings.get(gi)
        if spellings is None:
            listed = (
                spelling
                for ug in self._user_groups
                if self._user_place.get(ug.gid) == gi
                for spelling in ug.spellings
            )
            spellings = self._spellings[gi] = frozenset(
                _fold_spelling(spelling)
                for spelling in (
                    *(spelling for _key, spelling, _main in self._g.groups[gi].entries()),
                    *listed,
                )
            )
        return _fold_spelling(_POSSESSIVE_RE.sub("", surface)) in spellings

    def _match_at(
        self,
        text: str,
        toks: list[re.Match[str]],
        keys: _LazyKeys,
        i: int,
        senses: _TextSenses | None = None,
        language: str | None = None,
    ) -> tuple[int | None, int]:
        """The place group a name at token ``i`` names, and how many tokens the name takes.

        Where the name stands in a list of regions or for a person, ``senses`` learns it,
        for the text's other mentions to be read by.
        """
        n = len(toks)
        english = language is None
        around = _CONTEXT.languages.get(language) if language is not None else None
        # Where every noun is capitalized, the articles that show one (die Stadt Bachmut).
        noun_articles = around.article if around is not None and around.capitalized_nouns else None
        # Longest multi-word name first: "Chasiv Yar", "Slavyansk-na-Kubani".
        for length in self._g.multi_first.get(keys[i], ()):
            if i + length > n:
                continue
            if not all(_joined(text, toks[j], toks[j + 1]) for j in range(i, i + length - 1)):
                continue
            gi = self._best_place(" ".join(keys[i : i + length]))
            if gi is not None:
                if _alone_in_quotes(text, toks[i].start(), toks[i + length - 1].end()):
                    return None, length
                return gi, length
        tok = toks[i].group(0)
        if _alone_in_quotes(text, toks[i].start(), toks[i].end()):
            # A name a pair of quotes holds alone is something named after the
            # town: a unit («Азов»), a club (ФК "Львов"), a ship ('Saratov'),
            # an airport («Внуково»).
            return None, 1
        if has_cyrillic(tok):
            return self._cyrillic_place(text, toks, keys, i), 1
        if tok.lower() in _FUNCTION_WORDS:
            return None, 1
        if is_short_latin(tok):
            # A few letters name a place only as the gazetteer spells it (Kyiv, Kiev; not Kev, Civ).
            listed = self._g.short.get(written_form(tok), ())
            gi = listed[0] if listed and listed[0] in self._g.by_key.get(keys[i], ()) else None
        else:
            gi = self._best_place(keys[i])
        if gi is None:
            return None, 1
        sentence_start = _sentence_start(text, toks[i].start())
        if keys[i] in self._g.english and (
            sentence_start
            or tok.isupper()
            or self._opens_a_title(text, toks, i)
            or _closes_a_title(text, toks, i)
        ):
            # "Bar"/"Sad" opening a sentence or in an all-caps headline is the word, and
            # so is "Social" in "the Social Democrats" and "Baby" in "Million Dollar Baby".
            return None, 1
        if keys[i] not in self._g.english and self._is_english(tok):
            # An English word that only a romanization makes a place's (Baby and
            # the village Babii, Play and Plai) is the word.
            return None, 1
        if self._g.groups[gi].minor and keys[i] in self._g.famous:
            # A village called Berlyn is not what "Berlin" means.
            return None, 1
        if self._g.groups[gi].minor and self._foreign_phrase(text, toks, i):
            # "Ruska kurwa" quoted in English is a phrase of another language, not the village.
            return None, 1
        sense = self._not_a_settlement(text, toks, i, english)
        if sense:
            if sense == _REGIONS and senses is not None:
                senses.as_regions.add(gi)
            return None, 1
        if _latin_longer_name(text, toks, i, self._best_place, keys, self._is_english, noun_articles is None):
            # German joins a noun to the town's name (Bachmut-Eroberung): that is the town.
            return None, 1
        # A place named like a person (Volodymyr, Shevchenko) next to another name ("Volodymyr
        # Zelensky", "Taras Shevchenko"), or after a title ("Mr Makarov", "seed Max Mirnyi"),
        # is the person.
        if (
            self._next_to_name(text, toks, keys, i, sentence_start, english, noun_articles)
            or (i > 0 and _joined(text, toks[i - 1], toks[i], hyphen=False) and _title_before(text, toks, i))
            or self._two_places_as_one_name(text, toks, keys, i)
        ):
            if senses is not None and keys[i] not in self._g.main_keys:
                # A town's own name beside another ("In Mariupol Dominican Republic ...")
                # says nothing of its other mentions.
                senses.people.add(tok.lower())
            return None, 1
        return gi, 1

    def _cyrillic_place(self, text: str, toks: list[re.Match[str]], keys: _LazyKeys, i: int) -> int | None:
        """The place a Cyrillic word names here, in any case form, or None.

        A word the dictionary also knows as an ordinary word (Новини "news",
        Победа "victory", Доброе "good") names a village only after a word such
        as "село"; a country (Китай) or a unit named after a town ("полк
        Азов") never does.
        """
        word = fix_mixed_script(toks[i].group(0))
        name = self.cyrillic_name(word)
        if name is None or name.not_settlement:
            return None
        if self._abbreviation(word) or (
            _is_acronym(word)
            and not any(r.known and r.pos == "NOUN" for r in self.morphology.readings(word.lower()))
        ):
            # РУДН, Ан-2: no word of the dictionary, so an acronym; ГАИ is the dictionary's.
            return None
        if name.surname_form_of and not name.places and word[1:].islower():
            # A surname's case form (Пушкину, Павлова), written as a name: the
            # town only where a word before it locates it ("из Павлова",
            # "жители Павлова"), and no other name follows ("мэра города Артема
            # Кобзаря").
            before = toks[i - 1].group(0).lower() if i > 0 and _joined(text, toks[i - 1], toks[i]) else ""
            if before not in _CONTEXT.located and before not in _CONTEXT.settlement:
                return None
            if self._next_to_name(text, toks, keys, i, sentence_start=True):
                return None
            return name.surname_form_of[0]
        gi = self._best_place(name.key)
        if gi is None:
            return None
        before = toks[i - 1].group(0).lower() if i > 0 and _joined(text, toks[i - 1], toks[i]) else ""
        after = (
            toks[i + 1].group(0).lower() if i + 1 < len(toks) and _joined(text, toks[i], toks[i + 1]) else ""
        )
        if before in _CONTEXT.unit or after in _CONTEXT.unit:
            return None
        if _hyphenated(text, toks, i):
            # Part of a longer name the gazetteer does not know: Улан-Батор.
            return None
        if after and self._agrees_as_adjective(word.lower(), after, before):
            # An adjective with its noun: "на Ленинском проспекте", "в Раменском
            # районе", "в Северном полушарии": a street, a district, no town.
            return None
        if _quoted_title(text, toks, i):
            # The title of something named after a place: ЖК «Новое Внуково».
            return None
        settlement = before in _CONTEXT.settlement
        if not settlement and self._named_after_person(text, toks, i, before, word):
            return None
        weak = name.ordinary or name.guessed
        if not settlement and (name.not_a_place or (weak and self._g.groups[gi].minor)):
            # A village named like a word (Доброе), or reached only by a
            # guessed ending (Дубаи, Дарницкого), needs "село" before it.
            return None
        if _subscribe_link(text, toks[i].start()):
            # "[Подписаться на Москву](https://t.me/...)": a channel's name.
            return None
        if (
            not settlement
            and (self._g.groups[gi].minor or not _only_a_place(self.morphology.readings(word.lower())))
            and self._next_to_name(text, toks, keys, i, _sentence_start(text, toks[i].start()))
        ):
            # A town the dictionary knows (Харькова) stays a town beside a
            # name: "житель Харькова Семен ...".
            return None
        return gi

    @staticmethod
    def _opens_a_title(text: str, toks: list[re.Match[str]], i: int) -> bool:
        """Whether the word is followed, in the same phrase, by a capitalized word that is no
        preposition: the first word of a name made of words (Social Democrats)."""
        if i + 1 >= len(toks) or not _joined(text, toks[i], toks[i + 1], hyphen=False):
            return False
        after = toks[i + 1].group(0)
        return is_capitalized(after) and after.lower() not in _FUNCTION_WORDS

    def _not_a_settlement(self, text: str, toks: list[re.Match[str]], i: int, english: bool = True) -> str:
        """What else a Latin town's name names here: "" (the town), :data:`_REGIONS` (one of
        a list of regions), or :data:`_NAMED` (something else).

        The Azov Regiment, the Dnipro River, Luhansk's governor, the Sea of Azov,
        the governor of Luhansk, the Donetsk town of Bakhmut: named after a
        place, or the region, not the town. So is each name of a list of regions
        ("the Kharkiv and Kherson regions", "the regions of Luhansk and Donetsk",
        "four regions of Ukraine: Donetsk, Luhansk, Kherson and Zaporizhzhia",
        "Crimea, Donetsk and Luhansk"), and a name with an article and nothing it
        qualifies ("the Dnipro", "a Sim was"): a river, a ship, a character, not a town.
        """
        after = _word_after(text, toks, i)
        first, last = _name_list(text, toks, i)
        regions = _REGIONS if first != last else _NAMED
        if after in _CONTEXT.en_next:
            return regions if after in _CONTEXT.en_region and after in _CONTEXT.en_plural else _NAMED
        if (
            i >= 2
            and toks[i - 1].group(0).lower() == "of"
            and toks[i - 2].group(0).lower() in _CONTEXT.en_kind_of
        ):
            # "the city of Mykolaiv and Mykolaiv Region": named as a settlement.
            return ""
        # The last word of a capitalized name the town's name opens: Mariupol State University.
        j = i + 1
        while (
            j < min(len(toks), i + 3) and is_capitalized(toks[j].group(0)) and _word_after(text, toks, j - 1)
        ):
            if _word_after(text, toks, j) in _CONTEXT.en_next and is_capitalized(toks[j + 1].group(0)):
                return _NAMED
            j += 1
        if after in _CONTEXT.en_kind_of and _word_after(text, toks, i + 1) == "of":
            return _NAMED
        if i >= 2 and toks[i - 1].group(0).lower() == "of" and toks[i - 2].group(0).lower() in _CONTEXT.en_of:
            return _NAMED
        after_list = _word_after(text, toks, last)
        if after_list in _CONTEXT.en_plural:
            # "the Kharkiv and Kherson regions"; "the Bakhmut and Kramatorsk districts" are
            # named after the towns too, but districts hold them.
            return regions if after_list in _CONTEXT.en_region else _NAMED
        if after_list in _CONTEXT.en_next and "," not in text[toks[first].end() : toks[last].start()]:
            # "the Chornobyl and Zaporizhzhia nuclear power plants", "Luhansk and Donetsk
            # region" (or "Mariupol and Luhansk region"); but in "Vasylivka, Zaporizhzhia
            # region" the village is in the region.
            return _NAMED
        if _introduces_regions(text, toks, first) or _region_apposition(text, toks, last):
            return regions
        if first != last and self._lists_regions(text, toks, first, last):
            return _REGIONS
        # Another language's articles are its own rule (see _other_than_town): Italian "a" is "to".
        return _NAMED if english and first == last and _article_alone(text, toks, i) else ""

    def _foreign_phrase(self, text: str, toks: list[re.Match[str]], i: int) -> bool:
        """Whether a lower-case Latin word that is no English word follows the name in the
        same phrase, in a text that is not Cyrillic: words of another language."""
        after = _word_after(text, toks, i)
        return (
            bool(after)
            and toks[i + 1].group(0).islower()
            and not has_cyrillic(after)
            and not self._is_english(after)
            and after not in _CONTEXT.en_regional
            and after not in _CONTEXT.en_next
        )

    def _lists_regions(self, text: str, toks: list[re.Match[str]], first: int, last: int) -> bool:
        """Whether a list of names holds a region's name and otherwise only towns a region is
        named after: "Tyumen, Irkutsk, Kemerovo and Altai", "in Crimea and Belgorod"; but
        "Mariupol, Melitopol, Crimea" and "Crimea and Sevastopol" are towns, and "near
        Poshtove, Crimea" places a village."""
        members = list(_list_members(text, toks, first, last))
        regions = [j for j in members if toks[j].group(0).lower() in _CONTEXT.en_region_names]
        towns = [j for j in members if j not in regions]
        if not regions or not towns:
            return False
        if len(members) == 2 and _gap(text, toks, first, last) == ", ":
            return False
        if self._capitals is None:
            self._capitals = frozenset(
                gi
                for name in _CONTEXT.en_region_capitals
                if (gi := self._best_place(self._lookup_key(name))) is not None
            )
        return all(self._best_place(self._lookup_key(toks[j].group(0))) in self._capitals for j in towns)

    def _agrees_as_adjective(self, low: str, after: str, before: str) -> bool:
        """Whether the dictionary reads ``low`` as a full adjective (not a possessive one:
        Миколаєві is also "Mykola's") agreeing in case, number and gender with a common noun
        ``after`` it knows.

        After "в" or "у" a word that is also a town's locative must agree as a locative:
        Ukrainian "у Донецьку низку" is "in Donetsk, a number", not an accusative adjective.
        """
        own = self.morphology.readings(low)
        locative = before in _LOCATIVE_PREPOSITIONS and any(
            r.known and r.pos == "NOUN" and r.case in ("loct", "loc2") for r in own
        )
        forms = {
            (r.case, r.plural, "" if r.plural else r.gender)
            for r in own
            if r.known
            and r.pos == "ADJF"
            and r.case not in ("", "voct")
            and r.lemma.endswith(_FULL_ADJECTIVE)
            and (not locative or r.case in ("loct", "loc2"))
        }
        readings = self.morphology.readings(after)
        if not forms or is_function_word(readings):
            return False
        return any(
            r.known
            and r.pos == "NOUN"
            and not r.proper
            and not r.abbreviation
            and any(
                case == r.case and plural == r.plural and (plural or not r.gender or gender == r.gender)
                for case, plural, gender in forms
            )
            for r in readings
        )

    def _named_after_person(
        self, text: str, toks: list[re.Match[str]], i: int, before: str, word: str
    ) -> bool:
        """Whether a word the dictionary also reads as a person's name is one here: after a
        word such as "памятник", "улица", "имени" or "академика", or beside initials
        ("А. С. Пушкина", "Пушкин А.С.")."""
        if not any(r.known and r.person for r in self.morphology.readings(word.lower())):
            return False
        return (
            before in _CONTEXT.person_before
            or _initial_at(text, toks, i - 1)
            or _initial_at(text, toks, i + 1)
        )

    def _personal(self, word: str, key: str) -> bool:
        """Whether a neighbouring word looks like a person's other name."""
        if not is_capitalized(word) or key in _ADMIN_KEYS or _is_acronym(word):
            return False
        if has_cyrillic(word) and _mostly_a_person(self.morphology.readings(fix_mixed_script(word).lower())):
            # A first name even where a village has its key: Максим, Ивана.
            return True
        if key in self._g.by_key:
            return False
        if has_cyrillic(word):
            # A first name or surname in the dictionary, or a listed person.
            low = fix_mixed_script(word).lower()
            readings = self.morphology.readings(low)
            if any(r.known and r.person for r in readings):
                return True
            if not any(r.known for r in readings) and self.cyrillic_name(low) is None:
                # A capitalized word no dictionary knows, next to a place
                # named like a word: a foreign name (Канье Уэста).
                return True
            name = self.cyrillic_name(low)
            return name is not None and not name.places and name.key in self._user_by_key
        low = word.lower()
        return not (low in _FUNCTION_WORDS or low in self._g.dictionary or low.endswith(_ADJECTIVE_ENDINGS))

    def _two_places_as_one_name(self, text: str, toks: list[re.Match[str]], keys: _LazyKeys, i: int) -> bool:
        """Whether the name and a capitalized neighbour, only a blank between them, both name
        places that no longer name joins: prose never writes two towns so, a person's first
        name and surname may be both (Malin Åkerman, Malyn and Akkerman)."""
        for a in (i - 1, i):
            b = a + 1
            if a < 0 or b >= len(toks) or _gap(text, toks, a, b) != " ":
                continue
            other = b if a == i else a
            word = toks[other].group(0)
            if not is_capitalized(word) or has_cyrillic(word) or is_short_latin(word):
                continue
            if _POSSESSIVE_RE.search(toks[a].group(0)):
                continue  # Kyiv's Podilsky district
            if (
                self._best_place(keys[other]) is not None
                and self._best_place(keys[a] + " " + keys[b]) is None
            ):
                return True
        return False

    def _next_to_name(
        self,
        text: str,
        toks: list[re.Match[str]],
        keys: _LazyKeys,
        i: int,
        sentence_start: bool,
        english: bool = True,
        noun_articles: frozenset[str] | None = None,
    ) -> bool:
        # Where nouns are capitalized, a capitalized word before a name is a noun when an
        # article or an adjective goes before it (die Stadt Bachmut, der ukrainischen Stadt
        # Awdijiwka), and may be a first name otherwise (an Sarah Engels).
        before = (
            i > 0
            and not (noun_articles is not None and _noun_phrase_before(text, toks, i - 1, noun_articles))
            and not sentence_start
            and _joined(text, toks[i - 1], toks[i], hyphen=False)
            and self._personal(toks[i - 1].group(0), keys[i - 1])
            # In another language the word opening a sentence is capitalized for that alone,
            # and no English dictionary knows it (Volgens Kyiv, "according to Kyiv").
            and (english or not _sentence_start(text, toks[i - 1].start()))
        )
        after = (
            i + 1 < len(toks)
            and _joined(text, toks[i], toks[i + 1], hyphen=False)
            and self._personal(toks[i + 1].group(0), keys[i + 1])
        )
        return before or after

    # ------------------------------------------------------- lookups, explain

    def _lookup_key(self, spelling: str) -> str:
        """The key a spelling is looked up by: a Cyrillic word's nominative's, else its own."""
        if has_cyrillic(spelling) and len(split_words(spelling)) == 1:
            name = self.cyrillic_name(fix_mixed_script(spelling.translate(_APOSTROPHE_TABLE)))
            if name is not None:
                return name.key
        return self._surface_key(spelling)

    def match_kind(self, word: str, term: str, kind: str) -> str:
        """How ``word`` in a text matched through ``term``, for explain.

        Keys collapse doubled letters, which romanizations do (Odessa, Odesa),
        so they also join a typo such as Kramatorskk to Kramatorsk. No
        romanization doubles a consonant right after another consonant: such
        a word matched by a group or a key is a ``fuzzy`` match.
        """
        if kind in ("gazetteer", "curated", "user", "rule") and _TYPO_DOUBLE.search(word.lower()):
            return "fuzzy"
        return kind

    def language_kind(self, word: str, term: str, language: str | None) -> str | None:
        """How ``word`` of a document in ``language`` reached ``term`` as that language
        writes a name: ``exonym`` (Charkiw) or ``inflected`` (Kijowie); None otherwise."""
        if language not in FOREIGN_LANGUAGES or not term.startswith(GROUP_PREFIX):
            return None
        if term not in self.foreign_terms(word, language):
            return None
        # Remembered by foreign_terms: how the word led there costs nothing more.
        how = self._foreign_reading(word, language)[1]
        return "exonym" if how == "exonym" else "inflected"

    def display_of(self, term: str) -> str:
        """The name a group term stands for: a place's display name, a listed group's first spelling."""
        gid = term.removeprefix(GROUP_PREFIX)
        gi = self._group_index(gid)
        if gi is not None:
            return self._g.groups[gi].display
        return next((ug.spellings[0] for ug in self._user_groups if ug.gid == gid), gid)

    def canonical_place(self, spelling: str) -> str | None:
        """Display name of the place a spelling names (any case), or None."""
        key = self._lookup_key(spelling)
        if not key:
            return None
        gi = self._best_place(key)
        return self._g.groups[gi].display if gi is not None else None

    def explain(self, spelling: str) -> list[dict[str, Any]]:
        """Why a spelling matches what it matches: one dict per source."""
        key = self._lookup_key(spelling)
        if not key:
            return []
        out: list[dict[str, Any]] = []
        if has_cyrillic(spelling) and len(split_words(spelling)) == 1:
            name = self.cyrillic_name(fix_mixed_script(spelling.translate(_APOSTROPHE_TABLE)))
            if name is not None:
                out.append(
                    {
                        "source": "morphology",
                        "normal_form": name.lemma,
                        "id": NORMAL_PREFIX + name.lemma,
                        "inflected": name.lemma != spelling.lower(),
                        "ordinary_word": name.ordinary,
                        "country_or_region": name.not_settlement,
                    }
                )
        english = key in self._g.english
        for rank, gi in enumerate(self._g.by_key.get(key, ())):
            g = self._g.groups[gi]
            entries = g.entries()
            out.append(
                {
                    "source": "gazetteer",
                    "group": g.display,
                    "id": GROUP_PREFIX + g.gid,
                    "country": ",".join(g.countries),
                    "main_name": any(k == key and m for k, _, m in entries),
                    "best": rank == 0,
                    "english_word": english,
                    "spellings": [s for _, s, _ in entries],
                }
            )
        if " " not in key:
            for wid in self._word_ids(key):
                out.append({"source": "gazetteer-word", "id": wid, "word": wid[len(WORD_PREFIX) :]})
        for ug in self._user_groups:
            if key in ug.keys:
                out.append(
                    {
                        "source": ug.source,
                        "group": ug.spellings[0],
                        "id": GROUP_PREFIX + ug.gid,
                        "line": ug.line,
                        "spellings": list(ug.spellings),
                    }
                )
        if not has_cyrillic(spelling) and is_capitalized(spelling):
            low = spelling.lower().translate(_APOSTROPHE_TABLE)
            for language in sorted(FOREIGN_LANGUAGES):
                terms, how = self._foreign_match(low, language)
                if terms:
                    out.append({"source": "language", "language": language, "how": how, "ids": list(terms)})
        sk = skeleton(key) if " " not in key else None
        out.append(
            {
                "source": "rule",
                "key": key,
                "id": KEY_PREFIX + key.replace(" ", "_"),
                "skeleton": sk,
                "skeleton_id": SKELETON_PREFIX + sk if sk else None,
                "name_like": is_name_like(spelling),
            }
        )
        return out

    # ------------------------------------------------------------------ misc

    @property
    def version(self) -> str:
        """Changes whenever index terms may change: store it with an index, reindex on change."""
        user = zlib.crc32("\n".join("|".join(g.spellings) for g in self._user_groups).encode("utf-8"))
        return f"k{KEY_VERSION}.s{SKELETON_VERSION}.g{self._g.checksum:08x}.u{user:08x}"

    @property
    def stats(self) -> dict[str, int]:
        return {
            "groups": len(self._g.groups),
            "keys": len(self._g.by_key),
            "english_keys": len(self._g.english),
            "word_alignments": len(self._g.words),
            "user_groups": sum(1 for g in self._user_groups if g.source == "user"),
            "curated_groups": sum(1 for g in self._user_groups if g.source == "curated"),
        }

    def groups(self) -> Iterable[Group]:
        return iter(self._g.groups)


_POSSESSIVE_RE = re.compile(r"['’ʼ]s$")
_TYPO_DOUBLE = re.compile(r"[bcdfghjklmnpqrstvwxz]([bcdfghjklmnpqrstvwxz])\1")
# Capitalized words before a place that are adjectives, not first names
# ("Ukrainian Kharkiv", "Russian-held Melitopol" is split at the hyphen anyway).
_ADJECTIVE_ENDINGS = ("ian", "ean", "ish", "ese", "ic", "ern")
_CONTEXT = place_context()
#: Every text that holds a word of ``en_regional`` holds one of these, lower-cased (and some
#: texts that do not): the words themselves are then checked one by one.
_REGIONAL_HINTS = tuple(sorted({word.split("'")[0] for word in _CONTEXT.en_regional}))
# Places reads words without soft hyphens, stress marks or no-break spaces.
_PLACES_TEXT = str.maketrans({"\u00ad": None, "\u0301": None, "\u0300": None, "\u00a0": " ", "\u202f": " "})


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return 1 < len(letters) <= 5 and all(c.isupper() for c in letters)


_ADMIN_KEYS = frozenset(
    translit_key(w) for w in ("Oblast", "Region", "District", "Raion", "Rayon", "Province")
)
_SENTENCE_END_RE = re.compile(r"[.!?:;\"“”«»()\[\]\n]|^$")


class _LazyKeys:
    """``_key`` of each token, computed on first use."""

    __slots__ = ("_toks", "_keys")

    def __init__(self, toks: list[re.Match[str]]) -> None:
        self._toks = toks
        self._keys: dict[int, str] = {}

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[j] for j in range(*index.indices(len(self._toks)))]
        key = self._keys.get(index)
        if key is None:
            key = self._keys[index] = _key(self._toks[index].group(0))
        return key

    def __len__(self) -> int:
        return len(self._toks)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t'‘’")
    return not before or _SENTENCE_END_RE.match(before[-1]) is not None


_OPENING_QUOTES = '«„“"'
_CLOSING_QUOTES = '»“”"'
# Any quotation mark, single ones included ('Saratov', ‘Saratov’); an apostrophe
# inside a word is part of the word's token, not next to it.
_QUOTES = frozenset("«»„“”\"‘’'‹›")


# A link's address: its words are no text ("https://t.me/Donetsk_news").
_LINK_RE = re.compile(r"(?:https?://|www\.|t\.me/)[^\s)\]>\"'»]*", re.IGNORECASE)
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def _fold_spelling(spelling: str) -> str:
    return spelling.lower().translate(_APOSTROPHE_TABLE)


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    return any(start <= position < end for start, end in spans)


def _mostly_cyrillic(text: str, links: list[tuple[int, int]]) -> bool:
    """Whether Cyrillic letters outnumber Latin ones outside the links."""
    cyrillic = len(_CYRILLIC_LETTER.findall(text))
    if not cyrillic:
        return False
    latin = len(_LATIN_LETTER.findall(text)) - sum(len(_LATIN_LETTER.findall(text[a:b])) for a, b in links)
    return cyrillic > latin


def _closes_a_title(text: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether a capitalized word that is no preposition goes before the word in the same
    phrase: the last word of a name made of words (Million Dollar Baby)."""
    if i < 1 or not _joined(text, toks[i - 1], toks[i], hyphen=False):
        return False
    before = toks[i - 1].group(0)
    return is_capitalized(before) and before.lower() not in _FUNCTION_WORDS and not has_cyrillic(before)


def _title_before(text: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether a title or honorific goes before the name, maybe with a first name between
    ("Mr Makarov", "Dr Adler", "President Zelensky")."""
    before = toks[i - 1].group(0).lower()
    if before in _CONTEXT.en_person_before:
        return True
    return (
        i > 1
        and is_capitalized(toks[i - 1].group(0))
        and _joined(text, toks[i - 2], toks[i - 1], hyphen=False)
        and toks[i - 2].group(0).lower() in _CONTEXT.en_person_before
    )


#: Endings of an inflected German adjective (ukrainischen, neue).
_ADJECTIVE_INFLECTIONS = ("e", "en", "er", "es", "em")


def _noun_phrase_before(text: str, toks: list[re.Match[str]], j: int, articles: frozenset[str]) -> bool:
    """Whether one of ``articles`` or an inflected adjective goes before token ``j`` (German):
    it is then a noun, not a first name."""
    if j < 1 or not _joined(text, toks[j - 1], toks[j], hyphen=False):
        return False
    word = toks[j - 1].group(0)
    return word.lower() in articles or (word.islower() and word.endswith(_ADJECTIVE_INFLECTIONS))


def _hyphen_after(text: str, toks: list[re.Match[str]], i: int) -> str:
    """The word a hyphen joins after token ``i``, lower case (Kachowka-Staudamm), or ""."""
    if i + 1 >= len(toks) or _gap(text, toks, i, i + 1) not in ("-", "‐"):
        return ""
    return toks[i + 1].group(0).lower()


def _word_before(text: str, toks: list[re.Match[str]], i: int) -> str:
    """The word before token ``i`` when only blanks part them, lower case, without an elided
    article or preposition it carries ("l'oblast" is "oblast"); "" otherwise."""
    if i < 1 or not _joined(text, toks[i - 1], toks[i], hyphen=False):
        return ""
    word = toks[i - 1].group(0).lower().translate(_APOSTROPHE_TABLE)
    return word.rpartition("'")[2]


def _word_after(text: str, toks: list[re.Match[str]], i: int) -> str:
    """The next word after token ``i`` when only blanks part them, lower case, apostrophes
    as "'" ("" otherwise)."""
    if i + 1 >= len(toks) or not _joined(text, toks[i], toks[i + 1], hyphen=False):
        return ""
    return toks[i + 1].group(0).lower().translate(_APOSTROPHE_TABLE)


_LIST_JOINERS = frozenset(("and", "or"))
_COMPASS = frozenset(("north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"))


#: What else a town's name names where :meth:`Variants._not_a_settlement` finds it: the region,
#: as one of a list of regions, or something else named after the town.
_REGIONS = "regions"
_NAMED = "named"


@dataclass
class _TextSenses:
    """What a text's mentions showed its names to stand for, for its other mentions."""

    #: Groups named in a list of regions ("the Donetsk and Luhansk regions").
    as_regions: set[int] = field(default_factory=set)
    #: Words, lower case, that named a person ("Boiko Borisov").
    people: set[str] = field(default_factory=set)


def _regions_again(
    text: str,
    toks: list[re.Match[str]],
    found: list[tuple[int, int, int, bool]],
    as_regions: set[int],
) -> set[int]:
    """The tokens of ``found`` mentions that name the regions again, one sense per text: after
    "the Donetsk and Luhansk regions", the same names in a list of their own ("republics in
    Luhansk and Donetsk") are the regions; a name alone ("In Donetsk, a market") is the town."""
    at = {i: gi for gi, i, _end, _weak in found}
    out: set[int] = set()
    for gi, i, _end, _weak in found:
        if gi not in as_regions:
            continue
        first, last = _name_list(text, toks, i)
        if first == last:
            continue
        members = [at[j] for j in _list_members(text, toks, first, last) if j in at]
        if len(members) >= 2 and all(m in as_regions for m in members):
            out.add(i)
    return out


def _gap(text: str, toks: list[re.Match[str]], a: int, b: int) -> str:
    return text[toks[a].end() : toks[b].start()]


def _apposed(text: str, toks: list[re.Match[str]], j: int) -> bool:
    """Whether name ``j`` only places the name before it: "Chernihiv, north of Kyiv, and ..."."""
    return (
        j >= 3
        and toks[j - 1].group(0).lower() == "of"
        and toks[j - 2].group(0).lower() in _COMPASS
        and _gap(text, toks, j - 3, j - 2) == ", "
        and is_capitalized(toks[j - 3].group(0))
    )


def _next_in_list(text: str, toks: list[re.Match[str]], j: int, across: bool = True) -> int | None:
    """The next name of the list from name ``j``: across ", ", " and ", ", and " or " or ",
    and, when ``across``, over a name's apposition ("Chernihiv, north of Kyiv, and Zhytomyr"),
    where the apposed name (Kyiv) starts no step of its own."""
    n = len(toks)
    if j + 1 >= n or (across and _apposed(text, toks, j)):
        return None
    gap = _gap(text, toks, j, j + 1)
    if gap == ", " and is_capitalized(toks[j + 1].group(0)):
        return j + 1
    word = toks[j + 1].group(0).lower()
    if word in _LIST_JOINERS:
        if j + 2 < n and is_capitalized(toks[j + 2].group(0)) and gap in (" ", ", "):
            return j + 2 if _gap(text, toks, j + 1, j + 2) == " " else None
        return None
    if (
        across
        and gap == ", "
        and word in _COMPASS
        and j + 3 < n
        and toks[j + 2].group(0).lower() == "of"
        and is_capitalized(toks[j + 3].group(0))
        and _gap(text, toks, j + 1, j + 3).strip() == "of"
    ):
        after = _next_in_list(text, toks, j + 3, across=False) if j + 4 < n else None
        if after is not None and "," in _gap(text, toks, j + 3, j + 4):
            return after
    return None


def _name_list(text: str, toks: list[re.Match[str]], i: int) -> tuple[int, int]:
    """The first and last token of the list of capitalized names token ``i`` stands in
    ("Kharkiv, Zaporizhzhia and Mykolaiv"); ``(i, i)`` when it stands alone."""
    first = last = i
    while True:
        # A list step spans at most a name's apposition: ", north of Kyiv, and".
        back = next(
            (c for c in range(first - 1, max(-1, first - 7), -1) if _next_in_list(text, toks, c) == first),
            None,
        )
        if back is None:
            break
        first = back
    while (k := _next_in_list(text, toks, last)) is not None:
        last = k
    return first, last


def _list_members(text: str, toks: list[re.Match[str]], first: int, last: int) -> Iterator[int]:
    j: int | None = first
    while j is not None and j <= last:
        yield j
        j = _next_in_list(text, toks, j)


def _region_apposition(text: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether a comma and a phrase calling it a region follow the name: "Luhansk, one of the
    two regions", "Kaliningrad, an exclave"."""
    if i + 1 >= len(toks) or _gap(text, toks, i, i + 1) != ", ":
        return False
    if toks[i + 1].group(0).lower() not in ("a", "an", "the", "one"):
        return False
    for j in range(i + 1, min(len(toks), i + 7)):
        word = toks[j].group(0)
        if j > i + 1 and _gap(text, toks, j - 1, j) != " ":
            return False
        if word.lower() in _CONTEXT.en_region:
            return True
        if not word.islower():
            return False
    return False


def _introduces_regions(text: str, toks: list[re.Match[str]], first: int) -> bool:
    """Whether a region word introduces the list starting at token ``first``: "regions of
    Luhansk and ...", "four regions of Ukraine -- Donetsk, ...", "the oblasts: Kharkiv, ..."."""
    k = first - 1
    if k >= 1 and toks[k].group(0).lower() == "of":
        # "regions of" covers the list; "the Sea of" only the name after it.
        word = toks[k - 1].group(0).lower()
        return word in _CONTEXT.en_of and word in _CONTEXT.en_plural
    gap = _gap(text, toks, k, first) if k >= 0 else ""
    if k < 0 or not any(mark in gap for mark in (":", "--", "—", "–")):
        return False
    if k >= 2 and is_capitalized(toks[k].group(0)) and toks[k - 1].group(0).lower() == "of":
        k -= 2
    return toks[k].group(0).lower() in _CONTEXT.en_plural


def _article_alone(text: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether an article goes before the name and the name qualifies nothing after it
    ("the Dnipro in", "the Orsk,", "a Sim was"): towns take no article, but "the Bakhmut
    direction" and "the Mariupol-based plant" are of the towns."""
    if i < 1 or toks[i - 1].group(0).lower() not in ("the", "a", "an"):
        return False
    if not _joined(text, toks[i - 1], toks[i], hyphen=False):
        return False
    gap = _gap(text, toks, i, i + 1) if i + 1 < len(toks) else ""
    if gap.strip()[:1] in ("-", "‐", "–", "—"):
        return False
    after = _word_after(text, toks, i)
    return not after or after in _FUNCTION_WORDS


def _latin_longer_name(
    text: str,
    toks: list[re.Match[str]],
    i: int,
    best_place: Callable[[str], int | None],
    keys: _LazyKeys,
    is_english: Callable[[str], bool],
    after: bool = True,
) -> bool:
    """Whether a hyphen joins the name to a capitalized word that names no place and is no
    English word: part of a longer name the gazetteer does not know (Bilhorod-Dnistrovskyi,
    Kyiv-Mohyla), unlike "Pro-Moscow". Without ``after``, only a word before the name counts."""
    sides = [(i - 1, _gap(text, toks, i - 1, i) if i >= 1 else "")]
    if after:
        sides.insert(0, (i + 1, _gap(text, toks, i, i + 1) if i + 1 < len(toks) else ""))
    for j, gap in sides:
        word = toks[j].group(0) if gap in ("-", "‐") else ""
        if word and is_capitalized(word) and best_place(keys[j]) is None and not is_english(word):
            return True
    return False


def _alone_in_quotes(text: str, start: int, end: int) -> bool:
    """Whether quotation marks enclose exactly ``text[start:end]``, a case ending aside («Азову»)."""
    if start == 0 or end >= len(text) or text[start - 1] not in _QUOTES:
        return False
    close = end
    while close < len(text) and text[close].isalpha():
        close += 1
    return text[close : close + 1] in _QUOTES and not text[close + 1 : close + 2].isalpha()


def _quoted_title(text: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether the word follows a capitalized word that opens a quotation (ЖК «Новое Внуково»).

    A place opening a quotation is left alone: that is mostly quoted speech.
    """
    if i < 1 or not is_capitalized(toks[i - 1].group(0)):
        return False
    start = toks[i - 2].end() if i >= 2 else 0
    gap = text[start : toks[i - 1].start()].strip()
    return bool(gap) and gap[-1] in _OPENING_QUOTES


#: The key of a person's name among the weights of a word's lemmas.
PERSON = ""
#: How much likelier the dictionary must find the person than the place for a
#: form to be the person's: "Грозного" is often enough the city.
_SURNAME_ODDS = 3.0


def _surname_form(lemma: str, reading: Reading | None, low: str, weights: dict[str, float]) -> bool:
    """Whether the Russian dictionary finds a person likelier than ``lemma`` for the word.

    Пушкину is the dative of Пушкин, hardly of the (mostly undeclined) Пушкино,
    and Павлова the genitive of Павлов, not of Павлово. A guess counts only as
    the word's own nominative.
    """
    if (reading is None or not reading.known) and lemma != low:
        return False
    return weights.get(PERSON, 0.0) > _SURNAME_ODDS * weights.get(lemma, 0.0)


def _feminine_surname(lemma: str) -> str | None:
    """The woman's form of a man's surname: Денисов -> Денисова, Зеленский -> Зеленская."""
    if lemma.endswith(("ов", "ев", "ёв", "ин", "ын", "ів")):
        return lemma + "а"
    if lemma.endswith(("ский", "цкий", "ской")):
        return lemma[:-2] + "ая"
    if lemma.endswith(("ський", "цький")):
        return lemma[:-2] + "а"
    return None


# How a Telegram post's closing link to its channel begins.
_SUBSCRIBE = ("подписаться", "подпишись", "подписывайтесь", "підписатися", "підпишись", "підписуйтесь")


def _subscribe_link(text: str, start: int) -> bool:
    """Whether the position lies in a Markdown link that asks to subscribe to a channel."""
    opened = text.rfind("[", max(0, start - 120), start)
    if opened < 0 or "]" in text[opened:start]:
        return False
    return text[opened + 1 : start].lstrip().lower().startswith(_SUBSCRIBE)


# Endings of a full adjective's lemma: Ленинский, Північний, Крымский, Раменский.
_FULL_ADJECTIVE = ("ий", "ій", "ый", "ой")
_LOCATIVE_PREPOSITIONS = frozenset(("в", "во", "у", "уві"))


def _short_adjective(lemma: str) -> str:
    """часовой -> часов: the short form a multi-word name uses (Часов Яр)."""
    return lemma[:-2] if lemma.endswith(("ой", "ий", "ый", "ій")) and len(lemma) > 4 else lemma


def _initial_at(text: str, toks: list[re.Match[str]], j: int) -> bool:
    """Whether token ``j`` is a Cyrillic initial: one capital letter with a full stop after it."""
    if not 0 <= j < len(toks):
        return False
    tok = toks[j]
    word = tok.group(0)
    return len(word) == 1 and word.isupper() and has_cyrillic(word) and text[tok.end() : tok.end() + 1] == "."


def _mostly_a_person(readings: tuple[Reading, ...]) -> bool:
    """The Russian dictionary reads the word as a first name, patronymic or surname at least
    as often as anything else, and never as a place."""
    known = [r for r in readings if r.known and r.lang == "ru"]
    person = sum(r.score for r in known if r.person)
    return person >= 0.5 * sum(r.score for r in known) > 0 and not any(
        r.proper and not r.person for r in known
    )


def _only_a_place(readings: tuple[Reading, ...]) -> bool:
    """The dictionary knows the word as a place (Geox) and never as a person's name."""
    known = [r for r in readings if r.known and r.proper]
    return bool(known) and not any(r.person for r in known) and any(r.pos == "NOUN" for r in known)


# First parts of hyphenated place names: Санкт-Петербург, Усть-Луга.
_NAME_PREFIXES = frozenset(("санкт", "усть", "нью", "сан", "лос", "ла"))


def _hyphenated(text: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether a hyphen joins the word to a neighbour, other than a prefix such as Санкт-."""
    start, end = toks[i].start(), toks[i].end()
    if text[end : end + 1] in ("-", "‐"):
        return True
    if start > 0 and text[start - 1] in "-‐":
        return not (
            i > 0 and toks[i - 1].end() == start - 1 and toks[i - 1].group(0).lower() in _NAME_PREFIXES
        )
    return False


def _joined(text: str, a: re.Match[str], b: re.Match[str], hyphen: bool = True) -> bool:
    """Whether two word matches are separated only by spaces (or a hyphen)."""
    gap = text[a.end() : b.start()]
    if not gap or len(gap) > 3:
        return False
    allowed = " \t-‐–" if hyphen else " \t"
    return all(c in allowed for c in gap)


def load_variants(user_file: str | os.PathLike[str] | None = None) -> Variants | None:
    """The shipped gazetteer with ``user_file``'s groups, or None when this
    installation has no gazetteer."""
    try:
        return Variants.load(user_file)
    except FileNotFoundError:
        if user_file:
            raise InvalidInput(f"variants file not found: {user_file}") from None
        return None
