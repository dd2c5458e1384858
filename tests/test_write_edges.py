"""Writes and their answers at the edges: what an answer says is what was done."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import falcon.testing
import pytest
from click.testing import CliRunner

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.cli import cli
from searchsvc.errors import IndexLocked, InvalidDocument, InvalidParameter, NotFound
from searchsvc.server import Committer
from searchsvc.store.writer import writing


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


def _holding_the_lock(engine: SearchEngine) -> Any:
    """Another writer's lock on ``engine``'s index, as an ``index`` command or a server holds it."""
    return writing(engine.pool.current_index(), "hold the lock", timeout=0)


def test_a_commit_that_cannot_be_made_answers_the_write_as_accepted(tmp_path: Path) -> None:
    settings = Settings(durability="request", lock_timeout=0.2)
    with SearchEngine(tmp_path / "ix", settings=settings, variants=None) as engine:
        client = falcon.testing.TestClient(create_app(engine, settings))
        with _holding_the_lock(engine) as held:
            answer = client.simulate_put("/documents/w", json={"title": "waits"}, params={"commit": "true"})
            held.cancel()
        # Logged and staged: accepted, and said to be not yet visible, with why.
        assert answer.status_code == 200, answer.text
        assert answer.json["committed"] is False
        assert answer.json["commit_error"]["code"] == "index_locked"
        assert client.simulate_get("/documents/w").status_code == 200
        engine.commit()
        assert engine.search("waits").total == 1


def _one_indexed_fifty_to_come(tmp_path: Path) -> tuple[Path, Path]:
    """An index of one document, and a file of fifty more to index into it."""
    folder = tmp_path / "ix"
    with SearchEngine(folder, variants=None) as engine:
        engine.add({"id": "first", "title": "t"})
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": f"d{n}", "title": "t"}) + "\n" for n in range(50)))
    return folder, docs


def test_index_waits_for_another_writer_then_gives_up_keeping_nothing(tmp_path: Path) -> None:
    folder, docs = _one_indexed_fifty_to_come(tmp_path)
    with SearchEngine(folder, variants=None) as holder, _holding_the_lock(holder) as held:
        done = CliRunner().invoke(cli, ["--index-dir", str(folder), "index", str(docs), "--wait", "0.3"])
        held.cancel()
    assert done.exit_code == 1, done.output
    assert "waiting up to 0.3 s for another process writing to the index" in done.output
    assert "another process is writing" in done.output and "were not kept" in done.output
    # What the command said failed is not committed later, when the engine closed.
    with SearchEngine(folder, variants=None) as engine:
        assert len(engine) == 1


def test_index_waits_for_another_writer_and_goes_on_when_it_is_done(tmp_path: Path) -> None:
    folder, docs = _one_indexed_fifty_to_come(tmp_path)
    holder = SearchEngine(folder, variants=None)
    held_lock = _holding_the_lock(holder)
    writes = held_lock.__enter__()
    try:
        command = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "searchsvc",
                "--index-dir",
                str(folder),
                "index",
                str(docs),
                "--wait",
                "60",
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert command.stderr is not None
        # It says it waits before it does.
        assert "waiting up to 60 s" in command.stderr.readline().decode()
    finally:
        writes.cancel()
        held_lock.__exit__(None, None, None)
        holder.close()
    out, err = command.communicate(timeout=120)
    assert command.returncode == 0, err.decode()
    with SearchEngine(folder, variants=None) as engine:
        assert len(engine) == 51


def test_a_failed_background_commit_logs_one_line(
    engine: SearchEngine, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[int] = []

    def locked_commit() -> None:
        failures.append(1)
        raise IndexLocked("cannot write to the index: another process is writing to the index")

    committer = Committer(engine, interval=0, batch=1, commit=locked_commit)
    engine.add({"id": "p", "title": "t"})
    with caplog.at_level(logging.WARNING, logger="searchsvc.server"):
        committer.start()
        try:
            deadline = time.monotonic() + 10
            while not [r for r in caplog.records if "background commit failed" in r.getMessage()]:
                assert time.monotonic() < deadline
                time.sleep(0.01)
        finally:
            committer.stop()
    [record, *_] = [r for r in caplog.records if "background commit failed" in r.getMessage()]
    assert record.exc_info is None
    assert "another process is writing" in record.getMessage()


def test_one_rule_types_text_fields_and_tags() -> None:
    from searchsvc.documents import normalize_document

    doc = normalize_document({"id": "x", "title": 5, "source": 2.5, "tags": ["7", "a"]})
    assert (doc["title"], doc["source"], doc["tags"]) == ("5", "2.5", ["7", "a"])
    for field, value in (("title", ["a"]), ("title", True), ("tags", [7]), ("tags", 3), ("lead", {})):
        with pytest.raises(InvalidDocument):
            normalize_document({"id": "z", field: value})


def test_an_overlong_field_is_cut_at_a_blank_and_said_to_be() -> None:
    from searchsvc.documents import truncate_fields

    doc = {"id": "x" * 30, "title": "short", "body": "alpha beta gamma delta", "extra": "y" * 40}
    assert truncate_fields(doc, 12) == [("body", 22), ("extra", 40)]
    assert doc == {"id": "x" * 30, "title": "short", "body": "alpha beta", "extra": "y" * 12}
