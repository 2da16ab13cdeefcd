"""Parameter and response-header examples are valid against their schemas (body examples:
tests/contract/test_examples.py), and every operation documents what clients need: an
operationId, a tag, a summary, a description for each status, problem+json for each error
(OAuth2's own error format for the token endpoint's 400, no body for HEAD)."""

from __future__ import annotations

from typing import Any

import pytest

from generated.contract import CONTRACT
from tests.openapi_document import HTTP_METHODS, resolve, schema_validator

# HEAD operations too: their responses are documented without a body.
DOCUMENTED_METHODS = (*HTTP_METHODS, "head")


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
                own = parameter.get("schema", {}).get("examples", [])
                for example in [*resolve(parameter["schema"]).get("examples", []), *own]:
                    found.append((f"{where} {parameter['name']}", parameter["schema"], example))
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


def parameters() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path} {resolve(raw)['name']}", resolve(raw))
        for path, item in CONTRACT["paths"].items()
        for method in HTTP_METHODS
        if method in item
        for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]
    ]


@pytest.mark.parametrize(("where", "parameter"), parameters(), ids=[case[0] for case in parameters()])
def test_parameter_examples_are_in_the_schema(where: str, parameter: dict[str, Any]) -> None:
    """Swagger UI's "Try it out" fills a parameter in with its `example` or its first named
    `examples`: a filter filled in that way hides the user's tasks. A schema's `examples`
    document the parameter without filling it in."""
    assert "example" not in parameter, where
    assert "examples" not in parameter, where


def operations() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in CONTRACT["paths"].items()
        for method in DOCUMENTED_METHODS
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
        if method == "head":
            assert "content" not in response, status
        elif (path, method, status) == ("/api/v1/auth/token", "post", "400"):
            assert list(response["content"]) == ["application/json"], status  # RFC 6749 §5.2
        elif status.startswith(("4", "5")):
            assert list(response["content"]) == ["application/problem+json"], status
    if operation.get("security"):
        assert "401" in operation["responses"]
    if "requestBody" in operation:
        validation = "400" if path == "/api/v1/auth/token" else "422"
        assert {"413", "415", validation} <= set(operation["responses"])
    if operation.get("security"):
        assert "429" in operation["responses"]  # the per-user quota
    else:
        assert "422" in operation["responses"] or path == "/api/v1/auth/token"  # unknown parameters
