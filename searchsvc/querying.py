"""Query building: from the text a user typed to a query, with every spelling of each name.

:class:`QueryBuilder` applies the query language's own rules (quotes, date
clauses, checks Whoosh would let pass), has the parser of
:mod:`searchsvc.store.query` parse the rest, and expands each word on the way:
facet values match ignoring case, and names match their variant spellings.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import functools
import re
import threading
from typing import Any

from .analysis import WRITTEN_MARK, NewsAnalyzer, VariantSource, iter_words, written_form
from .analysis.languages import analysis_language
from .analysis.variants import GROUP_PREFIX
from .documents import FACET_FIELDS, QUERY_FIELDS, TEXT_FIELD_BOOSTS, TEXT_FIELDS, parse_date
from .errors import InvalidDate, QueryError, QueryTooExpensive, UnknownField
from .facets import View
from .settings import Settings
from .store.query import (
    NOTHING,
    PREFIX,
    WILDCARD,
    WORD,
    Query,
    QueryLimits,
    QueryParser,
    VariantPhrase,
    all_of,
    any_of,
    but_not,
    expand_within,
    in_fields,
    is_nothing,
    parse,
    prefix,
    prefix_stem,
    term,
    wildcard,
    written_words,
)
from .store.snapshot import Snapshot

#: The boost of a name reached through a language's spelling or case form, as of a case form.
BOOST_FOREIGN = 0.9
#: Parsed queries kept per view of the index (a few MiB at most).
PARSED_QUERIES = 4096
#: Longest word that may be a name with variant spellings (the longest place names have about 60 letters).
NAME_CHARS = 100

_FIELD_REF = re.compile(r"(?<![\w\\])([^\W\d][\w.-]*):(?=\S)")
_OPERATOR = re.compile(r"^(AND|OR|ANDNOT|ANDMAYBE)$")
#: A field named with nothing after its colon: Whoosh would search for the field's name.
_EMPTY_FIELD_REF = re.compile(r"(?<![\w\\])([^\W\d][\w.-]*):(?=\s|\)|$)")


def check_query_syntax(text: str) -> None:
    """Reject what Whoosh would silently turn into something else."""
    # A phrase counts as a word: 'a OR "b c" OR d' has no two operators in a row.
    outside = re.sub(r'"[^"]*"', " phrase ", text)
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
    for empty in _EMPTY_FIELD_REF.finditer(re.sub(r'"[^"]*"', "phrase", text)):
        name = empty.group(1)
        # Only a field's own name: "Breaking: Kyiv" pasted from a headline stays words.
        if name in QUERY_FIELDS:
            raise QueryError(f"{name}: needs a value right after the colon, as in {name}:word")
    words = outside.replace("(", " ").replace(")", " ").split()
    if words and (_OPERATOR.match(words[0]) or _OPERATOR.match(words[-1]) or words[-1] == "NOT"):
        raise QueryError("the query starts or ends with an operator (AND, OR, NOT)")
    for left, right in zip(words, words[1:], strict=False):
        if (_OPERATOR.match(left) and _OPERATOR.match(right)) or (left == "NOT" and right in ("NOT", "-")):
            raise QueryError(f"the query has two operators in a row: {left} {right}")


def compile_query(parser: QueryParser, text: str) -> Query | None:
    """The query for ``text``, or None for "every document"."""
    if not text or text == "*":
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (half of a UTF-16 pair) reached Whoosh as a term and broke it.
        raise QueryError("the query is not valid Unicode: it has half of a surrogate pair") from None
    # Quotes pasted from news text (“…”, «…», „…“) are phrase quotes.
    text = text.translate(_QUOTES)
    # Whoosh reads no slop of 0 (it searches the word "0"); the words side by side are slop 1.
    text = _SLOP_ZERO.sub('"~1', text)
    check_query_syntax(text)
    text, parser.date_ranges = take_date_clauses(text)
    parsed = parse(parser, text)
    if is_nothing(parsed):
        if re.search(r"date:", text):
            raise InvalidDate("a date in the query is not ISO 8601 (YYYY-MM-DD)")
        if _MINUS.search(text):
            # Only exclusions: "-grain" means what "NOT grain" means, everything without it.
            return compile_query(parser, _MINUS.sub(r"\1NOT ", text))
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


class QueryBuilder:
    """Turns query text into a query over one view of the index, and remembers it there.

    ``settings`` gives the limits of what one query may read (``max_expansion_terms``,
    ``max_scanned_terms``, ``max_query_terms``, ``max_query_phrases``).
    """

    def __init__(
        self,
        analyzer: NewsAnalyzer,
        variants: VariantSource | None,
        schema: Any,
        settings: Settings | None = None,
    ) -> None:
        self.analyzer = analyzer
        self.variants = variants
        self.schema = schema
        settings = settings or Settings()
        self.limits = QueryLimits(
            max_expansion_terms=settings.max_expansion_terms,
            max_scanned_terms=settings.max_scanned_terms,
            max_query_terms=settings.max_query_terms,
            max_query_phrases=settings.max_query_phrases,
        )
        self._parsers = threading.local()

    def build(self, text: str, view: View, snapshot: Snapshot, mode: str = "all") -> Query | None:
        """The query for ``text``: None for every document, :data:`NOTHING` for none.

        ``mode`` ``all`` reads the query language, every word required; ``any``
        reads plain words, any of which may match (see :meth:`any_word`).
        Raises :class:`~searchsvc.errors.QueryTooExpensive` when it would read
        more of the index than the limits allow.
        """
        key = text if mode == "all" else (mode, text)
        try:
            found = view.queries[key]
        except KeyError:
            pass
        else:
            if isinstance(found, QueryTooExpensive):
                # Refused before: looking through the terms again would cost as much.
                raise QueryTooExpensive(found.message, **found.details)
            return found  # type: ignore[no-any-return]

        # The languages the view's documents are in, read once for every word of the query.
        languages = languages_of(view)

        def expand(fieldname: str, word: str, kind: str, boost: float) -> Query | None:
            if kind == WORD:
                return self.word(view, fieldname, word, boost, languages)
            if kind in (PREFIX, WILDCARD) and fieldname in FACET_FIELDS:
                return value_pattern(
                    view, fieldname, word, kind == PREFIX, boost, self.limits.max_expansion_terms
                )
            if kind in (PREFIX, WILDCARD) and fieldname in TEXT_FIELD_BOOSTS:
                pattern = word + "*" if kind == PREFIX else word
                found = text_pattern(snapshot, fieldname, pattern, boost)
                name = self.name_of_prefix(fieldname, word, boost) if kind == PREFIX else None
                return found if name is None else any_of([found, name])
            return None

        parser = self._parser(expand)
        parser.expand_phrase = functools.partial(self.phrase, languages=languages)
        try:
            if mode == "any":
                q = expand_within(self.any_word(text, languages), snapshot, self.limits)
            else:
                q = expand_within(compile_query(parser, text), snapshot, self.limits)
        except QueryTooExpensive as exc:
            # A copy without the traceback, whose frames hold this search's snapshot.
            self._remember(view, key, QueryTooExpensive(exc.message, **exc.details))
            raise
        finally:
            # The expansion holds this search's snapshot: the idle parser must not.
            parser.expand = None
        self._remember(view, key, q)
        return q

    @staticmethod
    def _remember(view: View, key: str | tuple[str, str], built: Query | QueryTooExpensive | None) -> None:
        if len(view.queries) >= PARSED_QUERIES:
            view.queries.clear()
        view.queries[key] = built

    def any_word(self, text: str, languages: tuple[str, ...] = ()) -> Query | None:
        """Plain ``text`` as a query any of its words may match, each in every text field.

        Nothing in it is syntax, so a question pasted whole never fails to parse.
        Scores add up over the words a document matches, so more matched words,
        and rarer ones, rank higher. Stop words match nothing; a text of nothing
        else matches nothing, and an empty one every document.
        """
        if not text.strip():
            return None
        clauses = []
        for _start, _end, word, _joined in iter_words(text, joined=False):
            base = [t for t, _b in self.analyzer.word_terms(word, "query")]
            if base:
                # Each spelling of the word is one BM25F term over all text fields.
                alternatives = self.alternatives(base[0], word, languages)
                clauses.append(any_of([in_fields(TEXT_FIELDS, t, b) for t, b in alternatives]))
        return any_of(clauses) if clauses else NOTHING

    def _parser(self, expand: Any) -> QueryParser:
        # Building Whoosh's parser and its plugins costs a good part of a parse;
        # one per thread is reused, with this search's expansion.
        parser: QueryParser | None = getattr(self._parsers, "parser", None)
        if parser is None:
            parser = self._parsers.parser = QueryParser(self.schema, None)
        parser.expand = expand
        return parser

    def word(
        self, view: View, fieldname: str, text: str, boost: float, languages: tuple[str, ...] = ()
    ) -> Query | None:
        """The query for one word: facet values ignore case, names get their variants, and
        words their stems in each of ``languages`` too."""
        if fieldname in FACET_FIELDS:
            if fieldname == "places" and self.variants is not None:
                text = self.variants.canonical_place(text) or text
            values = view.resolve(fieldname, text)
            if not values:
                return term(fieldname, text, boost)
            return any_of([term(fieldname, v, boost) for v in values])
        if fieldname not in TEXT_FIELD_BOOSTS:
            return None
        words = [w for _s, _e, w, _j in iter_words(text, joined=False)]
        per_word = [self._word_query(fieldname, w, boost, languages) for w in words]
        clauses = [q for q in per_word if q is not None]
        if not clauses:
            return None
        # A hyphenated or otherwise split word must match as its parts in order.
        return all_of(clauses)

    def phrase(
        self,
        fieldname: str,
        words: list[str],
        written: list[str],
        slop: int,
        boost: float,
        char_ranges: list[tuple[int, int]],
        languages: tuple[str, ...] = (),
    ) -> Query | None:
        """A phrase in which names match in any spelling and words in each of ``languages``,
        or None when no word has another term than its own."""
        if fieldname not in TEXT_FIELD_BOOSTS or len(written) != len(words):
            return None
        alternatives = [
            self.alternatives(word, as_written, languages)
            for word, as_written in zip(words, written, strict=True)
        ]
        if all(len(a) == 1 for a in alternatives):
            return None
        return VariantPhrase(fieldname, words, alternatives, slop=slop, boost=boost, char_ranges=char_ranges)

    def _word_query(
        self, fieldname: str, word: str, boost: float, languages: tuple[str, ...]
    ) -> Query | None:
        base = [t for t, _b in self.analyzer.word_terms(word, "query")]
        if not base:
            return None
        alternatives = self.alternatives(base[0], word, languages)
        return any_of([term(fieldname, t, boost * b) for t, b in alternatives])

    def name_of_prefix(self, fieldname: str, text: str, boost: float) -> Query | None:
        """``Sloviansk*`` reaches every spelling of the name ``Sloviansk``, as the word itself
        does (a prefix shorter than a name reaches no name: only its own words as written)."""
        if self.variants is None or not 0 < len(text) <= NAME_CHARS:
            return None
        spellings = self.variants.query_terms(text)
        if not spellings:
            return None
        return any_of([term(fieldname, t, boost * b) for t, b in spellings])

    def alternatives(
        self, indexed: str, written: str, languages: tuple[str, ...] = ()
    ) -> list[tuple[str, float]]:
        """The terms a query word may match, with their boosts: its own ``indexed``
        term at 1.0, its stem in each of ``languages`` at 1.0 (documents in those
        languages hold no other), then the variants of the word as ``written``.

        A word longer than any name (:data:`NAME_CHARS`) has no variants: looking
        for them costs time growing with the square of its length.
        """
        found = {indexed: 1.0}
        variants: list[tuple[str, float]] = []
        foreign = None
        if self.variants is not None and 0 < len(written) <= NAME_CHARS:
            variants = list(self.variants.query_terms(written))
            foreign = getattr(self.variants, "foreign_terms", None)
        # A name is looked for as the name in other languages, never by its stem there,
        # which ordinary words share (Crimée and crime, Kijowie and kijów: of sticks).
        named = any(text.startswith(GROUP_PREFIX) for text, _boost in variants)
        for language in languages:
            # The name this language's spelling or case form leads to (Kijowie, Kyjevě).
            names = foreign(written, language) if foreign is not None else ()
            for text in names:
                found.setdefault(text, BOOST_FOREIGN)
            if not names and not named:
                for text, boost in self.analyzer.word_terms(written, "query", language):
                    found.setdefault(text, boost)
        for text, boost in variants:
            found.setdefault(text, boost)
        return list(found.items())


def languages_of(view: View) -> tuple[str, ...]:
    """The languages analysed apart from the default that documents of ``view`` are in."""
    found = {analysis_language(value) for value in view.values.get("lang", {})}
    return tuple(sorted(language for language in found if language is not None))


def value_pattern(
    view: View, fieldname: str, text: str, is_prefix: bool, boost: float, most: int | None = None
) -> Query:
    """``source:bbc*``: the field's values that start with (or match) the pattern, ignoring case.

    Raises :class:`~searchsvc.errors.QueryTooExpensive` when more than ``most`` values match.
    """
    folded = text.casefold()
    if is_prefix:
        values = [v for v in view.values.get(fieldname, {}) if v.casefold().startswith(folded)]
    else:
        values = [v for v in view.values.get(fieldname, {}) if fnmatch.fnmatchcase(v.casefold(), folded)]
    if not values:
        return NOTHING
    if most is not None and len(values) > most:
        shown = f"{fieldname}:{text}{'*' if is_prefix else ''}"
        raise QueryTooExpensive(
            f"{shown} matches more than {most} values (max_expansion_terms is {most}); "
            "type more letters before the * or ?",
            setting="max_expansion_terms",
            limit=most,
        )
    return any_of([term(fieldname, v, boost) for v in sorted(values)])


def text_pattern(snapshot: Snapshot, fieldname: str, pattern: str, boost: float) -> Query:
    """A wildcard (``electricit*``, ``*tricity``, ``electri?ity``) on a text field:
    the documents with a word as written that it matches, in any letter case.

    A document indexed before words as written were has only stems, so there the
    pattern runs on the stems, as it always did.
    """
    folded = written_form(pattern)
    is_prefix = folded.endswith("*") and not any(c in folded[:-1] for c in "*?[")
    if is_prefix and len(folded) < 3:
        raise QueryError(f"a prefix needs at least two letters: {pattern}")
    found = written_words(fieldname, folded, boost)
    if snapshot.every_value_holds(fieldname, WRITTEN_MARK):
        return found
    if is_prefix:
        older = stem_prefix(snapshot, fieldname, folded[:-1], boost)
    else:
        older = wildcard(fieldname, folded, boost)
    return any_of([found, but_not(older, term(fieldname, WRITTEN_MARK))])


def stem_prefix(snapshot: Snapshot, fieldname: str, start: str, boost: float) -> Query:
    """``electri*`` on stems must find "electricity", whose indexed stem is ``electr``.

    Besides the stems that start with the prefix, the stems that the prefix
    itself starts with, one letter short of it, match too, when that letter is
    one Snowball drops or rewrites at the end of a stem (e, i, y).
    """
    clauses = [prefix(fieldname, start, boost)]
    stem = start[:-1]
    if start[-1] in "eiy" and len(stem) >= 3 and snapshot.has_term(fieldname, stem):
        clauses.append(prefix_stem(fieldname, stem, boost))
    return any_of(clauses)
