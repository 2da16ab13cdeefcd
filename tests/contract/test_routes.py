"""What FastAPI builds from the routes must agree with openapi.yaml, the document clients see:
paths, methods, operationIds, tags, security, parameters and their constraints, request
bodies, and status codes. The served /openapi.json is openapi.yaml itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient

from generated.contract import CONTRACT
from impl.app import create_app
from tests.conftest import make_settings
from tests.openapi_document import resolve

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}
CONSTRAINTS = (
    "type",
    "format",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "default",
    "minItems",
    "maxItems",
)


# Constraints FastAPI's schema does not show but that are enforced all the same.
def normalize(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The constraints of a schema, with pydantic's spellings mapped to the contract's."""
    # OpenAPI 3.1: keywords next to a $ref (such as a default) apply along with its target's.
    schema = {**resolve(schema, document), **{key: value for key, value in schema.items() if key != "$ref"}}
    variants = schema.get("anyOf")
    if variants and len(variants) == 2 and {"type": "null"} in variants:
        (inner,) = [v for v in variants if v != {"type": "null"}]
        inner = normalize(document, inner)
        inner["type"] = [inner["type"], "null"]
        if "default" in schema:
            inner["default"] = schema["default"]
        schema = inner
    if isinstance(schema.get("enum"), list) and len(schema["enum"]) == 1:
        schema["const"] = schema.pop("enum")[0]
    if schema.get("type") == "integer" and schema.get("format") in {"int32", "int64"}:
        # A hint for client generators (the size of the integer type); the bounds say the same.
        schema.pop("format")
    if "const" in schema:
        schema.pop("type", None)
    return {key: schema[key] for key in CONSTRAINTS if key in schema}


def computed_document(app: FastAPI) -> dict[str, Any]:
    return get_openapi(title="computed", version="0", openapi_version="3.1.0", routes=app.routes)


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    database = tmp_path_factory.mktemp("contract") / "routes.db"
    return computed_document(create_app(make_settings(f"sqlite:///{database}")))


def test_served_document_is_openapi_yaml(client: TestClient, repo_root: Path) -> None:
    served = client.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == yaml.safe_load((repo_root / "openapi.yaml").read_text())


def test_same_operations(computed: dict[str, Any]) -> None:
    assert sorted(operations(computed)) == sorted(operations(CONTRACT))


def contract_operations() -> list[tuple[str, str]]:
    return sorted(operations(CONTRACT))


@pytest.mark.parametrize(("path", "method"), contract_operations())
def test_operation_agrees(computed: dict[str, Any], path: str, method: str) -> None:
    ours = CONTRACT["paths"][path][method]
    theirs = computed["paths"][path][method]
    assert theirs["operationId"] == ours["operationId"]
    assert theirs["tags"] == ours["tags"]
    assert theirs["summary"] == ours["summary"]
    # `{}` (no credentials: the event stream's ticket, checked by its handler) is an
    # alternative FastAPI's Security() dependencies cannot state.
    our_security = [req for req in ours.get("security", CONTRACT.get("security", [])) if req]
    assert theirs.get("security", []) == our_security
    assert sorted(computed_responses(ours, theirs)) == sorted(ours["responses"])
    check_parameters(computed, path, method)
    check_request_body(computed, ours, theirs)
    check_success_schema(ours, theirs)


def computed_responses(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """FastAPI adds a 422 "Validation Error" to every operation with parameters that declares
    no 422; the token endpoint answers validation failures as RFC 6749's 400 instead."""
    responses = dict(theirs["responses"])
    if "422" not in ours["responses"] and responses.get("422", {}).get("description") == "Validation Error":
        del responses["422"]
    return responses


def check_parameters(computed: dict[str, Any], path: str, method: str) -> None:
    item = CONTRACT["paths"][path]
    ours = {}
    for raw in [*item.get("parameters", []), *item[method].get("parameters", [])]:
        parameter = resolve(raw)
        ours[(parameter["in"], parameter["name"])] = parameter
    theirs = {(p["in"], p["name"]): p for p in computed["paths"][path][method].get("parameters", [])}
    assert sorted(theirs) == sorted(ours)
    for key, parameter in ours.items():
        assert theirs[key].get("required", False) == parameter.get("required", False), key
        assert normalize(computed, theirs[key]["schema"]) == normalize(CONTRACT, parameter["schema"]), key


def check_request_body(computed: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    if "requestBody" not in ours:
        assert "requestBody" not in theirs
        return
    our_body = resolve(ours["requestBody"])
    their_body = theirs["requestBody"]
    assert their_body.get("required", False) == our_body.get("required", False)
    assert sorted(their_body["content"]) == sorted(our_body["content"])
    for media_type, media in our_body["content"].items():
        our_schema = resolve(media["schema"])
        their_schema = resolve(their_body["content"][media_type]["schema"], computed)
        name = media["schema"]["$ref"].rsplit("/", 1)[-1]
        assert sorted(their_schema["properties"]) == sorted(our_schema["properties"]), name
        assert sorted(their_schema.get("required", [])) == sorted(our_schema.get("required", [])), name
        assert their_schema.get("additionalProperties", True) == our_schema.get("additionalProperties", True)
        for field, field_schema in our_schema["properties"].items():
            expected = normalize(CONTRACT, field_schema)
            assert normalize(computed, their_schema["properties"][field]) == expected, (name, field)


def check_success_schema(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    for status, response in ours["responses"].items():
        if not status.startswith("2"):
            continue
        our_response = resolve(response)
        their_content = theirs["responses"][status].get("content", {})
        if "content" not in our_response:
            assert not their_content, status
            continue
        if "text/event-stream" in our_response["content"]:
            # An event stream: documented as such, without a JSON model.
            assert sorted(their_content) == ["text/event-stream"], status
            continue
        our_ref = our_response["content"]["application/json"]["schema"]["$ref"]
        assert their_content["application/json"]["schema"]["$ref"] == our_ref


def test_same_security_schemes(computed: dict[str, Any]) -> None:
    theirs = computed["components"]["securitySchemes"]
    ours = CONTRACT["components"]["securitySchemes"]
    assert sorted(theirs) == sorted(ours)
    for name, scheme in ours.items():
        for key in ("type", "flows", "scheme", "bearerFormat"):
            assert theirs[name].get(key) == scheme.get(key), (name, key)
