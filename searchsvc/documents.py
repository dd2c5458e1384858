"""The document model: which fields a document has and how they are checked.

A document is a plain ``dict``. :func:`normalize_document` turns whatever a
reader or a client supplied into the canonical form the index stores: strings
stripped, ``tags`` a list of strings, ``date`` an ISO 8601 UTC string. Fields the
model does not know are kept as they are (stored and returned, not searched).

The id is the one field never changed: it is stored as sent, or refused
(:func:`document_id`), so that ``/documents/{id}`` reaches every stored document.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidDate, InvalidDocument
from .jsonvalues import ValueProblem, check_string, json_value


@dataclass(frozen=True)
class Field:
    """One field of a document, declared once: the index schema, the query language,
    filters, facets and sorting all read this table (:data:`FIELDS`).

    ``kind`` is ``id``, ``text`` (analysed, searched, scored with ``boost``),
    ``keyword`` (one value: filter, facet and sort key), ``keywords`` (several
    values), ``date`` or ``url``. A ``derived`` field is computed from the
    document (the places its text names), never given by a client.
    """

    name: str
    kind: str
    boost: float = 0.0
    derived: bool = False


FIELDS: tuple[Field, ...] = (
    Field("id", "id"),
    Field("title", "text", boost=3.0),
    Field("lead", "text", boost=1.5),
    Field("body", "text", boost=1.0),
    Field("date", "date"),
    Field("source", "keyword"),
    Field("category", "keyword"),
    Field("lang", "keyword"),
    Field("tags", "keywords"),
    Field("places", "keywords", derived=True),
    Field("url", "url"),
)

#: Searchable text fields, in the order they are shown, and their weight in scoring.
TEXT_FIELD_BOOSTS = {f.name: f.boost for f in FIELDS if f.kind == "text"}
TEXT_FIELDS = tuple(TEXT_FIELD_BOOSTS)
#: Fields with one value per document: filters, facets and sort keys.
KEYWORD_FIELDS = tuple(f.name for f in FIELDS if f.kind == "keyword")
#: Fields with several values per document.
MULTI_VALUE_FIELDS = tuple(f.name for f in FIELDS if f.kind == "keywords")
#: Fields whose values filter, count as facets and sort.
FACET_FIELDS = KEYWORD_FIELDS + MULTI_VALUE_FIELDS
#: Plain text fields stored as given (stripped), besides the text fields.
PLAIN_FIELDS = tuple(f.name for f in FIELDS if f.kind in ("text", "keyword", "url"))
#: Every field a client may give with a meaning to searchsvc; others are kept as they are.
KNOWN_FIELDS = tuple(f.name for f in FIELDS if not f.derived)
#: Fields searchsvc computes, which a client may not give.
DERIVED_FIELDS = tuple(f.name for f in FIELDS if f.derived)
#: Fields a query may name with ``field:value``.
QUERY_FIELDS = (
    *TEXT_FIELDS,
    *FACET_FIELDS,
    *(f.name for kind in ("date", "id", "url") for f in FIELDS if f.kind == kind),
)

MAX_ID_LENGTH = 512
#: What an id may not hold anywhere: control characters (a log line, a header and a
#: terminal would show them as something else), the halves of surrogate pairs (no
#: UTF-8 URL can carry them), format characters (bidi controls and zero-width
#: characters would make ids that look alike but differ) and line and paragraph
#: separators (which split a log line for readers that split on them).
ID_FORBIDDEN_CATEGORIES = frozenset(("Cc", "Cs", "Cf", "Zl", "Zp"))
#: What a tag may not hold: control characters, among them the separator the index
#: keeps between the values of a field.
_TAG_FORBIDDEN = frozenset(("Cc", "Cs"))
#: Ids a URL cannot carry: clients resolve them as steps of the path, even encoded.
_PATH_STEPS = frozenset((".", ".."))

#: The dates a document may have, in UTC. Python's datetime and Whoosh's DATETIME
#: field hold 0001-01-01 to 9999-12-31; a day is kept free at each end so that
#: queries may reach a day past any date (``date:>D``, the whole day of ``date:D``).
MIN_DATE = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
MAX_DATE = dt.datetime(9999, 12, 30, 23, 59, 59, tzinfo=dt.UTC)


def document_id(value: Any) -> str:
    """``value`` as a document id, exactly as sent, or :class:`InvalidDocument` saying why not.

    An id is a string (or an integer, stored as its text) of 1 to
    :data:`MAX_ID_LENGTH` characters, without control characters, not starting or
    ending with a blank, and neither ``.`` nor ``..``: every id stored can be
    read, replaced and deleted at ``/documents/{id}`` with the id URL-encoded.
    Nothing is stripped: ``" a"`` would be stored as ``a`` and not found again.
    """
    if value is None:
        raise InvalidDocument("missing required field 'id'", field="id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidDocument(f"field 'id' must be a string, got {type(value).__name__}", field="id")
    doc_id = _text_of("id", value)
    if not doc_id.strip():
        message = "field 'id' must not be empty" + (f", got {doc_id!r}" if doc_id else "")
        raise InvalidDocument(message, field="id")
    if len(doc_id) > MAX_ID_LENGTH:
        raise InvalidDocument(
            f"field 'id' is longer than {MAX_ID_LENGTH} characters ({len(doc_id)}: {doc_id[:40]!r}...)",
            field="id",
        )
    if doc_id != doc_id.strip():
        raise InvalidDocument(
            f"field 'id' {doc_id!r} starts or ends with a blank, which ids may not", field="id"
        )
    for char in doc_id:
        if unicodedata.category(char) in ID_FORBIDDEN_CATEGORIES:
            raise InvalidDocument(
                f"field 'id' {doc_id!r} holds the character U+{ord(char):04X}, which ids may not "
                "(control, format and separator characters, and lone surrogates)",
                field="id",
            )
    if doc_id in _PATH_STEPS:
        raise InvalidDocument(
            f"field 'id' cannot be {doc_id!r}: URLs read it as a step of the path, not a name", field="id"
        )
    return doc_id


def parse_date(value: Any, *, field: str = "date") -> dt.datetime:
    """Parse an ISO 8601 date or datetime into an aware UTC datetime.

    A date alone means midnight UTC; a naive time is taken as UTC. A date outside
    :data:`MIN_DATE` to :data:`MAX_DATE` is refused, quoting ``value`` as given.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            if len(text) == 10:
                day = dt.date.fromisoformat(text)
                parsed = dt.datetime(day.year, day.month, day.day)
            else:
                parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidDate(
                f"{field}: {value!r} is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"
            ) from None
    else:
        raise InvalidDate(f"{field}: expected an ISO 8601 string, got {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        parsed = parsed.astimezone(dt.UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is in the year 0 in UTC, which datetime cannot hold.
        raise InvalidDate(f"{field}: {value!r} is out of range once converted to UTC") from None
    if not MIN_DATE <= parsed.replace(microsecond=0) <= MAX_DATE:
        raise InvalidDate(
            f"{field}: {value!r} is out of range: dates must be from {format_date(MIN_DATE)} "
            f"to {format_date(MAX_DATE)}"
        )
    return parsed


def format_date(value: dt.datetime) -> str:
    """The canonical stored form of a date: ``YYYY-MM-DDTHH:MM:SSZ``."""
    # Not strftime: its %Y writes the year 5 as "5", which parse_date then refuses.
    utc = value.astimezone(dt.UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"


def _as_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidDocument(f"field {name!r} must be a string, got {type(value).__name__}", field=name)
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidDocument(f"field {name!r} must be a string, got {value!r}", field=name)
    text = _text_of(name, value).strip()
    _check_text(name, text)
    return text


def _check_text(name: str, text: str) -> None:
    try:
        check_string(text, name)
    except ValueProblem as exc:
        raise InvalidDocument(f"field {name!r} {exc.problem}", field=name) from None


def _text_of(name: str, value: str | int | float) -> str:
    try:
        return str(value)
    except ValueError:
        # Python refuses to write an integer of more than 4300 digits.
        raise InvalidDocument(f"field {name!r} is a number too long to store as text", field=name) from None


def _as_tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        # CSV and other flat formats give tags as one comma-separated string.
        items: list[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise InvalidDocument(
            f"field 'tags' must be a list of strings, got {type(value).__name__}", field="tags"
        )
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        # Strings only: a tag is a label, and a number would be one only by accident.
        if not isinstance(item, str):
            raise InvalidDocument(
                f"field 'tags' must be a list of strings, got an item of type {type(item).__name__}",
                field="tags",
            )
        tag = _as_text("tags", item)
        _check_text("tags", tag)
        for char in tag:
            if not char.isprintable() and unicodedata.category(char) in _TAG_FORBIDDEN:
                raise InvalidDocument(
                    f"field 'tags' holds {tag!r}, with the control character U+{ord(char):04X}, "
                    "which tags may not",
                    field="tags",
                )
        if tag and tag not in seen:
            seen.add(tag)
            tags.append(tag)
    return tags


def normalize_document(raw: Mapping[str, Any], *, max_field_length: int | None = None) -> dict[str, Any]:
    """Check ``raw`` against the document model and return its canonical form.

    Raises :class:`InvalidDocument` with a message naming the field, and the field's
    name as ``details["field"]`` so that a reader can say on which line it was.
    """
    if not isinstance(raw, Mapping):
        raise InvalidDocument(f"a document must be a JSON object, got {type(raw).__name__}")
    doc: dict[str, Any] = {"id": document_id(raw.get("id"))}
    for name in PLAIN_FIELDS:
        if name in raw:
            text = _as_text(name, raw[name])
            if text:
                doc[name] = text
    if "lang" in doc:
        doc["lang"] = doc["lang"].lower()
    if raw.get("date") not in (None, ""):
        try:
            doc["date"] = format_date(parse_date(raw["date"]))
        except InvalidDate as exc:
            raise InvalidDocument(exc.message, field="date") from None
    tags = _as_tags(raw.get("tags"))
    if tags:
        doc["tags"] = tags
    extra: dict[str, Any] = {}
    for name, value in raw.items():
        if name in KNOWN_FIELDS:
            continue
        if name in DERIVED_FIELDS:
            raise InvalidDocument(
                f"field {name!r} is derived from the text by searchsvc and cannot be given", field=name
            )
        if not isinstance(name, str) or not name or name.startswith("_"):
            raise InvalidDocument(f"invalid field name {name!r}", field=name)
        extra[name] = value
    if extra:
        try:
            # One walk over all of them: the limits count the whole document.
            doc.update(json_value(extra, ""))
        except ValueProblem as exc:
            field = exc.path.split(".", 1)[0].split("[", 1)[0]
            raise InvalidDocument(f"field {exc.path!r} {exc.problem}", field=field) from None
    if max_field_length is not None:
        for name, value in doc.items():
            if isinstance(value, str) and len(value) > max_field_length:
                raise InvalidDocument(
                    f"field {name!r} is longer than the limit of {max_field_length} characters", field=name
                )
    return doc


def truncate_fields(doc: dict[str, Any], max_length: int) -> list[tuple[str, int]]:
    """Cut, in place, each string field of ``doc`` but its id that is longer than ``max_length``
    characters, at the last blank before the limit when there is one near it; returns each
    field cut with the length it had. For readers that keep an article whole but for the
    end of an overlong field, rather than refuse it (``searchsvc index``)."""
    cut: list[tuple[str, int]] = []
    for name, value in doc.items():
        if name == "id" or not isinstance(value, str) or len(value) <= max_length:
            continue
        end = max_length
        blank = value.rfind(" ", max(0, max_length - 100), max_length + 1)
        if blank > 0:
            end = blank
        doc[name] = value[:end].rstrip()
        cut.append((name, len(value)))
    return cut
