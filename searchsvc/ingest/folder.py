"""Formats by file name, and a lazy, sorted walk of a folder tree."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NamedTuple

#: Format names a reader exists for.
FORMATS = ("text", "jsonl", "json", "csv")

_EXTENSIONS = {
    ".txt": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
}


#: The extension of a gzipped file, after the one of its format (``wire.jsonl.gz``).
GZIP_EXTENSION = ".gz"


def detect_format(path: str | os.PathLike[str]) -> str | None:
    """The format a file's extension names (before ``.gz`` for a gzipped one), or None."""
    name = os.fspath(path)
    if name.lower().endswith(GZIP_EXTENSION):
        name = name[: -len(GZIP_EXTENSION)]
    return _EXTENSIONS.get(os.path.splitext(name)[1].lower())


class Entry(NamedTuple):
    """A file found by :func:`walk_folder`, or one it cannot read (``error``).

    An entry with an error is a folder that could not be listed (``folder``), or a
    symbolic link whose target is missing.
    """

    path: str
    relative: str
    error: str | None = None
    folder: bool = False


def walk_folder(root: str) -> Iterator[Entry]:
    """Every non-hidden file under ``root``, depth first, in sorted relative-path order.

    Only one directory listing per level is held at a time. Symbolic links are
    followed, but a directory already seen is not entered twice (no cycles, and no
    document read twice under two ids).
    """
    seen: set[tuple[int, int]] = set()
    yield from _walk(root, "", seen)


def _walk(path: str, relative: str, seen: set[tuple[int, int]]) -> Iterator[Entry]:
    try:
        stat = os.stat(path)
        key = (stat.st_dev, stat.st_ino)
        if key in seen:
            return
        seen.add(key)
        with os.scandir(path) as listing:
            entries = [entry for entry in listing if not entry.name.startswith(".")]
    except OSError as exc:
        yield Entry(path, relative, f"cannot list folder: {exc.strerror or exc}", folder=True)
        return
    # Sorting "name/" for folders makes the walk order that of the full relative paths.
    entries.sort(key=lambda entry: entry.name + "/" if _is_dir(entry) else entry.name)
    prefix = relative + "/" if relative else ""
    for entry in entries:
        if _is_dir(entry):
            yield from _walk(entry.path, prefix + entry.name, seen)
        elif _is_file(entry):
            yield Entry(entry.path, prefix + entry.name)
        elif _is_broken_link(entry):
            yield Entry(entry.path, prefix + entry.name, "a symbolic link to a file that does not exist")


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_broken_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink() and not os.path.exists(entry.path)
    except OSError:
        return False
