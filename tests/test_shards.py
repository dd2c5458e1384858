"""ShardedEngine: shards searched as one index give the one index's answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_global_statistics import SHARDS, corpus

from searchsvc import SearchEngine
from searchsvc.errors import (
    EmptyRebuild,
    EngineClosed,
    IndexLocked,
    InvalidDocument,
    InvalidParameter,
    ShardUnavailable,
    StatisticsMismatch,
)
from searchsvc.request import SearchRequest
from searchsvc.results import SearchResult
from searchsvc.scoring import CollectionStatistics
from searchsvc.settings import Settings
from searchsvc.shards import ShardedEngine, open_shards, rebuild_shards, shard_of
from searchsvc.store.layout import recorded_shards


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
    assert_same_answer(
        whole.search(q, highlight=False, **params), sharded.search(q, highlight=False, **params), params
    )


def assert_same_answer(one: SearchResult, many: SearchResult, params: dict[str, Any]) -> None:
    """``many`` (from shards) is ``one`` (from one index): totals, facets, scores and order, ties by id."""
    assert many.shards.to_dict() == {"total": many.shards.total, "successful": many.shards.total, "failed": 0}
    assert many.total == one.total and len(many.hits) == len(one.hits)
    assert {name: [b.to_dict() for b in buckets] for name, buckets in many.facets.items()} == {
        name: [b.to_dict() for b in buckets] for name, buckets in one.facets.items()
    }
    assert many.facets_truncated == one.facets_truncated
    # The same page in the same order, ties included: every order breaks them by id.
    assert [h.id for h in many.hits] == [h.id for h in one.hits]
    assert [h.score for h in many.hits] == pytest.approx([h.score for h in one.hits], abs=1e-9)


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


class Unreachable:
    """A shard whose every replica is down."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ShardUnavailable("no replica of shard 1 answered")

        return fail


def test_a_shard_that_does_not_answer_makes_a_partial_answer_that_says_so(engines) -> None:
    whole, _sharded = engines
    with (
        SearchEngine.in_memory(variants=whole.variants) as first,
        SearchEngine.in_memory(variants=whole.variants) as third,
    ):
        partial = ShardedEngine([first, Unreachable(), third])  # type: ignore[list-item]
        docs = corpus(90)
        kept = [d for d in docs if shard_of(d["id"], 3) != 1]
        for doc in kept:
            partial.shards[shard_of(doc["id"], 3)].add(doc)
        first.commit()
        third.commit()
        result = partial.search("grain", facets="source", limit=100)
        assert result.shards.to_dict() == {"total": 3, "successful": 2, "failed": 1}
        expected = {d["id"] for d in kept if "grain" in (d["title"] + d["body"]).lower()}
        assert {h.id for h in result.hits} == expected and result.total == len(expected) > 0
        assert sum(b.count for b in result.facets["source"]) == len(expected)
        assert result.to_dict()["shards"]["failed"] == 1

        strict = ShardedEngine(partial.shards, Settings(partial_results=False))
        with pytest.raises(ShardUnavailable, match="1 of 3 shards did not answer") as refused:
            strict.search("grain")
        assert refused.value.status == 503
        strict.close()
        partial.close()


def test_no_shard_answering_is_an_error_not_an_empty_answer() -> None:
    dead = ShardedEngine([Unreachable(), Unreachable()])  # type: ignore[list-item]
    with dead, pytest.raises(ShardUnavailable, match="2 of 2 shards did not answer"):
        dead.search("grain")


def test_a_closed_sharded_engine_refuses_searches_and_writes(engines) -> None:
    whole, _sharded = engines
    with SearchEngine.in_memory(variants=whole.variants) as shard:
        engine = ShardedEngine([shard, shard])
        engine.close()
        with pytest.raises(EngineClosed):
            engine.search("grain")
        # Writes to several shards at once too, not the error of a stopped thread pool.
        with pytest.raises(EngineClosed):
            engine.add([{"id": f"doc-{n}", "title": "grain"} for n in range(10)])
        with pytest.raises(EngineClosed):
            engine.delete([f"doc-{n}" for n in range(10)])
        with pytest.raises(EngineClosed):
            engine.get("doc-1")
        with pytest.raises(EngineClosed):
            engine.snapshot("anywhere")


def test_stats_add_up_the_shards_and_list_each(engines) -> None:
    _whole, sharded = engines
    stats = sharded.stats()
    assert stats["documents"] == len(sharded) == sum(part["documents"] for part in stats["shards"])
    assert [part["shard"] for part in stats["shards"]] == list(range(SHARDS))
    assert stats["pending_writes"] == sharded.pending == 0


