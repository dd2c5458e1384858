"""SQLite FTS5 from the standard library: the "just use SQLite" baseline.

One FTS5 table with the Porter tokenizer; metadata columns are UNINDEXED so the
MATCH covers title and body only. Facets and the exact total come from a single
``GROUP BY`` over the matches (source, category, ``substr(date, 1, 7)``), the top
ten from ``ORDER BY rank`` with ``snippet()``: two statements per search.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .base import BenchQuery, BuildStats, Peer, PeerResult, facet_plan, flat_fields, search_terms

DB_NAME = "fts5.sqlite"


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts5_match(query: BenchQuery, native_variants: bool = False) -> str:
    """The query in FTS5 syntax: quoted terms, implicit AND, ``"pref"*``."""
    if query.phrase:
        return _quote(" ".join(query.terms))
    parts = []
    for group in search_terms(query, native_variants):
        parts.append(_quote(group[0]) if len(group) == 1 else "(" + " OR ".join(map(_quote, group)) + ")")
    if query.prefix and parts:
        parts[-1] += "*"
    return " ".join(parts)


# Month is the date's first seven characters: right for the UTC ("Z") and
# date-only values of the corpora used here.
_COLUMN = {"source": "source", "category": "category", "month": "substr(date, 1, 7)"}


def _where(match: str, filters: dict[str, list[str]]) -> tuple[str, list[Any]]:
    where = "docs MATCH ?"
    params: list[Any] = [match]
    for name, values in filters.items():
        # Column names come from FILTER_FIELDS, never from user input.
        where += f" AND {name} IN ({','.join('?' * len(values))})"
        params.extend(values)
    return where, params


class Fts5Peer(Peer):
    name = "fts5"

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def build(self, docs: Iterable[Mapping[str, Any]], path: Path) -> BuildStats:
        path.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path / DB_NAME)
        # Bulk-load settings a user would pick for a one-off build.
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        # remove_diacritics 0: the other engines do not fold "й" into "и" either.
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "id UNINDEXED, title, body, source UNINDEXED, category UNINDEXED, date UNINDEXED, "
            "tokenize='porter unicode61 remove_diacritics 0')"
        )
        count = 0

        def rows() -> Iterator[tuple[str, ...]]:
            nonlocal count
            for doc in docs:
                f = flat_fields(doc)
                count += 1
                yield (f["id"], f["title"], f["body"], f["source"], f["category"], f["date"])

        with db:
            db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", rows())
        # Merge the b-trees once: what a user does after a bulk load.
        with db:
            db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.close()
        return BuildStats(count)

    def open(self, path: Path, *, cache: bool = False) -> None:
        self._db = sqlite3.connect(path / DB_NAME, check_same_thread=False)

    def search(self, query: BenchQuery) -> PeerResult:
        assert self._db is not None, "open() first"
        match = fts5_match(query)
        where, params = _where(match, query.filter_map)

        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            total = 0
            for i, (fields, filters) in enumerate(facet_plan(query)):
                fwhere, fparams = _where(match, filters)
                cols = ", ".join(_COLUMN[f] for f in fields)
                groups = ", ".join(str(n + 1) for n in range(len(fields)))
                rows = self._db.execute(
                    f"SELECT {cols}, count(*) FROM docs WHERE {fwhere} GROUP BY {groups}", fparams
                ).fetchall()
                for name in fields:
                    facets[name] = {}
                for row in rows:
                    n = row[-1]
                    if i == 0:
                        total += n  # the first group-by covers exactly the query's hits
                    for name, value in zip(fields, row[:-1], strict=True):
                        if value:
                            facets[name][value] = facets[name].get(value, 0) + n
        else:
            total = self._db.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()[0]

        if query.highlight:
            top = self._db.execute(
                f"SELECT id, snippet(docs, -1, '<b>', '</b>', '…', 24) FROM docs WHERE {where} "
                "ORDER BY rank LIMIT 10",
                params,
            ).fetchall()
            return PeerResult(total, [r[0] for r in top], [r[1] for r in top], facets)
        top = self._db.execute(f"SELECT id FROM docs WHERE {where} ORDER BY rank LIMIT 10", params).fetchall()
        return PeerResult(total, [r[0] for r in top], [], facets)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None

    def describe(self) -> dict[str, Any]:
        return {"sqlite": sqlite3.sqlite_version, "tokenizer": "porter unicode61"}
