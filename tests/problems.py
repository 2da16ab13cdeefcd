"""Assertions on RFC 9457 problem documents, for TestClient and httpx responses alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Response(Protocol):
    """What the assertions read of a response: httpx's and Starlette's TestClient's (httpx2)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def text(self) -> str: ...

    @property
    def content(self) -> bytes: ...

    def json(self) -> Any: ...


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("urn:tasks-api:problem:")
    assert body["title"]
    # The members the contract requires of every problem, and `errors` of every 422.
    assert body["detail"]
    assert str(body["instance"]).startswith("/")
    assert body["request_id"] == response.headers["x-request-id"]
    if status == 422:
        assert isinstance(body["errors"], list)
        assert body["errors"]
    assert "Traceback" not in response.text
    return body


def assert_oauth2_error(response: Response, error: str) -> dict[str, str]:
    """The token endpoint's answer to a failed grant: RFC 6749 §5.2, not a problem document."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, str] = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert body["error_description"].isascii()
    assert '"' not in body["error_description"]
    return body
