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

import contextlib
import itertools
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import SearchsvcError, ShardUnavailable
from .request import SearchRequest
from .results import Export, SearchResult, WriteSummary
from .scoring import CollectionStatistics
from .settings import SERVE_DURABILITY, Settings
from .shards import ShardedEngine
from .store.layout import FolderUse, shard_folders

#: Seconds a replica that failed a call is passed over, while Ray restarts it.
DOWN_SECONDS = 5.0
#: Documents sent to a writer in one call by a bulk load.
WRITE_CALL = 1000
#: Documents a replica sends in one call of an export.
EXPORT_PAGE = 1000
#: Seconds between attempts to reach a writer that Ray is restarting.
WRITER_RETRY_SECONDS = 0.2


def _ray() -> Any:
    try:
        import ray
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise SearchsvcError("searchsvc's cluster needs Ray: pip install 'searchsvc[cluster]'") from None
    return ray


class ShardHost:
    """The body of a shard's actor: one engine over the shard's folder."""

    def __init__(self, folder: str, settings: Settings) -> None:
        from .analysis.analyzer import load_stemmers
        from .engine import SearchEngine

        self._failure: SearchsvcError | None = None
        try:
            self._engine = SearchEngine(folder, settings=settings)
            load_stemmers()  # a shard answers searches: its first one should not import them
        except SearchsvcError as exc:
            # Kept for the callers: an actor whose constructor raises dies with only a message.
            self._failure = exc

    @property
    def engine(self) -> Any:
        if self._failure is not None:
            raise self._failure
        return self._engine

    def add(self, docs: list[Mapping[str, Any]], strict: bool) -> WriteSummary:
        return self.engine.add(docs, strict=strict)

    def delete(self, ids: list[str]) -> int:
        return self.engine.delete(ids)

    def commit(self) -> None:
        self.engine.commit()

    def discard(self) -> int:
        return self.engine.discard()

    def locked(self) -> bool:
        return self.engine.locked()

    def pending(self) -> int:
        return self.engine.pending

    def get(self, doc_id: str) -> dict[str, Any]:
        return self.engine.get(doc_id)

    def count(self) -> int:
        return len(self.engine)

    def export_page(self, after: str | None, size: int) -> list[dict[str, Any]]:
        return list(itertools.islice(self.engine.export(after), size))

    def stats(self) -> dict[str, Any]:
        return self.engine.stats()

    def where(self) -> dict[str, Any]:
        """The node and process this actor runs in."""
        ray = _ray()
        return {"node": ray.get_runtime_context().get_node_id(), "pid": os.getpid()}

    def statistics(self, request: SearchRequest) -> CollectionStatistics:
        return self.engine.statistics(request)

    def run(self, request: SearchRequest, statistics: CollectionStatistics | None) -> SearchResult:
        return self.engine.run(request, statistics)

    def close(self) -> None:
        self.engine.close()