def test_the_command_line_indexes_searches_and_counts_a_folder_of_shards(tmp_path) -> None:
    from click.testing import CliRunner

    from searchsvc.cli import cli

    folder = tmp_path / "sharded"
    data = tmp_path / "docs.jsonl"
    data.write_text("\n".join(json.dumps(doc) for doc in corpus(30)), "utf-8")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--index-dir", str(folder), *args])

    assert run("index", "--shards", "3", str(data)).exit_code == 0
    assert json.loads((folder / "shards.json").read_text()) == {"shards": 3, "set": "set-000001"}
    stats = json.loads(run("stats").output)
    assert stats["documents"] == 30 and [s["shard"] for s in stats["shards"]] == [0, 1, 2]
    assert [s["documents"] for s in stats["shards"]] == [
        sum(1 for d in corpus(30) if shard_of(d["id"], 3) == n) for n in range(3)
    ]
    found = json.loads(run("search", "grain", "--json").output)
    with SearchEngine.in_memory() as whole:
        whole.add(corpus(30))
        whole.commit()
        assert found["total"] == whole.search("grain").total > 0
    assert run("get", "doc-4").exit_code == 0
    unreachable = run("stats", "--server", "http://127.0.0.1:9")
    assert unreachable.exit_code == 1 and "cannot reach the server" in unreachable.output
    assert run("stats", "--server", "127.0.0.1:9").exit_code == 2
    # The folder keeps its number of shards: a different one, or reindex, is a one-line error.
    wrong = run("index", "--shards", "2", str(data))
    assert wrong.exit_code == 1 and "split into 3 shards, not 2" in wrong.output
    single = CliRunner().invoke(cli, ["--index-dir", str(tmp_path / "one"), "index", str(data)])
    assert single.exit_code == 0
    mixed = CliRunner().invoke(
        cli, ["--index-dir", str(tmp_path / "one"), "index", "--shards", "2", str(data)]
    )
    assert mixed.exit_code == 1 and "holds one index, not shards" in mixed.output


def test_strict_writes_refuse_a_bad_document_before_any_shard_writes(engines) -> None:
    _whole, sharded = engines
    before = sharded.pending
    with pytest.raises(InvalidDocument):
        sharded.add([{"id": "fine-1", "title": "Fine"}, {"title": "no id"}], strict=True)
    assert sharded.pending == before


def test_a_prefix_reaching_a_stem_one_shard_holds_scores_as_in_one_index() -> None:
    # "lipre*" reaches the stem "lipr" of "lipre", which is in one shard only.
    docs = [
        {"id": f"p{i}", "title": title, "body": f"about {title}"}
        for i, title in enumerate(["lipre talk", "liprelo boat", "lipre zone", "other thing", "more other"])
    ]
    with SearchEngine.in_memory() as whole:
        shards = [SearchEngine.in_memory(variants=whole.variants) for _ in range(2)]
        assert len({shard_of(d["id"], 2) for d in docs if "lipre " in d["title"] + " "}) == 1
        with ShardedEngine(shards) as sharded:
            for engine in (whole, sharded):
                engine.add(docs)
                engine.commit()
            for q in ("lipre*", "lipr*", "lipre"):
                assert_same_answer(whole.search(q, highlight=False), sharded.search(q, highlight=False), {})
        for shard in shards:
            shard.close()


def test_a_shard_offers_no_suggestion_of_its_own(engines) -> None:
    # A shard's few hits say nothing of the whole index's; the merge has no suggestion to keep.
    _whole, sharded = engines
    assert sharded.search("grian").suggestion is None
    request = SearchRequest.create("grian")
    shard = sharded.shards[0]
    assert shard.run(request, shard.statistics(request)).suggestion is None
    assert shard.run(request).suggestion is not None


def test_a_bulk_load_fills_every_shard_at_once_with_the_one_index_answers(engines, tmp_path) -> None:
    whole, _sharded = engines
    docs = corpus(90)
    with open_shards(tmp_path / "bulk", SHARDS) as loaded:
        summary = loaded.bulk_index(iter(docs), batch=40)
        assert (summary.added, summary.updated, summary.rejected) == (90, 0, 0)
        assert [len(shard) for shard in loaded.shards] == [
            sum(1 for d in docs if shard_of(d["id"], SHARDS) == n) for n in range(SHARDS)
        ]
        for q, params in SEARCHES:
            assert_same_answer(
                whole.search(q, highlight=False, **params),
                loaded.search(q, highlight=False, **params),
                params,
            )


