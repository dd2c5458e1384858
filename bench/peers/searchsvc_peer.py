"""searchsvc through its public library API (``searchsvc.SearchEngine``).

The import happens inside the class so the harness runs, and reports this peer
as skipped, while the library is still being written.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .base import BenchQuery, BuildStats, Peer, PeerResult, PeerUnavailable, clean_facets

BATCH = 5000
#: Larger than the number of distinct values of any facet in the corpora.
FACET_SIZE = 1000
#: searchsvc's facet names -> the neutral names of base.FACET_FIELDS.
_FACET_NAMES = {"source": "source", "category": "category", "date": "month"}


def _engine_class() -> Any:
    try:
        from searchsvc import SearchEngine
    except Exception as exc:  # a half-written package may fail with anything, not just ImportError
        raise PeerUnavailable(f"searchsvc.SearchEngine is not importable yet: {exc!r}") from exc
    return SearchEngine


def searchsvc_query_string(query: BenchQuery) -> str:
    """Whoosh-style syntax; place queries send only the typed spelling, since
    expanding spellings is searchsvc's job."""
    if query.phrase:
        return '"' + " ".join(query.terms) + '"'
    text = " ".join(query.terms)
    return text + "*" if query.prefix else text


def _snippet(highlights: Any) -> str:
    # Accept the shapes a highlight may reasonably take: text, list of
    # fragments, or a mapping of field -> text/fragments.
    if highlights is None:
        return ""
    if isinstance(highlights, str):
        return highlights
    if isinstance(highlights, Mapping):
        return " … ".join(_snippet(v) for v in highlights.values() if v)
    if isinstance(highlights, Iterable):
        return " … ".join(_snippet(v) for v in highlights if v)
    return str(highlights)


def _count_items(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    if isinstance(items, Mapping):
        return {str(k): int(v) for k, v in items.items()}
    for item in items or []:
        if isinstance(item, Mapping):
            value, count = item.get("value"), item.get("count")
        else:
            value, count = getattr(item, "value", None), getattr(item, "count", None)
        if value not in (None, "") and count is not None:
            counts[str(value)] = int(count)
    return counts


class SearchsvcPeer(Peer):
    name = "searchsvc"
    native_variants = True

    def __init__(self) -> None:
        self._cls = _engine_class()
        self._eng: Any = None
        try:
            self._facet_size = "facet_size" in inspect.signature(self._cls.search).parameters
        except (TypeError, ValueError, AttributeError):
            self._facet_size = False

    def _construct(self, path: Path, *, cache: bool | None) -> Any:
        kwargs: dict[str, Any] = {}
        if cache is not None:
            try:
                accepts_cache = "cache" in inspect.signature(self._cls).parameters
            except (TypeError, ValueError):
                accepts_cache = False
            if accepts_cache:
                kwargs["cache"] = cache
        return self._cls(str(path), **kwargs)

    @property
    def cache_switch(self) -> bool:
        """Whether the constructor lets us turn caching off."""
        try:
            return "cache" in inspect.signature(self._cls).parameters
        except (TypeError, ValueError):
            return False

    def build(self, docs: Iterable[Mapping[str, Any]], path: Path) -> BuildStats:
        eng = self._construct(path, cache=None)
        try:
            bulk = getattr(eng, "bulk_index", None)
            if callable(bulk):
                summary = bulk(docs, procs=2)
                if hasattr(eng, "commit"):
                    eng.commit()
                return BuildStats(_summary_count(summary), _summary_extra(summary, "bulk_index"))
            totals = {"added": 0, "updated": 0, "rejected": 0}
            it = iter(docs)
            while batch := list(itertools.islice(it, BATCH)):
                summary = eng.add(batch)
                eng.commit()
                for key in totals:
                    totals[key] += _as_int(getattr(summary, key, 0))
            return BuildStats(totals["added"] + totals["updated"], {"method": "add+commit", **totals})
        finally:
            eng.close()

    def open(self, path: Path, *, cache: bool = False) -> None:
        self._eng = self._construct(path, cache=cache)

    def search(self, query: BenchQuery) -> PeerResult:
        kwargs: dict[str, Any] = {}
        if query.facets and self._facet_size:
            # Every value, not the top 20 a UI shows: the fairness check compares
            # complete counts, and the other engines compute them all anyway.
            kwargs["facet_size"] = FACET_SIZE
        res = self._eng.search(
            searchsvc_query_string(query),
            filters=query.filter_map or None,
            facets=list(_FACET_NAMES) if query.facets else None,
            sort="relevance",
            limit=10,
            offset=0,
            highlight=query.highlight,
            **kwargs,
        )
        top_ids = [str(h.id) for h in res.hits]
        snippets = [_snippet(getattr(h, "highlights", None)) for h in res.hits] if query.highlight else []
        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            raw = res.facets or {}
            facets = clean_facets({_FACET_NAMES.get(k, k): _count_items(v) for k, v in raw.items()})
        return PeerResult(int(res.total), top_ids, snippets, facets)

    def close(self) -> None:
        if self._eng is not None:
            self._eng.close()
        self._eng = None

    def describe(self) -> dict[str, Any]:
        try:
            from importlib.metadata import version

            ver = version("searchsvc")
        except Exception:
            ver = "source tree"
        return {"searchsvc": ver, "cache_switch": self.cache_switch}


def _as_int(value: Any) -> int:
    if isinstance(value, int):
        return value
    try:
        return len(value)
    except TypeError:
        return 0


def _summary_count(summary: Any) -> int:
    if summary is None:
        return 0
    if isinstance(summary, int):
        return summary
    return _as_int(getattr(summary, "added", 0)) + _as_int(getattr(summary, "updated", 0))


def _summary_extra(summary: Any, method: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"method": method}
    for key in ("added", "updated", "rejected"):
        if hasattr(summary, key):
            extra[key] = _as_int(getattr(summary, key))
    return extra
