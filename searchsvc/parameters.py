"""The search parameters, each declared once in :data:`SEARCH_PARAMETERS`.

A row says how HTTP and the CLI name a parameter, the keyword of
:meth:`SearchRequest.create <searchsvc.request.SearchRequest.create>` it feeds,
its kind, default, range and help. :mod:`searchsvc.request` checks values with
it, the HTTP API parses query strings and JSON bodies with it, the OpenAPI
document describes it and the CLI makes the ``search`` command's options of it.
What a table cannot say (the syntax of filters, facets, sorts and dates) is
code in :mod:`searchsvc.request`, keyed by the parameter's keyword.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .documents import FACET_FIELDS
from .duplicates import CANDIDATES_PER_HIT, MIN_CANDIDATES
from .errors import InvalidParameter
from .settings import Settings, describe_range, in_range, setting

FILTER_FIELDS = FACET_FIELDS
FACETABLE = (*FACET_FIELDS, "date")
SORT_FIELDS = ("relevance", "date", *FACET_FIELDS)
#: How the words of a query combine: see the ``mode`` parameter.
MODES = ("all", "any")
#: Each bucket size of the date facet, and the length of the ISO date prefix that names a bucket.
DATE_INTERVALS = {"year": 4, "month": 7, "day": 10}

#: How a value is read. ``string``, ``integer`` and ``boolean`` are single values;
#: ``filter`` repeats (``field:value``) in a query string or on the command line and is
#: a list or an object in a JSON body; ``facets`` is comma-separated, or a list.
Kind = Literal["string", "integer", "boolean", "filter", "facets"]


@dataclass(frozen=True)
class SearchParameter:
    """One search parameter.

    ``default_setting`` names the :class:`~searchsvc.settings.Settings` field whose
    value is the default; the parameter then keeps to that setting's range, and has
    its help unless it has its own.
    ``max_length_setting`` names the setting that limits a string's length once
    stripped. ``noun`` is how error messages name the value (the name when empty).
    ``http`` says whether ``GET``/``POST /search`` take it. ``cli`` is how the
    ``search`` command takes it: option spellings (``("--limit", "-n")``), one word
    in capitals for the positional argument (``("QUERY",)``), ``()`` for the option
    ``--name-with-dashes``, or None when the command line does not take it.
    """

    name: str
    kind: Kind
    help: str = ""
    argument: str = ""
    default: Any = None
    default_setting: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    max_length_setting: str | None = None
    enum: tuple[str, ...] | None = None
    noun: str = ""
    http: bool = True
    cli: tuple[str, ...] | None = ()

    def __post_init__(self) -> None:
        # Frozen: the derived values are filled in once, here.
        if not self.argument:
            object.__setattr__(self, "argument", self.name)
        if not self.noun:
            object.__setattr__(self, "noun", self.name)
        if self.cli == ():
            object.__setattr__(self, "cli", ("--" + self.name.replace("_", "-"),))
        if self.default_setting is not None:
            declared = setting(self.default_setting)
            if self.minimum is None and declared.minimum is not None:
                object.__setattr__(self, "minimum", int(declared.minimum))
            if self.maximum is None and declared.maximum is not None:
                object.__setattr__(self, "maximum", int(declared.maximum))
            if not self.help:
                object.__setattr__(self, "help", declared.help)

    def default_in(self, settings: Settings) -> Any:
        """The value a search gets when it does not give this parameter."""
        if self.default_setting is not None:
            return getattr(settings, self.default_setting)
        return self.default

    def max_length_in(self, settings: Settings) -> int | None:
        """The most characters the value may have once stripped, or None for no limit."""
        if self.max_length_setting is None:
            return None
        length: int = getattr(settings, self.max_length_setting)
        return length

    def describe_range(self) -> str:
        return describe_range(self.minimum, self.maximum)

    def _check_size(self, value: Any, settings: Settings) -> None:
        """Refuse a list of more values or characters than the settings allow, looking at no
        more of it than that: every later step costs time in its size."""
        most, longest = settings.max_list_values, settings.max_list_length
        if isinstance(value, str) and len(value) > longest:
            raise InvalidParameter(f"the values of {self.noun} are longer than {longest} characters together")
        items = value.split(",") if self.kind == "facets" and isinstance(value, str) else _list_items(value)
        length = 0
        for count, item in enumerate(items, start=1):
            length += len(item) if isinstance(item, str) else 0
            if count > most:
                raise InvalidParameter(f"{self.noun} has more than {most} values; the limit is {most}")
            if length > longest:
                raise InvalidParameter(
                    f"the values of {self.noun} are longer than {longest} characters together"
                )

    def check(self, value: Any, settings: Settings) -> Any:
        """``value`` (the default when it is None) once its kind, range and length are checked.

        The syntax of filters, facets, sorts and dates is checked by their parsers in
        :mod:`searchsvc.request`, not here.
        """
        if value is None:
            return self.default_in(settings)
        if self.kind in ("filter", "facets"):
            self._check_size(value, settings)
        if self.kind == "integer":
            if not _is_int(value) or not in_range(value, self.minimum, self.maximum):
                raise InvalidParameter(
                    f"{self.noun} must be an integer {self.describe_range()}".rstrip() + f", got {value!r}"
                )
        elif self.kind == "boolean" and not isinstance(value, bool):
            raise InvalidParameter(f"{self.noun} must be true or false, got {value!r}")
        if self.enum is not None and value not in self.enum:
            raise InvalidParameter(f"{self.noun} must be one of {', '.join(self.enum)}")
        max_length = self.max_length_in(settings)
        if max_length is not None:
            if not isinstance(value, str):
                raise InvalidParameter(f"{self.noun} must be a string, got {value!r}")
            value = value.strip()
            if len(value) > max_length:
                raise InvalidParameter(f"{self.noun} is longer than {max_length} characters")
        return value


def _list_items(value: Any) -> Iterator[Any]:
    """The values of a list parameter however given: a string (comma-separated for facets),
    a list, or a mapping of field to a value or a list of values."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for name, values in value.items():
            if isinstance(values, str):
                yield f"{name}:{values}"
            else:
                yield from (f"{name}:{item}" if isinstance(item, str) else item for item in values)
    else:
        yield from value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


