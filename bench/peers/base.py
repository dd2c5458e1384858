"""The one interface every engine under test implements, and the neutral query.

A :class:`BenchQuery` says *what* is asked (terms, phrase or prefix, filters,
facets, highlighting) without any engine's syntax. Each peer translates it, so
that all engines answer the same question and their totals can be compared.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

#: Facets every peer computes, under these neutral names.
FACET_FIELDS: tuple[str, ...] = ("source", "category", "month")
#: Filterable keyword fields.
FILTER_FIELDS: tuple[str, ...] = ("source", "category")
TOP_K = 10


@dataclass(frozen=True)
class BenchQuery:
    """One query in engine-neutral form.

    ``terms`` are lower-case surface words as a user would type them. With
    ``phrase`` they must appear in order in one field; with ``prefix`` the last
    term is a prefix (``word*``); otherwise all terms must appear (AND), each in
    the title or the body. ``variants`` (place-name queries) lists every spelling
    of the place in ``terms[0]``: engines without their own variant expansion
    search them OR-ed, which is what a user would have to type to get the same
    documents.
    """

    qid: str
    qclass: str
    terms: tuple[str, ...]
    phrase: bool = False
    prefix: bool = False
    variants: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    facets: bool = False
    highlight: bool = False
    #: True when Porter and Snowball stemming give this query the same matches in
    #: the corpus sample, so totals should agree exactly between engines.
    stem_safe: bool = False

    @property
    def filter_map(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in self.filters}

    def text(self) -> str:
        """A readable rendering for reports (not any engine's syntax)."""
        if self.phrase:
            out = '"' + " ".join(self.terms) + '"'
        elif self.prefix:
            out = " ".join(self.terms) + "*"
        else:
            out = " ".join(self.terms)
        if self.variants:
            out += " {" + "|".join(self.variants) + "}"
        for name, values in self.filters:
            out += f" [{name}={','.join(values)}]"
        return out

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["terms"] = list(self.terms)
        data["variants"] = list(self.variants)
        data["filters"] = {name: list(values) for name, values in self.filters}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BenchQuery:
        filters = tuple((str(k), tuple(v)) for k, v in dict(data.get("filters") or {}).items())
        return cls(
            qid=data["qid"],
            qclass=data["qclass"],
            terms=tuple(data["terms"]),
            phrase=bool(data.get("phrase")),
            prefix=bool(data.get("prefix")),
            variants=tuple(data.get("variants") or ()),
            filters=filters,
            facets=bool(data.get("facets")),
            highlight=bool(data.get("highlight")),
            stem_safe=bool(data.get("stem_safe")),
        )


@dataclass
class PeerResult:
    """What every engine returns for a query: exact total, top ids, snippets, facets.

    ``facets`` maps each of :data:`FACET_FIELDS` to ``{value: count}`` and is empty
    when the query asked for none. ``snippets`` is parallel to ``top_ids`` (empty
    strings when the query asked for no highlighting).
    """

    total: int
    top_ids: list[str]
    snippets: list[str] = field(default_factory=list)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class BuildStats:
    docs: int
    extra: dict[str, Any] = field(default_factory=dict)


class PeerUnavailable(RuntimeError):
    """The engine cannot run here (library missing): skip it, do not fail."""


class Peer(ABC):
    name: ClassVar[str]
    #: True when the engine expands place-name spellings itself, so it gets the
    #: typed spelling only instead of the OR of all variants.
    native_variants: ClassVar[bool] = False

    @abstractmethod
    def build(self, docs: Iterable[Mapping[str, Any]], path: Path) -> BuildStats:
        """Index ``docs`` into a new index at ``path`` and leave it committed."""

    @abstractmethod
    def open(self, path: Path, *, cache: bool = False) -> None:
        """Open the index for searching. ``cache`` allows result caches, if any."""

    @abstractmethod
    def search(self, query: BenchQuery) -> PeerResult: ...

    @abstractmethod
    def close(self) -> None: ...

    def describe(self) -> dict[str, Any]:
        """Versions and settings for the results file."""
        return {}


# -- helpers shared by the peers -----------------------------------------------


def utc_month(value: Any) -> str:
    """``YYYY-MM`` of an ISO date in UTC, or "" when there is no usable date.

    searchsvc stores dates in UTC; converting here keeps every peer's month
    facet on the same calendar.
    """
    if not value or not isinstance(value, str):
        return ""
    text = value.strip()
    try:
        if len(text) == 10:
            return text[:7]
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return ""
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC)
    return parsed.strftime("%Y-%m")


def text_of(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if value is None:
        return ""
    return str(value).strip()


def flat_fields(doc: Mapping[str, Any]) -> dict[str, str]:
    """The fields the naive peers index, as plain strings ("" when missing)."""
    tags = doc.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t.strip()]
    return {
        "id": text_of(doc, "id"),
        "title": text_of(doc, "title"),
        "body": text_of(doc, "body"),
        "source": text_of(doc, "source"),
        "category": text_of(doc, "category"),
        "date": text_of(doc, "date"),
        "month": utc_month(doc.get("date")),
        "tags": ",".join(str(t).strip() for t in tags if str(t).strip()),
    }


def clean_facets(raw: Mapping[str, Mapping[Any, Any]]) -> dict[str, dict[str, int]]:
    """Drop empty values and zero counts so engines that list them compare equal."""
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        counts = raw.get(name) or {}
        out[name] = {str(k): int(v) for k, v in counts.items() if k not in (None, "") and int(v) > 0}
    return out


def facet_plan(query: BenchQuery) -> list[tuple[tuple[str, ...], dict[str, list[str]]]]:
    """Which facet fields to count under which filters (disjunctive facets).

    The first entry always counts the unfiltered fields (month at least) under
    all of the query's filters, so its matches are the query's hits; each
    filtered field then gets its own entry without its own filter.
    """
    filters = query.filter_map
    plan = [(tuple(f for f in FACET_FIELDS if f not in filters), filters)]
    for name in FACET_FIELDS:
        if name in filters:
            plan.append(((name,), {k: v for k, v in filters.items() if k != name}))
    return plan


def search_terms(query: BenchQuery, native_variants: bool) -> list[list[str]]:
    """The query as a conjunction of disjunctions of words.

    Each inner list is one AND operand; more than one word in it means OR. Only
    place queries have OR groups, and only for engines without native variants.
    """
    if query.variants and not native_variants:
        return [list(query.variants)] + [[t] for t in query.terms[1:]]
    return [[t] for t in query.terms]
