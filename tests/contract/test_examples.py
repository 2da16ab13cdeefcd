"""Every operation documents real payloads: each request body and each response with content
has at least one example, and every example is valid against its schema (formats included),
so the docs show what the API sends and schemathesis's examples phase has cases to run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from generated.contract import CONTRACT
from tests.openapi_document import HTTP_METHODS, resolve, schema_validator


def payloads() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, media type object) for every request body and response body in the contract."""
    for item in CONTRACT["paths"].values():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            name = operation["operationId"]
            if "requestBody" in operation:
                for media_type, content in resolve(operation["requestBody"])["content"].items():
                    yield f"{name} request {media_type}", content
            for status, response in operation["responses"].items():
                for media_type, content in resolve(response).get("content", {}).items():
                    yield f"{name} {status} {media_type}", content


PAYLOADS = list(payloads())


def test_every_operation_has_payloads_to_check() -> None:
    assert len(PAYLOADS) > 60


@pytest.mark.parametrize(("where", "content"), PAYLOADS, ids=[where for where, _ in PAYLOADS])
def test_payload_has_valid_examples(where: str, content: dict[str, Any]) -> None:
    examples = [resolve(example)["value"] for example in content.get("examples", {}).values()]
    assert examples, f"{where} has no example"
    validator = schema_validator(content["schema"])
    for example in examples:
        errors = [error.message for error in validator.iter_errors(example)]
        assert not errors, f"{where}: {errors}"
