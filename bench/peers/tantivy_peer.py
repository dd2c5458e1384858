"""tantivy (Rust, through its Python binding): the fast-engine yardstick.

Title and body use tantivy's built-in ``en_stem`` tokenizer (Snowball English);
source, category and month are raw fast fields so facets come from one
``aggregate`` call with three terms aggregations. Snippets use tantivy's
SnippetGenerator. The searcher is opened once and reused, which is how tantivy
is meant to be used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .base import (
    BenchQuery,
    BuildStats,
    Peer,
    PeerResult,
    PeerUnavailable,
    facet_plan,
    flat_fields,
    search_terms,
)

try:
    import tantivy
except ImportError as exc:
    raise PeerUnavailable(f"tantivy is not importable: {exc}") from exc

TEXT_FIELDS = ["title", "body"]
#: Larger than any facet's number of distinct values, so counts are exact.
_AGG_SIZE = 10_000


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("source", stored=True, fast=True, tokenizer_name="raw")
    builder.add_text_field("category", stored=True, fast=True, tokenizer_name="raw")
    builder.add_text_field("month", fast=True, tokenizer_name="raw")
    builder.add_text_field("date", stored=True, tokenizer_name="raw")
    return builder.build()


class TantivyPeer(Peer):
    name = "tantivy"

    def __init__(self) -> None:
        self._ix: Any = None
        self._searcher: Any = None
        self._schema: Any = None

    def build(self, docs: Iterable[Mapping[str, Any]], path: Path) -> BuildStats:
        path.mkdir(parents=True, exist_ok=True)
        ix = tantivy.Index(_schema(), path=str(path), reuse=False)
        writer = ix.writer()
        count = 0
        for doc in docs:
            fields = flat_fields(doc)
            fields.pop("tags")
            writer.add_document(tantivy.Document(**{k: v for k, v in fields.items() if v}))
            count += 1
        writer.commit()
        writer.wait_merging_threads()
        return BuildStats(count)

    def open(self, path: Path, *, cache: bool = False) -> None:
        self._ix = tantivy.Index.open(str(path))
        self._schema = self._ix.schema
        self._searcher = self._ix.searcher()

    def _query(self, query: BenchQuery, filters: dict[str, list[str]] | None = None) -> Any:
        """The tantivy query; ``filters`` overrides the query's own (for facets)."""
        subqueries: list[tuple[Any, Any]] = []
        if query.phrase:
            text = '"' + " ".join(query.terms) + '"'
        else:
            groups = search_terms(query, native_variants=False)
            if query.prefix and groups:
                prefix = groups.pop()[0].lower()
                # A regex over the term dictionary: phrase_prefix_query would stop
                # after 50 expansions and undercount short prefixes.
                pattern = re.escape(prefix) + ".*"
                expansions = [
                    (tantivy.Occur.Should, tantivy.Query.regex_query(self._schema, f, pattern))
                    for f in TEXT_FIELDS
                ]
                subqueries.append((tantivy.Occur.Must, tantivy.Query.boolean_query(expansions)))
            text = " ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
        if text:
            parsed = self._ix.parse_query(text, TEXT_FIELDS, conjunction_by_default=True)
            subqueries.append((tantivy.Occur.Must, parsed))
        for name, values in (query.filter_map if filters is None else filters).items():
            terms = [
                (tantivy.Occur.Should, tantivy.Query.term_query(self._schema, name, value))
                for value in values
            ]
            subqueries.append((tantivy.Occur.Must, tantivy.Query.boolean_query(terms)))
        if len(subqueries) == 1:
            return subqueries[0][1]
        return tantivy.Query.boolean_query(subqueries)

    def search(self, query: BenchQuery) -> PeerResult:
        searcher = self._searcher
        q = self._query(query)
        result = searcher.search(q, 10, count=True)
        top_ids: list[str] = []
        snippets: list[str] = []
        body_gen = title_gen = None
        for _score, address in result.hits:
            doc = searcher.doc(address)
            top_ids.append(doc.get_first("id"))
            if query.highlight:
                if body_gen is None:
                    body_gen = tantivy.SnippetGenerator.create(searcher, q, self._schema, "body")
                snippet = body_gen.snippet_from_doc(doc).to_html()
                if not snippet:
                    if title_gen is None:
                        title_gen = tantivy.SnippetGenerator.create(searcher, q, self._schema, "title")
                    snippet = title_gen.snippet_from_doc(doc).to_html()
                snippets.append(snippet)
        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            for i, (fields, filters) in enumerate(facet_plan(query)):
                fq = q if i == 0 else self._query(query, filters)
                spec = {name: {"terms": {"field": name, "size": _AGG_SIZE}} for name in fields}
                aggs = searcher.aggregate(fq, spec)
                for name in fields:
                    facets[name] = {
                        str(b["key"]): int(b["doc_count"])
                        for b in aggs.get(name, {}).get("buckets", [])
                        if b["key"]
                    }
        return PeerResult(int(result.count or 0), top_ids, snippets, facets)

    def close(self) -> None:
        self._searcher = None
        self._ix = None

    def describe(self) -> dict[str, Any]:
        return {"tantivy": getattr(tantivy, "__version__", "?"), "tokenizer": "en_stem (Snowball)"}
