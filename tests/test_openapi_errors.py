"""The OpenAPI document's error answers are read off errors.py, and the result's optional keys."""

from __future__ import annotations

import pytest

from searchsvc import errors
from searchsvc.openapi import ERROR_RESPONSES, HTTP_REFUSALS, build_spec
from searchsvc.settings import Settings

CLASSES = [getattr(errors, name) for name in errors.__all__ if name != "SearchsvcError"]


@pytest.fixture(scope="module")
def spec() -> dict:
    return build_spec(Settings())


@pytest.mark.parametrize("error", [*CLASSES, *HTTP_REFUSALS], ids=lambda e: e.code)
def test_every_error_code_is_described_under_its_status(spec: dict, error) -> None:
    name, description = ERROR_RESPONSES[str(error.status)]
    assert f"`{error.code}`" in description
    assert spec["components"]["responses"][name]["description"] == description


def test_a_class_describes_its_code_with_its_docstring() -> None:
    _, description = ERROR_RESPONSES["404"]
    assert description == "`not_found`: A document id that is not in the index."


def test_facets_truncated_is_an_optional_map_of_booleans(spec: dict) -> None:
    result = spec["components"]["schemas"]["SearchResult"]
    assert "facets_truncated" not in result["required"]
    assert result["properties"]["facets_truncated"]["additionalProperties"] == {"type": "boolean"}
