"""A Ray cluster of two nodes on this machine, started and stopped by the tests.

Each node is started with ``ray start``, with its own ports and its own temporary
folder, so that it shares nothing with another Ray on the machine, and with
token authentication on. :meth:`TwoNodes.stop` ends every process of both
nodes, found by the temporary folders they were given.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

RAY = Path(sys.executable).with_name("ray")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def processes_under(root: Path) -> list[psutil.Process]:
    """The processes of the Ray whose folders are in ``root``: those whose command line names
    it, and their children (Ray's workers rename themselves)."""
    mine: dict[int, psutil.Process] = {}
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or ())
        if str(root) in cmdline and process.pid != os.getpid():
            mine[process.pid] = process
            with contextlib.suppress(psutil.Error):
                mine.update((child.pid, child) for child in process.children(recursive=True))
    return list(mine.values())


class TwoNodes:
    """A head node and a worker node, each with one CPU and a small object store."""

    def __init__(self) -> None:
        # Ray's socket paths must stay short: folders of their own under /tmp.
        self.root = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": secrets.token_hex(16),
            "RAY_USAGE_STATS_ENABLED": "0",
        }

    def _start(self, name: str, *how: str) -> None:
        folder = self.root / name
        folder.mkdir()
        ports = [
            f"--{option}={free_port()}"
            for option in (
                "node-manager-port",
                "object-manager-port",
                "dashboard-agent-listen-port",
                "dashboard-agent-grpc-port",
                "runtime-env-agent-port",
                "metrics-export-port",
            )
        ]
        done = subprocess.run(
            [
                str(RAY),
                "start",
                *how,
                "--node-ip-address=127.0.0.1",
                "--num-cpus=1",
                "--object-store-memory=100000000",
                f"--temp-dir={folder}",
                "--disable-usage-stats",
                *ports,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise RuntimeError(f"ray start ({name}) failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    def start(self) -> None:
        try:
            self._start(
                "head",
                "--head",
                f"--port={self.port}",
                "--include-dashboard=false",
                f"--dashboard-port={free_port()}",
            )
            self._start("worker", f"--address={self.address}")
        except BaseException:
            self.stop()
            raise

    @contextlib.contextmanager
    def joined(self) -> Iterator[None]:
        """This process as a driver of the cluster, with its token, as long as the block runs."""
        import ray
        from ray._raylet import Config

        with pytest.MonkeyPatch.context() as patch:
            for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN"):
                patch.setenv(name, self.env[name])
            # Ray reads its authentication mode once, on import, unless told to read it again.
            Config.initialize("")
            try:
                ray.init(address=self.address, configure_logging=False, log_to_driver=False)
                yield
            finally:
                ray.shutdown()
        Config.initialize("")

    def processes(self) -> list[psutil.Process]:
        """The processes of this cluster."""
        return processes_under(self.root)

    def stop(self, wait: float = 5.0) -> None:
        """End every process of both nodes: politely, then by force."""
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + wait
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.2)
        for process in self.processes():
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(self.processes(), timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)
