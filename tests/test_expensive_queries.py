"""Each limit on what one query may read refuses past it, naming its setting, and allows up to it.

The index holds five words that start with "zor", each in the body of one
article, so every count below can be read off :data:`ZOR_DOCS`. Speed is the
bench's business (``bench/pathological.py``); nothing here is timed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.errors import QueryTooExpensive
from searchsvc.settings import setting

WORDS = ["zorb", "zorc", "zord", "zorf", "zorg"]
ZOR_DOCS: list[dict[str, Any]] = [
    {"id": word, "title": "Report", "body": word, "tags": [f"zt-{word}"], "source": "Wire"} for word in WORDS
]
LIMITS = ("max_expansion_terms", "max_scanned_terms", "max_query_terms", "max_query_phrases")


@pytest.fixture
def make() -> Iterator[Any]:
    """``make(max_query_terms=3)``: an engine over :data:`ZOR_DOCS` with those settings."""
    made: list[SearchEngine] = []

    def make(**limits: int) -> SearchEngine:
        engine = SearchEngine.in_memory(settings=Settings(**limits), variants=None)
        made.append(engine)
        engine.add(ZOR_DOCS)
        engine.commit()
        return engine

    yield make
    for engine in made:
        engine.close()


def ids(engine: SearchEngine, q: str) -> set[str]:
    return {hit.id for hit in engine.search(q, limit=100).hits}


def refusal(engine: SearchEngine, q: str) -> QueryTooExpensive:
    with pytest.raises(QueryTooExpensive) as caught:
        engine.search(q)
    return caught.value


@pytest.mark.parametrize("name", LIMITS)
def test_each_limit_is_a_declared_setting_with_help_and_range(name: str) -> None:
    declared = setting(name)
    assert declared.help and declared.minimum == 1 and declared.maximum is not None
    assert declared.env == "SEARCHSVC_" + name.upper()
    assert getattr(Settings(), name) == declared.default


@pytest.mark.parametrize(
    "q",
    ["body:zor*", "body:zo?*", "body:[zora TO zorz]", "tags:zt-*", "zor*"],
    ids=["prefix", "wildcard", "range", "keyword values", "every text field"],
)
def test_max_expansion_terms(make: Any, q: str) -> None:
    assert ids(make(max_expansion_terms=5), q) == set(WORDS)
    error = refusal(make(max_expansion_terms=4), q)
    assert "max_expansion_terms is 4" in error.message
    assert (error.status, error.code) == (400, "query_too_expensive")
    assert error.details == {"setting": "max_expansion_terms", "limit": 4}


def test_max_scanned_terms_counts_the_terms_a_wildcard_looks_through(make: Any) -> None:
    # "zor?" looks through the five terms that start with "zor"; "zorb?" through the one.
    assert ids(make(max_scanned_terms=5), "body:zor?") == set(WORDS)
    assert ids(make(max_scanned_terms=1), "body:zorb*?") == set()
    error = refusal(make(max_scanned_terms=4), "body:zor?")
    assert "max_scanned_terms is 4" in error.message
    assert "type more letters" in error.message


def test_a_wildcard_without_a_start_looks_through_every_term_of_its_field(make: Any) -> None:
    assert ids(make(max_scanned_terms=5), "body:*b") == {"zorb"}
    error = refusal(make(max_scanned_terms=4), "body:*b")
    assert "*b has no letters before its first * or ?" in error.message
    assert error.details["setting"] == "max_scanned_terms"


def test_max_query_terms_counts_every_term_after_expansion(make: Any) -> None:
    assert ids(make(max_query_terms=3), "body:zorb OR body:zorc OR body:zord") == {"zorb", "zorc", "zord"}
    assert (
        "max_query_terms is 2"
        in refusal(make(max_query_terms=2), "body:zorb OR body:zorc OR body:zord").message
    )
    # A prefix reads each term it matches; a word reads one term in each text field.
    assert ids(make(max_query_terms=5), "body:zor*") == set(WORDS)
    assert refusal(make(max_query_terms=4), "body:zor*").details["setting"] == "max_query_terms"
    assert ids(make(max_query_terms=3), "zorb") == {"zorb"}
    assert refusal(make(max_query_terms=2), "zorb").details["setting"] == "max_query_terms"


def test_excluded_words_count_too(make: Any) -> None:
    assert len(ids(make(max_query_terms=2), "body:zorb -body:zorc")) == 1
    assert refusal(make(max_query_terms=1), "body:zorb -body:zorc").details["setting"] == "max_query_terms"


def test_max_query_phrases_counts_a_phrase_once_whatever_the_fields(make: Any) -> None:
    two = '"zorb zorc" OR "zord zorf"'
    assert ids(make(max_query_phrases=2), two) == set()
    error = refusal(make(max_query_phrases=1), two)
    assert "more than 1 phrases (max_query_phrases is 1)" in error.message
    assert ids(make(max_query_phrases=1), '"zorb zorc"') == set()


def test_a_refusal_is_remembered_and_answered_again(make: Any) -> None:
    engine = make(max_expansion_terms=4)
    first = refusal(engine, "body:zor*")
    second = refusal(engine, "body:zor*")
    assert (second.message, second.details) == (first.message, first.details)
    assert second is not first


def test_http_answers_400_naming_the_limit(make: Any) -> None:
    settings = Settings(max_expansion_terms=4)
    engine = make(max_expansion_terms=4)
    client = falcon.testing.TestClient(create_app(engine, settings))
    resp = client.simulate_get("/search", params={"q": "body:zor*"})
    assert resp.status_code == 400
    error = resp.json["error"]
    assert error["code"] == "query_too_expensive"
    assert "max_expansion_terms" in error["message"]
    assert client.simulate_get("/search", params={"q": "body:zorb*"}).status_code == 200


def test_an_expanded_prefix_still_highlights_and_scores_as_a_pattern(make: Any) -> None:
    engine = make()
    result = engine.search("body:zor*", limit=10)
    assert {hit.id for hit in result.hits} == set(WORDS)
    assert {hit.score for hit in result.hits} == {1.0}
    assert all("<mark>" in "".join(hit.highlights["body"]) for hit in result.hits)


def test_the_pathological_bench_runs_on_a_small_index(tmp_path: Any) -> None:
    from bench.pathological import main

    out = tmp_path / "rows.json"
    main(["--size", "300", "--index-dir", str(tmp_path / "ix"), "--repeat", "1", "--json", str(out)])
    rows = json.loads(out.read_text())["rows"]
    assert len(rows) > 40
    assert all(row["total"] is not None or row["refused"] for row in rows)
    assert any("query_too_expensive" in (row["refused"] or "") for row in rows)
