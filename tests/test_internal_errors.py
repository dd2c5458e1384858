"""A bug in searchsvc's own code is an internal error, never a broken index.

Only the store's failures (files, locks, Whoosh reading or writing) are index
errors; anything else that goes wrong in a search is searchsvc's fault, and
says so: a 500 ``internal_error`` whose traceback goes to the log only.
"""

from __future__ import annotations

import logging
import zlib

import falcon.testing
import pytest

import searchsvc.execution
import searchsvc.store.postings
from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.errors import IndexCorrupt, SearchsvcError


@pytest.fixture
def engine():
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add([{"id": str(n), "title": f"Grain shipment {n}", "source": "BBC"} for n in range(5)])
        engine.commit()
        yield engine


def _broken(*args, **kwargs):
    raise ValueError("a bug in ranking at /srv/secret/path")


def test_a_bug_in_ranking_stays_a_bug_in_the_library(engine, monkeypatch):
    monkeypatch.setattr(searchsvc.execution, "top_scored", _broken)
    with pytest.raises(ValueError, match="a bug in ranking") as caught:
        engine.search("grain")
    assert not isinstance(caught.value, SearchsvcError)


def test_a_bug_answers_500_and_is_logged_with_its_traceback(engine, monkeypatch, caplog):
    monkeypatch.setattr(searchsvc.execution, "top_scored", _broken)
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    with caplog.at_level(logging.ERROR, logger="searchsvc.api"):
        result = client.simulate_get("/search", params={"q": "grain"})
    assert result.status_code == 500
    error = result.json["error"]
    assert error["code"] == "internal_error"
    assert "secret" not in result.text and "Traceback" not in result.text
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and logged[0].exc_info[0] is ValueError
    # The index itself is fine: a search that does not rank still answers.
    assert client.simulate_get("/search", params={"q": "grain", "sort": "date"}).status_code == 200


def test_a_damaged_posting_list_is_an_index_error(engine, monkeypatch):
    def damaged(postings):
        raise zlib.error("Error -3 while decompressing data: invalid block type")

    monkeypatch.setattr(searchsvc.store.postings, "read_blocks", damaged)
    # Frequent enough to be stored in blocks rather than inlined in the terms table.
    engine.add([{"id": f"more-{n}", "title": "Grain again"} for n in range(20)])
    engine.commit()
    with pytest.raises(IndexCorrupt):
        engine.search("grain")
    client = falcon.testing.TestClient(create_app(engine, Settings()))
    result = client.simulate_get("/search", params={"q": "grain"})
    assert result.status_code == 503
    assert result.json["error"]["code"] == "index_corrupt"
