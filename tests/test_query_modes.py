"""mode=any: a question pasted whole is plain words, any of which may match."""

from __future__ import annotations

import math
from collections.abc import Iterator

import falcon.testing
import pytest
from click.testing import CliRunner

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.errors import InvalidParameter

DOCS = [
    {"id": "three", "title": "Heat conduction in composite slabs", "body": "How heat moves through slabs."},
    {"id": "two", "title": "Heat in slabs", "body": "Nothing about the other subject."},
    {"id": "one", "title": "Composite materials", "body": "Layers bonded together."},
    {"id": "none", "title": "Wind tunnel results", "body": "Drag at high speed."},
    {"id": "town", "title": "Shelling near Slavyansk", "body": "The town lost power."},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


def ranked(engine: SearchEngine, q: str, **params: object) -> list[str]:
    return [hit.id for hit in engine.search(q, mode="any", highlight=False, **params).hits]


def test_more_matched_words_rank_higher(engine: SearchEngine) -> None:
    question = "What problems of heat conduction in composite slabs have been solved so far?"
    assert ranked(engine, question) == ["three", "two", "one"]
    # The default mode needs every word, and finds nothing for a whole question.
    assert engine.search("heat conduction composite", highlight=False).total == 1


@pytest.mark.parametrize(
    "question",
    [
        'Is "heat (conduction in slabs?',
        "heat: conduction OR AND NOT slabs -",
        "colour:red heat* conduction?",
        "«heat» — [slabs] {conduction} ~2 ^3 \\",
        "heat\x00conduction\tslabs",
    ],
)
def test_syntax_and_punctuation_never_fail(engine: SearchEngine, question: str) -> None:
    # Read as words: each of these still finds the document about heat in slabs first.
    assert ranked(engine, question)[:1] == ["three"]


def test_stop_words_alone_match_nothing_and_an_empty_question_everything(engine: SearchEngine) -> None:
    assert engine.search("what is the of and", mode="any").total == 0
    assert engine.search("", mode="any").total == len(DOCS)


def test_names_match_in_any_spelling(engine: SearchEngine) -> None:
    assert ranked(engine, "Any news from Sloviansk today?") == ["town"]
    assert ranked(engine, "что слышно из Славянска") == ["town"]


def test_filters_facets_and_highlights_work_as_in_the_default_mode(engine: SearchEngine) -> None:
    result = engine.search("heat slabs", mode="any", facets="source", sort="date")
    assert {hit.id for hit in result.hits} == {"three", "two"}
    first = engine.search("composite slabs", mode="any")
    assert "<mark>" in (first.hits[0].highlights.get("title") or "")


def test_an_unknown_mode_is_refused() -> None:
    with (
        SearchEngine.in_memory(variants=None) as engine,
        pytest.raises(InvalidParameter, match="mode must be one of all, any"),
    ):
        engine.search("x", mode="some")


def test_the_question_length_limit_counts_what_was_typed(engine: SearchEngine) -> None:
    limited = Settings(max_query_length=40)
    with SearchEngine.in_memory(settings=limited, variants=None) as small:
        small.add(DOCS)
        small.commit()
        assert small.search("what about heat in composite slabs", mode="any").total == 3
        with pytest.raises(InvalidParameter, match="longer than 40"):
            small.search("what about heat conduction in composite slabs, again?", mode="any")


def test_http_and_cli_take_the_mode(engine: SearchEngine, tmp_path) -> None:
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    answer = client.simulate_get("/search", params={"q": "heat (conduction", "mode": "any"})
    assert answer.status_code == 200 and answer.json["hits"][0]["id"] == "three"
    answer = client.simulate_post("/search", json={"q": "heat (conduction", "mode": "any"})
    assert answer.status_code == 200 and answer.json["total"] == 2
    refused = client.simulate_get("/search", params={"q": "heat", "mode": "most"})
    assert refused.status_code == 400 and "mode" in refused.json["error"]["message"]

    index = tmp_path / "ix"
    with SearchEngine(index) as on_disk:
        on_disk.add(DOCS)
    runner = CliRunner()
    found = runner.invoke(
        cli, ["--index-dir", str(index), "search", "heat (slabs", "--mode", "any", "--json"]
    )
    assert found.exit_code == 0, found.output
    assert '"three"' in found.output
    bad = runner.invoke(cli, ["--index-dir", str(index), "search", "heat", "--mode", "most"])
    assert bad.exit_code == 2


def bm25f(engine: SearchEngine, doc_id: str, stem: str, k1: float = 1.2, b: float = 0.75) -> float:
    """BM25F by hand: the fields' weighted, length-normalised frequencies summed, then saturated once."""
    with engine.pool.snapshot() as snapshot:
        searcher = snapshot.searcher
        docnum = searcher.document_number(id=doc_id)
        n = searcher.doc_count_all()
        tf = 0.0
        idfs = []
        for name in ("title", "lead", "body"):
            idfs.append(math.log(n / (searcher.doc_frequency(name, stem) + 1)) + 1)
            if (name, stem) not in searcher.reader():
                continue
            postings = dict(searcher.postings(name, stem).items_as("weight"))
            if docnum in postings:
                length = searcher.reader().doc_field_length(docnum, name)
                tf += postings[docnum] / ((1 - b) + b * length / searcher.avg_field_length(name))
    return min(idfs) * tf * (k1 + 1) / (tf + k1)


def test_a_word_scores_as_bm25f_over_the_text_fields(engine: SearchEngine) -> None:
    found = {h.id: h.score for h in engine.search("heat", mode="any", highlight=False).hits}
    assert found == pytest.approx({d: round(bm25f(engine, d, "heat"), 4) for d in ("three", "two")}, abs=1e-4)
    # In title and body, the word saturates once: less than the query language's
    # sum of one BM25 score per field, and the same where it is in one field only.
    per_field = {h.id: h.score for h in engine.search("heat", highlight=False).hits}
    assert found["three"] < per_field["three"]
    assert found["two"] == pytest.approx(per_field["two"], abs=1e-4)
