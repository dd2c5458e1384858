"""Whoosh's query objects and parser, as searchsvc builds and reads them.

Everything else builds queries with the constructors here and reads them with
:func:`marked_terms`, so no module outside :mod:`searchsvc.store` names a Whoosh
query class.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from whoosh import query as wq
from whoosh.qparser import GtLtPlugin, MultifieldPlugin, OperatorsPlugin, PlusMinusPlugin, syntax
from whoosh.qparser import QueryParser as WhooshQueryParser
from whoosh.qparser.common import attach
from whoosh.query.compound import BinaryQuery, CompoundQuery
from whoosh.reading import TermNotFound

from ..analysis import iter_words
from ..analysis.filters import MARKER, WRITTEN_PREFIX
from ..documents import FACET_FIELDS, TEXT_FIELDS
from ..errors import InvalidDate, QueryError, QueryTooExpensive, SearchsvcError
from .errors import reads_index
from .snapshot import Snapshot

#: A parsed query.
Query: TypeAlias = wq.Query
#: The query that matches nothing.
NOTHING: Query = wq.NullQuery
#: How the parser hands a word to its expansion: a word, ``prefix*`` or a ``wild?card``.
WORD, PREFIX, WILDCARD = "word", "prefix", "wildcard"
_KIND_OF_CLASS = {wq.Term: WORD, wq.Prefix: PREFIX, wq.Wildcard: WILDCARD}
#: ``expand(fieldname, text, kind, boost)``: the query for one word, or None for Whoosh's own.
Expansion = Callable[[str, str, str, float], "Query | None"]


class _BinaryGroup(syntax.BinaryGroup):  # type: ignore[misc]
    """Whoosh's group of a binary operator, building each side's query once.

    Whoosh's own builds both sides twice, so nested ``ANDNOT``, ``ANDMAYBE``
    or ``REQUIRE`` took time doubling with each level: thirty levels, a few
    hundred characters, took minutes.
    """

    def query(self, parser: Any) -> wq.Query:
        qa = self.nodes[0].query(parser)
        qb = self.nodes[1].query(parser)
        if qa is None and qb is None:
            q = wq.NullQuery
        elif qa is None or qb is None:
            q = qa if qb is None else qb
        else:
            q = self.qclass(qa, qb)
        return attach(q, self)


class _AndNotGroup(_BinaryGroup):
    qclass = wq.AndNot


class _AndMaybeGroup(_BinaryGroup):
    qclass = wq.AndMaybe


class _RequireGroup(_BinaryGroup):
    qclass = wq.Require


_BINARY_GROUPS = {
    syntax.AndNotGroup: _AndNotGroup,
    syntax.AndMaybeGroup: _AndMaybeGroup,
    syntax.RequireGroup: _RequireGroup,
}


class _PlusMinusPlugin(PlusMinusPlugin):  # type: ignore[misc]
    """Whoosh's ``+`` and ``-``, inside parentheses too.

    Whoosh sorts only the top level into required, optional and excluded
    parts, and failed on a ``-`` inside parentheses ("grain (exports -wheat)").
    """

    def do_plusminus(self, parser: Any, group: Any) -> Any:
        return self._sort(group, top=True)

    def _sort(self, group: Any, *, top: bool) -> Any:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self._sort(node, top=False)
        if not top and not any(isinstance(node, (self.Plus, self.Minus)) for node in group):
            return group
        required, banned = syntax.AndGroup(), syntax.OrGroup()
        optional = syntax.AndGroup() if isinstance(group, syntax.AndGroup) else syntax.OrGroup()
        into = optional
        for node in group:
            if isinstance(node, self.Plus):
                into = required
            elif isinstance(node, self.Minus):
                into = banned
            else:
                into.append(node)
                into = optional
        if banned and not required and not optional and not top:
            # "(-wheat)": everything but, as "-wheat" alone means (see compile_query).
            return syntax.NotGroup([banned])
        sorted_group = optional
        if required:
            sorted_group = _AndMaybeGroup([required, sorted_group])
        if banned:
            sorted_group = _AndNotGroup([sorted_group, banned])
        return sorted_group


def _operators() -> OperatorsPlugin:
    """Whoosh's operators, with binary groups that build each side once."""
    plugin = OperatorsPlugin()
    for tagger, _priority in plugin.ops:
        tagger.grouptype = _BINARY_GROUPS.get(tagger.grouptype, tagger.grouptype)
    return plugin


