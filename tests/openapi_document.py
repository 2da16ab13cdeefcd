"""Reading openapi.yaml in tests: follow $refs, validate values against its schemas."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from generated.contract import CONTRACT

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def resolve(node: Any, document: dict[str, Any] = CONTRACT) -> Any:
    """Follow local $refs ("#/components/...") until a node that is not a reference."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema` whose "#/components/..." references resolve in the contract."""
    document = {**CONTRACT, **schema}
    return Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)
