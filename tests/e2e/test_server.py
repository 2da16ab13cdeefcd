"""The real server, started the way scripts/serve starts it, on every backend."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.databases import BACKENDS, temporary_database
from tests.servers import running_server


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_user_journey_over_http(backend_name: str, tmp_path: Path) -> None:
    with (
        temporary_database(backend_name, tmp_path) as url,
        running_server(url) as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        assert http.get("/api/v1/health/live").json() == {"status": "ok"}
        credentials = {"email": "zoe@example.com", "password": "a long enough password"}
        assert http.post("/api/v1/auth/register", json=credentials).status_code == 201
        tokens = http.post(
            "/api/v1/auth/token",
            data={"username": credentials["email"], "password": credentials["password"]},
        ).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        created = http.post("/api/v1/tasks", json={"title": "over the wire"}, headers=headers)
        assert created.status_code == 201
        assert http.get(created.headers["location"], headers=headers).json()["title"] == "over the wire"
        listed = http.get("/api/v1/tasks", headers=headers).json()
        assert [task["title"] for task in listed["items"]] == ["over the wire"]
        assert "server" not in {key.lower() for key in created.headers}
        assert http.get("/openapi.json").json()["info"]["title"] == "tasks-api"