class RemoteShard:
    """One shard seen from the coordinator: writes to its writer, reads from its replicas in turn.

    A replica that fails a call is passed over for :data:`DOWN_SECONDS` while
    Ray restarts it, and the call goes to the next one; the shard is down when
    every replica fails. A write waits for its writer as long as the writer
    works; one that meets a dead writer waits for Ray to restart it, up to
    the ``shard_timeout`` setting: the writer's log keeps
    every write it acknowledged, and adding or deleting the same id twice
    leaves the same index.
    """

    def __init__(self, number: int, writer: Any, replicas: list[Any], settings: Settings) -> None:
        self.number = number
        self.writer = writer
        self.replicas = replicas
        self.timeout = settings.shard_timeout
        # A turn per method: a search asks each shard twice (statistics, then run),
        # and one turn for both would send every run to the same replicas.
        self._turns: dict[str, itertools.count[int]] = {}
        self._down_until = [0.0] * len(replicas)
        self._lock = threading.Lock()

    def _order(self, method: str) -> list[int]:
        """Replicas to try, starting at the next in turn: those up first, then those passed over."""
        with self._lock:
            first = next(self._turns.setdefault(method, itertools.count())) % len(self.replicas)
            now = time.monotonic()
            turn = [(first + k) % len(self.replicas) for k in range(len(self.replicas))]
            return [n for n in turn if self._down_until[n] <= now] + [
                n for n in turn if self._down_until[n] > now
            ]

    def _read(self, method: str, *args: Any) -> Any:
        ray = _ray()
        failure = "no replica"
        for number in self._order(method):
            try:
                return _answer(ray, getattr(self.replicas[number], method).remote(*args), self.timeout)
            except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as exc:
                # Down, restarting or stuck: the next replica answers.
                failure = type(exc).__name__
                with self._lock:
                    self._down_until[number] = time.monotonic() + DOWN_SECONDS
        raise ShardUnavailable(f"no replica of shard {self.number} answered ({failure})")

    def _write(self, method: str, *args: Any) -> Any:
        ray = _ray()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                # No time limit while the writer lives: a commit of a large load takes what it takes.
                return _answer(ray, getattr(self.writer, method).remote(*args), None)
            except ray.exceptions.RayActorError as exc:
                # Dead or restarting: what it acknowledged is in its log, and
                # the restarted writer takes this call again.
                if time.monotonic() + WRITER_RETRY_SECONDS > deadline:
                    raise ShardUnavailable(
                        f"the writer of shard {self.number} did not come back ({type(exc).__name__})"
                    ) from None
                time.sleep(WRITER_RETRY_SECONDS)

    def add(
        self, docs: Iterable[Mapping[str, Any]] | Mapping[str, Any], *, strict: bool = False
    ) -> WriteSummary:
        batch = [docs] if isinstance(docs, Mapping) else list(docs)
        result: WriteSummary = self._write("add", batch, strict)
        return result

    def delete(self, ids: Iterable[str] | str) -> int:
        return int(self._write("delete", [ids] if isinstance(ids, str) else list(ids)))

    def commit(self) -> None:
        self._write("commit")

    def discard(self) -> int:
        dropped: int = self._write("discard")
        return dropped

    def locked(self) -> bool:
        held: bool = self._write("locked")
        return held

    def bulk_index(
        self, docs: Iterable[Mapping[str, Any]], *, batch: int = 5000, strict: bool = False
    ) -> WriteSummary:
        """Add many documents, :data:`WRITE_CALL` to a call, committing every ``batch``."""
        summary = WriteSummary()
        chunk: list[Mapping[str, Any]] = []
        uncommitted = 0
        for doc in docs:
            chunk.append(doc)
            if len(chunk) >= WRITE_CALL:
                summary.merge(self.add(chunk, strict=strict))
                uncommitted += len(chunk)
                chunk = []
                if uncommitted >= batch:
                    self.commit()
                    uncommitted = 0
        summary.merge(self.add(chunk, strict=strict))
        self.commit()
        return summary

    @property
    def pending(self) -> int:
        return int(self._write("pending"))

    def get(self, doc_id: str) -> dict[str, Any]:
        # The writer holds writes not yet committed: a real-time get asks it.
        found: dict[str, Any] = self._write("get", doc_id)
        return found

    def __len__(self) -> int:
        return int(self._read("count"))

    def export(self) -> Export:
        """The shard's committed documents in the order of their ids, a page per call: pages
        may come from different commits, so they are not counted ahead."""
        return Export(self._pages(), None)

    def _pages(self) -> Iterator[dict[str, Any]]:
        after: str | None = None
        while True:
            page: list[dict[str, Any]] = self._read("export_page", after, EXPORT_PAGE)
            yield from page
            if len(page) < EXPORT_PAGE:
                return
            after = str(page[-1]["id"])

    def stats(self) -> dict[str, Any]:
        """The writer's figures of the shard, and where its writer and replicas run."""
        ray = _ray()
        found: dict[str, Any] = self._write("stats")
        found["writer"] = self._write("where")
        found["replicas"] = []
        for replica in self.replicas:
            try:
                found["replicas"].append({**_answer(ray, replica.where.remote(), self.timeout), "up": True})
            except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
                found["replicas"].append({"node": None, "pid": None, "up": False})
        return found

    def statistics(self, request: SearchRequest) -> CollectionStatistics:
        found: CollectionStatistics = self._read("statistics", request)
        return found

    def run(self, request: SearchRequest, statistics: CollectionStatistics | None = None) -> SearchResult:
        found: SearchResult = self._read("run", request, statistics)
        return found

    def stop(self) -> None:
        """Commit what the writer holds, close every engine, and end the actors."""
        ray = _ray()
        try:
            self._write("close")
        finally:
            for actor in (self.writer, *self.replicas):
                ray.kill(actor, no_restart=True)


def _answer(ray: Any, ref: Any, timeout: float | None) -> Any:
    """What a call answered; an error of searchsvc's that the actor raised, raised here as it was."""
    try:
        return ray.get(ref, timeout=timeout)
    except ray.exceptions.RayTaskError as exc:
        if isinstance(exc.cause, SearchsvcError):
            raise exc.cause from None
        raise


#: Where Ray looks for its token when neither ``RAY_AUTH_TOKEN`` nor ``RAY_AUTH_TOKEN_PATH``
#: names one, relative to the home folder; a local cluster it starts writes one there.
RAY_TOKEN_FILE = Path(".ray", "auth_token")


def private_ray_token(home: Path | None = None) -> Path | None:
    """Create Ray's token file, readable by its owner only, where Ray would create it.

    Ray writes the token of a local cluster it starts with the process's umask,
    which lets every local user read it, and whoever holds the token can run
    code on the cluster. Created first, the file is Ray's to read and not to
    write. A token file already there is left as it is, and so is a token that
    the environment gives or a mode other than ``token``. Returns the file
    created, or None.
    """
    if os.environ.get("RAY_AUTH_MODE", "token").lower() != "token":
        return None
    if os.environ.get("RAY_AUTH_TOKEN") or os.environ.get("RAY_AUTH_TOKEN_PATH"):
        return None
    path = (Path.home() if home is None else home) / RAY_TOKEN_FILE
    path.parent.mkdir(mode=0o700, exist_ok=True)
    try:
        # O_EXCL: never another's file, nor one a user made for themselves.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_hex(32))  # as Ray makes one
    return path


