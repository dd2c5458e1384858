"""Equal scores and equal sort values come out by id, whatever the storage order.

A document's number is where it happens to be stored: a later commit, a
merge, a parallel rebuild or a split into shards changes it, its id never.
So every ranking breaks ties by id, and the same query answers the same page
after any of those; pages joined end to end neither skip nor repeat.
"""

from __future__ import annotations

import random

import pytest
from whoosh.fields import ID

import searchsvc.store.schema
from searchsvc import SearchEngine
from searchsvc.shards import ShardedEngine

#: Ids that sort differently as numbers, as text and in insertion order.
IDS = ["b-10", "a-2", "é-1", "b-9", "A-3", "a-10", "c", "b-1", "Z", "a-1", "ä"]


def twins(ids: list[str], **fields: str) -> list[dict[str, str]]:
    """Documents that score alike for "grain": the same text under different ids."""
    return [
        {"id": i, "title": "Grain leaves Odesa", "body": "A grain ship left port.", **fields} for i in ids
    ]


def by_id(ids: list[str]) -> list[str]:
    return sorted(ids, key=lambda i: i.encode("utf-8"))


def all_pages(engine: SearchEngine | ShardedEngine, q: str, limit: int, **params: object) -> list[str]:
    seen: list[str] = []
    offset = 0
    while True:
        page = engine.search(q, limit=limit, offset=offset, highlight=False, **params)
        seen += [hit.id for hit in page.hits]
        offset += limit
        if offset >= page.total:
            return seen


@pytest.fixture
def shuffled() -> list[str]:
    ids = list(IDS)
    random.Random(7).shuffle(ids)
    return ids


def test_equal_scores_come_by_id_across_segments_and_pages(tmp_path, shuffled) -> None:
    with SearchEngine(tmp_path / "ix", variants=None) as engine:
        # Three commits, three segments: storage order is neither id order nor one run.
        for part in (shuffled[:4], shuffled[4:7], shuffled[7:]):
            engine.add(twins(part))
            engine.commit()
        scores = {hit.score for hit in engine.search("grain", limit=50).hits}
        assert len(scores) == 1
        assert all_pages(engine, "grain", 3) == by_id(IDS)
        assert all_pages(engine, "grain", 4, sort="date") == by_id(IDS)


def test_ties_keep_their_order_after_a_rebuild_in_parallel(tmp_path, shuffled) -> None:
    docs = twins(shuffled, date="2024-05-01") + [
        {"id": f"other-{n}", "title": f"Drone report {n}", "date": "2024-05-01"} for n in range(40)
    ]
    with SearchEngine(tmp_path / "ix", variants=None) as engine:
        for doc in docs:
            engine.add([doc])
        engine.commit()
        before = {q: all_pages(engine, q, 5) for q in ("grain", "", "grain OR drone")}
        engine.rebuild(reversed(docs), procs=2)
        after = {q: all_pages(engine, q, 5) for q in ("grain", "", "grain OR drone")}
    assert before == after
    assert before["grain"] == by_id(IDS)
    assert before[""] == by_id([d["id"] for d in docs])


def test_sorts_by_field_break_ties_and_place_missing_values_by_id(tmp_path, shuffled) -> None:
    dated = twins(shuffled[:6], date="2024-01-02T00:00:00Z", source="BBC")
    undated = twins(shuffled[6:])
    with SearchEngine(tmp_path / "ix", variants=None) as engine:
        engine.add(undated)
        engine.commit()
        engine.add(dated)
        engine.commit()
        expected = by_id(shuffled[:6]) + by_id(shuffled[6:])
        for sort in ("date", "date:asc", "source", "source:desc"):
            assert all_pages(engine, "grain", 2, sort=sort) == expected, sort


def test_one_index_and_shards_give_the_same_pages_in_order(tmp_path) -> None:
    rng = random.Random(3)
    words = ["grain", "drone", "port", "shelling", "power", "convoy"]
    docs = [
        {
            "id": f"{rng.choice('abcxyz')}-{n}",
            "title": " ".join(rng.sample(words, 2)),
            "source": rng.choice(["BBC", "tass", "Reuters"]),
            **({"date": f"2024-0{rng.randint(1, 3)}-01"} if n % 3 else {}),
        }
        for n in range(120)
    ]
    with SearchEngine.in_memory(variants=None) as whole:
        shards = [SearchEngine.in_memory(variants=None) for _ in range(3)]
        with ShardedEngine(shards) as sharded:
            for engine in (whole, sharded):
                engine.add(docs)
                engine.commit()
            for q, params in [
                ("grain", {}),
                ("grain OR drone OR port", {}),
                ("shell*", {}),
                ("", {"sort": "date"}),
                ("drone", {"sort": "date:asc"}),
                ("", {"sort": "source"}),
                ("convoy", {"filter": ["source:BBC"]}),
            ]:
                assert all_pages(whole, q, 7, **params) == all_pages(sharded, q, 7, **params), (q, params)
        for shard in shards:
            shard.close()


def test_segments_written_before_ids_had_a_column_order_ties_by_id(tmp_path, shuffled, monkeypatch) -> None:
    path = tmp_path / "ix"
    with monkeypatch.context() as older:
        # As versions wrote before ids had a column.
        older.setattr(searchsvc.store.schema, "ID", lambda unique=False, sortable=False: ID(unique=unique))
        with SearchEngine(path, variants=None) as engine:
            for doc in twins(shuffled[:5]):
                engine.add([doc])
                engine.commit()
    with SearchEngine(path, variants=None) as engine:
        assert all_pages(engine, "grain", 4) == by_id(shuffled[:5])
        for doc in twins(shuffled[5:]):
            engine.add([doc])
            engine.commit()
        # Small segments were merged: some hold documents with an id in the column and some without.
        assert engine.stats()["segments"] < len(IDS)
        assert all_pages(engine, "grain", 4) == by_id(IDS)