class QueryParser(WhooshQueryParser):  # type: ignore[misc]
    """Whoosh's parser, with variant expansion and case-insensitive facet values."""

    def __init__(self, schema: Any, expand: Expansion | None) -> None:
        super().__init__(None, schema)
        self.replace_plugin(_operators())
        self.add_plugin(MultifieldPlugin(list(TEXT_FIELDS)))
        self.add_plugin(GtLtPlugin())
        # "-" excludes a word only at its start, so "Soviet-era" stays one word.
        self.add_plugin(_PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+", minusexpr=r"(?:^|(?<=[\s(]))-"))
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
            expanded = self.expand(fieldname, " ".join(words), WORD, boost)
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
        kind = _KIND_OF_CLASS.get(termclass)
        if self.expand is not None and kind is not None:
            expanded = self.expand(fieldname, text, kind, boost)
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


class QueryTerm(wq.Term):  # type: ignore[misc]
    """A Whoosh ``Term`` whose boost changes on a shallow copy.

    Whoosh deep-copies a query to change its boost, and its parser does it to
    every term of every nested OR and AND it flattens. A term holds only
    strings and numbers, so a shallow copy is the same query. A subclass of
    our own, so that Whoosh's ``Term`` stays as it is for everyone else.
    """

    def with_boost(self, boost: float) -> wq.Query:
        q = copy.copy(self)
        q.boost = boost
        return q


class VariantPhrase(wq.Phrase):  # type: ignore[misc]
    """A phrase whose words also match their variant spellings.

    ``alternatives[i]`` lists the terms word ``i`` may be indexed as, each with
    its boost: the word's own term at 1.0 first, then its variants, as a
    single variant word's query has them. A position's score is the sum of its
    matching alternatives' scores, as for that word's query. Whoosh's own
    matcher, used only for fields without positions, sees the words alone.
    """

    def __init__(
        self,
        fieldname: str,
        words: list[str],
        alternatives: Sequence[Sequence[tuple[str, float]]],
        slop: int = 1,
        boost: float = 1.0,
        char_ranges: list[tuple[int, int]] | None = None,
        gaps: Sequence[int] | None = None,
    ) -> None:
        super().__init__(fieldname, words, slop=slop, boost=boost, char_ranges=char_ranges)
        self.alternatives = tuple(tuple(a) for a in alternatives)
        #: Positions from each word to the next as the query has them: more
        #: than 1 where stop words stand between ("power of the grid").
        self.gaps = tuple(gaps) if gaps is not None else (1,) * max(len(words) - 1, 0)

    def __eq__(self, other: object) -> bool:
        return (
            bool(super().__eq__(other))
            and self.alternatives == getattr(other, "alternatives", None)
            and self.gaps == getattr(other, "gaps", None)
        )

    def __hash__(self) -> int:
        return int(super().__hash__()) ^ hash(self.alternatives) ^ hash(self.gaps)

    def __repr__(self) -> str:
        return (
            f"VariantPhrase({self.fieldname!r}, {self.alternatives!r}, slop={self.slop}, boost={self.boost})"
        )

    def normalize(self) -> wq.Query:
        kept = [(w, a) for w, a in zip(self.words, self.alternatives, strict=True) if w is not None]
        # A word dropped from the phrase leaves its place to the gap after the previous one.
        gaps: list[int] = []
        since: int | None = None
        for i, word in enumerate(self.words):
            if since is not None:
                since += self.gaps[i - 1]
            if word is not None:
                if since is not None:
                    gaps.append(since)
                since = 0
        if not kept:
            return wq.NullQuery
        if len(kept) == 1:
            # One word left: its word query, variants and all.
            terms = [QueryTerm(self.fieldname, t, boost=self.boost * b) for t, b in kept[0][1]]
            return terms[0] if len(terms) == 1 else wq.Or(terms)
        return VariantPhrase(
            self.fieldname,
            [w for w, _a in kept],
            [a for _w, a in kept],
            slop=self.slop,
            boost=self.boost,
            char_ranges=self.char_ranges,
            gaps=gaps,
        )


class PrefixStem(QueryTerm):
    """The stem a prefix reaches one letter short (``electri*`` finds ``electr``): a prefix match."""


class CombinedFields(wq.Or):  # type: ignore[misc]
    """One term in several text fields, scored as a single BM25F field.

    A plain OR of the fields' terms adds up one saturated BM25 score per field,
    so a word in both title and body counts nearly twice. Here the term's
    frequencies in each field, weighted and normalised by that field's length,
    are added first and saturated once, as BM25F has it. The subqueries are the
    fields' :class:`QueryTerm` objects, so highlighting, limits and Whoosh's own
    matcher read it as the OR it also is.
    """


class TermSet(wq.Query):  # type: ignore[misc]
    """The index terms a prefix, wildcard or term range matched when the query was built.

    It matches what ``pattern`` matches and scores as Whoosh scores such a
    pattern, its boost for each document; evaluation reads the terms' postings
    instead of looking for the terms again in every segment of every search.
    """

    def __init__(self, pattern: wq.Query, terms: Iterable[bytes]) -> None:
        self.pattern = pattern
        self.fieldname = pattern.fieldname
        self.terms = tuple(terms)
        self.boost = pattern.boost

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TermSet) and (self.pattern, self.terms) == (other.pattern, other.terms)

    def __hash__(self) -> int:
        return hash(self.pattern) ^ hash(self.terms)

    def __repr__(self) -> str:
        return f"TermSet({self.pattern!r}, {len(self.terms)} terms)"

    def field(self) -> str:
        return str(self.fieldname)

    def with_boost(self, boost: float) -> wq.Query:
        return TermSet(self.pattern.with_boost(boost), self.terms)

    def estimate_size(self, ixreader: Any) -> int:
        return int(self.pattern.estimate_size(ixreader))

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        return self.pattern.matcher(searcher, context)


# -- building queries ---------------------------------------------------------


def term(fieldname: str, text: str, boost: float = 1.0) -> Query:
    """The documents whose field holds the index term ``text``."""
    return QueryTerm(fieldname, text, boost=boost)


def in_fields(fieldnames: Sequence[str], text: str, boost: float = 1.0) -> Query:
    """The documents holding the index term ``text`` in any of ``fieldnames``, scored as one BM25F field."""
    if len(fieldnames) == 1:
        return term(fieldnames[0], text, boost)
    return CombinedFields([term(name, text) for name in fieldnames], boost=boost)


def phrase(fieldname: str, words: Sequence[str], slop: int = 1, boost: float = 1.0) -> Query:
    """The documents holding the index terms ``words`` in order, each at most ``slop`` after the previous."""
    return wq.Phrase(fieldname, list(words), slop=slop, boost=boost)


def prefix(fieldname: str, text: str, boost: float = 1.0) -> Query:
    """The documents whose field holds a term starting with ``text``."""
    return wq.Prefix(fieldname, text, boost=boost)


def wildcard(fieldname: str, pattern: str, boost: float = 1.0) -> Query:
    """The documents whose field holds a term matching ``pattern``: ``*`` any letters, ``?`` one."""
    return wq.Wildcard(fieldname, pattern, boost=boost)


def written_words(fieldname: str, pattern: str, boost: float = 1.0) -> Query:
    """The documents whose field holds a word as written (lowercase, accents folded)
    that matches the wildcard ``pattern``."""
    body = pattern.rstrip("*")
    if body and not _WILDCARD_CHARS.search(body):
        return wq.Prefix(fieldname, WRITTEN_PREFIX + body, boost=boost)
    return wq.Wildcard(fieldname, WRITTEN_PREFIX + pattern, boost=boost)


def but_not(q: Query, excluded: Query) -> Query:
    """The documents of ``q`` that ``excluded`` does not match, scored as in ``q``."""
    return wq.AndNot(q, excluded)


_WILDCARD_CHARS = re.compile(r"[*?\[]")


def prefix_stem(fieldname: str, stem: str, boost: float = 1.0) -> Query:
    """The stem ``stem`` that a prefix one letter longer reaches (see :class:`PrefixStem`)."""
    return PrefixStem(fieldname, stem, boost=boost)


def any_of(queries: Sequence[Query]) -> Query:
    """Documents matching any of ``queries``, scored by the sum of those they match."""
    return queries[0] if len(queries) == 1 else wq.Or(list(queries))


def scaled_query(q: Query, boost: float) -> Query:
    """``q`` with every score it gives multiplied by ``boost``."""
    if boost == 1.0:
        return q
    # A shallow copy: Whoosh's with_boost deep-copies the whole tree.
    new = copy.copy(q)
    new.boost = q.boost * boost
    return new


def optional_of(required: Query, optional: Query) -> Query:
    """The documents matching ``required``, scored higher by ``optional`` where it matches too."""
    return wq.AndMaybe(required, optional)


def all_of(queries: Sequence[Query]) -> Query:
    """Documents matching all of ``queries``."""
    return queries[0] if len(queries) == 1 else wq.And(list(queries))


def is_nothing(q: Query | None) -> bool:
    return q is NOTHING or isinstance(q, wq.qcore._NullQuery)


_TOO_DEEP = "the query nests parentheses or operators too deeply"


def parse(parser: QueryParser, text: str) -> Query:
    """``text`` parsed by Whoosh's parser, :data:`NOTHING` when nothing is left of it."""
    try:
        parsed = parser.parse(text)
    except SearchsvcError:
        raise
    except RecursionError:
        raise QueryError(_TOO_DEEP) from None
    except (ValueError, TypeError, OverflowError):
        # Whoosh's date parsing fails this way on a malformed date.
        if "date" in text or re.search(r"\d{4}", text):
            raise InvalidDate("a date in the query is not ISO 8601 (YYYY-MM-DD)") from None
        raise QueryError("the query cannot be parsed") from None
    except Exception:
        raise QueryError("the query cannot be parsed") from None
    return NOTHING if is_nothing(parsed) else parsed


# -- reading queries ----------------------------------------------------------

#: What :func:`marked_terms` reports: index terms, stems reached by a prefix,
#: prefixes, and wildcards (on words as written, lowercase and accents folded).
TERMS, STEMS, PREFIXES, PATTERNS = "terms", "stems", "prefixes", "patterns"


def marked_terms(q: Query | None) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """The positive leaves of ``q``, for highlighting: ``(what, fieldname, texts)``.

    ``what`` is :data:`TERMS`, :data:`STEMS`, :data:`PREFIXES` or :data:`PATTERNS`. Excluded
    words (``NOT``, ``-``) are left out: they never match a hit.
    """
    if q is None or isinstance(q, wq.Not):
        return
    if isinstance(q, wq.AndNot):
        yield from marked_terms(q.a)
    elif isinstance(q, TermSet):
        yield from marked_terms(q.pattern)
    elif isinstance(q, PrefixStem):
        yield STEMS, q.fieldname, (q.text,)
    elif isinstance(q, wq.Term):
        yield TERMS, q.fieldname, (q.text,)
    elif isinstance(q, VariantPhrase):
        yield TERMS, q.fieldname, tuple(t for alts in q.alternatives for t, _b in alts)
    elif isinstance(q, wq.Phrase):
        yield TERMS, q.fieldname, tuple(q.words)
    elif isinstance(q, wq.Prefix):
        yield PREFIXES, q.fieldname, (q.text.removeprefix(WRITTEN_PREFIX),)
    elif isinstance(q, wq.Wildcard) and q.text.startswith(WRITTEN_PREFIX):
        yield PATTERNS, q.fieldname, (q.text.removeprefix(WRITTEN_PREFIX),)
    elif isinstance(q, wq.Wildcard):
        stem = re.split(r"[*?]", q.text, maxsplit=1)[0]
        if stem:
            yield PREFIXES, q.fieldname, (stem,)
    elif not q.is_leaf():
        for child in q.children():
            yield from marked_terms(child)


def scored_terms(q: Query | None) -> Iterator[tuple[str, str]]:
    """The ``(field, term)`` pairs whose document frequencies ``q``'s scores depend on.

    Patterns (prefixes, wildcards, ranges) score a constant and need none; the
    stem a prefix reaches (:class:`PrefixStem`) scores as the term it is.
    """
    if q is None:
        return
    if isinstance(q, VariantPhrase):
        for alternatives in q.alternatives:
            for text, _boost in alternatives:
                yield q.fieldname, text
    elif isinstance(q, wq.Phrase):
        for word in q.words:
            yield q.fieldname, word
    elif isinstance(q, TermSet):
        return
    elif isinstance(q, wq.Term):
        yield q.fieldname, q.text
    elif not q.is_leaf():
        for child in q.children():
            yield from scored_terms(child)


# -- bounding queries ---------------------------------------------------------


@dataclass(frozen=True)
class QueryLimits:
    """How much of the index one query may read; each is the setting of the same name."""

    max_expansion_terms: int
    max_scanned_terms: int
    max_query_terms: int
    max_query_phrases: int


@dataclass
class _Tally:
    """What a query has read so far while it is expanded."""

    limits: QueryLimits
    terms: int = 0
    scanned: int = 0
    phrases: set[tuple[Any, ...]] = field(default_factory=set)

    def add_terms(self, count: int) -> None:
        self.terms += count
        limit = self.limits.max_query_terms
        if self.terms > limit:
            raise QueryTooExpensive(
                f"the query reads more than {limit} index terms once its words, prefixes, wildcards and "
                f"spellings are expanded in each field it searches (max_query_terms is {limit}); "
                "use fewer words or longer prefixes",
                setting="max_query_terms",
                limit=limit,
            )

    def add_phrase(self, key: tuple[Any, ...]) -> None:
        self.phrases.add(key)
        limit = self.limits.max_query_phrases
        if len(self.phrases) > limit:
            raise QueryTooExpensive(
                f"the query has more than {limit} phrases (max_query_phrases is {limit})",
                setting="max_query_phrases",
                limit=limit,
            )

    def scan(self, q: wq.Wildcard, fieldname: str) -> None:
        self.scanned += 1
        limit = self.limits.max_scanned_terms
        if self.scanned > limit:
            start = _literal_start(q).removeprefix(WRITTEN_PREFIX)
            where = (
                f"{_shown(q)} has no letters before its first * or ?, so it looks through every term of "
                f"{fieldname}; type some first"
                if not start
                else "type more letters before the first * or ?"
            )
            raise QueryTooExpensive(
                f"the query's wildcards look through more than {limit} index terms "
                f"(max_scanned_terms is {limit}): {where}",
                setting="max_scanned_terms",
                limit=limit,
            )


def expand_within(q: Query | None, snapshot: Snapshot, limits: QueryLimits) -> Query | None:
    """``q`` with each prefix, wildcard and term range replaced by the :class:`TermSet` it matches.

    Raises :class:`~searchsvc.errors.QueryTooExpensive` naming the limit when
    one pattern matches more than ``max_expansion_terms`` terms of its field,
    the wildcards look through more than ``max_scanned_terms``, the query reads
    more than ``max_query_terms`` terms in all, or has more than
    ``max_query_phrases`` phrases. The counting stops at the first limit passed.
    """
    if q is None or is_nothing(q):
        return q
    readers = [part.reader for part in snapshot.segments()]
    tally = _Tally(limits)

    def visit(node: Query) -> Query:
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.TermRange)):
            expanded = TermSet(node, _matching_terms(node, readers, tally))
            tally.add_terms(len(expanded.terms))
            return expanded
        if isinstance(node, VariantPhrase):
            tally.add_phrase((tuple(node.words), node.slop))
            tally.add_terms(sum(len(a) for a in node.alternatives))
        elif isinstance(node, wq.Phrase):
            tally.add_phrase((tuple(node.words), node.slop))
            tally.add_terms(len(node.words))
        elif isinstance(node, (wq.Every, wq.qcore._NullQuery)):
            pass
        elif node.is_leaf():
            tally.add_terms(1)
        else:
            return _with_children(node, visit)
        return node

    try:
        return visit(q)
    except RecursionError:
        # Deeper than Python's stack, as Whoosh's parser may just have managed.
        raise QueryError(_TOO_DEEP) from None


