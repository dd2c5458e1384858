"""JSON Lines and JSON documents, read as streams.

A JSON Lines file is read line by line. A JSON file is read in chunks and its
values are decoded one at a time with :meth:`json.JSONDecoder.raw_decode`, so a
file of any size needs memory for one document, not for the file. A JSON file
holds an array of documents, or one document, or (leniently) documents one
after another as in JSON Lines.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from ..errors import InvalidJSON
from .records import ESCAPED_BYTE, Record, has_lone_surrogate, make_record, rejected, utf8_error

DEFAULT_CHUNK_SIZE = 256 * 1024


class _NonFiniteNumber(ValueError):
    pass


#: An integer of more digits than Python will read.
_TOO_LONG_NUMBER = "invalid JSON: a number with too many digits"


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and no index or client could round-trip them.
    raise _NonFiniteNumber(f"invalid JSON: {name} is not allowed")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_NOT_SPACE = re.compile(r"[^ \t\n\r]")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*\Z")
# A decode error this close to the end of the buffer may only mean the value goes on in
# the next chunk ("tru", "-", "\u12", "Infinit" are all shorter).
_TRUNCATION_MARGIN = 16
_SURROGATE_ERROR = "invalid JSON: a \\u escape encodes half of a surrogate pair"
_CUT_OFF = "invalid JSON: the file ends in the middle of this record; was it cut off?"


def read_jsonl(stream: IO[bytes], *, source: str, max_field_length: int | None = None) -> Iterator[Record]:
    """One record per non-blank line; a bad line does not stop the file.

    A last line that stops in the middle of a record (no line ending, and the
    JSON or UTF-8 still expecting more) is reported as cut off.
    """
    for number, data in enumerate(stream, start=1):
        if number == 1 and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        # Only the last line of a file can lack its ending.
        ended = data.endswith(b"\n")
        # Without its line ending, a JSON error's column is a column of this line.
        data = data.rstrip(b"\r\n")
        if not data or data.isspace():
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            cut = not ended and exc.end == len(data) and exc.reason == "unexpected end of data"
            yield rejected(source, number, _CUT_OFF if cut else utf8_error(data, exc, multiline=False))
            continue
        try:
            value = _DECODER.decode(text)
        except json.JSONDecodeError as exc:
            if not ended and _ends_early(text, exc):
                yield rejected(source, number, _CUT_OFF)
                continue
            # "Unterminated string starting at" expects a position after it; the column says it.
            message = exc.msg.removesuffix(" starting at")
            yield rejected(source, number, f"invalid JSON: {message} at column {exc.colno}")
            continue
        except _NonFiniteNumber as exc:
            yield rejected(source, number, str(exc))
            continue
        except ValueError:
            # Python refuses to read an integer of thousands of digits (int_max_str_digits).
            yield rejected(source, number, _TOO_LONG_NUMBER)
            continue
        except RecursionError:
            yield rejected(source, number, "invalid JSON: nested too deeply")
            continue
        if _ESCAPED_SURROGATE.search(text) and has_lone_surrogate(value):
            yield rejected(source, number, _SURROGATE_ERROR)
            continue
        yield make_record(source, number, value, max_field_length)


def decode_json(data: bytes) -> Any:
    """One JSON value read as documents are read from files: integers exact, NaN and
    Infinity refused. Raises :class:`~searchsvc.errors.InvalidJSON` saying why not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidJSON(f"the body is not valid JSON: {utf8_error(data, exc, multiline=True)}") from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(f"the body is not valid JSON: {exc}") from None
    except _NonFiniteNumber as exc:
        raise InvalidJSON(f"the body is not valid JSON: {_reason(str(exc))}") from None
    except RecursionError:
        raise InvalidJSON("the body is not valid JSON: it is nested too deeply") from None
    except ValueError:
        raise InvalidJSON(f"the body is not valid JSON: {_reason(_TOO_LONG_NUMBER)}") from None
    return value


def _reason(message: str) -> str:
    return message.removeprefix("invalid JSON: ")


