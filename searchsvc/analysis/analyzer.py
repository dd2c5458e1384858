"""The analyzer searchsvc indexes and queries with.

:func:`build_chain` composes the tokenizer and filters with ``|``, as Whoosh
does. :class:`NewsAnalyzer` runs that chain once per distinct word and caches
the result: every filter here looks at one word at a time, so the output for a
word never depends on its neighbours, and news repeats words endlessly. That
cache is what keeps indexing and highlighting fast in pure Python.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from whoosh.analysis import Analyzer, CompositeAnalyzer, LowercaseFilter, StopFilter, Token

from .filters import (
    WORD_PATTERN,
    WRITTEN_MARK,
    WRITTEN_PREFIX,
    FoldAccentsFilter,
    StemFilter,
    VariantFilter,
    WordTokenizer,
    iter_words,
    written_form,
)
from .languages import latin_stemmer, snowball
from .morphology import languages, shared_morphology
from .source import VariantSource
from .stem_table import english_stems
from .stopwords import all_stopwords, stopwords
from .translit import fix_mixed_script
from .ukrainian import light_stem


def load_stemmers() -> None:
    """Load the default analysis's stemmers now, so that a server's first search does not
    (importing NLTK costs a command-line search most of its start-up, so nothing else does)."""
    snowball("english")
    snowball("russian")


def english_stem(word: str) -> str:
    """NLTK's Snowball stem of an English word: from the shipped table of NLTK's stems when
    the word is in it (no NLTK import), else from NLTK (no NLTK data needed)."""
    stem = english_stems().get(word)
    return stem if stem is not None else str(snowball("english").stem(word))


def russian_stem(word: str) -> str:
    """NLTK's Snowball stemmer for Russian."""
    return str(snowball("russian").stem(word))


def cyrillic_stem(word: str) -> str:
    """The index term of an ordinary Cyrillic word (lower case).

    Russian words take Snowball Russian. NLTK has no Ukrainian stemmer, so a
    Ukrainian word (by its letters, or because only the Ukrainian dictionary
    knows it) takes its pymorphy3 lemma, or a light suffix stem when the
    dictionary does not know it: measured on Ukrainian headlines
    (``bench/uk_stemming_eval.py``), that finds the most inflected forms of a
    word while dragging in the fewest unrelated words.
    """
    langs = languages(word)
    if langs == ("ru",):
        return russian_stem(word)
    morph = shared_morphology()
    # A dictionary lookup, not a parse, for every word: most are Russian.
    uk_known = morph.knows(word, "uk")
    if langs == ("uk",) or (uk_known and not morph.knows(word, "ru")):
        return morph.lemma(word, "uk") if uk_known else light_stem(word)
    return russian_stem(word)


def build_chain(
    variant_terms: Callable[[str], Iterable[str]] | None = None,
    unstemmed: Callable[[str, bool], str | None] | None = None,
    language: str | None = None,
) -> CompositeAnalyzer:
    """The analysis chain: words, lowercase, fold accents, stop words, variants, stems.

    ``language`` (one of :data:`~.languages.STEMMERS`) adds its stop words and
    stems Latin words with its stemmer, under its prefix; None is the default
    analysis (English for Latin words).
    """
    stops = all_stopwords() if language is None else all_stopwords() | stopwords(language)
    latin = english_stem if language is None else latin_stemmer(language)
    chain = WordTokenizer() | LowercaseFilter() | FoldAccentsFilter() | StopFilter(stops, minsize=1)
    if variant_terms is not None:
        chain = chain | VariantFilter(variant_terms, unstemmed=unstemmed)
    return chain | StemFilter(latin, cyrillic_stem)


WordTerms = tuple[tuple[str, float], ...]

#: What :meth:`NewsAnalyzer.term_positions` gives each word as written: no
#: positions, one shared (and never changed) list.
_NO_POSITIONS: tuple[list[int], float] = ([], 1.0)

