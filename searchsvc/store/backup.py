"""Snapshots: a consistent copy of an index folder's live generation, taken while it is in use.

Whoosh never changes a file once written: a commit adds segment files and a
new table of contents, and removes the files no table of contents needs any
more. So the files present while no commit runs are one commit's index. A
snapshot holds the index's write lock (commits from every process wait) just
long enough to list those files and hard-link them into the destination, or,
where links cannot be made (another file system), to open them; the copying
then happens with the lock released, from the files already open.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InvalidInput
from .errors import store_errors
from .generations import IndexStore, fsync, write_meta


@dataclass
class SnapshotReport:
    """What a snapshot copied."""

    generation: str
    files: int
    bytes: int
    #: True when the files were hard-linked, False when they were copied.
    linked: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "generation": self.generation,
            "files": self.files,
            "bytes": self.bytes,
            "linked": self.linked,
        }


def _index_files(folder: Path) -> list[Path]:
    # Lock files belong to the live index's writers, not to its content.
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(("LOCK", ".tmp")))


def take_snapshot(store: IndexStore, ix: Any, dest: str | os.PathLike[str]) -> SnapshotReport:
    """Copy the live generation of ``store`` (whose open index is ``ix``) into the new folder ``dest``."""
    assert store.path is not None, "an index in memory has no files to copy"
    target = Path(dest)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(f"{os.fspath(dest)!r} exists and is not empty: a snapshot goes into a new folder")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    opened: list[tuple[BinaryIO, Path]] = []
    try:
        with store_errors("take a snapshot"):
            with store.writes_held(ix):
                generation = store.current_generation()
                assert generation is not None
                files = _index_files(store.path / generation)
                copies = partial / generation
                copies.mkdir(parents=True)
                linked = _link_all(files, copies)
                if not linked:
                    opened = [(open(file, "rb"), copies / file.name) for file in files]  # noqa: SIM115
            for source, copy in opened:
                with source, open(copy, "wb") as out:
                    shutil.copyfileobj(source, out, 1 << 20)
                    out.flush()
                    os.fsync(out.fileno())
            write_meta(partial, generation)
            fsync(copies)
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
    return SnapshotReport(
        generation, len(files), sum(f.stat().st_size for f in (target / generation).iterdir()), linked
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
