"""A search request: every parameter checked once, into a :class:`SearchRequest`.

The library, the HTTP API and the CLI all build requests here, so a value is
refused with the same error whichever way it came.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .documents import FACET_FIELDS, parse_date
from .errors import InvalidDate, InvalidParameter, UnknownField
from .facets import SECONDS_PER_DAY
from .settings import Settings

FILTER_FIELDS = FACET_FIELDS
FACETABLE = (*FACET_FIELDS, "date")
SORT_FIELDS = ("relevance", "date", *FACET_FIELDS)
DATE_INTERVALS = {"year": 4, "month": 7, "day": 10}
MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_FACET_SIZE = 1000


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: build it with :meth:`create`, which checks every value."""

    q: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: int | None = None  # Unix seconds, inclusive
    date_to: int | None = None
    facets: tuple[str, ...] = ()
    date_interval: str = "month"
    facet_size: int = 20
    sort_field: str = "relevance"
    descending: bool = True
    limit: int = 10
    offset: int = 0
    highlight: bool = True
    fragments: int = 3
    fragment_chars: int = 160
    explain: bool = False

    @classmethod
    def create(
        cls,
        q: str | None = "",
        *,
        filters: Mapping[str, str | Iterable[str]] | Iterable[str] | None = None,
        date_from: str | dt.date | None = None,
        date_to: str | dt.date | None = None,
        facets: str | Iterable[str] | None = None,
        date_interval: str = "month",
        facet_size: int = 20,
        sort: str | None = None,
        limit: int = 10,
        offset: int = 0,
        highlight: bool = True,
        fragments: int | None = None,
        fragment_chars: int | None = None,
        explain: bool = False,
        settings: Settings | None = None,
    ) -> SearchRequest:
        """A request checked against every rule; ``settings`` gives the defaults and limits."""
        settings = settings or Settings()
        max_query_length = settings.max_query_length
        fragments = settings.fragments if fragments is None else fragments
        fragment_chars = settings.fragment_chars if fragment_chars is None else fragment_chars
        q = (q or "").strip()
        if len(q) > max_query_length:
            raise InvalidParameter(f"the query is longer than {max_query_length} characters")
        if not _is_int(limit) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidParameter(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
        if not _is_int(offset) or not 0 <= offset <= MAX_OFFSET:
            raise InvalidParameter(f"offset must be an integer from 0 to {MAX_OFFSET}, got {offset!r}")
        if not _is_int(facet_size) or not 1 <= facet_size <= MAX_FACET_SIZE:
            raise InvalidParameter(f"facet_size must be an integer from 1 to {MAX_FACET_SIZE}")
        if not _is_int(fragments) or not 0 <= fragments <= 10:
            raise InvalidParameter("fragments must be an integer from 0 to 10")
        if not _is_int(fragment_chars) or not 20 <= fragment_chars <= 1000:
            raise InvalidParameter("fragment_chars must be an integer from 20 to 1000")
        if date_interval not in DATE_INTERVALS:
            raise InvalidParameter(f"date_interval must be one of {', '.join(DATE_INTERVALS)}")
        start = _date_bound(date_from, "date_from", end=False)
        end = _date_bound(date_to, "date_to", end=True)
        if start is not None and end is not None and start > end:
            raise InvalidParameter("date_from is after date_to")
        sort_field, descending = parse_sort(sort)
        return cls(
            q=q,
            filters=parse_filters(filters),
            date_from=start,
            date_to=end,
            facets=parse_facets(facets),
            date_interval=date_interval,
            facet_size=facet_size,
            sort_field=sort_field,
            descending=descending,
            limit=limit,
            offset=offset,
            highlight=bool(highlight),
            fragments=fragments,
            fragment_chars=fragment_chars,
            explain=bool(explain),
        )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _date_bound(value: str | dt.date | None, name: str, *, end: bool) -> int | None:
    if value is None or value == "":
        return None
    try:
        parsed = parse_date(value, field=name)
    except InvalidDate:
        raise
    seconds = int(parsed.timestamp())
    # A bare date as an upper bound means the whole of that day.
    is_bare_date = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if end and (is_bare_date or (isinstance(value, str) and len(value.strip()) == 10)):
        seconds += SECONDS_PER_DAY - 1
    return seconds


def parse_filters(
    filters: Mapping[str, str | Iterable[str]] | Iterable[str] | None,
) -> dict[str, tuple[str, ...]]:
    """Filters as ``{field: (value, ...)}`` from a mapping or ``field:value`` strings."""
    result: dict[str, list[str]] = {}
    if filters is None:
        return {}
    if isinstance(filters, Mapping):
        items: list[tuple[str, str]] = []
        for name, values in filters.items():
            if isinstance(values, str):
                items.append((name, values))
            else:
                items.extend((name, v) for v in values)
    else:
        items = []
        for entry in filters:
            if not isinstance(entry, str) or ":" not in entry:
                raise InvalidParameter(f"a filter must look like field:value, got {entry!r}")
            name, _, value = entry.partition(":")
            items.append((name.strip(), value))
    for name, value in items:
        if name not in FILTER_FIELDS:
            raise UnknownField(
                f"cannot filter on {name!r}; filter fields are {', '.join(FILTER_FIELDS)} "
                "(use date_from/date_to for dates)"
            )
        if not isinstance(value, str) or not value.strip():
            raise InvalidParameter(f"filter {name!r} needs a non-empty value")
        bucket = result.setdefault(name, [])
        if value.strip() not in bucket:
            bucket.append(value.strip())
    return {name: tuple(values) for name, values in result.items()}


def parse_facets(facets: str | Iterable[str] | None) -> tuple[str, ...]:
    if facets is None:
        return ()
    names = facets.split(",") if isinstance(facets, str) else list(facets)
    result: list[str] = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        if name not in FACETABLE:
            raise UnknownField(f"no facet {name!r}; facets are {', '.join(FACETABLE)}")
        if name not in result:
            result.append(name)
    return tuple(result)


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """``relevance`` (default), ``date``/``-date``, ``field:asc``/``field:desc``.

    ``date`` alone sorts newest first, as news readers expect; ``date:asc`` or
    ``+date`` sorts oldest first. Keyword fields sort A to Z unless ``-field``.
    """
    if sort is None or not sort.strip():
        return "relevance", True
    text = sort.strip()
    descending: bool | None = None
    if text.startswith("-"):
        text, descending = text[1:], True
    elif text.startswith("+"):
        text, descending = text[1:], False
    if ":" in text:
        text, _, direction = text.partition(":")
        if direction not in ("asc", "desc"):
            raise InvalidParameter(f"sort direction must be asc or desc, got {direction!r}")
        descending = direction == "desc"
    if text not in SORT_FIELDS:
        raise UnknownField(f"cannot sort by {text!r}; sort by {', '.join(SORT_FIELDS)}")
    if text == "relevance" and descending is not None and text != sort.strip().removesuffix(":desc"):
        raise InvalidParameter("relevance sorts the best matches first only; use sort=relevance")
    if descending is None:
        descending = text in ("relevance", "date")
    return text, descending
