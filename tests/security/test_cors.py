"""Item 10: an unlisted origin and Origin: null are not echoed and get no credentials (a
preflight from one is a 400 problem); a preflight from a listed origin succeeds, with
credentials only when they are configured."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.accounts import Account
from tests.problems import assert_problem
from tests.security.conftest import AppFactory, ClientFactory

LISTED = "https://app.example.com"
CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
)


@dataclass(frozen=True)
class CorsClient:
    http: TestClient
    credentials: bool


@pytest.fixture(params=[False, True], ids=["no-credentials", "credentials"])
def cors(request: pytest.FixtureRequest, make_app: AppFactory, client_from: ClientFactory) -> CorsClient:
    app = make_app(cors_origins=[LISTED], cors_allow_credentials=request.param, rate_limit_enabled=False)
    return CorsClient(client_from(app), request.param)


@pytest.mark.parametrize(
    "origin",
    ["https://evil.example.com", "null", "https://app.example.com.evil.com", "http://app.example.com"],
)
def test_an_unlisted_origin_gets_no_cors_headers(cors: CorsClient, alice: Account, origin: str) -> None:
    response = cors.http.get("/api/v1/users/me", headers={**alice.headers, "Origin": origin})
    assert response.status_code == 200  # CORS is the browser's to enforce; the point is the headers
    for name in CORS_HEADERS:
        assert name not in response.headers
    preflight = cors.http.options(
        "/api/v1/tasks", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert_problem(preflight, 400)
    for name in CORS_HEADERS:
        assert name not in preflight.headers


def test_a_preflight_from_a_listed_origin_succeeds(cors: CorsClient) -> None:
    preflight = cors.http.options(
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
    assert ("access-control-allow-credentials" in preflight.headers) is cors.credentials


def test_a_listed_origin_is_echoed_with_the_exposed_headers(cors: CorsClient, alice: Account) -> None:
    response = cors.http.get("/api/v1/users/me", headers={**alice.headers, "Origin": LISTED})
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


def test_a_browser_may_send_head_with_a_bearer_token(cors: CorsClient) -> None:
    """HEAD is in the contract: its preflight (Authorization is not a safelisted header) passes."""
    headers = {
        "Origin": LISTED,
        "Access-Control-Request-Method": "HEAD",
        "Access-Control-Request-Headers": "authorization",
    }
    response = cors.http.options("/api/v1/tasks", headers=headers)
    assert response.status_code == 200
    assert "HEAD" in response.headers["access-control-allow-methods"]
