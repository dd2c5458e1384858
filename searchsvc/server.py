"""Running the HTTP API: waitress, the background committer, logging, clean shutdown.

:func:`serve` is the only place that starts a server. It returns after SIGTERM
or Ctrl-C, once every acknowledged write is committed and the engine closed.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import functools
import ipaddress
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

from .analysis.analyzer import load_stemmers
from .engine import Engine
from .errors import IndexNotFound, InvalidParameter, SearchIndexError
from .openapi import MAX_HEADER_BYTES
from .settings import Settings, parse_origins
from .store.integrity import IndexCheck, check_index

LOG = logging.getLogger("searchsvc.server")

#: A body this much over ``max_body_bytes`` is refused by waitress itself before it
#: is buffered (see :func:`_channel_class`); smaller excesses reach the app, which
#: refuses them with the exact size. Both answer 413 in the JSON error shape.
WAITRESS_BODY_SLACK = 1024 * 1024


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine: ``localhost``, 127.0.0.0/8 or ::1."""
    name = host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        # Another name may resolve to any address: only the address itself tells.
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_serving(settings: Settings) -> None:
    """Refuse settings a server must not start with.

    Raises :class:`~searchsvc.errors.InvalidParameter` for ``cors_origins`` that are
    not origins, and when ``settings.host`` is not loopback, there is no ``api_key``
    and ``allow_unauthenticated_writes`` is off: anyone beyond this machine could write.
    """
    parse_origins(settings.cors_origins)
    if settings.api_key or settings.allow_unauthenticated_writes or is_loopback(settings.host):
        return
    raise InvalidParameter(
        f"refusing to serve on {settings.host!r} without an API key, where anyone who can reach it could "
        "write: set one (--api-key or SEARCHSVC_API_KEY) or allow that (--allow-unauthenticated-writes "
        "or SEARCHSVC_ALLOW_UNAUTHENTICATED_WRITES=true)",
        setting="host",
    )


def verify_index(settings: Settings) -> IndexCheck | None:
    """Refuse to serve an index whose files differ from the sizes and checksums recorded
    when they were written (unless ``verify_on_start`` is off): it would answer wrongly.

    Returns what was verified, or None when there was nothing to (no index yet, or off).
    Raises :class:`~searchsvc.errors.IndexCorrupt` naming the first damaged file.
    """
    if not settings.verify_on_start:
        return None
    try:
        report = check_index(settings.index_dir, full=False)
    except IndexNotFound:
        return None
    if not report.ok:
        raise report.error()
    return report


#: A worker that exits sooner after it started is not replaced: it would fail again.
RESTART_AFTER_SECONDS = 2.0


class Committer:
    """Commits staged writes in the background.

    A write is committed ``interval`` seconds after the first uncommitted write,
    or at once when ``batch`` writes are pending: a burst of writes costs one
    commit, and no acknowledged write waits longer than about ``interval``.
    ``commit`` is what commits (``engine.commit`` by default; the server's is
    counted in its metrics).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float,
        batch: int,
        clock: Callable[[], float] = time.monotonic,
        commit: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self._commit = commit or engine.commit
        self.interval = max(0.0, interval)
        self.batch = max(1, batch)
        self.clock = clock
        self._cond = threading.Condition()
        self._woken = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="searchsvc-committer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def notify(self) -> None:
        """Tell the committer that a write was staged."""
        with self._cond:
            self._woken = True
            self._cond.notify()

    def stop(self) -> None:
        """Stop the thread; the caller commits what is left (``engine.close()`` does)."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()

    def plan(self, pending: int, now: float, due: float | None) -> tuple[float | None, float | None]:
        """When the pending writes are due, and how long to wait first (None: commit now)."""
        if not pending:
            due = None
        elif due is None:
            due = now + self.interval
        if not pending or (pending < self.batch and due is not None and now < due):
            # Idle waits are bounded too, in case a write was staged without notify().
            return due, max(self.interval, 0.1) if due is None else due - now
        return due, None

    def _run(self) -> None:
        due: float | None = None
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = self.clock()
                due, timeout = self.plan(self.engine.pending, now, due)
                if timeout is not None:
                    if not self._woken:
                        self._cond.wait(timeout)
                    self._woken = False
                    continue
            # Commit outside the lock: notify() from request threads must never wait for disk.
            retry = max(self.interval, 1.0)
            try:
                self._commit()
                due = None
            except SearchIndexError as exc:
                # The index's own trouble (a lock held, a full disk): one line, the writes kept.
                LOG.warning("background commit failed, retrying in %.1f s: %s", retry, exc.message)
                due = self.clock() + retry
            except Exception:
                LOG.exception("background commit failed; retrying in %.1f s", retry)
                due = self.clock() + retry


