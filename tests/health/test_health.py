"""Liveness answers while the process runs; readiness follows the database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from impl.app import create_app
from impl.db.engine import build_engine
from tests.conftest import make_settings
from tests.problems import assert_problem
from tests.servers import free_port


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/api/v1/health/live").json() == {"status": "ok"}
    assert client.get("/api/v1/health/ready").json() == {"status": "ok"}


def test_an_unreachable_database_is_503_on_ready_and_a_generic_500_elsewhere() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2"
    app = create_app(make_settings(url), engine=build_engine(url))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/health/live").status_code == 200
        assert_problem(client.get("/api/v1/health/ready"), 503)
        response = client.post(
            "/api/v1/auth/register", json={"email": "x@example.com", "password": "long enough pw"}
        )
        body = assert_problem(response, 500)
        assert body["detail"] == "An unexpected error occurred."
        assert body["request_id"] == response.headers["x-request-id"]
        for leak in ("psycopg", "127.0.0.1", "SELECT", "INSERT", "Traceback", "/work", ".py"):
            assert leak not in response.text
