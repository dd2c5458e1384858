"""Highlighting and explaining hits: which words of a document matched, and how.

The query's positive terms come from :func:`searchsvc.store.query.marked_terms`;
the document's words are analysed again to find them, so a name matches in
whatever spelling the article wrote it.
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .analysis import MARKER, NewsAnalyzer, highlight_spans, written_form
from .analysis.filters import APOSTROPHES, PART_PATTERN
from .analysis.languages import is_language_stem
from .documents import TEXT_FIELDS
from .request import SearchRequest
from .store.query import PATTERNS, PREFIXES, STEMS, Query, marked_terms


@functools.lru_cache(maxsize=256)
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern))


#: The finder of a field in which the query has nothing to match.
NOTHING = re.compile(r"(?!)")


@dataclass
class Highlightable:
    """The positive terms and prefixes of a query, per field, for marking text."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    #: Stems that prefixes reach (PrefixStem): they match, but as a prefix.
    stems: dict[str, set[str]] = field(default_factory=dict)
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Wildcards on the words as written (:func:`written_form`).
    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _matchers: dict[tuple[str, str | None], Callable[[str], bool]] = field(default_factory=dict)
    _finders: dict[str, re.Pattern[str] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, q: Query | None) -> Highlightable:
        found = cls()
        for what, fieldname, texts in marked_terms(q):
            if what == PREFIXES:
                found.prefixes[fieldname] = (*found.prefixes.get(fieldname, ()), *texts)
            elif what == PATTERNS:
                found.patterns[fieldname] = (*found.patterns.get(fieldname, ()), *texts)
            else:
                bucket = found.stems if what == STEMS else found.terms
                bucket.setdefault(fieldname, set()).update(texts)
        return found

    def matches(
        self, fieldname: str, analyzer: NewsAnalyzer, language: str | None = None
    ) -> Callable[[str], bool]:
        """Whether a word as written matches in ``fieldname`` of a document in ``language``;
        remembered per word."""
        known = self._matchers.get((fieldname, language))
        if known is not None:
            return known
        terms = self.terms.get(fieldname, set()) | self.stems.get(fieldname, set())
        prefixes = self.prefixes.get(fieldname, ())
        patterns = self.patterns.get(fieldname, ())
        seen: dict[str, bool] = {}
        word_terms = analyzer.word_terms

        def match(word: str) -> bool:
            hit = seen.get(word)
            if hit is None:
                hit = any(
                    text in terms
                    for text, _boost in word_terms(word.translate(APOSTROPHES), "index", language)
                )
                if not hit and (prefixes or patterns):
                    hit = self.matches_pattern(fieldname, word)
                seen[word] = hit
            return hit

        self._matchers[(fieldname, language)] = match
        return match

    def matches_pattern(self, fieldname: str, word: str) -> bool:
        """Whether a word as written matches a prefix or wildcard of the query in ``fieldname``."""
        written = written_form(word.translate(APOSTROPHES))
        return any(written.startswith(p) for p in self.prefixes.get(fieldname, ())) or any(
            _wildcard(p).match(written) for p in self.patterns.get(fieldname, ())
        )

    def finder(self, fieldname: str) -> re.Pattern[str] | None:
        """A pattern for the words that may match in ``fieldname``, so that
        highlighting checks a few candidates instead of every word.

        A stem is the start of the words it comes from, but for the last
        letter, which Snowball may rewrite (happy, happi); variants of names
        only come from capitalized or Cyrillic words. :data:`NOTHING` when no
        word can match.
        """
        if fieldname in self._finders:
            return self._finders[fieldname]
        heads = set(self.prefixes.get(fieldname, ()))
        every_word = False
        for wildcard in self.patterns.get(fieldname, ()):
            # A wildcard's letters before its first *, ? or [; any word when it starts with one.
            head = re.split(r"[*?\[]", wildcard, maxsplit=1)[0]
            if head:
                heads.add(head)
            else:
                every_word = True
        names = False
        for term in self.terms.get(fieldname, set()) | self.stems.get(fieldname, set()):
            if is_language_stem(term):
                stem = term.partition(":")[2]
                heads.add(stem[:-1] if len(stem) > 3 else stem)
            elif term.startswith(MARKER):
                names = True
            elif term:
                heads.add(term[:-1] if len(term) > 3 else term)
        alternatives = []
        if heads:
            escaped = (re.escape(h).replace("'", "['’ʼ`]") for h in sorted(heads, key=len, reverse=True))
            alternatives.append("(?i:" + "|".join(escaped) + ")")
        if every_word:
            alternatives.append(r"[^\W_]")
        elif names:
            alternatives.append("[A-ZА-ЯЁЄІЇҐ]|[а-яёєіїґ]")
        pattern = NOTHING
        if alternatives:
            tail = r"[^\W_]*(?:[\u00ad\u0300\u0301]+[^\W_]*)*"
            pattern = re.compile(
                r"(?<![^\W_])(?:" + "|".join(alternatives) + ")" + tail + "(?:['’ʼ`]" + tail + ")*"
            )
        self._finders[fieldname] = pattern
        return pattern


