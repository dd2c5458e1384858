"""What a document's values may be, declared once, and the one way they become JSON.

A document travels through several serializers and parsers: a request body
(orjson), a file (Python's ``json``), the write log and the stored document
(orjson), an export (orjson). Each has its own limits, and a value one accepts
and another refuses would be acknowledged and then fail later, at a commit or
in the middle of an export. So every value is checked here, once, against the
limits all of them share, before anything is changed: a document either fits
all of them or is refused.

- Nesting: at most :data:`MAX_DEPTH` levels, the document itself the first.
- Containers (objects and arrays): at most :data:`MAX_CONTAINERS` in a document.
- Integers: 64-bit signed, :data:`MIN_INTEGER` to :data:`MAX_INTEGER`; beyond that
  orjson refuses them or reads them as floats, and most JSON readers lose digits.
- Floats: finite; NaN and the infinities are not JSON.
- Strings (values and keys): no lone surrogate, which UTF-8 cannot encode.
- Only JSON's types: objects with string keys, arrays (a tuple is taken as one),
  strings, numbers, booleans and null.

:func:`check_body` applies what can be known of a request body before it is
parsed, so that a body of millions of tiny arrays is refused before it costs
memory several times its size.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import orjson

#: Levels of nesting a document may have, the document's own object the first.
MAX_DEPTH = 32
#: Objects and arrays in one document, its own object included.
MAX_CONTAINERS = 10_000
#: Objects and arrays in one request body, over all its documents or parameters.
MAX_BODY_CONTAINERS = 200_000
#: The integers every serializer keeps exactly: 64-bit signed.
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**63 - 1


class ValueProblem(ValueError):
    """Why a value cannot be stored; ``path`` says where in the document (``extra.a[2]``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path = path
        self.problem = problem


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def check_string(value: str, path: str) -> None:
    """Raise :class:`ValueProblem` if ``value`` holds a lone surrogate."""
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueProblem(
            path, f"holds U+{ord(value[exc.start]):04X}, half of a surrogate pair, which UTF-8 cannot hold"
        ) from None


def _scalar(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if not MIN_INTEGER <= value <= MAX_INTEGER:
            raise ValueProblem(path, "is an integer beyond 64 bits, which JSON readers cannot keep exactly")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueProblem(path, f"is {value!r}, which JSON cannot hold")
        return
    if isinstance(value, str):
        check_string(value, path)
        return
    raise ValueProblem(path, f"is a {type(value).__name__}, which JSON cannot hold")


def json_value(value: Any, path: str, *, depth: int = 1) -> Any:
    """``value`` as plain JSON data (tuples as lists, mappings as dicts), checked against
    every limit above; ``depth`` is the level it sits at in its document.

    Raises :class:`ValueProblem` naming the first place that breaks a limit. The walk
    keeps its own stack, so a value nested far deeper than any limit is refused
    without touching Python's recursion limit.
    """
    if not isinstance(value, (Mapping, list, tuple)):
        _scalar(value, path)
        return value
    root: list[Any] = []
    # Each entry: the source container, its copy, its path and its depth.
    stack: list[tuple[Any, Any, str, int]] = []
    containers = 0

    def open_container(source: Any, where: str, level: int) -> Any:
        nonlocal containers
        if level > MAX_DEPTH:
            raise ValueProblem(where, f"is nested more than {MAX_DEPTH} levels deep")
        containers += 1
        if containers > MAX_CONTAINERS:
            raise ValueProblem(where, f"holds more than {MAX_CONTAINERS} objects and arrays")
        copy: Any = {} if isinstance(source, Mapping) else []
        stack.append((source, copy, where, level))
        return copy

    root.append(open_container(value, path, depth))
    while stack:
        source, copy, where, level = stack.pop()
        items = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, item in items:
            if isinstance(source, Mapping):
                if not isinstance(key, str):
                    raise ValueProblem(where, f"has the key {key!r}; keys must be strings")
                check_string(key, where)
            inner = _path(where, key)
            if isinstance(item, (Mapping, list, tuple)):
                child = open_container(item, inner, level + 1)
            else:
                _scalar(item, inner)
                child = item
            if isinstance(copy, dict):
                copy[key] = child
            else:
                copy.append(child)
    return root[0]


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON: the write log, the stored document and exports.

    A value :func:`json_value` accepted always serializes. Documents stored by
    versions that checked less may not (integers beyond 64 bits, NaN): they are
    written with Python's ``json``, non-finite numbers as null, so that an export
    never stops at one.
    """
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(_finite(value), default=str).encode("ascii")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def loads(data: bytes | str) -> Any:
    """JSON written by :func:`dumps`."""
    return orjson.loads(data)


# A JSON string, escapes included; what is left between strings is structure and numbers.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def check_body(data: bytes) -> None:
    """Refuse a JSON or JSON Lines body of more than :data:`MAX_BODY_CONTAINERS` objects
    and arrays before it is parsed, in time linear in its size.

    Parsing makes an object of every array, tens of bytes for each ``[]`` of the body.
    Brackets are counted first as bytes; only when there are too many are the strings
    (whose brackets are text) taken out and the rest counted again.
    """
    if data.count(b"[") + data.count(b"{") <= MAX_BODY_CONTAINERS:
        return
    structure = _STRING.sub(b'""', data)
    count = structure.count(b"[") + structure.count(b"{")
    if count > MAX_BODY_CONTAINERS:
        raise ValueProblem(
            "", f"the body holds {count} objects and arrays; the limit is {MAX_BODY_CONTAINERS} a request"
        )