SEARCH_PARAMETERS: Mapping[str, SearchParameter] = {
    p.name: p
    for p in (
        SearchParameter(
            "q",
            "string",
            'The query: words are AND-ed; `OR`, `NOT`/`-`, "phrases", `field:value`, `prefix*` and '
            "`date:[2024-01-01 TO 2024-03-31]` are understood. Empty or `*` matches every document.",
            default="",
            max_length_setting="max_query_length",
            noun="the query",
            cli=("QUERY",),
        ),
        SearchParameter(
            "filter",
            "filter",
            "Keep hits whose field has this value, as `field:value` (repeatable). Values of one field are "
            f"OR-ed, different fields AND-ed. Fields: {', '.join(FILTER_FIELDS)}.",
            argument="filters",
            cli=("--filter", "-f"),
        ),
        SearchParameter("date_from", "string", "Keep hits dated on or after this ISO 8601 date."),
        SearchParameter(
            "date_to",
            "string",
            "Keep hits dated on or before this ISO 8601 date (a bare date includes that whole day).",
        ),
        SearchParameter(
            "facets",
            "facets",
            f"Fields whose values to count, comma-separated: {', '.join(FACETABLE)}. A facet's counts "
            "ignore the filter on that same field.",
            cli=("--facet",),
        ),
        SearchParameter(
            "sort",
            "string",
            "`relevance` (default), `date` (newest first), `date:asc`, or `field`, `field:asc`, `-field` "
            f"for one of {', '.join(SORT_FIELDS)}.",
        ),
        SearchParameter(
            "limit", "integer", "Hits per page.", default=10, minimum=1, maximum=100, cli=("--limit", "-n")
        ),
        SearchParameter(
            "offset", "integer", "Hits to skip, for paging.", default=0, minimum=0, maximum=10_000
        ),
        SearchParameter(
            "highlight",
            "boolean",
            "Return highlighted HTML of the title and body fragments, matches in `<mark>`, all text escaped.",
            default=True,
            cli=None,  # the terminal output always shows the highlights
        ),
        SearchParameter(
            "date_interval",
            "string",
            "Bucket size of the `date` facet.",
            default="month",
            enum=tuple(DATE_INTERVALS),
        ),
        SearchParameter(
            "facet_size", "integer", "Most values returned per facet.", default=20, minimum=1, maximum=1000
        ),
        SearchParameter(
            "explain", "boolean", "Say which spellings matched each hit (`matched`).", default=False
        ),
        SearchParameter(
            "mode",
            "string",
            "`all`: every word must match, and the query language is read. `any`: the query is plain "
            "words, as in a question pasted from elsewhere; any word may match, and documents that "
            "match more of them, and rarer ones, rank higher. Operators, fields, quotes and "
            "punctuation are then plain text.",
            default="all",
            enum=MODES,
        ),
        SearchParameter(
            "feedback",
            "boolean",
            "Pseudo-relevance feedback (RM3): search again with the strongest words of the first "
            "search's best hits added to the query (settings `feedback_docs`, `feedback_terms`, "
            "`feedback_weight`). Finds documents that use other words for the same thing, at the cost "
            "of a second search. With mode=any, documents with only added words match too; with "
            "mode=all, the added words only reorder what the query matches. Only when sorted by "
            "relevance.",
            default=False,
        ),
        SearchParameter(
            "recency",
            "integer",
            "Favour recent documents, with this half-life in days (0: not at all). A score is multiplied "
            "by 1 + 2^(-age/recency): the newest document counts double, one a half-life older 1.5 times, "
            "old and undated ones once, so recency reorders close scores but never buries a much better "
            "old article. Ages count back from the newest dated document of the index, not from today, "
            "so an archive of past years is favoured alike. Only when sorted by relevance.",
            default_setting="recency_half_life_days",
        ),
        SearchParameter(
            "collapse",
            "boolean",
            "Fold near-duplicate copies of a story (wire copies with small edits) into the best-ranked "
            "of them, which lists their ids in `duplicates`, so that a page shows each story once. "
            f"Copies are looked for among the best {CANDIDATES_PER_HIT} times offset + limit matches "
            f"(at least {MIN_CANDIDATES}, more while the page is not full); `total` still counts every "
            "matching document. Only when sorted by relevance.",
            default=False,
        ),
        # Library only, for now: http=True or cli=() would offer them there too.
        SearchParameter("fragments", "integer", default_setting="fragments", http=False, cli=None),
        SearchParameter("fragment_chars", "integer", default_setting="fragment_chars", http=False, cli=None),
    )
}

#: The keywords :meth:`SearchRequest.create <searchsvc.request.SearchRequest.create>` takes.
ARGUMENTS: Mapping[str, SearchParameter] = {p.argument: p for p in SEARCH_PARAMETERS.values()}
#: Parameters whose keyword differs from their HTTP name: the name, then the keyword.
HTTP_NAMES: Mapping[str, str] = {
    p.name: p.argument for p in SEARCH_PARAMETERS.values() if p.name != p.argument
}
#: What ``GET /search`` and ``POST /search`` take.
HTTP_PARAMETERS: Mapping[str, SearchParameter] = {n: p for n, p in SEARCH_PARAMETERS.items() if p.http}
#: What the ``search`` command takes.
CLI_PARAMETERS: Mapping[str, SearchParameter] = {
    n: p for n, p in SEARCH_PARAMETERS.items() if p.cli is not None
}
