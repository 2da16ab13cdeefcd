"""Item 12: an unexpected internal error (here: a database nobody migrated) is a generic 500
problem without a stack trace, SQL or paths, its details logged under the request id the
response carries; an expected failure (the database is unreachable) is a 503 that says so,
with Retry-After, and just as little of its details."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from impl.app import create_app
from tests.conftest import make_settings
from tests.security.forge import own_token
from tests.servers import free_port

LEAKS = (
    "Traceback",
    "psycopg",
    "sqlalchemy",
    "OperationalError",
    "SELECT",
    "INSERT",
    "127.0.0.1",
    "/work",
    ".py",
    "connection",
)


@pytest.fixture
def unreachable_client() -> TestClient:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere?connect_timeout=2"
    app = create_app(make_settings(url, rate_limit_enabled=False))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def unmigrated_client(tmp_path: Path) -> TestClient:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'empty.db'}", rate_limit_enabled=False))
    return TestClient(app, raise_server_exceptions=False)


TOKEN = own_token("0b9d1c9e-4a57-4f55-9d0c-2c3b5d1c7a10")
# Each operation that touches the database: (method, path, authorized, JSON body, form body).
REQUESTS = pytest.mark.parametrize(
    ("method", "path", "authorized", "json", "form"),
    [
        ("GET", "/api/v1/tasks", True, None, None),
        ("POST", "/api/v1/tasks", True, {"title": "x"}, None),
        (
            "POST",
            "/api/v1/auth/register",
            False,
            {"email": "a@example.com", "password": "a long passphrase"},
            None,
        ),
        ("POST", "/api/v1/auth/token", False, None, {"username": "a@example.com", "password": "whatever"}),
    ],
)


@REQUESTS
def test_an_unexpected_error_is_a_generic_500(
    unmigrated_client: TestClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    authorized: bool,
    json: dict[str, str] | None,
    form: dict[str, str] | None,
) -> None:
    headers = {"X-Request-ID": "attack-suite-12345"}
    if authorized:
        headers["Authorization"] = f"Bearer {TOKEN}"
    with caplog.at_level(logging.ERROR, logger="tasks_api.requests"):
        response = unmigrated_client.request(method, path, headers=headers, json=json, data=form)

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:tasks-api:problem:internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred.",
        "instance": path,
        "request_id": "attack-suite-12345",
    }
    assert response.headers["x-request-id"] == "attack-suite-12345"
    for leak in LEAKS:
        assert leak.lower() not in response.text.lower(), leak

    logged = [record for record in caplog.records if "attack-suite-12345" in record.getMessage()]
    assert logged, "the error is logged under the request id"
    assert logged[0].exc_info is not None  # with the traceback, in the log only
    assert "no such table" in caplog.text


@REQUESTS
def test_an_unreachable_database_is_a_503_that_says_so(
    unreachable_client: TestClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    authorized: bool,
    json: dict[str, str] | None,
    form: dict[str, str] | None,
) -> None:
    headers = {"X-Request-ID": "attack-suite-67890"}
    if authorized:
        headers["Authorization"] = f"Bearer {TOKEN}"
    with caplog.at_level(logging.WARNING):
        response = unreachable_client.request(method, path, headers=headers, json=json, data=form)

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["type"] == "urn:tasks-api:problem:database-unavailable"
    assert body["request_id"] == "attack-suite-67890"
    for leak in LEAKS:
        assert leak.lower() not in response.text.lower(), leak
    # Its access line carries the request id and the problem type; the failure itself is one
    # line per kind while it repeats (impl/ops/log_throttle.py), never a traceback.
    logged = [
        record for record in caplog.records if getattr(record, "request_id", None) == "attack-suite-67890"
    ]
    assert logged, "logged under the request id"
    assert any(getattr(record, "problem", None) == "database-unavailable" for record in logged)
    assert all(record.exc_info is None for record in caplog.records)  # an expected failure
