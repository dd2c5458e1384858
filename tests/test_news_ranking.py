"""News-aware ranking: favouring recent documents, and collapsing near-duplicate wire copies."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from click.testing import CliRunner

from searchsvc import InvalidParameter, SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.duplicates import FingerprintCache, collapse, fingerprint, shingles, similarity
from searchsvc.openapi import build_spec


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def scores(result) -> dict[str, float]:
    return {hit.id: hit.score for hit in result.hits}


def without_timing(result) -> dict[str, Any]:
    data: dict[str, Any] = result.to_dict()
    data.pop("took_ms")
    return data


# -- recency ---------------------------------------------------------------------------------

SAME_TEXT = {"title": "Ferry service resumes", "body": "The ferry to the island runs again."}

DATED = [
    # Older first, so that without recency the tie goes to it (lower docnum).
    {"id": "ferry-2019", **SAME_TEXT, "date": "2019-06-01"},
    {"id": "ferry-2020", **SAME_TEXT, "date": "2020-06-01"},
    {"id": "ferry-undated", **SAME_TEXT},
    # The newest dated document of the index: a year older than ferry-2020 is one half-life of 365 days.
    {"id": "harbour-2021", "title": "Harbour news", "body": "Cranes were repaired.", "date": "2021-06-01"},
]


@pytest.fixture
def dated() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(DATED)
        engine.commit()
        yield engine


def test_without_recency_equal_scores_keep_index_order(dated: SearchEngine) -> None:
    result = dated.search("ferry")
    assert ids(result) == ["ferry-2019", "ferry-2020", "ferry-undated"]
    assert len(set(scores(result).values())) == 1


def test_recency_puts_the_newer_of_equal_matches_first(dated: SearchEngine) -> None:
    assert ids(dated.search("ferry", recency=365)) == ["ferry-2020", "ferry-2019", "ferry-undated"]
    assert ids(dated.search("ferry", recency=0)) == ["ferry-2019", "ferry-2020", "ferry-undated"]


def test_the_boost_halves_with_each_half_life_from_the_newest_dated_document(dated: SearchEngine) -> None:
    plain = scores(dated.search("ferry OR harbour", limit=10))
    boosted = scores(dated.search("ferry OR harbour", recency=365, limit=10))
    # Ages count from the index's newest document, dated years ago, not from today: it counts double.
    assert boosted["harbour-2021"] == pytest.approx(2 * plain["harbour-2021"], abs=1e-3)
    assert boosted["ferry-2020"] == pytest.approx(1.5 * plain["ferry-2020"], abs=1e-3)
    # 2020 was a leap year: a day more than two half-lives.
    assert boosted["ferry-2019"] == pytest.approx(plain["ferry-2019"] * (1 + 2 ** (-731 / 365)), abs=1e-3)
    assert boosted["ferry-undated"] == plain["ferry-undated"]


def test_recency_leaves_total_and_facets_alone(dated: SearchEngine) -> None:
    plain = dated.search("ferry", facets=["date"], limit=1)
    boosted = dated.search("ferry", facets=["date"], limit=1, recency=30)
    assert (boosted.total, boosted.facets) == (plain.total, plain.facets)


def test_a_much_better_old_match_still_beats_a_weak_new_one() -> None:
    docs = [
        {
            "id": "old-detailed",
            "title": "Ferry strike ends",
            "body": "The ferry strike ended. Ferry crews return and every ferry sails.",
            "date": "2015-01-01",
        },
        {
            "id": "new-passing",
            "title": "City council weekly summary",
            "body": "Among many items on roads, parks, schools, budgets and libraries, a ferry timetable "
            "was mentioned in passing by one member of the council during the long evening session.",
            "date": "2024-01-01",
        },
    ]
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(docs)
        engine.commit()
        plain = scores(engine.search("ferry"))
        # More than twice as good: no recency factor, at most double, can overturn that.
        assert plain["old-detailed"] > 2 * plain["new-passing"]
        for half_life in (36500, 3650, 365, 1):
            assert ids(engine.search("ferry", recency=half_life)) == ["old-detailed", "new-passing"]


def test_an_index_without_dates_is_not_boosted() -> None:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add([{"id": "a", **SAME_TEXT}, {"id": "b", "title": "ferry", "body": "ferry ferry"}])
        engine.commit()
        assert without_timing(engine.search("ferry", recency=7)) == without_timing(engine.search("ferry"))


def test_the_setting_gives_the_default_and_a_search_overrides_it() -> None:
    settings = Settings(recency_half_life_days=365)
    with SearchEngine.in_memory(settings=settings, variants=None) as engine:
        engine.add(DATED)
        engine.commit()
        assert ids(engine.search("ferry"))[0] == "ferry-2020"
        assert ids(engine.search("ferry", recency=0))[0] == "ferry-2019"
    assert Settings.from_env({"SEARCHSVC_RECENCY_HALF_LIFE_DAYS": "30"}).recency_half_life_days == 30
    with pytest.raises(InvalidParameter, match="recency_half_life_days must be from 0 to 36500"):
        Settings(recency_half_life_days=-1)


@pytest.mark.parametrize("value", [-1, 36501, "7", 1.5, True])
def test_the_library_refuses_a_bad_half_life(dated: SearchEngine, value: Any) -> None:
    with pytest.raises(InvalidParameter, match="recency must be an integer from 0 to 36500"):
        dated.search("ferry", recency=value)


# -- near duplicates -------------------------------------------------------------------------

VOCABULARY = (
    "harbour cargo vessel tonnes corridor insurer captain crew berth terminal wheat maize barley "
    "sunflower buyers contract freight rates convoy navy inspection warehouse rail trucks silo "
    "farmers harvest shipment customs quota license Danube Izmail Constanta Bosphorus tugboat pilot "
    "anchor draft manifest broker tender auction premium discount margin season"
)
WORDS = VOCABULARY.split()


def prose(seed: int, count: int) -> str:
    """``count`` words of text that no other seed repeats for long: each story its own."""
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(count)) + "."


WIRE = prose(1, 250)
WIRE_COPIES = {
    "wire-reuters": "ODESA, March 3 (Reuters) - Grain exports resumed from Odesa on Monday. " + WIRE,
    # The dateline changed.
    "wire-ap": "ODESA, March 4 (AP) - Grain exports resumed from Odesa on Monday. " + WIRE,
    # Another first sentence.
    "wire-local": "ODESA - Ships loaded with grain for export left the port at dawn. " + WIRE,
}
STORIES = [
    {"id": f"wire-{name.split('-')[1]}", "title": "Grain exports resume from Odesa", "body": body}
    for name, body in WIRE_COPIES.items()
] + [
    {"id": f"story-{n}", "title": f"Market report {n}", "body": f"Grain was traded. {prose(10 + n, 200)}"}
    for n in range(1, 6)
]
# Quotes a long stretch of the wire story, but is another story.
STORIES.append(
    {
        "id": "analysis",
        "title": "What the corridor means",
        "body": "Grain analysts weigh in. " + " ".join(WIRE.split()[:60]) + " " + prose(99, 200),
    }
)


@pytest.fixture
def news() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(STORIES)
        engine.commit()
        yield engine


def test_shingles_are_folded_runs_of_words() -> None:
    assert shingles("Grain EXPORTS resumed, from Odesa") == {
        "grain exports resumed",
        "exports resumed from",
        "resumed from odesa",
    }
    assert shingles("Two words") == {"two words"}
    assert shingles(" -- ") == set()


def test_copies_are_similar_and_other_stories_are_not() -> None:
    signature = {doc["id"]: fingerprint(doc).signature for doc in STORIES}
    assert similarity(signature["wire-reuters"], signature["wire-ap"]) >= 0.8
    assert similarity(signature["wire-reuters"], signature["wire-local"]) >= 0.8
    assert similarity(signature["wire-reuters"], signature["analysis"]) < 0.5
    assert similarity(signature["story-1"], signature["story-2"]) < 0.2
    assert fingerprint({"id": "empty", "title": ""}).signature is None


def test_collapse_folds_into_the_best_ranked_kept_copy() -> None:
    a, b, c = (fingerprint({"id": i, "body": text}) for i, text in WIRE_COPIES.items())
    other = fingerprint({"id": "x", "body": prose(5, 100)})
    empty = fingerprint({"id": "y", "title": "..."})
    assert collapse([other, b, empty, a, empty, c]) == [(0, []), (1, [3, 5]), (2, []), (4, [])]


def test_collapse_keeps_one_copy_and_fills_the_page(news: SearchEngine) -> None:
    plain = ids(news.search("grain", limit=20))
    copies = plain[:3]
    assert set(copies) == {"wire-reuters", "wire-ap", "wire-local"}
    result = news.search("grain", limit=3, collapse=True)
    assert ids(result) == [copies[0], *plain[3:5]]
    assert [hit.duplicates for hit in result.hits] == [copies[1:], [], []]
    assert result.total == news.search("grain").total == len(STORIES)
    # The next page starts where this one ended.
    assert ids(news.search("grain", limit=2, offset=2, collapse=True)) == plain[4:6]
    everything = news.search("grain", limit=20, collapse=True)
    assert ids(everything) == [copies[0], *plain[3:]]
    assert "analysis" in ids(everything)


def test_without_collapse_nothing_changes(news: SearchEngine) -> None:
    result = news.search("grain", limit=5)
    assert all(hit.duplicates is None and "duplicates" not in hit.to_dict() for hit in result.hits)
    assert without_timing(news.search("grain", limit=5, collapse=False)) == without_timing(result)


def test_with_collapse_every_hit_says_its_duplicates(news: SearchEngine) -> None:
    hits = [hit.to_dict() for hit in news.search("grain", limit=4, collapse=True).hits]
    assert [len(hit["duplicates"]) for hit in hits] == [2, 0, 0, 0]
    for folded in hits[0]["duplicates"]:
        assert news.get(folded)["title"] == "Grain exports resume from Odesa"


def test_collapse_within_a_filter_and_with_recency() -> None:
    docs = [{**doc, "source": "wire" if doc["id"].startswith("wire") else "desk"} for doc in STORIES]
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(docs)
        engine.commit()
        only_wire = engine.search("grain", filters={"source": "wire"}, collapse=True, recency=30)
        assert len(only_wire.hits) == 1 and len(only_wire.hits[0].duplicates or []) == 2
        assert only_wire.total == 3


def test_an_update_is_seen_by_the_next_collapse(news: SearchEngine) -> None:
    assert news.search("grain", limit=1, collapse=True).hits[0].duplicates
    news.add([{"id": "wire-ap", "title": "Grain exports resume from Odesa", "body": prose(7, 250)}])
    news.commit()
    duplicates = {hit.id: hit.duplicates for hit in news.search("grain", limit=20, collapse=True).hits}
    assert duplicates["wire-ap"] == []
    kept = "wire-reuters" if "wire-reuters" in duplicates else "wire-local"
    assert duplicates[kept] == list({"wire-reuters", "wire-local"} - {kept})


def test_the_fingerprint_cache_is_bounded(news: SearchEngine) -> None:
    cache = news.executor.fingerprints
    news.search("grain", limit=20, collapse=True)
    assert 0 < len(cache) <= cache.capacity
    small = FingerprintCache(capacity=2)
    news.executor.fingerprints = small
    first = ids(news.search("grain", limit=20, collapse=True))
    assert len(small) == 2
    assert ids(news.search("grain", limit=20, collapse=True)) == first


# -- both, and sorting by a field ----------------------------------------------------------------


@pytest.mark.parametrize("sort", ["date", "date:asc", "source"])
def test_sorting_by_a_field_ignores_both(sort: str) -> None:
    docs = [{**doc, "date": f"2024-03-{n + 1:02d}", "source": "desk"} for n, doc in enumerate(STORIES)]
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(docs)
        engine.commit()
        plain = without_timing(engine.search("grain", sort=sort, limit=5))
        assert without_timing(engine.search("grain", sort=sort, limit=5, recency=1, collapse=True)) == plain
        assert without_timing(engine.search("", recency=1, collapse=True, limit=5)) == without_timing(
            engine.search("", limit=5)
        )


# -- HTTP and the command line ---------------------------------------------------------------


@pytest.fixture
def client(news: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(news, Settings()))


def test_http_collapse_and_recency(client: falcon.testing.TestClient, news: SearchEngine) -> None:
    got = client.simulate_get("/search", params={"q": "grain", "limit": "3", "collapse": "true"})
    assert got.status_code == 200
    first = got.json["hits"][0]
    assert len(first["duplicates"]) == 2
    for folded in first["duplicates"]:
        assert client.simulate_get(f"/documents/{folded}").status_code == 200
    posted = client.simulate_post("/search", json={"q": "grain", "limit": 3, "collapse": True, "recency": 7})
    assert [hit["duplicates"] for hit in posted.json["hits"]] == [first["duplicates"], [], []]
    plain = client.simulate_get("/search", params={"q": "grain", "recency": "0"})
    assert all("duplicates" not in hit for hit in plain.json["hits"])


@pytest.mark.parametrize(
    "params",
    [
        {"recency": "-1"},
        {"recency": "seven"},
        {"recency": "1.5"},
        {"recency": "36501"},
        {"collapse": "maybe"},
    ],
)
def test_http_refuses_bad_values(client: falcon.testing.TestClient, params: dict[str, str]) -> None:
    got = client.simulate_get("/search", params={"q": "grain", **params})
    assert got.status_code == 400
    assert got.headers["content-type"] == "application/json"
    assert got.json["error"]["code"] == "invalid_parameter"
    assert next(iter(params)) in got.json["error"]["message"]


@pytest.mark.parametrize("body", [{"recency": "7"}, {"recency": -3}, {"recency": True}, {"collapse": "yes"}])
def test_http_refuses_bad_values_in_a_body(client: falcon.testing.TestClient, body: dict[str, Any]) -> None:
    got = client.simulate_post("/search", json={"q": "grain", **body})
    assert (got.status_code, got.json["error"]["code"]) == (400, "invalid_parameter")


def test_the_openapi_document_describes_both() -> None:
    spec = build_spec(Settings(recency_half_life_days=14))
    query = {p["name"]: p["schema"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert query["recency"] == {"type": "integer", "default": 14, "minimum": 0, "maximum": 36500}
    assert query["collapse"] == {"type": "boolean", "default": False}
    assert spec["components"]["schemas"]["Hit"]["properties"]["duplicates"]["items"] == {"type": "string"}


def test_cli_collapse_shows_the_folded_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEARCHSVC_INDEX_DIR", raising=False)
    monkeypatch.delenv("SEARCHSVC_RECENCY_HALF_LIFE_DAYS", raising=False)
    corpus = tmp_path / "stories.jsonl"
    corpus.write_text("\n".join(json.dumps(doc) for doc in STORIES) + "\n")
    index = ["--index-dir", str(tmp_path / "ix")]
    assert CliRunner().invoke(cli, [*index, "index", str(corpus), "-q"]).exit_code == 0
    plain = CliRunner().invoke(cli, [*index, "search", "grain", "-n", "3"])
    assert "near-duplicate" not in plain.output
    result = CliRunner().invoke(cli, [*index, "search", "grain", "-n", "3", "--collapse", "--recency", "30"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{len(STORIES)} hits for 'grain', showing 1-3")
    (line,) = [line for line in result.output.splitlines() if "near-duplicates" in line]
    assert line.startswith("   (+2 near-duplicates: wire-")
    as_json = CliRunner().invoke(cli, [*index, "search", "grain", "-n", "3", "--collapse", "--json"])
    assert [len(hit["duplicates"]) for hit in json.loads(as_json.output)["hits"]] == [2, 0, 0]
    refused = CliRunner().invoke(cli, [*index, "search", "grain", "--recency", "-5"])
    assert refused.exit_code != 0 and "recency must be an integer from 0 to 36500" in refused.output
