"""HTTP figures: the real searchsvc server (waitress) under the load generator.

The server runs as ``python -m searchsvc --index-dir DIR serve --port P`` and
the load generator (:mod:`bench.loadgen`) in another process, so neither steals
the other's interpreter lock. Each concurrency level gets its own slice of
distinct queries: a result cache would otherwise turn the figures into cache
hits. A separate short run on a handful of repeated queries gives the cached
figure.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from . import REPO_ROOT
from .peers.base import BenchQuery
from .peers.searchsvc_peer import searchsvc_query_string
from .stats import proc_status

FACETS_PARAM = "source,category,date"


def http_path(q: BenchQuery) -> str:
    """The request a search UI sends: top 10, three facets, highlighting."""
    params = [
        ("q", searchsvc_query_string(q)),
        ("facets", FACETS_PARAM),
        ("highlight", "true"),
        ("limit", "10"),
    ]
    for name, values in q.filters:
        for value in values:
            params.append(("filter", f"{name}:{value}"))
    return "/search?" + urlencode(params)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


#: Server processes (``serve --workers``): one per core of the machine.
SERVER_WORKERS = max(1, os.cpu_count() or 1)


class Server:
    def __init__(self, index_dir: Path, log_path: Path, port: int | None = None) -> None:
        self.index_dir = index_dir
        self.log_path = log_path
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "searchsvc",
            "--index-dir",
            str(self.index_dir),
            "serve",
            "--port",
            str(self.port),
            # One server process per core, as a deployment on this machine would run it.
            "--workers",
            str(SERVER_WORKERS),
        ]

    def start(self, probe_path: str, timeout: float = 300.0) -> float:
        """Start the server; seconds from spawn until it answered ``probe_path`` with 200."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child keeps writing after this returns
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command, cwd=REPO_ROOT, env=_env(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        while time.perf_counter() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", probe_path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return time.perf_counter() - start
                raise RuntimeError(f"probe {probe_path} answered {resp.status}: {self.log_tail()}")
            except (ConnectionError, OSError, http.client.HTTPException):
                time.sleep(0.02)
        raise RuntimeError(f"server did not answer within {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def rss(self) -> dict[str, int]:
        """VmRSS and VmHWM summed over the server and its worker processes."""
        if not self.proc:
            return {}
        total: dict[str, int] = {}
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            for key, value in proc_status(pid).items():
                total[key] = total.get(key, 0) + value
        return total

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _loadgen(
    port: int, paths: Sequence[str], concurrency: int, duration: float, warmup: float, work: Path, tag: str
) -> dict[str, Any]:
    paths_file = work / f"paths-{tag}.txt"
    out_file = work / f"load-{tag}.json"
    paths_file.write_text("\n".join(paths) + "\n")
    cmd = [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--concurrency", str(concurrency)]
    cmd += [
        "--duration",
        str(duration),
        "--warmup",
        str(warmup),
        "--paths",
        str(paths_file),
        "--out",
        str(out_file),
    ]
    subprocess.run(cmd, cwd=REPO_ROOT, env=_env(), check=True, timeout=duration + warmup + 120)
    return dict(json.loads(out_file.read_text()))


def run_http(
    index_dir: Path,
    pool: Sequence[BenchQuery],
    work: Path,
    *,
    levels: Sequence[int] = (1, 4, 16),
    duration: float = 10.0,
    warmup: float = 1.0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    paths = [http_path(q) for q in pool]
    if len(paths) < len(levels) + 1:
        raise ValueError("the HTTP query pool is too small")
    server = Server(index_dir, work / "server.log")
    result: dict[str, Any] = {"command": " ".join(server.command), "levels": {}}
    try:
        result["start_to_first_answer_s"] = round(server.start(paths[0]), 3)
        result["rss_idle_bytes"] = server.rss().get("VmRSS")
        share = len(paths) // len(levels)
        for i, c in enumerate(levels):
            chunk = paths[i * share : (i + 1) * share]
            log(f"  http: concurrency {c}, {duration:.0f} s")
            level = _loadgen(server.port, chunk, c, duration, warmup, work, f"c{c}")
            level["server_rss_bytes"] = server.rss().get("VmRSS")
            result["levels"][str(c)] = level
        # The same 50 queries over and over: what a result cache can do.
        cached_c = 4 if 4 in levels else levels[0]
        log(f"  http: cached run, concurrency {cached_c}")
        cached = _loadgen(server.port, paths[-50:], cached_c, max(2.0, duration / 2), warmup, work, "cached")
        result["cached"] = cached
        status = server.rss()
        result["rss_bytes"] = status.get("VmRSS")
        result["peak_rss_bytes"] = status.get("VmHWM")
        best = max(result["levels"].values(), key=lambda lv: lv["qps"])
        result["max_qps"] = best["qps"]
        result["max_qps_concurrency"] = best["concurrency"]
        result["status"] = "ok"
    except Exception as exc:
        result["status"] = "error"
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["server_log_tail"] = server.log_tail()
    finally:
        server.stop()
    return result