#: The signals that stop the server gracefully.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Shutdown(SystemExit):
    """Raised by the signal handler; waitress's loop stops on SystemExit."""


def _stop_on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Shutdown(0)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class JSONFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC), ``level``, ``logger``, ``message``, the ``fields``
    a record carries (an access line's client, method, target, status, latency and request id),
    and ``exception`` with its traceback when there is one."""

    def __init__(self, fields: Iterable[str] = ()) -> None:
        super().__init__()
        self.fields = tuple(fields)

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        entry: dict[str, Any] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in self.fields:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # ASCII: no line separator a reader might split on survives unescaped.
        return json.dumps(entry, ensure_ascii=True, default=str)


def _configure_logging(log_format: str = "text") -> None:
    # An embedding application that configured logging keeps its configuration.
    if logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        from .api import ACCESS_FIELDS

        handler.setFormatter(JSONFormatter(ACCESS_FIELDS))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def _to_log(line: str) -> None:
    LOG.info(line)


def _lines(log: Callable[[str], None], settings: Settings) -> Callable[[str], None]:
    """Where the startup and shutdown lines go: with JSON logs, stderr's lines are log records too."""
    return _to_log if log is _stderr and settings.log_format == "json" else log


class AcceptBalance:
    """Spreads new connections evenly over the worker processes of one port.

    Every worker waits on the same listening socket and whichever wakes first
    accepts, so a few keep-alive clients (a proxy, a benchmark at concurrency
    4) can all land in one process while the other cores idle: measured at
    100k articles, four connections went 4 to 0 in each of three runs, and
    concurrency 4 served no more queries per second than concurrency 1.

    Each worker publishes how many connections it holds in memory shared
    across the fork, and listens only while it holds no more than any other
    live worker. A worker that stopped listening may sleep in its poll with
    idle connections; a worker whose accept leaves it holding more wakes it
    through its pipe, so no client waits for a poll timeout.
    """

    #: The count of a worker that exited: never the least loaded.
    GONE = 1 << 30

    def __init__(self, workers: int) -> None:
        import ctypes
        import os
        from multiprocessing.sharedctypes import RawArray

        self.counts: Any = RawArray(ctypes.c_long, workers)
        self.pipes: list[tuple[int, int]] = []
        for _ in range(workers):
            read_end, write_end = os.pipe()
            os.set_blocking(read_end, False)
            os.set_blocking(write_end, False)
            self.pipes.append((read_end, write_end))

    def gone(self, number: int) -> None:
        """Mark worker ``number`` as exited (called by the parent)."""
        self.counts[number] = self.GONE
        self._wake_all()

    def revive(self, number: int) -> None:
        """Worker ``number`` is being replaced: its new process starts with no connections."""
        self.counts[number] = 0

    def install(self, server: Any, number: int) -> None:
        """Make waitress ``server``, running in worker ``number``, take its share."""
        import os

        from waitress import wasyncore

        for other, (read_end, _write_end) in enumerate(self.pipes):
            if other != number:
                os.close(read_end)
        counts = self.counts
        others = [n for n in range(len(counts)) if n != number]
        base_readable = server.readable
        base_accept = server.handle_accept

        def readable() -> bool:
            listening = bool(base_readable())  # also runs waitress's idle-channel cleanup
            mine = len(server.active_channels)
            counts[number] = mine
            return listening and mine <= min(counts[n] for n in others)

        def handle_accept() -> None:
            base_accept()
            mine = counts[number] = len(server.active_channels)
            for n in others:
                if counts[n] < mine:
                    self._wake(n)

        server.readable = readable
        server.handle_accept = handle_accept

        class Wakeup(wasyncore.file_dispatcher):  # type: ignore[misc]
            """The read end of this worker's wake-up pipe: being woken is the whole job."""

            def writable(self) -> bool:
                return False

            def handle_read(self) -> None:
                with contextlib.suppress(OSError):
                    self.recv(512)

        Wakeup(self.pipes[number][0], server._map)
        os.close(self.pipes[number][0])  # the dispatcher reads its own duplicate

    def _wake(self, number: int) -> None:
        import os

        # A full pipe already holds a wake-up; a closed one belongs to a worker that exited.
        with contextlib.suppress(OSError):
            os.write(self.pipes[number][1], b"w")

    def _wake_all(self) -> None:
        for number in range(len(self.pipes)):
            self._wake(number)


def serve_workers(
    open_engine: Callable[[], Engine], settings: Settings, *, log: Callable[[str], None] = _stderr
) -> None:
    """Serve with ``settings.workers`` processes that share one listening socket.

    Each process opens its own engine (Whoosh readers must not cross a fork)
    and runs :func:`serve`; searches in one see the commits of the others at
    their next request. SIGTERM or Ctrl-C reaches every worker, and each
    commits its acknowledged writes before it exits. A worker that dies is
    replaced, unless it died soon after it started. The workers keep their
    metrics in a folder they share, so that ``/metrics`` counts them all.
    """
    import os
    import socket

    from . import metrics

    check_serving(settings)
    since = time.monotonic()
    log = _lines(log, settings)
    _configure_logging(settings.log_format)
    if settings.workers <= 1 or not hasattr(os, "fork"):
        serve(open_engine(), settings, log=log, started=since)
        return
    with _binding(settings):
        listener = socket.create_server((settings.host, settings.port), reuse_port=False, backlog=1024)
    listener.set_inheritable(True)
    host, port = listener.getsockname()[:2]
    balance = AcceptBalance(settings.workers)
    children: dict[int, int] = {}
    started: dict[int, float] = {}

    def start(number: int) -> None:
        # The worker starts with SIGTERM and SIGINT held back until its server can stop
        # cleanly on them (see _serve). The parent holds them until the worker is in
        # ``children``, where its handler finds it.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        pid = os.fork()
        if pid != 0:
            children[pid] = number
            started[pid] = time.monotonic()
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            return
        code = 0
        try:
            quiet: Callable[[str], None] = log if number == 0 else (lambda line: None)

            def take_share(server: Any) -> None:
                balance.install(server, number)

            serve(open_engine(), settings, log=quiet, sockets=[listener], configure=take_share, started=since)
        except BaseException:
            LOG.exception("worker %d failed", number)
            code = 1
        finally:
            os._exit(code)

    stopping = False

    def forward(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        # The workers stop accepting connections; this copy of the socket must not
        # keep taking them into the backlog meanwhile.
        listener.close()
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    # Before the first fork, and before the workers import prometheus_client.
    with metrics.shared_across_processes():
        # Before the first fork: a signal while the workers start must reach them too.
        previous = {sig: signal.signal(sig, forward) for sig in STOP_SIGNALS}
        failed = False
        try:
            for number in range(settings.workers):
                if not stopping:
                    start(number)
            log(f"searchsvc: {settings.workers} worker processes share http://{host}:{port}/")
            while children:
                try:
                    pid, status = os.wait()
                except InterruptedError:
                    continue
                if pid not in children:
                    continue
                number = children.pop(pid)
                lived = time.monotonic() - started.pop(pid)
                metrics.process_exited(pid)
                code = os.waitstatus_to_exitcode(status)
                if not stopping and lived >= RESTART_AFTER_SECONDS:
                    # A worker killed (by the OOM killer, say) is replaced; the new one
                    # opens the index, and so commits what the dead one had logged.
                    LOG.warning("worker %d exited with %d; starting another", number, code)
                    balance.revive(number)
                    start(number)
                    continue
                # The others must not keep deferring new connections to a worker that is gone.
                balance.gone(number)
                failed = failed or code != 0
        finally:
            listener.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if failed:
        raise SystemExit(1)


def serve(
    engine: Engine,
    settings: Settings,
    *,
    log: Callable[[str], None] = _stderr,
    sockets: list[Any] | None = None,
    configure: Callable[[Any], None] | None = None,
    started: float | None = None,
) -> None:
    """Serve ``engine`` over HTTP until SIGTERM or Ctrl-C, then commit and close it.

    ``settings`` gives the address, threads, limits, API key and commit policy.
    ``log`` receives the human-readable startup and shutdown lines (stderr by
    default); the access log goes to the ``searchsvc.access`` logger. The engine
    is closed on return, also when the server cannot start. ``sockets`` are
    listening sockets to serve instead of binding ``settings``' address, and
    ``configure`` is called with the waitress server before it runs. ``started``
    is when the server started, on ``time.monotonic()`` (default: now), for the
    uptime ``/metrics`` reports. Without an API key it serves only loopback
    addresses (see :func:`check_serving`).
    """
    try:
        check_serving(settings)
        load_stemmers()  # before the first search, not in it
        _serve(engine, settings, _lines(log, settings), sockets, configure, started)
    finally:
        # close() commits: every write acknowledged with 200 is on disk after this.
        engine.close()


#: Descriptors a server needs besides its connections: the index's files, the log, pipes.
SPARE_DESCRIPTORS = 256


def _allow_descriptors(connections: int) -> None:
    """Raise this process's limit of open files, within the hard limit, to hold ``connections``.

    A server past its limit fails to accept, and to open index files, instead of
    making clients wait; a limit the system does not allow is said in the log.
    """
    try:
        import resource
    except ImportError:  # not on Windows
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + SPARE_DESCRIPTORS
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft < wanted:
        LOG.warning(
            "the limit of open files (%d) is too low for connection_limit %d; raise it (ulimit -n) "
            "or lower the setting",
            soft,
            connections,
        )


def _answer_requests_in_flight(servers: dict[Any, Any], deadline: float, use_poll: bool) -> None:
    """Stop accepting connections, and serve the open ones until each is idle or ``deadline`` passes.

    A connection is closed as soon as it is idle: no request being received,
    queued or run, and its answer sent. A keep-alive client then sees the
    connection close between two requests, as HTTP allows.
    """
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    for dispatcher in list(servers.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            # The dispatcher's own close: the server's would also close the trigger
            # that wakes this loop when a request thread has an answer ready.
            wasyncore.dispatcher.close(dispatcher)
    for channel in list(servers.values()):
        if isinstance(channel, HTTPChannel):
            channel.stopping = True  # see _channel_class
    while True:
        busy = False
        for channel in list(servers.values()):
            if not isinstance(channel, HTTPChannel):
                continue
            if channel.requests or channel.request is not None or channel.total_outbufs_len:
                busy = True
            else:
                channel.handle_close()
        if not busy:
            return
        if time.monotonic() >= deadline:
            unanswered = sum(
                len(channel.requests) for channel in servers.values() if isinstance(channel, HTTPChannel)
            )
            LOG.warning(
                "the shutdown_timeout passed with %d requests unanswered; their connections are closed",
                unanswered,
            )
            return
        wasyncore.loop(0.05, use_poll, servers, count=1)


def _channel_class(settings: Settings) -> type:
    """A waitress channel whose own refusals are JSON errors, like the app's answers, that
    gives each request a deadline to arrive, and that stops taking requests when the server stops.

    Waitress answers a body or request header over its limits, a request that is
    not HTTP and an unknown Transfer-Encoding itself, in plain text and without a
    request id. Its channel class names the task that writes those answers.

    Once the server stops, a channel finishes the requests it has received, says
    ``Connection: close`` in their answers, and reads no new one: a client that
    sends request after request on one connection would otherwise keep it busy
    until the shutdown's deadline, and have its last requests cut off there.

    A request's line and headers must arrive within ``header_timeout`` seconds of
    its first byte, and its body within ``body_timeout`` of its headers: waitress
    itself only closes a connection silent for ``channel_timeout``, so a client
    sending a byte now and then would keep its connection for as long as it likes.
    A late request is answered 408 and its connection closed. The deadlines are
    checked each time waitress's loop asks the channel whether to read, which it
    does at least once per ``asyncore_loop_timeout``.
    """
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask, WSGITask
    from waitress.utilities import Error

    max_body_bytes = settings.max_body_bytes

    class RequestTimeout(Error):  # type: ignore[misc]
        code = 408
        reason = "Request Timeout"

    from .api import refusal

    class JSONErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            try:
                self._answer()
            except Exception:
                # Waitress's own fallback fails on these half-parsed requests and leaves the
                # client waiting: answer in plain text rather than not at all.
                LOG.exception("cannot answer a refused request in JSON")
                self.response_headers.clear()
                super().execute()

        def _answer(self) -> None:
            request = self.request
            error = request.error
            status = int(error.code)
            # A request refused while its first line was read has no method or path yet.
            method = getattr(request, "command", "") or "-"
            target = getattr(request, "path", "") or "-"
            if status == 413:
                message = f"the body is larger than the limit of {max_body_bytes} bytes"
            elif status == 431:
                message = (
                    f"the request line and headers are larger than the limit of {MAX_HEADER_BYTES} bytes"
                )
                # Waitress stands in a dummy "GET /" for what it did not parse.
                method, target = "-", "-"
            elif status == 400:
                message = f"the request is not valid HTTP: {error.body}"
            else:
                message = str(error.body)
            query = getattr(request, "query", "") if target != "-" else ""
            client = str(self.channel.addr[0]) if self.channel.addr else "-"
            headers, body = refusal(status, message, client=client, method=method, target=target, query=query)
            self.status = f"{status} {error.reason}"
            self.response_headers.extend(headers)
            self.set_close_on_finish()
            self.content_length = len(body)
            self.write(body)

    class ClosingTask(WSGITask):  # type: ignore[misc]
        def build_response_header(self) -> Any:
            if self.channel.stopping:
                self.set_close_on_finish()
            return super().build_response_header()

    class ServerChannel(HTTPChannel):  # type: ignore[misc]
        error_task_class = JSONErrorTask
        task_class = ClosingTask
        #: Set by the server as it stops.
        stopping = False
        #: The request being received, when its first byte came and when its headers were complete.
        receiving: Any = None
        since = 0.0
        body_since: float | None = None

        def received(self, data: bytes) -> bool:
            result = bool(super().received(data))
            request: Any = self.request
            if request is not None:
                now = time.monotonic()
                if request is not self.receiving:
                    self.receiving, self.since, self.body_since = request, now, None
                if request.headers_finished and self.body_since is None:
                    self.body_since = now
            return result

        def readable(self) -> bool:
            if self._late():
                return False
            # A request partly received is read to its end; no new one is begun.
            if self.stopping and self.request is None:
                return False
            return bool(super().readable())

        def _late(self) -> bool:
            """Refuse the request being received if its deadline passed; whether it was refused."""
            request: Any = self.request
            if request is None or request is not self.receiving or request.completed:
                return False
            now = time.monotonic()
            if self.requests:
                # The channel reads nothing while an earlier request is answered: neither
                # does the client's time run.
                self.since = now
                self.body_since = now if self.body_since is not None else None
                return False
            if self.body_since is not None:
                started, limit, what = self.body_since, settings.body_timeout, "body"
            else:
                started, limit, what = self.since, settings.header_timeout, "request line and headers"
            if now - started < limit:
                return False
            request.error = RequestTimeout(
                f"the {what} did not arrive within {limit:g} seconds "
                f"(the {'body_timeout' if what == 'body' else 'header_timeout'} setting)"
            )
            request.completed = True
            with self.requests_lock:
                self.request: Any = None
                self.requests.append(request)
            self.server.add_task(self)
            return True

    return ServerChannel


@contextlib.contextmanager
def _binding(settings: Settings) -> Iterator[None]:
    """Binding the server's address: a port in use or not allowed is said with the address."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        reason = {errno.EADDRINUSE: "the port is in use (another server?)"}.get(
            exc.errno, exc.strerror or str(exc)
        )
        raise InvalidParameter(
            f"cannot listen on {settings.host}:{settings.port}: {reason}", setting="port"
        ) from None


def _serve(
    engine: Engine,
    settings: Settings,
    log: Callable[[str], None],
    sockets: list[Any] | None = None,
    configure: Callable[[Any], None] | None = None,
    started: float | None = None,
) -> None:
    import waitress
    from waitress import wasyncore
    from waitress.server import BaseWSGIServer

    from .api import create_app
    from .metrics import Metrics

    _configure_logging(settings.log_format)
    # The folder of the engine served, which an embedder may have opened elsewhere than index_dir.
    metrics = Metrics(engine, index_dir=getattr(engine, "path", None), started=started)
    committer = Committer(
        engine,
        interval=settings.commit_interval,
        batch=settings.commit_batch,
        commit=functools.partial(metrics.commit, "background"),
    )
    app = create_app(engine, settings, on_write=committer.notify, metrics=metrics, check_host=True)
    where: dict[str, Any] = (
        {"sockets": sockets} if sockets else {"host": settings.host, "port": settings.port}
    )
    servers: dict[Any, Any] = {}
    _allow_descriptors(settings.connection_limit)
    with _binding(settings):
        server: Any = waitress.create_server(
            app,
            map=servers,
            **where,
            threads=settings.threads,
            ident="searchsvc",
            max_request_body_size=settings.max_body_bytes + WAITRESS_BODY_SLACK,
            max_request_header_size=MAX_HEADER_BYTES,
            connection_limit=settings.connection_limit,
            channel_timeout=settings.idle_timeout,
            # Idle connections are looked for this often: a fraction of the timeout keeps them
            # from outliving it by much.
            cleanup_interval=max(1, min(30, settings.idle_timeout // 4)),
            # select() cannot watch descriptors numbered past FD_SETSIZE, which a connection
            # limit beyond it reaches.
            asyncore_use_poll=True,
        )
    # One listening server per address; each makes the channels of its connections.
    channel = _channel_class(settings)
    for dispatcher in servers.values():
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel
    if configure is not None:
        configure(server)
    previous: dict[signal.Signals, Any] = {}
    # Signal handlers can only be set in the main thread; elsewhere the embedder stops us.
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, _stop_on_signal)
    try:
        committer.start()
        host = server.effective_host
        url_host = f"[{host}]" if ":" in str(host) else host
        count = len(engine)
        noun = "document" if count == 1 else "documents"
        log(f"searchsvc: serving {count} {noun} at http://{url_host}:{server.effective_port}/")
        log("searchsvc: API description at /openapi.json; press Ctrl-C to stop")
        if not settings.api_key:
            log("searchsvc: no API key is set: anyone who can reach this address can write")
        if settings.read_key:
            log("searchsvc: searches, documents, stats and metrics need the read key or the API key")
        if settings.cors_origins:
            log(f"searchsvc: browsers may call the API from {settings.cors_origins}")
        # Not server.run(): on a signal it closes every connection at once, and the
        # answers of requests still running would never be sent.
        with contextlib.suppress(_Shutdown):
            # A worker's stop signals were held back until now (see serve_workers).
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            wasyncore.loop(server.adj.asyncore_loop_timeout, server.adj.asyncore_use_poll, servers)
        log("searchsvc: stopping; answering the requests in flight")
        # A second signal cuts the wait short.
        with contextlib.suppress(_Shutdown):
            deadline = time.monotonic() + settings.shutdown_timeout
            _answer_requests_in_flight(servers, deadline, server.adj.asyncore_use_poll)
    finally:
        # A further signal must not interrupt the final commit.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        try:
            server.task_dispatcher.shutdown(timeout=1)
            wasyncore.close_all(servers, ignore_all=True)
        finally:
            committer.stop()
            pending = engine.pending
            engine.close()
            log(f"searchsvc: stopped; committed {pending} pending writes")
            for sig, handler in previous.items():
                signal.signal(sig, handler)
