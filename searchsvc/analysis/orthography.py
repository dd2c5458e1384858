"""How the languages of European news write Ukrainian and Russian names, and decline them.

Two things, both used only to reach a name that the gazetteer or a list
knows, so that they never invent one:

- :data:`ORTHOGRAPHIES`: each language's way of writing the sounds of those
  names, as rewrites into the English-style spelling that transliteration
  keys are made from (German Charkiw and Saporischschja, Polish Charków,
  Czech Kyjev, Spanish Jarkov, French Zaporijjia, Dutch Marioepol). The
  gazetteer's build keeps the GeoNames exonyms one of them reads as the
  place's name; at run time a word of a document in that language is read
  the same way.
- :data:`CASE_ENDINGS`: the endings a name takes in Polish, Czech, German
  and Dutch (w Kijowie, pod Bachmutem, v Kyjevě, Kiews), and what the
  nominative may end with instead, so that :func:`nominatives` can list the
  nominatives a form may come from.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Rewrites, in order, from one orthography to the English-style spelling.
#: Each reading is one orthography, never a mix.
ORTHOGRAPHIES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "de": (
        ("schtsch", "shch"),
        ("tsch", "ch"),
        ("sch", "sh"),
        ("ch", "kh"),
        ("w", "v"),
        ("j", "y"),
        ("z", "ts"),
        ("ß", "s"),
        ("ie", "i"),
    ),
    # German has no letter for ж: it writes sch, and s for з.
    "de-zh": (("tsch", "ch"), ("sch", "zh"), ("ch", "kh"), ("w", "v"), ("j", "y"), ("s", "z")),
    "pl": (
        ("szcz", "shch"),
        ("sz", "sh"),
        ("cz", "ch"),
        ("ch", "kh"),
        ("rz", "zh"),
        ("ż", "zh"),
        ("ź", "zh"),
        ("ś", "s"),
        ("ć", "ts"),
        ("ń", "n"),
        ("ł", "l"),
        ("ó", "i"),
        ("w", "v"),
        ("j", "y"),
        ("ck", "tsk"),
        ("c", "ts"),
        ("ą", "on"),
        ("ę", "en"),
    ),
    "cs": (
        ("ch", "kh"),
        ("č", "ch"),
        ("š", "sh"),
        ("ž", "zh"),
        ("ř", "rzh"),
        ("ě", "e"),
        ("j", "y"),
        ("c", "ts"),
        ("ů", "u"),
    ),
    "es": (("j", "kh"), ("ll", "y"), ("ñ", "ny"), ("y", "zh")),
    "fr": (("tch", "ch"), ("ch", "sh"), ("ou", "u"), ("j", "zh"), ("ï", "i")),
    "nl": (("oe", "u"), ("tsj", "ch"), ("sj", "sh"), ("zj", "zh"), ("ch", "kh"), ("j", "y"), ("w", "v")),
}

#: The orthographies a document's language writes names in.
LANGUAGE_ORTHOGRAPHIES: Mapping[str, tuple[str, ...]] = {
    "de": ("de", "de-zh"),
    "pl": ("pl",),
    "cs": ("cs",),
    "es": ("es",),
    "fr": ("fr",),
    "nl": ("nl",),
}

#: Per language, endings of a declined name (lowercase) and what its
#: nominative ends with instead, longest first. Polish softens the last
#: consonant before -e (Bachmut: w Bachmucie; Kachowka: w Kachowce); ó
#: becomes o before an ending (Kijów: do Kijowa, w Kijowie).
CASE_ENDINGS: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "pl": (
        ("skiego", ("ski",)),
        ("skiemu", ("ski",)),
        ("skim", ("ski",)),
        ("owie", ("ów", "owa")),
        ("owem", ("ów",)),
        ("owi", ("ów", "")),
        ("owa", ("ów",)),
        ("owu", ("ów",)),
        ("ocie", ("ota",)),
        ("cie", ("t", "ta")),
        ("dzie", ("d", "da")),
        ("rze", ("r", "ra")),
        ("sie", ("s", "sa")),
        ("zie", ("z", "za")),
        ("ce", ("ka",)),
        ("dze", ("ga",)),
        ("niu", ("ń", "nia")),
        ("niem", ("ń",)),
        ("nia", ("ń",)),
        ("iem", ("", "ia")),
        ("ie", ("", "a", "ia")),
        ("em", ("",)),
        ("ą", ("a",)),
        ("ę", ("a",)),
        ("u", ("", "e")),
        ("a", ("",)),
        ("y", ("a",)),
        ("i", ("a", "ia")),
    ),
    "cs": (
        ("ského", ("ský", "skyj", "skij")),
        ("skému", ("ský", "skyj", "skij")),
        ("ským", ("ský", "skyj", "skij")),
        ("ově", ("ov",)),
        ("ovi", ("", "ov")),
        ("ou", ("a",)),
        ("ě", ("",)),
        ("em", ("",)),
        ("e", ("", "a")),
        ("u", ("", "a")),
        ("a", ("",)),
        ("i", ("a", "")),
        ("y", ("a",)),
    ),
    "de": (("s", ("",)),),
    "nl": (("s", ("",)),),
}

#: A nominative is at least this long: "Krym" from "Krymie", never "Kr".
MIN_NOMINATIVE = 3


def read_as(word: str, orthography: str) -> str:
    """``word`` (lowercase) rewritten from ``orthography`` into the English-style spelling."""
    read = word
    for written, sound in ORTHOGRAPHIES[orthography]:
        read = read.replace(written, sound)
    return read


def readings(word: str, language: str) -> list[str]:
    """``word`` (lowercase) read in each orthography of ``language`` that changes it."""
    found = []
    for orthography in LANGUAGE_ORTHOGRAPHIES.get(language, ()):
        read = read_as(word, orthography)
        if read != word and read not in found:
            found.append(read)
    return found


def nominatives(word: str, language: str) -> list[str]:
    """The nominatives a declined name (lowercase) of ``language`` may come from, nearest first."""
    found: list[str] = []
    for ending, replacements in CASE_ENDINGS.get(language, ()):
        if word.endswith(ending) and len(word) - len(ending) >= MIN_NOMINATIVE - 1:
            stem = word[: len(word) - len(ending)]
            # Polish writes ó in the nominative where the other forms have o (Kijów, Kijowa).
            stems = [stem, stem[:-1] + "ó" + stem[-1]] if language == "pl" and stem[-2:-1] == "o" else [stem]
            for base in stems:
                for replacement in replacements:
                    nominative = base + replacement
                    if len(nominative) >= MIN_NOMINATIVE and nominative != word and nominative not in found:
                        found.append(nominative)
    return found
