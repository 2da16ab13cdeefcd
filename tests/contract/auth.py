"""schemathesis's auth hook: a user registered and logged in through the real endpoints.

The token comes from the hook (the tests add no headers), so schemathesis can still drop or
spoil it for its negative-auth checks (ignored_auth)."""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis
from fastapi.testclient import TestClient

from generated.contract import CONTRACT

PASSWORD = "contract test password"


def secured_operation_ids(contract: dict[str, Any]) -> list[str]:
    default = contract.get("security", [])
    return [
        operation["operationId"]
        for item in contract["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation and operation.get("security", default)
    ]


class RegisteredUser:
    """Registers a fresh user and logs in, both through the API."""

    def get(self, case: schemathesis.Case[Any], ctx: schemathesis.AuthContext) -> str:
        email = f"contract-{uuid.uuid4().hex[:12]}@example.com"
        assert ctx.app is not None, "the contract tests run in-process"
        with TestClient(ctx.app) as client:
            response = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
            assert response.status_code == 201, response.text
            response = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
            assert response.status_code == 200, response.text
            token: str = response.json()["access_token"]
            return token

    def set(self, case: schemathesis.Case[Any], data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


class Generation:
    """Bumped when a test empties the database: the cached token's user is gone with it."""

    count = 0


def register_auth(schema: schemathesis.BaseSchema) -> None:
    # The token is cached (per database generation) and fetched again after a 401.
    schema.auth(cache_by_key=lambda case, ctx: Generation.count).apply_to(
        operation_id=secured_operation_ids(CONTRACT)
    )(RegisteredUser)
