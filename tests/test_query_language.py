"""The query language does what the README says: dates, exclusions, phrases, fields, quotes, sorting."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from searchsvc import SearchEngine
from searchsvc.errors import InvalidDate, InvalidParameter, QueryError

DOCS = [
    {
        "id": "d1",
        "title": "grain deal",
        "date": "2024-01-01",
        "source": "BBC News",
        "body": "power grid failed",
    },
    {
        "id": "d2",
        "title": "grain exports",
        "date": "2024-01-02T12:00:00",
        "source": "bbc.co.uk",
        "body": "grid power for all",
    },
    {
        "id": "d3",
        "title": "oil prices",
        "date": "2024-01-03",
        "source": "The Guardian",
        "body": "electricity",
    },
    {"id": "d4", "title": "oil deal", "date": "2023-12-31", "source": "aljazeera.com", "body": "power grid"},
    {"id": "d5", "title": "Kramatorskk shelled", "date": "2023-12-30", "source": "reuters"},
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    engine = SearchEngine.in_memory()
    engine.add(DOCS)
    engine.commit()
    yield engine
    engine.close()


def ids(engine: SearchEngine, query: str, **kwargs: object) -> set[str]:
    return {hit.id for hit in engine.search(query, limit=50, **kwargs).hits}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date:>2024-01-01", {"d2", "d3"}),
        ("date:>=2024-01-01", {"d1", "d2", "d3"}),
        ("date:<2024-01-02", {"d1", "d4", "d5"}),
        ("date:<=2024-01-02", {"d1", "d2", "d4", "d5"}),
        ("date:[2024-01-01 TO 2024-01-03]", {"d1", "d2", "d3"}),
        ("date:{2024-01-01 TO 2024-01-03}", {"d2"}),
        ("date:[2024-01-01 TO 2024-01-03}", {"d1", "d2"}),
        ("date:[2024-01-02 TO *]", {"d2", "d3"}),
        ("date:2024-01-01", {"d1"}),
        ("date:>2024-01-02T11:59:59", {"d2", "d3"}),
        ("date:>2024-01-02T12:00:00", {"d3"}),
        ("date:>=2024-01-02T12:00:00Z", {"d2", "d3"}),
        ("date:<2024-01-02T12:00:00", {"d1", "d4", "d5"}),
        ("date:2024-01-02T12:00:00", {"d2"}),
        ("date:>2024-01-02T14:00:00+02:00", {"d3"}),
        ("grain date:>2024-01-01", {"d2"}),
    ],
)
def test_date_clauses(engine: SearchEngine, query: str, expected: set[str]) -> None:
    assert ids(engine, query) == expected


@pytest.mark.parametrize("query", ["date:>2024-13-01", "date:[2024-01-01 TO 2024-02-30]", "date:>yesterday"])
def test_bad_dates_are_a_clear_error(engine: SearchEngine, query: str) -> None:
    with pytest.raises(InvalidDate):
        engine.search(query)


def test_a_minus_alone_means_what_not_means(engine: SearchEngine) -> None:
    assert ids(engine, "-grain") == ids(engine, "NOT grain") == {"d3", "d4", "d5"}
    assert ids(engine, "-grain -oil") == {"d5"}


def test_a_phrase_between_operators_is_a_word(engine: SearchEngine) -> None:
    either = ids(engine, 'grain OR "power grid" OR oil')
    assert either == ids(engine, "grain") | ids(engine, '"power grid"') | ids(engine, "oil")
    assert {"d1", "d4"} <= either


def test_slop_zero_is_the_exact_phrase(engine: SearchEngine) -> None:
    assert ids(engine, '"power grid"~0') == ids(engine, '"power grid"') == {"d1", "d4"}


def test_field_values_ignore_case_as_filters_do(engine: SearchEngine) -> None:
    assert ids(engine, "source:bbc*") == ids(engine, "source:BBC*") == {"d1", "d2"}
    assert ids(engine, 'source:"bbc news"') == ids(engine, 'source:"BBC News"') == {"d1"}
    assert ids(engine, "source:?bc*") == {"d1", "d2"}
    assert ids(engine, "source:nowhere*") == set()


@pytest.mark.parametrize("query", ["“power grid”", "«power grid»", "„power grid“"])
def test_quotes_from_news_text_make_phrases(engine: SearchEngine, query: str) -> None:
    assert ids(engine, query) == {"d1", "d4"}


@pytest.mark.parametrize("sort", ["relevance:asc", "-relevance", "+relevance"])
def test_relevance_has_one_direction(engine: SearchEngine, sort: str) -> None:
    with pytest.raises(InvalidParameter):
        engine.search("grain", sort=sort)


def test_relevance_desc_is_the_default_order(engine: SearchEngine) -> None:
    default = [h.id for h in engine.search("grain OR oil").hits]
    assert [h.id for h in engine.search("grain OR oil", sort="relevance:desc").hits] == default


def test_text_sorts_without_regard_to_case(engine: SearchEngine) -> None:
    order = [h.id for h in engine.search("", sort="source", limit=10).hits]
    assert order == ["d4", "d1", "d2", "d5", "d3"]  # aljazeera, BBC News, bbc.co.uk, reuters, The Guardian


def test_facet_size_bounds_the_date_facet(engine: SearchEngine) -> None:
    buckets = engine.search("", facets=["date"], date_interval="day", facet_size=3).facets["date"]
    assert len(buckets) == 3
    labels = [b.value for b in buckets]
    assert labels == sorted(labels)


def test_explain_says_prefix_and_fuzzy(engine: SearchEngine) -> None:
    hit = engine.search("electri*", explain=True).hits[0]
    assert hit.matched == [{"word": "electricity", "why": "prefix", "field": "body"}]
    hit = engine.search("Kramatorsk", explain=True).hits[0]
    assert hit.matched == [{"word": "Kramatorskk", "why": "fuzzy", "field": "title"}]


def test_fragments_start_and_end_on_word_boundaries() -> None:
    from searchsvc.highlight import fragments

    # Long words (compounds, transliterated names) put a fragment's edge far from any space.
    text = ("Verteidigungsministeriumssprecher\tGegenoffensivenvorbereitung artillery " * 8).strip()
    at = text.index("artillery", 200)
    for size in (40, 60, 90, 160):
        for piece in fragments(text, [(at, at + len("artillery"))], 1, size):
            inner = piece.strip("…").replace("<mark>", "").replace("</mark>", "")
            start = text.index(inner)
            end = start + len(inner)
            assert start == 0 or not text[start - 1].isalnum(), piece
            assert end == len(text) or not text[end].isalnum(), piece


def test_stop_words_keep_their_place_in_phrases() -> None:
    engine = SearchEngine.in_memory()
    engine.add(
        [
            {"id": "adjacent", "body": "the power grid failed"},
            {"id": "apart", "body": "power of the grid"},
            {"id": "further", "body": "power in the national grid"},
        ]
    )
    engine.commit()
    assert ids(engine, '"power grid"') == {"adjacent"}
    assert ids(engine, '"power of the grid"') == {"apart"}
    assert ids(engine, '"power grid"~3') == {"adjacent", "apart"}
    assert ids(engine, '"power of the grid"~2') == {"apart", "further"}
    engine.close()


@pytest.mark.parametrize("query", ["title:", "title: grain", "(source:)", "grain body:"])
def test_a_field_without_a_value_is_an_error_not_its_name(engine: SearchEngine, query: str) -> None:
    with pytest.raises(QueryError, match="needs a value right after the colon"):
        engine.search(query)


def test_a_colon_after_a_word_that_is_no_field_stays_a_word(engine: SearchEngine) -> None:
    engine.search("Breaking: grain")  # no error: pasted headlines keep working


@pytest.mark.parametrize("query", ["NOT NOT NOT grain", "grain NOT NOT oil", "NOT - grain"])
def test_not_twice_says_so(engine: SearchEngine, query: str) -> None:
    with pytest.raises(QueryError, match="two operators in a row: NOT"):
        engine.search(query)
