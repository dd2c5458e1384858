"""Which language a document is analysed in, and what that language's analysis is.

English, Russian and Ukrainian are the default analysis: Latin words take the
English stemmer, Cyrillic words the Russian or Ukrainian one, whatever the
document's language. Every other language listed in :data:`STEMMERS` has its
own stop words and stemmer for Latin words, and its stems are indexed under a
prefix of their own (``~de:angriff``), so that they never meet a word of an
English document: an English search finds exactly what it found before, and
each query word also looks for its stem in every language the index holds.

A document's language is its ``lang`` field when that names a language of
:data:`STEMMERS` (``de``, ``DE``, ``de-AT``), else, when it has no ``lang``,
the one detected from its text by ``py3langid`` (loaded the first time it is
needed), else the default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from .filters import MARKER
from .slavic import light_stem_cs, light_stem_pl

#: The languages analysed apart from the default, and each one's stemmer: NLTK
#: Snowball's by name, or for Polish and Czech (which NLTK lacks) the light
#: stemmers chosen by measurement (bench/slavic_stemming_eval.py).
STEMMERS: Mapping[str, str | Callable[[str], str]] = {
    "de": "german",
    "fr": "french",
    "it": "italian",
    "nl": "dutch",
    "es": "spanish",
    "pt": "portuguese",
    "pl": light_stem_pl,
    "cs": light_stem_cs,
}
#: The languages of the default analysis.
DEFAULT_LANGUAGES = ("en", "ru", "uk")
#: Every Snowball stemmer searchsvc runs, by Snowball's name.
SNOWBALL_LANGUAGES = ("english", "russian", *(name for name in STEMMERS.values() if isinstance(name, str)))
#: What detection chooses among.
DETECTED = (*DEFAULT_LANGUAGES, *STEMMERS)

#: Fewer letters than this and a text's language is not guessed.
MIN_LETTERS = 40
#: Letters of a text that detection reads: its start says enough.
DETECTION_CHARS = 2000
#: Detection below this probability leaves a document in the default analysis.
MIN_CONFIDENCE = 0.8

_LETTER = re.compile(r"[^\W\d_]")


def analysis_language(value: Any) -> str | None:
    """The language of :data:`STEMMERS` that a ``lang`` value names, or None (the default analysis)."""
    if not isinstance(value, str):
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if primary in STEMMERS else None


def stem_prefix(language: str) -> str:
    """How the stems of ``language`` start in the index."""
    return f"{MARKER}{language}:"


def is_language_stem(term: str) -> bool:
    """Whether an index term is a stem of one of :data:`STEMMERS` (see :func:`stem_prefix`)."""
    return term.startswith(MARKER) and term[3:4] == ":" and term[1:3] in STEMMERS


def latin_stemmer(language: str) -> Callable[[str], str]:
    """The index term of a Latin word (lowercase, accents folded) in ``language``."""
    prefix = stem_prefix(language)
    chosen = STEMMERS[language]
    if callable(chosen):
        stem = chosen
        return lambda word: prefix + stem(word)
    stemmer = snowball(chosen)
    return lambda word: prefix + str(stemmer.stem(word))


@cache
def snowball(name: str) -> Any:
    """NLTK's Snowball stemmer for the language ``name`` (no NLTK data needed), made once."""
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(name)


def detect_language(text: str) -> str | None:
    """The language of ``text`` among :data:`DETECTED`, or None when it is too short or unsure."""
    sample = text[:DETECTION_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    language, probability = _identifier().classify(sample)
    return str(language) if probability >= MIN_CONFIDENCE else None


@cache
def _identifier() -> Any:
    # An identifier of our own: py3langid's module-level one is shared with
    # every other user of the package in the process.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(DETECTED))
    return identifier