#: What the autoscaler of a local cluster is told its metrics port is: one it cannot listen on.
_NO_PORT = "-1"


@contextlib.contextmanager
def _no_autoscaler_metrics(local: bool) -> Iterator[None]:
    """While a local cluster starts, its autoscaler told a port it cannot open.

    The autoscaler of a cluster that ``ray.init`` starts serves Prometheus on
    every interface, without the token, and Ray has no option to turn it off;
    searchsvc reads no autoscaler metrics. Ray's processes take the port from
    ``AUTOSCALER_METRIC_PORT`` as they start, and on one they cannot open they
    log the failure and go on without the endpoint.
    """
    if not local:
        yield
        return
    before = os.environ.get("AUTOSCALER_METRIC_PORT")
    os.environ["AUTOSCALER_METRIC_PORT"] = _NO_PORT
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("AUTOSCALER_METRIC_PORT", None)
        else:
            os.environ["AUTOSCALER_METRIC_PORT"] = before


def start(
    index_dir: str | os.PathLike[str],
    shards: int,
    replicas: int = 1,
    settings: Settings | None = None,
) -> ShardedEngine:
    """A sharded engine over ``shards`` folders of ``index_dir``, on a Ray cluster.

    It joins the cluster this process already joined, else the one at the
    ``ray_address`` setting, else starts a local one, which it stops again on
    :meth:`~ShardedEngine.close`. Each shard gets a writer actor and
    ``replicas`` searcher actors, spread over the cluster's nodes and restarted
    by Ray when they die. Every node must reach ``index_dir`` at the same path.
    """
    ray = _ray()
    settings = settings or Settings()
    folders = shard_folders(index_dir, shards)
    # Held while the shards run: a rebuild of them all waits for the folder to be free.
    use = FolderUse(index_dir)
    started = not ray.is_initialized()
    local = started and settings.ray_address is None and not os.environ.get("RAY_ADDRESS")
    try:
        if local:
            private_ray_token()
        if started:
            with _no_autoscaler_metrics(local):
                ray.init(
                    address=settings.ray_address,
                    include_dashboard=False,
                    configure_logging=False,
                    log_to_driver=False,
                )
        remote = _shards(ray, folders, replicas, settings)
    except BaseException:
        if started:
            ray.shutdown()
        use.close()
        raise

    def stop() -> None:
        try:
            for shard in remote:
                shard.stop()
        finally:
            if started:
                ray.shutdown()
            use.close()

    return ShardedEngine(remote, settings, on_close=stop, path=index_dir)


def _placements(ray: Any) -> Callable[[int], dict[str, Any]]:
    """Actor options placing the ``n``-th actor of a shard's row on the cluster's nodes in turn.

    A shard's writer goes to node ``number``, its replicas to the nodes after it, so that the
    replicas of a shard are on different nodes whenever there are enough, and every node holds
    some. Ray's "SPREAD" strategy only prefers that, and under load put every actor on one node.
    The placement is soft: when a node is gone, Ray places the actor elsewhere.
    """
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = sorted(node["NodeID"] for node in ray.nodes() if node.get("Alive"))
    if not nodes:
        return lambda _n: {"num_cpus": 0, "scheduling_strategy": "SPREAD"}
    return lambda n: {
        "num_cpus": 0,
        "scheduling_strategy": NodeAffinitySchedulingStrategy(node_id=nodes[n % len(nodes)], soft=True),
    }


def _shards(ray: Any, folders: list[Path], replicas: int, settings: Settings) -> list[RemoteShard]:
    actor = ray.remote(max_restarts=-1, max_task_retries=0)(ShardHost)
    # No CPU is reserved: a shard's actors wait on calls most of the time, and a small node
    # holds several.
    placed = _placements(ray)
    writer_settings = settings.replace(durability=settings.durability or SERVE_DURABILITY)
    reader_settings = settings.replace(durability="none")
    created: list[Any] = []
    try:
        writers = []
        for number, folder in enumerate(folders):
            writers.append(actor.options(**placed(number)).remote(str(folder), writer_settings))
            created.append(writers[-1])
        # Each writer creates its folder's index (or commits its log) before any searcher opens it.
        for writer in writers:
            _answer(ray, writer.count.remote(), None)
        searchers = []
        for number, folder in enumerate(folders):
            searchers.append(
                [
                    actor.options(**placed(number + 1 + k)).remote(str(folder), reader_settings)
                    for k in range(replicas)
                ]
            )
            created.extend(searchers[-1])
        for searcher in created[len(writers) :]:
            _answer(ray, searcher.count.remote(), None)
    except BaseException:
        for started in created:
            ray.kill(started, no_restart=True)
        raise
    return [
        RemoteShard(number, writer, replicas_of_shard, settings)
        for number, (writer, replicas_of_shard) in enumerate(zip(writers, searchers, strict=True))
    ]
