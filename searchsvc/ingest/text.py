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
from typing import IO, Any

from ..errors import InvalidDocument
from .records import Record, make_record, rejected, utf8_error

_BLOCK_BREAK = re.compile(r"\n\s*\n")
_HEADER = re.compile(r"Last news in (\S.*)")
_DATELINE = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?: (\d+))?")
_CAPTION_TAIL = re.compile(r" - \d+")

_MONTH_NAMES = "january february march april may june july august september october november december"
_MONTHS = {name: number for number, full in enumerate(_MONTH_NAMES.split(), 1) for name in (full, full[:3])}
_MONTHS["sept"] = 9


def read_text(
    stream: IO[bytes], *, source: str, doc_id: str, max_field_length: int | None = None
) -> Iterator[Record]:
    """The one document of a text file, or its rejection (line is always None)."""
    data = stream.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield rejected(source, None, utf8_error(data, exc, multiline=True))
        return
    try:
        raw = parse_text(text, doc_id)
    except InvalidDocument as exc:
        yield rejected(source, None, exc.message)
        return
    yield make_record(source, None, raw, max_field_length)


def parse_text(text: str, doc_id: str) -> dict[str, Any]:
    """The raw (not yet normalized) document of one text file."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [block.strip() for block in _BLOCK_BREAK.split(text.strip())]
    blocks = [block for block in blocks if block]
    if not blocks:
        raise InvalidDocument("empty text file")
    article = _parse_article(blocks, doc_id)
    if article is not None:
        return article
    title, _, rest = blocks[0].partition("\n")
    body = [rest.strip(), *blocks[1:]] if rest.strip() else blocks[1:]
    return {"id": doc_id, "title": title.strip(), "body": "\n\n".join(body)}


def _parse_article(blocks: list[str], doc_id: str) -> dict[str, Any] | None:
    header = _HEADER.fullmatch(blocks[0])
    if header is None or len(blocks) < 3:
        return None
    title = blocks[1]
    # The lead is optional: the date line is the third or the fourth part.
    for at in (2, 3):
        dateline = _DATELINE.fullmatch(blocks[at]) if at < len(blocks) else None
        if dateline is not None:
            break
    else:
        return None
    doc: dict[str, Any] = {"id": doc_id, "source": header.group(1).strip(), "title": title}
    if at == 3:
        doc["lead"] = blocks[2]
    doc["date"] = _dateline_date(dateline)
    if dateline.group(6) is not None:
        doc["views"] = int(dateline.group(6))
    # Image captions repeat the title with " - N"; they can sit anywhere between paragraphs.
    body = [
        block
        for block in blocks[at + 1 :]
        if not (block.startswith(title) and _CAPTION_TAIL.fullmatch(block, len(title)))
    ]
    if body:
        doc["body"] = "\n\n".join(body)
    return doc


def _dateline_date(match: re.Match[str]) -> str:
    month_name, day, year, hour, minute = match.group(1, 2, 3, 4, 5)
    month = _MONTHS.get(month_name.lower())
    try:
        if month is None:
            raise ValueError
        # The site prints local time without a zone; the model reads a naive time as UTC.
        return dt.datetime(int(year), month, int(day), int(hour), int(minute)).isoformat()
    except ValueError:
        raise InvalidDocument(f"invalid date line {match.group(0)!r}") from None
