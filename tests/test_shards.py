"""ShardedEngine: shards searched as one index give the one index's answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_global_statistics import SHARDS, corpus

from searchsvc import SearchEngine
from searchsvc.errors import InvalidParameter
from searchsvc.results import SearchResult
from searchsvc.shards import ShardedEngine, shard_of


@pytest.fixture(scope="module")
def engines() -> Iterator[tuple[SearchEngine, ShardedEngine]]:
    docs = corpus(90)
    with SearchEngine.in_memory() as whole:
        shards = [SearchEngine.in_memory(variants=whole.variants) for _ in range(SHARDS)]
        sharded = ShardedEngine(shards)
        for engine in (whole, sharded):
            summary = engine.add(docs)
            assert (summary.added, summary.rejected) == (90, 0)
            engine.commit()
        yield whole, sharded
        sharded.close()
        for shard in shards:
            shard.close()


def ordered(result: SearchResult) -> list[tuple[str, float | None]]:
    # Equal scores (or equal dates) may come in either order: compare them by id.
    return [(h.id, h.score) for h in result.hits]


SEARCHES: list[tuple[str, dict[str, Any]]] = [
    ("grain", {}),
    ("grain OR drone", {"facets": "source,date", "date_interval": "month"}),
    ('"power plant"', {"filters": {"source": "bbc"}, "facets": "source"}),
    ("Slavyansk", {"facets": "places,source"}),
    ("shell*", {"limit": 5, "offset": 5}),
    ("grain OR port OR drone", {"limit": 7, "offset": 14}),
    ("what happened near Kostantinovka?", {"mode": "any", "facets": "source", "facet_size": 2}),
    ("", {"sort": "date", "limit": 20, "facets": "date"}),
    ("drone", {"sort": "date:asc", "limit": 20}),
    ("strike", {"sort": "source", "limit": 30}),
    (
        "",
        {
            "filters": {"source": "tass"},
            "date_from": "2024-03-01",
            "date_to": "2024-05-31",
            "facets": "source",
        },
    ),
]


@pytest.mark.parametrize(("q", "params"), SEARCHES)
def test_the_sharded_answer_is_the_one_index_answer(engines, q, params) -> None:
    whole, sharded = engines
    one = whole.search(q, highlight=False, **params)
    many = sharded.search(q, highlight=False, **params)
    assert many.total == one.total and len(many.hits) == len(one.hits)
    assert {name: [b.to_dict() for b in buckets] for name, buckets in many.facets.items()} == {
        name: [b.to_dict() for b in buckets] for name, buckets in one.facets.items()
    }
    assert many.facets_truncated == one.facets_truncated
    if one.hits and one.hits[0].score is not None:
        # Ranked: the same scores in the same order; equal scores order by id.
        assert [h.score for h in many.hits] == pytest.approx([h.score for h in one.hits], abs=1e-9)
        assert ordered(many) == sorted(ordered(many), key=lambda hit: (-(hit[1] or 0), hit[0]))
        tied = {h.score for h in one.hits if sum(1 for o in one.hits if o.score == h.score) > 1}
        assert [h.id for h in many.hits if h.score not in tied] == [
            h.id for h in one.hits if h.score not in tied
        ]
    else:
        field = "date" if params.get("sort", "date").startswith("date") else params["sort"]
        assert [h.document.get(field) for h in many.hits] == [h.document.get(field) for h in one.hits]


def test_writes_and_gets_go_to_the_shard_that_owns_the_id(engines) -> None:
    _whole, sharded = engines
    owner = sharded.shards[shard_of("doc-7", SHARDS)]
    assert owner.get("doc-7")["id"] == "doc-7"
    assert len(sharded) == 90 and sum(len(s) for s in sharded.shards) == 90
    assert all(len(s) for s in sharded.shards), "the hash spreads the documents"
    summary = sharded.add({"id": "doc-7", "title": "Replaced", "body": "zeppelin"})
    sharded.commit()
    assert (summary.added, summary.updated) == (0, 1) and sharded.get("doc-7")["title"] == "Replaced"
    assert [h.id for h in sharded.search("zeppelin").hits] == ["doc-7"]
    assert sharded.delete("doc-7") == 1
    sharded.commit()
    assert sharded.search("zeppelin").total == 0 and len(sharded) == 89


def test_a_document_without_an_id_is_refused_with_its_reason(engines) -> None:
    _whole, sharded = engines
    summary = sharded.add([{"title": "no id"}])
    assert summary.rejected == 1 and "id" in summary.rejections[0].reason


@pytest.mark.parametrize("option", [{"feedback": True, "mode": "any"}, {"recency": 7}, {"collapse": True}])
def test_options_that_need_the_whole_collection_are_refused_for_now(engines, option) -> None:
    _whole, sharded = engines
    with pytest.raises(InvalidParameter, match="across shards"):
        sharded.search("grain", **option)
