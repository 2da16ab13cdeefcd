"""Pooled connections that the server closed while they sat idle (a restart, a scaled-to-zero
Neon compute, an idle timeout) are noticed before they are handed out: the next requests are
served, none of them gets a 503 for a connection that was already dead."""

from __future__ import annotations

from pathlib import Path

import httpx
import psycopg
import pytest

from tests.databases import POSTGRES_URL, temporary_database
from tests.servers import running_server


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_connections_closed_while_idle_are_replaced_unnoticed(tmp_path: Path) -> None:
    with (
        temporary_database("postgresql", tmp_path) as url,
        running_server(url, env={"DATABASE_POOL_SIZE": "4"}) as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        credentials = {"email": "ida@example.com", "password": "a long enough password"}
        assert http.post("/api/v1/auth/register", json=credentials).status_code == 201
        form = {"username": credentials["email"], "password": credentials["password"]}
        token = http.post("/api/v1/auth/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(8):
            assert http.get("/api/v1/tasks", headers=headers).status_code == 200
        with psycopg.connect(url, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS terminated"
            ).fetchone()
            assert ended is not None
            assert ended[0] >= 1, "the server had pooled connections"
            # Gone on the server's side: their goodbyes are on the wire to the service.
            others = (
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert any(admin.execute(others).fetchone() == (0,) for _ in range(10_000))
        statuses = [http.get("/api/v1/tasks", headers=headers).status_code for _ in range(8)]
        assert statuses == [200] * 8
