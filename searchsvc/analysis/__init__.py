"""Analysis: from text to index terms.

The chain is :class:`~.filters.WordTokenizer` | lowercase | accent folding |
stop words | transliteration variants | Snowball stems, run per word by
:class:`~.analyzer.NewsAnalyzer`.
"""

from .analyzer import NewsAnalyzer, build_chain, english_stem, highlight_spans, russian_stem
from .filters import (
    MARKER,
    WRITTEN_MARK,
    WRITTEN_PREFIX,
    FoldAccentsFilter,
    StemFilter,
    VariantFilter,
    WordTokenizer,
    fold_accents,
    iter_words,
    written_form,
)
from .source import VariantSource
from .stopwords import all_stopwords, stopwords

__all__ = [
    "MARKER",
    "WRITTEN_MARK",
    "WRITTEN_PREFIX",
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
    "written_form",
]
