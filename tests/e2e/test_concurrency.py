"""Concurrency proofs against the real server (uvicorn on 127.0.0.1), on every backend, each
with its own migrated database: concurrent conditional writes, concurrent retries with one
Idempotency-Key, and a cursor walk while another client inserts and deletes."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.databases import BACKENDS, temporary_database
from tests.servers import running_server

CLIENTS = 16
PASSWORD = "concurrency test password"


@contextmanager
def server(test: str, backend_name: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh database and server, and the headers of a registered, logged-in user."""
    with (
        temporary_database(backend_name, tmp_path) as url,
        running_server(url) as base,
    ):
        with httpx.Client(base_url=base, timeout=30) as http:
            email = f"{test}@example.com"
            assert (
                http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code
                == 201
            )
            tokens = http.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()
        yield base, {"Authorization": f"Bearer {tokens['access_token']}"}


def all_at_once(base: str, request: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """CLIENTS clients, each on its own connection, send `request` as close together as possible."""
    barrier = threading.Barrier(CLIENTS)

    def client(index: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=30) as http:
            http.get("/api/v1/health/live")  # connect first, so the requests race, not the handshakes
            barrier.wait()
            return request(http, index)

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(client, range(CLIENTS)))


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_concurrent_writes_with_one_if_match_exactly_one_wins(backend_name: str, tmp_path: Path) -> None:
    with server("if_match", backend_name, tmp_path) as (base, headers):
        task = httpx.post(f"{base}/api/v1/tasks", json={"title": "contested"}, headers=headers).json()
        url = f"/api/v1/tasks/{task['id']}"

        responses = all_at_once(
            base,
            lambda http, index: http.patch(
                url, json={"title": f"writer {index}"}, headers={**headers, "If-Match": task["etag"]}
            ),
        )

        statuses = sorted(response.status_code for response in responses)
        assert statuses == [200] + [412] * (CLIENTS - 1), statuses
        (winner,) = [response.json() for response in responses if response.status_code == 200]
        assert all(
            response.json()["type"] == "urn:tasks-api:problem:precondition-failed"
            for response in responses
            if response.status_code == 412
        )
        final = httpx.get(f"{base}{url}", headers=headers)
        assert final.json() == winner
        assert final.headers["etag"] == '"2"'
        # Over the wire, a 304 has the ETag and no body.
        not_modified = httpx.get(f"{base}{url}", headers={**headers, "If-None-Match": '"2"'})
        assert (not_modified.status_code, not_modified.content) == (304, b"")
        assert not_modified.headers["etag"] == '"2"'


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_concurrent_retries_with_one_idempotency_key_create_one_task(
    backend_name: str, tmp_path: Path
) -> None:
    with server("idempotency", backend_name, tmp_path) as (base, headers):
        body = {"title": "exactly once", "tags": ["retry"]}
        keyed = {**headers, "Idempotency-Key": "one-key"}

        responses = all_at_once(base, lambda http, _: http.post("/api/v1/tasks", json=body, headers=keyed))

        assert [response.status_code for response in responses] == [201] * CLIENTS
        assert len({response.text for response in responses}) == 1
        assert len({response.headers["location"] for response in responses}) == 1
        originals = [response for response in responses if "idempotent-replayed" not in response.headers]
        assert len(originals) == 1
        listed = httpx.get(f"{base}/api/v1/tasks", headers=headers).json()["items"]
        assert [task["id"] for task in listed] == [responses[0].json()["id"]]


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_a_cursor_walk_survives_inserts_and_deletes_between_its_pages(
    backend_name: str, tmp_path: Path
) -> None:
    """Every task that exists for the whole walk is seen exactly once; nothing is seen twice.
    Between every two pages another client deletes one task and inserts one, at random places
    in the order (seeded): each page's query sees the writes of the pages before it."""
    with (
        server("walk", backend_name, tmp_path) as (base, headers),
        httpx.Client(base_url=base, timeout=30) as http,
        httpx.Client(base_url=base, timeout=30) as other,
    ):
        for sort in ("-created_at", "due_at", "-due_at", "title"):
            random.seed(f"{backend_name}{sort}")
            walk_while_tasks_change(http, other, headers, sort)


def random_task(label: str) -> dict[str, Any]:
    due = random.choice([None, f"2026-0{random.randint(1, 3)}-0{random.randint(1, 9)}T09:00:00Z"])
    return {"title": f"{random.choice(['alpha', 'Beta', 'gamma', 'DELTA'])} {label}", "due_at": due}


def walk_while_tasks_change(
    http: httpx.Client, other: httpx.Client, headers: dict[str, str], sort: str
) -> None:
    def create_many(labels: list[str]) -> list[str]:
        operations = [{"op": "create", "task": random_task(label)} for label in labels]
        response = http.post("/api/v1/tasks/batch", json={"operations": operations}, headers=headers)
        assert response.status_code == 200, response.text
        return [result["id"] for result in response.json()["results"]]

    stable = set(create_many([f"stable {i}" for i in range(100)]))
    volatile = create_many([f"volatile {i}" for i in range(60)])
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 7, "sort": sort}
    pages = 0
    while True:
        page = http.get("/api/v1/tasks", params=params, headers=headers)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        pages += 1
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
        victim = volatile.pop(random.randrange(len(volatile)))
        assert other.delete(f"/api/v1/tasks/{victim}", headers=headers).status_code == 204
        created = other.post("/api/v1/tasks", json=random_task("inserted"), headers=headers)
        assert created.status_code == 201, created.text
        volatile.append(created.json()["id"])
    assert pages >= 100 // 7, f"{sort}: the walk took {pages} pages"
    assert len(seen) == len(set(seen)), f"{sort}: a task was returned twice"
    assert stable <= set(seen), f"{sort}: a task that existed for the whole walk was skipped"
