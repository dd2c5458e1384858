"""The Whoosh schema of a news index, built from the document fields of :mod:`searchsvc.documents`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import RegexTokenizer
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, FieldType, Schema
from whoosh.formats import Positions

from ..analysis import NewsAnalyzer
from ..documents import FIELDS, MULTI_VALUE_FIELDS, PLAIN_FIELDS
from ..jsonvalues import dumps

#: Separates the values of a multi-value field as handed to Whoosh.
VALUE_SEPARATOR = "\x1f"
#: The stored field holding the whole document as JSON.
STORED_DOCUMENT = "doc"


class NewsPositions(Positions):  # type: ignore[misc]
    """Whoosh's positions format, filled from :meth:`NewsAnalyzer.term_positions`.

    It writes exactly what :class:`~whoosh.formats.Positions` writes; only the
    way there skips Whoosh's token-by-token path.
    """

    def word_values(
        self, value: Any, analyzer: Any, **kwargs: Any
    ) -> Iterator[tuple[str, int, float, bytes]]:
        fast = getattr(analyzer, "term_positions", None)
        if fast is None or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        field_boost = self.field_boost
        encode = self.encode
        for text, (positions, weight) in fast(value, written=True).items():
            yield text, len(positions), weight * field_boost, encode(positions)


def _text_field(analyzer: NewsAnalyzer, boost: float) -> TEXT:
    field = TEXT(analyzer=analyzer, field_boost=boost)
    field.format = NewsPositions(field_boost=boost)
    return field


def build_schema(analyzer: NewsAnalyzer) -> Schema:
    """The Whoosh schema for ``analyzer``; the whole document is one stored field."""
    values = RegexTokenizer(r"[^\x1f]+")
    fields: dict[str, FieldType] = {}
    for declared in FIELDS:
        kind = declared.kind
        if kind == "text":
            fields[declared.name] = _text_field(analyzer, declared.boost)
        elif kind == "id":
            # Sortable: a column of ids, read in one piece, breaks ties in every ranking.
            fields[declared.name] = ID(unique=True, sortable=True)
        elif kind == "date":
            fields[declared.name] = DATETIME(sortable=True)
        elif kind == "keywords":
            fields[declared.name] = KEYWORD(analyzer=values)
        else:
            fields[declared.name] = ID()
    fields[STORED_DOCUMENT] = STORED()
    return Schema(**fields)


def reading_schema() -> Schema:
    """A schema to read or copy an index with: the fields' formats, with analysis that
    loads no gazetteer (reading never analyses text)."""
    return build_schema(NewsAnalyzer(None))


def to_index_fields(doc: dict[str, Any], places: list[str], language: str | None = None) -> dict[str, Any]:
    """The Whoosh fields of one normalized document, the places its text names, and
    the language detected from its text when it has no ``lang`` (indexed, not stored)."""
    fields: dict[str, Any] = {"id": doc["id"], STORED_DOCUMENT: dumps(doc).decode("utf-8")}
    for name in PLAIN_FIELDS:
        value = doc.get(name)
        if value:
            fields[name] = value
    if language and not doc.get("lang"):
        fields["lang"] = language
    if doc.get("date"):
        fields["date"] = dt.datetime.strptime(doc["date"], "%Y-%m-%dT%H:%M:%SZ")
    given = {**doc, "places": places}
    for name in MULTI_VALUE_FIELDS:
        if given.get(name):
            fields[name] = VALUE_SEPARATOR.join(given[name])
    return fields
