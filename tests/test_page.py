"""The search page through falcon's test client: what it shows, links to, refuses and escapes."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import falcon
import falcon.testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app
from searchsvc.highlight import LOOKED_THROUGH_CHARS, MATCH_KINDS
from searchsvc.parameters import HTTP_PARAMETERS
from searchsvc.request import SearchRequest
from searchsvc.results import FacetBucket, SearchResult
from searchsvc.web import histogram
from searchsvc.web.page import CONTENT_SECURITY_POLICY
from searchsvc.web.view import MATCH_WORDS, PageQuery, facet_views, pagination, safe_link

EVIL = "<script>alert(1)</script>"

DOCS: list[dict[str, Any]] = [
    {
        "id": "slavyansk-bbc",
        "title": "Shelling in Slavyansk",
        "body": "Explosions shook Slovyansk overnight; Kostantinovka was hit too.",
        "source": "BBC",
        "category": "war",
        "lang": "en",
        "date": "2024-03-01",
        "url": "https://www.bbc.co.uk/news/1",
    },
    {
        "id": "slavyansk-tass",
        "title": "В Славянске прогремели взрывы",
        "body": "Взрывы прогремели в Славянске ночью.",
        "source": "TASS",
        "category": "war",
        "lang": "ru",
        "date": "2024-03-20",
    },
    {
        "id": "sloviansk-reuters",
        "title": "Power restored in Sloviansk",
        "body": "Engineers restored power to most districts of Sloviansk.",
        "source": "Reuters",
        "category": "energy",
        "lang": "en",
        "date": "2024-04-02",
    },
    {
        "id": "kyiv-reuters",
        "title": "Kyiv metro extends its hours",
        "body": "Trains in Kyiv now run until midnight.",
        "source": "Reuters",
        "category": "city",
        "lang": "en",
        "date": "2024-04-10",
    },
    {
        "id": "evil/one",
        "title": f"Beware {EVIL} tricks",
        "lead": f"A lead with {EVIL} in Sloviansk",
        "body": f"Body {EVIL} and <img src=x onerror=alert(2)> in Sloviansk.",
        "source": f"Evil {EVIL}",
        "category": EVIL,
        "tags": [EVIL],
        "url": "javascript:alert(3)",
        "extra": {"nested": EVIL},
        "date": "2024-05-01",
    },
]

API_KEY = "page-api-key-1234"
READ_KEY = "page-read-key-5678"


@pytest.fixture(scope="module")
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory() as eng:
        eng.add(DOCS)
        eng.commit()
        yield eng


@pytest.fixture(scope="module")
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, Settings(api_key=API_KEY)))


def unescape(text: str) -> str:
    return text.replace("&amp;", "&")


def get(client: falcon.testing.TestClient, path: str = "/", **params: Any) -> falcon.testing.Result:
    return client.simulate_get(path, params=params or None)


def hit_ids(page: str) -> list[str]:
    return [urllib.parse.unquote(m) for m in re.findall(r'<h3><a href="/page/documents/([^"?]+)', page)]


def checkbox(page: str, value: str) -> str:
    match = re.search(
        r'<input type="checkbox"[^>]*value="' + re.escape(str(escape(value))) + r'"[^>]*>', page
    )
    assert match, value
    return match.group(0)


def facet_count(page: str, facet: str, value: str) -> int:
    match = re.search(
        r'value="' + re.escape(str(escape(f"{facet}:{value}"))) + r'"[^>]*>\s*<label[^>]*>.*?'
        r'<span class="count">(\d+)</span>',
        page,
        re.S,
    )
    assert match, (facet, value)
    return int(match.group(1))


# -- the page ------------------------------------------------------------------------------------


def test_the_page_shows_hits_with_highlights_source_date_and_link(client: falcon.testing.TestClient) -> None:
    resp = get(client, q="Kyiv")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    page = resp.text
    assert hit_ids(page) == ["kyiv-reuters"]
    assert (
        '<a href="/page/documents/kyiv-reuters?q=Kyiv" lang="en"><mark>Kyiv</mark> metro extends its hours</a>'
        in page
    )
    assert "Trains in <mark>Kyiv</mark> now run until midnight." in page
    assert '<span class="source">Reuters</span>' in page
    assert '<time datetime="2024-04-10T00:00:00Z">2024-04-10</time>' in page
    assert 'value="Kyiv"' in page  # the query stays in its box
    assert "1 article" in page


def test_the_page_links_only_to_http_urls(client: falcon.testing.TestClient) -> None:
    page = get(client, q="Slavyansk").text
    assert '<a class="origin" href="https://www.bbc.co.uk/news/1"' in page
    assert safe_link("javascript:alert(3)") is None
    assert safe_link(" JaVaScRiPt:alert(1)") is None
    assert safe_link("data:text/html,x") is None
    assert safe_link("//evil.example/x") is None
    assert safe_link("https://example.org/a?b=1") == "https://example.org/a?b=1"


def test_every_piece_of_document_text_is_escaped(client: falcon.testing.TestClient) -> None:
    # The evil document matches Sloviansk in its lead and body: its title, fragments,
    # explanation, facets and spellings all reach the page.
    pages = [
        get(client, q="Sloviansk Beware").text,
        get(client, "/page/results", q="Sloviansk Beware").text,
        get(client, q="", filter="tags:" + EVIL).text,
        get(client, "/page/documents/evil%2Fone", q="Beware").text,
    ]
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert hit_ids(pages[0]) == ["evil/one"]
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages[3]
    # The stored field the model does not know is shown as JSON text, escaped.
    assert "{&#34;nested&#34;: &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;}" in pages[3]


def test_the_page_sends_its_security_headers(client: falcon.testing.TestClient) -> None:
    for path in ("/", "/page/results", "/page/documents/kyiv-reuters", "/page/documents/missing"):
        headers = get(client, path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        head = client.simulate_head(path)
        assert head.headers["content-security-policy"] == CONTENT_SECURITY_POLICY and head.content == b""
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    # The API keeps its own, stricter policy.
    assert (
        get(client, "/search").headers["content-security-policy"]
        == "default-src 'none'; frame-ancestors 'none'"
    )


def test_no_inline_script_or_style_in_the_page(client: falcon.testing.TestClient) -> None:
    page = get(client, q="Sloviansk").text
    assert re.findall(r"<script[^>]*>", page) == [
        re.search(r'<script src="/page/static/page\.js\?v=\w+" defer>', page)[0]
    ]  # type: ignore[index]
    assert " style=" not in page and "<style" not in page and " on" + "click=" not in page


def test_cyrillic_and_latin_render_alike_in_utf8(client: falcon.testing.TestClient) -> None:
    resp = get(client, q="Славянск")
    assert resp.content.decode("utf-8") == resp.text
    assert '<meta charset="utf-8">' in resp.text
    assert 'value="Славянск"' in resp.text
    assert "В <mark>Славянске</mark> прогремели взрывы" in resp.text
    assert (
        '<a href="/page/documents/slavyansk-tass?q=%D0%A1%D0%BB%D0%B0%D0%B2%D1%8F%D0%BD%D1%81%D0%BA" lang="ru">'
        in resp.text
    )
    assert set(hit_ids(resp.text)) >= {"slavyansk-bbc", "slavyansk-tass", "sloviansk-reuters"}


# -- facets -----------------------------------------------------------------------------------------


def test_facets_are_checkboxes_with_disjunctive_counts(client: falcon.testing.TestClient) -> None:
    page = get(client, q="Sloviansk").text
    assert facet_count(page, "source", "Reuters") == 1
    assert facet_count(page, "category", "war") == 2
    assert "checked" not in checkbox(page, "source:BBC")

    page = get(client, q="Sloviansk", filter="source:BBC").text
    assert " checked" in checkbox(page, "source:BBC")
    # The source facet still counts the other sources; the others count only BBC.
    assert facet_count(page, "source", "Reuters") == 1
    assert facet_count(page, "category", "war") == 1
    assert "energy" not in re.sub(
        r"<input[^>]*>", "", page.split('data-facet="category"')[1].split("</fieldset>")[0]
    )
    assert hit_ids(page) == ["slavyansk-bbc"]


def test_a_place_shows_the_spellings_that_matched(client: falcon.testing.TestClient) -> None:
    # evil/one gives no language: English is detected from its text.
    page = get(client, q="Sloviansk", filter="lang:en").text
    assert facet_count(page, "places", "Sloviansk") == 3
    spellings = re.search(r'value="places:Sloviansk".*?<span class="spellings">(.*?)</span>', page, re.S)
    assert spellings is not None and spellings.group(1) == "Sloviansk 2, Slavyansk 1, Slovyansk 1"

    page = get(client, q="Sloviansk", filter="source:TASS").text
    spellings = re.search(r'value="places:Sloviansk".*?<span class="spellings">(.*?)</span>', page, re.S)
    assert spellings is not None and spellings.group(1) == "Славянске 1"


def test_each_hit_explains_which_spellings_matched_and_how(client: falcon.testing.TestClient) -> None:
    page = get(client, q="Kostiantynivka").text
    assert hit_ids(page) == ["slavyansk-bbc"]
    assert "<summary>Why it matched</summary>" in page
    assert (
        "<li><mark>Kostantinovka</mark> for Kostiantynivka: a spelling or former name from the gazetteer"
        in page
    )
    page = get(client, q="Славянск", filter="source:TASS").text
    assert "<li><mark>Славянске</mark> for Sloviansk: a case form" in page


def test_a_long_hit_is_highlighted_and_explained_from_its_start_only() -> None:
    filler = "Reporters filed copy from the front line. "
    body = (
        "Grain exports from Odesa resumed. "
        + filler * (LOOKED_THROUGH_CHARS // len(filler) + 1)
        + "Later Kostantinovka was shelled."
    )
    with SearchEngine.in_memory() as engine:
        engine.add([{"id": "long", "title": "A long day", "body": body, "lang": "en"}])
        engine.commit()
        client = falcon.testing.TestClient(create_app(engine, Settings()))
        # Either word finds the document; only the one near its start is looked for in its text.
        page = get(client, q="grain OR Kostiantynivka").text
        assert hit_ids(page) == ["long"]
        hit = page.partition('<ol class="hitlist"')[2]
        assert '<p class="fragment" lang="en"><mark>Grain</mark> exports from Odesa resumed.' in hit
        assert "<li><mark>Grain</mark>: as typed" in hit
        assert "Kostantinovka" not in hit
        # Beyond the bound, nothing is marked, and the page still shows the document's start.
        page = get(client, q="Kostiantynivka").text
        assert hit_ids(page) == ["long"]
        hit = page.partition('<ol class="hitlist"')[2]
        assert "<mark>" not in hit
        assert '<p class="fragment" lang="en">Grain exports from Odesa resumed.' in hit


def test_every_kind_of_match_has_words() -> None:
    assert set(MATCH_WORDS) == set(MATCH_KINDS)


# -- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": '"power grid'},
        {"q": "Kyiv", "filter": "nope:x"},
        {"q": "Kyiv", "date_from": "2024-13-45"},
        {"q": "Kyiv", "limit": "many"},
        {"q": "Kyiv", "colour": "red"},
        {"q": "Kyiv", "sort": "nonsense"},
    ],
    ids=["malformed-query", "unknown-filter", "bad-date", "bad-limit", "unknown-parameter", "bad-sort"],
)
def test_a_mistake_shows_the_api_message_on_the_page_with_the_query_kept(
    client: falcon.testing.TestClient, params: dict[str, str]
) -> None:
    api = client.simulate_get("/search", params=params)
    assert api.status_code == 400
    message = api.json["error"]["message"]
    for path in ("/", "/page/results"):
        resp = client.simulate_get(path, params=params)
        assert resp.status_code == 400
        assert resp.headers["content-type"] == "text/html; charset=utf-8"
        assert f"<p>{escape(message)}</p>" in resp.text
        assert 'role="alert"' in resp.text
        assert "Traceback" not in resp.text
    page = client.simulate_get("/", params=params).text
    assert f'value="{escape(params["q"])}"' in page
    if "filter" in params:
        # The filter that was refused can be unticked.
        assert " checked" in checkbox(page, params["filter"])


def test_an_unexpected_failure_shows_a_page_without_internals() -> None:
    class Broken(SearchEngine):
        def run(self, request: SearchRequest) -> SearchResult:
            raise RuntimeError("boom in /very/secret/path")

    with Broken.in_memory(variants=None) as broken:
        resp = falcon.testing.TestClient(create_app(broken, Settings())).simulate_get("/", params={"q": "x"})
    assert resp.status_code == 500
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert "an internal error occurred; the server log has the details" in resp.text
    assert "secret" not in resp.text and "Traceback" not in resp.text
    assert 'value="x"' in resp.text


# -- keys ------------------------------------------------------------------------------------------------


def test_the_page_keeps_the_read_key_rule_and_never_shows_a_key(engine: SearchEngine) -> None:
    guarded = falcon.testing.TestClient(create_app(engine, Settings(api_key=API_KEY, read_key=READ_KEY)))
    for path in ("/", "/page/results", "/page/documents/kyiv-reuters"):
        resp = guarded.simulate_get(path, params={"q": "Kyiv"})
        assert resp.status_code == 401
        assert resp.headers["content-type"] == "text/html; charset=utf-8"
        assert "this endpoint needs the read key" in resp.text
        assert READ_KEY not in resp.text and API_KEY not in resp.text
    assert "which a\nbrowser page cannot send" in guarded.simulate_get("/").text
    resp = guarded.simulate_get("/", params={"q": "Kyiv"}, headers={"Authorization": f"Bearer {READ_KEY}"})
    assert resp.status_code == 200 and hit_ids(resp.text) == ["kyiv-reuters"]
    assert READ_KEY not in resp.text and API_KEY not in resp.text
    # The static files hold no data: they need no key.
    assert guarded.simulate_get("/page/static/page.css").status_code == 200


# -- pages, documents, histogram ----------------------------------------------------------------------------


def test_pagination_links_page_through_the_results(client: falcon.testing.TestClient) -> None:
    first = get(client, q="", limit="2", sort="date:asc").text
    assert hit_ids(first) == ["slavyansk-bbc", "slavyansk-tass"]
    next_link = re.search(r'<a href="([^"]+)" data-search rel="next">', first)
    assert next_link is not None
    assert unescape(next_link.group(1)) == "/?q=&limit=2&sort=date%3Aasc&offset=2"
    second = client.simulate_get("/", query_string=unescape(next_link.group(1)).split("?")[1]).text
    assert hit_ids(second) == ["sloviansk-reuters", "kyiv-reuters"]
    assert 'aria-current="page">2</a>' in second and 'rel="prev"' in second


def test_pagination_shows_a_window_of_pages() -> None:
    pages = pagination(PageQuery([("q", "x")]), total=200, offset=100, limit=10, max_offset=10_000)
    assert pages is not None
    numbers = [p.number if p else None for p in pages.pages]
    assert numbers == [1, None, 9, 10, 11, 12, 13, None, 20]
    assert pagination(PageQuery(), total=5, offset=0, limit=10, max_offset=10_000) is None


def test_a_document_page_shows_its_fields_and_leads_back(client: falcon.testing.TestClient) -> None:
    resp = client.simulate_get(
        "/page/documents/slavyansk-bbc", params={"q": "Slavyansk", "filter": "source:BBC"}
    )
    assert resp.status_code == 200
    page = resp.text
    assert '<h1 lang="en">Shelling in Slavyansk</h1>' in page
    assert "<p>Explosions shook Slovyansk overnight; Kostantinovka was hit too.</p>" in page
    assert '<a href="/?q=Slavyansk&amp;filter=source%3ABBC" id="back">Back to the search</a>' in page
    assert "<dt>source</dt><dd>BBC</dd>" in page and "<dt>date</dt><dd>2024-03-01</dd>" in page
    # An id with a slash, sent encoded, and one that is not there.
    assert (
        "<h1>Beware &lt;script&gt;alert(1)&lt;/script&gt; tricks</h1>"
        in client.simulate_get("/page/documents/evil/one").text
    )
    missing = client.simulate_get("/page/documents/nothing-here/")
    assert missing.status_code == 404
    assert "no document with id &#39;nothing-here/&#39;" in missing.text


def test_histogram_bars_link_to_their_period(client: falcon.testing.TestClient) -> None:
    page = get(client, q="").text
    assert "Matching articles per month, March 2024 to May 2024" in page
    bars = re.findall(r'<a href="([^"]+)" class="bar" data-search aria-label="([^"]+)">', page)
    assert [label for _, label in bars] == [
        "March 2024: 2 articles",
        "April 2024: 2 articles",
        "May 2024: 1 article",
    ]
    href = unescape(bars[1][0])
    assert href == "/?q=&date_from=2024-04-01&date_to=2024-04-30"
    # Within the month, by day; and the way out of the period.
    page = client.simulate_get("/", query_string=href.split("?")[1]).text
    assert hit_ids(page) and set(hit_ids(page)) == {"sloviansk-reuters", "kyiv-reuters"}
    assert "Matching articles per day, 2 April 2024 to 10 April 2024" in page
    labels = re.findall(r'class="bar" data-search aria-label="([^"]+)"', page)
    assert labels == ["2 April 2024: 1 article", "10 April 2024: 1 article"]
    assert '<a href="/?q=" data-search>All dates</a>' in page


def bucket(label: str, count: int) -> FacetBucket:
    return FacetBucket(label, count)


def test_the_histogram_interval_suits_the_span() -> None:
    day = dt.date(2024, 1, 1)
    assert histogram.interval_for(day, day + dt.timedelta(days=60)) == "day"
    assert histogram.interval_for(day, day + dt.timedelta(days=61)) == "month"
    assert histogram.interval_for(day, day + dt.timedelta(days=731)) == "month"
    assert histogram.interval_for(day, day + dt.timedelta(days=732)) == "year"

    def href(period: histogram.Period) -> str:
        return f"{period.first}..{period.last}"

    days = [bucket("2021-12-30", 1), bucket("2022-02-01", 2), bucket("2024-07-01", 4)]
    years = histogram.build(days, "day", date_from=None, date_to=None, href=href)
    assert years is not None and years.interval == "year"
    assert [(b.period.name, b.count, b.href) for b in years.bars] == [
        ("2021", 1, "2021-01-01..2021-12-31"),
        ("2022", 2, "2022-01-01..2022-12-31"),
        ("2024", 4, "2024-01-01..2024-12-31"),
    ]
    # Empty years keep their slot: the tallest bar fills the height, the others scale.
    assert years.bars[2].x > 3 * years.bars[1].x / 2
    assert years.bars[2].height == 2 * years.bars[1].height

    months = histogram.build(
        days[1:2] + [bucket("2022-03-31", 1)], "day", date_from=None, date_to=None, href=href
    )
    assert months is not None and months.interval == "day"
    within = histogram.build(
        days,
        "day",
        date_from=int(dt.datetime(2022, 1, 1, tzinfo=dt.UTC).timestamp()),
        date_to=None,
        href=href,
    )
    assert within is not None and [b.count for b in within.bars] == [2, 4]
    assert histogram.build([], "day", date_from=None, date_to=None, href=href) is None
    assert histogram.Period.of(dt.date(2024, 2, 10), "month").last == dt.date(2024, 2, 29)


def test_more_days_than_a_facet_lists_are_counted_by_a_coarser_period() -> None:
    first = dt.date(2020, 1, 1)
    docs = [
        {"id": str(n), "title": "daily", "date": (first + dt.timedelta(days=n)).isoformat()}
        for n in range(1100)
    ]
    with SearchEngine.in_memory(variants=None) as daily:
        daily.add(docs)
        daily.commit()
        page = falcon.testing.TestClient(create_app(daily, Settings())).simulate_get(
            "/", params={"q": "daily"}
        )
    labels = re.findall(r'class="bar" data-search aria-label="([^"]+)"', page.text)
    assert labels == ["2020: 366 articles", "2021: 365 articles", "2022: 365 articles", "2023: 4 articles"]


def test_the_results_part_is_the_page_without_its_frame(client: falcon.testing.TestClient) -> None:
    part = get(client, "/page/results", q="Kyiv").text
    assert "<html" not in part and '<input id="q"' not in part
    assert hit_ids(part) == ["kyiv-reuters"]
    assert 'name="filter" value="source:Reuters"' in part


# -- static files ------------------------------------------------------------------------------------------


def test_static_files_have_types_and_cache_headers(client: falcon.testing.TestClient) -> None:
    page = get(client).text
    for name, content_type in (("page.css", "text/css"), ("page.js", "text/javascript")):
        url = re.search(r'"(/page/static/' + re.escape(name) + r'\?v=(\w+))"', page)
        assert url is not None
        resp = client.simulate_get(url.group(1).split("?")[0], params={"v": url.group(2)})
        assert resp.status_code == 200
        assert resp.headers["content-type"] == content_type + "; charset=utf-8"
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["etag"] == f'"{url.group(2)}"'
        again = client.simulate_get(
            url.group(1).split("?")[0], headers={"If-None-Match": resp.headers["etag"]}
        )
        assert again.status_code == 304 and again.headers["cache-control"] == "no-cache"
    assert client.simulate_get("/page/static/../api.py").status_code == 404
    assert client.simulate_get("/page/static/nothing.js").status_code == 404


# -- whatever the query string -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*HTTP_PARAMETERS, "filter", "filter", "date_from", "offset", "other"]),
            st.one_of(
                st.sampled_from(
                    ["", "0", "-1", "5", "2024-02-30", "source:BBC", "places:Славянск", "*", "date:asc"]
                ),
                st.text(max_size=12),
            ),
        ),
        max_size=5,
    )
)
def test_any_query_string_gives_a_page_never_a_failure(
    client: falcon.testing.TestClient, pairs: list[tuple[str, str]]
) -> None:
    query_string = urllib.parse.urlencode(pairs)
    resp = client.simulate_get("/", query_string=query_string)
    assert resp.status_code in (200, 400), resp.text
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert "</html>" in resp.text and "<script>alert" not in resp.text


def test_places_the_query_named_come_before_the_others() -> None:
    buckets = [FacetBucket("Kyiv", 9), FacetBucket("Donetsk", 5), FacetBucket("Sloviansk", 1)]
    [places] = facet_views({"places": buckets}, {}, {"Sloviansk": [("Slavyansk", 1)]})
    assert [(b.value, b.spellings) for b in places.shown] == [
        ("Sloviansk", [("Slavyansk", 1)]),
        ("Kyiv", []),
        ("Donetsk", []),
    ]


def test_a_long_facet_folds_and_says_it_is_cut() -> None:
    buckets = [FacetBucket(f"tag{n:02d}", 100 - n) for n in range(70)]
    [tags] = facet_views({"tags": buckets}, {"tags": False}, {})
    assert [b.value for b in tags.shown] == [f"tag{n:02d}" for n in range(8)]
    assert len(tags.more) == 52 and tags.truncated
    [short] = facet_views({"tags": buckets[:9]}, {"tags": False}, {})
    assert len(short.more) == 1 and not short.truncated
