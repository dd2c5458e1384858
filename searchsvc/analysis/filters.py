"""The tokenizer and filters of searchsvc's analysis chain.

Each piece is a Whoosh ``Tokenizer``/``Filter`` and they compose with ``|``.
Tokens keep ``original`` (the word as written, case preserved), because the
variant filter decides by capitalization whether a word is a proper name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh.analysis import Filter, Token, Tokenizer

# Letters and digits (not "_"), apostrophes inside a word, hyphens joining
# words. Soft hyphens and combining stress marks (Славя́нск) sit inside words
# in real text and must not split them.
_INVISIBLE = "\u00ad\u0300\u0301"
_LETTERS = rf"[^\W_]+(?:[{_INVISIBLE}]+[^\W_]*)*"
_PART = rf"{_LETTERS}(?:['’ʼ`]{_LETTERS})*"
WORD_PATTERN = re.compile(rf"{_PART}(?:-{_PART})*")
#: Maps every apostrophe to one, and drops soft hyphens and stress marks.
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", **dict.fromkeys(_INVISIBLE)})
PART_PATTERN = re.compile(_PART)

#: Extra terms that are not words (variants) start with this; stemmers leave them alone.
MARKER = "~"
#: Each word of a document as written, lowercased and without accents, is also
#: indexed under this prefix (with no positions), so that wildcards match the
#: words as written rather than their stems.
WRITTEN_PREFIX = MARKER + "a:"
#: Held by every field value whose words as written are indexed: documents
#: written before that are matched by their stems instead.
WRITTEN_MARK = MARKER + "a"


class WordTokenizer(Tokenizer):
    """Splits text into words of Unicode letters and digits.

    Apostrophes inside a word stay (``Slov’yansk`` gives ``Slov'yansk``). A
    hyphenated word gives its parts, and at index time also the parts joined
    (``Ivano-Frankivsk`` gives ``Ivano``, ``Frankivsk`` and ``IvanoFrankivsk``),
    so a search for either form finds it.
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for start, end, text, joined in iter_words(value, joined=mode != "query"):
            token.text = token.original = text
            token.boost = 1.0
            token.stopped = False
            token.joined = joined
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token
            if not joined:
                pos += 1


def iter_words(text: str, *, joined: bool = True) -> Iterator[tuple[int, int, str, bool]]:
    """``(start, end, word, is_joined_form)`` for each word of ``text``."""
    for match in WORD_PATTERN.finditer(text):
        word = match.group(0)
        if "-" not in word:
            yield match.start(), match.end(), word.translate(APOSTROPHES), False
            continue
        # The joined form comes first and takes the position of the first part.
        if joined:
            yield match.start(), match.end(), word.replace("-", "").translate(APOSTROPHES), True
        base = match.start()
        for part in PART_PATTERN.finditer(word):
            yield base + part.start(), base + part.end(), part.group(0).translate(APOSTROPHES), False


def fold_accents(word: str) -> str:
    """Removes accents from Latin letters only.

    Cyrillic keeps its marks: folding would turn ``й`` into ``и`` and ``ї`` into
    ``і``, which are different letters.
    """
    if word.isascii():
        return word
    out: list[str] = []
    for char in unicodedata.normalize("NFD", word):
        if unicodedata.combining(char) and out and "a" <= out[-1].lower() <= "z":
            continue
        out.append(char)
    folded = unicodedata.normalize("NFC", "".join(out))
    # Letters with no decomposition that readers still expect to match plain ones.
    return folded.translate(_LATIN_EXTRA)


def written_form(word: str) -> str:
    """A word as written, as wildcards match it: lowercase, Latin accents folded."""
    return fold_accents(word.lower())


_LATIN_EXTRA = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
    }
)


class FoldAccentsFilter(Filter):
    """Folds accents of Latin letters (``café`` → ``cafe``)."""

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            token.text = fold_accents(token.text)
            yield token


def is_cyrillic(word: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in word)


class StemFilter(Filter):
    """Stems Latin-script words with one stemmer and Cyrillic ones with another.

    Stems are cached per word: the NLTK Snowball stemmers are pure Python and
    news repeats the same words endlessly. Terms made by other filters (they
    start with :data:`MARKER`) pass untouched.
    """

    def __init__(
        self,
        latin: Callable[[str], str],
        cyrillic: Callable[[str], str],
        cachesize: int = 200_000,
    ) -> None:
        self.latin = latin
        self.cyrillic = cyrillic
        self.cachesize = cachesize
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        # The index pickles its schema; a cache of stems does not belong in it.
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StemFilter) and (self.latin, self.cyrillic) == (other.latin, other.cyrillic)

    def __hash__(self) -> int:
        return hash(type(self))

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if word.startswith(MARKER) or word.isdigit():
            stem = word
        elif is_cyrillic(word):
            stem = self.cyrillic(word)
        else:
            stem = self.latin(word)
        if len(self._cache) >= self.cachesize:
            self._cache.clear()
        self._cache[word] = stem
        return stem

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped and not getattr(token, "unstemmed", False):
                token.text = self.stem(token.text)
            yield token


class VariantFilter(Filter):
    """Adds the variant terms of proper names at the same position as the word.

    ``variant_terms`` maps a word as written (case preserved) to extra terms,
    e.g. the gazetteer group and transliteration key of ``Slavyansk``. The extra
    tokens keep ``startchar``/``endchar`` so that highlighting marks the word.
    Variants are added at index time only; the query side expands words itself,
    with a boost per kind of match.
    """

    def __init__(
        self,
        variant_terms: Callable[[str], Iterable[str]],
        boost: float = 1.0,
        unstemmed: Callable[[str, bool], str | None] | None = None,
    ) -> None:
        self.variant_terms = variant_terms
        self.boost = boost
        # Words (place names) that the stem filter must leave in this form.
        self.unstemmed = unstemmed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VariantFilter) and self.variant_terms == other.variant_terms

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for token in tokens:
            original = getattr(token, "original", token.text)
            form = None
            if self.unstemmed is not None and not token.stopped:
                form = self.unstemmed(original, token.mode == "query")
            token.unstemmed = form is not None
            if form is not None:
                token.text = form
            yield token
            if token.mode == "query" or token.stopped:
                continue
            extra = self.variant_terms(original)
            if not extra:
                continue
            saved_text, saved_boost = token.text, token.boost
            for term in extra:
                token.text = term
                token.boost = self.boost
                yield token
            token.text, token.boost = saved_text, saved_boost
            token.unstemmed = False
