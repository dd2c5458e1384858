"""A search request: every parameter checked once, into a :class:`SearchRequest`.

The library, the HTTP API and the CLI all build requests here, so a value is
refused with the same error whichever way it came. The parameters, their kinds,
defaults and ranges are the table of :mod:`searchsvc.parameters`; this module
adds what a table cannot say: the syntax of filters, facets, sorts and dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .documents import parse_date
from .errors import InvalidDate, InvalidParameter, UnknownField
from .facets import SECONDS_PER_DAY
from .parameters import ARGUMENTS, DATE_INTERVALS, FACETABLE, FILTER_FIELDS, HTTP_NAMES, SORT_FIELDS
from .settings import Settings

__all__ = [
    "DATE_INTERVALS",
    "FACETABLE",
    "FILTER_FIELDS",
    "SORT_FIELDS",
    "SearchRequest",
    "parse_facets",
    "parse_filters",
    "parse_sort",
]


@dataclass(frozen=True)
class SearchRequest:
    """A validated search: build it with :meth:`create`, which checks every value."""

    q: str
    mode: str
    filters: Mapping[str, tuple[str, ...]]
    date_from: int | None  # Unix seconds, inclusive
    date_to: int | None
    facets: tuple[str, ...]
    date_interval: str
    facet_size: int
    sort_field: str
    descending: bool
    limit: int
    offset: int
    highlight: bool
    fragments: int
    fragment_chars: int
    explain: bool
    feedback: bool
    recency: int  # half-life in days, 0 for none
    collapse: bool

    @classmethod
    def create(cls, q: str | None = "", *, settings: Settings | None = None, **params: Any) -> SearchRequest:
        """A request checked against every rule; ``settings`` gives the defaults and limits.

        ``params`` are the keywords of :data:`searchsvc.parameters.SEARCH_PARAMETERS`
        (``filters``, ``date_from``, ``facets``, ``sort``, ``limit``, ...); a keyword
        that is None or left out takes its default.
        """
        settings = settings or Settings()
        for name, keyword in HTTP_NAMES.items():
            # The HTTP name works too, so that a search moves between the two unchanged.
            if name in params:
                if keyword in params:
                    raise InvalidParameter(f"give {name} or {keyword}, not both: they are one parameter")
                params[keyword] = params.pop(name)
        for keyword in params:
            if keyword not in ARGUMENTS:
                raise InvalidParameter(
                    f"unknown search parameter {keyword!r}; parameters are {', '.join(ARGUMENTS)}"
                )
        given = {"q": q, **params}
        values = {keyword: param.check(given.get(keyword), settings) for keyword, param in ARGUMENTS.items()}
        start = _date_bound(values.pop("date_from"), "date_from", end=False)
        end = _date_bound(values.pop("date_to"), "date_to", end=True)
        if start is not None and end is not None and start > end:
            raise InvalidParameter("date_from is after date_to")
        sort_field, descending = parse_sort(values.pop("sort"))
        filters = parse_filters(values.pop("filters"))
        facets = parse_facets(values.pop("facets"))
        return cls(
            **values,
            filters=filters,
            facets=facets,
            date_from=start,
            date_to=end,
            sort_field=sort_field,
            descending=descending,
        )


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
    filters: Mapping[str, str | Iterable[str]] | Iterable[str] | str | None,
) -> dict[str, tuple[str, ...]]:
    """Filters as ``{field: (value, ...)}`` from a mapping, ``field:value`` strings, or one
    such string."""
    result: dict[str, dict[str, None]] = {}
    if filters is None:
        return {}
    if isinstance(filters, str):
        filters = [filters]
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
        # A dict keeps the order given and drops repeats in constant time each.
        result.setdefault(name, {})[value.strip()] = None
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
    if sort is not None and not isinstance(sort, str):
        raise InvalidParameter(f"sort must be a string such as 'date' or 'source:asc', got {sort!r}")
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
