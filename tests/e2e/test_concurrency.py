"""Concurrency proofs against the real server (uvicorn on 127.0.0.1), one per backend on its own
migrated database, each test as a user of its own: concurrent conditional writes, concurrent
retries with one Idempotency-Key, and a cursor walk while other clients insert and delete."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.databases import BACKENDS, temporary_database
from tests.servers import running_server

CLIENTS = 16
PASSWORD = "concurrency test password"


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real server per backend, on its own migrated database, for the tests of this module;
    each test works as a user of its own."""
    with (
        temporary_database(request.param, tmp_path_factory.mktemp("concurrency")) as url,
        running_server(url) as base,
    ):
        yield base


@contextmanager
def server(test: str, base: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The module's server, and the headers of a user registered and logged in for `test`."""
    with httpx.Client(base_url=base, timeout=30) as http:
        email = f"{test}@example.com"
        assert (
            http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
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


def test_concurrent_writes_with_one_if_match_exactly_one_wins(live_server: str) -> None:
    with server("if_match", live_server) as (base, headers):
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


def test_concurrent_retries_with_one_idempotency_key_create_one_task(live_server: str) -> None:
    with server("idempotency", live_server) as (base, headers):
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


def test_a_cursor_walk_survives_concurrent_inserts_and_deletes(live_server: str) -> None:
    """Every task that exists for the whole walk is seen exactly once; nothing is seen twice."""
    with (
        server("walk", live_server) as (base, headers),
        httpx.Client(base_url=base, timeout=30) as http,
    ):
        for sort in ("-created_at", "due_at", "-due_at", "title"):
            random.seed(sort)
            walk_while_others_write(http, headers, sort)


def random_task(label: str) -> dict[str, Any]:
    due = random.choice([None, f"2026-0{random.randint(1, 3)}-0{random.randint(1, 9)}T09:00:00Z"])
    return {"title": f"{random.choice(['alpha', 'Beta', 'gamma', 'DELTA'])} {label}", "due_at": due}


def walk_while_others_write(http: httpx.Client, headers: dict[str, str], sort: str) -> None:
    def create_many(labels: list[str]) -> list[str]:
        operations = [{"op": "create", "task": random_task(label)} for label in labels]
        response = http.post("/api/v1/tasks/batch", json={"operations": operations}, headers=headers)
        assert response.status_code == 200, response.text
        return [result["id"] for result in response.json()["results"]]

    stable = set(create_many([f"stable {i}" for i in range(100)]))
    volatile = create_many([f"volatile {i}" for i in range(60)])
    walking = threading.Event()
    walking.set()
    mutations = {"inserted": 0, "deleted": 0}
    changed = threading.Condition()

    def mutate() -> None:
        with httpx.Client(base_url=str(http.base_url), timeout=30) as other:
            while walking.is_set():
                # Deletes and inserts alternate, so every page sees both kinds of change.
                if volatile and mutations["deleted"] < mutations["inserted"]:
                    victim = volatile.pop(random.randrange(len(volatile)))
                    assert other.delete(f"/api/v1/tasks/{victim}", headers=headers).status_code == 204
                    kind = "deleted"
                else:
                    created = other.post("/api/v1/tasks", json=random_task("inserted"), headers=headers)
                    assert created.status_code == 201
                    volatile.append(created.json()["id"])
                    kind = "inserted"
                with changed:
                    mutations[kind] += 1
                    changed.notify_all()

    def changes_since(count: int) -> bool:
        # Wait (by the mechanism, not the clock) until the others wrote between two pages.
        with changed:
            return changed.wait_for(lambda: sum(mutations.values()) >= count + 2, timeout=30)

    mutator = threading.Thread(target=mutate)
    mutator.start()
    seen: list[str] = []
    try:
        params: dict[str, Any] = {"limit": 7, "sort": sort}
        while True:
            assert changes_since(sum(mutations.values()))
            page = http.get("/api/v1/tasks", params=params, headers=headers)
            assert page.status_code == 200, page.text
            seen += [item["id"] for item in page.json()["items"]]
            if page.json()["next_cursor"] is None:
                break
            params["cursor"] = page.json()["next_cursor"]
    finally:
        walking.clear()
        mutator.join(timeout=60)
    assert len(seen) == len(set(seen)), f"{sort}: a task was returned twice"
    assert stable <= set(seen), f"{sort}: a task that existed for the whole walk was skipped"
    assert mutations["inserted"] > 0
    assert mutations["deleted"] > 0
