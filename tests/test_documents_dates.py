"""Every date a document may have is indexed, committed, searched, sorted and faceted; others are refused.

Python's datetime and Whoosh's DATETIME field hold 0001-01-01 to 9999-12-31; the
document model keeps a day free at each end (0001-01-02 to 9999-12-30 UTC) so that a
query may reach a day past any stored date. A date outside is refused when it is
added, quoting it as it was sent, and never reaches a commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.documents import MAX_DATE, MIN_DATE, parse_date
from searchsvc.errors import InvalidDate, InvalidDocument

#: Dates the model takes: as sent, as stored.
ACCEPTED = [
    ("0001-01-02", "0001-01-02T00:00:00Z"),
    ("0001-01-02T00:00:00-05:00", "0001-01-02T05:00:00Z"),
    ("0005-06-07", "0005-06-07T00:00:00Z"),
    ("1900-01-01", "1900-01-01T00:00:00Z"),
    ("1969-12-31T23:59:59", "1969-12-31T23:59:59Z"),
    ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
    ("1969-12-31T23:30:00-01:00", "1970-01-01T00:30:00Z"),
    ("2020-02-29T12:00:00+14:00", "2020-02-28T22:00:00Z"),
    ("9999-12-30", "9999-12-30T00:00:00Z"),
    ("9999-12-30T23:59:59.999999", "9999-12-30T23:59:59Z"),
    ("9999-12-31T00:59:59+01:00", "9999-12-30T23:59:59Z"),
]

RANGE = "dates must be from 0001-01-02T00:00:00Z to 9999-12-30T23:59:59Z"

#: Dates refused, and the message: the value quoted as sent, not as normalised.
REFUSED = [
    ("0001-01-01", f"date: '0001-01-01' is out of range: {RANGE}"),
    ("0001-01-01T23:59:59Z", f"date: '0001-01-01T23:59:59Z' is out of range: {RANGE}"),
    ("0001-01-02T00:30:00+01:00", f"date: '0001-01-02T00:30:00+01:00' is out of range: {RANGE}"),
    ("0001-01-01T00:00:00+01:00", "date: '0001-01-01T00:00:00+01:00' is out of range once converted to UTC"),
    ("9999-12-31", f"date: '9999-12-31' is out of range: {RANGE}"),
    ("9999-12-30T23:00:00-01:00", f"date: '9999-12-30T23:00:00-01:00' is out of range: {RANGE}"),
    ("9999-12-31T23:59:59-00:01", "date: '9999-12-31T23:59:59-00:01' is out of range once converted to UTC"),
    ("0000-01-01", "date: '0000-01-01' is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"),
    ("10000-01-01", "date: '10000-01-01' is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)"),
]

#: Companions that every accepted date is sorted and faceted among.
OTHERS = [
    {"id": "middle", "title": "news", "date": "2024-03-01"},
    {"id": "undated", "title": "news"},
]


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        yield engine


def ids(result: Any) -> list[str]:
    return [hit.id for hit in result.hits]


def test_the_range_is_what_datetime_holds_less_a_day_at_each_end() -> None:
    assert MIN_DATE - dt.timedelta(days=1) == dt.datetime.min.replace(tzinfo=dt.UTC)
    assert MAX_DATE + dt.timedelta(days=1) - dt.datetime.max.replace(tzinfo=dt.UTC) < dt.timedelta(seconds=1)


@pytest.mark.parametrize(("sent", "stored"), ACCEPTED)
def test_an_accepted_date_indexes_commits_searches_sorts_and_facets(
    engine: SearchEngine, sent: str, stored: str
) -> None:
    engine.add([{"id": "edge", "title": "news", "date": sent}, *OTHERS], strict=True)
    engine.commit()
    assert engine.get("edge")["date"] == stored
    day = stored[:10]
    # Found by its day, in a filter and in the query language, and by the second.
    assert ids(engine.search("news", date_from=day, date_to=day)) == ["edge"]
    assert ids(engine.search(f"date:{day}")) == ["edge"]
    assert ids(engine.search(f"date:[{day} TO {day}]")) == ["edge"]
    assert "edge" in ids(engine.search(f"date:>={stored}"))
    assert "edge" in ids(engine.search(f"date:<={stored}"))
    assert "edge" not in ids(engine.search(f"date:>{day}")) + ids(engine.search(f"date:<{day}"))
    # Sorted among the others, the undated last either way.
    before = stored < "2024-03-01"
    oldest_first = ["edge", "middle"] if before else ["middle", "edge"]
    assert ids(engine.search("news", sort="date:asc")) == [*oldest_first, "undated"]
    assert ids(engine.search("news", sort="date:desc")) == [*reversed(oldest_first), "undated"]
    # Counted in its day, month and year.
    for interval, width in (("day", 10), ("month", 7), ("year", 4)):
        facet = engine.search("news", facets=["date"], date_interval=interval).facets["date"]
        assert {bucket.value: bucket.count for bucket in facet}[stored[:width]] == 1


@pytest.mark.parametrize(("sent", "message"), REFUSED)
def test_a_date_out_of_range_is_refused_when_added(engine: SearchEngine, sent: str, message: str) -> None:
    with pytest.raises(InvalidDocument) as raised:
        engine.add({"id": "edge", "date": sent}, strict=True)
    assert (raised.value.message, raised.value.details) == (message, {"field": "date"})
    summary = engine.add([{"id": "edge", "date": sent}, {"id": "fine", "date": "2024-01-01"}])
    assert (summary.added, summary.rejected, summary.rejections[0].reason) == (1, 1, message)
    # Nothing bad was staged: the commit works and the engine goes on.
    engine.commit()
    assert ids(engine.search("", sort="date")) == ["fine"]


def test_the_library_refuses_date_objects_out_of_range(engine: SearchEngine) -> None:
    with pytest.raises(InvalidDocument, match=r"datetime.date\(1, 1, 1\)"):
        engine.add({"id": "a", "date": dt.date(1, 1, 1)}, strict=True)
    engine.add({"id": "b", "date": dt.date(1, 1, 2)}, strict=True)
    engine.commit()
    assert engine.get("b")["date"] == "0001-01-02T00:00:00Z"


def test_an_on_disk_index_takes_the_extreme_dates(tmp_path: Path) -> None:
    docs = [{"id": "first", "date": "0001-01-02"}, {"id": "last", "date": "9999-12-30T23:59:59Z"}]
    with SearchEngine(tmp_path / "index", variants=None) as engine:
        engine.add(docs)
    # A rebuild writes in other processes; a reopened index reads the columns back.
    with SearchEngine(tmp_path / "index", variants=None, procs=2) as engine:
        assert ids(engine.search("", sort="date:asc")) == ["first", "last"]
        engine.rebuild([*docs, {"id": "middle", "date": "2024-01-01"}])
        assert ids(engine.search("", sort="date:desc")) == ["last", "middle", "first"]


@pytest.mark.parametrize(
    "query", ["date:9999-12-31", "date:0001-01-01", "date:>9999-12-31", "date:[* TO 9999-12-31T23:59:59]"]
)
def test_a_query_date_out_of_range_is_refused(engine: SearchEngine, query: str) -> None:
    # The day after 9999-12-31 overflowed inside the query builder (a 500 over HTTP).
    with pytest.raises(InvalidDate, match="out of range"):
        engine.search(query)


@pytest.mark.parametrize("query", ["date:>9999-12-30", "date:<0001-01-02", "date:[0001-01-02 TO 9999-12-30]"])
def test_a_query_at_the_ends_of_the_range_works(engine: SearchEngine, query: str) -> None:
    engine.add([{"id": "a", "date": "2024-01-01"}])
    engine.commit()
    assert engine.search(query).total in (0, 1)


def test_parse_date_is_the_one_check() -> None:
    assert parse_date("0001-01-02") == MIN_DATE
    with pytest.raises(InvalidDate, match="'9999-12-31' is out of range"):
        parse_date("9999-12-31", field="date_to")


# -- over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, Settings()))


def test_put_refuses_a_date_out_of_range(client: falcon.testing.TestClient, engine: SearchEngine) -> None:
    result = client.simulate_put("/documents/a", json={"date": "0001-01-01"})
    assert result.status_code == 422
    assert result.json == {
        "error": {
            "status": 422,
            "code": "invalid_document",
            "message": f"date: '0001-01-01' is out of range: {RANGE}",
        }
    }
    assert engine.pending == 0


def test_bulk_rejects_dates_out_of_range_and_writes_the_rest(client: falcon.testing.TestClient) -> None:
    docs = [{"id": "a", "date": "9999-12-31"}, {"id": "b", "date": "9999-12-30"}]
    result = client.simulate_post("/documents", json=docs, params={"commit": "true"})
    assert (result.json["added"], result.json["rejected"]) == (1, 1)
    assert result.json["rejections"][0]["reason"] == f"date: '9999-12-31' is out of range: {RANGE}"
    assert client.simulate_get("/documents/b").json["date"] == "9999-12-30T00:00:00Z"


@pytest.mark.parametrize(
    "query_string", ["q=date:9999-12-31", "q=date:>9999-12-31", "date_from=0001-01-01", "date_to=9999-12-31"]
)
def test_a_search_date_out_of_range_is_400(client: falcon.testing.TestClient, query_string: str) -> None:
    result = client.simulate_get("/search", query_string=query_string)
    assert (result.status_code, result.json["error"]["code"]) == (400, "invalid_date")
