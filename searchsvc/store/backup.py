"""Snapshots: a consistent copy of an index folder's live generation, taken while it is in use.

Whoosh never changes a file once written: a commit adds segment files and a
new table of contents, and removes the files no table of contents needs any
more. So the files present while no commit runs are one commit's index. A
snapshot holds the index's write lock (commits from every process wait) just
long enough to list those files and hard-link them into the destination, or,
where links cannot be made (another file system), to open them; the copying
then happens with the lock released, from the files already open.

A folder of shards is copied the same way, with every shard's lock held at
once: the copy holds all the shards as they were at one moment.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import IndexNotFound, InvalidInput
from .errors import store_errors
from .generations import IndexStore, fsync, write_meta
from .layout import FolderUse, record_shards, recorded_shards, shard_folders
from .schema import reading_schema


@dataclass
class SnapshotReport:
    """What a snapshot copied."""

    #: The generation copied; for a folder of shards, the live set of shard folders.
    generation: str
    files: int
    bytes: int
    #: True when the files were hard-linked, False when they were copied.
    linked: bool
    #: Documents in the copied commit (of every shard).
    documents: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "files": self.files,
            "bytes": self.bytes,
            "linked": self.linked,
            "documents": self.documents,
        }


def _index_files(folder: Path) -> list[Path]:
    # Lock files belong to the live index's writers, not to its content.
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(("LOCK", ".tmp")))


@dataclass
class _Part:
    """One index of a snapshot: the live one's store and open index, and its folder in the copy."""

    store: IndexStore
    ix: Any
    where: Path
    generation: str = ""
    files: tuple[Path, ...] = ()
    linked: bool = True


def take_snapshot(store: IndexStore, ix: Any, dest: str | os.PathLike[str]) -> SnapshotReport:
    """Copy the live generation of ``store`` (whose open index is ``ix``) into the new folder ``dest``."""
    assert store.path is not None, "an index in memory has no files to copy"
    return _snapshot([_Part(store, ix, Path())], dest, lambda partial: None)


def snapshot_shards(
    root: str | os.PathLike[str], dest: str | os.PathLike[str], schema: Any = None
) -> SnapshotReport:
    """Copy the latest commit of every shard of the folder ``root`` into the new folder ``dest``,
    which then opens as a folder of as many shards.

    Every shard's commits wait while the files are linked or opened, so the copy
    holds the shards as they all were at one moment.
    """
    folder = Path(root)
    count = recorded_shards(folder)
    if count is None:
        raise IndexNotFound(f"no index split into shards in {os.fspath(root)!r}")
    schema = schema or reading_schema()
    with contextlib.closing(FolderUse(folder)):  # no rebuild replaces the shards meanwhile
        folders = shard_folders(folder, count)
        live = folders[0].parent.name
        parts = []
        for number, shard in enumerate(folders):
            store = IndexStore(shard, schema)
            if store.current_generation() is not None:
                parts.append(_Part(store, store.open(create=False), Path(live) / f"shard-{number}"))

        def finish(partial: Path) -> None:
            for shard in folders:
                # Shards no document reached yet have no index, but have their folder.
                (partial / live / shard.name).mkdir(parents=True, exist_ok=True)
            record_shards(partial, count, live)

        return _snapshot(parts, dest, finish, name=live)


def _snapshot(
    parts: list[_Part], dest: str | os.PathLike[str], finish: Callable[[Path], None], name: str | None = None
) -> SnapshotReport:
    target = Path(dest)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(f"{os.fspath(dest)!r} exists and is not empty: a snapshot goes into a new folder")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    opened: list[tuple[BinaryIO, Path]] = []
    documents = 0
    try:
        with store_errors("take a snapshot"):
            with contextlib.ExitStack() as held:
                # Every index's commits wait, from any process, until its files are linked or open.
                for part in parts:
                    held.enter_context(part.store.writes_held(part.ix))
                for part in parts:
                    assert part.store.path is not None
                    generation = part.store.current_generation()
                    assert generation is not None
                    part.generation = generation
                    part.files = tuple(_index_files(part.store.path / generation))
                    copies = partial / part.where / generation
                    copies.mkdir(parents=True)
                    part.linked = _link_all(list(part.files), copies)
                    if not part.linked:
                        opened.extend((open(file, "rb"), copies / file.name) for file in part.files)  # noqa: SIM115
                    documents += part.ix.doc_count()
            for source, copy in opened:
                with source, open(copy, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
                    out.flush()
                    os.fsync(out.fileno())
            for part in parts:
                write_meta(partial / part.where, part.generation)
                fsync(partial / part.where / part.generation)
                fsync(partial / part.where)
            finish(partial)
            fsync(partial)
            if target.exists():
                target.rmdir()
            os.replace(partial, target)
            fsync(target.parent)
    except BaseException:
        for source, _copy in opened:
            source.close()
        shutil.rmtree(partial, ignore_errors=True)
        raise
    copied = [target / part.where / part.generation / file.name for part in parts for file in part.files]
    return SnapshotReport(
        name or (parts[0].generation if parts else ""),
        len(copied),
        sum(file.stat().st_size for file in copied),
        all(part.linked for part in parts),
        documents,
    )


def _link_all(files: list[Path], folder: Path) -> bool:
    """Hard-link every file into ``folder``; False (and nothing linked) where links cannot be made."""
    try:
        for file in files:
            os.link(file, folder / file.name)
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        for made in folder.iterdir():
            made.unlink()
        return False
    return True


#: A file system that cannot link these files: another device, or no links at all.
_NO_LINKS = {errno.EXDEV, errno.EPERM, errno.ENOSYS, errno.EOPNOTSUPP, errno.EMLINK}
