"""The unit every reader yields: one document, or one rejection with its place."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..documents import normalize_document
from ..errors import InvalidInput

# Long enough to name the field and show a bit of the value, short enough for one log line.
MAX_ERROR_LENGTH = 300

# Bytes that are not UTF-8 survive a "surrogateescape" decode as U+DC80..U+DCFF.
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class Record:
    """One item of a stream: a normalized ``document``, or an ``error`` saying why not.

    ``line`` is where the record starts (for a rejection, where the fault is when it is
    known more closely); ``index`` is its 0-based position in a JSON array, which tells
    apart the elements of an array written on one line. ``note`` says something the
    reader guessed, such as a text file's legacy encoding.
    """

    source: str
    line: int | None
    document: dict[str, Any] | None
    error: str | None
    index: int | None = None
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def where(self) -> str:
        """The record's place for a person: ``file:line``, with ``(index N)`` in a JSON array."""
        return position(self.source, self.line, self.index)


def position(source: str | None, line: int | None, index: int | None = None) -> str:
    """``source:line (index N)``, leaving out the parts that are not known."""
    where = source or ""
    if line is not None:
        where += f":{line}"
    if index is not None:
        where += f" (index {index})" if where else f"index {index}"
    return where


def one_line(message: str) -> str:
    """``message`` on one line and of bounded length, for logs and HTTP answers."""
    text = " ".join(message.split())
    if len(text) > MAX_ERROR_LENGTH:
        text = text[: MAX_ERROR_LENGTH - 3] + "..."
    return text


def rejected(
    source: str, line: int | None, message: str, *, index: int | None = None, note: str | None = None
) -> Record:
    return Record(source, line, None, one_line(message), index, note)


def make_record(
    source: str,
    line: int | None,
    raw: Any,
    max_field_length: int | None,
    *,
    index: int | None = None,
    field_lines: Mapping[str, int] | None = None,
    note: str | None = None,
) -> Record:
    """Normalize ``raw`` into a good record, or a rejection naming the broken field.

    ``field_lines`` maps fields to the lines they were read from, so that a rejection
    points at the broken field's line rather than the record's first.
    """
    if not isinstance(raw, Mapping):
        message = f"a document must be a JSON object, got {_json_type(raw)}"
        return rejected(source, line, message, index=index, note=note)
    try:
        doc = normalize_document(raw, max_field_length=max_field_length)
    except InvalidInput as exc:
        if field_lines is not None:
            line = field_lines.get(exc.details.get("field", ""), line)
        return rejected(source, line, exc.message, index=index, note=note)
    return Record(source, line, doc, None, index, note)


def utf8_error(data: bytes, exc: UnicodeDecodeError, *, multiline: bool) -> str:
    """Where ``data`` stops being UTF-8: by line in a whole file, by column in a single line."""
    if multiline:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"line {line}"
    else:
        where = f"column {exc.start + 1}"
    return f"not valid UTF-8: byte 0x{data[exc.start]:02x} at {where}"


def has_lone_surrogate(value: Any) -> bool:
    """Whether ``value`` holds a string no UTF-8 encoder accepts (from a ``\\udXXX`` escape)."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return type(value).__name__
