"""The one table of search parameters reaches every place a search is asked from.

Each row of :data:`searchsvc.parameters.SEARCH_PARAMETERS` must feed
:meth:`SearchRequest.create`, and, where the row says so, the OpenAPI document,
``GET``/``POST /search`` and the ``search`` command; where it does not, none of
them may take it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import click
import pytest

from searchsvc.api import search_args_from_body, search_args_from_query
from searchsvc.cli import search_args_from_cli, search_command
from searchsvc.errors import InvalidParameter
from searchsvc.openapi import build_spec
from searchsvc.parameters import (
    ARGUMENTS,
    FACETABLE,
    FILTER_FIELDS,
    HTTP_PARAMETERS,
    SEARCH_PARAMETERS,
    SearchParameter,
)
from searchsvc.request import SearchRequest
from searchsvc.settings import Settings, setting

PARAMETERS = list(SEARCH_PARAMETERS.values())
#: Values of the free-text parameters that their parsers accept; other kinds get theirs from the table.
TEXT_SAMPLES = {"q": "grain", "date_from": "2024-01-01", "date_to": "2024-02-01", "sort": "date:asc"}


def sample(param: SearchParameter) -> tuple[Any, str, Any]:
    """A value other than the default: as the library takes it, as text, and in JSON."""
    default = param.default_in(Settings())
    if param.kind == "integer":
        assert param.maximum is not None, f"{param.name}: an integer needs a maximum to sample"
        value = param.maximum if param.maximum != default else param.minimum
        return value, str(value), value
    if param.kind == "boolean":
        return not default, str(not default).lower(), not default
    if param.kind == "filter":
        value = f"{FILTER_FIELDS[0]}:x"
        return [value], value, [value]
    if param.kind == "facets":
        return [FACETABLE[0]], FACETABLE[0], [FACETABLE[0]]
    if param.enum is not None:
        value = next(v for v in reversed(param.enum) if v != default)
        return value, value, value
    text = TEXT_SAMPLES.get(param.name, "x")
    return text, text, text


def request_of(param: SearchParameter, value: Any) -> SearchRequest:
    return SearchRequest.create(**{param.argument: value})


def test_the_table_is_consistent() -> None:
    assert len({p.argument for p in PARAMETERS}) == len(PARAMETERS)
    settings = {f.name for f in dataclasses.fields(Settings)}
    fields = {f.name for f in dataclasses.fields(SearchRequest)}
    for param in PARAMETERS:
        assert param.help, param.name
        assert {param.default_setting, param.max_length_setting} - {None} <= settings, param.name
        # Every keyword is a field of the request, but sort, which becomes two.
        assert param.argument in fields or param.argument == "sort", param.name


@pytest.mark.parametrize("param", PARAMETERS, ids=lambda p: p.name)
def test_every_parameter_reaches_the_request(param: SearchParameter) -> None:
    value, _, _ = sample(param)
    assert request_of(param, value) != SearchRequest.create()
    # None is "not given": the default.
    assert request_of(param, None) == SearchRequest.create()
    if param.kind == "integer":
        assert param.maximum is not None
        with pytest.raises(InvalidParameter, match=f"must be an integer from {param.minimum} to"):
            request_of(param, param.maximum + 1)
        with pytest.raises(InvalidParameter):
            request_of(param, str(value))
    if param.kind == "boolean":
        with pytest.raises(InvalidParameter, match="must be true or false"):
            request_of(param, "yes")


@pytest.mark.parametrize("param", PARAMETERS, ids=lambda p: p.name)
def test_every_http_parameter_is_in_the_openapi_document(param: SearchParameter) -> None:
    settings = Settings(fragments=4, max_query_length=50)
    spec = build_spec(settings)
    query = {p["name"]: p for p in spec["paths"]["/search"]["get"]["parameters"]}
    body = spec["components"]["schemas"]["SearchBody"]["properties"]
    if not param.http:
        assert param.name not in query and param.name not in body
        return
    declared = query[param.name]
    assert declared["description"] == param.help
    schema = declared["schema"]
    assert schema.get("default") == param.default_in(settings)
    assert (schema.get("minimum"), schema.get("maximum")) == (param.minimum, param.maximum)
    assert schema.get("enum") == (list(param.enum) if param.enum else None)
    assert {"integer": "integer", "boolean": "boolean"}.get(param.kind, schema.get("type")) == schema.get(
        "type"
    )
    assert param.name in body


@pytest.mark.parametrize("param", PARAMETERS, ids=lambda p: p.name)
def test_every_http_parameter_is_parsed_from_a_query_string_and_a_body(param: SearchParameter) -> None:
    value, text, json_value = sample(param)
    if not param.http:
        with pytest.raises(InvalidParameter, match="unknown search parameter"):
            search_args_from_query({param.name: text})
        with pytest.raises(InvalidParameter, match="unknown search parameter"):
            search_args_from_body({param.name: json_value})
        return
    expected = request_of(param, value)
    assert SearchRequest.create(**search_args_from_query({param.name: text})) == expected
    assert SearchRequest.create(**search_args_from_body({param.name: json_value})) == expected


def _cli_parameters() -> dict[str, click.Parameter]:
    return {p.name: p for p in search_command.params if p.name is not None}


@pytest.mark.parametrize("param", PARAMETERS, ids=lambda p: p.name)
def test_every_cli_parameter_is_an_option_of_search(param: SearchParameter) -> None:
    taken = _cli_parameters()
    if param.cli is None:
        assert param.name not in taken
        return
    option = taken[param.name]
    value, text, _ = sample(param)
    if isinstance(option, click.Argument):
        args = [text]
    elif isinstance(option, click.Option) and option.is_flag:
        assert set(param.cli) <= set(option.opts + option.secondary_opts)
        args = [param.cli[0] if value else option.secondary_opts[0]]
    else:
        assert isinstance(option, click.Option) and set(param.cli) == set(option.opts)
        args = [param.cli[0], text]
    values = search_command.make_context("search", args).params
    values.pop("as_json")
    assert SearchRequest.create(**search_args_from_cli(values)) == request_of(param, value)


def test_the_search_command_keeps_its_options() -> None:
    # A new row may add an option; none may go or change its spelling.
    opts = {opt for p in search_command.params for opt in getattr(p, "opts", [])}
    assert opts >= {
        *("-f", "--filter", "--facet", "--date-from", "--date-to", "--date-interval", "--sort"),
        *("--facet-size", "-n", "--limit", "--offset", "--explain", "--json", "q"),
    }


def test_unknown_keywords_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(InvalidParameter) as raised:
        SearchRequest.create("x", colour="red")
    assert raised.value.message == f"unknown search parameter 'colour'; parameters are {', '.join(ARGUMENTS)}"
    with pytest.raises(InvalidParameter, match="parameters are q, filter, "):
        search_args_from_query({"filters": "source:x"})


def test_defaults_and_ranges_can_come_from_the_settings() -> None:
    request = SearchRequest.create(settings=Settings(fragments=5, fragment_chars=50))
    assert (request.fragments, request.fragment_chars) == (5, 50)
    fragments = SEARCH_PARAMETERS["fragments"]
    assert (fragments.minimum, fragments.maximum) == (
        setting("fragments").minimum,
        setting("fragments").maximum,
    )
    assert fragments.help == setting("fragments").help
    with pytest.raises(InvalidParameter, match="the query is longer than 3 characters"):
        SearchRequest.create("grain", settings=Settings(max_query_length=3))


def test_library_only_parameters_are_not_offered_over_http() -> None:
    assert set(SEARCH_PARAMETERS) - set(HTTP_PARAMETERS) == {"fragments", "fragment_chars"}
