"""Settings, each declared once: a :class:`Settings` field with its default, help and range.

The environment variable of a setting is ``SEARCHSVC_`` and its name in capitals.
The library takes a :class:`Settings` object, which checks every value when it is
made; the CLI builds its options' help from :func:`setting` and reads the
environment through :meth:`Settings.from_env`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import InvalidParameter

ENV_PREFIX = "SEARCHSVC_"
#: The durability of ``serve`` when none is set: a server acknowledges writes
#: to clients who cannot see its memory, so each is logged before its answer.
SERVE_DURABILITY = "request"


def _declare(
    default: Any,
    help: str,
    *,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    choices: tuple[str, ...] | None = None,
    secret: bool = False,
) -> Any:
    """A :class:`Settings` field: its default, its help and the range or choices it must keep to.

    A ``secret`` (a key) is left out of the settings' repr, so that logging them never shows it.
    """
    return dataclasses.field(
        default=default,
        repr=not secret,
        metadata={"help": help, "minimum": minimum, "maximum": maximum, "choices": choices},
    )


@dataclass(frozen=True)
class Settings:
    """Where the index is, how the server runs, and the limits and defaults of requests.

    Raises :class:`~searchsvc.errors.InvalidParameter` when a value is of the wrong
    type or out of its range, so a :class:`Settings` that exists is a valid one.
    """

    index_dir: str = _declare("index", "Folder of the on-disk index.")
    host: str = _declare("127.0.0.1", "Address the HTTP server listens on.")
    port: int = _declare(8080, "Port the HTTP server listens on.", minimum=0, maximum=65535)
    threads: int = _declare(
        8, "Worker threads of the HTTP server (per worker process).", minimum=1, maximum=256
    )
    workers: int = _declare(
        1, "HTTP server processes sharing the port; more than 1 uses more CPU cores.", minimum=1, maximum=64
    )
    api_key: str | None = _declare(
        None, "When set, write endpoints require 'Authorization: Bearer KEY'.", secret=True
    )
    read_key: str | None = _declare(
        None,
        "When set, searches, documents, stats and metrics require 'Authorization: Bearer KEY' with this "
        "key or the API key; /health and /openapi.json stay open.",
        secret=True,
    )
    allow_unauthenticated_writes: bool = _declare(
        False, "Serve on an address other than loopback without an API key, letting anyone write."
    )
    allowed_hosts: str | None = _declare(
        None,
        "Comma-separated host names (without the port) the server answers to besides loopback names "
        "and IP addresses, or '*' for any. Checked when there is no API key, or when this is set: a "
        "request naming another host (a web page whose name was rebound to this address) gets 421.",
    )
    connection_limit: int = _declare(
        1000,
        "Most connections the HTTP server holds open at once (per worker process); further clients "
        "wait to be accepted.",
        minimum=1,
        maximum=100_000,
    )
    header_timeout: float = _declare(
        10.0,
        "Seconds a client has, from a request's first byte, to send its request line and headers; a "
        "request still incomplete then is answered 408 and its connection closed.",
        minimum=0.1,
        maximum=3600,
    )
    body_timeout: float = _declare(
        60.0,
        "Seconds a client has, once a request's headers are in, to send its body; a body still "
        "incomplete then is answered 408 and its connection closed.",
        minimum=0.1,
        maximum=3600,
    )
    idle_timeout: int = _declare(
        60,
        "Seconds a connection may stay open between requests without sending anything before the "
        "server closes it.",
        minimum=1,
        maximum=3600,
    )
    verify_on_start: bool = _declare(
        True,
        "Before serving, compare every index file with the size and checksum recorded when it was "
        "written, and refuse to serve a damaged index.",
    )
    log_format: str = _declare(
        "text",
        "Format of the server's log on stderr: 'text', or 'json' for one JSON object per line.",
        choices=("text", "json"),
    )
    cors_origins: str | None = _declare(
        None,
        "Comma-separated origins (such as https://news.example) that browsers may call the API from, "
        "or '*' for any; unset: no cross-origin access.",
    )
    max_body_bytes: int = _declare(10 * 1024 * 1024, "Largest request body accepted, in bytes.", minimum=1)
    max_batch_documents: int = _declare(1000, "Most documents accepted in one bulk write.", minimum=1)
    max_field_length: int = _declare(
        1_000_000, "Longest value of any one document field, in characters.", minimum=1
    )
    max_query_length: int = _declare(1000, "Longest query string accepted, in characters.", minimum=1)
    max_list_values: int = _declare(
        256, "Most values one list parameter of a search (filter, facets) may have.", minimum=1
    )
    max_list_length: int = _declare(
        16_384,
        "Most characters the values of one list parameter of a search (filter, facets) may have together.",
        minimum=1,
    )
    # The defaults keep each expensive query of bench/pathological.py within 2 s at 100k documents.
    max_expansion_terms: int = _declare(
        2500,
        "Most index terms one prefix, wildcard or range of a query may match in one field.",
        minimum=1,
        maximum=1_000_000,
    )
    max_scanned_terms: int = _declare(
        100_000,
        "Most index terms the wildcards of one query may look through for their matches; a wildcard "
        "starting with * or ? looks through every term of each field it searches.",
        minimum=1,
        maximum=100_000_000,
    )
    max_query_terms: int = _declare(
        5000,
        "Most index terms one query may read, once its prefixes, wildcards, ranges and spellings "
        "are expanded in every field it searches.",
        minimum=1,
        maximum=1_000_000,
    )
    max_query_phrases: int = _declare(
        10, "Most phrases one query may have (a phrase typed once counts once).", minimum=1, maximum=1000
    )
    commit_interval: float = _declare(
        1.0, "Seconds an acknowledged HTTP write waits before its batch is committed.", minimum=0
    )
    commit_batch: int = _declare(500, "Pending HTTP writes that trigger a commit at once.", minimum=1)
    lock_timeout: float = _declare(
        5.0,
        "Seconds a commit waits for another process holding the index's write lock (an 'index' "
        "command, another server) before it fails.",
        minimum=0,
        maximum=86400,
    )
    shutdown_timeout: float = _declare(
        30.0,
        "Seconds the server waits, after SIGTERM or Ctrl-C, for the requests in flight to be answered.",
        minimum=0,
        maximum=3600,
    )
    bm25_k1: float = _declare(
        1.2,
        "BM25's k1: how quickly more occurrences of a word stop raising a document's score.",
        minimum=0,
        maximum=100,
    )
    bm25_b: float = _declare(
        0.75,
        "BM25's b: how much a longer field counts against its matches, from 0 (not at all) to 1 (fully).",
        minimum=0,
        maximum=1,
    )
    feedback_docs: int = _declare(
        5,
        "Pseudo-relevance feedback (`feedback`): how many of the first search's best hits are read.",
        minimum=1,
        maximum=100,
    )
    feedback_terms: int = _declare(
        10,
        "Pseudo-relevance feedback (`feedback`): how many of those hits' strongest words are added.",
        minimum=1,
        maximum=100,
    )
    feedback_weight: float = _declare(
        0.5,
        "Pseudo-relevance feedback (`feedback`): the share of the score the words typed keep, from 0 "
        "to 1; the added words share the rest.",
        minimum=0,
        maximum=1,
    )
    recency_half_life_days: int = _declare(
        0,
        "Half-life, in days, of the recency boost that searches sorted by relevance get when they do "
        "not give `recency`; 0: no boost.",
        minimum=0,
        maximum=36500,
    )
    fragments: int = _declare(3, "Highlighted body fragments per hit.", minimum=0, maximum=10)
    fragment_chars: int = _declare(
        160, "Approximate length of one highlighted fragment, in characters.", minimum=20, maximum=1000
    )
    variants_file: str | None = _declare(None, "Plain file of extra variant groups, one group per line.")
    durability: str | None = _declare(
        None,
        "When an acknowledged write is safe from a crash: 'request' (logged and fsynced before the "
        "answer), 'interval' (fsynced every durability_interval seconds) or 'none' (at the next "
        "commit). Unset: 'request' for serve, 'none' for the library and the other commands.",
        choices=("request", "interval", "none"),
    )
    durability_interval: float = _declare(
        0.2, "Seconds between fsyncs of the write log with durability 'interval'.", minimum=0.001, maximum=60
    )
    shards: int = _declare(
        1,
        "Shards the index is split into; more than 1 runs each shard on Ray (the cluster extra), "
        "and the folder keeps its number of shards from its creation.",
        minimum=1,
        maximum=256,
    )
    replicas: int = _declare(
        1, "Searcher processes per shard, each able to answer every search of it.", minimum=1, maximum=16
    )
    ray_address: str | None = _declare(
        None, "Address of the Ray cluster to join (host:port); unset: start a local one."
    )
    partial_results: bool = _declare(
        True,
        "When a shard cannot answer: true answers from the others, saying so in `shards.failed`; "
        "false refuses the search with 503.",
    )
    shard_timeout: float = _declare(
        30,
        "Seconds a search waits for a replica of a shard before trying the next, and a write waits "
        "for a shard's writer to come back after it died, before the shard counts as down.",
        minimum=0.1,
        maximum=3600,
    )

    def __post_init__(self) -> None:
        for declared in _DECLARED.values():
            declared.check(getattr(self, declared.name))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied; ``None`` values leave a setting as it is."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``SEARCHSVC_*`` variables, then ``overrides`` that are not None.

        A value out of range is refused naming its variable when it came from the
        environment; the caller that passed an override knows where that came from.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for declared in _DECLARED.values():
            raw = environ.get(declared.env)
            if raw is None or raw == "":
                continue
            try:
                values[declared.name] = declared.parse(raw)
            except ValueError:
                raise InvalidParameter(
                    f"environment variable {declared.env}={raw!r} is not a valid {declared.type.__name__}"
                ) from None
        given = {name: value for name, value in overrides.items() if value is not None}
        try:
            # One construction, so a valid override wins over a bad variable.
            return cls(**{**values, **given})
        except InvalidParameter as exc:
            name = exc.details.get("setting")
            if name in values and name not in given:
                raise InvalidParameter(
                    f"environment variable {setting(name).env}: {exc.message}", setting=name
                ) from None
            raise


@dataclass(frozen=True)
class Setting:
    """The declaration of one setting, as :func:`setting` reads it off :class:`Settings`."""

    name: str
    default: Any
    type: type
    help: str
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def describe_range(self) -> str:
        return describe_range(self.minimum, self.maximum)

    def parse(self, text: str) -> Any:
        """The value of an environment variable; ValueError when it is not one of this type."""
        if self.type is bool:
            word = text.strip().lower()
            if word not in _BOOLEAN_WORDS:
                raise ValueError(text)
            return _BOOLEAN_WORDS[word]
        return self.type(text)

    def check(self, value: Any) -> None:
        """Refuse ``value`` when it is not of this setting's type or out of its range."""
        optional = self.default is None
        if value is None and optional:
            return
        if self.type is float:
            fits = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif self.type is bool:
            fits = isinstance(value, bool)
        else:
            fits = isinstance(value, self.type) and not isinstance(value, bool)
        kind = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(
            self.type, self.type.__name__
        )
        if not fits:
            raise InvalidParameter(f"{self.name} must be {kind}, got {value!r}", setting=self.name)
        if self.choices is not None and value not in self.choices:
            raise InvalidParameter(
                f"{self.name} must be one of {', '.join(self.choices)}, got {value!r}", setting=self.name
            )
        if self.type not in (str, bool) and not in_range(value, self.minimum, self.maximum):
            raise InvalidParameter(
                f"{self.name} must be {self.describe_range()}, got {value!r}", setting=self.name
            )


