"""Analysis: from text to index terms.

The chain is :class:`~.filters.WordTokenizer` | lowercase | accent folding |
stop words | transliteration variants | Snowball stems, run per word by
:class:`~.analyzer.NewsAnalyzer`.
"""

from .analyzer import NewsAnalyzer, build_chain, english_stem, highlight_spans, russian_stem
from .filters import (
    MARKER,
    FoldAccentsFilter,
    StemFilter,
    VariantFilter,
    WordTokenizer,
    fold_accents,
    iter_words,
)
from .source import VariantSource
from .stopwords import all_stopwords, stopwords

__all__ = [
    "MARKER",
    "FoldAccentsFilter",
    "NewsAnalyzer",
    "StemFilter",
    "VariantFilter",
    "VariantSource",
    "WordTokenizer",
    "all_stopwords",
    "build_chain",
    "english_stem",
    "fold_accents",
    "highlight_spans",
    "iter_words",
    "russian_stem",
    "stopwords",
]
