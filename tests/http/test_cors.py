"""CORS: only configured origins (tests configure https://app.example.com), no wildcard."""

from __future__ import annotations

from fastapi.testclient import TestClient

ALLOWED = "https://app.example.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


def test_preflight_from_an_allowed_origin_succeeds(client: TestClient) -> None:
    response = client.options("/api/v1/tasks", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


def test_preflight_from_another_origin_is_refused(client: TestClient) -> None:
    for origin in ("https://evil.example.net", "null", "https://app.example.com.evil.net"):
        response = client.options("/api/v1/tasks", headers={"Origin": origin, **PREFLIGHT})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


def test_simple_requests_echo_only_allowed_origins(client: TestClient) -> None:
    allowed = client.get("/api/v1/health/live", headers={"Origin": ALLOWED})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    other = client.get("/api/v1/health/live", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in other.headers
