"""Plain-text articles: one file, one document.

Two layouts are understood. The news-site export of the seed corpus::

    Last news in Fakti
    <title>
    <lead>
    Nov 7, 2025 13:18 263        (date, time, view count)
    <title> - 1                  (image caption, dropped)
    <body paragraphs...>

with blank lines between the parts, and, for any other file, first non-empty
line = title and the rest = body.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from ..errors import InvalidDocument
from .encoding import LEGACY_ENCODINGS, guess_encoding, looks_binary
from .records import Record, make_record, rejected

_BLOCK_BREAK = re.compile(r"\n\s*\n")
_HEADER = re.compile(r"Last news in (\S.*)")
_DATELINE = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?: (\d+))?")
_CAPTION_TAIL = re.compile(r" - \d+")

_MONTH_NAMES = "january february march april may june july august september october november december"
_MONTHS = {name: number for number, full in enumerate(_MONTH_NAMES.split(), 1) for name in (full, full[:3])}
_MONTHS["sept"] = 9


class _Block(NamedTuple):
    """A paragraph, stripped, and the line of the file it starts on."""

    line: int
    text: str


def read_text(
    stream: IO[bytes], *, source: str, doc_id: str, max_field_length: int | None = None
) -> Iterator[Record]:
    """The one document of a text file, or its rejection.

    The record's ``line`` is 1; a rejection's is the line of the broken part (the date
    line, an over-long field, an undecodable byte) when there is one. A file that is
    not UTF-8 is decoded in the legacy encoding it reads best in, which the record's
    ``note`` names.
    """
    data = stream.read()
    note = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        encoding = guess_encoding(data)
        decoded = _decode(data, encoding) if encoding is not None else None
        if decoded is None:
            yield _undecodable(source, data, exc)
            return
        text = decoded
        note = f"not UTF-8: decoded as {encoding}"
    if not text.strip():
        return  # nothing to read, as in an empty file of any format
    try:
        raw, field_lines = _parse(text, doc_id)
    except InvalidDocument as exc:
        yield rejected(source, exc.line, exc.message)
        return
    yield make_record(source, 1, raw, max_field_length, field_lines=field_lines, note=note)


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        # The detector samples a large file; a byte it did not see may not fit.
        return None


def _undecodable(source: str, data: bytes, exc: UnicodeDecodeError) -> Record:
    line = data.count(b"\n", 0, exc.start) + 1
    byte = f"byte 0x{data[exc.start]:02x} at line {line}"
    if looks_binary(data):
        return rejected(source, None, f"binary data, not text ({byte} is not UTF-8)")
    known = ", ".join(LEGACY_ENCODINGS)
    return rejected(source, line, f"not valid UTF-8: {byte}, nor in a known legacy encoding ({known})")


def parse_text(text: str, doc_id: str) -> dict[str, Any]:
    """The raw (not yet normalized) document of one text file."""
    return _parse(text, doc_id)[0]


def _parse(text: str, doc_id: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The raw document, and the line each of its fields starts on."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = _blocks(text)
    if not blocks:
        raise InvalidDocument("empty text file")
    article = _parse_article(blocks, doc_id)
    if article is not None:
        return article
    first = blocks[0]
    title, _, rest = first.text.partition("\n")
    lines = {"title": first.line}
    if rest.strip():
        body = [rest.strip(), *(block.text for block in blocks[1:])]
        lines["body"] = first.line + 1
    else:
        body = [block.text for block in blocks[1:]]
        if len(blocks) > 1:
            lines["body"] = blocks[1].line
    return {"id": doc_id, "title": title.strip(), "body": "\n\n".join(body)}, lines


def _blocks(text: str) -> list[_Block]:
    """The non-blank paragraphs of ``text``, split at blank lines."""
    starts = [0]
    ends = []
    for match in _BLOCK_BREAK.finditer(text):
        ends.append(match.start())
        starts.append(match.end())
    ends.append(len(text))
    blocks = []
    line, counted = 1, 0
    for start, end in zip(starts, ends, strict=True):
        chunk = text[start:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        first = start + len(chunk) - len(chunk.lstrip())
        line += text.count("\n", counted, first)
        counted = first
        blocks.append(_Block(line, stripped))
    return blocks


def _parse_article(blocks: list[_Block], doc_id: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    header = _HEADER.fullmatch(blocks[0].text)
    if header is None or len(blocks) < 3:
        return None
    title = blocks[1].text
    # The lead is optional: the date line is the third or the fourth part.
    for at in (2, 3):
        dateline = _DATELINE.fullmatch(blocks[at].text) if at < len(blocks) else None
        if dateline is not None:
            break
    else:
        return None
    doc: dict[str, Any] = {"id": doc_id, "source": header.group(1).strip(), "title": title}
    lines = {"source": blocks[0].line, "title": blocks[1].line}
    if at == 3:
        doc["lead"] = blocks[2].text
        lines["lead"] = blocks[2].line
    doc["date"] = _dateline_date(dateline, blocks[at].line)
    lines["date"] = lines["views"] = blocks[at].line
    if dateline.group(6) is not None:
        doc["views"] = int(dateline.group(6))
    # Image captions repeat the title with " - N"; they can sit anywhere between paragraphs.
    body = [
        block
        for block in blocks[at + 1 :]
        if not (block.text.startswith(title) and _CAPTION_TAIL.fullmatch(block.text, len(title)))
    ]
    if body:
        doc["body"] = "\n\n".join(block.text for block in body)
        lines["body"] = body[0].line
    return doc, lines


def _dateline_date(match: re.Match[str], line: int) -> str:
    month_name, day, year, hour, minute = match.group(1, 2, 3, 4, 5)
    month = _MONTHS.get(month_name.lower())
    try:
        if month is None:
            raise ValueError
        # The site prints local time without a zone; the model reads a naive time as UTC.
        return dt.datetime(int(year), month, int(day), int(hour), int(minute)).isoformat()
    except ValueError:
        raise InvalidDocument(f"invalid date line {match.group(0)!r}", line=line) from None
