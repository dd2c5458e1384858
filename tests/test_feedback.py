"""Pseudo-relevance feedback (RM3): the words of the first hits, added to the query."""

from __future__ import annotations

import json

import falcon.testing
import pytest
from click.testing import CliRunner

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.errors import InvalidParameter
from searchsvc.feedback import Feedback, expanded_query, relevance_model


@pytest.fixture(scope="module")
def analyzer():
    with SearchEngine.in_memory() as engine:
        yield engine.analyzer


def test_the_model_holds_the_words_of_the_best_hits_weighted_by_their_scores(analyzer) -> None:
    hits = [
        (3.0, {"title": "Conical bodies", "body": "Flow over a cone at supersonic speed. The cone flow."}),
        (1.0, {"title": "Wings", "body": "Lift of a swept wing in 1958."}),
    ]
    model = dict(relevance_model(analyzer, hits, size=50))
    assert sum(model.values()) == pytest.approx(1.0)
    # The better hit's words weigh more, a title's as the index weighs it;
    # numbers and stop words are never added.
    # conic: 3 of the first hit's 12 weighted words; cone: 2 of them; lift: 1 of
    # the second's 7; the first hit has three quarters of the score.
    assert model["conic"] / model["cone"] == pytest.approx(3 / 2)
    assert model["cone"] / model["lift"] == pytest.approx((0.75 * 2 / 12) / (0.25 * 1 / 7))
    assert "1958" not in model and "the" not in model and "of" not in model
    assert list(dict(relevance_model(analyzer, hits, size=2))) == ["bodi", "conic"]


def test_documents_without_text_or_score_add_nothing(analyzer) -> None:
    assert relevance_model(analyzer, [(2.0, {"title": "", "body": None}), (0.0, {"body": "cone"})], 5) == []
    with_empty = relevance_model(analyzer, [(2.0, {"title": ""}), (1.0, {"body": "cone flow"})], 5)
    assert dict(with_empty) == {"cone": 0.5, "flow": 0.5}


def test_the_original_query_keeps_its_share(analyzer) -> None:
    with SearchEngine.in_memory() as engine:
        engine.add(
            [
                {"id": "a", "title": "Cone flow", "body": "Supersonic flow over a cone."},
                {"id": "b", "title": "Conical shock", "body": "A shock at supersonic speed."},
            ]
        )
        engine.commit()
        plain = engine.search("cone", mode="any", highlight=False)
        assert [h.id for h in plain.hits] == ["a"]
    model = [("supersonic", 0.6), ("shock", 0.4)]
    from searchsvc.store.query import in_fields

    q = expanded_query(in_fields(("title", "body"), "cone"), 1, model, Feedback(original_weight=0.25))
    weights = {tuple(t.text for t in sub.subqueries)[0]: sub.boost for sub in q.subqueries}
    assert weights == pytest.approx({"cone": 0.25, "supersonic": 0.45, "shock": 0.3})
    assert expanded_query(q, 1, [], Feedback()) is q


# A question about cones: two documents say "cone", two others only "conical
# body", and those share their other words with the cone documents.
CORPUS = [
    {
        "id": "cone-1",
        "title": "Pressure on a cone",
        "body": "Supersonic flow, shock angle and surface pressure.",
    },
    {"id": "cone-2", "title": "Cone in supersonic flow", "body": "Shock angle and pressure measured."},
    {"id": "conical", "title": "Conical body", "body": "Supersonic flow: shock angle and surface pressure."},
    {"id": "wing", "title": "Swept wing", "body": "Lift and drag of a swept wing at low speed."},
    {"id": "other", "title": "Boundary layer", "body": "Heat transfer in a laminar boundary layer."},
]


@pytest.fixture(scope="module")
def engine():
    with SearchEngine.in_memory() as engine:
        engine.add(CORPUS)
        engine.commit()
        yield engine


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def test_feedback_finds_documents_that_use_other_words(engine) -> None:
    assert ids(engine.search("cone", mode="any")) == ["cone-1", "cone-2"]
    widened = engine.search("cone", mode="any", feedback=True)
    # The cone documents' other words bring in the conical body, and not the wing.
    assert ids(widened)[:2] == ["cone-1", "cone-2"] and "conical" in ids(widened)
    assert "wing" not in ids(widened) and widened.total == len(widened.hits)
    # Highlights come from the words typed, not from the words added.
    conical = next(hit for hit in widened.hits if hit.id == "conical")
    assert "<mark>" not in str(conical.highlights)


def test_in_the_query_language_the_added_words_only_reorder(engine) -> None:
    plain = engine.search("pressure")
    widened = engine.search("pressure", feedback=True)
    assert sorted(ids(widened)) == sorted(ids(plain)) and widened.total == plain.total


def test_feedback_keeps_to_filters_and_leaves_field_sorts_alone(engine) -> None:
    assert engine.search("cone", mode="any", feedback=True, filters={"source": "nowhere"}).total == 0
    by_date = engine.search("cone", mode="any", feedback=True, sort="date")
    assert ids(by_date) == ids(engine.search("cone", mode="any", sort="date"))
    assert engine.search("zeppelin", mode="any", feedback=True).total == 0


def test_the_settings_shape_the_feedback() -> None:
    with SearchEngine.in_memory(settings=Settings(feedback_weight=1.0)) as engine:
        engine.add(CORPUS)
        engine.commit()
        # All of the weight on the words typed: the same hits as without feedback.
        assert ids(engine.search("cone", mode="any", feedback=True)) == ["cone-1", "cone-2"]
    with pytest.raises(InvalidParameter, match="feedback_docs"):
        Settings(feedback_docs=0)


def test_feedback_over_http_and_in_the_cli(engine, tmp_path) -> None:
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    answer = client.simulate_get("/search", params={"q": "cone", "mode": "any", "feedback": "true"})
    assert answer.status_code == 200 and "conical" in [h["id"] for h in answer.json["hits"]]
    bad = client.simulate_get("/search", params={"q": "cone", "feedback": "lots"})
    assert bad.status_code == 400 and bad.json["error"]["message"].startswith("feedback must be")
    index = tmp_path / "index"
    runner = CliRunner()
    source = tmp_path / "docs.jsonl"
    source.write_text("\n".join(json.dumps(d) for d in CORPUS), encoding="utf-8")
    assert runner.invoke(cli, ["--index-dir", str(index), "index", str(source)]).exit_code == 0
    found = runner.invoke(
        cli, ["--index-dir", str(index), "search", "cone", "--mode", "any", "--feedback", "--json"]
    )
    assert found.exit_code == 0, found.output
    assert "conical" in [h["id"] for h in json.loads(found.output)["hits"]]
