"""Arbitrary text as a query: the library answers or raises an InvalidInput, HTTP answers 200 or 4xx.

Hypothesis writes the queries: any Unicode (control characters and lone
surrogates included), the query language's own pieces in any order (quotes,
parentheses, operators, ``field:`` with fields that exist and fields that do
not, ranges, boosts, slops), words in several scripts, and text up to the
longest query accepted and past it. Each example must answer within the
deadline; what a refusal costs is measured by ``bench/pathological.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import falcon.testing
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from samples import ARTICLES

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.errors import InvalidInput
from searchsvc.store.query import QueryParser

MAX_QUERY_LENGTH = Settings().max_query_length

#: Pieces of the query language, alone or half-finished.
SYNTAX = [
    *("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "TO", "-", "+", "(", ")", "((", "))"),
    *('"', "'", "“", "”", "«", "»", "„", "*", "?", "~", "~0", "~2", "~99999999999", "^", "^2", "^-1"),
    *(":", "[", "]", "{", "}", "[a TO z]", "{* TO *}", "[ TO ]", "\\", "/", "*:*", "date:", "date:>"),
    *("date:<=", "date:[", "2024-03-01", "2024-13-45", "2024", "T12:00", "title:", "body:", "lead:"),
    *("source:", "tags:", "places:", "category:", "lang:", "id:", "url:", "nosuch:", "Foo:", "x.y:"),
    *("doc:", "a:b:c", ":x", "*ing", "?", "??*", "[z-a]*", "ab*", "e*", "\x00", "\t", "\n", "\r"),
    *("\u200b", "\ufeff", "\u0301", "\u202e", "\ud800", "\U0001f600", "..."),
]
#: Words of the sample articles and others, in Latin, Cyrillic, Greek and CJK script.
WORDS = [
    *("kyiv", "Kyiv", "KYIV", "drones", "grain", "power", "energy", "war", "the", "of", "Reuters"),
    *("Київ", "Харків", "Одеса", "электричество", "Kharkiv", "Kiev", "Odesa", "Odessa", "Zaporizhzhia"),
    *("Αθήνα", "北京", "ﬁle", "straße", "İstanbul", "e\u0301", "x" * 60, "9" * 40, "a-b-c", "O'Brien"),
]
SEPARATORS = ["", " ", "  ", "\t"]

piece = st.one_of(
    st.sampled_from(SYNTAX),
    st.sampled_from(WORDS),
    st.text(max_size=6),
    st.text(
        alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Zs", "Po", "Ps", "Pe", "Sm")), max_size=4
    ),
)
language = st.lists(st.tuples(piece, st.sampled_from(SEPARATORS)), max_size=60).map(
    lambda parts: "".join(p + sep for p, sep in parts)
)
#: Any characters at all, lone surrogates included (a library caller can pass them).
anything = st.text(alphabet=st.characters(exclude_categories=()), max_size=200)
long_text = st.text(min_size=MAX_QUERY_LENGTH - 50, max_size=MAX_QUERY_LENGTH + 50)
repeated = st.tuples(
    st.sampled_from([*SYNTAX, *WORDS]), st.integers(1, 400), st.sampled_from(SEPARATORS)
).map(lambda t: (t[0] + t[2]) * t[1])
queries = st.one_of(language, anything, long_text, repeated)

#: Found by fuzzing (or on the way to it), kept as examples.
REGRESSIONS = [
    # Nested ANDNOT took time doubling with each level (Whoosh built both sides twice).
    "(w0 ANDNOT (w1 AND (w2 ANDNOT (w3 AND (w4 ANDNOT (w5 AND (w6 ANDNOT (w7 AND (w8 ANDNOT "
    "(w9 AND (w10 ANDNOT (w11 AND (w12 ANDNOT (w13 AND (w14 ANDNOT (w15 AND (w16 ANDNOT "
    "(w17 AND (w18 ANDNOT (w19 AND kyiv))))))))))))))))))))",
    # A minus inside parentheses could not be parsed.
    "kyiv (drones -grain)",
    "kyiv (-grain)",
    # A word of thousands of letters took seconds looking for its variant spellings.
    "x" * 10_000,
    # A lone surrogate before Whoosh's Arabic question mark (a wildcard to Whoosh) became a term.
    "\ud800\u061f",
    "kyiv \udfff?",
    # Wildcards over every term, and the query language's corners.
    "?",
    "*ing",
    "?* OR *e* OR *a*",
    "[a TO z]",
    "tags:[a TO z]",
    "kyiv \ud800",
    "-" * 500,
    "(" * 499 + ")" * 499,
    "NOT " * 249,
    '"' + "kyiv " * 190 + '"~99999999999',
]


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as eng:
        eng.add(ARTICLES)
        eng.commit()
        yield eng


@pytest.fixture(scope="module")
def roomy() -> Iterator[SearchEngine]:
    """An engine that takes queries ten times as long as the default."""
    with SearchEngine.in_memory(settings=Settings(max_query_length=10 * MAX_QUERY_LENGTH)) as eng:
        eng.add(ARTICLES)
        eng.commit()
        yield eng


@pytest.fixture(scope="module")
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, Settings()))


def answers_or_refuses(engine: SearchEngine, q: str, **params: Any) -> str:
    """``answered``, or the code of the InvalidInput that refused ``q``."""
    try:
        result = engine.search(q, **params)
    except InvalidInput as exc:
        assert 400 <= exc.status < 500
        assert exc.message
        return exc.code
    assert result.total >= 0
    assert all(hit.score is None or hit.score == hit.score for hit in result.hits)  # never NaN
    return "answered"


FUZZ = settings(
    max_examples=500,
    deadline=3000,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@FUZZ
@given(q=queries)
def test_any_query_is_answered_or_refused_by_the_library(engine: SearchEngine, q: str) -> None:
    event(answers_or_refuses(engine, q))


@FUZZ
@given(q=queries)
def test_any_query_is_answered_or_refused_with_facets_and_a_date_sort(engine: SearchEngine, q: str) -> None:
    event(answers_or_refuses(engine, q, facets="source,tags,places,date", sort="date", explain=True))


@settings(FUZZ, max_examples=300)
@given(q=queries.map(lambda q: q.encode("utf-8", "surrogatepass").decode("utf-8", "replace")))
def test_any_query_over_http_is_200_or_4xx_with_the_error_shape(
    client: falcon.testing.TestClient, q: str
) -> None:
    for resp in (
        client.simulate_get("/search", params={"q": q}),
        client.simulate_post("/search", json={"q": q, "facets": ["tags", "date"]}),
    ):
        assert resp.status_code == 200 or 400 <= resp.status_code < 500, (resp.status_code, resp.text)
        if resp.status_code != 200:
            error = resp.json["error"]
            assert set(error) == {"status", "code", "message"}
            assert error["status"] == resp.status_code


#: Any text for each string parameter of /search, or nothing.
text_or_none = st.one_of(
    st.none(), queries, st.sampled_from(["date", "-date", "source:asc", "tags,date", "year"])
)


@settings(FUZZ, max_examples=300)
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            name: text_or_none
            for name in ("q", "sort", "facets", "filter", "date_from", "date_to", "date_interval")
        },
    ).map(
        lambda d: {
            k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            for k, v in d.items()
            if v is not None
        }
    )
)
def test_any_search_parameters_over_http_are_200_or_4xx(
    client: falcon.testing.TestClient, params: dict
) -> None:
    resp = client.simulate_get("/search", params=params)
    assert resp.status_code == 200 or 400 <= resp.status_code < 500, (resp.status_code, resp.text)
    if resp.status_code != 200:
        assert set(resp.json["error"]) == {"status", "code", "message"}


@pytest.mark.parametrize("q", REGRESSIONS, ids=range(len(REGRESSIONS)))
def test_regressions_are_answered_or_refused(engine: SearchEngine, roomy: SearchEngine, q: str) -> None:
    answers_or_refuses(engine, q)
    answers_or_refuses(roomy, q)


def test_a_query_of_the_longest_length_passes_and_one_more_character_does_not(engine: SearchEngine) -> None:
    q = ("kyiv " * MAX_QUERY_LENGTH)[:MAX_QUERY_LENGTH].strip()
    assert engine.search(q).total >= 0
    with pytest.raises(InvalidInput, match="longer than"):
        engine.search(q + " kyiv" * 2)


def test_nested_binary_operators_build_each_word_once(engine: SearchEngine) -> None:
    # Whoosh built both sides of ANDNOT twice: 2**depth expansions instead of one per word and field.
    words: list[str] = []

    def expand(fieldname: str, word: str, kind: str, boost: float) -> None:
        words.append(word)

    parser = QueryParser(engine.schema, expand)
    parser.parse(REGRESSIONS[0])
    assert len(words) == 21 * 3


def test_a_minus_inside_parentheses_excludes(engine: SearchEngine) -> None:
    def ids(q: str) -> set[str]:
        return {hit.id for hit in engine.search(q, limit=100).hits}

    assert ids("fighting (-kyiv)") == ids("fighting NOT kyiv") == {"kharkiv-power"}
    assert ids("fighting (power -kyiv)") == {"kharkiv-power"}
    assert ids("fighting (power -grid)") == set()