def _with_children(q: Query, fn: Callable[[Query], Query]) -> Query:
    """``q`` with ``fn`` applied to its children: ``q`` itself when none changes."""
    if isinstance(q, wq.Not):
        child = fn(q.query)
        if child is q.query:
            return q
        new = copy.copy(q)
        new.query = child
        return new
    if isinstance(q, wq.WrappingQuery):
        child = fn(q.child)
        if child is q.child:
            return q
        new = copy.copy(q)
        new.child = child
        return new
    if isinstance(q, CompoundQuery):
        children = [fn(c) for c in q.subqueries]
        if all(new is old for new, old in zip(children, q.subqueries, strict=True)):
            return q
        new = copy.copy(q)
        if isinstance(q, BinaryQuery):
            new.a, new.b = children
            new.subqueries = tuple(children)
        else:
            new.subqueries = children
        return new
    return q.apply(fn)


#: How the analysis's own terms start, as the bytes of an index term.
INTERNAL_MARKER = MARKER.encode("utf-8")
#: How the words as written start, the only internal terms a pattern may reach.
WRITTEN_MARKER = WRITTEN_PREFIX.encode("utf-8")


@reads_index
def _matching_terms(q: wq.Query, readers: Sequence[Any], tally: _Tally) -> tuple[bytes, ...]:
    """The index terms ``q`` matches in any of ``readers``, sorted."""
    most = tally.limits.max_expansion_terms
    found: set[bytes] = set()
    fieldname = q.fieldname
    # A text field also holds the analysis's own terms (variant keys, groups, skeletons):
    # no pattern may reach them, or "*kiv" would find Kyiv through its key "~k:kiv".
    # Only a pattern on the words as written reaches those, and nothing else.
    hidden = INTERNAL_MARKER if fieldname in TEXT_FIELDS else None
    written = hidden is not None and _is_written(q)
    for reader in readers:
        try:
            if isinstance(q, wq.Wildcard):
                candidates = _wildcard_terms(q, reader, tally)
            else:
                candidates = q._btexts(reader)
            for btext in candidates:
                if written:
                    if not btext.startswith(WRITTEN_MARKER):
                        continue
                elif hidden is not None and btext.startswith(hidden):
                    continue
                found.add(btext)
                if len(found) > most:
                    raise QueryTooExpensive(
                        f"{_shown(q)} matches more than {most} terms in {fieldname} "
                        f"(max_expansion_terms is {most}); {_narrower(q)}",
                        setting="max_expansion_terms",
                        limit=most,
                    )
        except TermNotFound:
            continue  # a field this segment has no terms in
    return tuple(sorted(found))