# -- highlighting -------------------------------------------------------------

#: Latin letters with accents: their words fold to stems a finder cannot see.
_ACCENTED_LATIN = re.compile("[À-ÖØ-öø-ɏ]")


def mark_spans(
    text: str, match: Callable[[str], bool], finder: re.Pattern[str] | None = None
) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` that ``match``."""
    if finder is NOTHING:
        return []
    words = PART_PATTERN if finder is None or _ACCENTED_LATIN.search(text) else finder
    return [m.span() for m in words.finditer(text) if match(m.group(0))]


def render(text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` HTML-escaped, with ``spans`` wrapped in ``<mark>``."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


#: How far a fragment's edge moves to reach the edge of a word.
_SNAP = 40

#: Characters of each field that highlighting and explaining look through. A news
#: article fits many times over; a field of a million characters would otherwise
#: cost every page that shows it seconds of analysis, for matches no fragment shows.
LOOKED_THROUGH_CHARS = 50_000


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "'’ʼ`\u00ad\u0300\u0301"


def looked_through(text: str) -> str:
    """The start of ``text`` that highlighting and explaining read: at most
    :data:`LOOKED_THROUGH_CHARS`, without the word the bound would cut in two."""
    end = LOOKED_THROUGH_CHARS
    if len(text) <= end or not _in_word(text[end]):
        return text[:end]
    start = end
    while start > end - _SNAP and _in_word(text[start - 1]):
        start -= 1
    return text[: start if start > end - _SNAP else end]


def _snap_start(text: str, pos: int) -> int:
    """``pos`` moved to the start of a word: back to the start of the word it is in,
    or past that word when it is too long to reach."""
    if pos <= 0:
        return 0
    start = pos
    while start > 0 and _in_word(text[start - 1]) and pos - start < _SNAP:
        start -= 1
    if start > 0 and _in_word(text[start - 1]):
        while start < len(text) and _in_word(text[start]):
            start += 1
    return start


def _snap_end(text: str, pos: int) -> int:
    """``pos`` moved to the end of a word, forward or, for a very long word, back."""
    if pos >= len(text):
        return len(text)
    end = pos
    while end < len(text) and _in_word(text[end]) and end - pos < _SNAP:
        end += 1
    if end < len(text) and _in_word(text[end]):
        while end > 0 and _in_word(text[end - 1]):
            end -= 1
    return end