#: How an environment variable says true or false.
_BOOLEAN_WORDS = {word: True for word in ("true", "1", "yes", "on")} | {
    word: False for word in ("false", "0", "no", "off")
}

#: An origin as browsers send it: scheme://host[:port], without a path or a trailing slash.
_ORIGIN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#\s,]+")


def parse_origins(value: str | None) -> tuple[str, ...]:
    """The origins of a ``cors_origins`` value: ``()`` for none, ``("*",)`` for any.

    Raises :class:`~searchsvc.errors.InvalidParameter` for an entry that is not an
    origin, which would never match what a browser sends. The app checks this when it
    is made, and ``serve`` before it starts.
    """
    if not value:
        return ()
    origins = tuple(dict.fromkeys(item.strip() for item in value.split(",") if item.strip()))
    if "*" in origins:
        if len(origins) > 1:
            raise InvalidParameter(
                "cors_origins: '*' allows every origin; give it alone", setting="cors_origins"
            )
        return origins
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            hint = " (without the trailing '/')" if origin.endswith("/") else ""
            raise InvalidParameter(
                f"cors_origins: {origin!r} is not an origin such as https://news.example:8443{hint}",
                setting="cors_origins",
            )
    return origins


def describe_range(minimum: float | None, maximum: float | None) -> str:
    """``from 0 to 65535``, ``1 or more``, ``10 or less``, or ``""`` when any value will do."""
    if minimum is not None and maximum is not None:
        return f"from {minimum} to {maximum}"
    if minimum is not None:
        return f"{minimum} or more"
    if maximum is not None:
        return f"{maximum} or less"
    return ""


def in_range(value: float, minimum: float | None, maximum: float | None) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


def _value_type(hint: Any) -> type:
    # ``str | None`` is read as ``str``: None is the default, never a value to parse.
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if not isinstance(hint, type):
        raise TypeError(f"a setting must be of one plain type, not {hint!r}")
    return hint


def _declarations() -> dict[str, Setting]:
    hints = typing.get_type_hints(Settings)
    return {
        field.name: Setting(
            field.name,
            field.default,
            _value_type(hints[field.name]),
            field.metadata["help"],
            field.metadata["minimum"],
            field.metadata["maximum"],
            field.metadata["choices"],
        )
        for field in dataclasses.fields(Settings)
    }


_DECLARED: dict[str, Setting] = _declarations()


def setting(name: str) -> Setting:
    """The declaration of one setting, for CLI help and defaults."""
    return _DECLARED[name]


def settings_declared() -> tuple[Setting, ...]:
    """Every setting, in the order of :class:`Settings`."""
    return tuple(_DECLARED.values())
