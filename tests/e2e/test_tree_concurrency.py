"""Concurrency proofs for lists, subtasks and manual order against the real server (uvicorn on
127.0.0.1), one per backend: concurrent moves into one gap keep a total order without a
duplicate rank, completing a parent while subtasks are added under it leaves no open subtask
that was there before, and two moves that would together make a cycle cannot both succeed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.databases import BACKENDS, temporary_database
from tests.e2e.test_concurrency import CLIENTS, server
from tests.servers import running_server

TASKS = "/api/v1/tasks"


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with (
        temporary_database(request.param, tmp_path_factory.mktemp("tree")) as url,
        running_server(url) as base,
    ):
        yield base


def at_once(base: str, requests: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Each request on its own connection, all sent as close together as possible."""
    barrier = threading.Barrier(len(requests))

    def client(request: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=30) as http:
            http.get("/api/v1/health/live")
            barrier.wait()
            return request(http)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(client, requests))


def create(base: str, headers: dict[str, str], **fields: object) -> dict[str, object]:
    response = httpx.post(f"{base}{TASKS}", json={"title": "t", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_concurrent_moves_into_one_gap_keep_a_total_order(live_server: str) -> None:
    with server("gap", live_server) as (base, headers):
        left = create(base, headers, title="left")
        movers = [create(base, headers, title=f"m{index}") for index in range(CLIENTS)]
        right = create(base, headers, title="right")

        def mover(task: dict[str, object]) -> Callable[[httpx.Client], httpx.Response]:
            return lambda http: http.post(
                f"{TASKS}/{task['id']}/move", json={"after_id": left["id"]}, headers=headers
            )

        responses = at_once(base, [mover(task) for task in movers])
        assert [response.status_code for response in responses] == [200] * CLIENTS
        page = httpx.get(f"{base}{TASKS}", params={"sort": "position", "limit": 100}, headers=headers).json()
        items = page["items"]
        positions = [item["position"] for item in items]
        assert len(set(positions)) == len(positions) == CLIENTS + 2, positions
        assert positions == sorted(positions)
        assert items[0]["id"] == left["id"]
        assert items[-1]["id"] == right["id"]
        # Every move answered with the position it now has.
        assert {response.json()["position"] for response in responses} == set(positions[1:-1])


def test_completing_a_parent_while_subtasks_are_added(live_server: str) -> None:
    with server("complete_vs_add", live_server) as (base, headers):
        for _ in range(4):
            parent = create(base, headers, title="parent")
            existing = create(base, headers, title="existing", parent_id=parent["id"])
            url = f"{TASKS}/{parent['id']}"
            body = {"title": "added", "parent_id": parent["id"]}

            def complete(http: httpx.Client, url: str = url) -> httpx.Response:
                return http.post(f"{url}/complete", headers=headers)

            def add(http: httpx.Client, body: dict[str, object] = body) -> httpx.Response:
                return http.post(TASKS, json=body, headers=headers)

            responses = at_once(base, [complete] + [add] * (CLIENTS - 1))
            assert [response.status_code for response in responses] == [200] + [201] * (CLIENTS - 1)
            completion = responses[0].json()
            # Every subtask there when the parent was completed was completed with it; the open
            # ones were all added after.
            assert completion["completed_subtask_count"] == completion["subtask_count"]
            final = httpx.get(f"{base}{TASKS}/{parent['id']}", headers=headers).json()
            assert final["subtask_count"] == CLIENTS
            assert final["completed_subtask_count"] == completion["subtask_count"]
            subtasks = httpx.get(
                f"{base}{TASKS}", params={"parent_id": str(parent["id"]), "limit": 100}, headers=headers
            ).json()["items"]
            open_ids = {task["id"] for task in subtasks if not task["completed"]}
            # The subtask from before, and every subtask added before the completion committed
            # (they are counted in its subtask_count), are completed; only later ones are open.
            assert existing["id"] not in open_ids
            assert len(open_ids) == CLIENTS - completion["subtask_count"]


def test_a_under_b_and_b_under_a_at_once_exactly_one_succeeds(live_server: str) -> None:
    with server("cycle", live_server) as (base, headers):
        for round_index in range(6):
            a, b = (
                create(base, headers, title=f"a{round_index}"),
                create(base, headers, title=f"b{round_index}"),
            )

            def under(
                child: dict[str, object], parent: dict[str, object], by_move: bool = bool(round_index % 2)
            ) -> Callable[[httpx.Client], httpx.Response]:
                if by_move:
                    return lambda http: http.post(
                        f"{TASKS}/{child['id']}/move", json={"parent_id": parent["id"]}, headers=headers
                    )
                return lambda http: http.patch(
                    f"{TASKS}/{child['id']}", json={"parent_id": parent["id"]}, headers=headers
                )

            responses = at_once(base, [under(a, b), under(b, a)])
            assert sorted(response.status_code for response in responses) == [200, 422]
            (refused,) = [response.json() for response in responses if response.status_code == 422]
            assert refused["errors"][0]["pointer"] == "/body/parent_id"
            parents = {
                task["id"]: task["parent_id"]
                for task in (httpx.get(f"{base}{TASKS}/{t['id']}", headers=headers).json() for t in (a, b))
            }
            assert sorted(value is None for value in parents.values()) == [False, True]
