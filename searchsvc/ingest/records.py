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
    """One item of a stream: a normalized ``document``, or an ``error`` saying why not."""

    source: str
    line: int | None
    document: dict[str, Any] | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def one_line(message: str) -> str:
    """``message`` on one line and of bounded length, for logs and HTTP answers."""
    text = " ".join(message.split())
    if len(text) > MAX_ERROR_LENGTH:
        text = text[: MAX_ERROR_LENGTH - 3] + "..."
    return text


def rejected(source: str, line: int | None, message: str) -> Record:
    return Record(source, line, None, one_line(message))


def make_record(source: str, line: int | None, raw: Any, max_field_length: int | None) -> Record:
    """Normalize ``raw`` into a good record, or a rejection naming the broken field."""
    if not isinstance(raw, Mapping):
        return rejected(source, line, f"a document must be a JSON object, got {_json_type(raw)}")
    try:
        doc = normalize_document(raw, max_field_length=max_field_length)
    except InvalidInput as exc:
        return rejected(source, line, exc.message)
    return Record(source, line, doc, None)


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
