"""Transliteration keys: make the many romanizations of one Slavic name converge.

News spell the same name in several systems (Ukrainian national, BGN/PCGN,
Russian-based, German, French, Polish) or straight in Cyrillic. ``translit_key``
maps a single word, Latin or Cyrillic, onto a reduced Latin alphabet in which
the usual differences between those systems disappear:

* y / i / ii / iy / yi / j / ï / й / и / і / ы  ->  ``i`` (runs collapse)
* ya / ia / ja / я, yu / iu / ju / ю, ye / ie / je / є: a palatal ``i`` in front
  of a vowel is dropped, so ``Slavyansk``, ``Slaviansk`` and ``Славянск`` all
  become ``slavansk`` and ``Sievierodonetsk`` meets ``Severodonetsk``
* kh / h / g / gh / х / г / ґ  ->  ``h``;  zh / ž / ж -> ``j``;  ch / tch / č / ч
  -> ``c``;  sh / š / ш -> ``w``;  shch / sch / szcz / щ -> ``q``;  tz / ц -> ``ts``
* w -> v, x -> ks, c / ck / q -> k, ph -> f, French ou -> u
* apostrophes, soft and hard signs vanish; doubled letters collapse (Odessa,
  Donbass, Zaporizhzhia); endings -iy / -yy / -yi / -y all end in ``i``

Because ``c``, ``q``, ``w``, ``j`` and ``h`` of the input are rewritten first,
those letters in a key only ever stand for the Slavic sounds above, so equal
keys mean "same spelling up to romanization".

``skeleton`` is a looser key for misspellings and for the Russian/Ukrainian
vowel shifts (Kharkov/Kharkiv, -ovka/-ivka): consonants in order, each run of
vowels one slot. It is only defined for long keys, where such a collision
between two different real names is rare.

Everything here is pure standard library: it runs at index and query time.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Bumped whenever translit_key or skeleton change output: the shipped
# gazetteer stores precomputed keys and records the version they were made with.
KEY_VERSION = 1
# Bumped whenever skeleton output changes (not stored in the gazetteer, but in
# every index built with it).
SKELETON_VERSION = 2

# Internal placeholders (upper case, since the string is case-folded before
# they are introduced) for sounds that Latin writes with digraphs.
_ZH, _CH, _SH, _SHCH, _KH = "J", "C", "W", "Q", "H"

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": _KH, "ґ": _KH, "д": "d", "е": "e",
    "є": "ie", "ё": "io", "ж": _ZH, "з": "z", "и": "i", "і": "i", "ї": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f", "х": _KH,
    "ц": "ts", "ч": _CH, "ш": _SH, "щ": _SHCH, "ъ": "", "ы": "i", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
    # Serbian/Macedonian letters occur in GeoNames aliases (Кијев).
    "ј": "i", "љ": "l", "њ": "n", "ђ": "d" + _ZH, "ћ": _CH, "џ": "d" + _ZH,
    "ѓ": _KH, "ќ": "k", "ѕ": "dz",
}  # fmt: skip

# Latin letters whose meaning is lost by stripping diacritics (š is not s).
_LATIN_SPECIAL = {
    "š": _SH, "ş": _SH, "ș": _SH, "ž": _ZH, "ż": _ZH, "č": _CH, "ć": _CH,
    "ç": _CH, "ğ": _KH, "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe",
    "đ": "d", "ı": "i", "ț": "ts", "ţ": "ts", "ë": "io", "ĭ": "i",
}  # fmt: skip

_CHAR_TABLE = str.maketrans({**_CYRILLIC, **_LATIN_SPECIAL})

# Longest first: at one position the regex tries alternatives left to right.
_DIGRAPHS = {
    "schtsch": _SHCH, "shch": _SHCH, "szcz": _SHCH, "tsch": _CH, "sch": _SHCH,
    "tch": _CH, "ch": _CH, "cz": _CH, "sh": _SH, "sz": _SH, "zh": _ZH,
    "kh": _KH, "gh": _KH, "ph": "f", "ck": "k", "tz": "ts", "ou": "u",
    "h": _KH, "g": _KH, "x": "ks", "c": "k", "q": "k", "w": "v", "y": "i",
    "j": "i",
}  # fmt: skip
_DIGRAPH_RE = re.compile("|".join(sorted(_DIGRAPHS, key=len, reverse=True)))
_RENDER = str.maketrans({_ZH: "j", _CH: "c", _SH: "w", _SHCH: "q", _KH: "h"})

_NOT_LETTER_RE = re.compile(r"[^a-zA-Z]+")
_DOUBLE_RE = re.compile(r"(.)\1+")
# A palatal i (from y/j/я/ю/є...) before a vowel. Kept at the start of a word
# (Yuri, Iasi) except before e, where Yevgeny/Evgeny and Yenakiieve/Enakievo
# are the same name.
_PALATAL_RE = re.compile(r"(?<=.)i(?=[aeou])|^i(?=e)")
_POSSESSIVE_RE = re.compile(r"['’ʼ`´]s$")
_APOSTROPHES = "'’ʼ`´‘ʹ"

_VOWELS = frozenset("aeiou")
_VOWEL_RUN_RE = re.compile(r"[aeiou]+")

# Shortest key for which a skeleton is offered, and fewest consonants in it:
# below these, vowel-blind matching joins unrelated names (Putin/Patton).
SKELETON_MIN_KEY = 7
SKELETON_MIN_CONSONANTS = 4
DELETION_MIN_CONSONANTS = 6


def translit_key(word: str, possessive: bool = True) -> str:
    """Key of one word (Latin, Cyrillic or mixed); "" if it has no letters.

    Multi-word strings are keyed word by word and joined with a space, so the
    function is also usable on "Chasiv Yar" or "Slavyansk-na-Kubani".
    ``possessive`` drops an English 's (Kyiv's); the gazetteer builder turns it
    off, since there "Engel's" is a soft sign (Энгельс), not a possessive.
    """
    parts = split_words(word)
    if len(parts) != 1:
        return " ".join(k for k in (_key_one(p, possessive) for p in parts) if k)
    return _key_one(parts[0], possessive) if parts else ""


def _key_one(word: str, possessive: bool = True) -> str:
    s = unicodedata.normalize("NFC", word)
    if possessive:
        s = _POSSESSIVE_RE.sub("", s)
    s = s.lower()
    s = s.translate(_CHAR_TABLE)
    # Strip the remaining diacritics (é, ó, ȳ, ü...) after the special letters above.
    s = unicodedata.normalize("NFKD", s)
    s = _NOT_LETTER_RE.sub("", s)
    s = _DIGRAPH_RE.sub(lambda m: _DIGRAPHS[m.group(0)], s)
    s = _DOUBLE_RE.sub(r"\1", s)
    s = _PALATAL_RE.sub("", s)
    # Dropping a palatal can bring two equal vowels together (Novaya -> novaa).
    s = _DOUBLE_RE.sub(r"\1", s)
    return s.translate(_RENDER)


def skeleton(key: str) -> str | None:
    """Vowel-blurred form of a single-word key, or None when the key is too short.

    Consonants keep their order; each run of vowels becomes one slot. The slot
    is ``_`` for e/i/o, the vowels that Russian and Ukrainian forms of one name
    trade (Kharkov/Kharkiv, Chernigov/Chernihiv, -ovka/-ivka), but ``a`` and
    ``u`` stay themselves, so Cherniakhiv is not Chernihiv and Zelenska (his
    wife) is not Zelensky. Kyiv (kiv) is far too short to get a skeleton, so it
    can never meet Kyivstar through one.
    """
    if len(key) < SKELETON_MIN_KEY or " " in key:
        return None
    consonants = sum(1 for ch in key if ch not in _VOWELS)
    if consonants < SKELETON_MIN_CONSONANTS:
        return None
    return _VOWEL_RUN_RE.sub(_vowel_slot, key)


def _vowel_slot(m: re.Match[str]) -> str:
    run = m.group(0)
    if "a" in run:
        return "a"
    if "u" in run:
        return "u"
    return "_"


def skeleton_deletions(key: str) -> list[str]:
    """Skeletons of the key with one consonant dropped (a typo in a document).

    Only the query side uses these: a query spelled right then also finds
    documents that lost one consonant (Kostantinovka for Konstantinovka).
    Only for long names (``DELETION_MIN_CONSONANTS``): in shorter ones one
    consonant less is often another real name (Horlivka minus l = Huryivka).
    """
    if skeleton(key) is None or sum(1 for c in key if c not in _VOWELS) < DELETION_MIN_CONSONANTS:
        return []
    out: list[str] = []
    for i, ch in enumerate(key):
        if ch in _VOWELS:
            continue
        shorter = _DOUBLE_RE.sub(r"\1", key[:i] + key[i + 1 :])
        sk = _VOWEL_RUN_RE.sub(_vowel_slot, shorter)
        if sk not in out:
            out.append(sk)
    return out


_CYR_RE = re.compile(r"[\u0400-\u04ff]")
_LETTER_RE = re.compile(r"[^\W\d_]")


def has_cyrillic(word: str) -> bool:
    return _CYR_RE.search(word) is not None


#: A Latin word of this many letters or fewer names a place or person only as
#: listed: a key, a skeleton or a near spelling would join it to too much.
SHORT_LETTERS = 4


def is_short_latin(word: str) -> bool:
    """A Latin word (or acronym) of at most :data:`SHORT_LETTERS` letters: Kyiv, Kiev, Kev, Civ, CI."""
    letters = 0
    for c in word:
        if c.isalpha():
            letters += 1
            if letters > SHORT_LETTERS:
                return False  # most words: no need to read on
    return letters > 0 and not has_cyrillic(word)


def is_capitalized(word: str) -> bool:
    """True when the word starts with an upper-case letter (Kyiv, KYIV, Київ)."""
    m = _LETTER_RE.search(word)
    return m is not None and m.group(0).isupper()


def is_name_like(word: str) -> bool:
    """Whether a word as written in a text may be a proper name.

    Capitalized Latin words and all Cyrillic words (Cyrillic text in an
    English corpus is nearly always a quoted name). Lower-case Latin words are
    ordinary vocabulary: ``slavic`` and ``human`` never get name keys.
    """
    if _LETTER_RE.search(word) is None:
        return False
    return has_cyrillic(word) or is_capitalized(word)


# A word: letters with inner apostrophes (Slov'yans'k, Kyiv's). Hyphens split,
# so Slavyansk-na-Kubani is three words like Chasiv Yar is two.
_WORD_RE = re.compile(r"[^\W\d_]+(?:[" + _APOSTROPHES + r"][^\W\d_]+)*")


def split_words(text: str) -> list[str]:
    return _WORD_RE.findall(text)


def iter_words(text: str) -> Iterator[re.Match[str]]:
    """Word matches with positions, for scanners that look at the gaps."""
    return _WORD_RE.finditer(text)


# Latin letters that look like Cyrillic ones, typed by mistake inside a
# Cyrillic word (a Latin i in a Ukrainian word is common).
_HOMOGLYPHS = str.maketrans(
    "aceiopxykmtABCEHIKMOPTXY",
    "асеіорхукмтАВСЕНІКМОРТХУ",
)
_LATIN_LETTER = re.compile("[A-Za-z]")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")


def fix_mixed_script(word: str) -> str:
    """A mostly Cyrillic word with Latin look-alike letters, written in Cyrillic only."""
    if word.isascii():
        return word
    latin = len(_LATIN_LETTER.findall(word))
    if not latin:
        return word
    cyrillic = len(_CYRILLIC_LETTER.findall(word))
    if cyrillic < latin:
        return word
    fixed = word.translate(_HOMOGLYPHS)
    return word if _LATIN_LETTER.search(fixed) else fixed
