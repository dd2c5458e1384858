"""The Whoosh service a user would write by following Whoosh's documentation.

Deliberately plain: a StemmingAnalyzer schema, one writer committed at the end,
a new searcher per request, ``groupedby`` facets over sortable ID fields, and
the default highlighter on the ten hits shown. It is the baseline searchsvc's
optimisations are measured against, so it must be straightforward, not slow
on purpose (facets count with ``maptype=Count`` as the docs suggest instead of
collecting lists of documents).
"""

from __future__ import annotations

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
    from whoosh import index, sorting
    from whoosh import query as wq
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, KEYWORD, TEXT, Schema
    from whoosh.qparser import MultifieldParser
except ImportError as exc:  # pragma: no cover - Whoosh is a hard dependency of the project
    raise PeerUnavailable(f"whoosh is not importable: {exc}") from exc


def _schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        body=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        source=ID(stored=True, sortable=True),
        category=ID(stored=True, sortable=True),
        month=ID(sortable=True),
        date=ID(stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True),
    )


def whoosh_query_string(query: BenchQuery, native_variants: bool = False) -> str:
    """The query in Whoosh's default syntax (AND between terms)."""
    if query.phrase:
        return '"' + " ".join(query.terms) + '"'
    parts = []
    for group in search_terms(query, native_variants):
        parts.append(group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")")
    if query.prefix and parts:
        parts[-1] += "*"
    return " ".join(parts)


def _filter_query(filters: dict[str, list[str]]) -> Any:
    return wq.And([wq.Or([wq.Term(name, value) for value in values]) for name, values in filters.items()])


def _highlight(hit: Any) -> str:
    # Whoosh raises KeyError for a stored field the document does not have
    # (real records with an empty body), so look before highlighting.
    for name in ("body", "title"):
        if hit.get(name):
            text = str(hit.highlights(name))
            if text:
                return text
    return ""


class NaiveWhooshPeer(Peer):
    name = "naive_whoosh"

    def __init__(self) -> None:
        self._ix: Any = None
        self._parser: Any = None

    def build(self, docs: Iterable[Mapping[str, Any]], path: Path) -> BuildStats:
        path.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(path), _schema())
        writer = ix.writer()
        count = 0
        for doc in docs:
            fields = flat_fields(doc)
            # Whoosh rejects empty values in some field types; leave them out.
            writer.add_document(**{k: v for k, v in fields.items() if v})
            count += 1
        writer.commit()
        return BuildStats(count)

    def open(self, path: Path, *, cache: bool = False) -> None:
        self._ix = index.open_dir(str(path))
        self._parser = MultifieldParser(["title", "body"], schema=self._ix.schema)

    def search(self, query: BenchQuery) -> PeerResult:
        parsed = self._parser.parse(whoosh_query_string(query))
        plan = facet_plan(query) if query.facets else [((), query.filter_map)]
        facet_counts: dict[str, dict[str, int]] = {}
        top_ids: list[str] = []
        snippets: list[str] = []
        # A new searcher per request, as in the Whoosh quick start.
        with self._ix.searcher() as searcher:
            for i, (fields, filters) in enumerate(plan):
                kwargs: dict[str, Any] = {"limit": 10 if i == 0 else 1}
                if filters:
                    kwargs["filter"] = _filter_query(filters)
                if fields:
                    facets = sorting.Facets()
                    for name in fields:
                        facets.add_field(name, maptype=sorting.Count)
                    kwargs["groupedby"] = facets
                results = searcher.search(parsed, **kwargs)
                for name in fields:
                    facet_counts[name] = {
                        str(k): int(v) for k, v in results.groups(name).items() if k not in (None, "")
                    }
                if i > 0:
                    continue
                total = len(results)
                for hit in results[:10]:
                    top_ids.append(hit["id"])
                    if query.highlight:
                        snippets.append(_highlight(hit))
        return PeerResult(total, top_ids, snippets, facet_counts)

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
        self._ix = None

    def describe(self) -> dict[str, Any]:
        import whoosh

        return {"whoosh": whoosh.versionstring(), "analyzer": "StemmingAnalyzer (Porter)"}
