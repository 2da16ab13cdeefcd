"""Item 10: an unlisted origin and Origin: null are not echoed and get no credentials; a
preflight from a listed origin succeeds."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.security.conftest import AppFactory, ClientFactory

LISTED = "https://app.example.com"
CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
)


@pytest.fixture(params=[False, True], ids=["no-credentials", "credentials"])
def cors_client(
    request: pytest.FixtureRequest, make_app: AppFactory, client_from: ClientFactory
) -> TestClient:
    return client_from(
        make_app(cors_origins=[LISTED], cors_allow_credentials=request.param, rate_limit_enabled=False)
    )


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example.com", "null", "https://app.example.com.evil.com", "http://app.example.com"],
)
def test_an_unlisted_origin_gets_no_cors_headers(
    cors_client: TestClient, alice: Account, origin: str
) -> None:
    response = cors_client.get("/api/v1/users/me", headers={**alice.headers, "Origin": origin})
    assert response.status_code == 200  # CORS is the browser's to enforce; the point is the headers
    for name in CORS_HEADERS:
        assert name not in response.headers
    preflight = cors_client.options(
        "/api/v1/tasks", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 400
    for name in CORS_HEADERS:
        assert name not in preflight.headers


def test_a_preflight_from_a_listed_origin_succeeds(cors_client: TestClient) -> None:
    preflight = cors_client.options(
        "/api/v1/tasks/3f2b8c1e-2d4a-4e6f-9a8b-7c6d5e4f3a2b",
        headers={
            "Origin": LISTED,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == LISTED
    assert "DELETE" in preflight.headers["access-control-allow-methods"]


def test_a_listed_origin_is_echoed_with_the_exposed_headers(cors_client: TestClient, alice: Account) -> None:
    response = cors_client.get("/api/v1/users/me", headers={**alice.headers, "Origin": LISTED})
    assert response.headers["access-control-allow-origin"] == LISTED
    exposed = response.headers["access-control-expose-headers"]
    for name in ("Retry-After", "RateLimit", "RateLimit-Policy", "WWW-Authenticate", "X-Request-ID"):
        assert name in exposed
    assert "Origin" in response.headers["vary"]


def test_a_wildcard_with_credentials_is_refused_at_start_up(make_app: AppFactory) -> None:
    with pytest.raises(ValueError, match="CORS_ALLOW_CREDENTIALS"):
        make_app(cors_origins=["*"], cors_allow_credentials=True)
    with pytest.raises(ValueError, match="null"):
        make_app(cors_origins=["null"])
