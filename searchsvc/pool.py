"""The searcher pool: open snapshots of the index, reused across searches.

Opening a searcher reads every segment's directory; a search takes an idle
one instead, checks that it still shows the latest commit (this process's or
another's), and gives it back. A rebuild's new generation replaces the pool's
index, and snapshots of the old one are closed as they come back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from .errors import EngineClosed
from .store.generations import IndexStore
from .store.snapshot import Snapshot

#: How often a snapshot checks for commits made by other processes (another
#: server worker, the CLI): at every search, which costs one directory listing.
EXTERNAL_CHECK_SECONDS = 0.0


class Lease:
    """A snapshot taken from the pool, to be given back with :meth:`SearcherPool.release`."""

    __slots__ = ("snapshot", "index_token", "checked")

    def __init__(self, snapshot: Snapshot, index_token: int) -> None:
        self.snapshot = snapshot
        self.index_token = index_token
        self.checked = time.monotonic()


class SearcherPool:
    """Snapshots of one index store's active generation, for any number of threads."""

    def __init__(self, store: IndexStore, *, create: bool = True) -> None:
        self._store = store
        self._ix = store.open(create=create)
        self._index_token = 0
        self._lock = threading.Lock()
        self._idle: list[Lease] = []
        self._closed = False

    @property
    def index(self) -> Any:
        """The store's open index: what writers write to."""
        return self._ix

    def current_index(self) -> Any:
        """The active generation's index, opened again if another process swapped in a new one."""
        with self._lock:
            if self._store.swapped():
                self._ix = self._store.open(create=False)
                self._index_token += 1
            return self._ix

    def is_current(self, ix: Any) -> bool:
        """Whether ``ix`` is still the active generation (no swap since it was opened)."""
        with self._lock:
            return ix is self._ix and not self._store.swapped()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A snapshot of the latest commit, for the length of the block."""
        pooled = self.acquire()
        try:
            yield pooled.snapshot
        finally:
            self.release(pooled)

    def acquire(self) -> Lease:
        with self._lock:
            if self._closed:
                raise EngineClosed("the search engine is closed")
            if self._store.swapped():
                self._ix = self._store.open(create=False)
                self._index_token += 1
            if self._idle and self._idle[0].index_token != self._index_token:
                self._drop_stale()
            pooled = self._idle.pop() if self._idle else None
            token = self._index_token
            ix = self._ix
        if pooled is None or pooled.index_token != token:
            if pooled is not None:
                pooled.snapshot.close()
            return Lease(Snapshot.open(ix), token)
        now = time.monotonic()
        if now - pooled.checked > EXTERNAL_CHECK_SECONDS or not pooled.snapshot.of_index(ix):
            pooled.checked = now
            pooled.snapshot = pooled.snapshot.refreshed()
        return pooled

    def _drop_stale(self) -> None:
        # Idle snapshots of a replaced generation would keep its segment files
        # open until each was checked out again; close them all at once.
        # The caller holds _lock.
        for pooled in self._idle:
            if pooled.index_token != self._index_token:
                pooled.snapshot.close()
        self._idle = [p for p in self._idle if p.index_token == self._index_token]

    def release(self, pooled: Lease) -> None:
        with self._lock:
            if self._closed or pooled.index_token != self._index_token:
                pooled.snapshot.close()
            else:
                self._idle.append(pooled)

    def committed(self) -> None:
        """After a commit of this process, every idle snapshot must look again at once."""
        with self._lock:
            for pooled in self._idle:
                pooled.checked = 0.0

    def replace(self, generation: str, ix: Any) -> None:
        """Activate a rebuilt generation; snapshots of the old one close as they come back."""
        with self._lock:
            self._store.activate(generation)
            self._ix = ix
            self._index_token += 1

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for pooled in self._idle:
                pooled.snapshot.close()
            self._idle.clear()
