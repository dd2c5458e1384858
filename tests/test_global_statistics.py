"""Collection statistics: shards of an index score each document exactly as the one index does."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator

import pytest

from searchsvc import SearchEngine
from searchsvc.errors import InvalidParameter
from searchsvc.request import SearchRequest
from searchsvc.scoring import CollectionStatistics

WORDS = [
    "grain",
    "port",
    "shelling",
    "power",
    "plant",
    "drone",
    "strike",
    "convoy",
    "bridge",
    "river",
    "train",
    "station",
]
PLACES = ["Sloviansk", "Slavyansk", "Kostantinovka", "Kostiantynivka", "Pokrovsk", "Krasnoarmeysk", "Kharkiv"]


def corpus(n: int) -> list[dict[str, str]]:
    docs = []
    for i in range(n):
        rng = random.Random(i)
        words = rng.sample(WORDS, 3 + i % 5)
        place = PLACES[i % len(PLACES)]
        body = " ".join(words * (1 + i % 3)) + f" in {place}."
        if i % 4 == 0:
            body += " The power plant was hit."
        docs.append(
            {
                "id": f"doc-{i}",
                "title": f"{words[0].title()} near {place}",
                "lead": " ".join(words[1:3]) if i % 3 else "",
                "body": body,
                "source": ["bbc", "kyiv independent", "tass"][i % 3],
                "date": f"2024-{1 + i % 9:02d}-{10 + i % 17:02d}",
            }
        )
    return docs


SHARDS = 3
QUERIES = [
    ("grain", {}),
    ("grain port", {}),
    ("grain OR drone", {}),
    ('"power plant"', {}),
    ("Slavyansk", {}),
    ("Krasnoarmeysk strike", {}),
    ("-grain bridge", {}),
    ("shell*", {}),
    ("what happened to the grain port near Kostantinovka?", {"mode": "any"}),
    ("drone strike", {"mode": "any", "filters": {"source": "bbc"}}),
]


def shard_of(doc_id: str) -> int:
    return zlib.crc32(doc_id.encode("utf-8")) % SHARDS


@pytest.fixture(scope="module")
def engines() -> Iterator[tuple[SearchEngine, list[SearchEngine]]]:
    docs = corpus(90)
    with SearchEngine.in_memory() as whole:
        variants = whole.variants
        shards = [SearchEngine.in_memory(variants=variants) for _ in range(SHARDS)]
        whole.add(docs)
        whole.commit()
        for shard in range(SHARDS):
            shards[shard].add([d for d in docs if shard_of(d["id"]) == shard])
            shards[shard].commit()
        yield whole, shards
        for engine in shards:
            engine.close()


def merged(
    shards: list[SearchEngine], request: SearchRequest, *, global_stats: bool
) -> list[tuple[str, float]]:
    statistics = (
        sum((s.statistics(request) for s in shards), CollectionStatistics()) if global_stats else None
    )
    hits = [(h.id, h.score) for s in shards for h in s.run(request, statistics).hits]
    return sorted(hits, key=lambda hit: (-hit[1], hit[0]))[: request.limit]


@pytest.mark.parametrize(("q", "params"), QUERIES)
def test_shards_with_the_collections_statistics_score_as_one_index(engines, q, params) -> None:
    whole, shards = engines
    request = SearchRequest.create(q, limit=100, highlight=False, **params)
    one = whole.run(request).hits
    assert one, "each query finds something"
    expected = sorted(((h.id, h.score) for h in one), key=lambda hit: (-hit[1], hit[0]))
    got = merged(shards, request, global_stats=True)
    assert [i for i, _ in got] == [i for i, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-9)
    assert sum(s.run(request).total for s in shards) == whole.run(request).total


def test_each_shards_own_statistics_score_otherwise(engines) -> None:
    # The hook matters: left to its own statistics, a shard scores differently.
    whole, shards = engines
    request = SearchRequest.create("grain port", limit=100, highlight=False)
    expected = {h.id: h.score for h in whole.run(request).hits}
    local = dict(merged(shards, request, global_stats=False))
    assert any(abs(local[i] - expected[i]) > 1e-6 for i in expected)


def test_statistics_add_up_and_name_what_a_query_scores(engines) -> None:
    whole, shards = engines
    request = SearchRequest.create('"power plant" OR Slavyansk', highlight=False)
    total = sum((s.statistics(request) for s in shards), CollectionStatistics())
    assert total == whole.statistics(request)
    assert total.documents == 90 and ("body", "power") in total.doc_frequencies
    # Patterns score a constant: they need no frequencies.
    assert (
        SearchRequest.create("shell*")
        and whole.statistics(SearchRequest.create("shell*")).doc_frequencies == {}
    )


def test_statistics_missing_a_term_are_refused_not_guessed(engines) -> None:
    whole, _shards = engines
    partial = whole.statistics(SearchRequest.create("grain"))
    with pytest.raises(InvalidParameter, match="feedback"):
        whole.run(SearchRequest.create("grain", mode="any", feedback=True), partial)
    with pytest.raises(Exception, match="no document frequency of .*port"):
        whole.run(SearchRequest.create("grain port"), partial)
