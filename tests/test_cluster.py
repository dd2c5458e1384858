"""Shards and replicas on a two-node Ray cluster: one index's answers, reads and writes that
survive killed processes, partial answers, and a cluster that leaves nothing behind."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_global_statistics import corpus
from test_shards import SEARCHES, assert_same_answer

from searchsvc import SearchEngine
from searchsvc.errors import IndexLayoutMismatch, ShardUnavailable
from searchsvc.settings import Settings
from searchsvc.shards import ShardedEngine, shard_of

ray = pytest.importorskip("ray", reason="needs the cluster extra: pip install 'searchsvc[cluster]'")
pytest.importorskip("psutil", reason="needs the dev extra")

from ray_nodes import TwoNodes, free_port, processes_under  # noqa: E402

from searchsvc import cluster  # noqa: E402

SHARDS, REPLICAS = 3, 2


@pytest.fixture(scope="module")
def nodes() -> Iterator[TwoNodes]:
    two = TwoNodes()
    two.start()
    try:
        with two.joined():
            yield two
    finally:
        two.stop()
    assert two.processes() == []


@pytest.fixture(scope="module")
def engines(nodes, tmp_path_factory) -> Iterator[tuple[SearchEngine, ShardedEngine]]:
    docs = corpus(90)
    sharded = cluster.start(tmp_path_factory.mktemp("cluster"), shards=SHARDS, replicas=REPLICAS)
    with sharded, SearchEngine.in_memory() as whole:
        summary = sharded.add(docs)
        sharded.commit()
        assert (summary.added, summary.rejected) == (90, 0)
        whole.add(docs)
        whole.commit()
        yield whole, sharded


def test_the_shards_run_on_both_nodes(nodes, engines) -> None:
    _whole, sharded = engines
    stats = sharded.stats()
    assert [part["documents"] for part in stats["shards"]] == [
        sum(1 for d in corpus(90) if shard_of(d["id"], SHARDS) == n) for n in range(SHARDS)
    ]
    placed = [part["writer"] for part in stats["shards"]]
    placed += [replica for part in stats["shards"] for replica in part["replicas"]]
    assert len(placed) == SHARDS * (1 + REPLICAS) and all(p.get("up", True) for p in placed)
    assert len({p["node"] for p in placed}) == 2 == len(ray.nodes())


@pytest.mark.parametrize(("q", "params"), SEARCHES)
def test_the_cluster_answers_as_one_index(engines, q, params) -> None:
    whole, sharded = engines
    assert_same_answer(
        whole.search(q, highlight=False, **params), sharded.search(q, highlight=False, **params), params
    )


def test_hits_are_highlighted_by_their_shard_as_by_one_index(engines) -> None:
    whole, sharded = engines
    one, many = whole.search("Slavyansk grain", limit=20), sharded.search("Slavyansk grain", limit=20)
    assert many.total == one.total > 0
    assert {h.id: h.highlights for h in many.hits} == {h.id: h.highlights for h in one.hits}


def test_writes_reach_the_replicas_after_a_commit(engines) -> None:
    _whole, sharded = engines
    sharded.add({"id": "zep-1", "title": "Zeppelin over the river", "body": "A zeppelin."})
    assert sharded.get("zep-1")["title"] == "Zeppelin over the river"  # real time, from the writer
    assert sharded.pending == 1
    sharded.commit()
    assert [h.id for h in sharded.search("zeppelin").hits] == ["zep-1"]
    assert sharded.delete("zep-1") == 1
    sharded.commit()
    assert sharded.search("zeppelin").total == 0


def _back(actor: Any, old_pid: int, since: float) -> float:
    """Seconds from ``since`` until ``actor`` answers from a process other than ``old_pid``."""
    while True:
        try:
            if ray.get(actor.where.remote(), timeout=5)["pid"] != old_pid:
                return time.monotonic() - since
        except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError):
            pass
        assert time.monotonic() - since < 120, "Ray did not restart the actor"
        time.sleep(0.05)


def test_killed_replicas_and_writers_fail_no_query_and_lose_no_acknowledged_write(engines) -> None:
    whole, sharded = engines
    expected = whole.search("grain", highlight=False).total
    stop = threading.Event()
    failed: list[BaseException] = []
    answered = [0]
    acknowledged: list[str] = []

    def search() -> None:
        while not stop.is_set():
            try:
                result = sharded.search("grain", highlight=False, limit=5)
                assert (result.total, result.shards.failed) == (expected, 0)
                answered[0] += 1
            except BaseException as exc:  # noqa: BLE001 - every failure is counted
                failed.append(exc)

    def write() -> None:
        number = 0
        while not stop.is_set():
            doc_id = f"ferry-{number}"
            number += 1
            try:
                summary = sharded.add({"id": doc_id, "title": f"Ferry {number}", "body": "A ferry sailed."})
            except ShardUnavailable:
                continue  # not acknowledged: the caller knows it failed
            assert summary.accepted == 1
            acknowledged.append(doc_id)

    load = [threading.Thread(target=search), threading.Thread(target=search), threading.Thread(target=write)]
    for thread in load:
        thread.start()
    try:
        time.sleep(1)
        shard = sharded.shards[shard_of("ferry-1", SHARDS)]
        times = {}
        for role, actor in (("replica", shard.replicas[0]), ("writer", shard.writer)):
            pid = ray.get(actor.where.remote())["pid"]
            killed_at = time.monotonic()
            os.kill(pid, signal.SIGKILL)  # noqa: S603 - an actor of the tests' own cluster
            times[role] = _back(actor, pid, killed_at)
            time.sleep(1)
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=120)
    print(f"\nback after SIGKILL: {times}; {answered[0]} searches, {len(acknowledged)} writes acknowledged")
    assert failed == [] and answered[0] > 0
    sharded.commit()
    assert len(acknowledged) > 0
    assert [doc_id for doc_id in acknowledged if sharded.get(doc_id)["id"] != doc_id] == []
    assert sharded.search("ferry", limit=1).total >= len(acknowledged)
    sharded.delete(acknowledged)
    sharded.commit()


def test_a_shard_with_no_replica_left_gives_a_partial_answer_that_says_so(nodes, tmp_path) -> None:
    docs = corpus(60)
    with cluster.start(
        tmp_path / "partial", shards=2, replicas=1, settings=Settings(shard_timeout=10)
    ) as two:
        two.add(docs)
        two.commit()
        ray.kill(two.shards[1].replicas[0], no_restart=True)
        result = two.search("grain", limit=100)
        assert result.shards.to_dict() == {"total": 2, "successful": 1, "failed": 1}
        assert {h.id for h in result.hits} and all(shard_of(h.id, 2) == 0 for h in result.hits)
        strict = ShardedEngine(two.shards, Settings(partial_results=False))
        with pytest.raises(ShardUnavailable, match="1 of 2 shards did not answer"):
            strict.search("grain")
        strict.close()


def test_a_folder_opens_only_with_the_shards_it_was_made_with(engines, tmp_path) -> None:
    folder = tmp_path / "made"
    cluster.start(folder, shards=2, replicas=1).close()
    with pytest.raises(IndexLayoutMismatch, match="split into 2 shards, not 3"):
        cluster.start(folder, shards=3)
    with pytest.raises(IndexLayoutMismatch, match="--shards 2"):
        SearchEngine(folder)
    SearchEngine(tmp_path / "single").close()
    with pytest.raises(IndexLayoutMismatch, match="holds one index, not shards"):
        cluster.start(tmp_path / "single", shards=2)


def test_a_driver_without_the_cluster_token_is_refused(nodes) -> None:
    joins = (
        f"import ray; ray.init(address={nodes.address!r}, configure_logging=False, log_to_driver=False); "
        "print(len(ray.nodes()))"
    )
    for token, expected in ((nodes.env["RAY_AUTH_TOKEN"], 0), ("0" * 32, 1)):
        env = {**nodes.env, "RAY_AUTH_TOKEN": token}
        done = subprocess.run(
            [sys.executable, "-c", joins], env=env, capture_output=True, text=True, timeout=120
        )
        assert (done.returncode != 0) == bool(expected), done.stderr[-2000:]
        if not expected:
            assert done.stdout.strip() == "2"


def _listening(processes: list[Any]) -> set[tuple[str, int, str]]:
    """``(address, port, process name)`` of every TCP socket ``processes`` listen on."""
    import psutil

    found = set()
    for process in processes:
        try:
            name = process.name()
            for connection in process.net_connections(kind="tcp"):
                if connection.status == psutil.CONN_LISTEN:
                    found.add((connection.laddr.ip, connection.laddr.port, name))
        except psutil.Error:
            continue  # ended meanwhile
    return found


def _metrics_without_token(port: int) -> bool:
    """Whether ``GET /metrics`` on the port answers Prometheus text to a client with no token."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            return b"# TYPE" in answer.read(1 << 20)
    except Exception:  # noqa: BLE001 - gRPC, a refusal, a 401: anything but an answer
        return False


