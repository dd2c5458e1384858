"""CSV with a header row naming the fields, read row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

from .records import Record, make_record, rejected

if TYPE_CHECKING:
    from _csv import Reader


def read_csv(stream: IO[bytes], *, source: str, max_field_length: int | None = None) -> Iterator[Record]:
    """One record per row; ``line`` is where the row starts (a quoted field may span lines).

    An empty cell is an absent field: CSV cannot tell an empty string from no value.
    """
    _allow_fields_of(max_field_length)
    # Undecodable bytes are kept as lone surrogates so that only their row is rejected.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines: list[str] = []
    try:
        yield from _rows(csv.reader(_kept(text, lines)), lines, source, max_field_length)
    finally:
        # The caller owns the binary stream; closing the wrapper would close it too.
        text.detach()


def _kept(text: Iterable[str], lines: list[str]) -> Iterator[str]:
    """The lines of ``text``, each also appended to ``lines``."""
    for line in text:
        lines.append(line)
        yield line


def _rows(reader: Reader, lines: list[str], source: str, max_field_length: int | None) -> Iterator[Record]:
    header: list[str] | None = None
    while True:
        start = reader.line_num + 1
        # The reader takes lines as it needs them: those of one row.
        lines.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield rejected(source, start, f"invalid CSV: {exc}")
            if header is None:
                return
            continue
        if _cut_off(lines):
            yield rejected(source, start, "invalid CSV: the file ends inside a quoted field; was it cut off?")
            return
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [name.strip() for name in row]
            duplicate = next((name for name in header if header.count(name) > 1), None)
            if duplicate is not None:
                yield rejected(source, start, f"invalid CSV header: column {duplicate!r} appears twice")
                return
            continue
        if len(row) != len(header):
            yield rejected(source, start, f"row has {len(row)} fields, the header has {len(header)}")
            continue
        if not _is_utf8(row):
            yield rejected(source, start, "not valid UTF-8")
            continue
        yield make_record(
            source,
            start,
            {name: cell for name, cell in zip(header, row, strict=True) if cell},
            max_field_length,
        )


def _cut_off(lines: list[str]) -> bool:
    """Whether the row read from ``lines`` was ended by the end of the file inside quotes.

    Python's reader is lenient there and returns what it has; read again
    strictly, the same lines say so.
    """
    if not lines or lines[-1].endswith(("\n", "\r")):
        return False
    if sum(line.count('"') for line in lines) % 2 == 0:
        return False
    try:
        for _ in csv.reader(lines, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _is_utf8(row: list[str]) -> bool:
    # Encoding fails exactly on the surrogates that stand for undecodable bytes, and runs
    # several times faster than a regular expression looking for them.
    try:
        for cell in row:
            cell.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _allow_fields_of(max_field_length: int | None) -> None:
    # The csv module refuses fields over 128 KiB by default; a longer body is legitimate
    # up to the configured limit, which normalize_document then enforces with a clear message.
    # The limit is process-wide, so it is only ever raised.
    if max_field_length is not None and csv.field_size_limit() <= max_field_length:
        csv.field_size_limit(max_field_length + 1)
