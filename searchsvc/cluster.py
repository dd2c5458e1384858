"""Shards and replicas as Ray actors: the one module that knows Ray.

Each shard is a folder every node can read (one machine's disk in tests, NFS
or the like in production). One writer actor per shard holds a
:class:`~searchsvc.engine.SearchEngine` that writes it, through the shard's
write-ahead log; ``replicas`` searcher actors hold engines that only read it,
and see each commit as searchers of another process do. Ray restarts an actor
that dies; meanwhile a read goes to another replica of the same shard.

:func:`start` gives a :class:`~searchsvc.shards.ShardedEngine` over these
shards, with the methods of a search engine.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .request import SearchRequest
from .results import SearchResult, WriteSummary
from .scoring import CollectionStatistics
from .settings import Settings
from .shards import ShardedEngine

#: Calls a read may try, each on the next replica, before the shard counts as down.
READ_ATTEMPTS = 3


def _ray() -> Any:
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("searchsvc's cluster needs Ray: pip install 'searchsvc[cluster]'") from None
    return ray


class ShardHost:
    """The body of a shard's actor: one engine over the shard's folder."""

    def __init__(self, folder: str, settings: Settings) -> None:
        from .engine import SearchEngine

        self.engine = SearchEngine(folder, settings=settings)

    def add(self, docs: list[Mapping[str, Any]]) -> WriteSummary:
        return self.engine.add(docs)

    def delete(self, ids: list[str]) -> int:
        return self.engine.delete(ids)

    def commit(self) -> None:
        self.engine.commit()

    def get(self, doc_id: str) -> dict[str, Any]:
        return self.engine.get(doc_id)

    def count(self) -> int:
        return len(self.engine)

    def statistics(self, request: SearchRequest) -> CollectionStatistics:
        return self.engine.statistics(request)

    def run(self, request: SearchRequest, statistics: CollectionStatistics | None) -> SearchResult:
        return self.engine.run(request, statistics)


class RemoteShard:
    """One shard seen from the coordinator: writes to its writer, reads from its replicas in turn."""

    def __init__(self, writer: Any, replicas: list[Any]) -> None:
        self.writer = writer
        self.replicas = replicas
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def _write(self, method: str, *args: Any) -> Any:
        ray = _ray()
        return ray.get(getattr(self.writer, method).remote(*args))

    def _read(self, method: str, *args: Any) -> Any:
        ray = _ray()
        failure: Exception | None = None
        for _attempt in range(READ_ATTEMPTS):
            with self._lock:
                replica = self.replicas[next(self._turn) % len(self.replicas)]
            try:
                return ray.get(getattr(replica, method).remote(*args))
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as exc:
                failure = exc  # this replica is down or restarting: the next one answers
        assert failure is not None
        raise failure

    def add(self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any]) -> WriteSummary:
        batch = [docs] if isinstance(docs, Mapping) else list(docs)
        result: WriteSummary = self._write("add", batch)
        return result

    def delete(self, ids: Iterable[str] | str) -> int:
        return int(self._write("delete", [ids] if isinstance(ids, str) else list(ids)))

    def commit(self) -> None:
        self._write("commit")

    def get(self, doc_id: str) -> dict[str, Any]:
        # The writer holds writes not yet committed: a real-time get asks it.
        found: dict[str, Any] = self._write("get", doc_id)
        return found

    def __len__(self) -> int:
        return int(self._read("count"))

    def statistics(self, request: SearchRequest) -> CollectionStatistics:
        found: CollectionStatistics = self._read("statistics", request)
        return found

    def run(self, request: SearchRequest, statistics: CollectionStatistics | None = None) -> SearchResult:
        found: SearchResult = self._read("run", request, statistics)
        return found


def start(
    index_dir: str | Path,
    shards: int,
    replicas: int = 1,
    settings: Settings | None = None,
) -> ShardedEngine:
    """A sharded engine over ``shards`` folders of ``index_dir``, on the Ray cluster this process joined.

    Call ``ray.init`` first (or let this start a local Ray). Each shard gets a
    writer actor and ``replicas`` searcher actors, restarted by Ray when they die.
    """
    ray = _ray()
    if not ray.is_initialized():
        ray.init(include_dashboard=False, configure_logging=False)
    settings = settings or Settings()
    actor = ray.remote(max_restarts=-1, max_task_retries=0)(ShardHost)
    remote = []
    for n in range(shards):
        folder = str(Path(index_dir) / f"shard-{n}")
        writer = actor.options(num_cpus=0).remote(folder, settings)
        # The writer creates the folder's index before any searcher opens it.
        ray.get(writer.count.remote())
        searchers = [actor.options(num_cpus=0).remote(folder, settings) for _ in range(replicas)]
        remote.append(RemoteShard(writer, searchers))
    return ShardedEngine(remote, settings)
