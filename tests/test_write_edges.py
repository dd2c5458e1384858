"""Writes and their answers at the edges: what an answer says is what was done."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.errors import InvalidParameter, NotFound


@pytest.fixture
def engine() -> SearchEngine:
    return SearchEngine.in_memory(variants=None)


def test_a_second_delete_finds_nothing(engine: SearchEngine) -> None:
    engine.add({"id": "x", "title": "t"})
    engine.commit()
    assert engine.delete("x") == 1
    # Deletes are real-time, as gets are: the pending deletion already took it.
    assert engine.delete("x") == 0
    assert engine.delete(["x", "x"]) == 0
    with pytest.raises(NotFound):
        engine.get("x")


def test_a_delete_of_a_pending_document_finds_it_once(engine: SearchEngine) -> None:
    engine.add({"id": "y", "title": "t"})
    assert engine.delete(["y", "y"]) == 1
    assert engine.delete("y") == 0


def test_adding_after_a_pending_delete_is_an_addition(engine: SearchEngine) -> None:
    engine.add({"id": "z", "title": "t"})
    engine.commit()
    engine.delete("z")
    summary = engine.add({"id": "z", "title": "again"})
    assert (summary.added, summary.updated) == (1, 0)
    summary = engine.add({"id": "z", "title": "and again"})
    assert (summary.added, summary.updated) == (0, 1)


def test_http_answers_404_to_a_second_delete_within_one_commit_interval(engine: SearchEngine) -> None:
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    assert (
        client.simulate_put("/documents/d", json={"title": "t"}, params={"commit": "true"}).status_code == 200
    )
    assert client.simulate_delete("/documents/d").status_code == 200
    second = client.simulate_delete("/documents/d")
    assert second.status_code == 404
    assert second.json["error"]["code"] == "not_found"


def test_each_text_piped_in_is_its_own_document(tmp_path: Path) -> None:
    index = tmp_path / "ix"
    for text in (
        "First title\n\nFirst body.\n",
        "Second title\n\nSecond body.\n",
        "First title\n\nFirst body.\n",
    ):
        done = subprocess.run(
            [sys.executable, "-m", "searchsvc", "--index-dir", str(index), "index", "-", "--format", "text"],
            input=text.encode(),
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()
    with SearchEngine(index, variants=None) as engine:
        ids = {doc["id"] for doc in engine.export()}
    # Two texts, two documents; the first piped again replaced itself.
    assert len(ids) == 2
    assert all(doc_id.startswith("stdin-") for doc_id in ids)


def test_the_library_takes_the_http_names_of_search_parameters(engine: SearchEngine) -> None:
    engine.add(
        [{"id": "a", "title": "grain", "source": "bbc"}, {"id": "b", "title": "grain", "source": "dw"}]
    )
    engine.commit()
    assert [h.id for h in engine.search("grain", filter="source:bbc").hits] == ["a"]
    # A string where a list is expected is one value, not its characters.
    assert [h.id for h in engine.search("grain", filters="source:bbc").hits] == ["a"]
    assert {h.id for h in engine.search("grain", filter=["source:bbc", "source:dw"]).hits} == {"a", "b"}
    with pytest.raises(InvalidParameter, match="not both"):
        engine.search("grain", filter="source:bbc", filters="source:dw")
