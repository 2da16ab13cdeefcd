"""Liveness answers while the process runs; readiness follows the database. (Other operations
on an unreachable database: tests/security/test_internal_errors.py.)"""

from __future__ import annotations

from fastapi.testclient import TestClient

from impl.app import create_app
from tests.conftest import make_settings
from tests.problems import assert_problem
from tests.servers import free_port


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/api/v1/health/live").json() == {"status": "ok"}
    assert client.get("/api/v1/health/ready").json() == {"status": "ok"}


def test_an_unreachable_database_is_503_on_ready_without_details() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    app = create_app(make_settings(url))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/health/live").json() == {"status": "ok"}
        response = client.get("/api/v1/health/ready")
        assert_problem(response, 503)
        for leak in ("127.0.0.1", "psycopg", "Traceback", "connection"):
            assert leak not in response.text.lower()
