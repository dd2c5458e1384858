"""Stop word lists shipped with searchsvc (the NLTK corpus cannot be downloaded)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from .filters import fold_accents

#: Every list shipped; :func:`all_stopwords` joins those of the default analysis.
LANGUAGES = ("en", "ru", "uk", "de", "fr", "it", "nl", "es", "pt", "pl", "cs")
DEFAULT = ("en", "ru", "uk")


@cache
def stopwords(language: str) -> frozenset[str]:
    """The stop words of one language, lowercased."""
    if language not in LANGUAGES:
        raise ValueError(f"no stop word list for {language!r}")
    text = resources.files(__package__).joinpath("data", f"stopwords-{language}.txt").read_text("utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("#"):
            # As the analysis sees them: accents folded before stop words are looked up.
            words.update(fold_accents(word) for word in line.split())
    return frozenset(words)


@cache
def all_stopwords() -> frozenset[str]:
    """The union of the default analysis's lists: one analyzer serves mixed-language news."""
    return frozenset().union(*(stopwords(lang) for lang in DEFAULT))