def _wildcard_terms(q: wq.Wildcard, reader: Any, tally: _Tally) -> Iterator[bytes]:
    """The terms of one segment ``q`` matches, each term looked through counted in ``tally``."""
    # fnmatch's pattern, which compiles whatever the text (an empty range matches nothing).
    pattern = re.compile(q._get_pattern())
    start = _literal_start(q)
    fieldname = q.fieldname
    candidates = reader.expand_prefix(fieldname, start) if start else reader.lexicon(fieldname)
    from_bytes = reader.schema[fieldname].from_bytes
    for btext in candidates:
        tally.scan(q, fieldname)
        text = from_bytes(btext)
        if isinstance(text, str) and pattern.match(text):
            yield btext


def _is_written(q: wq.Query) -> bool:
    return isinstance(q, (wq.Prefix, wq.Wildcard)) and str(q.text).startswith(WRITTEN_PREFIX)


def _literal_start(q: wq.Wildcard) -> str:
    """The letters of a wildcard before its first ``*``, ``?`` or ``[``."""
    return str(re.split(r"[*?\[]", q.text, maxsplit=1)[0])


def _shown(q: wq.Query) -> str:
    if isinstance(q, wq.TermRange):
        return f"[{q.start or '*'} TO {q.end or '*'}]"
    text = str(q.text).removeprefix(WRITTEN_PREFIX)
    return f"{text}*" if isinstance(q, wq.Prefix) else text


def _narrower(q: wq.Query) -> str:
    if isinstance(q, wq.TermRange):
        return "narrow the range"
    return "type more letters before the * or ?"