def test_a_local_cluster_answers_nothing_without_its_token_and_keeps_the_token_private(tmp_path) -> None:
    import psutil

    home = tmp_path / "home"
    home.mkdir()
    ray_dir = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))  # Ray's socket paths must stay short
    metrics_port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("RAY_")},
        "HOME": str(home),
        "RAY_TMPDIR": str(ray_dir),
        "RAY_USAGE_STATS_ENABLED": "0",
        # A free port for the autoscaler's metrics: Ray's default may be another Ray's already.
        "AUTOSCALER_METRIC_PORT": str(metrics_port),
    }
    script = (
        "import sys; from searchsvc import cluster; engine = cluster.start(sys.argv[1], shards=1); "
        "print('started', flush=True); sys.stdin.readline(); engine.close()"
    )
    driver = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "index")],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert driver.stdin is not None and driver.stdout is not None
    try:
        ready, _, _ = select.select([driver.stdout], [], [], 180)
        assert ready and driver.stdout.readline().strip() == "started", "the local cluster did not start"
        # The autoscaler opens its endpoint, or does not, before its first round.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            "update iteration" in log.read_text(errors="replace")
            for log in ray_dir.glob("ray/session_*/logs/monitor.log")
        ):
            time.sleep(0.2)
        processes = [psutil.Process(driver.pid), *psutil.Process(driver.pid).children(recursive=True)]
        listening = _listening(processes)
        # What listens is Ray's gRPC servers (GCS, raylet, the driver's and actors' workers,
        # on every interface) and the runtime-env agent, which refuse a call without the token.
        assert listening and not any(port == metrics_port for _a, port, _n in listening), listening
        assert [entry for entry in listening if _metrics_without_token(entry[1])] == []
        token = home / ".ray" / "auth_token"
        assert (token.stat().st_mode & 0o777, token.parent.stat().st_mode & 0o777) == (0o600, 0o700)
        assert len(token.read_text()) == 64
    finally:
        driver.stdin.write("\n")
        driver.stdin.close()
        driver.wait(timeout=60)
        deadline = time.monotonic() + 30
        while processes_under(ray_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = processes_under(ray_dir)
        for process in left:
            process.kill()
        shutil.rmtree(ray_dir, ignore_errors=True)
    assert driver.returncode == 0 and left == []


def test_the_ray_token_searchsvc_creates_is_its_owners_and_one_already_there_is_kept(
    tmp_path, monkeypatch
) -> None:
    for name in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(name, raising=False)
    for home in ("new", "old", "off"):
        (tmp_path / home).mkdir()
    created = cluster.private_ray_token(tmp_path / "new")
    assert created == tmp_path / "new" / ".ray" / "auth_token" and created.stat().st_mode & 0o777 == 0o600
    theirs = tmp_path / "old" / ".ray" / "auth_token"
    theirs.parent.mkdir()
    theirs.write_text("their token")
    theirs.chmod(0o640)
    assert cluster.private_ray_token(tmp_path / "old") is None
    assert (theirs.read_text(), theirs.stat().st_mode & 0o777) == ("their token", 0o640)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    assert cluster.private_ray_token(tmp_path / "off") is None and not (tmp_path / "off" / ".ray").exists()


def test_serve_with_shards_answers_the_readmes_search_and_stops_its_shards(nodes, tmp_path) -> None:
    from test_server_e2e import request, start_serve

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    example = re.search(r"curl '(localhost:8080)(/search\?[^']+)'", readme)
    assert example is not None, "the README's example search"
    actors_before = _shard_actors(nodes)
    log = tmp_path / "serve.log"
    options = ("--shards", "2", "--replicas", "2", "--ray-address", nodes.address)
    process, port = start_serve(tmp_path / "index", log, *options)
    try:
        status, _headers, answer = request(f"http://127.0.0.1:{port}{example.group(2)}")
        assert status == 200 and answer["total"] >= 1, log.read_text()
        assert answer["shards"] == {"total": 2, "successful": 2, "failed": 0}
        assert "pokrovsk" in answer["hits"][0]["document"]["title"].lower()
        stats = request(f"http://127.0.0.1:{port}/stats")[2]
        assert [len(part["replicas"]) for part in stats["shards"]] == [2, 2] and stats["nodes"] == 2
        # The command line shows the same, asking the server.
        from click.testing import CliRunner

        from searchsvc.cli import cli

        shown = CliRunner().invoke(cli, ["stats", "--server", f"http://127.0.0.1:{port}"])
        assert (
            shown.exit_code == 0 and json.loads(shown.output) == request(f"http://127.0.0.1:{port}/stats")[2]
        )
        assert len(_shard_actors(nodes)) == len(actors_before) + 6
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, log.read_text()
    assert "stopped; committed" in log.read_text()
    deadline = time.monotonic() + 30  # the actors' processes end soon after they are killed
    while _shard_actors(nodes) != actors_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _shard_actors(nodes) == actors_before


def _shard_actors(nodes: TwoNodes) -> set[int]:
    """The processes of the cluster's live shard actors (Ray names them after the class)."""
    import psutil

    found = set()
    for process in nodes.processes():
        try:
            if process.status() != psutil.STATUS_ZOMBIE and "ShardHost" in " ".join(process.cmdline()):
                found.add(process.pid)
        except psutil.Error:
            continue  # ended meanwhile
    return found


def test_index_with_shards_loads_them_on_the_cluster(nodes, engines, tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from searchsvc.cli import cli
    from searchsvc.shards import open_shards

    whole, _sharded = engines
    data = tmp_path / "docs.jsonl"
    data.write_text("\n".join(json.dumps(doc) for doc in corpus(90)), "utf-8")
    folder = tmp_path / "loaded"
    actors_before = _shard_actors(nodes)
    options = ["--shards", "3", "--ray-address", nodes.address, "--quiet", str(data)]
    done = CliRunner().invoke(cli, ["--index-dir", str(folder), "index", *options])
    assert done.exit_code == 0, done.output
    assert "indexed: 90 added, 0 updated, 0 rejected" in done.output
    deadline = time.monotonic() + 30  # the load's actors end when it does
    while _shard_actors(nodes) != actors_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _shard_actors(nodes) == actors_before
    with open_shards(folder, 3, create=False) as loaded:
        assert [len(shard) for shard in loaded.shards] == [
            sum(1 for d in corpus(90) if shard_of(d["id"], 3) == n) for n in range(3)
        ]
        for q, params in SEARCHES[:4]:
            assert_same_answer(
                whole.search(q, highlight=False, **params),
                loaded.search(q, highlight=False, **params),
                params,
            )


def test_a_shard_that_cannot_open_stops_the_start_with_its_reason(nodes, tmp_path) -> None:
    from searchsvc.errors import IndexCorrupt
    from searchsvc.store.layout import shard_folders

    folder = tmp_path / "damaged"
    second = shard_folders(folder, 2)[1]
    second.mkdir(parents=True)
    (second / "searchsvc.json").write_text("{not json", "utf-8")
    actors_before = _shard_actors(nodes)
    with pytest.raises(IndexCorrupt, match="metadata file is damaged"):
        cluster.start(folder, shards=2, replicas=1)
    deadline = time.monotonic() + 30
    while _shard_actors(nodes) != actors_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _shard_actors(nodes) == actors_before
