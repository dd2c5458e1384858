"""The time histogram of the search page: matching articles per day, month or year, as SVG.

It is drawn from the engine's ``date`` facet, so the browser needs no chart
code. The interval suits the span of the dates shown: days for a short span,
then months, then years. Each bar is a link to the same search limited to its
period.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..results import FacetBucket

#: Coarsest last: a span longer than an interval's limit (in days) takes the next one.
INTERVALS = ("day", "month", "year")
_MAX_SPAN_DAYS = {"day": 60, "month": 731}
#: Past this many periods, empty periods get no slot of their own (dates may reach
#: back to year 1, which would make every bar a hair).
MAX_SLOTS = 240

# Not calendar.month_name, which follows the process's locale.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

#: The drawing's size in SVG units; CSS scales it to the width of the page.
WIDTH = 640
HEIGHT = 120
_AXIS = 18
_WIDEST_BAR = 48


@dataclass(frozen=True)
class Period:
    """A day, month or year: its first and last day."""

    first: dt.date
    last: dt.date
    interval: str

    @classmethod
    def of(cls, day: dt.date, interval: str) -> Period:
        if interval == "day":
            return cls(day, day, interval)
        if interval == "month":
            last = calendar.monthrange(day.year, day.month)[1]
            return cls(day.replace(day=1), day.replace(day=last), interval)
        return cls(day.replace(month=1, day=1), day.replace(month=12, day=31), interval)

    def next(self) -> Period | None:
        if self.last >= dt.date.max:
            return None
        return Period.of(self.last + dt.timedelta(days=1), self.interval)

    @property
    def name(self) -> str:
        """How a reader says it: "5 March 2024", "March 2024", "2024"."""
        if self.interval == "day":
            return f"{self.first.day} {_MONTHS[self.first.month - 1]} {self.first.year}"
        if self.interval == "month":
            return f"{_MONTHS[self.first.month - 1]} {self.first.year}"
        return str(self.first.year)


@dataclass(frozen=True)
class Bar:
    period: Period
    count: int
    href: str | None
    x: float
    y: float
    width: float
    height: float

    @property
    def label(self) -> str:
        noun = "article" if self.count == 1 else "articles"
        return f"{self.period.name}: {self.count} {noun}"


@dataclass(frozen=True)
class Histogram:
    interval: str
    bars: list[Bar]
    first: Period
    last: Period
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    axis_y: int = HEIGHT - _AXIS

    @property
    def caption(self) -> str:
        per = {"day": "day", "month": "month", "year": "year"}[self.interval]
        span = self.first.name if self.first == self.last else f"{self.first.name} to {self.last.name}"
        return f"Matching articles per {per}, {span}"


def bucket_day(label: str) -> dt.date:
    """The first day of a facet bucket: ``2024``, ``2024-03`` or ``2024-03-05``."""
    parts = [int(part) for part in label.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def interval_for(first: dt.date, last: dt.date, finest: str = "day") -> str:
    """The finest interval, no finer than ``finest``, whose limit the span keeps to."""
    span = (last - first).days
    for interval in INTERVALS[INTERVALS.index(finest) :]:
        limit = _MAX_SPAN_DAYS.get(interval)
        if limit is None or span <= limit:
            return interval
    return "year"


def _day(seconds: int | None) -> dt.date | None:
    if seconds is None:
        return None
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.date()


def build(
    buckets: Iterable[FacetBucket],
    bucket_interval: str,
    *,
    date_from: int | None,
    date_to: int | None,
    href: Callable[[Period], str],
) -> Histogram | None:
    """The histogram of ``buckets`` (a ``date`` facet by ``bucket_interval``) within
    ``date_from``..``date_to`` (Unix seconds, inclusive), or None without dated matches.

    Buckets are merged into coarser periods when the span is long; ``href`` gives
    each bar's link.
    """
    low, high = _day(date_from), _day(date_to)
    counts: list[tuple[dt.date, int]] = []
    for bucket in buckets:
        day = bucket_day(bucket.value)
        period = Period.of(day, bucket_interval)
        # The facet ignores the date range (facets are disjunctive): the page zooms into it.
        if bucket.count and (low is None or period.last >= low) and (high is None or period.first <= high):
            counts.append((day, bucket.count))
    if not counts:
        return None
    counts.sort()
    first_day = max(counts[0][0], low) if low else counts[0][0]
    last_day = Period.of(counts[-1][0], bucket_interval).last
    if high is not None:
        last_day = min(last_day, high)
    interval = interval_for(first_day, last_day, bucket_interval)
    merged: dict[Period, int] = {}
    for day, count in counts:
        period = Period.of(day, interval)
        merged[period] = merged.get(period, 0) + count
    periods = _slots(sorted(merged, key=lambda p: p.first))
    return _draw(periods, merged, interval, href)


def _slots(periods: Sequence[Period]) -> list[Period]:
    """``periods`` with the empty periods between them, unless that makes too many."""
    slots: list[Period] = []
    current: Period | None = periods[0]
    while current is not None and current.first <= periods[-1].first:
        slots.append(current)
        if len(slots) > MAX_SLOTS:
            return list(periods)
        current = current.next()
    return slots


def _draw(
    periods: list[Period], counts: dict[Period, int], interval: str, href: Callable[[Period], str]
) -> Histogram:
    tallest = max(counts.values())
    slot = WIDTH / len(periods)
    gap = min(2.0, slot * 0.15)
    # A few periods make narrower bars, centred in their slots, rather than slabs.
    width = max(min(slot - gap, _WIDEST_BAR), 1.0)
    room = HEIGHT - _AXIS - 4
    bars = []
    for position, period in enumerate(periods):
        count = counts.get(period, 0)
        if not count:
            continue
        height = max(2.0, room * count / tallest)
        bars.append(
            Bar(
                period=period,
                count=count,
                href=href(period),
                x=round(position * slot + (slot - width) / 2, 2),
                y=round(HEIGHT - _AXIS - height, 2),
                width=round(width, 2),
                height=round(height, 2),
            )
        )
    return Histogram(interval, bars, periods[0], periods[-1], sum(counts.values()))


__all__ = ["INTERVALS", "Bar", "Histogram", "Period", "build", "bucket_day", "interval_for"]
