"""Markup in documents comes out escaped wherever an answer may be read as HTML.

Highlights are HTML: every character of the document is escaped and the only tag is
``<mark>``, balanced and without attributes. Explained words (``matched``) are plain
text made of letters, digits and apostrophes, so they never hold markup. Every other
answer is JSON, sent as ``application/json`` with ``nosniff`` and a CSP that forbids
everything, so a browser never renders one as a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import falcon.testing
import pytest

from searchsvc import SearchEngine, Settings
from searchsvc.api import create_app

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
CLOSE = "</mark>"

DOCS = [
    {
        "id": "title-attack",
        "title": f"Alert {SCRIPT} and {IMG} then {CLOSE} close",
        "body": "Plain body about an alert.",
    },
    {
        "id": "body-attack",
        "title": "Quiet title",
        "lead": f"Lead {IMG} with an alert",
        "body": f"Body {CLOSE}{SCRIPT} alert & \"quotes\" <b onmouseover='alert(3)'>bold</b> alert",
    },
    {
        "id": "names",
        "title": "O'Brien's alert <i>",
        "body": "Mark said </mark><mark>alert</mark> at O'Brien's",
    },
]

#: Words to search for: plain words, words inside the markup, the tag names themselves.
QUERIES = ["alert", "script", "img", "onerror", "src", "mark", "b", "onmouseover", "quotes", "o'brien*", "x"]


class MarkOnly(HTMLParser):
    """Reads a highlight: its text, and whether every tag is a bare, balanced, unnested ``<mark>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.problems: list[str] = []
        self.open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "mark" or attrs or self.open:
            self.problems.append(f"<{tag} {attrs}>")
        self.open = True

    def handle_endtag(self, tag: str) -> None:
        if tag != "mark" or not self.open:
            self.problems.append(f"</{tag}>")
        self.open = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"<!--{data}-->")


def check_highlight(fragment: str, source: str) -> None:
    """``fragment`` is safe HTML whose text is a piece of ``source``."""
    parser = MarkOnly()
    parser.feed(fragment)
    parser.close()
    assert not parser.problems and not parser.open, fragment
    # Nothing but <mark> and </mark> is a tag: every other < and > is escaped.
    assert "<" not in re.sub("</?mark>", "", fragment) and ">" not in re.sub("</?mark>", "", fragment)
    assert '"' not in fragment and "'" not in fragment
    text = "".join(parser.text).strip("…")
    assert text in source, (text, source)


def check_hit(hit: dict[str, Any], doc: dict[str, Any]) -> None:
    highlights = hit["highlights"]
    if doc.get("title"):
        check_highlight(highlights["title"], doc["title"])
    body = "\n".join(doc.get(name, "") for name in ("lead", "body") if doc.get(name))
    for fragment in highlights["body"]:
        check_highlight(fragment, body)
    for entry in hit.get("matched", []):
        # Words as written: letters, digits and apostrophes, never markup.
        assert not set(entry["word"]) & set('<>&"=/'), entry
        assert entry["word"] in doc[entry["field"]]


@pytest.fixture
def engine() -> Iterator[SearchEngine]:
    with SearchEngine.in_memory(variants=None) as engine:
        engine.add(DOCS)
        engine.commit()
        yield engine


@pytest.fixture
def client(engine: SearchEngine) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(engine, Settings()))


BY_ID = {doc["id"]: doc for doc in DOCS}


@pytest.mark.parametrize("query", QUERIES)
def test_library_highlights_and_explanations_are_escaped(engine: SearchEngine, query: str) -> None:
    result = engine.search(query, explain=True, fragment_chars=40)
    assert result.hits, query
    for hit in result.to_dict()["hits"]:
        check_hit(hit, BY_ID[hit["id"]])


@pytest.mark.parametrize("query", QUERIES)
def test_http_highlights_and_explanations_are_escaped(client: falcon.testing.TestClient, query: str) -> None:
    result = client.simulate_get("/search", params={"q": query, "explain": "true"})
    assert result.headers["content-type"] == "application/json"
    assert result.json["hits"], query
    for hit in result.json["hits"]:
        check_hit(hit, BY_ID[hit["id"]])


def test_the_markup_is_escaped_exactly(engine: SearchEngine) -> None:
    [hit] = [h for h in engine.search("onerror").hits if h.id == "title-attack"]
    title = hit.highlights["title"] if hit.highlights else ""
    assert title == (
        "Alert &lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x <mark>onerror</mark>=alert(1)&gt; "
        "then &lt;/mark&gt; close"
    )
    assert html.unescape(title.replace("<mark>", "").replace("</mark>", "")) == DOCS[0]["title"]


def test_a_closing_mark_in_the_text_cannot_close_a_highlight(engine: SearchEngine) -> None:
    [hit] = [h for h in engine.search("mark").hits if h.id == "names"]
    fragment = hit.highlights["body"][0] if hit.highlights else ""
    assert fragment == (
        "<mark>Mark</mark> said &lt;/<mark>mark</mark>&gt;&lt;<mark>mark</mark>&gt;alert&lt;/<mark>mark</mark>&gt; "
        "at O&#x27;Brien&#x27;s"
    )


def test_fragments_without_a_match_are_escaped_too(engine: SearchEngine) -> None:
    # An empty query matches everything: the fragments are the start of each text.
    for hit in engine.search("", fragment_chars=30).to_dict()["hits"]:
        check_hit(hit, BY_ID[hit["id"]])
    [hit] = [h for h in engine.search("").hits if h.id == "body-attack"]
    assert hit.highlights is not None and hit.highlights["body"][0].startswith("Lead &lt;img src=x")


def test_documents_are_data_returned_as_stored(client: falcon.testing.TestClient) -> None:
    # A document is JSON, not HTML: returned as written, with headers that keep browsers from rendering it.
    result = client.simulate_get("/documents/body-attack")
    assert result.json == BY_ID["body-attack"]
    assert result.headers["content-type"] == "application/json"
    assert result.headers["x-content-type-options"] == "nosniff"
    assert result.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("GET", f"/documents/{SCRIPT}", None),
        ("GET", "/search", {"q": f"{SCRIPT} AND"}),
        ("GET", "/search", {"facets": IMG}),
        ("GET", "/search", {"sort": CLOSE}),
        ("GET", f"/nope/{IMG}", None),
    ],
)
def test_errors_that_quote_markup_are_json_a_browser_will_not_render(
    client: falcon.testing.TestClient, method: str, path: str, params: dict[str, str] | None
) -> None:
    result = client.simulate_request(method, path, params=params)
    assert result.status_code in (400, 404)
    assert result.headers["content-type"] == "application/json"
    assert result.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in result.headers["content-security-policy"]
    assert set(result.json) == {"error"}