#: Characters that make a word take the general tokenizing path.
_SPECIAL_CHARS = re.compile("[-’ʼ`\u00ad\u0300\u0301]")


class NewsAnalyzer(Analyzer):
    """A Whoosh analyzer that runs :func:`build_chain` per word, with a cache.

    ``variants`` is an optional object with ``index_terms(word) -> tuple[str, ...]``
    (see :mod:`searchsvc.analysis.variants`); it is looked up by name when the
    analyzer is unpickled, so the index never stores gazetteer data.
    """

    def __init__(
        self,
        variants: VariantSource | None = None,
        cachesize: int = 500_000,
        variants_file: str | None = None,
    ) -> None:
        self.variants = variants
        self.cachesize = cachesize
        # How to load the variants again after pickling: None (no variants),
        # or the user file (or "") to load with the shipped gazetteer.
        from .variants import Variants

        self._reload = variants_file or "" if isinstance(variants, Variants) else None
        self._setup()

    def _setup(self) -> None:
        variant_terms = self.variants.index_terms if self.variants is not None else None
        unstemmed = self.variants.unstemmed if self.variants is not None else None
        self.chain = build_chain(variant_terms, unstemmed)
        self.tokenizer = self.chain.items[0]
        self.filters = self.chain.items[1:]
        self._index_cache: dict[str, WordTerms] = {}
        self._query_cache: dict[str, WordTerms] = {}
        self._written_cache: dict[str, str] = {}
        #: The analysis of each other language, built the first time it is needed.
        self._languages: dict[str, _Language] = {}

    def _language(self, language: str) -> _Language:
        found = self._languages.get(language)
        if found is None:
            variant_terms = self.variants.index_terms if self.variants is not None else None
            terms_in = getattr(self.variants, "index_terms_in", None)
            if terms_in is not None:
                # The language's own spellings and case forms of names too (Kijowie, Kiews).
                variant_terms = functools.partial(terms_in, language=language)
            unstemmed = self.variants.unstemmed if self.variants is not None else None
            chain = build_chain(variant_terms, unstemmed, language)
            found = self._languages[language] = _Language(chain.items[1:])
        return found

    def __getstate__(self) -> dict[str, Any]:
        # Whoosh pickles the schema into every commit, and into the worker
        # processes of a parallel writer: keep caches and gazetteer data out
        # of it, and say how to load the variants again instead.
        return {"cachesize": self.cachesize, "reload": self._reload}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.cachesize = state.get("cachesize", 500_000)
        self._reload = state.get("reload")
        self.variants = None
        if self._reload is not None:
            try:
                from .variants import Variants

                self.variants = Variants.load(self._reload or None)
            except (ImportError, OSError):
                self._reload = None
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NewsAnalyzer) and self.variants is other.variants

    def __hash__(self) -> int:
        return id(self.variants)

    def word_terms(self, word: str, mode: str = "index", language: str | None = None) -> WordTerms:
        """The terms (with boosts) one word as written gives, in ``language``'s analysis
        (one of :data:`~.languages.STEMMERS`; None: the default)."""
        if language is None:
            filters = self.filters
            cache_ = self._query_cache if mode == "query" else self._index_cache
        else:
            own = self._language(language)
            filters = own.filters
            cache_ = own.query if mode == "query" else own.index
        terms = cache_.get(word)
        if terms is None:
            token = Token(positions=False, chars=False, removestops=True, mode=mode)
            token.text = token.original = fix_mixed_script(word)
            token.boost = 1.0
            token.stopped = False
            stream: Iterable[Token] = iter((token,))
            for item in filters:
                stream = item(stream)
            terms = tuple((t.text, t.boost) for t in stream if not t.stopped and t.text)
            if len(cache_) >= self.cachesize:
                cache_.clear()
            cache_[word] = terms
        return terms

    def term_positions(
        self, value: str, written: bool = False, language: str | None = None
    ) -> dict[str, tuple[list[int], float]]:
        """Index terms of ``value`` with their positions and summed boosts.

        The same terms, positions and weights as calling the analyzer in index
        mode, without a Token per word: this is what indexing spends its time on.
        With ``written``, also each word as written (:data:`WRITTEN_PREFIX`) and
        :data:`WRITTEN_MARK`, without positions, so that they add nothing to
        the field's length and no phrase can reach them. ``language`` is as for
        :meth:`word_terms`.
        """
        cache = self._index_cache if language is None else self._language(language).index
        if _SPECIAL_CHARS.search(value):
            # Rare: hyphenated parts and apostrophe forms take the general path.
            surfaces = [(word, joined) for _s, _e, word, joined in iter_words(value)]
        else:
            surfaces = [(word, False) for word in WORD_PATTERN.findall(value)]
        for word in {word for word, _joined in surfaces}.difference(cache):
            self.word_terms(word, language=language)
        # Positions of each distinct word. Stop words are not indexed but keep
        # their place, so that "power of the grid" is not the phrase "power
        # grid"; a hyphenated word's joined form shares its first part's position.
        where: dict[str, list[int]] = {}
        pos = 0
        for word, joined in surfaces:
            if cache[word]:
                at = where.get(word)
                if at is None:
                    where[word] = [pos]
                else:
                    at.append(pos)
            if not joined:
                pos += 1
        found: dict[str, tuple[list[int], float]] = {}
        uneven: set[str] = set()
        for word, at in where.items():
            for text, boost in cache[word]:
                if boost != 1.0:
                    uneven.add(text)
                entry = found.get(text)
                if entry is None:
                    found[text] = (at, float(len(at)))
                else:
                    # Several words give this term (fights, fighting): merge in order.
                    merged = sorted(entry[0] + at)
                    found[text] = (merged, float(len(merged)))
        for text in uneven:
            found[text] = (found[text][0], _weight_in_order(cache, text, where))
        if written and where:
            as_written = self._written_cache
            for word in where:
                hidden = as_written.get(word)
                if hidden is None:
                    if len(as_written) >= self.cachesize:
                        as_written.clear()
                    hidden = as_written[word] = WRITTEN_PREFIX + written_form(word)
                found[hidden] = _NO_POSITIONS
            found[WRITTEN_MARK] = _NO_POSITIONS
        return found

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
        if not tokenize:
            words: Iterable[tuple[int, int, str, bool]] = [(0, len(value), value, False)]
        else:
            words = iter_words(value, joined=mode != "query")
        pos = start_pos
        query = mode == "query"
        for start, end, word, joined in words:
            terms = self.word_terms(word, "query" if query else "index")
            if not terms:
                if not joined:
                    pos += 1  # a stop word keeps its place
                continue
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            token.original = word
            for text, boost in terms:
                token.text = text
                token.boost = boost
                token.stopped = False
                yield token
            if not joined:
                pos += 1


class _Language:
    """One language's filters (after the tokenizer) and its caches of terms per word."""

    def __init__(self, filters: list[Any]) -> None:
        self.filters = filters
        self.index: dict[str, WordTerms] = {}
        self.query: dict[str, WordTerms] = {}


def _weight_in_order(cache: dict[str, WordTerms], text: str, where: dict[str, list[int]]) -> float:
    # Boosts other than 1 are summed position by position, as Whoosh adds
    # token boosts, so the float is the same to the last bit.
    boosts = sorted(
        (pos, boost)
        for word, at in where.items()
        for term, boost in cache[word]
        if term == text
        for pos in at
    )
    weight = 0.0
    for _pos, boost in boosts:
        weight += boost
    return weight


def highlight_spans(
    analyzer: NewsAnalyzer, text: str, language: str | None = None
) -> Iterator[tuple[int, int, WordTerms]]:
    """``(start, end, terms)`` of every word of ``text`` (in ``language``), for highlighting."""
    word_terms = analyzer.word_terms
    for start, end, word, _joined in iter_words(text, joined=False):
        terms = word_terms(word, "index", language)
        if terms:
            yield start, end, terms
