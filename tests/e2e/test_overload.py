"""Bounded under overload, on a real server: past its limits a request gets a fast 503 with
Retry-After, never a 500 and never a stall, and liveness keeps answering.

The requests that fill the limits are held by the mechanism, not by timing: a PostgreSQL row
lock held by the test keeps writes of that row waiting in the database (pg_stat_activity
shows them), so they stay at work. A body that is announced but not yet sent holds a
connection, never an admission slot."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.databases import POSTGRES_URL, temporary_database
from tests.servers import running_server

CREDENTIALS = {"email": "olive@example.com", "password": "a long enough password"}
LOCK_WAITS = (
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
)


def sign_in(http: httpx.Client) -> dict[str, str]:
    assert http.post("/api/v1/auth/register", json=CREDENTIALS).status_code == 201
    form = {"username": CREDENTIALS["email"], "password": CREDENTIALS["password"]}
    tokens = http.post("/api/v1/auth/token", data=form).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@contextmanager
def half_sent_request(base_url: str, path: str, headers: dict[str, str]) -> Iterator[socket.socket]:
    """A POST whose body the server is still waiting for: a request in progress. It asks for
    `100 Continue`, which the server sends when the app starts reading the body: proof that
    the request was admitted before anything else is sent."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json", "Content-Length: 50"]
    head += ["Expect: 100-continue", *(f"{name}: {value}" for name, value in headers.items())]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    answer = sock.recv(1024)
    assert answer.startswith(b"HTTP/1.1 100 "), answer
    sock.sendall(b'{"title"')
    try:
        yield sock
    finally:
        sock.close()


def eventually(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def assert_fast_503(response: httpx.Response, problem: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"] == f"urn:tasks-api:problem:{problem}"


def test_a_slow_upload_takes_no_place_among_the_requests_at_work(tmp_path: Path) -> None:
    with (
        temporary_database("sqlite", tmp_path) as url,
        running_server(url, env={"MAX_IN_FLIGHT_REQUESTS": "1"}) as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        headers = sign_in(http)
        with half_sent_request(base, "/api/v1/tasks", headers):
            assert http.get("/api/v1/tasks", headers=headers).status_code == 200


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_past_the_in_flight_limit_requests_get_503_and_liveness_answers(tmp_path: Path) -> None:
    settings = {"MAX_IN_FLIGHT_REQUESTS": "2", "DATABASE_LOCK_TIMEOUT_MS": "60000"}
    with (
        temporary_database("postgresql", tmp_path) as url,
        running_server(url, env=settings) as base,
        httpx.Client(base_url=base, timeout=30) as http,
        psycopg.connect(url) as blocker,
        psycopg.connect(url, autocommit=True) as observer,
    ):
        headers = sign_in(http)
        task = http.post("/api/v1/tasks", json={"title": "locked"}, headers=headers).json()
        blocker.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task["id"],))
        done: list[int] = []
        writers = [
            threading.Thread(
                target=lambda: done.append(
                    httpx.patch(
                        f"{base}/api/v1/tasks/{task['id']}", json={"title": "x"}, headers=headers, timeout=30
                    ).status_code
                )
            )
            for _ in range(2)
        ]
        for writer in writers:
            writer.start()
        assert eventually(lambda: observer.execute(LOCK_WAITS).fetchone() == (2,)), "the writes never waited"
        assert_fast_503(http.get("/api/v1/tasks", headers=headers), "overloaded")
        assert http.get("/api/v1/health/live").json() == {"status": "ok"}
        blocker.rollback()
        for writer in writers:
            writer.join(timeout=30)
        assert done == [200, 200]
        assert http.get("/api/v1/tasks", headers=headers).status_code == 200


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_a_full_pool_queues_briefly_then_answers_503(tmp_path: Path) -> None:
    settings = {
        "DATABASE_POOL_SIZE": "1",
        "DATABASE_MAX_WAITING": "1",
        "DATABASE_POOL_TIMEOUT_SECONDS": "1",
        "DATABASE_LOCK_TIMEOUT_MS": "60000",
        "DATABASE_STATEMENT_TIMEOUT_MS": "60000",
    }
    with (
        temporary_database("postgresql", tmp_path) as url,
        running_server(url, env=settings) as base,
        httpx.Client(base_url=base, timeout=30) as http,
        httpx.Client(base_url=base, timeout=30) as waiting,
        psycopg.connect(url) as blocker,
    ):
        headers = sign_in(http)
        task = http.post("/api/v1/tasks", json={"title": "locked"}, headers=headers).json()
        # The test holds the task's row lock: a write of the task takes the server's only
        # connection and waits on the lock, in the database.
        blocker.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (task["id"],))
        stuck: list[httpx.Response] = []
        writer = threading.Thread(
            target=lambda: stuck.append(
                waiting.patch(f"/api/v1/tasks/{task['id']}", json={"title": "x"}, headers=headers)
            )
        )
        writer.start()
        lock_waits = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        with psycopg.connect(url, autocommit=True) as observer:
            assert eventually(lambda: observer.execute(lock_waits).fetchone() == (1,)), (
                "the write never waited"
            )
        started = time.monotonic()
        response = http.get("/api/v1/tasks", headers=headers)
        waited = time.monotonic() - started
        assert_fast_503(response, "database-busy")
        assert waited < 1 + 4, f"queued {waited:.1f} s, beyond the 1 s pool timeout"
        assert http.get("/api/v1/health/live").json() == {"status": "ok"}
        blocker.rollback()
        writer.join(timeout=30)
        assert stuck[0].status_code == 200
        assert http.get("/api/v1/tasks", headers=headers).status_code == 200