def fragments(text: str, spans: list[tuple[int, int]], count: int, size: int) -> list[str]:
    """Up to ``count`` fragments of about ``size`` characters around ``spans``."""
    if count <= 0 or not text:
        return []
    if not spans:
        end = _snap_end(text, size)
        return [html.escape(text[:end]) + ("…" if end < len(text) else "")]
    groups: list[list[tuple[int, int]]] = []
    for span in spans:
        if groups and span[1] - groups[-1][0][0] <= size:
            groups[-1].append(span)
        else:
            groups.append([span])

    def weight(group: list[tuple[int, int]]) -> tuple[int, int]:
        distinct = {text[s:e].lower() for s, e in group}
        return (len(distinct), len(group))

    best = sorted(sorted(groups, key=weight, reverse=True)[:count], key=lambda g: g[0][0])
    windows: list[tuple[int, int]] = []
    for group in best:
        first, last = group[0][0], group[-1][1]
        slack = max(0, size - (last - first))
        start = _snap_start(text, first - slack // 2)
        end = _snap_end(text, last + slack - (first - start))
        # Fragments stop at paragraph breaks, which read as the end of a thought.
        para = text.rfind("\n", start, first)
        if para >= 0:
            start = para + 1
        para = text.find("\n", last, end)
        if para >= 0:
            end = para
        if windows and start < windows[-1][1]:
            # Two fragments that would share text are shown as one, never the same words twice.
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    result = []
    for start, end in windows:
        # Every match inside the fragment is marked, whichever group chose it.
        inside = spans[bisect.bisect_left(spans, (start, start)) : bisect.bisect_right(spans, (end, end))]
        piece = render(text, inside, start, end).strip()
        result.append(("…" if start > 0 else "") + piece + ("…" if end < len(text) else ""))
    return result


#: Strongest first: a word that matches in several ways is reported by the first.
MATCH_KINDS = ("exact", "prefix", "inflected", "user", "curated", "exonym", "gazetteer", "rule", "fuzzy")


def match_kind(term: str) -> str:
    """How an index term came to match: the word itself, or which kind of variant."""
    if not term.startswith(MARKER) or term.startswith("~f:") or is_language_stem(term):
        return "exact"
    if term.startswith("~n:"):
        return "inflected"
    if term.startswith("~g:u."):
        return "user"
    if term.startswith("~g:c."):
        return "curated"
    if term.startswith(("~g:", "~w:")):
        return "gazetteer"
    if term.startswith("~k:"):
        return "rule"
    return "fuzzy"


def explain_matches(
    analyzer: NewsAnalyzer, doc: Mapping[str, Any], marks: Highlightable, language: str | None = None
) -> list[dict[str, str]]:
    """The words of ``doc`` (in ``language``) that matched the query, as written, and how each
    matched; ``language`` is given where the document's language wrote or declined the name
    (an ``exonym`` such as Charkiw, a case form such as Kijowie)."""
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    variants = analyzer.variants
    for name in TEXT_FIELDS:
        text = doc.get(name) or ""
        if not text:
            continue
        terms = marks.terms.get(name, set())
        stems = marks.stems.get(name, set())
        for start, end, word_terms in highlight_spans(analyzer, looked_through(text), language):
            word = text[start:end]
            matched = [t for t, _b in word_terms if t in terms]
            kinds = [match_kind(t) for t in matched]
            in_language: set[str] = set()
            if variants is not None:
                # Whether the word is a listed spelling or a misspelling of one (Kramatorskk),
                # or its language's name or case form of one (Charkiw, Kijowie).
                refined = []
                for t, kind in zip(matched, kinds, strict=True):
                    by_language = variants.language_kind(word, t, language)
                    if by_language is not None and MATCH_KINDS.index(by_language) <= MATCH_KINDS.index(kind):
                        in_language.add(by_language)
                        refined.append(by_language)
                    else:
                        refined.append(variants.match_kind(word, t, kind))
                kinds = refined
            if any(t in stems for t, _b in word_terms) or marks.matches_pattern(name, word):
                kinds.append("prefix")
            if kinds:
                best = min(kinds, key=MATCH_KINDS.index)
                found.setdefault((word, best), (name, language if best in in_language else None))
    return [
        {"word": word, "why": why, "field": name, **({"language": lang} if lang else {})}
        for (word, why), (name, lang) in found.items()
    ]


def highlight_document(
    analyzer: NewsAnalyzer,
    doc: Mapping[str, Any],
    marks: Highlightable,
    request: SearchRequest,
    language: str | None = None,
) -> dict[str, Any]:
    title = doc.get("title") or ""
    title_html = None
    if title:
        title_spans = mark_spans(
            looked_through(title), marks.matches("title", analyzer, language), marks.finder("title")
        )
        title_html = render(title, title_spans)
    parts: list[str] = []
    body_spans: list[tuple[int, int]] = []
    cursor = 0
    # The lead and the body read as one text; fragments may come from either.
    for name in ("lead", "body"):
        text = doc.get(name) or ""
        if not text:
            continue
        if parts:
            parts.append("\n")
            cursor += 1
        match = marks.matches(name, analyzer, language)
        # Matches are looked for in the start of the text; fragments may show all of it.
        spans = mark_spans(looked_through(text), match, marks.finder(name))
        body_spans.extend((s + cursor, e + cursor) for s, e in spans)
        parts.append(text)
        cursor += len(text)
    text = "".join(parts)
    if text.strip() == title.strip():
        # A headline alone (a post whose title is its text): shown once, as the title.
        return {"title": title_html, "body": []}
    return {
        "title": title_html,
        "body": fragments(text, body_spans, request.fragments, request.fragment_chars),
    }