def _ends_early(text: str, exc: json.JSONDecodeError) -> bool:
    """Whether ``text`` is a JSON value that stops before its end, rather than a wrong one."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip())


def read_json(
    stream: IO[bytes],
    *,
    source: str,
    max_field_length: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[Record]:
    """The elements of a JSON array, or the top-level values, one record each.

    A record's ``line`` is where its value starts and, in an array, ``index`` is its
    position (from 0), which alone tells apart the elements of a one-line array.
    A syntax error ends the file (with a rejection): past it no element boundary
    can be trusted. A bad element that is valid JSON does not.
    """
    cursor = _Cursor(stream, chunk_size)
    first = cursor.peek()
    if not first:
        return  # nothing to read, as in an empty file of any format
    in_array = first == "["
    index: int | None = 0 if in_array else None
    if in_array:
        cursor.advance(cursor.pos + 1)
        if cursor.peek() == "]":
            cursor.advance(cursor.pos + 1)
            if cursor.peek():
                yield rejected(source, cursor.line, "invalid JSON: extra data after the array")
            return
    while True:
        cursor.peek()
        line = cursor.line
        try:
            value, end = cursor.decode()
        except json.JSONDecodeError as exc:
            yield rejected(source, line, _syntax_error(cursor, exc), index=index)
            return
        except _NonFiniteNumber as exc:
            yield rejected(source, line, f"{exc}; rest of input skipped", index=index)
            return
        except ValueError:
            yield rejected(source, line, f"{_TOO_LONG_NUMBER}; rest of input skipped", index=index)
            return
        except RecursionError:
            yield rejected(
                source, line, "invalid JSON: nested too deeply; rest of input skipped", index=index
            )
            return
        start = cursor.pos
        bad_byte = ESCAPED_BYTE.search(cursor.buf, start, end) if cursor.tainted else None
        escaped = bad_byte is None and _ESCAPED_SURROGATE.search(cursor.buf, start, end) is not None
        cursor.advance(end)
        if bad_byte is not None:
            # surrogateescape maps byte 0xNN to U+DCNN.
            byte_line = line + cursor.buf.count("\n", start, bad_byte.start())
            byte = ord(bad_byte.group()) - 0xDC00
            yield rejected(
                source, line, f"not valid UTF-8: byte 0x{byte:02x} at line {byte_line}", index=index
            )
        elif escaped and has_lone_surrogate(value):
            yield rejected(source, line, _SURROGATE_ERROR, index=index)
        else:
            yield make_record(source, line, value, max_field_length, index=index)
        if index is not None:
            index += 1

        after = cursor.peek()
        if not in_array:
            if not after:
                return
            continue
        if after == ",":
            cursor.advance(cursor.pos + 1)
            continue
        if after == "]":
            cursor.advance(cursor.pos + 1)
            if cursor.peek():
                yield rejected(source, cursor.line, "invalid JSON: extra data after the array")
            return
        if not after:
            yield rejected(source, cursor.line, "invalid JSON: the array is not closed")
        else:
            yield rejected(source, cursor.line, "invalid JSON: expecting ',' or ']'; rest of input skipped")
        return


def _syntax_error(cursor: _Cursor, exc: json.JSONDecodeError) -> str:
    line = cursor.line + cursor.buf.count("\n", cursor.pos, exc.pos)
    if cursor.eof and _ends_early(cursor.buf, exc):
        return f"invalid JSON at line {line}: the file ends in the middle of a value; was it cut off?"
    # "Unterminated string starting at" expects a position after it; the line says it.
    message = exc.msg.removesuffix(" starting at")
    return f"invalid JSON at line {line}: {message}; rest of input skipped"


class _Cursor:
    """A position in a text decoded chunk by chunk; ``line`` is the 1-based line at ``pos``."""

    __slots__ = ("_read", "_decoder", "_chunk_size", "buf", "pos", "line", "eof", "tainted")

    def __init__(self, stream: IO[bytes], chunk_size: int) -> None:
        self._read = stream.read
        # Undecodable bytes are kept as lone surrogates so that one bad document is
        # rejected alone instead of ending the whole file.
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogateescape")
        self._chunk_size = max(1, chunk_size)
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        #: Whether ``buf`` may hold bytes that were not UTF-8 (searching every value for
        #: them costs more than parsing it, so only a tainted buffer is searched).
        self.tainted = False

    def fill(self) -> bool:
        """Append more text; False once the input is exhausted."""
        if self.eof:
            return False
        # Read at least as much as is still unparsed: a value longer than a chunk is then
        # re-decoded a logarithmic number of times, not once per chunk.
        data = self._read(max(self._chunk_size, len(self.buf) - self.pos))
        if not data:
            self.eof = True
        text = self._decoder.decode(data, final=self.eof)
        if self.tainted:
            self.tainted = ESCAPED_BYTE.search(self.buf, self.pos) is not None
        if not self.tainted:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                self.tainted = True
        self.buf = self.buf[self.pos :] + text
        self.pos = 0
        return True

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def peek(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the input."""
        while True:
            match = _NOT_SPACE.search(self.buf, self.pos)
            if match is not None:
                self.advance(match.start())
                return self.buf[self.pos]
            self.advance(len(self.buf))
            if not self.fill():
                return ""

    def decode(self) -> tuple[Any, int]:
        """The value at ``pos`` and where it ends, reading on while it may be cut off."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if not self.eof and (
                    exc.pos >= len(self.buf) - _TRUNCATION_MARGIN or exc.msg.startswith("Unterminated string")
                ):
                    self.fill()
                    continue
                raise
            if (
                not self.eof
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
                and _NUMBER_TAIL.match(self.buf, end) is not None
            ):
                # "12" at the end of a chunk may be the start of "12.5e3".
                self.fill()
                continue
            return value, end
