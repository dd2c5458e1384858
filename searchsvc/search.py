"""Searching: the request, query parsing, matching, facets, highlighting, results.

The result shape is shared by the library, the HTTP API and ``--json`` output::

    {"query", "total", "limit", "offset", "took_ms",
     "hits": [{"id", "score", "document", "highlights": {"title", "body"}}],
     "facets": {"source": [{"value", "count", "selected"}, ...], ...}}
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyroaring import BitMap
from whoosh import query as wq
from whoosh.qparser import GtLtPlugin, MultifieldPlugin, PlusMinusPlugin
from whoosh.qparser import QueryParser as WhooshQueryParser

from .analysis import MARKER, NewsAnalyzer, highlight_spans, iter_words
from .analysis.filters import APOSTROPHES, PART_PATTERN
from .documents import parse_date
from .errors import InvalidDate, InvalidParameter, QueryError, SearchsvcError, UnknownField
from .facets import NO_DATE, SECONDS_PER_DAY, View
from .index import FACET_FIELDS, TEXT_FIELD_BOOSTS
from .scoring import QueryTerm, Scored, VariantPhrase

TEXT_FIELDS = tuple(TEXT_FIELD_BOOSTS)
#: Fields a query may name with ``field:value``.
QUERY_FIELDS = (*TEXT_FIELDS, *FACET_FIELDS, "date", "id", "url")
FILTER_FIELDS = FACET_FIELDS
FACETABLE = (*FACET_FIELDS, "date")
SORT_FIELDS = ("relevance", "date", *FACET_FIELDS)
DATE_INTERVALS = {"year": 4, "month": 7, "day": 10}
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FACET_SIZE = 1000


# -- the request ------------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: build it with :meth:`create`, which checks every value."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: int | None = None  # Unix seconds, inclusive
    date_to: int | None = None
    facets: tuple[str, ...] = ()
    date_interval: str = "month"
    facet_size: int = 20
    sort_field: str = "relevance"
    descending: bool = True
    limit: int = 10
    offset: int = 0
    highlight: bool = True
    fragments: int = 3
    fragment_chars: int = 160
    explain: bool = False

    @classmethod
    def create(
        cls,
        q: str | None = "",
        *,
        filters: Mapping[str, str | Iterable[str]] | Iterable[str] | None = None,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        facets: str | Iterable[str] | None = None,
        date_interval: str = "month",
        facet_size: int = 20,
        sort: str | None = None,
        limit: int = 10,
        offset: int = 0,
        highlight: bool = True,
        fragments: int = 3,
        fragment_chars: int = 160,
        explain: bool = False,
        max_query_length: int = 1000,
    ) -> SearchRequest:
        q = (q or "").strip()
        if len(q) > max_query_length:
            raise InvalidParameter(f"the query is longer than {max_query_length} characters")
        if not _is_int(limit) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidParameter(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
        if not _is_int(offset) or not 0 <= offset <= MAX_OFFSET:
            raise InvalidParameter(f"offset must be an integer from 0 to {MAX_OFFSET}, got {offset!r}")
        if not _is_int(facet_size) or not 1 <= facet_size <= MAX_FACET_SIZE:
            raise InvalidParameter(f"facet_size must be an integer from 1 to {MAX_FACET_SIZE}")
        if not _is_int(fragments) or not 0 <= fragments <= 10:
            raise InvalidParameter("fragments must be an integer from 0 to 10")
        if not _is_int(fragment_chars) or not 20 <= fragment_chars <= 1000:
            raise InvalidParameter("fragment_chars must be an integer from 20 to 1000")
        if date_interval not in DATE_INTERVALS:
            raise InvalidParameter(f"date_interval must be one of {', '.join(DATE_INTERVALS)}")
        start = _date_bound(date_from, "date_from", end=False)
        end = _date_bound(date_to, "date_to", end=True)
        if start is not None and end is not None and start > end:
            raise InvalidParameter("date_from is after date_to")
        sort_field, descending = parse_sort(sort)
        return cls(
            q=q,
            filters=parse_filters(filters),
            date_from=start,
            date_to=end,
            facets=parse_facets(facets),
            date_interval=date_interval,
            facet_size=facet_size,
            sort_field=sort_field,
            descending=descending,
            limit=limit,
            offset=offset,
            highlight=bool(highlight),
            fragments=fragments,
            fragment_chars=fragment_chars,
            explain=bool(explain),
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _date_bound(value: str | dt.date | None, name: str, *, end: bool) -> int | None:
    if value is None or value == "":
        return None
    try:
        parsed = parse_date(value, field=name)
    except InvalidDate:
        raise
    seconds = int(parsed.timestamp())
    # A bare date as an upper bound means the whole of that day.
    is_bare_date = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if end and (is_bare_date or (isinstance(value, str) and len(value.strip()) == 10)):
        seconds += SECONDS_PER_DAY - 1
    return seconds


def parse_filters(
    filters: Mapping[str, str | Iterable[str]] | Iterable[str] | None,
) -> dict[str, tuple[str, ...]]:
    """Filters as ``{field: (value, ...)}`` from a mapping or ``field:value`` strings."""
    result: dict[str, list[str]] = {}
    if filters is None:
        return {}
    if isinstance(filters, Mapping):
        items: list[tuple[str, str]] = []
        for name, values in filters.items():
            if isinstance(values, str):
                items.append((name, values))
            else:
                items.extend((name, v) for v in values)
    else:
        items = []
        for entry in filters:
            if not isinstance(entry, str) or ":" not in entry:
                raise InvalidParameter(f"a filter must look like field:value, got {entry!r}")
            name, _, value = entry.partition(":")
            items.append((name.strip(), value))
    for name, value in items:
        if name not in FILTER_FIELDS:
            raise UnknownField(
                f"cannot filter on {name!r}; filter fields are {', '.join(FILTER_FIELDS)} "
                "(use date_from/date_to for dates)"
            )
        if not isinstance(value, str) or not value.strip():
            raise InvalidParameter(f"filter {name!r} needs a non-empty value")
        bucket = result.setdefault(name, [])
        if value.strip() not in bucket:
            bucket.append(value.strip())
    return {name: tuple(values) for name, values in result.items()}


def parse_facets(facets: str | Iterable[str] | None) -> tuple[str, ...]:
    if facets is None:
        return ()
    names = facets.split(",") if isinstance(facets, str) else list(facets)
    result: list[str] = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        if name not in FACETABLE:
            raise UnknownField(f"no facet {name!r}; facets are {', '.join(FACETABLE)}")
        if name not in result:
            result.append(name)
    return tuple(result)


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """``relevance`` (default), ``date``/``-date``, ``field:asc``/``field:desc``.

    ``date`` alone sorts newest first, as news readers expect; ``date:asc`` or
    ``+date`` sorts oldest first. Keyword fields sort A to Z unless ``-field``.
    """
    if sort is None or not sort.strip():
        return "relevance", True
    text = sort.strip()
    descending: bool | None = None
    if text.startswith("-"):
        text, descending = text[1:], True
    elif text.startswith("+"):
        text, descending = text[1:], False
    if ":" in text:
        text, _, direction = text.partition(":")
        if direction not in ("asc", "desc"):
            raise InvalidParameter(f"sort direction must be asc or desc, got {direction!r}")
        descending = direction == "desc"
    if text not in SORT_FIELDS:
        raise UnknownField(f"cannot sort by {text!r}; sort by {', '.join(SORT_FIELDS)}")
    if text == "relevance" and descending is not None and text != sort.strip().removesuffix(":desc"):
        raise InvalidParameter("relevance sorts the best matches first only; use sort=relevance")
    if descending is None:
        descending = text in ("relevance", "date")
    return text, descending


# -- query parsing ----------------------------------------------------------

_FIELD_REF = re.compile(r"(?<![\w\\])([^\W\d][\w.-]*):(?=\S)")
_OPERATOR = re.compile(r"^(AND|OR|ANDNOT|ANDMAYBE)$")


class QueryParser(WhooshQueryParser):  # type: ignore[misc]
    """Whoosh's parser, with variant expansion and case-insensitive facet values."""

    def __init__(
        self, schema: Any, expand: Callable[[str, str, type, float], wq.Query | None] | None
    ) -> None:
        super().__init__(None, schema)
        self.add_plugin(MultifieldPlugin(list(TEXT_FIELDS)))
        self.add_plugin(GtLtPlugin())
        # "-" excludes a word only at its start, so "Soviet-era" stays one word.
        self.add_plugin(PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+", minusexpr=r"(?:^|(?<=[\s(]))-"))
        #: How a word becomes a query; set per search when the parser is reused.
        self.expand = expand
        #: How a phrase's words (stemmed, and as written) become a phrase query
        #: with their variants; None keeps Whoosh's phrase.
        self.expand_phrase: Callable[..., wq.Query | None] | None = None
        self.phraseclass = self._phrase
        self._text: str | None = None
        #: Date clauses of the query being parsed, taken out before Whoosh sees
        #: them: placeholder word -> (first, last) second, inclusive.
        self.date_ranges: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}

    def parse(self, text, normalize=True, debug=False):  # type: ignore[no-untyped-def]
        # Phrases are built from the words as written: keep the text they come from.
        self._text = text
        try:
            return super().parse(text, normalize, debug)
        finally:
            self._text = None

    def _phrase(  # type: ignore[no-untyped-def]
        self, fieldname, words, slop=1, boost=1.0, char_ranges=None
    ) -> wq.Query:
        if fieldname in FACET_FIELDS and self.expand is not None and words:
            # source:"bbc news" is a value of the field, matched ignoring case like a filter.
            expanded = self.expand(fieldname, " ".join(words), wq.Term, boost)
            if expanded is not None:
                return expanded
        # ~0 and ~1 both mean the words side by side: a word cannot be 0 positions after another.
        slop = max(int(slop), 1)
        text = self._text
        gaps = _phrase_gaps(text, char_ranges, len(words))
        if self.expand_phrase is not None and text is not None and char_ranges:
            written = [text[a:b] if a is not None and b is not None else "" for a, b in char_ranges]
            expanded = self.expand_phrase(fieldname, words, written, slop, boost, char_ranges)
            if isinstance(expanded, VariantPhrase):
                expanded.gaps = gaps or expanded.gaps
                return expanded
            if expanded is not None:
                return expanded
        if gaps is not None and any(g > 1 for g in gaps):
            alternatives = [[(word, 1.0)] for word in words]
            return VariantPhrase(fieldname, words, alternatives, slop, boost, char_ranges, gaps)
        return wq.Phrase(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):  # type: ignore[no-untyped-def]
        if fieldname == "date" and text in self.date_ranges:
            first, last = self.date_ranges[text]
            return wq.DateRange("date", first, last, boost=boost)
        if self.expand is not None:
            expanded = self.expand(fieldname, text, termclass, boost)
            if expanded is not None:
                return expanded
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def _phrase_gaps(
    text: str | None, char_ranges: Sequence[tuple[int | None, int | None]] | None, count: int
) -> tuple[int, ...] | None:
    """Positions from each phrase word to the next, counting the stop words between them.

    Stop words are not indexed but keep their place (see the analyzer), so
    "power of the grid" is "power", two places, then "grid".
    """
    if text is None or not char_ranges or len(char_ranges) != count or count < 2:
        return None
    gaps = []
    for (_a, end), (start, _b) in zip(char_ranges, char_ranges[1:], strict=False):
        if end is None or start is None:
            return None
        between = sum(1 for *_span, _word, joined in iter_words(text[end:start], joined=False) if not joined)
        gaps.append(1 + between)
    return tuple(gaps)


def check_query_syntax(text: str) -> None:
    """Reject what Whoosh would silently turn into something else."""
    outside = re.sub(r'"[^"]*"', " ", text)
    if text.count('"') % 2:
        raise QueryError('the query has an unclosed quote (")')
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise QueryError("the query has a ')' without a matching '('")
    if depth:
        raise QueryError("the query has a '(' without a matching ')'")
    for match in _FIELD_REF.finditer(outside):
        name = match.group(1)
        if name not in QUERY_FIELDS:
            raise UnknownField(f"unknown field {name!r} in the query; fields are {', '.join(QUERY_FIELDS)}")
    words = outside.replace("(", " ").replace(")", " ").split()
    if words and (_OPERATOR.match(words[0]) or _OPERATOR.match(words[-1]) or words[-1] == "NOT"):
        raise QueryError("the query starts or ends with an operator (AND, OR, NOT)")
    for left, right in zip(words, words[1:], strict=False):
        if _OPERATOR.match(left) and (_OPERATOR.match(right)):
            raise QueryError(f"the query has two operators in a row: {left} {right}")


def compile_query(parser: QueryParser, text: str) -> wq.Query | None:
    """A Whoosh query for ``text``, or None for "every document"."""
    if not text or text == "*":
        return None
    # Quotes pasted from news text (“…”, «…», „…“) are phrase quotes.
    text = text.translate(_QUOTES)
    # Whoosh reads no slop of 0 (it searches the word "0"); the words side by side are slop 1.
    text = _SLOP_ZERO.sub('"~1', text)
    check_query_syntax(text)
    text, parser.date_ranges = take_date_clauses(text)
    try:
        parsed = parser.parse(text)
    except SearchsvcError:
        raise
    except (ValueError, TypeError, OverflowError):
        if "date" in text or re.search(r"\d{4}", text):
            raise InvalidDate("a date in the query is not ISO 8601 (YYYY-MM-DD)") from None
        raise QueryError("the query cannot be parsed") from None
    except Exception:
        raise QueryError("the query cannot be parsed") from None
    for node in _walk(parsed):
        if isinstance(node, wq.qcore._NullQuery) and node is not parsed:
            continue
        if type(node).__name__ == "ErrorQuery":
            raise QueryError(f"the query cannot be parsed: {getattr(node, 'message', node)}")
    if parsed is wq.NullQuery or isinstance(parsed, wq.qcore._NullQuery):
        if re.search(r"date:", text):
            raise InvalidDate("a date in the query is not ISO 8601 (YYYY-MM-DD)")
        if _MINUS.search(text):
            # Only exclusions: "-grain" means what "NOT grain" means, everything without it.
            return compile_query(parser, _MINUS.sub(r"\1NOT ", text))
        return wq.NullQuery
    return parsed


_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»″", '"'))
_SLOP_ZERO = re.compile(r'"~0+(?!\d)')
_MINUS = re.compile(r"(^|[\s(])-(?=[^\s-])")

_DATE_VALUE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATE_CLAUSE = re.compile(
    rf"(?<![\w.-])date:(?:(?P<op>>=|<=|>|<)(?P<value>{_DATE_VALUE})"
    rf"|(?P<open>[\[{{])\s*(?P<first>{_DATE_VALUE}|\*)?\s*TO\s*(?P<last>{_DATE_VALUE}|\*)?\s*(?P<close>[\]}}])"
    rf"|(?P<exact>{_DATE_VALUE}))(?![\w:])"
)
_SECOND = dt.timedelta(seconds=1)


def take_date_clauses(text: str) -> tuple[str, dict[str, tuple[dt.datetime | None, dt.datetime | None]]]:
    """Date clauses replaced by placeholder words, with the seconds each one covers.

    ``>D`` is after the day D, ``<D`` before it, ``>=``/``<=`` include it;
    ``[a TO b]`` includes its ends and ``{a TO b}`` excludes them; a bare date
    is the whole day, and a date-time counts to the second. Whoosh reads the
    ``:`` of a time as a field separator and treats every date range as
    inclusive of whole days, so these never reach it.
    """
    ranges: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = {}

    def replace(m: re.Match[str]) -> str:
        bounds: tuple[dt.datetime | None, dt.datetime | None]
        if m.group("op"):
            op, value = m.group("op"), m.group("value")
            bounds = (_after(value, "=" in op), None) if op[0] == ">" else (None, _before(value, "=" in op))
        elif m.group("open"):
            first, last = m.group("first"), m.group("last")
            bounds = (
                _after(first, m.group("open") == "[") if first and first != "*" else None,
                _before(last, m.group("close") == "]") if last and last != "*" else None,
            )
        else:
            value = m.group("exact")
            bounds = (_after(value, True), _before(value, True))
        word = f"datequery{len(ranges)}"
        ranges[word] = bounds
        return f"date:{word}"

    return _DATE_CLAUSE.sub(replace, text), ranges


def _point(value: str) -> tuple[dt.datetime, bool]:
    """A query date as naive UTC to the second (as the index stores it), and whether it is a day."""
    parsed = parse_date(value, field="date").astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    return parsed, len(value) == 10


def _after(value: str, inclusive: bool) -> dt.datetime:
    point, day = _point(value)
    if inclusive:
        return point
    return point + (dt.timedelta(days=1) if day else _SECOND)


def _before(value: str, inclusive: bool) -> dt.datetime:
    point, day = _point(value)
    if not inclusive:
        return point - _SECOND
    return point + dt.timedelta(days=1) - _SECOND if day else point


def _walk(q: wq.Query) -> Iterator[wq.Query]:
    yield q
    if q.is_leaf():
        return
    for child in q.children():
        yield from _walk(child)


#: The finder of a field in which the query has nothing to match.
NOTHING = re.compile(r"(?!)")


class PrefixStem(QueryTerm):
    """The stem a prefix reaches one letter short (``electri*`` finds ``electr``): a prefix match."""


@dataclass
class Highlightable:
    """The positive terms and prefixes of a query, per field, for marking text."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    #: Stems that prefixes reach (PrefixStem): they match, but as a prefix.
    stems: dict[str, set[str]] = field(default_factory=dict)
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _matchers: dict[str, Callable[[str], bool]] = field(default_factory=dict)
    _finders: dict[str, re.Pattern[str] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, q: wq.Query | None) -> Highlightable:
        found = cls()
        if q is not None:
            found._collect(q)
        return found

    def _collect(self, q: wq.Query) -> None:
        if isinstance(q, wq.Not):
            return
        if isinstance(q, wq.AndNot):
            self._collect(q.a)
            return
        if isinstance(q, PrefixStem):
            self.stems.setdefault(q.fieldname, set()).add(q.text)
        elif isinstance(q, wq.Term):
            self.terms.setdefault(q.fieldname, set()).add(q.text)
        elif isinstance(q, VariantPhrase):
            self.terms.setdefault(q.fieldname, set()).update(t for alts in q.alternatives for t, _b in alts)
        elif isinstance(q, wq.Phrase):
            self.terms.setdefault(q.fieldname, set()).update(q.words)
        elif isinstance(q, wq.Prefix):
            self.prefixes[q.fieldname] = (*self.prefixes.get(q.fieldname, ()), q.text)
        elif isinstance(q, wq.Wildcard):
            stem = re.split(r"[*?]", q.text, maxsplit=1)[0]
            if stem:
                self.prefixes[q.fieldname] = (*self.prefixes.get(q.fieldname, ()), stem)
        elif not q.is_leaf():
            for child in q.children():
                self._collect(child)

    def matches(self, fieldname: str, analyzer: NewsAnalyzer) -> Callable[[str], bool]:
        """Whether a word as written matches in ``fieldname``; remembered per word."""
        known = self._matchers.get(fieldname)
        if known is not None:
            return known
        terms = self.terms.get(fieldname, set()) | self.stems.get(fieldname, set())
        prefixes = self.prefixes.get(fieldname, ())
        seen: dict[str, bool] = {}
        word_terms = analyzer.word_terms

        def match(word: str) -> bool:
            hit = seen.get(word)
            if hit is None:
                hit = any(text in terms for text, _boost in word_terms(word.translate(APOSTROPHES)))
                if not hit and prefixes:
                    lowered = word.lower()
                    hit = any(lowered.startswith(p) for p in prefixes)
                seen[word] = hit
            return hit

        self._matchers[fieldname] = match
        return match

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
        names = False
        for term in self.terms.get(fieldname, set()) | self.stems.get(fieldname, set()):
            if term.startswith(MARKER):
                names = True
            elif term:
                heads.add(term[:-1] if len(term) > 3 else term)
        alternatives = []
        if heads:
            escaped = (re.escape(h).replace("'", "['’ʼ`]") for h in sorted(heads, key=len, reverse=True))
            alternatives.append("(?i:" + "|".join(escaped) + ")")
        if names:
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


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "'’ʼ`\u00ad\u0300\u0301"


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
    result = []
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
        piece = render(text, group, start, end).strip()
        result.append(("…" if start > 0 else "") + piece + ("…" if end < len(text) else ""))
    return result


# -- results ------------------------------------------------------------------


@dataclass
class FacetBucket:
    value: str
    count: int
    selected: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass
class Hit:
    id: str
    score: float | None
    document: dict[str, Any]
    highlights: dict[str, Any] | None = None
    matched: list[dict[str, str]] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "score": self.score,
            "document": self.document,
            "highlights": self.highlights,
        }
        if self.matched is not None:
            data["matched"] = self.matched
        return data


@dataclass
class SearchResult:
    query: str
    total: int
    limit: int
    offset: int
    took_ms: float
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "took_ms": self.took_ms,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [b.to_dict() for b in buckets] for name, buckets in self.facets.items()},
        }


# -- execution ----------------------------------------------------------------


def array_of(bitmap: BitMap) -> np.ndarray:
    return np.frombuffer(bitmap.to_array(), dtype=np.uint32).astype(np.int64)


def top_scored(scored: Scored, allowed: BitMap | None, keep: int) -> list[tuple[float, int]]:
    """The best ``keep`` of ``scored`` within ``allowed``: highest score, then lowest docnum.

    ``allowed``, when given, holds only docnums of ``scored`` (the matches a
    filter lets through), so each is found in the sorted ids by binary search:
    the filter's own size, which can be most of the index, costs nothing here.
    """
    ids, scores = scored.ids, scored.scores
    if allowed is not None and len(ids):
        inside = np.searchsorted(ids, array_of(allowed))
        ids, scores = ids[inside], scores[inside]
    if not len(ids):
        return []
    if len(ids) > keep:
        # Every document scoring at least the keep-th best, so ties are cut by docnum.
        threshold = kth_largest(scores, keep)
        candidates = scores >= threshold
        ids, scores = ids[candidates], scores[candidates]
    order = np.lexsort((ids, -scores))[:keep]
    return [(float(scores[i]), int(ids[i])) for i in order]


#: Scores per chunk whose maximum bounds the k-th best from below.
_CHUNK = 64


def kth_largest(scores: np.ndarray, k: int) -> float:
    """The ``k``-th largest of ``scores`` (1 <= k <= len(scores)).

    Partitioning tens of thousands of scores costs more than the rest of a
    search. The k largest maxima of chunks are k distinct scores, so the k-th
    of them is at most the k-th best overall: only the scores from there up,
    usually a few dozen, are partitioned.
    """
    chunks = len(scores) // _CHUNK
    if chunks >= 4 * k:
        maxima = scores[: chunks * _CHUNK].reshape(chunks, _CHUNK).max(axis=1)
        floor = np.partition(maxima, chunks - k)[chunks - k]
        scores = scores[scores >= floor]
    return float(np.partition(scores, len(scores) - k)[len(scores) - k])


def sort_by_field(view: View, docnums: BitMap, field_name: str, descending: bool, keep: int) -> list[int]:
    """The first ``keep`` of ``docnums`` in the order of a date or keyword field.

    Ties go by docnum; documents without a value come last, by docnum.
    """
    if keep <= 0:
        return []
    ids = array_of(docnums)
    if field_name == "date":
        values = np.frombuffer(view.seconds, dtype=np.int64)[ids]
        present = values != NO_DATE
    else:
        values = view.sort_ranks(field_name)[ids]
        present = values >= 0
    keys = values[present]
    best = _first_by(ids[present], -keys if descending else keys, keep)
    if len(best) < keep:
        best = np.concatenate([best, ids[~present][: keep - len(best)]])
    return [int(d) for d in best]


def _first_by(ids: np.ndarray, keys: np.ndarray, keep: int) -> np.ndarray:
    """The ``keep`` of ``ids`` with the smallest ``keys``, in order; ties by id."""
    if len(keys) > keep:
        cut = np.partition(keys, keep - 1)[keep - 1]
        inside = keys <= cut
        ids, keys = ids[inside], keys[inside]
    return ids[np.lexsort((ids, keys))[:keep]]


def count_facets(
    view: View,
    request: SearchRequest,
    matched: BitMap,
    filter_maps: dict[str, BitMap],
) -> dict[str, list[FacetBucket]]:
    """Disjunctive facet counts: each facet ignores its own filter, not the others."""
    facets: dict[str, list[FacetBucket]] = {}
    for name in request.facets:
        base = matched
        for other, bm in filter_maps.items():
            if other != name:
                base = base & bm
        if name == "date":
            facets[name] = _date_buckets(view, request, base)
            continue
        selected = {v.casefold() for v in request.filters.get(name, ())}
        buckets = []
        for value, bm in view.values.get(name, {}).items():
            count = base.intersection_cardinality(bm)
            if count or value.casefold() in selected:
                buckets.append(FacetBucket(value, count, value.casefold() in selected))
        buckets.sort(key=lambda b: (-b.count, b.value))
        shown = buckets[: request.facet_size]
        # A selected value stays visible even when its count is small.
        shown += [b for b in buckets[request.facet_size :] if b.selected]
        facets[name] = shown
    return facets


def _date_buckets(view: View, request: SearchRequest, base: BitMap) -> list[FacetBucket]:
    codes, labels = view.date_codes(DATE_INTERVALS[request.date_interval])
    of_matches = codes[array_of(base)]
    tally = np.bincount(of_matches[of_matches >= 0], minlength=len(labels))
    counts = {labels[i]: int(c) for i, c in enumerate(tally) if c}
    start = request.date_from
    end = request.date_to
    if len(counts) > request.facet_size:
        # The busiest periods, as other facets show their commonest values; in date order.
        busiest = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: request.facet_size]
        counts = dict(busiest)
    buckets = []
    for label, count in sorted(counts.items()):
        selected = False
        if start is not None or end is not None:
            first = int(dt.datetime.fromisoformat(_pad(label)).replace(tzinfo=dt.UTC).timestamp())
            selected = (start is None or first >= start - _span(label)) and (end is None or first <= end)
        buckets.append(FacetBucket(label, count, selected))
    return buckets


def _pad(label: str) -> str:
    return label + {4: "-01-01", 7: "-01", 10: ""}[len(label)]


def _span(label: str) -> int:
    # How far a bucket reaches past its first day, so a range inside it selects it.
    return {4: 365, 7: 30, 10: 0}[len(label)] * SECONDS_PER_DAY


def stored_document(searcher: Any, docnum: int) -> dict[str, Any]:
    fields = searcher.stored_fields(docnum)
    doc: dict[str, Any] = json.loads(fields["doc"])
    return doc


#: Strongest first: a word that matches in several ways is reported by the first.
MATCH_KINDS = ("exact", "prefix", "inflected", "user", "curated", "gazetteer", "rule", "fuzzy")


def match_kind(term: str) -> str:
    """How an index term came to match: the word itself, or which kind of variant."""
    if not term.startswith(MARKER) or term.startswith("~f:"):
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
    analyzer: NewsAnalyzer, doc: Mapping[str, Any], marks: Highlightable
) -> list[dict[str, str]]:
    """The words of ``doc`` that matched the query, as written, and how each matched."""
    found: dict[tuple[str, str], str] = {}
    for name in TEXT_FIELDS:
        text = doc.get(name) or ""
        if not text:
            continue
        terms = marks.terms.get(name, set())
        stems = marks.stems.get(name, set())
        prefixes = marks.prefixes.get(name, ())
        refine = getattr(analyzer.variants, "match_kind", None)
        for start, end, word_terms in highlight_spans(analyzer, text):
            word = text[start:end]
            kinds = [match_kind(t) for t, _b in word_terms if t in terms]
            if refine is not None:
                # Whether the word is a listed spelling or a misspelling of one (Kramatorskk).
                matched = [t for t, _b in word_terms if t in terms]
                kinds = [refine(word, t, kind) for t, kind in zip(matched, kinds, strict=True)]
            if any(t in stems for t, _b in word_terms) or (
                prefixes and any(word.lower().startswith(p) for p in prefixes)
            ):
                kinds.append("prefix")
            if kinds:
                best = min(kinds, key=MATCH_KINDS.index)
                key = (word, best)
                found.setdefault(key, name)
    return [{"word": word, "why": why, "field": name} for (word, why), name in found.items()]


def highlight_document(
    analyzer: NewsAnalyzer, doc: Mapping[str, Any], marks: Highlightable, request: SearchRequest
) -> dict[str, Any]:
    title = doc.get("title") or ""
    title_html = None
    if title:
        title_html = render(title, mark_spans(title, marks.matches("title", analyzer), marks.finder("title")))
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
        match = marks.matches(name, analyzer)
        spans = mark_spans(text, match, marks.finder(name))
        body_spans.extend((s + cursor, e + cursor) for s, e in spans)
        parts.append(text)
        cursor += len(text)
    text = "".join(parts)
    return {
        "title": title_html,
        "body": fragments(text, body_spans, request.fragments, request.fragment_chars),
    }
