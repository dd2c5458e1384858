"""The embedding API: :class:`SearchEngine`, the one object everything else adapts.

``SearchEngine(path)`` works on an index folder; ``SearchEngine.in_memory()``
keeps everything in memory. Writes are buffered and become visible at
:meth:`SearchEngine.commit`. Many threads may search while one writes.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyroaring import BitMap
from whoosh import query as wq
from whoosh.searching import Searcher

from .analysis import NewsAnalyzer, fold_accents, iter_words
from .documents import normalize_document
from .errors import EngineClosed, InvalidDocument, InvalidInput, NotFound, QueryError, SearchsvcError
from .facets import FacetCache, View, bitmap_from
from .index import (
    FACET_FIELDS,
    FORMAT_VERSION,
    TEXT_FIELD_BOOSTS,
    IndexStore,
    build_schema,
    to_index_fields,
    whoosh_errors,
    writing,
)
from .scoring import ArrayCache, QueryTerm, VariantPhrase
from .search import (
    Highlightable,
    Hit,
    PrefixStem,
    QueryParser,
    SearchRequest,
    SearchResult,
    compile_query,
    count_facets,
    explain_matches,
    highlight_document,
    sort_by_field,
    stored_document,
    top_scored,
)
from .settings import Settings
from .writer import parallel_available, write_parallel

#: How often a searcher checks for commits made by other processes (another
#: server worker, the CLI): at every search, which costs one directory listing.
EXTERNAL_CHECK_SECONDS = 0.0
#: Parsed queries kept per view of the index (a few MiB at most).
PARSED_QUERIES = 4096


@dataclass
class Rejection:
    """A document that was not accepted, and why."""

    reason: str
    id: str | None = None
    source: str | None = None
    line: int | None = None
    #: Position in a JSON array, counted from 0.
    index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "source": self.source,
            "line": self.line,
            "index": self.index,
        }


@dataclass
class WriteSummary:
    """What a write did: counts, and the reason for each rejection."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.added + self.updated

    def merge(self, other: WriteSummary) -> None:
        self.added += other.added
        self.updated += other.updated
        self.deleted += other.deleted
        self.rejected += other.rejected
        self.rejections.extend(other.rejections)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "added": self.added,
            "updated": self.updated,
            "deleted": self.deleted,
            "rejected": self.rejected,
            "rejections": [r.to_dict() for r in self.rejections],
        }


class _Pooled:
    __slots__ = ("searcher", "index_token", "checked")

    def __init__(self, searcher: Searcher, index_token: int) -> None:
        self.searcher = searcher
        self.index_token = index_token
        self.checked = time.monotonic()


