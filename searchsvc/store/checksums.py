"""Checksums of an index's files: recorded by each commit, compared by whoever opens or checks it.

Whoosh keeps no checksums, and a flipped byte inside a segment decodes
silently: as another word in a stored document, or another document in a
posting list. So each commit records the size and CRC-32 of what it writes:

- beside every new segment, its files' (``MAIN_<segment>.sum``). The name
  starts with the segment's, so Whoosh removes it with the segment's files;
- beside the new table of contents, its own (``_MAIN_<generation>.toc.sum``),
  which the next commit replaces. The table of contents holds each segment's
  document count and deletions, which no segment file repeats.

A file without a record (written before searchsvc kept them, or by a commit
that stopped between the file and its record) is not verified, and not
called damaged.
"""

from __future__ import annotations

import contextlib
import json
import zlib
from collections.abc import Callable, Iterable
from typing import Any

#: The ending of a checksum record, after the name of what it covers.
CHECKSUMS_EXT = ".sum"
_FORMAT = "searchsvc-checksums"
_CHUNK = 1 << 20


class DamagedRecord(Exception):
    """A checksum record that cannot be read: itself damaged."""


def segment_files(storage: Any, segment: Any) -> list[str]:
    """The names of the files holding ``segment`` (its compound file, usually)."""
    prefix = segment.segment_id() + "."
    return sorted(
        name
        for name in storage.list()
        if name.startswith(prefix) and not name.endswith((CHECKSUMS_EXT, ".tmp"))
    )


def checksum(file: Any, advance: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Size and CRC-32 of an open file, read from its start; ``advance`` is told each chunk's size."""
    crc = 0
    size = 0
    while True:
        chunk = file.read(_CHUNK)
        if not chunk:
            return size, crc
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        if advance is not None:
            advance(len(chunk))


def _file_checksum(storage: Any, name: str) -> dict[str, int]:
    file = storage.open_file(name)
    try:
        size, crc = checksum(file)
    finally:
        file.close()
    return {"bytes": size, "crc32": crc}


def _write_record(storage: Any, name: str, files: dict[str, dict[str, int]]) -> None:
    payload = json.dumps({"format": _FORMAT, "files": files}).encode("utf-8")
    out = storage.create_file(name + ".tmp")
    try:
        out.write(payload)
    finally:
        out.close()
    storage.rename_file(name + ".tmp", name, safe=False)


def read_record(storage: Any, name: str) -> dict[str, dict[str, int]] | None:
    """The sizes and checksums recorded in ``name``, or None when there is no such record."""
    try:
        file = storage.open_file(name)
    except (FileNotFoundError, NameError):
        return None
    try:
        data = json.loads(file.read())
        files = data["files"]
        if data.get("format") != _FORMAT or not isinstance(files, dict):
            raise ValueError
        return {n: {"bytes": int(v["bytes"]), "crc32": int(v["crc32"])} for n, v in files.items()}
    except (ValueError, KeyError, TypeError):
        raise DamagedRecord(f"its checksum file {name} is damaged") from None
    finally:
        file.close()


def record_segments(storage: Any, segments: Iterable[Any]) -> None:
    """Record the sizes and checksums of the files of ``segments``, which a commit has just
    written, before the table of contents naming them is written."""
    for segment in segments:
        files = {name: _file_checksum(storage, name) for name in segment_files(storage, segment)}
        _write_record(storage, segment.segment_id() + CHECKSUMS_EXT, files)


def segment_record(storage: Any, segment: Any) -> dict[str, dict[str, int]] | None:
    """The checksums recorded for ``segment``'s files, or None for a segment written before they were."""
    return read_record(storage, segment.segment_id() + CHECKSUMS_EXT)


def toc_file(indexname: str, generation: int) -> str:
    """Whoosh's name for the table of contents of commit ``generation``."""
    return f"_{indexname}_{generation}.toc"


def record_toc(storage: Any, indexname: str, generation: int) -> None:
    """Record the checksum of the table of contents a commit has just written, and drop the
    records of the ones before it, which Whoosh has removed."""
    name = toc_file(indexname, generation)
    _write_record(storage, name + CHECKSUMS_EXT, {name: _file_checksum(storage, name)})
    for other in storage.list():
        stale = other.startswith(f"_{indexname}_") and other.endswith(".toc" + CHECKSUMS_EXT)
        if stale and other != name + CHECKSUMS_EXT:
            with contextlib.suppress(OSError):
                storage.delete_file(other)


def toc_problem(storage: Any, indexname: str, generation: int) -> str | None:
    """What is wrong with the table of contents of commit ``generation``, by its recorded
    checksum; None when it matches, has no record, or is gone (a later commit replaced it)."""
    name = toc_file(indexname, generation)
    try:
        recorded = read_record(storage, name + CHECKSUMS_EXT)
    except DamagedRecord:
        return f"the table of contents' checksum file {name}{CHECKSUMS_EXT} is damaged"
    if recorded is None or name not in recorded:
        return None
    try:
        found = _file_checksum(storage, name)
    except (FileNotFoundError, NameError):
        return None
    return compare(name, found, recorded[name])


def compare(name: str, found: dict[str, int], expected: dict[str, int]) -> str | None:
    """How file ``name`` differs from what was recorded of it, or None."""
    if found["bytes"] != expected["bytes"]:
        return f"file {name} has {found['bytes']:,} bytes, {expected['bytes']:,} were written"
    if found["crc32"] != expected["crc32"]:
        return (
            f"file {name} does not match its checksum "
            f"(crc32 {found['crc32']:08x}, {expected['crc32']:08x} was written)"
        )
    return None
