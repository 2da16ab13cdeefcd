"""Parameter and response-header examples are valid against their schemas (body examples:
tests/contract/test_examples.py), and every operation documents what clients need: an
operationId, a tag, a summary, a description for each status, problem+json for each error."""

from __future__ import annotations

from typing import Any

import pytest

from generated.contract import CONTRACT
from tests.openapi_document import HTTP_METHODS, resolve, schema_validator


def cases() -> list[tuple[str, dict[str, Any], Any]]:
    found = []
    for path, item in CONTRACT["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            where = f"{method.upper()} {path}"
            for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
                parameter = resolve(raw)
                if "example" in parameter:
                    found.append((f"{where} {parameter['name']}", parameter["schema"], parameter["example"]))
            for status, response in operation["responses"].items():
                for name, raw_header in resolve(response).get("headers", {}).items():
                    header = resolve(raw_header)
                    if "example" in header:
                        found.append((f"{where} {status} header {name}", header["schema"], header["example"]))
    return found


@pytest.mark.parametrize(("where", "schema", "value"), cases(), ids=[case[0] for case in cases()])
def test_example_is_valid(where: str, schema: dict[str, Any], value: Any) -> None:
    errors = [error.message for error in schema_validator(schema).iter_errors(value)]
    assert errors == [], where


def test_the_task_parameters_have_examples() -> None:
    described = {case[0] for case in cases()}
    wanted = {"GET /api/v1/tasks sort", "GET /api/v1/tasks q", "PATCH /api/v1/tasks/{task_id} If-Match"}
    assert wanted <= described


def operations() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in CONTRACT["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


@pytest.mark.parametrize(("path", "method"), operations())
def test_operation_is_documented(path: str, method: str) -> None:
    operation = CONTRACT["paths"][path][method]
    assert operation["operationId"]
    assert len(operation["tags"]) == 1
    assert operation["summary"]
    for status, raw_response in operation["responses"].items():
        response = resolve(raw_response)
        assert response["description"], status
        if status.startswith(("4", "5")):
            assert list(response["content"]) == ["application/problem+json"], status
    if operation.get("security"):
        assert "401" in operation["responses"]
    if "requestBody" in operation:
        assert {"413", "415", "422"} <= set(operation["responses"])
