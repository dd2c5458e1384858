"""A folder split into shards: how many, which set of shard folders is live, and who uses it.

Layout::

    index/
      shards.json       {"shards": 3, "set": "set-000002"}, replaced atomically
      shards.lock       held shared by each process using the shards, alone by a rebuild
      set-000002/
        shard-0/        one index folder per shard (see :mod:`.generations`)
        shard-1/ ...

A rebuild of every shard writes a new set beside the live one, then replaces
``shards.json``: the new set becomes live for every shard at once, and a rebuild
that fails or is interrupted leaves the live set as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

from ..errors import IndexCorrupt, IndexLayoutMismatch, IndexLocked
from .generations import META_FILE, fsync

SHARDS_FILE = "shards.json"
LOCK_FILE = "shards.lock"
_SET = re.compile(r"set-(\d{6})")


def _meta(folder: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads((folder / SHARDS_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise IndexCorrupt(f"{SHARDS_FILE} of the folder {folder.name!r} cannot be read") from None
    count = meta.get("shards") if isinstance(meta, dict) else None
    live = meta.get("set") if isinstance(meta, dict) else None
    if not isinstance(count, int) or count < 1 or not isinstance(live, str) or not _SET.fullmatch(live):
        raise IndexCorrupt(f"{SHARDS_FILE} of the folder {folder.name!r} is damaged")
    return meta


def recorded_shards(folder: str | os.PathLike[str]) -> int | None:
    """The number of shards ``folder`` is split into, or None if it is not a folder of shards."""
    meta = _meta(Path(folder))
    return None if meta is None else int(meta["shards"])


def _folders(root: Path, live: str, shards: int) -> list[Path]:
    return [root / live / f"shard-{n}" for n in range(shards)]


def record_shards(root: Path, shards: int, live: str) -> None:
    """Say, atomically, that ``root`` is split into ``shards`` whose live set is ``live``."""
    temporary = root / (SHARDS_FILE + ".tmp")
    temporary.write_text(json.dumps({"shards": shards, "set": live}), "utf-8")
    fsync(temporary)
    os.replace(temporary, root / SHARDS_FILE)
    fsync(root)


def holds_one_index(root: Path) -> bool:
    """Whether ``root`` holds one index rather than shards."""
    return (root / META_FILE).exists()


def _refuse_one_index(root: Path, shards: int) -> None:
    if holds_one_index(root):
        raise IndexLayoutMismatch(
            f"the folder {root.name!r} holds one index, not shards: index its documents into a "
            f"new folder with --shards {shards}"
        )


def shard_folders(folder: str | os.PathLike[str], shards: int) -> list[Path]:
    """The live folders of ``shards`` shards in ``folder``: recorded when the folder is new, checked when not.

    Documents are placed by the number of shards, so a folder opens only with the number it was made with.
    """
    root = Path(folder)
    meta = check_shards(root, shards)
    if meta is None:
        root.mkdir(parents=True, exist_ok=True)
        record_shards(root, shards, "set-000001")
        return _folders(root, "set-000001", shards)
    return _folders(root, meta["set"], shards)


def check_shards(folder: str | os.PathLike[str], shards: int) -> dict[str, Any] | None:
    """Refuse, changing nothing, a folder that cannot open as ``shards`` shards (one index,
    or another number of shards); its record of shards, or None for a new folder."""
    root = Path(folder)
    meta = _meta(root)
    if meta is None:
        _refuse_one_index(root, shards)
        return None
    if meta["shards"] != shards:
        raise IndexLayoutMismatch(
            f"the folder {root.name!r} is split into {meta['shards']} shards, not {shards}: "
            f"open it with --shards {meta['shards']}"
        )
    return meta


class FolderUse:
    """A process's use of a folder of shards, as a lock on it: shared by the processes that
    read and write the shards, held alone by one that replaces them all."""

    def __init__(self, folder: str | os.PathLike[str], *, alone: bool = False) -> None:
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(self._fd, (fcntl.LOCK_EX if alone else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close()
            raise IndexLocked(
                f"the folder {root.name!r} is being rebuilt"
                if not alone
                else f"the folder {root.name!r} is in use (a server, or another command): stop it first"
            ) from None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # and with it the lock
            self._fd = None


class NewSet:
    """A set of shard folders built beside the live one, made live by :meth:`swap` or removed by :meth:`discard`."""

    def __init__(self, folder: str | os.PathLike[str], shards: int) -> None:
        self.root = Path(folder)
        self.shards = shards
        meta = _meta(self.root)
        if meta is None:
            _refuse_one_index(self.root, shards)
        number = int(_SET.fullmatch(meta["set"]).group(1)) if meta is not None else 0  # type: ignore[union-attr]
        self.name = f"set-{number + 1:06d}"
        self.previous: str | None = meta["set"] if meta is not None else None
        # What a rebuild that died left behind is not for this one.
        shutil.rmtree(self.root / self.name, ignore_errors=True)
        self.folders = _folders(self.root, self.name, shards)

    def swap(self) -> None:
        """Make this set the live one for every shard at once, and remove the old one."""
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
        fsync(self.root / self.name)
        record_shards(self.root, self.shards, self.name)
        if self.previous is not None:
            shutil.rmtree(self.root / self.previous, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.root / self.name, ignore_errors=True)