class SearchEngine:
    """A search index of news documents, with writing and searching.

    :param path: the index folder (created when missing and ``create`` is true),
        or None for an index in memory.
    :param settings: limits and highlighting defaults; see :mod:`searchsvc.settings`.
    :param variants: an object giving transliteration variants (see
        :mod:`searchsvc.analysis.variants`); ``"default"`` loads the shipped
        gazetteer, None turns variant matching off.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        settings: Settings | None = None,
        variants: Any = "default",
        create: bool = True,
    ) -> None:
        self.settings = settings or Settings()
        self.path = path
        if variants == "default":
            variants = _load_variants(self.settings.variants_file)
        self.variants = variants
        self.analyzer = NewsAnalyzer(variants, variants_file=self.settings.variants_file)
        # Load the stemmers now rather than in the first search.
        self.analyzer.word_terms("searching")
        self.schema = build_schema(self.analyzer)
        self._store = IndexStore(path, self.schema)
        self._ix = self._store.open(create=create)
        self._index_token = 0
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._idle: list[_Pooled] = []
        self._pending: dict[str, dict[str, Any] | None] = {}
        self._facets = FacetCache()
        self._arrays = ArrayCache()
        self._parsers = threading.local()
        self._closed = False
        self._last_commit: float | None = self._toc_time()

    @classmethod
    def in_memory(cls, *, settings: Settings | None = None, variants: Any = "default") -> SearchEngine:
        """An engine whose index lives in memory: for tests and embedding."""
        return cls(None, settings=settings, variants=variants)

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> SearchEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit pending writes and release the index."""
        if self._closed:
            return
        try:
            self.commit()
        finally:
            self._closed = True
            with self._lock:
                for pooled in self._idle:
                    pooled.searcher.close()
                self._idle.clear()

    def _check_open(self) -> None:
        if self._closed:
            raise EngineClosed("the search engine is closed")

    # -- searchers ---------------------------------------------------------

    def _checkout(self) -> _Pooled:
        self._check_open()
        with self._lock:
            if self._store.swapped():
                with whoosh_errors("open the index"):
                    self._ix = self._store.open(create=False)
                self._index_token += 1
            if self._idle and self._idle[0].index_token != self._index_token:
                self._drop_stale()
            pooled = self._idle.pop() if self._idle else None
            token = self._index_token
            ix = self._ix
        with whoosh_errors("search the index"):
            if pooled is None or pooled.index_token != token:
                if pooled is not None:
                    pooled.searcher.close()
                return _Pooled(ix.searcher(), token)
            now = time.monotonic()
            if now - pooled.checked > EXTERNAL_CHECK_SECONDS or pooled.searcher._ix is not ix:
                pooled.checked = now
                if not pooled.searcher.up_to_date():
                    pooled.searcher = pooled.searcher.refresh()
        return pooled

    def _drop_stale(self) -> None:
        # Idle searchers of a replaced generation would keep its segment files
        # open until each was checked out again; close them all at once.
        # The caller holds _lock.
        for pooled in self._idle:
            if pooled.index_token != self._index_token:
                pooled.searcher.close()
        self._idle = [p for p in self._idle if p.index_token == self._index_token]

    def _checkin(self, pooled: _Pooled) -> None:
        with self._lock:
            if self._closed or pooled.index_token != self._index_token:
                pooled.searcher.close()
            else:
                self._idle.append(pooled)

    def _invalidate(self) -> None:
        # After our own commit every pooled searcher must look again at once.
        with self._lock:
            for pooled in self._idle:
                pooled.checked = 0.0

    # -- writing -----------------------------------------------------------

    def add(
        self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any], *, strict: bool = False
    ) -> WriteSummary:
        """Stage documents; a document whose id exists replaces it at commit.

        Invalid documents are counted and described in the summary (or raise
        :class:`~searchsvc.errors.InvalidDocument` with ``strict``).
        """
        self._check_open()
        if isinstance(docs, Mapping):
            docs = [docs]
        summary = WriteSummary()
        staged: list[dict[str, Any]] = []
        for raw in docs:
            doc = self._accept(raw, summary, strict)
            if doc is not None:
                staged.append(doc)
        if not staged:
            return summary
        existing = self._existing_ids([d["id"] for d in staged])
        with self._write_lock:
            for doc in staged:
                doc_id = doc["id"]
                if doc_id in existing or self._pending.get(doc_id) is not None:
                    summary.updated += 1
                else:
                    summary.added += 1
                existing.add(doc_id)
                self._pending[doc_id] = doc
        return summary

    def _accept(self, raw: Any, summary: WriteSummary, strict: bool) -> dict[str, Any] | None:
        """``raw`` in canonical form, or None with the rejection counted in ``summary``."""
        try:
            return normalize_document(raw, max_field_length=self.settings.max_field_length)
        except InvalidInput as exc:
            if strict:
                raise
            raw_id = raw.get("id") if isinstance(raw, Mapping) else None
            summary.rejected += 1
            summary.rejections.append(Rejection(exc.message, str(raw_id) if raw_id is not None else None))
            return None

    def delete(self, ids: Iterable[str] | str) -> int:
        """Stage deletions by id; returns how many of the ids exist."""
        self._check_open()
        id_list = [ids] if isinstance(ids, str) else [str(i) for i in ids]
        existing = self._existing_ids(id_list)
        found = 0
        with self._write_lock:
            for doc_id in id_list:
                if doc_id in existing or self._pending.get(doc_id) is not None:
                    found += 1
                self._pending[doc_id] = None
        return found

    @property
    def pending(self) -> int:
        """Writes staged and not yet committed."""
        return len(self._pending)

    def _existing_ids(self, ids: list[str]) -> set[str]:
        pooled = self._checkout()
        try:
            with whoosh_errors("read the index"):
                reader = pooled.searcher.reader()
                return {
                    i
                    for i in ids
                    if reader.doc_frequency("id", i) and pooled.searcher.document_number(id=i) is not None
                }
        finally:
            self._checkin(pooled)

    def commit(self) -> None:
        """Write staged documents and deletions; they are visible to searches after this."""
        self._check_open()
        with self._write_lock:
            if not self._pending:
                return
            # Out of `pending` before the writer commits: a search may see the
            # commit the moment it lands, and must not see it still pending.
            pending, self._pending = self._pending, {}
            try:
                with writing(self._ix, "write to the index", timeout=5.0) as writer:
                    self._write(writer, pending)
            except BaseException:
                # Nothing was written: the writes stay staged for the next commit.
                self._pending = {**pending, **self._pending}
                raise
            self._last_commit = time.time()
        self._invalidate()

    def _index_fields(self, doc: dict[str, Any]) -> dict[str, Any]:
        places = self.variants.places(_text_of(doc)) if self.variants is not None else []
        return to_index_fields(doc, places)

    def _write(self, writer: Any, pending: Mapping[str, dict[str, Any] | None]) -> None:
        # Whoosh's update_document opens a searcher per call; deleting the
        # replaced ids through one searcher and adding is many times faster.
        searcher = writer.searcher()
        try:
            reader = searcher.reader()
            for doc_id, doc in pending.items():
                if reader.doc_frequency("id", doc_id):
                    writer.delete_by_term("id", doc_id, searcher=searcher)
                if doc is not None:
                    writer.add_document(**self._index_fields(doc))
        finally:
            searcher.close()

    def bulk_index(
        self,
        docs: Iterable[Mapping[str, Any]],
        *,
        procs: int | None = None,
        batch: int = 5000,
        strict: bool = False,
    ) -> WriteSummary:
        """Add many documents, committing every ``batch``.

        Into an empty index the documents are analysed and written by ``procs``
        processes (default: one per CPU), as by :meth:`rebuild`.
        """
        self._check_open()
        if len(self) == 0 and not self._pending:
            return self.rebuild(docs, procs=procs or os.cpu_count() or 1, strict=strict)
        summary = WriteSummary()
        chunk: list[Mapping[str, Any]] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) >= batch:
                summary.merge(self.add(chunk, strict=strict))
                self.commit()
                chunk = []
        summary.merge(self.add(chunk, strict=strict))
        self.commit()
        return summary

    def rebuild(
        self, docs: Iterable[Mapping[str, Any]], *, procs: int = 1, strict: bool = False
    ) -> WriteSummary:
        """Build a new index from ``docs`` beside the live one, then swap it in atomically.

        Searches keep answering from the old index until the swap. With
        ``procs`` > 1, analysis and writing run in that many processes. When an
        id comes again, its last version wins.
        """
        self._check_open()
        summary = WriteSummary()
        name, ix = self._store.create_generation()
        again: dict[str, dict[str, Any] | None] = {}

        def accepted() -> Iterator[dict[str, Any]]:
            seen: set[str] = set()
            for raw in _input(docs):
                doc = self._accept(raw, summary, strict)
                if doc is None:
                    continue
                doc_id = doc["id"]
                if doc_id in seen:
                    summary.updated += 1
                    again[doc_id] = doc
                    continue
                seen.add(doc_id)
                summary.added += 1
                yield doc

        try:
            if procs > 1 and parallel_available():
                # Each process prepares, analyses and writes its own segments.
                with whoosh_errors("write the new index"):
                    write_parallel(ix, accepted(), self._index_fields, procs=procs, limitmb=256)
            else:
                with writing(ix, "write the new index", limitmb=256) as writer:
                    for doc in accepted():
                        writer.add_document(**self._index_fields(doc))
            if again:
                # Whoosh cannot replace what one writer has not committed:
                # replace the first versions of repeated ids now.
                with writing(ix, "write the new index") as writer:
                    self._write(writer, again)
        except _InputFailure as failure:
            # The documents' source failed (a file, a generator): its own error, not the index's.
            self._store.discard(name)
            raise failure.error from None
        except BaseException:
            self._store.discard(name)
            raise
        with self._lock:
            self._store.activate(name)
            self._ix = ix
            self._index_token += 1
        self._last_commit = time.time()
        return summary

    # -- reading -----------------------------------------------------------

    def get(self, doc_id: str) -> dict[str, Any]:
        """The stored document with ``doc_id`` (committed writes only)."""
        pooled = self._checkout()
        try:
            with whoosh_errors("read the index"):
                docnum = pooled.searcher.document_number(id=doc_id)
                if docnum is None:
                    raise NotFound(f"no document with id {doc_id!r}")
                return stored_document(pooled.searcher, docnum)
        finally:
            self._checkin(pooled)

    def __len__(self) -> int:
        pooled = self._checkout()
        try:
            return int(pooled.searcher.doc_count())
        finally:
            self._checkin(pooled)

    def stats(self) -> dict[str, Any]:
        """Document count, size on disk, last commit time and format version."""
        pooled = self._checkout()
        try:
            count = int(pooled.searcher.doc_count())
        finally:
            self._checkin(pooled)
        last = self._last_commit
        return {
            "documents": count,
            "pending_writes": self.pending,
            "size_bytes": self._store.size_bytes(),
            "last_commit": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last)) if last else None,
            "format_version": FORMAT_VERSION,
            "generation": self._store.current_generation(),
        }

    def _toc_time(self) -> float | None:
        if self._store.path is None:
            return None
        generation = self._store.current_generation()
        if generation is None:
            return None
        tocs = list((self._store.path / generation).glob("_MAIN_*.toc"))
        return max(t.stat().st_mtime for t in tocs) if tocs else None

    # -- searching -----------------------------------------------------------

    def search(
        self,
        q: str | None = "",
        *,
        filters: Mapping[str, str | Iterable[str]] | Iterable[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        facets: str | Iterable[str] | None = None,
        date_interval: str = "month",
        facet_size: int = 20,
        sort: str | None = None,
        limit: int = 10,
        offset: int = 0,
        highlight: bool = True,
        fragments: int | None = None,
        fragment_chars: int | None = None,
        explain: bool = False,
    ) -> SearchResult:
        """Search the committed documents.

        ``q`` uses the query language (words AND-ed, ``OR``, ``NOT``/``-``,
        "phrases", ``field:value``, ``prefix*``, ``date:[2024-01-01 TO 2024-02-01]``).
        ``filters`` maps a facet field to one value or several (OR-ed); different
        fields are AND-ed. Facets are disjunctive: a facet's counts ignore the
        filter on that same facet. Raises a :class:`~searchsvc.errors.InvalidInput`
        for any bad value.
        """
        request = SearchRequest.create(
            q,
            filters=filters,
            date_from=date_from,
            date_to=date_to,
            facets=facets,
            date_interval=date_interval,
            facet_size=facet_size,
            sort=sort,
            limit=limit,
            offset=offset,
            highlight=highlight,
            fragments=self.settings.fragments if fragments is None else fragments,
            fragment_chars=self.settings.fragment_chars if fragment_chars is None else fragment_chars,
            explain=explain,
            max_query_length=self.settings.max_query_length,
        )
        return self.run(request)

    def run(self, request: SearchRequest) -> SearchResult:
        """Run a prepared :class:`SearchRequest`."""
        started = time.perf_counter()
        places = request.filters.get("places")
        if places and self.variants is not None:
            # Any spelling of a place filters by its canonical name.
            canonical = tuple(dict.fromkeys(self.variants.canonical_place(v) or v for v in places))
            request = dataclasses.replace(request, filters={**request.filters, "places": canonical})
        pooled = self._checkout()
        try:
            with whoosh_errors("search the index"):
                return self._run(pooled.searcher, request, started)
        finally:
            self._checkin(pooled)

    def _run(self, searcher: Searcher, request: SearchRequest, started: float) -> SearchResult:
        view = self._facets.view(searcher)

        def expand(fieldname: str, text: str, termclass: type, boost: float) -> wq.Query | None:
            if termclass is wq.Term:
                return self._expand_term(view, fieldname, text, boost)
            if termclass in (wq.Prefix, wq.Wildcard) and fieldname in FACET_FIELDS:
                return _expand_value_pattern(view, fieldname, text, termclass is wq.Prefix, boost)
            if termclass is wq.Prefix and fieldname in TEXT_FIELD_BOOSTS:
                return _expand_prefix(searcher, fieldname, text, boost)
            return None

        try:
            q = view.queries[request.q]
        except KeyError:
            parser = self._parser(expand)
            try:
                q = compile_query(parser, request.q)
            finally:
                # The expansion holds this search's searcher: the idle parser must not.
                parser.expand = None
            if len(view.queries) >= PARSED_QUERIES:
                view.queries.clear()
            view.queries[request.q] = q
        filter_maps: dict[str, BitMap] = {
            name: view.value_bitmap(name, values) for name, values in request.filters.items()
        }
        if request.date_from is not None or request.date_to is not None:
            filter_maps["date"] = view.date_bitmap(request.date_from, request.date_to)
        allowed: BitMap | None = None
        for bm in filter_maps.values():
            allowed = bm if allowed is None else allowed & bm
        keep = request.offset + request.limit
        by_relevance = request.sort_field == "relevance" and q is not None
        total: int | None = None
        if q is None:
            matched = view.live
            ranked: list[tuple[float | None, int]] = []
        elif q is wq.NullQuery:
            matched = BitMap()
            ranked = []
        else:
            scored = self._arrays.evaluator(searcher).run(q)
            if allowed is None and by_relevance and not request.facets:
                # Nothing to intersect or count: the matches need no bitmap.
                matched = BitMap()
                total = len(scored.ids)
            else:
                matched = bitmap_from(scored.ids)
        final = matched & allowed if allowed is not None else matched
        if by_relevance and q is not wq.NullQuery:
            # Within a filter: the matches it lets through.
            ranked = list(top_scored(scored, final if allowed is not None else None, keep))
        if total is None:
            total = len(final)
        if not by_relevance:
            field_name = "date" if request.sort_field == "relevance" else request.sort_field
            descending = request.descending
            order = sort_by_field(view, final, field_name, descending, keep)
            ranked = [(None, d) for d in order]
        page = ranked[request.offset : keep]
        marks = Highlightable.of(q) if request.highlight or request.explain else None
        hits = []
        for score, docnum in page:
            doc = stored_document(searcher, docnum)
            highlights = None
            why = None
            if marks is not None and request.highlight:
                highlights = highlight_document(self.analyzer, doc, marks, request)
            if marks is not None and request.explain:
                why = explain_matches(self.analyzer, doc, marks)
            hits.append(Hit(doc["id"], round(score, 4) if score is not None else None, doc, highlights, why))
        facets = count_facets(view, request, matched, filter_maps)
        took = round((time.perf_counter() - started) * 1000, 3)
        return SearchResult(request.q, total, request.limit, request.offset, took, hits, facets)

    def _parser(self, expand: Any) -> QueryParser:
        # Building Whoosh's parser and its plugins costs a good part of a parse;
        # one per thread is reused, with this search's expansion.
        parser: QueryParser | None = getattr(self._parsers, "parser", None)
        if parser is None:
            parser = self._parsers.parser = QueryParser(self.schema, None)
            parser.expand_phrase = self._expand_phrase
        parser.expand = expand
        return parser

    # -- query expansion -----------------------------------------------------

    def _expand_term(self, view: View, fieldname: str, text: str, boost: float) -> wq.Query | None:
        """The query for one word: facet values ignore case, names get their variants."""
        if fieldname in FACET_FIELDS:
            if fieldname == "places" and self.variants is not None:
                text = self.variants.canonical_place(text) or text
            values = view.resolve(fieldname, text)
            if not values:
                return QueryTerm(fieldname, text, boost=boost)
            terms = [QueryTerm(fieldname, v, boost=boost) for v in values]
            return terms[0] if len(terms) == 1 else wq.Or(terms)
        if fieldname not in TEXT_FIELD_BOOSTS:
            return None
        words = [w for _s, _e, w, _j in iter_words(text, joined=False)]
        per_word = [self._word_query(fieldname, w, boost) for w in words]
        clauses = [q for q in per_word if q is not None]
        if not clauses:
            return None
        # A hyphenated or otherwise split word must match as its parts in order.
        return clauses[0] if len(clauses) == 1 else wq.And(clauses)

    def _expand_phrase(
        self,
        fieldname: str,
        words: list[str],
        written: list[str],
        slop: int,
        boost: float,
        char_ranges: list[tuple[int, int]],
    ) -> wq.Query | None:
        """A phrase in which names match in any spelling, or None when no word has variants."""
        if fieldname not in TEXT_FIELD_BOOSTS or len(written) != len(words):
            return None
        alternatives = [
            self._alternatives(word, as_written) for word, as_written in zip(words, written, strict=True)
        ]
        if all(len(a) == 1 for a in alternatives):
            return None
        return VariantPhrase(fieldname, words, alternatives, slop=slop, boost=boost, char_ranges=char_ranges)

    def _word_query(self, fieldname: str, word: str, boost: float) -> wq.Query | None:
        base = [t for t, _b in self.analyzer.word_terms(word, "query")]
        if not base:
            return None
        terms = [QueryTerm(fieldname, t, boost=boost * b) for t, b in self._alternatives(base[0], word)]
        return terms[0] if len(terms) == 1 else wq.Or(terms)

    def _alternatives(self, term: str, written: str) -> list[tuple[str, float]]:
        """The terms a query word may match, with their boosts: its own ``term``
        at 1.0, then the variants of the word as ``written``."""
        query_terms = getattr(self.variants, "query_terms", None)
        extra = list(query_terms(written)) if query_terms is not None and written else []
        return [(term, 1.0), *((t, b) for t, b in extra if t != term)]


def _expand_value_pattern(view: View, fieldname: str, text: str, prefix: bool, boost: float) -> wq.Query:
    """``source:bbc*``: the field's values that start with (or match) the pattern, ignoring case."""
    folded = text.casefold()
    if prefix:
        values = [v for v in view.values.get(fieldname, {}) if v.casefold().startswith(folded)]
    else:
        values = [v for v in view.values.get(fieldname, {}) if fnmatch.fnmatchcase(v.casefold(), folded)]
    if not values:
        return wq.NullQuery
    terms = [QueryTerm(fieldname, v, boost=boost) for v in sorted(values)]
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def _expand_prefix(searcher: Searcher, fieldname: str, text: str, boost: float) -> wq.Query | None:
    """``electri*`` must find "electricity", whose indexed stem is ``electr``.

    The index holds stems, and a stem can be shorter than the prefix typed. So
    besides the terms that start with the prefix, the stems that the prefix
    itself starts with, one letter short of it, match too, when that letter is
    one Snowball drops or rewrites at the end of a stem (e, i, y).
    """
    prefix = fold_accents(text.lower())
    if len(prefix) < 2:
        raise QueryError(f"a prefix needs at least two letters: {text}*")
    reader = searcher.reader()
    clauses: list[wq.Query] = [wq.Prefix(fieldname, prefix, boost=boost)]
    stem = prefix[:-1]
    if prefix[-1] in "eiy" and len(stem) >= 3 and (fieldname, stem) in reader:
        clauses.append(PrefixStem(fieldname, stem, boost=boost))
    return clauses[0] if len(clauses) == 1 else wq.Or(clauses)


class _InputFailure(Exception):
    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def _input(docs: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """``docs``, with any failure of their source set apart from index errors."""
    iterator = iter(docs)
    while True:
        try:
            raw = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            raise _InputFailure(exc) from exc
        yield raw


def _text_of(doc: Mapping[str, Any]) -> str:
    return "\n".join(str(doc.get(name) or "") for name in ("title", "lead", "body"))


def _load_variants(user_file: str | None) -> Any:
    try:
        from .analysis.variants import Variants
    except ImportError:
        return None
    try:
        return Variants.load(user_file)
    except FileNotFoundError:
        if user_file:
            raise InvalidInput(f"variants file not found: {user_file}") from None
        return None


__all__ = ["SearchEngine", "WriteSummary", "Rejection", "SearchsvcError", "InvalidDocument"]
