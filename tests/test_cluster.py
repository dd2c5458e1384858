"""Shards and replicas as Ray actors: the same answers as one index, and reads that survive a dead replica."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import pytest
from test_global_statistics import corpus

from searchsvc import SearchEngine
from searchsvc.shards import ShardedEngine

ray = pytest.importorskip("ray", reason="needs the cluster extra: pip install 'searchsvc[cluster]'")

from searchsvc import cluster  # noqa: E402


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> Iterator[tuple[SearchEngine, ShardedEngine]]:
    # Ray's socket paths must stay short: a folder of its own under /tmp.
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        configure_logging=False,
        _temp_dir=tempfile.mkdtemp(prefix="ray-"),
    )
    try:
        docs = corpus(90)
        sharded = cluster.start(tmp_path_factory.mktemp("cluster"), shards=2, replicas=2)
        summary = sharded.add(docs)
        sharded.commit()
        assert (summary.added, summary.rejected) == (90, 0)
        with SearchEngine.in_memory() as whole:
            whole.add(docs)
            whole.commit()
            yield whole, sharded
        sharded.close()
    finally:
        ray.shutdown()


@pytest.mark.parametrize(
    ("q", "params"),
    [
        ("grain OR drone", {"facets": "source,date"}),
        ('"power plant"', {"filters": {"source": "bbc"}}),
        ("Slavyansk", {"facets": "places"}),
        ("what happened near Kostantinovka?", {"mode": "any"}),
    ],
)
def test_the_cluster_answers_as_one_index(engines, q, params) -> None:
    whole, sharded = engines
    one = whole.search(q, highlight=False, limit=100, **params)
    many = sharded.search(q, highlight=False, limit=100, **params)
    assert many.total == one.total > 0
    assert sorted((h.id, h.score) for h in many.hits) == sorted((h.id, h.score) for h in one.hits)
    assert {k: [b.to_dict() for b in v] for k, v in many.facets.items()} == {
        k: [b.to_dict() for b in v] for k, v in one.facets.items()
    }


def test_writes_reach_the_replicas_after_a_commit(engines) -> None:
    _whole, sharded = engines
    sharded.add({"id": "zep-1", "title": "Zeppelin over the river", "body": "A zeppelin."})
    assert sharded.get("zep-1")["title"] == "Zeppelin over the river"  # real time, from the writer
    sharded.commit()
    assert [h.id for h in sharded.search("zeppelin").hits] == ["zep-1"]
    assert sharded.delete("zep-1") == 1
    sharded.commit()
    assert sharded.search("zeppelin").total == 0


def test_a_dead_replica_fails_no_read(engines) -> None:
    whole, sharded = engines
    expected = whole.search("grain", highlight=False).total
    for shard in sharded.shards:
        ray.kill(shard.replicas[0], no_restart=False)  # Ray restarts it
    answers = [sharded.search("grain", highlight=False).total for _ in range(10)]
    assert answers == [expected] * 10