def test_a_bulk_load_whose_reader_fails_leaves_empty_shards_empty(tmp_path) -> None:
    def failing() -> Iterator[dict[str, str]]:
        yield from corpus(1200)
        raise OSError("the disk went away")

    with open_shards(tmp_path / "failed", 2) as loaded:
        with pytest.raises(OSError, match="went away"):
            loaded.bulk_index(failing())
        assert len(loaded) == 0 and loaded.pending == 0
        bad = [*corpus(700), {"title": "no id"}]
        with pytest.raises(InvalidDocument):
            loaded.bulk_index(bad, strict=True)
        assert len(loaded) == 0
        summary = loaded.bulk_index(bad)
        assert (summary.added, summary.rejected) == (700, 1) and len(loaded) == 700


class Stale:
    """A shard whose first statistics lack the query's terms, as if a commit came between the calls."""

    def __init__(self, shard: SearchEngine, stale: int) -> None:
        self.shard = shard
        self.stale = stale

    def __getattr__(self, name: str) -> Any:
        return getattr(self.shard, name)

    def statistics(self, request: SearchRequest) -> CollectionStatistics:
        found = self.shard.statistics(request)
        if self.stale:
            self.stale -= 1
            return CollectionStatistics(found.documents, found.field_lengths, {})
        return found


def test_statistics_that_a_commit_made_stale_are_gathered_again(engines) -> None:
    _whole, sharded = engines
    expected = sharded.search("grain", highlight=False)
    # No shard's statistics hold the word: each shard's search finds it missing.
    again = ShardedEngine([Stale(shard, 1) for shard in sharded.shards])  # type: ignore[misc]
    assert_same_answer(expected, again.search("grain", highlight=False), {})
    never = ShardedEngine([Stale(shard, 10) for shard in sharded.shards])  # type: ignore[misc]
    with pytest.raises(StatisticsMismatch, match="hold no document frequency"):
        never.search("grain")
    again.close()
    never.close()


def _shard_stats(folder: Path) -> list[int]:
    with open_shards(folder, recorded_shards(folder) or 0, create=False) as engine:
        return [part["documents"] for part in engine.stats()["shards"]]


def test_reindex_replaces_every_shard_at_once_and_may_split_anew(tmp_path) -> None:
    from click.testing import CliRunner

    from searchsvc.cli import cli

    folder = tmp_path / "sharded"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(json.dumps(doc) for doc in corpus(30)), "utf-8")
    second.write_text("\n".join(json.dumps(doc) for doc in corpus(90)[40:]), "utf-8")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--index-dir", str(folder), *args])

    assert run("index", "--shards", "3", "-q", str(first)).exit_code == 0
    live = json.loads((folder / "shards.json").read_text())["set"]
    done = run("reindex", "-q", str(second))
    assert done.exit_code == 0, done.output
    assert "reindexed: 50 added" in done.output
    now = json.loads((folder / "shards.json").read_text())
    assert now["shards"] == 3 and now["set"] != live and not (folder / live).exists()
    assert sum(_shard_stats(folder)) == 50
    # Split anew into 2: the answers are one index's over the same documents.
    assert run("reindex", "--shards", "2", "-q", str(second)).exit_code == 0
    assert len(_shard_stats(folder)) == 2 and sum(_shard_stats(folder)) == 50
    with SearchEngine.in_memory() as whole, open_shards(folder, 2, create=False) as sharded:
        whole.add(corpus(90)[40:])
        whole.commit()
        for q, params in SEARCHES[:5]:
            assert_same_answer(
                whole.search(q, highlight=False, **params),
                sharded.search(q, highlight=False, **params),
                params,
            )


def test_a_reindex_that_fails_or_finds_the_folder_in_use_leaves_the_live_shards(tmp_path) -> None:
    folder = tmp_path / "sharded"
    with open_shards(folder, 2) as engine:
        engine.bulk_index(corpus(40))
        with pytest.raises(IndexLocked, match="in use"):
            rebuild_shards(folder, 2, corpus(10))
    live = json.loads((folder / "shards.json").read_text())["set"]

    def failing() -> Iterator[dict[str, str]]:
        yield from corpus(1200)
        raise OSError("the disk went away")

    with pytest.raises(OSError, match="went away"):
        rebuild_shards(folder, 2, failing())
    with pytest.raises(EmptyRebuild):
        rebuild_shards(folder, 2, [{"title": "no id"}])
    assert json.loads((folder / "shards.json").read_text())["set"] == live
    assert sorted(p.name for p in folder.iterdir()) == sorted(["shards.json", "shards.lock", live])
    assert sum(_shard_stats(folder)) == 40
