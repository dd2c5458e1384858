"""What the search page shows of a search: links, hits, facets, spellings and pages.

Plain data for the templates, built from a :class:`~searchsvc.results.SearchResult`
and the page's query string; nothing here knows HTTP or renders HTML. Text stays
text, for the templates to escape; only the engine's highlights are HTML already.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from ..results import FacetBucket, Hit

#: The facets the page shows as checkboxes, and their headings; ``date`` is the histogram.
FACETS = {
    "source": "Source",
    "category": "Category",
    "tags": "Tags",
    "lang": "Language",
    "places": "Places",
}
#: Values of a facet shown at once; the rest, up to :data:`FACET_MAX`, fold under "more".
FACET_SHOWN = 8
FACET_MAX = 60

#: How a word came to match, in a reader's words: one entry per :data:`searchsvc.highlight.MATCH_KINDS`.
MATCH_WORDS = {
    "exact": "as typed",
    "prefix": "a word a prefix or wildcard of the query matches, or a stem it reaches",
    "inflected": "a case form",
    "user": "a spelling from the variants file",
    "curated": "a listed spelling",
    "exonym": "the document's language's name for it",
    "gazetteer": "a spelling or former name from the gazetteer",
    "rule": "a transliteration",
    "fuzzy": "a near spelling",
}

#: Parameters a link to another page of results or period leaves out.
_PAGING = ("offset",)
_DATES = ("date_from", "date_to")


class PageQuery:
    """The page's query string as ordered pairs, from which every link of the page is made."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: tuple[tuple[str, str], ...] = tuple(pairs)

    @classmethod
    def of(cls, params: Mapping[str, str | list[str]]) -> PageQuery:
        pairs = []
        for name, value in params.items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, item))
        return cls(pairs)

    def get(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getall(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def changed(self, *, drop: Iterable[str] = (), add: Iterable[tuple[str, str]] = ()) -> PageQuery:
        dropped = set(drop)
        return PageQuery([*(pair for pair in self.pairs if pair[0] not in dropped), *add])

    def href(self, path: str = "/") -> str:
        """``path`` with this query string; blank values other than the query are left out."""
        kept = [(k, v) for k, v in self.pairs if v != "" or k == "q"]
        return path + ("?" + urllib.parse.urlencode(kept) if kept else "")


def document_href(doc_id: str, query: PageQuery) -> str:
    """The document page of ``doc_id``, carrying the search to go back to."""
    return query.href(DOCUMENT_PATH + urllib.parse.quote(doc_id, safe=""))


#: The document page's path, before the id.
DOCUMENT_PATH = "/page/documents/"


def safe_link(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL, the only kind a page may link to."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return text
    return None


def short_date(value: Any) -> str:
    """``2024-03-01T00:00:00Z`` as ``2024-03-01``, with the time when it is not midnight."""
    if not isinstance(value, str) or len(value) < 10:
        return ""
    day, _, time = value.partition("T")
    time = time.removesuffix("Z")
    return day if not time or time.startswith("00:00:00") else f"{day} {time[:5]} UTC"


@dataclass(frozen=True)
class Match:
    """One word of a hit that matched, and how."""

    word: str
    kind: str
    field: str
    place: str | None
    language: str | None = None

    @property
    def how(self) -> str:
        how = MATCH_WORDS.get(self.kind, self.kind)
        return f"{how} ({self.language})" if self.language else how


@dataclass(frozen=True)
class HitView:
    id: str
    href: str
    title: Markup
    has_title: bool
    fragments: list[Markup]
    source: str
    date: str
    date_iso: str
    url: str | None
    lang: str | None
    matches: list[Match]
    duplicates: list[str]


def language_tag(value: Any) -> str | None:
    # Only a plausible language tag becomes a lang attribute.
    if isinstance(value, str) and 2 <= len(value) <= 8 and value.replace("-", "").isalpha():
        return value.lower()
    return None


def hit_view(hit: Hit, query: PageQuery, canonical_place: Callable[[str], str | None]) -> HitView:
    doc = hit.document
    highlights = hit.highlights or {}
    title = highlights.get("title")
    # The engine's highlights are HTML with every piece of document text escaped;
    # they are the only HTML the page takes from a search.
    title_markup = Markup(title) if isinstance(title, str) and title else None
    body = highlights.get("body") or []
    matches = [
        Match(m["word"], m["why"], m["field"], canonical_place(m["word"]), m.get("language"))
        for m in hit.matched or []
        if m.get("word")
    ]
    plain_title = doc.get("title") if isinstance(doc.get("title"), str) else ""
    return HitView(
        id=hit.id,
        href=document_href(hit.id, query),
        title=title_markup if title_markup is not None else Markup.escape(plain_title or "(no title)"),
        has_title=bool(plain_title),
        fragments=[Markup(piece) for piece in body if isinstance(piece, str)],
        source=str(doc.get("source") or ""),
        date=short_date(doc.get("date")),
        date_iso=str(doc.get("date") or ""),
        url=safe_link(doc.get("url")),
        lang=language_tag(doc.get("lang")),
        matches=matches,
        duplicates=list(hit.duplicates or []),
    )


def place_spellings(hits: Sequence[HitView]) -> dict[str, list[tuple[str, int]]]:
    """For each place, the spellings that matched in ``hits`` and in how many hits each,
    most hits first: ``{"Sloviansk": [("Slavyansk", 2), ("Славянске", 1)]}``."""
    found: dict[str, dict[str, tuple[str, int]]] = {}
    for hit in hits:
        seen: set[tuple[str, str]] = set()
        for match in hit.matches:
            if match.place is None:
                continue
            key = (match.place, match.word.casefold())
            if key in seen:
                continue
            seen.add(key)
            spellings = found.setdefault(match.place, {})
            written, count = spellings.get(key[1], (match.word, 0))
            spellings[key[1]] = (written, count + 1)
    return {
        place: sorted(spellings.values(), key=lambda item: (-item[1], item[0]))
        for place, spellings in found.items()
    }


@dataclass(frozen=True)
class BucketView:
    value: str
    count: int
    selected: bool
    id: str
    spellings: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class FacetView:
    name: str
    label: str
    shown: list[BucketView]
    more: list[BucketView]
    truncated: bool


def facet_views(
    facets: Mapping[str, list[FacetBucket]],
    truncated: Mapping[str, bool],
    spellings: Mapping[str, list[tuple[str, int]]],
) -> list[FacetView]:
    views = []
    for name, label in FACETS.items():
        buckets = facets.get(name) or []
        if not buckets:
            continue
        # Selected values first, so that what narrows the search is always in sight; then
        # the places the query named, whatever their counts.
        named = set(spellings) if name == "places" else set()
        ordered = sorted(buckets, key=lambda b: 0 if b.selected else 1 if b.value in named else 2)
        items = [
            BucketView(
                b.value,
                b.count,
                b.selected,
                f"facet-{name}-{number}",
                list(spellings.get(b.value, [])) if name == "places" else [],
            )
            for number, b in enumerate(ordered[:FACET_MAX])
        ]
        views.append(
            FacetView(
                name,
                label,
                items[:FACET_SHOWN],
                items[FACET_SHOWN:],
                bool(truncated.get(name)) or len(ordered) > FACET_MAX,
            )
        )
    return views


@dataclass(frozen=True)
class PageLink:
    number: int
    href: str
    current: bool


@dataclass(frozen=True)
class Pagination:
    previous: str | None
    next: str | None
    pages: list[PageLink | None]  # None: a gap


def pagination(
    query: PageQuery, *, total: int, offset: int, limit: int, max_offset: int, window: int = 2
) -> Pagination | None:
    """Links to the pages of a result; None when it fits one page."""
    reachable = min(total, max_offset + limit)
    if reachable <= limit and offset == 0:
        return None
    last = max(0, (reachable - 1) // limit)
    current = offset // limit

    def link(number: int) -> str:
        start = number * limit
        return query.changed(drop=_PAGING, add=[("offset", str(start))] if start else []).href()

    numbers = sorted({0, last, *range(max(0, current - window), min(last, current + window) + 1)})
    pages: list[PageLink | None] = []
    for number in numbers:
        if pages and pages[-1] is not None and number - pages[-1].number > 1:
            pages.append(None)
        pages.append(PageLink(number + 1, link(number), number == current and offset % limit == 0))
    return Pagination(
        previous=link(current - 1) if offset > 0 else None,
        next=link(current + 1) if current < last else None,
        pages=pages,
    )


def period_href(query: PageQuery, first: str, last: str) -> str:
    """The same search limited to the days ``first`` to ``last`` (ISO dates, both included)."""
    return query.changed(drop=(*_PAGING, *_DATES), add=[("date_from", first), ("date_to", last)]).href()


def without_dates(query: PageQuery) -> str:
    return query.changed(drop=(*_PAGING, *_DATES)).href()


__all__ = [
    "DOCUMENT_PATH",
    "FACETS",
    "MATCH_WORDS",
    "FacetView",
    "HitView",
    "PageQuery",
    "Pagination",
    "document_href",
    "facet_views",
    "hit_view",
    "language_tag",
    "pagination",
    "period_href",
    "place_spellings",
    "safe_link",
    "short_date",
    "without_dates",
]
