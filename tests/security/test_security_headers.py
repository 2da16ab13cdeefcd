"""Item 11: security headers on every response, whatever its status; no-store on anything
authenticated; HSTS when configured for HTTPS."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import Response
from tests.security.conftest import AppFactory, ClientFactory

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def requests_of_every_kind(client: TestClient, account: Account) -> dict[str, Response]:
    tasks = "/api/v1/tasks"
    return {
        "200": client.get(tasks, headers=account.headers),
        "201": client.post(tasks, json={"title": "x"}, headers=account.headers),
        "204": client.delete(
            f"{tasks}/{client.post(tasks, json={'title': 'y'}, headers=account.headers).json()['id']}",
            headers=account.headers,
        ),
        "401": client.get(tasks),
        "404": client.get(f"{tasks}/{uuid.uuid4()}", headers=account.headers),
        "405": client.put(tasks, headers=account.headers),
        "413": client.post(
            tasks, content=b"x" * 2_000_000, headers={**account.headers, "Content-Type": "application/json"}
        ),
        "415": client.post(tasks, content=b"x", headers={**account.headers, "Content-Type": "text/plain"}),
        "422": client.get(tasks, params={"limit": "0"}, headers=account.headers),
        "token": client.post(
            "/api/v1/auth/token", data={"username": account.email, "password": account.password}
        ),
        "openapi": client.get("/openapi.json"),
        "health": client.get("/api/v1/health/live"),
    }


def test_every_api_response_carries_the_security_headers(client: TestClient, alice: Account) -> None:
    for name, response in requests_of_every_kind(client, alice).items():
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "no-referrer", name
        assert headers["x-frame-options"] == "DENY", name
        assert headers["content-security-policy"] == API_CSP, name
        assert headers["cache-control"] == "no-store", name
        assert len(headers["x-request-id"]) >= 8, name
        assert "strict-transport-security" not in headers, name
        assert "server" not in headers or "uvicorn" not in headers["server"].lower(), name
        if headers.get("content-type") == "application/problem+json":
            assert response.json()["request_id"] == headers["x-request-id"], name


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_get_a_csp_for_self_hosted_assets(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "http" not in csp  # no third-party host is allowed
    assert response.headers["x-content-type-options"] == "nosniff"


def test_hsts_when_configured(make_app: AppFactory, client_from: ClientFactory, alice: Account) -> None:
    client = client_from(make_app(hsts_seconds=31_536_000, rate_limit_enabled=False))
    for response in (client.get("/api/v1/users/me", headers=alice.headers), client.get("/api/v1/nowhere")):
        assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
