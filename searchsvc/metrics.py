"""The server's Prometheus metrics (``GET /metrics``), and the one module that knows prometheus_client.

prometheus_client chooses where it keeps values once, when it is first
imported: in memory, or, when ``PROMETHEUS_MULTIPROC_DIR`` names a folder, in
files there, one set per process, that a scrape adds up. So this module never
imports it at import time; :class:`Metrics` does, in the process that serves.
``serve --workers N`` calls :func:`shared_across_processes` before it forks,
so that each worker's figures go to that folder and any worker's answer
covers them all, and :func:`process_exited` when a worker ends.

In that mode prometheus_client adds up only its own metric types; a custom
collector, or a gauge with ``set_function``, reports just the process that
answers. What is read off the index at scrape time (documents, size, the write
log, uptime) is the same whichever worker reads it, so :class:`Metrics` reads
it in a collector of its own beside the files' figures; what differs per worker
(requests, searches, commits, pending writes) is counted in the files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SearchsvcError
from .wal import FOLDER as WAL_FOLDER

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from .engine import Engine

LOG = logging.getLogger("searchsvc.metrics")

#: What prometheus_client reads to keep its values in files shared by processes.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: The format :meth:`Metrics.exposition` writes: Prometheus text format 0.0.4.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: The ``kind`` label of searches (see :func:`query_kind`).
QUERY_KINDS = ("all", "any", "boolean", "phrase", "prefix", "terms")

#: The ``route`` label of a request no route took.
UNMATCHED = "unmatched"

#: The ``method`` label: a method not listed counts as ``other``, so clients cannot add series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})

#: Commits take milliseconds for a few writes and minutes for a large load.
COMMIT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

_BOOLEAN = re.compile(r"(?:^|[\s(])(?:OR|NOT)(?=[\s(\"“”„‟«»″]|$)|(?:^|[\s(])-(?=[^\s-])")
_PHRASE = re.compile('["“”„‟«»″]')
# A wildcard next to a letter: `electri*`, `gr?in`; not the open end of a range (`TO *]`).
_WILDCARD = re.compile(r"\w[*?]|[*?]\w")


def query_kind(q: str, mode: str) -> str:
    """The ``kind`` label of a search, from its query text and mode.

    ``any`` for ``mode=any``; else ``all`` for an empty query, ``boolean`` for
    one with ``OR``, ``NOT`` or ``-word``, ``phrase`` for one with a quoted
    phrase, ``prefix`` for one with a wildcard (``electri*``), and ``terms``
    for the rest; the first that applies, in that order.
    """
    if mode == "any":
        return "any"
    if not q.strip():
        return "all"
    if _BOOLEAN.search(q):
        return "boolean"
    if _PHRASE.search(q):
        return "phrase"
    if _WILDCARD.search(q):
        return "prefix"
    return "terms"


@contextlib.contextmanager
def shared_across_processes() -> Iterator[Path]:
    """A fresh folder where the processes forked inside the block keep their figures.

    Sets ``PROMETHEUS_MULTIPROC_DIR`` for them; on leaving, puts back what it was and
    removes the folder. It must come before prometheus_client is imported in the
    processes that serve, which it then is only by :class:`Metrics` in each worker.
    """
    if "prometheus_client" in sys.modules and not _keeps_values_in_files():
        LOG.warning(
            "prometheus_client was imported before the workers started: /metrics will count "
            "only the requests of the worker that answers it"
        )
    previous = os.environ.get(MULTIPROCESS_ENV)
    folder = tempfile.mkdtemp(prefix="searchsvc-metrics-")
    os.environ[MULTIPROCESS_ENV] = folder
    try:
        yield Path(folder)
    finally:
        if previous is None:
            os.environ.pop(MULTIPROCESS_ENV, None)
        else:
            os.environ[MULTIPROCESS_ENV] = previous
        shutil.rmtree(folder, ignore_errors=True)


def process_exited(pid: int) -> None:
    """Forget the live gauges (pending writes) of worker ``pid``, which exited; its counts stay."""
    folder = os.environ.get(MULTIPROCESS_ENV)
    if folder:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, folder)


def _keeps_values_in_files() -> bool:
    from prometheus_client import values

    return bool(getattr(values.ValueClass, "_multiprocess", False))


class Metrics:
    """The figures of one serving process, and the answer to a scrape.

    :param engine: what is counted; its :meth:`~searchsvc.engine.Engine.stats`
        are read at each scrape, and :meth:`commit` commits it.
    :param index_dir: the index folder, whose write log's size is reported when
        it has one (``<index_dir>/wal``).
    :param started: when the server started, on ``clock``: the uptime counts from
        there (default: now).
    :param clock: seconds, for durations and uptime (``time.monotonic``, which
        forked processes share).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        index_dir: str | os.PathLike[str] | None = None,
        started: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.engine = engine
        self.clock = clock
        self.started = clock() if started is None else started
        self.wal = Path(index_dir) / WAL_FOLDER if index_dir is not None else None
        self.registry = CollectorRegistry()
        folder = os.environ.get(MULTIPROCESS_ENV) if _keeps_values_in_files() else None
        # In files, every metric object is answered through the MultiProcessCollector:
        # registered here as well, it would be answered twice.
        self.shared = folder is not None
        own = None if folder else self.registry
        self._requests = Counter(
            "searchsvc_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=own,
        )
        self._latency = Histogram(
            "searchsvc_http_request_duration_seconds",
            "Time from a request's arrival in the app to its answer, by route template and method.",
            ["route", "method"],
            registry=own,
        )
        self._searches = Histogram(
            "searchsvc_search_duration_seconds",
            "Time the engine took for a search answered through the API, by kind of query: "
            + ", ".join(QUERY_KINDS)
            + ".",
            ["kind"],
            registry=own,
        )
        self._commits = Counter(
            "searchsvc_commits",
            "Commits made by the server: by the background committer or for a request's commit=true.",
            ["trigger"],
            registry=own,
        )
        self._commit_failures = Counter(
            "searchsvc_commit_failures", "Commits that failed, by trigger.", ["trigger"], registry=own
        )
        self._commit_seconds = Histogram(
            "searchsvc_commit_duration_seconds",
            "Time a commit took, by trigger.",
            ["trigger"],
            buckets=COMMIT_BUCKETS,
            registry=own,
        )
        self._pending = Gauge(
            "searchsvc_pending_writes",
            "Writes acknowledged and not yet committed, over every worker process.",
            registry=own,
            multiprocess_mode="livesum",
        )
        if folder:
            from prometheus_client.multiprocess import MultiProcessCollector

            MultiProcessCollector(self.registry, path=folder)
        self.registry.register(_IndexFigures(self))

    def request(self, route: str | None, method: str, status: int, seconds: float) -> None:
        """Count an answered request; ``route`` is its route template (None when no route took it)."""
        method = method if method in METHODS else "other"
        route = route or UNMATCHED
        self._requests.labels(route, method, str(status)).inc()
        self._latency.labels(route, method).observe(seconds)

    @contextlib.contextmanager
    def searching(self, q: str, mode: str) -> Iterator[None]:
        """Time the search run inside the block, when it answers, under its :func:`query_kind`."""
        start = self.clock()
        yield
        self._searches.labels(query_kind(q, mode)).observe(self.clock() - start)

    def commit(self, trigger: str) -> None:
        """Commit the engine, counting and timing it; ``trigger`` is ``background`` or ``request``."""
        start = self.clock()
        try:
            self.engine.commit()
        except Exception:
            self._commit_failures.labels(trigger).inc()
            raise
        finally:
            self.wrote()
        self._commit_seconds.labels(trigger).observe(self.clock() - start)
        self._commits.labels(trigger).inc()

    def wrote(self) -> None:
        """Note how many writes wait for a commit, after a write or a commit.

        Only a worker that shares its figures needs to: another worker may answer
        the next scrape. Alone, a process reads the count when it is scraped.
        """
        if self.shared:
            self._note_pending()

    def exposition(self) -> bytes:
        """Every figure in Prometheus text format (:data:`CONTENT_TYPE`)."""
        from prometheus_client import generate_latest

        self._note_pending()
        return generate_latest(self.registry)

    def _note_pending(self) -> None:
        try:
            self._pending.set(self.engine.pending)
        except SearchsvcError as exc:
            # Shards that cannot answer: the count keeps its last value, and the write its answer.
            LOG.warning("cannot count the pending writes: %s", exc.message)

    def index_figures(self) -> dict[str, float]:
        """What is read off the index at a scrape, by metric name; an index that cannot be read
        leaves its figures out, and the write log's size needs the folder."""
        figures: dict[str, float] = {"searchsvc_uptime_seconds": max(0.0, self.clock() - self.started)}
        try:
            stats = self.engine.stats()
        except SearchsvcError as exc:
            # A broken index is when the request counts matter most: answer them all the same.
            LOG.warning("/metrics cannot read the index: %s", exc.message)
        else:
            figures["searchsvc_documents"] = stats.get("documents") or 0
            figures["searchsvc_index_segments"] = stats.get("segments") or 0
            figures["searchsvc_index_size_bytes"] = stats.get("size_bytes") or 0
        wal = _folder_bytes(self.wal) if self.wal is not None else None
        if wal is not None:
            figures["searchsvc_wal_size_bytes"] = wal
        return figures


_FIGURE_HELP = {
    "searchsvc_uptime_seconds": "Seconds since the server started.",
    "searchsvc_documents": "Documents in the index, committed.",
    "searchsvc_index_segments": "Segments of the index's latest commit (of every shard's).",
    "searchsvc_index_size_bytes": "Size of the index's live generation, in bytes.",
    "searchsvc_wal_size_bytes": "Size of the write log (the index folder's wal/), in bytes.",
}


class _IndexFigures:
    """A collector read at each scrape, in the process that answers it (see the module's notes)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterable[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        for name, value in self.metrics.index_figures().items():
            yield GaugeMetricFamily(name, _FIGURE_HELP[name], value=value)


def _folder_bytes(folder: Path) -> int | None:
    """The size of the files in ``folder``, or None when there is no such folder."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return None
    total = 0
    for entry in entries:
        # A commit deletes the log file it covered: one may go between the listing and its size.
        with contextlib.suppress(FileNotFoundError):
            if entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
    return total


__all__ = [
    "CONTENT_TYPE",
    "QUERY_KINDS",
    "Metrics",
    "process_exited",
    "query_kind",
    "shared_across_processes",
]
